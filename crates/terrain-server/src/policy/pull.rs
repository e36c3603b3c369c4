//! A page of the feed for one reader: their regions' revisions (all for an administrator),
//! contacts opened only for who may read them, photos still uploading marked.

use crate::AppState;
use crate::error::Result;
use terrain_protocol::{PullPage, PullParams, Pulled, Role, limits};
use terrain_server_store::Device;
use uuid::Uuid;

/// Revisions read from the store at a time while a page fills: one pull holds at most this
/// many beyond its byte budget.
const PULL_CHUNK: usize = 64;

/// At most `limit` revisions and about [`limits::PULL_PAGE_BYTES`] of JSON (always one
/// revision, so the feed advances); `next` is the last revision sent, so the client goes on
/// from there.
pub async fn page(state: &AppState, device: &Device, q: PullParams) -> Result<PullPage> {
    let regions = (device.user.role != Role::Admin).then(|| device.user.regions.clone());
    let mut page = revisions(state, device, &q, regions.clone()).await?;
    // The decision feed, on its own cursor: only for devices that ask (`reviews_since`).
    if let Some(since) = q.reviews_since {
        let decided = state
            .store
            .review_feed(since.max(0), limits::PULL_REVIEWS, regions.clone())
            .await?;
        page.reviews = decided.items.into_iter().map(|(_, d)| d).collect();
        page.reviews_next = Some(decided.next);
        page.more |= decided.more;
    }
    // The link feed (issue 15), on its own cursor: only for devices that ask (`links_since`).
    if let Some(since) = q.links_since {
        let links = state
            .store
            .link_feed(since.max(0), limits::PULL_LINKS, regions.clone())
            .await?;
        page.links = links.items.into_iter().map(|s| s.op).collect();
        page.links_next = Some(links.next);
        page.more |= links.more;
    }
    // The site feed (issue 15), on its own cursor: only for devices that ask (`sites_since`).
    if let Some(since) = q.sites_since {
        let sites = state
            .store
            .site_feed(since.max(0), limits::PULL_SITES, regions)
            .await?;
        page.sites = sites.items.into_iter().map(|s| s.revision).collect();
        page.sites_next = Some(sites.next);
        page.more |= sites.more;
    }
    Ok(page)
}

/// The revisions of a page.
async fn revisions(
    state: &AppState,
    device: &Device,
    q: &PullParams,
    regions: Option<Vec<String>>,
) -> Result<PullPage> {
    let limit = q
        .limit
        .unwrap_or(limits::PULL_PAGE)
        .clamp(1, limits::PULL_PAGE);
    let (mut revisions, mut bytes) = (Vec::new(), 0);
    let (mut next, mut more) = (q.since.max(0), true);
    while more && revisions.len() < limit {
        let want = (limit - revisions.len()).min(PULL_CHUNK);
        let page = state.store.pull(next, want, regions.clone()).await?;
        let mut reports: Vec<Uuid> = page.items.iter().map(|(_, r)| r.report_id).collect();
        reports.sort();
        reports.dedup();
        let stored = state.store.contacts(reports).await?;
        let mut pulled =
            crate::contacts::for_reader(page.items, stored, &device.user, &state.contact_key)?;
        crate::policy::blobs::mark_pending(state, &mut pulled).await?;
        for p in pulled {
            let size = serde_json::to_vec(&p).map_or(0, |json| json.len() + 1);
            if !revisions.is_empty() && bytes + size > limits::PULL_PAGE_BYTES {
                let next = revisions.last().map_or(next, |r: &Pulled| r.seq);
                return Ok(PullPage {
                    revisions,
                    next,
                    more: true,
                    reviews: Vec::new(),
                    reviews_next: None,
                    links: Vec::new(),
                    links_next: None,
                    sites: Vec::new(),
                    sites_next: None,
                });
            }
            bytes += size;
            revisions.push(p);
        }
        // A store that no longer advances has nothing more to give.
        let stalled = page.next == next;
        (next, more) = (page.next, page.more && !stalled);
    }
    Ok(PullPage {
        revisions,
        next,
        more,
        reviews: Vec::new(),
        reviews_next: None,
        links: Vec::new(),
        links_next: None,
        sites: Vec::new(),
        sites_next: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::push::push;
    use crate::policy::testing::{device, revision, state};

    fn from(since: i64, limit: Option<usize>) -> PullParams {
        PullParams {
            since,
            limit,
            ..PullParams::default()
        }
    }

    #[tokio::test]
    async fn a_reader_gets_their_regions_page_by_page_and_an_administrator_all() {
        let (state, _dir) = state();
        let root = device("root", Role::Admin, &[]);
        let revs = vec![revision("Kayes"), revision("Gao"), revision("Kayes")];
        let today = chrono::Utc::now().date_naive();
        push(&state, &root, revs.clone(), today).await.unwrap();
        let awa = device("awa", Role::Reporter, &["Kayes"]);
        let first = page(&state, &awa, from(0, Some(1))).await.unwrap();
        assert_eq!(first.revisions.len(), 1);
        assert!(first.more);
        let rest = page(&state, &awa, from(first.next, None)).await.unwrap();
        let ids: Vec<Uuid> = first
            .revisions
            .iter()
            .chain(&rest.revisions)
            .map(|p| p.revision.id)
            .collect();
        assert_eq!(ids, [revs[0].id, revs[2].id]);
        assert!(!rest.more);
        let all = page(&state, &root, from(-5, Some(0))).await.unwrap();
        assert_eq!(all.revisions.len(), 1, "a limit of 0 still advances by one");
        let all = page(&state, &root, from(0, None)).await.unwrap();
        assert_eq!(all.revisions.len(), 3);
    }

    #[tokio::test]
    async fn decisions_reach_the_regions_readers_who_ask_after_their_cursor() {
        use terrain_protocol::{ReviewRequest, ReviewState};
        let (state, _dir) = state();
        let root = device("root", Role::Admin, &[]);
        let rev = revision("Kayes");
        let today = chrono::Utc::now().date_naive();
        push(&state, &root, vec![rev.clone()], today).await.unwrap();
        let fanta = device("fanta", Role::Reviewer, &["Kayes"]);
        let asked = ReviewRequest {
            state: ReviewState::NeedsFollowUp,
            comment: Some("Which plants?".into()),
            revision: rev.id,
        };
        let decided = crate::policy::reviews::review(&state, &fanta, rev.report_id, asked)
            .await
            .unwrap();
        let awa = device("awa", Role::Reporter, &["Kayes"]);
        let ask = |reviews_since| PullParams {
            since: 0,
            limit: None,
            reviews_since,
            ..PullParams::default()
        };
        let old = page(&state, &awa, ask(None)).await.unwrap();
        assert!(
            old.reviews.is_empty() && old.reviews_next.is_none(),
            "older devices get none"
        );
        let new = page(&state, &awa, ask(Some(0))).await.unwrap();
        assert_eq!(new.reviews, [decided]);
        let next = new.reviews_next.unwrap();
        let again = page(&state, &awa, ask(Some(next))).await.unwrap();
        assert!(
            again.reviews.is_empty(),
            "once past the cursor, never again"
        );
        assert_eq!(again.reviews_next, Some(next));
        let gao = device("oumar", Role::Reporter, &["Gao"]);
        let elsewhere = page(&state, &gao, ask(Some(0))).await.unwrap();
        assert!(
            elsewhere.reviews.is_empty(),
            "another region's reader gets none"
        );
    }
}
