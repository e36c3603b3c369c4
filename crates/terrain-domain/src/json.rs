//! Reading a report from its JSON form, with messages a person can act on.
//!
//! serde's own messages name Rust types ("untagged enum Amount", "expected u32", "premature end
//! of input"); each is said again here in the record's words, under the field's path.
//! A month ("2026-06") or an ISO week ("2026-W23") is accepted for `when.date` and
//! `when.end_date`: it stands for its first day, and sets the precision.

use crate::report::{DatePrecision, Report};
use crate::validate::{Problems, limits};
use chrono::{NaiveDate, Weekday};
use serde_json::Value;

/// Reads a report from its JSON form; a structural error names the field it is in.
pub fn parse_json(text: &str) -> Result<Report, Problems> {
    if text.len() > limits::REPORT_JSON_BYTES {
        return Err(Problems::one(
            "(file)",
            "json_too_big",
            [("size", text.len()), ("max", limits::REPORT_JSON_BYTES)],
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
                "period_mismatch",
                [
                    ("text", text.to_string()),
                    ("other", other.to_string()),
                    ("other_text", other_text.clone()),
                    ("kind", format!("period.{}", name(precision))),
                    ("kind_a", format!("period_a.{}", name(precision))),
                    ("other_kind", format!("period.{}", name(*p))),
                    ("other_kind_a", format!("period_a.{}", name(*p))),
                ],
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
                "precision_mismatch",
                [
                    ("given", given.to_string()),
                    ("date_field", field.to_string()),
                    ("text", text),
                    ("kind", format!("period.{}", name(precision))),
                    ("kind_a", format!("period_a.{}", name(precision))),
                    ("key", key.to_string()),
                ],
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
            vec![
                ("line", error.line().to_string()),
                ("column", error.column().to_string()),
            ],
        ),
        _ => (raw.as_str(), Vec::new()),
    };
    if matches!(error.classify(), Category::Syntax | Category::Eof) {
        let mut params = at;
        params.push(("detail", message.to_string()));
        return Problems::one("(file)", "json_invalid", params);
    }
    let field = if field == "." { "" } else { field };
    let (field, code, mut params) = reword(field, message);
    let field = if field.is_empty() {
        "(report)".to_string()
    } else {
        field
    };
    params.extend(at);
    Problems::one(field, code, params)
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
        .map(|(_, list)| {
            // "`draft` or `final`": a list, in no language.
            list.replace('`', "")
                .replace("one of ", "")
                .replace(" or ", ", ")
        })
        .unwrap_or_default()
}

type Params = Vec<(&'static str, String)>;

/// serde's message as a catalogue code: (field, code, params).
fn reword(field: &str, message: &str) -> (String, &'static str, Params) {
    let keep = |code, params| (field.to_string(), code, params);
    if message.contains("untagged enum Amount") {
        return keep("amount_form", vec![]);
    }
    if message.starts_with("missing field") {
        let key = quoted(message).unwrap_or("?");
        return (child(field, key), "required", vec![]);
    }
    if message.starts_with("unknown field") {
        // The path already ends with the unknown key.
        if message.contains("there are no fields") {
            return keep("unknown_field_none", vec![]);
        }
        return keep("unknown_field", vec![("known", choices(message))]);
    }
    if message.starts_with("unknown variant") {
        let given = quoted(message).unwrap_or("?").to_string();
        return keep(
            "unknown_variant",
            vec![("given", given), ("choices", choices(message))],
        );
    }
    if let Some(rest) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        let found = ("found", found_value(found));
        return match expectation(field, expected) {
            Some(code) => keep("expected_found", vec![("expected", code.into()), found]),
            None => keep("expected_found", vec![("expected", expected.into()), found]),
        };
    }
    if CHRONO_MESSAGES.contains(&message) {
        let code = expectation(field, "a date").unwrap_or("expect.date");
        return keep("expected", vec![("expected", code.into())]);
    }
    if field == "id" || field.ends_with("site_id") {
        return keep("expected_uuid", vec![("detail", message.to_string())]);
    }
    keep("unreadable", vec![("detail", message.to_string())])
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

/// What a field holds, as a catalogue code (`expect.*`), from serde's type name and the field;
/// `None` when serde's own words are all there is.
fn expectation(field: &str, expected: &str) -> Option<&'static str> {
    if field == "when.time" {
        return Some("expect.time");
    }
    if field == "when.date" || field == "when.end_date" {
        return Some("expect.date_or_period");
    }
    if field.ends_with("said_on") {
        return Some("expect.date");
    }
    Some(match expected {
        "u8" => "expect.u8",
        "u16" | "u32" | "u64" | "usize" => "expect.unsigned",
        "i16" => "expect.i16",
        "i32" | "i64" => "expect.integer",
        "f32" | "f64" => "expect.number",
        "a string" | "a borrowed string" => "expect.text",
        "a boolean" => "expect.boolean",
        "a sequence" => "expect.list",
        e if e.starts_with("struct ") || e == "a map" => "expect.object",
        _ => return None,
    })
}

/// serde's description of what was found ("integer `-4`", "null") as the JSON showed it.
fn found_value(found: &str) -> String {
    if let Some(text) = found.strip_prefix("string ") {
        return text.to_string();
    }
    match quoted(found) {
        Some(v) => v.to_string(),
        None => match found {
            "map" => "{...}".into(),
            "sequence" => "[...]".into(),
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
