//! Verifying a report: reviewers and administrators, of every region its heads are in.

use crate::error::{AppError, Result};
use crate::policy::regions;
use crate::{AppState, actions};
use chrono::Utc;
use terrain_protocol::{Role, Verified};
use terrain_server_store::{AuditEvent, Device};
use uuid::Uuid;

/// Marks `report` verified by `device`'s user, audited in the same transaction.
pub async fn verify(state: &AppState, device: &Device, report: Uuid) -> Result<Verified> {
    if device.user.role == Role::Reporter {
        return Err(AppError::Forbidden(
            "only reviewers and administrators verify reports",
        ));
    }
    // Every head's region: a report in conflict across regions needs a reviewer of each.
    let heads = state.store.head_regions(vec![report]).await?;
    if heads.is_empty() {
        return Err(AppError::NotFound(format!(
            "no report {report} on this server"
        )));
    }
    if let Some((_, region)) = heads.iter().find(|(_, r)| !regions::may_use(device, r)) {
        return Err(AppError::RegionForbidden {
            user: device.user.name.clone(),
            region: region.clone(),
        });
    }
    let at = Utc::now();
    let event = AuditEvent {
        at,
        actor: Some(device.user.name.clone()),
        device: Some(device.name.clone()),
        action: actions::VERIFY.into(),
        detail: format!("report {report}"),
    };
    let name = &device.user.name;
    state.store.verify(report, name, at, event).await?;
    tracing::info!(user = %name, %report, "report verified");
    Ok(Verified {
        report_id: report,
        verified_by: name.clone(),
        verified_at: at.to_rfc3339(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::{device, revision, state};
    use terrain_protocol::codes;

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
    }
}
