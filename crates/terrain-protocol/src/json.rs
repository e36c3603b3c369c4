//! Reading request bodies as the OpenAPI document describes them.
//!
//! JSON has one kind of number: to JSON Schema, and so to /v1/openapi.json, `2.0` is the
//! integer 2, and a client may well write it so (a JavaScript or Python program holding a
//! float). serde reads an integer field only from an integer literal. A body serde refuses is
//! therefore read again with its whole numbers spelled as integers; bodies that read the first
//! time, all those Terrain's own client sends, cost nothing more.

use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

/// The largest magnitude below which a double holds every integer exactly.
const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53

/// `bytes` as a `T`: read as they are, else once more with whole numbers as integers
/// ([`whole_numbers_as_integers`]). The error is the first reading's, so it names what serde
/// found wrong in the body as sent.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    serde_json::from_slice(bytes).or_else(|first| {
        let Ok(mut value) = serde_json::from_slice::<Value>(bytes) else {
            return Err(first);
        };
        if !whole_numbers_as_integers(&mut value) {
            return Err(first);
        }
        serde_json::from_value(value).map_err(|_| first)
    })
}

/// Rewrites each number in `value` that is whole but written as a float (`2.0`, `1e3`) as an
/// integer, within ±2^53; true if any changed. A float field still reads an integer.
pub fn whole_numbers_as_integers(value: &mut Value) -> bool {
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().expect("a float");
            if f.fract() != 0.0 || f.abs() > EXACT {
                return false;
            }
            *n = Number::from(f as i64);
            true
        }
        Value::Array(items) => items.iter_mut().fold(false, |changed, item| {
            whole_numbers_as_integers(item) | changed
        }),
        Value::Object(fields) => fields.values_mut().fold(false, |changed, field| {
            whole_numbers_as_integers(field) | changed
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Figure {
        count: u32,
        latitude: f64,
    }

    #[test]
    fn a_whole_number_written_as_a_float_reads_as_an_integer() {
        let figure: Figure = from_slice(br#"{"count": 62.0, "latitude": 13.0}"#).unwrap();
        assert_eq!(
            figure,
            Figure {
                count: 62,
                latitude: 13.0
            }
        );
        let figure: Figure = from_slice(br#"{"count": 6.2e1, "latitude": 13.5}"#).unwrap();
        assert_eq!(figure.count, 62);
    }

    #[test]
    fn a_fraction_is_still_refused_with_the_first_reading_s_words() {
        let e = from_slice::<Figure>(br#"{"count": 62.5, "latitude": 13.0}"#).unwrap_err();
        assert!(e.to_string().contains("floating point `62.5`"), "{e}");
        let e = from_slice::<Figure>(br#"{"count": 1e300, "latitude": 13.0}"#).unwrap_err();
        assert!(e.to_string().contains("floating point"), "{e}");
        let e = from_slice::<Figure>(br#"{"count": -1.0, "latitude": 13.0}"#).unwrap_err();
        assert!(e.to_string().contains("floating point `-1.0`"), "{e}");
    }
}
