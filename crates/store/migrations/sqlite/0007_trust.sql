-- Trust: governance before scoring, fairness audits and their release gate, people's rights
-- (pseudonymous audit subjects, erasure, retention), offboarding, accuracy re-checks.

-- Scoring is switched on by recording why it is lawful and that workers were told.
CREATE TABLE governance (
    org_id                          INTEGER PRIMARY KEY REFERENCES organizations(id),
    legal_basis                     TEXT NOT NULL,
    impact_assessment               TEXT NOT NULL,
    workers_informed_on             TEXT NOT NULL,
    -- The accuracy the organization declares it relies on; the monthly re-check alerts below it.
    declared_min_roc_auc            REAL NOT NULL,
    declared_max_calibration_error  REAL NOT NULL,
    recorded_by                     TEXT NOT NULL,
    recorded_at                     TEXT NOT NULL
);

-- Audit rows name people by a keyed hash (HMAC with this key), so erasing a person leaves
-- the append-only chain intact and names nobody.
ALTER TABLE organizations ADD COLUMN pseudonym_key TEXT NOT NULL DEFAULT '';
UPDATE organizations SET pseudonym_key = lower(hex(randomblob(32)));
-- Leavers and months older than this are purged (NULL: kept until erased).
ALTER TABLE organizations ADD COLUMN retention_months INTEGER CHECK (retention_months >= 1);
-- When set, a model whose fairness audit is flagged is stored but not activated.
ALTER TABLE organizations ADD COLUMN fairness_gate INTEGER NOT NULL DEFAULT 0;
-- The smallest group any aggregate shows: 5, or more; never less.
ALTER TABLE organizations ADD COLUMN min_group_size INTEGER NOT NULL DEFAULT 5 CHECK (min_group_size >= 5);
-- Offboarding: the organization is suspended at once and all its rows deleted by this time.
-- Bumped by every erasure and purge, so caches of the organization's data know to reload.
ALTER TABLE organizations ADD COLUMN data_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN offboarded_at TEXT;
ALTER TABLE organizations ADD COLUMN purge_after TEXT;

-- A model held back (by the fairness gate) is stored but never used to score.
ALTER TABLE models ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE models ADD COLUMN held_reason TEXT;

-- Each month, stored scores whose horizon has passed are compared with what happened.
CREATE TABLE accuracy_checks (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id              INTEGER NOT NULL REFERENCES organizations(id),
    checked_at          TEXT NOT NULL,
    model_version       INTEGER,
    scored_from         TEXT,
    scored_to           TEXT,
    scores              INTEGER NOT NULL,
    leavers             INTEGER NOT NULL,
    roc_auc             REAL,
    calibration_error   REAL,
    brier               REAL,
    below_declared      INTEGER NOT NULL,
    detail              TEXT NOT NULL
);
CREATE INDEX accuracy_checks_org ON accuracy_checks (org_id, id);

-- What the platform operator must look at (accuracy below the declared level, …).
CREATE TABLE operator_alerts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    at              TEXT NOT NULL,
    kind            TEXT NOT NULL,
    message         TEXT NOT NULL,
    acknowledged_at TEXT
);
CREATE INDEX operator_alerts_org ON operator_alerts (org_id, id);

-- The audit log stays append-only, except that an offboarded organization's rows go with it.
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM organizations WHERE id = OLD.org_id AND purge_after IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
