//! Review decisions: reviewers and administrators of every region the report's heads are in
//! decide `verified`, `needs_follow_up` (a question) or `rejected` (a reason) on one of its
//! revisions; each decision is appended to the report's history with its audit event, in one
//! transaction, and reaches the region's devices through the pull feed. `verify` is the old
//! clients' shortcut: verified, on the current head.

use crate::error::{AppError, Result};
use crate::policy::regions;
use crate::{AppState, actions};
use chrono::Utc;
use terrain_protocol::{ReviewDecision, ReviewRequest, ReviewState, Role, Verified};
use terrain_server_store::{AuditEvent, Device};
use uuid::Uuid;

/// May `device`'s user review `report`? Reviewers and administrators of every region its
/// heads are in (a report in conflict across regions needs a reviewer of each).
async fn may_review(state: &AppState, device: &Device, report: Uuid) -> Result<()> {
    if device.user.role == Role::Reporter {
        return Err(AppError::Forbidden(
            "only reviewers and administrators review reports",
        ));
    }
    regions::may_open(state, device, report).await
}

/// Records `device`'s user's decision on `report` ([`ReviewRequest`]): the comment tidied
/// and checked (`terrain_domain::review::tidy_comment`), the revision one of the report's;
/// audited in the same transaction. Nothing is stored when anything is refused.
pub async fn review(
    state: &AppState,
    device: &Device,
    report: Uuid,
    request: ReviewRequest,
) -> Result<ReviewDecision> {
    may_review(state, device, report).await?;
    let comment = terrain_domain::review::tidy_comment(request.state, request.comment.as_deref())
        .map_err(|why| AppError::InvalidField {
        field: "comment",
        why,
    })?;
    if state.store.report_of(request.revision).await? != Some(report) {
        return Err(AppError::InvalidField {
            field: "revision",
            why: format!(
                "{} is not a revision of report {report} on this server",
                request.revision
            ),
        });
    }
    let now = Utc::now();
    let decision = ReviewDecision {
        id: Uuid::now_v7(),
        report_id: report,
        revision: request.revision,
        state: request.state,
        comment,
        by: device.user.name.clone(),
        at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let event = AuditEvent {
        at: now,
        actor: Some(device.user.name.clone()),
        device: Some(device.name.clone()),
        action: actions::REVIEW.into(),
        detail: format!(
            "report {report} revision {} {}",
            decision.revision,
            decision.state.key()
        ),
    };
    state.store.review(&decision, event).await?;
    tracing::info!(user = %decision.by, %report, state = decision.state.key(), "report reviewed");
    Ok(decision)
}

/// The old clients' `POST /v1/reports/{id}/verify`: verified, on the report's current head
/// (the first by id when in conflict).
pub async fn verify(state: &AppState, device: &Device, report: Uuid) -> Result<Verified> {
    may_review(state, device, report).await?;
    let mut heads = state.store.current_heads(vec![report]).await?;
    heads.sort_by_key(|h| h.id);
    let head = heads
        .first()
        .ok_or_else(|| AppError::NotFound(format!("no report {report} on this server")))?;
    let request = ReviewRequest {
        state: ReviewState::Verified,
        comment: None,
        revision: head.id,
    };
    let done = review(state, device, report, request).await?;
    Ok(Verified {
        report_id: report,
        verified_by: done.by,
        verified_at: done.at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::{device, revision, state};
    use terrain_protocol::codes;

    fn asked(state: ReviewState, comment: Option<&str>, revision: Uuid) -> ReviewRequest {
        ReviewRequest {
            state,
            comment: comment.map(str::to_string),
            revision,
        }
    }

    #[tokio::test]
    async fn a_reviewer_of_the_region_verifies_and_no_one_else() {
        let (state, _dir) = state();
        let rev = revision("Kayes");
        let root = device("root", Role::Admin, &[]);
        let today = Utc::now().date_naive();
        crate::policy::push::push(&state, &root, vec![rev.clone()], today)
            .await
            .unwrap();
        let reporter = device("awa", Role::Reporter, &["Kayes"]);
        let elsewhere = device("bina", Role::Reviewer, &["Gao"]);
        let reviewer = device("coulibaly", Role::Reviewer, &["Kayes"]);
        let code = |r: Result<Verified>| r.unwrap_err().code();
        assert_eq!(
            code(verify(&state, &reporter, rev.report_id).await),
            codes::FORBIDDEN
        );
        assert_eq!(
            code(verify(&state, &elsewhere, rev.report_id).await),
            codes::REGION_FORBIDDEN
        );
        assert_eq!(
            code(verify(&state, &reviewer, Uuid::now_v7()).await),
            codes::NOT_FOUND
        );
        let done = verify(&state, &reviewer, rev.report_id).await.unwrap();
        assert_eq!(done.verified_by, "coulibaly");
        let kept = state.store.reviews(rev.report_id).await.unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].state, ReviewState::Verified);
        assert_eq!(kept[0].revision, rev.id, "the shortcut reviews the head");
    }

    #[tokio::test]
    async fn decisions_name_their_revision_need_comments_and_are_audited() {
        let (state, _dir) = state();
        let rev = revision("Kayes");
        let other = revision("Kayes");
        let root = device("root", Role::Admin, &[]);
        let today = Utc::now().date_naive();
        crate::policy::push::push(&state, &root, vec![rev.clone(), other.clone()], today)
            .await
            .unwrap();
        let fanta = device("fanta", Role::Reviewer, &["Kayes"]);
        let refused = |r: Result<ReviewDecision>| {
            let e = r.unwrap_err();
            (e.code(), e.to_string())
        };
        let (code, words) = refused(
            review(
                &state,
                &fanta,
                rev.report_id,
                asked(ReviewState::NeedsFollowUp, Some("  "), rev.id),
            )
            .await,
        );
        assert_eq!(code, codes::INVALID_FIELD);
        assert!(
            words.starts_with("comment: ") && words.contains("required"),
            "{words}"
        );
        let long = "x".repeat(terrain_domain::limits::REVIEW_COMMENT_CHARS + 1);
        let (code, words) = refused(
            review(
                &state,
                &fanta,
                rev.report_id,
                asked(ReviewState::Rejected, Some(&long), rev.id),
            )
            .await,
        );
        assert_eq!(code, codes::INVALID_FIELD);
        assert!(words.contains("at most"), "{words}");
        let (code, words) = refused(
            review(
                &state,
                &fanta,
                rev.report_id,
                asked(ReviewState::Verified, None, other.id),
            )
            .await,
        );
        assert_eq!(code, codes::INVALID_FIELD);
        assert!(
            words.starts_with("revision: ") && words.contains("not a revision"),
            "{words}"
        );
        assert!(
            state.store.reviews(rev.report_id).await.unwrap().is_empty(),
            "nothing is stored when refused"
        );

        let first = review(
            &state,
            &fanta,
            rev.report_id,
            asked(ReviewState::NeedsFollowUp, Some(" Which plants? "), rev.id),
        )
        .await
        .unwrap();
        assert_eq!(first.comment.as_deref(), Some("Which plants?"));
        assert_eq!(first.by, "fanta");
        let second = review(
            &state,
            &fanta,
            rev.report_id,
            asked(ReviewState::Verified, None, rev.id),
        )
        .await
        .unwrap();
        let kept = state.store.reviews(rev.report_id).await.unwrap();
        assert_eq!(
            kept,
            [first.clone(), second.clone()],
            "history, oldest first"
        );
        let latest = state
            .store
            .latest_reviews(vec![rev.report_id, other.report_id])
            .await
            .unwrap();
        assert_eq!(latest, [second]);
        let audit = state
            .store
            .audit(&terrain_server_store::AuditQuery {
                since: None,
                user: Some("fanta".into()),
                limit: 10,
            })
            .await
            .unwrap();
        let reviews: Vec<_> = audit
            .iter()
            .filter(|e| e.action == actions::REVIEW)
            .collect();
        assert_eq!(reviews.len(), 2);
        assert!(reviews[0].detail.contains("needs_follow_up"));
    }
}
