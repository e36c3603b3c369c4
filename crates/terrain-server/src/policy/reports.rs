//! What the console reads about reports (issue 14): the inbox, counts and one report whole.
//! A reader sees their regions' reports (an administrator all): the inbox and counts never
//! hold another region's, and opening one is refused (`403 region_forbidden`). The filter is
//! checked here once (field and problem named) and handed to the store's index as a
//! [`Selection`]; exports select through [`selection`] too.

use crate::AppState;
use crate::error::{AppError, Result};
use crate::policy::regions;
use std::collections::HashMap;
use terrain_protocol::{
    CountBy, Counts, HistoryEntry, ReportDetail, ReportFilter, ReportPage, Role,
};
use terrain_server_store::{Device, PageBounds, Selection, User, canonical_region};
use uuid::Uuid;

/// `filter` as the store reads it for `device`'s user: their regions only (all for an
/// administrator). A bad field is `400 invalid_query` naming it.
pub fn selection(device: &Device, filter: &ReportFilter) -> Result<Selection> {
    let scope = (device.user.role != Role::Admin).then(|| device.user.regions.clone());
    Selection::new(filter, scope).map_err(|p| AppError::InvalidQuery(p.to_string()))
}

/// A page of the inbox: newest arrival first, from `filter.before`, each row with its latest
/// review decision.
pub async fn inbox(state: &AppState, device: &Device, filter: ReportFilter) -> Result<ReportPage> {
    let page = PageBounds::new(&filter).map_err(|p| AppError::InvalidQuery(p.to_string()))?;
    let selection = selection(device, &filter)?;
    let mut rows = state
        .store
        .list_reports(
            selection,
            PageBounds {
                limit: page.limit + 1,
                ..page
            },
        )
        .await?;
    let more = rows.len() > page.limit;
    rows.truncate(page.limit);
    let next = more
        .then(|| rows.last().map(|(seq, _)| seq.to_string()))
        .flatten();
    let ids: Vec<Uuid> = rows.iter().map(|(_, r)| r.id).collect();
    let mut latest: HashMap<Uuid, _> = state
        .store
        .latest_reviews(ids)
        .await?
        .into_iter()
        .map(|d| (d.report_id, d))
        .collect();
    let reports = rows
        .into_iter()
        .map(|(_, mut row)| {
            row.review = latest.remove(&row.id);
            row
        })
        .collect();
    Ok(ReportPage { reports, next })
}

/// How many reports `filter` selects, by region and week or by event type.
pub async fn counts(
    state: &AppState,
    device: &Device,
    filter: ReportFilter,
    by: CountBy,
) -> Result<Counts> {
    let rows = state
        .store
        .count_reports(selection(device, &filter)?, by)
        .await?;
    let total = rows.iter().map(|r| r.count).sum();
    Ok(Counts { by, rows, total })
}

/// One report whole: its heads as `device`'s user may read them (contacts only where
/// allowed, photos still uploading named), every revision with its arrival, who pushed it and
/// whether its hash still verifies, and its review decisions.
pub async fn detail(state: &AppState, device: &Device, id: Uuid) -> Result<ReportDetail> {
    let stored = state.store.report_revisions(id).await?;
    let Some(current) = stored.iter().filter(|r| r.head).max_by_key(|r| r.seq) else {
        return Err(AppError::NotFound(format!("no report {id} on this server")));
    };
    let region = canonical_region(&current.revision.content.location.admin1);
    if !regions::may_use(device, &region) {
        return Err(AppError::RegionForbidden {
            user: device.user.name.clone(),
            region,
        });
    }
    let contacts = state.store.contacts(vec![id]).await?;
    // Whether each stored revision still has its hash: checked with every contact it carried
    // (a revision hashed under the first rule covered them), as an administrator reads it.
    let everyone = User {
        name: String::new(),
        role: Role::Admin,
        regions: Vec::new(),
    };
    let all: Vec<(i64, terrain_domain::Revision)> =
        stored.iter().map(|r| (r.seq, r.revision.clone())).collect();
    let verified: HashMap<Uuid, bool> =
        crate::contacts::for_reader(all, contacts.clone(), &everyone, &state.contact_key)?
            .into_iter()
            .map(|p| (p.revision.id, !p.rehashed))
            .collect();
    let mut heads_in: Vec<(i64, terrain_domain::Revision)> = stored
        .iter()
        .filter(|r| r.head)
        .map(|r| (r.seq, r.revision.clone()))
        .collect();
    heads_in.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
    let mut heads =
        crate::contacts::for_reader(heads_in, contacts, &device.user, &state.contact_key)?;
    crate::policy::blobs::mark_pending(state, &mut heads).await?;
    let mut pending: Vec<String> = heads.iter().flat_map(|h| h.pending.clone()).collect();
    pending.sort();
    pending.dedup();
    let history = stored
        .into_iter()
        .map(|r| HistoryEntry {
            rev_id: r.revision.id,
            parents: r.revision.parents.clone(),
            author: r.revision.author.clone(),
            device: r.revision.device.clone(),
            created_at: r.revision.created_at,
            received_at: r.received_at,
            seq: r.seq,
            pushed_by: r.pushed_by,
            pushed_device: r.pushed_device,
            verified: verified.get(&r.revision.id).copied().unwrap_or(false),
            content_hash: r.revision.content_hash,
            head: r.head,
        })
        .collect();
    Ok(ReportDetail {
        id,
        region,
        conflict: heads.len() > 1,
        heads,
        history,
        pending,
        reviews: state.store.reviews(id).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::push::push;
    use crate::policy::testing::{device, revision, state};
    use terrain_protocol::codes;

    #[tokio::test]
    async fn a_reader_sees_their_regions_reports_and_opens_no_other() {
        let (state, _dir) = state();
        let root = device("root", Role::Admin, &[]);
        let (kayes, gao) = (revision("Kayes"), revision("Gao"));
        let today = chrono::Utc::now().date_naive();
        push(&state, &root, vec![kayes.clone(), gao.clone()], today)
            .await
            .unwrap();
        let awa = device("awa", Role::Reporter, &["Kayes"]);
        let page = inbox(&state, &awa, ReportFilter::default()).await.unwrap();
        let ids: Vec<Uuid> = page.reports.iter().map(|r| r.id).collect();
        assert_eq!(ids, [kayes.report_id]);
        assert_eq!(page.next, None);
        let all = inbox(&state, &root, ReportFilter::default()).await.unwrap();
        assert_eq!(all.reports.len(), 2);
        let first = inbox(
            &state,
            &root,
            ReportFilter {
                limit: Some(1),
                ..ReportFilter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(first.reports[0].id, gao.report_id, "newest first");
        let rest = inbox(
            &state,
            &root,
            ReportFilter {
                before: first.next.clone(),
                ..ReportFilter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(rest.reports[0].id, kayes.report_id);
        assert_eq!(rest.next, None);

        let refused = detail(&state, &awa, gao.report_id).await.unwrap_err();
        assert_eq!(refused.code(), codes::REGION_FORBIDDEN);
        let missing = detail(&state, &awa, Uuid::now_v7()).await.unwrap_err();
        assert_eq!(missing.code(), codes::NOT_FOUND);
        let open = detail(&state, &awa, kayes.report_id).await.unwrap();
        assert_eq!(open.region, "Kayes");
        assert_eq!(open.heads.len(), 1);
        assert!(!open.conflict);
        assert_eq!(open.history.len(), 1);
        let h = &open.history[0];
        assert!(h.verified && h.head);
        assert_eq!(h.pushed_by.as_deref(), Some("root"));
        assert_eq!(h.content_hash, kayes.content_hash);

        let counted = counts(&state, &awa, ReportFilter::default(), CountBy::RegionWeek)
            .await
            .unwrap();
        assert_eq!(counted.total, 1);
        assert_eq!(counted.rows[0].key, "Kayes");
    }

    #[tokio::test]
    async fn a_bad_filter_is_refused_naming_its_field() {
        let (state, _dir) = state();
        let root = device("root", Role::Admin, &[]);
        let hidden = ReportFilter {
            q: Some("usine\u{202E}".into()),
            ..ReportFilter::default()
        };
        let e = inbox(&state, &root, hidden).await.unwrap_err();
        assert_eq!(e.code(), codes::INVALID_QUERY);
        assert!(e.to_string().starts_with("q: "), "{e}");
        let cursor = ReportFilter {
            before: Some("yesterday".into()),
            ..ReportFilter::default()
        };
        let e = inbox(&state, &root, cursor).await.unwrap_err();
        assert!(e.to_string().contains("before"), "{e}");
    }
}
