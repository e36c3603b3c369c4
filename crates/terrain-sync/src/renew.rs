//! Keeps the device's token young without the password: the server refuses a token unused for
//! `--token-idle-days`, and a token copied from an old backup is worth less once rotated.
//!
//! At the start of a pass, a token older than [`RENEW_AFTER`] (or of unknown age, from a store
//! made before the date was kept) is exchanged for a new one, stored in one transaction before
//! anything uses it. A renewal cut by the network is tried again next pass with the old token,
//! still valid; a refusal (revoked, expired) stops the pass like any refused token.

use crate::SyncError;
use crate::client::Client;
use crate::run::blocking;
use chrono::{TimeDelta, Utc};
use std::sync::Arc;
use terrain_store::{Store, Token};

/// A token this old is renewed at the next pass: well inside the server's idle time (30 days
/// by default), so a device syncing weekly never meets `token_expired`.
pub const RENEW_AFTER: TimeDelta = TimeDelta::days(7);

/// One renewal at a time in this process: two passes renewing one token would retire each
/// other's (the server makes one new token per old one).
static RENEWING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The client for this pass: `client` speaking with the store's token, renewed first when
/// due. None when the device is not signed in (the pass then fails as it always did).
pub(crate) async fn fresh_client(
    store: &Arc<Store>,
    client: &Client,
) -> Result<Option<Client>, SyncError> {
    let _turn = RENEWING.lock().await;
    let Some(account) = blocking(store, |s| s.account()).await? else {
        return Ok(None);
    };
    let due = account
        .token_issued
        .is_none_or(|issued| Utc::now() - issued > RENEW_AFTER);
    if !due {
        return Ok(Some(client.with_token(account.token)));
    }
    let old = account.token;
    match client.with_token(old.clone()).renew().await {
        Ok(session) => {
            let keys = session.server_keys;
            blocking(store, move |s| {
                crate::receipts::remember_keys(s, keys.as_ref())
            })
            .await?;
            let new = Token(session.token);
            let (o, n) = (old.clone(), new.clone());
            if blocking(store, move |s| s.replace_token(&o, &n, Utc::now())).await? {
                tracing::info!("device token renewed");
                return Ok(Some(client.with_token(new)));
            }
            // Signed out or in again meanwhile: the store's account wins.
            Ok(blocking(store, |s| s.account())
                .await?
                .map(|a| client.with_token(a.token)))
        }
        Err(e) if e.is_retryable() => {
            tracing::warn!(error = %e, "token renewal failed; trying again next pass");
            Ok(Some(client.with_token(old)))
        }
        Err(e) => {
            // Another process (the CLI beside the app) may have renewed it first.
            match blocking(store, |s| s.account()).await? {
                Some(a) if a.token != old => Ok(Some(client.with_token(a.token))),
                _ => Err(e),
            }
        }
    }
}
