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
