//! Report ids as people read and type them: the shortest prefix of the hyphenated id that names
//! one report (never under [`SHORT_ID_CHARS`] characters), and a typed prefix back to the id.
//!
//! UUIDv7 ids begin with their creation time, so reports imported together share their first
//! 12 hex digits: a fixed-length cut is not an id. The prefix grows until it is unique.

use crate::write::parse_uuid;
use crate::{Result, Store, StoreError};
use rusqlite::OptionalExtension;
use std::collections::HashMap;
use uuid::Uuid;

/// The fewest characters a short id has (the first block of the hyphenated form).
pub const SHORT_ID_CHARS: usize = 8;

/// Matches an ambiguity error lists at most.
const LISTED_MATCHES: usize = 10;

/// The shortest prefix of `id`'s hyphenated form, at least [`SHORT_ID_CHARS`] long and not
/// ending in a dash, that no id in `others` shares (`id` itself among them is ignored).
pub fn short_id<'a>(id: &Uuid, others: impl IntoIterator<Item = &'a Uuid>) -> String {
    let text = id.to_string();
    let shared = others
        .into_iter()
        .filter(|o| *o != id)
        .map(|o| common_prefix(&text, &o.to_string()))
        .max()
        .unwrap_or(0);
    let mut len = (shared + 1).max(SHORT_ID_CHARS).min(text.len());
    if text.as_bytes()[len - 1] == b'-' {
        len += 1;
    }
    text[..len].to_string()
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
}

/// What the user typed, as a prefix of a hyphenated id: lower case, and dashes put back into a
/// run of hex digits copied from an id printed without them (`019a8f3c5d2e`).
fn normalise(typed: &str) -> String {
    let typed = typed.trim().to_ascii_lowercase();
    if typed.contains('-') || typed.len() <= SHORT_ID_CHARS {
        return typed;
    }
    let mut out = String::with_capacity(typed.len() + 4);
    for (i, c) in typed.chars().enumerate() {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        out.push(c);
    }
    out
}

impl Store {
    /// The report with this id, or the one whose id starts with `typed` (at least 4 characters,
    /// dashes optional). Several matches are [`StoreError::AmbiguousId`], which lists them.
    pub fn resolve_id(&self, typed: &str) -> Result<Uuid> {
        let prefix = normalise(typed);
        if let Ok(id) = Uuid::parse_str(&prefix) {
            return if self.exists(id)? {
                Ok(id)
            } else {
                Err(StoreError::ReportNotFound(typed.trim().to_string()))
            };
        }
        if prefix.len() < 4 || !prefix.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(StoreError::ReportNotFound(typed.trim().to_string()));
        }
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT id FROM reports WHERE id >= ?1 AND id < ?1 || 'g' ORDER BY id LIMIT ?2",
            )
            .map_err(self.sql())?;
        let ids: Vec<String> = stmt
            .query_map(rusqlite::params![prefix, LISTED_MATCHES as i64 + 1], |r| {
                r.get(0)
            })
            .map_err(self.sql())?
            .collect::<rusqlite::Result<_>>()
            .map_err(self.sql())?;
        match ids.as_slice() {
            [one] => parse_uuid(one),
            [] => Err(StoreError::ReportNotFound(typed.trim().to_string())),
            _ => {
                let count = conn
                    .query_row(
                        "SELECT count(*) FROM reports WHERE id >= ?1 AND id < ?1 || 'g'",
                        [&prefix],
                        |r| r.get::<_, i64>(0),
                    )
                    .map_err(self.sql())?;
                Err(StoreError::AmbiguousId {
                    given: typed.trim().to_string(),
                    count: count as usize,
                    what: "reports",
                    matches: ids.into_iter().take(LISTED_MATCHES).collect(),
                })
            }
        }
    }

    /// Each report's shortest unique prefix ([`short_id`]) among every report of the store.
    pub fn short_ids(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, String>> {
        let conn = self.reader()?;
        // Only the ids just before and after share the longest prefix with it.
        let mut before = conn
            .prepare_cached("SELECT max(id) FROM reports WHERE id < ?1")
            .map_err(self.sql())?;
        let mut after = conn
            .prepare_cached("SELECT min(id) FROM reports WHERE id > ?1")
            .map_err(self.sql())?;
        let mut short = HashMap::with_capacity(ids.len());
        for id in ids {
            let text = id.to_string();
            let mut neighbours = Vec::with_capacity(2);
            for stmt in [&mut before, &mut after] {
                let found: Option<String> = stmt
                    .query_row([&text], |r| r.get(0))
                    .optional()
                    .map_err(self.sql())?
                    .flatten();
                if let Some(found) = found {
                    neighbours.push(parse_uuid(&found)?);
                }
            }
            short.insert(*id, short_id(id, &neighbours));
        }
        Ok(short)
    }

    fn exists(&self, id: Uuid) -> Result<bool> {
        let conn = self.reader()?;
        conn.prepare_cached("SELECT 1 FROM reports WHERE id = ?1")
            .and_then(|mut s| s.exists([id.to_string()]))
            .map_err(self.sql())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> Uuid {
        Uuid::parse_str(text).unwrap()
    }

    #[test]
    fn a_short_id_grows_past_what_another_id_shares() {
        let a = id("019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a");
        let b = id("019a8f3c-5d2e-7a41-b6c4-000000000000");
        let c = id("77777777-0000-7000-8000-000000000000");
        assert_eq!(short_id(&a, [&c]), "019a8f3c");
        assert_eq!(short_id(&a, [&a]), "019a8f3c", "itself does not count");
        assert_eq!(short_id(&a, [&b, &c]), "019a8f3c-5d2e-7a41-b6c3");
        // Sharing exactly the first block: the next character, not a trailing dash.
        let d = id("019a8f3c-6000-7000-8000-000000000000");
        assert_eq!(short_id(&a, [&d]), "019a8f3c-5");
        assert_eq!(short_id(&a, [&a, &a]), "019a8f3c");
    }

    #[test]
    fn ids_printed_without_dashes_still_resolve() {
        assert_eq!(normalise("019A8F3C5D2E"), "019a8f3c-5d2e");
        assert_eq!(normalise("019a8f3c"), "019a8f3c");
        assert_eq!(normalise(" 019a8f3c-5d "), "019a8f3c-5d");
        assert_eq!(
            normalise("019a8f3c5d2e7a41b6c32f1e0d9c8b7a"),
            "019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a"
        );
    }
}
