//! A summary of a selection: totals by event type and by region, then one table row per
//! incident, the table's header repeated at the top of every page.
//!
//! The totals come first on paper but need every report, so the reports are read once and
//! only each row's few cells are kept, never whole reports.

use super::page::{BLACK, CONTENT_WIDTH, GREY, INK, MARGIN, Pages, RULE, SHADE, leading};
use super::text::{self, Line, Weight};
use super::{Written, acled, figure_text, metadata, review_cell, say, utc};
use crate::{ExportError, Result, Row};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::io::Write;
use terrain_domain::{FigureKind, Lang, Revision};

pub struct SummaryPdf<'a> {
    /// The selection in words ("region Kayes, from 2026-01-01"); empty for every report.
    pub selection: &'a str,
    pub generated_at: DateTime<Utc>,
    /// The language of every word on the paper.
    pub lang: Lang,
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
    fn add(&mut self, r: &terrain_domain::Report) {
        self.reports += 1;
        let low = |k| r.figure(k).map_or(0, |s| u64::from(s.conservative));
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
    let lang = pdf.lang;
    let not_set = say(lang, "pdf.not_set", &[]);
    for revision in revisions {
        let row = revision.map_err(|e| ExportError::Source(e.to_string()))?;
        let revision: &Revision = row.revision();
        let r = &revision.content;
        let event_type = r
            .what
            .event_type
            .map_or(not_set.clone(), |e| acled(lang, "event_types", e.label()));
        let region = if r.location.admin1.is_empty() {
            &not_set
        } else {
            &r.location.admin1
        };
        by_type.entry(event_type.to_string()).or_default().add(r);
        by_region.entry(region.to_string()).or_default().add(r);
        let review = row.review().map_or_else(
            || say(lang, "pdf.review_none", &[]),
            |d| say(lang, &format!("pdf.review_short.{}", d.state.key()), &[]),
        );
        by_review.entry(review).or_default().add(r);
        all.add(r);
        let figure = |k| {
            r.figure(k)
                .map_or("–".to_string(), |s| figure_text(lang, &s))
        };
        let place = [
            r.location.place.as_deref(),
            r.location.admin3.as_deref(),
            r.location.admin2.as_deref(),
        ]
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty())
        .unwrap_or("");
        rows.push([
            r.when.date.to_string(),
            place.to_string(),
            region.to_string(),
            event_type.to_string(),
            format!(
                "{} / {}",
                figure(FigureKind::Abducted),
                figure(FigureKind::Killed)
            ),
            review_cell(lang, row.review(), revision),
            r.title.clone(),
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
    for line in [
        say(lang, "pdf.selection", &[("selection", selection)]),
        say(
            lang,
            "pdf.count_generated",
            &[("n", rows.len().to_string()), ("at", utc(pdf.generated_at))],
        ),
        pages.say("pdf.sums_note"),
    ] {
        pages.paragraph(&line, Weight::Regular, 9.0, MARGIN, CONTENT_WIDTH, GREY);
    }
    totals(
        &mut pages,
        ("pdf.by_event_type", "pdf.event_type"),
        &by_type,
        &all,
    );
    totals(
        &mut pages,
        ("pdf.by_region", "pdf.region"),
        &by_region,
        &all,
    );
    totals(
        &mut pages,
        ("pdf.by_review", "pdf.review"),
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

    let count = pages.count();
    let footer = say(lang, "pdf.summary_footer", &[("at", utc(pdf.generated_at))]);
    let title = say(lang, "pdf.summary_title", &[]);
    let bytes = pages.finish(&footer, metadata(&title, pdf.generated_at))?;
    out.write_all(&bytes)
        .map_err(|e| ExportError::Pdf(e.to_string()))?;
    Ok(Written {
        reports: rows.len() as u64,
        pages: count,
    })
}

fn totals(
    pages: &mut Pages,
    (title, what): (&str, &str),
    groups: &BTreeMap<String, Totals>,
    all: &Totals,
) {
    let widths = [CONTENT_WIDTH - 3.0 * 80.0, 80.0, 80.0, 80.0];
    pages.y += 10.0;
    pages.ensure(leading(11.0) + 3.0 * (leading(SIZE) + 2.0 * PAD));
    let title = pages.say(title);
    pages.paragraph(&title, Weight::Bold, 11.0, MARGIN, CONTENT_WIDTH, INK);
    pages.y += 2.0;
    let header = [what, "pdf.reports", "pdf.killed", "pdf.abducted"].map(|c| pages.say(c));
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
