//! USB bundles as the app and `terrain bundle` show them (issue 16, `docs/bundles.md`): write
//! what waits into a folder (a USB stick), read the server's reply. The work is
//! `terrain_sync`'s; this translates it for the shells.

use crate::{App, Result};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use terrain_bundle::BundleError;
use terrain_domain::Message;
use ts_rs::TS;

/// What writing a bundle did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BundleWritten {
    /// The bundle's files (several when it is split below 4 GiB).
    pub files: Vec<String>,
    #[ts(type = "number")]
    pub revisions: usize,
    /// Reports those revisions are of.
    #[ts(type = "number")]
    pub reports: usize,
    #[ts(type = "number")]
    pub photos: usize,
    /// Link operations and site revisions made here the server has not stored yet.
    #[ts(type = "number")]
    pub links: usize,
    #[ts(type = "number")]
    pub sites: usize,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// What reading the server's reply did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BundleRead {
    /// Reports the server received (out of the outbox), and refused.
    #[ts(type = "number")]
    pub acked: usize,
    #[ts(type = "number")]
    pub refused: usize,
    /// Receipts kept, and those that did not check.
    #[ts(type = "number")]
    pub receipts: usize,
    #[ts(type = "number")]
    pub receipts_flagged: usize,
    /// Reports from other devices received, merged, left in conflict.
    #[ts(type = "number")]
    pub received: usize,
    #[ts(type = "number")]
    pub merged: usize,
    #[ts(type = "number")]
    pub conflicts: usize,
    /// Review decisions received.
    #[ts(type = "number")]
    pub decisions: usize,
    /// Link operations the server stored (out of the queue), and link operations received.
    #[ts(type = "number")]
    pub links_acked: usize,
    #[ts(type = "number")]
    pub links_received: usize,
    /// Site revisions the server stored (out of the queue); site revisions received, sites
    /// whose versions merged, sites left in conflict.
    #[ts(type = "number")]
    pub sites_acked: usize,
    #[ts(type = "number")]
    pub sites_received: usize,
    #[ts(type = "number")]
    pub sites_merged: usize,
    #[ts(type = "number")]
    pub sites_conflicts: usize,
}

impl App {
    /// Writes what waits in the outbox and no bundle carries yet (everything waiting, with
    /// `again`) into a bundle in `dir`.
    pub async fn write_bundle(&self, dir: &Path, again: bool) -> Result<BundleWritten> {
        let store = Arc::clone(&self.store);
        let dir = dir.to_path_buf();
        let written = tokio::task::spawn_blocking(move || {
            terrain_sync::write_bundle(&store, &dir, again, terrain_bundle::PART_BYTES)
        })
        .await
        .expect("bundle task does not panic")?;
        Ok(BundleWritten {
            files: written
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect(),
            revisions: written.revisions,
            reports: written.reports,
            photos: written.photos,
            links: written.links,
            sites: written.sites,
            bytes: written.bytes,
        })
    }

    /// Reads the server's reply bundle `file` (any part of it): acknowledgements, receipts,
    /// and other devices' reports, review decisions, link operations and sites, applied as a
    /// sync would.
    pub async fn read_reply_bundle(&self, file: &Path) -> Result<BundleRead> {
        let store = Arc::clone(&self.store);
        let author = self.author()?;
        let file = file.to_path_buf();
        let read =
            tokio::task::spawn_blocking(move || terrain_sync::read_reply(&store, &file, &author))
                .await
                .expect("bundle task does not panic")?;
        self.note_queue()?;
        Ok(BundleRead {
            acked: read.acked,
            refused: read.refused,
            receipts: read.receipts,
            receipts_flagged: read.receipts_flagged,
            received: read.received,
            merged: read.merged,
            conflicts: read.conflicts,
            decisions: read.decisions,
            links_acked: read.links_acked,
            links_received: read.links_received,
            sites_acked: read.sites_acked,
            sites_received: read.sites_received,
            sites_merged: read.sites_merged,
            sites_conflicts: read.sites_conflicts,
        })
    }
}

/// Why a bundle was refused, in the catalogue's words (`bundle.error.*`): what the app shows in
/// its reader's language; the error's own text stays the detail.
pub fn said(e: &BundleError) -> Message {
    let none: [(&str, String); 0] = [];
    match e {
        BundleError::NotABundle { file } => {
            Message::new("bundle.error.not_bundle", [("file", file)])
        }
        BundleError::NewerFormat { found, .. } => Message::new(
            "bundle.error.newer",
            [
                ("found", found.to_string()),
                ("reads", terrain_bundle::FORMAT_VERSION.to_string()),
            ],
        ),
        BundleError::Incomplete { count, missing, .. } => Message::new(
            "bundle.error.incomplete",
            [("count", count.to_string()), ("missing", missing.clone())],
        ),
        BundleError::Truncated { .. } => Message::new("bundle.error.truncated", none),
        BundleError::BadSignature { .. } | BundleError::Damaged { .. } => {
            Message::new("bundle.error.tampered", none)
        }
        BundleError::WrongRecipient { .. } | BundleError::UnknownSigner { .. } => {
            Message::new("bundle.error.other_server", none)
        }
        BundleError::OtherDevice { found, .. } => {
            Message::new("bundle.error.other_device", [("device", found)])
        }
        BundleError::NotAReply { .. } => Message::new("bundle.error.not_reply", none),
        BundleError::SignInFirst(_) => Message::new("bundle.error.sign_in_first", none),
        BundleError::Io { file, source } => Message::new(
            "bundle.error.io",
            [("file", file.clone()), ("detail", source.to_string())],
        ),
        BundleError::Key(why) => Message::new("bundle.error.refused", [("detail", why)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_device_never_signed_in_is_told_to_sign_in_once_in_the_catalogues_words() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(dir.path()).unwrap();
        let stick = tempfile::tempdir().unwrap();
        for e in [
            app.write_bundle(stick.path(), false).await.unwrap_err(),
            app.read_reply_bundle(&stick.path().join("reply.tbundle"))
                .await
                .unwrap_err(),
        ] {
            assert_eq!(e.code, crate::ErrorCode::Refused);
            let said = e.said.expect("words from the catalogue");
            assert_eq!(said.code, "bundle.error.sign_in_first");
            assert!(
                said.text(terrain_domain::Lang::Fr)
                    .contains("connectez-vous")
            );
        }
        assert_eq!(std::fs::read_dir(stick.path()).unwrap().count(), 0);
    }

    #[test]
    fn each_refusal_has_its_words() {
        let file = "x.tbundle".to_string();
        let cases = [
            (
                BundleError::BadSignature {
                    file: file.clone(),
                    signer: "k".into(),
                },
                "bundle.error.tampered",
            ),
            (
                BundleError::Truncated { file: file.clone() },
                "bundle.error.truncated",
            ),
            (
                BundleError::WrongRecipient {
                    file: file.clone(),
                    found: "a".into(),
                    expected: "b".into(),
                },
                "bundle.error.other_server",
            ),
            (
                BundleError::UnknownSigner { file: file.clone() },
                "bundle.error.other_server",
            ),
            (
                BundleError::OtherDevice {
                    file: file.clone(),
                    found: "d2".into(),
                    this: "d1".into(),
                },
                "bundle.error.other_device",
            ),
            (BundleError::NotAReply { file }, "bundle.error.not_reply"),
        ];
        for (e, code) in cases {
            let m = said(&e);
            assert_eq!(m.code, code, "{e}");
            for lang in [terrain_domain::Lang::En, terrain_domain::Lang::Fr] {
                assert!(!m.text(lang).contains('{'), "{code} fills its words");
            }
        }
    }
}
