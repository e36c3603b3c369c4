//! Ending a site's conflict (issue 15): the version a person settled on becomes one revision
//! following exactly the heads they chose between, queued for the server like any site save.
//! Which field comes from which side is the domain's (`terrain_domain::settle_sites`) and the
//! app's; the store only refuses a choice made on heads that are no longer the site's.

use crate::sites::{insert_site_rev, set_only_head, show_site, site_heads, stamp};
use crate::{Result, SiteConflict, Store, StoreError};
use chrono::Utc;
use terrain_domain::{Site, SiteRevision};
use uuid::Uuid;

impl Store {
    /// The conflict of site `id`, if its versions disagree.
    pub fn site_conflict(&self, id: Uuid) -> Result<Option<SiteConflict>> {
        Ok(self.site_conflicts()?.into_iter().find(|c| c.site_id == id))
    }

    /// Ends the conflict between `heads` of a site with `site`: [`Store::resolve_site_conflict_as`]
    /// recorded as the signed-in user (or, before any sign-in, this device), as site saves are.
    pub fn resolve_site_conflict(&self, site: Site, heads: &[Uuid]) -> Result<SiteRevision> {
        let author = self.site_author()?;
        self.resolve_site_conflict_as(site, heads, &author)
    }

    /// Ends the conflict between `heads` of a site with `site` (checked first), as `author`: one
    /// revision whose parents are those heads, queued for the server; the registry shows it and
    /// the fingerprints of the reports naming the site follow, in one transaction. Refused
    /// ([`StoreError::SiteMoved`]) when the site's heads are no longer exactly `heads`: a sync
    /// pass brought another version, or someone settled it meanwhile.
    pub fn resolve_site_conflict_as(
        &self,
        site: Site,
        heads: &[Uuid],
        author: &str,
    ) -> Result<SiteRevision> {
        let site = site.check()?;
        let now = Utc::now();
        let at = stamp(now);
        let sql = self.sql();
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&sql)?;
        let mut now_heads: Vec<Uuid> = site_heads(&tx, site.id)?.iter().map(|h| h.id).collect();
        let mut chosen = heads.to_vec();
        now_heads.sort();
        chosen.sort();
        chosen.dedup();
        if chosen.len() < 2 || now_heads != chosen {
            return Err(StoreError::SiteMoved(site.id));
        }
        let rev = SiteRevision::new(site.clone(), chosen, author, &self.device_id, now);
        // Versions the server refused go again with this one (it follows them), as a save does.
        tx.prepare_cached(
            "UPDATE site_revisions SET refused = NULL WHERE site_id = ?1 AND refused IS NOT NULL",
        )
        .and_then(|mut s| s.execute([site.id.to_string()]))
        .map_err(&sql)?;
        insert_site_rev(&tx, &rev, true, &at).map_err(&sql)?;
        set_only_head(&tx, site.id, rev.id).map_err(&sql)?;
        show_site(&tx, &site, &at)?;
        tx.commit().map_err(&sql)?;
        Ok(rev)
    }
}
