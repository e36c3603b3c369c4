//! Text for a terminal. Whatever a report, a server or a file name holds is shown, never
//! obeyed: control characters (every escape sequence starts with one) and the invisible marks
//! that reorder or hide text (bidi overrides and isolates, zero-width characters) are written
//! as `\u{…}`. Newlines and tabs stay, for narratives.

use std::borrow::Cow;
use terrain_domain::text::{self, TextKind};

/// Whether `c` would act on the terminal or disguise the text instead of being seen: what a
/// report's prose may not hold (the domain's one table), so newlines and tabs stay.
pub fn hidden_or_active(c: char) -> bool {
    text::is_refused(c, TextKind::Prose)
}

/// `text` with every such character shown as `\u{1b}`.
pub fn escape(text: &str) -> Cow<'_, str> {
    text::escape(text, TextKind::Prose)
}

/// One line of text (a title, a name) on one line: newlines shown as `\n` too.
pub fn one_line(text: &str) -> Cow<'_, str> {
    if !text.contains(['\n', '\t']) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace('\n', "\\n").replace('\t', " "))
}

/// JSON text with the same characters written as `\uXXXX` escapes: the same JSON value, shown
/// harmlessly (serde_json escapes only the C0 controls that JSON requires it to). Outside
/// strings JSON is ASCII, so every such character is inside a string, where an escape is valid.
pub fn escape_json(json: &str) -> Cow<'_, str> {
    if !json.chars().any(hidden_or_active) {
        return Cow::Borrowed(json);
    }
    Cow::Owned(
        json.chars()
            .map(|c| {
                if hidden_or_active(c) {
                    // Tag characters lie past the Basic Multilingual Plane: JSON writes
                    // them as a surrogate pair.
                    let mut units = [0u16; 2];
                    c.encode_utf16(&mut units)
                        .iter()
                        .map(|u| format!("\\u{u:04x}"))
                        .collect()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// `println!` for people: the line escaped.
macro_rules! say {
    () => { println!() };
    ($($arg:tt)*) => { println!("{}", $crate::terminal::escape(&format!($($arg)*))) };
}

/// `eprintln!` for people: the line escaped.
macro_rules! say_err {
    ($($arg:tt)*) => { eprintln!("{}", $crate::terminal::escape(&format!($($arg)*))) };
}

pub(crate) use {say, say_err};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bidi_marks_are_shown_not_obeyed() {
        assert_eq!(escape("plain Bafoulabé"), "plain Bafoulabé");
        assert_eq!(escape("\u{1b}[2Jgone"), "\\u{1b}[2Jgone");
        assert_eq!(escape("a\u{9b}31mb\u{7f}"), "a\\u{9b}31mb\\u{7f}");
        assert_eq!(escape("evil\u{202E}fdp.exe"), "evil\\u{202e}fdp.exe");
        assert_eq!(escape("line\nnext\tcol\r"), "line\nnext\tcol\\u{d}");
        assert_eq!(one_line("two\nlines"), "two\\nlines");
    }

    #[test]
    fn json_stays_the_same_value() {
        let value = serde_json::json!({"title": "a\u{1b}[31m\u{9b}\u{202e}\u{e0041}z"});
        let text = serde_json::to_string(&value).unwrap();
        let safe = escape_json(&text);
        assert!(!safe.chars().any(hidden_or_active), "{safe}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&safe).unwrap(),
            value
        );
    }
}
