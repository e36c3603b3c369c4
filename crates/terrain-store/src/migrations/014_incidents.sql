-- One incident, many reports (issue 15, docs/incidents.md).
--
-- Link operations: every link, unlink and dismissal this device holds, made here or pulled,
-- each kept once by its id (derived from its content). A pair's state is its latest operation
-- (terrain_domain::incident::LinkSet). `queued` is 1 for an operation made here and not yet
-- stored by the server; the feed's cursor is `meta.links_cursor`, moved in the pulled page's
-- transaction.
CREATE TABLE link_ops (
    id          TEXT PRIMARY KEY,
    report_a    TEXT NOT NULL,   -- the pair, smaller id first
    report_b    TEXT NOT NULL,
    action      TEXT NOT NULL,   -- link, unlink, dismiss
    at          TEXT NOT NULL,   -- RFC 3339 with nanoseconds, as the id was derived
    device      TEXT NOT NULL,
    by_user     TEXT NOT NULL,
    queued      INTEGER NOT NULL DEFAULT 0,
    received_at TEXT NOT NULL
) STRICT;
CREATE INDEX link_ops_queued ON link_ops (queued) WHERE queued = 1;
CREATE INDEX link_ops_a ON link_ops (report_a);
CREATE INDEX link_ops_b ON link_ops (report_b);

-- What the duplicate check reads of each report's head (terrain_domain Fingerprint, as JSON),
-- filed with every head change in its transaction. A check reads the fingerprints of its
-- region and weeks (fingerprint_weeks) and of its sites (fingerprint_sites), never reports.
CREATE TABLE fingerprints (
    report_id TEXT PRIMARY KEY,
    region    INTEGER NOT NULL,
    first_day INTEGER NOT NULL,
    last_day  INTEGER NOT NULL,
    content   TEXT NOT NULL
) STRICT;
-- Filed by region and week, with the cercle and the grid cell of the point (a quarter degree;
-- none without a point), so a check reads only what the index would compare.
CREATE TABLE fingerprint_weeks (
    region    INTEGER NOT NULL,
    week      INTEGER NOT NULL,
    report_id TEXT NOT NULL,
    cercle    INTEGER,
    cell_y    INTEGER,
    cell_x    INTEGER,
    PRIMARY KEY (region, week, report_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX fingerprint_weeks_by_report ON fingerprint_weeks (report_id);
CREATE TABLE fingerprint_sites (
    site_id   TEXT NOT NULL,     -- the site book's canonical id
    report_id TEXT NOT NULL,
    PRIMARY KEY (site_id, report_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX fingerprint_sites_by_report ON fingerprint_sites (report_id);

-- Remembered suggestions ("may be the same incident as"), both ways, computed when a report is
-- saved or pulled and when a pair is answered, so a list can badge "possible duplicate"
-- without checking. Answered pairs (linked or dismissed) are left out.
CREATE TABLE suggestions (
    report_id TEXT NOT NULL,
    other     TEXT NOT NULL,
    score     REAL NOT NULL,
    likeness  TEXT NOT NULL,     -- terrain_domain Likeness, as JSON
    PRIMARY KEY (report_id, other)
) STRICT, WITHOUT ROWID;
CREATE INDEX suggestions_by_other ON suggestions (other);
