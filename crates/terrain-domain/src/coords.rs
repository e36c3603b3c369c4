//! Coordinates as people have them: decimal (`14.52`, `-9,0583`), degrees-minutes-seconds
//! (`14°31'12"N`) and degrees-decimal minutes (`9°03.5'W`, `9 03.5 O`), with a hemisphere
//! letter (N/S/E/W, O for the French "ouest") or a sign. Shown back in one form, the
//! hemisphere spelled out: `14.52000° N`.

use std::fmt;

/// Which of the pair: the range and the hemisphere letters differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    Latitude,
    Longitude,
}

impl Axis {
    fn limit(self) -> f64 {
        match self {
            Axis::Latitude => 90.0,
            Axis::Longitude => 180.0,
        }
    }

    /// Sign of a hemisphere letter on this axis, `None` when the letter is not this axis's.
    fn hemisphere(self, letter: char) -> Option<f64> {
        match (self, letter.to_ascii_uppercase()) {
            (Axis::Latitude, 'N') | (Axis::Longitude, 'E') => Some(1.0),
            (Axis::Latitude, 'S') | (Axis::Longitude, 'W' | 'O') => Some(-1.0),
            _ => None,
        }
    }

    fn letters(self) -> &'static str {
        match self {
            Axis::Latitude => "N or S",
            Axis::Longitude => "E or W",
        }
    }
}

/// Why a typed coordinate was not understood, in words that say what is expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoordinateError(pub String);

impl fmt::Display for CoordinateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CoordinateError {}

/// What every error ends with: the forms accepted.
const EXPECTED: &str = "expected decimal degrees (14.52 or -9.0583), degrees-minutes-seconds \
    (14°31'12\"N) or degrees and decimal minutes (9°03.5'W)";

/// Longer than any way of writing a coordinate: refused before it is looked at.
const MAX_CHARS: usize = 40;

fn error(why: impl fmt::Display) -> CoordinateError {
    CoordinateError(format!("{why}; {EXPECTED}"))
}

/// Reads one coordinate as typed. Empty text is an error: callers decide whether the field may
/// be left empty.
pub fn parse_coordinate(text: &str, axis: Axis) -> Result<f64, CoordinateError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(error("nothing was typed"));
    }
    if text.chars().count() > MAX_CHARS {
        return Err(error(format!("longer than {MAX_CHARS} characters")));
    }
    let mut body = text;
    let mut letter_sign = None;
    // A hemisphere letter at either end.
    for (at_start, c) in [(true, body.chars().next()), (false, body.chars().last())] {
        let Some(c) = c.filter(char::is_ascii_alphabetic) else {
            continue;
        };
        let sign = axis.hemisphere(c).ok_or_else(|| {
            error(format!(
                "\"{c}\" is not a hemisphere of a {}: use {}",
                name(axis),
                axis.letters()
            ))
        })?;
        if letter_sign.is_some() {
            return Err(error("two hemisphere letters"));
        }
        letter_sign = Some(sign);
        body = if at_start {
            &body[1..]
        } else {
            &body[..body.len() - 1]
        };
        body = body.trim();
    }
    let mut sign = 1.0;
    if let Some(rest) = body.strip_prefix(['-', '−', '+']) {
        if letter_sign.is_some() {
            return Err(error("give a sign or a hemisphere letter, not both"));
        }
        if body.starts_with(['-', '−']) {
            sign = -1.0;
        }
        body = rest.trim_start();
    }
    let sign = letter_sign.unwrap_or(sign);
    let parts: Vec<&str> = body
        .split(|c: char| c.is_whitespace() || "°º'′’\"″”:".contains(c))
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() || parts.len() > 3 {
        return Err(error(format!("\"{text}\" is not a coordinate")));
    }
    let mut value = 0.0;
    for (i, part) in parts.iter().enumerate() {
        let last = i == parts.len() - 1;
        let number = part.replace(',', ".");
        let digits_ok = number.chars().all(|c| c.is_ascii_digit() || c == '.')
            && number.matches('.').count() <= 1
            && number.chars().any(|c| c.is_ascii_digit());
        if !digits_ok {
            return Err(error(format!("\"{part}\" is not a number")));
        }
        if !last && number.contains('.') {
            return Err(error(
                "only the last part (degrees, minutes or seconds) may have decimals",
            ));
        }
        let n: f64 = number
            .parse()
            .map_err(|_| error(format!("\"{part}\" is not a number")))?;
        if i > 0 && n >= 60.0 {
            let unit = if i == 1 { "minutes" } else { "seconds" };
            return Err(error(format!("{unit} must be under 60 (got {part})")));
        }
        value += n / 60f64.powi(i as i32);
    }
    if value > axis.limit() {
        return Err(error(format!(
            "a {} is at most {}° (got {value})",
            name(axis),
            axis.limit()
        )));
    }
    Ok(sign * value)
}

fn name(axis: Axis) -> &'static str {
    match axis {
        Axis::Latitude => "latitude",
        Axis::Longitude => "longitude",
    }
}

/// The one way a coordinate is shown: decimal degrees to 5 places (about a metre) and the
/// hemisphere letter, never a bare minus sign: `14.52000° N`, `9.05833° W`.
pub fn format_coordinate(value: f64, axis: Axis) -> String {
    let letter = match (axis, value < 0.0) {
        (Axis::Latitude, false) => 'N',
        (Axis::Latitude, true) => 'S',
        (Axis::Longitude, false) => 'E',
        (Axis::Longitude, true) => 'W',
    };
    format!("{:.5}° {letter}", value.abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Axis::{Latitude as Lat, Longitude as Lon};

    #[test]
    fn every_usual_form_reads() {
        let cases: &[(&str, Axis, f64)] = &[
            ("14.52", Lat, 14.52),
            ("14,52", Lat, 14.52),
            ("-9.0583", Lon, -9.0583),
            ("+9.0583", Lon, 9.0583),
            ("−9.5", Lon, -9.5),
            ("14°31'12\"N", Lat, 14.52),
            ("14° 31' 12\" N", Lat, 14.52),
            ("N 14°31'12\"", Lat, 14.52),
            ("14 31 12", Lat, 14.52),
            ("14:31:12", Lat, 14.52),
            ("14°31′12″N", Lat, 14.52),
            ("9°03'W", Lon, -9.05),
            ("9°03.5'W", Lon, -(9.0 + 3.5 / 60.0)),
            ("9 03,5 O", Lon, -(9.0 + 3.5 / 60.0)),
            ("9°03'e", Lon, 9.05),
            ("12.5S", Lat, -12.5),
            ("90", Lat, 90.0),
            ("180 W", Lon, -180.0),
            ("0", Lon, 0.0),
            ("14°31'12.5\"N", Lat, 14.0 + 31.0 / 60.0 + 12.5 / 3600.0),
        ];
        for (text, axis, want) in cases {
            let got = parse_coordinate(text, *axis).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!((got - want).abs() < 1e-9, "{text}: {got} != {want}");
        }
    }

    #[test]
    fn hostile_and_wrong_input_is_refused_with_what_is_expected() {
        let cases: &[(&str, Axis, &str)] = &[
            ("", Lat, "nothing was typed"),
            ("   ", Lat, "nothing was typed"),
            ("14°31'12\"E", Lat, "not a hemisphere of a latitude"),
            ("9°03'N", Lon, "not a hemisphere of a longitude"),
            ("-9 W", Lon, "not both"),
            ("N 14 S", Lat, "two hemisphere letters"),
            ("91", Lat, "at most 90"),
            ("181", Lon, "at most 180"),
            ("14 60 0", Lat, "minutes must be under 60"),
            ("14 30 75", Lat, "seconds must be under 60"),
            ("14.5 30", Lat, "only the last part"),
            ("1 2 3 4", Lat, "not a coordinate"),
            ("NaN", Lat, "two hemisphere letters"),
            ("inf", Lat, "not a hemisphere"),
            ("1e5", Lat, "not a number"),
            ("14..5", Lat, "not a number"),
            ("0x10", Lat, "not a number"),
            ("'; DROP TABLE reports; --", Lat, "not a coordinate"),
            ("14\u{0}5", Lat, "not a number"),
            ("°'\"", Lat, "not a coordinate"),
            ("-", Lat, "not a coordinate"),
            ("١٤", Lat, "not a number"),
        ];
        for (text, axis, part) in cases {
            let e = parse_coordinate(text, *axis).expect_err(text);
            assert!(e.0.contains(part), "{text:?}: {e}");
            assert!(e.0.contains("expected decimal degrees"), "{text:?}: {e}");
        }
        let long = "1".repeat(41);
        assert!(
            parse_coordinate(&long, Lat)
                .unwrap_err()
                .0
                .contains("longer than")
        );
    }

    #[test]
    fn shown_with_the_hemisphere_and_read_back() {
        assert_eq!(format_coordinate(14.52, Lat), "14.52000° N");
        assert_eq!(format_coordinate(-9.058333, Lon), "9.05833° W");
        assert_eq!(format_coordinate(-12.5, Lat), "12.50000° S");
        assert_eq!(format_coordinate(0.0, Lon), "0.00000° E");
        for (v, axis) in [(14.52, Lat), (-9.05833, Lon), (-12.5, Lat)] {
            let back = parse_coordinate(&format_coordinate(v, axis), axis).unwrap();
            assert!((back - v).abs() < 1e-5);
        }
    }
}
