//! JSON Schema pieces the derives cannot infer from a Rust type (feature `schema`): a name's
//! allowed characters, a hex digest. Used by the server's OpenAPI document.

use schemars::{Schema, SchemaGenerator, json_schema};
use terrain_domain::text::{TextKind, refusal};

/// An attachment's sha256: 64 lower-case hex digits.
pub const SHA256: &str = "^[0-9a-f]{64}$";

/// One line of text: a string without the characters the domain refuses in one
/// ([`terrain_domain::text::refusal`]), as a pattern built from that one table.
pub fn line(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "pattern": line_pattern() })
}

/// [`line`], or null (an absent optional field).
pub fn optional_line(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["string", "null"], "pattern": line_pattern() })
}

/// `^[^…]*$` listing each run of refused characters. The characters go in as themselves, not as
/// `\u` escapes: Python's and ECMAScript's regular expressions (the two that read OpenAPI
/// documents here) spell code points past U+FFFF differently, but both read them literally.
pub fn line_pattern() -> String {
    let mut runs: Vec<(char, char)> = Vec::new();
    for c in (0..=char::MAX as u32).filter_map(char::from_u32) {
        if refusal(c, TextKind::Line).is_none() {
            continue;
        }
        match runs.last_mut() {
            Some((_, end)) if *end as u32 + 1 == c as u32 => *end = c,
            _ => runs.push((c, c)),
        }
    }
    let mut class = String::new();
    for (start, end) in runs {
        push_literal(&mut class, start);
        if end != start {
            class.push('-');
            push_literal(&mut class, end);
        }
    }
    format!("^[^{class}]*$")
}

fn push_literal(class: &mut String, c: char) {
    if matches!(c, '\\' | ']' | '[' | '^' | '-') {
        class.push('\\');
    }
    class.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_pattern_lists_the_refused_runs() {
        let pattern = line_pattern();
        assert!(
            pattern.starts_with("^[^\u{0}-\u{1f}\u{7f}-\u{9f}"),
            "{pattern:?}"
        );
        // Line separators (U+2028, U+2029) and embeddings (U+202A–U+202E) make one run.
        assert!(pattern.contains("\u{2028}-\u{202E}"));
        assert!(pattern.contains("\u{E0000}-\u{E007F}"));
        assert!(
            !pattern.contains('\u{200D}'),
            "the zero-width joiner stays allowed"
        );
    }
}
