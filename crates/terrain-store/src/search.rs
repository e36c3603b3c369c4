//! What search sees of a report, and how text is folded so a query finds it.
//!
//! FTS5's `unicode61 remove_diacritics 2` already ignores Latin accents ("bafoulabe" finds
//! "Bafoulabé"). Arabic needs more: short vowels and other marks (harakat) are usually left
//! out when typing, and as marks FTS5 would cut a word at them, so "اختطفوا" never found
//! "اختُطفوا". [`fold`] is applied to indexed text and to queries alike, so both meet in
//! one form. Migration 007 calls it (as `terrain_search_fold`) to index older reports.

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use terrain_domain::Report;

/// Search's form of `text`. Arabic, as Arabic search engines commonly normalise it:
/// - harakat and other marks (U+064B–U+065F, superscript alef U+0670) and tatweel (U+0640,
///   a stretch for layout) are dropped: they are optional in writing;
/// - alef with hamza or madda (أ إ آ ٱ) is bare alef: the hamza on alef is often not typed;
/// - alef maqsura (ى) is ya (ي) and ta marbuta (ة) is ha (ه): the pairs look alike at a word's
///   end and writers, and keyboards, use one for the other.
///
/// Folding makes a few distinct words meet (ending in ه or ة); for finding reports among a
/// device's few thousand, missing a report is worse than one extra in the list.
pub(crate) fn fold(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => None,
            'أ' | 'إ' | 'آ' | 'ٱ' => Some('ا'),
            'ى' => Some('ي'),
            'ة' => Some('ه'),
            c => Some(c),
        })
        .collect()
}

/// A report's text for the columns of `reports_fts` (title, narrative, places, sources,
/// perpetrators), folded. Migration 007 builds the same from SQL.
pub(crate) fn columns(r: &Report) -> [String; 5] {
    let l = &r.location;
    let join = |parts: &mut dyn Iterator<Item = &str>| fold(&parts.collect::<Vec<_>>().join(" "));
    [
        fold(&r.title),
        join(
            &mut [Some(r.narrative.as_str()), r.damage.as_deref()]
                .into_iter()
                .flatten(),
        ),
        join(
            &mut [
                l.place.as_deref(),
                l.admin3.as_deref(),
                l.admin2.as_deref(),
                Some(l.admin1.as_str()),
            ]
            .into_iter()
            .flatten(),
        ),
        join(&mut r.sources.iter().map(|s| s.name.as_str())),
        join(&mut r.perpetrators.iter().map(|a| a.name.as_str())),
    ]
}

/// Makes [`fold`] callable from SQL as `terrain_search_fold(text)`, for migrations.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "terrain_search_fold",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|t| fold(&t))),
    )
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn arabic_marks_and_tatweel_are_dropped_and_letter_variants_meet() {
        assert_eq!(fold("اختُطفوا"), "اختطفوا");
        assert_eq!(fold("مُحَمَّدٌ"), "محمد");
        assert_eq!(fold("عـــمال"), "عمال");
        assert_eq!(fold("أحمد إبراهيم آمنة"), "احمد ابراهيم امنه");
        assert_eq!(fold("مصطفى"), "مصطفي");
        assert_eq!(fold("رحمٰن"), "رحمن");
    }

    #[test]
    fn latin_text_is_left_to_fts5() {
        assert_eq!(fold("Bafoulabé, JNIM"), "Bafoulabé, JNIM");
    }
}
