-- Shared sites (issue 15). Site revisions: append-only, each once by id, at its position of
-- the site feed (`seq`; one writer, so positions commit in order). `region` is the content's
-- admin1 as the gazetteer spells it (a report's region column's rule): what the feed filters
-- by. A revision's parents are stored before it (the server refuses one whose parents it has
-- not), so the feed gives parents before children.
CREATE TABLE IF NOT EXISTS site_revisions (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    site_id      TEXT NOT NULL,
    region       TEXT NOT NULL,
    parents      TEXT NOT NULL,
    content      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    author       TEXT NOT NULL,
    device       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    received_at  TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS site_revisions_by_region ON site_revisions (region, seq);
CREATE INDEX IF NOT EXISTS site_revisions_by_site ON site_revisions (site_id);
CREATE TRIGGER IF NOT EXISTS site_revisions_are_append_only_update BEFORE UPDATE ON site_revisions
BEGIN SELECT RAISE(ABORT, 'site revisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS site_revisions_are_append_only_delete BEFORE DELETE ON site_revisions
BEGIN SELECT RAISE(ABORT, 'site revisions are append-only'); END;
