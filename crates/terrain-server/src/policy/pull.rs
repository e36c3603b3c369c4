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
    let limit = q
        .limit
        .unwrap_or(limits::PULL_PAGE)
        .clamp(1, limits::PULL_PAGE);
    let regions = (device.user.role != Role::Admin).then(|| device.user.regions.clone());
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
            reviews_since: None,
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
}
