//! The one error the UI receives: a code it can act on, words it can show, and for a report
//! that breaks rules, every problem with its field path.

use serde::Serialize;
use terrain_domain::{Message, Problem, Problems};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The report breaks rules: see `problems`.
    Invalid,
    NotFound,
    /// The server could not be reached; trying later may work.
    Offline,
    /// The server said no (wrong password, revoked device...).
    Refused,
    /// Nothing matched: nothing was written.
    Empty,
    /// Reading or writing on this computer failed.
    Storage,
    /// The app is locked: show the lock screen.
    Locked,
    /// The passphrase given does not open the reports.
    WrongPassphrase,
}

#[derive(Debug, Clone, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    pub problems: Vec<Problem>,
    /// The failure in the catalogue's words (`messages.json`), when the core has them: the
    /// shells show it in their reader's language, `message` as the detail.
    pub said: Option<Message>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
            problems: Vec::new(),
            said: None,
        }
    }

    /// With the failure in the catalogue's words.
    pub fn saying(mut self, said: Message) -> AppError {
        self.said = Some(said);
        self
    }
}

impl From<Problems> for AppError {
    fn from(p: Problems) -> AppError {
        let message = match p.0.as_slice() {
            [one] => one.to_string(),
            many => format!("{} fields need attention", many.len()),
        };
        AppError {
            code: ErrorCode::Invalid,
            message,
            problems: p.0,
            said: None,
        }
    }
}

impl From<terrain_store::StoreError> for AppError {
    fn from(e: terrain_store::StoreError) -> AppError {
        use terrain_store::StoreError as E;
        match e {
            E::Invalid(p) => p.into(),
            E::ReportNotFound(_) | E::SiteNotFound(_) => {
                AppError::new(ErrorCode::NotFound, e.to_string())
            }
            E::NotADraft(_) => AppError::new(ErrorCode::Refused, e.to_string()),
            E::SiteMoved(site) => AppError::new(ErrorCode::Refused, e.to_string())
                .saying(Message::new("site.conflict.moved", [("site", site)])),
            E::WrongPassphrase => AppError::new(ErrorCode::WrongPassphrase, e.to_string()),
            E::WeakPassphrase(_) | E::InvalidLink(_) => {
                AppError::new(ErrorCode::Invalid, e.to_string())
            }
            other => AppError::new(ErrorCode::Storage, other.to_string()),
        }
    }
}

impl From<terrain_sync::SyncError> for AppError {
    fn from(e: terrain_sync::SyncError) -> AppError {
        AppError::from(&e)
    }
}

impl From<&terrain_sync::SyncError> for AppError {
    fn from(e: &terrain_sync::SyncError) -> AppError {
        use terrain_sync::SyncError as E;
        let code = match e {
            E::Store(_) | E::Io { .. } => ErrorCode::Storage,
            E::Refused { .. } | E::NotSignedIn => ErrorCode::Refused,
            E::Bundle(terrain_bundle::BundleError::Io { .. }) => ErrorCode::Storage,
            E::Bundle(_) => ErrorCode::Refused,
            E::Unreachable { .. } | E::BadAnswer(_) => ErrorCode::Offline,
        };
        let error = AppError::new(code, e.to_string());
        match e {
            E::Bundle(b) => error.saying(crate::bundles::said(b)),
            _ => error,
        }
    }
}

impl From<terrain_export::ExportError> for AppError {
    fn from(e: terrain_export::ExportError) -> AppError {
        let code = match e {
            terrain_export::ExportError::Empty => ErrorCode::Empty,
            _ => ErrorCode::Storage,
        };
        AppError::new(code, e.to_string())
    }
}
