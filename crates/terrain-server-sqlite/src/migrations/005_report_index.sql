-- The console's report index (issue 14): one row per report, rewritten in the push
-- transaction from the report's current heads (terrain_server_store::index decides what goes
-- in), and its words in FTS5 keyed by its last_seq (a search reads them newest first).
-- Filled for existing reports by this step's code.
CREATE TABLE IF NOT EXISTS report_index (
    ix             INTEGER PRIMARY KEY,
    report_id      TEXT NOT NULL UNIQUE,
    last_seq       INTEGER NOT NULL UNIQUE,  -- the latest revision's feed position: inbox order
    region         TEXT NOT NULL,            -- canonical, of the current head
    cercle_key     TEXT,                     -- admin2, folded
    event_type     TEXT,                     -- label
    categories     TEXT NOT NULL,            -- ' label label '
    date_from      TEXT NOT NULL,            -- YYYY-MM-DD
    date_to        TEXT NOT NULL,
    week           TEXT NOT NULL,            -- ISO week of date_from, 2026-W48
    author         TEXT NOT NULL,
    pushed_by      TEXT,
    disputed       INTEGER NOT NULL,
    review_state   TEXT,                     -- the latest review decision's state; NULL: none
    first_received TEXT NOT NULL,
    row_json       TEXT NOT NULL             -- the inbox row, without its review
) STRICT;
CREATE INDEX IF NOT EXISTS report_index_by_region ON report_index (region, last_seq);
CREATE VIRTUAL TABLE IF NOT EXISTS report_search USING fts5(
    body, tokenize = 'unicode61 remove_diacritics 2'
);
