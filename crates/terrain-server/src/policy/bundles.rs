//! Importing a device's USB bundle (issue 16, `docs/bundles.md`) and writing its reply.
//!
//! A bundle is checked whole before anything is stored: its signer must be a device key the
//! server keeps (sent with an online sign-in) and not revoked, its signature must cover every
//! byte, and it must be sealed to one of the server's sealing identities. Then its photos are
//! stored as finished uploads and its revisions exactly as a push from that device would be
//! ([`crate::policy::push::push`]: the same screening, region rules, audit events, receipts),
//! so importing twice, or after the same reports came online, changes nothing. The reply holds
//! the push's results (with receipts) and the device's regions' feed after the cursor the
//! bundle carried, sealed to the device's recipient and signed by the server's key.

use crate::AppState;
use crate::policy::{pull, push};
use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, Utc};
use std::path::{Path, PathBuf};
use terrain_bundle::{Bundle, Contents, Kind, Record, Writer};
use terrain_protocol::{PullParams, PushStatus, limits};
use terrain_server_store::{BlobState, Device, Finished};

/// What importing one bundle did.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub file: String,
    pub user: String,
    pub device: String,
    /// Revisions stored now, already held, stored as a conflict, refused.
    pub stored: usize,
    pub already: usize,
    pub conflicts: usize,
    pub refused: usize,
    /// Photos stored now (those already held are not counted).
    pub photos: usize,
    /// The reply's files, when one was written.
    pub reply: Vec<PathBuf>,
    /// Revisions the reply carries to the device.
    pub pulled: usize,
}

/// Checks the bundle at `path` whole, then stores it; writes the reply in `reply_to` if given.
/// A refused bundle changes nothing; the error says why in plain words.
pub async fn import(
    state: &AppState,
    path: &Path,
    reply_to: Option<&Path>,
    today: NaiveDate,
) -> Result<Imported> {
    let file = path.display().to_string();
    let opened = {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || Bundle::open(&path))
            .await
            .expect("no panic")?
    };
    if opened.header.kind != Kind::Device {
        bail!(
            "{file}: a reply bundle, written by a server for a device: read it on the device with `terrain bundle read`"
        );
    }
    let signer = terrain_bundle::parse_verifying_key(&opened.header.signer, "signer")?;
    let Some(keyed) = state.store.device_by_key(&opened.header.signer).await? else {
        bail!(
            "{file}: signed by a device key this server does not know: the device ({}) must sign in to this server once, online, before its bundles are accepted",
            opened.header.device
        );
    };
    let device = keyed.device;
    if device.revoked {
        state
            .audit(
                Some(&device.user.name),
                Some(&device.name),
                crate::actions::BUNDLE_REFUSED,
                format!("{file}: the device is revoked"),
            )
            .await?;
        bail!(
            "{file}: written by the device \"{}\" of {}, which is revoked: its bundles are refused",
            device.name,
            device.user.name
        );
    }
    let contents: Contents = {
        let keys = state.server_keys.clone();
        tokio::task::spawn_blocking(move || {
            let identities = keys.sealing_identities();
            opened.unseal(&signer, &identities)
        })
        .await
        .expect("no panic")?
    };
    let mut done = Imported {
        file: file.clone(),
        user: device.user.name.clone(),
        device: device.name.clone(),
        ..Imported::default()
    };
    // Photos first: a revision stored names photos the server then holds whole.
    let owner = format!("{}/bundle-{}", device.user.name, uuid::Uuid::now_v7());
    let mut revisions = Vec::new();
    for record in contents.records {
        match record {
            Record::Blob { sha256, bytes } => {
                if store_blob(state, &owner, &sha256, bytes).await? {
                    done.photos += 1;
                }
            }
            Record::Revision(r) => revisions.push(r),
            Record::Result(_) | Record::Pulled(_) => {
                bail!("{file}: a device's bundle holding a reply's records: refused")
            }
        }
    }
    let mut results = Vec::with_capacity(revisions.len());
    for chunk in revisions.chunks(limits::PUSH_REVISIONS) {
        let answer = push::push(state, &device, chunk.to_vec(), today).await?;
        results.extend(answer.results);
    }
    for r in &results {
        match r.status {
            PushStatus::Stored => done.stored += 1,
            PushStatus::AlreadyHave => done.already += 1,
            PushStatus::Conflict => done.conflicts += 1,
            PushStatus::Rejected => done.refused += 1,
        }
    }
    state
        .audit(
            Some(&device.user.name),
            Some(&device.name),
            crate::actions::BUNDLE_IMPORT,
            format!(
                "bundle {} (sequence {}): {} revisions ({} stored, {} already held, {} conflicts, {} refused), {} photos stored",
                contents.header.bundle_id,
                contents.header.sequence,
                results.len(),
                done.stored,
                done.already,
                done.conflicts,
                done.refused,
                done.photos
            ),
        )
        .await?;
    if let Some(dir) = reply_to {
        let recipient = terrain_bundle::parse_recipient(&keyed.recipient, "device recipient")?;
        let mut since = contents.opening.cursor;
        let mut pulled = Vec::new();
        loop {
            let page = pull::page(
                state,
                &device,
                PullParams {
                    since,
                    ..PullParams::default()
                },
            )
            .await?;
            pulled.extend(page.revisions);
            let advanced = page.next != since;
            since = page.next;
            if !page.more || !advanced {
                break;
            }
        }
        done.pulled = pulled.len();
        let (dir, keys, header) = (
            dir.to_path_buf(),
            state.server_keys.clone(),
            contents.header,
        );
        done.reply = tokio::task::spawn_blocking(move || {
            let mut w = Writer::create(
                &dir,
                Kind::Reply,
                &header.device,
                header.sequence,
                Utc::now(),
                since,
                Some(header.bundle_id),
                &recipient,
                keys.signing(),
                terrain_bundle::PART_BYTES,
            )?;
            for r in results {
                w.add(&Record::Result(r))?;
            }
            for p in pulled {
                w.add(&Record::Pulled(p))?;
            }
            w.finish()
        })
        .await
        .expect("no panic")
        .with_context(|| "cannot write the reply bundle".to_string())?;
    }
    Ok(done)
}

/// Stores one photo of a bundle as a finished upload of its own (`owner` is this import's);
/// false when the server held it already.
async fn store_blob(state: &AppState, owner: &str, sha256: &str, bytes: Vec<u8>) -> Result<bool> {
    if matches!(
        state.store.blob_state(sha256).await?,
        BlobState::Complete { .. }
    ) {
        return Ok(false);
    }
    let now = Utc::now();
    let mut offset = 0u64;
    for piece in bytes.chunks(limits::BLOB_CHUNK_BYTES) {
        offset = state
            .store
            .blob_append(sha256, owner, offset, piece.to_vec(), now)
            .await?;
    }
    match state.store.blob_finish(sha256, owner).await? {
        Finished::Complete { .. } => Ok(true),
        Finished::Mismatch { .. } => bail!("photo {sha256}: its bytes do not match its sha256"),
    }
}

/// The device a bundle's key names, for tests.
pub async fn device_of(state: &AppState, public_key: &str) -> Result<Option<Device>> {
    Ok(state
        .store
        .device_by_key(public_key)
        .await?
        .map(|k| k.device))
}
