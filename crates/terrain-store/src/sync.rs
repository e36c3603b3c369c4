//! The store's side of sync: what to send, what the server acknowledged, what arrived.
//!
//! Each step is one transaction: an ack deletes outbox rows in the transaction that records it;
//! pulled revisions and the new cursor commit together. So a sync killed at any instant resumes
//! without losing or duplicating anything.

use crate::read::{REVISION_SELECT, revision_row};
use crate::write::{append, index_head, insert_revision, parse_uuid};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use std::collections::{BTreeSet, HashSet, VecDeque};
use terrain_domain::{Merge, Revision, check, three_way};
use uuid::Uuid;

/// A revision waiting in the outbox.
#[derive(Debug, Clone)]
pub struct Pending {
    pub outbox_seq: i64,
    pub revision: Revision,
}

/// A photo the server stores a revision of but not yet the bytes of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoUpload {
    pub sha256: String,
    /// The report that named it first.
    pub report: Uuid,
    pub size: u64,
    /// No upload of it began yet: the server holds none of it.
    pub fresh: bool,
}

/// What applying pulled revisions did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Applied {
    /// Revisions new to this device.
    pub received: usize,
    /// Revisions it already had (its own, sent earlier).
    pub already_had: usize,
    /// Reports whose concurrent edits merged on their own.
    pub merged: Vec<Uuid>,
    /// Reports left with conflicting versions for a person to resolve.
    pub conflicts: Vec<Uuid>,
    /// Revisions refused, with why (content not matching its hash).
    pub rejected: Vec<(Uuid, String)>,
    /// Review decisions new to this device.
    pub reviews: usize,
}

/// A report whose versions conflict.
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    pub report_id: Uuid,
    /// The conflicting versions, by revision id.
    pub heads: Vec<Revision>,
    /// Their latest common ancestor, if they share one.
    pub base: Option<Revision>,
    /// The fields the versions disagree on (`where.place`).
    pub fields: Vec<String>,
}

const PULL_CURSOR: &str = "pull_cursor";
const TOKEN_ISSUED: &str = "sync.token_issued";

fn set_token_issued(tx: &Transaction, issued: DateTime<Utc>) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![TOKEN_ISSUED, issued.to_rfc3339()],
    )
    .map(|_| ())
}

/// A device token. Its Debug form never shows it, so it cannot leak into logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(pub String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The server account this device syncs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub server: String,
    pub user: String,
    pub token: Token,
    /// When the server issued the token; None in a store from before the date was kept (sync
    /// then treats the token as due for renewal).
    pub token_issued: Option<DateTime<Utc>>,
}

impl Store {
    /// The oldest `limit` revisions waiting to be sent.
    pub fn pending(&self, limit: usize) -> Result<Vec<Pending>> {
        self.pending_after(0, limit)
    }

    /// The oldest `limit` revisions waiting to be sent after outbox position `after` (a pass
    /// that leaves some in the outbox while their photos go reads on past them).
    pub fn pending_after(&self, after: i64, limit: usize) -> Result<Vec<Pending>> {
        let conn = self.reader()?;
        let sql = "SELECT v.id, v.report_id, v.parents, v.author, v.device, v.created_at, v.content_hash, v.content, o.seq
                     FROM outbox o JOIN revisions v ON v.id = o.rev_id
                    WHERE o.refused IS NULL AND o.seq > ?1 ORDER BY o.seq LIMIT ?2";
        let mut stmt = conn.prepare_cached(sql).map_err(self.sql())?;
        let rows = stmt
            .query_map([after, limit as i64], |row| {
                let seq: i64 = row.get(8)?;
                Ok(revision_row(row)?.map(|revision| Pending {
                    outbox_seq: seq,
                    revision,
                }))
            })
            .map_err(self.sql())?;
        rows.map(|r| r.map_err(self.sql())?).collect()
    }

    /// How many revisions wait to be sent (refused ones left aside).
    pub fn pending_count(&self) -> Result<usize> {
        let conn = self.reader()?;
        conn.query_row(
            "SELECT count(*) FROM outbox WHERE refused IS NULL",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n as usize)
        .map_err(self.sql())
    }

    /// Records that the server holds these revisions (with its feed position when known) and
    /// removes them from the outbox, in one transaction.
    pub fn acknowledge(&self, acks: &[(Uuid, Option<i64>)]) -> Result<()> {
        let now = Utc::now().to_rfc3339();
        let mut conn = self.writer();
        let tx = conn.transaction().map_err(self.sql())?;
        for (rev, seq) in acks {
            mark_acked(&tx, *rev, *seq, &now).map_err(self.sql())?;
            leave_outbox(&tx, *rev, &now).map_err(self.sql())?;
        }
        tx.commit().map_err(self.sql())
    }

    /// The photos waiting to be uploaded, oldest first.
    pub fn photo_uploads(&self) -> Result<Vec<PhotoUpload>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT sha256, report_id, size, tried FROM photo_uploads ORDER BY queued_at, sha256",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(self.sql())?;
        rows.map(|r| {
            let (sha256, report, size, tried) = r.map_err(self.sql())?;
            Ok(PhotoUpload {
                sha256,
                report: parse_uuid(&report)?,
                size: size.max(0) as u64,
                fresh: tried == 0,
            })
        })
        .collect()
    }

    /// An upload of this photo begins: from now on the server may hold part of it.
    pub fn photo_tried(&self, sha256: &str) -> Result<()> {
        self.writer()
            .execute(
                "UPDATE photo_uploads SET tried = 1 WHERE sha256 = ?1 AND tried = 0",
                [sha256],
            )
            .map(|_| ())
            .map_err(self.sql())
    }

    /// The server holds this photo whole: it leaves the upload queue.
    pub fn photo_uploaded(&self, sha256: &str) -> Result<()> {
        self.writer()
            .execute("DELETE FROM photo_uploads WHERE sha256 = ?1", [sha256])
            .map(|_| ())
            .map_err(self.sql())
    }

    /// Keeps a revision the server refused in the outbox with the server's reason, out of the
    /// queue until the report is edited again.
    pub fn refuse(&self, rev: Uuid, reason: &str) -> Result<()> {
        self.writer()
            .execute(
                "UPDATE outbox SET refused = ?2 WHERE rev_id = ?1",
                params![rev.to_string(), reason],
            )
            .map(|_| ())
            .map_err(self.sql())
    }

    /// The server this device syncs with, if it signed in.
    pub fn account(&self) -> Result<Option<Account>> {
        let conn = self.reader()?;
        let get = |key: &str| -> Result<Option<String>> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(self.sql())
        };
        match (get("sync.server")?, get("sync.user")?, get("sync.token")?) {
            (Some(server), Some(user), Some(token)) => Ok(Some(Account {
                server,
                user,
                token: Token(token),
                token_issued: get(TOKEN_ISSUED)?
                    .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                    .map(|t| t.with_timezone(&Utc)),
            })),
            _ => Ok(None),
        }
    }

    /// Remembers (or, with None, forgets) the server account. The token is a secret: it is kept
    /// in the device's database (encrypted at rest once the store is), never logged.
    pub fn set_account(&self, account: Option<&Account>) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction().map_err(self.sql())?;
        tx.execute("DELETE FROM meta WHERE key LIKE 'sync.%'", [])
            .map_err(self.sql())?;
        if let Some(a) = account {
            for (key, value) in [
                ("sync.server", &a.server),
                ("sync.user", &a.user),
                ("sync.token", &a.token.0),
            ] {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![key, value],
                )
                .map_err(self.sql())?;
            }
            if let Some(issued) = a.token_issued {
                set_token_issued(&tx, issued).map_err(self.sql())?;
            }
        }
        tx.commit().map_err(self.sql())
    }

    /// Replaces the token `old` by `new`, issued at `issued`, in one transaction; false (nothing
    /// changed) when the account no longer holds `old` (signed out, or renewed meanwhile).
    pub fn replace_token(&self, old: &Token, new: &Token, issued: DateTime<Utc>) -> Result<bool> {
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(self.sql())?;
        let replaced = tx
            .execute(
                "UPDATE meta SET value = ?2 WHERE key = 'sync.token' AND value = ?1",
                params![old.0, new.0],
            )
            .map_err(self.sql())?
            > 0;
        if replaced {
            set_token_issued(&tx, issued).map_err(self.sql())?;
        }
        tx.commit().map_err(self.sql())?;
        Ok(replaced)
    }

    /// A feed position kept in `meta` under `key` (0 before the first pull): the revision,
    /// decision and link feeds each keep one.
    pub(crate) fn cursor(&self, key: &str) -> Result<i64> {
        let conn = self.reader()?;
        let value: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(self.sql())?;
        Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// The server stored these records of `table` (`link_ops`, `site_revisions`): they leave
    /// the queue, kept, in one transaction.
    pub(crate) fn unqueue(&self, table: &'static str, ids: &[Uuid]) -> Result<()> {
        let sql = self.sql();
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&sql)?;
        {
            let mut stmt = tx
                .prepare_cached(&format!("UPDATE {table} SET queued = 0 WHERE id = ?1"))
                .map_err(&sql)?;
            for id in ids {
                stmt.execute([id.to_string()]).map_err(&sql)?;
            }
        }
        tx.commit().map_err(&sql)
    }

    /// Where this device stands in the server's feed (0 before the first pull).
    pub fn pull_cursor(&self) -> Result<i64> {
        self.cursor(PULL_CURSOR)
    }

    /// Applies revisions pulled from the server and stores the new cursor, in one transaction.
    /// Concurrent versions of a report merge when their edits are disjoint (the merge revision
    /// is queued for the server); otherwise both stay, as a conflict.
    pub fn apply_pulled(
        &self,
        pulled: Vec<(i64, Revision)>,
        cursor: i64,
        author: &str,
    ) -> Result<Applied> {
        self.apply_pulled_page(pulled, cursor, &[], None, author)
    }

    /// [`Store::apply_pulled`] with the page's review decisions (each kept once, by id) and
    /// the decision feed's cursor (None: the server sent none, the cursor stays), all in the
    /// same transaction.
    pub fn apply_pulled_page(
        &self,
        pulled: Vec<(i64, Revision)>,
        cursor: i64,
        decisions: &[terrain_domain::ReviewDecision],
        reviews_cursor: Option<i64>,
        author: &str,
    ) -> Result<Applied> {
        let now = Utc::now();
        let stamp = now.to_rfc3339();
        let sql = self.sql();
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&sql)?;
        let mut applied = Applied::default();
        let mut touched = BTreeSet::new();
        for (seq, rev) in pulled {
            let known = tx
                .prepare_cached("SELECT 1 FROM revisions WHERE id = ?1")
                .and_then(|mut s| s.exists([rev.id.to_string()]))
                .map_err(&sql)?;
            if known {
                mark_acked(&tx, rev.id, Some(seq), &stamp).map_err(&sql)?;
                leave_outbox(&tx, rev.id, &stamp).map_err(&sql)?;
                applied.already_had += 1;
                continue;
            }
            if !rev.hash_matches() {
                applied
                    .rejected
                    .push((rev.id, "content does not match its sha256".into()));
                continue;
            }
            insert_revision(&tx, &rev).map_err(&sql)?;
            mark_acked(&tx, rev.id, Some(seq), &stamp).map_err(&sql)?;
            let report = rev.report_id.to_string();
            for parent in &rev.parents {
                tx.execute(
                    "DELETE FROM heads WHERE report_id = ?1 AND rev_id = ?2",
                    params![report, parent.to_string()],
                )
                .map_err(&sql)?;
            }
            // A revision some head already follows is history, not a head.
            if !is_ancestor_of_a_head(&tx, &rev).map_err(&sql)? {
                tx.execute(
                    "INSERT INTO heads (report_id, rev_id) VALUES (?1, ?2)",
                    params![report, rev.id.to_string()],
                )
                .map_err(&sql)?;
            }
            touched.insert(rev.report_id);
            applied.received += 1;
        }
        for report in touched {
            let heads = heads(&tx, report)?;
            if heads.len() == 2
                && let Some(merged) = self.try_merge(&tx, &heads, author, now)?
            {
                append(&tx, &merged, now).map_err(&sql)?;
                applied.merged.push(report);
                continue;
            }
            if heads.len() > 1 {
                applied.conflicts.push(report);
            }
            let shown = heads
                .iter()
                .max_by_key(|h| (h.created_at, h.id))
                .expect("a report has a head");
            index_head(&tx, shown).map_err(&sql)?;
        }
        applied.reviews =
            crate::reviews::keep(&tx, decisions, reviews_cursor, &stamp).map_err(&sql)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![PULL_CURSOR, cursor.to_string()],
        )
        .map_err(&sql)?;
        tx.commit().map_err(&sql)?;
        Ok(applied)
    }

    fn try_merge(
        &self,
        tx: &Transaction,
        heads: &[Revision],
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Revision>> {
        let (ours, theirs) = (&heads[0], &heads[1]);
        let base = common_ancestor(tx, ours.id, theirs.id)?;
        let Merge::Clean(report) = three_way(
            base.as_ref().map(|b| &b.content),
            &ours.content,
            &theirs.content,
        ) else {
            return Ok(None);
        };
        let today = now.date_naive();
        let Ok(report) = check(*report, today) else {
            return Ok(None);
        };
        let ids: Vec<Uuid> = heads.iter().map(|h| h.id).collect();
        Ok(Some(Revision::merge(
            report,
            &ids,
            author,
            &self.device_id,
            now,
        )))
    }

    /// Reports with conflicting versions, and what they disagree on.
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        let mut conn = self.writer();
        let tx = conn.transaction().map_err(self.sql())?;
        let ids: Vec<String> = tx
            .prepare("SELECT report_id FROM heads GROUP BY report_id HAVING count(*) > 1 ORDER BY report_id")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(self.sql())?;
        let mut out = Vec::new();
        for id in ids {
            let report_id = parse_uuid(&id)?;
            let heads = heads(&tx, report_id)?;
            let base = common_ancestor(&tx, heads[0].id, heads[1].id)?;
            let fields = match three_way(
                base.as_ref().map(|b| &b.content),
                &heads[0].content,
                &heads[1].content,
            ) {
                Merge::Conflict(fields) => fields,
                Merge::Clean(_) => vec!["(the merged report breaks a rule)".into()],
            };
            out.push(Conflict {
                report_id,
                heads,
                base,
                fields,
            });
        }
        Ok(out)
    }
}

/// Takes a revision the server holds out of the outbox; if it was there, the photos it names
/// join the upload queue in the same transaction (the server has them pending).
pub(crate) fn leave_outbox(tx: &Transaction, rev: Uuid, at: &str) -> rusqlite::Result<()> {
    let rev = rev.to_string();
    if tx.execute("DELETE FROM outbox WHERE rev_id = ?1", [&rev])? > 0 {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO photo_uploads (sha256, report_id, size, queued_at)
             SELECT json_extract(a.value, '$.sha256'), v.report_id,
                    json_extract(a.value, '$.size'), ?2
               FROM revisions v, json_each(v.content, '$.attachments') a
              WHERE v.id = ?1",
        )?
        .execute(params![rev, at])?;
    }
    Ok(())
}

pub(crate) fn mark_acked(
    tx: &Transaction,
    rev: Uuid,
    seq: Option<i64>,
    at: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO acked (rev_id, server_seq, acked_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (rev_id) DO UPDATE SET server_seq = coalesce(excluded.server_seq, acked.server_seq)",
    )?
    .execute(params![rev.to_string(), seq, at])?;
    Ok(())
}

fn load(tx: &Transaction, id: Uuid) -> Result<Option<Revision>> {
    tx.query_row(
        &format!("{REVISION_SELECT} WHERE id = ?1"),
        [id.to_string()],
        revision_row,
    )
    .optional()
    .map_err(|e| StoreError::Corrupt(id.to_string(), e.to_string()))?
    .transpose()
}

/// The report's heads, ordered by revision id so every device merges them the same way.
fn heads(tx: &Transaction, report: Uuid) -> Result<Vec<Revision>> {
    let ids: Vec<String> = tx
        .prepare_cached("SELECT rev_id FROM heads WHERE report_id = ?1 ORDER BY rev_id")
        .and_then(|mut s| s.query_map([report.to_string()], |r| r.get(0))?.collect())
        .map_err(|e| StoreError::Corrupt(report.to_string(), e.to_string()))?;
    ids.iter()
        .map(|id| {
            load(tx, parse_uuid(id)?)?
                .ok_or_else(|| StoreError::Corrupt(id.clone(), "head without revision".into()))
        })
        .collect()
}

fn parents_of(tx: &Transaction, id: Uuid) -> rusqlite::Result<Vec<Uuid>> {
    let parents: Option<String> = tx
        .prepare_cached("SELECT parents FROM revisions WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    let parents: Vec<Uuid> = parents
        .and_then(|p| serde_json::from_str(&p).ok())
        .unwrap_or_default();
    Ok(parents)
}

fn ancestors(tx: &Transaction, from: Uuid) -> rusqlite::Result<Vec<Uuid>> {
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    let mut queue = VecDeque::from([from]);
    while let Some(id) = queue.pop_front() {
        if seen.insert(id) {
            order.push(id);
            queue.extend(parents_of(tx, id)?);
        }
    }
    Ok(order)
}

fn is_ancestor_of_a_head(tx: &Transaction, rev: &Revision) -> rusqlite::Result<bool> {
    let heads: Vec<String> = tx
        .prepare_cached("SELECT rev_id FROM heads WHERE report_id = ?1")?
        .query_map([rev.report_id.to_string()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for head in heads.iter().filter_map(|h| Uuid::parse_str(h).ok()) {
        if ancestors(tx, head)?.contains(&rev.id) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The nearest revision both `a` and `b` descend from.
fn common_ancestor(tx: &Transaction, a: Uuid, b: Uuid) -> Result<Option<Revision>> {
    let sql = |e: rusqlite::Error| StoreError::Corrupt(a.to_string(), e.to_string());
    let of_a: HashSet<Uuid> = ancestors(tx, a).map_err(sql)?.into_iter().collect();
    let nearest = ancestors(tx, b)
        .map_err(sql)?
        .into_iter()
        .find(|id| of_a.contains(id));
    match nearest {
        Some(id) => load(tx, id),
        None => Ok(None),
    }
}
