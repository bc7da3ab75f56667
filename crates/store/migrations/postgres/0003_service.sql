-- The service: people who sign in (users, global), their memberships in organizations with a
-- role, invitations, sessions, API tokens, the organization's plan, background jobs, the
-- hash-chained audit log of reads, and failed logins for throttling.
-- Platform-wide tables (no org_id): users, login_failures. Every other table carries org_id.
ALTER TABLE organizations ADD COLUMN plan TEXT NOT NULL DEFAULT 'basic' CHECK (plan IN ('basic', 'member'));
-- NULL: no membership granted yet (an organization made from the command line).
ALTER TABLE organizations ADD COLUMN plan_expires_on TEXT;

CREATE TABLE users (
    id              BIGSERIAL PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

CREATE TABLE memberships (
    org_id          BIGINT NOT NULL REFERENCES organizations(id),
    user_id         BIGINT NOT NULL REFERENCES users(id),
    role            TEXT NOT NULL CHECK (role IN ('owner', 'hr', 'manager', 'auditor')),
    -- JSON array of departments/teams an hr member is limited to; [] = the whole organization.
    units           TEXT NOT NULL DEFAULT '[]',
    -- The person key (or manager-column value) whose reporting line a manager sees.
    manager_key     TEXT,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

CREATE TABLE invitations (
    id              BIGSERIAL PRIMARY KEY,
    org_id          BIGINT NOT NULL REFERENCES organizations(id),
    email           TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'hr', 'manager', 'auditor')),
    units           TEXT NOT NULL DEFAULT '[]',
    manager_key     TEXT,
    token_hash      TEXT NOT NULL UNIQUE,
    invited_by      BIGINT NOT NULL REFERENCES users(id),
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    accepted_at     TEXT
);
CREATE INDEX invitations_org ON invitations (org_id, id);

CREATE TABLE sessions (
    id_hash         TEXT PRIMARY KEY,
    org_id          BIGINT NOT NULL REFERENCES organizations(id),
    user_id         BIGINT NOT NULL REFERENCES users(id),
    csrf_token      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    ended_at        TEXT
);

CREATE TABLE api_tokens (
    id              BIGSERIAL PRIMARY KEY,
    org_id          BIGINT NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    scopes          TEXT NOT NULL,
    created_by      BIGINT NOT NULL REFERENCES users(id),
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    revoked_at      TEXT,
    last_used_at    TEXT
);
CREATE INDEX api_tokens_org ON api_tokens (org_id, id);

CREATE TABLE jobs (
    id              BIGSERIAL PRIMARY KEY,
    org_id          BIGINT NOT NULL REFERENCES organizations(id),
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    stage           TEXT NOT NULL DEFAULT '',
    error           TEXT,
    result          TEXT,
    created_by      BIGINT REFERENCES users(id),
    created_at      TEXT NOT NULL,
    started_at      TEXT,
    finished_at     TEXT
);
CREATE INDEX jobs_org ON jobs (org_id, id);

-- Append-only and hash-chained per organization: hash = SHA-256 over the previous hash and
-- this row's fields, so an edited, removed or reordered row breaks verification.
CREATE TABLE audit_log (
    org_id          BIGINT NOT NULL REFERENCES organizations(id),
    seq             BIGINT NOT NULL,
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    request_id      TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE login_failures (
    throttle_key    TEXT NOT NULL,
    at              TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (throttle_key, at);

-- The groups a score belongs to, so team and reporting-line aggregates need no JSON queries.
ALTER TABLE scores ADD COLUMN team TEXT;
ALTER TABLE scores ADD COLUMN department TEXT;
ALTER TABLE scores ADD COLUMN manager TEXT;
CREATE INDEX scores_team ON scores (org_id, model_version, team);
