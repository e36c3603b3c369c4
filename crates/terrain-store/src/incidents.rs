//! One incident, many reports (migration 014, docs/incidents.md): the link operations this
//! device holds and their sync state, each report's fingerprint, and the suggestions
//! remembered for the list's "possible duplicate" badge.
//!
//! A fingerprint is filed with every head change, in its transaction ([`file`], called by
//! `index_head`), and the report's suggestions are worked out there too. A check reads only
//! the fingerprints of the report's region and weeks and of its sites (indexed tables), builds
//! a small [`DuplicateIndex`] of them and asks it: the same answer as comparing with every
//! report, without holding an index in memory that another process writing the same file would
//! leave stale.

use crate::error::corrupt;
use crate::write::parse_uuid;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use terrain_domain::incident::index::CELL_DEGREES;
use terrain_domain::incident::similar::DATE_SLACK_DAYS;
use terrain_domain::incident::{
    Candidate, DuplicateIndex, Fingerprint, Likeness, LinkAction, LinkOp, LinkSet,
};
use terrain_domain::{Report, Site};
use uuid::Uuid;

/// The link feed's cursor in `meta`.
const LINKS_CURSOR: &str = "links_cursor";

/// A report that may be the same incident as another, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub report: Uuid,
    pub likeness: Likeness,
}

impl From<Candidate> for Suggestion {
    fn from(c: Candidate) -> Suggestion {
        Suggestion {
            report: c.report,
            likeness: c.likeness,
        }
    }
}

fn week(day: i32) -> i32 {
    day.div_euclid(7)
}

/// The grid cell of the point, as the index files it.
fn cell(f: &Fingerprint) -> Option<(i64, i64)> {
    f.point.map(|p| {
        (
            (p.latitude / CELL_DEGREES).floor() as i64,
            (p.longitude / CELL_DEGREES).floor() as i64,
        )
    })
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// The sites a report names, with the sites they were merged into, from the registry.
fn site_book(conn: &Connection, report: &Report) -> rusqlite::Result<BTreeMap<Uuid, Site>> {
    let mut book = BTreeMap::new();
    let mut todo: Vec<Uuid> = report.sites.iter().map(|s| s.site_id).collect();
    let mut stmt = conn.prepare_cached("SELECT content FROM sites WHERE id = ?1")?;
    while let Some(id) = todo.pop() {
        if book.contains_key(&id) {
            continue;
        }
        let content: Option<String> = stmt.query_row([id.to_string()], |r| r.get(0)).optional()?;
        // A site this registry does not hold (yet) is simply not known: no point from it.
        if let Some(site) = content.and_then(|c| serde_json::from_str::<Site>(&c).ok()) {
            if let Some(next) = site.merged_into {
                todo.push(next);
            }
            book.insert(id, site);
        }
    }
    Ok(book)
}

/// Files the fingerprint of `report` (its shown head) and works out its suggestions again:
/// part of every head change's transaction.
pub(crate) fn file(tx: &Transaction, report: &Report) -> rusqlite::Result<()> {
    let book = site_book(tx, report)?;
    let f = Fingerprint::of(report, &book);
    let id = report.id.to_string();
    forget(tx, report.id)?;
    tx.prepare_cached(
        "INSERT INTO fingerprints (report_id, region, first_day, last_day, content)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        id,
        f.region,
        f.first_day,
        f.last_day,
        serde_json::to_string(&f).expect("fingerprints serialise")
    ])?;
    let mut weeks = tx.prepare_cached(
        "INSERT OR IGNORE INTO fingerprint_weeks (region, week, report_id, cercle, cell_y, cell_x)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let (y, x) = cell(&f).unzip();
    for w in week(f.first_day)..=week(f.last_day) {
        weeks.execute(params![f.region, w, id, f.cercle, y, x])?;
    }
    let mut sites = tx.prepare_cached(
        "INSERT OR IGNORE INTO fingerprint_sites (site_id, report_id) VALUES (?1, ?2)",
    )?;
    for s in &f.sites {
        sites.execute(params![s.to_string(), id])?;
    }
    let links = link_set_in(tx)?;
    remember(tx, &f, &links)
}

/// Forgets a report's fingerprint and suggestions (a new one is filed, or the report is gone).
pub(crate) fn forget(tx: &Transaction, report: Uuid) -> rusqlite::Result<()> {
    let id = report.to_string();
    for sql in [
        "DELETE FROM fingerprints WHERE report_id = ?1",
        "DELETE FROM fingerprint_weeks WHERE report_id = ?1",
        "DELETE FROM fingerprint_sites WHERE report_id = ?1",
        "DELETE FROM suggestions WHERE report_id = ?1",
        "DELETE FROM suggestions WHERE other = ?1",
    ] {
        tx.prepare_cached(sql)?.execute([&id])?;
    }
    Ok(())
}

fn parse_fingerprint(content: &str) -> rusqlite::Result<Fingerprint> {
    serde_json::from_str(content).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn fingerprint_of(conn: &Connection, report: Uuid) -> rusqlite::Result<Option<Fingerprint>> {
    let content: Option<String> = conn
        .prepare_cached("SELECT content FROM fingerprints WHERE report_id = ?1")?
        .query_row([report.to_string()], |r| r.get(0))
        .optional()?;
    content.map(|c| parse_fingerprint(&c)).transpose()
}

/// How many fingerprints one check reads at most from its weeks, and from each of its sites.
/// Only a flood of reports about one place and fortnight (a bulk import of one template)
/// reaches it; without the bound every save of such a flood compared with all before it
/// (O(n²): 2,000 copies of one report took minutes to save).
const CANDIDATES_READ: i64 = 250;

/// The weeks from `first` to `last`, the one of `day` first, then outwards: a bounded check
/// reads the nearest weeks first.
fn weeks_nearest(first: i32, last: i32, day: i32) -> Vec<i32> {
    let mut weeks: Vec<i32> = (first..=last).collect();
    weeks.sort_by_key(|w| ((w - week(day)).abs(), *w));
    weeks
}

/// What `f` may duplicate, answered pairs left out, likeliest first: the fingerprints of its
/// region and weeks and of its sites whose dates overlap its own (dates' slack included),
/// through a small index; at most [`CANDIDATES_READ`] from its weeks, nearest week first, and
/// as many from each site.
fn suggest(
    conn: &Connection,
    f: &Fingerprint,
    links: &LinkSet,
) -> rusqlite::Result<Vec<Candidate>> {
    let mut index = DuplicateIndex::new();
    let mut seen = HashSet::new();
    let mut add = |row: &rusqlite::Row| -> rusqlite::Result<()> {
        // Parsed once: a report is in several weeks and may name several sites.
        if seen.insert(row.get::<_, String>(0)?) {
            index.insert(parse_fingerprint(&row.get::<_, String>(1)?)?);
        }
        Ok(())
    };
    let (from, to) = (f.first_day - DATE_SLACK_DAYS, f.last_day + DATE_SLACK_DAYS);
    // The index's blocking (index.rs `candidates`), in SQL: with a point, those without one
    // of its cercle (or naming none) and those in its cell and the eight around; without a
    // point, every one of its cercle or naming none. Different cercles never match without
    // two points; points farther than a cell apart never do; dates that do not overlap
    // within the slack never do.
    let mut by_week = conn.prepare_cached(
        "SELECT f.report_id, f.content
           FROM fingerprint_weeks w JOIN fingerprints f ON f.report_id = w.report_id
          WHERE w.region = ?1 AND w.week = ?2
            AND CASE WHEN ?4 IS NULL
                THEN ?3 IS NULL OR w.cercle IS NULL OR w.cercle = ?3
                ELSE (w.cell_y IS NULL AND (?3 IS NULL OR w.cercle IS NULL OR w.cercle = ?3))
                  OR (w.cell_y BETWEEN ?4 - 1 AND ?4 + 1 AND w.cell_x BETWEEN ?5 - 1 AND ?5 + 1)
            END
            AND f.last_day >= ?6 AND f.first_day <= ?7
          LIMIT ?8",
    )?;
    let (y, x) = cell(f).unzip();
    let mut read = 0;
    for w in weeks_nearest(week(from), week(to), f.first_day) {
        let left = CANDIDATES_READ - read;
        let mut rows = by_week.query(params![f.region, w, f.cercle, y, x, from, to, left])?;
        while let Some(row) = rows.next()? {
            add(row)?;
            read += 1;
        }
        if read == CANDIDATES_READ {
            break;
        }
    }
    let mut by_site = conn.prepare_cached(
        "SELECT f.report_id, f.content
           FROM fingerprint_sites s JOIN fingerprints f ON f.report_id = s.report_id
          WHERE s.site_id = ?1 AND f.last_day >= ?2 AND f.first_day <= ?3
          LIMIT ?4",
    )?;
    for site in &f.sites {
        let mut rows = by_site.query(params![site.to_string(), from, to, CANDIDATES_READ])?;
        while let Some(row) = rows.next()? {
            add(row)?;
        }
    }
    Ok(index.suggest(f, links))
}

/// How many of a report's best suggestions are remembered: a flood of near-identical reports
/// (a bulk import of one template) would otherwise write a row per pair, O(n²) rows.
const SUGGESTIONS_KEPT: usize = 20;

/// Remembers `f`'s best suggestions, both ways, in place of those it had.
fn remember(tx: &Transaction, f: &Fingerprint, links: &LinkSet) -> rusqlite::Result<()> {
    let id = f.report.to_string();
    tx.prepare_cached("DELETE FROM suggestions WHERE report_id = ?1 OR other = ?1")?
        .execute([&id])?;
    let mut insert = tx.prepare_cached(
        "INSERT OR REPLACE INTO suggestions (report_id, other, score, likeness) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for c in suggest(tx, f, links)?.into_iter().take(SUGGESTIONS_KEPT) {
        let likeness = serde_json::to_string(&c.likeness).expect("reasons serialise");
        let other = c.report.to_string();
        insert.execute(params![id, other, c.likeness.score, likeness])?;
        insert.execute(params![other, id, c.likeness.score, likeness])?;
    }
    Ok(())
}

/// Works out again the suggestions of the reports whose incident or answers a change to
/// `pairs` may have changed: the pairs' reports and every member of their incidents.
fn refresh(tx: &Transaction, pairs: &[[Uuid; 2]]) -> rusqlite::Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    let links = link_set_in(tx)?;
    let mut reports = BTreeSet::new();
    for pair in pairs {
        for r in pair {
            reports.extend(links.incident_of(*r));
        }
    }
    for r in reports {
        if let Some(f) = fingerprint_of(tx, r)? {
            remember(tx, &f, &links)?;
        }
    }
    Ok(())
}

fn insert_op(tx: &Transaction, op: &LinkOp, queued: bool, now: &str) -> rusqlite::Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT INTO link_ops (id, report_a, report_b, action, at, device, by_user, queued, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            op.id.to_string(),
            op.reports[0].to_string(),
            op.reports[1].to_string(),
            op.action.key(),
            stamp(op.at),
            op.device,
            op.by,
            queued as i64,
            now
        ])?;
    Ok(n == 1)
}

type OpRow = (String, String, String, String, String, String, String);

const OP_SELECT: &str = "SELECT id, report_a, report_b, action, at, device, by_user FROM link_ops";

fn op_row(r: &rusqlite::Row) -> rusqlite::Result<OpRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn read_op((id, a, b, action, at, device, by): OpRow) -> Result<LinkOp> {
    let action = match action.as_str() {
        "link" => LinkAction::Link,
        "unlink" => LinkAction::Unlink,
        "dismiss" => LinkAction::Dismiss,
        other => return Err(corrupt(&id, format!("unknown link action {other}"))),
    };
    let at = DateTime::parse_from_rfc3339(&at)
        .map_err(|e| corrupt(&id, e))?
        .with_timezone(&Utc);
    Ok(LinkOp {
        id: parse_uuid(&id)?,
        reports: [parse_uuid(&a)?, parse_uuid(&b)?],
        action,
        at,
        device,
        by,
    })
}

/// The operations `sql` selects (a damaged row is an error naming it).
fn ops(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> rusqlite::Result<Vec<LinkOp>> {
    let rows: Vec<OpRow> = conn
        .prepare_cached(sql)
        .and_then(|mut s| s.query_map(args, op_row)?.collect())?;
    rows.into_iter()
        .map(|row| {
            read_op(row).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
        })
        .collect()
}

/// Every operation held, as a set (stored operations were checked before they were kept).
fn link_set_in(conn: &Connection) -> rusqlite::Result<LinkSet> {
    let mut set = LinkSet::new();
    for op in ops(conn, OP_SELECT, [])? {
        // A stored operation that no longer checks (a damaged row) decides nothing.
        let _ = set.apply(op);
    }
    Ok(set)
}

impl Store {
    /// Keeps a decision made on this device: applied to the pair's state and queued for the
    /// server, in one transaction; the suggestions it answers are forgotten. True when it
    /// changed the pair's state. An operation that does not check is refused and changes
    /// nothing; one already held changes nothing.
    pub fn record_link(&self, op: &LinkOp) -> Result<bool> {
        op.check()?;
        let sql = self.sql();
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&sql)?;
        let mut pair = LinkSet::new();
        let held = ops(
            &tx,
            &format!("{OP_SELECT} WHERE report_a = ?1 AND report_b = ?2"),
            params![op.reports[0].to_string(), op.reports[1].to_string()],
        )
        .map_err(&sql)?;
        for h in held {
            let _ = pair.apply(h);
        }
        let changed = pair.apply(op.clone())?;
        let new = insert_op(&tx, op, true, &stamp(Utc::now())).map_err(&sql)?;
        if new && changed {
            refresh(&tx, &[op.reports]).map_err(&sql)?;
        }
        tx.commit().map_err(&sql)?;
        Ok(new && changed)
    }

    /// Every link operation held, made here or pulled: the incidents this device knows.
    pub fn link_set(&self) -> Result<LinkSet> {
        let conn = self.reader()?;
        link_set_in(&conn).map_err(self.sql())
    }

    /// Up to `limit` operations made here that the server has not stored yet, oldest first.
    pub fn queued_link_ops(&self, limit: usize) -> Result<Vec<LinkOp>> {
        let conn = self.reader()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        ops(
            &conn,
            &format!("{OP_SELECT} WHERE queued = 1 ORDER BY rowid LIMIT ?1"),
            [limit],
        )
        .map_err(self.sql())
    }

    /// The server stored these operations: they leave the queue (kept, as every operation).
    pub fn ack_link_ops(&self, ids: &[Uuid]) -> Result<()> {
        self.unqueue("link_ops", ids)
    }

    /// Keeps operations pulled from the server's link feed (each once, by id; one that does
    /// not check is skipped: it would decide nothing) and the feed's cursor `next`, in one
    /// transaction; the suggestions of the reports they touch are worked out again.
    pub fn apply_pulled_link_ops(&self, pulled: &[LinkOp], next: i64) -> Result<()> {
        let sql = self.sql();
        let now = stamp(Utc::now());
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&sql)?;
        let mut touched = Vec::new();
        for op in pulled {
            if op.check().is_err() {
                continue;
            }
            if insert_op(&tx, op, false, &now).map_err(&sql)? {
                touched.push(op.reports);
            }
        }
        refresh(&tx, &touched).map_err(&sql)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![LINKS_CURSOR, next.to_string()],
        )
        .map_err(&sql)?;
        tx.commit().map_err(&sql)
    }

    /// Where this device stands in the server's link feed (0 before the first pull).
    pub fn links_cursor(&self) -> Result<i64> {
        self.cursor(LINKS_CURSOR)
    }

    /// The fingerprint filed for a report's shown head, if it has one.
    pub fn fingerprint(&self, report: Uuid) -> Result<Option<Fingerprint>> {
        let conn = self.reader()?;
        fingerprint_of(&conn, report).map_err(self.sql())
    }

    /// What the report may be the same incident as, checked now against every report held
    /// (answered pairs left out), likeliest first.
    pub fn similar(&self, report: Uuid) -> Result<Vec<Suggestion>> {
        let conn = self.reader()?;
        let sql = self.sql();
        let Some(f) = fingerprint_of(&conn, report).map_err(&sql)? else {
            return Err(StoreError::ReportNotFound(report.to_string()));
        };
        let links = link_set_in(&conn).map_err(&sql)?;
        let found = suggest(&conn, &f, &links).map_err(&sql)?;
        Ok(found.into_iter().map(Suggestion::from).collect())
    }

    /// The suggestions remembered for a report when it (or one it may duplicate) was last
    /// saved, pulled or answered, likeliest first.
    pub fn remembered_suggestions(&self, report: Uuid) -> Result<Vec<Suggestion>> {
        let conn = self.reader()?;
        let rows: Vec<(String, String)> = conn
            .prepare_cached(
                "SELECT other, likeness FROM suggestions WHERE report_id = ?1
                  ORDER BY score DESC, other",
            )
            .and_then(|mut s| {
                s.query_map([report.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .map_err(self.sql())?;
        rows.into_iter()
            .map(|(other, likeness)| {
                Ok(Suggestion {
                    report: parse_uuid(&other)?,
                    likeness: serde_json::from_str(&likeness).map_err(|e| corrupt(&other, e))?,
                })
            })
            .collect()
    }

    /// Those of `among` with a suggestion no one has answered yet (the list's "possible
    /// duplicate"): a key lookup for each, so a list page costs the same in any store.
    pub fn possible_duplicates(&self, among: &[Uuid]) -> Result<BTreeSet<Uuid>> {
        let conn = self.reader()?;
        let sql = self.sql();
        let mut has = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM suggestions WHERE report_id = ?1)")
            .map_err(&sql)?;
        let mut found = BTreeSet::new();
        for id in among {
            if has
                .query_row([id.to_string()], |r| r.get::<_, bool>(0))
                .map_err(&sql)?
            {
                found.insert(*id);
            }
        }
        Ok(found)
    }

    /// Files the fingerprints of reports that have none (a store written before migration
    /// 014), in one transaction. Returns how many were filed.
    pub(crate) fn file_missing_fingerprints(&self) -> Result<usize> {
        let sql = self.sql();
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&sql)?;
        let missing: Vec<String> = tx
            .prepare(
                "SELECT v.content FROM reports r JOIN revisions v ON v.id = r.head
                  WHERE NOT EXISTS (SELECT 1 FROM fingerprints f WHERE f.report_id = r.id)",
            )
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(&sql)?;
        for content in &missing {
            let report: Report =
                serde_json::from_str(content).map_err(|e| corrupt("a report's head", e))?;
            file(&tx, &report).map_err(&sql)?;
        }
        tx.commit().map_err(&sql)?;
        Ok(missing.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounded_check_reads_the_reports_own_week_first_then_outwards() {
        // Day 70 is in week 10; a month-precise report spans weeks 8 to 13.
        assert_eq!(weeks_nearest(8, 13, 70), vec![10, 9, 11, 8, 12, 13]);
        assert_eq!(weeks_nearest(10, 10, 70), vec![10]);
    }
}
