//! The app's lock. The store, and with it the keys, exists only while the app is unlocked:
//! locking (on demand, or when the UI has been idle) closes it and stops syncing, so a laptop
//! taken while locked holds no key in the app's memory. Quick delete works locked or not.

use crate::{App, AppError, ErrorCode, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use terrain_store::{Kind, Passphrase, Store};
use ts_rs::TS;

/// What the lock screen asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LockState {
    /// No reports on this computer yet: choose a passphrase.
    New,
    /// Reports recorded before encryption: choose a passphrase to encrypt them.
    Plain,
    /// Enter the passphrase.
    Locked,
    Unlocked,
}

pub struct Session {
    dir: PathBuf,
    open: Mutex<Option<Arc<App>>>,
}

/// Where reports live when the user names no folder: the platform's data folder.
pub fn default_dir() -> Option<PathBuf> {
    terrain_store::default_dir()
}

/// Whether `text` may become a passphrase (long enough): said before anything is written.
pub fn check_new_passphrase(text: &str) -> Result<()> {
    Ok(Passphrase::new(text).check_new()?)
}

impl Session {
    pub fn new(dir: &Path) -> Session {
        Session {
            dir: dir.into(),
            open: Mutex::new(None),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Arc<App>>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn state(&self) -> Result<LockState> {
        if self.slot().is_some() {
            return Ok(LockState::Unlocked);
        }
        Ok(match terrain_store::kind(&self.dir)? {
            Kind::Absent => LockState::New,
            Kind::Plain => LockState::Plain,
            Kind::Encrypted => LockState::Locked,
        })
    }

    /// The open app, or [`ErrorCode::Locked`].
    pub fn app(&self) -> Result<Arc<App>> {
        self.slot().clone().ok_or_else(|| {
            AppError::new(
                ErrorCode::Locked,
                "Terrain is locked: enter your passphrase",
            )
        })
    }

    /// Unlocks with `passphrase`; on a computer without reports it becomes the new store's
    /// passphrase, and reports recorded before encryption are encrypted under it first.
    pub fn unlock(&self, passphrase: &str) -> Result<Arc<App>> {
        let mut slot = self.slot();
        if let Some(app) = slot.as_ref() {
            return Ok(Arc::clone(app));
        }
        let passphrase = Passphrase::new(passphrase);
        let store = match terrain_store::kind(&self.dir)? {
            Kind::Absent => Store::create(&self.dir, &passphrase)?,
            Kind::Plain => Store::encrypt(&self.dir, &passphrase)?,
            Kind::Encrypted => Store::unlock(&self.dir, &passphrase)?,
        };
        let app = Arc::new(App::new(store)?);
        *slot = Some(Arc::clone(&app));
        Ok(app)
    }

    /// Closes the store and stops syncing. Already locked: nothing to do.
    pub fn lock(&self) {
        if let Some(app) = self.slot().take() {
            app.close();
        }
    }

    pub fn change_passphrase(&self, old: &str, new: &str) -> Result<()> {
        Ok(Store::change_passphrase(
            &self.dir,
            &Passphrase::new(old),
            &Passphrase::new(new),
        )?)
    }

    /// Quick delete: locks, then destroys the reports and keys on this computer.
    pub fn quick_delete(&self) -> Result<()> {
        self.lock();
        Ok(terrain_store::wipe(&self.dir)?)
    }
}
