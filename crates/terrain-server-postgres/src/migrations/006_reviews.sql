-- Review decisions (issue 14): append-only, each at its position of the decision feed
-- (`seq`). Writers lock the table (SHARE ROW EXCLUSIVE, which readers do not wait for) for
-- their transaction, so positions commit in the order they are handed out and the feed never
-- skips a decision that commits late. A report's review is its latest decision; the report's
-- index row keeps that decision's state for the console's filter.
CREATE TABLE IF NOT EXISTS reviews (
    seq       BIGSERIAL PRIMARY KEY,
    id        UUID NOT NULL UNIQUE,
    report_id UUID NOT NULL,
    revision  UUID NOT NULL,   -- the revision the reviewer read
    state     TEXT NOT NULL CHECK (state IN ('verified', 'needs_follow_up', 'rejected')),
    comment   TEXT,
    by_user   TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_by_report ON reviews (report_id, seq);
CREATE OR REPLACE FUNCTION reviews_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'review decisions are append-only';
END
$$;
CREATE OR REPLACE TRIGGER reviews_are_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION reviews_are_append_only();
-- Verifications made before reviews become `verified` decisions on the report's head (its
-- first by id when in conflict); the table stays, read by nothing.
INSERT INTO reviews (id, report_id, revision, state, comment, by_user, at)
SELECT gen_random_uuid(), report_id, revision, 'verified', NULL, by_user, at
  FROM (SELECT v.report_id, v.by_user, v.at,
               coalesce((SELECT min(rev_id::text)::uuid FROM heads WHERE heads.report_id = v.report_id),
                        (SELECT id FROM revisions WHERE revisions.report_id = v.report_id
                          ORDER BY seq DESC LIMIT 1)) AS revision
          FROM verifications v) AS old
 WHERE revision IS NOT NULL
 ORDER BY at;
-- The console's index (step 5), where there is one, takes their state.
DO $$
BEGIN
    IF to_regclass('report_index') IS NOT NULL THEN
        UPDATE report_index SET review_state = 'verified'
         WHERE report_id IN (SELECT report_id FROM reviews);
    END IF;
END
$$;
