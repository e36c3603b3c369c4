use terrain_store::StoreError;

/// Why a sync step failed, in words for the user, and whether trying again may help.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("not signed in to a server: run `terrain login --server URL --user NAME`")]
    NotSignedIn,
    #[error("cannot reach the server {server}: {reason}")]
    Unreachable { server: String, reason: String },
    #[error("the server refused: {message} ({code})")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the server answered something unexpected: {0}")]
    BadAnswer(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl SyncError {
    /// Network trouble and server overload pass; a refusal (bad token, forbidden region) does
    /// not, and retrying it would only hammer the server.
    pub fn is_retryable(&self) -> bool {
        match self {
            SyncError::Unreachable { .. } | SyncError::BadAnswer(_) => true,
            SyncError::Refused { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    /// The server could not be reached at all (the link, not the server, is at fault): worth
    /// probing again within seconds.
    pub fn is_link(&self) -> bool {
        matches!(self, SyncError::Unreachable { .. })
    }
}
