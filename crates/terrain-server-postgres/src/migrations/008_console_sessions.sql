-- Console (browser) sessions (issue 14): the cookie's token kept only as its sha256, with the
-- session's CSRF token, its user, when it was made and last used, when it ends whatever its
-- use, and when it was ended (signed out, password reset). Kept after they end, for the
-- record: a cookie used after its end is refused and audited.
CREATE TABLE IF NOT EXISTS console_sessions (
    token_hash   TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES users (name),
    csrf         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    ended_at     TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS console_sessions_by_user ON console_sessions (user_name);
-- The administrator's list of a user's devices.
CREATE INDEX IF NOT EXISTS devices_by_user ON devices (user_name);
