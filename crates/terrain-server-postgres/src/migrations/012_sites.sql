-- Shared sites (issue 15). Site revisions: append-only, each once by id, at its position of
-- the site feed (`seq`). Writers lock the table (SHARE ROW EXCLUSIVE, which readers do not
-- wait for) for their transaction, so positions commit in the order they are handed out and
-- the feed never skips a revision that commits late. `region` is the content's admin1 as the
-- gazetteer spells it (a report's region column's rule): what the feed filters by. A
-- revision's parents are stored before it, so the feed gives parents before children.
-- `created_at` is kept as sent (RFC 3339, to the nanosecond), so a revision reads back whole.
CREATE TABLE IF NOT EXISTS site_revisions (
    seq          BIGSERIAL PRIMARY KEY,
    id           UUID NOT NULL UNIQUE,
    site_id      UUID NOT NULL,
    region       TEXT NOT NULL,
    parents      TEXT NOT NULL,
    content      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    author       TEXT NOT NULL,
    device       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS site_revisions_by_region ON site_revisions (region, seq);
CREATE INDEX IF NOT EXISTS site_revisions_by_site ON site_revisions (site_id);
CREATE OR REPLACE FUNCTION site_revisions_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'site revisions are append-only';
END
$$;
CREATE OR REPLACE TRIGGER site_revisions_are_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON site_revisions
    FOR EACH STATEMENT EXECUTE FUNCTION site_revisions_are_append_only();
