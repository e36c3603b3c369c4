-- Review decisions received from the server (issue 14): append-only, each kept once by its id,
-- in the same transaction as the pulled page and both cursors (the decision feed's is
-- `meta.reviews_cursor`). A report's review is its latest decision (the last received: the feed
-- gives them in the server's order); a
-- decision may arrive before the report's revisions do.
CREATE TABLE reviews (
    id          TEXT PRIMARY KEY,
    report_id   TEXT NOT NULL,
    revision    TEXT NOT NULL,   -- the revision the reviewer read
    state       TEXT NOT NULL,   -- verified, needs_follow_up, rejected
    comment     TEXT,
    by_user     TEXT NOT NULL,
    at          TEXT NOT NULL,   -- RFC 3339, as the server sent it
    received_at TEXT NOT NULL
) STRICT;
CREATE INDEX reviews_by_report ON reviews (report_id);
CREATE TRIGGER reviews_are_append_only_update BEFORE UPDATE ON reviews
BEGIN SELECT RAISE(ABORT, 'review decisions are append-only'); END;
CREATE TRIGGER reviews_are_append_only_delete BEFORE DELETE ON reviews
BEGIN SELECT RAISE(ABORT, 'review decisions are append-only'); END;
