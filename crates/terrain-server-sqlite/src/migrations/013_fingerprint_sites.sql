-- The duplicate check's sites (issue 15): a row per site a report's fingerprint names, kept
-- with the fingerprint row in the push transaction, so a check reads the reports naming one of
-- its sites through an index, a bounded number of each (terrain_server_store::incidents::
-- CANDIDATES_READ). Rows for reports stored before come from their fingerprints.
CREATE TABLE IF NOT EXISTS fingerprint_sites (
    site_id   TEXT NOT NULL,
    report_id TEXT NOT NULL,
    PRIMARY KEY (site_id, report_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fingerprint_sites_by_report ON fingerprint_sites (report_id);
INSERT OR IGNORE INTO fingerprint_sites (site_id, report_id)
SELECT j.value, f.report_id FROM fingerprints f, json_each(f.fp, '$.sites') j;
