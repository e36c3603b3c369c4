-- Reports, their append-only revisions, current heads and the outbox of revisions to send.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE revisions (
    seq          INTEGER PRIMARY KEY,   -- local order of arrival
    id           TEXT NOT NULL UNIQUE,
    report_id    TEXT NOT NULL,
    parents      TEXT NOT NULL,         -- JSON array of revision ids
    author       TEXT NOT NULL,
    device       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    content_hash TEXT NOT NULL,         -- sha256 of content
    content      TEXT NOT NULL          -- canonical JSON of the report
) STRICT;
CREATE INDEX revisions_by_report ON revisions (report_id, seq);

CREATE TRIGGER revisions_are_append_only_update BEFORE UPDATE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
CREATE TRIGGER revisions_are_append_only_delete BEFORE DELETE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;

-- The revisions no other revision follows. More than one for a report is a conflict.
CREATE TABLE heads (
    report_id TEXT NOT NULL,
    rev_id    TEXT NOT NULL REFERENCES revisions (id),
    PRIMARY KEY (report_id, rev_id)
) STRICT;

-- One row per report: the chosen head's fields, for lists and filters.
CREATE TABLE reports (
    n              INTEGER PRIMARY KEY,  -- stable rowid, shared with the search index
    id             TEXT NOT NULL UNIQUE,
    head           TEXT NOT NULL REFERENCES revisions (id),
    title          TEXT NOT NULL,
    status         TEXT NOT NULL,
    event_date     TEXT NOT NULL,
    admin1         TEXT NOT NULL,
    admin2         TEXT,
    event_type     TEXT,
    updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX reports_by_date ON reports (event_date DESC, id DESC);
CREATE INDEX reports_by_admin1 ON reports (admin1, event_date DESC);
CREATE INDEX reports_by_type ON reports (event_type, event_date DESC);

CREATE TABLE outbox (
    seq       INTEGER PRIMARY KEY,
    rev_id    TEXT NOT NULL UNIQUE REFERENCES revisions (id),
    queued_at TEXT NOT NULL
) STRICT;
