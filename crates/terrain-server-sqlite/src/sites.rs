//! Shared sites on SQLite (schema step 12): site revisions kept once by id at their feed
//! position, the site feed by region, and a site's revisions. What a row holds is decided in
//! `terrain_server_store::sites`; this is SQL.

use crate::{audit_time, backend, insert_audit};
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use terrain_domain::{Site, SiteRevision};
use terrain_server_store::{IncomingSite, Result, SitePage, SitesStored, StoredSite};
use uuid::Uuid;

/// The columns read back, in this order.
const COLUMNS: &str =
    "seq, region, id, site_id, parents, content, content_hash, author, device, created_at";

fn row(r: &rusqlite::Row) -> rusqlite::Result<[String; 9]> {
    Ok([
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ])
}

fn parse(seq: i64, c: [String; 9]) -> Result<StoredSite> {
    let [
        region,
        id,
        site_id,
        parents,
        content,
        content_hash,
        author,
        device,
        created_at,
    ] = c;
    Ok(StoredSite {
        seq,
        region,
        revision: SiteRevision {
            id: id.parse().map_err(backend)?,
            site_id: site_id.parse().map_err(backend)?,
            parents: serde_json::from_str(&parents).map_err(backend)?,
            author,
            device,
            created_at: serde_json::from_value(serde_json::Value::String(created_at))
                .map_err(backend)?,
            content_hash,
            content: serde_json::from_str::<Site>(&content).map_err(backend)?,
        },
    })
}

fn query(c: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<Vec<StoredSite>> {
    let rows: Vec<(i64, [String; 9])> = c
        .prepare_cached(sql)
        .and_then(|mut s| s.query_map(p, |r| Ok((r.get(0)?, row(r)?)))?.collect())
        .map_err(backend)?;
    rows.into_iter().map(|(seq, c)| parse(seq, c)).collect()
}

/// Whether `device` is `user`'s (claiming it for them when no one has it yet).
fn claim_device(tx: &Transaction, device: &str, user: &str, rev: Uuid) -> Result<bool> {
    let owner: Option<String> = tx
        .prepare_cached("SELECT user_name FROM device_owners WHERE device = ?1")
        .and_then(|mut s| s.query_row([device], |r| r.get(0)).optional())
        .map_err(backend)?;
    match owner {
        Some(owner) => Ok(owner == user),
        None => {
            tx.prepare_cached(
                "INSERT INTO device_owners (device, user_name, first_rev) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut s| s.execute(params![device, user, rev.to_string()]))
            .map_err(backend)?;
            Ok(true)
        }
    }
}

pub(crate) fn store(
    c: &mut Connection,
    batch: Vec<IncomingSite>,
    user: &str,
) -> Result<SitesStored> {
    let tx = c
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let received = audit_time(Utc::now());
    let mut out = Vec::with_capacity(batch.len());
    for IncomingSite {
        revision: rev,
        region,
        event,
    } in batch
    {
        let held = tx
            .prepare_cached("SELECT 1 FROM site_revisions WHERE id = ?1")
            .and_then(|mut s| s.exists([rev.id.to_string()]))
            .map_err(backend)?;
        if held {
            out.push(false);
            continue;
        }
        if !claim_device(&tx, &rev.device, user, rev.id)? {
            // Dropped without commit: nothing of the batch is stored.
            return Ok(SitesStored::DeviceOfAnotherUser { device: rev.device });
        }
        let created_at = serde_json::to_value(rev.created_at).map_err(backend)?;
        tx.prepare_cached(
            "INSERT INTO site_revisions (id, site_id, region, parents, content, content_hash,
                                         author, device, created_at, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .and_then(|mut s| {
            s.execute(params![
                rev.id.to_string(),
                rev.site_id.to_string(),
                region,
                serde_json::to_string(&rev.parents)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?,
                serde_json::to_string(&rev.content)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?,
                rev.content_hash,
                rev.author,
                rev.device,
                created_at.as_str().unwrap_or_default(),
                received
            ])
        })
        .map_err(backend)?;
        insert_audit(&tx, &event)?;
        out.push(true);
    }
    tx.commit().map_err(backend)?;
    Ok(SitesStored::Stored(out))
}

fn ids_json(ids: &[Uuid]) -> Result<String> {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    serde_json::to_string(&ids).map_err(backend)
}

pub(crate) fn by_id(c: &Connection, ids: &[Uuid]) -> Result<Vec<StoredSite>> {
    query(
        c,
        &format!(
            "SELECT {COLUMNS} FROM site_revisions
              WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY seq"
        ),
        [ids_json(ids)?],
    )
}

pub(crate) fn of_sites(c: &Connection, sites: &[Uuid]) -> Result<Vec<StoredSite>> {
    query(
        c,
        &format!(
            "SELECT {COLUMNS} FROM site_revisions
              WHERE site_id IN (SELECT value FROM json_each(?1)) ORDER BY seq"
        ),
        [ids_json(sites)?],
    )
}

pub(crate) fn feed(
    c: &Connection,
    since: i64,
    limit: usize,
    regions: Option<Vec<String>>,
) -> Result<SitePage> {
    let regions = regions
        .map(|r| serde_json::to_string(&r))
        .transpose()
        .map_err(backend)?;
    let items = query(
        c,
        &format!(
            "SELECT {COLUMNS} FROM site_revisions
              WHERE seq > ?1 AND (?2 IS NULL OR region IN (SELECT value FROM json_each(?2)))
              ORDER BY seq LIMIT ?3"
        ),
        params![since, regions, limit as i64 + 1],
    )?;
    Ok(SitePage::of(items, since, limit, |s| s.seq))
}
