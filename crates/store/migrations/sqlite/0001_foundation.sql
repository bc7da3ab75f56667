-- Organizations (tenants), imports, people, their snapshots, and protected attributes kept apart.
-- Every tenant-owned table carries org_id (see DESIGN.md: partitioning by organization).
CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE imports (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    file_name       TEXT NOT NULL,
    file_sha256     TEXT NOT NULL,
    shape           TEXT NOT NULL,
    mapping         TEXT NOT NULL,
    value_kinds     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('complete', 'failed')),
    errors          TEXT NOT NULL DEFAULT '[]',
    rows_read       INTEGER NOT NULL DEFAULT 0,
    rows_added      INTEGER NOT NULL DEFAULT 0,
    rows_replaced   INTEGER NOT NULL DEFAULT 0,
    rows_unchanged  INTEGER NOT NULL DEFAULT 0,
    people_added    INTEGER NOT NULL DEFAULT 0,
    started_at      TEXT NOT NULL,
    finished_at     TEXT NOT NULL
);
CREATE INDEX imports_org ON imports (org_id, id);

CREATE TABLE people (
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    person_key      TEXT NOT NULL,
    first_as_of     TEXT NOT NULL,
    last_as_of      TEXT NOT NULL,
    exit_date       TEXT,
    exit_kind       TEXT,
    exit_voluntary  INTEGER,
    PRIMARY KEY (org_id, person_key)
);

-- as_of is '' for undated rows (cross-section and time-to-event exports).
CREATE TABLE snapshots (
    org_id          INTEGER NOT NULL,
    person_key      TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    import_id       INTEGER NOT NULL REFERENCES imports(id),
    fingerprint     TEXT NOT NULL,
    inputs          TEXT NOT NULL,
    exit_date       TEXT,
    exit_kind       TEXT,
    exit_voluntary  INTEGER,
    target_left     INTEGER,
    duration        REAL,
    event           INTEGER,
    PRIMARY KEY (org_id, person_key, as_of),
    FOREIGN KEY (org_id, person_key) REFERENCES people (org_id, person_key)
);

CREATE TABLE protected_attributes (
    org_id          INTEGER NOT NULL,
    person_key      TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    import_id       INTEGER NOT NULL REFERENCES imports(id),
    attributes      TEXT NOT NULL,
    PRIMARY KEY (org_id, person_key, as_of),
    FOREIGN KEY (org_id, person_key) REFERENCES people (org_id, person_key)
);
