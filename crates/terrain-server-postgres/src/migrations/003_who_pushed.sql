-- Who pushed each revision (the signed-in user and their device's name), beside the author the
-- person typed; NULL for revisions stored before the server recorded it.
ALTER TABLE revisions ADD COLUMN IF NOT EXISTS pushed_by TEXT;
ALTER TABLE revisions ADD COLUMN IF NOT EXISTS pushed_device TEXT;
-- The user each device id found in revisions (`revision.device`) first pushed under: a device
-- id belongs to one user, so no one can sign revisions as another user's device.
CREATE TABLE IF NOT EXISTS device_owners (
    device    TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    first_rev UUID NOT NULL
);
-- When each token was last used: tokens unused for the idle time are refused. Tokens that
-- predate this count from the upgrade.
ALTER TABLE devices ADD COLUMN IF NOT EXISTS last_used_at TIMESTAMPTZ;
UPDATE devices SET last_used_at = now() WHERE last_used_at IS NULL;
