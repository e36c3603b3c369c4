-- A site's incidents (issue 15, the console's site page). Which sites each report's heads
-- name, rewritten in the push transaction (terrain_server_store::sites::sites_named), so the
-- reports at a site are one indexed read; filled for reports stored before by this step's code.
CREATE TABLE IF NOT EXISTS report_sites (
    site_id   UUID NOT NULL,
    report_id UUID NOT NULL,
    PRIMARY KEY (site_id, report_id)
);
CREATE INDEX IF NOT EXISTS report_sites_by_report ON report_sites (report_id);
-- The sites merged into a site: revisions saying so, found by their content's merged_into.
CREATE INDEX IF NOT EXISTS site_revisions_by_merge
    ON site_revisions (((content::jsonb) ->> 'merged_into'));
