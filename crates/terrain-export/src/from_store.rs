//! Exports straight from a device's store to a file, for the CLI and the desktop app alike:
//! the store streams the selection, the writer formats it, the file appears only whole.

use crate::pdf::{ReportPdf, SummaryPdf};
use crate::{ExportError, Incidents, Result, SiteNames, write_atomically};
use chrono::Utc;
use std::path::Path;
use terrain_domain::Lang;
use terrain_store::{Filter, Store};
use uuid::Uuid;

fn store_error(e: terrain_store::StoreError) -> ExportError {
    ExportError::Source(e.to_string())
}

/// The report's latest review decision as the device holds it (pulled from the server). A
/// store that cannot read its decisions exports the report without one rather than failing.
fn review_of(store: &Store, report: Uuid) -> Option<terrain_domain::ReviewDecision> {
    store.review(report).ok().flatten().map(|r| r.decision)
}

/// Each head revision `reports` yields with its report's latest review decision.
fn reviewed<'a, E>(
    store: &'a Store,
    reports: &'a mut dyn Iterator<Item = Result<terrain_domain::Revision, E>>,
) -> impl Iterator<Item = Result<crate::Reviewed, E>> + 'a {
    reports.map(move |r| {
        r.map(|revision| crate::Reviewed {
            review: review_of(store, revision.report_id),
            revision,
        })
    })
}

/// The registry's site names by id, so exports can say "Diawara lime plant".
pub fn site_names(store: &Store) -> Result<SiteNames> {
    Ok(store
        .sites()
        .map_err(store_error)?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

/// Which reports people linked as one incident, from every link operation the device holds
/// (its own and those pulled).
pub fn incidents(store: &Store) -> Result<Incidents> {
    Ok(Incidents::new(&store.link_set().map_err(store_error)?))
}

/// The reports `filter` selects, as CSV. Returns the number of rows.
pub fn csv_file(
    store: &Store,
    filter: &Filter,
    options: crate::csv::CsvOptions,
    out: &Path,
) -> Result<u64> {
    let sites = site_names(store)?;
    let incidents = incidents(store)?;
    store
        .with_heads(filter, |reports| {
            write_atomically(out, |w| {
                crate::csv::write(
                    w,
                    &mut reviewed(store, reports),
                    &sites,
                    &incidents,
                    options,
                )
            })
        })
        .map_err(store_error)?
}

/// The reports (or incidents) `filter` selects that have coordinates, as GeoJSON points.
pub fn geojson_file(
    store: &Store,
    filter: &Filter,
    options: crate::geojson::GeoJsonOptions,
    out: &Path,
) -> Result<crate::geojson::Written> {
    let sites = site_names(store)?;
    let incidents = incidents(store)?;
    store
        .with_heads(filter, |reports| {
            write_atomically(out, |w| {
                crate::geojson::write(
                    w,
                    &mut reviewed(store, reports),
                    &sites,
                    &incidents,
                    options,
                )
            })
        })
        .map_err(store_error)?
}

/// One report's current version as a PDF, with its photos from the store.
pub fn report_pdf_file(
    store: &Store,
    id: Uuid,
    lang: Lang,
    out: &Path,
) -> Result<crate::pdf::Written> {
    let head = store.get(id).map_err(store_error)?;
    let revision = store
        .revision(head.head)
        .map_err(store_error)?
        .ok_or_else(|| ExportError::Damaged(head.head.to_string()))?;
    let sites = site_names(store)?;
    let attachment = |sha: &str| attachment(store, sha);
    let review = review_of(store, id);
    let pdf = ReportPdf {
        revision: &revision,
        sites: &sites,
        heads: head.heads,
        review: review.as_ref(),
        attachment: &attachment,
        generated_at: Utc::now(),
        lang,
    };
    let receipt = receipt_of(store, revision.id);
    write_atomically(out, |w| {
        crate::pdf::write_report_with_receipt(w, &pdf, Some(receipt.as_ref()))
    })
}

/// The receipt this device keeps for revision `rev`, for its PDF; None when it keeps none or
/// cannot read it.
fn receipt_of(store: &Store, rev: Uuid) -> Option<crate::pdf::PdfReceipt> {
    let kept = store.receipt(rev).ok()??;
    let json: serde_json::Value = serde_json::from_str(&kept.receipt).ok()?;
    let body = &json["body"];
    Some(crate::pdf::PdfReceipt {
        received_at: body["received_at"].as_str()?.to_string(),
        seq: body["seq"].as_i64()?,
        key_id: body["key_id"].as_str()?.to_string(),
        signature: json["signature"].as_str()?.to_string(),
        problem: if kept.valid {
            None
        } else {
            Some(kept.problem.unwrap_or_default())
        },
    })
}

/// An attachment's bytes from the store, for a PDF.
pub fn attachment(store: &Store, sha256: &str) -> crate::pdf::Fetched {
    match store.attachment(sha256) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err("pdf.why.absent"),
        Err(_) => Err("pdf.why.unreadable"),
    }
}

/// A summary PDF of the reports `filter` selects (a row per incident with `per_incident`);
/// `selection` says which in words.
pub fn summary_pdf_file(
    store: &Store,
    filter: &Filter,
    selection: &str,
    lang: Lang,
    per_incident: bool,
    out: &Path,
) -> Result<crate::pdf::Written> {
    let sites = site_names(store)?;
    let incidents = incidents(store)?;
    let pdf = SummaryPdf {
        selection,
        generated_at: Utc::now(),
        lang,
        sites: &sites,
        incidents: &incidents,
        per_incident,
    };
    store
        .with_heads(filter, |reports| {
            write_atomically(out, |w| {
                crate::pdf::write_summary(w, &mut reviewed(store, reports), &pdf)
            })
        })
        .map_err(store_error)?
}
