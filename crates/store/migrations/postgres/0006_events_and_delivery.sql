-- HR events, warning delivery and the warning lifecycle.
--
-- An event (pay change, promotion, exit…) changes a person's current (latest) snapshot; the
-- row here keeps what it changed, before and after, so the state can always be explained.
CREATE TABLE events (
    id              BIGSERIAL PRIMARY KEY,
    org_id          BIGINT NOT NULL REFERENCES organizations(id),
    person_key      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    effective       TEXT NOT NULL,
    changes         TEXT NOT NULL,
    applied_as_of   TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    created_by      BIGINT,
    FOREIGN KEY (org_id, person_key) REFERENCES people (org_id, person_key)
);
CREATE INDEX events_org ON events (org_id, id);
CREATE INDEX snapshots_month ON snapshots (org_id, as_of);

-- Warnings are about a person or a team (a team's expected leavers past a threshold), and are
-- known outside the app only by an opaque public id.
ALTER TABLE warnings ADD COLUMN public_id TEXT;
UPDATE warnings SET public_id = md5(random()::text || id::text);
ALTER TABLE warnings ALTER COLUMN public_id SET NOT NULL;
CREATE UNIQUE INDEX warnings_public ON warnings (public_id);
ALTER TABLE warnings ADD COLUMN subject TEXT NOT NULL DEFAULT 'person' CHECK (subject IN ('person', 'team'));
ALTER TABLE warnings ALTER COLUMN person_key DROP NOT NULL;
ALTER TABLE warnings ADD COLUMN outcome TEXT CHECK (outcome IN ('stayed', 'left'));
ALTER TABLE warnings ADD COLUMN outcome_at TEXT;
ALTER TABLE warnings ADD COLUMN closed_by BIGINT;
ALTER TABLE warnings ADD COLUMN decision TEXT;
ALTER TABLE warnings ADD COLUMN reason TEXT;
CREATE INDEX warnings_team ON warnings (org_id, subject, team, id);

-- Every step of a warning's lifecycle: who did what, when, with what detail.
CREATE TABLE warning_steps (
    id              BIGSERIAL PRIMARY KEY,
    org_id          BIGINT NOT NULL REFERENCES organizations(id),
    warning_id      BIGINT NOT NULL REFERENCES warnings(id),
    step            TEXT NOT NULL,
    by_user         BIGINT,
    at              TEXT NOT NULL,
    detail          TEXT NOT NULL
);
CREATE INDEX warning_steps_warning ON warning_steps (org_id, warning_id, id);

-- Where warnings go: signed webhooks, and e-mail settings (immediate or a daily digest).
CREATE TABLE webhooks (
    id              BIGSERIAL PRIMARY KEY,
    org_id          BIGINT NOT NULL REFERENCES organizations(id),
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    created_by      BIGINT,
    removed_at      TEXT
);
CREATE INDEX webhooks_org ON webhooks (org_id, id);

CREATE TABLE email_settings (
    org_id          BIGINT PRIMARY KEY REFERENCES organizations(id),
    settings        TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- One message to one destination. A delivery that used up its attempts is dead (the
-- dead-letter list) until someone replays it.
CREATE TABLE deliveries (
    id              BIGSERIAL PRIMARY KEY,
    org_id          BIGINT NOT NULL REFERENCES organizations(id),
    warning_id      BIGINT REFERENCES warnings(id),
    channel         TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
    webhook_id      BIGINT REFERENCES webhooks(id),
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX deliveries_org ON deliveries (org_id, status, id);

-- Deliveries go before other waiting work: a warning already raised should not queue behind
-- the re-scoring of later events.
ALTER TABLE jobs ADD COLUMN priority BIGINT NOT NULL DEFAULT 0;
CREATE INDEX jobs_by_priority ON jobs (status, priority, id);
