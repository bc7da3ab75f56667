-- Trained models (versioned per organization, artifact beside its model card), the scores
-- they gave (each naming its model version and a hash of its inputs), and risk thresholds.
ALTER TABLE organizations ADD COLUMN risk_high REAL NOT NULL DEFAULT 0.25;
ALTER TABLE organizations ADD COLUMN risk_medium REAL NOT NULL DEFAULT 0.10;

CREATE TABLE models (
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    version         INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    shape           TEXT NOT NULL,
    horizon_months  INTEGER,
    description     TEXT NOT NULL,
    card            TEXT NOT NULL,
    artifact        TEXT NOT NULL,
    PRIMARY KEY (org_id, version)
);

CREATE TABLE scores (
    org_id          INTEGER NOT NULL,
    model_version   INTEGER NOT NULL,
    person_key      TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    probability     REAL,
    band            TEXT NOT NULL CHECK (band IN ('high', 'medium', 'low', 'not_enough_data')),
    abstained       TEXT,
    drivers         TEXT NOT NULL,
    input_hash      TEXT NOT NULL,
    scored_at       TEXT NOT NULL,
    PRIMARY KEY (org_id, model_version, person_key, as_of),
    FOREIGN KEY (org_id, model_version) REFERENCES models (org_id, version),
    FOREIGN KEY (org_id, person_key) REFERENCES people (org_id, person_key)
);
CREATE INDEX scores_person ON scores (org_id, person_key, as_of);
