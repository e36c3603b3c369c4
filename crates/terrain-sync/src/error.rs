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
    /// A USB bundle refused or not written (issue 16): the words say which file and why.
    #[error(transparent)]
    Bundle(#[from] terrain_bundle::BundleError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl SyncError {
    /// Network trouble and server overload pass; a refusal (bad token, forbidden region) does
    /// not, and retrying it would only hammer the server. A `408` is the link too: the server
    /// gave up on a body that a cut or a crawl held back (what arrived of a photo is kept).
    pub fn is_retryable(&self) -> bool {
        match self {
            SyncError::Unreachable { .. } | SyncError::BadAnswer(_) => true,
            SyncError::Refused { status, .. } => matches!(status, 408 | 429) || *status >= 500,
            _ => false,
        }
    }

    /// The link, not the server, is at fault (unreachable, or a body too slow for the server):
    /// worth probing again within seconds.
    pub fn is_link(&self) -> bool {
        matches!(
            self,
            SyncError::Unreachable { .. } | SyncError::Refused { status: 408, .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::SyncError;

    fn refused(status: u16) -> SyncError {
        SyncError::Refused {
            status,
            code: "x".into(),
            message: "x".into(),
        }
    }

    #[test]
    fn a_body_the_server_found_too_slow_is_the_link_and_is_tried_again() {
        assert!(refused(408).is_retryable() && refused(408).is_link());
        assert!(refused(429).is_retryable() && !refused(429).is_link());
        assert!(refused(503).is_retryable());
        assert!(!refused(401).is_retryable() && !refused(403).is_retryable());
    }
}
