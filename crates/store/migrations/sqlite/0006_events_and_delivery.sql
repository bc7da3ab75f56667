-- HR events, warning delivery and the warning lifecycle.
--
-- An event (pay change, promotion, exit…) changes a person's current (latest) snapshot; the
-- row here keeps what it changed, before and after, so the state can always be explained.
CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    person_key      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    effective       TEXT NOT NULL,
    changes         TEXT NOT NULL,
    applied_as_of   TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    created_by      INTEGER,
    FOREIGN KEY (org_id, person_key) REFERENCES people (org_id, person_key)
);
CREATE INDEX events_org ON events (org_id, id);
CREATE INDEX snapshots_month ON snapshots (org_id, as_of);

-- Warnings are about a person or a team (a team's expected leavers past a threshold), and are
-- known outside the app only by an opaque public id. Rebuilt because SQLite cannot drop NOT
-- NULL from person_key.
CREATE TABLE warnings_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    public_id       TEXT NOT NULL UNIQUE,
    subject         TEXT NOT NULL DEFAULT 'person' CHECK (subject IN ('person', 'team')),
    person_key      TEXT,
    model_version   INTEGER NOT NULL,
    raised_at       TEXT NOT NULL,
    triggers        TEXT NOT NULL,
    drivers         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'action_recorded', 'closed', 'dismissed')),
    team            TEXT,
    department      TEXT,
    manager         TEXT,
    outcome         TEXT CHECK (outcome IN ('stayed', 'left')),
    outcome_at      TEXT,
    closed_at       TEXT,
    closed_by       INTEGER,
    decision        TEXT,
    reason          TEXT,
    FOREIGN KEY (org_id, person_key) REFERENCES people (org_id, person_key)
);
INSERT INTO warnings_new (id, org_id, public_id, person_key, model_version, raised_at, triggers, drivers, status, team, department, manager, closed_at)
    SELECT id, org_id, lower(hex(randomblob(12))), person_key, model_version, raised_at, triggers, drivers, status, team, department, manager, closed_at FROM warnings;
DROP TABLE warnings;
ALTER TABLE warnings_new RENAME TO warnings;
CREATE INDEX warnings_person ON warnings (org_id, person_key, id);
CREATE INDEX warnings_team ON warnings (org_id, subject, team, id);

-- Every step of a warning's lifecycle: who did what, when, with what detail.
CREATE TABLE warning_steps (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    warning_id      INTEGER NOT NULL REFERENCES warnings(id),
    step            TEXT NOT NULL,
    by_user         INTEGER,
    at              TEXT NOT NULL,
    detail          TEXT NOT NULL
);
CREATE INDEX warning_steps_warning ON warning_steps (org_id, warning_id, id);

-- Where warnings go: signed webhooks, and e-mail settings (immediate or a daily digest).
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    created_by      INTEGER,
    removed_at      TEXT
);
CREATE INDEX webhooks_org ON webhooks (org_id, id);

CREATE TABLE email_settings (
    org_id          INTEGER PRIMARY KEY REFERENCES organizations(id),
    settings        TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- One message to one destination. A delivery that used up its attempts is dead (the
-- dead-letter list) until someone replays it.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    warning_id      INTEGER REFERENCES warnings(id),
    channel         TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
    webhook_id      INTEGER REFERENCES webhooks(id),
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX deliveries_org ON deliveries (org_id, status, id);

-- Deliveries go before other waiting work: a warning already raised should not queue behind
-- the re-scoring of later events.
ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_by_priority ON jobs (status, priority, id);
