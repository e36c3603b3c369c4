//! A site's reports on PostgreSQL (schema step 14): the `report_sites` rows kept in the push
//! transaction, the reports naming a set of sites, and the sites merged into a site. Which
//! sites a report names is decided in `terrain_server_store::sites`; this is SQL.

use crate::{PgStore, backend};
use std::collections::HashMap;
use terrain_domain::Revision;
use terrain_server_store::Result;
use terrain_server_store::sites::sites_named;
use uuid::Uuid;

type Tx<'a> = deadpool_postgres::Transaction<'a>;

/// Reports refiled per statement at the schema step.
const BACKFILL_CHUNK: usize = 1_000;

/// Rewrites the `report_sites` rows of `reports` from their current heads, in three
/// statements.
pub(crate) async fn refile(tx: &Tx<'_>, reports: &[Uuid]) -> Result<()> {
    if reports.is_empty() {
        return Ok(());
    }
    let mut heads: HashMap<Uuid, Vec<Revision>> = HashMap::new();
    for row in tx
        .query(
            "SELECT h.report_id, r.revision
               FROM heads h JOIN revisions r ON r.id = h.rev_id WHERE h.report_id = ANY($1)",
            &[&reports],
        )
        .await
        .map_err(backend)?
    {
        let revision = serde_json::from_str::<Revision>(row.get(1)).map_err(backend)?;
        heads.entry(row.get(0)).or_default().push(revision);
    }
    let (mut site_ids, mut report_ids) = (Vec::new(), Vec::new());
    for (report, heads) in &heads {
        for site in sites_named(heads) {
            site_ids.push(site);
            report_ids.push(*report);
        }
    }
    tx.execute(
        "DELETE FROM report_sites WHERE report_id = ANY($1)",
        &[&reports],
    )
    .await
    .map_err(backend)?;
    tx.execute(
        "INSERT INTO report_sites (site_id, report_id)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[])",
        &[&site_ids, &report_ids],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

/// Schema step 14's code: rows for every report already stored, a chunk at a time.
pub(crate) async fn backfill(tx: &Tx<'_>) -> Result<()> {
    let reports: Vec<Uuid> = tx
        .query("SELECT DISTINCT report_id FROM heads", &[])
        .await
        .map_err(backend)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for chunk in reports.chunks(BACKFILL_CHUNK) {
        refile(tx, chunk).await?;
    }
    Ok(())
}

impl PgStore {
    pub(crate) async fn reports_at(&self, sites: Vec<Uuid>, limit: usize) -> Result<Vec<Uuid>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // The newest ids when there are more (ids are time-ordered): a busy site keeps its latest.
        let mut found: Vec<Uuid> = self
            .client()
            .await?
            .query(
                "SELECT DISTINCT report_id FROM report_sites WHERE site_id = ANY($1)
                  ORDER BY report_id DESC LIMIT $2",
                &[&sites, &limit],
            )
            .await
            .map_err(backend)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        found.reverse();
        Ok(found)
    }

    pub(crate) async fn merged_into(&self, sites: Vec<Uuid>) -> Result<Vec<Uuid>> {
        let sites: Vec<String> = sites.iter().map(Uuid::to_string).collect();
        Ok(self
            .client()
            .await?
            .query(
                "SELECT DISTINCT site_id FROM site_revisions
                  WHERE ((content::jsonb) ->> 'merged_into') = ANY($1)
                  ORDER BY site_id",
                &[&sites],
            )
            .await
            .map_err(backend)?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }
}
