//! How text is folded for search, on the device (`terrain-store`, FTS5) and on the server (both
//! engines): one function, so a word finds the same reports everywhere.
//!
//! FTS5's `unicode61 remove_diacritics 2` and PostgreSQL's `unaccent` ignore Latin accents
//! ("bafoulabe" finds "Bafoulabé"). Arabic needs more: short vowels and other marks (harakat)
//! are usually left out when typing, and as marks a tokenizer would cut a word at them, so
//! "اختطفوا" never found "اختُطفوا". [`fold`] is applied to indexed text and to queries alike, so
//! both meet in one form; [`words`] goes further for the server, where two engines must agree.

/// Search's form of `text`. Arabic, as Arabic search engines commonly normalise it:
/// - harakat and other marks (U+064B–U+065F, superscript alef U+0670) and tatweel (U+0640,
///   a stretch for layout) are dropped: they are optional in writing;
/// - alef with hamza or madda (أ إ آ ٱ) is bare alef: the hamza on alef is often not typed;
/// - alef maqsura (ى) is ya (ي) and ta marbuta (ة) is ha (ه): the pairs look alike at a word's
///   end and writers, and keyboards, use one for the other.
///
/// Folding makes a few distinct words meet (ending in ه or ة); for finding reports, missing
/// one is worse than one extra in the list. Other scripts are left as they are.
pub fn fold(text: &str) -> String {
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

/// The words of `text` as the server indexes and searches them: [`fold`]ed, then without
/// accents, in lower case, cut at every character that is not a letter or a digit
/// ([`crate::gazetteer::fold`]). Only letters and digits remain, so a word can never be read
/// as query syntax by either engine, and both engines see the same words.
pub fn words(text: &str) -> Vec<String> {
    crate::gazetteer::fold(&fold(text))
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn latin_text_is_left_to_the_tokenizer() {
        assert_eq!(fold("Bafoulabé, JNIM"), "Bafoulabé, JNIM");
    }

    #[test]
    fn words_are_letters_and_digits_only_without_accents_or_case() {
        assert_eq!(
            words("Attaque près de Bafoulabé: \"JNIM\"* OR 12km — اختُطفوا"),
            [
                "attaque",
                "pres",
                "de",
                "bafoulabe",
                "jnim",
                "or",
                "12km",
                "اختطفوا"
            ]
        );
        assert!(words(" \"*^:() ").is_empty());
    }
}
