//! The console's report index on SQLite (issue 14): kept in the push transaction, filled at
//! the schema step that adds it, read by the inbox, counts and a report's page. What a row
//! holds and what a filter means is decided in `terrain_server_store::index`; this is SQL.

use crate::{backend, parse_time};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};
use terrain_domain::Revision;
use terrain_protocol::{CountBy, CountRow, ReportRow};
use terrain_server_store::{
    IndexEntry, IndexedHead, PageBounds, Result, Selection, StoredRevision,
};

/// Rewrites the index rows of `reports` (ids as stored) from their current heads.
pub(crate) fn reindex(tx: &Transaction, reports: &[String]) -> Result<()> {
    for report in reports {
        reindex_one(tx, report)?;
    }
    Ok(())
}

fn reindex_one(tx: &Transaction, report: &str) -> Result<()> {
    let heads: Vec<(i64, String, Option<String>)> = tx
        .prepare_cached(
            "SELECT r.seq, r.revision, r.pushed_by FROM heads h JOIN revisions r ON r.id = h.rev_id
              WHERE h.report_id = ?1",
        )
        .and_then(|mut s| {
            s.query_map([report], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .map_err(backend)?;
    let heads = heads
        .into_iter()
        .map(|(seq, json, pushed_by)| {
            Ok(IndexedHead {
                seq,
                revision: serde_json::from_str::<Revision>(&json).map_err(backend)?,
                pushed_by,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let ends = |order: &str| -> Result<(i64, String)> {
        tx.prepare_cached(&format!(
            "SELECT seq, received_at FROM revisions WHERE report_id = ?1 ORDER BY seq {order} LIMIT 1"
        ))
        .and_then(|mut s| s.query_row([report], |r| Ok((r.get(0)?, r.get(1)?))))
        .map_err(backend)
    };
    let (_, first) = ends("ASC")?;
    let (last_seq, last) = ends("DESC")?;
    let Some(e) = IndexEntry::of(&heads, parse_time(&first)?, last_seq, parse_time(&last)?) else {
        return Ok(());
    };
    // The words' row is keyed by the report's last feed position, so a search reads FTS5 in
    // the inbox's order and stops at a page (see `list`).
    let old: Option<i64> = tx
        .prepare_cached("SELECT last_seq FROM report_index WHERE report_id = ?1")
        .and_then(|mut s| s.query_row([report], |r| r.get(0)).optional())
        .map_err(backend)?;
    tx.prepare_cached(
        "INSERT INTO report_index (report_id, last_seq, region, cercle_key, event_type,
                 categories, date_from, date_to, week, author, pushed_by, disputed,
                 first_received, row_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (report_id) DO UPDATE SET last_seq = excluded.last_seq,
                 region = excluded.region, cercle_key = excluded.cercle_key,
                 event_type = excluded.event_type, categories = excluded.categories,
                 date_from = excluded.date_from, date_to = excluded.date_to,
                 week = excluded.week, author = excluded.author, pushed_by = excluded.pushed_by,
                 disputed = excluded.disputed, row_json = excluded.row_json
             ",
    )
    .and_then(|mut s| {
        s.execute(params![
            report,
            e.last_seq,
            e.region,
            e.cercle_key,
            e.event_type,
            e.categories,
            e.date_from.to_string(),
            e.date_to.to_string(),
            e.week,
            e.author,
            e.pushed_by,
            e.disputed,
            first,
            e.row_json
        ])
    })
    .map_err(backend)?;
    if let Some(old) = old {
        tx.prepare_cached("DELETE FROM report_search WHERE rowid = ?1")
            .and_then(|mut s| s.execute([old]))
            .map_err(backend)?;
    }
    tx.prepare_cached("INSERT INTO report_search (rowid, body) VALUES (?1, ?2)")
        .and_then(|mut s| s.execute(params![e.last_seq, e.search]))
        .map_err(backend)?;
    Ok(())
}

/// Schema step 5's code: an index row for every report already stored.
pub(crate) fn backfill(tx: &Transaction) -> Result<()> {
    let reports: Vec<String> = tx
        .prepare("SELECT DISTINCT report_id FROM heads")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(backend)?;
    reindex(tx, &reports)
}

/// The selection as SQL conditions over `report_index` and their parameters.
/// Without `with_words`, the search words are left to the caller.
fn conditions(s: &Selection, with_words: bool) -> (String, Vec<Value>) {
    let mut sql = String::from(" WHERE 1 = 1");
    let mut values: Vec<Value> = Vec::new();
    let mut add = |cond: &str, v: Vec<Value>| {
        sql.push_str(" AND ");
        sql.push_str(&cond.replace('?', "{}"));
        for value in v {
            values.push(value);
            let n = values.len();
            sql = sql.replacen("{}", &format!("?{n}"), 1);
        }
    };
    if let Some(scope) = &s.scope {
        let json = serde_json::to_string(scope).expect("strings serialise");
        add(
            "region IN (SELECT value FROM json_each(?))",
            vec![Value::Text(json)],
        );
    }
    if let Some(region) = &s.region {
        add("region = ?", vec![Value::Text(region.clone())]);
    }
    if let Some(cercle) = &s.cercle_key {
        add("cercle_key = ?", vec![Value::Text(cercle.clone())]);
    }
    if let Some(event) = &s.event_type {
        add("event_type = ?", vec![Value::Text(event.clone())]);
    }
    if let Some(category) = &s.category {
        add(
            "instr(categories, ?) > 0",
            vec![Value::Text(category.clone())],
        );
    }
    if let Some(from) = s.from {
        add("date_to >= ?", vec![Value::Text(from.to_string())]);
    }
    if let Some(to) = s.to {
        add("date_from <= ?", vec![Value::Text(to.to_string())]);
    }
    match s.review_key() {
        (Some(state), _) => add("review_state = ?", vec![Value::Text(state.into())]),
        (None, true) => add("review_state IS NULL", vec![]),
        (None, false) => {}
    }
    if let Some(who) = &s.reporter {
        add(
            "(author = ? OR pushed_by = ?)",
            vec![Value::Text(who.clone()), Value::Text(who.clone())],
        );
    }
    if let Some(disputed) = s.disputed {
        add("disputed = ?", vec![Value::Integer(disputed.into())]);
    }
    if with_words && let Some(fts) = s.fts5() {
        add(
            "last_seq IN (SELECT rowid FROM report_search WHERE report_search MATCH ?)",
            vec![Value::Text(fts)],
        );
    }
    (sql, values)
}

pub(crate) fn list(
    c: &Connection,
    s: &Selection,
    page: PageBounds,
) -> Result<Vec<(i64, ReportRow)>> {
    // A search reads FTS5 newest first (its rowid is the report's last position) and stops at
    // the page, joining each match to its index row: a word in every report costs a page, not
    // every report. CROSS JOIN keeps FTS5 the outer loop (SQLite would otherwise probe it per
    // row of a region).
    let fts = s.fts5();
    let (mut sql, mut values) = conditions(s, false);
    if let Some(fts) = &fts {
        values.push(Value::Text(fts.clone()));
        sql.push_str(&format!(" AND report_search MATCH ?{}", values.len()));
    }
    if let Some(before) = page.before {
        values.push(Value::Integer(before));
        sql.push_str(&format!(" AND last_seq < ?{}", values.len()));
    }
    values.push(Value::Integer(page.limit as i64));
    let limit = values.len();
    let sql = match fts {
        Some(_) => format!(
            "SELECT last_seq, row_json FROM report_search
               CROSS JOIN report_index ON report_index.last_seq = report_search.rowid{sql}
              ORDER BY report_search.rowid DESC LIMIT ?{limit}"
        ),
        None => format!(
            "SELECT last_seq, row_json FROM report_index{sql} ORDER BY last_seq DESC LIMIT ?{limit}"
        ),
    };
    let rows: Vec<(i64, String)> = c
        .prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_map(params_from_iter(values), |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .map_err(backend)?;
    rows.into_iter()
        .map(|(seq, json)| Ok((seq, IndexEntry::row(&json)?)))
        .collect()
}

pub(crate) fn count(c: &Connection, s: &Selection, by: CountBy) -> Result<Vec<CountRow>> {
    let (sql, values) = conditions(s, true);
    let sql = match by {
        CountBy::RegionWeek => {
            format!("SELECT region, week, count(*) FROM report_index{sql} GROUP BY region, week")
        }
        CountBy::EventType => format!(
            "SELECT coalesce(event_type, ''), NULL, count(*) FROM report_index{sql}
              GROUP BY coalesce(event_type, '')"
        ),
    };
    let mut rows: Vec<CountRow> = c
        .prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_map(params_from_iter(values), |r| {
                Ok(CountRow {
                    key: r.get(0)?,
                    week: r.get(1)?,
                    count: r.get::<_, i64>(2)? as u64,
                })
            })?
            .collect()
        })
        .map_err(backend)?;
    rows.sort_by(|a, b| (&a.key, &a.week).cmp(&(&b.key, &b.week)));
    Ok(rows)
}

pub(crate) fn revisions(c: &Connection, report: &str) -> Result<Vec<StoredRevision>> {
    type Row = (i64, String, String, Option<String>, Option<String>, bool);
    let rows: Vec<Row> = c
        .prepare_cached(
            "SELECT r.seq, r.revision, r.received_at, r.pushed_by, r.pushed_device,
                    h.rev_id IS NOT NULL
               FROM revisions r LEFT JOIN heads h ON h.report_id = r.report_id AND h.rev_id = r.id
              WHERE r.report_id = ?1 ORDER BY r.seq",
        )
        .and_then(|mut s| {
            s.query_map([report], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect()
        })
        .map_err(backend)?;
    rows.into_iter()
        .map(|(seq, json, at, pushed_by, pushed_device, head)| {
            Ok(StoredRevision {
                seq,
                revision: serde_json::from_str(&json).map_err(backend)?,
                received_at: parse_time(&at)?,
                pushed_by,
                pushed_device,
                head,
            })
        })
        .collect()
}
