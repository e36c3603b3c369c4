//! Exports for the console: the reports a filter selects as CSV (with its HXL row), GeoJSON or
//! a PDF summary, and one report's PDF, made by the same `terrain-export` writers as the
//! device's files, each row with the report's latest review decision.
//!
//! CSV and GeoJSON stream: an async task reads the selection a page of reports at a time (the
//! listing, then the pages' current heads) into a small channel; a blocking task runs the
//! writer over them and sends its output in pieces into another small channel, which is the
//! answer's body. Both channels are bounded, so the server holds a few pages and pieces
//! whatever the number of reports, and a client that stops reading stops the reading behind
//! it. A PDF summary is laid out whole before its first byte (its totals come first), so it is
//! bounded to [`SUMMARY_PDF_REPORTS`] reports. Revisions are read without contacts: no export
//! carries one. A reader exports only what the inbox shows them: their regions' reports (all
//! for an administrator).
//!
//! Incidents (issue 15): every export names each report's incident (`incident_id`, ACLED's
//! event id) from the link operations the reader's pull feed would give them, read whole
//! before the first row (people's decisions: far fewer than reports); with `per_incident`, a
//! row (a feature, a summary entry) per incident with the conservative figures and every
//! source, as the device's exports. Sites are named as the registry names them now (a merged
//! one by the site it was merged into), of the reader's regions only: the reader of the pages
//! asks for the sites each page names, once per export, before handing the page on.

use crate::error::{AppError, Result};
use crate::policy::{self, regions};
use crate::{AppState, actions};
use axum::body::Bytes;
use chrono::Utc;
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::sync::Arc;
use terrain_domain::incident::LinkSet;
use terrain_domain::{Lang, ReviewDecision};
use terrain_export::{ExportError, Incidents, Reviewed, SiteNames};
use terrain_protocol::{ExportLang, ExportOptions, Role, SUMMARY_PDF_REPORTS, limits};
use terrain_server_store::{AuditEvent, Device};
use tokio::sync::mpsc;
use uuid::Uuid;

pub use listing::Filter;

/// Reports read from the store at a time.
const PAGE: usize = 500;
/// Bytes of output sent to the client at a time.
const PIECE: usize = 64 * 1024;

/// What a selection is exported as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    GeoJson,
    SummaryPdf,
}

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::GeoJson => "application/geo+json",
            Format::SummaryPdf => "application/pdf",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::GeoJson => "geojson",
            Format::SummaryPdf => "pdf",
        }
    }
}

/// An export's answer: a file.
pub struct Export {
    pub media_type: &'static str,
    /// The name the browser saves it under.
    pub file_name: String,
    /// How many reports it holds, when known before the first byte.
    pub total: Option<u64>,
    pub body: Payload,
}

pub enum Payload {
    /// Pieces as the writer makes them; an error ends the body early, so the client sees a
    /// transfer cut short rather than a file that looks whole.
    Stream(mpsc::Receiver<io::Result<Bytes>>),
    /// A PDF, laid out whole.
    Whole(Vec<u8>),
}

/// The language of a PDF: the one asked for, else the request's.
pub fn language(options: &ExportOptions, accepted: Lang) -> Lang {
    match options.lang {
        Some(ExportLang::En) => Lang::En,
        Some(ExportLang::Fr) => Lang::Fr,
        None => accepted,
    }
}

/// The reports `filter` selects that `device`'s user may read, as `format`.
pub async fn reports(
    state: &AppState,
    device: &Device,
    format: Format,
    filter: Filter,
    options: ExportOptions,
    lang: Lang,
) -> Result<Export> {
    // Text no stored field holds (control, invisible, bidirectional characters) is refused
    // naming its field, before any engine sees it, as the audit log's query does.
    for (name, value) in [
        ("q", &filter.q),
        ("region", &filter.region),
        ("cercle", &filter.cercle),
        ("reporter", &filter.reporter),
    ] {
        let kind = terrain_domain::text::TextKind::Line;
        if let Some(bad) = value
            .as_deref()
            .and_then(|v| terrain_domain::text::refused(v, kind))
        {
            return Err(AppError::InvalidQuery(format!("{name} {bad}")));
        }
    }
    if let Some(region) = listing::region(&filter).filter(|r| !regions::may_use(device, r)) {
        return Err(AppError::RegionForbidden {
            user: device.user.name.clone(),
            region: region.to_string(),
        });
    }
    let total = listing::count(state, device, &filter).await?;
    if format == Format::SummaryPdf
        && let Some(n) = total.filter(|n| *n > SUMMARY_PDF_REPORTS)
    {
        return Err(too_many(Some(n)));
    }
    let selection = listing::describe(&filter, lang);
    audit(
        state,
        device,
        format!(
            "{} of {} report(s){}",
            format.extension(),
            total.map_or("?".to_string(), |n| n.to_string()),
            if selection.is_empty() {
                String::new()
            } else {
                format!(": {selection}")
            }
        ),
    )
    .await?;
    let incidents = incidents(state, device).await?;
    let sites = Arc::new(SiteNames::new());
    let pages = read_pages(state.clone(), device.clone(), filter, sites.clone());
    let file_name = format!(
        "terrain-reports-{}.{}",
        Utc::now().format("%Y-%m-%d"),
        format.extension()
    );
    let body = match format {
        Format::Csv | Format::GeoJson => {
            Payload::Stream(stream(format, pages, sites, incidents, options))
        }
        Format::SummaryPdf => Payload::Whole(
            summary(
                pages,
                sites,
                incidents,
                options.per_incident.unwrap_or(false),
                selection,
                lang,
            )
            .await?,
        ),
    };
    Ok(Export {
        media_type: format.media_type(),
        file_name,
        total,
        body,
    })
}

/// One report's current version as a PDF, with its photos as the server holds them and its
/// latest review in the header.
pub async fn report_pdf(
    state: &AppState,
    device: &Device,
    report: Uuid,
    lang: Lang,
) -> Result<Export> {
    regions::may_open(state, device, report).await?;
    let revision = state
        .store
        .current_heads(vec![report])
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("no report {report} on this server")))?;
    let head_count = state.store.heads(report).await?;
    let review = listing::review_of(state, report).await?;
    let named = revision.content.sites.iter().map(|s| s.site_id).collect();
    let sites: SiteNames = policy::sites::names(state, device, named)
        .await?
        .into_iter()
        .collect();
    // The photos it names, as the server holds them; a photo not yet uploaded is said so.
    let mut photos: HashMap<String, Option<Vec<u8>>> = HashMap::new();
    for a in &revision.content.attachments {
        if a.media_type.starts_with("image/") && !photos.contains_key(&a.sha256) {
            let bytes = state.store.blob_bytes(&a.sha256).await?;
            photos.insert(a.sha256.clone(), bytes);
        }
    }
    audit(state, device, format!("pdf of report {report}")).await?;
    let bytes = tokio::task::spawn_blocking(move || {
        let attachment = |sha: &str| match photos.get(sha) {
            Some(Some(bytes)) => Ok(bytes.clone()),
            _ => Err("pdf.why.not_received"),
        };
        let pdf = terrain_export::pdf::ReportPdf {
            revision: &revision,
            sites: &sites,
            heads: head_count,
            review: review.as_ref(),
            attachment: &attachment,
            generated_at: Utc::now(),
            lang,
        };
        let mut out = Vec::new();
        terrain_export::pdf::write_report(&mut out, &pdf).map(|_| out)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| match e {
        ExportError::Damaged(rev) => AppError::Internal(format!(
            "revision {rev} no longer matches its hash: no PDF vouches for it"
        )),
        e => AppError::Internal(e.to_string()),
    })?;
    Ok(Export {
        media_type: Format::SummaryPdf.media_type(),
        file_name: format!("terrain-report-{report}.pdf"),
        total: Some(1),
        body: Payload::Whole(bytes),
    })
}

/// Which reports are linked as one incident: every link operation on a pair with a report in
/// the reader's regions (all for an administrator), as their pull's link feed gives them.
async fn incidents(state: &AppState, device: &Device) -> Result<Incidents> {
    let regions = (device.user.role != Role::Admin).then(|| device.user.regions.clone());
    let mut links = LinkSet::new();
    let mut since = 0;
    loop {
        let page = state
            .store
            .link_feed(since, limits::PULL_LINKS, regions.clone())
            .await?;
        for stored in page.items {
            links
                .apply(stored.op)
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
        // A feed that no longer advances has nothing more to give.
        if !page.more || page.next == since {
            break;
        }
        since = page.next;
    }
    Ok(Incidents::new(&links))
}

/// Every export is in the audit log: who took which reports out.
async fn audit(state: &AppState, device: &Device, detail: String) -> Result<()> {
    state
        .store
        .audit_append(&AuditEvent {
            at: Utc::now(),
            actor: Some(device.user.name.clone()),
            device: Some(device.name.clone()),
            action: actions::EXPORT.into(),
            detail,
        })
        .await?;
    Ok(())
}

fn too_many(n: Option<u64>) -> AppError {
    AppError::InvalidQuery(format!(
        "a PDF summary holds at most {SUMMARY_PDF_REPORTS} reports and this selection has {}: narrow the filter, or export CSV, which has no limit",
        n.map_or("more".to_string(), |n| n.to_string())
    ))
}

/// A page of reports, or why reading stopped.
type Page = std::result::Result<Vec<Reviewed>, String>;

/// Reads the selection a page at a time into a channel of two pages, until the last page or
/// until nobody reads any more. The names of the sites a page names are added to `sites`
/// before the page is sent, so the writer knows them by the time it meets them; each site is
/// asked for once per export.
fn read_pages(
    state: AppState,
    device: Device,
    filter: Filter,
    sites: Arc<SiteNames>,
) -> mpsc::Receiver<Page> {
    let (tx, rx) = mpsc::channel::<Page>(2);
    tokio::spawn(async move {
        let mut after = None;
        let mut asked = HashSet::new();
        loop {
            let page = match listing::page(&state, &device, &filter, after.take(), PAGE).await {
                Ok((rows, next)) => learn_sites(&state, &device, &rows, &mut asked, &sites)
                    .await
                    .map(|()| (rows, next)),
                Err(e) => Err(e),
            };
            match page {
                Ok((rows, next)) => {
                    if tx.send(Ok(rows)).await.is_err() {
                        return;
                    }
                    match next {
                        Some(next) => after = Some(next),
                        None => return,
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "an export stopped reading");
                    let _ = tx.send(Err(e.to_string())).await;
                    return;
                }
            }
        }
    });
    rx
}

/// Adds to `sites` the names of the sites `rows` name that were not `asked` for before.
async fn learn_sites(
    state: &AppState,
    device: &Device,
    rows: &[Reviewed],
    asked: &mut HashSet<Uuid>,
    sites: &SiteNames,
) -> Result<()> {
    let mut new: Vec<Uuid> = rows
        .iter()
        .flat_map(|r| r.revision.content.sites.iter().map(|s| s.site_id))
        .filter(|id| asked.insert(*id))
        .collect();
    new.sort();
    for (id, name) in policy::sites::names(state, device, new).await? {
        sites.insert(id, name);
    }
    Ok(())
}

/// The rows of the pages, one at a time, for a writer on a blocking thread.
struct Rows {
    pages: mpsc::Receiver<Page>,
    page: std::vec::IntoIter<Reviewed>,
    /// Rows given so far.
    given: u64,
    /// Refuse past this many rows.
    limit: Option<u64>,
}

impl Rows {
    fn new(pages: mpsc::Receiver<Page>, limit: Option<u64>) -> Rows {
        Rows {
            pages,
            page: Vec::new().into_iter(),
            given: 0,
            limit,
        }
    }

    fn over_limit(&self) -> bool {
        self.limit.is_some_and(|l| self.given > l)
    }
}

impl Iterator for Rows {
    type Item = std::result::Result<Reviewed, String>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.page.next() {
                self.given += 1;
                if self.over_limit() {
                    return Some(Err(format!(
                        "more than {} reports",
                        self.limit.unwrap_or_default()
                    )));
                }
                return Some(Ok(row));
            }
            match self.pages.blocking_recv()? {
                Ok(page) => self.page = page.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// The writer's output, sent on in pieces of [`PIECE`] bytes; fails once the client is gone.
struct Pieces {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buffer: Vec<u8>,
}

impl Pieces {
    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let piece = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(PIECE),
        ));
        self.tx
            .blocking_send(Ok(piece))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for Pieces {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= PIECE {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// CSV or GeoJSON of the pages, as a body in pieces.
fn stream(
    format: Format,
    pages: mpsc::Receiver<Page>,
    sites: Arc<SiteNames>,
    incidents: Incidents,
    options: ExportOptions,
) -> mpsc::Receiver<io::Result<Bytes>> {
    let per_incident = options.per_incident.unwrap_or(false);
    let (tx, rx) = mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let mut out = Pieces {
            tx: tx.clone(),
            buffer: Vec::with_capacity(PIECE),
        };
        let mut rows = Rows::new(pages, None);
        let written = match format {
            Format::GeoJson => terrain_export::geojson::write(
                &mut out,
                &mut rows,
                &sites,
                &incidents,
                terrain_export::geojson::GeoJsonOptions { per_incident },
            )
            .map(|_| ()),
            _ => {
                let csv = terrain_export::csv::CsvOptions {
                    bom: options.bom.unwrap_or(false),
                    hxl: options.hxl.unwrap_or(true),
                    per_incident,
                };
                terrain_export::csv::write(&mut out, &mut rows, &sites, &incidents, csv).map(|_| ())
            }
        };
        // No row is still a whole file: the header (an empty collection).
        let done = match written {
            Ok(()) | Err(ExportError::Empty) => out.flush().map_err(|e| ExportError::Csv(e.into())),
            Err(e) => Err(e),
        };
        if let Err(e) = done {
            tracing::warn!(error = %e, "an export was cut short");
            let _ = tx.blocking_send(Err(io::Error::other(e.to_string())));
        }
    });
    rx
}

/// A PDF summary of the pages, refused past [`SUMMARY_PDF_REPORTS`] reports.
async fn summary(
    pages: mpsc::Receiver<Page>,
    sites: Arc<SiteNames>,
    incidents: Incidents,
    per_incident: bool,
    selection: String,
    lang: Lang,
) -> Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || {
        let mut rows = Rows::new(pages, Some(SUMMARY_PDF_REPORTS));
        let pdf = terrain_export::pdf::SummaryPdf {
            selection: &selection,
            generated_at: Utc::now(),
            lang,
            sites: &sites,
            incidents: &incidents,
            per_incident,
        };
        let mut out = Vec::new();
        match terrain_export::pdf::write_summary(&mut out, &mut rows, &pdf) {
            Ok(_) => Ok(out),
            Err(_) if rows.over_limit() => Err(too_many(None)),
            Err(ExportError::Empty) => Err(AppError::NotFound(
                "no report matches this selection: there is nothing to put in a PDF".into(),
            )),
            Err(e) => Err(AppError::Internal(e.to_string())),
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Which reports a filter selects, a page at a time.
mod listing {
    use super::*;
    use crate::policy::reports;
    use terrain_domain::Revision;
    use terrain_protocol::CountBy;
    use terrain_server_store::PageBounds;

    pub use terrain_protocol::ReportFilter as Filter;

    /// How many reports the filter selects for `device`.
    pub async fn count(state: &AppState, device: &Device, filter: &Filter) -> Result<Option<u64>> {
        let selection = reports::selection(device, filter)?;
        let rows = state
            .store
            .count_reports(selection, CountBy::EventType)
            .await?;
        Ok(Some(rows.iter().map(|r| r.count).sum()))
    }

    /// The selection in words, for a PDF summary's header.
    pub fn describe(filter: &Filter, lang: Lang) -> String {
        let say = |code: &str, params: &[(&str, String)]| {
            let params = params
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            terrain_domain::messages::text(lang, code, &params)
        };
        let mut words = Vec::new();
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            words.push(say("selection.words", &[("q", q.trim().to_string())]));
        }
        match (region(filter), filter.cercle.as_deref()) {
            (region, Some(cercle)) => words.push(say(
                "selection.cercle",
                &[
                    ("cercle", cercle.to_string()),
                    ("region", region.unwrap_or("").to_string()),
                ],
            )),
            (Some(region), None) => {
                words.push(say("selection.region", &[("region", region.to_string())]))
            }
            (None, None) => {}
        }
        if let Some(t) = filter.event_type {
            let label = t.label().to_string();
            words.push(say(
                "selection.type",
                &[
                    ("type", label.clone()),
                    ("type_label", format!("choice.event_types.{label}")),
                ],
            ));
        }
        if let Some(from) = filter.from {
            words.push(say("selection.from", &[("date", from.to_string())]));
        }
        if let Some(to) = filter.to {
            words.push(say("selection.to", &[("date", to.to_string())]));
        }
        words.join(", ")
    }

    /// The filter's region, if it names one.
    pub fn region(filter: &Filter) -> Option<&str> {
        filter.region.as_deref().filter(|r| !r.trim().is_empty())
    }

    /// The report's latest review decision.
    pub async fn review_of(state: &AppState, report: Uuid) -> Result<Option<ReviewDecision>> {
        Ok(state.store.latest_reviews(vec![report]).await?.pop())
    }

    /// A page of at most `limit` reports after `after`, each its current head with its latest
    /// review, and where the next page starts (None: this was the last).
    pub async fn page(
        state: &AppState,
        device: &Device,
        filter: &Filter,
        after: Option<String>,
        limit: usize,
    ) -> Result<(Vec<Reviewed>, Option<String>)> {
        // The inbox's order (latest arrival first), a page after the last one's position:
        // reports arriving meanwhile go to the top, never into the pages still to read.
        let before = after.and_then(|a| a.parse().ok());
        let rows = state
            .store
            .list_reports(
                reports::selection(device, filter)?,
                PageBounds { before, limit },
            )
            .await?;
        let next = (rows.len() == limit)
            .then(|| rows.last().map(|(seq, _)| seq.to_string()))
            .flatten();
        let ids: Vec<Uuid> = rows.iter().map(|(_, r)| r.id).collect();
        let mut heads: HashMap<Uuid, Revision> = state
            .store
            .current_heads(ids.clone())
            .await?
            .into_iter()
            .map(|r| (r.report_id, r))
            .collect();
        // In the listing's order; a report whose head is gone meanwhile is left out.
        let revisions: Vec<Revision> = ids.iter().filter_map(|id| heads.remove(id)).collect();
        let mut reviews: HashMap<Uuid, ReviewDecision> = state
            .store
            .latest_reviews(revisions.iter().map(|r| r.report_id).collect())
            .await?
            .into_iter()
            .map(|d| (d.report_id, d))
            .collect();
        let rows = revisions
            .into_iter()
            .map(|revision| Reviewed {
                review: reviews.remove(&revision.report_id),
                revision,
            })
            .collect();
        Ok((rows, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::{device, revision, state};
    use terrain_protocol::{ReportFilter, Role};

    #[tokio::test]
    async fn a_pdf_summary_past_its_limit_is_refused_naming_it_and_csv() {
        let (state, _dir) = state();
        let root = device("root", Role::Admin, &[]);
        let today = Utc::now().date_naive();
        let all: Vec<_> = (0..=SUMMARY_PDF_REPORTS).map(|_| revision("Gao")).collect();
        for batch in all.chunks(terrain_protocol::limits::PUSH_REVISIONS) {
            crate::policy::push::push(&state, &root, batch.to_vec(), today)
                .await
                .unwrap();
        }
        let summary = |region: &str| {
            let filter = ReportFilter {
                region: Some(region.into()),
                ..ReportFilter::default()
            };
            reports(
                &state,
                &root,
                Format::SummaryPdf,
                filter,
                ExportOptions::default(),
                Lang::En,
            )
        };
        let Err(refused) = summary("Gao").await else {
            panic!("a summary of {} reports was made", SUMMARY_PDF_REPORTS + 1);
        };
        assert_eq!(refused.code(), terrain_protocol::codes::INVALID_QUERY);
        let words = refused.to_string();
        assert!(
            words.contains("at most 5000 reports")
                && words.contains("5001")
                && words.contains("CSV"),
            "{words}"
        );
        let Err(none) = summary("Kayes").await else {
            panic!("a summary of no report was made");
        };
        assert_eq!(none.code(), terrain_protocol::codes::NOT_FOUND);
    }
}
