//! PDF: one report an official can print, sign and hand over ([`write_report`]), or a summary
//! of a selection ([`write_summary`]): totals by event type and region, then a table whose
//! header repeats on every page.
//!
//! Written with krilla; text shaped with rustybuzz and ordered with unicode-bidi, so French
//! accents and Arabic (joined, right to left) come out right and read back as text. The fonts
//! (Noto Sans, Noto Naskh Arabic) ship inside the binary and are embedded as subsets; no system
//! font is looked up. Every page says "Page N of M"; a report's PDF names its revision and
//! content hash so a reader can check it against the store (`terrain report history`).
//! Every word is the message catalogue's (`pdf.*`), in the language chosen at export; ACLED's
//! labels keep their English beside the French, for whoever matches the paper to ACLED data.

mod page;
mod report;
mod summary;
mod text;

pub use report::{Fetched, PdfReceipt, ReportPdf, write_report, write_report_with_receipt};
pub use summary::{SummaryPdf, history_line, month_year, write_summary};

use chrono::{DateTime, Datelike, Timelike, Utc};
use krilla::metadata::Metadata;
use terrain_domain::messages::{self, Lang, Params};
use terrain_domain::{ClaimsSummary, ReviewDecision, ReviewState, Revision};

/// What a PDF export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub reports: u64,
    pub pages: usize,
}

/// "2026-11-20 14:03:07 UTC".
fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn metadata(title: &str, generated_at: DateTime<Utc>) -> Metadata {
    let t = generated_at;
    Metadata::new()
        .title(title.to_string())
        .creator("Terrain".to_string())
        .creation_date(
            krilla::metadata::DateTime::new(t.year().clamp(0, 9999) as u16)
                .month(t.month() as u8)
                .day(t.day() as u8)
                .hour(t.hour() as u8)
                .minute(t.minute() as u8)
                .second(t.second() as u8)
                .utc_offset_hour(0)
                .utc_offset_minute(0),
        )
}

/// The catalogue's text for `code` in `lang`, `params` filled.
fn say(lang: Lang, code: &str, params: &[(&str, String)]) -> String {
    let params: Params = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    messages::text(lang, code, &params)
}

/// An enum's serde name: `usually_reliable`.
fn key(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A pick-list value in `lang` (`choice.<list>.<key>`).
fn choice(lang: Lang, list: &str, value: &impl serde::Serialize) -> String {
    messages::choice(lang, list, &key(value))
}

/// An ACLED label in `lang`; in French with ACLED's English beside it.
fn acled(lang: Lang, list: &str, label: &str) -> String {
    let said = messages::choice(lang, list, label);
    if said == label {
        said
    } else {
        format!("{said} ({label})")
    }
}

/// "3–4, les sources divergent": the core's summary in `lang`.
pub(super) fn figure_text(lang: Lang, s: &ClaimsSummary) -> String {
    let mut text = if s.min == s.max {
        s.min.to_string()
    } else {
        format!("{}\u{2013}{}", s.min, s.max)
    };
    if s.disputed {
        text.push_str(", ");
        text.push_str(&say(lang, "pdf.disputed", &[]));
    }
    text
}

/// "28 Nov 2026" ("28 nov. 2026"): the date of an RFC 3339 time, the month in `lang`; the text
/// as given if it is not one.
fn day(lang: Lang, at: &str) -> String {
    let Ok(t) = DateTime::parse_from_rfc3339(at) else {
        return at.to_string();
    };
    let t = t.with_timezone(&Utc);
    let months = say(lang, "pdf.months", &[]);
    let month = months
        .split(' ')
        .nth(t.month0() as usize)
        .map_or_else(|| t.month().to_string(), str::to_string);
    format!("{} {month} {}", t.day(), t.year())
}

/// "Verified by Fanta, 28 Nov 2026", "Needs follow-up, asked by Fanta, 28 Nov 2026: …",
/// "Rejected by Fanta, 28 Nov 2026: …" (the comment only when `comment`).
pub(super) fn review_text(lang: Lang, d: &ReviewDecision, comment: bool) -> String {
    let code = format!("pdf.review_{}", d.state.key());
    let mut text = say(
        lang,
        &code,
        &[("by", d.by.clone()), ("date", day(lang, &d.at))],
    );
    if let Some(c) = d.comment.as_deref().filter(|c| comment && !c.is_empty()) {
        text.push_str(&say(lang, "label_separator", &[]));
        text.push_str(c);
    }
    text
}

/// "changed since verified" (or "reviewed") when `revision` is not the one `d` reviewed.
pub(super) fn changed_text(lang: Lang, d: &ReviewDecision, revision: &Revision) -> Option<String> {
    crate::changed_since(d, revision).then(|| {
        say(
            lang,
            if d.state == ReviewState::Verified {
                "pdf.changed_since_verified"
            } else {
                "pdf.changed_since_reviewed"
            },
            &[],
        )
    })
}

/// A summary's cell: "Verified by Fanta, 28 Nov 2026", "Needs follow-up", "Rejected", each
/// followed by "; changed since verified" when an edit came after; "–" without a review.
pub(super) fn review_cell(lang: Lang, d: Option<&ReviewDecision>, revision: &Revision) -> String {
    let Some(d) = d else {
        return "–".to_string();
    };
    let mut text = match d.state {
        ReviewState::Verified => review_text(lang, d, false),
        s => say(lang, &format!("pdf.review_short.{}", s.key()), &[]),
    };
    if let Some(changed) = changed_text(lang, d, revision) {
        text.push_str("; ");
        text.push_str(&changed);
    }
    text
}
