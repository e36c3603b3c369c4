-- The form as typed, one row per report, replaced at each save: what a person typed survives
-- leaving the form, a lock, a crash or a power cut even while some field does not check yet.
-- Revisions are still written only from checked reports.
CREATE TABLE work_in_progress (
    report_id  TEXT PRIMARY KEY,
    form       TEXT NOT NULL,   -- JSON of the form, invalid values kept as typed
    updated_at TEXT NOT NULL
) STRICT;

-- The one way revisions ever leave: a draft deleted on the device that wrote it, never queued
-- or sent. A row here lets the report's revisions be deleted in the same transaction (which
-- then removes the row); inserting one is refused for anything else.
CREATE TABLE draft_deletions (
    report_id TEXT PRIMARY KEY
) STRICT;

CREATE TRIGGER draft_deletions_only_unsent_drafts BEFORE INSERT ON draft_deletions
WHEN EXISTS (
    SELECT 1 FROM revisions
    WHERE report_id = NEW.report_id
      AND (json_extract(content, '$.status') IS NOT 'draft'
           OR device IS NOT (SELECT value FROM meta WHERE key = 'device_id')
           OR id IN (SELECT rev_id FROM outbox) OR id IN (SELECT rev_id FROM acked))
)
BEGIN SELECT RAISE(ABORT, 'only a draft never sent can be deleted'); END;

CREATE TRIGGER draft_deletions_fixed BEFORE UPDATE ON draft_deletions
BEGIN SELECT RAISE(ABORT, 'draft deletions cannot be changed'); END;

DROP TRIGGER revisions_are_append_only_delete;
CREATE TRIGGER revisions_are_append_only_delete BEFORE DELETE ON revisions
WHEN NOT EXISTS (SELECT 1 FROM draft_deletions WHERE report_id = OLD.report_id)
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
