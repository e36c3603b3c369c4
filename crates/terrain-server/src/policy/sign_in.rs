//! Signing a device in, in order: the client address's failure allowance
//! ([`crate::throttle`]: `rate_limited`, before anything is looked up or hashed), the text of
//! the names, the name's lockout (`locked_out`), then the password; each refusal after the
//! first costs the address one failure and is audited. Then the device's token is issued;
//! [`renew`] exchanges it for a new one.

use crate::auth::{locked_until, new_token, password_matches, token_hash};
use crate::error::{AppError, Result};
use crate::throttle::Refused;
use crate::{AppState, ClientAddress, actions};
use chrono::{DateTime, Utc};
use terrain_domain::text;
use terrain_protocol::{Session, SignIn};
use terrain_server_store::{AuditEvent, Device};

/// The address's standing before its request is read: refused at once (no read, no parse),
/// or let through, with a refusal still to record when this is the one request a minute whose
/// names the audit log gets.
pub fn admit(state: &AppState, from: ClientAddress) -> Result<Option<Refused>> {
    match state.sign_ins.refused(from.0) {
        Some(refused) if !refused.report => Err(AppError::rate_limited(refused.retry_after_secs())),
        standing => Ok(standing),
    }
}

/// Signs `req`'s device in from `from`, whose standing [`admit`] gave: the new device's session.
pub async fn sign_in(
    state: &AppState,
    from: ClientAddress,
    standing: Option<Refused>,
    req: SignIn,
    now: DateTime<Utc>,
) -> Result<Session> {
    let device_name = printable(&req.device_name);
    let user = check_password(
        state,
        from,
        standing,
        (&req.user, &req.password),
        &req.device_name,
        now,
    )
    .await?;
    let bundle_keys = bundle_keys(&req)?;
    let token = new_token();
    state
        .store
        .add_device(&user.name, &device_name, &token_hash(&token), Utc::now())
        .await?;
    if let Some((key, recipient)) = bundle_keys {
        state
            .store
            .add_device_key(&token_hash(&token), &key, &recipient, Utc::now())
            .await?;
    }
    state
        .audit(
            Some(&user.name),
            Some(&device_name),
            actions::SIGN_IN,
            format!("new device token ({})", user.role.as_str()),
        )
        .await?;
    tracing::info!(user = %user.name, device = %device_name, "device signed in");
    Ok(Session {
        token,
        user: user.name,
        role: user.role,
        regions: user.regions,
        server_keys: Some(state.server_keys.public()),
    })
}

/// The checks of a sign-in, in order (see the module), for a device or the console
/// (`device_name_tried` "console"): the user whose password `credentials` (name, password) give,
/// or the refusal, audited and counted against the address and the name.
pub async fn check_password(
    state: &AppState,
    from: ClientAddress,
    standing: Option<Refused>,
    credentials: (&str, &str),
    device_name_tried: &str,
    now: DateTime<Utc>,
) -> Result<terrain_server_store::User> {
    // The name as tried is what failures are counted and logged by, whether it exists or not;
    // in the log, characters no name may hold are shown escaped.
    let (user, password) = credentials;
    let name = printable(user);
    let device_name = printable(device_name_tried);
    let audit = |action: &'static str, detail: String| {
        let (name, device_name) = (name.clone(), device_name.clone());
        async move {
            state
                .audit(Some(&name), Some(&device_name), action, detail)
                .await
        }
    };
    if let Some(refused) = standing {
        let secs = refused.retry_after_secs();
        let until = now + chrono::Duration::seconds(secs as i64);
        audit(
            actions::SIGN_IN_THROTTLED,
            format!(
                "from {from}: too many failed sign-ins from this address; refused until {}",
                until.format("%Y-%m-%d %H:%M:%S UTC")
            ),
        )
        .await?;
        tracing::warn!(user = %name, client = %from, "sign-ins refused: too many failures from this address");
        return Err(AppError::rate_limited(secs));
    }
    // Refused here, before any engine sees them (PostgreSQL cannot store a NUL): the same
    // answer on every engine, audited and counted like a failed sign-in.
    for (field, value) in [("user", user), ("device_name", device_name_tried)] {
        if let Some(bad) = text::refused(value, text::TextKind::Line) {
            state.sign_ins.fail(from.0);
            audit(actions::SIGN_IN_FAILED, format!("{field} {bad}")).await?;
            return Err(AppError::invalid_text(field, bad));
        }
    }
    if let Some(until) = locked_until(&*state.store, &name, now).await? {
        state.sign_ins.fail(from.0);
        let detail = format!("refused until {}", until.format("%Y-%m-%d %H:%M:%S UTC"));
        audit(actions::LOCKED_OUT, detail).await?;
        tracing::warn!(user = %name, "sign-in refused: locked out");
        return Err(AppError::locked_out(&name, until, now));
    }
    let found = state.store.user(user).await?;
    let password = password.to_string();
    // Verify even for an unknown user, so timing does not tell which names exist.
    let hash = found
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| state.dummy_hash.clone());
    let ok = tokio::task::spawn_blocking(move || password_matches(&password, &hash))
        .await
        .unwrap_or(false);
    let known = found.is_some();
    let Some((user, _)) = found.filter(|_| ok) else {
        state.sign_ins.fail(from.0);
        let why = if known {
            "wrong password"
        } else {
            "no such user"
        };
        audit(actions::SIGN_IN_FAILED, why.into()).await?;
        tracing::info!(user = %name, "sign-in refused");
        return Err(AppError::bad_credentials());
    };
    Ok(user)
}

/// Exchanges `device`'s token (whose hash is `old`) for a new one: a device in use never has
/// to sign in again. The old token is retired at the new one's first use, so a lost answer
/// costs nothing. Audited with the new token's device.
pub async fn renew(
    state: &AppState,
    device: Device,
    old: &str,
    now: DateTime<Utc>,
) -> Result<Session> {
    let token = new_token();
    let event = AuditEvent {
        at: now,
        actor: Some(device.user.name.clone()),
        device: Some(device.name.clone()),
        action: actions::TOKEN_RENEW.into(),
        detail: "device token renewed; the old one retired at the new one's first use".into(),
    };
    let new = token_hash(&token);
    if !state.store.renew_device(old, &new, now, event).await? {
        // Retired by a renewal or a revocation since this request was authenticated.
        return Err(AppError::TokenRetired);
    }
    tracing::info!(user = %device.user.name, device = %device.name, "device token renewed");
    Ok(Session {
        token,
        user: device.user.name,
        role: device.user.role,
        regions: device.user.regions,
        server_keys: Some(state.server_keys.public()),
    })
}

/// A name as the audit log may hold it: its first 100 characters, those no name may hold
/// (controls, NUL, invisible and bidirectional ones) escaped as `\u{..}`.
pub fn printable(name: &str) -> String {
    name.chars()
        .take(100)
        .map(|c| {
            if text::refused(c.encode_utf8(&mut [0; 4]), text::TextKind::Line).is_some() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The device's bundle keys (issue 16) if it sent them, checked: both or neither, each what
/// it says it is; a bad one refuses the sign-in, naming the field.
fn bundle_keys(req: &SignIn) -> Result<Option<(String, String)>> {
    match (&req.device_key, &req.device_recipient) {
        (None, None) => Ok(None),
        (Some(key), Some(recipient)) => {
            terrain_bundle::parse_verifying_key(key, "device_key")
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            terrain_bundle::parse_recipient(recipient, "device_recipient")
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            Ok(Some((key.trim().to_string(), recipient.trim().to_string())))
        }
        (Some(_), None) => Err(AppError::BadRequest(
            "device_recipient: missing; it goes with device_key".into(),
        )),
        (None, Some(_)) => Err(AppError::BadRequest(
            "device_key: missing; it goes with device_recipient".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::admin::add_user;
    use crate::policy::testing::state;
    use crate::{FailureLimit, actions};
    use std::net::{IpAddr, Ipv4Addr};
    use terrain_protocol::{Role, codes};
    use terrain_server_store::AuditQuery;

    const FROM: ClientAddress = ClientAddress(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7)));

    fn attempt(user: &str, password: &str) -> SignIn {
        SignIn {
            user: user.into(),
            password: password.into(),
            device_name: "phone".into(),
            device_key: None,
            device_recipient: None,
        }
    }

    async fn try_sign_in(state: &AppState, user: &str, password: &str) -> Result<Session> {
        let standing = admit(state, FROM)?;
        sign_in(state, FROM, standing, attempt(user, password), Utc::now()).await
    }

    async fn actions_logged(state: &AppState) -> Vec<String> {
        let query = AuditQuery {
            since: None,
            user: None,
            limit: 100,
        };
        let events = state.store.audit(&query).await.unwrap();
        events.into_iter().map(|e| e.action).collect()
    }

    #[tokio::test]
    async fn the_right_password_issues_a_token_that_finds_the_device() {
        let (state, _dir) = state();
        add_user(
            &state,
            "awa",
            Role::Reporter,
            vec!["Mopti".into()],
            "pw one",
        )
        .await
        .unwrap();
        let session = try_sign_in(&state, "awa", "pw one").await.unwrap();
        assert_eq!(
            (session.user.as_str(), session.role),
            ("awa", Role::Reporter)
        );
        assert_eq!(session.regions, ["Mopti"]);
        let device = state
            .store
            .device(&token_hash(&session.token))
            .await
            .unwrap();
        assert_eq!(device.unwrap().name, "phone");
        assert_eq!(
            actions_logged(&state).await.last().unwrap(),
            actions::SIGN_IN
        );
    }

    #[tokio::test]
    async fn a_token_is_renewed_once() {
        let (state, _dir) = state();
        add_user(&state, "awa", Role::Reporter, vec![], "pw one")
            .await
            .unwrap();
        let first = try_sign_in(&state, "awa", "pw one").await.unwrap();
        let old = token_hash(&first.token);
        let device = state.store.device(&old).await.unwrap().unwrap();
        let renewed = renew(&state, device.clone(), &old, Utc::now())
            .await
            .unwrap();
        assert_ne!(renewed.token, first.token);
        assert!(
            state
                .store
                .device(&token_hash(&renewed.token))
                .await
                .unwrap()
                .is_some()
        );
        state
            .store
            .touch_device(&token_hash(&renewed.token), Utc::now())
            .await
            .unwrap();
        let again = renew(&state, device, &old, Utc::now()).await.unwrap_err();
        assert_eq!(again.code(), codes::TOKEN_REVOKED);
    }

    #[tokio::test]
    async fn a_wrong_password_and_an_unknown_name_are_one_answer() {
        let (state, _dir) = state();
        add_user(&state, "awa", Role::Reporter, vec![], "pw one")
            .await
            .unwrap();
        let wrong = try_sign_in(&state, "awa", "nope").await.unwrap_err();
        let unknown = try_sign_in(&state, "nobody", "nope").await.unwrap_err();
        assert_eq!(wrong.code(), codes::BAD_CREDENTIALS);
        assert_eq!(wrong.to_string(), unknown.to_string());
    }

    #[tokio::test]
    async fn five_failures_lock_the_name_even_with_the_right_password() {
        let (state, _dir) = state();
        add_user(&state, "awa", Role::Reporter, vec![], "pw one")
            .await
            .unwrap();
        for _ in 0..5 {
            try_sign_in(&state, "awa", "nope").await.unwrap_err();
        }
        let locked = try_sign_in(&state, "awa", "pw one").await.unwrap_err();
        assert_eq!(locked.code(), codes::LOCKED_OUT);
        assert!(locked.retry_after().unwrap() > 0);
        assert!(
            actions_logged(&state)
                .await
                .contains(&actions::LOCKED_OUT.to_string())
        );
    }

    #[tokio::test]
    async fn an_address_over_its_allowance_is_refused_before_its_request_is_read() {
        let (state, _dir) = state();
        state.set_failure_limit(FailureLimit {
            burst: 2.try_into().unwrap(),
            every: std::time::Duration::from_secs(3600),
        });
        for name in ["a", "b"] {
            assert_eq!(
                try_sign_in(&state, name, "x").await.unwrap_err().code(),
                codes::BAD_CREDENTIALS
            );
        }
        // The first refusal is recorded with the names tried; the next is not even read.
        let recorded = try_sign_in(&state, "c", "x").await.unwrap_err();
        assert_eq!(recorded.code(), codes::RATE_LIMITED);
        assert!(
            actions_logged(&state)
                .await
                .contains(&actions::SIGN_IN_THROTTLED.to_string())
        );
        let unread = admit(&state, FROM).unwrap_err();
        assert_eq!(unread.code(), codes::RATE_LIMITED);
        assert!(unread.retry_after().unwrap() > 0);
    }

    #[tokio::test]
    async fn a_name_with_a_control_character_is_refused_naming_the_field() {
        let (state, _dir) = state();
        let refused = try_sign_in(&state, "a\u{0}b", "x").await.unwrap_err();
        assert_eq!(refused.code(), codes::INVALID_TEXT);
        assert!(refused.to_string().starts_with("user "), "{refused}");
        assert_eq!(printable("a\u{0}b"), "a\\u{0}b");
    }
}
