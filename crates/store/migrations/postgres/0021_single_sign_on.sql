-- Single sign-on through an organization's OpenID Connect provider: the provider and client
-- (the client secret sealed at rest), which addresses may sign in, how the provider's groups
-- map to roles, and whether passwords still work for the organization.
CREATE TABLE sign_on_settings (
    org_id              BIGINT PRIMARY KEY REFERENCES organizations(id),
    issuer              TEXT NOT NULL,
    client_id           TEXT NOT NULL,
    client_secret       TEXT NOT NULL,
    scopes              TEXT NOT NULL,
    allowed_domains     TEXT NOT NULL,
    groups_claim        TEXT NOT NULL,
    manager_key_claim   TEXT NOT NULL,
    group_grants        TEXT NOT NULL,
    password_sign_in    BIGINT NOT NULL DEFAULT 1,
    updated_at          TEXT NOT NULL
);

-- Sign-ins under way: the state sent to the provider (hashed), the nonce the ID token must
-- carry, the PKCE verifier (sealed) and the browser that started it (hashed), for ten minutes.
CREATE TABLE sign_on_attempts (
    state_hash          TEXT PRIMARY KEY,
    org_id              BIGINT NOT NULL REFERENCES organizations(id),
    nonce               TEXT NOT NULL,
    pkce_verifier       TEXT NOT NULL,
    browser_hash        TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX sign_on_attempts_age ON sign_on_attempts (created_at);

-- Which account a provider's subject is, per organization: a changed e-mail address at the
-- provider still signs in the same account.
CREATE TABLE sign_on_identities (
    org_id              BIGINT NOT NULL REFERENCES organizations(id),
    subject             TEXT NOT NULL,
    user_id             BIGINT NOT NULL REFERENCES users(id),
    last_sign_in_at     TEXT NOT NULL,
    PRIMARY KEY (org_id, subject)
);
