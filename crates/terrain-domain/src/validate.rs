//! Reading and checking a report: every problem at once, each naming its field and the reason.
//!
//! A report that passes is tidied (trimmed text, the gazetteer's spelling of admin names, the
//! event type implied by the sub-event type) and wrapped in [`ValidReport`], the only form the
//! store accepts.

use crate::claims::Amount;
use crate::gazetteer;
use crate::messages::{self, Lang, Params};
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
    /// A review decision's comment: the question for the reporter or the reason for a rejection.
    pub const REVIEW_COMMENT_CHARS: usize = 2_000;
}

/// One thing wrong with a report: where, and what, as a code of the message catalogue
/// ([`messages`]) that the CLI, the server and the UI word in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// Path of the field in the JSON form, e.g. `figures.abducted[1].source`.
    pub field: String,
    /// What is wrong: a code of `messages.json`, e.g. `required_final`.
    pub code: String,
    /// The code's parameters (the value given, the limit...).
    #[cfg_attr(feature = "ts", ts(type = "Record<string, string>"))]
    pub params: Params,
    /// The message in English, for scripts and logs that read text.
    pub message: String,
}

impl Problem {
    /// A problem with `field`, said by `code` with `params`.
    pub fn new<V: ToString>(
        field: impl Into<String>,
        code: &str,
        params: impl IntoIterator<Item = (&'static str, V)>,
    ) -> Problem {
        debug_assert!(
            messages::template(Lang::En, code).is_some(),
            "{code} is not in messages.json"
        );
        let params: Params = params
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut p = Problem {
            field: field.into(),
            code: code.to_string(),
            params,
            message: String::new(),
        };
        p.message = p.text(Lang::En);
        p
    }

    /// A problem whose code needs no parameter.
    pub fn bare(field: impl Into<String>, code: &str) -> Problem {
        Problem::new(field, code, None::<(&str, String)>)
    }

    /// What is wrong, in `lang` ("obligatoire pour un rapport final").
    pub fn text(&self, lang: Lang) -> String {
        let mut text = messages::text(lang, &self.code, &self.params);
        if self.params.contains_key("line") {
            text.push_str(&messages::text(lang, "at_position", &self.params));
        }
        text
    }

    /// The field in words and what is wrong, in `lang`: "Titre : obligatoire pour un rapport
    /// final".
    pub fn render(&self, lang: Lang) -> String {
        format!(
            "{}{}{}",
            messages::label(lang, &self.field),
            messages::text(lang, "label_separator", &Params::new()),
            self.text(lang)
        )
    }
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
    pub fn one<V: ToString>(
        field: impl Into<String>,
        code: &str,
        params: impl IntoIterator<Item = (&'static str, V)>,
    ) -> Problems {
        Problems(vec![Problem::new(field, code, params)])
    }

    /// Every problem in `lang`, one a line, each naming its field in words.
    pub fn render(&self, lang: Lang) -> String {
        let lines: Vec<String> = self.0.iter().map(|p| p.render(lang)).collect();
        lines.join("\n")
    }
}

/// The fields a final report must fill, as field paths (`[]`: in every element, `*`: any
/// figure); the form marks them. `tests/required.rs` holds `check` to this list.
pub const REQUIRED: &[&str] = &[
    "title",
    "where.admin1",
    "what.event_type",
    "perpetrators[].name",
    "sources[].name",
    "figures.*[].source",
];

/// A report that passed [`check`]. Only `check` makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidReport(Report);

impl ValidReport {
    pub fn into_inner(self) -> Report {
        self.0
    }

    /// A report known to stay valid (a valid one with reduced copies added).
    pub(crate) fn trusted(report: Report) -> ValidReport {
        ValidReport(report)
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
        .map(|(field, n, max)| too_many(field, n, max))
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
                (n > f.max).then(|| too_long(f.field, n, f.max))
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
pub(crate) fn too_long(field: impl Into<String>, n: usize, max: usize) -> Problem {
    Problem::new(field, "too_long", [("n", n), ("max", max)])
}

/// "has 101 items; at most 100 are allowed"
pub(crate) fn too_many(field: impl Into<String>, n: usize, max: usize) -> Problem {
    Problem::new(field, "too_many", [("n", n), ("max", max)])
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
    crate::reduced::drop_orphan_copies(r);
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
    fn fail<V: ToString>(
        &mut self,
        field: impl Into<String>,
        code: &str,
        params: impl IntoIterator<Item = (&'static str, V)>,
    ) {
        self.problems.push(Problem::new(field, code, params));
    }

    fn fail_bare(&mut self, field: impl Into<String>, code: &str) {
        self.problems.push(Problem::bare(field, code));
    }

    /// Says which refused character each text field holds, and where.
    fn characters(&mut self, r: &Report) {
        for f in texts(r) {
            if let Some(refused) = text::refused(f.text, f.kind) {
                self.problems.push(refused.problem(f.field));
            }
        }
    }

    /// An empty field that must not be: always, or (`final_only`) in a final report.
    fn required(&mut self, field: &str, text: &str, final_only: bool, status: Status) {
        if text.is_empty() && (!final_only || status == Status::Final) {
            let code = if final_only {
                "required_final"
            } else {
                "required"
            };
            self.fail_bare(field, code);
        }
    }

    fn check(&mut self, r: &mut Report, today: NaiveDate) {
        let status = r.status;
        if r.schema_version != SCHEMA_VERSION {
            let code = if r.schema_version > SCHEMA_VERSION {
                "schema_newer"
            } else {
                "schema_unknown"
            };
            self.fail(
                "schema_version",
                code,
                [("given", r.schema_version), ("reads", SCHEMA_VERSION)],
            );
        }
        if r.id.get_version_num() != 7 {
            self.fail_bare("id", "id_not_v7");
        }
        self.characters(r);
        self.required("title", &r.title, true, status);
        self.check_when(r, today);
        self.check_where(r);
        if status == Status::Final && r.what.event_type.is_none() {
            self.fail_bare("what.event_type", "required_final");
        }
        if let (Some(e), Some(s)) = (r.what.event_type, r.what.sub_event_type)
            && s.event_type() != e
        {
            let parent = s.event_type();
            self.fail(
                "what.sub_event_type",
                "sub_event_mismatch",
                [
                    ("sub", s.label().to_string()),
                    ("parent", parent.label().to_string()),
                    ("event", e.label().to_string()),
                    ("sub_label", format!("choice.sub_event_types.{s}")),
                    ("parent_label", format!("choice.event_types.{parent}")),
                    ("event_label", format!("choice.event_types.{e}")),
                ],
            );
        }
        let mut seen = HashSet::new();
        for (i, c) in r.what.categories.iter().enumerate() {
            if !seen.insert(*c) {
                self.fail(
                    format!("what.categories[{i}]"),
                    "listed_twice",
                    [
                        ("value", c.label().to_string()),
                        ("value_label", format!("choice.categories.{c}")),
                    ],
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
                    "inter_range",
                    [("inter", inter)],
                );
            }
        }
        for (i, t) in r.targets.iter().enumerate() {
            self.required(&format!("targets[{i}]"), t, false, status);
        }
        let mut seen = HashSet::new();
        for (i, s) in r.sites.iter().enumerate() {
            if !seen.insert(s.site_id) {
                self.fail_bare(format!("sites[{i}].site_id"), "site_twice");
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
                self.fail(
                    field,
                    "date_future",
                    [("date", date.to_string()), ("today", today.to_string())],
                );
            } else if date < earliest {
                self.fail(field, "date_before_1960", [("date", date)]);
            }
        }
        if let Some(end) = w.end_date
            && end < w.date
        {
            self.fail(
                "when.end_date",
                "end_before_start",
                [("end", end), ("start", w.date)],
            );
        }
        if w.precision == DatePrecision::Exact && w.time.is_none() {
            self.fail_bare("when.time", "time_required_exact");
        }
        if !(-720..=840).contains(&w.utc_offset_minutes) {
            self.fail(
                "when.utc_offset_minutes",
                "utc_offset_range",
                [("offset", w.utc_offset_minutes)],
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
            let name = ("name", l.admin1.clone());
            match gazetteer::closest(&l.admin1, gazetteer::regions().iter().map(|r| r.name)) {
                Some(n) => self.fail(
                    "where.admin1",
                    "region_unknown_hint",
                    [name, ("suggestion", n.to_string())],
                ),
                None => {
                    let all: Vec<_> = gazetteer::regions().iter().map(|r| r.name).collect();
                    self.fail(
                        "where.admin1",
                        "region_unknown",
                        [name, ("regions", all.join(", "))],
                    )
                }
            }
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
                        .map(|other| ("cercle_elsewhere", ("other", other.name)));
                    let hint = elsewhere.or_else(|| {
                        gazetteer::closest(name, region.cercles.iter().map(|c| c.name))
                            .map(|n| ("cercle_unknown_hint", ("suggestion", n)))
                    });
                    let mut params = vec![("name", name.as_str()), ("region", region.name)];
                    let code = match hint {
                        Some((code, param)) => {
                            params.push(param);
                            code
                        }
                        None => "cercle_unknown",
                    };
                    self.fail("where.admin2", code, params);
                    None
                }
            },
            (Some(_), None) if l.admin1.is_empty() => {
                self.fail_bare("where.admin2", "cercle_needs_region");
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
                "latitude_range",
                [("value", lat)],
            );
        } else if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            self.fail(
                "where.coordinates.longitude",
                "longitude_range",
                [("value", lon)],
            );
        } else if !(inside(lat, LAT) && inside(lon, LON)) {
            let swapped = inside(lon, LAT) && inside(lat, LON);
            let code = if swapped {
                "outside_mali_swapped"
            } else {
                "outside_mali"
            };
            self.fail(
                "where.coordinates",
                code,
                [("latitude", lat), ("longitude", lon)],
            );
        }
    }

    fn check_sources(&mut self, r: &Report) {
        use limits::*;
        if r.status == Status::Final && r.sources.is_empty() {
            self.fail_bare("sources", "sources_final_none");
        }
        let mut keys = HashSet::new();
        for (i, s) in r.sources.iter().enumerate() {
            let field = format!("sources[{i}].key");
            if s.key.is_empty() {
                self.fail_bare(field, "source_key_required");
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
                    "source_key_form",
                    [
                        ("key", s.key.clone()),
                        ("max", SOURCE_KEY_CHARS.to_string()),
                    ],
                );
            } else if !keys.insert(s.key.as_str()) {
                self.fail(field, "source_key_taken", [("key", &s.key)]);
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
                self.fail_bare(&base, "figure_no_claims");
            }
            for (i, c) in claims.iter().enumerate() {
                let at = format!("{base}[{i}]");
                // The merge tells claims apart by id.
                if let Some(id) = c.id
                    && !ids.insert(id)
                {
                    self.fail_bare(format!("{at}.id"), "claim_id_twice");
                }
                match c.amount {
                    Amount::Range { min, max } if min > max => {
                        self.fail(
                            format!("{at}.amount"),
                            "range_backwards",
                            [("min", min), ("max", max)],
                        );
                    }
                    Amount::Range { min, max } if min == max => {
                        self.fail(
                            format!("{at}.amount"),
                            "range_one_number",
                            [("min", min), ("max", max)],
                        );
                    }
                    a if a.bounds().1 > AMOUNT => {
                        self.fail(
                            format!("{at}.amount"),
                            "amount_too_big",
                            [("value", a.bounds().1), ("max", AMOUNT)],
                        );
                    }
                    _ => {}
                }
                if c.source.is_empty() {
                    self.fail_bare(format!("{at}.source"), "claim_source_required");
                } else if text::refused(&c.source, TextKind::Line).is_some() {
                    // Said with every field's characters.
                } else if !keys.contains(c.source.as_str()) {
                    self.fail(
                        format!("{at}.source"),
                        "claim_source_unknown",
                        [("key", &c.source)],
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
                self.fail_bare(format!("{at}.sha256"), "sha256_form");
            }
            if a.size == 0 || a.size > ATTACHMENT_BYTES {
                self.fail(
                    format!("{at}.size"),
                    "attachment_size",
                    [("size", a.size), ("max", ATTACHMENT_BYTES)],
                );
            }
            let mut parts = a.media_type.split('/');
            if text::refused(&a.media_type, TextKind::Line).is_some() {
                // Said with every field's characters.
            } else if !matches!((parts.next(), parts.next(), parts.next()), (Some(t), Some(s), None) if !t.is_empty() && !s.is_empty())
            {
                self.fail(
                    format!("{at}.media_type"),
                    "media_type_form",
                    [("value", &a.media_type)],
                );
            }
            self.required(&format!("{at}.file_name"), &a.file_name, false, r.status);
            if let Some(original) = &a.reduced_of
                && !crate::reduced::is_original_in(r, original)
            {
                self.fail(
                    format!("{at}.reduced_of"),
                    "reduced_of_unknown",
                    [("sha256", original)],
                );
            }
        }
    }
}

/// A final report has been queued for others to see; it cannot quietly become a draft again.
pub fn check_transition(previous: Option<Status>, next: Status) -> Result<(), Problems> {
    match (previous, next) {
        (Some(Status::Final), Status::Draft) => {
            Err(Problems(vec![Problem::bare("status", "final_to_draft")]))
        }
        _ => Ok(()),
    }
}
