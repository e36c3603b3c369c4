//! The server's embedded default storage: one SQLite file (WAL, `synchronous=FULL`), one writer
//! connection reached through `spawn_blocking` so the async server never blocks on disk.
//! Implements `terrain_server_store::ServerStore`; knows nothing of HTTP or permissions.
//!
//! `secure_delete` is on, so a row rewritten or removed (a contact sealed at start-up) leaves
//! no copy of its old text in the file's free space.

mod console_http;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use terrain_domain::{ReviewDecision, Revision};
use terrain_server_store::*;
use uuid::Uuid;

mod console;
mod incidents;
mod reviews;
mod site_reports;
mod sites;

pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Audit times as text that sorts in time order: UTC, microseconds, `Z`.
fn audit_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn parse_time(at: &str) -> Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(at)
        .map_err(backend)?
        .with_timezone(&Utc))
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(backend)?;
        }
        let mut conn = Connection::open(path).map_err(backend)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(backend)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .map_err(backend)?;
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
        )
        .map_err(backend)?;
        migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Files fingerprint rows directly, in one transaction: for loading a benchmark's volume
    /// without pushing its revisions (a server files them in the push transaction).
    pub async fn file_fingerprints(&self, rows: Vec<FingerprintRow>) -> Result<()> {
        self.call(move |c| incidents::file_rows(c, &rows)).await
    }

    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(backend)?
    }
}

/// One schema change after the base schema (version 1, `schema.sql`): SQL, then code for
/// what SQL cannot do (the gazetteer).
struct Migration {
    version: i64,
    sql: &'static str,
    code: fn(&rusqlite::Transaction) -> Result<()>,
}

/// In order; each applied once, all pending ones in the transaction that opens the database.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 2,
        sql: "",
        code: canonical_regions,
    },
    Migration {
        version: 3,
        sql: include_str!("migrations/003_who_pushed.sql"),
        code: |_| Ok(()),
    },
    Migration {
        version: 4,
        sql: include_str!("migrations/004_renewal_grace.sql"),
        code: |_| Ok(()),
    },
    Migration {
        version: 5,
        sql: include_str!("migrations/005_report_index.sql"),
        code: console::backfill,
    },
    Migration {
        version: 6,
        sql: include_str!("migrations/006_reviews.sql"),
        code: reviews::index_states,
    },
    Migration {
        version: 8,
        sql: include_str!("migrations/008_console_sessions.sql"),
        code: |_| Ok(()),
    },
    Migration {
        version: 9,
        sql: include_str!("migrations/009_device_keys.sql"),
        code: |_| Ok(()),
    },
    Migration {
        version: 11,
        sql: include_str!("migrations/011_incidents.sql"),
        code: incidents::backfill,
    },
    Migration {
        version: 12,
        sql: include_str!("migrations/012_sites.sql"),
        code: |_| Ok(()),
    },
    Migration {
        version: 13,
        sql: include_str!("migrations/013_fingerprint_sites.sql"),
        code: |_| Ok(()),
    },
    Migration {
        version: 14,
        sql: include_str!("migrations/014_site_reports.sql"),
        code: site_reports::backfill,
    },
];

/// The schema version this build brings a database to (the last migration's).
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// Brings the database to the newest schema: the base tables (created if missing, so new
/// tables can be added there), then each migration step not yet recorded in `schema_version`,
/// in one transaction. A database made by a newer server is refused, not guessed at.
fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    tx.execute_batch(include_str!("schema.sql"))
        .map_err(backend)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version    INTEGER PRIMARY KEY,
             applied_at TEXT NOT NULL
         ) STRICT;
         INSERT OR IGNORE INTO schema_version (version, applied_at)
         VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));",
    )
    .map_err(backend)?;
    let current: i64 = tx
        .query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))
        .map_err(backend)?;
    let newest = SCHEMA_VERSION;
    if current > newest {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known: newest,
        });
    }
    for step in MIGRATIONS.iter().filter(|m| m.version > current) {
        tx.execute_batch(step.sql).map_err(backend)?;
        (step.code)(&tx)?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at)
             VALUES (?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            [step.version],
        )
        .map_err(backend)?;
    }
    tx.commit().map_err(backend)
}

/// Regions as the gazetteer spells them, in revisions and users (stored as sent before).
fn canonical_regions(tx: &rusqlite::Transaction) -> Result<()> {
    let regions: Vec<String> = tx
        .prepare("SELECT DISTINCT region FROM revisions")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(backend)?;
    for region in regions {
        let canonical = canonical_region(&region);
        if canonical != region {
            tx.execute(
                "UPDATE revisions SET region = ?1 WHERE region = ?2",
                params![canonical, region],
            )
            .map_err(backend)?;
        }
    }
    let users: Vec<(String, String)> = tx
        .prepare("SELECT name, regions FROM users")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .map_err(backend)?;
    for (name, json) in users {
        let regions: Vec<String> = serde_json::from_str(&json).map_err(backend)?;
        let canonical: Vec<String> = regions.iter().map(|r| canonical_region(r)).collect();
        if canonical != regions {
            tx.execute(
                "UPDATE users SET regions = ?1 WHERE name = ?2",
                params![serde_json::to_string(&canonical).map_err(backend)?, name],
            )
            .map_err(backend)?;
        }
    }
    Ok(())
}

/// Drops `owner`'s upload of `sha` and its pieces; whether there was one.
fn drop_upload(tx: &rusqlite::Transaction, sha: &str, owner: &str) -> Result<bool> {
    tx.execute(
        "DELETE FROM upload_pieces WHERE sha256 = ?1 AND owner = ?2",
        [sha, owner],
    )
    .map_err(backend)?;
    tx.execute(
        "DELETE FROM uploads WHERE sha256 = ?1 AND owner = ?2",
        [sha, owner],
    )
    .map(|n| n > 0)
    .map_err(backend)
}

/// Records which blobs `rev` names, so readers of its region may know of them.
fn insert_blob_names(tx: &rusqlite::Transaction, rev: &Revision) -> Result<()> {
    for attachment in &rev.content.attachments {
        tx.prepare_cached("INSERT OR IGNORE INTO revision_blobs (sha256, rev_id) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![attachment.sha256, rev.id.to_string()]))
            .map_err(backend)?;
    }
    Ok(())
}

fn insert_audit(tx: &rusqlite::Transaction, e: &AuditEvent) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit (at, actor, device, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| {
        s.execute(params![
            audit_time(e.at),
            e.actor,
            e.device,
            e.action,
            e.detail
        ])
    })
    .map(|_| ())
    .map_err(backend)
}

/// Whether `rev`'s device may be `user`'s: it is theirs, or no one's yet (then it becomes
/// theirs).
fn claim_device(tx: &rusqlite::Transaction, rev: &Revision, user: &str) -> Result<bool> {
    let owner: Option<String> = tx
        .prepare_cached("SELECT user_name FROM device_owners WHERE device = ?1")
        .and_then(|mut s| s.query_row([&rev.device], |r| r.get(0)).optional())
        .map_err(backend)?;
    match owner {
        Some(owner) => Ok(owner == user),
        None => {
            tx.prepare_cached(
                "INSERT INTO device_owners (device, user_name, first_rev) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut s| s.execute(params![rev.device, user, rev.id.to_string()]))
            .map_err(backend)?;
            Ok(true)
        }
    }
}

fn insert_contacts(
    tx: &rusqlite::Transaction,
    rev: &Revision,
    seq: i64,
    pushed_by: &str,
    contacts: &[SealedContact],
) -> Result<()> {
    for contact in contacts {
        tx.prepare_cached(
            "INSERT INTO contacts (rev_id, report_id, seq, source_key, pushed_by, sealed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .and_then(|mut s| {
            s.execute(params![
                rev.id.to_string(),
                rev.report_id.to_string(),
                seq,
                contact.source_key,
                pushed_by,
                contact.sealed
            ])
        })
        .map_err(backend)?;
    }
    Ok(())
}

#[async_trait]
impl ServerStore for SqliteStore {
    async fn health(&self) -> Result<()> {
        self.call(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(backend))
            .await
    }

    async fn put_user(&self, user: &User, password_hash: &str) -> Result<()> {
        let (user, hash) = (user.clone(), password_hash.to_string());
        self.call(move |c| {
            c.execute(
                "INSERT INTO users (name, role, regions, password_hash) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET role = excluded.role, regions = excluded.regions,
                     password_hash = excluded.password_hash",
                params![user.name, user.role.as_str(), user.regions_json(), hash],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    async fn user(&self, name: &str) -> Result<Option<(User, String)>> {
        let name = name.to_string();
        self.call(move |c| {
            let row = c
                .query_row(
                    "SELECT name, role, regions, password_hash FROM users WHERE name = ?1",
                    [name],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                        ))
                    },
                )
                .optional()
                .map_err(backend)?;
            row.map(|(n, role, regions, hash)| Ok((User::from_columns(n, &role, &regions)?, hash)))
                .transpose()
        })
        .await
    }

    async fn add_device(
        &self,
        user: &str,
        device_name: &str,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let (user, name, hash) = (
            user.to_string(),
            device_name.to_string(),
            token_hash.to_string(),
        );
        self.call(move |c| {
            c.execute(
                "INSERT INTO devices (token_hash, user_name, name, created_at, last_used_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![hash, user, name, audit_time(at)],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    async fn device(&self, token_hash: &str) -> Result<Option<Device>> {
        let hash = token_hash.to_string();
        self.call(move |c| {
            let row = c
                .query_row(
                    "SELECT u.name, u.role, u.regions, d.name, d.revoked_at IS NOT NULL,
                            coalesce(d.last_used_at, d.created_at), d.replaces IS NOT NULL
                       FROM devices d JOIN users u ON u.name = d.user_name WHERE d.token_hash = ?1",
                    [hash],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, bool>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, bool>(6)?,
                        ))
                    },
                )
                .optional()
                .map_err(backend)?;
            row.map(|(u, role, regions, name, revoked, last_used, replaces)| {
                Ok(Device {
                    user: User::from_columns(u, &role, &regions)?,
                    name,
                    revoked,
                    last_used: parse_time(&last_used)?,
                    replaces,
                })
            })
            .transpose()
        })
        .await
    }

    async fn touch_device(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
        let hash = token_hash.to_string();
        self.call(move |c| {
            let tx = c.transaction().map_err(backend)?;
            let at = audit_time(at);
            tx.execute(
                "UPDATE devices SET revoked_at = ?2 WHERE revoked_at IS NULL
                    AND token_hash = (SELECT replaces FROM devices WHERE token_hash = ?1)",
                params![hash, at],
            )
            .map_err(backend)?;
            tx.execute(
                "UPDATE devices SET last_used_at = ?2, replaces = NULL WHERE token_hash = ?1",
                params![hash, at],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn renew_device(
        &self,
        old: &str,
        new: &str,
        at: DateTime<Utc>,
        event: AuditEvent,
    ) -> Result<bool> {
        let (old, new) = (old.to_string(), new.to_string());
        self.call(move |c| {
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(backend)?;
            let at = audit_time(at);
            let valid = tx
                .query_row(
                    "SELECT 1 FROM devices WHERE token_hash = ?1 AND revoked_at IS NULL",
                    [&old],
                    |_| Ok(()),
                )
                .optional()
                .map_err(backend)?
                .is_some();
            if valid {
                // A successor never used (its answer lost): retired for the new one.
                tx.execute(
                    "UPDATE devices SET revoked_at = ?2 WHERE replaces = ?1 AND revoked_at IS NULL",
                    params![old, at],
                )
                .map_err(backend)?;
                tx.execute(
                    "INSERT INTO devices (token_hash, user_name, name, created_at, last_used_at, replaces)
                     SELECT ?2, user_name, name, ?3, ?3, ?1 FROM devices WHERE token_hash = ?1",
                    params![old, new, at],
                )
                .map_err(backend)?;
                insert_audit(&tx, &event)?;
            }
            let renewed = valid;
            tx.commit().map_err(backend)?;
            Ok(renewed)
        })
        .await
    }

    async fn revoke(
        &self,
        user: &str,
        device_name: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        let (user, name) = (user.to_string(), device_name.map(str::to_string));
        self.call(move |c| {
            // The device's bundle keys go with its tokens (issue 16).
            c.execute(
                "UPDATE device_keys SET revoked_at = ?3
                  WHERE user_name = ?1 AND (?2 IS NULL OR device_name = ?2) AND revoked_at IS NULL",
                params![user, name, at.to_rfc3339()],
            )
            .map_err(backend)?;
            c.execute(
                "UPDATE devices SET revoked_at = ?3
                  WHERE user_name = ?1 AND (?2 IS NULL OR name = ?2) AND revoked_at IS NULL",
                params![user, name, at.to_rfc3339()],
            )
            .map_err(backend)
        })
        .await
    }

    async fn push(&self, batch: Vec<Incoming>, mut rules: PushAudit) -> Result<Vec<Outcome>> {
        self.call(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(backend)?;
            let now = Utc::now().to_rfc3339();
            let mut outcomes = Vec::with_capacity(batch.len());
            let mut touched: Vec<String> = Vec::new();
            for incoming in batch {
                let id = incoming.revision.id.to_string();
                let report = incoming.revision.report_id.to_string();
                if let Some(seq) = tx
                    .prepare_cached("SELECT seq FROM revisions WHERE id = ?1")
                    .and_then(|mut s| s.query_row([&id], |r| r.get(0)).optional())
                    .map_err(backend)?
                {
                    outcomes.push(Outcome::AlreadyHave { seq });
                    continue;
                }
                // In the transaction, after the batch's earlier revisions: see PushRules::judge.
                let heads: Vec<String> = tx
                    .prepare_cached(
                        "SELECT DISTINCT r.region FROM heads h JOIN revisions r ON r.id = h.rev_id
                          WHERE h.report_id = ?1 ORDER BY r.region",
                    )
                    .and_then(|mut s| s.query_map([&report], |r| r.get(0))?.collect())
                    .map_err(backend)?;
                if let Some(why) = rules.judge(&incoming, &heads) {
                    outcomes.push(Outcome::Refused(why));
                    continue;
                }
                let Incoming { revision: rev, region, pushed_by, pushed_device, contacts } = incoming;
                if !claim_device(&tx, &rev, &pushed_by)? {
                    outcomes.push(Outcome::DeviceOfAnotherUser);
                    continue;
                }
                tx.prepare_cached(
                    "INSERT INTO revisions (id, report_id, region, revision, received_at, pushed_by, pushed_device)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .and_then(|mut s| s.execute(params![id, report, region, serde_json::to_string(&rev).unwrap(), now, pushed_by, pushed_device]))
                .map_err(backend)?;
                let seq = tx.last_insert_rowid();
                insert_contacts(&tx, &rev, seq, &pushed_by, &contacts)?;
                insert_blob_names(&tx, &rev)?;
                for p in &rev.parents {
                    tx.prepare_cached("DELETE FROM heads WHERE report_id = ?1 AND rev_id = ?2")
                        .and_then(|mut s| s.execute(params![report, p.to_string()]))
                        .map_err(backend)?;
                }
                tx.prepare_cached("INSERT INTO heads (report_id, rev_id) VALUES (?1, ?2)")
                    .and_then(|mut s| s.execute(params![report, id]))
                    .map_err(backend)?;
                let heads: i64 = tx
                    .prepare_cached("SELECT count(*) FROM heads WHERE report_id = ?1")
                    .and_then(|mut s| s.query_row([&report], |r| r.get(0)))
                    .map_err(backend)?;
                outcomes.push(if heads > 1 { Outcome::Conflict { seq } } else { Outcome::Stored { seq } });
                if !touched.contains(&report) {
                    touched.push(report);
                }
            }
            console::reindex(&tx, &touched)?;
            incidents::refile(&tx, &touched)?;
            site_reports::refile(&tx, &touched)?;
            for event in rules.events(&outcomes) {
                insert_audit(&tx, &event)?;
            }
            tx.commit().map_err(backend)?;
            Ok(outcomes)
        })
        .await
    }

    async fn pusher(&self, rev: Uuid) -> Result<Option<Pusher>> {
        self.call(move |c| {
            let row: Option<(Option<String>, Option<String>)> = c
                .query_row(
                    "SELECT pushed_by, pushed_device FROM revisions WHERE id = ?1",
                    [rev.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(backend)?;
            Ok(match row {
                Some((Some(user), Some(device))) => Some(Pusher { user, device }),
                _ => None,
            })
        })
        .await
    }

    async fn head_regions(&self, reports: Vec<Uuid>) -> Result<Vec<(Uuid, String)>> {
        self.call(move |c| {
            let reports = serde_json::to_string(&reports).map_err(backend)?;
            let rows: Vec<(String, String)> = c
                .prepare_cached(
                    "SELECT DISTINCT h.report_id, r.region FROM heads h JOIN revisions r ON r.id = h.rev_id
                      WHERE h.report_id IN (SELECT value FROM json_each(?1))",
                )
                .and_then(|mut s| s.query_map([reports], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
                .map_err(backend)?;
            rows.into_iter()
                .map(|(report, region)| Ok((report.parse().map_err(backend)?, region)))
                .collect()
        })
        .await
    }

    async fn current_heads(&self, reports: Vec<Uuid>) -> Result<Vec<Revision>> {
        self.call(move |c| {
            let reports = serde_json::to_string(&reports).map_err(backend)?;
            // Ordered by report then feed position: the last row of each report is its head.
            let rows: Vec<(String, String)> = c
                .prepare_cached(
                    "SELECT h.report_id, r.revision FROM heads h JOIN revisions r ON r.id = h.rev_id
                      WHERE h.report_id IN (SELECT value FROM json_each(?1))
                      ORDER BY h.report_id, r.seq",
                )
                .and_then(|mut s| s.query_map([reports], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
                .map_err(backend)?;
            let mut heads: Vec<Revision> = Vec::with_capacity(rows.len());
            for (i, (report, json)) in rows.iter().enumerate() {
                if rows.get(i + 1).is_some_and(|(next, _)| next == report) {
                    continue;
                }
                heads.push(serde_json::from_str(json).map_err(backend)?);
            }
            Ok(heads)
        })
        .await
    }

    async fn pull(&self, since: i64, limit: usize, regions: Option<Vec<String>>) -> Result<Page> {
        self.call(move |c| {
            let tx = c.transaction().map_err(backend)?;
            let top: i64 = tx
                .query_row("SELECT coalesce(max(seq), 0) FROM revisions", [], |r| {
                    r.get(0)
                })
                .map_err(backend)?;
            let regions_json = regions.map(|r| serde_json::to_string(&r).unwrap());
            let mut stmt = tx
                .prepare_cached(
                    "SELECT seq, revision FROM revisions
                      WHERE seq > ?1 AND (?2 IS NULL OR region IN (SELECT value FROM json_each(?2)))
                      ORDER BY seq LIMIT ?3",
                )
                .map_err(backend)?;
            let rows: Vec<(i64, String)> = stmt
                .query_map(params![since, regions_json, limit as i64 + 1], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .and_then(|rows| rows.collect())
                .map_err(backend)?;
            let more = rows.len() > limit;
            let items = rows
                .into_iter()
                .take(limit)
                .map(|(seq, json)| {
                    Ok((
                        seq,
                        serde_json::from_str::<Revision>(&json).map_err(backend)?,
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            let next = if more {
                items.last().map_or(since, |i| i.0)
            } else {
                top.max(since)
            };
            Ok(Page { items, next, more })
        })
        .await
    }

    async fn list_reports(
        &self,
        selection: Selection,
        page: PageBounds,
    ) -> Result<Vec<(i64, terrain_protocol::ReportRow)>> {
        self.call(move |c| console::list(c, &selection, page)).await
    }

    async fn count_reports(
        &self,
        selection: Selection,
        by: terrain_protocol::CountBy,
    ) -> Result<Vec<terrain_protocol::CountRow>> {
        self.call(move |c| console::count(c, &selection, by)).await
    }

    async fn report_revisions(&self, report: Uuid) -> Result<Vec<StoredRevision>> {
        self.call(move |c| console::revisions(c, &report.to_string()))
            .await
    }

    async fn contacts(&self, reports: Vec<Uuid>) -> Result<Vec<StoredContact>> {
        self.call(move |c| {
            let reports = serde_json::to_string(&reports).map_err(backend)?;
            let mut stmt = c
                .prepare_cached(
                    "SELECT report_id, rev_id, seq, source_key, pushed_by, sealed FROM contacts
                      WHERE report_id IN (SELECT value FROM json_each(?1)) ORDER BY seq, source_key",
                )
                .map_err(backend)?;
            let rows: Vec<(String, String, i64, String, String, Vec<u8>)> = stmt
                .query_map([reports], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                })
                .and_then(|rows| rows.collect())
                .map_err(backend)?;
            rows.into_iter()
                .map(|(report, rev, seq, source_key, pushed_by, sealed)| {
                    Ok(StoredContact {
                        report_id: report.parse().map_err(backend)?,
                        rev_id: rev.parse().map_err(backend)?,
                        seq,
                        source_key,
                        pushed_by,
                        sealed,
                    })
                })
                .collect()
        })
        .await
    }

    async fn seal_clear_contacts(&self, key: &ContactKey) -> Result<usize> {
        let key = key.clone();
        self.call(move |c| {
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(backend)?;
            // Only rows whose JSON names a contact can hold one; the rest are not parsed.
            let rows: Vec<(i64, String)> = tx
                .prepare(
                    r#"SELECT seq, revision FROM revisions WHERE revision LIKE '%"contact":%'"#,
                )
                .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
                .map_err(backend)?;
            let mut changed = 0;
            for (seq, json) in rows {
                let mut rev: Revision = serde_json::from_str(&json).map_err(backend)?;
                let contacts = seal_contacts(&mut rev, &key);
                if contacts.is_empty() {
                    continue;
                }
                let author = rev.author.clone();
                insert_contacts(&tx, &rev, seq, &author, &contacts)?;
                tx.execute(
                    "UPDATE revisions SET revision = ?1 WHERE seq = ?2",
                    params![serde_json::to_string(&rev).map_err(backend)?, seq],
                )
                .map_err(backend)?;
                changed += 1;
            }
            tx.commit().map_err(backend)?;
            if changed > 0 {
                // The clear text may still sit in the log's frames: copy them back and empty it.
                c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                    .map_err(backend)?;
            }
            Ok(changed)
        })
        .await
    }

    async fn report_region(&self, report: Uuid) -> Result<Option<String>> {
        self.call(move |c| {
            c.query_row(
                "SELECT region FROM revisions WHERE report_id = ?1 ORDER BY seq DESC LIMIT 1",
                [report.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn review(&self, decision: &ReviewDecision, event: AuditEvent) -> Result<i64> {
        let decision = decision.clone();
        self.call(move |c| reviews::append(c, &decision, &event))
            .await
    }

    async fn reviews(&self, report: Uuid) -> Result<Vec<ReviewDecision>> {
        self.call(move |c| reviews::of_report(c, report)).await
    }

    async fn latest_reviews(&self, reports: Vec<Uuid>) -> Result<Vec<ReviewDecision>> {
        self.call(move |c| reviews::latest(c, &reports)).await
    }

    async fn review_feed(
        &self,
        since: i64,
        limit: usize,
        regions: Option<Vec<String>>,
    ) -> Result<ReviewPage> {
        self.call(move |c| reviews::feed(c, since, limit, regions))
            .await
    }

    async fn report_of(&self, rev: Uuid) -> Result<Option<Uuid>> {
        self.call(move |c| reviews::report_of(c, rev)).await
    }

    async fn heads(&self, report: Uuid) -> Result<usize> {
        self.call(move |c| {
            c.query_row(
                "SELECT count(*) FROM heads WHERE report_id = ?1",
                [report.to_string()],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as usize)
            .map_err(backend)
        })
        .await
    }

    async fn blob_state(&self, sha256: &str) -> Result<BlobState> {
        let sha = sha256.to_string();
        self.call(move |c| {
            let size: Option<i64> = c
                .query_row(
                    "SELECT size FROM blob_files WHERE sha256 = ?1
                     UNION ALL SELECT length(data) FROM blobs WHERE sha256 = ?1 AND complete = 1
                     LIMIT 1",
                    [sha],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            Ok(size.map_or(BlobState::Absent, |size| BlobState::Complete {
                size: size as u64,
            }))
        })
        .await
    }

    async fn upload_state(&self, sha256: &str, owner: &str) -> Result<Option<u64>> {
        let (sha, owner) = (sha256.to_string(), owner.to_string());
        self.call(move |c| {
            c.query_row(
                "SELECT received FROM uploads WHERE sha256 = ?1 AND owner = ?2",
                [sha, owner],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|n| n.map(|n| n as u64))
            .map_err(backend)
        })
        .await
    }

    async fn blob_append(
        &self,
        sha256: &str,
        owner: &str,
        offset: u64,
        bytes: Vec<u8>,
        at: DateTime<Utc>,
    ) -> Result<u64> {
        let (sha, owner) = (sha256.to_string(), owner.to_string());
        self.call(move |c| {
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(backend)?;
            let (have, pieces): (i64, i64) = tx
                .query_row(
                    "SELECT received, pieces FROM uploads WHERE sha256 = ?1 AND owner = ?2",
                    [&sha, &owner],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(backend)?
                .unwrap_or((0, 0));
            check_append(have as u64, pieces as usize, offset)?;
                        let added = bytes.len() as i64;
            if added > 0 {
                tx.execute(
                    "INSERT INTO upload_pieces (sha256, owner, start, bytes) VALUES (?1, ?2, ?3, ?4)",
                    params![sha, owner, have, bytes],
                )
                .map_err(backend)?;
            }
            tx.execute(
                "INSERT INTO uploads (sha256, owner, received, pieces, touched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (sha256, owner) DO UPDATE SET received = uploads.received + ?3,
                     pieces = uploads.pieces + ?4, touched_at = ?5",
                params![sha, owner, added, (added > 0) as i64, audit_time(at)],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)?;
            Ok((have + added) as u64)
        })
        .await
    }

    async fn blob_finish(&self, sha256: &str, owner: &str) -> Result<Finished> {
        let (sha, owner) = (sha256.to_string(), owner.to_string());
        self.call(move |c| {
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(backend)?;
            let mut hasher = PieceHasher::default();
            {
                let mut stmt = tx
                    .prepare(
                        "SELECT bytes FROM upload_pieces WHERE sha256 = ?1 AND owner = ?2
                          ORDER BY start",
                    )
                    .map_err(backend)?;
                let mut rows = stmt.query([&sha, &owner]).map_err(backend)?;
                while let Some(row) = rows.next().map_err(backend)? {
                    let piece = row.get_ref(0).map_err(backend)?;
                    hasher.update(piece.as_blob().map_err(backend)?);
                }
            }
            let finished = hasher.finish(&sha);
            if let Finished::Complete { size } = finished {
                let legacy: bool = tx
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = ?1 AND complete = 1)",
                        [&sha],
                        |r| r.get(0),
                    )
                    .map_err(backend)?;
                let new = !legacy
                    && tx
                        .execute(
                            "INSERT OR IGNORE INTO blob_files (sha256, size) VALUES (?1, ?2)",
                            params![sha, size as i64],
                        )
                        .map_err(backend)?
                        == 1;
                if new {
                    tx.execute(
                        "INSERT INTO blob_pieces (sha256, start, bytes)
                         SELECT sha256, start, bytes FROM upload_pieces
                          WHERE sha256 = ?1 AND owner = ?2",
                        [&sha, &owner],
                    )
                    .map_err(backend)?;
                }
                tx.execute(
                    "INSERT OR IGNORE INTO blob_holders (sha256, user_name) VALUES (?1, ?2)",
                    [&sha, &owner],
                )
                .map_err(backend)?;
            }
            drop_upload(&tx, &sha, &owner)?;
            tx.commit().map_err(backend)?;
            Ok(finished)
        })
        .await
    }

    async fn upload_reset(&self, sha256: &str, owner: &str) -> Result<bool> {
        let (sha, owner) = (sha256.to_string(), owner.to_string());
        self.call(move |c| {
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(backend)?;
            let had = drop_upload(&tx, &sha, &owner)?;
            tx.commit().map_err(backend)?;
            Ok(had)
        })
        .await
    }

    async fn expire_uploads(&self, before: DateTime<Utc>) -> Result<usize> {
        self.call(move |c| {
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(backend)?;
            let before = audit_time(before);
            tx.execute(
                "DELETE FROM upload_pieces WHERE (sha256, owner) IN
                   (SELECT sha256, owner FROM uploads WHERE touched_at < ?1)",
                [&before],
            )
            .map_err(backend)?;
            let expired = tx
                .execute("DELETE FROM uploads WHERE touched_at < ?1", [&before])
                .map_err(backend)?;
            // Older servers' partial uploads have no owner and no time: none can resume.
            let ownerless = tx
                .execute("DELETE FROM blobs WHERE complete = 0", [])
                .map_err(backend)?;
            tx.commit().map_err(backend)?;
            Ok(expired + ownerless)
        })
        .await
    }

    async fn blob_visible(
        &self,
        sha256: &str,
        user: &str,
        regions: Option<Vec<String>>,
    ) -> Result<bool> {
        let (sha, user) = (sha256.to_string(), user.to_string());
        let regions = regions.map(|r| serde_json::to_string(&r).expect("strings serialise"));
        self.call(move |c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM blob_holders WHERE sha256 = ?1 AND user_name = ?2)
                     OR EXISTS (SELECT 1 FROM revision_blobs b JOIN revisions r ON r.id = b.rev_id
                                 WHERE b.sha256 = ?1
                                   AND (?3 IS NULL OR r.region IN (SELECT value FROM json_each(?3))))",
                params![sha, user, regions],
                |r| r.get(0),
            )
            .map_err(backend)
        })
        .await
    }

    async fn blob_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let sha = sha256.to_string();
        self.call(move |c| {
            let legacy: Option<Vec<u8>> = c
                .query_row(
                    "SELECT data FROM blobs WHERE sha256 = ?1 AND complete = 1",
                    [&sha],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            if legacy.is_some() {
                return Ok(legacy);
            }
            let Some(size) = c
                .query_row(
                    "SELECT size FROM blob_files WHERE sha256 = ?1",
                    [&sha],
                    |r| r.get::<_, i64>(0),
                )
                .optional()
                .map_err(backend)?
            else {
                return Ok(None);
            };
            let mut data = Vec::with_capacity(size as usize);
            let mut stmt = c
                .prepare_cached("SELECT bytes FROM blob_pieces WHERE sha256 = ?1 ORDER BY start")
                .map_err(backend)?;
            let mut rows = stmt.query([&sha]).map_err(backend)?;
            while let Some(row) = rows.next().map_err(backend)? {
                data.extend_from_slice(
                    row.get_ref(0)
                        .map_err(backend)?
                        .as_blob()
                        .map_err(backend)?,
                );
            }
            Ok(Some(data))
        })
        .await
    }

    async fn blob_range(&self, sha256: &str, start: u64, len: usize) -> Result<Option<Vec<u8>>> {
        let sha = sha256.to_string();
        self.call(move |c| {
            let (start, end) = (start as i64, start.saturating_add(len as u64) as i64);
            let legacy: Option<Vec<u8>> = c
                .query_row(
                    "SELECT substr(data, ?2 + 1, ?3 - ?2) FROM blobs WHERE sha256 = ?1 AND complete = 1",
                    params![sha, start, end],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            if legacy.is_some() {
                return Ok(legacy);
            }
            let stored: bool = c
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM blob_files WHERE sha256 = ?1)",
                    [&sha],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            if !stored {
                return Ok(None);
            }
            let mut stmt = c
                .prepare_cached(
                    "SELECT start, bytes FROM blob_pieces
                      WHERE sha256 = ?1 AND start < ?3 AND start + length(bytes) > ?2
                      ORDER BY start",
                )
                .map_err(backend)?;
            let mut rows = stmt.query(params![sha, start, end]).map_err(backend)?;
            let mut data = Vec::new();
            while let Some(row) = rows.next().map_err(backend)? {
                let at: i64 = row.get(0).map_err(backend)?;
                let piece = row.get_ref(1).map_err(backend)?.as_blob().map_err(backend)?;
                data.extend_from_slice(slice_of_piece(piece, at, start, end));
            }
            Ok(Some(data))
        })
        .await
    }

    async fn blobs_stored(&self, sha256s: Vec<String>) -> Result<Vec<String>> {
        self.call(move |c| {
            let json = serde_json::to_string(&sha256s).expect("strings serialise");
            c.prepare(
                "SELECT DISTINCT value FROM json_each(?1)
                  WHERE value IN (SELECT sha256 FROM blob_files)
                     OR value IN (SELECT sha256 FROM blobs WHERE complete = 1)",
            )
            .and_then(|mut s| s.query_map([json], |r| r.get(0))?.collect())
            .map_err(backend)
        })
        .await
    }

    async fn audit_append(&self, event: &AuditEvent) -> Result<()> {
        let e = event.clone();
        self.call(move |c| {
            c.execute(
                "INSERT INTO audit (at, actor, device, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![audit_time(e.at), e.actor, e.device, e.action, e.detail],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>> {
        // The console's search with only these filters: one query per engine.
        self.audit_find(&AuditSearch {
            since: query.since,
            user: query.user.clone(),
            limit: query.limit,
            ..AuditSearch::default()
        })
        .await
    }

    async fn sign_in_failures(
        &self,
        user: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>> {
        let user = user.to_string();
        self.call(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT at FROM audit
                      WHERE actor = ?1 AND action = ?2 AND at >= ?3
                        AND at > coalesce((SELECT max(at) FROM audit WHERE actor = ?1 AND action = ?4), '')
                      ORDER BY at, id",
                )
                .map_err(backend)?;
            let rows: Vec<String> = stmt
                .query_map(
                    params![user, actions::SIGN_IN_FAILED, audit_time(since), actions::SIGN_IN],
                    |r| r.get(0),
                )
                .and_then(|rows| rows.collect())
                .map_err(backend)?;
            rows.iter().map(|at| parse_time(at)).collect()
        })
        .await
    }

    async fn console_session_start(
        &self,
        token_hash: &str,
        user: &str,
        csrf: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.sessions_start(token_hash, user, csrf, at, expires_at)
            .await
    }

    async fn console_session(&self, token_hash: &str) -> Result<Option<ConsoleSessionRecord>> {
        self.sessions_find(token_hash).await
    }

    async fn console_session_touch(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
        self.sessions_touch(token_hash, at).await
    }

    async fn console_sessions_end(
        &self,
        user: &str,
        token_hash: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        self.sessions_end(user, token_hash, at).await
    }

    async fn users(&self) -> Result<Vec<(User, usize)>> {
        self.all_users().await
    }

    async fn user_devices(&self, user: &str) -> Result<Vec<DeviceRecord>> {
        self.devices_of(user).await
    }

    async fn revoke_token(&self, token_hash: &str, at: DateTime<Utc>) -> Result<bool> {
        self.revoke_one(token_hash, at).await
    }

    async fn audit_search(&self, search: &AuditSearch) -> Result<Vec<AuditEvent>> {
        self.audit_find(search).await
    }

    async fn received(&self, revs: Vec<Uuid>) -> Result<Vec<Received>> {
        self.call(move |c| {
            let revs = serde_json::to_string(&revs).map_err(backend)?;
            let rows: Vec<(String, String, String, i64, String)> = c
                .prepare_cached(
                    "SELECT id, report_id, json_extract(revision, '$.content_hash'), seq, received_at
                       FROM revisions WHERE id IN (SELECT value FROM json_each(?1))",
                )
                .and_then(|mut s| {
                    s.query_map([revs], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
                        .collect()
                })
                .map_err(backend)?;
            rows.into_iter()
                .map(|(id, report, content_hash, seq, at)| {
                    Ok(Received {
                        rev_id: id.parse().map_err(backend)?,
                        report_id: report.parse().map_err(backend)?,
                        content_hash,
                        seq,
                        received_at: parse_time(&at)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn add_device_key(
        &self,
        token_hash: &str,
        public_key: &str,
        recipient: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let (hash, key, recipient) = (
            token_hash.to_string(),
            public_key.to_string(),
            recipient.to_string(),
        );
        self.call(move |c| {
            c.execute(
                "INSERT INTO device_keys (public_key, user_name, device_name, recipient, token_hash, added_at)
                 SELECT ?2, user_name, name, ?3, token_hash, ?4 FROM devices WHERE token_hash = ?1
                 ON CONFLICT (public_key) DO NOTHING",
                params![hash, key, recipient, audit_time(at)],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    async fn fingerprint(
        &self,
        report: Uuid,
    ) -> Result<Option<terrain_domain::incident::Fingerprint>> {
        self.call(move |c| incidents::fingerprint(c, report)).await
    }

    async fn fingerprint_candidates(
        &self,
        query: CandidateQuery,
    ) -> Result<Vec<terrain_domain::incident::Fingerprint>> {
        self.call(move |c| incidents::candidates(c, &query)).await
    }

    async fn record_links(&self, ops: Vec<IncomingLink>) -> Result<Vec<bool>> {
        self.call(move |c| incidents::record(c, ops)).await
    }

    async fn link_ops_of(
        &self,
        reports: Vec<Uuid>,
    ) -> Result<Vec<terrain_domain::incident::LinkOp>> {
        self.call(move |c| incidents::of_reports(c, &reports)).await
    }

    async fn link_feed(
        &self,
        since: i64,
        limit: usize,
        regions: Option<Vec<String>>,
    ) -> Result<LinkPage> {
        self.call(move |c| incidents::feed(c, since, limit, regions))
            .await
    }

    async fn store_sites(&self, batch: Vec<IncomingSite>, user: &str) -> Result<SitesStored> {
        let user = user.to_string();
        self.call(move |c| sites::store(c, batch, &user)).await
    }

    async fn site_revisions_by_id(&self, ids: Vec<Uuid>) -> Result<Vec<StoredSite>> {
        self.call(move |c| sites::by_id(c, &ids)).await
    }

    async fn site_revisions(&self, site_ids: Vec<Uuid>) -> Result<Vec<StoredSite>> {
        self.call(move |c| sites::of_sites(c, &site_ids)).await
    }

    async fn sites_merged_into(&self, site_ids: Vec<Uuid>) -> Result<Vec<Uuid>> {
        self.call(move |c| site_reports::merged_into(c, &site_ids))
            .await
    }

    async fn reports_at_sites(&self, site_ids: Vec<Uuid>, limit: usize) -> Result<Vec<Uuid>> {
        self.call(move |c| site_reports::reports_at(c, &site_ids, limit))
            .await
    }

    async fn site_feed(
        &self,
        since: i64,
        limit: usize,
        regions: Option<Vec<String>>,
    ) -> Result<SitePage> {
        self.call(move |c| sites::feed(c, since, limit, regions))
            .await
    }

    async fn device_by_key(&self, public_key: &str) -> Result<Option<KeyedDevice>> {
        let key = public_key.to_string();
        self.call(move |c| {
            let row = c
                .query_row(
                    "SELECT u.name, u.role, u.regions, k.device_name,
                            k.revoked_at IS NOT NULL OR NOT EXISTS (
                                SELECT 1 FROM devices d WHERE d.user_name = k.user_name
                                   AND d.name = k.device_name AND d.revoked_at IS NULL),
                            k.added_at, k.recipient
                       FROM device_keys k JOIN users u ON u.name = k.user_name
                      WHERE k.public_key = ?1",
                    [key],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, bool>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, String>(6)?,
                        ))
                    },
                )
                .optional()
                .map_err(backend)?;
            row.map(|(u, role, regions, name, revoked, added, recipient)| {
                Ok(KeyedDevice {
                    device: Device {
                        user: User::from_columns(u, &role, &regions)?,
                        name,
                        revoked,
                        last_used: parse_time(&added)?,
                        replaces: false,
                    },
                    recipient,
                })
            })
            .transpose()
        })
        .await
    }
}
