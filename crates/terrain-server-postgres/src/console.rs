//! The console's report index on PostgreSQL (issue 14): kept in the push transaction, filled
//! at the schema step that adds it, read by the inbox, counts and a report's page. What a row
//! holds and what a filter means is decided in `terrain_server_store::index`; this is SQL.

use crate::backend;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use terrain_domain::Revision;
use terrain_protocol::{CountBy, CountRow, ReportRow};
use terrain_server_store::{
    IndexEntry, IndexedHead, PageBounds, Result, Selection, StoredRevision,
};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

type Tx<'a> = deadpool_postgres::Transaction<'a>;

/// Reports reindexed per statement at the schema step.
const BACKFILL_CHUNK: usize = 1_000;

/// Rewrites the index rows of `reports` from their current heads, in a few statements.
pub(crate) async fn reindex(tx: &Tx<'_>, reports: &[Uuid]) -> Result<()> {
    if reports.is_empty() {
        return Ok(());
    }
    let mut heads: HashMap<Uuid, Vec<IndexedHead>> = HashMap::new();
    for row in tx
        .query(
            "SELECT h.report_id, r.seq, r.revision, r.pushed_by
               FROM heads h JOIN revisions r ON r.id = h.rev_id WHERE h.report_id = ANY($1)",
            &[&reports],
        )
        .await
        .map_err(backend)?
    {
        heads.entry(row.get(0)).or_default().push(IndexedHead {
            seq: row.get(1),
            revision: serde_json::from_str::<Revision>(row.get(2)).map_err(backend)?,
            pushed_by: row.get(3),
        });
    }
    let ends = tx
        .query(
            "SELECT e.report_id, f.received_at, e.last, l.received_at
               FROM (SELECT report_id, min(seq) AS first, max(seq) AS last FROM revisions
                      WHERE report_id = ANY($1) GROUP BY report_id) e
               JOIN revisions f ON f.seq = e.first JOIN revisions l ON l.seq = e.last",
            &[&reports],
        )
        .await
        .map_err(backend)?;
    let mut cols = Columns::default();
    for row in ends {
        let report: Uuid = row.get(0);
        let Some(heads) = heads.get(&report) else {
            continue;
        };
        let (first, last_seq, last): (DateTime<Utc>, i64, DateTime<Utc>) =
            (row.get(1), row.get(2), row.get(3));
        if let Some(e) = IndexEntry::of(heads, first, last_seq, last) {
            cols.add(e);
        }
    }
    cols.upsert(tx).await
}

/// Index rows to write, as columns (UNNEST takes one array per column).
#[derive(Default)]
struct Columns {
    report: Vec<Uuid>,
    last_seq: Vec<i64>,
    region: Vec<String>,
    cercle_key: Vec<Option<String>>,
    event_type: Vec<Option<String>>,
    categories: Vec<String>,
    date_from: Vec<NaiveDate>,
    date_to: Vec<NaiveDate>,
    week: Vec<String>,
    author: Vec<String>,
    pushed_by: Vec<Option<String>>,
    disputed: Vec<bool>,
    first_received: Vec<DateTime<Utc>>,
    row_json: Vec<String>,
    search: Vec<String>,
}

impl Columns {
    fn add(&mut self, e: IndexEntry) {
        self.report.push(e.report_id);
        self.last_seq.push(e.last_seq);
        self.region.push(e.region);
        self.cercle_key.push(e.cercle_key);
        self.event_type.push(e.event_type);
        self.categories.push(e.categories);
        self.date_from.push(e.date_from);
        self.date_to.push(e.date_to);
        self.week.push(e.week);
        self.author.push(e.author);
        self.pushed_by.push(e.pushed_by);
        self.disputed.push(e.disputed);
        self.first_received.push(e.first_received);
        self.row_json.push(e.row_json);
        self.search.push(e.search);
    }

    async fn upsert(&self, tx: &Tx<'_>) -> Result<()> {
        if self.report.is_empty() {
            return Ok(());
        }
        tx.execute(
            "INSERT INTO report_index AS ri (report_id, last_seq, region, cercle_key, event_type,
                 categories, date_from, date_to, week, author, pushed_by, disputed,
                 first_received, row_json, search)
             SELECT u.report_id, u.last_seq, u.region, u.cercle_key, u.event_type, u.categories,
                    u.date_from, u.date_to, u.week, u.author, u.pushed_by, u.disputed,
                    u.first_received, u.row_json,
                    to_tsvector('simple'::regconfig, public.unaccent(u.search))
               FROM UNNEST($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                           $6::text[], $7::date[], $8::date[], $9::text[], $10::text[],
                           $11::text[], $12::bool[], $13::timestamptz[], $14::text[],
                           $15::text[])
                 AS u (report_id, last_seq, region, cercle_key, event_type, categories,
                       date_from, date_to, week, author, pushed_by, disputed, first_received,
                       row_json, search)
             ON CONFLICT (report_id) DO UPDATE SET last_seq = excluded.last_seq,
                 region = excluded.region, cercle_key = excluded.cercle_key,
                 event_type = excluded.event_type, categories = excluded.categories,
                 date_from = excluded.date_from, date_to = excluded.date_to,
                 week = excluded.week, author = excluded.author, pushed_by = excluded.pushed_by,
                 disputed = excluded.disputed, row_json = excluded.row_json,
                 search = excluded.search",
            &[
                &self.report,
                &self.last_seq,
                &self.region,
                &self.cercle_key,
                &self.event_type,
                &self.categories,
                &self.date_from,
                &self.date_to,
                &self.week,
                &self.author,
                &self.pushed_by,
                &self.disputed,
                &self.first_received,
                &self.row_json,
                &self.search,
            ],
        )
        .await
        .map(|_| ())
        .map_err(backend)
    }
}

/// Schema step 5's code: an index row for every report already stored, a chunk at a time.
pub(crate) async fn backfill(tx: &Tx<'_>) -> Result<()> {
    let reports: Vec<Uuid> = tx
        .query("SELECT DISTINCT report_id FROM heads", &[])
        .await
        .map_err(backend)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for chunk in reports.chunks(BACKFILL_CHUNK) {
        reindex(tx, chunk).await?;
    }
    Ok(())
}

type Param = Box<dyn ToSql + Sync + Send>;

/// The selection as SQL conditions over `report_index` and their parameters.
fn conditions(s: &Selection) -> (String, Vec<Param>) {
    conditions_with(s, true)
}

/// The selection's conditions, with or without its words (`search`).
fn conditions_with(s: &Selection, search: bool) -> (String, Vec<Param>) {
    let mut sql = String::from(" WHERE true");
    let mut values: Vec<Param> = Vec::new();
    let mut add = |cond: &str, v: Option<Param>| {
        sql.push_str(" AND ");
        match v {
            Some(v) => {
                values.push(v);
                sql.push_str(&cond.replace('$', &format!("${}", values.len())));
            }
            None => sql.push_str(cond),
        }
    };
    match s.scope.as_deref() {
        // One region: an equality, so (region, last_seq) reads it in the inbox's order.
        Some([one]) => add("region = $", Some(Box::new(one.clone()))),
        Some(scope) => add("region = ANY($::text[])", Some(Box::new(scope.to_vec()))),
        None => {}
    }
    if let Some(region) = &s.region {
        add("region = $", Some(Box::new(region.clone())));
    }
    if let Some(cercle) = &s.cercle_key {
        add("cercle_key = $", Some(Box::new(cercle.clone())));
    }
    if let Some(event) = &s.event_type {
        add("event_type = $", Some(Box::new(event.clone())));
    }
    if let Some(category) = &s.category {
        add(
            "strpos(categories, $) > 0",
            Some(Box::new(category.clone())),
        );
    }
    if let Some(from) = s.from {
        add("date_to >= $", Some(Box::new(from)));
    }
    if let Some(to) = s.to {
        add("date_from <= $", Some(Box::new(to)));
    }
    match s.review_key() {
        (Some(state), _) => add("review_state = $", Some(Box::new(state.to_string()))),
        (None, true) => add("review_state IS NULL", None),
        (None, false) => {}
    }
    if let Some(who) = &s.reporter {
        add("$ IN (author, pushed_by)", Some(Box::new(who.clone())));
    }
    if let Some(disputed) = s.disputed {
        add("disputed = $", Some(Box::new(disputed)));
    }
    if let Some(query) = s.tsquery().filter(|_| search) {
        add(
            "search @@ to_tsquery('simple'::regconfig, public.unaccent($))",
            Some(Box::new(query)),
        );
    }
    (sql, values)
}

fn refs(values: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    values
        .iter()
        .map(|v| v.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

/// Reports, newest first, a search reads in inbox order before it turns to its GIN index.
const WALK_FIRST: i64 = 5_000;

/// The tsquery condition on `search`, its words as parameter `$n`.
fn matches(n: usize) -> String {
    format!("search @@ to_tsquery('simple'::regconfig, public.unaccent(${n}))")
}

pub(crate) async fn list(
    client: &mut deadpool_postgres::Object,
    s: &Selection,
    page: PageBounds,
) -> Result<Vec<(i64, ReportRow)>> {
    let (mut sql, mut values) = conditions_with(s, false);
    if let Some(before) = page.before {
        values.push(Box::new(before));
        sql.push_str(&format!(" AND last_seq < ${}", values.len()));
    }
    let limit = page.limit as i64;
    let read = |rows: Vec<tokio_postgres::Row>| -> Result<Vec<(i64, ReportRow)>> {
        rows.iter()
            .map(|r| Ok((r.get(0), IndexEntry::row(r.get(1))?)))
            .collect()
    };
    let Some(query) = s.tsquery() else {
        values.push(Box::new(limit));
        let sql = format!(
            "SELECT last_seq, row_json FROM report_index{sql} ORDER BY last_seq DESC LIMIT ${}",
            values.len()
        );
        return read(client.query(&sql, &refs(&values)).await.map_err(backend)?);
    };
    // The planner cannot tell a common word from a rare one (nor a rare word's prefix from a
    // common one's), and reading a common word's GIN entries costs every match: hundreds of
    // milliseconds at a million reports. So a search first walks the newest WALK_FIRST
    // reports of the rest of the filter in inbox order, testing the words on each: a page
    // found there is the answer. Otherwise the words are rare there (or the filter holds
    // fewer reports), and the GIN index gives the few matches to sort.
    let (walk_sql, scope) = (sql.clone(), values.len());
    values.push(Box::new(query));
    let q = values.len();
    values.push(Box::new(limit));
    let l = values.len();
    let walk = format!(
        "SELECT last_seq, row_json FROM
           (SELECT last_seq, row_json, search FROM report_index{walk_sql}
             ORDER BY last_seq DESC LIMIT {WALK_FIRST}) m
          WHERE {} ORDER BY last_seq DESC LIMIT ${l}",
        matches(q)
    );
    let tx = client.transaction().await.map_err(backend)?;
    tx.batch_execute("SET LOCAL enable_bitmapscan = off")
        .await
        .map_err(backend)?;
    let found = tx.query(&walk, &refs(&values)).await.map_err(backend)?;
    let walked_all = || async {
        let walked: i64 = tx
            .query_one(
                &format!(
                    "SELECT count(*) FROM (SELECT 1 FROM report_index{walk_sql}
                      ORDER BY last_seq DESC LIMIT {WALK_FIRST}) c"
                ),
                &refs(&values[..scope]),
            )
            .await
            .map_err(backend)?
            .get(0);
        Result::Ok(walked < WALK_FIRST)
    };
    let rows = if found.len() as i64 >= limit || walked_all().await? {
        found
    } else {
        tx.batch_execute(
            "SET LOCAL enable_bitmapscan = on; SET LOCAL enable_indexscan = off;
             SET LOCAL enable_seqscan = off",
        )
        .await
        .map_err(backend)?;
        let gin = format!(
            "SELECT last_seq, row_json FROM report_index{sql} AND {}
              ORDER BY last_seq DESC LIMIT ${l}",
            matches(q)
        );
        tx.query(&gin, &refs(&values)).await.map_err(backend)?
    };
    tx.commit().await.map_err(backend)?;
    read(rows)
}

pub(crate) async fn count(
    client: &deadpool_postgres::Object,
    s: &Selection,
    by: CountBy,
) -> Result<Vec<CountRow>> {
    let (sql, values) = conditions(s);
    let sql = match by {
        CountBy::RegionWeek => {
            format!("SELECT region, week, count(*) FROM report_index{sql} GROUP BY region, week")
        }
        CountBy::EventType => format!(
            "SELECT coalesce(event_type, ''), NULL::text, count(*) FROM report_index{sql}
              GROUP BY coalesce(event_type, '')"
        ),
    };
    let rows = client.query(&sql, &refs(&values)).await.map_err(backend)?;
    let mut rows: Vec<CountRow> = rows
        .iter()
        .map(|r| CountRow {
            key: r.get(0),
            week: r.get(1),
            count: r.get::<_, i64>(2) as u64,
        })
        .collect();
    rows.sort_by(|a, b| (&a.key, &a.week).cmp(&(&b.key, &b.week)));
    Ok(rows)
}

pub(crate) async fn revisions(
    client: &deadpool_postgres::Object,
    report: Uuid,
) -> Result<Vec<StoredRevision>> {
    let rows = client
        .query(
            "SELECT r.seq, r.revision, r.received_at, r.pushed_by, r.pushed_device,
                    h.rev_id IS NOT NULL
               FROM revisions r LEFT JOIN heads h ON h.report_id = r.report_id AND h.rev_id = r.id
              WHERE r.report_id = $1 ORDER BY r.seq",
            &[&report],
        )
        .await
        .map_err(backend)?;
    rows.iter()
        .map(|r| {
            Ok(StoredRevision {
                seq: r.get(0),
                revision: serde_json::from_str(r.get(1)).map_err(backend)?,
                received_at: r.get(2),
                pushed_by: r.get(3),
                pushed_device: r.get(4),
                head: r.get(5),
            })
        })
        .collect()
}
