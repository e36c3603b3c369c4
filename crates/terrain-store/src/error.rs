use std::path::PathBuf;
use terrain_domain::Problems;

/// What can go wrong in the store, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The report (or site) breaks a rule; each problem names its field.
    #[error("{0}")]
    Invalid(#[from] Problems),
    #[error("no report matches \"{0}\"")]
    ReportNotFound(String),
    #[error("\"{given}\" matches {count} {what} ({}); give more of the id", .matches.join(", "))]
    AmbiguousId {
        given: String,
        count: usize,
        what: &'static str,
        /// The first of them, by id (or name for sites).
        matches: Vec<String>,
    },
    #[error("report {0} was final or sent: only a draft never sent can be deleted")]
    NotADraft(String),
    #[error("report {0} has conflicting versions: resolve them first (`terrain conflicts`)")]
    Conflicted(uuid::Uuid),
    #[error("no site matches \"{0}\"")]
    SiteNotFound(String),
    /// The site's versions changed while a person chose between them (a sync pass brought
    /// another, or another window settled it): the choice was made on what is no longer there.
    #[error("site {0} changed while its conflict was being settled: look at its versions again")]
    SiteMoved(uuid::Uuid),
    #[error(
        "the database {path} was written by a newer Terrain (schema {found}; this one knows {known}): update Terrain"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: usize,
        known: usize,
    },
    #[error("database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the passphrase is wrong; nothing was changed")]
    WrongPassphrase,
    #[error("the new passphrase is too weak: {0}")]
    WeakPassphrase(String),
    #[error("the reports in {0} are encrypted: unlock them with their passphrase")]
    Locked(PathBuf),
    #[error("the reports in {0} are not encrypted yet: set a passphrase to encrypt them")]
    NotEncrypted(PathBuf),
    #[error("there are no reports in {0} yet")]
    NoStore(PathBuf),
    #[error("{0} already holds Terrain reports")]
    AlreadyExists(PathBuf),
    #[error("the key file {path} is damaged ({why}); without it the reports cannot be read")]
    KeyFile { path: PathBuf, why: String },
    /// A link operation that does not check (terrain_domain::incident::LinkOp::check).
    #[error("{0}")]
    InvalidLink(#[from] terrain_domain::incident::LinkError),
    #[error("revision {0} in the database is damaged: {1}")]
    Corrupt(String, String),
}

impl StoreError {
    /// Maps an I/O failure on `path`: `.map_err(StoreError::io(&path))`.
    pub(crate) fn io(path: &std::path::Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
        move |source| StoreError::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A row that does not read back as what was written: `what` names it, `why` says how.
pub(crate) fn corrupt(what: &str, why: impl ToString) -> StoreError {
    StoreError::Corrupt(what.to_string(), why.to_string())
}
