//! Review decisions over the wire: `POST /v1/reports/{id}/review` takes a [`ReviewRequest`]
//! and answers the stored [`ReviewDecision`]; the pull feed carries decisions
//! ([`crate::PullPage::reviews`]) after their own cursor ([`crate::PullParams::reviews_since`]),
//! so devices receive decisions made after they last pulled. The decision itself is the
//! domain's type, shared with the device store and the UI.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use terrain_domain::{ReviewDecision, ReviewState};

/// POST /v1/reports/{id}/review: a reviewer's decision on one revision of the report.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRequest {
    pub state: ReviewState,
    /// The question (`needs_follow_up`) or the reason (`rejected`): required for those two,
    /// optional for `verified`; at most `terrain_domain::limits::REVIEW_COMMENT_CHARS`
    /// characters. Blank counts as absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The revision the reviewer read: one of the report's revisions (usually its head).
    pub revision: Uuid,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_reads_without_a_comment() {
        let r: ReviewRequest = serde_json::from_str(
            r#"{"state":"verified","revision":"00000000-0000-0000-0000-000000000000"}"#,
        )
        .unwrap();
        assert_eq!(r.state, ReviewState::Verified);
        assert_eq!(r.comment, None);
    }
}
