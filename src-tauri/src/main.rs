//! The Terrain desktop app: a window over `terrain-app`. Each command translates the UI's
//! arguments, calls one core function and returns its answer or its `AppError`; nothing here
//! decides anything about reports.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use std::sync::Arc;
use terrain_app::Session;

fn main() {
    // Without a GPU (old field laptops, software GL) WebKit's compositing costs about 100 MB in
    // the web view for nothing this app draws: off unless the user chose otherwise.
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        // SAFETY: first thing in main, before any thread exists.
        unsafe { std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1") };
    }
    let dir = std::env::var_os("TERRAIN_DATA")
        .map(Into::into)
        .or_else(terrain_store::default_dir)
        .unwrap_or_else(|| {
            eprintln!("terrain: no home folder found; set TERRAIN_DATA to a folder");
            std::process::exit(2)
        });
    // Starts locked: the store opens when the user gives the passphrase.
    let session = Arc::new(Session::new(&dir));
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(session)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::catalog,
            commands::places,
            commands::list_reports,
            commands::new_report,
            commands::get_report,
            commands::check_report,
            commands::save_report,
            commands::new_form,
            commands::open_form,
            commands::check_form,
            commands::keep_form,
            commands::save_form,
            commands::last_form,
            commands::delete_draft,
            commands::resolve_conflict,
            commands::similar_reports,
            commands::incident,
            commands::link_reports,
            commands::unlink_reports,
            commands::dismiss_similar,
            commands::sites,
            commands::site_history,
            commands::save_site,
            commands::site_conflicts,
            commands::resolve_site_conflict,
            commands::attach_file,
            commands::photo,
            commands::absent_photos,
            commands::fetch_photos,
            commands::photo_policy,
            commands::set_photo_policy,
            commands::report_file_name,
            commands::sync_status,
            commands::sync_now,
            commands::write_bundle,
            commands::read_reply_bundle,
            commands::login,
            commands::logout,
            commands::export,
            commands::lock_state,
            commands::unlock,
            commands::lock,
            commands::change_passphrase,
            commands::quick_delete,
        ])
        .run(tauri::generate_context!())
        .expect("the Terrain window could not start");
}
