-- Review decisions (issue 14): append-only, each at its position of the decision feed
-- (`seq`; one writer, so positions commit in order). A report's review is its latest decision;
-- the report's index row keeps that decision's state for the console's filter.
CREATE TABLE IF NOT EXISTS reviews (
    seq       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    report_id TEXT NOT NULL,
    revision  TEXT NOT NULL,   -- the revision the reviewer read
    state     TEXT NOT NULL CHECK (state IN ('verified', 'needs_follow_up', 'rejected')),
    comment   TEXT,
    by_user   TEXT NOT NULL,
    at        TEXT NOT NULL    -- RFC 3339, UTC
) STRICT;
CREATE INDEX IF NOT EXISTS reviews_by_report ON reviews (report_id, seq);
CREATE TRIGGER IF NOT EXISTS reviews_are_append_only_update BEFORE UPDATE ON reviews
BEGIN SELECT RAISE(ABORT, 'review decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS reviews_are_append_only_delete BEFORE DELETE ON reviews
BEGIN SELECT RAISE(ABORT, 'review decisions are append-only'); END;
-- Verifications made before reviews become `verified` decisions on the report's head (its
-- first by id when in conflict); the table stays, read by nothing.
INSERT INTO reviews (id, report_id, revision, state, comment, by_user, at)
SELECT lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8'
             || substr(h, 18, 3) || '-' || substr(h, 21, 12)),
       report_id, revision, 'verified', NULL, by_user, at
  FROM (SELECT hex(randomblob(16)) AS h, v.report_id, v.by_user, v.at,
               coalesce((SELECT min(rev_id) FROM heads WHERE heads.report_id = v.report_id),
                        (SELECT id FROM revisions WHERE revisions.report_id = v.report_id
                          ORDER BY seq DESC LIMIT 1)) AS revision
          FROM verifications v)
 WHERE revision IS NOT NULL
 ORDER BY at;
-- The console's index (step 5) takes their state: step 6's code (`reviews::index_states`).
