//! `POST /v1/sessions` (sign in) and `POST /v1/sessions/renew`.

use crate::api::JsonBody;
use crate::auth::AuthedToken;
use crate::error::Result;
use crate::policy::sign_in;
use crate::{AppState, ClientAddress};
use axum::Json;
use axum::extract::{FromRequest, Request, State};
use chrono::Utc;
use terrain_protocol::{Session, SignIn};

/// Signs a device in ([`sign_in`]). The address's allowance is checked before the body is
/// read: a refused address costs no read and no parse.
pub async fn create(
    State(state): State<AppState>,
    from: ClientAddress,
    request: Request,
) -> Result<Json<Session>> {
    let standing = sign_in::admit(&state, from)?;
    let JsonBody(req) = JsonBody::<SignIn>::from_request(request, &state).await?;
    let session = sign_in::sign_in(&state, from, standing, req, Utc::now()).await?;
    Ok(Json(session))
}

/// Exchanges the device's token for a new one without the password ([`sign_in::renew`]).
pub async fn renew(
    State(state): State<AppState>,
    AuthedToken(device, old): AuthedToken,
) -> Result<Json<Session>> {
    Ok(Json(
        sign_in::renew(&state, device, &old, Utc::now()).await?,
    ))
}
