//! A site's reports on SQLite (schema step 14): the `report_sites` rows kept in the push
//! transaction, the reports naming a set of sites, and the sites merged into a site. Which
//! sites a report names is decided in `terrain_server_store::sites`; this is SQL.

use crate::backend;
use rusqlite::{Connection, Transaction, params};
use terrain_domain::Revision;
use terrain_server_store::Result;
use terrain_server_store::sites::sites_named;
use uuid::Uuid;

/// Rewrites the `report_sites` rows of `reports` from their current heads.
pub(crate) fn refile(tx: &Transaction, reports: &[String]) -> Result<()> {
    for report in reports {
        let heads: Vec<String> = tx
            .prepare_cached(
                "SELECT r.revision FROM heads h JOIN revisions r ON r.id = h.rev_id
                  WHERE h.report_id = ?1",
            )
            .and_then(|mut s| s.query_map([report], |r| r.get(0))?.collect())
            .map_err(backend)?;
        let heads = heads
            .iter()
            .map(|json| serde_json::from_str::<Revision>(json).map_err(backend))
            .collect::<Result<Vec<_>>>()?;
        tx.prepare_cached("DELETE FROM report_sites WHERE report_id = ?1")
            .and_then(|mut s| s.execute([report]))
            .map_err(backend)?;
        for site in sites_named(&heads) {
            tx.prepare_cached("INSERT INTO report_sites (site_id, report_id) VALUES (?1, ?2)")
                .and_then(|mut s| s.execute(params![site.to_string(), report]))
                .map_err(backend)?;
        }
    }
    Ok(())
}

/// Schema step 14's code: rows for every report already stored.
pub(crate) fn backfill(tx: &Transaction) -> Result<()> {
    let reports: Vec<String> = tx
        .prepare("SELECT DISTINCT report_id FROM heads")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(backend)?;
    refile(tx, &reports)
}

fn ids(c: &Connection, sql: &str, sites: &[Uuid], limit: i64) -> Result<Vec<Uuid>> {
    let sites = serde_json::to_string(&sites).map_err(backend)?;
    let rows: Vec<String> = c
        .prepare_cached(sql)
        .and_then(|mut s| s.query_map(params![sites, limit], |r| r.get(0))?.collect())
        .map_err(backend)?;
    rows.iter().map(|id| id.parse().map_err(backend)).collect()
}

pub(crate) fn reports_at(c: &Connection, sites: &[Uuid], limit: usize) -> Result<Vec<Uuid>> {
    // The newest ids when there are more (ids are time-ordered): a busy site keeps its latest.
    let mut found = ids(
        c,
        "SELECT DISTINCT report_id FROM report_sites
          WHERE site_id IN (SELECT value FROM json_each(?1))
          ORDER BY report_id DESC LIMIT ?2",
        sites,
        i64::try_from(limit).unwrap_or(i64::MAX),
    )?;
    found.reverse();
    Ok(found)
}

pub(crate) fn merged_into(c: &Connection, sites: &[Uuid]) -> Result<Vec<Uuid>> {
    ids(
        c,
        "SELECT DISTINCT site_id FROM site_revisions
          WHERE json_extract(content, '$.merged_into') IN (SELECT value FROM json_each(?1))
          ORDER BY site_id LIMIT ?2",
        sites,
        i64::MAX,
    )
}
