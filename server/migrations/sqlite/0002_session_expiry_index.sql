-- Expired sessions are deleted as new ones are stored.
CREATE INDEX auth_session_expires_at ON auth_session (expires_at);
