//! The site registry and attachments, as the form uses them.

use crate::{App, AppError, ErrorCode, Result};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use terrain_domain::incident::IncidentFigures;
use terrain_domain::{Attachment, EventType, Site};
use terrain_export::Incidents;
use terrain_store::Listed;
use ts_rs::TS;
use uuid::Uuid;

/// A site and the reports that touch it.
#[derive(Debug, Clone)]
pub struct SiteView {
    pub site: Site,
    pub reports: Vec<Listed>,
    pub short_ids: HashMap<Uuid, String>,
}

/// A site's history: every incident at it over time ("3 incident(s) since March 2026").
#[derive(Debug, Clone, Serialize, TS)]
pub struct SiteHistory {
    pub site: Site,
    /// The day the first incident began; None when nothing happened there yet.
    #[ts(type = "string | null")]
    pub since: Option<chrono::NaiveDate>,
    /// Oldest first.
    pub incidents: Vec<SiteIncident>,
}

/// One incident at a site: its reports (linked ones counted once) summed up.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SiteIncident {
    /// The incident id (ACLED's event id: the smallest id of its linked reports).
    #[ts(type = "string")]
    pub id: Uuid,
    /// Its first report's event type and title.
    pub event_type: Option<EventType>,
    pub title: String,
    /// Reports, figures over every claim, sources, earliest and latest, sites.
    pub figures: IncidentFigures,
}

impl SiteHistory {
    /// "3 incident(s) since March 2026" ("3 incident(s) depuis mars 2026"); "No incident at
    /// this site yet." before any.
    pub fn headline(&self, lang: terrain_domain::Lang) -> String {
        let Some(since) = self.since else {
            return terrain_domain::messages::text(lang, "site.history.none", &Default::default());
        };
        let since = terrain_export::pdf::month_year(lang, since);
        let params = [
            ("n".to_string(), self.incidents.len().to_string()),
            ("since".to_string(), since),
        ]
        .into_iter()
        .collect();
        terrain_domain::messages::text(lang, "site.history.count", &params)
    }
}

impl App {
    /// Every incident at the site a user typed, oldest first: each report naming the site
    /// with every report linked to it (so an incident's figures count all its sources), one
    /// entry per incident.
    pub fn site_history(&self, typed: &str) -> Result<SiteHistory> {
        let site = self.store.find_site(typed)?;
        let incidents = Incidents::new(&self.store.link_set()?);
        let mut ids: BTreeSet<Uuid> = BTreeSet::new();
        for id in self.store.reports_at_site(site.id)? {
            ids.extend(incidents.reports(id));
        }
        let mut reports = Vec::with_capacity(ids.len());
        for id in ids {
            match self.store.get(id) {
                Ok(listed) => reports.push(listed.report),
                // A pulled link may name a report this device does not hold yet.
                Err(terrain_store::StoreError::ReportNotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let incidents: Vec<SiteIncident> =
            terrain_export::incidents::incidents_of(reports, &incidents)
                .into_iter()
                .map(|i| SiteIncident {
                    id: i.id,
                    event_type: i.event_type,
                    title: i.title,
                    figures: i.figures,
                })
                .collect();
        Ok(SiteHistory {
            since: incidents.first().map(|i| i.figures.earliest.date),
            site,
            incidents,
        })
    }

    /// The site a user typed: its id, its first characters or its name.
    pub fn find_site(&self, typed: &str) -> Result<Site> {
        Ok(self.store.find_site(typed)?)
    }

    /// The site a user typed, with the reports at it.
    pub fn site_view(&self, typed: &str) -> Result<SiteView> {
        let site = self.store.find_site(typed)?;
        let ids = self.store.reports_at_site(site.id)?;
        let reports = ids
            .iter()
            .map(|id| self.store.get(*id))
            .collect::<terrain_store::Result<Vec<_>>>()?;
        Ok(SiteView {
            short_ids: self.store.short_ids(&ids)?,
            site,
            reports,
        })
    }

    /// Adds or updates a site the terminal built.
    pub fn save_site_record(&self, site: Site) -> Result<Site> {
        Ok(self.store.save_site(site)?)
    }

    /// Marks the site `merged` a duplicate of `into` (ids or names as typed): reports naming
    /// it then meet reports naming `into`.
    pub fn merge_site(&self, merged: &str, into: &str) -> Result<Site> {
        Ok(self.store.merge_site(merged, into)?)
    }

    pub fn sites(&self) -> Result<Vec<Site>> {
        Ok(self.store.sites()?)
    }

    /// Adds or updates a site; the registry's rules apply (region spelled as the gazetteer).
    pub fn save_site(&self, site: &serde_json::Value) -> Result<Site> {
        let site: Site = serde_json::from_value(site.clone())
            .map_err(|e| AppError::new(ErrorCode::Invalid, format!("site: {e}")))?;
        Ok(self.store.save_site(site)?)
    }

    /// Copies a photo or document into the store and returns what the report records of it.
    pub fn attach(&self, path: &Path) -> Result<Attachment> {
        Ok(self.store.attach_file(path)?)
    }
}

impl App {
    /// An attached photo's bytes, opened from its sealed file, for the form's and the report's
    /// thumbnails. Only JPEG, PNG and WebP (judged by their first bytes, not by the recorded
    /// type), so the web view is never handed anything else to decode.
    pub fn photo(&self, sha256: &str) -> Result<Vec<u8>> {
        let bytes = self.store.attachment(sha256)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!("attachments: {sha256} is not on this computer"),
            )
        })?;
        if photo_type(&bytes).is_none() {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!("attachments: {sha256} is not a JPEG, PNG or WebP photo"),
            ));
        }
        Ok(bytes)
    }
}

/// The photo type by magic number.
fn photo_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::photo_type;

    #[test]
    fn photos_are_known_by_their_first_bytes() {
        assert_eq!(photo_type(b"\xFF\xD8\xFF\xE0rest"), Some("image/jpeg"));
        assert_eq!(photo_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(photo_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(photo_type(b"%PDF-1.7"), None);
        assert_eq!(photo_type(b"<svg onload=alert(1)>"), None);
    }
}
