//! Ending a site's conflict (issue 15): the version a person settled on becomes one revision
//! following exactly the heads they chose between, queued for the server like any site save.
//! Which field comes from which side is the domain's (`terrain_domain::settle_sites`) and the
//! app's; the store only refuses a choice made on heads that are no longer the site's.

use crate::{Result, SiteConflict, Store};
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
        Ok(self
            .write_site_rev(site, author, Some(heads))?
            .expect("a settled conflict always writes a revision"))
    }
}
