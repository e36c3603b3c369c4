//! The console's report index (issue 14), decided here once for both engines: what each
//! report's index row holds ([`IndexEntry::of`], written by an engine in the push transaction
//! and at the schema step that adds it), and what a filter asks for ([`Selection`]), which the
//! engines only translate into SQL.
//!
//! Search: an entry's text is [`terrain_domain::search::words`] of the report's title,
//! narrative, damage, places, sources' names and actors, joined by spaces; a query is the same
//! function applied to what the user typed, each word matched as a word's start, all required.
//! Both engines thus index and look up the same words; their own accent folding (FTS5
//! `remove_diacritics 2`, PostgreSQL `unaccent`) runs on top and finds nothing left to do.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use terrain_domain::{FigureKind, Revision};
use terrain_protocol::console::{INBOX_PAGE, INBOX_PAGE_MAX, SEARCH_CHARS, SEARCH_WORDS};
use terrain_protocol::{ReportFilter, ReportRow, ReviewFilter};
use uuid::Uuid;

/// A head of a report, as the index reads it.
#[derive(Debug, Clone)]
pub struct IndexedHead {
    pub seq: i64,
    pub revision: Revision,
    pub pushed_by: Option<String>,
}

/// One report's row of the index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    pub report_id: Uuid,
    /// The feed position of the report's latest revision: the inbox's order and its cursor.
    pub last_seq: i64,
    /// Canonical region of the current head.
    pub region: String,
    /// The cercle, folded (case and accents), for filtering.
    pub cercle_key: Option<String>,
    /// The event type's label.
    pub event_type: Option<String>,
    /// The local categories' labels, each between spaces: `" fuel_blockade road_blockade "`.
    pub categories: String,
    /// The days the incident covers.
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    /// ISO week of `date_from`: `2026-W48`.
    pub week: String,
    /// Who wrote the current head, and who pushed it.
    pub author: String,
    pub pushed_by: Option<String>,
    pub disputed: bool,
    pub first_received: DateTime<Utc>,
    /// The searched words, space-separated.
    pub search: String,
    /// The inbox row (without its review), as JSON.
    pub row_json: String,
}

impl IndexEntry {
    /// The entry of a report with these heads (any order; the current one is the last
    /// received), first received at `first_received`, its latest revision at `last_seq`,
    /// received at `last_received`. None without heads.
    pub fn of(
        heads: &[IndexedHead],
        first_received: DateTime<Utc>,
        last_seq: i64,
        last_received: DateTime<Utc>,
    ) -> Option<IndexEntry> {
        let current = heads.iter().max_by_key(|h| h.seq)?;
        let r = &current.revision.content;
        let date_to = r.when.end_date.unwrap_or(r.when.date).max(r.when.date);
        let disputed = heads.iter().any(|h| {
            FigureKind::ALL
                .iter()
                .any(|k| h.revision.content.figure(*k).is_some_and(|s| s.disputed))
        });
        let mut search = Vec::new();
        for h in heads {
            search.extend(search_words(&h.revision));
        }
        let region = crate::canonical_region(&r.location.admin1);
        let row = ReportRow {
            id: r.id,
            title: r.title.clone(),
            region: region.clone(),
            cercle: r.location.admin2.clone(),
            place: r.location.place.clone(),
            event_type: r.what.event_type,
            categories: r.what.categories.clone(),
            event_date: r.when.date,
            event_end: r.when.end_date,
            date_precision: r.when.precision,
            first_received,
            last_received,
            author: current.revision.author.clone(),
            pushed_by: current.pushed_by.clone(),
            disputed,
            conflict: heads.len() > 1,
            photos: r
                .attachments
                .iter()
                .filter(|a| a.reduced_of.is_none())
                .count() as u32,
            review: None,
        };
        let week = r.when.date.iso_week();
        Some(IndexEntry {
            report_id: r.id,
            last_seq,
            region,
            cercle_key: r
                .location
                .admin2
                .as_deref()
                .map(terrain_domain::gazetteer::fold)
                .filter(|c| !c.is_empty()),
            event_type: r.what.event_type.map(|e| e.label().to_string()),
            categories: categories_key(r.what.categories.iter().map(|c| c.label())),
            date_from: r.when.date,
            date_to,
            week: format!("{}-W{:02}", week.year(), week.week()),
            author: current.revision.author.clone(),
            pushed_by: current.pushed_by.clone(),
            disputed,
            first_received,
            search: search.join(" "),
            row_json: serde_json::to_string(&row).expect("rows serialise"),
        })
    }

    /// The inbox row it keeps (without its review).
    pub fn row(json: &str) -> crate::Result<ReportRow> {
        serde_json::from_str(json).map_err(|e| crate::StoreError::Backend(e.to_string()))
    }
}

/// `" a b "`: labels each between spaces, so one is found with `' a '` inside.
fn categories_key<'a>(labels: impl Iterator<Item = &'a str>) -> String {
    let mut key = String::from(" ");
    for l in labels {
        key.push_str(l);
        key.push(' ');
    }
    key
}

/// The words a revision is found by: title, narrative, damage, places, sources' names, actors.
pub fn search_words(rev: &Revision) -> Vec<String> {
    let r = &rev.content;
    let l = &r.location;
    let mut text: Vec<&str> = vec![&r.title, &r.narrative];
    text.extend(r.damage.as_deref());
    text.extend(l.place.as_deref());
    text.extend(l.admin3.as_deref());
    text.extend(l.admin2.as_deref());
    text.push(&l.admin1);
    text.extend(r.sources.iter().map(|s| s.name.as_str()));
    text.extend(r.perpetrators.iter().map(|a| a.name.as_str()));
    text.extend(r.targets.iter().map(String::as_str));
    terrain_domain::search::words(&text.join(" \n "))
}

/// What a filter asks of the index, checked and normalised: engines translate it into SQL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// Each a word's start; all required. Letters and digits only.
    pub words: Vec<String>,
    /// The reader's regions (canonical); None: all (an administrator).
    pub scope: Option<Vec<String>>,
    /// Canonical region.
    pub region: Option<String>,
    /// Folded cercle.
    pub cercle_key: Option<String>,
    pub event_type: Option<String>,
    /// `" label "`.
    pub category: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub review: Option<ReviewFilter>,
    pub reporter: Option<String>,
    pub disputed: Option<bool>,
}

/// An inbox page's bounds: after which position, how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageBounds {
    /// Only reports whose latest revision came before this feed position.
    pub before: Option<i64>,
    pub limit: usize,
}

/// A filter's field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterProblem {
    pub field: &'static str,
    pub problem: String,
}

impl std::fmt::Display for FilterProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Selection {
    /// `filter` for a reader of `scope` (None: every region), or the first problem found.
    pub fn new(
        filter: &ReportFilter,
        scope: Option<Vec<String>>,
    ) -> Result<Selection, FilterProblem> {
        let problem = |field, problem: &str| FilterProblem {
            field,
            problem: problem.to_string(),
        };
        let text = [
            ("q", &filter.q),
            ("region", &filter.region),
            ("cercle", &filter.cercle),
            ("reporter", &filter.reporter),
        ];
        for (field, value) in text {
            if let Some(bad) = value.as_deref().and_then(|v| {
                terrain_domain::text::refused(v, terrain_domain::text::TextKind::Line)
            }) {
                return Err(problem(field, &bad.to_string()));
            }
        }
        let mut words = Vec::new();
        if let Some(q) = &filter.q {
            if q.chars().count() > SEARCH_CHARS {
                return Err(problem(
                    "q",
                    &format!("at most {SEARCH_CHARS} characters are searched"),
                ));
            }
            words = terrain_domain::search::words(q);
            words.truncate(SEARCH_WORDS);
        }
        // `from` after `to` selects no day, so no report: not an error.
        Ok(Selection {
            words,
            scope: scope.map(|s| s.iter().map(|r| crate::canonical_region(r)).collect()),
            region: blank(&filter.region).map(crate::canonical_region),
            cercle_key: blank(&filter.cercle).map(terrain_domain::gazetteer::fold),
            event_type: filter.event_type.map(|e| e.label().to_string()),
            category: filter.category.map(|c| format!(" {} ", c.label())),
            from: filter.from,
            to: filter.to,
            review: filter.review,
            reporter: blank(&filter.reporter).map(str::to_string),
            disputed: filter.disputed,
        })
    }

    /// The PostgreSQL `to_tsquery('simple', …)` text of the words: each quoted, a prefix, all
    /// required. None without words.
    pub fn tsquery(&self) -> Option<String> {
        (!self.words.is_empty()).then(|| {
            self.words
                .iter()
                .map(|w| format!("'{w}':*"))
                .collect::<Vec<_>>()
                .join(" & ")
        })
    }

    /// The SQLite FTS5 `MATCH` text of the words: each quoted, a prefix, all required. None
    /// without words.
    pub fn fts5(&self) -> Option<String> {
        (!self.words.is_empty()).then(|| {
            self.words
                .iter()
                .map(|w| format!("\"{w}\"*"))
                .collect::<Vec<_>>()
                .join(" ")
        })
    }

    /// The review state asked for, as stored (`verified`...), and whether `none` was asked.
    pub fn review_key(&self) -> (Option<&'static str>, bool) {
        match self.review {
            None => (None, false),
            Some(ReviewFilter::None) => (None, true),
            Some(r) => (r.state().map(|s| s.key()), false),
        }
    }
}

impl PageBounds {
    /// The inbox's `before` and `limit`, or the problem.
    pub fn new(filter: &ReportFilter) -> Result<PageBounds, FilterProblem> {
        // As sent: an empty or spaced cursor is not one this server gave.
        let before = match filter.before.as_deref() {
            None => None,
            Some(b) => {
                Some(
                    b.parse::<i64>()
                        .ok()
                        .filter(|b| *b > 0)
                        .ok_or_else(|| FilterProblem {
                            field: "before",
                            problem: "is not a cursor this server gave (a page's next)".into(),
                        })?,
                )
            }
        };
        Ok(PageBounds {
            before,
            limit: filter.limit.unwrap_or(INBOX_PAGE).clamp(1, INBOX_PAGE_MAX),
        })
    }
}

/// A stored revision with what the server knows of its arrival.
#[derive(Debug, Clone)]
pub struct StoredRevision {
    pub seq: i64,
    pub revision: Revision,
    pub received_at: DateTime<Utc>,
    pub pushed_by: Option<String>,
    pub pushed_device: Option<String>,
    /// A current head of its report.
    pub head: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_words_quoted_as_prefixes() {
        let filter = ReportFilter {
            q: Some("Bafoulabé \"JNIM\"* OR -x".into()),
            ..ReportFilter::default()
        };
        let s = Selection::new(&filter, None).unwrap();
        assert_eq!(s.words, ["bafoulabe", "jnim", "or", "x"]);
        assert_eq!(s.fts5().unwrap(), "\"bafoulabe\"* \"jnim\"* \"or\"* \"x\"*");
        assert_eq!(
            s.tsquery().unwrap(),
            "'bafoulabe':* & 'jnim':* & 'or':* & 'x':*"
        );
    }

    #[test]
    fn bad_filters_name_their_field() {
        let filter = ReportFilter {
            reporter: Some("awa\u{84}".into()),
            ..ReportFilter::default()
        };
        let refused = Selection::new(&filter, None).unwrap_err();
        assert_eq!(refused.field, "reporter");
        assert!(refused.problem.contains("U+0084"), "{refused}");
        let filter = ReportFilter {
            q: Some("x".repeat(SEARCH_CHARS + 1)),
            ..ReportFilter::default()
        };
        assert_eq!(Selection::new(&filter, None).unwrap_err().field, "q");
        let filter = ReportFilter {
            before: Some("abc".into()),
            ..ReportFilter::default()
        };
        assert_eq!(PageBounds::new(&filter).unwrap_err().field, "before");
        let filter = ReportFilter {
            limit: Some(0),
            ..ReportFilter::default()
        };
        assert_eq!(PageBounds::new(&filter).unwrap().limit, 1);
    }
}
