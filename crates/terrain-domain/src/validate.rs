//! Reading and checking a report: every problem at once, each naming its field and the reason.
//!
//! A report that passes is tidied (trimmed text, the gazetteer's spelling of admin names, the
//! event type implied by the sub-event type) and wrapped in [`ValidReport`], the only form the
//! store accepts.

use crate::claims::Amount;
use crate::gazetteer;
use crate::report::{DatePrecision, Report, SCHEMA_VERSION, Status};
use crate::text::{self, TextKind};
use chrono::{Days, NaiveDate};
use std::collections::HashSet;
use std::fmt;

pub use crate::json::parse_json;

/// Size bounds: generous for real reports, small enough that bad input cannot swamp a device
/// or the server. The one table of limits: [`sizes`] and [`crate::Revision::check_bounds`] read
/// it, device and server alike; docs/record.md lists it.
pub mod limits {
    pub const TITLE_CHARS: usize = 200;
    pub const SHORT_TEXT_CHARS: usize = 500;
    pub const NARRATIVE_CHARS: usize = 100_000;
    pub const LIST_ITEMS: usize = 100;
    pub const CLAIMS_PER_FIGURE: usize = 50;
    pub const TAGS: usize = 50;
    pub const TAG_CHARS: usize = 64;
    pub const SOURCE_KEY_CHARS: usize = 32;
    /// RFC 6838: a type and a subtype of at most 127 characters each.
    pub const MEDIA_TYPE_CHARS: usize = 255;
    pub const SHA256_CHARS: usize = 64;
    /// A revision's author: the name the person typed.
    pub const AUTHOR_CHARS: usize = 200;
    /// A revision's device: its id (a UUID today) or name.
    pub const DEVICE_CHARS: usize = 100;
    /// A revision's parents: one per head it follows. A save follows every head of the report,
    /// which is one per device that edited it at once; far fewer than this in any team.
    pub const PARENTS: usize = 64;
    pub const AMOUNT: u32 = 10_000_000;
    pub const ATTACHMENT_BYTES: u64 = 200 * 1024 * 1024;
    /// A report's JSON form, as read from a file or a request.
    pub const REPORT_JSON_BYTES: usize = 2 * 1024 * 1024;
}

/// One thing wrong with a report: where, and what.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// Path of the field in the JSON form, e.g. `figures.abducted[1].source`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Everything wrong with a report. Never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(Problem::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl Problems {
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Problems {
        Problems(vec![Problem {
            field: field.into(),
            message: message.into(),
        }])
    }
}

/// A report that passed [`check`]. Only `check` makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidReport(Report);

impl ValidReport {
    pub fn into_inner(self) -> Report {
        self.0
    }
}

impl std::ops::Deref for ValidReport {
    type Target = Report;
    fn deref(&self) -> &Report {
        &self.0
    }
}

/// Tidies and checks a report. `today` is the device's date, for "not in the future".
pub fn check(mut report: Report, today: NaiveDate) -> Result<ValidReport, Problems> {
    unify_prose_line_ends(&mut report);
    tidy(&mut report);
    // An oversized report is refused on its sizes alone, before anything else walks it.
    sizes(&report)?;
    crate::claims::assign_ids(report.id, &mut report.figures);
    let mut c = Checker {
        problems: Vec::new(),
    };
    c.check(&mut report, today);
    if c.problems.is_empty() {
        Ok(ValidReport(report))
    } else {
        Err(Problems(c.problems))
    }
}

/// One text field of a report: where it is, what it holds, how long it may be, which kind.
struct TextField<'a> {
    field: String,
    text: &'a str,
    max: usize,
    kind: TextKind,
}

/// Every list of a report: (field, items, at most). Read before [`texts`], which walks them.
fn lists(r: &Report) -> Vec<(String, usize, usize)> {
    use limits::*;
    let mut lists = vec![
        (
            "what.categories".to_string(),
            r.what.categories.len(),
            LIST_ITEMS,
        ),
        ("perpetrators".into(), r.perpetrators.len(), LIST_ITEMS),
        ("targets".into(), r.targets.len(), LIST_ITEMS),
        ("sites".into(), r.sites.len(), LIST_ITEMS),
        ("sources".into(), r.sources.len(), LIST_ITEMS),
        ("tags".into(), r.tags.len(), TAGS),
        ("attachments".into(), r.attachments.len(), LIST_ITEMS),
    ];
    for (kind, claims) in &r.figures {
        lists.push((
            format!("figures.{}", kind.key()),
            claims.len(),
            CLAIMS_PER_FIGURE,
        ));
    }
    lists
}

/// Every text field of a report with its limit and kind: the table sizes and characters are
/// checked by.
fn texts(r: &Report) -> Vec<TextField<'_>> {
    use TextKind::{Line, Prose};
    use limits::*;
    fn field(field: String, text: &str, max: usize, kind: TextKind) -> TextField<'_> {
        TextField {
            field,
            text,
            max,
            kind,
        }
    }
    let l = &r.location;
    let mut out = vec![field("title".into(), &r.title, TITLE_CHARS, Line)];
    out.push(field(
        "where.admin1".into(),
        &l.admin1,
        SHORT_TEXT_CHARS,
        Line,
    ));
    for (name, text) in [
        ("where.admin2", &l.admin2),
        ("where.admin3", &l.admin3),
        ("where.place", &l.place),
    ] {
        if let Some(text) = text {
            out.push(field(name.into(), text, SHORT_TEXT_CHARS, Line));
        }
    }
    for (i, a) in r.perpetrators.iter().enumerate() {
        out.push(field(
            format!("perpetrators[{i}].name"),
            &a.name,
            SHORT_TEXT_CHARS,
            Line,
        ));
    }
    for (i, t) in r.targets.iter().enumerate() {
        out.push(field(format!("targets[{i}]"), t, SHORT_TEXT_CHARS, Line));
    }
    for (i, s) in r.sites.iter().enumerate() {
        if let Some(d) = &s.damage {
            out.push(field(
                format!("sites[{i}].damage"),
                d,
                SHORT_TEXT_CHARS,
                Prose,
            ));
        }
    }
    for (i, s) in r.sources.iter().enumerate() {
        out.push(field(
            format!("sources[{i}].key"),
            &s.key,
            SOURCE_KEY_CHARS,
            Line,
        ));
        out.push(field(
            format!("sources[{i}].name"),
            &s.name,
            SHORT_TEXT_CHARS,
            Line,
        ));
        for (name, v, kind) in [
            ("contact", &s.contact, Line),
            ("url", &s.url, Line),
            ("note", &s.note, Prose),
        ] {
            if let Some(v) = v {
                out.push(field(
                    format!("sources[{i}].{name}"),
                    v,
                    SHORT_TEXT_CHARS,
                    kind,
                ));
            }
        }
    }
    for (kind, claims) in &r.figures {
        for (i, c) in claims.iter().enumerate() {
            let at = format!("figures.{}[{i}]", kind.key());
            out.push(field(
                format!("{at}.source"),
                &c.source,
                SOURCE_KEY_CHARS,
                Line,
            ));
            if let Some(n) = &c.note {
                out.push(field(format!("{at}.note"), n, SHORT_TEXT_CHARS, Prose));
            }
        }
    }
    out.push(field(
        "narrative".into(),
        &r.narrative,
        NARRATIVE_CHARS,
        Prose,
    ));
    if let Some(d) = &r.damage {
        out.push(field("damage".into(), d, NARRATIVE_CHARS, Prose));
    }
    for (i, t) in r.tags.iter().enumerate() {
        out.push(field(format!("tags[{i}]"), t, TAG_CHARS, Line));
    }
    for (i, a) in r.attachments.iter().enumerate() {
        let at = format!("attachments[{i}]");
        out.push(field(format!("{at}.sha256"), &a.sha256, SHA256_CHARS, Line));
        out.push(field(
            format!("{at}.media_type"),
            &a.media_type,
            MEDIA_TYPE_CHARS,
            Line,
        ));
        out.push(field(
            format!("{at}.file_name"),
            &a.file_name,
            SHORT_TEXT_CHARS,
            Line,
        ));
        if let Some(c) = &a.caption {
            out.push(field(format!("{at}.caption"), c, SHORT_TEXT_CHARS, Line));
        }
    }
    out
}

/// Checks every size bound of a report (text lengths and list lengths) and nothing else: cheap
/// enough to run on anything received before it is hashed or checked further.
pub fn sizes(r: &Report) -> Result<(), Problems> {
    let mut problems: Vec<Problem> = lists(r)
        .into_iter()
        .filter(|(_, n, max)| n > max)
        .map(|(field, n, max)| Problem {
            field,
            message: too_many(n, max),
        })
        .collect();
    // Texts are walked only once every list is known to be short.
    if problems.is_empty() {
        problems = texts(r)
            .into_iter()
            .filter_map(|f| {
                // A text of at most `max` bytes has at most `max` characters: no count needed.
                let n = if f.text.len() <= f.max {
                    return None;
                } else {
                    f.text.chars().count()
                };
                (n > f.max).then(|| Problem {
                    field: f.field,
                    message: too_long(n, f.max),
                })
            })
            .collect();
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Problems(problems))
    }
}

/// "is 201 characters long; at most 200 are allowed"
pub(crate) fn too_long(n: usize, max: usize) -> String {
    format!("is {n} characters long; at most {max} are allowed")
}

/// "has 101 items; at most 100 are allowed"
pub(crate) fn too_many(n: usize, max: usize) -> String {
    format!("has {n} items; at most {max} are allowed")
}

/// The fields that may hold line breaks, in one form whatever system they were written on.
fn unify_prose_line_ends(r: &mut Report) {
    let notes = r.sources.iter_mut().filter_map(|s| s.note.as_mut());
    let claim_notes = r
        .figures
        .values_mut()
        .flatten()
        .filter_map(|c| c.note.as_mut());
    let damages = r.sites.iter_mut().filter_map(|s| s.damage.as_mut());
    for t in std::iter::once(&mut r.narrative)
        .chain(r.damage.as_mut())
        .chain(notes)
        .chain(claim_notes)
        .chain(damages)
    {
        text::unify_line_ends(t);
    }
}

fn trim(s: &mut String) {
    let t = s.trim();
    if t.len() != s.len() {
        *s = t.to_string();
    }
}

fn trim_opt(s: &mut Option<String>) {
    if let Some(v) = s {
        trim(v);
        if v.is_empty() {
            *s = None;
        }
    }
}

fn tidy(r: &mut Report) {
    trim(&mut r.title);
    trim(&mut r.location.admin1);
    for s in [
        &mut r.location.admin2,
        &mut r.location.admin3,
        &mut r.location.place,
        &mut r.damage,
    ] {
        trim_opt(s);
    }
    // Trailing blank lines only: the narrative's own layout is the writer's.
    r.narrative.truncate(r.narrative.trim_end().len());
    for t in &mut r.tags {
        trim(t);
    }
    let mut seen = HashSet::new();
    r.tags
        .retain(|t| !t.is_empty() && seen.insert(t.to_lowercase()));
    for a in &mut r.perpetrators {
        trim(&mut a.name);
    }
    for t in &mut r.targets {
        trim(t);
    }
    for s in &mut r.sources {
        trim(&mut s.key);
        trim(&mut s.name);
        trim_opt(&mut s.contact);
        trim_opt(&mut s.url);
        trim_opt(&mut s.note);
    }
    for claims in r.figures.values_mut() {
        for c in claims {
            trim(&mut c.source);
            trim_opt(&mut c.note);
        }
    }
    if let Some(sub) = r.what.sub_event_type
        && r.what.event_type.is_none()
    {
        r.what.event_type = Some(sub.event_type());
    }
}

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Says which refused character each text field holds, and where.
    fn characters(&mut self, r: &Report) {
        for f in texts(r) {
            if let Some(refused) = text::refused(f.text, f.kind) {
                self.fail(f.field, refused.to_string());
            }
        }
    }

    /// An empty field that must not be: always, or (`final_only`) in a final report.
    fn required(&mut self, field: &str, text: &str, final_only: bool, status: Status) {
        if text.is_empty() && (!final_only || status == Status::Final) {
            let when = if final_only {
                " for a final report"
            } else {
                ""
            };
            self.fail(field, format!("is required{when}"));
        }
    }

    fn check(&mut self, r: &mut Report, today: NaiveDate) {
        let status = r.status;
        if r.schema_version != SCHEMA_VERSION {
            let why = if r.schema_version > SCHEMA_VERSION {
                "is newer than this version of Terrain reads; update Terrain"
            } else {
                "is not a schema version Terrain knows"
            };
            self.fail(
                "schema_version",
                format!("{} {why} (it reads {SCHEMA_VERSION})", r.schema_version),
            );
        }
        if r.id.get_version_num() != 7 {
            self.fail("id", "must be a UUIDv7 (time-ordered, made on the device)");
        }
        self.characters(r);
        self.required("title", &r.title, true, status);
        self.check_when(r, today);
        self.check_where(r);
        if status == Status::Final && r.what.event_type.is_none() {
            self.fail("what.event_type", "is required for a final report");
        }
        if let (Some(e), Some(s)) = (r.what.event_type, r.what.sub_event_type)
            && s.event_type() != e
        {
            self.fail(
                "what.sub_event_type",
                format!("\"{s}\" belongs to \"{}\", not to \"{e}\"", s.event_type()),
            );
        }
        let mut seen = HashSet::new();
        for (i, c) in r.what.categories.iter().enumerate() {
            if !seen.insert(*c) {
                self.fail(
                    format!("what.categories[{i}]"),
                    format!("\"{c}\" is listed twice"),
                );
            }
        }
        for (i, a) in r.perpetrators.iter().enumerate() {
            self.required(&format!("perpetrators[{i}].name"), &a.name, false, status);
            if let Some(inter) = a.inter
                && !(1..=8).contains(&inter)
            {
                self.fail(
                    format!("perpetrators[{i}].inter"),
                    format!("is {inter}; ACLED's actor types run from 1 to 8"),
                );
            }
        }
        for (i, t) in r.targets.iter().enumerate() {
            self.required(&format!("targets[{i}]"), t, false, status);
        }
        let mut seen = HashSet::new();
        for (i, s) in r.sites.iter().enumerate() {
            if !seen.insert(s.site_id) {
                self.fail(format!("sites[{i}].site_id"), "lists the same site twice");
            }
        }
        self.check_sources(r);
        self.check_figures(r);
        self.check_attachments(r);
    }

    fn check_when(&mut self, r: &Report, today: NaiveDate) {
        let w = &r.when;
        // A day of slack: a device west of Greenwich can be a day behind the server's clock.
        let latest = today.checked_add_days(Days::new(1)).unwrap_or(today);
        let earliest = NaiveDate::from_ymd_opt(1960, 1, 1).expect("valid date");
        for (field, date) in [("when.date", Some(w.date)), ("when.end_date", w.end_date)] {
            let Some(date) = date else { continue };
            if date > latest {
                self.fail(field, format!("{date} is in the future (today is {today})"));
            } else if date < earliest {
                self.fail(field, format!("{date} is before 1960; check the year"));
            }
        }
        if let Some(end) = w.end_date
            && end < w.date
        {
            self.fail(
                "when.end_date",
                format!("{end} is before the start date {}", w.date),
            );
        }
        if w.precision == DatePrecision::Exact && w.time.is_none() {
            self.fail("when.time", "is required when the precision is \"exact\"");
        }
        if !(-720..=840).contains(&w.utc_offset_minutes) {
            self.fail(
                "when.utc_offset_minutes",
                format!(
                    "is {}; offsets run from -720 (UTC-12) to 840 (UTC+14)",
                    w.utc_offset_minutes
                ),
            );
        }
    }

    fn check_where(&mut self, r: &mut Report) {
        let status = r.status;
        let l = &mut r.location;
        self.required("where.admin1", &l.admin1, true, status);
        let region = if l.admin1.is_empty() {
            None
        } else if let Some(region) = gazetteer::region(&l.admin1) {
            l.admin1 = region.name.to_string();
            Some(region)
        } else {
            let hint = gazetteer::closest(&l.admin1, gazetteer::regions().iter().map(|r| r.name))
                .map(|n| format!("; did you mean \"{n}\"?"))
                .unwrap_or_else(|| {
                    let all: Vec<_> = gazetteer::regions().iter().map(|r| r.name).collect();
                    format!("; known regions: {}", all.join(", "))
                });
            self.fail(
                "where.admin1",
                format!("\"{}\" is not a region of Mali{hint}", l.admin1),
            );
            None
        };
        let cercle = match (&mut l.admin2, region) {
            (Some(name), Some(region)) => match region.cercle(name) {
                Some(c) => {
                    *name = c.name.to_string();
                    Some(c)
                }
                None => {
                    let elsewhere = gazetteer::regions()
                        .iter()
                        .find(|other| other.cercle(name).is_some())
                        .map(|other| format!("; it is a cercle of {}", other.name));
                    let hint = elsewhere.or_else(|| {
                        gazetteer::closest(name, region.cercles.iter().map(|c| c.name))
                            .map(|n| format!("; did you mean \"{n}\"?"))
                    });
                    self.fail(
                        "where.admin2",
                        format!(
                            "\"{name}\" is not a cercle of {}{}",
                            region.name,
                            hint.unwrap_or_default()
                        ),
                    );
                    None
                }
            },
            (Some(_), None) if l.admin1.is_empty() => {
                self.fail("where.admin2", "needs a region (where.admin1)");
                None
            }
            _ => None,
        };
        if let (Some(name), Some(cercle)) = (&mut l.admin3, cercle)
            && let Some(canonical) = cercle.commune(name)
        {
            *name = canonical.to_string();
        }
        if let Some(c) = l.coordinates {
            self.check_coordinates(c.latitude, c.longitude);
        }
    }

    fn check_coordinates(&mut self, lat: f64, lon: f64) {
        // Mali's extent with half a degree to spare: the gazetteer and the users are in Mali.
        const LAT: (f64, f64) = (9.6, 25.5);
        const LON: (f64, f64) = (-12.8, 4.8);
        let inside = |v: f64, (lo, hi): (f64, f64)| v.is_finite() && v >= lo && v <= hi;
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            self.fail(
                "where.coordinates.latitude",
                format!("{lat} is not a latitude (-90 to 90)"),
            );
        } else if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            self.fail(
                "where.coordinates.longitude",
                format!("{lon} is not a longitude (-180 to 180)"),
            );
        } else if !(inside(lat, LAT) && inside(lon, LON)) {
            let swapped = inside(lon, LAT) && inside(lat, LON);
            let hint = if swapped {
                "; are latitude and longitude swapped?"
            } else {
                ""
            };
            self.fail(
                "where.coordinates",
                format!("{lat}, {lon} is outside Mali (latitude 10 to 25 N, longitude 12 W to 4 E){hint}"),
            );
        }
    }

    fn check_sources(&mut self, r: &Report) {
        use limits::*;
        if r.status == Status::Final && r.sources.is_empty() {
            self.fail("sources", "a final report needs at least one source");
        }
        let mut keys = HashSet::new();
        for (i, s) in r.sources.iter().enumerate() {
            let field = format!("sources[{i}].key");
            if s.key.is_empty() {
                self.fail(
                    field,
                    "is required (a short name claims refer to, like \"s1\")",
                );
            } else if text::refused(&s.key, TextKind::Line).is_some() {
                // Said with every field's characters.
            } else if s.key.len() > SOURCE_KEY_CHARS
                || !s
                    .key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                self.fail(
                    field,
                    format!(
                        "\"{}\" must be 1 to {SOURCE_KEY_CHARS} letters, digits, - or _",
                        s.key
                    ),
                );
            } else if !keys.insert(s.key.as_str()) {
                self.fail(field, format!("\"{}\" is used by another source", s.key));
            }
            self.required(&format!("sources[{i}].name"), &s.name, false, r.status);
        }
    }

    fn check_figures(&mut self, r: &Report) {
        use limits::*;
        let keys: HashSet<&str> = r.sources.iter().map(|s| s.key.as_str()).collect();
        let mut ids = HashSet::new();
        for (kind, claims) in &r.figures {
            let base = format!("figures.{}", kind.key());
            if claims.is_empty() {
                self.fail(
                    &base,
                    "has no claims; add one with its source, or remove the figure",
                );
            }
            for (i, c) in claims.iter().enumerate() {
                let at = format!("{base}[{i}]");
                // The merge tells claims apart by id.
                if let Some(id) = c.id
                    && !ids.insert(id)
                {
                    self.fail(
                        format!("{at}.id"),
                        "is the id of another claim; each claim has its own",
                    );
                }
                match c.amount {
                    Amount::Range { min, max } if min > max => {
                        self.fail(
                            format!("{at}.amount"),
                            format!("the range {min}–{max} runs backwards"),
                        );
                    }
                    Amount::Range { min, max } if min == max => {
                        self.fail(
                            format!("{at}.amount"),
                            format!("the range {min}–{max} is one number; write {min}"),
                        );
                    }
                    a if a.bounds().1 > AMOUNT => {
                        self.fail(
                            format!("{at}.amount"),
                            format!("{} is more than {AMOUNT}", a.bounds().1),
                        );
                    }
                    _ => {}
                }
                if c.source.is_empty() {
                    self.fail(
                        format!("{at}.source"),
                        "is required: every claim names its source",
                    );
                } else if text::refused(&c.source, TextKind::Line).is_some() {
                    // Said with every field's characters.
                } else if !keys.contains(c.source.as_str()) {
                    self.fail(
                        format!("{at}.source"),
                        format!(
                            "no source with key \"{}\" in this report's sources",
                            c.source
                        ),
                    );
                }
            }
        }
    }

    fn check_attachments(&mut self, r: &Report) {
        use limits::*;
        for (i, a) in r.attachments.iter().enumerate() {
            let at = format!("attachments[{i}]");
            if a.sha256.len() != 64 || !a.sha256.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
            {
                self.fail(
                    format!("{at}.sha256"),
                    "must be 64 lower-case hexadecimal digits",
                );
            }
            if a.size == 0 || a.size > ATTACHMENT_BYTES {
                self.fail(
                    format!("{at}.size"),
                    format!("{} bytes; must be 1 to {ATTACHMENT_BYTES}", a.size),
                );
            }
            let mut parts = a.media_type.split('/');
            if text::refused(&a.media_type, TextKind::Line).is_some() {
                // Said with every field's characters.
            } else if !matches!((parts.next(), parts.next(), parts.next()), (Some(t), Some(s), None) if !t.is_empty() && !s.is_empty())
            {
                self.fail(
                    format!("{at}.media_type"),
                    format!("\"{}\" is not a media type like image/jpeg", a.media_type),
                );
            }
            self.required(&format!("{at}.file_name"), &a.file_name, false, r.status);
        }
    }
}

/// A final report has been queued for others to see; it cannot quietly become a draft again.
pub fn check_transition(previous: Option<Status>, next: Status) -> Result<(), Problems> {
    match (previous, next) {
        (Some(Status::Final), Status::Draft) => Err(Problems::one(
            "status",
            "a final report cannot go back to draft; save your changes as final",
        )),
        _ => Ok(()),
    }
}
