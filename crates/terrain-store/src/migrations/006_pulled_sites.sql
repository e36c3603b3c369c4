-- A report pulled from the server may name a site this device's registry does not hold yet
-- (the registry is per device). The link is kept without a foreign key on the site, so such a
-- report applies instead of stopping sync; local saves still refuse unknown sites.
CREATE TABLE report_sites_new (
    report_id TEXT NOT NULL REFERENCES reports (id),
    site_id   TEXT NOT NULL,
    PRIMARY KEY (report_id, site_id)
) STRICT;
INSERT INTO report_sites_new (report_id, site_id) SELECT report_id, site_id FROM report_sites;
DROP TABLE report_sites;
ALTER TABLE report_sites_new RENAME TO report_sites;
CREATE INDEX report_sites_by_site ON report_sites (site_id);
