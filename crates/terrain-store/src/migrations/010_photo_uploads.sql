-- Photos to upload, apart from the outbox: a revision leaves the outbox once the server stores
-- it (its photos pending there), and the photos it names wait here until the server holds them
-- whole. Filled in the transaction that acknowledges the revision, emptied one photo at a time
-- as each upload completes, so a sync killed at any instant leaves each photo queued or stored.
CREATE TABLE photo_uploads (
    sha256    TEXT PRIMARY KEY,   -- one row per photo, however many revisions name it
    report_id TEXT NOT NULL,      -- the report that first named it (for progress)
    size      INTEGER NOT NULL,
    tried     INTEGER NOT NULL DEFAULT 0,  -- 1 once an upload began: ask the server where it stands
    queued_at TEXT NOT NULL
) STRICT;
