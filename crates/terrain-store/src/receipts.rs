//! The server's keys as learned at sign-in, and its signed receipts (issue 16,
//! `docs/receipts.md`). The store keeps what it is given: checking a receipt's signature is the
//! sync crate's (it reads the keys here first), so this crate stays free of the wire types.

use crate::sync::{leave_outbox, mark_acked};
use crate::write::parse_uuid;
use crate::{Result, Store};
use chrono::Utc;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

/// One of the server's signing keys, as this device knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KnownServerKey {
    /// 16 hex digits; receipts name the key that signed them by it.
    pub key_id: String,
    /// Base64 of the Ed25519 public key.
    pub signing: String,
    /// The age recipient bundles are sealed to (the current key only).
    pub sealing: Option<String>,
    /// What the administrator's `terrain-server keys show` prints.
    pub fingerprint: Option<String>,
    /// The key the server signs with now.
    pub current: bool,
    /// When the server retired it (RFC 3339), for a retired key.
    pub retired_at: Option<String>,
}

/// A receipt to keep with its revision's ack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptReceipt {
    pub rev_id: Uuid,
    /// The receipt's JSON as the server sent it.
    pub receipt: String,
    /// Its signature checked against a kept server key, for this revision and content hash.
    pub valid: bool,
    /// Why it did not check.
    pub problem: Option<String>,
}

/// A kept receipt, as history shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredReceipt {
    pub rev_id: Uuid,
    pub receipt: String,
    pub valid: bool,
    pub problem: Option<String>,
    pub kept_at: String,
}

impl Store {
    /// Remembers the server's keys from a sign-in: `keys` become the known set's current and
    /// retired ones; keys learned before stay (no longer current), so every receipt ever kept
    /// can be checked again.
    pub fn set_server_keys(&self, keys: &[KnownServerKey]) -> Result<()> {
        let now = Utc::now().to_rfc3339();
        let mut conn = self.writer();
        let tx = conn.transaction().map_err(self.sql())?;
        tx.execute("UPDATE server_keys SET current = 0", [])
            .map_err(self.sql())?;
        for k in keys {
            tx.execute(
                "INSERT INTO server_keys (key_id, signing, sealing, fingerprint, current, retired_at, learned_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (key_id) DO UPDATE SET
                     sealing = coalesce(excluded.sealing, server_keys.sealing),
                     fingerprint = coalesce(excluded.fingerprint, server_keys.fingerprint),
                     current = excluded.current,
                     retired_at = coalesce(excluded.retired_at, server_keys.retired_at)
                 WHERE server_keys.signing = excluded.signing",
                params![
                    k.key_id,
                    k.signing,
                    k.sealing,
                    k.fingerprint,
                    k.current,
                    k.retired_at,
                    now
                ],
            )
            .map_err(self.sql())?;
        }
        tx.commit().map_err(self.sql())
    }

    /// The server keys this device knows, the current one first.
    pub fn server_keys(&self) -> Result<Vec<KnownServerKey>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT key_id, signing, sealing, fingerprint, current, retired_at FROM server_keys
                  ORDER BY current DESC, learned_at DESC, key_id",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(KnownServerKey {
                    key_id: r.get(0)?,
                    signing: r.get(1)?,
                    sealing: r.get(2)?,
                    fingerprint: r.get(3)?,
                    current: r.get(4)?,
                    retired_at: r.get(5)?,
                })
            })
            .map_err(self.sql())?;
        rows.map(|r| r.map_err(self.sql())).collect()
    }

    /// Records that the server holds these revisions (as [`Store::acknowledge`]) and keeps their
    /// receipts, all in one transaction. A receipt kept before stays, unless it did not check
    /// and this one does.
    pub fn acknowledge_with_receipts(
        &self,
        acks: &[(Uuid, Option<i64>)],
        receipts: &[KeptReceipt],
    ) -> Result<()> {
        let now = Utc::now().to_rfc3339();
        let mut conn = self.writer();
        let tx = conn.transaction().map_err(self.sql())?;
        for (rev, seq) in acks {
            mark_acked(&tx, *rev, *seq, &now).map_err(self.sql())?;
            leave_outbox(&tx, *rev, &now).map_err(self.sql())?;
        }
        for k in receipts {
            tx.prepare_cached(
                "INSERT INTO receipts (rev_id, receipt, valid, problem, kept_at)
                 SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM revisions WHERE id = ?1)
                 ON CONFLICT (rev_id) DO UPDATE SET receipt = excluded.receipt,
                     valid = excluded.valid, problem = excluded.problem, kept_at = excluded.kept_at
                 WHERE receipts.valid = 0 AND excluded.valid = 1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    k.rev_id.to_string(),
                    k.receipt,
                    k.valid,
                    k.problem,
                    now
                ])
            })
            .map_err(self.sql())?;
        }
        tx.commit().map_err(self.sql())
    }

    /// The receipt kept for a revision, if any.
    pub fn receipt(&self, rev: Uuid) -> Result<Option<StoredReceipt>> {
        let conn = self.reader()?;
        conn.query_row(
            "SELECT rev_id, receipt, valid, problem, kept_at FROM receipts WHERE rev_id = ?1",
            [rev.to_string()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                ))
            },
        )
        .optional()
        .map_err(self.sql())?
        .map(|(id, receipt, valid, problem, kept_at)| {
            Ok(StoredReceipt {
                rev_id: parse_uuid(&id)?,
                receipt,
                valid,
                problem,
                kept_at,
            })
        })
        .transpose()
    }

    /// The receipts kept for a report's revisions, in the order they were kept.
    pub fn receipts_of(&self, report: Uuid) -> Result<Vec<StoredReceipt>> {
        let ids: Vec<Uuid> = {
            let conn = self.reader()?;
            let mut stmt = conn
                .prepare_cached(
                    "SELECT r.rev_id FROM receipts r JOIN revisions v ON v.id = r.rev_id
                      WHERE v.report_id = ?1 ORDER BY r.kept_at, r.rev_id",
                )
                .map_err(self.sql())?;
            let rows = stmt
                .query_map([report.to_string()], |r| r.get::<_, String>(0))
                .map_err(self.sql())?;
            rows.map(|r| parse_uuid(&r.map_err(self.sql())?))
                .collect::<Result<_>>()?
        };
        let mut kept = Vec::with_capacity(ids.len());
        for id in ids {
            kept.extend(self.receipt(id)?);
        }
        Ok(kept)
    }
}
