//! Passwords (argon2id), device tokens (random, stored as sha256), and the extractor that turns
//! a request's bearer token into the signed-in device.

use crate::AppState;
use crate::error::{AppError, Result};
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, PasswordHash};
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use base64::Engine;
use rand::RngCore;
use terrain_protocol::codes;
use terrain_server_store::Device;

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

/// The signed-in device making the request.
pub struct Authed(pub Device);

impl FromRequestParts<AppState> for Authed {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let unauthenticated = || {
            AppError::new(
                StatusCode::UNAUTHORIZED,
                codes::UNAUTHENTICATED,
                "sign in first: no valid device token",
            )
        };
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unauthenticated)?;
        let device = state
            .store
            .device(&token_hash(token))
            .await?
            .ok_or_else(unauthenticated)?;
        if device.revoked {
            return Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                codes::TOKEN_REVOKED,
                "this device's access was revoked; ask an administrator",
            ));
        }
        Ok(Authed(device))
    }
}
