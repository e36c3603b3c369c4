//! Passwords (argon2id), device tokens (random, stored as sha256), and the extractor that turns
//! a request's bearer token, or the console's session cookie, into the signed-in device.

use crate::error::{AppError, Result};
use crate::{AppState, ClientAddress, actions};
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, PasswordHash};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use terrain_protocol::{codes, limits};
use terrain_server_store::{Device, ServerStore};

/// argon2id with the crate's defaults (19 MiB, 2 passes): memory-hard, ~50 ms here.
pub fn hash_password(password: &str) -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes")
        .to_string()
}

pub fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A new device token: 32 random bytes, URL-safe base64. Shown to the device once.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the server keeps of a token: a stolen database yields no usable token.
pub fn token_hash(token: &str) -> String {
    terrain_domain::sha256_hex(token.as_bytes())
}

/// When a user name's sign-in lockout ends, from its failed sign-ins (oldest first, none before
/// the last success): any [`limits::LOCKOUT_FAILURES`] of them within
/// [`limits::LOCKOUT_MINUTES`] lock the name for as long again after the last of them.
/// None: not locked at `now`.
pub fn lockout_end(failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let window = Duration::minutes(limits::LOCKOUT_MINUTES);
    let n = limits::LOCKOUT_FAILURES;
    failures
        .windows(n)
        .filter(|w| w[n - 1] - w[0] <= window)
        .map(|w| w[n - 1] + window)
        .filter(|end| *end > now)
        .max()
}

/// Whether `user` (a name as tried; it need not exist) is locked out now, and until when.
/// Counted from the audit log, so every server process on one database agrees.
pub async fn locked_until(
    store: &dyn ServerStore,
    user: &str,
    now: DateTime<Utc>,
) -> terrain_server_store::Result<Option<DateTime<Utc>>> {
    // A lockout still running began with a failure at most two windows ago.
    let since = now - Duration::minutes(2 * limits::LOCKOUT_MINUTES);
    let failures = store.sign_in_failures(user, since).await?;
    Ok(lockout_end(&failures, now))
}

/// The token of an `Authorization: Bearer <token>` header; the scheme in any case (RFC 9110
/// §11.1: schemes are case-insensitive).
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The signed-in device making the request, with its token's hash.
///
/// A token unused for longer than the server's idle time ([`AppState::token_idle`]) is
/// refused as expired; each use starts the idle time again, written at most once a minute
/// per device to spare the database.
///
/// A request whose bearer token is unknown, revoked or expired is refused (401) and, within the
/// per-address limit ([`crate::throttle`]), recorded in the audit log with its address: tokens
/// are 256 random bits, so this is for the record (a lost laptop still trying), not to stop
/// guessing. A request with no token at all is refused without a record.
pub struct Authed(pub Device);

/// [`Authed`] with the hash of the token it came with (to renew it).
pub struct AuthedToken(pub Device, pub String);

impl FromRequestParts<AppState> for AuthedToken {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        // A device's token only: a browser session has none to renew.
        let hash = token_hash(bearer(parts).ok_or(AppError::Unauthenticated)?);
        let Authed(device) = Authed::from_request_parts(parts, state).await?;
        Ok(AuthedToken(device, hash))
    }
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        // A browser's console session (cookie, CSRF token for changes) acts as a device named
        // "console" of its user: the same rules apply (crate::console::session).
        if bearer(parts).is_none()
            && let Some(cookie) =
                crate::console::session::cookie_token(&parts.headers, &state.console)
        {
            let cookie = cookie.to_string();
            let session = crate::console::session::authenticate(parts, state, &cookie).await?;
            return Ok(Authed(session.device));
        }
        let token = bearer(parts).ok_or(AppError::Unauthenticated)?;
        let hash = token_hash(token);
        let found = state.store.device(&hash).await?;
        let now = Utc::now();
        let idle = state.token_idle();
        let (refusal, device) = match found {
            Some(device) if !device.revoked && now - device.last_used <= idle => {
                // Never more often than a minute (or a quarter of a short idle time), except
                // at a renewed token's first use, which retires the token it replaced.
                if device.replaces || now - device.last_used > (idle / 4).min(Duration::minutes(1))
                {
                    state.store.touch_device(&hash, now).await?;
                }
                return Ok(Authed(device));
            }
            Some(device) if !device.revoked => (AppError::TokenExpired { idle }, Some(device)),
            Some(device) => (AppError::TokenRevoked, Some(device)),
            None => (AppError::Unauthenticated, None),
        };
        let from = ClientAddress::of(parts);
        if state.bad_tokens.fail(from.0) {
            let what = match &device {
                Some(_) if refusal.code() == codes::TOKEN_EXPIRED => "expired",
                Some(_) => "revoked",
                None => "unknown",
            };
            state
                .audit(
                    device.as_ref().map(|d| d.user.name.as_str()),
                    device.as_ref().map(|d| d.name.as_str()),
                    actions::TOKEN_REFUSED,
                    format!(
                        "{what} device token from {from} ({} {})",
                        parts.method,
                        parts.uri.path().chars().take(100).collect::<String>()
                    ),
                )
                .await?;
        }
        tracing::info!(client = %from, code = refusal.code(), "device token refused");
        Err(refusal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minute)
    }

    #[test]
    fn five_failures_within_fifteen_minutes_lock_for_fifteen_more() {
        let five = [at(0), at(1), at(2), at(3), at(4)];
        assert_eq!(lockout_end(&five[..4], at(5)), None, "four are not enough");
        assert_eq!(lockout_end(&five, at(5)), Some(at(19)));
        assert_eq!(lockout_end(&five, at(18)), Some(at(19)));
        assert_eq!(lockout_end(&five, at(19)), None, "over after 15 minutes");
    }

    #[test]
    fn failures_spread_wider_than_the_window_do_not_lock() {
        let spread = [at(0), at(4), at(8), at(12), at(16)];
        assert_eq!(lockout_end(&spread, at(17)), None);
        // The fifth within 15 minutes of the first locks from the fifth, not the first.
        let late = [at(0), at(1), at(2), at(3), at(15)];
        assert_eq!(lockout_end(&late, at(20)), Some(at(30)));
    }
}
