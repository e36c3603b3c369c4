//! What search sees of a report, and how text is folded so a query finds it.
//!
//! FTS5's `unicode61 remove_diacritics 2` already ignores Latin accents ("bafoulabe" finds
//! "Bafoulabé"). Arabic needs more: short vowels and other marks (harakat) are usually left
//! out when typing, and as marks FTS5 would cut a word at them, so "اختطفوا" never found
//! "اختُطفوا". [`fold`] (the domain's, shared with the server) is applied to indexed text and
//! to queries alike, so both meet in one form. Migration 007 calls it (as `terrain_search_fold`) to index older reports.

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use terrain_domain::Report;

/// Search's form of `text`: the domain's one fold ([`terrain_domain::search::fold`]), which the
/// server's search shares.
pub(crate) use terrain_domain::search::fold;

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
