-- Sessions are bounded per identity (the oldest are dropped): each row names its identity.
ALTER TABLE auth_session ADD COLUMN auth_identity_id TEXT NOT NULL DEFAULT '';
UPDATE auth_session SET auth_identity_id = COALESCE(json_extract(auth_context, '$.auth_identity_id'), '');
CREATE INDEX auth_session_identity ON auth_session (auth_identity_id, expires_at);
