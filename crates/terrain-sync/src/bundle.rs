//! Sync with no network (issue 16, `docs/bundles.md`): the device writes what waits in its
//! outbox, photos included, into a bundle sealed to the server and signed by the device; the
//! server's reply, carried back, acknowledges (with receipts) and brings the region's reports.
//!
//! Writing a bundle changes no outbox row: only the reply's acknowledgements do, exactly as an
//! online push's would. A bundle carries the device's queued link operations too (issue 15),
//! and its cursors in the decision and link feeds. Reading a reply applies pulled revisions,
//! review decisions and link operations like a pull (merges, conflicts) and never moves a
//! cursor back. From format 3 a bundle carries the device's queued site revisions too (before
//! the reports naming them) and its cursor in the site feed; the reply acknowledges them and
//! brings the region's site revisions, applied like a pull's (merged, or left in conflict).

use crate::SyncError;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use terrain_bundle::{Bundle, BundleError, Cursors, DeviceKeys, Kind, Record, Writer};
use terrain_protocol::PushStatus;
use terrain_store::Store;

/// What writing a bundle did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Written {
    /// The bundle's files, in order.
    pub files: Vec<PathBuf>,
    pub revisions: usize,
    /// Reports those revisions are of.
    pub reports: usize,
    pub photos: usize,
    /// Link operations made here that the server has not stored yet (all of them: they are
    /// small, and stored once by id).
    pub links: usize,
    /// Site revisions made here that the server has not stored yet (all of them, as links).
    pub sites: usize,
    /// Bytes in all its files.
    pub bytes: u64,
}

/// What reading a reply did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReplyRead {
    /// Revisions the server holds: out of the outbox.
    pub acked: usize,
    /// Revisions the server refused, kept in the outbox with the reason.
    pub refused: usize,
    /// Receipts kept, and those among them that did not check.
    pub receipts: usize,
    pub receipts_flagged: usize,
    /// Revisions new to this device, reports merged, reports left in conflict.
    pub received: usize,
    pub merged: usize,
    pub conflicts: usize,
    /// The device's pull cursor after.
    pub cursor: i64,
    /// Review decisions new to this device.
    pub decisions: usize,
    /// Link operations of this device the server holds (out of the queue), and link
    /// operations received.
    pub links_acked: usize,
    pub links_received: usize,
    /// Site revisions of this device the server holds (out of the queue); site revisions
    /// new to this device; sites whose versions merged on their own, or stay in conflict.
    pub sites_acked: usize,
    pub sites_received: usize,
    pub sites_merged: usize,
    pub sites_conflicts: usize,
    /// The device's site feed cursor after.
    pub sites_cursor: i64,
}

fn key_error(why: &str) -> SyncError {
    SyncError::Bundle(BundleError::Key(why.into()))
}

fn sign_in_first(why: &str) -> SyncError {
    SyncError::Bundle(BundleError::SignInFirst(why.into()))
}

fn device_keys(store: &Store) -> Result<DeviceKeys, SyncError> {
    let secret = store.bundle_keys()?.ok_or_else(|| {
        sign_in_first(
            "this device has no bundle keys yet: sign in to the server once while online \
             (terrain login), then bundles can travel without a network",
        )
    })?;
    Ok(DeviceKeys::from_secret(&secret)?)
}

/// Writes a bundle into `dir` of the revisions waiting in the outbox that no bundle carries
/// yet (all that wait, with `again`: the stick was lost), each with the photos it names that
/// this device holds; parts of at most `part_bytes`. With nothing new it still writes one,
/// empty: it carries the device's cursor, so the server's reply brings the region's news.
pub fn write_bundle(
    store: &Store,
    dir: &Path,
    again: bool,
    part_bytes: u64,
) -> Result<Written, SyncError> {
    let keys = device_keys(store)?;
    let server = store.server_keys()?;
    let sealing = server
        .iter()
        .find(|k| k.current && k.sealing.is_some())
        .and_then(|k| k.sealing.clone())
        .ok_or_else(|| {
            sign_in_first(
                "this device does not know the server's sealing key: sign in again while online",
            )
        })?;
    let recipient = terrain_bundle::parse_recipient(&sealing, "the server's sealing key")?;
    // Written even when nothing new waits: it carries the cursor, so its reply brings news.
    let revisions = store.to_bundle(again)?;
    if !dir.is_dir() {
        return Err(SyncError::Io {
            path: dir.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such folder"),
        });
    }
    let links = store.queued_link_ops(usize::MAX)?;
    // The server takes only the signed-in user's own site revisions, as online.
    if let Some(account) = store.account()? {
        store.author_queued_site_revisions(&account.user)?;
    }
    let sites = store.queued_site_revisions(usize::MAX)?;
    let sequence = store.next_bundle_sequence()?;
    let cursors = Cursors {
        revisions: store.pull_cursor()?,
        reviews: Some(store.reviews_cursor()?),
        links: Some(store.links_cursor()?),
        sites: Some(store.sites_cursor()?),
    };
    let mut writer = Writer::create(
        dir,
        Kind::Device,
        store.device_id(),
        sequence,
        chrono::Utc::now(),
        cursors,
        None,
        &recipient,
        &keys.signing,
        part_bytes,
    )?;
    // Sites first, parents before children: a report names its site, which the server then
    // holds when it stores the report.
    for rev in &sites {
        writer.add(&Record::Site(rev.clone()))?;
    }
    let mut photos: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for rev in &revisions {
        for a in &rev.content.attachments {
            if !seen.insert(a.sha256.clone()) || (!again && store.photo_bundled(&a.sha256)?) {
                continue;
            }
            // A photo the device lacks stays out: the server marks it "on its way".
            if let Some(bytes) = store.attachment(&a.sha256)? {
                writer.add(&Record::Blob {
                    sha256: a.sha256.clone(),
                    bytes,
                })?;
                photos.push(a.sha256.clone());
            }
        }
        writer.add(&Record::Revision(rev.clone()))?;
    }
    // After the revisions: the server stores them first, so an operation on a report this
    // bundle brings finds it.
    for op in &links {
        writer.add(&Record::Link(op.clone()))?;
    }
    let bundle_id = writer.header().bundle_id;
    let files = writer.finish()?;
    let ids: Vec<_> = revisions.iter().map(|r| r.id).collect();
    store.record_bundle(bundle_id, sequence, &ids, &photos)?;
    let bytes = files
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    let reports = revisions
        .iter()
        .map(|r| r.report_id)
        .collect::<HashSet<_>>()
        .len();
    Ok(Written {
        files,
        revisions: revisions.len(),
        reports,
        photos: photos.len(),
        links: links.len(),
        sites: sites.len(),
        bytes,
    })
}

/// Reads the server's reply bundle at `path` (any part of it): checked whole first (signed by
/// a server key this device knows, sealed to this device, addressed to it), then its
/// acknowledgements and receipts kept and its revisions applied as a pull's would be.
pub fn read_reply(store: &Store, path: &Path, author: &str) -> Result<ReplyRead, SyncError> {
    let keys = device_keys(store)?;
    let bundle = Bundle::open(path)?;
    let file = path.display().to_string();
    if bundle.header.kind != Kind::Reply {
        return Err(BundleError::NotAReply { file }.into());
    }
    if bundle.header.device != store.device_id() {
        return Err(BundleError::OtherDevice {
            file,
            found: bundle.header.device.to_string(),
            this: store.device_id().to_string(),
        }
        .into());
    }
    let known = store.server_keys()?;
    if !known.iter().any(|k| k.signing == bundle.header.signer) {
        return Err(BundleError::UnknownSigner { file }.into());
    }
    let signer = terrain_bundle::parse_verifying_key(&bundle.header.signer, "signer")?;
    let contents = bundle.unseal(&signer, &[&keys.sealing])?;
    let mut results = Vec::new();
    let mut pulled = Vec::new();
    let (mut decisions, mut link_ops, mut link_acks) = (Vec::new(), Vec::new(), Vec::new());
    let (mut sites, mut site_acks) = (Vec::new(), Vec::new());
    for record in contents.records {
        match record {
            Record::Result(r) => results.push(r),
            Record::Pulled(p) => pulled.push((p.seq, p.revision)),
            Record::Decision(d) => decisions.push(d),
            Record::Link(op) => link_ops.push(op),
            Record::LinkResult(r) => link_acks.push(r.id),
            Record::Site(rev) => sites.push(rev),
            Record::SiteResult(r) => site_acks.push(r.id),
            Record::Revision(_) | Record::Blob { .. } => {
                return Err(key_error(&format!(
                    "{file}: a reply holding a device's records: refused"
                )));
            }
        }
    }
    let mut read = ReplyRead::default();
    let mut acks = Vec::new();
    let mut sent = Vec::new();
    for r in &results {
        let Some(rev) = store.revision(r.rev_id)? else {
            continue;
        };
        if r.status == PushStatus::Rejected {
            let why = r
                .message
                .clone()
                .unwrap_or_else(|| "refused by the server".into());
            store.refuse(r.rev_id, &why)?;
            read.refused += 1;
        } else {
            acks.push((r.rev_id, r.seq));
            sent.push((r.rev_id, rev.content_hash));
        }
    }
    let kept = crate::receipts::checked(store, &results, &sent)?;
    read.receipts = kept.len();
    read.receipts_flagged = kept.iter().filter(|k| !k.valid).count();
    read.acked = acks.len();
    store.acknowledge_with_receipts(&acks, &kept)?;
    store.photos_delivered_by_bundle()?;
    // Link operations the server stored leave the queue; then the link feed, as a pull keeps
    // it (a reply to a format-1 bundle carries none, and no cursor).
    store.ack_link_ops(&link_acks)?;
    read.links_acked = link_acks.len();
    if let Some(reached) = contents.opening.links_cursor {
        read.links_received = link_ops.len();
        let cursor = store.links_cursor()?.max(reached);
        store.apply_pulled_link_ops(&link_ops, cursor)?;
    }
    // Site revisions the server stored leave the queue; then the site feed, before the reports
    // naming its sites, as a pull applies it (a reply to a format-1 or 2 bundle has none).
    store.ack_site_revisions(&site_acks)?;
    read.sites_acked = site_acks.len();
    if let Some(reached) = contents.opening.sites_cursor {
        let cursor = store.sites_cursor()?.max(reached);
        let applied = store.apply_pulled_sites(&sites, Some(cursor), author)?;
        read.sites_received = applied.received;
        read.sites_merged = applied.merged.len();
        read.sites_conflicts = applied.conflicts.len();
        for (id, why) in &applied.rejected {
            tracing::warn!(revision = %id, %why, "site revision refused");
        }
    }
    read.sites_cursor = store.sites_cursor()?;
    // Never back: a reply older than what an online pull brought leaves each cursor where it is.
    let cursor = store.pull_cursor()?.max(contents.opening.cursor);
    let reviews_cursor = match contents.opening.reviews_cursor {
        Some(reached) => Some(store.reviews_cursor()?.max(reached)),
        None => None,
    };
    let applied = store.apply_pulled_page(pulled, cursor, &decisions, reviews_cursor, author)?;
    read.decisions = applied.reviews;
    read.received = applied.received;
    read.merged = applied.merged.len();
    read.conflicts = applied.conflicts.len();
    read.cursor = cursor;
    Ok(read)
}
