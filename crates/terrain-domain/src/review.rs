//! Review decisions: a reviewer's verdict on one revision of a report. Made on the server,
//! kept in its history, carried to devices by the pull feed, shown in exports.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a reviewer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Checked and confirmed.
    Verified,
    /// A question for the reporter (the decision's comment).
    NeedsFollowUp,
    /// Not accepted (the decision's comment says why).
    Rejected,
}

impl ReviewState {
    pub const ALL: &'static [ReviewState] = &[
        ReviewState::Verified,
        ReviewState::NeedsFollowUp,
        ReviewState::Rejected,
    ];

    /// As stored, exported (`review_state`) and sent.
    pub fn key(self) -> &'static str {
        match self {
            ReviewState::Verified => "verified",
            ReviewState::NeedsFollowUp => "needs_follow_up",
            ReviewState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewState> {
        Self::ALL.iter().copied().find(|r| r.key() == s)
    }

    /// Follow-up questions and rejections must say what or why.
    pub fn needs_comment(self) -> bool {
        self != ReviewState::Verified
    }
}

/// One decision, as the server keeps it and devices receive it. A report's current review is
/// its latest decision; earlier ones stay in its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReviewDecision {
    /// The decision's own id (a UUIDv7), so a device stores each once.
    pub id: Uuid,
    pub report_id: Uuid,
    /// The revision the reviewer read: an edit after it shows "changed since verified".
    pub revision: Uuid,
    pub state: ReviewState,
    /// The question (needs follow-up) or the reason (rejected); may be absent when verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The reviewer's user name.
    pub by: String,
    /// RFC 3339, UTC.
    pub at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_from_their_keys() {
        for s in ReviewState::ALL {
            assert_eq!(ReviewState::parse(s.key()), Some(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.key());
        }
        assert_eq!(ReviewState::parse("approved"), None);
        assert!(ReviewState::Rejected.needs_comment());
        assert!(!ReviewState::Verified.needs_comment());
    }
}
