-- The site registry, and which reports touch which site (for repeat attacks).
CREATE TABLE sites (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    admin1     TEXT NOT NULL,
    content    TEXT NOT NULL,   -- JSON of the site
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX sites_by_name ON sites (name);

CREATE TABLE report_sites (
    report_id TEXT NOT NULL REFERENCES reports (id),
    site_id   TEXT NOT NULL REFERENCES sites (id),
    PRIMARY KEY (report_id, site_id)
) STRICT;
CREATE INDEX report_sites_by_site ON report_sites (site_id);
