//! Which characters a text field may hold.
//!
//! Text typed into a report travels to terminals, spreadsheets, PDFs and other devices. Control
//! characters can drive a terminal (escape sequences) or cut a C string (NUL); bidirectional
//! overrides make a stored "gnp.exe" display as "exe.png"; invisible characters make two
//! names that look the same differ, so searches and merges miss. All are refused, naming the
//! field, the character and where it is: the writer can see and fix it, and nothing quietly
//! changes what they wrote. The table is in docs/record.md ("Characters").
//!
//! The same table says what a terminal must not be handed raw ([`escape`]): the CLI's output
//! and the server's audit print escape exactly what a field may not hold, so text stored before
//! a rule existed, or a name typed at a sign-in, is shown and never obeyed.

use std::borrow::Cow;
use std::fmt;

/// What a field holds: one line (a title, a name, a key), or prose (a narrative, a note),
/// which may also hold tabs and line breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    Line,
    Prose,
}

/// The first character a field may not hold, and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub character: char,
    /// 1 for the first character of the field.
    pub position: usize,
}

/// The first refused character of `text`, if any.
pub fn refused(text: &str, kind: TextKind) -> Option<Refused> {
    text.chars()
        .position(|c| refusal(c, kind).is_some())
        .map(|i| Refused {
            character: text.chars().nth(i).expect("found at i"),
            position: i + 1,
        })
}

/// Why `c` is refused in a field of this kind, as a phrase ("a control character"): the one
/// table of dangerous characters, for fields and terminals alike.
pub fn refusal(c: char, kind: TextKind) -> Option<&'static str> {
    match c {
        '\t' | '\n' if kind == TextKind::Prose => None,
        '\t' => Some("a tab"),
        '\n' | '\r' => Some("a line break"),
        c if c.is_control() => Some("a control character"),
        // Embeddings, overrides and isolates reorder what is displayed. The marks U+200E,
        // U+200F and U+061C only steer neutral characters beside them and are needed to show
        // mixed Arabic and French text as written, so they stay allowed.
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => Some("a bidirectional control"),
        // Line and paragraph separators break lines in some programs and not in others.
        '\u{2028}' | '\u{2029}' => Some("a line separator"),
        // Invisible format characters. The zero-width joiner and non-joiner (U+200C, U+200D)
        // stay allowed: scripts and emoji need them to shape as intended.
        '\u{00AD}'
        | '\u{115F}'
        | '\u{1160}'
        | '\u{180E}'
        | '\u{200B}'
        | '\u{2060}'..='\u{2064}'
        | '\u{206A}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}' => Some("an invisible character"),
        _ => None,
    }
}

impl fmt::Display for Refused {
    /// "contains a control character (U+001B) at position 4".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = refusal(self.character, TextKind::Line).unwrap_or("a character");
        write!(
            f,
            "contains {what} (U+{:04X}) at position {}",
            self.character as u32, self.position
        )?;
        match what {
            "a tab" | "a line break" => f.write_str("; this field is one line"),
            "a bidirectional control" => {
                f.write_str("; it can make the text display in another order than it is stored")
            }
            _ => Ok(()),
        }
    }
}

impl Refused {
    /// This refusal as a problem of `field`, in the message catalogue's codes.
    pub fn problem(&self, field: impl Into<String>) -> crate::validate::Problem {
        let code = match refusal(self.character, TextKind::Line) {
            Some("a tab") => "char_tab",
            Some("a line break") => "char_line_break",
            Some("a bidirectional control") => "char_bidi",
            Some("a line separator") => "char_line_separator",
            Some("an invisible character") => "char_invisible",
            _ => "char_control",
        };
        crate::validate::Problem::new(
            field,
            code,
            [
                ("code", format!("U+{:04X}", self.character as u32)),
                ("position", self.position.to_string()),
            ],
        )
    }
}

/// Whether a field of this kind may not hold `c`.
pub fn is_refused(c: char, kind: TextKind) -> bool {
    refusal(c, kind).is_some()
}

/// `text` with every character a field of `kind` may not hold written as `\u{1b}`, so a
/// terminal shows it instead of obeying it. With [`TextKind::Line`] line breaks and tabs are
/// escaped too: what is printed as one line stays one line.
pub fn escape(text: &str, kind: TextKind) -> Cow<'_, str> {
    if !text.chars().any(|c| is_refused(c, kind)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_refused(c, kind) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Carriage returns from Windows and old Mac text become plain line breaks in prose, so a
/// narrative pasted from any system reads the same and is not refused for its line ends.
pub fn unify_line_ends(text: &mut String) {
    if text.contains('\r') {
        *text = text.replace("\r\n", "\n").replace('\r', "\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_in_any_script_passes() {
        for s in [
            "Attaque de l'usine de Bafoulabé",
            "اختُطفوا ثلاثة عمال",
            "ߒߞߏ", // N'Ko
            "fils de\u{200C}fer, famille 👨\u{200D}👩\u{200D}👧",
            "Kayes \u{200F}كاي\u{200E} 2026",
        ] {
            assert_eq!(refused(s, TextKind::Line), None, "{s}");
        }
    }

    #[test]
    fn control_characters_are_refused_at_their_position() {
        let r = refused("abc\u{1b}[31m", TextKind::Line).unwrap();
        assert_eq!(r.position, 4);
        assert_eq!(
            r.to_string(),
            "contains a control character (U+001B) at position 4"
        );
        assert_eq!(refused("a\0", TextKind::Prose).unwrap().character, '\0');
        assert_eq!(
            refused("a\u{85}", TextKind::Prose).unwrap().character,
            '\u{85}'
        );
        assert_eq!(refused("a\u{7f}", TextKind::Prose).unwrap().position, 2);
    }

    #[test]
    fn tabs_and_line_breaks_are_for_prose_only() {
        assert_eq!(refused("one\n\ttwo", TextKind::Prose), None);
        let r = refused("one\ntwo", TextKind::Line).unwrap();
        assert_eq!(
            r.to_string(),
            "contains a line break (U+000A) at position 4; this field is one line"
        );
        assert!(refused("a\tb", TextKind::Line).is_some());
        assert!(refused("a\rb", TextKind::Prose).is_some());
    }

    #[test]
    fn bidirectional_controls_and_invisible_characters_are_refused() {
        for c in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
            let r = refused(&format!("gnp{c}.exe"), TextKind::Prose).unwrap();
            assert!(r.to_string().contains("bidirectional control"), "{r}");
        }
        for c in ['\u{200B}', '\u{FEFF}', '\u{00AD}', '\u{2060}', '\u{E0041}'] {
            let r = refused(&format!("Kay{c}es"), TextKind::Prose).unwrap();
            assert_eq!(r.position, 4);
            assert!(r.to_string().contains("invisible character"), "{r}");
        }
        assert!(refused("a\u{2028}b", TextKind::Prose).is_some());
    }

    #[test]
    fn escaping_shows_what_a_field_may_not_hold_and_nothing_else() {
        assert_eq!(
            escape("Bafoulabé كاي\u{200F}", TextKind::Line),
            "Bafoulabé كاي\u{200F}"
        );
        assert_eq!(
            escape("a\n2026-01-01 forged\u{1b}[2J", TextKind::Line),
            "a\\u{a}2026-01-01 forged\\u{1b}[2J"
        );
        assert_eq!(
            escape("one\n\ttwo\r\u{202E}\u{E0041}", TextKind::Prose),
            "one\n\ttwo\\u{d}\\u{202e}\\u{e0041}"
        );
    }

    #[test]
    fn line_ends_become_line_breaks() {
        let mut s = "one\r\ntwo\rthree\n".to_string();
        unify_line_ends(&mut s);
        assert_eq!(s, "one\ntwo\nthree\n");
    }
}
