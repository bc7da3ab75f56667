-- Accounts an identity provider provisions through SCIM 2.0, per organization: whether the
-- provider has them active, the tenure group (role) it put them in, and the reporting line a
-- manager sees. A membership exists exactly while the account is active and in a group.
CREATE TABLE scim_users (
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    external_id     TEXT,
    active          INTEGER NOT NULL DEFAULT 1,
    role            TEXT CHECK (role IN ('owner', 'hr', 'manager', 'auditor')),
    manager_key     TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
