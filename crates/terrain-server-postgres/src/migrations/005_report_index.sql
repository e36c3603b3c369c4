-- The console's report index (issue 14): one row per report, rewritten in the push
-- transaction from the report's current heads (terrain_server_store::index decides what goes
-- in), with its words as a tsvector ('simple' configuration over unaccent). Filled for
-- existing reports by this step's code. unaccent is installed in public once per database
-- (a trusted extension: a database owner may create it).
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
CREATE TABLE IF NOT EXISTS report_index (
    report_id      UUID PRIMARY KEY,
    last_seq       BIGINT NOT NULL UNIQUE,   -- the latest revision's feed position: inbox order
    region         TEXT NOT NULL,            -- canonical, of the current head
    cercle_key     TEXT,                     -- admin2, folded
    event_type     TEXT,                     -- label
    categories     TEXT NOT NULL,            -- ' label label '
    date_from      DATE NOT NULL,
    date_to        DATE NOT NULL,
    week           TEXT NOT NULL,            -- ISO week of date_from, 2026-W48
    author         TEXT NOT NULL,
    pushed_by      TEXT,
    disputed       BOOLEAN NOT NULL,
    review_state   TEXT,                     -- the latest review decision's state; NULL: none
    first_received TIMESTAMPTZ NOT NULL,
    row_json       TEXT NOT NULL,            -- the inbox row, without its review
    search         TSVECTOR NOT NULL
);
CREATE INDEX IF NOT EXISTS report_index_by_region ON report_index (region, last_seq);
CREATE INDEX IF NOT EXISTS report_index_search ON report_index USING gin (search);
