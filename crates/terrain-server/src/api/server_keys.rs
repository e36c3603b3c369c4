//! `GET /v1/server-keys`: the server's public keys, open to anyone (a device checks a receipt
//! or seals a bundle with them; an administrator compares the fingerprint).

use crate::AppState;
use axum::Json;
use axum::extract::State;
use terrain_protocol::ServerKeys;

pub async fn show(State(state): State<AppState>) -> Json<ServerKeys> {
    Json(state.server_keys.public())
}
