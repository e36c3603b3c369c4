-- Incidents (issue 15). One fingerprint row per report, rewritten in the push transaction from
-- its current head: the duplicate check's blocking key as columns (terrain_server_store::
-- incidents), the fingerprint as JSON. A check reads the rows of one region and a few weeks.
CREATE TABLE IF NOT EXISTS fingerprints (
    report_id  TEXT PRIMARY KEY,
    region     INTEGER NOT NULL,
    first_week INTEGER NOT NULL,
    last_week  INTEGER NOT NULL,
    cercle     INTEGER,
    cell_y     INTEGER,
    cell_x     INTEGER,
    fp         TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS fingerprints_by_week ON fingerprints (region, first_week, last_week);
-- Link operations: append-only, each once by id, at its position of the link feed (`seq`; one
-- writer, so positions commit in order). `regions` is the JSON array of its reports' regions
-- when it was stored: what the feed filters by.
CREATE TABLE IF NOT EXISTS link_ops (
    seq      INTEGER PRIMARY KEY,
    id       TEXT NOT NULL UNIQUE,
    report_a TEXT NOT NULL,
    report_b TEXT NOT NULL,
    regions  TEXT NOT NULL,
    op       TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS link_ops_by_a ON link_ops (report_a);
CREATE INDEX IF NOT EXISTS link_ops_by_b ON link_ops (report_b);
CREATE TRIGGER IF NOT EXISTS link_ops_are_append_only_update BEFORE UPDATE ON link_ops
BEGIN SELECT RAISE(ABORT, 'link operations are append-only'); END;
CREATE TRIGGER IF NOT EXISTS link_ops_are_append_only_delete BEFORE DELETE ON link_ops
BEGIN SELECT RAISE(ABORT, 'link operations are append-only'); END;
-- Reports stored before this step get their rows from step 11's code (`incidents::backfill`).
