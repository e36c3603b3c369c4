//! The bundled offline gazetteer of Mali: regions (admin1), cercles (admin2), communes (admin3).
//!
//! Look-ups ignore case, accents and punctuation, so a field laptop's keyboard without accents
//! still finds "Bafoulabé" from "bafoulabe".

use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

const DATA: &str = include_str!("../data/mali-gazetteer.tsv");

#[derive(Debug)]
pub struct Region {
    pub name: &'static str,
    aliases: Vec<&'static str>,
    pub cercles: Vec<Cercle>,
}

#[derive(Debug)]
pub struct Cercle {
    pub name: &'static str,
    aliases: Vec<&'static str>,
    pub communes: Vec<&'static str>,
}

/// Which administrative level a suggestion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Region,
    Cercle,
    Commune,
}

/// A place the gazetteer offers for what the user typed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Suggestion {
    pub level: Level,
    pub admin1: &'static str,
    pub admin2: Option<&'static str>,
    pub admin3: Option<&'static str>,
}

impl Suggestion {
    pub fn name(&self) -> &'static str {
        self.admin3.or(self.admin2).unwrap_or(self.admin1)
    }
}

static REGIONS: LazyLock<Vec<Region>> = LazyLock::new(parse);

fn parse() -> Vec<Region> {
    let mut regions: Vec<Region> = Vec::new();
    for line in DATA
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut cols = line.split('\t');
        let mut col = || cols.next().map(str::trim).filter(|c| !c.is_empty());
        let (Some(region), cercle, commune, aliases) = (col(), col(), col(), col()) else {
            continue;
        };
        let aliases: Vec<&'static str> =
            aliases.map(|a| a.split('|').collect()).unwrap_or_default();
        if !regions.iter().any(|r| r.name == region) {
            regions.push(Region {
                name: region,
                aliases: Vec::new(),
                cercles: Vec::new(),
            });
        }
        let r = regions
            .iter_mut()
            .find(|r| r.name == region)
            .expect("just pushed");
        let Some(cercle) = cercle else {
            r.aliases.extend(aliases);
            continue;
        };
        if !r.cercles.iter().any(|c| c.name == cercle) {
            r.cercles.push(Cercle {
                name: cercle,
                aliases: Vec::new(),
                communes: Vec::new(),
            });
        }
        let c = r
            .cercles
            .iter_mut()
            .find(|c| c.name == cercle)
            .expect("just pushed");
        match commune {
            Some(commune) => c.communes.push(commune),
            None => c.aliases.extend(aliases),
        }
    }
    regions
}

/// Folds text for comparison: no accents, lower case, words separated by single spaces.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for ch in text
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
    {
        if ch.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(ch.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

fn matches(name: &str, aliases: &[&str], key: &str) -> bool {
    fold(name) == key || aliases.iter().any(|a| fold(a) == key)
}

pub fn regions() -> &'static [Region] {
    &REGIONS
}

/// The region named `name` (any case, with or without accents, or a known other spelling).
pub fn region(name: &str) -> Option<&'static Region> {
    let key = fold(name);
    REGIONS.iter().find(|r| matches(r.name, &r.aliases, &key))
}

impl Region {
    pub fn cercle(&self, name: &str) -> Option<&Cercle> {
        let key = fold(name);
        self.cercles
            .iter()
            .find(|c| matches(c.name, &c.aliases, &key))
    }
}

impl Cercle {
    pub fn commune(&self, name: &str) -> Option<&'static str> {
        let key = fold(name);
        self.communes.iter().copied().find(|c| fold(c) == key)
    }
}

/// Places whose name starts with, or contains, what was typed; closest first, at most `limit`.
/// Words match at their start ("nioro" finds "Nioro du Sahel", "sahel" does too).
pub fn suggest(typed: &str, limit: usize) -> Vec<Suggestion> {
    let key = fold(typed);
    if key.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<(u8, Suggestion)> = Vec::new();
    let mut consider = |name: &str, aliases: &[&str], s: Suggestion| {
        let rank = std::iter::once(name)
            .chain(aliases.iter().copied())
            .filter_map(|n| rank(&fold(n), &key))
            .min();
        if let Some(rank) = rank {
            found.push((rank, s));
        }
    };
    for r in REGIONS.iter() {
        let at = |level, admin2, admin3| Suggestion {
            level,
            admin1: r.name,
            admin2,
            admin3,
        };
        consider(r.name, &r.aliases, at(Level::Region, None, None));
        for c in &r.cercles {
            consider(c.name, &c.aliases, at(Level::Cercle, Some(c.name), None));
            for m in &c.communes {
                consider(m, &[], at(Level::Commune, Some(c.name), Some(m)));
            }
        }
    }
    found.sort_by_key(|(rank, s)| (*rank, s.level as u8));
    found.into_iter().map(|(_, s)| s).take(limit).collect()
}

/// 0 exact, 1 prefix, 2 a later word's prefix, 3 one typo away; None if unrelated.
fn rank(name: &str, key: &str) -> Option<u8> {
    if name == key {
        Some(0)
    } else if name.starts_with(key) {
        Some(1)
    } else if name.split(' ').any(|w| w.starts_with(key)) {
        Some(2)
    } else if key.chars().count() >= 4 && edit_distance(name, key) <= 1 + key.len() / 8 {
        Some(3)
    } else {
        None
    }
}

/// The closest known name to `typed` among `names`, for "did you mean" hints.
pub fn closest<'a>(typed: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let key = fold(typed);
    names
        .into_iter()
        .map(|n| (edit_distance(&fold(n), &key), n))
        .filter(|(d, _)| *d <= 2 + key.len() / 6)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_drops_accents_case_and_punctuation() {
        assert_eq!(fold("Bafoulabé"), "bafoulabe");
        assert_eq!(fold("  Nioro-du-Sahel "), "nioro du sahel");
        assert_eq!(fold("Dioïla"), "dioila");
    }

    #[test]
    fn every_region_and_all_kayes_cercles_are_there() {
        let names: Vec<_> = regions().iter().map(|r| r.name).collect();
        for expected in [
            "Kayes",
            "Koulikoro",
            "Sikasso",
            "Ségou",
            "Mopti",
            "Tombouctou",
            "Gao",
            "Kidal",
            "Ménaka",
            "Taoudénit",
            "Bamako",
        ] {
            assert!(names.contains(&expected), "missing region {expected}");
        }
        let kayes: Vec<_> = region("Kayes")
            .unwrap()
            .cercles
            .iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(
            kayes,
            [
                "Bafoulabé",
                "Diéma",
                "Kayes",
                "Kéniéba",
                "Kita",
                "Nioro du Sahel",
                "Yélimané"
            ]
        );
    }

    #[test]
    fn lookups_ignore_accents_and_know_other_spellings() {
        let kayes = region("KAYES").unwrap();
        assert_eq!(kayes.cercle("bafoulabe").unwrap().name, "Bafoulabé");
        assert_eq!(kayes.cercle("Nioro").unwrap().name, "Nioro du Sahel");
        assert_eq!(region("timbuktu").unwrap().name, "Tombouctou");
        assert_eq!(region("segou").unwrap().name, "Ségou");
        assert!(kayes.cercle("Mopti").is_none());
        let bafoulabe = kayes.cercle("Bafoulabé").unwrap();
        assert_eq!(bafoulabe.commune("sidibela"), Some("Sidibéla"));
    }

    #[test]
    fn suggest_puts_the_exact_place_first() {
        let found = suggest("bafoulabe", 5);
        assert_eq!(found[0].level, Level::Cercle);
        assert_eq!(found[0].name(), "Bafoulabé");
        assert_eq!(found[0].admin1, "Kayes");
        assert!(
            found
                .iter()
                .any(|s| s.level == Level::Commune && s.name() == "Bafoulabé")
        );
        let sahel = suggest("sahel", 5);
        assert_eq!(sahel[0].name(), "Nioro du Sahel");
        assert!(suggest("", 5).is_empty());
        assert!(suggest("zzzzzz", 5).is_empty());
    }

    #[test]
    fn suggest_forgives_one_typo() {
        let found = suggest("Bafoulaba", 3);
        assert_eq!(found[0].name(), "Bafoulabé");
    }

    #[test]
    fn closest_offers_a_did_you_mean() {
        let names = region("Kayes").unwrap().cercles.iter().map(|c| c.name);
        assert_eq!(closest("Bafulabe", names.clone()), Some("Bafoulabé"));
        assert_eq!(closest("Tokyo", names), None);
    }
}
