//! The report form as typed: kept at every save even while a field does not check (the store's
//! work in progress), read into a report through the domain's parsers (coordinates and dates as
//! people type them), and saved as a revision whenever what was typed checks as a draft.

use crate::{App, AppError, ErrorCode, Result, SavedReport};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use terrain_domain::coords::{Axis, format_coordinate, parse_coordinate};
use terrain_domain::dates::{DateOrder, format_date, parse_date};
use terrain_domain::{Problem, Report, Status};
use ts_rs::TS;
use uuid::Uuid;

/// Dates are typed day first in both of the app's languages (French, British English).
pub const DATE_ORDER: DateOrder = DateOrder::DayFirst;

const LATITUDE: &str = "where.coordinates.latitude";
const LONGITUDE: &str = "where.coordinates.longitude";
const DATE: &str = "when.date";

/// The form as the person typed it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Form {
    /// The report as the form holds it; a claim without an amount yet has `amount: null`.
    #[ts(as = "Report")]
    pub report: Value,
    /// Text typed into fields the core reads, by field path: `where.coordinates.latitude`,
    /// `where.coordinates.longitude`, `when.date`, `when.end_date`,
    /// `figures.<kind>[<i>].said_on`. Kept as typed, valid or not.
    #[serde(default)]
    pub typed: BTreeMap<String, String>,
}

/// What a keep did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Kept {
    /// Every problem of the form as typed (fields not understood, then the draft's rules).
    pub problems: Vec<Problem>,
    /// The revision written, when what was typed checks as a draft.
    pub saved: Option<SavedReport>,
    /// Nothing worth keeping was typed: nothing is stored for this report.
    pub blank: bool,
}

impl App {
    /// The form for a report: its work in progress when one was kept since the last revision
    /// (a draft's), else its head.
    pub fn open_form(&self, id: Uuid) -> Result<Form> {
        let head = self.head(id)?;
        if head.as_ref().is_none_or(|r| r.status == Status::Draft)
            && let Some(wip) = self.store.form(id)?
        {
            return serde_json::from_str(&wip.form)
                .map_err(|e| AppError::new(ErrorCode::Storage, format!("work in progress: {e}")));
        }
        match head {
            Some(report) => Ok(form_of(&report)),
            None => Err(terrain_store::StoreError::ReportNotFound(id.to_string()).into()),
        }
    }

    /// The report's current version, if it has one yet.
    fn head(&self, id: Uuid) -> Result<Option<Report>> {
        match self.store.get(id) {
            Ok(listed) => Ok(Some(listed.report)),
            Err(terrain_store::StoreError::ReportNotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// A new form: nothing is stored until something is typed.
    pub fn new_form(&self) -> Form {
        form_of(&self.new_report())
    }

    /// The report whose form was typed last, to go back to after an unlock or a restart.
    pub fn last_form(&self) -> Result<Option<Uuid>> {
        Ok(self.store.latest_form()?.map(|w| w.report_id))
    }

    /// Every problem of the form as typed; `as_final` checks it as a final report.
    pub fn check_form(&self, form: &Form, as_final: bool) -> Vec<Problem> {
        let head = report_id(form)
            .ok()
            .and_then(|id| self.head(id).ok().flatten());
        let Read {
            mut report,
            mut problems,
            ..
        } = read(form, head.as_ref());
        if as_final {
            report["status"] = json!("final");
        }
        problems.extend(self.check(&report));
        problems
    }

    /// Keeps what was typed, durable before it returns, and writes a revision when it checks
    /// as a draft. A blank form keeps nothing (and a blank draft is deleted).
    pub fn keep(&self, form: &Form) -> Result<Kept> {
        let id = report_id(form)?;
        let head = self.head(id)?;
        let Read {
            report,
            mut problems,
            whole,
        } = read(form, head.as_ref());
        if is_blank(&report, form) {
            match &head {
                Some(h) if h.status == Status::Draft => self.store.delete_draft(id)?,
                Some(_) => {}
                None => self.store.drop_form(id)?,
            }
            return Ok(Kept {
                problems: Vec::new(),
                saved: None,
                blank: true,
            });
        }
        let text = serde_json::to_string(form).expect("JSON values serialise");
        if text.len() > terrain_domain::limits::REPORT_JSON_BYTES {
            return Err(AppError::new(
                ErrorCode::Invalid,
                "the form is too large to keep",
            ));
        }
        self.store.keep_form(id, &text)?;
        let saved = match self.save(&report) {
            Ok(saved) => Some(saved),
            Err(e) if e.code == ErrorCode::Invalid => {
                problems.extend(e.problems);
                None
            }
            Err(e) => return Err(e),
        };
        // Everything typed is in the revision: the work in progress has nothing more to say.
        if saved.is_some() && whole && problems.is_empty() {
            self.store.drop_form(id)?;
        }
        Ok(Kept {
            problems,
            saved,
            blank: false,
        })
    }

    /// Saves the form as a final report (or an edit of one): refused, with every problem, while
    /// any field typed is not understood.
    pub fn save_form(&self, form: &Form) -> Result<SavedReport> {
        let head = self.head(report_id(form)?)?;
        let read = read(form, head.as_ref());
        if !read.problems.is_empty() {
            return Err(terrain_domain::Problems(read.problems).into());
        }
        let saved = self.save(&read.report)?;
        self.store.drop_form(saved.id)?;
        Ok(saved)
    }

    /// Deletes a draft and its history from this device.
    pub fn delete_draft(&self, id: Uuid) -> Result<()> {
        Ok(self.store.delete_draft(id)?)
    }
}

/// The form of a saved report: its typed fields in the one way they are shown.
pub fn form_of(report: &Report) -> Form {
    let mut typed = BTreeMap::new();
    if let Some(c) = report.location.coordinates {
        typed.insert(
            LATITUDE.into(),
            format_coordinate(c.latitude, Axis::Latitude),
        );
        typed.insert(
            LONGITUDE.into(),
            format_coordinate(c.longitude, Axis::Longitude),
        );
    }
    typed.insert(DATE.into(), format_date(report.when.date, DATE_ORDER));
    if let Some(end) = report.when.end_date {
        typed.insert("when.end_date".into(), format_date(end, DATE_ORDER));
    }
    for (kind, claims) in &report.figures {
        for (i, c) in claims.iter().enumerate() {
            if let Some(d) = c.said_on {
                typed.insert(
                    format!("figures.{}[{i}].said_on", kind.key()),
                    format_date(d, DATE_ORDER),
                );
            }
        }
    }
    Form {
        report: serde_json::to_value(report).expect("reports serialise"),
        typed,
    }
}

fn report_id(form: &Form) -> Result<Uuid> {
    form.report
        .get("id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| AppError::new(ErrorCode::Invalid, "the form names no report id"))
}

/// The report a form says.
struct Read {
    report: Value,
    /// Fields typed but not understood: left out of the report (a required date stays as
    /// last saved), so the rest can still be saved.
    problems: Vec<Problem>,
    /// Everything typed is in `report` (no claim waiting for its amount, no problem).
    whole: bool,
}

/// Reads the form through the domain's parsers. Claims without an amount are left out: a
/// figure is not recorded until someone gives one.
fn read(form: &Form, head: Option<&Report>) -> Read {
    let mut report = form.report.clone();
    let mut problems = Vec::new();
    let typed = |path: &str| form.typed.get(path).map(|s| s.trim()).unwrap_or("");
    let coordinates = match (typed(LATITUDE), typed(LONGITUDE)) {
        ("", "") => Value::Null,
        (lat, lon) => {
            let mut read = |text: &str, axis, path: &str| {
                if text.is_empty() {
                    problems.push(Problem::bare(path, "coordinate_missing"));
                    return None;
                }
                parse_coordinate(text, axis)
                    .map_err(|e| {
                        problems.push(Problem::new(
                            path,
                            "coordinate_form",
                            [("value", text.to_string()), ("why", e.0)],
                        ))
                    })
                    .ok()
            };
            match (
                read(lat, Axis::Latitude, LATITUDE),
                read(lon, Axis::Longitude, LONGITUDE),
            ) {
                (Some(latitude), Some(longitude)) => {
                    json!({ "latitude": latitude, "longitude": longitude })
                }
                _ => Value::Null,
            }
        }
    };
    if form.typed.contains_key(LATITUDE) || form.typed.contains_key(LONGITUDE) {
        set(&mut report, &["where", "coordinates"], coordinates);
    }
    let kept = drop_empty_claims(&mut report);
    for (path, text) in &form.typed {
        let Some(at) = date_path(path, &kept) else {
            continue;
        };
        let text = text.trim();
        let value = if text.is_empty() {
            if path == DATE {
                problems.push(Problem::bare(path.as_str(), "required"));
                continue;
            }
            Value::Null
        } else {
            match parse_date(text, DATE_ORDER) {
                Ok(d) => json!(d.to_string()),
                Err(e) => {
                    problems.push(Problem::new(
                        path.as_str(),
                        "date_form",
                        [("value", text.to_string()), ("why", e.0)],
                    ));
                    // The date stays as last saved; an optional one is left out.
                    match head {
                        Some(r) if path == DATE => json!(r.when.date.to_string()),
                        _ if path == DATE => continue,
                        _ => Value::Null,
                    }
                }
            }
        };
        let parts: Vec<&str> = at.iter().map(String::as_str).collect();
        set(&mut report, &parts, value);
    }
    let whole = problems.is_empty() && kept.values().flatten().all(Option::is_some);
    Read {
        report,
        problems,
        whole,
    }
}

/// Where a typed date goes in the report, `None` for a path that is not a date (or a claim
/// left out for having no amount).
fn date_path(path: &str, kept: &BTreeMap<String, Vec<Option<usize>>>) -> Option<Vec<String>> {
    match path {
        "when.date" | "when.end_date" => Some(path.split('.').map(String::from).collect()),
        _ => {
            let rest = path.strip_prefix("figures.")?.strip_suffix(".said_on")?;
            let (kind, index) = rest.strip_suffix(']')?.split_once('[')?;
            let i: usize = index.parse().ok()?;
            let now = (*kept.get(kind)?.get(i)?)?;
            Some(vec![
                "figures".into(),
                kind.into(),
                now.to_string(),
                "said_on".into(),
            ])
        }
    }
}

/// Removes claims whose amount is missing (or half a range); returns, per figure, where each
/// claim of the form now is.
fn drop_empty_claims(report: &mut Value) -> BTreeMap<String, Vec<Option<usize>>> {
    let mut kept = BTreeMap::new();
    let Some(figures) = report.get_mut("figures").and_then(Value::as_object_mut) else {
        return kept;
    };
    for (kind, claims) in figures.iter_mut() {
        let Some(list) = claims.as_array_mut() else {
            continue;
        };
        let mut places = Vec::with_capacity(list.len());
        let mut n = 0;
        list.retain(|c| {
            let amount = c.get("amount").unwrap_or(&Value::Null);
            let given = match amount {
                Value::Null => false,
                Value::String(s) => !s.is_empty(),
                Value::Object(o) => o.values().all(|v| !v.is_null()),
                _ => true,
            };
            places.push(given.then(|| {
                n += 1;
                n - 1
            }));
            given
        });
        kept.insert(kind.clone(), places);
    }
    figures.retain(|_, claims| claims.as_array().is_none_or(|l| !l.is_empty()));
    kept
}

fn set(report: &mut Value, path: &[&str], value: Value) {
    let mut at = report;
    for (i, key) in path.iter().enumerate() {
        let last = i == path.len() - 1;
        let next = match at {
            Value::Object(map) if last => {
                map.insert((*key).to_string(), value);
                return;
            }
            Value::Object(map) => map.entry(*key).or_insert_with(|| json!({})),
            Value::Array(list) => match key.parse::<usize>().ok().and_then(|i| list.get_mut(i)) {
                Some(v) if last => {
                    *v = value;
                    return;
                }
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
        at = next;
    }
}

/// Nothing a person typed: no words, place, choice, list element or typed field (the date
/// and its precision are given by the form, not typed).
fn is_blank(report: &Value, form: &Form) -> bool {
    let empty = |v: Option<&Value>| match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        Some(_) => false,
    };
    let at = |path: &str| report.pointer(path);
    let typed_blank = form
        .typed
        .iter()
        .all(|(path, text)| path == DATE || text.trim().is_empty());
    typed_blank
        && [
            "/title",
            "/narrative",
            "/damage",
            "/where/admin1",
            "/where/admin2",
            "/where/admin3",
            "/where/place",
            "/where/coordinates",
            "/what/event_type",
            "/what/sub_event_type",
            "/what/categories",
            "/perpetrators",
            "/targets",
            "/sites",
            "/sources",
            "/tags",
            "/attachments",
        ]
        .iter()
        .all(|p| empty(at(p)))
        && report
            .get("figures")
            .and_then(Value::as_object)
            .is_none_or(|f| f.values().all(|c| empty(Some(c))))
}
