//! Importing report files, safely repeated: a file that names no id gets a new one each time
//! it is read, so it is recognised by a fingerprint of its content instead, kept in the same
//! transaction as the report it made.

use crate::{Result, Saved, Store};
use chrono::Utc;
use rusqlite::{OptionalExtension, params};
use terrain_domain::{Report, ValidReport, canonical_json, sha256_hex};
use uuid::Uuid;

/// A report read from a file, for [`Store::import`].
#[derive(Debug, Clone)]
pub struct Import {
    pub report: ValidReport,
    /// The file named no id, so the report's id (and the ids its claims take from it) were
    /// made up while reading it: the report is recognised by its [`fingerprint`].
    pub id_made_up: bool,
}

/// What importing one report did.
#[derive(Debug, Clone)]
pub enum Imported {
    Saved(Box<Saved>),
    /// The same content was imported before as this report; nothing was written.
    AlreadyImported {
        report_id: Uuid,
        title: String,
    },
}

/// What makes two files the same report: the sha256 of the report's canonical JSON (checked
/// and tidied) without the ids an import makes up — the report's own and its claims' (which
/// derive from it). Every field the person wrote counts, so a file edited since is new.
pub fn fingerprint(report: &Report) -> String {
    let mut value = serde_json::to_value(report).expect("reports serialise");
    if let Some(fields) = value.as_object_mut() {
        fields.remove("id");
    }
    if let Some(figures) = value.get_mut("figures").and_then(|f| f.as_object_mut()) {
        for claims in figures.values_mut().filter_map(|c| c.as_array_mut()) {
            for claim in claims.iter_mut().filter_map(|c| c.as_object_mut()) {
                claim.remove("id");
            }
        }
    }
    sha256_hex(canonical_json(&value).as_bytes())
}

impl Store {
    /// Saves imported reports in one transaction: all, or none. A report whose id was made up
    /// and whose content was imported before is not saved again (it comes back as
    /// [`Imported::AlreadyImported`]) unless `allow_duplicate`.
    pub fn import(
        &self,
        imports: Vec<Import>,
        author: &str,
        allow_duplicate: bool,
    ) -> Result<Vec<Imported>> {
        let now = Utc::now();
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(self.sql())?;
        let mut done = Vec::with_capacity(imports.len());
        for Import { report, id_made_up } in imports {
            let print = id_made_up.then(|| fingerprint(&report));
            if let Some(print) = &print
                && !allow_duplicate
            {
                let earlier: Option<String> = tx
                    .query_row(
                        "SELECT report_id FROM import_fingerprints WHERE fingerprint = ?1",
                        [print],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(self.sql())?;
                if let Some(earlier) = earlier {
                    done.push(Imported::AlreadyImported {
                        report_id: crate::write::parse_uuid(&earlier)?,
                        title: report.title.clone(),
                    });
                    continue;
                }
            }
            let saved = self.save_in(&tx, report, author, now, false)?;
            if let Some(print) = print {
                // The first report made from this content stays the one named.
                tx.execute(
                    "INSERT OR IGNORE INTO import_fingerprints (fingerprint, report_id, imported_at)
                     VALUES (?1, ?2, ?3)",
                    params![print, saved.revision.report_id.to_string(), now.to_rfc3339()],
                )
                .map_err(self.sql())?;
            }
            done.push(Imported::Saved(Box::new(saved)));
        }
        tx.commit().map_err(self.sql())?;
        Ok(done)
    }
}
