//! The site registry.

use crate::write::parse_uuid;
use crate::{Result, Store, StoreError};
use chrono::Utc;
use rusqlite::{OptionalExtension, params};
use terrain_domain::Site;
use terrain_domain::gazetteer::fold;
use uuid::Uuid;

impl Store {
    /// Adds a site (checked first) to the registry, or replaces the one with the same id.
    pub fn save_site(&self, site: Site) -> Result<Site> {
        let site = site.check()?;
        let conn = self.writer();
        conn.execute(
            "INSERT INTO sites (id, name, kind, admin1, content, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                 admin1 = excluded.admin1, content = excluded.content",
            params![
                site.id.to_string(),
                site.name,
                site.kind.key(),
                site.admin1,
                serde_json::to_string(&site).expect("sites serialise"),
                Utc::now().to_rfc3339(),
            ],
        )
        .map_err(self.sql())?;
        Ok(site)
    }

    /// Marks the site `merged` (found as [`Store::find_site`] finds it) a duplicate of `into`:
    /// wherever the registry is read it then resolves to `into` (`terrain_domain::site::resolve`).
    /// Saving the merged site again without the mark unmerges it.
    pub fn merge_site(&self, merged: &str, into: &str) -> Result<Site> {
        let mut site = self.find_site(merged)?;
        let target = self.find_site(into)?;
        site.merged_into = Some(target.id);
        self.save_site(site)
    }

    /// Every site, by name.
    pub fn sites(&self) -> Result<Vec<Site>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached("SELECT id, content FROM sites ORDER BY name, id")
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.sql())?;
        rows.map(|row| {
            let (id, content) = row.map_err(self.sql())?;
            serde_json::from_str(&content).map_err(|e| StoreError::Corrupt(id, e.to_string()))
        })
        .collect()
    }

    pub fn site(&self, id: Uuid) -> Result<Option<Site>> {
        let conn = self.reader()?;
        let content: Option<String> = conn
            .query_row(
                "SELECT content FROM sites WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql())?;
        content
            .map(|c| {
                serde_json::from_str(&c)
                    .map_err(|e| StoreError::Corrupt(id.to_string(), e.to_string()))
            })
            .transpose()
    }

    /// The site whose id starts with, or whose name matches (accents ignored), what was typed.
    pub fn find_site(&self, typed: &str) -> Result<Site> {
        let sites = self.sites()?;
        let key = fold(typed);
        let by_id: Vec<&Site> = sites
            .iter()
            .filter(|s| s.id.to_string().starts_with(typed))
            .collect();
        let by_name: Vec<&Site> = sites.iter().filter(|s| fold(&s.name) == key).collect();
        match (by_id.as_slice(), by_name.as_slice()) {
            ([one], _) | ([], [one]) => Ok((*one).clone()),
            ([], []) => Err(StoreError::SiteNotFound(typed.to_string())),
            (many, []) | ([], many) | (many, _) => Err(StoreError::AmbiguousId {
                given: typed.to_string(),
                count: many.len(),
                what: "sites",
                matches: many
                    .iter()
                    .map(|s| format!("{} {}", s.id, s.name))
                    .collect(),
            }),
        }
    }

    /// Ids of the reports that touch a site, newest incident first.
    pub fn reports_at_site(&self, site: Uuid) -> Result<Vec<Uuid>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT r.id FROM report_sites s JOIN reports r ON r.id = s.report_id
                  WHERE s.site_id = ?1 ORDER BY r.event_date DESC",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([site.to_string()], |r| r.get::<_, String>(0))
            .map_err(self.sql())?;
        rows.map(|r| parse_uuid(&r.map_err(self.sql())?)).collect()
    }
}
