//! The device's sync client: drains the store's outbox to the server and brings other
//! devices' reports for the same regions back.
//!
//! Every step that changes the device is one store transaction (acks with outbox removal,
//! pulled revisions with the cursor), so the process can be killed at any instant and resume
//! without losing or duplicating anything. The store is synchronous; this crate reaches it
//! through `spawn_blocking`, so sync never blocks the runtime the UI shares.
//!
//! It owns no rules: merges and conflicts are the store's and the domain's.

mod bundle;
mod client;
mod download;
mod error;
mod keep;
mod policy;
mod rate;
pub mod receipts;
mod renew;
mod run;
mod stall;
mod upload;
pub mod words;

pub use bundle::{ReplyRead, Written, read_reply, write_bundle};
pub use client::Client;
pub use download::{PhotosFetched, download_blob, fetch_photos};
pub use error::SyncError;
pub use keep::{Connect, Status, Wake, keep_syncing};
pub use policy::{GOOD_LINK, photos_wait};
pub use renew::RENEW_AFTER;
pub use run::{Backoff, Event, PULL_PAGE, PUSH_BATCH, Summary, backoff, sync_once};
pub use stall::STALL;
pub use terrain_store::PhotoPolicy;
pub use words::Tally;

use terrain_store::{Account, Store, Token};

/// Signs in to `server` and remembers the account (with this device's token) in the store.
pub async fn login(
    store: &Store,
    server: &str,
    user: &str,
    password: &str,
    device_name: &str,
) -> Result<Account, SyncError> {
    // The device's USB bundle keys, new at each sign-in (issue 16): kept with the account.
    let bundle_keys = terrain_bundle::DeviceKeys::generate();
    let session = Client::new(server, None)?
        .sign_in_with_keys(
            user,
            password,
            device_name,
            Some((bundle_keys.public_key(), bundle_keys.recipient())),
        )
        .await?;
    let account = Account {
        server: server.trim_end_matches('/').to_string(),
        user: session.user.clone(),
        token: Token(session.token.clone()),
        token_issued: Some(chrono::Utc::now()),
    };
    store.set_account(Some(&account))?;
    receipts::remember_keys(store, session.server_keys.as_ref())?;
    store.set_bundle_keys(&bundle_keys.to_secret())?;
    Ok(account)
}

/// A client for the account this device signed in with. Each sync pass renews its token
/// when due ([`RENEW_AFTER`]) and speaks with the store's current one.
pub fn client_for(store: &Store) -> Result<Client, SyncError> {
    let account = store.account()?.ok_or(SyncError::NotSignedIn)?;
    Client::new(&account.server, Some(account.token))
}
