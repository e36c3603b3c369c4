//! Incidents on SQLite (schema steps 11 and 13): fingerprint rows and the sites they name kept
//! in the push transaction, the duplicate check's bounded candidate queries, and the
//! append-only link operations with their feed.
//! What a row holds is decided in `terrain_server_store::incidents`; this is SQL.

use crate::{backend, insert_audit};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use terrain_domain::Revision;
use terrain_domain::incident::{Fingerprint, LinkOp};
use terrain_server_store::incidents::{CANDIDATES_READ, fingerprint_of_heads};
use terrain_server_store::{
    CandidateQuery, FingerprintRow, IncomingLink, LinkPage, Result, StoredLinkOp,
};
use uuid::Uuid;

/// Rewrites the fingerprint rows of `reports` from their current heads, and the sites they
/// name.
pub(crate) fn refile(tx: &Transaction, reports: &[String]) -> Result<()> {
    refile_rows(tx, reports, true)
}

fn refile_rows(tx: &Transaction, reports: &[String], with_sites: bool) -> Result<()> {
    for report in reports {
        let heads: Vec<(i64, String)> = tx
            .prepare_cached(
                "SELECT r.seq, r.revision FROM heads h JOIN revisions r ON r.id = h.rev_id
                  WHERE h.report_id = ?1",
            )
            .and_then(|mut s| {
                s.query_map([report], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .map_err(backend)?;
        let heads = heads
            .into_iter()
            .map(|(seq, json)| {
                Ok((
                    seq,
                    serde_json::from_str::<Revision>(&json).map_err(backend)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let Some(f) = fingerprint_of_heads(&heads) else {
            continue;
        };
        let row = FingerprintRow::of(&f);
        tx.prepare_cached(
            "INSERT INTO fingerprints (report_id, region, first_week, last_week, cercle, cell_y,
                                       cell_x, fp)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (report_id) DO UPDATE SET region = excluded.region,
                 first_week = excluded.first_week, last_week = excluded.last_week,
                 cercle = excluded.cercle, cell_y = excluded.cell_y, cell_x = excluded.cell_x,
                 fp = excluded.fp",
        )
        .and_then(|mut s| {
            s.execute(params![
                report,
                row.region,
                row.first_week,
                row.last_week,
                row.cercle,
                row.cell.map(|c| c.0),
                row.cell.map(|c| c.1),
                row.json
            ])
        })
        .map_err(backend)?;
        if with_sites {
            file_sites(tx, report, &row.sites)?;
        }
    }
    Ok(())
}

/// Rewrites the sites a report's fingerprint names (schema step 13).
fn file_sites(tx: &Transaction, report: &str, sites: &[Uuid]) -> Result<()> {
    tx.prepare_cached("DELETE FROM fingerprint_sites WHERE report_id = ?1")
        .and_then(|mut s| s.execute([report]))
        .map_err(backend)?;
    for site in sites {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO fingerprint_sites (site_id, report_id) VALUES (?1, ?2)",
        )
        .and_then(|mut s| s.execute(params![site.to_string(), report]))
        .map_err(backend)?;
    }
    Ok(())
}

/// Files fingerprint rows directly, in one transaction (see `SqliteStore::file_fingerprints`).
pub(crate) fn file_rows(c: &mut Connection, rows: &[FingerprintRow]) -> Result<()> {
    let tx = c.transaction().map_err(backend)?;
    for row in rows {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO fingerprints (report_id, region, first_week, last_week,
                                                  cercle, cell_y, cell_x, fp)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .and_then(|mut s| {
            s.execute(params![
                row.report.to_string(),
                row.region,
                row.first_week,
                row.last_week,
                row.cercle,
                row.cell.map(|c| c.0),
                row.cell.map(|c| c.1),
                row.json
            ])
        })
        .map_err(backend)?;
        file_sites(&tx, &row.report.to_string(), &row.sites)?;
    }
    tx.commit().map_err(backend)
}

/// Step 11's code: every report stored before it gets its row.
pub(crate) fn backfill(tx: &Transaction) -> Result<()> {
    let reports: Vec<String> = tx
        .prepare("SELECT DISTINCT report_id FROM heads")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(backend)?;
    // The sites' rows come with step 13 (its table, filled from these rows).
    refile_rows(tx, &reports, false)
}

pub(crate) fn fingerprint(c: &Connection, report: Uuid) -> Result<Option<Fingerprint>> {
    let json: Option<String> = c
        .prepare_cached("SELECT fp FROM fingerprints WHERE report_id = ?1")
        .and_then(|mut s| s.query_row([report.to_string()], |r| r.get(0)).optional())
        .map_err(backend)?;
    json.map(|j| FingerprintRow::parse(&j)).transpose()
}

/// The rows `q` finds: at most [`CANDIDATES_READ`] by region and weeks, nearest week first,
/// then as many naming each of its sites; each once.
pub(crate) fn candidates(c: &Connection, q: &CandidateQuery) -> Result<Vec<Fingerprint>> {
    let (y, x) = q.cell.unzip();
    let bound = CANDIDATES_READ as i64;
    let mut rows: Vec<(String, String)> = c
        .prepare_cached(
            "SELECT report_id, fp FROM fingerprints
              WHERE region = ?1 AND first_week <= ?3 AND last_week >= ?2 AND report_id <> ?4
                AND (?5 IS NULL OR cercle IS NULL OR cercle = ?5 OR
                     (?6 IS NOT NULL AND cell_y IS NOT NULL))
                AND (?6 IS NULL OR cell_y IS NULL OR
                     (cell_y BETWEEN ?6 - 1 AND ?6 + 1 AND cell_x BETWEEN ?7 - 1 AND ?7 + 1))
              ORDER BY CASE WHEN first_week > ?8 THEN first_week - ?8
                            WHEN last_week < ?8 THEN ?8 - last_week ELSE 0 END, report_id
              LIMIT ?9",
        )
        .and_then(|mut s| {
            s.query_map(
                params![
                    q.region,
                    q.week_lo,
                    q.week_hi,
                    q.report.to_string(),
                    q.cercle,
                    y,
                    x,
                    q.week,
                    bound
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .collect()
        })
        .map_err(backend)?;
    for site in &q.sites {
        let more: Vec<(String, String)> = c
            .prepare_cached(
                "SELECT f.report_id, f.fp
                   FROM fingerprint_sites s JOIN fingerprints f ON f.report_id = s.report_id
                  WHERE s.site_id = ?1 AND f.region = ?2 AND f.first_week <= ?4
                    AND f.last_week >= ?3 AND f.report_id <> ?5
                  LIMIT ?6",
            )
            .and_then(|mut s| {
                s.query_map(
                    params![
                        site.to_string(),
                        q.region,
                        q.week_lo,
                        q.week_hi,
                        q.report.to_string(),
                        bound
                    ],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .collect()
            })
            .map_err(backend)?;
        rows.extend(more);
    }
    // Parsed once: a report may be found by its weeks and by each site it shares.
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .filter(|(report, _)| seen.insert(report.as_str()))
        .map(|(_, j)| FingerprintRow::parse(j))
        .collect()
}

pub(crate) fn record(c: &mut Connection, ops: Vec<IncomingLink>) -> Result<Vec<bool>> {
    let tx = c
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let mut out = Vec::with_capacity(ops.len());
    for IncomingLink { op, regions, event } in ops {
        let new = tx
            .prepare_cached(
                "INSERT INTO link_ops (id, report_a, report_b, regions, op)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
            )
            .and_then(|mut s| {
                s.execute(params![
                    op.id.to_string(),
                    op.reports[0].to_string(),
                    op.reports[1].to_string(),
                    serde_json::to_string(&regions)
                        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?,
                    serde_json::to_string(&op)
                        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?
                ])
            })
            .map_err(backend)?
            > 0;
        if new {
            insert_audit(&tx, &event)?;
        }
        out.push(new);
    }
    tx.commit().map_err(backend)?;
    Ok(out)
}

fn parse(seq: i64, json: &str) -> Result<StoredLinkOp> {
    Ok(StoredLinkOp {
        seq,
        op: serde_json::from_str::<LinkOp>(json).map_err(backend)?,
    })
}

pub(crate) fn of_reports(c: &Connection, reports: &[Uuid]) -> Result<Vec<LinkOp>> {
    let ids: Vec<String> = reports.iter().map(Uuid::to_string).collect();
    let json = serde_json::to_string(&ids).map_err(backend)?;
    let rows: Vec<(i64, String)> = c
        .prepare_cached(
            "SELECT seq, op FROM link_ops
              WHERE report_a IN (SELECT value FROM json_each(?1))
                 OR report_b IN (SELECT value FROM json_each(?1))
              ORDER BY seq",
        )
        .and_then(|mut s| {
            s.query_map([json], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .map_err(backend)?;
    rows.iter()
        .map(|(seq, j)| parse(*seq, j).map(|s| s.op))
        .collect()
}

pub(crate) fn feed(
    c: &Connection,
    since: i64,
    limit: usize,
    regions: Option<Vec<String>>,
) -> Result<LinkPage> {
    let regions = regions
        .map(|r| serde_json::to_string(&r))
        .transpose()
        .map_err(backend)?;
    let rows: Vec<(i64, String)> = c
        .prepare_cached(
            "SELECT seq, op FROM link_ops
              WHERE seq > ?1 AND (?2 IS NULL OR EXISTS (
                    SELECT 1 FROM json_each(link_ops.regions) g
                     WHERE g.value IN (SELECT value FROM json_each(?2))))
              ORDER BY seq LIMIT ?3",
        )
        .and_then(|mut s| {
            s.query_map(params![since, regions, limit as i64 + 1], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect()
        })
        .map_err(backend)?;
    let items = rows
        .iter()
        .map(|(seq, j)| parse(*seq, j))
        .collect::<Result<Vec<_>>>()?;
    Ok(LinkPage::of(items, since, limit, |s| s.seq))
}
