//! `/v1/console/session` (the browser's sign-in, who-am-I, sign-out) and `/v1/admin/...`
//! (users and devices, administrators only).

use crate::api::JsonBody;
use crate::auth::Authed;
use crate::console::session::{self, CookieSession};
use crate::error::{AppError, Result};
use crate::policy::{admin, sign_in};
use crate::{AppState, ClientAddress, actions};
use axum::Json;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use terrain_protocol::{
    ConsoleSession, ConsoleSignIn, DeviceList, DeviceRow, NewUser, PasswordReset, UserChange,
    UserList, UserRow,
};

/// Signs a browser in ([`session::sign_in`]) and sets its cookie. Refused from another site
/// before anything is read; the address's allowance is checked before the body is read.
pub async fn create(
    State(state): State<AppState>,
    from: ClientAddress,
    request: Request,
) -> Result<Response> {
    if let Err(why) = session::same_origin(request.headers()) {
        state
            .audit(
                None,
                Some(session::CONSOLE_DEVICE),
                actions::CSRF_REFUSED,
                format!("console sign-in from another site, from {from}"),
            )
            .await?;
        return Err(AppError::CsrfRefused(why));
    }
    let standing = sign_in::admit(&state, from)?;
    let JsonBody(req) = JsonBody::<ConsoleSignIn>::from_request(request, &state).await?;
    let (answer, token) = session::sign_in(&state, from, standing, req, Utc::now()).await?;
    let mut resp = Json(answer).into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, state.console.set_cookie(&token));
    Ok(resp)
}

/// The browser's session: who, role, regions, CSRF token. 401 without one.
pub async fn show(State(state): State<AppState>, session: CookieSession) -> Json<ConsoleSession> {
    Json(session::answer(&state, &session.record))
}

/// Ends the browser's session and clears its cookie.
pub async fn delete(State(state): State<AppState>, session: CookieSession) -> Result<Response> {
    session::sign_out(&state, &session).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, state.console.clear_cookie());
    Ok(resp)
}

pub async fn users(
    State(state): State<AppState>,
    Authed(device): Authed,
) -> Result<Json<UserList>> {
    Ok(Json(admin::list_users(&state, &device).await?))
}

pub async fn add_user(
    State(state): State<AppState>,
    Authed(device): Authed,
    JsonBody(new): JsonBody<NewUser>,
) -> Result<(StatusCode, Json<UserRow>)> {
    let row = admin::create_user(&state, &device, new).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

pub async fn change_user(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(name): Path<String>,
    JsonBody(change): JsonBody<UserChange>,
) -> Result<Json<UserRow>> {
    Ok(Json(
        admin::change_user(&state, &device, &name, change).await?,
    ))
}

pub async fn reset_password(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(name): Path<String>,
    JsonBody(reset): JsonBody<PasswordReset>,
) -> Result<StatusCode> {
    admin::reset_password(&state, &device, &name, reset).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn devices(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(name): Path<String>,
) -> Result<Json<DeviceList>> {
    Ok(Json(admin::devices(&state, &device, &name).await?))
}

pub async fn revoke(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(id): Path<String>,
) -> Result<Json<DeviceRow>> {
    Ok(Json(admin::revoke_device(&state, &device, &id).await?))
}
