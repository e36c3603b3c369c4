//! A site's page (issue 15, the console): `GET /v1/sites/{id}/incidents`, the site as it is
//! now and every incident at it over time. The site is read as its history is
//! ([`sites::history`]: 404 unknown, 403 outside the reader's regions); its merges are
//! followed to the site that stands for it, whose incidents are those of the reports naming it
//! or a site merged into it (schema step 14's `report_sites`), each with the reports linked to
//! it. Only reports whose heads are all of the reader's regions count
//! ([`incidents::visible`]). Grouping and summing up are the app's and the PDF's:
//! `terrain_export::incidents::incidents_of`, so linked reports make one incident everywhere.

use crate::AppState;
use crate::error::{AppError, Result};
use crate::policy::{incidents, sites};
use std::collections::{BTreeSet, HashMap, HashSet};
use terrain_domain::site::resolve;
use terrain_domain::{Site, SiteRevision};
use terrain_export::Incidents;
use terrain_protocol::limits;
use terrain_protocol::sites::{SiteIncident, SiteIncidents};
use terrain_server_store::Device;
use terrain_server_store::sites::HISTORY_HOPS;
use uuid::Uuid;

/// GET /v1/sites/{id}/incidents.
pub async fn site_incidents(
    state: &AppState,
    device: &Device,
    site: Uuid,
) -> Result<SiteIncidents> {
    let history = sites::history(state, device, site).await?;
    let book = current(&history.revisions);
    let own = book
        .get(&site)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("no site {site} on this server")))?;
    let end = resolve(site, |s| book.get(&s));
    // A site merged into one the reader may not read keeps its own page.
    let merged_into = book.get(&end).filter(|_| end != site).cloned();
    let root = if merged_into.is_some() { end } else { site };
    let sites = merged_sites(state, root).await?;
    let at = state
        .store
        .reports_at_sites(sites.clone(), limits::SITE_REPORTS)
        .await?;
    let links = incidents::links_around(state, &at).await?;
    let incidents = Incidents::new(&links);
    let linked: BTreeSet<Uuid> = at.iter().flat_map(|r| incidents.reports(*r)).collect();
    let shown = incidents::visible(state, device, linked.into_iter().collect()).await?;
    let reports = state
        .store
        .current_heads(shown.into_iter().collect())
        .await?
        .into_iter()
        .map(|h| h.content)
        .collect();
    let incidents: Vec<SiteIncident> = terrain_export::incidents::incidents_of(reports, &incidents)
        .into_iter()
        .map(|i| SiteIncident {
            id: i.id,
            event_type: i.event_type,
            title: i.title,
            figures: i.figures,
        })
        .collect();
    Ok(SiteIncidents {
        site: own,
        merged_into,
        sites,
        since: incidents.first().map(|i| i.figures.earliest.date),
        incidents,
    })
}

/// `root` and the sites merged into it (at most [`HISTORY_HOPS`] merges away), whose newest
/// head still says so (a site edited again after a merge is its own again), sorted.
async fn merged_sites(state: &AppState, root: Uuid) -> Result<Vec<Uuid>> {
    let mut found = vec![root];
    let mut ask = vec![root];
    for _ in 0..HISTORY_HOPS {
        let named: Vec<Uuid> = state
            .store
            .sites_merged_into(ask)
            .await?
            .into_iter()
            .filter(|s| !found.contains(s))
            .collect();
        if named.is_empty() {
            break;
        }
        let revisions: Vec<SiteRevision> = state
            .store
            .site_revisions(named)
            .await?
            .into_iter()
            .map(|s| s.revision)
            .collect();
        let into: HashSet<Uuid> = found.iter().copied().collect();
        ask = current(&revisions)
            .into_iter()
            .filter(|(_, s)| s.merged_into.is_some_and(|m| into.contains(&m)))
            .map(|(id, _)| id)
            .collect();
        found.extend(ask.iter().copied());
    }
    found.sort();
    Ok(found)
}

/// Each site's newest head among `revisions` (in feed order): a revision nothing follows,
/// received last. Heads in conflict are the devices' to settle; until then the newest shows.
fn current(revisions: &[SiteRevision]) -> HashMap<Uuid, Site> {
    let followed: HashSet<Uuid> = revisions
        .iter()
        .flat_map(|r| r.parents.iter().copied())
        .collect();
    revisions
        .iter()
        .filter(|r| !followed.contains(&r.id))
        .map(|r| (r.site_id, r.content.clone()))
        .collect()
}
