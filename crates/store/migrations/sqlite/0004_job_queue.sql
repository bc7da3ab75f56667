-- Jobs become a queue that several worker processes share (`tenure worker`, and the worker
-- inside `tenure serve`): what to do (payload, JSON), when it may run (run_after, for retries
-- with backoff), who holds it and until when (a lease the worker renews while it works — an
-- expired lease means the worker died, and the job is free to claim again), and how often it
-- was claimed (attempts, up to max_attempts, after which it fails for good).
ALTER TABLE jobs ADD COLUMN payload TEXT NOT NULL DEFAULT '{}';
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 3;
ALTER TABLE jobs ADD COLUMN run_after TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN worker TEXT;
ALTER TABLE jobs ADD COLUMN lease_until TEXT;
CREATE INDEX jobs_waiting ON jobs (status, run_after, id);

-- The kill switch: while set, the organization's jobs wait in the queue unclaimed (no
-- scoring, no delivery) and its data stays as it is.
ALTER TABLE organizations ADD COLUMN suspended_at TEXT;

-- A file uploaded for import, kept in the database until its job ends, so that whichever
-- worker claims the job can read it.
CREATE TABLE uploads (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    content         BLOB NOT NULL,
    created_at      TEXT NOT NULL
);
