-- Bundles (issue 16): each device's bundle keys, sent with its sign-in. A bundle is signed by
-- `public_key` (Ed25519, base64); the reply is sealed to `recipient` (age X25519). Revoking
-- the device stamps `revoked_at`; its bundles are refused from then on.
CREATE TABLE IF NOT EXISTS device_keys (
    public_key  TEXT PRIMARY KEY,
    user_name   TEXT NOT NULL REFERENCES users (name),
    device_name TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    added_at    TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS device_keys_by_device ON device_keys (user_name, device_name);
