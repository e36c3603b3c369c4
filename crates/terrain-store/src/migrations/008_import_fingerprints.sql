-- Reports imported from files that named no id, by a fingerprint of their content (sha256 of
-- the canonical JSON without the ids an import makes up), so that importing the same file
-- again, after a crash or by a retrying script, is recognised instead of making a second report.
CREATE TABLE import_fingerprints (
    fingerprint TEXT PRIMARY KEY,
    report_id   TEXT NOT NULL,
    imported_at TEXT NOT NULL
) STRICT;
