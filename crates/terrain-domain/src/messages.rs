//! The one message catalogue (`messages.json`): the core says what is wrong as a code with
//! parameters, and the wording in English and French lives in that one file. The desktop UI
//! imports the same file, the CLI renders in `LANG`'s language, the server in the request's
//! `Accept-Language`.
//!
//! A template fills `{name}` from the parameters and `{@name}` with the catalogue's text for
//! the code held in parameter `name` (a figure's name, a period's word), so a parameter that is
//! itself words is translated too. Field labels are codes as well (`field.where.admin1`).

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// A language Terrain speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// A language tag or locale as systems write them: "fr", "fr-ML", "fr_FR.UTF-8", "en".
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag
            .trim()
            .split(['-', '_', '.', ';'])
            .next()?
            .to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Lang::Fr),
            "en" | "c" | "posix" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first language of an `Accept-Language` header Terrain speaks, by preference
    /// (`q`); English when none.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut ranked: Vec<(f32, Lang)> = header
            .split(',')
            .filter_map(|part| {
                let mut bits = part.split(';');
                let lang = Lang::from_tag(bits.next()?)?;
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                Some((q, lang))
            })
            .collect();
        // Stable: equal weights keep the header's order.
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.first().map(|(_, l)| *l).unwrap_or_default()
    }

    /// The language of a process's locale (`LC_ALL`, `LC_MESSAGES`, then `LANG`): French when
    /// it starts with `fr`, English otherwise.
    pub fn from_locale(get: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| get(v).filter(|s| !s.is_empty()))
            .find_map(|s| Lang::from_tag(&s))
            .unwrap_or_default()
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }
}

/// A message's parameters, by name.
pub type Params = BTreeMap<String, String>;

/// A sentence of the catalogue not yet in a language: the core says what happened, each
/// shell words it in its reader's language (the CLI with `text`, the UI with the same file).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Message {
    /// A code of `messages.json`, e.g. `sync.acked`.
    pub code: String,
    #[cfg_attr(feature = "ts", ts(type = "Record<string, string>"))]
    pub params: Params,
}

impl Message {
    pub fn new<V: ToString>(
        code: &str,
        params: impl IntoIterator<Item = (&'static str, V)>,
    ) -> Message {
        debug_assert!(
            template(Lang::En, code).is_some(),
            "{code} is not in messages.json"
        );
        Message {
            code: code.to_string(),
            params: params
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    pub fn text(&self, lang: Lang) -> String {
        text(lang, &self.code, &self.params)
    }
}

#[derive(serde::Deserialize)]
struct Entry {
    en: String,
    fr: String,
}

static CATALOGUE: LazyLock<HashMap<String, Entry>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../messages.json")).expect("messages.json is valid")
});

/// Every code of the catalogue.
pub fn codes() -> impl Iterator<Item = &'static str> {
    CATALOGUE.keys().map(String::as_str)
}

/// The raw template of `code` in `lang`, if the catalogue has it.
pub fn template(lang: Lang, code: &str) -> Option<&'static str> {
    CATALOGUE.get(code).map(|e| match lang {
        Lang::En => e.en.as_str(),
        Lang::Fr => e.fr.as_str(),
    })
}

/// The text of `code` in `lang`, its parameters filled; the code itself if unknown.
pub fn text(lang: Lang, code: &str, params: &Params) -> String {
    fill(lang, template(lang, code).unwrap_or(code), params, 0)
}

fn fill(lang: Lang, template: &str, params: &Params, depth: u8) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').filter(|&c| {
            let name = after[..c].strip_prefix('@').unwrap_or(&after[..c]);
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
        let Some(close) = close else {
            out.push('{');
            rest = after;
            continue;
        };
        let name = &after[..close];
        match (
            name.strip_prefix('@'),
            params.get(name.trim_start_matches('@')),
        ) {
            (Some(_), Some(code)) if depth < 3 => {
                let inner = template_of(lang, code);
                out.push_str(&fill(lang, inner, params, depth + 1));
            }
            (None, Some(value)) => out.push_str(value),
            _ => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

fn template_of(lang: Lang, code: &str) -> &str {
    template(lang, code).unwrap_or(code)
}

/// A field path of the record in words: `sources[1].name` → "Source 2, name" / "Source 2,
/// nom". A key the catalogue does not name (one the record does not have) follows its
/// parent's label as written: "Où, colour".
pub fn label(lang: Lang, path: &str) -> String {
    let (key, params) = label_key(path);
    match (template(lang, &key), path.rsplit_once('.')) {
        (Some(t), _) => fill(lang, t, &params, 0),
        (None, Some((parent, last))) => format!("{}, {last}", label(lang, parent)),
        (None, None) => path.to_string(),
    }
}

/// `figures.killed[0].source` → (`field.figures.*[].source`, {n: 1, figure: figure.killed}).
fn label_key(path: &str) -> (String, Params) {
    let mut params = Params::new();
    let mut key = String::from("field.");
    let mut rest = path;
    if let Some(after) = path.strip_prefix("figures.") {
        let end = after.find(['[', '.']).unwrap_or(after.len());
        params.insert("figure".into(), format!("figure.{}", &after[..end]));
        key.push_str("figures.*");
        rest = &after[end..];
    }
    while let Some(open) = rest.find('[') {
        key.push_str(&rest[..open]);
        let close = rest[open..].find(']').map_or(rest.len(), |c| open + c);
        if let Ok(i) = rest[open + 1..close].parse::<usize>() {
            params.entry("n".into()).or_insert((i + 1).to_string());
        }
        key.push_str("[]");
        rest = rest.get(close + 1..).unwrap_or("");
    }
    key.push_str(rest);
    (key, params)
}

/// The label of a pick-list value in `lang` (`choice.event_types.Battles` → "Combats"); the
/// value itself when the catalogue has no such choice.
pub fn choice(lang: Lang, list: &str, value: &str) -> String {
    template(lang, &format!("choice.{list}.{value}"))
        .unwrap_or(value)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn languages_come_from_tags_headers_and_locales() {
        assert_eq!(Lang::from_tag("fr_FR.UTF-8"), Some(Lang::Fr));
        assert_eq!(Lang::from_tag("fr-ML"), Some(Lang::Fr));
        assert_eq!(Lang::from_tag("de"), None);
        assert_eq!(
            Lang::from_accept_language("de-DE, fr;q=0.8, en;q=0.5"),
            Lang::Fr
        );
        assert_eq!(Lang::from_accept_language("en-GB,fr;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
        let env = |v: &str| (v == "LANG").then(|| "fr_ML.UTF-8".to_string());
        assert_eq!(Lang::from_locale(env), Lang::Fr);
        assert_eq!(Lang::from_locale(|_| None), Lang::En);
    }

    #[test]
    fn templates_fill_names_and_nested_codes() {
        let p = params(&[("text", "2026-06"), ("kind", "period.month")]);
        assert_eq!(
            fill(Lang::Fr, "« {text} » : {@kind}", &p, 0),
            "« 2026-06 » : mois"
        );
        // Braces that are not a parameter stay as written.
        assert_eq!(
            fill(
                Lang::En,
                "a range {\"min\": 3} or {...} or {missing}",
                &p,
                0
            ),
            "a range {\"min\": 3} or {...} or {missing}"
        );
    }

    #[test]
    fn fields_are_named_in_words() {
        assert_eq!(label(Lang::Fr, "where.admin1"), "Région");
        assert_eq!(label(Lang::En, "sources[1].name"), "Source 2, name");
        assert_eq!(
            label(Lang::Fr, "figures.killed[0].source"),
            "Tués, chiffre 1, source"
        );
        assert_eq!(label(Lang::Fr, "figures.abducted"), "Enlevés");
        assert_eq!(label(Lang::Fr, "where.colour"), "Où, colour");
        assert_eq!(label(Lang::En, "colour"), "colour");
        assert_eq!(
            choice(Lang::Fr, "event_types", "Violence against civilians"),
            "Violence contre les civils"
        );
    }
}
