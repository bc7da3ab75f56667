-- Scheduled pulls from an organization's HRIS: where the report is (an HTTPS URL or an SFTP
-- path), how to sign in (the secret sealed), the mapping its files are read with, how often,
-- and whether the sync safety check has paused it.
CREATE TABLE data_sources (
    org_id              BIGINT PRIMARY KEY REFERENCES organizations(id),
    location            TEXT NOT NULL,
    auth                TEXT NOT NULL CHECK (auth IN ('none', 'basic', 'bearer', 'password', 'key')),
    username            TEXT,
    secret              TEXT,
    ca_certificate      TEXT,
    host_key            TEXT,
    file_name           TEXT NOT NULL,
    mapping_toml        TEXT NOT NULL,
    every_hours         BIGINT NOT NULL,
    replace_changed     BIGINT NOT NULL DEFAULT 1,
    next_pull_at        TEXT NOT NULL,
    paused_at           TEXT,
    paused_reason       TEXT,
    updated_at          TEXT NOT NULL
);

-- Every pull: when, what it read, what landed, or why nothing did.
CREATE TABLE pulls (
    id                  BIGSERIAL PRIMARY KEY,
    org_id              BIGINT NOT NULL REFERENCES organizations(id),
    started_at          TEXT NOT NULL,
    finished_at         TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('landed', 'paused', 'refused', 'failed')),
    started_by          TEXT NOT NULL,
    bytes               BIGINT NOT NULL DEFAULT 0,
    rows_read           BIGINT NOT NULL DEFAULT 0,
    rows_added          BIGINT NOT NULL DEFAULT 0,
    rows_replaced       BIGINT NOT NULL DEFAULT 0,
    people_in_file      BIGINT NOT NULL DEFAULT 0,
    people_leaving      BIGINT NOT NULL DEFAULT 0,
    ids_changed         BIGINT NOT NULL DEFAULT 0,
    import_id           BIGINT,
    message             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pulls_org ON pulls (org_id, id);
