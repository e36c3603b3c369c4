//! Reading the audit log: administrators only, oldest first, filtered by time, user, action
//! and device, a page at a time.

use crate::AppState;
use crate::error::{AppError, Result};
use chrono::Utc;
use terrain_domain::text;
use terrain_protocol::{AuditEntry, AuditPage, AuditParams, Role, limits};
use terrain_server_store::{AuditSearch, Device};

/// The events `q` asks for, if `device`'s user may read them.
pub async fn read(state: &AppState, device: &Device, q: AuditParams) -> Result<AuditPage> {
    if device.user.role != Role::Admin {
        return Err(AppError::Forbidden(
            "only administrators read the audit log",
        ));
    }
    let query = query(q)?;
    let events = state.store.audit_search(&query).await?;
    let next = (events.len() == query.limit).then_some(query.offset + query.limit);
    Ok(AuditPage {
        events: events
            .into_iter()
            .map(|e| AuditEntry {
                at: e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                actor: e.actor,
                device: e.device,
                action: e.action,
                detail: e.detail,
            })
            .collect(),
        next,
    })
}

/// The store's query for `q`, each part checked.
fn query(q: AuditParams) -> Result<AuditSearch> {
    let time = |name: &str, s: Option<String>| {
        s.map(|s| {
            chrono::DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    AppError::InvalidQuery(format!("{name}={s:?} is not an RFC 3339 time"))
                })
        })
        .transpose()
    };
    let since = time("since", q.since)?;
    let until = time("until", q.until)?;
    let limit = q.limit.unwrap_or(100).clamp(1, limits::AUDIT_PAGE);
    // No stored name holds one (failed sign-ins' names are kept escaped), and no engine sees it.
    for (name, value) in [
        ("user", &q.user),
        ("action", &q.action),
        ("device", &q.device),
    ] {
        if let Some(bad) = value
            .as_deref()
            .and_then(|u| text::refused(u, text::TextKind::Line))
        {
            return Err(AppError::InvalidQuery(format!("{name} {bad}")));
        }
    }
    // An offset past what any engine counts is no page at all.
    let offset = q.offset.unwrap_or(0).min(i64::MAX as usize / 2);
    Ok(AuditSearch {
        since,
        until,
        user: q.user,
        action: q.action,
        device: q.device,
        offset,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::{device, state};
    use terrain_protocol::codes;

    fn params(since: Option<&str>, user: Option<&str>, limit: Option<usize>) -> AuditParams {
        AuditParams {
            since: since.map(str::to_string),
            user: user.map(str::to_string),
            limit,
            ..AuditParams::default()
        }
    }

    #[test]
    fn each_part_of_the_query_is_checked_and_bounded() {
        let bad_time = query(params(Some("yesterday"), None, None)).unwrap_err();
        assert_eq!(bad_time.code(), codes::INVALID_QUERY);
        assert!(bad_time.to_string().contains("since=\"yesterday\""));
        let bad_name = query(params(None, Some("a\u{202e}b"), None)).unwrap_err();
        assert!(bad_name.to_string().starts_with("user "), "{bad_name}");
        let q = query(params(Some("2026-01-02T03:04:05Z"), None, Some(1 << 40))).unwrap();
        assert_eq!(q.limit, limits::AUDIT_PAGE);
        assert_eq!(query(params(None, None, Some(0))).unwrap().limit, 1);
    }

    #[tokio::test]
    async fn only_administrators_read_the_log() {
        let (state, _dir) = state();
        state.audit(None, None, "test", "one").await.unwrap();
        let reviewer = device("bina", Role::Reviewer, &[]);
        let refused = read(&state, &reviewer, params(None, None, None)).await;
        assert_eq!(refused.unwrap_err().code(), codes::FORBIDDEN);
        let root = device("root", Role::Admin, &[]);
        let page = read(&state, &root, params(None, None, None)).await.unwrap();
        assert_eq!(page.events.len(), 1);
        assert_eq!(page.events[0].detail, "one");
    }
}
