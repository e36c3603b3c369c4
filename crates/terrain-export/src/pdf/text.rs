//! Text for the PDF: the bundled fonts, shaping (rustybuzz, the shaper krilla itself uses),
//! right-to-left ordering (unicode-bidi) and line breaking.
//!
//! A paragraph is broken into lines in logical order; each line is then put in visual order
//! run by run, and each run is split where the font changes (Arabic letters take Noto Naskh
//! Arabic, everything else Noto Sans), so a French sentence quoting an Arabic name comes out
//! joined, right to left, inside a left-to-right line. Each shaped piece keeps its own text, so
//! the PDF maps glyphs back to characters and copy, search and `pdftotext` read the words.

use krilla::text::{Font, GlyphId, KrillaGlyph};
use rustybuzz::{Direction, Face, UnicodeBuffer};
use std::ops::Range;
use std::sync::OnceLock;
use unicode_bidi::{Level, ParagraphBidiInfo};

// Shipped with the app under the SIL Open Font License (fonts/OFL.txt); never looked up on the
// system, so a PDF looks the same on every machine.
const NOTO_SANS: &[u8] = include_bytes!("../../fonts/NotoSans-Regular.ttf");
const NOTO_SANS_BOLD: &[u8] = include_bytes!("../../fonts/NotoSans-Bold.ttf");
const NOTO_NASKH: &[u8] = include_bytes!("../../fonts/NotoNaskhArabic-Regular.ttf");
const NOTO_NASKH_BOLD: &[u8] = include_bytes!("../../fonts/NotoNaskhArabic-Bold.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Arabic,
}

struct Typeface {
    font: Font,
    face: Face<'static>,
    units_per_em: f32,
}

impl Typeface {
    fn new(data: &'static [u8]) -> Typeface {
        let face = Face::from_slice(data, 0).expect("a bundled font parses");
        Typeface {
            font: Font::new(data.into(), 0).expect("a bundled font loads"),
            units_per_em: face.units_per_em() as f32,
            face,
        }
    }

    fn has(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some()
    }
}

struct Fonts {
    latin: [Typeface; 2],
    arabic: [Typeface; 2],
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        latin: [Typeface::new(NOTO_SANS), Typeface::new(NOTO_SANS_BOLD)],
        arabic: [Typeface::new(NOTO_NASKH), Typeface::new(NOTO_NASKH_BOLD)],
    })
}

fn typeface(script: Script, weight: Weight) -> &'static Typeface {
    let f = fonts();
    let i = usize::from(weight == Weight::Bold);
    match script {
        Script::Latin => &f.latin[i],
        Script::Arabic => &f.arabic[i],
    }
}

fn is_arabic(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

/// The font a character is drawn with: Arabic letters in Naskh; spaces, digits and marks in a
/// right-to-left run too, so an Arabic phrase is shaped as one piece; the rest in Noto Sans.
fn script_of(c: char, rtl: bool, weight: Weight) -> Script {
    let arabic = typeface(Script::Arabic, weight);
    if is_arabic(c) {
        Script::Arabic
    } else if c.is_alphabetic() {
        Script::Latin
    } else if rtl && arabic.has(c) {
        Script::Arabic
    } else if typeface(Script::Latin, weight).has(c) || !arabic.has(c) {
        Script::Latin
    } else {
        Script::Arabic
    }
}

/// A piece of a line in one font and one direction, shaped.
#[derive(Clone)]
pub struct Piece {
    pub font: Font,
    pub text: String,
    pub glyphs: Vec<KrillaGlyph>,
    /// Where the piece starts, from the line's left edge, in points.
    pub x: f32,
}

/// One line of text, in visual order, ready to draw.
#[derive(Clone)]
pub struct Line {
    pub pieces: Vec<Piece>,
    pub width: f32,
    pub size: f32,
    /// The paragraph reads right to left (its first strong letter is Arabic): align it right.
    pub rtl: bool,
}

/// Shapes `text` in one font and direction; advances are per em, as krilla wants them.
fn shape(text: &str, tf: &Typeface, rtl: bool) -> (Vec<KrillaGlyph>, f32) {
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    buffer.set_direction(if rtl {
        Direction::RightToLeft
    } else {
        Direction::LeftToRight
    });
    let output = rustybuzz::shape(&tf.face, &[], buffer);
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    // A glyph stands for its cluster: from its cluster's start to the next cluster's start.
    let mut starts: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
    starts.sort_unstable();
    starts.dedup();
    let em = tf.units_per_em;
    let mut width = 0.0;
    let glyphs = infos
        .iter()
        .zip(positions)
        .map(|(info, pos)| {
            let start = info.cluster as usize;
            let end = starts
                .iter()
                .find(|&&s| s > start)
                .copied()
                .unwrap_or(text.len());
            width += pos.x_advance as f32 / em;
            KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                pos.x_advance as f32 / em,
                pos.x_offset as f32 / em,
                pos.y_offset as f32 / em,
                pos.y_advance as f32 / em,
                start..end,
                None,
            )
        })
        .collect();
    (glyphs, width)
}

/// Splits `range` of `text` where the font changes, in logical order.
fn pieces_of(
    text: &str,
    range: Range<usize>,
    rtl: bool,
    weight: Weight,
) -> Vec<(Script, Range<usize>)> {
    let mut out: Vec<(Script, Range<usize>)> = Vec::new();
    for (i, c) in text[range.clone()].char_indices() {
        let at = range.start + i;
        let script = script_of(c, rtl, weight);
        match out.last_mut() {
            Some((s, r)) if *s == script => r.end = at + c.len_utf8(),
            _ => out.push((script, at..at + c.len_utf8())),
        }
    }
    out
}

/// Marks a paragraph the program composes in English around people's words ("4 — مصدر محلي, said
/// on 2026-11-19"): it reads left to right whatever its first letter. Other paragraphs take
/// Unicode's rule, the direction of their first letter, so an Arabic narrative reads right to
/// left. The mark (U+200E) is taken off again before shaping.
pub fn ltr(text: impl AsRef<str>) -> String {
    format!("\u{200E}{}", text.as_ref())
}

fn bidi(text: &str) -> ParagraphBidiInfo<'_> {
    ParagraphBidiInfo::new(text, None)
}

/// Width in points of `text` set on one line, without breaking it.
pub fn width(text: &str, weight: Weight, size: f32) -> f32 {
    let bidi = bidi(text);
    let mut total = 0.0;
    for (script, r) in pieces_of(text, 0..text.len(), bidi.paragraph_level.is_rtl(), weight) {
        let rtl = bidi.levels.get(r.start).is_some_and(|l| l.is_rtl());
        total += shape(&text[r], typeface(script, weight), rtl).1;
    }
    total * size
}

/// Lays `range` of `para` out as one line, in visual order.
fn line(
    para: &str,
    bidi: &ParagraphBidiInfo,
    range: Range<usize>,
    weight: Weight,
    size: f32,
) -> Line {
    let mut pieces = Vec::new();
    let mut x = 0.0;
    if !range.is_empty() {
        let (levels, runs) = bidi.visual_runs(range);
        for run in runs {
            let rtl = levels[run.start].is_rtl();
            let mut parts = pieces_of(para, run, rtl, weight);
            if rtl {
                parts.reverse();
            }
            for (script, r) in parts {
                let tf = typeface(script, weight);
                let (glyphs, w) = shape(&para[r.clone()], tf, rtl);
                pieces.push(Piece {
                    font: tf.font.clone(),
                    text: para[r].to_string(),
                    glyphs,
                    x,
                });
                x += w * size;
            }
        }
    }
    Line {
        pieces,
        width: x,
        size,
        rtl: bidi.paragraph_level.is_rtl(),
    }
}

/// Breaks `text` into lines no wider than `max_width` points: at spaces, or inside a word
/// that is wider than a whole line. Each `\n` starts a new paragraph; an empty one is an
/// empty line.
pub fn lines(text: &str, weight: Weight, size: f32, max_width: f32) -> Vec<Line> {
    let mut out = Vec::new();
    for para in text.split('\n') {
        let para = para.trim_end_matches('\r');
        let (para, forced) = match para.strip_prefix('\u{200E}') {
            Some(rest) => (rest, Some(Level::ltr())),
            None => (para, None),
        };
        let bidi = ParagraphBidiInfo::new(para, forced);
        if width(para, weight, size) <= max_width {
            out.push(line(para, &bidi, 0..para.trim_end().len(), weight, size));
            continue;
        }
        let mut start = 0;
        let mut end = 0;
        let mut used = 0.0;
        for word in words(para) {
            let w = width(&para[word.clone()], weight, size);
            if end > start && used + w > max_width {
                out.push(line(
                    para,
                    &bidi,
                    start..trimmed(para, start..end),
                    weight,
                    size,
                ));
                start = word.start;
                used = 0.0;
            }
            if w > max_width {
                // One word wider than the line (a hash, a long URL): break it between characters.
                for (i, c) in para[word.clone()].char_indices() {
                    let at = word.start + i;
                    let cw = width(&para[at..at + c.len_utf8()], weight, size);
                    if at > start && used + cw > max_width {
                        out.push(line(para, &bidi, start..at, weight, size));
                        start = at;
                        used = 0.0;
                    }
                    used += cw;
                }
            } else {
                used += w;
            }
            end = word.end;
        }
        out.push(line(
            para,
            &bidi,
            start..trimmed(para, start..end),
            weight,
            size,
        ));
    }
    out
}

/// The end of `range` with trailing spaces left out.
fn trimmed(text: &str, range: Range<usize>) -> usize {
    range.start + text[range].trim_end().len()
}

/// Words with the spaces after them.
fn words(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    let mut after_space = false;
    let mut ends: Vec<Range<usize>> = Vec::new();
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            after_space = true;
        } else if after_space {
            ends.push(start..i);
            start = i;
            after_space = false;
        }
    }
    if start < text.len() {
        ends.push(start..text.len());
    }
    ends.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_goes_to_naskh_and_latin_to_noto_sans() {
        let arabic = "مصدر محلي 2";
        let parts = pieces_of(arabic, 0..arabic.len(), true, Weight::Regular);
        assert_eq!(parts, vec![(Script::Arabic, 0..arabic.len())]);
        let latin = "Source: Bafoulabé";
        let parts = pieces_of(latin, 0..latin.len(), false, Weight::Bold);
        assert_eq!(parts, vec![(Script::Latin, 0..latin.len())]);
    }

    #[test]
    fn long_text_breaks_into_lines_that_fit() {
        let text = "Gunmen on motorbikes stormed three industrial plants near Bafoulabé in a coordinated assault.";
        let all = lines(text, Weight::Regular, 10.0, 150.0);
        assert!(all.len() > 2);
        assert!(all.iter().all(|l| l.width <= 150.0 + 0.01));
        let hash = "a".repeat(200);
        let all = lines(&hash, Weight::Regular, 10.0, 150.0);
        assert!(all.len() > 2 && all.iter().all(|l| l.width <= 150.01));
    }

    #[test]
    fn a_line_reads_right_to_left_when_its_first_letter_is_arabic_unless_marked() {
        let all = lines("مسؤول محلي منتخب (Kayes)", Weight::Regular, 10.0, 400.0);
        assert_eq!(all.len(), 1);
        assert!(all[0].rtl);
        let all = lines(
            &ltr("4 — مصدر محلي, said on 2026-11-19"),
            Weight::Regular,
            10.0,
            400.0,
        );
        assert!(!all[0].rtl);
        assert_eq!(all[0].pieces[0].text, "4 — ");
    }
}
