//! The server's PostgreSQL storage engine: stateless server processes share one database.
//! Implements `terrain_server_store::ServerStore` with bound parameters only.
//!
//! The pull feed never skips: a push locks the single `feed_counter` row for its whole
//! transaction, so feed positions commit in order; a pull reads the counter and the rows in one
//! repeatable-read snapshot.

mod console_http;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use terrain_domain::{ReviewDecision, Revision};
use terrain_server_store::*;
use tokio_postgres::{IsolationLevel, NoTls};
use uuid::Uuid;

mod console;
mod incidents;
mod reviews;
mod site_reports;
mod sites;

pub struct PgStore {
    pool: Pool,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Serialises schema creation between server processes starting together.
const SCHEMA_LOCK: i64 = 0x0074_6572_7261_696e;
/// Serialises the sealing of clear contacts between server processes starting together.
const SEALING_LOCK: i64 = SCHEMA_LOCK + 1;

/// Contact rows to insert, as columns (UNNEST takes one array per column).
#[derive(Default)]
struct ContactRows {
    rev: Vec<Uuid>,
    report: Vec<Uuid>,
    seq: Vec<i64>,
    source_key: Vec<String>,
    pushed_by: Vec<String>,
    sealed: Vec<Vec<u8>>,
}

impl ContactRows {
    fn add(&mut self, rev: &Revision, seq: i64, pushed_by: &str, contacts: &[SealedContact]) {
        for c in contacts {
            self.rev.push(rev.id);
            self.report.push(rev.report_id);
            self.seq.push(seq);
            self.source_key.push(c.source_key.clone());
            self.pushed_by.push(pushed_by.to_string());
            self.sealed.push(c.sealed.clone());
        }
    }

    async fn insert(&self, tx: &deadpool_postgres::Transaction<'_>) -> Result<()> {
        if self.rev.is_empty() {
            return Ok(());
        }
        tx.execute(
            "INSERT INTO contacts (rev_id, report_id, seq, source_key, pushed_by, sealed)
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[],
                                  $6::bytea[])
             ON CONFLICT DO NOTHING",
            &[
                &self.rev,
                &self.report,
                &self.seq,
                &self.source_key,
                &self.pushed_by,
                &self.sealed,
            ],
        )
        .await
        .map(|_| ())
        .map_err(backend)
    }
}

/// One schema change after the base schema (version 1, `schema.sql`): SQL, then whether the
/// regions are to be canonicalised (done in code: the gazetteer).
struct Migration {
    version: i32,
    sql: &'static str,
    canonical_regions: bool,
}

/// In order; each applied once, all pending ones in the transaction (under the schema lock)
/// that opens the database, so server processes starting together apply each once.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 2,
        sql: "",
        canonical_regions: true,
    },
    Migration {
        version: 3,
        sql: include_str!("migrations/003_who_pushed.sql"),
        canonical_regions: false,
    },
    Migration {
        version: 4,
        sql: include_str!("migrations/004_renewal_grace.sql"),
        canonical_regions: false,
    },
    Migration {
        version: 5,
        sql: include_str!("migrations/005_report_index.sql"),
        canonical_regions: false,
    },
    Migration {
        version: 6,
        sql: include_str!("migrations/006_reviews.sql"),
        canonical_regions: false,
    },
    Migration {
        version: 8,
        sql: include_str!("migrations/008_console_sessions.sql"),
        canonical_regions: false,
    },
    Migration {
        version: 9,
        sql: include_str!("migrations/009_device_keys.sql"),
        canonical_regions: false,
    },
    Migration {
        version: 11,
        sql: include_str!("migrations/011_incidents.sql"),
        canonical_regions: false,
    },
    Migration {
        version: 12,
        sql: include_str!("migrations/012_sites.sql"),
        canonical_regions: false,
    },
    Migration {
        version: 13,
        sql: include_str!("migrations/013_fingerprint_sites.sql"),
        canonical_regions: false,
    },
    Migration {
        version: 14,
        sql: include_str!("migrations/014_site_reports.sql"),
        canonical_regions: false,
    },
];

/// The schema version this build brings a database to (the last migration's).
pub const SCHEMA_VERSION: i32 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// Brings the schema to the newest version: each step not yet in `schema_version`, in `tx`.
/// A database made by a newer server is refused, not guessed at.
async fn migrate(tx: &deadpool_postgres::Transaction<'_>) -> Result<()> {
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version    INTEGER PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         );
         INSERT INTO schema_version (version) VALUES (1) ON CONFLICT DO NOTHING;",
    )
    .await
    .map_err(backend)?;
    let current: i32 = tx
        .query_one("SELECT max(version) FROM schema_version", &[])
        .await
        .map_err(backend)?
        .get(0);
    let newest = SCHEMA_VERSION;
    if current > newest {
        return Err(StoreError::SchemaTooNew {
            found: current.into(),
            known: newest.into(),
        });
    }
    for step in MIGRATIONS.iter().filter(|m| m.version > current) {
        tx.batch_execute(step.sql).await.map_err(backend)?;
        if step.canonical_regions {
            canonical_regions(tx).await?;
        }
        if step.version == 5 {
            console::backfill(tx).await?;
        }
        if step.version == 11 {
            incidents::backfill(tx).await?;
        }
        if step.version == 14 {
            site_reports::backfill(tx).await?;
        }
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&step.version],
        )
        .await
        .map_err(backend)?;
    }
    Ok(())
}

/// Regions as the gazetteer spells them, in revisions and users (stored as sent before).
async fn canonical_regions(tx: &deadpool_postgres::Transaction<'_>) -> Result<()> {
    for row in tx
        .query("SELECT DISTINCT region FROM revisions", &[])
        .await
        .map_err(backend)?
    {
        let region: String = row.get(0);
        let canonical = canonical_region(&region);
        if canonical != region {
            tx.execute(
                "UPDATE revisions SET region = $1 WHERE region = $2",
                &[&canonical, &region],
            )
            .await
            .map_err(backend)?;
        }
    }
    for row in tx
        .query("SELECT name, regions FROM users", &[])
        .await
        .map_err(backend)?
    {
        let (name, json): (String, String) = (row.get(0), row.get(1));
        let regions: Vec<String> = serde_json::from_str(&json).map_err(backend)?;
        let canonical: Vec<String> = regions.iter().map(|r| canonical_region(r)).collect();
        if canonical != regions {
            let json = serde_json::to_string(&canonical).map_err(backend)?;
            tx.execute(
                "UPDATE users SET regions = $1 WHERE name = $2",
                &[&json, &name],
            )
            .await
            .map_err(backend)?;
        }
    }
    Ok(())
}

/// Drops `owner`'s upload of `sha` and its pieces; whether there was one. The upload's row
/// goes first: its lock keeps a concurrent append from adding a piece left behind.
async fn drop_upload(
    tx: &deadpool_postgres::Transaction<'_>,
    sha: &str,
    owner: &str,
) -> Result<bool> {
    let had = tx
        .execute(
            "DELETE FROM uploads WHERE sha256 = $1 AND owner = $2",
            &[&sha, &owner],
        )
        .await
        .map_err(backend)?
        > 0;
    tx.execute(
        "DELETE FROM upload_pieces WHERE sha256 = $1 AND owner = $2",
        &[&sha, &owner],
    )
    .await
    .map_err(backend)?;
    Ok(had)
}

/// Which blobs stored revisions name, as columns: readers of their regions may know of them.
#[derive(Default)]
struct BlobNames {
    sha256: Vec<String>,
    rev: Vec<Uuid>,
}

impl BlobNames {
    fn add(&mut self, rev: &Revision) {
        for attachment in &rev.content.attachments {
            self.sha256.push(attachment.sha256.clone());
            self.rev.push(rev.id);
        }
    }

    async fn insert(&self, tx: &deadpool_postgres::Transaction<'_>) -> Result<()> {
        if self.rev.is_empty() {
            return Ok(());
        }
        tx.execute(
            "INSERT INTO revision_blobs (sha256, rev_id)
             SELECT * FROM UNNEST($1::text[], $2::uuid[]) ON CONFLICT DO NOTHING",
            &[&self.sha256, &self.rev],
        )
        .await
        .map(|_| ())
        .map_err(backend)
    }
}

/// Appends audit events in `tx`, in order.
async fn insert_audit(
    tx: &deadpool_postgres::Transaction<'_>,
    events: &[AuditEvent],
) -> Result<()> {
    for e in events {
        tx.execute(
            "INSERT INTO audit (at, actor, device, action, detail) VALUES ($1, $2, $3, $4, $5)",
            &[&e.at, &e.actor, &e.device, &e.action, &e.detail],
        )
        .await
        .map_err(backend)?;
    }
    Ok(())
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host/db`), keeping tables in `schema` (created if
    /// missing), and creates the tables if need be.
    pub async fn connect(url: &str, schema: &str) -> Result<PgStore> {
        if !schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(backend(format!(
                "schema name {schema:?}: letters, digits and _ only"
            )));
        }
        let mut config = tokio_postgres::Config::from_str(url).map_err(backend)?;
        config.options(format!("-c search_path={schema}"));
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(backend)?;
        let store = PgStore { pool };
        let mut client = store.pool.get().await.map_err(backend)?;
        let tx = client.transaction().await.map_err(backend)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .await
            .map_err(backend)?;
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {schema}; {}",
            include_str!("schema.sql")
        ))
        .await
        .map_err(backend)?;
        migrate(&tx).await?;
        tx.commit().await.map_err(backend)?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(backend)
    }

    /// The rows of one page of a feed: `sql` reads the positions after `$1` of the regions `$2`
    /// (none: every region), in order, at most `$3`: here `limit + 1`, for [`FeedPage::of`].
    async fn feed_rows(
        &self,
        sql: &str,
        since: i64,
        limit: usize,
        regions: Option<Vec<String>>,
    ) -> Result<Vec<tokio_postgres::Row>> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(backend)?;
        let rows = tx
            .query(sql, &[&since, &regions, &(limit as i64 + 1)])
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(rows)
    }
}

#[async_trait]
impl ServerStore for PgStore {
    async fn health(&self) -> Result<()> {
        self.client()
            .await?
            .execute("SELECT 1", &[])
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn put_user(&self, user: &User, password_hash: &str) -> Result<()> {
        let regions = user.regions_json();
        self.client()
            .await?
            .execute(
                "INSERT INTO users (name, role, regions, password_hash) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (name) DO UPDATE SET role = excluded.role, regions = excluded.regions,
                     password_hash = excluded.password_hash",
                &[&user.name, &user.role.as_str(), &regions, &password_hash],
            )
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn user(&self, name: &str) -> Result<Option<(User, String)>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT name, role, regions, password_hash FROM users WHERE name = $1",
                &[&name],
            )
            .await
            .map_err(backend)?;
        row.map(|r| Ok((User::from_columns(r.get(0), r.get(1), r.get(2))?, r.get(3))))
            .transpose()
    }

    async fn add_device(
        &self,
        user: &str,
        device_name: &str,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO devices (token_hash, user_name, name, created_at, last_used_at)
                 VALUES ($1, $2, $3, $4, $4)",
                &[&token_hash, &user, &device_name, &at],
            )
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn device(&self, token_hash: &str) -> Result<Option<Device>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT u.name, u.role, u.regions, d.name, d.revoked_at IS NOT NULL,
                        coalesce(d.last_used_at, d.created_at), d.replaces IS NOT NULL
                   FROM devices d JOIN users u ON u.name = d.user_name WHERE d.token_hash = $1",
                &[&token_hash],
            )
            .await
            .map_err(backend)?;
        row.map(|r| {
            Ok(Device {
                user: User::from_columns(r.get(0), r.get(1), r.get(2))?,
                name: r.get(3),
                revoked: r.get(4),
                last_used: r.get(5),
                replaces: r.get(6),
            })
        })
        .transpose()
    }

    async fn touch_device(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        tx.execute(
            "UPDATE devices SET revoked_at = $2 WHERE revoked_at IS NULL
                AND token_hash = (SELECT replaces FROM devices WHERE token_hash = $1)",
            &[&token_hash, &at],
        )
        .await
        .map_err(backend)?;
        tx.execute(
            "UPDATE devices SET last_used_at = $2, replaces = NULL WHERE token_hash = $1",
            &[&token_hash, &at],
        )
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn renew_device(
        &self,
        old: &str,
        new: &str,
        at: DateTime<Utc>,
        event: AuditEvent,
    ) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        // Locks the old row: renewals of one token take turns, each retiring the unused one
        // before it (an answer lost).
        let valid = tx
            .query_opt(
                "SELECT 1 FROM devices WHERE token_hash = $1 AND revoked_at IS NULL FOR UPDATE",
                &[&old],
            )
            .await
            .map_err(backend)?
            .is_some();
        if valid {
            tx.execute(
                "UPDATE devices SET revoked_at = $2 WHERE replaces = $1 AND revoked_at IS NULL",
                &[&old, &at],
            )
            .await
            .map_err(backend)?;
            tx.execute(
                "INSERT INTO devices (token_hash, user_name, name, created_at, last_used_at, replaces)
                 SELECT $2, user_name, name, $3, $3, $1 FROM devices WHERE token_hash = $1",
                &[&old, &new, &at],
            )
            .await
            .map_err(backend)?;
            insert_audit(&tx, std::slice::from_ref(&event)).await?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(valid)
    }

    async fn revoke(
        &self,
        user: &str,
        device_name: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        let client = self.client().await?;
        // The device's bundle keys go with its tokens (issue 16).
        client
            .execute(
                "UPDATE device_keys SET revoked_at = $3
                  WHERE user_name = $1 AND ($2::text IS NULL OR device_name = $2) AND revoked_at IS NULL",
                &[&user, &device_name, &at],
            )
            .await
            .map_err(backend)?;
        client
            .execute(
                "UPDATE devices SET revoked_at = $3
                  WHERE user_name = $1 AND ($2::text IS NULL OR name = $2) AND revoked_at IS NULL",
                &[&user, &device_name, &at],
            )
            .await
            .map(|n| n as usize)
            .map_err(backend)
    }

    async fn push(&self, batch: Vec<Incoming>, mut rules: PushAudit) -> Result<Vec<Outcome>> {
        // A handful of statements per batch, whatever its size: round trips, not rows, are what
        // cost on a database across the network. Heads are worked out in memory, in batch order.
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        let mut n: i64 = tx
            .query_one("SELECT n FROM feed_counter FOR UPDATE", &[])
            .await
            .map_err(backend)?
            .get(0);
        let ids: Vec<Uuid> = batch.iter().map(|i| i.revision.id).collect();
        let known: HashMap<Uuid, i64> = tx
            .query("SELECT id, seq FROM revisions WHERE id = ANY($1)", &[&ids])
            .await
            .map_err(backend)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let reports: Vec<Uuid> = batch
            .iter()
            .map(|i| i.revision.report_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        // Each head with its region, read under the feed lock: a move committed by a push
        // before this one is judged against (PushRules::judge).
        let mut heads: HashMap<Uuid, HashMap<Uuid, String>> = HashMap::new();
        for row in tx
            .query(
                "SELECT h.report_id, h.rev_id, r.region FROM heads h JOIN revisions r ON r.id = h.rev_id
                  WHERE h.report_id = ANY($1)",
                &[&reports],
            )
            .await
            .map_err(backend)?
        {
            heads
                .entry(row.get(0))
                .or_default()
                .insert(row.get(1), row.get(2));
        }
        // Read after the feed lock: a claim committed by a push before this one is seen.
        let devices: Vec<&str> = batch.iter().map(|i| i.revision.device.as_str()).collect();
        let mut owners: HashMap<String, String> = tx
            .query(
                "SELECT device, user_name FROM device_owners WHERE device = ANY($1)",
                &[&devices],
            )
            .await
            .map_err(backend)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let mut new_owners: (Vec<String>, Vec<String>, Vec<Uuid>) = Default::default();
        let (mut pushers, mut pusher_devices): (Vec<String>, Vec<String>) = Default::default();
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut new_rows: (Vec<i64>, Vec<Uuid>, Vec<Uuid>, Vec<String>, Vec<String>) =
            Default::default();
        let mut seen: HashMap<Uuid, i64> = HashMap::new();
        let mut contact_rows = ContactRows::default();
        let mut blob_names = BlobNames::default();
        for incoming in &batch {
            let Incoming {
                revision: rev,
                region,
                pushed_by,
                pushed_device,
                contacts,
            } = incoming;
            if let Some(seq) = known.get(&rev.id).or_else(|| seen.get(&rev.id)) {
                outcomes.push(Outcome::AlreadyHave { seq: *seq });
                continue;
            }
            let mut regions: Vec<String> = heads
                .get(&rev.report_id)
                .map(|h| h.values().cloned().collect())
                .unwrap_or_default();
            regions.sort();
            regions.dedup();
            if let Some(why) = rules.judge(incoming, &regions) {
                outcomes.push(Outcome::Refused(why));
                continue;
            }
            match owners.get(&rev.device) {
                Some(owner) if owner != pushed_by => {
                    outcomes.push(Outcome::DeviceOfAnotherUser);
                    continue;
                }
                Some(_) => {}
                None => {
                    owners.insert(rev.device.clone(), pushed_by.clone());
                    new_owners.0.push(rev.device.clone());
                    new_owners.1.push(pushed_by.clone());
                    new_owners.2.push(rev.id);
                }
            }
            pushers.push(pushed_by.clone());
            pusher_devices.push(pushed_device.clone());
            n += 1;
            seen.insert(rev.id, n);
            contact_rows.add(rev, n, pushed_by, contacts);
            blob_names.add(rev);
            let report_heads = heads.entry(rev.report_id).or_default();
            for p in &rev.parents {
                report_heads.remove(p);
            }
            report_heads.insert(rev.id, region.clone());
            outcomes.push(if report_heads.len() > 1 {
                Outcome::Conflict { seq: n }
            } else {
                Outcome::Stored { seq: n }
            });
            new_rows.0.push(n);
            new_rows.1.push(rev.id);
            new_rows.2.push(rev.report_id);
            new_rows.3.push(region.clone());
            new_rows
                .4
                .push(serde_json::to_string(rev).map_err(backend)?);
        }
        if !new_rows.0.is_empty() {
            tx.execute(
                "INSERT INTO revisions (seq, id, report_id, region, revision, pushed_by, pushed_device)
                 SELECT * FROM UNNEST($1::bigint[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
                                      $6::text[], $7::text[])",
                &[
                    &new_rows.0,
                    &new_rows.1,
                    &new_rows.2,
                    &new_rows.3,
                    &new_rows.4,
                    &pushers,
                    &pusher_devices,
                ],
            )
            .await
            .map_err(backend)?;
            tx.execute(
                "INSERT INTO device_owners (device, user_name, first_rev)
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::uuid[]) ON CONFLICT DO NOTHING",
                &[&new_owners.0, &new_owners.1, &new_owners.2],
            )
            .await
            .map_err(backend)?;
            contact_rows.insert(&tx).await?;
            blob_names.insert(&tx).await?;
            let (head_reports, head_revs): (Vec<Uuid>, Vec<Uuid>) = heads
                .iter()
                .flat_map(|(report, revs)| revs.keys().map(move |r| (*report, *r)))
                .unzip();
            tx.execute("DELETE FROM heads WHERE report_id = ANY($1)", &[&reports])
                .await
                .map_err(backend)?;
            tx.execute(
                "INSERT INTO heads (report_id, rev_id) SELECT * FROM UNNEST($1::uuid[], $2::uuid[])",
                &[&head_reports, &head_revs],
            )
            .await
            .map_err(backend)?;
            tx.execute("UPDATE feed_counter SET n = $1", &[&n])
                .await
                .map_err(backend)?;
            let touched: Vec<Uuid> = new_rows
                .2
                .iter()
                .copied()
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            console::reindex(&tx, &touched).await?;
            incidents::refile(&tx, &touched).await?;
            site_reports::refile(&tx, &touched).await?;
        }
        insert_audit(&tx, &rules.events(&outcomes)).await?;
        tx.commit().await.map_err(backend)?;
        Ok(outcomes)
    }

    async fn pusher(&self, rev: Uuid) -> Result<Option<Pusher>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT pushed_by, pushed_device FROM revisions WHERE id = $1",
                &[&rev],
            )
            .await
            .map_err(backend)?;
        Ok(row.and_then(|r| {
            Some(Pusher {
                user: r.get::<_, Option<String>>(0)?,
                device: r.get::<_, Option<String>>(1)?,
            })
        }))
    }

    async fn head_regions(&self, reports: Vec<Uuid>) -> Result<Vec<(Uuid, String)>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT DISTINCT h.report_id, r.region FROM heads h JOIN revisions r ON r.id = h.rev_id
                  WHERE h.report_id = ANY($1)",
                &[&reports],
            )
            .await
            .map_err(backend)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn current_heads(&self, reports: Vec<Uuid>) -> Result<Vec<Revision>> {
        // One row per report: its head last received.
        let rows = self
            .client()
            .await?
            .query(
                "SELECT DISTINCT ON (h.report_id) r.revision
                   FROM heads h JOIN revisions r ON r.id = h.rev_id
                  WHERE h.report_id = ANY($1)
                  ORDER BY h.report_id, r.seq DESC",
                &[&reports],
            )
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| serde_json::from_str::<Revision>(r.get(0)).map_err(backend))
            .collect()
    }

    async fn list_reports(
        &self,
        selection: Selection,
        page: PageBounds,
    ) -> Result<Vec<(i64, terrain_protocol::ReportRow)>> {
        console::list(&mut self.client().await?, &selection, page).await
    }

    async fn count_reports(
        &self,
        selection: Selection,
        by: terrain_protocol::CountBy,
    ) -> Result<Vec<terrain_protocol::CountRow>> {
        console::count(&self.client().await?, &selection, by).await
    }

    async fn report_revisions(&self, report: Uuid) -> Result<Vec<StoredRevision>> {
        console::revisions(&self.client().await?, report).await
    }

    async fn pull(&self, since: i64, limit: usize, regions: Option<Vec<String>>) -> Result<Page> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(backend)?;
        let top: i64 = tx
            .query_one("SELECT n FROM feed_counter", &[])
            .await
            .map_err(backend)?
            .get(0);
        let rows = tx
            .query(
                "SELECT seq, revision FROM revisions
                  WHERE seq > $1 AND ($2::text[] IS NULL OR region = ANY($2))
                  ORDER BY seq LIMIT $3",
                &[&since, &regions, &(limit as i64 + 1)],
            )
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        let more = rows.len() > limit;
        let items = rows
            .iter()
            .take(limit)
            .map(|r| {
                Ok((
                    r.get(0),
                    serde_json::from_str::<Revision>(r.get(1)).map_err(backend)?,
                ))
            })
            .collect::<Result<Vec<(i64, Revision)>>>()?;
        let next = if more {
            items.last().map_or(since, |i| i.0)
        } else {
            top.max(since)
        };
        Ok(Page { items, next, more })
    }

    async fn contacts(&self, reports: Vec<Uuid>) -> Result<Vec<StoredContact>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT report_id, rev_id, seq, source_key, pushed_by, sealed FROM contacts
                  WHERE report_id = ANY($1) ORDER BY seq, source_key",
                &[&reports],
            )
            .await
            .map_err(backend)?;
        Ok(rows
            .iter()
            .map(|r| StoredContact {
                report_id: r.get(0),
                rev_id: r.get(1),
                seq: r.get(2),
                source_key: r.get(3),
                pushed_by: r.get(4),
                sealed: r.get(5),
            })
            .collect())
    }

    async fn seal_clear_contacts(&self, key: &ContactKey) -> Result<usize> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SEALING_LOCK])
            .await
            .map_err(backend)?;
        // Only rows whose JSON names a contact can hold one; the rest are not parsed.
        let rows = tx
            .query(
                r#"SELECT seq, revision FROM revisions WHERE revision LIKE '%"contact":%'"#,
                &[],
            )
            .await
            .map_err(backend)?;
        let mut contact_rows = ContactRows::default();
        let (mut seqs, mut texts): (Vec<i64>, Vec<String>) = Default::default();
        for row in &rows {
            let seq: i64 = row.get(0);
            let mut rev: Revision = serde_json::from_str(row.get(1)).map_err(backend)?;
            let contacts = seal_contacts(&mut rev, key);
            if contacts.is_empty() {
                continue;
            }
            contact_rows.add(&rev, seq, &rev.author, &contacts);
            seqs.push(seq);
            texts.push(serde_json::to_string(&rev).map_err(backend)?);
        }
        contact_rows.insert(&tx).await?;
        tx.execute(
            "UPDATE revisions SET revision = u.revision
               FROM UNNEST($1::bigint[], $2::text[]) AS u (seq, revision)
              WHERE revisions.seq = u.seq",
            &[&seqs, &texts],
        )
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(seqs.len())
    }

    async fn report_region(&self, report: Uuid) -> Result<Option<String>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT region FROM revisions WHERE report_id = $1 ORDER BY seq DESC LIMIT 1",
                &[&report],
            )
            .await
            .map_err(backend)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn review(&self, decision: &ReviewDecision, event: AuditEvent) -> Result<i64> {
        self.review_append(decision, event).await
    }

    async fn reviews(&self, report: Uuid) -> Result<Vec<ReviewDecision>> {
        self.review_list(report).await
    }

    async fn latest_reviews(&self, reports: Vec<Uuid>) -> Result<Vec<ReviewDecision>> {
        self.review_latest(reports).await
    }

    async fn review_feed(
        &self,
        since: i64,
        limit: usize,
        regions: Option<Vec<String>>,
    ) -> Result<ReviewPage> {
        self.review_feed_page(since, limit, regions).await
    }

    async fn report_of(&self, rev: Uuid) -> Result<Option<Uuid>> {
        self.revision_report(rev).await
    }

    async fn heads(&self, report: Uuid) -> Result<usize> {
        let n: i64 = self
            .client()
            .await?
            .query_one(
                "SELECT count(*) FROM heads WHERE report_id = $1",
                &[&report],
            )
            .await
            .map_err(backend)?
            .get(0);
        Ok(n as usize)
    }

    async fn blob_state(&self, sha256: &str) -> Result<BlobState> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT size FROM blob_files WHERE sha256 = $1
                 UNION ALL SELECT length(data)::bigint FROM blobs WHERE sha256 = $1 AND complete
                 LIMIT 1",
                &[&sha256],
            )
            .await
            .map_err(backend)?;
        Ok(row.map_or(BlobState::Absent, |r| BlobState::Complete {
            size: r.get::<_, i64>(0) as u64,
        }))
    }

    async fn upload_state(&self, sha256: &str, owner: &str) -> Result<Option<u64>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT received FROM uploads WHERE sha256 = $1 AND owner = $2",
                &[&sha256, &owner],
            )
            .await
            .map_err(backend)?;
        Ok(row.map(|r| r.get::<_, i64>(0) as u64))
    }

    async fn blob_append(
        &self,
        sha256: &str,
        owner: &str,
        offset: u64,
        bytes: Vec<u8>,
        at: DateTime<Utc>,
    ) -> Result<u64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        // One statement finds or starts the upload and locks its row, so a sweep or reset
        // racing it either goes first (this starts afresh) or waits.
        let row = tx
            .query_one(
                "INSERT INTO uploads (sha256, owner, received, pieces, touched_at)
                 VALUES ($1, $2, 0, 0, $3)
                 ON CONFLICT (sha256, owner) DO UPDATE SET owner = uploads.owner
                 RETURNING received, pieces",
                &[&sha256, &owner, &at],
            )
            .await
            .map_err(backend)?;
        let (have, pieces): (i64, i64) = (row.get(0), row.get(1));
        check_append(have as u64, pieces as usize, offset)?;
        let added = bytes.len() as i64;
        if added > 0 {
            tx.execute(
                "INSERT INTO upload_pieces (sha256, owner, start, bytes) VALUES ($1, $2, $3, $4)",
                &[&sha256, &owner, &have, &bytes],
            )
            .await
            .map_err(backend)?;
        }
        tx.execute(
            "UPDATE uploads SET received = received + $3, pieces = pieces + $4, touched_at = $5
              WHERE sha256 = $1 AND owner = $2",
            &[&sha256, &owner, &added, &i64::from(added > 0), &at],
        )
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok((have + added) as u64)
    }

    async fn blob_finish(&self, sha256: &str, owner: &str) -> Result<Finished> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        tx.query_opt(
            "SELECT 1 FROM uploads WHERE sha256 = $1 AND owner = $2 FOR UPDATE",
            &[&sha256, &owner],
        )
        .await
        .map_err(backend)?;
        // Piece by piece (each at most one request's body), never the whole blob at once.
        let mut hasher = PieceHasher::default();
        let mut start: i64 = 0;
        while let Some(row) = tx
            .query_opt(
                "SELECT bytes FROM upload_pieces WHERE sha256 = $1 AND owner = $2 AND start = $3",
                &[&sha256, &owner, &start],
            )
            .await
            .map_err(backend)?
        {
            let piece: &[u8] = row.get(0);
            hasher.update(piece);
            start += piece.len() as i64;
        }
        let finished = hasher.finish(sha256);
        if let Finished::Complete { size } = finished {
            let legacy: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = $1 AND complete)",
                    &[&sha256],
                )
                .await
                .map_err(backend)?
                .get(0);
            let new = !legacy
                && tx
                    .execute(
                        "INSERT INTO blob_files (sha256, size) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                        &[&sha256, &(size as i64)],
                    )
                    .await
                    .map_err(backend)?
                    == 1;
            if new {
                tx.execute(
                    "INSERT INTO blob_pieces (sha256, start, bytes)
                     SELECT sha256, start, bytes FROM upload_pieces WHERE sha256 = $1 AND owner = $2",
                    &[&sha256, &owner],
                )
                .await
                .map_err(backend)?;
            }
            tx.execute(
                "INSERT INTO blob_holders (sha256, user_name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&sha256, &owner],
            )
            .await
            .map_err(backend)?;
        }
        drop_upload(&tx, sha256, owner).await?;
        tx.commit().await.map_err(backend)?;
        Ok(finished)
    }

    async fn upload_reset(&self, sha256: &str, owner: &str) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        let had = drop_upload(&tx, sha256, owner).await?;
        tx.commit().await.map_err(backend)?;
        Ok(had)
    }

    async fn expire_uploads(&self, before: DateTime<Utc>) -> Result<usize> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        // The rows first, locked as they go, so an append racing the sweep either lands
        // before (and the upload stays) or starts a new upload after.
        let (shas, owners): (Vec<String>, Vec<String>) = tx
            .query(
                "DELETE FROM uploads WHERE touched_at < $1 RETURNING sha256, owner",
                &[&before],
            )
            .await
            .map_err(backend)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .unzip();
        tx.execute(
            "DELETE FROM upload_pieces p USING UNNEST($1::text[], $2::text[]) AS g (sha256, owner)
              WHERE p.sha256 = g.sha256 AND p.owner = g.owner",
            &[&shas, &owners],
        )
        .await
        .map_err(backend)?;
        let expired = shas.len() as u64;
        // Older servers' partial uploads have no owner and no time: none can resume.
        let ownerless = tx
            .execute("DELETE FROM blobs WHERE NOT complete", &[])
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok((expired + ownerless) as usize)
    }

    async fn blob_visible(
        &self,
        sha256: &str,
        user: &str,
        regions: Option<Vec<String>>,
    ) -> Result<bool> {
        self.client()
            .await?
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM blob_holders WHERE sha256 = $1 AND user_name = $2)
                     OR EXISTS (SELECT 1 FROM revision_blobs b JOIN revisions r ON r.id = b.rev_id
                                 WHERE b.sha256 = $1
                                   AND ($3::text[] IS NULL OR r.region = ANY($3)))",
                &[&sha256, &user, &regions],
            )
            .await
            .map(|r| r.get(0))
            .map_err(backend)
    }

    async fn blob_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let client = self.client().await?;
        if let Some(row) = client
            .query_opt(
                "SELECT data FROM blobs WHERE sha256 = $1 AND complete",
                &[&sha256],
            )
            .await
            .map_err(backend)?
        {
            return Ok(Some(row.get(0)));
        }
        let Some(size) = client
            .query_opt("SELECT size FROM blob_files WHERE sha256 = $1", &[&sha256])
            .await
            .map_err(backend)?
            .map(|r| r.get::<_, i64>(0))
        else {
            return Ok(None);
        };
        let mut data = Vec::with_capacity(size as usize);
        for row in client
            .query(
                "SELECT bytes FROM blob_pieces WHERE sha256 = $1 ORDER BY start",
                &[&sha256],
            )
            .await
            .map_err(backend)?
        {
            data.extend_from_slice(row.get::<_, &[u8]>(0));
        }
        Ok(Some(data))
    }

    async fn blob_range(&self, sha256: &str, start: u64, len: usize) -> Result<Option<Vec<u8>>> {
        let client = self.client().await?;
        let (start, end) = (start as i64, start.saturating_add(len as u64) as i64);
        if let Some(row) = client
            .query_opt(
                "SELECT substring(data FROM ($2::bigint + 1)::int FOR ($3::bigint - $2::bigint)::int)
                   FROM blobs WHERE sha256 = $1 AND complete",
                &[&sha256, &start, &end],
            )
            .await
            .map_err(backend)?
        {
            return Ok(Some(row.get(0)));
        }
        if client
            .query_opt("SELECT 1 FROM blob_files WHERE sha256 = $1", &[&sha256])
            .await
            .map_err(backend)?
            .is_none()
        {
            return Ok(None);
        }
        let mut data = Vec::new();
        for row in client
            .query(
                "SELECT start, bytes FROM blob_pieces
                  WHERE sha256 = $1 AND start < $3 AND start + octet_length(bytes) > $2
                  ORDER BY start",
                &[&sha256, &start, &end],
            )
            .await
            .map_err(backend)?
        {
            let at: i64 = row.get(0);
            data.extend_from_slice(slice_of_piece(row.get::<_, &[u8]>(1), at, start, end));
        }
        Ok(Some(data))
    }

    async fn blobs_stored(&self, sha256s: Vec<String>) -> Result<Vec<String>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT DISTINCT s FROM unnest($1::text[]) AS s
                  WHERE s IN (SELECT sha256 FROM blob_files)
                     OR s IN (SELECT sha256 FROM blobs WHERE complete)",
                &[&sha256s],
            )
            .await
            .map_err(backend)?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }

    async fn audit_append(&self, event: &AuditEvent) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO audit (at, actor, device, action, detail) VALUES ($1, $2, $3, $4, $5)",
                &[
                    &event.at,
                    &event.actor,
                    &event.device,
                    &event.action,
                    &event.detail,
                ],
            )
            .await
            .map(|_| ())
            .map_err(backend)
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
        let rows = self
            .client()
            .await?
            .query(
                "SELECT at FROM audit
                  WHERE actor = $1 AND action = $2 AND at >= $3
                    AND at > coalesce((SELECT max(at) FROM audit WHERE actor = $1 AND action = $4),
                                      '-infinity'::timestamptz)
                  ORDER BY at, id",
                &[&user, &actions::SIGN_IN_FAILED, &since, &actions::SIGN_IN],
            )
            .await
            .map_err(backend)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
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
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id, report_id, revision::jsonb ->> 'content_hash', seq, received_at
                   FROM revisions WHERE id = ANY($1)",
                &[&revs],
            )
            .await
            .map_err(backend)?;
        Ok(rows
            .iter()
            .map(|r| Received {
                rev_id: r.get(0),
                report_id: r.get(1),
                content_hash: r.get(2),
                seq: r.get(3),
                received_at: r.get(4),
            })
            .collect())
    }

    async fn add_device_key(
        &self,
        token_hash: &str,
        public_key: &str,
        recipient: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO device_keys (public_key, user_name, device_name, recipient, token_hash, added_at)
                 SELECT $2, user_name, name, $3, token_hash, $4 FROM devices WHERE token_hash = $1
                 ON CONFLICT (public_key) DO NOTHING",
                &[&token_hash, &public_key, &recipient, &at],
            )
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn fingerprint(
        &self,
        report: Uuid,
    ) -> Result<Option<terrain_domain::incident::Fingerprint>> {
        self.fingerprint_of(report).await
    }

    async fn fingerprint_candidates(
        &self,
        query: CandidateQuery,
    ) -> Result<Vec<terrain_domain::incident::Fingerprint>> {
        self.candidates(&query).await
    }

    async fn record_links(&self, ops: Vec<IncomingLink>) -> Result<Vec<bool>> {
        self.links_record(ops).await
    }

    async fn link_ops_of(
        &self,
        reports: Vec<Uuid>,
    ) -> Result<Vec<terrain_domain::incident::LinkOp>> {
        self.links_of(reports).await
    }

    async fn link_feed(
        &self,
        since: i64,
        limit: usize,
        regions: Option<Vec<String>>,
    ) -> Result<LinkPage> {
        self.links_feed(since, limit, regions).await
    }

    async fn store_sites(&self, batch: Vec<IncomingSite>, user: &str) -> Result<SitesStored> {
        self.sites_store(batch, user).await
    }

    async fn site_revisions_by_id(&self, ids: Vec<Uuid>) -> Result<Vec<StoredSite>> {
        self.sites_by_id(ids).await
    }

    async fn site_revisions(&self, site_ids: Vec<Uuid>) -> Result<Vec<StoredSite>> {
        self.sites_of(site_ids).await
    }

    async fn sites_merged_into(&self, site_ids: Vec<Uuid>) -> Result<Vec<Uuid>> {
        self.merged_into(site_ids).await
    }

    async fn reports_at_sites(&self, site_ids: Vec<Uuid>, limit: usize) -> Result<Vec<Uuid>> {
        self.reports_at(site_ids, limit).await
    }

    async fn site_feed(
        &self,
        since: i64,
        limit: usize,
        regions: Option<Vec<String>>,
    ) -> Result<SitePage> {
        self.sites_feed(since, limit, regions).await
    }

    async fn device_by_key(&self, public_key: &str) -> Result<Option<KeyedDevice>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT u.name, u.role, u.regions, k.device_name,
                        k.revoked_at IS NOT NULL OR NOT EXISTS (
                            SELECT 1 FROM devices d WHERE d.user_name = k.user_name
                               AND d.name = k.device_name AND d.revoked_at IS NULL),
                        k.added_at, k.recipient
                   FROM device_keys k JOIN users u ON u.name = k.user_name
                  WHERE k.public_key = $1",
                &[&public_key],
            )
            .await
            .map_err(backend)?;
        row.map(|r| {
            Ok(KeyedDevice {
                device: Device {
                    user: User::from_columns(r.get(0), r.get(1), r.get(2))?,
                    name: r.get(3),
                    revoked: r.get(4),
                    last_used: r.get(5),
                    replaces: false,
                },
                recipient: r.get(6),
            })
        })
        .transpose()
    }
}

/// Drops a schema and everything in it (test clean-up).
pub async fn drop_schema(url: &str, schema: &str) -> Result<()> {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.map_err(backend)?;
    tokio::spawn(conn);
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .map_err(backend)
}
