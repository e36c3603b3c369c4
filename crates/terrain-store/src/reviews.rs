//! Review decisions received from the server (migration 011): kept once by id in the pulled
//! page's transaction, read as a report's latest decision and whether the report changed
//! since (its head is not the revision the reviewer read).

use crate::error::corrupt;
use crate::{Result, Store};
use rusqlite::{Transaction, params};
use serde::Serialize;
use terrain_domain::{ReviewDecision, ReviewState};
use uuid::Uuid;

/// The decision feed's cursor in `meta`.
const REVIEWS_CURSOR: &str = "reviews_cursor";

/// A report's current review: its latest decision, and whether the report changed since
/// ("changed since verified").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Review {
    pub decision: ReviewDecision,
    /// A head of the report is not the revision the reviewer read.
    pub changed_since: bool,
}

/// Keeps `decisions` (each once, by id) and the decision feed's cursor, in `tx`: the pulled
/// page's transaction. Returns how many were new.
pub(crate) fn keep(
    tx: &Transaction,
    decisions: &[ReviewDecision],
    cursor: Option<i64>,
    at: &str,
) -> rusqlite::Result<usize> {
    let mut new = 0;
    for d in decisions {
        new += tx
            .prepare_cached(
                "INSERT INTO reviews (id, report_id, revision, state, comment, by_user, at, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING",
            )?
            .execute(params![
                d.id.to_string(),
                d.report_id.to_string(),
                d.revision.to_string(),
                d.state.key(),
                d.comment,
                d.by,
                d.at,
                at
            ])?;
    }
    if let Some(cursor) = cursor {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![REVIEWS_CURSOR, cursor.to_string()],
        )?;
    }
    Ok(new)
}

impl Store {
    /// Where this device stands in the server's decision feed (0 before the first pull).
    pub fn reviews_cursor(&self) -> Result<i64> {
        self.cursor(REVIEWS_CURSOR)
    }

    /// A report's decisions, oldest first, as received.
    pub fn reviews(&self, report: Uuid) -> Result<Vec<ReviewDecision>> {
        let conn = self.reader()?;
        let rows: Vec<[Option<String>; 7]> = conn
            .prepare_cached(
                "SELECT id, report_id, revision, state, comment, by_user, at FROM reviews
                  WHERE report_id = ?1 ORDER BY rowid",
            )
            .and_then(|mut s| {
                s.query_map([report.to_string()], |r| {
                    Ok([
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ])
                })?
                .collect()
            })
            .map_err(self.sql())?;
        rows.into_iter().map(read).collect()
    }

    /// A report's current review, if it has one: its latest decision and whether a head of the
    /// report is another revision than the one reviewed.
    pub fn review(&self, report: Uuid) -> Result<Option<Review>> {
        let Some(decision) = self.reviews(report)?.pop() else {
            return Ok(None);
        };
        let conn = self.reader()?;
        let heads: Vec<String> = conn
            .prepare_cached("SELECT rev_id FROM heads WHERE report_id = ?1")
            .and_then(|mut s| s.query_map([report.to_string()], |r| r.get(0))?.collect())
            .map_err(self.sql())?;
        let heads = heads
            .iter()
            .map(|h| Uuid::parse_str(h).map_err(|e| corrupt(h, e)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Review {
            changed_since: terrain_domain::review::changed_since(&decision, &heads),
            decision,
        }))
    }
}

fn read(
    [id, report, revision, state, comment, by, at]: [Option<String>; 7],
) -> Result<ReviewDecision> {
    let text = |v: Option<String>| v.ok_or_else(|| corrupt("reviews", "a missing value"));
    let uuid = |v: Option<String>| {
        let v = text(v)?;
        Uuid::parse_str(&v).map_err(|e| corrupt(&v, e))
    };
    let state = text(state)?;
    Ok(ReviewDecision {
        id: uuid(id)?,
        report_id: uuid(report)?,
        revision: uuid(revision)?,
        state: ReviewState::parse(&state).ok_or_else(|| corrupt(&state, "unknown review state"))?,
        comment,
        by: text(by)?,
        at: text(at)?,
    })
}
