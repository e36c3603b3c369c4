//! The commands the UI invokes: translation only.
//!
//! These signatures are the one list of commands: `tests/commands.rs` writes the UI's typed
//! wrappers (`ui/src/lib/commands.ts`) from them, with the types ts-rs generates, and checks
//! that `main.rs` registers each. Arguments of the window (`Shared`, `AppHandle`) are not the
//! UI's to pass.

use std::path::PathBuf;
use std::sync::Arc;
use tauri::State;
use tauri::{AppHandle, Emitter};
use terrain_app::{
    AbsentPhotos, AppError, AppInfo, BundleRead, BundleWritten, Catalog, ExportRequest,
    ExportResult, FetchedPhotos, Form, IncidentView, Kept, ListPage, ListQuery, LockState,
    PhotoComing, PhotoPolicy, ReportDetail, SavedReport, Session, SimilarReport, SiteConflictView,
    SiteHistory, SyncStatus,
};
use terrain_domain::gazetteer::Suggestion;
use terrain_domain::{Attachment, Problem, Report, Site};
use uuid::Uuid;

type Shared<'a> = State<'a, Arc<Session>>;
type Answer<T> = Result<T, AppError>;
/// A report as the UI holds it, taken as JSON so that one breaking rules gets its problems.
/// ts: Report
type ReportJson = serde_json::Value;
/// A site; without an id, the core gives the new site one (a UUIDv7, like reports).
/// ts: Omit<Site, "id"> & { id?: string }
type SiteJson = serde_json::Value;

#[tauri::command(async)]
pub fn app_info(session: Shared) -> Answer<AppInfo> {
    session.app()?.info()
}

#[tauri::command]
pub fn catalog() -> Catalog {
    terrain_app::catalog()
}

#[tauri::command]
pub fn places(typed: String) -> Vec<Suggestion> {
    terrain_app::places(&typed)
}

#[tauri::command(async)]
pub fn list_reports(session: Shared, query: ListQuery) -> Answer<ListPage> {
    session.app()?.list(&query)
}

#[tauri::command]
pub fn new_report(session: Shared) -> Answer<Report> {
    Ok(session.app()?.new_report())
}

#[tauri::command(async)]
pub fn get_report(session: Shared, id: Uuid) -> Answer<ReportDetail> {
    session.app()?.get(id)
}

#[tauri::command]
pub fn check_report(session: Shared, report: ReportJson) -> Answer<Vec<Problem>> {
    Ok(session.app()?.check(&report))
}

#[tauri::command(async)]
pub fn save_report(session: Shared, report: ReportJson) -> Answer<SavedReport> {
    session.app()?.save(&report)
}

/// The report form as typed: kept at every save, even while a field does not check.
#[tauri::command]
pub fn new_form(session: Shared) -> Answer<Form> {
    Ok(session.app()?.new_form())
}

#[tauri::command(async)]
pub fn open_form(session: Shared, id: Uuid) -> Answer<Form> {
    session.app()?.open_form(id)
}

#[tauri::command(async)]
pub fn check_form(session: Shared, form: Form, as_final: bool) -> Answer<Vec<Problem>> {
    Ok(session.app()?.check_form(&form, as_final))
}

#[tauri::command(async)]
pub fn keep_form(session: Shared, form: Form) -> Answer<Kept> {
    session.app()?.keep(&form)
}

#[tauri::command(async)]
pub fn save_form(session: Shared, form: Form) -> Answer<SavedReport> {
    session.app()?.save_form(&form)
}

#[tauri::command(async)]
pub fn last_form(session: Shared) -> Answer<Option<Uuid>> {
    session.app()?.last_form()
}

#[tauri::command(async)]
pub fn delete_draft(session: Shared, id: Uuid) -> Answer<()> {
    session.app()?.delete_draft(id)
}

#[tauri::command(async)]
pub fn resolve_conflict(
    session: Shared,
    id: Uuid,
    take_theirs: Vec<String>,
) -> Answer<SavedReport> {
    session.app()?.resolve(id, &take_theirs)
}

#[tauri::command(async)]
pub fn similar_reports(session: Shared, id: Uuid) -> Answer<Vec<SimilarReport>> {
    session.app()?.similar(id)
}

#[tauri::command(async)]
pub fn incident(session: Shared, id: Uuid) -> Answer<IncidentView> {
    session.app()?.incident(id)
}

#[tauri::command(async)]
pub fn link_reports(session: Shared, id: Uuid, other: Uuid) -> Answer<IncidentView> {
    session.app()?.link(id, other)
}

#[tauri::command(async)]
pub fn unlink_reports(session: Shared, id: Uuid, other: Uuid) -> Answer<IncidentView> {
    session.app()?.unlink(id, other)
}

#[tauri::command(async)]
pub fn dismiss_similar(session: Shared, id: Uuid, other: Uuid) -> Answer<()> {
    session.app()?.dismiss(id, other)
}

#[tauri::command(async)]
pub fn sites(session: Shared) -> Answer<Vec<Site>> {
    session.app()?.sites()
}

/// Every incident at the site (its id or name) over time, linked reports counted once.
#[tauri::command(async)]
pub fn site_history(session: Shared, site: String) -> Answer<SiteHistory> {
    session.app()?.site_history(&site)
}

#[tauri::command(async)]
pub fn save_site(session: Shared, site: SiteJson) -> Answer<Site> {
    session.app()?.save_site(&site)
}

/// Every site whose versions disagree, with what they dispute.
#[tauri::command(async)]
pub fn site_conflicts(session: Shared) -> Answer<Vec<SiteConflictView>> {
    session.app()?.site_conflicts()
}

/// Ends a site's conflict: each disputed field from this device's version, except those listed.
#[tauri::command(async)]
pub fn resolve_site_conflict(
    session: Shared,
    site: Uuid,
    take_theirs: Vec<String>,
) -> Answer<Site> {
    session.app()?.resolve_site(site, &take_theirs)
}

#[tauri::command(async)]
pub fn attach_file(session: Shared, path: PathBuf) -> Answer<Attachment> {
    session.app()?.attach(&path)
}

/// The photo's bytes as they are (no JSON array of numbers): the window makes the thumbnail.
#[tauri::command(async)]
pub fn photo(session: Shared, sha256: String) -> Answer<tauri::ipc::Response> {
    Ok(tauri::ipc::Response::new(session.app()?.photo(&sha256)?))
}

/// The photos of a report that are not on this device: what "Download photos" offers.
#[tauri::command(async)]
pub fn absent_photos(session: Shared, id: Uuid) -> Answer<AbsentPhotos> {
    session.app()?.absent_photos(id)
}

/// Downloads a report's absent photos; each piece's progress goes to the window as
/// `photo-coming`.
#[tauri::command]
pub async fn fetch_photos(
    session: Shared<'_>,
    window: AppHandle,
    id: Uuid,
) -> Answer<FetchedPhotos> {
    let on = move |coming: PhotoComing| {
        let _ = window.emit("photo-coming", coming);
    };
    session.app()?.fetch_photos_telling(id, &on).await
}

#[tauri::command(async)]
pub fn photo_policy(session: Shared) -> Answer<PhotoPolicy> {
    session.app()?.photo_policy()
}

#[tauri::command(async)]
pub fn set_photo_policy(session: Shared, policy: PhotoPolicy) -> Answer<()> {
    session.app()?.set_photo_policy(policy)
}

#[tauri::command(async)]
pub fn report_file_name(session: Shared, id: Uuid) -> Answer<String> {
    session.app()?.report_file_name(id)
}

#[tauri::command]
pub fn sync_status(session: Shared) -> Answer<SyncStatus> {
    Ok(session.app()?.sync_status())
}

#[tauri::command]
pub fn sync_now(session: Shared) -> Answer<()> {
    session.app()?.sync_now();
    Ok(())
}

/// Writes what waits in the outbox (photos included) into a bundle in the folder `dir` (a USB
/// stick); with `again`, everything waiting, also what an earlier bundle carried.
#[tauri::command]
pub async fn write_bundle(session: Shared<'_>, dir: PathBuf, again: bool) -> Answer<BundleWritten> {
    session.app()?.write_bundle(&dir, again).await
}

/// Reads the server's reply bundle `file`: acknowledgements, receipts, other devices' reports.
#[tauri::command]
pub async fn read_reply_bundle(session: Shared<'_>, file: PathBuf) -> Answer<BundleRead> {
    session.app()?.read_reply_bundle(&file).await
}

#[tauri::command]
pub async fn login(
    session: Shared<'_>,
    server: String,
    user: String,
    password: String,
    device_name: String,
) -> Answer<AppInfo> {
    let app = session.app()?;
    app.login(&server, &user, &password, &device_name).await
}

#[tauri::command(async)]
pub fn logout(session: Shared) -> Answer<AppInfo> {
    session.app()?.logout()
}

#[tauri::command(async)]
pub fn export(session: Shared, request: ExportRequest) -> Answer<ExportResult> {
    session.app()?.export(&request)
}

#[tauri::command(async)]
pub fn lock_state(session: Shared) -> Answer<LockState> {
    session.state()
}

/// Unlocks (or sets the first passphrase) and starts syncing, its status sent to the window.
#[tauri::command(async)]
pub fn unlock(session: Shared, window: AppHandle, passphrase: String) -> Answer<AppInfo> {
    let app = session.unlock(&passphrase)?;
    let on = Arc::new(move |status: SyncStatus| {
        let _ = window.emit("sync-status", status);
    });
    tauri::async_runtime::spawn(Arc::clone(&app).keep_syncing(on));
    app.info()
}

#[tauri::command(async)]
pub fn lock(session: Shared) {
    session.lock()
}

#[tauri::command(async)]
pub fn change_passphrase(session: Shared, old: String, new: String) -> Answer<()> {
    session.change_passphrase(&old, &new)
}

#[tauri::command(async)]
pub fn quick_delete(session: Shared) -> Answer<()> {
    session.quick_delete()
}
