//! HTTP handlers: each parses, checks who may do what, calls the store, maps the answer.

use crate::actions;
use crate::auth::{Authed, hash_password, locked_until, new_token, password_matches, token_hash};
use crate::contacts;
use crate::error::{AppError, Result};
use crate::{AppState, ClientAddress};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use terrain_domain::{Status, check};
use terrain_protocol::*;
use terrain_server_store::{AuditQuery, Device, Incoming, Outcome};
use uuid::Uuid;

/// Reads a JSON body, mapping each way it can be wrong to its error code.
fn body<T: DeserializeOwned>(bytes: std::result::Result<Bytes, BytesRejection>) -> Result<T> {
    let bytes = bytes.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::BODY_TOO_LARGE,
                format!(
                    "the request is larger than {} bytes; send smaller batches",
                    limits::BODY_BYTES
                ),
            )
        } else {
            AppError::new(
                StatusCode::BAD_REQUEST,
                codes::MALFORMED_JSON,
                e.body_text(),
            )
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            codes::MALFORMED_JSON,
            format!("the body is not valid JSON for this request: {e}"),
        )
    })
}

pub async fn health(State(state): State<AppState>) -> Response {
    match state.store.health().await {
        Ok(()) => (
            StatusCode::OK,
            Json(serde_json::json!({"status": "ok", "protocol": [PROTOCOL_VERSION]})),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "storage unavailable"})),
            )
                .into_response()
        }
    }
}

/// Any answer to a path no route serves: the API's error shape, with its headers.
pub async fn not_found() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        codes::NOT_FOUND,
        "no such endpoint; /v1/openapi.json lists them",
    )
}

/// Signs a device in. In order: the client address's failure allowance
/// ([`crate::throttle`]: `429 rate_limited`, before anything is looked up or hashed), the
/// name's lockout (`429 locked_out`), then the password; a lockout or a wrong password costs
/// the address one failure.
pub async fn sign_in(
    State(state): State<AppState>,
    from: ClientAddress,
    bytes: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<Session>> {
    let req: SignIn = body(bytes)?;
    // The name as tried is what failures are counted and logged by, whether it exists or not.
    let name: String = req.user.chars().take(100).collect();
    let device_name: String = req.device_name.chars().take(100).collect();
    let now = Utc::now();
    if let Some(refused) = state.sign_ins.refused(from.0) {
        let secs = refused.retry_after_secs();
        if refused.report {
            let until = now + chrono::Duration::seconds(secs as i64);
            state
                .audit(
                    Some(&name),
                    Some(&device_name),
                    actions::SIGN_IN_THROTTLED,
                    format!(
                        "from {from}: too many failed sign-ins from this address; refused until {}",
                        until.format("%Y-%m-%d %H:%M:%S UTC")
                    ),
                )
                .await?;
            tracing::warn!(user = %name, client = %from, "sign-ins refused: too many failures from this address");
        }
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::RATE_LIMITED,
            format!("too many failed sign-ins from your network address; try again in {secs} s"),
        )
        .with_header("retry-after", secs));
    }
    if let Some(until) = locked_until(&*state.store, &name, now).await? {
        state.sign_ins.fail(from.0);
        state
            .audit(
                Some(&name),
                Some(&device_name),
                actions::LOCKED_OUT,
                format!("refused until {}", until.format("%Y-%m-%d %H:%M:%S UTC")),
            )
            .await?;
        tracing::warn!(user = %name, "sign-in refused: locked out");
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::LOCKED_OUT,
            format!(
                "too many failed sign-ins for {name}; try again after {} UTC",
                until.format("%H:%M")
            ),
        )
        .with_header("retry-after", (until - now).num_seconds().max(1)));
    }
    let found = state.store.user(&req.user).await?;
    let password = req.password.clone();
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
        state
            .audit(
                Some(&name),
                Some(&device_name),
                actions::SIGN_IN_FAILED,
                why,
            )
            .await?;
        tracing::info!(user = %name, "sign-in refused");
        return Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            codes::BAD_CREDENTIALS,
            "wrong user name or password",
        ));
    };
    let token = new_token();
    state
        .store
        .add_device(&user.name, &device_name, &token_hash(&token), Utc::now())
        .await?;
    state
        .audit(
            Some(&user.name),
            Some(&device_name),
            actions::SIGN_IN,
            format!("new device token ({})", user.role.as_str()),
        )
        .await?;
    tracing::info!(user = %user.name, device = %device_name, "device signed in");
    Ok(Json(Session {
        token,
        user: user.name,
        role: user.role,
        regions: user.regions,
    }))
}

fn may_use_region(device: &Device, region: &str) -> bool {
    device.user.role == Role::Admin || device.user.regions.iter().any(|r| r == region)
}

fn rejected(rev_id: Uuid, code: &str, message: String) -> PushResult {
    PushResult {
        rev_id,
        status: PushStatus::Rejected,
        seq: None,
        code: Some(code.into()),
        message: Some(message),
    }
}

pub async fn push(
    State(state): State<AppState>,
    Authed(device): Authed,
    bytes: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<PushAnswer>> {
    let req: Push = body(bytes)?;
    if req.revisions.len() > limits::PUSH_REVISIONS {
        return Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::TOO_MANY_REVISIONS,
            format!(
                "{} revisions in one push; at most {}",
                req.revisions.len(),
                limits::PUSH_REVISIONS
            ),
        ));
    }
    let today = Utc::now().date_naive();
    let mut results: Vec<Option<PushResult>> = Vec::with_capacity(req.revisions.len());
    let mut batch = Vec::new();
    for rev in req.revisions {
        let region = rev.content.location.admin1.clone();
        // Sizes first: cheap, and an oversized revision is refused before it is hashed.
        let verdict = if let Err(problems) = rev.check_bounds() {
            Some(rejected(
                rev.id,
                codes::INVALID_REPORT,
                problems.to_string().replace('\n', "; "),
            ))
        } else if rev.report_id != rev.content.id || !rev.hash_matches() {
            Some(rejected(
                rev.id,
                codes::HASH_MISMATCH,
                "the content does not match its id or sha256".into(),
            ))
        } else if !may_use_region(&device, &region) {
            Some(rejected(
                rev.id,
                codes::REGION_FORBIDDEN,
                format!(
                    "{} may not send reports for region {region:?}",
                    device.user.name
                ),
            ))
        } else if rev.content.status != Status::Final {
            Some(rejected(
                rev.id,
                codes::INVALID_REPORT,
                "drafts stay on the device; only final reports are sent".into(),
            ))
        } else if let Err(problems) = check(rev.content.clone(), today) {
            Some(rejected(
                rev.id,
                codes::INVALID_REPORT,
                problems.to_string().replace('\n', "; "),
            ))
        } else {
            None
        };
        if verdict.is_none() {
            batch.push(Incoming::sealing(
                rev,
                &device.user.name,
                &state.contact_key,
            ));
        }
        results.push(verdict);
    }
    let ids: Vec<Uuid> = batch.iter().map(|i| i.revision.id).collect();
    let mut outcomes = state.store.push(batch).await?.into_iter().zip(ids);
    let results: Vec<PushResult> = results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                let (outcome, rev_id) = outcomes.next().expect("one outcome per stored revision");
                let (status, seq) = match outcome {
                    Outcome::Stored { seq } => (PushStatus::Stored, seq),
                    Outcome::AlreadyHave { seq } => (PushStatus::AlreadyHave, seq),
                    Outcome::Conflict { seq } => (PushStatus::Conflict, seq),
                };
                PushResult {
                    rev_id,
                    status,
                    seq: Some(seq),
                    code: None,
                    message: None,
                }
            })
        })
        .collect();
    let stored = results
        .iter()
        .filter(|r| matches!(r.status, PushStatus::Stored | PushStatus::Conflict))
        .count();
    let refused = results
        .iter()
        .filter(|r| r.status == PushStatus::Rejected)
        .count();
    state
        .audit(
            Some(&device.user.name),
            Some(&device.name),
            actions::PUSH,
            format!(
                "{} revisions: {stored} stored, {refused} refused",
                results.len()
            ),
        )
        .await?;
    tracing::info!(user = %device.user.name, device = %device.name, count = results.len(), "push");
    Ok(Json(PushAnswer { results }))
}

#[derive(Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    since: i64,
    limit: Option<usize>,
}

/// Revisions read from the store at a time while a page fills: one pull holds at most this
/// many beyond its byte budget.
const PULL_CHUNK: usize = 64;

/// A page of the feed: at most `limit` revisions and about [`limits::PULL_PAGE_BYTES`] of JSON
/// (always one revision, so the feed advances); `next` is the last revision sent, so the
/// client goes on from there.
pub async fn pull(
    State(state): State<AppState>,
    Authed(device): Authed,
    Query(q): Query<PullQuery>,
) -> Result<Json<PullPage>> {
    let limit = q
        .limit
        .unwrap_or(limits::PULL_PAGE)
        .clamp(1, limits::PULL_PAGE);
    let regions = (device.user.role != Role::Admin).then(|| device.user.regions.clone());
    let (mut revisions, mut bytes) = (Vec::new(), 0);
    let (mut next, mut more) = (q.since.max(0), true);
    while more && revisions.len() < limit {
        let want = (limit - revisions.len()).min(PULL_CHUNK);
        let page = state.store.pull(next, want, regions.clone()).await?;
        let mut reports: Vec<Uuid> = page.items.iter().map(|(_, r)| r.report_id).collect();
        reports.sort();
        reports.dedup();
        let stored = state.store.contacts(reports).await?;
        let pulled = contacts::for_reader(page.items, stored, &device.user, &state.contact_key)?;
        for p in pulled {
            let size = serde_json::to_vec(&p).map_or(0, |json| json.len() + 1);
            if !revisions.is_empty() && bytes + size > limits::PULL_PAGE_BYTES {
                let next = revisions.last().map_or(next, |r: &Pulled| r.seq);
                return Ok(Json(PullPage {
                    revisions,
                    next,
                    more: true,
                }));
            }
            bytes += size;
            revisions.push(p);
        }
        // A store that no longer advances has nothing more to give.
        let stalled = page.next == next;
        (next, more) = (page.next, page.more && !stalled);
    }
    Ok(Json(PullPage {
        revisions,
        next,
        more,
    }))
}

pub async fn verify(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(report): Path<Uuid>,
) -> Result<Json<Verified>> {
    if device.user.role == Role::Reporter {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            codes::FORBIDDEN,
            "only reviewers and administrators verify reports",
        ));
    }
    let Some(region) = state.store.report_region(report).await? else {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            format!("no report {report} on this server"),
        ));
    };
    if !may_use_region(&device, &region) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            codes::REGION_FORBIDDEN,
            format!("{} does not review region {region:?}", device.user.name),
        ));
    }
    let at = Utc::now();
    state.store.verify(report, &device.user.name, at).await?;
    state
        .audit(
            Some(&device.user.name),
            Some(&device.name),
            actions::VERIFY,
            format!("report {report}"),
        )
        .await?;
    tracing::info!(user = %device.user.name, %report, "report verified");
    Ok(Json(Verified {
        report_id: report,
        verified_by: device.user.name,
        verified_at: at.to_rfc3339(),
    }))
}

#[derive(Deserialize)]
pub struct AuditParams {
    since: Option<String>,
    user: Option<String>,
    limit: Option<String>,
}

/// The audit log, oldest first, for administrators only.
pub async fn audit(
    State(state): State<AppState>,
    Authed(device): Authed,
    Query(q): Query<AuditParams>,
) -> Result<Json<AuditPage>> {
    if device.user.role != Role::Admin {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            codes::FORBIDDEN,
            "only administrators read the audit log",
        ));
    }
    let invalid = |what: String| AppError::new(StatusCode::BAD_REQUEST, codes::INVALID_QUERY, what);
    let since = q
        .since
        .map(|s| {
            chrono::DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| invalid(format!("since={s:?} is not an RFC 3339 time")))
        })
        .transpose()?;
    let limit = match q.limit {
        None => 100,
        Some(l) => l
            .parse::<usize>()
            .map_err(|_| invalid(format!("limit={l:?} is not a number")))?,
    }
    .clamp(1, limits::AUDIT_PAGE);
    let events = state
        .store
        .audit(&AuditQuery {
            since,
            user: q.user,
            limit,
        })
        .await?;
    Ok(Json(AuditPage {
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
    }))
}

/// Creates or replaces a user (the admin command's core, so tests can call it too).
pub async fn add_user(
    state: &AppState,
    name: &str,
    role: Role,
    regions: Vec<String>,
    password: &str,
) -> anyhow::Result<()> {
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await?;
    let user = terrain_server_store::User {
        name: name.to_string(),
        role,
        regions,
    };
    state.store.put_user(&user, &hash).await?;
    let regions = if user.regions.is_empty() {
        "all regions".to_string()
    } else {
        user.regions.join(", ")
    };
    state
        .audit(
            None,
            None,
            actions::USER_ADD,
            format!("{name} saved as {} ({regions})", role.as_str()),
        )
        .await?;
    Ok(())
}

/// Revokes `user`'s device tokens, one device by name or all, and records it in the audit log
/// (the admin command's core, so tests can call it too). Refused from the next request on:
/// tokens are looked up on every request, never cached. Returns how many were revoked.
pub async fn revoke_tokens(
    state: &AppState,
    user: &str,
    device: Option<&str>,
) -> anyhow::Result<usize> {
    let n = state.store.revoke(user, device, Utc::now()).await?;
    let which = device.map_or("all devices".to_string(), |d| format!("device {d}"));
    state
        .audit(
            None,
            None,
            actions::TOKEN_REVOKE,
            format!("{n} token(s) of {user} revoked ({which})"),
        )
        .await?;
    tracing::info!(%user, count = n, "device tokens revoked");
    Ok(n)
}
