CREATE TABLE IF NOT EXISTS users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    regions       TEXT NOT NULL,   -- JSON array
    password_hash TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS devices (
    token_hash TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users (name),
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS revisions (
    seq         INTEGER PRIMARY KEY,  -- the feed position; one writer, so commits come in order
    id          TEXT NOT NULL UNIQUE,
    report_id   TEXT NOT NULL,
    region      TEXT NOT NULL,
    revision    TEXT NOT NULL,        -- JSON of the whole revision
    received_at TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS revisions_by_region ON revisions (region, seq);
CREATE INDEX IF NOT EXISTS revisions_by_report ON revisions (report_id);
-- Sources' contacts, sealed under the server's contact key (kept outside this file): one row
-- per revision and source that carried one. Revision rows carry none.
CREATE TABLE IF NOT EXISTS contacts (
    rev_id     TEXT NOT NULL,
    report_id  TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    source_key TEXT NOT NULL,
    pushed_by  TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    PRIMARY KEY (rev_id, source_key)
) STRICT;
CREATE INDEX IF NOT EXISTS contacts_by_report ON contacts (report_id, seq);
CREATE TABLE IF NOT EXISTS heads (
    report_id TEXT NOT NULL,
    rev_id    TEXT NOT NULL,
    PRIMARY KEY (report_id, rev_id)
) STRICT;
CREATE TABLE IF NOT EXISTS verifications (
    report_id TEXT PRIMARY KEY,
    by_user   TEXT NOT NULL,
    at        TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS blobs (
    sha256   TEXT PRIMARY KEY,
    data     BLOB NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0
) STRICT;
-- The audit log: append-only, like the device store's revisions. Times are UTC RFC 3339 with
-- microseconds and a Z, so they sort as text.
CREATE TABLE IF NOT EXISTS audit (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  TEXT,
    device TEXT,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS audit_by_actor ON audit (actor, at);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit (at);
CREATE TRIGGER IF NOT EXISTS audit_is_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_is_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
