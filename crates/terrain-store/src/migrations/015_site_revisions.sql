-- Shared sites (issue 15, docs/sync-protocol.md): the registry's history. Every saved state of
-- a site is a revision (terrain_domain SiteRevision), kept once by id, never changed; a site's
-- heads are its revisions no other follows (two are a conflict, merged like a report's).
-- `sites` stays the current view (the shown head), read by the app, the CLI and exports.
--
-- `queued` is 1 for a revision made here the server has not stored yet; the site feed's
-- cursor is `meta.sites_cursor`, moved in the pulled page's transaction. Sites saved before
-- this migration get their first revision, queued, when the store next opens (a revision's id
-- and hash are made in code).
CREATE TABLE site_revisions (
    id           TEXT PRIMARY KEY,
    site_id      TEXT NOT NULL,
    parents      TEXT NOT NULL,   -- JSON array of revision ids
    author       TEXT NOT NULL,
    device       TEXT NOT NULL,
    created_at   TEXT NOT NULL,   -- RFC 3339 with nanoseconds
    content_hash TEXT NOT NULL,
    content      TEXT NOT NULL,   -- JSON of the site
    queued       INTEGER NOT NULL DEFAULT 0,
    refused      TEXT,            -- the server's reason: out of the queue until saved again
    received_at  TEXT NOT NULL
) STRICT;
CREATE INDEX site_revisions_by_site ON site_revisions (site_id);
CREATE INDEX site_revisions_queued ON site_revisions (queued) WHERE queued = 1 AND refused IS NULL;

CREATE TABLE site_heads (
    site_id TEXT NOT NULL,
    rev_id  TEXT NOT NULL,
    PRIMARY KEY (site_id, rev_id)
) STRICT, WITHOUT ROWID;
