//! Site conflicts (issue 15): each shared site whose versions disagree, with what they dispute,
//! and settling one field by field, as reports' are (`conflicts.rs`): the same sides, the same
//! way of naming fields, the domain's `settle_sites` for the merge. The window's site page and
//! `terrain site resolve` both come here.

use crate::conflicts::{Side, choose};
use crate::{App, AppError, ErrorCode, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use terrain_domain::{Dispute, Site, SiteMerge, SiteRevision, merge_sites, settle_sites};
use terrain_store::SiteConflict;
use ts_rs::TS;
use uuid::Uuid;

/// One version of a site in conflict: who made it, where and when.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SiteVersion {
    #[ts(type = "string")]
    pub revision: Uuid,
    pub author: String,
    pub device: String,
    /// Made on this device.
    pub local: bool,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
}

/// A site whose two versions disagree, and on what: this device's version and the server's.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SiteConflictView {
    #[ts(type = "string")]
    pub site_id: Uuid,
    /// The site's name as the registry shows it meanwhile (the latest version's).
    pub name: String,
    /// Each disputed field (`operator`) with both versions' values.
    pub disputes: Vec<Dispute>,
    pub ours: Site,
    pub ours_version: SiteVersion,
    pub theirs: Site,
    pub theirs_version: SiteVersion,
}

impl App {
    /// Every site whose versions conflict, with what they dispute. A site with more than two
    /// versions is listed without disputes: it is settled by saving it whole.
    pub fn site_conflicts(&self) -> Result<Vec<SiteConflictView>> {
        self.store
            .site_conflicts()?
            .iter()
            .map(|c| self.site_conflict_view(c))
            .collect()
    }

    fn site_conflict_view(&self, c: &SiteConflict) -> Result<SiteConflictView> {
        let (ours, theirs) = sides(c, self.store.device_id());
        let device = self.store.device_id();
        let version = |r: &SiteRevision| SiteVersion {
            revision: r.id,
            author: r.author.clone(),
            device: r.device.clone(),
            local: r.device == device,
            created_at: r.created_at,
        };
        Ok(SiteConflictView {
            site_id: c.site_id,
            name: self
                .store
                .site(c.site_id)?
                .map_or_else(|| ours.content.name.clone(), |s| s.name),
            // More than two versions: no field-by-field choice (see `sides`).
            disputes: if c.heads.len() == 2 {
                site_disputes(c, ours, theirs)
            } else {
                Vec::new()
            },
            ours: ours.content.clone(),
            ours_version: version(ours),
            theirs: theirs.content.clone(),
            theirs_version: version(theirs),
        })
    }

    /// Ends the conflict of the site a user typed (its id, first characters or name): every edit
    /// not disputed is kept from both versions; each disputed field comes from the side named
    /// for it in `fields`, else `all`. Refused when the site's versions changed meanwhile.
    /// Returns the revision that settled it.
    pub fn resolve_site_conflict(
        &self,
        typed: &str,
        all: Option<Side>,
        fields: &[(String, Side)],
    ) -> Result<SiteRevision> {
        let site = self.store.find_site(typed)?;
        let Some(conflict) = self.store.site_conflict(site.id)? else {
            return Err(AppError::new(
                ErrorCode::NotFound,
                format!("site {} has no conflict to settle", site.name),
            ));
        };
        if conflict.heads.len() != 2 {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!(
                    "site {} has {} versions; save the site whole to settle them",
                    site.name,
                    conflict.heads.len()
                ),
            ));
        }
        let (ours, theirs) = sides(&conflict, self.store.device_id());
        let base = conflict.base.as_ref().map(|b| &b.content);
        let take_theirs = choose(&site_disputes(&conflict, ours, theirs), all, fields)?;
        let settled = settle_sites(base, &ours.content, &theirs.content, &take_theirs)
            .map_err(|e| AppError::new(ErrorCode::Invalid, e))?;
        let heads: Vec<Uuid> = conflict.heads.iter().map(|h| h.id).collect();
        let rev = self.store.resolve_site_conflict(settled, &heads)?;
        self.note_queue()?;
        Ok(rev)
    }

    /// Ends the conflict of site `id`: each disputed field from this device's version, except
    /// those listed in `take_theirs`, which come from the server's (the window's choice).
    pub fn resolve_site(&self, id: Uuid, take_theirs: &[String]) -> Result<Site> {
        let fields: Vec<(String, Side)> = take_theirs
            .iter()
            .map(|path| (path.clone(), Side::Server))
            .collect();
        Ok(self
            .resolve_site_conflict(&id.to_string(), Some(Side::Local), &fields)?
            .content)
    }
}

/// This device's version and another, of a conflict (by revision id when neither or several
/// are this device's): the other is the latest of the rest. With more than two versions the
/// view shows these two without disputes: such a site is settled by saving it whole.
fn sides<'a>(c: &'a SiteConflict, device: &str) -> (&'a SiteRevision, &'a SiteRevision) {
    let ours = c
        .heads
        .iter()
        .find(|h| h.device == device)
        .unwrap_or(&c.heads[0]);
    let theirs = c
        .heads
        .iter()
        .filter(|h| h.id != ours.id)
        .max_by_key(|h| (h.created_at, h.id))
        .expect("a conflict has two versions or more");
    (ours, theirs)
}

/// What the two versions dispute, `ours` being this device's.
fn site_disputes(c: &SiteConflict, ours: &SiteRevision, theirs: &SiteRevision) -> Vec<Dispute> {
    let base = c.base.as_ref().map(|b| &b.content);
    match merge_sites(base, &ours.content, &theirs.content) {
        SiteMerge::Conflict(disputes) => disputes,
        SiteMerge::Clean(_) => Vec::new(),
    }
}
