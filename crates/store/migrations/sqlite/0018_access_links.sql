-- Links HR sends a person to see what tenure holds about them and to object: only the
-- token's SHA-256 is kept; a link works until it expires.
CREATE TABLE access_links (
    token_hash      TEXT PRIMARY KEY,
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    person_key      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL
);
CREATE INDEX access_links_person ON access_links (org_id, person_key);
