-- Warnings: raised when a person's risk rises as the organization's policy says, at most one
-- per person per episode; each carries what changed and the drivers with the supportive
-- action each suggests — never a name in what is delivered outside the app.
CREATE TABLE warning_policies (
    org_id          BIGINT PRIMARY KEY REFERENCES organizations(id),
    policy          TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE warnings (
    id              BIGSERIAL PRIMARY KEY,
    org_id          BIGINT NOT NULL REFERENCES organizations(id),
    person_key      TEXT NOT NULL,
    model_version   BIGINT NOT NULL,
    raised_at       TEXT NOT NULL,
    triggers        TEXT NOT NULL,
    drivers         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'action_recorded', 'closed', 'dismissed')),
    team            TEXT,
    department      TEXT,
    manager         TEXT,
    closed_at       TEXT,
    FOREIGN KEY (org_id, person_key) REFERENCES people (org_id, person_key)
);
CREATE INDEX warnings_person ON warnings (org_id, person_key, id);
