//! Shared sites on the server (issue 15): the site revisions devices send, each kept once by
//! id at its position of the site feed, with the region (its content's admin1, canonical, as a
//! report's region column) the feed filters by. The rules (who may send what) are the server's;
//! this module only names what an engine stores and reads back, so both engines answer the
//! same.

use terrain_domain::site::MERGE_HOPS;
use terrain_domain::{Revision, SiteRevision};
use uuid::Uuid;

/// A site revision to store: checked by the server, with its region (canonical), the user who
/// sent it and its audit event.
#[derive(Debug, Clone)]
pub struct IncomingSite {
    pub revision: SiteRevision,
    pub region: String,
    pub event: crate::AuditEvent,
}

impl IncomingSite {
    /// `revision` with its region taken from its content, and `event`.
    pub fn new(revision: SiteRevision, event: crate::AuditEvent) -> IncomingSite {
        IncomingSite {
            region: crate::canonical_region(&revision.content.admin1),
            revision,
            event,
        }
    }
}

/// A stored site revision: its feed position and region.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSite {
    pub seq: i64,
    pub region: String,
    pub revision: SiteRevision,
}

/// What storing a batch of site revisions did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SitesStored {
    /// Every revision is held: whether each (in order) was new.
    Stored(Vec<bool>),
    /// Nothing stored: a new revision's `device` first sent under another user (a device id
    /// belongs to one user, for sites as for reports).
    DeviceOfAnotherUser { device: String },
}

/// A page of the site feed.
pub type SitePage = crate::FeedPage<StoredSite>;

/// The sites `revisions` were merged into that are not among `known`: where a site's history
/// goes on.
pub fn merged_into(revisions: &[StoredSite], known: &[Uuid]) -> Vec<Uuid> {
    let mut next: Vec<Uuid> = revisions
        .iter()
        .filter_map(|s| s.revision.content.merged_into)
        .filter(|id| !known.contains(id))
        .collect();
    next.sort();
    next.dedup();
    next
}

/// How many merges a history follows (the domain's resolver's bound).
pub const HISTORY_HOPS: usize = MERGE_HOPS;

/// The sites a report's heads name (schema step 14's `report_sites` rows), sorted, each once:
/// every head's, so a report in conflict is found at the sites of both versions.
pub fn sites_named<'a>(heads: impl IntoIterator<Item = &'a Revision>) -> Vec<Uuid> {
    let mut sites: Vec<Uuid> = heads
        .into_iter()
        .flat_map(|h| h.content.sites.iter().map(|s| s.site_id))
        .collect();
    sites.sort();
    sites.dedup();
    sites
}
