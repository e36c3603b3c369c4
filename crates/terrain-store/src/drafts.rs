//! Work in progress and draft deletion: the form as typed (kept at each save, even while some
//! field does not check) and the one narrow way a report's revisions leave the device.

use crate::write::parse_uuid;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

/// The form of one report as it was last typed.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkInProgress {
    pub report_id: Uuid,
    /// JSON of the form, exactly as the app handed it over.
    pub form: String,
    pub updated_at: DateTime<Utc>,
}

impl Store {
    /// Replaces the report's work in progress, durable before it returns.
    pub fn keep_form(&self, report_id: Uuid, form: &str) -> Result<()> {
        self.writer()
            .execute(
                "INSERT INTO work_in_progress (report_id, form, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (report_id) DO UPDATE SET form = excluded.form,
                     updated_at = excluded.updated_at",
                params![report_id.to_string(), form, Utc::now().to_rfc3339()],
            )
            .map_err(self.sql())?;
        Ok(())
    }

    /// The report's work in progress, if any was kept since its last saved revision.
    pub fn form(&self, report_id: Uuid) -> Result<Option<WorkInProgress>> {
        self.reader()?
            .query_row(
                "SELECT report_id, form, updated_at FROM work_in_progress WHERE report_id = ?1",
                [report_id.to_string()],
                wip_row,
            )
            .optional()
            .map_err(self.sql())?
            .transpose()
    }

    /// The work in progress typed last, to go back to after an unlock or a restart.
    pub fn latest_form(&self) -> Result<Option<WorkInProgress>> {
        self.reader()?
            .query_row(
                "SELECT report_id, form, updated_at FROM work_in_progress
                 ORDER BY updated_at DESC LIMIT 1",
                [],
                wip_row,
            )
            .optional()
            .map_err(self.sql())?
            .transpose()
    }

    /// Forgets the work in progress (it was saved as a revision, or it was empty).
    pub fn drop_form(&self, report_id: Uuid) -> Result<()> {
        self.writer()
            .execute(
                "DELETE FROM work_in_progress WHERE report_id = ?1",
                [report_id.to_string()],
            )
            .map_err(self.sql())?;
        Ok(())
    }

    /// Deletes a draft from this device with its history and work in progress, in one
    /// transaction. Refused (nothing changed) for a report that was ever final, queued, sent or
    /// written on another device: that history is kept.
    pub fn delete_draft(&self, report_id: Uuid) -> Result<()> {
        let id = report_id.to_string();
        let sql = self.sql();
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&sql)?;
        let known: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM revisions WHERE report_id = ?1)
                     OR EXISTS (SELECT 1 FROM work_in_progress WHERE report_id = ?1)",
                [&id],
                |r| r.get(0),
            )
            .map_err(&sql)?;
        if !known {
            return Err(StoreError::ReportNotFound(id));
        }
        // The migration's trigger decides what may be deleted; its refusal is our answer.
        if let Err(e) = tx.execute("INSERT INTO draft_deletions (report_id) VALUES (?1)", [&id]) {
            return Err(match e {
                rusqlite::Error::SqliteFailure(_, Some(ref m)) if m.contains("never sent") => {
                    StoreError::NotADraft(id)
                }
                e => sql(e),
            });
        }
        let n: Option<i64> = tx
            .query_row("SELECT n FROM reports WHERE id = ?1", [&id], |r| r.get(0))
            .optional()
            .map_err(&sql)?;
        if let Some(n) = n {
            tx.execute("DELETE FROM reports_fts WHERE rowid = ?1", [n])
                .map_err(&sql)?;
        }
        for statement in [
            "DELETE FROM report_sites WHERE report_id = ?1",
            "DELETE FROM reports WHERE id = ?1",
            "DELETE FROM heads WHERE report_id = ?1",
            "DELETE FROM revisions WHERE report_id = ?1",
            "DELETE FROM work_in_progress WHERE report_id = ?1",
            "DELETE FROM draft_deletions WHERE report_id = ?1",
        ] {
            tx.execute(statement, [&id]).map_err(&sql)?;
        }
        crate::incidents::forget(&tx, report_id).map_err(&sql)?;
        tx.commit().map_err(&sql)?;
        Ok(())
    }
}

fn wip_row(r: &rusqlite::Row) -> rusqlite::Result<Result<WorkInProgress>> {
    let id: String = r.get(0)?;
    let form: String = r.get(1)?;
    let at: String = r.get(2)?;
    Ok(parse_uuid(&id).and_then(|report_id| {
        let updated_at = DateTime::parse_from_rfc3339(&at)
            .map_err(|e| StoreError::Corrupt(id.clone(), e.to_string()))?
            .with_timezone(&Utc);
        Ok(WorkInProgress {
            report_id,
            form,
            updated_at,
        })
    }))
}
