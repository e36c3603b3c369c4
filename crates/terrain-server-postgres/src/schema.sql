CREATE TABLE IF NOT EXISTS users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    regions       TEXT NOT NULL,   -- JSON array
    password_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS devices (
    token_hash TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users (name),
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
-- One row: the last feed position handed out. Pushes lock it for their whole transaction, so
-- positions commit in the order they are handed out and a reader never sees N+1 before N.
CREATE TABLE IF NOT EXISTS feed_counter (
    one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    n   BIGINT NOT NULL
);
INSERT INTO feed_counter (one, n) VALUES (TRUE, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS revisions (
    seq         BIGINT PRIMARY KEY,
    id          UUID NOT NULL UNIQUE,
    report_id   UUID NOT NULL,
    region      TEXT NOT NULL,
    revision    TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS revisions_by_region ON revisions (region, seq);
CREATE INDEX IF NOT EXISTS revisions_by_report ON revisions (report_id);
-- Sources' contacts, sealed under the server's contact key (kept outside the database): one row
-- per revision and source that carried one. Revision rows carry none.
CREATE TABLE IF NOT EXISTS contacts (
    rev_id     UUID NOT NULL,
    report_id  UUID NOT NULL,
    seq        BIGINT NOT NULL,
    source_key TEXT NOT NULL,
    pushed_by  TEXT NOT NULL,
    sealed     BYTEA NOT NULL,
    PRIMARY KEY (rev_id, source_key)
);
CREATE INDEX IF NOT EXISTS contacts_by_report ON contacts (report_id, seq);
CREATE TABLE IF NOT EXISTS heads (
    report_id UUID NOT NULL,
    rev_id    UUID NOT NULL,
    PRIMARY KEY (report_id, rev_id)
);
CREATE TABLE IF NOT EXISTS verifications (
    report_id UUID PRIMARY KEY,
    by_user   TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS blobs (
    sha256   TEXT PRIMARY KEY,
    data     BYTEA NOT NULL,
    complete BOOLEAN NOT NULL DEFAULT FALSE
);
-- The audit log: append-only. Rows go in; a trigger refuses every UPDATE, DELETE and TRUNCATE.
CREATE TABLE IF NOT EXISTS audit (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     TIMESTAMPTZ NOT NULL,
    actor  TEXT,
    device TEXT,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_actor ON audit (actor, at);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit (at);
CREATE OR REPLACE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;
CREATE OR REPLACE TRIGGER audit_is_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_is_append_only();
-- Attachments (issue 11). An upload in progress is its uploader's own, keyed by (sha256,
-- owner), and grows by appended pieces, never rewritten; `touched_at` is when it last grew, for
-- the expiry sweep. Older servers' `blobs` rows stay readable when complete.
CREATE TABLE IF NOT EXISTS uploads (
    sha256     TEXT NOT NULL,
    owner      TEXT NOT NULL,
    received   BIGINT NOT NULL,
    pieces     BIGINT NOT NULL,
    touched_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (sha256, owner)
);
CREATE INDEX IF NOT EXISTS uploads_by_touch ON uploads (touched_at);
CREATE TABLE IF NOT EXISTS upload_pieces (
    sha256 TEXT NOT NULL,
    owner  TEXT NOT NULL,
    start  BIGINT NOT NULL,
    bytes  BYTEA NOT NULL,
    PRIMARY KEY (sha256, owner, start)
);
-- A complete blob, stored once, in the pieces it arrived in.
CREATE TABLE IF NOT EXISTS blob_files (
    sha256 TEXT PRIMARY KEY,
    size   BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS blob_pieces (
    sha256 TEXT NOT NULL,
    start  BIGINT NOT NULL,
    bytes  BYTEA NOT NULL,
    PRIMARY KEY (sha256, start)
);
-- Who proved they hold a blob by uploading it whole.
CREATE TABLE IF NOT EXISTS blob_holders (
    sha256    TEXT NOT NULL,
    user_name TEXT NOT NULL,
    PRIMARY KEY (sha256, user_name)
);
-- Which blobs each stored revision names among its attachments (filled at push): with the
-- revision's region, who else may know of a blob.
CREATE TABLE IF NOT EXISTS revision_blobs (
    sha256 TEXT NOT NULL,
    rev_id UUID NOT NULL,
    PRIMARY KEY (sha256, rev_id)
);
-- Revisions stored before `revision_blobs` existed, named once (the marker row says done).
CREATE TABLE IF NOT EXISTS revision_blobs_filled (one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one));
INSERT INTO revision_blobs (sha256, rev_id)
SELECT DISTINCT a ->> 'sha256', r.id
  FROM revisions r,
       jsonb_array_elements(coalesce(r.revision::jsonb -> 'content' -> 'attachments', '[]'::jsonb)) a
 WHERE NOT EXISTS (SELECT 1 FROM revision_blobs_filled) AND a ->> 'sha256' IS NOT NULL
ON CONFLICT DO NOTHING;
INSERT INTO revision_blobs_filled (one) VALUES (TRUE) ON CONFLICT DO NOTHING;
