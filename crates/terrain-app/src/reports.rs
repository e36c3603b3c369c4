//! Reports: the list with sync badges, one report with its history and conflicts, checking as
//! the user types, saving drafts and final reports, resolving conflicts field by field.

use crate::{App, AppError, ErrorCode, Result, today};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use terrain_domain::{
    Amount, Dispute, EventType, FigureKind, Problem, Report, Revision, Status, VagueAmount,
    ValidReport, When, check, disputes, parse_json,
};
use terrain_store::{Filter, Import, Imported, Listed, OutboxEntry, Page, Review};
use ts_rs::TS;
use uuid::Uuid;

/// What the list shows: the same filter as `terrain report list`.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
pub struct ListQuery {
    pub query: Option<String>,
    /// Region, as the gazetteer spells it.
    pub admin1: Option<String>,
    /// Cercle, as the gazetteer spells it.
    #[ts(optional)]
    pub admin2: Option<String>,
    pub event_type: Option<EventType>,
    pub status: Option<Status>,
    /// Incidents on or after this date, as typed (dd/mm/yyyy or ISO); empty means no bound.
    pub from: Option<String>,
    /// Incidents on or before this date, as typed; empty means no bound.
    pub to: Option<String>,
    pub site: Option<Uuid>,
    pub offset: u32,
    /// At most 500 a page; 0 means 50.
    pub limit: u32,
}

impl ListQuery {
    /// The store's filter; a date typed but not understood is refused, naming its field.
    pub(crate) fn filter(&self) -> Result<Filter> {
        let text = |s: &Option<String>| s.as_ref().filter(|s| !s.trim().is_empty()).cloned();
        let date = |field: &str, s: &Option<String>| -> Result<Option<NaiveDate>> {
            text(s)
                .map(|s| {
                    terrain_domain::dates::parse_date(&s, crate::form::DATE_ORDER).map_err(|e| {
                        terrain_domain::Problems::one(
                            field,
                            "date_form",
                            [("value", s.trim().to_string()), ("why", e.0)],
                        )
                        .into()
                    })
                })
                .transpose()
        };
        Ok(Filter {
            query: text(&self.query),
            admin1: text(&self.admin1),
            admin2: text(&self.admin2),
            event_type: self.event_type,
            status: self.status,
            from: date("from", &self.from)?,
            to: date("to", &self.to)?,
            site: self.site,
        })
    }
}

/// Where a report stands with the server, as the list's badge shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncBadge {
    /// A draft: stays on this device.
    Draft,
    /// Final, waiting to be sent.
    Queued,
    /// The server holds the current version.
    Synced,
    /// Two versions disagree: a person must choose.
    Conflict,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FigureLine {
    pub kind: FigureKind,
    /// "3–4, sources disagree"
    pub text: String,
    pub conservative: u32,
    pub min: u32,
    pub max: u32,
    /// How many claims the figure rests on.
    #[ts(type = "number")]
    pub claims: usize,
    /// The sources do not all give the same figure.
    pub disputed: bool,
    /// The words the conservative figure stands for ("tens"), when a source gave words, so it
    /// is never shown as a bare number.
    pub vague: Option<VagueAmount>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ReportRow {
    pub id: Uuid,
    pub title: String,
    pub date: NaiveDate,
    pub place: String,
    pub admin1: String,
    pub event_type: Option<EventType>,
    pub status: Status,
    pub badge: SyncBadge,
    pub figures: Vec<FigureLine>,
    pub updated_at: DateTime<Utc>,
    /// The server's latest review decision, and whether the report changed since.
    pub review: Option<Review>,
    /// "Possible duplicate": the report may be the same incident as another and no one has
    /// linked or dismissed that suggestion yet (the report page shows it with the reasons).
    /// Filled by the list; false elsewhere.
    pub possible_duplicate: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ListPage {
    #[ts(type = "number")]
    pub total: u64,
    pub rows: Vec<ReportRow>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RevisionInfo {
    pub id: Uuid,
    pub parents: Vec<Uuid>,
    pub author: String,
    pub device: String,
    /// Made on this device.
    pub local: bool,
    pub created_at: DateTime<Utc>,
    pub content_hash: String,
    /// The content still matches its hash.
    pub verified: bool,
    pub status: Status,
    /// The server's signed receipt of it, when this device keeps one (its own revisions, sent).
    pub receipt: Option<crate::ReceiptInfo>,
}

/// Two versions of a report that disagree, and on what.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConflictView {
    /// Paths both versions changed differently (`where.place`, `sources[wamaps].name`,
    /// `figures.abducted[<claim id>]`).
    pub fields: Vec<String>,
    /// Each disputed path with both versions' values, for the user to choose between.
    pub disputes: Vec<Dispute>,
    /// This device's version.
    pub ours: Report,
    pub ours_revision: RevisionInfo,
    /// The version from the server.
    pub theirs: Report,
    pub theirs_revision: RevisionInfo,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ReportDetail {
    pub report: Report,
    /// "Industrial zone near Bafoulabé town, Bafoulabé, Kayes": no name twice.
    pub place: String,
    pub badge: SyncBadge,
    pub head: Uuid,
    pub content_hash: String,
    pub figures: Vec<FigureLine>,
    /// Oldest first.
    pub history: Vec<RevisionInfo>,
    /// Other reports at the same registry sites: repeat attacks.
    pub related: Vec<ReportRow>,
    pub conflict: Option<ConflictView>,
    /// The server's latest review decision, and whether the report changed since.
    pub review: Option<Review>,
    /// Every review decision received, oldest first.
    pub reviews: Vec<terrain_domain::ReviewDecision>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SavedReport {
    pub id: Uuid,
    pub revision: Uuid,
    /// Nothing changed since the last save: nothing was written.
    pub unchanged: bool,
    /// Queued for the server (final reports).
    pub queued: bool,
    /// The versions the new revision follows: two or more when it ends a conflict.
    #[serde(skip)]
    #[ts(skip)]
    pub parents: usize,
    /// The report as saved, tidied and with the ids `check` gave new claims: the form takes
    /// these back so the next save names the same claims.
    pub report: Report,
}

/// Each figure the report's claims give, as lists show it: the figure view of both shells.
pub fn figures(report: &Report) -> Vec<FigureLine> {
    FigureKind::ALL
        .iter()
        .filter_map(|&kind| {
            report.figure(kind).map(|s| FigureLine {
                kind,
                text: s.to_string(),
                conservative: s.conservative,
                min: s.min,
                max: s.max,
                claims: s.claims,
                disputed: s.disputed,
                vague: report.figures[&kind].iter().find_map(|c| match c.amount {
                    Amount::Vague(v) if v.value() == s.conservative => Some(v),
                    _ => None,
                }),
            })
        })
        .collect()
}

fn badge(l: &Listed) -> SyncBadge {
    match (l.heads > 1, l.report.status, l.queued > 0) {
        (true, _, _) => SyncBadge::Conflict,
        (false, Status::Draft, _) => SyncBadge::Draft,
        (false, Status::Final, true) => SyncBadge::Queued,
        // Not queued: the server acknowledged it, or it came from the server.
        (false, Status::Final, false) => SyncBadge::Synced,
    }
}

pub(crate) fn row(l: &Listed) -> ReportRow {
    let r = &l.report;
    ReportRow {
        id: r.id,
        title: r.title.clone(),
        date: r.when.date,
        place: r.place_line(),
        admin1: r.location.admin1.clone(),
        event_type: r.what.event_type,
        status: r.status,
        badge: badge(l),
        figures: figures(r),
        updated_at: l.updated_at,
        review: None,
        possible_duplicate: false,
    }
}

impl App {
    fn revision_info(&self, r: &Revision) -> RevisionInfo {
        RevisionInfo {
            id: r.id,
            parents: r.parents.clone(),
            author: r.author.clone(),
            device: r.device.clone(),
            local: r.device == self.store.device_id(),
            created_at: r.created_at,
            content_hash: r.content_hash.clone(),
            verified: r.hash_matches(),
            status: r.content.status,
            receipt: self.receipt_info(r).ok().flatten(),
        }
    }

    /// The report a user typed: its id or its first characters.
    pub fn find_id(&self, typed: &str) -> Result<Uuid> {
        Ok(self.store.resolve_id(typed)?)
    }

    pub fn list(&self, q: &ListQuery) -> Result<ListPage> {
        let filter = q.filter()?;
        let limit = match q.limit {
            0 => 50,
            n => n.min(500),
        };
        let listed = self.store.list(
            &filter,
            Page {
                limit,
                offset: q.offset,
            },
        )?;
        let mut rows: Vec<ReportRow> = listed.iter().map(row).collect();
        // The store remembers suggestions when reports are saved or pulled: no check here.
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let duplicates = self.store.possible_duplicates(&ids)?;
        for r in &mut rows {
            r.review = self.store.review(r.id)?;
            r.possible_duplicate = duplicates.contains(&r.id);
        }
        Ok(ListPage {
            total: self.store.count(&filter)?,
            rows,
        })
    }

    /// A new, empty draft dated today.
    pub fn new_report(&self) -> Report {
        Report {
            schema_version: terrain_domain::SCHEMA_VERSION,
            id: terrain_domain::new_id(),
            title: String::new(),
            status: Status::Draft,
            when: When {
                date: today(),
                time: None,
                end_date: None,
                precision: Default::default(),
                utc_offset_minutes: offset_minutes(chrono::Local::now().offset().local_minus_utc()),
            },
            location: Default::default(),
            what: Default::default(),
            perpetrators: Vec::new(),
            targets: Vec::new(),
            sites: Vec::new(),
            figures: Default::default(),
            sources: Vec::new(),
            narrative: String::new(),
            damage: None,
            tags: Vec::new(),
            attachments: Vec::new(),
        }
    }

    pub fn get(&self, id: Uuid) -> Result<ReportDetail> {
        let listed = self.store.get(id)?;
        let history = self.store.history(id)?;
        let mut related = Vec::new();
        for site in &listed.report.sites {
            for other in self.store.reports_at_site(site.site_id)? {
                if other != id && !related.iter().any(|r: &ReportRow| r.id == other) {
                    let mut r = row(&self.store.get(other)?);
                    r.review = self.store.review(other)?;
                    related.push(r);
                }
            }
        }
        let conflict = if listed.heads > 1 {
            self.conflict(id)?
        } else {
            None
        };
        Ok(ReportDetail {
            place: listed.report.place_line(),
            badge: badge(&listed),
            head: listed.head,
            content_hash: listed.content_hash.clone(),
            figures: figures(&listed.report),
            history: history.iter().map(|r| self.revision_info(r)).collect(),
            related,
            conflict,
            review: self.store.review(id)?,
            reviews: self.store.reviews(id)?,
            report: listed.report,
        })
    }

    fn conflict(&self, id: Uuid) -> Result<Option<ConflictView>> {
        let Some(c) = self.conflict_of(id)? else {
            return Ok(None);
        };
        let (ours, theirs) = self.sides(&c)?;
        Ok(Some(ConflictView {
            fields: c.fields.clone(),
            disputes: disputes(
                c.base.as_ref().map(|b| &b.content),
                &ours.content,
                &theirs.content,
            ),
            ours: ours.content.clone(),
            ours_revision: self.revision_info(ours),
            theirs: theirs.content.clone(),
            theirs_revision: self.revision_info(theirs),
        }))
    }

    /// Every problem the report has as it stands: the core's own rules and messages, so what
    /// the form shows as the user types is exactly what saving would say.
    pub fn check(&self, report: &serde_json::Value) -> Vec<Problem> {
        match parse(report).and_then(|r| check(r, today()).map_err(Into::into)) {
            Ok(_) => Vec::new(),
            Err(e) if e.problems.is_empty() => {
                vec![Problem::new(
                    "(report)",
                    "unreadable",
                    [("detail", e.message)],
                )]
            }
            Err(e) => e.problems,
        }
    }

    /// Saves a new revision (a draft autosave or a final report), durable before it returns.
    pub fn save(&self, report: &serde_json::Value) -> Result<SavedReport> {
        self.save_report(check(parse(report)?, today())?, &[])
    }

    /// Saves `report` with the files at `attach` copied into the store and named in it (those
    /// it names already are not named twice). Every file is copied before the revision is
    /// saved: one unreadable file attaches none.
    pub fn save_report(&self, report: ValidReport, attach: &[PathBuf]) -> Result<SavedReport> {
        let report = self.with_files(report, attach)?;
        let saved = self.store.save(report, &self.author()?)?;
        self.note_queue()?;
        Ok(SavedReport {
            id: saved.revision.report_id,
            revision: saved.revision.id,
            unchanged: saved.unchanged,
            queued: saved.queued,
            parents: saved.revision.parents.len(),
            report: saved.revision.content,
        })
    }

    /// Attaches the files at `attach` to report `id`'s current version: a new revision.
    pub fn attach_files(&self, id: Uuid, attach: &[PathBuf]) -> Result<SavedReport> {
        let report = check(self.store.get(id)?.report, today())?;
        self.save_report(report, attach)
    }

    /// `report` naming the files at `attach` too, copied into the store.
    pub(crate) fn with_files(
        &self,
        report: ValidReport,
        attach: &[PathBuf],
    ) -> Result<ValidReport> {
        if attach.is_empty() {
            return Ok(report);
        }
        let mut report = report.into_inner();
        for file in attach {
            let attachment = self.store.attach_file(file)?;
            if !report
                .attachments
                .iter()
                .any(|a| a.sha256 == attachment.sha256)
            {
                report.attachments.push(attachment);
            }
        }
        Ok(check(report, today())?)
    }

    /// Ends a conflict: each disputed field from this device's version, except those listed in
    /// `take_theirs`, which come from the server's; fields only one side changed merge as usual.
    pub fn resolve(&self, id: Uuid, take_theirs: &[String]) -> Result<SavedReport> {
        let fields = take_theirs
            .iter()
            .map(|path| (path.clone(), crate::Side::Server))
            .collect();
        self.resolve_conflict(
            id,
            crate::Resolution::Sides {
                all: Some(crate::Side::Local),
                fields,
            },
        )
    }
}

/// One page of reports as a terminal lists them: the store's rows with their short ids and the
/// server's reasons for refusing any.
#[derive(Debug, Clone)]
pub struct ReportPage {
    pub items: Vec<Listed>,
    /// How many reports the filter selects, on every page.
    pub total: u64,
    pub short_ids: HashMap<Uuid, String>,
    /// Revisions the server refused, with its reason.
    pub refused: HashMap<Uuid, String>,
}

/// One report as a terminal shows it.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub listed: Listed,
    /// The registry, to name the sites the report touches.
    pub sites: Vec<terrain_domain::Site>,
    /// The server's reason, if it refused the current version.
    pub refused: Option<String>,
    /// The server's latest review decision, and whether the report changed since.
    pub review: Option<Review>,
}

/// Revisions waiting to be sent, with their reports' short ids.
#[derive(Debug, Clone)]
pub struct Outbox {
    pub entries: Vec<OutboxEntry>,
    pub short_ids: HashMap<Uuid, String>,
}

impl App {
    /// Revisions the server refused, with its reason.
    fn refusals(&self) -> Result<HashMap<Uuid, String>> {
        Ok(self
            .store
            .outbox()?
            .into_iter()
            .filter_map(|e| Some((e.revision, e.refused?)))
            .collect())
    }

    /// A page of reports, with what a terminal prints beside each.
    /// `page` rather than the query's offset and limit: a terminal may ask for every report.
    pub fn report_page(&self, query: &ListQuery, page: Page) -> Result<ReportPage> {
        let filter = &query.filter()?;
        let items = self.store.list(filter, page)?;
        let ids: Vec<Uuid> = items.iter().map(|l| l.report.id).collect();
        Ok(ReportPage {
            total: self.store.count(filter)?,
            short_ids: self.store.short_ids(&ids)?,
            refused: self.refusals()?,
            items,
        })
    }

    pub fn report_view(&self, id: Uuid) -> Result<ReportView> {
        let listed = self.store.get(id)?;
        let refused = self.refusals()?.remove(&listed.head);
        Ok(ReportView {
            review: self.store.review(id)?,
            listed,
            sites: self.store.sites()?,
            refused,
        })
    }

    /// Every saved revision of a report, oldest first.
    pub fn history(&self, id: Uuid) -> Result<Vec<Revision>> {
        Ok(self.store.history(id)?)
    }

    pub fn outbox(&self) -> Result<Outbox> {
        let entries = self.store.outbox()?;
        let ids: Vec<Uuid> = entries.iter().map(|e| e.report).collect();
        Ok(Outbox {
            short_ids: self.store.short_ids(&ids)?,
            entries,
        })
    }

    /// Imports checked reports; any wrong, none saved. Each is saved naming the files at
    /// `attach` too. A report without an id whose content was imported before is skipped unless
    /// `allow_duplicate`.
    pub fn import(
        &self,
        reports: Vec<Import>,
        allow_duplicate: bool,
        attach: &[PathBuf],
    ) -> Result<Vec<Imported>> {
        let reports = reports
            .into_iter()
            .map(|i| {
                Ok(Import {
                    report: self.with_files(i.report, attach)?,
                    id_made_up: i.id_made_up,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let done = self
            .store
            .import(reports, &self.author()?, allow_duplicate)?;
        self.note_queue()?;
        Ok(done)
    }
}

/// The device's offset from UTC in minutes (UTC+10 is 36,000 s: divide before narrowing).
fn offset_minutes(seconds: i32) -> i16 {
    (seconds / 60) as i16
}

/// The UI's JSON through the same reader as files, so structural errors name their field path.
fn parse(value: &serde_json::Value) -> Result<Report> {
    let text = serde_json::to_string(value).expect("JSON values serialise");
    if text.len() > terrain_domain::limits::REPORT_JSON_BYTES {
        return Err(AppError::new(
            ErrorCode::Invalid,
            format!(
                "the report is larger than {} MB",
                terrain_domain::limits::REPORT_JSON_BYTES / (1024 * 1024)
            ),
        ));
    }
    Ok(parse_json(&text)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn offsets_beyond_nine_hours_stay_right() {
        assert_eq!(super::offset_minutes(36_000), 600);
        assert_eq!(super::offset_minutes(-36_000), -600);
        assert_eq!(super::offset_minutes(0), 0);
    }
}
