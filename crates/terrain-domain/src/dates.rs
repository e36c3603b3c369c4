//! Dates as people type them, in their locale's order: `19/11/2026`, `19.11.2026`, `19-11-26`
//! or the digits alone (`19112026`), and ISO `2026-11-19` in any locale. Shown back in the same
//! order, so lists and fields read alike.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// The order of day and month in a typed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// dd/mm/yyyy: French, British English.
    DayFirst,
    /// mm/dd/yyyy: American English.
    MonthFirst,
}

impl DateOrder {
    /// The hint shown beside a date field.
    pub fn hint(self) -> &'static str {
        match self {
            DateOrder::DayFirst => "dd/mm/yyyy",
            DateOrder::MonthFirst => "mm/dd/yyyy",
        }
    }
}

/// Why a typed date was not understood; the text names the format expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError(pub String);

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DateError {}

fn error(why: impl fmt::Display, order: DateOrder) -> DateError {
    DateError(format!("{why}; expected {}", order.hint()))
}

/// Reads a typed date. Empty text is an error: callers decide whether the field may be empty.
pub fn parse_date(text: &str, order: DateOrder) -> Result<NaiveDate, DateError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(error("nothing was typed", order));
    }
    if text.len() > 20 {
        return Err(error("too long for a date", order));
    }
    let parts: Vec<&str> = if text.chars().all(|c| c.is_ascii_digit()) {
        // Digits alone: ddmmyyyy (or mmddyyyy), or ddmmyy.
        match text.len() {
            8 => vec![&text[..2], &text[2..4], &text[4..]],
            6 => vec![&text[..2], &text[2..4], &text[4..]],
            _ => return Err(error(format!("\"{text}\" is not a date"), order)),
        }
    } else {
        text.split(['/', '.', '-', ' ']).collect()
    };
    if parts.len() != 3 || parts.iter().any(|p| !p.chars().all(|c| c.is_ascii_digit())) {
        return Err(error(format!("\"{text}\" is not a date"), order));
    }
    let n = |s: &str| s.parse::<u32>().unwrap_or(u32::MAX);
    let (year, month, day) = if parts[0].len() == 4 {
        // ISO, whatever the locale.
        (parts[0], n(parts[1]), n(parts[2]))
    } else {
        match order {
            DateOrder::DayFirst => (parts[2], n(parts[1]), n(parts[0])),
            DateOrder::MonthFirst => (parts[2], n(parts[0]), n(parts[1])),
        }
    };
    let year = match year.len() {
        4 => n(year) as i32,
        2 => 2000 + n(year) as i32,
        _ => return Err(error(format!("the year \"{year}\" needs 4 digits"), order)),
    };
    if !(1..=12).contains(&month) {
        return Err(error(format!("there is no month {month}"), order));
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        error(
            format!("there is no day {day} in month {month} of {year}"),
            order,
        )
    })
}

/// The date as fields and lists show it: `19/11/2026`.
pub fn format_date(date: NaiveDate, order: DateOrder) -> String {
    let (d, m, y) = (date.day(), date.month(), date.year());
    match order {
        DateOrder::DayFirst => format!("{d:02}/{m:02}/{y:04}"),
        DateOrder::MonthFirst => format!("{m:02}/{d:02}/{y:04}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DateOrder::{DayFirst, MonthFirst};

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn typed_dates_read_in_the_locales_order() {
        let cases: &[(&str, DateOrder, NaiveDate)] = &[
            ("19112026", DayFirst, ymd(2026, 11, 19)),
            ("19/11/2026", DayFirst, ymd(2026, 11, 19)),
            ("19.11.2026", DayFirst, ymd(2026, 11, 19)),
            ("19-11-2026", DayFirst, ymd(2026, 11, 19)),
            (" 1/2/2026 ", DayFirst, ymd(2026, 2, 1)),
            ("19/11/26", DayFirst, ymd(2026, 11, 19)),
            ("191126", DayFirst, ymd(2026, 11, 19)),
            ("2026-11-19", DayFirst, ymd(2026, 11, 19)),
            ("2026-11-19", MonthFirst, ymd(2026, 11, 19)),
            ("11/19/2026", MonthFirst, ymd(2026, 11, 19)),
            ("11192026", MonthFirst, ymd(2026, 11, 19)),
            ("29/02/2028", DayFirst, ymd(2028, 2, 29)),
        ];
        for (text, order, want) in cases {
            assert_eq!(parse_date(text, *order).as_ref(), Ok(want), "{text}");
        }
    }

    #[test]
    fn hostile_and_impossible_dates_are_refused_with_the_format() {
        let cases: &[(&str, DateOrder, &str)] = &[
            ("", DayFirst, "nothing was typed"),
            ("11/19/2026", DayFirst, "no month 19"),
            ("19/11/2026", MonthFirst, "no month 19"),
            ("31/04/2026", DayFirst, "no day 31 in month 4"),
            ("29/02/2027", DayFirst, "no day 29"),
            ("1911202", DayFirst, "not a date"),
            ("19/11", DayFirst, "not a date"),
            ("19/11/2026/1", DayFirst, "not a date"),
            ("aa/bb/cccc", DayFirst, "not a date"),
            ("19/11/202", DayFirst, "needs 4 digits"),
            ("00/11/2026", DayFirst, "no day 0"),
            ("19/00/2026", DayFirst, "no month 0"),
            ("99999999999/1/1", DayFirst, "needs 4 digits"),
            ("-1/11/2026", DayFirst, "not a date"),
            ("１９/１１/２０２６", DayFirst, "too long"),
            ("١٩/١١/٢٠٢٦", DayFirst, "not a date"),
            ("19/11/2026'; --", DayFirst, "not a date"),
            ("111111111111111111111111111111", DayFirst, "too long"),
        ];
        for (text, order, part) in cases {
            let e = parse_date(text, *order).expect_err(text);
            assert!(e.0.contains(part), "{text:?}: {e}");
            assert!(e.0.contains("expected "), "{text:?}: {e}");
        }
    }

    #[test]
    fn shown_in_the_order_typed_and_read_back() {
        let d = ymd(2026, 11, 19);
        assert_eq!(format_date(d, DayFirst), "19/11/2026");
        assert_eq!(format_date(d, MonthFirst), "11/19/2026");
        for order in [DayFirst, MonthFirst] {
            assert_eq!(parse_date(&format_date(d, order), order), Ok(d));
        }
    }
}
