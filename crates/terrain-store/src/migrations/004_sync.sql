-- Sync: which revisions the server holds. The pull cursor lives in meta ('pull_cursor').
CREATE TABLE acked (
    rev_id     TEXT PRIMARY KEY REFERENCES revisions (id),
    server_seq INTEGER,
    acked_at   TEXT NOT NULL
) STRICT;
