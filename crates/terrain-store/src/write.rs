//! Saving: one transaction per call, fsynced before it returns.

use crate::{Result, Store, StoreError, search};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use terrain_domain::{
    Problem, Problems, Report, Revision, Status, ValidReport, canonical_report_json,
    check_transition,
};
use uuid::Uuid;

/// What a save did.
#[derive(Debug, Clone)]
pub struct Saved {
    pub revision: Revision,
    /// True when the content equalled the current head: nothing was written.
    pub unchanged: bool,
    /// True when the revision was queued for sync.
    pub queued: bool,
}

impl Store {
    /// Saves a report as a new revision following its current head.
    /// Refused while the report has conflicting versions: resolve them with [`Store::resolve`].
    pub fn save(&self, report: ValidReport, author: &str) -> Result<Saved> {
        self.save_all(vec![report], author).map(|mut v| v.remove(0))
    }

    /// Saves the content a person chose for a report with conflicting versions: a revision
    /// following every head, which ends the conflict.
    pub fn resolve(&self, report: ValidReport, author: &str) -> Result<Saved> {
        let now = Utc::now();
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(self.sql())?;
        let saved = self.save_in(&tx, report, author, now, true)?;
        tx.commit().map_err(self.sql())?;
        Ok(saved)
    }

    /// Saves several reports in one transaction: all are saved, or none.
    pub fn save_all(&self, reports: Vec<ValidReport>, author: &str) -> Result<Vec<Saved>> {
        let now = Utc::now();
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(self.sql())?;
        let mut saved = Vec::with_capacity(reports.len());
        for report in reports {
            saved.push(self.save_in(&tx, report, author, now, false)?);
        }
        tx.commit().map_err(self.sql())?;
        Ok(saved)
    }

    pub(crate) fn save_in(
        &self,
        tx: &Transaction,
        report: ValidReport,
        author: &str,
        now: DateTime<Utc>,
        resolving: bool,
    ) -> Result<Saved> {
        let sql = self.sql();
        let id = report.id.to_string();
        self.check_sites(tx, &report)?;
        let previous: Option<(String, String)> = tx
            .query_row(
                "SELECT r.status, v.content_hash FROM reports r JOIN revisions v ON v.id = r.head
                 WHERE r.id = ?1",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(&sql)?;
        let previous_status = previous.as_ref().map(|(s, _)| match s.as_str() {
            "final" => Status::Final,
            _ => Status::Draft,
        });
        check_transition(previous_status, report.status)?;
        let heads: Vec<Uuid> = {
            let mut stmt = tx
                .prepare_cached("SELECT rev_id FROM heads WHERE report_id = ?1 ORDER BY rev_id")
                .map_err(&sql)?;
            let rows = stmt
                .query_map([&id], |r| r.get::<_, String>(0))
                .map_err(&sql)?;
            rows.map(|r| r.map_err(&sql).and_then(|s| parse_uuid(&s)))
                .collect::<Result<_>>()?
        };
        if heads.len() > 1 && !resolving {
            return Err(StoreError::Conflicted(report.id));
        }
        let report = self.add_reduced_copies(report)?;
        let revision = Revision::new(report, heads.clone(), author, &self.device_id, now);
        // The server refuses what breaks a bound; refused here too, before it is queued.
        revision.check_bounds()?;
        // The hash leaves contacts out, so an equal hash may still hide a changed contact:
        // only the same content is "unchanged".
        if heads.len() == 1 && previous.is_some_and(|(_, hash)| hash == revision.content_hash) {
            let head = self.revision_in(tx, &heads[0])?;
            if head.content == revision.content {
                return Ok(Saved {
                    revision: head,
                    unchanged: true,
                    queued: false,
                });
            }
        }
        insert_revision(tx, &revision).map_err(&sql)?;
        tx.execute("DELETE FROM heads WHERE report_id = ?1", [&id])
            .map_err(&sql)?;
        tx.execute(
            "INSERT INTO heads (report_id, rev_id) VALUES (?1, ?2)",
            params![id, revision.id.to_string()],
        )
        .map_err(&sql)?;
        index_head(tx, &revision).map_err(&sql)?;
        let queued = revision.content.status == Status::Final;
        if queued {
            tx.execute(
                "INSERT INTO outbox (rev_id, queued_at) VALUES (?1, ?2)",
                params![revision.id.to_string(), now.to_rfc3339()],
            )
            .map_err(&sql)?;
        }
        Ok(Saved {
            revision,
            unchanged: false,
            queued,
        })
    }

    fn check_sites(&self, tx: &Transaction, report: &Report) -> Result<()> {
        let mut problems = Vec::new();
        // A site the report already names (it came from another device's registry) stays
        // allowed; a new link must name a site of this registry.
        let mut stmt = tx
            .prepare_cached(
                "SELECT 1 FROM sites WHERE id = ?1
                 UNION ALL SELECT 1 FROM report_sites WHERE site_id = ?1 AND report_id = ?2",
            )
            .map_err(self.sql())?;
        for (i, s) in report.sites.iter().enumerate() {
            let known = stmt
                .exists([s.site_id.to_string(), report.id.to_string()])
                .map_err(self.sql())?;
            if !known {
                problems.push(Problem::new(
                    format!("sites[{i}].site_id"),
                    "site_unknown",
                    [("site", s.site_id)],
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Problems(problems).into())
        }
    }

    fn revision_in(&self, tx: &Transaction, id: &Uuid) -> Result<Revision> {
        tx.query_row(
            &format!("{} WHERE id = ?1", crate::read::REVISION_SELECT),
            [id.to_string()],
            crate::read::revision_row,
        )
        .map_err(self.sql())?
    }
}

/// Writes a revision made on this device: it becomes the report's only head, and a final one
/// is queued. Returns whether it was queued.
pub(crate) fn append(
    tx: &Transaction,
    revision: &Revision,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    insert_revision(tx, revision)?;
    let id = revision.report_id.to_string();
    tx.execute("DELETE FROM heads WHERE report_id = ?1", [&id])?;
    tx.execute(
        "INSERT INTO heads (report_id, rev_id) VALUES (?1, ?2)",
        params![id, revision.id.to_string()],
    )?;
    index_head(tx, revision)?;
    let queued = revision.content.status == Status::Final;
    if queued {
        tx.execute(
            "INSERT OR IGNORE INTO outbox (rev_id, queued_at) VALUES (?1, ?2)",
            params![revision.id.to_string(), now.to_rfc3339()],
        )?;
    }
    Ok(queued)
}

pub(crate) fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(s.to_string(), e.to_string()))
}

pub(crate) fn insert_revision(tx: &Transaction, rev: &Revision) -> rusqlite::Result<()> {
    let parents: Vec<String> = rev.parents.iter().map(Uuid::to_string).collect();
    tx.prepare_cached(
        "INSERT INTO revisions (id, report_id, parents, author, device, created_at, content_hash, content)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        rev.id.to_string(),
        rev.report_id.to_string(),
        serde_json::to_string(&parents).expect("strings serialise"),
        rev.author,
        rev.device,
        rev.created_at.to_rfc3339(),
        rev.content_hash,
        canonical_report_json(&rev.content),
    ])?;
    Ok(())
}

/// Points the report's list row, search row and site links at this revision.
pub(crate) fn index_head(tx: &Transaction, rev: &Revision) -> rusqlite::Result<()> {
    let r = &rev.content;
    let id = r.id.to_string();
    let n: i64 = tx
        .prepare_cached(
            "INSERT INTO reports (id, head, title, status, event_date, admin1, admin2, event_type, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (id) DO UPDATE SET head = excluded.head, title = excluded.title,
                 status = excluded.status, event_date = excluded.event_date,
                 admin1 = excluded.admin1, admin2 = excluded.admin2,
                 event_type = excluded.event_type, updated_at = excluded.updated_at
             RETURNING n",
        )?
        .query_row(
            params![
                id,
                rev.id.to_string(),
                r.title,
                r.status.as_str(),
                r.when.date.to_string(),
                r.location.admin1,
                r.location.admin2,
                r.what.event_type.map(|e| e.label()),
                rev.created_at.to_rfc3339(),
            ],
            |row| row.get(0),
        )?;
    tx.prepare_cached("DELETE FROM reports_fts WHERE rowid = ?1")?
        .execute([n])?;
    let [title, narrative, places, sources, perpetrators] = search::columns(r);
    tx.prepare_cached(
        "INSERT INTO reports_fts (rowid, title, narrative, places, sources, perpetrators)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![n, title, narrative, places, sources, perpetrators])?;
    tx.prepare_cached("DELETE FROM report_sites WHERE report_id = ?1")?
        .execute([&id])?;
    let mut link =
        tx.prepare_cached("INSERT INTO report_sites (report_id, site_id) VALUES (?1, ?2)")?;
    for s in &r.sites {
        link.execute(params![id, s.site_id.to_string()])?;
    }
    crate::incidents::file(tx, r)
}
