//! Importing a device's USB bundle (issue 16, `docs/bundles.md`) and writing its reply.
//!
//! A bundle is checked whole before anything is stored: its signer must be a device key the
//! server keeps (sent with an online sign-in) and not revoked, its signature must cover every
//! byte, and it must be sealed to one of the server's sealing identities. Then its photos are
//! stored as finished uploads and its revisions exactly as a push from that device would be
//! ([`crate::policy::push::push`]: the same screening, region rules, audit events, receipts),
//! so importing twice, or after the same reports came online, changes nothing. The reply holds
//! the push's results (with receipts) and the device's regions' feed after the cursor the
//! bundle carried, sealed to the device's recipient and signed by the server's key. From
//! format 2 a bundle carries the device's link operations too (stored as
//! POST /v1/incidents/links stores them, [`crate::policy::incidents::record`]) and its reply
//! the review decisions and link operations of the device's regions after its cursors, the
//! feeds a pull gives; a reply is written in the format of the bundle it answers. From format
//! 3 a bundle carries the device's site revisions (stored first, as POST /v1/sites/revisions
//! stores them, [`crate::policy::sites::record`]) and its reply their results and the site
//! feed after the bundle's site cursor.
//!
//! A refused bundle is a [`Refused`]: a stable code (`bundle.import.*`, worded in English and
//! French in the message catalogue) for the console or the app, and a plain message.

use crate::AppState;
use crate::policy::{incidents, pull, push, sites};
use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, Utc};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use terrain_bundle::{Bundle, BundleError, Contents, Cursors, Kind, Record, Writer};
use terrain_domain::Message;
use terrain_domain::SiteRevision;
use terrain_domain::incident::LinkOp;
use terrain_protocol::incident::{LinkOps, LinkResult};
use terrain_protocol::sites::{SiteResult, SiteRevisions, SiteStatus};
use terrain_protocol::{PullParams, PushStatus, limits};
use terrain_server_store::{BlobState, Device, Finished};

/// Why the centre refused a bundle; nothing of it was stored. [`Refused::said`] gives the
/// catalogue's code and its parameters; the message (Display) is the English the CLI prints.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// The bundle itself: not one, cut, changed, sealed to another server...
    #[error("{0}")]
    Bundle(#[from] BundleError),
    #[error(
        "{file}: a reply bundle, written by a server for a device: read it on the device with `terrain bundle read`"
    )]
    AReply { file: String },
    #[error(
        "{file}: signed by a device key this server does not know: the device ({device}) must sign in to this server once, online, before its bundles are accepted"
    )]
    UnknownDevice { file: String, device: String },
    #[error(
        "{file}: written by the device \"{device}\" of {user}, which is revoked: its bundles are refused"
    )]
    Revoked {
        file: String,
        device: String,
        user: String,
    },
    /// Records only a server writes, in a device's bundle.
    #[error("{file}: a device's bundle holding a reply's records: refused")]
    ReplyRecords { file: String },
}

impl Refused {
    /// The catalogue's words for it (`bundle.import.*`), for the console and the app.
    pub fn said(&self) -> Message {
        use BundleError as B;
        let file = |f: &str| ("file", f.to_string());
        match self {
            Refused::Bundle(e) => match e {
                B::NotABundle { file: f } => Message::new("bundle.import.not_bundle", [file(f)]),
                B::NewerFormat { file: f, found } => Message::new(
                    "bundle.import.newer",
                    [
                        file(f),
                        ("found", found.to_string()),
                        ("reads", terrain_bundle::FORMAT_VERSION.to_string()),
                    ],
                ),
                B::Incomplete {
                    file: f,
                    count,
                    missing,
                } => Message::new(
                    "bundle.import.incomplete",
                    [
                        file(f),
                        ("count", count.to_string()),
                        ("missing", missing.clone()),
                    ],
                ),
                B::Truncated { file: f } => Message::new("bundle.import.truncated", [file(f)]),
                B::BadSignature { file: f, .. } | B::Damaged { file: f, .. } => {
                    Message::new("bundle.import.tampered", [file(f)])
                }
                B::WrongRecipient { file: f, .. } => {
                    Message::new("bundle.import.other_server", [file(f)])
                }
                B::NotAReply { file: f }
                | B::OtherDevice { file: f, .. }
                | B::UnknownSigner { file: f } => Message::new("bundle.import.tampered", [file(f)]),
                B::Io { file: f, source } => Message::new(
                    "bundle.import.io",
                    [file(f), ("detail", source.to_string())],
                ),
                B::Key(why) | B::SignInFirst(why) => {
                    Message::new("bundle.error.refused", [("detail", why.clone())])
                }
            },
            Refused::AReply { file: f } => Message::new("bundle.import.a_reply", [file(f)]),
            Refused::UnknownDevice { file: f, device } => Message::new(
                "bundle.import.unknown_device",
                [file(f), ("device", device.clone())],
            ),
            Refused::Revoked {
                file: f,
                device,
                user,
            } => Message::new(
                "bundle.import.revoked",
                [file(f), ("device", device.clone()), ("user", user.clone())],
            ),
            Refused::ReplyRecords { file: f } => Message::new("bundle.import.tampered", [file(f)]),
        }
    }

    /// The refusal `import`'s error is, if it is one (not a fault of the server's own store).
    pub fn of(e: &anyhow::Error) -> Option<&Refused> {
        e.downcast_ref()
    }
}

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
    /// The device's link operations stored now, already held, refused (by the same rules as
    /// online: the reports must be of the device's regions).
    pub links: usize,
    pub links_already: usize,
    pub links_refused: usize,
    /// Review decisions and link operations the reply carries to the device.
    pub decisions_sent: usize,
    pub links_sent: usize,
    /// Format 3: the device's site revisions stored now, already held, stored as a conflict
    /// (stored, and its site now has two versions: the devices merge them or show the
    /// conflict), refused (by the same rules as online; they stay in the device's queue); and
    /// the site revisions the reply carries to the device.
    pub sites: usize,
    pub sites_already: usize,
    pub sites_conflicts: usize,
    pub sites_refused: usize,
    pub sites_sent: usize,
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
            .expect("no panic")
            .map_err(Refused::from)?
    };
    if opened.header.kind != Kind::Device {
        return Err(Refused::AReply { file }.into());
    }
    let signer = terrain_bundle::parse_verifying_key(&opened.header.signer, "signer")
        .map_err(Refused::from)?;
    let Some(keyed) = state.store.device_by_key(&opened.header.signer).await? else {
        return Err(Refused::UnknownDevice {
            file,
            device: opened.header.device.clone(),
        }
        .into());
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
        return Err(Refused::Revoked {
            file,
            device: device.name.clone(),
            user: device.user.name.clone(),
        }
        .into());
    }
    let contents: Contents = {
        let keys = state.server_keys.clone();
        tokio::task::spawn_blocking(move || {
            let identities = keys.sealing_identities();
            opened.unseal(&signer, &identities)
        })
        .await
        .expect("no panic")
        .map_err(Refused::from)?
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
    let mut links = Vec::new();
    let mut site_revisions = Vec::new();
    if contents.records.iter().any(|r| {
        matches!(
            r,
            Record::Result(_)
                | Record::Pulled(_)
                | Record::Decision(_)
                | Record::LinkResult(_)
                | Record::SiteResult(_)
        )
    }) {
        return Err(Refused::ReplyRecords { file }.into());
    }
    for record in contents.records {
        match record {
            Record::Blob { sha256, bytes } => {
                if store_blob(state, &owner, &sha256, bytes).await? {
                    done.photos += 1;
                }
            }
            Record::Revision(r) => revisions.push(r),
            Record::Link(op) => links.push(op),
            Record::Site(rev) => site_revisions.push(rev),
            Record::Result(_)
            | Record::Pulled(_)
            | Record::Decision(_)
            | Record::LinkResult(_)
            | Record::SiteResult(_) => unreachable!("refused above"),
        }
    }
    // Sites before the revisions: a report names its site.
    let site_results = record_sites(state, &device, site_revisions, &mut done).await?;
    let mut results = Vec::with_capacity(revisions.len());
    for chunk in revisions.chunks(limits::PUSH_REVISIONS) {
        let answer = push::push(state, &device, chunk.to_vec(), today).await?;
        results.extend(answer.results);
    }
    // The link operations after the revisions: they may name reports this bundle brought.
    let link_results = record_links(state, &device, links, &mut done).await?;
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
                "bundle {} (sequence {}): {} revisions ({} stored, {} already held, {} conflicts, {} refused), {} photos stored, {} link operations ({} stored, {} already held, {} refused), {} site revisions ({} stored, {} already held, {} conflicts, {} refused)",
                contents.header.bundle_id,
                contents.header.sequence,
                results.len(),
                done.stored,
                done.already,
                done.conflicts,
                done.refused,
                done.photos,
                done.links + done.links_already + done.links_refused,
                done.links,
                done.links_already,
                done.links_refused,
                done.sites + done.sites_already + done.sites_conflicts + done.sites_refused,
                done.sites,
                done.sites_already,
                done.sites_conflicts,
                done.sites_refused,
            ),
        )
        .await?;
    if let Some(dir) = reply_to {
        let recipient = terrain_bundle::parse_recipient(&keyed.recipient, "device recipient")?;
        // The feeds a pull gives, each after the bundle's own cursor (a format-1 bundle has
        // none for decisions and links, a format-2 one none for sites: its reply carries none,
        // as a pull to an older device).
        let opening = &contents.opening;
        let mut at = Cursors {
            revisions: opening.cursor,
            reviews: opening.reviews_cursor,
            links: opening.links_cursor,
            sites: opening.sites_cursor,
        };
        let (mut pulled, mut decisions, mut link_feed) = (Vec::new(), Vec::new(), Vec::new());
        let mut site_feed = Vec::new();
        loop {
            let page = pull::page(
                state,
                &device,
                PullParams {
                    since: at.revisions,
                    reviews_since: at.reviews,
                    links_since: at.links,
                    sites_since: at.sites,
                    ..PullParams::default()
                },
            )
            .await?;
            pulled.extend(page.revisions);
            decisions.extend(page.reviews);
            link_feed.extend(page.links);
            site_feed.extend(page.sites);
            let next = Cursors {
                revisions: page.next,
                reviews: at.reviews.and(page.reviews_next),
                links: at.links.and(page.links_next),
                sites: at.sites.and(page.sites_next),
            };
            let advanced = next != at;
            at = next;
            if !page.more || !advanced {
                break;
            }
        }
        done.pulled = pulled.len();
        done.decisions_sent = decisions.len();
        done.links_sent = link_feed.len();
        done.sites_sent = site_feed.len();
        let (dir, keys, header) = (
            dir.to_path_buf(),
            state.server_keys.clone(),
            contents.header,
        );
        // Answered in the bundle's format: a device not yet updated reads its reply.
        let format = header.format.min(terrain_bundle::FORMAT_VERSION);
        done.reply = tokio::task::spawn_blocking(move || {
            let mut w = Writer::create_in_format(
                format,
                &dir,
                Kind::Reply,
                &header.device,
                header.sequence,
                Utc::now(),
                at,
                Some(header.bundle_id),
                &recipient,
                keys.signing(),
                terrain_bundle::PART_BYTES,
            )?;
            // Sites before the reports naming them, as a pull gives them.
            for r in site_results {
                w.add(&Record::SiteResult(r))?;
            }
            for rev in site_feed {
                w.add(&Record::Site(rev))?;
            }
            for r in results {
                w.add(&Record::Result(r))?;
            }
            for p in pulled {
                w.add(&Record::Pulled(p))?;
            }
            for r in link_results {
                w.add(&Record::LinkResult(r))?;
            }
            for d in decisions {
                w.add(&Record::Decision(d))?;
            }
            for op in link_feed {
                w.add(&Record::Link(op))?;
            }
            w.finish()
        })
        .await
        .expect("no panic")
        .with_context(|| "cannot write the reply bundle".to_string())?;
    }
    Ok(done)
}

/// Stores a bundle's link operations as POST /v1/incidents/links would, a batch at a time; a
/// batch the policy refuses (an operation on a report outside the device's regions...) is
/// tried one operation at a time, so the others are stored and the refused one stays in the
/// device's queue (it has no result in the reply). Returns the results of those stored.
async fn record_links(
    state: &AppState,
    device: &Device,
    ops: Vec<LinkOp>,
    done: &mut Imported,
) -> Result<Vec<LinkResult>> {
    use terrain_protocol::incident::LinkStatus;
    let mut results = Vec::with_capacity(ops.len());
    for chunk in ops.chunks(limits::LINK_OPS) {
        let stored = match incidents::record(
            state,
            device,
            LinkOps {
                ops: chunk.to_vec(),
            },
        )
        .await
        {
            Ok(answer) => answer.results,
            Err(e) if e.status().is_server_error() => return Err(e.into()),
            Err(_) => {
                let mut one_by_one = Vec::new();
                for op in chunk {
                    match incidents::record(
                        state,
                        device,
                        LinkOps {
                            ops: vec![op.clone()],
                        },
                    )
                    .await
                    {
                        Ok(answer) => one_by_one.extend(answer.results),
                        Err(e) if e.status().is_server_error() => return Err(e.into()),
                        Err(_) => done.links_refused += 1,
                    }
                }
                one_by_one
            }
        };
        for r in &stored {
            match r.status {
                LinkStatus::Stored => done.links += 1,
                LinkStatus::AlreadyHave => done.links_already += 1,
            }
        }
        results.extend(stored);
    }
    Ok(results)
}

/// Stores a bundle's site revisions as POST /v1/sites/revisions would (the same checks, audit
/// events, kept once by id), a batch at a time; a batch refused whole is tried one revision at
/// a time, so the others are stored and the refused one stays in the device's queue (it has no
/// result in the reply). Counts each in `done`; returns the results of those stored.
async fn record_sites(
    state: &AppState,
    device: &Device,
    revisions: Vec<SiteRevision>,
    done: &mut Imported,
) -> Result<Vec<SiteResult>> {
    let mut results = Vec::with_capacity(revisions.len());
    for chunk in revisions.chunks(limits::SITE_REVISIONS) {
        let body = |revisions: Vec<SiteRevision>| SiteRevisions { revisions };
        match sites::record(state, device, body(chunk.to_vec())).await {
            Ok(answer) => results.extend(answer.results),
            Err(e) if e.status().is_server_error() => return Err(e.into()),
            Err(_) => {
                for rev in chunk {
                    match sites::record(state, device, body(vec![rev.clone()])).await {
                        Ok(answer) => results.extend(answer.results),
                        Err(e) if e.status().is_server_error() => return Err(e.into()),
                        Err(_) => done.sites_refused += 1,
                    }
                }
            }
        }
    }
    // Stored now and leaving its site with two versions (heads): stored as a conflict.
    let new: HashSet<_> = results
        .iter()
        .filter(|r| r.status == SiteStatus::Stored)
        .map(|r| r.id)
        .collect();
    let touched: BTreeSet<_> = revisions
        .iter()
        .filter(|r| new.contains(&r.id))
        .map(|r| r.site_id)
        .collect();
    let held = state
        .store
        .site_revisions(touched.into_iter().collect())
        .await?;
    let followed: HashSet<_> = held
        .iter()
        .flat_map(|s| s.revision.parents.iter().copied())
        .collect();
    let mut heads = std::collections::HashMap::<uuid::Uuid, usize>::new();
    for s in held.iter().filter(|s| !followed.contains(&s.revision.id)) {
        *heads.entry(s.revision.site_id).or_default() += 1;
    }
    for rev in revisions.iter().filter(|r| new.contains(&r.id)) {
        if !followed.contains(&rev.id) && heads.get(&rev.site_id).copied().unwrap_or(0) > 1 {
            done.sites_conflicts += 1;
        } else {
            done.sites += 1;
        }
    }
    done.sites_already += results
        .iter()
        .filter(|r| r.status == SiteStatus::AlreadyHave)
        .count();
    Ok(results)
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
