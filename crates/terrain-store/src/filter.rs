//! Which reports a list, a search or an export covers. One filter for all of them.

use chrono::NaiveDate;
use terrain_domain::messages::{self, Params};
use terrain_domain::{EventType, Lang, Status};
use uuid::Uuid;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Words to find in title, narrative, places and sources (accents ignored, prefixes match).
    pub query: Option<String>,
    /// Region, as the gazetteer spells it.
    pub admin1: Option<String>,
    /// Cercle, as the gazetteer spells it.
    pub admin2: Option<String>,
    pub event_type: Option<EventType>,
    pub status: Option<Status>,
    /// Incidents on or after this date.
    pub from: Option<NaiveDate>,
    /// Incidents on or before this date.
    pub to: Option<NaiveDate>,
    /// Only reports that touch this registry site.
    pub site: Option<Uuid>,
}

impl Filter {
    /// The selection in words, for the head of a summary ("region Kayes, from 2026-01-01");
    /// empty for every report. `site` is the site as the user named it.
    pub fn describe(&self, site: Option<&str>, lang: Lang) -> String {
        let mut parts = Vec::new();
        let mut say = |code: &str, params: &[(&str, String)]| {
            let params: Params = params
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            parts.push(messages::text(lang, code, &params));
        };
        if let Some(q) = &self.query {
            say("selection.words", &[("q", q.clone())]);
        }
        match (&self.admin1, &self.admin2) {
            (Some(region), Some(cercle)) => say(
                "selection.cercle",
                &[("cercle", cercle.clone()), ("region", region.clone())],
            ),
            (Some(region), None) => say("selection.region", &[("region", region.clone())]),
            _ => {}
        }
        if let Some(e) = self.event_type {
            let label = format!("choice.event_types.{e}");
            say(
                "selection.type",
                &[("type", e.label().into()), ("type_label", label)],
            );
        }
        if let Some(s) = self.status {
            let label = format!("choice.statuses.{}", s.as_str());
            say(
                "selection.status",
                &[("status", s.as_str().into()), ("status_label", label)],
            );
        }
        if let Some(d) = self.from {
            say("selection.from", &[("date", d.to_string())]);
        }
        if let Some(d) = self.to {
            say("selection.to", &[("date", d.to_string())]);
        }
        if let Some(site) = site {
            say("selection.site", &[("site", site.to_string())]);
        }
        parts.join(", ")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: u32,
    pub offset: u32,
}

impl Page {
    pub fn first(limit: u32) -> Page {
        Page { limit, offset: 0 }
    }

    /// Everything, for exports.
    pub fn all() -> Page {
        Page {
            limit: u32::MAX,
            offset: 0,
        }
    }
}

/// Turns what a user typed into an FTS5 query: each word quoted (so FTS syntax in user text is
/// inert) and matched as a prefix; all words must match.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    // Folded before splitting: an Arabic vowel mark is not alphanumeric and would cut a word.
    let words: Vec<String> = crate::search::fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

impl Filter {
    /// The WHERE clause over `reports AS r` and its bound values.
    pub(crate) fn to_sql(&self) -> (String, Vec<rusqlite::types::Value>) {
        use rusqlite::types::Value;
        let mut clauses: Vec<&str> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let mut add = |clause, value: String| {
            clauses.push(clause);
            values.push(Value::Text(value));
        };
        if let Some(q) = self.query.as_deref().and_then(fts_query) {
            add(
                "r.n IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?)",
                q,
            );
        }
        if let Some(a) = &self.admin1 {
            add("r.admin1 = ?", a.clone());
        }
        if let Some(a) = &self.admin2 {
            add("r.admin2 = ?", a.clone());
        }
        if let Some(e) = self.event_type {
            add("r.event_type = ?", e.label().to_string());
        }
        if let Some(s) = self.status {
            add("r.status = ?", s.as_str().to_string());
        }
        if let Some(d) = self.from {
            add("r.event_date >= ?", d.to_string());
        }
        if let Some(d) = self.to {
            add("r.event_date <= ?", d.to_string());
        }
        if let Some(s) = self.site {
            add(
                "r.id IN (SELECT report_id FROM report_sites WHERE site_id = ?)",
                s.to_string(),
            );
        }
        let sql = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        (sql, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_cannot_inject_fts_syntax() {
        assert_eq!(fts_query("Bafoulabé"), Some("\"Bafoulabé\"*".into()));
        assert_eq!(
            fts_query("NEAR(a b) OR \"x"),
            Some("\"NEAR\"* \"a\"* \"b\"* \"OR\"* \"x\"*".into())
        );
        assert_eq!(fts_query("  ,, "), None);
    }
}
