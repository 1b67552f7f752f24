-- The newest password-reset token of each identity (a new one replaces the old; using it deletes it), stored as the
-- SHA-256 of the token, and the outbox of events for the webhook: written in the transaction of the change they
-- announce, deleted once delivered.
CREATE TABLE password_reset_token (
    auth_identity_id TEXT PRIMARY KEY,
    token_hash       TEXT NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE event_outbox (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    data            TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX event_outbox_due ON event_outbox (next_attempt_at);
