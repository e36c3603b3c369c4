//! Review decisions (schema step 6): appended with their audit event, read by report and as
//! the decision feed.

use crate::{backend, insert_audit};
use rusqlite::{Connection, Row, params};
use terrain_domain::{ReviewDecision, ReviewState};
use terrain_server_store::{AuditEvent, Result, ReviewPage};
use uuid::Uuid;

const COLUMNS: &str = "seq, id, report_id, revision, state, comment, by_user, at";

/// A row as read: its position; id, report, revision, state and reviewer; comment; time.
type Raw = (i64, [String; 5], Option<String>, String);

fn decision(r: &Row) -> rusqlite::Result<Raw> {
    Ok((
        r.get(0)?,
        [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(6)?],
        r.get(5)?,
        r.get(7)?,
    ))
}

fn read(
    (seq, [id, report, revision, state, by], comment, at): Raw,
) -> Result<(i64, ReviewDecision)> {
    let uuid = |s: &str| Uuid::parse_str(s).map_err(backend);
    Ok((
        seq,
        ReviewDecision {
            id: uuid(&id)?,
            report_id: uuid(&report)?,
            revision: uuid(&revision)?,
            state: ReviewState::parse(&state)
                .ok_or_else(|| backend(format!("unknown review state {state:?}")))?,
            comment,
            by,
            at,
        },
    ))
}

fn query(
    c: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<(i64, ReviewDecision)>> {
    let rows: Vec<_> = c
        .prepare_cached(sql)
        .and_then(|mut s| s.query_map(params, decision)?.collect())
        .map_err(backend)?;
    rows.into_iter().map(read).collect()
}

pub(crate) fn append(c: &mut Connection, d: &ReviewDecision, event: &AuditEvent) -> Result<i64> {
    let tx = c
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    tx.prepare_cached(
        "INSERT INTO reviews (id, report_id, revision, state, comment, by_user, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(params![
            d.id.to_string(),
            d.report_id.to_string(),
            d.revision.to_string(),
            d.state.key(),
            d.comment,
            d.by,
            d.at
        ])
    })
    .map_err(backend)?;
    let seq = tx.last_insert_rowid();
    if has_index(&tx)? {
        tx.prepare_cached("UPDATE report_index SET review_state = ?1 WHERE report_id = ?2")
            .and_then(|mut s| s.execute(params![d.state.key(), d.report_id.to_string()]))
            .map_err(backend)?;
    }
    insert_audit(&tx, event)?;
    tx.commit().map_err(backend)?;
    Ok(seq)
}

/// Whether the console's report index (schema step 5) is there to take decisions' states.
fn has_index(c: &Connection) -> Result<bool> {
    c.prepare_cached(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'report_index'",
    )
    .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
    .map(|n| n > 0)
    .map_err(backend)
}

/// Schema step 6's code: the index rows of reviewed reports take their latest state.
pub(crate) fn index_states(tx: &rusqlite::Transaction) -> Result<()> {
    if has_index(tx)? {
        tx.execute_batch(
            "UPDATE report_index SET review_state = (
                 SELECT state FROM reviews WHERE reviews.report_id = report_index.report_id
                  ORDER BY seq DESC LIMIT 1)
              WHERE report_id IN (SELECT report_id FROM reviews)",
        )
        .map_err(backend)?;
    }
    Ok(())
}

pub(crate) fn of_report(c: &Connection, report: Uuid) -> Result<Vec<ReviewDecision>> {
    let sql = format!("SELECT {COLUMNS} FROM reviews WHERE report_id = ?1 ORDER BY seq");
    Ok(query(c, &sql, [report.to_string()])?
        .into_iter()
        .map(|(_, d)| d)
        .collect())
}

pub(crate) fn latest(c: &Connection, reports: &[Uuid]) -> Result<Vec<ReviewDecision>> {
    let ids: Vec<String> = reports.iter().map(Uuid::to_string).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM reviews WHERE seq IN (
             SELECT max(seq) FROM reviews
              WHERE report_id IN (SELECT value FROM json_each(?1)) GROUP BY report_id)"
    );
    let json = serde_json::to_string(&ids).map_err(backend)?;
    Ok(query(c, &sql, [json])?
        .into_iter()
        .map(|(_, d)| d)
        .collect())
}

pub(crate) fn feed(
    c: &Connection,
    since: i64,
    limit: usize,
    regions: Option<Vec<String>>,
) -> Result<ReviewPage> {
    let regions = regions
        .map(|r| serde_json::to_string(&r))
        .transpose()
        .map_err(backend)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM reviews
          WHERE seq > ?1 AND (?2 IS NULL OR EXISTS (
                SELECT 1 FROM revisions r WHERE r.report_id = reviews.report_id
                   AND r.region IN (SELECT value FROM json_each(?2))))
          ORDER BY seq LIMIT ?3"
    );
    let items = query(c, &sql, params![since, regions, limit as i64 + 1])?;
    Ok(ReviewPage::of(items, since, limit, |(seq, _)| *seq))
}

pub(crate) fn report_of(c: &Connection, rev: Uuid) -> Result<Option<Uuid>> {
    use rusqlite::OptionalExtension;
    let report: Option<String> = c
        .query_row(
            "SELECT report_id FROM revisions WHERE id = ?1",
            [rev.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    report
        .map(|r| Uuid::parse_str(&r).map_err(backend))
        .transpose()
}
