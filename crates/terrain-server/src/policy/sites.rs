//! Shared sites (issue 15): the site revisions devices send (`POST /v1/sites/revisions`), the
//! site feed of a pull, and one site's history (`GET /v1/sites/{id}`). Revisions are the
//! domain's `SiteRevision` (content-addressed, merged on the device like a report's); the
//! server checks each, keeps it once by id with its audit event, and serves it to the
//! readers of its region.
//!
//! A request is all or nothing: every revision is checked before any is stored. Each must pass
//! the domain's `check()` (field-named), be the caller's own (`author`; its `device` an id no
//! other user has sent under), be of a region the caller works in, and follow parents the
//! server holds or the request brings earlier, of the same site and of the caller's regions.

use crate::error::{AppError, Result};
use crate::policy::regions;
use crate::{AppState, actions};
use chrono::Utc;
use std::collections::{HashMap, HashSet};
use terrain_domain::Site;
use terrain_protocol::limits;
use terrain_protocol::sites::{SiteHistory, SiteResult, SiteResults, SiteRevisions, SiteStatus};
use terrain_server_store::{
    AuditEvent, Device, IncomingSite, SitesStored, StoredSite, canonical_region, sites,
};
use uuid::Uuid;

fn invalid(at: usize, why: impl std::fmt::Display) -> AppError {
    AppError::InvalidField {
        field: "revisions",
        why: format!("revisions[{at}]: {why}"),
    }
}

/// POST /v1/sites/revisions: stores the caller's site revisions, each once by id, with an
/// audit event per revision stored now; one result per revision, in order.
pub async fn record(state: &AppState, device: &Device, body: SiteRevisions) -> Result<SiteResults> {
    if body.revisions.len() > limits::SITE_REVISIONS {
        return Err(AppError::InvalidField {
            field: "revisions",
            why: format!(
                "{} site revisions in one request; at most {}",
                body.revisions.len(),
                limits::SITE_REVISIONS
            ),
        });
    }
    let user = &device.user.name;
    // What each revision says of itself, first: nothing reaches the store if one is bad.
    for (at, rev) in body.revisions.iter().enumerate() {
        rev.check().map_err(|problems| invalid(at, problems))?;
        if &rev.author != user {
            return Err(invalid(
                at,
                format!("author: {user} may only send their own site revisions"),
            ));
        }
        if !regions::may_use(device, &rev.content.admin1) {
            return Err(AppError::RegionForbidden {
                user: user.clone(),
                region: rev.content.admin1.clone(),
            });
        }
    }
    // Parents: held by the server or brought earlier in this request, of the same site.
    let mut wanted: Vec<Uuid> = body
        .revisions
        .iter()
        .flat_map(|r| r.parents.iter().copied())
        .collect();
    wanted.sort();
    wanted.dedup();
    let held: HashMap<Uuid, (Uuid, String)> = state
        .store
        .site_revisions_by_id(wanted)
        .await?
        .into_iter()
        .map(|s| (s.revision.id, (s.revision.site_id, s.region)))
        .collect();
    let mut earlier: HashMap<Uuid, Uuid> = HashMap::new();
    for (at, rev) in body.revisions.iter().enumerate() {
        for parent in &rev.parents {
            let site = match (earlier.get(parent), held.get(parent)) {
                (Some(site), _) => *site,
                (None, Some((site, region))) => {
                    if !regions::may_use(device, region) {
                        return Err(AppError::RegionForbidden {
                            user: user.clone(),
                            region: region.clone(),
                        });
                    }
                    *site
                }
                (None, None) => {
                    return Err(AppError::UnknownParent(format!(
                        "revisions[{at}].parents: site revision {parent} is not on this server; \
                         send it first (earlier in this request or before it)"
                    )));
                }
            };
            if site != rev.site_id {
                return Err(invalid(
                    at,
                    format!("parents: {parent} is a revision of another site ({site})"),
                ));
            }
        }
        earlier.insert(rev.id, rev.site_id);
    }
    let now = Utc::now();
    let ids: Vec<Uuid> = body.revisions.iter().map(|r| r.id).collect();
    let batch = body
        .revisions
        .into_iter()
        .map(|rev| {
            let event = AuditEvent {
                at: now,
                actor: Some(user.clone()),
                device: Some(device.name.clone()),
                action: actions::SITE_REVISION.into(),
                detail: format!(
                    "site {} revision {} region {}",
                    rev.site_id,
                    rev.id,
                    canonical_region(&rev.content.admin1)
                ),
            };
            IncomingSite::new(rev, event)
        })
        .collect();
    let stored = match state.store.store_sites(batch, user).await? {
        SitesStored::Stored(stored) => stored,
        SitesStored::DeviceOfAnotherUser { device: id } => {
            return Err(AppError::InvalidField {
                field: "revisions",
                why: format!("device: {id:?} is another user's device; nothing was stored"),
            });
        }
    };
    tracing::info!(user = %user, device = %device.name, count = ids.len(), "site revisions");
    Ok(SiteResults {
        results: ids
            .into_iter()
            .zip(stored)
            .map(|(id, new)| SiteResult {
                id,
                status: if new {
                    SiteStatus::Stored
                } else {
                    SiteStatus::AlreadyHave
                },
            })
            .collect(),
    })
}

/// GET /v1/sites/{id}: every revision of the site and of the sites it was merged into, parents
/// before children. 404 for a site the server does not hold; 403 when none of the site's own
/// revisions is of a region the reader works in. A site it was merged into is checked the same
/// way and left out when the reader may not read it (least privilege: their own site's
/// history still answers; its `merged_into` then names a site they cannot fetch, as a report
/// may name one).
pub async fn history(state: &AppState, device: &Device, site: Uuid) -> Result<SiteHistory> {
    let revisions = state.store.site_history(site).await?;
    let Some(first) = revisions.iter().find(|s| s.revision.site_id == site) else {
        return Err(AppError::NotFound(format!("no site {site} on this server")));
    };
    let readable = readable_sites(device, &revisions);
    if !readable.contains(&site) {
        return Err(AppError::RegionForbidden {
            user: device.user.name.clone(),
            region: first.region.clone(),
        });
    }
    Ok(SiteHistory {
        site,
        revisions: revisions
            .into_iter()
            .filter(|s| readable.contains(&s.revision.site_id))
            .map(|s| s.revision)
            .collect(),
    })
}

/// The names exports give the sites `ids`: each site's current name, or the name of the site
/// it was merged into (merges followed as a history follows them), of the sites the reader may
/// read only (any other is left out: the export says "(unknown site)"). Reads these sites
/// and those they were merged into, nothing else of the registry.
pub async fn names(
    state: &AppState,
    device: &Device,
    ids: Vec<Uuid>,
) -> Result<Vec<(Uuid, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut known = ids.clone();
    let mut revisions = state.store.site_revisions(ids.clone()).await?;
    let mut ask = sites::merged_into(&revisions, &known);
    for _ in 0..sites::HISTORY_HOPS {
        if ask.is_empty() {
            break;
        }
        known.extend(ask.iter().copied());
        let more = state.store.site_revisions(ask).await?;
        ask = sites::merged_into(&more, &known);
        revisions.extend(more);
    }
    let readable = readable_sites(device, &revisions);
    let book: HashMap<Uuid, Site> = current(&revisions)
        .into_iter()
        .filter(|(id, _)| readable.contains(id))
        .collect();
    Ok(ids
        .into_iter()
        .filter_map(|id| {
            let own = book.get(&id)?;
            let now = terrain_domain::site::resolve(id, |s| book.get(&s));
            let name = book.get(&now).map_or(&own.name, |s| &s.name);
            Some((id, name.clone()))
        })
        .collect())
}

/// Each site's current state: its head (a revision no other follows) received last. Heads in
/// conflict are the devices' to settle; until then the server shows the newest, as a report's
/// fingerprint does.
fn current(revisions: &[StoredSite]) -> HashMap<Uuid, Site> {
    let followed: HashSet<Uuid> = revisions
        .iter()
        .flat_map(|s| s.revision.parents.iter().copied())
        .collect();
    let mut heads: HashMap<Uuid, &StoredSite> = HashMap::new();
    for s in revisions
        .iter()
        .filter(|s| !followed.contains(&s.revision.id))
    {
        let newest = heads.entry(s.revision.site_id).or_insert(s);
        if s.seq > newest.seq {
            *newest = s;
        }
    }
    heads
        .into_iter()
        .map(|(id, s)| (id, s.revision.content.clone()))
        .collect()
}

/// The sites among `revisions` the reader may read: those with a revision of one of their
/// regions (every one for an administrator).
fn readable_sites(device: &Device, revisions: &[StoredSite]) -> HashSet<Uuid> {
    revisions
        .iter()
        .filter(|s| regions::may_use(device, &s.region))
        .map(|s| s.revision.site_id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::pull::page;
    use crate::policy::testing::{device, state};
    use terrain_domain::{Site, SiteRevision};
    use terrain_protocol::{PullParams, Role, codes};

    const PLANT: &str = include_str!("../../../../docs/examples/sites/diawara-plant.json");

    fn plant() -> Site {
        serde_json::from_str::<Site>(PLANT)
            .unwrap()
            .check()
            .unwrap()
    }

    fn in_gao(mut site: Site) -> Site {
        site.admin1 = "Gao".into();
        site.admin2 = None;
        site.check().unwrap()
    }

    fn rev(site: &Site, parents: Vec<Uuid>, d: &Device) -> SiteRevision {
        SiteRevision::new(
            site.clone(),
            parents,
            &d.user.name,
            &format!("{}-device", d.user.name),
            Utc::now(),
        )
    }

    fn body(revisions: Vec<SiteRevision>) -> SiteRevisions {
        SiteRevisions { revisions }
    }

    async fn site_events(state: &AppState) -> usize {
        let query = terrain_server_store::AuditQuery {
            since: None,
            user: None,
            limit: 1_000,
        };
        state
            .store
            .audit(&query)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == actions::SITE_REVISION)
            .count()
    }

    #[tokio::test]
    async fn a_readers_revisions_are_kept_once_and_reach_their_regions_readers() {
        let (state, _dir) = state();
        let awa = device("awa", Role::Reporter, &["Kayes"]);
        let site = plant();
        let first = rev(&site, vec![], &awa);
        let mut renamed = site.clone();
        renamed.name = "Usine de chaux".into();
        let second = rev(&renamed, vec![first.id], &awa);
        let sent = body(vec![first.clone(), second.clone()]);
        let answer = record(&state, &awa, sent.clone()).await.unwrap();
        let statuses: Vec<SiteStatus> = answer.results.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [SiteStatus::Stored, SiteStatus::Stored]);
        let again = record(&state, &awa, sent).await.unwrap();
        assert!(
            again
                .results
                .iter()
                .all(|r| r.status == SiteStatus::AlreadyHave)
        );
        assert_eq!(site_events(&state).await, 2, "one event per revision kept");
        // The pull's site feed: for devices that ask, of their regions.
        let fanta = device("fanta", Role::Reviewer, &["Kayes"]);
        let ask = |sites_since| PullParams {
            sites_since,
            ..PullParams::default()
        };
        let old = page(&state, &fanta, ask(None)).await.unwrap();
        assert!(old.sites.is_empty() && old.sites_next.is_none());
        let new = page(&state, &fanta, ask(Some(0))).await.unwrap();
        assert_eq!(new.sites, [first.clone(), second.clone()]);
        let next = new.sites_next.unwrap();
        assert!(
            page(&state, &fanta, ask(Some(next)))
                .await
                .unwrap()
                .sites
                .is_empty()
        );
        let oumar = device("oumar", Role::Reporter, &["Gao"]);
        assert!(
            page(&state, &oumar, ask(Some(0)))
                .await
                .unwrap()
                .sites
                .is_empty()
        );
        // One site's history: its region's readers, 403 elsewhere, 404 unknown.
        let history = history(&state, &fanta, site.id).await.unwrap();
        assert_eq!(history.revisions, [first, second]);
        let elsewhere = super::history(&state, &oumar, site.id).await.unwrap_err();
        assert_eq!(elsewhere.code(), codes::REGION_FORBIDDEN);
        let unknown = super::history(&state, &fanta, Uuid::now_v7())
            .await
            .unwrap_err();
        assert_eq!(unknown.code(), codes::NOT_FOUND);
    }

    #[tokio::test]
    async fn a_bad_revision_refuses_the_whole_request_naming_why() {
        let (state, _dir) = state();
        let awa = device("awa", Role::Reporter, &["Kayes"]);
        let good = rev(&plant(), vec![], &awa);
        let refused = |e: AppError| (e.status().as_u16(), e.code(), e.to_string());

        let mut tampered = rev(&plant(), vec![], &awa);
        tampered.content.operator = Some("quelqu'un d'autre".into());
        let (status, code, words) = refused(
            record(&state, &awa, body(vec![good.clone(), tampered]))
                .await
                .unwrap_err(),
        );
        assert_eq!((status, code), (400, codes::INVALID_FIELD));
        assert!(
            words.contains("revisions[1]") && words.contains("content_hash"),
            "{words}"
        );

        let mut long = rev(&plant(), vec![], &awa);
        long.content.name = "n".repeat(10_000);
        long.content_hash = terrain_domain::site_hash(&long.content);
        let words = record(&state, &awa, body(vec![long]))
            .await
            .unwrap_err()
            .to_string();
        assert!(words.contains("name"), "{words}");

        let fanta = device("fanta", Role::Reporter, &["Kayes"]);
        let theirs = rev(&plant(), vec![], &fanta);
        let words = record(&state, &awa, body(vec![theirs]))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            words.contains("author: awa may only send their own"),
            "{words}"
        );

        let gao = rev(&in_gao(plant()), vec![], &awa);
        let (status, code, _) = refused(
            record(&state, &awa, body(vec![good.clone(), gao]))
                .await
                .unwrap_err(),
        );
        assert_eq!((status, code), (403, codes::REGION_FORBIDDEN));

        let orphan = rev(&plant(), vec![Uuid::now_v7()], &awa);
        let (status, code, words) = refused(
            record(&state, &awa, body(vec![good.clone(), orphan]))
                .await
                .unwrap_err(),
        );
        assert_eq!((status, code), (409, codes::INVALID_FIELD));
        assert!(words.contains("revisions[1].parents") && words.contains("send it first"));

        let other_site = rev(&plant(), vec![good.id], &awa);
        let words = record(&state, &awa, body(vec![good.clone(), other_site]))
            .await
            .unwrap_err()
            .to_string();
        assert!(words.contains("a revision of another site"), "{words}");

        let many = body(vec![good.clone(); limits::SITE_REVISIONS + 1]);
        let words = record(&state, &awa, many).await.unwrap_err().to_string();
        assert!(words.contains("at most 500"), "{words}");

        assert_eq!(site_events(&state).await, 0, "nothing was kept");
        assert!(
            state
                .store
                .site_revisions(vec![good.content.id])
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn a_site_of_another_region_is_not_taken_over_and_a_device_is_one_users() {
        let (state, _dir) = state();
        let oumar = device("oumar", Role::Reporter, &["Gao", "Kayes"]);
        let depot = in_gao(plant());
        let first = rev(&depot, vec![], &oumar);
        record(&state, &oumar, body(vec![first.clone()]))
            .await
            .unwrap();
        // Awa works in Kayes: moving Oumar's Gao site there needs Gao too.
        let awa = device("awa", Role::Reporter, &["Kayes"]);
        let mut moved = depot.clone();
        moved.admin1 = "Kayes".into();
        let moved = rev(&moved.check().unwrap(), vec![first.id], &awa);
        let e = record(&state, &awa, body(vec![moved])).await.unwrap_err();
        assert_eq!(e.code(), codes::REGION_FORBIDDEN);
        // Awa's revision claiming Oumar's device id stores nothing.
        let mut posing = rev(&plant(), vec![], &awa);
        posing.device = first.device.clone();
        let words = record(&state, &awa, body(vec![posing]))
            .await
            .unwrap_err()
            .to_string();
        assert!(words.contains("another user's device"), "{words}");
        assert_eq!(site_events(&state).await, 1);
    }
}
