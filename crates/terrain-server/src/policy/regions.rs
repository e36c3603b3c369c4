//! Who may read and change which region's reports.

use crate::AppState;
use crate::error::{AppError, Result};
use terrain_protocol::Role;
use terrain_server_store::{Device, same_region};
use uuid::Uuid;

/// Whether `device`'s user works in `region`: an administrator everywhere.
pub fn may_use(device: &Device, region: &str) -> bool {
    device.user.role == Role::Admin || device.user.regions.iter().any(|r| same_region(r, region))
}

/// Ok when `report` is on this server and `device`'s user works in every region its current
/// heads are in (a report in conflict across regions needs each).
pub async fn may_open(state: &AppState, device: &Device, report: Uuid) -> Result<()> {
    let heads = state.store.head_regions(vec![report]).await?;
    if heads.is_empty() {
        return Err(AppError::NotFound(format!(
            "no report {report} on this server"
        )));
    }
    if let Some((_, region)) = heads.iter().find(|(_, r)| !may_use(device, r)) {
        return Err(AppError::RegionForbidden {
            user: device.user.name.clone(),
            region: region.clone(),
        });
    }
    Ok(())
}

/// Why `device`'s user may not change a report whose current heads are in regions `was` (none:
/// a new report) to content in `region`; None if they may. A change needs both the regions
/// before and the region after; a move between regions is a reviewer's or an administrator's.
pub fn refusal(device: &Device, was: &[String], region: &str) -> Option<String> {
    let name = &device.user.name;
    if !may_use(device, region) {
        return Some(format!("{name} may not send reports for region {region:?}"));
    }
    if let Some(other) = was.iter().find(|w| !may_use(device, w)) {
        return Some(format!(
            "{name} may not change a report of region {other:?}"
        ));
    }
    let moved = was.iter().any(|w| !same_region(w, region));
    if moved && device.user.role == Role::Reporter {
        return Some(format!(
            "moving a report from {} to {region:?} is for reviewers and administrators",
            was.join(", ")
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::device;

    #[test]
    fn a_reporter_changes_reports_of_their_regions_only_and_moves_none() {
        let d = device("awa", Role::Reporter, &["Mopti"]);
        assert_eq!(refusal(&d, &[], "Mopti"), None);
        assert_eq!(refusal(&d, &["Mopti".into()], "Mopti"), None);
        assert!(
            refusal(&d, &[], "Kayes")
                .unwrap()
                .contains("region \"Kayes\"")
        );
        assert!(
            refusal(&d, &["Kayes".into()], "Mopti")
                .unwrap()
                .contains("may not change a report of region \"Kayes\"")
        );
        let two = device("awa", Role::Reporter, &["Mopti", "Ségou"]);
        assert!(
            refusal(&two, &["Mopti".into()], "Ségou")
                .unwrap()
                .contains("for reviewers and administrators")
        );
    }

    #[test]
    fn a_reviewer_moves_between_their_regions_and_an_administrator_anywhere() {
        let r = device("bina", Role::Reviewer, &["Mopti", "Ségou"]);
        assert_eq!(refusal(&r, &["Mopti".into()], "Ségou"), None);
        assert!(refusal(&r, &["Mopti".into()], "Kayes").is_some());
        let a = device("root", Role::Admin, &[]);
        assert_eq!(refusal(&a, &["Kayes".into()], "Gao"), None);
        assert!(may_use(&a, "Tombouctou"));
    }
}
