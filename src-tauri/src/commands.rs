//! The commands the UI invokes: translation only.

use std::path::PathBuf;
use std::sync::Arc;
use tauri::State;
use terrain_app::{
    App, AppError, AppInfo, Catalog, ExportRequest, ExportResult, ListPage, ListQuery,
    ReportDetail, SavedReport, SyncStatus,
};
use terrain_domain::gazetteer::Suggestion;
use terrain_domain::{Attachment, Problem, Report, Site};
use uuid::Uuid;

type Shared<'a> = State<'a, Arc<App>>;
type Answer<T> = Result<T, AppError>;

#[tauri::command(async)]
pub fn app_info(app: Shared) -> Answer<AppInfo> {
    app.info()
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
pub fn list_reports(app: Shared, query: ListQuery) -> Answer<ListPage> {
    app.list(&query)
}

#[tauri::command]
pub fn new_report(app: Shared) -> Report {
    app.new_report()
}

#[tauri::command(async)]
pub fn get_report(app: Shared, id: Uuid) -> Answer<ReportDetail> {
    app.get(id)
}

#[tauri::command]
pub fn check_report(app: Shared, report: serde_json::Value) -> Vec<Problem> {
    app.check(&report)
}

#[tauri::command(async)]
pub fn save_report(app: Shared, report: serde_json::Value) -> Answer<SavedReport> {
    app.save(&report)
}

#[tauri::command(async)]
pub fn resolve_conflict(app: Shared, id: Uuid, take_theirs: Vec<String>) -> Answer<SavedReport> {
    app.resolve(id, &take_theirs)
}

#[tauri::command(async)]
pub fn sites(app: Shared) -> Answer<Vec<Site>> {
    app.sites()
}

#[tauri::command(async)]
pub fn save_site(app: Shared, site: serde_json::Value) -> Answer<Site> {
    app.save_site(&site)
}

#[tauri::command(async)]
pub fn attach_file(app: Shared, path: PathBuf) -> Answer<Attachment> {
    app.attach(&path)
}

#[tauri::command]
pub fn sync_status(app: Shared) -> SyncStatus {
    app.sync_status()
}

#[tauri::command]
pub fn sync_now(app: Shared) {
    app.sync_now()
}

#[tauri::command]
pub async fn login(
    app: Shared<'_>,
    server: String,
    user: String,
    password: String,
    device_name: String,
) -> Answer<AppInfo> {
    app.login(&server, &user, &password, &device_name).await
}

#[tauri::command(async)]
pub fn logout(app: Shared) -> Answer<AppInfo> {
    app.logout()
}

#[tauri::command(async)]
pub fn export(app: Shared, request: ExportRequest) -> Answer<ExportResult> {
    app.export(&request)
}
