-- People who objected to being scored (GDPR art. 21, PIPL art. 44): while a row is here the
-- person is not scored, appears in no warning and counts in aggregates only as headcount.
-- Withdrawing deletes the row; both are in the audit log.
CREATE TABLE objections (
    org_id          BIGINT NOT NULL REFERENCES organizations(id),
    person_key      TEXT NOT NULL,
    objected_at     TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    PRIMARY KEY (org_id, person_key)
);
