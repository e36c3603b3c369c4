//! Reading: lists, searches, one report, its history, the outbox. All on read-only connections.

use crate::write::parse_uuid;
use crate::{Filter, Page, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row};
use serde::Serialize;
use terrain_domain::{Report, Revision};
use uuid::Uuid;

pub(crate) const REVISION_SELECT: &str = "SELECT id, report_id, parents, author, device, created_at, content_hash, content FROM revisions";

/// Reads a revision row; the outer error is SQLite's, the inner one damaged content.
pub(crate) fn revision_row(row: &Row) -> rusqlite::Result<Result<Revision>> {
    let id: String = row.get(0)?;
    let report_id: String = row.get(1)?;
    let parents: String = row.get(2)?;
    let created_at: String = row.get(5)?;
    let content: String = row.get(7)?;
    let author: String = row.get(3)?;
    let device: String = row.get(4)?;
    let content_hash: String = row.get(6)?;
    Ok((|| {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| {
            StoreError::Corrupt(id.clone(), format!("{what}: {e}"))
        };
        let parents: Vec<String> =
            serde_json::from_str(&parents).map_err(|e| corrupt("parents", &e))?;
        Ok(Revision {
            id: parse_uuid(&id)?,
            report_id: parse_uuid(&report_id)?,
            parents: parents
                .iter()
                .map(|p| parse_uuid(p))
                .collect::<Result<_>>()?,
            author,
            device,
            created_at: DateTime::parse_from_rfc3339(&created_at)
                .map_err(|e| corrupt("created_at", &e))?
                .with_timezone(&Utc),
            content_hash,
            content: serde_json::from_str::<Report>(&content)
                .map_err(|e| corrupt("content", &e))?,
        })
    })())
}

/// A report as lists show it: its current content and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub report: Report,
    pub head: Uuid,
    pub content_hash: String,
    pub updated_at: DateTime<Utc>,
    /// More than one: edits that conflict, waiting for a person to resolve them.
    pub heads: usize,
    /// Revisions of this report wait in the outbox.
    pub queued: usize,
    /// The server holds the current version.
    pub synced: bool,
}

/// A revision waiting to be sent.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxEntry {
    pub seq: i64,
    /// Why the server refused it, if it did.
    pub refused: Option<String>,
    pub revision: Uuid,
    pub report: Uuid,
    pub title: String,
    pub queued_at: DateTime<Utc>,
}

const LISTED_SELECT: &str = "
    SELECT v.id, v.report_id, v.parents, v.author, v.device, v.created_at, v.content_hash, v.content,
           (SELECT count(*) FROM heads h WHERE h.report_id = r.id),
           (SELECT count(*) FROM outbox o JOIN revisions q ON q.id = o.rev_id WHERE q.report_id = r.id),
           EXISTS (SELECT 1 FROM acked a WHERE a.rev_id = r.head)
      FROM reports r JOIN revisions v ON v.id = r.head";

fn listed_row(row: &Row) -> rusqlite::Result<Result<Listed>> {
    let heads: i64 = row.get(8)?;
    let queued: i64 = row.get(9)?;
    let synced: bool = row.get(10)?;
    Ok(revision_row(row)?.map(|rev| Listed {
        synced,
        head: rev.id,
        content_hash: rev.content_hash,
        updated_at: rev.created_at,
        report: rev.content,
        heads: heads as usize,
        queued: queued as usize,
    }))
}

impl Store {
    /// One page of the reports the filter selects, newest incident first.
    pub fn list(&self, filter: &Filter, page: Page) -> Result<Vec<Listed>> {
        let conn = self.reader()?;
        let (where_sql, mut values) = filter.to_sql();
        values.push(i64::from(page.limit).into());
        values.push(i64::from(page.offset).into());
        let sql = format!(
            "{LISTED_SELECT} {where_sql} ORDER BY r.event_date DESC, r.id DESC LIMIT ? OFFSET ?"
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(self.sql())?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(values), listed_row)
            .map_err(self.sql())?;
        rows.map(|r| r.map_err(self.sql())?).collect()
    }

    /// How many reports the filter selects.
    pub fn count(&self, filter: &Filter) -> Result<u64> {
        let conn = self.reader()?;
        let (where_sql, values) = filter.to_sql();
        let sql = format!("SELECT count(*) FROM reports r {where_sql}");
        conn.query_row(&sql, rusqlite::params_from_iter(values), |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n as u64)
        .map_err(self.sql())
    }

    /// Streams the head revision of every report the filter selects, oldest incident first,
    /// to `f`, without holding them all in memory (exports of a million rows).
    pub fn with_heads<T>(
        &self,
        filter: &Filter,
        f: impl FnOnce(&mut dyn Iterator<Item = Result<Revision>>) -> T,
    ) -> Result<T> {
        let conn = self.reader()?;
        let (where_sql, values) = filter.to_sql();
        let sql = format!(
            "SELECT v.id, v.report_id, v.parents, v.author, v.device, v.created_at, v.content_hash, v.content
               FROM reports r JOIN revisions v ON v.id = r.head {where_sql}
              ORDER BY r.event_date, r.id"
        );
        let mut stmt = conn.prepare(&sql).map_err(self.sql())?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(values), revision_row)
            .map_err(self.sql())?;
        let mut iter = rows.map(|r| r.map_err(self.sql())?);
        Ok(f(&mut iter))
    }

    /// The report as lists show it.
    pub fn get(&self, id: Uuid) -> Result<Listed> {
        let conn = self.reader()?;
        conn.query_row(
            &format!("{LISTED_SELECT} WHERE r.id = ?1"),
            [id.to_string()],
            listed_row,
        )
        .optional()
        .map_err(self.sql())?
        .ok_or_else(|| StoreError::ReportNotFound(id.to_string()))?
    }

    /// Every revision of the report, oldest first.
    pub fn history(&self, id: Uuid) -> Result<Vec<Revision>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "{REVISION_SELECT} WHERE report_id = ?1 ORDER BY seq"
            ))
            .map_err(self.sql())?;
        let revisions: Vec<Revision> = stmt
            .query_map([id.to_string()], revision_row)
            .map_err(self.sql())?
            .map(|r| r.map_err(self.sql())?)
            .collect::<Result<_>>()?;
        if revisions.is_empty() {
            return Err(StoreError::ReportNotFound(id.to_string()));
        }
        Ok(revisions)
    }

    /// One revision by its id.
    pub fn revision(&self, id: Uuid) -> Result<Option<Revision>> {
        let conn = self.reader()?;
        conn.query_row(
            &format!("{REVISION_SELECT} WHERE id = ?1"),
            [id.to_string()],
            revision_row,
        )
        .optional()
        .map_err(self.sql())?
        .transpose()
    }

    /// What waits to be sent, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT o.seq, v.id, v.report_id, json_extract(v.content, '$.title'), o.queued_at, o.refused
                   FROM outbox o JOIN revisions v ON v.id = o.rev_id ORDER BY o.seq",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .map_err(self.sql())?;
        rows.map(|row| {
            let (seq, rev, report, title, at, refused) = row.map_err(self.sql())?;
            Ok(OutboxEntry {
                seq,
                refused,
                revision: parse_uuid(&rev)?,
                report: parse_uuid(&report)?,
                title,
                queued_at: DateTime::parse_from_rfc3339(&at)
                    .map_err(|e| StoreError::Corrupt(rev.clone(), e.to_string()))?
                    .with_timezone(&Utc),
            })
        })
        .collect()
    }
}
