-- Identities, customers, publishable keys and sessions.
CREATE TABLE auth_identity (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    customer_id   TEXT,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE customer (
    id           TEXT PRIMARY KEY,
    email        TEXT,
    company_name TEXT,
    first_name   TEXT,
    last_name    TEXT,
    phone        TEXT,
    metadata     JSONB,
    has_account  BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    deleted_at   TIMESTAMPTZ
);
-- As in Medusa: one account and one guest per email at most.
CREATE UNIQUE INDEX customer_email_has_account_unique ON customer (email, has_account) WHERE deleted_at IS NULL;

CREATE TABLE publishable_key (
    id         TEXT PRIMARY KEY,
    token      TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

CREATE TABLE auth_session (
    id           TEXT PRIMARY KEY,
    auth_context TEXT NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
