//! A summary of a selection: totals by event type and by region, then one table row per
//! report (or per incident, the reports people linked as one counted once), the table's header
//! repeated at the top of every page, then each site's history: every incident at it.
//!
//! The totals come first on paper but need every report, so the reports are read once and
//! only each row's few cells are kept, never whole reports (but those naming a registry site,
//! for its history).

use super::page::{BLACK, CONTENT_WIDTH, GREY, INK, MARGIN, Pages, RULE, SHADE, leading};
use super::text::{self, Line, Weight};
use super::{Written, acled, figure_text, metadata, review_cell, say, utc};
use crate::incidents::{Incidents, SiteHistory, by_incident, site_histories};
use crate::{ExportError, Result, Row, SiteNames};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::collections::BTreeMap;
use std::io::Write;
use terrain_domain::incident::IncidentFigures;
use terrain_domain::incident::figures::Moment;
use terrain_domain::{ClaimsSummary, FigureKind, Lang, Report, Revision};

pub struct SummaryPdf<'a> {
    /// The selection in words ("region Kayes, from 2026-01-01"); empty for every report.
    pub selection: &'a str,
    pub generated_at: DateTime<Utc>,
    /// The language of every word on the paper.
    pub lang: Lang,
    /// The registry's site names, for the sites' histories.
    pub sites: &'a SiteNames,
    /// Which reports people linked as one incident.
    pub incidents: &'a Incidents,
    /// One row per incident rather than per report.
    pub per_incident: bool,
}

/// "March 2026" ("mars 2026"): the month a site's history starts, in `lang`.
pub fn month_year(lang: Lang, date: NaiveDate) -> String {
    let months = say(lang, "site.history.months", &[]);
    let month = months
        .split(' ')
        .nth(date.month0() as usize)
        .map_or_else(|| date.month().to_string(), str::to_string);
    format!("{month} {}", date.year())
}

/// "3 incidents since March 2026" ("3 incidents depuis mars 2026").
pub fn history_line(lang: Lang, history: &SiteHistory) -> String {
    let since = history
        .since()
        .map_or_else(String::new, |d| month_year(lang, d));
    say(
        lang,
        "site.history.count",
        &[("n", history.incidents.len().to_string()), ("since", since)],
    )
}

/// "2026-11-18" or "2026-11-18 – 2026-11-19": an incident's days.
fn days(earliest: Moment, latest: Moment) -> String {
    if latest.date > earliest.date {
        format!("{} \u{2013} {}", earliest.date, latest.date)
    } else {
        earliest.date.to_string()
    }
}

const SIZE: f32 = 8.0;
const PAD: f32 = 3.0;
/// Date, place, region, event type, abducted / killed, review, title: catalogue codes and
/// widths.
const COLUMNS: [(&str, f32); 7] = [
    ("pdf.date", 50.0),
    ("pdf.place", 92.0),
    ("pdf.region", 48.0),
    ("pdf.event_type", 76.0),
    ("pdf.abducted_killed", 86.0),
    ("pdf.review", 66.0),
    ("pdf.title", CONTENT_WIDTH - 418.0),
];

#[derive(Default)]
struct Totals {
    reports: u64,
    killed: u64,
    abducted: u64,
}

impl Totals {
    /// A row: a report, or an incident with its figures over every report.
    fn add(&mut self, figure: &dyn Fn(FigureKind) -> Option<ClaimsSummary>) {
        self.reports += 1;
        let low = |k| figure(k).map_or(0, |s| u64::from(s.conservative));
        self.killed += low(FigureKind::Killed);
        self.abducted += low(FigureKind::Abducted);
    }
}

/// Writes the summary of `revisions` (each with its report's review, if any); errors with
/// [`ExportError::Empty`] when there is none.
pub fn write_summary<R: Row, E: std::fmt::Display>(
    out: &mut dyn Write,
    revisions: &mut dyn Iterator<Item = Result<R, E>>,
    pdf: &SummaryPdf,
) -> Result<Written> {
    let mut rows: Vec<[String; 7]> = Vec::new();
    let mut by_type: BTreeMap<String, Totals> = BTreeMap::new();
    let mut by_region: BTreeMap<String, Totals> = BTreeMap::new();
    let mut by_review: BTreeMap<String, Totals> = BTreeMap::new();
    let mut all = Totals::default();
    let mut reports = 0u64;
    // The reports naming a registry site, for the sites' histories.
    let mut at_sites: Vec<Report> = Vec::new();
    let lang = pdf.lang;
    let not_set = say(lang, "pdf.not_set", &[]);
    let groups: Box<dyn Iterator<Item = Result<Vec<R>, E>> + '_> = if pdf.per_incident {
        Box::new(by_incident(revisions, pdf.incidents))
    } else {
        Box::new(revisions.map(|r| r.map(|r| vec![r])))
    };
    for group in groups {
        let group = group.map_err(|e| ExportError::Source(e.to_string()))?;
        let Some(row) = group.first() else { continue };
        reports += group.len() as u64;
        for g in &group {
            if !g.revision().content.sites.is_empty() {
                at_sites.push(g.revision().content.clone());
            }
        }
        let revision: &Revision = row.revision();
        let r = &revision.content;
        // An incident's row: what its reports say together.
        let together = pdf
            .per_incident
            .then(|| IncidentFigures::of(group.iter().map(|g| &g.revision().content)))
            .flatten();
        let figure_of = |k: FigureKind| match &together {
            Some(t) => t.figure(k).map(|f| f.summary),
            None => r.figure(k),
        };
        let event_type = r
            .what
            .event_type
            .map_or(not_set.clone(), |e| acled(lang, "event_types", e.label()));
        let region = if r.location.admin1.is_empty() {
            &not_set
        } else {
            &r.location.admin1
        };
        by_type
            .entry(event_type.to_string())
            .or_default()
            .add(&figure_of);
        by_region
            .entry(region.to_string())
            .or_default()
            .add(&figure_of);
        let review = row.review().map_or_else(
            || say(lang, "pdf.review_none", &[]),
            |d| say(lang, &format!("pdf.review_short.{}", d.state.key()), &[]),
        );
        by_review.entry(review).or_default().add(&figure_of);
        all.add(&figure_of);
        let figure = |k| figure_of(k).map_or("–".to_string(), |s| figure_text(lang, &s));
        let place = [
            r.location.place.as_deref(),
            r.location.admin3.as_deref(),
            r.location.admin2.as_deref(),
        ]
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty())
        .unwrap_or("");
        // A linked incident's title says how many reports it sums up, naming every source.
        let (date, title) = match together.as_ref().filter(|t| t.reports.len() > 1) {
            Some(t) => (
                days(t.earliest, t.latest),
                format!(
                    "{}\n{}",
                    r.title,
                    say(
                        lang,
                        "pdf.incident_sources",
                        &[
                            ("n", t.reports.len().to_string()),
                            (
                                "sources",
                                t.sources
                                    .iter()
                                    .map(|s| s.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join("; "),
                            ),
                        ],
                    )
                ),
            ),
            None => (r.when.date.to_string(), r.title.clone()),
        };
        rows.push([
            date,
            place.to_string(),
            region.to_string(),
            event_type.to_string(),
            format!(
                "{} / {}",
                figure(FigureKind::Abducted),
                figure(FigureKind::Killed)
            ),
            review_cell(lang, row.review(), revision),
            title,
        ]);
    }
    if rows.is_empty() {
        return Err(ExportError::Empty);
    }

    let mut pages = Pages::new(lang);
    let title = pages.say("pdf.summary_title");
    pages.paragraph(&title, Weight::Bold, 16.0, MARGIN, CONTENT_WIDTH, INK);
    let selection = if pdf.selection.is_empty() {
        pages.say("pdf.every_report")
    } else {
        pdf.selection.to_string()
    };
    let (count, note) = if pdf.per_incident {
        (
            say(
                lang,
                "pdf.count_incidents_generated",
                &[
                    ("n", rows.len().to_string()),
                    ("reports", reports.to_string()),
                    ("at", utc(pdf.generated_at)),
                ],
            ),
            pages.say("pdf.sums_note_incidents"),
        )
    } else {
        (
            say(
                lang,
                "pdf.count_generated",
                &[("n", rows.len().to_string()), ("at", utc(pdf.generated_at))],
            ),
            pages.say("pdf.sums_note"),
        )
    };
    for line in [
        say(lang, "pdf.selection", &[("selection", selection)]),
        count,
        note,
    ] {
        pages.paragraph(&line, Weight::Regular, 9.0, MARGIN, CONTENT_WIDTH, GREY);
    }
    let counted = if pdf.per_incident {
        "pdf.incident_count"
    } else {
        "pdf.reports"
    };
    totals(
        &mut pages,
        ("pdf.by_event_type", "pdf.event_type", counted),
        &by_type,
        &all,
    );
    totals(
        &mut pages,
        ("pdf.by_region", "pdf.region", counted),
        &by_region,
        &all,
    );
    totals(
        &mut pages,
        ("pdf.by_review", "pdf.review", counted),
        &by_review,
        &all,
    );

    pages.y += 10.0;
    pages.ensure(leading(11.0) + 4.0 * leading(SIZE) + 4.0 * PAD);
    let incidents = pages.say("pdf.incidents");
    pages.paragraph(&incidents, Weight::Bold, 11.0, MARGIN, CONTENT_WIDTH, INK);
    pages.y += 2.0;
    let widths: Vec<f32> = COLUMNS.iter().map(|c| c.1).collect();
    let header: Vec<String> = COLUMNS.iter().map(|c| pages.say(c.0)).collect();
    table_row(&mut pages, &header, &widths, Weight::Bold, true);
    for row in &rows {
        let cells = cells(row, &widths, Weight::Regular);
        if row_height(&cells) > pages.room() {
            pages.new_page();
            table_row(&mut pages, &header, &widths, Weight::Bold, true);
        }
        place_row(&mut pages, cells, &widths, false);
    }
    sites_section(&mut pages, site_histories(at_sites, pdf.incidents), pdf);

    let count = pages.count();
    let footer = say(lang, "pdf.summary_footer", &[("at", utc(pdf.generated_at))]);
    let title = say(lang, "pdf.summary_title", &[]);
    let bytes = pages.finish(&footer, metadata(&title, pdf.generated_at))?;
    out.write_all(&bytes)
        .map_err(|e| ExportError::Pdf(e.to_string()))?;
    Ok(Written {
        reports,
        pages: count,
    })
}

/// Date, event type, abducted / killed, reports, title: catalogue codes and widths.
const SITE_COLUMNS: [(&str, f32); 5] = [
    ("pdf.date", 100.0),
    ("pdf.event_type", 100.0),
    ("pdf.abducted_killed", 90.0),
    ("pdf.reports", 45.0),
    ("pdf.title", CONTENT_WIDTH - 335.0),
];

/// "Sites": each registry site the selection names, with every incident at it, oldest first.
fn sites_section(pages: &mut Pages, mut histories: Vec<SiteHistory>, pdf: &SummaryPdf) {
    if histories.is_empty() {
        return;
    }
    let lang = pdf.lang;
    let name = |site| {
        pdf.sites
            .get(&site)
            .unwrap_or_else(|| say(lang, "pdf.unknown_site", &[]))
    };
    histories.sort_by_cached_key(|h| (name(h.site), h.site));
    pages.y += 10.0;
    pages.ensure(leading(11.0) + leading(9.0) + 3.0 * (leading(SIZE) + 2.0 * PAD));
    let title = pages.say("pdf.sites");
    pages.paragraph(&title, Weight::Bold, 11.0, MARGIN, CONTENT_WIDTH, INK);
    let widths: Vec<f32> = SITE_COLUMNS.iter().map(|c| c.1).collect();
    let header: Vec<String> = SITE_COLUMNS.iter().map(|c| pages.say(c.0)).collect();
    for history in &histories {
        pages.y += 6.0;
        pages.ensure(leading(9.0) + 2.0 * (leading(SIZE) + 2.0 * PAD));
        let line = format!(
            "{} \u{2014} {}",
            name(history.site),
            history_line(lang, history)
        );
        pages.paragraph(&line, Weight::Bold, 9.0, MARGIN, CONTENT_WIDTH, BLACK);
        pages.y += 2.0;
        table_row(pages, &header, &widths, Weight::Bold, true);
        for incident in &history.incidents {
            let t = &incident.figures;
            let figure = |k| {
                t.figure(k)
                    .map_or("–".to_string(), |f| figure_text(lang, &f.summary))
            };
            let row = [
                days(t.earliest, t.latest),
                incident.event_type.map_or_else(
                    || say(lang, "pdf.not_set", &[]),
                    |e| acled(lang, "event_types", e.label()),
                ),
                format!(
                    "{} / {}",
                    figure(FigureKind::Abducted),
                    figure(FigureKind::Killed)
                ),
                t.reports.len().to_string(),
                incident.title.clone(),
            ];
            let cells = cells(&row, &widths, Weight::Regular);
            if row_height(&cells) > pages.room() {
                pages.new_page();
                table_row(pages, &header, &widths, Weight::Bold, true);
            }
            place_row(pages, cells, &widths, false);
        }
    }
}

fn totals(
    pages: &mut Pages,
    (title, what, counted): (&str, &str, &str),
    groups: &BTreeMap<String, Totals>,
    all: &Totals,
) {
    let widths = [CONTENT_WIDTH - 3.0 * 80.0, 80.0, 80.0, 80.0];
    pages.y += 10.0;
    pages.ensure(leading(11.0) + 3.0 * (leading(SIZE) + 2.0 * PAD));
    let title = pages.say(title);
    pages.paragraph(&title, Weight::Bold, 11.0, MARGIN, CONTENT_WIDTH, INK);
    pages.y += 2.0;
    let header = [what, counted, "pdf.killed", "pdf.abducted"].map(|c| pages.say(c));
    table_row(pages, &header, &widths, Weight::Bold, true);
    let line = |name: &str, t: &Totals| {
        [
            name.to_string(),
            t.reports.to_string(),
            t.killed.to_string(),
            t.abducted.to_string(),
        ]
    };
    for (name, t) in groups {
        let row = line(name, t);
        let cells = cells(&row, &widths, Weight::Regular);
        pages.ensure(row_height(&cells));
        place_row(pages, cells, &widths, false);
    }
    let row = line(&pages.say("pdf.total"), all);
    let cells = cells(&row, &widths, Weight::Bold);
    pages.ensure(row_height(&cells));
    place_row(pages, cells, &widths, false);
}

fn cells<S: AsRef<str>>(row: &[S], widths: &[f32], weight: Weight) -> Vec<Vec<Line>> {
    row.iter()
        .zip(widths)
        .map(|(cell, w)| text::lines(cell.as_ref(), weight, SIZE, w - 2.0 * PAD))
        .collect()
}

fn row_height(cells: &[Vec<Line>]) -> f32 {
    let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    lines as f32 * leading(SIZE) + 2.0 * PAD
}

fn table_row<S: AsRef<str>>(
    pages: &mut Pages,
    row: &[S],
    widths: &[f32],
    weight: Weight,
    header: bool,
) {
    let cells = cells(row, widths, weight);
    pages.ensure(row_height(&cells));
    place_row(pages, cells, widths, header);
}

fn place_row(pages: &mut Pages, cells: Vec<Vec<Line>>, widths: &[f32], header: bool) {
    let height = row_height(&cells);
    let top = pages.y;
    if header {
        pages.shade(MARGIN, top, CONTENT_WIDTH, height, SHADE);
    }
    let mut x = MARGIN;
    for (lines, w) in cells.into_iter().zip(widths) {
        pages.place(
            lines,
            x + PAD,
            top + PAD,
            w - 2.0 * PAD,
            if header { INK } else { BLACK },
        );
        x += w;
    }
    pages.y = top + height;
    pages.rule(
        MARGIN,
        pages.y,
        CONTENT_WIDTH,
        if header { 0.8 } else { 0.4 },
        RULE,
    );
}
