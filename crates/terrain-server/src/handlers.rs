//! HTTP handlers: each parses, checks who may do what, calls the store, maps the answer.

use crate::actions;
use crate::auth::{
    Authed, AuthedToken, hash_password, locked_until, new_token, password_matches, token_hash,
};
use crate::contacts;
use crate::error::{AppError, Result};
use crate::{AppState, ClientAddress};
use axum::Json;
use axum::body::Bytes;
use axum::extract::FromRequest;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::de::DeserializeOwned;
use terrain_domain::text;
use terrain_domain::{Status, check};
use terrain_protocol::*;
use terrain_server_store::{
    AuditEvent, AuditQuery, Device, Incoming, Outcome, PushRules, same_region,
};
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
    // As the OpenAPI document reads it: `2.0` is an integer there (terrain_protocol::json).
    terrain_protocol::json::from_slice(&bytes).map_err(|e| {
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
            Json(Health {
                status: "ok".into(),
                protocol: vec![PROTOCOL_VERSION],
            }),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "storage unavailable".into(),
                    protocol: Vec::new(),
                }),
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
    request: axum::extract::Request,
) -> Result<Json<Session>> {
    let now = Utc::now();
    // The address's allowance is checked before the body is read: a refused address costs no
    // read and no parse, but for the one request a minute whose names the audit event records.
    let refused = state.sign_ins.refused(from.0);
    if refused.as_ref().is_some_and(|r| !r.report) {
        return Err(rate_limited(refused.expect("checked").retry_after_secs()));
    }
    let req: SignIn = body(Bytes::from_request(request, &state).await)?;
    // The name as tried is what failures are counted and logged by, whether it exists or not;
    // in the log, characters no name may hold are shown escaped.
    let name = printable(&req.user);
    let device_name = printable(&req.device_name);
    if let Some(refused) = refused {
        let secs = refused.retry_after_secs();
        {
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
        return Err(rate_limited(secs));
    }
    // Refused here, before any engine sees them (PostgreSQL cannot store a NUL): the same
    // answer on every engine, audited and counted like a failed sign-in.
    for (field, text) in [("user", &req.user), ("device_name", &req.device_name)] {
        if let Some(bad) = text::refused(text, text::TextKind::Line) {
            state.sign_ins.fail(from.0);
            state
                .audit(
                    Some(&name),
                    Some(&device_name),
                    actions::SIGN_IN_FAILED,
                    format!("{field} {bad}"),
                )
                .await?;
            return Err(AppError::new(
                StatusCode::BAD_REQUEST,
                codes::INVALID_TEXT,
                format!("{field} {bad}"),
            ));
        }
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

fn rate_limited(secs: u64) -> AppError {
    AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        codes::RATE_LIMITED,
        format!("too many failed sign-ins from your network address; try again in {secs} s"),
    )
    .with_header("retry-after", secs)
}

/// A name as the audit log may hold it: its first 100 characters, those no name may hold
/// (controls, NUL, invisible and bidirectional ones) escaped as `\u{..}`.
fn printable(name: &str) -> String {
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

/// Exchanges the device's token for a new one without the password: a device in use never
/// has to sign in again. The old token is retired at the new one's first use, so a lost answer
/// costs nothing. Audited with the new token's device.
pub async fn renew(
    State(state): State<AppState>,
    AuthedToken(device, old): AuthedToken,
) -> Result<Json<Session>> {
    let token = new_token();
    let now = Utc::now();
    let event = AuditEvent {
        at: now,
        actor: Some(device.user.name.clone()),
        device: Some(device.name.clone()),
        action: actions::TOKEN_RENEW.into(),
        detail: "device token renewed; the old one retired at the new one's first use".into(),
    };
    if !state
        .store
        .renew_device(&old, &token_hash(&token), now, event)
        .await?
    {
        // Retired by a renewal or a revocation since this request was authenticated.
        return Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            codes::TOKEN_REVOKED,
            "this token was renewed or revoked meanwhile; use the new one or sign in",
        ));
    }
    tracing::info!(user = %device.user.name, device = %device.name, "device token renewed");
    Ok(Json(Session {
        token,
        user: device.user.name,
        role: device.user.role,
        regions: device.user.regions,
    }))
}

fn may_use_region(device: &Device, region: &str) -> bool {
    device.user.role == Role::Admin || device.user.regions.iter().any(|r| same_region(r, region))
}

/// Why `device`'s user may not change a report whose current heads are in regions `was` (none:
/// a new report) to content in `region`; None if they may. A change needs both the regions
/// before and the region after; a move between regions is a reviewer's or an administrator's.
fn region_refusal(device: &Device, was: &[String], region: &str) -> Option<String> {
    let name = &device.user.name;
    if !may_use_region(device, region) {
        return Some(format!("{name} may not send reports for region {region:?}"));
    }
    if let Some(other) = was.iter().find(|w| !may_use_region(device, w)) {
        return Some(format!(
            "{name} may not change a report of region {other:?}"
        ));
    }
    let moved = was.iter().any(|w| !same_region(w, region));
    if moved && device.user.role == Role::Reporter {
        return Some(format!(
            "moving a report from {} to {region:?} is for reviewers and administrators",
            was.join(", ")
        ));
    }
    None
}

/// A move of a report between regions, by one revision of a push.
struct Move {
    rev: Uuid,
    report: Uuid,
    from: Vec<String>,
    to: String,
}

/// What one push did, for its audit events; it judges the regions in the store's transaction.
struct PushRecord {
    /// Who pushes: their regions and role decide, their names go in the events.
    who: Device,
    total: usize,
    /// Revisions refused before storage, with their reasons.
    refused: Vec<(Uuid, String)>,
    /// The revisions sent to storage and the device each claims, in batch order.
    sent: Vec<(Uuid, String)>,
    /// Moves the judge allowed; those stored are audited.
    moves: Vec<Move>,
}

impl PushRules for PushRecord {
    fn judge(&mut self, incoming: &Incoming, was: &[String]) -> Option<String> {
        let (rev, region) = (&incoming.revision, &incoming.region);
        let why = region_refusal(&self.who, was, region);
        if why.is_none() && was.iter().any(|w| !same_region(w, region)) {
            self.moves.push(Move {
                rev: rev.id,
                report: rev.report_id,
                from: was.to_vec(),
                to: region.clone(),
            });
        }
        why
    }

    fn events(self: Box<Self>, outcomes: &[Outcome]) -> Vec<AuditEvent> {
        PushRecord::events(*self, outcomes)
    }
}

/// `items`, the first [`limits::AUDIT_REASONS`] of them, then how many more.
fn bounded(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(limits::AUDIT_REASONS)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > limits::AUDIT_REASONS {
        text.push_str(&format!(
            " and {} more",
            items.len() - limits::AUDIT_REASONS
        ));
    }
    text
}

impl PushRecord {
    /// The push event (counts, what was stored, why each refused revision was: bounded) and
    /// one `report_move` event per move stored, given the storage's outcomes.
    fn events(self, outcomes: &[Outcome]) -> Vec<AuditEvent> {
        let at = Utc::now();
        let event = |action: &str, detail: String| AuditEvent {
            at,
            actor: Some(self.who.user.name.clone()),
            device: Some(self.who.name.clone()),
            action: action.into(),
            detail,
        };
        let mut stored = Vec::new();
        let mut refused: Vec<String> = self
            .refused
            .iter()
            .map(|(rev, why)| format!("{rev}: {why}"))
            .collect();
        let mut held = 0;
        for ((rev, claimed), outcome) in self.sent.iter().zip(outcomes) {
            match outcome {
                Outcome::Stored { .. } | Outcome::Conflict { .. } => stored.push(rev.to_string()),
                Outcome::AlreadyHave { .. } => held += 1,
                Outcome::DeviceOfAnotherUser => refused.push(format!(
                    "{rev}: {}: device {claimed:?} belongs to another user",
                    codes::DEVICE_FORBIDDEN
                )),
                Outcome::Refused(why) => {
                    refused.push(format!("{rev}: {}: {why}", codes::REGION_FORBIDDEN))
                }
            }
        }
        let mut detail = format!(
            "{} revisions: {} stored, {} refused, {held} already held",
            self.total,
            stored.len(),
            refused.len()
        );
        if !stored.is_empty() {
            detail.push_str(&format!("; stored: {}", bounded(&stored)));
        }
        if !refused.is_empty() {
            detail.push_str(&format!("; refused: {}", bounded(&refused)));
        }
        let mut events = vec![event(actions::PUSH, detail)];
        for m in &self.moves {
            let kept = self.sent.iter().zip(outcomes).any(|((rev, _), o)| {
                *rev == m.rev && matches!(o, Outcome::Stored { .. } | Outcome::Conflict { .. })
            });
            if kept {
                events.push(event(
                    actions::REPORT_MOVE,
                    format!(
                        "report {} moved from {} to {} by revision {}",
                        m.report,
                        m.from.join(", "),
                        m.to,
                        m.rev
                    ),
                ));
            }
        }
        events
    }
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
        // Sizes first: cheap, and an oversized revision is refused before it is hashed. The
        // regions (before and after) are judged in the store's transaction: PushRecord.
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
                &device.name,
                &state.contact_key,
            ));
        }
        results.push(verdict);
    }
    let sent: Vec<(Uuid, String)> = batch
        .iter()
        .map(|i| (i.revision.id, i.revision.device.clone()))
        .collect();
    let record = PushRecord {
        who: device.clone(),
        total: results.len(),
        refused: results
            .iter()
            .flatten()
            .map(|r| {
                let (code, message) = (r.code.as_deref(), r.message.as_deref());
                (
                    r.rev_id,
                    format!("{}: {}", code.unwrap_or(""), message.unwrap_or("")),
                )
            })
            .collect(),
        sent: sent.clone(),
        moves: Vec::new(),
    };
    // The events commit with the revisions: a stored revision without its event is impossible.
    let mut outcomes = state
        .store
        .push(batch, Box::new(record))
        .await?
        .into_iter()
        .zip(sent);
    let results: Vec<PushResult> = results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                let (outcome, (rev_id, claimed)) =
                    outcomes.next().expect("one outcome per stored revision");
                let (status, seq) = match outcome {
                    Outcome::Stored { seq } => (PushStatus::Stored, seq),
                    Outcome::AlreadyHave { seq } => (PushStatus::AlreadyHave, seq),
                    Outcome::Conflict { seq } => (PushStatus::Conflict, seq),
                    Outcome::Refused(why) => {
                        return rejected(rev_id, codes::REGION_FORBIDDEN, why);
                    }
                    Outcome::DeviceOfAnotherUser => {
                        return rejected(
                            rev_id,
                            codes::DEVICE_FORBIDDEN,
                            format!(
                                "the revision's device {claimed:?} first sent revisions as another \
                                 user; a device id belongs to one user"
                            ),
                        );
                    }
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
    tracing::info!(user = %device.user.name, device = %device.name, count = results.len(), "push");
    Ok(Json(PushAnswer { results }))
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
    Query(q): Query<PullParams>,
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
        let mut pulled =
            contacts::for_reader(page.items, stored, &device.user, &state.contact_key)?;
        crate::blobs::mark_pending(&state, &mut pulled).await?;
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
    // Every head's region: a report in conflict across regions needs a reviewer of each.
    let regions = state.store.head_regions(vec![report]).await?;
    if regions.is_empty() {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            format!("no report {report} on this server"),
        ));
    }
    if let Some((_, region)) = regions.iter().find(|(_, r)| !may_use_region(&device, r)) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            codes::REGION_FORBIDDEN,
            format!("{} does not review region {region:?}", device.user.name),
        ));
    }
    let at = Utc::now();
    let event = AuditEvent {
        at,
        actor: Some(device.user.name.clone()),
        device: Some(device.name.clone()),
        action: actions::VERIFY.into(),
        detail: format!("report {report}"),
    };
    state
        .store
        .verify(report, &device.user.name, at, event)
        .await?;
    tracing::info!(user = %device.user.name, %report, "report verified");
    Ok(Json(Verified {
        report_id: report,
        verified_by: device.user.name,
        verified_at: at.to_rfc3339(),
    }))
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
    let limit = q.limit.unwrap_or(100).clamp(1, limits::AUDIT_PAGE);
    // No stored name holds one (failed sign-ins' names are kept escaped), and no engine sees it.
    if let Some(bad) = q
        .user
        .as_deref()
        .and_then(|u| text::refused(u, text::TextKind::Line))
    {
        return Err(invalid(format!("user {bad}")));
    }
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
    if let Some(bad) = text::refused(name, text::TextKind::Line) {
        anyhow::bail!("the user name {bad}");
    }
    if name.trim().is_empty() || name.trim() != name {
        anyhow::bail!("the user name {name:?} is empty or starts or ends with a space");
    }
    // Stored as the gazetteer spells them, so they compare with reports' regions; a name it
    // does not know would match no report and is refused.
    let regions = regions
        .iter()
        .map(|r| match terrain_domain::gazetteer::region(r) {
            Some(region) => Ok(region.name.to_string()),
            None => {
                let names = terrain_domain::gazetteer::regions().iter().map(|g| g.name);
                let hint = terrain_domain::gazetteer::closest(r, names)
                    .map(|c| format!(" (did you mean {c}?)"))
                    .unwrap_or_default();
                Err(anyhow::anyhow!("{r:?} is not a region of Mali{hint}"))
            }
        })
        .collect::<anyhow::Result<Vec<String>>>()?;
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
