//! The console's bundle upload (issue 16): an administrator sends a device's USB bundle over
//! HTTP instead of carrying it to the server's machine. The bundle is streamed into a private
//! folder of its own under the data folder's `bundle-uploads/` (never held in memory), bounded
//! by [`Settings::max_bytes`], then imported by [`bundles::import`] exactly as
//! `terrain-server bundle import` would; the upload's folder is removed whatever happens. The
//! reply is written to `bundle-replies/`, kept [`limits::BUNDLE_REPLY_DAYS`] days for download
//! (older ones are removed at the next upload), and given only to administrators, by a name
//! this server made.
//!
//! A bundle split in parts is sent as its parts one after the other in one body: the parts are
//! cuts of one stream (`terrain_bundle`'s writer), so their bytes in order are the bundle.

use crate::error::AppError;
use crate::policy::bundles::{self, Refused};
use crate::{AppState, actions};
use chrono::Utc;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use terrain_domain::Lang;
use terrain_protocol::{BundleImported, ReplyFile, Role, codes, limits};
use terrain_server_store::Device;
use tokio::io::AsyncWriteExt;

/// Where uploads and replies are kept and how large an upload may be: shared by every clone
/// of the state (`serve` sets them from the data folder and `--bundle-upload-max-mib`).
pub struct Settings {
    folder: RwLock<PathBuf>,
    max_bytes: AtomicU64,
}

impl Default for Settings {
    /// A folder in the system's temporary folder, until the binary names the data folder.
    fn default() -> Settings {
        Settings {
            folder: RwLock::new(std::env::temp_dir().join("terrain-server")),
            max_bytes: AtomicU64::new(limits::BUNDLE_UPLOAD_BYTES),
        }
    }
}

impl Settings {
    /// Keep uploads and replies under `data` (the server's data folder).
    pub fn set_folder(&self, data: &Path) {
        *self.folder.write().expect("not poisoned") = data.to_path_buf();
    }

    pub fn folder(&self) -> PathBuf {
        self.folder.read().expect("not poisoned").clone()
    }

    pub fn set_max_bytes(&self, max: u64) {
        self.max_bytes.store(max.max(1), Ordering::Relaxed);
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes.load(Ordering::Relaxed)
    }

    fn uploads(&self) -> PathBuf {
        self.folder().join("bundle-uploads")
    }

    /// Where the reply bundles wait for download.
    pub fn replies(&self) -> PathBuf {
        self.folder().join("bundle-replies")
    }
}

fn only_admins(by: &Device) -> Result<(), AppError> {
    if by.user.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("only administrators import bundles"))
    }
}

fn too_large(max: u64) -> AppError {
    AppError::BodyTooLarge(format!(
        "the bundle is larger than {} MiB, this server's limit for an upload: import it on the server with `terrain-server bundle import`, or raise the limit (serve --bundle-upload-max-mib)",
        max / (1024 * 1024)
    ))
}

fn internal(what: &str) -> impl FnOnce(std::io::Error) -> AppError + '_ {
    move |e| AppError::Internal(format!("{what}: {e}"))
}

/// A folder only the server's user may read (uploads and replies hold reports, sealed or not).
fn private_folder(dir: &Path) -> Result<(), AppError> {
    std::fs::create_dir_all(dir).map_err(internal("cannot make the bundles folder"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(internal("cannot make the bundles folder private"))?;
    }
    Ok(())
}

/// The name a file is spoken of by: its last path segment, without control characters, at
/// most 200 characters; "bundle.tbundle" when none is given.
pub fn display_name(given: Option<&str>) -> String {
    let base = given
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let clean = clean.trim();
    if clean.is_empty() {
        "bundle.tbundle".into()
    } else {
        clean.to_string()
    }
}

/// An upload being received: its own folder, removed when this is dropped.
pub struct Upload {
    name: String,
    folder: tempfile::TempDir,
    path: PathBuf,
    file: tokio::fs::File,
    received: u64,
    max: u64,
}

/// Starts an upload by `by` of the file `name`, `length` bytes if the request says. Refused
/// before any byte is read when `by` is not an administrator or the length is over the limit.
pub async fn begin(
    state: &AppState,
    by: &Device,
    name: Option<&str>,
    length: Option<u64>,
) -> Result<Upload, AppError> {
    only_admins(by)?;
    let max = state.bundle_uploads.max_bytes();
    if length.is_some_and(|n| n > max) {
        return Err(too_large(max));
    }
    let (uploads, replies) = (
        state.bundle_uploads.uploads(),
        state.bundle_uploads.replies(),
    );
    let folder = tokio::task::spawn_blocking(move || {
        sweep(&uploads, &replies, Utc::now());
        private_folder(&uploads)?;
        tempfile::Builder::new()
            .prefix("upload-")
            .tempdir_in(&uploads)
            .map_err(internal("cannot make the upload's folder"))
    })
    .await
    .expect("no panic")?;
    // Always this name: a single file to the reader, whatever the parts sent were called.
    let path = folder.path().join("upload.tbundle");
    let file = tokio::fs::File::create(&path)
        .await
        .map_err(internal("cannot write the upload"))?;
    Ok(Upload {
        name: display_name(name),
        folder,
        path,
        file,
        received: 0,
        max,
    })
}

impl Upload {
    /// Appends the next bytes received; refused past the limit.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), AppError> {
        self.received += bytes.len() as u64;
        if self.received > self.max {
            return Err(too_large(self.max));
        }
        self.file
            .write_all(bytes)
            .await
            .map_err(internal("cannot write the upload"))
    }
}

/// Imports the upload received whole, its reply written for download, and removes it. A
/// refused bundle stores nothing and is answered with the catalogue's code and words in
/// `lang`, audited under `by`.
pub async fn import(
    state: &AppState,
    by: &Device,
    mut upload: Upload,
    lang: Lang,
) -> Result<BundleImported, AppError> {
    upload
        .file
        .flush()
        .await
        .map_err(internal("cannot write the upload"))?;
    let replies = state.bundle_uploads.replies();
    private_folder(&replies)?;
    let today = Utc::now().date_naive();
    let done = match bundles::import(state, &upload.path, Some(&replies), today).await {
        Ok(done) => done,
        Err(e) => return Err(refused(state, by, &upload.name, e, lang).await),
    };
    state
        .audit(
            Some(&by.user.name),
            Some(&by.name),
            actions::BUNDLE_IMPORT,
            format!(
                "{}: uploaded in the console, from {} of {}: {} revisions stored, {} already held",
                upload.name, done.device, done.user, done.stored, done.already
            ),
        )
        .await?;
    let answer = answered(done, upload.name.clone());
    drop(upload.folder);
    Ok(answer)
}

/// The error answered for `e`: a refusal in the catalogue's words (audited), else a failure.
async fn refused(
    state: &AppState,
    by: &Device,
    name: &str,
    e: anyhow::Error,
    lang: Lang,
) -> AppError {
    let Some(why) = Refused::of(&e) else {
        return AppError::Internal(format!("importing {name}: {e:#}"));
    };
    let mut said = why.said();
    // The words name the file the administrator chose, not the upload's folder.
    said.params.insert("file".into(), name.to_string());
    // The import audits a revoked device's bundle itself.
    if !matches!(why, Refused::Revoked { .. }) {
        let english = said.text(Lang::En);
        if let Err(e) = state
            .audit(
                Some(&by.user.name),
                Some(&by.name),
                actions::BUNDLE_REFUSED,
                format!("uploaded in the console: {english}"),
            )
            .await
        {
            return e.into();
        }
    }
    let code = codes::BUNDLE_REFUSALS
        .iter()
        .find(|c| **c == said.code)
        .copied()
        .unwrap_or("bundle.import.tampered");
    AppError::BundleRefused {
        code,
        message: said.text(lang),
    }
}

/// The answer for `done`: its replies by their file names, which download them.
fn answered(done: bundles::Imported, file: String) -> BundleImported {
    let n = |v: usize| v as u64;
    BundleImported {
        file,
        user: done.user,
        device: done.device,
        stored: n(done.stored),
        already: n(done.already),
        conflicts: n(done.conflicts),
        refused: n(done.refused),
        photos: n(done.photos),
        links: n(done.links),
        links_already: n(done.links_already),
        links_refused: n(done.links_refused),
        sites: n(done.sites),
        sites_already: n(done.sites_already),
        sites_conflicts: n(done.sites_conflicts),
        sites_refused: n(done.sites_refused),
        pulled: n(done.pulled),
        decisions_sent: n(done.decisions_sent),
        links_sent: n(done.links_sent),
        sites_sent: n(done.sites_sent),
        replies: done
            .reply
            .iter()
            .filter_map(|p| {
                Some(ReplyFile {
                    name: p.file_name()?.to_string_lossy().to_string(),
                    bytes: std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
                })
            })
            .collect(),
    }
}

/// A name this server gives reply bundles (`terrain-reply-...tbundle`, letters, digits,
/// dashes, underscores, dots): anything else, a path included, names no reply.
fn reply_name(name: &str) -> bool {
    name.starts_with("terrain-reply-")
        && name.ends_with(&format!(".{}", terrain_bundle::EXTENSION))
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The reply file `name`, for `by` to download: its path and size. Administrators only;
/// 404 for any name this server did not give a reply it still keeps.
pub async fn reply(state: &AppState, by: &Device, name: &str) -> Result<(PathBuf, u64), AppError> {
    only_admins(by)?;
    let gone = || {
        AppError::NotFound(format!(
            "no reply bundle named {name:?} is kept here (they are kept {} days)",
            limits::BUNDLE_REPLY_DAYS
        ))
    };
    if !reply_name(name) {
        return Err(gone());
    }
    let path = state.bundle_uploads.replies().join(name);
    match tokio::fs::symlink_metadata(&path).await {
        Ok(meta) if meta.is_file() => Ok((path, meta.len())),
        _ => Err(gone()),
    }
}

/// Removes replies older than [`limits::BUNDLE_REPLY_DAYS`] and uploads' folders a day old (a
/// server stopped mid-upload leaves its folder). Best effort: a failure is logged.
fn sweep(uploads: &Path, replies: &Path, now: chrono::DateTime<Utc>) {
    let older = |path: &Path, age: chrono::Duration| {
        std::fs::symlink_metadata(path)
            .and_then(|m| m.modified())
            .map(|at| chrono::DateTime::<Utc>::from(at) < now - age)
            .unwrap_or(false)
    };
    for (dir, age) in [
        (replies, chrono::Duration::days(limits::BUNDLE_REPLY_DAYS)),
        (uploads, chrono::Duration::days(1)),
    ] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !older(&path, age) {
                continue;
            }
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            if let Err(e) = removed {
                tracing::warn!(path = %path.display(), error = %e, "cannot remove an old bundle file");
            }
        }
    }
}
