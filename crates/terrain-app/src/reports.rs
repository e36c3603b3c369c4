//! Reports: the list with sync badges, one report with its history and conflicts, checking as
//! the user types, saving drafts and final reports, resolving conflicts field by field.

use crate::{App, AppError, ErrorCode, Result, today};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use terrain_domain::{
    Amount, Dispute, EventType, FigureKind, Problem, Report, Revision, Status, VagueAmount, When,
    check, disputes, parse_json, settle,
};
use terrain_store::{Conflict, Filter, Listed, Page};
use ts_rs::TS;
use uuid::Uuid;

/// What the list shows: the same filter as `terrain report list`.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
pub struct ListQuery {
    pub query: Option<String>,
    /// Region, as the gazetteer spells it.
    pub admin1: Option<String>,
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
            admin2: None,
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
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SavedReport {
    pub id: Uuid,
    pub revision: Uuid,
    /// Nothing changed since the last save: nothing was written.
    pub unchanged: bool,
    /// Queued for the server (final reports).
    pub queued: bool,
    /// The report as saved, tidied and with the ids `check` gave new claims: the form takes
    /// these back so the next save names the same claims.
    pub report: Report,
}

fn figures(report: &Report) -> Vec<FigureLine> {
    FigureKind::ALL
        .iter()
        .filter_map(|&kind| {
            report.figure(kind).map(|s| FigureLine {
                kind,
                text: s.to_string(),
                conservative: s.conservative,
                min: s.min,
                max: s.max,
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

fn row(l: &Listed) -> ReportRow {
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
        }
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
        Ok(ListPage {
            total: self.store.count(&filter)?,
            rows: listed.iter().map(row).collect(),
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
                    related.push(row(&self.store.get(other)?));
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
            report: listed.report,
        })
    }

    /// The report's conflict, with this device's version first.
    fn find_conflict(&self, id: Uuid) -> Result<Option<(Conflict, usize, usize)>> {
        let Some(c) = self
            .store
            .conflicts()?
            .into_iter()
            .find(|c| c.report_id == id)
        else {
            return Ok(None);
        };
        let mine = self.store.device_id();
        let ours = c.heads.iter().position(|h| h.device == mine).unwrap_or(0);
        let theirs = usize::from(ours == 0);
        Ok(Some((c, ours, theirs)))
    }

    fn conflict(&self, id: Uuid) -> Result<Option<ConflictView>> {
        Ok(self.find_conflict(id)?.map(|(c, ours, theirs)| {
            let (ours, theirs) = (&c.heads[ours], &c.heads[theirs]);
            ConflictView {
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
            }
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
        let valid = check(parse(report)?, today())?;
        let saved = self.store.save(valid, &self.author()?)?;
        self.note_queue()?;
        Ok(SavedReport {
            id: saved.revision.report_id,
            revision: saved.revision.id,
            unchanged: saved.unchanged,
            queued: saved.queued,
            report: saved.revision.content,
        })
    }

    /// Ends a conflict: each disputed field from this device's version, except those listed in
    /// `take_theirs`, which come from the server's; fields only one side changed merge as usual.
    pub fn resolve(&self, id: Uuid, take_theirs: &[String]) -> Result<SavedReport> {
        let Some((c, ours, theirs)) = self.find_conflict(id)? else {
            return Err(AppError::new(
                ErrorCode::NotFound,
                format!("report {id} has no conflict to resolve"),
            ));
        };
        let merged = settle(
            c.base.as_ref().map(|b| &b.content),
            &c.heads[ours].content,
            &c.heads[theirs].content,
            take_theirs,
        )
        .map_err(|e| AppError::new(ErrorCode::Invalid, e))?;
        let saved = self
            .store
            .resolve(check(merged, today())?, &self.author()?)?;
        self.note_queue()?;
        Ok(SavedReport {
            id,
            revision: saved.revision.id,
            unchanged: saved.unchanged,
            queued: saved.queued,
            report: saved.revision.content,
        })
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
