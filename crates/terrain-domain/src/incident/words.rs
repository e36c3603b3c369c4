//! Words for comparing reports: folded (case, accents, Arabic letter variants), stop words of
//! French, English and Arabic dropped, cut to a short stem, and mapped through a small
//! three-language lexicon of incident words, so "usines incendiées", "plants torched" and
//! "أحرقوا المصانع" meet on the same two concepts.
//!
//! The Arabic folding is the store's search folding (`terrain-store` `search::fold`: vowel
//! marks and tatweel dropped, alef, ya and ta marbuta variants met), written again here because
//! the domain cannot depend on the store. Both must fold alike; when the store is next touched
//! it can call [`fold_arabic`] instead of keeping its own copy.

use std::collections::HashMap;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// A word as compared: a concept of the lexicon or a stem, hashed (FNV-1a, 32 bits) so that an
/// index holds four bytes per word and every process computes the same value.
pub type WordHash = u32;

/// At most this many distinct words describe a report: the title's first, then sites' names,
/// place, targets, perpetrators, damage and the narrative. Enough to tell incidents apart,
/// bounded so that an index of a million reports stays small.
pub const MAX_WORDS: usize = 32;

/// The store's Arabic folding: vowel marks and tatweel dropped, alef, ya and ta marbuta
/// variants met. Other characters are kept as they are.
pub fn fold_arabic(c: char) -> Option<char> {
    match c {
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => None,
        'أ' | 'إ' | 'آ' | 'ٱ' => Some('ا'),
        'ى' => Some('ي'),
        'ة' => Some('ه'),
        c => Some(c),
    }
}

/// The folded words of `text` in order: lower case, accents and Arabic variants folded, split
/// at anything that is not a letter or a digit.
pub fn folded_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in text
        .chars()
        .filter_map(fold_arabic)
        .collect::<String>()
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
    {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Words that say nothing about what happened, folded as [`folded_words`] folds.
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    // French
    "le", "la", "les", "l", "de", "des", "du", "d", "un", "une", "et", "en", "au", "aux", "a",
    "par", "pour", "sur", "dans", "avec", "sans", "ont", "ete", "est", "sont", "qui", "que", "qu",
    "ce", "ces", "cet", "cette", "se", "sa", "son", "ses", "leur", "leurs", "il", "ils", "elle",
    "elles", "on", "pres", "vers", "apres", "avant", "plus", "ou", "ne", "pas", "selon", "lors",
    "entre", "dont", "y", "nuit", "jour", "matin", "soir", "hier", "deux", "trois", "quatre",
    "cinq", "six", "sept", "huit", "dix", "plusieurs", "environ", "pres", "proche", "cercle",
    "region", "commune", "village", "ville", "localite", "pres", "sont", "etait", "etaient",
    // English
    "the", "an", "of", "in", "on", "at", "to", "and", "or", "by", "for", "with", "from", "near",
    "after", "before", "was", "were", "is", "are", "has", "have", "had", "been", "their", "his",
    "her", "its", "they", "them", "this", "that", "which", "who", "as", "into", "over", "about",
    "some", "several", "least", "night", "day", "morning", "evening", "yesterday", "two", "three",
    "four", "five", "six", "seven", "eight", "ten", "around", "nearly", "town", "region",
    "circle", "cercle", "commune", "village", "area", "also", "than", "more", "it", "he", "she",
    "not", "no", "per", "said", "says", "according", "reported", "report", "reports", "signale",
    "signalent", "rapporte",
    // Arabic (folded)
    "في", "من", "علي", "الي", "عن", "مع", "و", "هذا", "هذه", "التي", "الذي", "الذين", "ان", "قد",
    "تم", "ليل", "الليل", "بعد", "قبل", "قرب", "بالقرب", "عند", "او", "ثم", "كان", "كانت", "ليله",
    "يوم", "اثنان", "ثلاثه", "اربعه", "منطقه", "قريه", "مدينه", "حسب", "وفق",
];

static STOPS: LazyLock<std::collections::HashSet<String>> =
    LazyLock::new(|| STOP_WORDS.iter().flat_map(|w| folded_words(w)).collect());

/// Incident words in French, English and Arabic, by concept. The first word names the concept
/// in the reasons shown ("words alike: attack, plant").
#[rustfmt::skip]
const LEXICON: &[&[&str]] = &[
    &[
        "attack", "attacked", "attacks", "attaque", "attaques", "attaquee", "attaquees",
        "attaquent", "assault", "assaut", "raid", "raided", "stormed", "هجوم", "هاجم", "هاجموا",
        "اعتداء", "الهجوم",
    ],
    &[
        "plant", "plants", "factory", "factories", "usine", "usines", "unite", "industrial",
        "industrielle", "industrielles", "industriel", "مصنع", "مصنعا", "مصانع", "معمل", "المصنع",
        "المصانع",
    ],
    &[
        "abducted", "abduction", "abduct", "kidnapped", "kidnapping", "kidnap", "enleve",
        "enleves", "enlevement", "enlevements", "kidnappe", "kidnappes", "rapt", "otages",
        "hostages", "seized", "اختطاف", "اختطف", "اختطفوا", "خطف", "مختطفين", "رهائن",
    ],
    &[
        "burned", "burnt", "burning", "torched", "arson", "fire", "ablaze", "incendie",
        "incendies", "incendiee", "incendiees", "brule", "brules", "brulee", "brulees", "feu",
        "حرق", "احرق", "احرقوا", "احراق", "النار", "نار",
    ],
    &[
        "gunmen", "armed", "assailants", "jihadists", "terrorists", "armes",
        "assaillants", "djihadistes", "jihadistes", "terroristes", "hommes", "مسلحين", "مسلحون",
        "مسلح", "ارهابيين", "جهاديين",
    ],
    &[
        "mine", "mines", "mining", "gold", "miner", "miners", "orpaillage", "orpailleurs",
        "minier", "miniere", "منجم", "مناجم", "ذهب", "الذهب",
    ],
    &[
        "convoy", "convoys", "convoi", "convois", "trucks", "truck", "camions", "camion",
        "tanker", "tankers", "citerne", "citernes", "قافله", "شاحنات", "صهريج", "صهاريج",
    ],
    &["fuel", "carburant", "gasoil", "essence", "diesel", "وقود", "الوقود", "بنزين"],
    &["killed", "dead", "deaths", "tues", "tue", "morts", "mort", "tuees", "قتل", "قتلي", "مقتل"],
    &[
        "workers", "employees", "staff", "ouvriers", "employes", "travailleurs", "personnel",
        "عمال", "عمالا", "العمال", "موظفين",
    ],
    &["motorbikes", "motorcycles", "motos", "motocyclettes", "دراجات", "ناريه"],
    &["checkpoint", "barrage", "poste", "حاجز"],
    &["market", "marche", "سوق"],
    &[
        "soldiers", "army", "military", "troops", "soldats", "armee", "militaires", "militaire", "fama", "عسكريه",
        "جنود", "الجيش",
    ],
    &["ambush", "ambushed", "embuscade", "كمين", "كمينا", "لكمين"],
    &["road", "route", "axe", "highway", "طريق"],
    &[
        "protest", "protesters", "demonstration", "manifestation", "manifestants", "مظاهره",
        "احتجاج",
    ],
    &["quarry", "carriere", "carrieres", "محجر"],
    &["warehouse", "entrepot", "depot", "stock", "مستودع"],
    &["lime", "chaux", "جير"],
    &["plaster", "platre", "جبس"],
    &["guards", "guard", "gardiens", "gardien", "vigiles", "حراس"],
    &["looted", "looting", "pillage", "pille", "pilles", "نهب", "نهبوا"],
    &["machinery", "machines", "equipment", "equipements", "materiel", "معدات", "الات"],
    &["civilians", "civils", "population", "مدنيين"],
    &["explosive", "explosion", "explosif", "blast", "ied", "eei", "engin", "عبوه", "ناسفه", "انفجار", "انفجرت"],
    &["patrol", "patrouille", "دوريه"],
    &["injured", "wounded", "blesses", "blesse", "جرح", "اصابه", "جرحي"],
    &["drivers", "chauffeurs", "السائقين", "سائقين"],
    &["protesters", "متظاهرين", "المتظاهرين", "تظاهر", "مظاهره"],
    &["clash", "accrochage", "affrontement", "اشتباك", "اشتباكات"],
    &["vehicle", "vehicule", "vehicules", "اليه", "بالية"],
    &["miners", "orpailleurs", "منقبين"],
    &["shortage", "lack", "penurie", "manque", "نقص"],
    &["prices", "price", "prix", "اسعار"],
    &["hundreds", "centaines", "مئات"],
    &["gathered", "rassembles", "rassemblement", "تجمع"],
    &["denounce", "denoncent", "denoncer", "للتنديد", "تنديد"],
    &["bafoulabe", "بافولابي"],
    &["kayes", "كاي"],
    &["keniaba", "kenieba", "كينيبا"],
    &["jnim", "gsim", "نصره"],
    &["diawara", "دياوارا"],
];

/// What was hit, by class: two reports naming only targets of different classes (a plant and
/// a gold mine, a convoy and a market) tell of different incidents.
const TARGETS: &[(&str, u16)] = &[
    ("plant", 1),
    ("lime", 1),
    ("plaster", 1),
    ("mine", 2),
    ("miners", 2),
    ("quarry", 4),
    ("convoy", 8),
    ("drivers", 8),
    ("market", 16),
    ("checkpoint", 32),
    ("soldiers", 64),
    ("patrol", 64),
];

/// The classes of target a report's word keys name, as bits.
pub fn targets<'a>(keys: impl IntoIterator<Item = &'a str>) -> u16 {
    keys.into_iter()
        .filter_map(|k| TARGETS.iter().find(|(c, _)| *c == k))
        .fold(0, |mask, (_, bit)| mask | bit)
}

static CONCEPTS: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for words in LEXICON {
        for word in words.iter() {
            for folded in folded_words(word) {
                map.entry(stem(&folded)).or_insert(words[0]);
            }
        }
    }
    map
});

/// A short stem: a Latin plural's `s` dropped, then the first five letters; Arabic's article
/// and joined conjunctions dropped, then the first five letters. Crude, but the same on every
/// device, and the lexicon meets the forms it misses.
pub fn stem(word: &str) -> String {
    let mut w = word;
    if is_arabic(w) {
        w = without_article(w);
    } else if w.chars().count() > 3
        && let Some(rest) = w.strip_suffix('s')
    {
        w = rest;
    }
    w.chars().take(5).collect()
}

fn is_arabic(word: &str) -> bool {
    word.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

/// An Arabic word without its article or a joined conjunction or preposition.
fn without_article(word: &str) -> &str {
    for prefix in ["وال", "بال", "فال", "كال", "لل", "ال", "و"] {
        if let Some(rest) = word.strip_prefix(prefix)
            && rest.chars().count() >= 3
        {
            return rest;
        }
    }
    word
}

/// What one folded word counts as, if anything: a concept's name or the word's stem. Stop
/// words, digits (dates and figures are compared apart) and one- or two-letter words count as
/// nothing.
pub fn word_key(folded: &str) -> Option<String> {
    if STOPS.contains(folded)
        || STOPS.contains(without_article(folded))
        || folded.chars().all(|c| c.is_numeric())
        || folded.chars().count() < 3
    {
        return None;
    }
    let stem = stem(folded);
    Some(match CONCEPTS.get(&stem) {
        Some(concept) => concept.to_string(),
        None => stem,
    })
}

/// FNV-1a over the key's bytes: stable across builds and processes (std's hasher is not).
pub fn hash(key: &str) -> WordHash {
    key.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The distinct words of `texts` (in the order given, at most [`MAX_WORDS`]), leaving out
/// `ignore` (the report's own admin names: the place is compared apart). Each comes with the
/// key it was counted as, for the reasons shown.
pub fn key_words<'a>(
    texts: impl IntoIterator<Item = &'a str>,
    ignore: &[String],
) -> Vec<(WordHash, String)> {
    let mut out: Vec<(WordHash, String)> = Vec::new();
    for text in texts {
        for folded in folded_words(text) {
            if out.len() == MAX_WORDS {
                return out;
            }
            if ignore.contains(&folded) {
                continue;
            }
            if let Some(key) = word_key(&folded) {
                let h = hash(&key);
                if !out.iter().any(|(o, _)| *o == h) {
                    out.push((h, key));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        key_words([text], &[]).into_iter().map(|(_, k)| k).collect()
    }

    #[test]
    fn accents_case_and_arabic_variants_fold() {
        assert_eq!(
            folded_words("Usines INCENDIÉES à Bafoulabé"),
            ["usines", "incendiees", "a", "bafoulabe"]
        );
        // Hamza on alef, ta marbuta, a vowel mark and tatweel, as the store folds them.
        assert_eq!(folded_words("أُسرة قافلـة"), ["اسره", "قافله"]);
    }

    #[test]
    fn stop_words_and_numbers_say_nothing() {
        assert_eq!(keys("the plant of the town, 2026, à la nuit"), ["plant"]);
        assert!(keys("في الليل").is_empty());
    }

    #[test]
    fn the_three_languages_meet_on_concepts() {
        let fr = keys("Usines incendiées et ouvriers enlevés");
        let en = keys("Plants torched and workers abducted");
        let ar = keys("أحرقوا المصانع واختطفوا العمال");
        for k in ["plant", "burned", "workers", "abducted"] {
            assert!(fr.contains(&k.to_string()), "fr {fr:?} {k}");
            assert!(en.contains(&k.to_string()), "en {en:?} {k}");
            assert!(ar.contains(&k.to_string()), "ar {ar:?} {k}");
        }
    }

    #[test]
    fn words_are_bounded_and_distinct() {
        let text: String = (0..100).map(|i| format!("mot{i}x ")).collect();
        assert_eq!(key_words([text.as_str()], &[]).len(), MAX_WORDS);
        assert_eq!(keys("plant plants usine usines"), ["plant"]);
        assert_eq!(hash("plant"), hash("plant"));
        assert_ne!(hash("plant"), hash("mine"));
    }
}
