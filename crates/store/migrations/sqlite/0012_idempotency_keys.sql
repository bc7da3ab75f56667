-- A client's Idempotency-Key on an events request, with what the request's body hashed to
-- and the answer it got: a retried request (its answer lost to a timeout, a dropped
-- connection, a server that died) gets that answer again instead of applying its events a
-- second time. Kept a day; only ids and counts, no personal data.
CREATE TABLE idempotency_keys (
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    idempotency_key TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    answer          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (org_id, idempotency_key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (org_id, created_at);
