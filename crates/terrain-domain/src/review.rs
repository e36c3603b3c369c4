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

/// A decision's comment as kept: trimmed, blank taken as absent; or why it is refused (words
/// to follow the field's name `comment`): required for a follow-up question or a rejection,
/// at most [`crate::limits::REVIEW_COMMENT_CHARS`] characters, no control, bidirectional or
/// invisible character (tabs and line breaks are fine: it is prose).
pub fn tidy_comment(state: ReviewState, comment: Option<&str>) -> Result<Option<String>, String> {
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    let Some(comment) = comment else {
        return if state.needs_comment() {
            Err(format!(
                "is required when the state is {}: the question for the reporter or the reason",
                state.key()
            ))
        } else {
            Ok(None)
        };
    };
    let chars = comment.chars().count();
    let limit = crate::limits::REVIEW_COMMENT_CHARS;
    if chars > limit {
        return Err(format!("holds {chars} characters; at most {limit}"));
    }
    if let Some(refused) = crate::text::refused(comment, crate::text::TextKind::Prose) {
        return Err(refused.to_string());
    }
    Ok(Some(comment.to_string()))
}

/// Whether a report changed since its decision: its head (any head, in a conflict) is not the
/// revision the reviewer read. An edit after "verified" shows "changed since verified".
pub fn changed_since(decision: &ReviewDecision, heads: &[Uuid]) -> bool {
    heads.iter().any(|h| *h != decision.revision)
}

/// "28 Nov" ("28 nov."): the day and month of an RFC 3339 time, as the device shows a
/// decision; the text as given when it is not one.
fn day_month(lang: crate::Lang, at: &str) -> String {
    let date = at
        .get(..10)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let Some(date) = date else {
        return at.to_string();
    };
    use chrono::Datelike;
    let months = crate::messages::text(lang, "pdf.months", &Default::default());
    let month = months
        .split(' ')
        .nth(date.month0() as usize)
        .unwrap_or_default()
        .to_string();
    format!("{} {month}", date.day())
}

/// How the device says a report's review: "Verified by Fanta, 28 Nov", "Question from Fanta,
/// 28 Nov: Which plants?", "Rejected by Fanta, 28 Nov: duplicate", followed by "; changed since
/// verified" (or "reviewed") when `changed`. Words from `messages.json` (`review.*`).
pub fn line(lang: crate::Lang, d: &ReviewDecision, changed: bool) -> String {
    let code = match d.state {
        ReviewState::Verified => "review.verified_by",
        ReviewState::NeedsFollowUp => "review.question_from",
        ReviewState::Rejected => "review.rejected_by",
    };
    let params: crate::messages::Params = [
        ("by", d.by.clone()),
        ("date", day_month(lang, &d.at)),
        ("comment", d.comment.clone().unwrap_or_default()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut text = crate::messages::text(lang, code, &params);
    if d.state == ReviewState::Verified
        && let Some(c) = d.comment.as_deref()
    {
        text.push_str(": ");
        text.push_str(c);
    }
    if changed {
        text.push_str("; ");
        let code = if d.state == ReviewState::Verified {
            "review.changed_since_verified"
        } else {
            "review.changed_since_reviewed"
        };
        text.push_str(&crate::messages::text(lang, code, &Default::default()));
    }
    text
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

    #[test]
    fn comments_are_required_bounded_and_clean() {
        use ReviewState::*;
        assert_eq!(tidy_comment(Verified, None), Ok(None));
        assert_eq!(tidy_comment(Verified, Some("  ")), Ok(None));
        assert_eq!(tidy_comment(Verified, Some(" ok ")), Ok(Some("ok".into())));
        let why = tidy_comment(NeedsFollowUp, Some(" ")).unwrap_err();
        assert!(
            why.contains("required") && why.contains("needs_follow_up"),
            "{why}"
        );
        assert!(tidy_comment(Rejected, None).is_err());
        let long = "é".repeat(crate::limits::REVIEW_COMMENT_CHARS + 1);
        assert!(
            tidy_comment(Rejected, Some(&long))
                .unwrap_err()
                .contains("at most 2000")
        );
        let ok = "é".repeat(crate::limits::REVIEW_COMMENT_CHARS);
        assert!(tidy_comment(Rejected, Some(&ok)).is_ok());
        let why = tidy_comment(Rejected, Some("a\u{202E}b")).unwrap_err();
        assert!(why.contains("bidirectional"), "{why}");
        assert_eq!(
            tidy_comment(NeedsFollowUp, Some("Which plants?\nWhen?")),
            Ok(Some("Which plants?\nWhen?".into()))
        );
    }

    #[test]
    fn a_head_other_than_the_reviewed_revision_is_a_change() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let d = ReviewDecision {
            id: Uuid::now_v7(),
            report_id: Uuid::now_v7(),
            revision: a,
            state: ReviewState::Verified,
            comment: None,
            by: "fanta".into(),
            at: "2026-11-28T10:00:00Z".into(),
        };
        assert!(!changed_since(&d, &[a]));
        assert!(changed_since(&d, &[b]));
        assert!(
            changed_since(&d, &[a, b]),
            "a conflict with another head is a change"
        );
    }

    #[test]
    fn decisions_are_said_in_both_languages() {
        use crate::Lang;
        let mut d = ReviewDecision {
            id: Uuid::now_v7(),
            report_id: Uuid::now_v7(),
            revision: Uuid::now_v7(),
            state: ReviewState::Verified,
            comment: None,
            by: "Fanta".into(),
            at: "2026-11-28T10:00:00Z".into(),
        };
        assert_eq!(line(Lang::En, &d, false), "Verified by Fanta, 28 Nov");
        assert_eq!(
            line(Lang::En, &d, true),
            "Verified by Fanta, 28 Nov; changed since verified"
        );
        assert_eq!(
            line(Lang::Fr, &d, true),
            "Vérifié par Fanta, le 28 nov.; modifié depuis la vérification"
        );
        d.state = ReviewState::NeedsFollowUp;
        d.comment = Some("Which plants?".into());
        assert_eq!(
            line(Lang::En, &d, false),
            "Question from Fanta, 28 Nov: Which plants?"
        );
        d.state = ReviewState::Rejected;
        d.comment = Some("doublon".into());
        assert_eq!(
            line(Lang::Fr, &d, false),
            "Rejeté par Fanta, le 28 nov. : doublon"
        );
    }
}
