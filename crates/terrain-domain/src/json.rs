//! Reading a report from its JSON form, with messages a person can act on.
//!
//! serde's own messages name Rust types ("untagged enum Amount", "expected u32", "premature end
//! of input"); each is said again here in the record's words, under the field's path.
//! A month ("2026-06") or an ISO week ("2026-W23") is accepted for `when.date` and
//! `when.end_date`: it stands for its first day, and sets the precision.

use crate::report::{DatePrecision, Report};
use crate::validate::{Problem, Problems, limits};
use chrono::{NaiveDate, Weekday};
use serde_json::Value;

/// Reads a report from its JSON form; a structural error names the field it is in.
pub fn parse_json(text: &str) -> Result<Report, Problems> {
    if text.len() > limits::REPORT_JSON_BYTES {
        return Err(Problems::one(
            "(file)",
            format!(
                "is {} bytes; a report may be at most {} bytes",
                text.len(),
                limits::REPORT_JSON_BYTES
            ),
        ));
    }
    // The text itself first: it keeps line and column in messages and refuses repeated fields.
    let mut de = serde_json::Deserializer::from_str(text);
    let error = match serde_path_to_error::deserialize(&mut de) {
        Ok(report) => return de.end().map(|()| report).map_err(|e| plain(e, ".")),
        Err(e) => e,
    };
    let field = error.path().to_string();
    if matches!(field.as_str(), "when.date" | "when.end_date")
        && let Ok(mut value) = serde_json::from_str::<Value>(text)
        && periods_to_days(&mut value)?
    {
        return serde_path_to_error::deserialize(value).map_err(|e| {
            let field = e.path().to_string();
            plain(e.into_inner(), &field)
        });
    }
    Err(plain(error.into_inner(), &field))
}

/// Rewrites a month or week in `when.date` / `when.end_date` as its first day and sets the
/// precision it implies. False when neither date is a month or a week.
fn periods_to_days(value: &mut Value) -> Result<bool, Problems> {
    let Some(when) = value.get_mut("when").and_then(Value::as_object_mut) else {
        return Ok(false);
    };
    let mut implied: Option<(&str, String, DatePrecision)> = None;
    for field in ["date", "end_date"] {
        let Some(text) = when.get(field).and_then(Value::as_str) else {
            continue;
        };
        let Some((day, precision)) = period(text) else {
            continue;
        };
        if let Some((other, other_text, p)) = &implied
            && *p != precision
        {
            return Err(Problems::one(
                format!("when.{field}"),
                format!(
                    "\"{text}\" is a {}, but when.{other} \"{other_text}\" is a {}; give both as the same kind of date",
                    name(precision),
                    name(*p)
                ),
            ));
        }
        implied = Some((field, text.to_string(), precision));
        when.insert(field.into(), Value::String(day.to_string()));
    }
    let Some((field, text, precision)) = implied else {
        return Ok(false);
    };
    let key = serde_json::to_value(precision).expect("a precision serialises");
    match when.get("precision") {
        None | Some(Value::Null) => {
            when.insert("precision".into(), key);
        }
        Some(given) if *given == key => {}
        Some(given) => {
            return Err(Problems::one(
                "when.precision",
                format!(
                    "is {given}, but when.{field} \"{text}\" names a {}; give the day as YYYY-MM-DD, or set the precision to {key}",
                    name(precision)
                ),
            ));
        }
    }
    Ok(true)
}

/// "2026-06" → 1 June 2026, month; "2026-W23" → Monday of ISO week 23, week.
fn period(text: &str) -> Option<(NaiveDate, DatePrecision)> {
    let (year, rest) = text.split_once('-')?;
    let year: i32 = digits(year, 4)?.try_into().ok()?;
    if let Some(week) = rest.strip_prefix('W') {
        let week = digits(week, 2)?;
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|d| (d, DatePrecision::Week))
    } else {
        let month = digits(rest, 2)?;
        NaiveDate::from_ymd_opt(year, month, 1).map(|d| (d, DatePrecision::Month))
    }
}

fn digits(text: &str, len: usize) -> Option<u32> {
    (text.len() == len && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn name(precision: DatePrecision) -> &'static str {
    match precision {
        DatePrecision::Week => "week",
        DatePrecision::Month => "month",
        DatePrecision::Exact | DatePrecision::Day => "day",
    }
}

/// serde's message for `field`, said in the record's words.
fn plain(error: serde_json::Error, field: &str) -> Problems {
    use serde_json::error::Category;
    let raw = error.to_string();
    // serde_json appends " at line L column C"; said apart, it helps find the spot in a file.
    let (message, at) = match (error.line(), raw.rfind(" at line ")) {
        (1.., Some(i)) => (
            &raw[..i],
            format!(" (line {}, column {})", error.line(), error.column()),
        ),
        _ => (raw.as_str(), String::new()),
    };
    if matches!(error.classify(), Category::Syntax | Category::Eof) {
        return Problems::one("(file)", format!("is not valid JSON: {message}{at}"));
    }
    let field = if field == "." { "" } else { field };
    let Problem { field, message } = reword(field, message);
    let field = if field.is_empty() {
        "(report)".to_string()
    } else {
        field
    };
    Problems::one(field, format!("{message}{at}"))
}

fn child(field: &str, key: &str) -> String {
    if field.is_empty() {
        key.to_string()
    } else {
        format!("{field}.{key}")
    }
}

/// The text between the first pair of backquotes: "missing field `title`" → "title".
fn quoted(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// "expected one of `a`, `b`" → "a, b".
fn choices(message: &str) -> String {
    message
        .split_once("expected ")
        .map(|(_, list)| list.replace('`', "").replace("one of ", ""))
        .unwrap_or_default()
}

fn reword(field: &str, message: &str) -> Problem {
    let problem = |field: String, message: String| Problem { field, message };
    let keep = |message: String| problem(field.to_string(), message);
    if message.contains("untagged enum Amount") {
        return keep(
            "expected a whole number, a range {\"min\": 3, \"max\": 5}, or one of several, tens, dozens, hundreds"
                .into(),
        );
    }
    if message.starts_with("missing field") {
        let key = quoted(message).unwrap_or("?");
        return problem(child(field, key), "is required".into());
    }
    if message.starts_with("unknown field") {
        // The path already ends with the unknown key.
        let known = if message.contains("there are no fields") {
            String::new()
        } else {
            format!(" (known: {})", choices(message))
        };
        return keep(format!("is not a field Terrain knows here{known}"));
    }
    if message.starts_with("unknown variant") {
        let given = quoted(message).unwrap_or("?");
        return keep(format!("\"{given}\" is not one of: {}", choices(message)));
    }
    if let Some(rest) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return keep(format!(
            "expected {}, found {}",
            expectation(field, expected),
            found_value(found)
        ));
    }
    if CHRONO_MESSAGES.contains(&message) {
        return keep(format!("expected {}", expectation(field, "a date")));
    }
    if field == "id" || field.ends_with("site_id") {
        return keep(format!(
            "expected a UUID like 0193a5b2-7c1e-7d2f-9a3b-4c5d6e7f8091 ({message})"
        ));
    }
    keep(message.to_string())
}

/// chrono's parse errors, as a date or time field reports them.
const CHRONO_MESSAGES: &[&str] = &[
    "input contains invalid characters",
    "premature end of input",
    "trailing input",
    "input is out of range",
    "input is not enough for unique date and time",
    "no possible date and time matching input",
];

/// What a field holds, in words, from serde's type name and the field.
fn expectation(field: &str, expected: &str) -> String {
    if field == "when.time" {
        return "a time HH:MM (24-hour)".into();
    }
    if field == "when.date" || field == "when.end_date" {
        return "a date YYYY-MM-DD, a month YYYY-MM or a week YYYY-Www".into();
    }
    if field.ends_with("said_on") {
        return "a date YYYY-MM-DD".into();
    }
    match expected {
        "u8" => "a whole number from 0 to 255".into(),
        "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".into(),
        "i16" => "a whole number from -32768 to 32767".into(),
        "i32" | "i64" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a string" | "a borrowed string" => "text in quotes".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "a list [...]".into(),
        e if e.starts_with("struct ") || e == "a map" => "an object {...}".into(),
        other => other.to_string(),
    }
}

/// serde's description of what was found ("integer `-4`", "null") as the JSON showed it.
fn found_value(found: &str) -> String {
    if let Some(text) = found.strip_prefix("string ") {
        return text.to_string();
    }
    match quoted(found) {
        Some(v) => v.to_string(),
        None => match found {
            "map" => "an object".into(),
            "sequence" => "a list".into(),
            other => other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_weeks_name_their_first_day() {
        assert_eq!(
            period("2026-06"),
            Some((
                NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
                DatePrecision::Month
            ))
        );
        assert_eq!(
            period("2026-W23"),
            Some((
                NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
                DatePrecision::Week
            ))
        );
        assert_eq!(
            period("2026-W01"),
            Some((
                NaiveDate::from_ymd_opt(2025, 12, 29).unwrap(),
                DatePrecision::Week
            ))
        );
        for not in [
            "2026-13",
            "2026-6",
            "2026-W54",
            "26-06",
            "2026-06-01",
            "2026-0x",
            "+026-06",
        ] {
            assert_eq!(period(not), None, "{not}");
        }
    }
}
