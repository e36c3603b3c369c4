//! Incidents on PostgreSQL (schema steps 11 and 13): fingerprint rows and the sites they name
//! kept in the push transaction, the duplicate check's bounded candidate queries, and the
//! append-only link operations with their feed.
//! What a row holds is decided in `terrain_server_store::incidents`; this is SQL. Writers of
//! link operations lock their table, so feed positions commit in the order handed out.

use crate::{PgStore, backend, insert_audit};
use std::collections::HashMap;
use terrain_domain::Revision;
use terrain_domain::incident::{Fingerprint, LinkOp};
use terrain_server_store::incidents::{CANDIDATES_READ, fingerprint_of_heads};
use terrain_server_store::{
    CandidateQuery, FingerprintRow, IncomingLink, LinkPage, Result, StoredLinkOp,
};
use uuid::Uuid;

type Tx<'a> = deadpool_postgres::Transaction<'a>;

/// Reports refiled per statement at the schema step.
const BACKFILL_CHUNK: usize = 1_000;

/// Rewrites the fingerprint rows of `reports` from their current heads, and the sites they
/// name, in four statements.
pub(crate) async fn refile(tx: &Tx<'_>, reports: &[Uuid]) -> Result<()> {
    let rows = rows_of(tx, reports).await?;
    insert_rows(tx, &rows).await?;
    file_sites(tx, &rows).await
}

/// The fingerprint rows of `reports`' current heads.
async fn rows_of(tx: &Tx<'_>, reports: &[Uuid]) -> Result<Vec<FingerprintRow>> {
    if reports.is_empty() {
        return Ok(Vec::new());
    }
    let mut heads: HashMap<Uuid, Vec<(i64, Revision)>> = HashMap::new();
    for row in tx
        .query(
            "SELECT h.report_id, r.seq, r.revision
               FROM heads h JOIN revisions r ON r.id = h.rev_id WHERE h.report_id = ANY($1)",
            &[&reports],
        )
        .await
        .map_err(backend)?
    {
        let revision = serde_json::from_str::<Revision>(row.get(2)).map_err(backend)?;
        heads
            .entry(row.get(0))
            .or_default()
            .push((row.get(1), revision));
    }
    Ok(heads
        .values()
        .filter_map(|h| fingerprint_of_heads(h))
        .map(|f| FingerprintRow::of(&f))
        .collect())
}

/// Rewrites the sites `rows` name (schema step 13), in two statements.
async fn file_sites(tx: &Tx<'_>, rows: &[FingerprintRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let reports: Vec<Uuid> = rows.iter().map(|r| r.report).collect();
    tx.execute(
        "DELETE FROM fingerprint_sites WHERE report_id = ANY($1)",
        &[&reports],
    )
    .await
    .map_err(backend)?;
    let (sites, of): (Vec<Uuid>, Vec<Uuid>) = rows
        .iter()
        .flat_map(|r| r.sites.iter().map(|s| (*s, r.report)))
        .unzip();
    tx.execute(
        "INSERT INTO fingerprint_sites (site_id, report_id)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING",
        &[&sites, &of],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

/// A batch of fingerprint rows as the columns `UNNEST` reads.
type Columns<'a> = (
    Vec<Uuid>,
    Vec<i64>,
    Vec<i32>,
    Vec<i32>,
    Vec<Option<i64>>,
    Vec<Option<i32>>,
    Vec<Option<i32>>,
    Vec<&'a str>,
);

/// Inserts or replaces fingerprint rows, in one statement.
pub(crate) async fn insert_rows(tx: &Tx<'_>, rows: &[FingerprintRow]) -> Result<()> {
    let mut c: Columns<'_> = Default::default();
    for r in rows {
        c.0.push(r.report);
        c.1.push(r.region);
        c.2.push(r.first_week);
        c.3.push(r.last_week);
        c.4.push(r.cercle);
        c.5.push(r.cell.map(|c| c.0));
        c.6.push(r.cell.map(|c| c.1));
        c.7.push(&r.json);
    }
    tx.execute(
        "INSERT INTO fingerprints (report_id, region, first_week, last_week, cercle, cell_y,
                                   cell_x, fp)
         SELECT * FROM UNNEST($1::uuid[], $2::bigint[], $3::int[], $4::int[], $5::bigint[],
                              $6::int[], $7::int[], $8::text[])
         ON CONFLICT (report_id) DO UPDATE SET region = excluded.region,
             first_week = excluded.first_week, last_week = excluded.last_week,
             cercle = excluded.cercle, cell_y = excluded.cell_y, cell_x = excluded.cell_x,
             fp = excluded.fp",
        &[&c.0, &c.1, &c.2, &c.3, &c.4, &c.5, &c.6, &c.7],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

/// Schema step 11's code: a row for every report already stored, a chunk at a time.
pub(crate) async fn backfill(tx: &Tx<'_>) -> Result<()> {
    let reports: Vec<Uuid> = tx
        .query("SELECT DISTINCT report_id FROM heads", &[])
        .await
        .map_err(backend)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    // The sites' rows come with step 13 (its table, filled from these rows).
    for chunk in reports.chunks(BACKFILL_CHUNK) {
        insert_rows(tx, &rows_of(tx, chunk).await?).await?;
    }
    Ok(())
}

fn parse(seq: i64, json: &str) -> Result<StoredLinkOp> {
    Ok(StoredLinkOp {
        seq,
        op: serde_json::from_str::<LinkOp>(json).map_err(backend)?,
    })
}

impl PgStore {
    /// Files fingerprint rows directly, in one transaction: for loading a benchmark's volume
    /// without pushing a million revisions (a server files them in the push transaction).
    pub async fn file_fingerprints(&self, rows: &[FingerprintRow]) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        insert_rows(&tx, rows).await?;
        file_sites(&tx, rows).await?;
        tx.commit().await.map_err(backend)
    }

    pub(crate) async fn fingerprint_of(&self, report: Uuid) -> Result<Option<Fingerprint>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT fp FROM fingerprints WHERE report_id = $1",
                &[&report],
            )
            .await
            .map_err(backend)?;
        row.map(|r| FingerprintRow::parse(r.get(0))).transpose()
    }

    /// The rows `q` finds: at most [`CANDIDATES_READ`] by region and weeks, nearest week
    /// first, then as many naming each of its sites; each once.
    pub(crate) async fn candidates(&self, q: &CandidateQuery) -> Result<Vec<Fingerprint>> {
        let (y, x) = q.cell.unzip();
        let bound = CANDIDATES_READ as i64;
        let client = self.client().await?;
        let mut rows = client
            .query(
                "SELECT report_id, fp FROM fingerprints
                  WHERE region = $1 AND first_week <= $3 AND last_week >= $2 AND report_id <> $4
                    AND ($5::bigint IS NULL OR cercle IS NULL OR cercle = $5 OR
                         ($6::int IS NOT NULL AND cell_y IS NOT NULL))
                    AND ($6::int IS NULL OR cell_y IS NULL OR
                         (cell_y BETWEEN $6 - 1 AND $6 + 1 AND cell_x BETWEEN $7 - 1 AND $7 + 1))
                  ORDER BY CASE WHEN first_week > $8 THEN first_week - $8
                                WHEN last_week < $8 THEN $8 - last_week ELSE 0 END, report_id
                  LIMIT $9",
                &[
                    &q.region, &q.week_lo, &q.week_hi, &q.report, &q.cercle, &y, &x, &q.week,
                    &bound,
                ],
            )
            .await
            .map_err(backend)?;
        for site in &q.sites {
            rows.extend(
                client
                    .query(
                        "SELECT f.report_id, f.fp
                           FROM fingerprint_sites s JOIN fingerprints f ON f.report_id = s.report_id
                          WHERE s.site_id = $1 AND f.region = $2 AND f.first_week <= $4
                            AND f.last_week >= $3 AND f.report_id <> $5
                          LIMIT $6",
                        &[site, &q.region, &q.week_lo, &q.week_hi, &q.report, &bound],
                    )
                    .await
                    .map_err(backend)?,
            );
        }
        // Parsed once: a report may be found by its weeks and by each site it shares.
        let mut seen = std::collections::HashSet::new();
        rows.iter()
            .filter(|r| seen.insert(r.get::<_, Uuid>(0)))
            .map(|r| FingerprintRow::parse(r.get(1)))
            .collect()
    }

    pub(crate) async fn links_record(&self, ops: Vec<IncomingLink>) -> Result<Vec<bool>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        tx.batch_execute("LOCK TABLE link_ops IN SHARE ROW EXCLUSIVE MODE")
            .await
            .map_err(backend)?;
        let mut out = Vec::with_capacity(ops.len());
        for IncomingLink { op, regions, event } in ops {
            let json = serde_json::to_string(&op).map_err(backend)?;
            let new = tx
                .execute(
                    "INSERT INTO link_ops (id, report_a, report_b, regions, op)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
                    &[&op.id, &op.reports[0], &op.reports[1], &regions, &json],
                )
                .await
                .map_err(backend)?
                > 0;
            if new {
                insert_audit(&tx, std::slice::from_ref(&event)).await?;
            }
            out.push(new);
        }
        tx.commit().await.map_err(backend)?;
        Ok(out)
    }

    pub(crate) async fn links_of(&self, reports: Vec<Uuid>) -> Result<Vec<LinkOp>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT seq, op FROM link_ops
                  WHERE report_a = ANY($1) OR report_b = ANY($1) ORDER BY seq",
                &[&reports],
            )
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| parse(r.get(0), r.get(1)).map(|s| s.op))
            .collect()
    }

    pub(crate) async fn links_feed(
        &self,
        since: i64,
        limit: usize,
        regions: Option<Vec<String>>,
    ) -> Result<LinkPage> {
        let rows = self
            .feed_rows(
                "SELECT seq, op FROM link_ops
              WHERE seq > $1 AND ($2::text[] IS NULL OR regions && $2)
              ORDER BY seq LIMIT $3",
                since,
                limit,
                regions,
            )
            .await?;
        let items = rows
            .iter()
            .map(|r| parse(r.get(0), r.get(1)))
            .collect::<Result<Vec<_>>>()?;
        Ok(LinkPage::of(items, since, limit, |s| s.seq))
    }
}
