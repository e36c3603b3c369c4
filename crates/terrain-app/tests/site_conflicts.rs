//! A site whose versions are more than two (three devices changed it apart), on a real store:
//! the app lists it (no field-by-field choice), refuses to settle it by fields, naming the site
//! and how many versions, and saving the site whole ends it.

use serde_json::json;
use terrain_app::{App, ErrorCode, Side};
use terrain_domain::SiteRevision;

#[test]
fn a_site_with_three_versions_is_listed_and_settled_by_saving_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path()).unwrap();
    let site = app
        .save_site(&json!({
            "name": "Diawara lime plant", "kind": "plant", "admin1": "Kayes",
            "operator": "Diawara"
        }))
        .unwrap();
    let first = app.store().site_revisions(site.id).unwrap()[0].id;
    // Three other devices each changed the operator their own way, after the first version.
    let now = chrono::Utc::now();
    let pulled: Vec<SiteRevision> = ["Diawara SARL", "Diawara et fils", "Famille Diawara"]
        .iter()
        .enumerate()
        .map(|(i, operator)| {
            let mut s = site.clone();
            s.operator = Some((*operator).into());
            SiteRevision::new(s, vec![first], "awa", &format!("device-{i}"), now)
        })
        .collect();
    let applied = app
        .store()
        .apply_pulled_sites(&pulled, Some(3), "tester")
        .unwrap();
    assert_eq!(applied.received, 3);

    let conflicts = app.site_conflicts().unwrap();
    assert_eq!(conflicts.len(), 1, "the site with three versions is listed");
    let c = &conflicts[0];
    assert_eq!(c.site_id, site.id);
    assert!(c.disputes.is_empty(), "{:?}", c.disputes);
    assert_ne!(c.ours_version.revision, c.theirs_version.revision);

    let err = app
        .resolve_site_conflict(&site.id.to_string(), Some(Side::Local), &[])
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert!(
        err.message.contains("Diawara lime plant") && err.message.contains("3 versions"),
        "{}",
        err.message
    );

    let mut whole = site.clone();
    whole.operator = Some("Diawara SARL".into());
    app.save_site_record(whole).unwrap();
    assert!(app.site_conflicts().unwrap().is_empty());
    let heads = app.store().site_revisions(site.id).unwrap();
    assert_eq!(
        heads.last().unwrap().parents.len(),
        3,
        "follows the three versions"
    );
}
