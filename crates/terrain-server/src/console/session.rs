//! Browser sessions for the console (issue 14). A browser signs in through the same checks as
//! a device ([`sign_in::check_password`]: address allowance, lockout, argon2, audit), and gets
//! a cookie holding a random token, which the server keeps only as its sha256
//! (`console_sessions`). The session ends after [`Settings::idle`] without a request, at
//! [`Settings::absolute`] after sign-in whatever its use, or at sign-out; a cookie used after
//! that is refused (`401 session_expired`) and audited.
//!
//! CSRF: the cookie is HttpOnly and SameSite=Strict; each session has a random synchronizer
//! token, given in the sign-in answer, that every POST, PUT, PATCH and DELETE made with the
//! cookie must carry as `X-CSRF-Token`; and any request made with the cookie (and the sign-in
//! itself) whose `Origin` is another site, or whose `Sec-Fetch-Site` says cross-site, is
//! refused (`403 csrf_refused`), audited.
//!
//! A browser session acts as a device named [`CONSOLE_DEVICE`] of its user: the one extractor
//! ([`crate::auth::Authed`]) yields it, so every /v1 route applies the same role and region
//! rules to a browser as to a device.

use crate::auth::{new_token, token_hash};
use crate::error::{AppError, Result};
use crate::policy::sign_in;
use crate::throttle::Refused;
use crate::{AppState, ClientAddress, actions};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use terrain_protocol::{
    CONSOLE_COOKIE, CONSOLE_COOKIE_SECURE, CSRF_HEADER, ConsoleSession, ConsoleSignIn, limits,
};
use terrain_server_store::{ConsoleSessionRecord, Device};

/// The device name a browser session acts as, in the audit log and for every rule.
pub const CONSOLE_DEVICE: &str = "console";

/// How console sessions are kept: shared by every clone of the state, so a change applies at
/// once (`serve --console-idle-minutes`, TLS, tests).
pub struct Settings {
    idle_secs: AtomicI64,
    absolute_secs: AtomicI64,
    /// The server speaks HTTPS itself: the cookie is `__Host-` prefixed and Secure.
    secure: AtomicBool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            idle_secs: AtomicI64::new(limits::CONSOLE_IDLE_MINUTES * 60),
            absolute_secs: AtomicI64::new(limits::CONSOLE_SESSION_HOURS * 3600),
            secure: AtomicBool::new(false),
        }
    }
}

impl Settings {
    pub fn set_idle(&self, idle: Duration) {
        self.idle_secs
            .store(idle.num_seconds().max(1), Ordering::Relaxed);
    }

    pub fn idle(&self) -> Duration {
        Duration::seconds(self.idle_secs.load(Ordering::Relaxed))
    }

    pub fn set_absolute(&self, limit: Duration) {
        self.absolute_secs
            .store(limit.num_seconds().max(1), Ordering::Relaxed);
    }

    pub fn absolute(&self) -> Duration {
        Duration::seconds(self.absolute_secs.load(Ordering::Relaxed))
    }

    pub fn set_secure(&self, secure: bool) {
        self.secure.store(secure, Ordering::Relaxed);
    }

    pub fn secure(&self) -> bool {
        self.secure.load(Ordering::Relaxed)
    }

    /// The cookie's name: `__Host-` prefixed under TLS.
    pub fn cookie_name(&self) -> &'static str {
        if self.secure() {
            CONSOLE_COOKIE_SECURE
        } else {
            CONSOLE_COOKIE
        }
    }

    /// `Set-Cookie` for a new session's token.
    pub fn set_cookie(&self, token: &str) -> HeaderValue {
        let secure = if self.secure() { "; Secure" } else { "" };
        let value = format!(
            "{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            self.cookie_name(),
            self.absolute().num_seconds()
        );
        HeaderValue::from_str(&value).expect("a token is URL-safe base64")
    }

    /// `Set-Cookie` that makes the browser forget the cookie.
    pub fn clear_cookie(&self) -> HeaderValue {
        let secure = if self.secure() { "; Secure" } else { "" };
        let value = format!(
            "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}",
            self.cookie_name()
        );
        HeaderValue::from_str(&value).expect("plain ASCII")
    }
}

/// The console cookie's token in `headers`, if there is one (the name the server sets: under
/// TLS only the `__Host-` one, which no other host or path can have set).
pub fn cookie_token<'a>(headers: &'a HeaderMap, settings: &Settings) -> Option<&'a str> {
    let name = settings.cookie_name();
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, value)| *n == name && !value.is_empty())
        .map(|(_, value)| value.trim())
}

/// Whether a request is a browser's, judged by the console's rules rather than a device's: it
/// carries no bearer token, and a console cookie (either name) or a path of the console's
/// sessions. Such requests need no `Terrain-Protocol` header (a download link cannot send one).
pub fn is_browser_request(headers: &HeaderMap, path: &str) -> bool {
    let has_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(n, _)| n == CONSOLE_COOKIE || n == CONSOLE_COOKIE_SECURE);
    !headers.contains_key(header::AUTHORIZATION) && (has_cookie || path.starts_with("/v1/console/"))
}

/// Refuses a request another site made: an `Origin` that is not this server's own (scheme
/// aside, compared with `Host`), or `Sec-Fetch-Site: cross-site` / `same-site`. Browsers send
/// `Origin` with every POST, PUT, PATCH and DELETE, and `Sec-Fetch-Site` with everything.
pub fn same_origin(headers: &HeaderMap) -> std::result::Result<(), &'static str> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && (site.eq_ignore_ascii_case("cross-site") || site.eq_ignore_ascii_case("same-site"))
    {
        return Err("requests from another site are refused");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    match (origin_host, host) {
        (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
        _ => Err("requests from another site are refused"),
    }
}

/// Signs a browser in: the sign-in's checks, then a new session and its cookie's token.
pub async fn sign_in(
    state: &AppState,
    from: ClientAddress,
    standing: Option<Refused>,
    req: ConsoleSignIn,
    now: DateTime<Utc>,
) -> Result<(ConsoleSession, String)> {
    let user = sign_in::check_password(
        state,
        from,
        standing,
        (&req.user, &req.password),
        CONSOLE_DEVICE,
        now,
    )
    .await?;
    let token = new_token();
    let csrf = new_token();
    let settings = &state.console;
    let expires_at = now + settings.absolute();
    state
        .store
        .console_session_start(&token_hash(&token), &user.name, &csrf, now, expires_at)
        .await?;
    state
        .audit(
            Some(&user.name),
            Some(CONSOLE_DEVICE),
            actions::SIGN_IN,
            format!(
                "console session from {from} ({}), until {} at the latest",
                user.role.as_str(),
                expires_at.format("%Y-%m-%d %H:%M UTC")
            ),
        )
        .await?;
    tracing::info!(user = %user.name, "console signed in");
    let session = ConsoleSession {
        user: user.name,
        role: user.role,
        regions: user.regions,
        csrf,
        idle_minutes: (settings.idle().num_seconds() / 60).max(1) as u32,
        expires_at: expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    Ok((session, token))
}

/// What a session's record tells the browser.
pub fn answer(state: &AppState, record: &ConsoleSessionRecord) -> ConsoleSession {
    ConsoleSession {
        user: record.user.name.clone(),
        role: record.user.role,
        regions: record.user.regions.clone(),
        csrf: record.csrf.clone(),
        idle_minutes: (state.console.idle().num_seconds() / 60).max(1) as u32,
        expires_at: record
            .expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// A request's console session: open, within its idle time and its end, and (for a method that
/// changes something) with its CSRF token and from this site. Refusals are audited within the
/// address's limit, like bad device tokens.
pub struct CookieSession {
    pub device: Device,
    pub record: ConsoleSessionRecord,
    pub hash: String,
}

pub async fn authenticate(parts: &Parts, state: &AppState, token: &str) -> Result<CookieSession> {
    let hash = token_hash(token);
    let now = Utc::now();
    let idle = state.console.idle();
    let found = state.store.console_session(&hash).await?;
    let refusal = match &found {
        None => Some(("unknown", AppError::Unauthenticated)),
        Some(r) if r.ended_at.is_some() => Some(("ended", AppError::SessionExpired("signed out"))),
        Some(r) if now >= r.expires_at => Some((
            "past its end",
            AppError::SessionExpired("it lasts at most a working day"),
        )),
        Some(r) if now - r.last_used > idle => Some((
            "idle too long",
            AppError::SessionExpired("unused for too long"),
        )),
        Some(_) => None,
    };
    let from = ClientAddress::of(parts);
    if let Some((what, error)) = refusal {
        if state.bad_tokens.fail(from.0) {
            let user = found.as_ref().map(|r| r.user.name.as_str());
            state
                .audit(
                    user,
                    Some(CONSOLE_DEVICE),
                    actions::SESSION_REFUSED,
                    format!(
                        "{what} console cookie from {from} ({} {})",
                        parts.method,
                        parts.uri.path().chars().take(100).collect::<String>()
                    ),
                )
                .await?;
        }
        tracing::info!(client = %from, code = error.code(), "console cookie refused");
        return Err(error);
    }
    let record = found.expect("refused above when absent");
    let device = Device {
        user: record.user.clone(),
        name: CONSOLE_DEVICE.to_string(),
        revoked: false,
        last_used: record.last_used,
        replaces: false,
    };
    if changes_state(&parts.method) {
        let why = match same_origin(&parts.headers) {
            Err(why) => Some(why),
            Ok(()) => {
                let sent = parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                (!constant_time_eq(sent.as_bytes(), record.csrf.as_bytes())).then_some(
                    "the X-CSRF-Token header is missing or is not this session's; reload the page",
                )
            }
        };
        if let Some(why) = why {
            if state.bad_tokens.fail(from.0) {
                state
                    .audit(
                        Some(&record.user.name),
                        Some(CONSOLE_DEVICE),
                        actions::CSRF_REFUSED,
                        format!(
                            "{why}: from {from} ({} {})",
                            parts.method,
                            parts.uri.path().chars().take(100).collect::<String>()
                        ),
                    )
                    .await?;
            }
            return Err(AppError::CsrfRefused(why));
        }
    }
    // The idle time starts again; written at most once a minute (or a quarter of a short idle
    // time) to spare the database.
    if now - record.last_used > (idle / 4).min(Duration::minutes(1)) {
        state.store.console_session_touch(&hash, now).await?;
    }
    Ok(CookieSession {
        device,
        record,
        hash,
    })
}

/// Ends the request's session (sign-out), audited.
pub async fn sign_out(state: &AppState, session: &CookieSession) -> Result<()> {
    let user = &session.record.user.name;
    state
        .store
        .console_sessions_end(user, Some(&session.hash), Utc::now())
        .await?;
    state
        .audit(
            Some(user),
            Some(CONSOLE_DEVICE),
            actions::SIGN_OUT,
            "console session ended by its user",
        )
        .await?;
    Ok(())
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The request's console session (the cookie only; no bearer token): for the session's own
/// routes (`GET`/`DELETE /v1/console/session`).
impl axum::extract::FromRequestParts<AppState> for CookieSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let cookie = cookie_token(&parts.headers, &state.console)
            .ok_or(AppError::Unauthenticated)?
            .to_string();
        authenticate(parts, state, &cookie).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::admin::add_user;
    use crate::policy::testing::state;
    use axum::http::Request;
    use std::net::{IpAddr, Ipv4Addr};
    use terrain_protocol::{Role, codes};
    use terrain_server_store::AuditSearch;

    const FROM: ClientAddress = ClientAddress(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9)));

    fn parts(method: &str, headers: &[(&str, &str)]) -> Parts {
        let mut req = Request::builder().method(method).uri("/v1/reports");
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.body(()).unwrap().into_parts().0
    }

    async fn signed_in(state: &AppState) -> (ConsoleSession, String) {
        add_user(
            state,
            "fanta",
            Role::Reviewer,
            vec!["Kayes".into()],
            "pw of fanta",
        )
        .await
        .unwrap();
        let req = ConsoleSignIn {
            user: "fanta".into(),
            password: "pw of fanta".into(),
        };
        let standing = sign_in::admit(state, FROM).unwrap();
        sign_in(state, FROM, standing, req, Utc::now())
            .await
            .unwrap()
    }

    async fn logged(state: &AppState, action: &str) -> Vec<terrain_server_store::AuditEvent> {
        let search = AuditSearch {
            action: Some(action.into()),
            limit: 100,
            ..AuditSearch::default()
        };
        state.store.audit_search(&search).await.unwrap()
    }

    #[tokio::test]
    async fn a_session_acts_as_the_users_console_device_and_is_audited() {
        let (state, _dir) = state();
        let (session, token) = signed_in(&state).await;
        assert_eq!(
            (session.user.as_str(), session.role),
            ("fanta", Role::Reviewer)
        );
        assert_eq!(session.regions, ["Kayes"]);
        assert_eq!(session.idle_minutes, 30);
        let found = authenticate(&parts("GET", &[]), &state, &token)
            .await
            .unwrap();
        assert_eq!(found.device.name, CONSOLE_DEVICE);
        assert_eq!(found.device.user.name, "fanta");
        assert_eq!(found.record.csrf, session.csrf);
        let sign_ins = logged(&state, actions::SIGN_IN).await;
        assert_eq!(sign_ins.len(), 1);
        assert_eq!(sign_ins[0].device.as_deref(), Some(CONSOLE_DEVICE));
        // The store keeps the token's hash, never the token.
        assert!(state.store.console_session(&token).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_change_needs_the_sessions_csrf_token_and_this_site() {
        let (state, _dir) = state();
        let (session, token) = signed_in(&state).await;
        let cases: [(&[(&str, &str)], bool); 6] = [
            (&[], false),
            (&[(CSRF_HEADER, "not the token")], false),
            (&[(CSRF_HEADER, session.csrf.as_str())], true),
            (
                &[
                    (CSRF_HEADER, session.csrf.as_str()),
                    ("origin", "https://evil.example"),
                    ("host", "terrain.example:8080"),
                ],
                false,
            ),
            (
                &[
                    (CSRF_HEADER, session.csrf.as_str()),
                    ("origin", "http://terrain.example:8080"),
                    ("host", "terrain.example:8080"),
                ],
                true,
            ),
            (
                &[
                    (CSRF_HEADER, session.csrf.as_str()),
                    ("sec-fetch-site", "cross-site"),
                ],
                false,
            ),
        ];
        for (headers, allowed) in cases {
            let got = authenticate(&parts("POST", headers), &state, &token).await;
            match got {
                Ok(_) => assert!(allowed, "{headers:?} was allowed"),
                Err(e) => {
                    assert!(!allowed, "{headers:?} was refused: {e}");
                    assert_eq!(e.code(), codes::CSRF_REFUSED);
                }
            }
        }
        // Reading needs no token.
        assert!(
            authenticate(&parts("GET", &[]), &state, &token)
                .await
                .is_ok()
        );
        assert_eq!(logged(&state, actions::CSRF_REFUSED).await.len(), 4);
    }

    #[tokio::test]
    async fn a_session_ends_when_idle_past_its_end_or_signed_out_and_the_cookie_is_refused() {
        let (state, _dir) = state();
        add_user(&state, "awa", Role::Reporter, vec!["Mopti".into()], "pw")
            .await
            .unwrap();
        let now = Utc::now();
        let start = |token: &'static str, at: DateTime<Utc>, end: DateTime<Utc>| {
            let store = state.store.clone();
            async move {
                store
                    .console_session_start(&token_hash(token), "awa", "csrf", at, end)
                    .await
                    .unwrap()
            }
        };
        start(
            "idle",
            now - Duration::minutes(31),
            now + Duration::hours(1),
        )
        .await;
        start("ended", now - Duration::hours(13), now - Duration::hours(1)).await;
        start("fresh", now, now + Duration::hours(1)).await;
        for token in ["idle", "ended"] {
            let refused = authenticate(&parts("GET", &[]), &state, token).await;
            assert_eq!(
                refused.err().unwrap().code(),
                codes::SESSION_EXPIRED,
                "{token}"
            );
        }
        let unknown = authenticate(&parts("GET", &[]), &state, "never made").await;
        assert_eq!(unknown.err().unwrap().code(), codes::UNAUTHENTICATED);
        let fresh = authenticate(&parts("GET", &[]), &state, "fresh")
            .await
            .unwrap();
        sign_out(&state, &fresh).await.unwrap();
        let after = authenticate(&parts("GET", &[]), &state, "fresh").await;
        assert_eq!(after.err().unwrap().code(), codes::SESSION_EXPIRED);
        let refused = logged(&state, actions::SESSION_REFUSED).await;
        assert_eq!(refused.len(), 4, "{refused:?}");
        assert!(
            refused[0]
                .detail
                .starts_with("idle too long console cookie from")
        );
        assert_eq!(logged(&state, actions::SIGN_OUT).await.len(), 1);
    }

    #[tokio::test]
    async fn console_sign_ins_share_the_lockout_of_device_sign_ins() {
        let (state, _dir) = state();
        add_user(
            &state,
            "awa",
            Role::Reporter,
            vec!["Mopti".into()],
            "the pw",
        )
        .await
        .unwrap();
        let attempt = |password: &str| ConsoleSignIn {
            user: "awa".into(),
            password: password.into(),
        };
        for _ in 0..5 {
            let e = sign_in(&state, FROM, None, attempt("wrong"), Utc::now()).await;
            assert_eq!(e.err().unwrap().code(), codes::BAD_CREDENTIALS);
        }
        let locked = sign_in(&state, FROM, None, attempt("the pw"), Utc::now()).await;
        assert_eq!(locked.err().unwrap().code(), codes::LOCKED_OUT);
        let failures = logged(&state, actions::SIGN_IN_FAILED).await;
        assert_eq!(failures.len(), 5);
        assert!(
            failures
                .iter()
                .all(|e| e.device.as_deref() == Some(CONSOLE_DEVICE))
        );
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_with_its_prefix_under_tls() {
        let settings = Settings::default();
        let plain = settings.set_cookie("tok");
        assert_eq!(
            plain.to_str().unwrap(),
            "terrain_console=tok; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200"
        );
        settings.set_secure(true);
        let secure = settings.set_cookie("tok");
        assert_eq!(
            secure.to_str().unwrap(),
            "__Host-terrain_console=tok; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure"
        );
        // Under TLS only the prefixed cookie is read.
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=b; terrain_console=x".parse().unwrap());
        assert_eq!(cookie_token(&headers, &settings), None);
        headers.insert(
            header::COOKIE,
            "a=b; __Host-terrain_console=y".parse().unwrap(),
        );
        assert_eq!(cookie_token(&headers, &settings), Some("y"));
    }
}
