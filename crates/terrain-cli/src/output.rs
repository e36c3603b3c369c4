//! What the CLI prints: plain text for people, stable JSON (documented in docs/cli-json.md) for
//! scripts.

use crate::terminal::{escape_json, one_line, say};
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use terrain_app::{Listed, Outbox, ReportPage, ReportView, short_id};
use terrain_domain::{Lang, Report, Revision, gazetteer};
use uuid::Uuid;

static LANG: std::sync::OnceLock<Lang> = std::sync::OnceLock::new();

/// The language chosen for this run (`--lang`, else the locale), set once at start.
pub fn set_lang(lang: Lang) {
    let _ = LANG.set(lang);
}

pub fn lang() -> Lang {
    LANG.get().copied().unwrap_or_default()
}

pub fn error_text(e: &anyhow::Error) -> String {
    // Chain the causes: "database X: disk full" reads better than the outer context alone.
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    text
}

pub fn print_json(value: &impl Serialize) -> Result<()> {
    println!("{}", escape_json(&serde_json::to_string_pretty(value)?));
    Ok(())
}

/// A figure as lists show it: the app's figure view, keyed by figure.
#[derive(Serialize)]
pub struct FigureOut {
    pub conservative: u32,
    pub min: u32,
    pub max: u32,
    pub claims: usize,
    pub disputed: bool,
    /// "3–4, sources disagree"
    pub text: String,
}

fn figures(report: &Report) -> BTreeMap<&'static str, FigureOut> {
    terrain_app::figures(report)
        .into_iter()
        .map(|f| {
            let out = FigureOut {
                conservative: f.conservative,
                min: f.min,
                max: f.max,
                claims: f.claims,
                disputed: f.disputed,
                text: f.text,
            };
            (f.kind.key(), out)
        })
        .collect()
}

/// The title on one line, or the words both shells use for a report without one.
fn title(report: &Report) -> String {
    if report.title.is_empty() {
        let none = terrain_domain::messages::Params::new();
        terrain_domain::messages::text(lang(), "pdf.untitled", &none)
    } else {
        one_line(&report.title).into_owned()
    }
}

/// One line of `report list --json`.
#[derive(Serialize)]
pub struct ListItem<'a> {
    pub id: Uuid,
    pub title: &'a str,
    pub status: &'static str,
    pub event_date: String,
    pub admin1: &'a str,
    pub admin2: Option<&'a str>,
    pub place: Option<&'a str>,
    pub event_type: Option<&'static str>,
    pub sub_event_type: Option<&'static str>,
    pub figures: BTreeMap<&'static str, FigureOut>,
    pub head_revision: Uuid,
    pub content_hash: &'a str,
    pub updated_at: String,
    pub heads: usize,
    pub queued: usize,
    pub synced: bool,
    /// Why the server refused the current version, if it did.
    pub refused: Option<&'a str>,
}

impl<'a> ListItem<'a> {
    fn new(l: &'a Listed, refused: Option<&'a str>) -> Self {
        let r = &l.report;
        ListItem {
            id: r.id,
            title: &r.title,
            status: r.status.as_str(),
            event_date: r.when.date.to_string(),
            admin1: &r.location.admin1,
            admin2: r.location.admin2.as_deref(),
            place: r.location.place.as_deref(),
            event_type: r.what.event_type.map(|e| e.label()),
            sub_event_type: r.what.sub_event_type.map(|e| e.label()),
            figures: figures(r),
            head_revision: l.head,
            content_hash: &l.content_hash,
            updated_at: l.updated_at.to_rfc3339(),
            heads: l.heads,
            queued: l.queued,
            synced: l.synced,
            refused,
        }
    }
}

/// `report list --json`.
#[derive(Serialize)]
struct ListPage<'a> {
    total: u64,
    reports: Vec<ListItem<'a>>,
    next_cursor: Option<&'a str>,
}

/// An enum's JSON name in words: `usually_reliable` → "usually reliable".
fn words(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s.replace('_', " "),
        _ => String::new(),
    }
}

fn state(l: &Listed, refused: bool) -> &'static str {
    match (l.heads > 1, l.queued > 0, l.report.status) {
        (true, _, _) => "conflict",
        _ if refused => "refused",
        (_, true, _) => "queued",
        (_, _, terrain_domain::Status::Draft) => "draft",
        _ if l.synced => "synced",
        _ => "final",
    }
}

/// A page of reports; `next` is the cursor of the next page, None on the last.
pub fn list(listing: &ReportPage, next: Option<String>, json: bool) -> Result<()> {
    let items = &listing.items;
    let refused = |l: &Listed| listing.refused.get(&l.head).map(String::as_str);
    if json {
        return print_json(&ListPage {
            total: listing.total,
            reports: items.iter().map(|l| ListItem::new(l, refused(l))).collect(),
            next_cursor: next.as_deref(),
        });
    }
    if items.is_empty() {
        say!("No reports match.");
        return Ok(());
    }
    let width = listing
        .short_ids
        .values()
        .map(String::len)
        .max()
        .unwrap_or(8);
    for l in items {
        let r = &l.report;
        let mut line = format!(
            "{:<width$}  {}  {:<8}  {}  ({})",
            listing.short_ids[&r.id],
            r.when.date,
            state(l, refused(l).is_some()),
            title(r),
            one_line(&r.place_line())
        );
        if let Some(reason) = refused(l) {
            line.push_str(&format!(
                "\n{:w$}refused by the server: {}",
                "",
                one_line(reason),
                w = width + 2
            ));
        }
        let figs: Vec<String> = figures(r)
            .iter()
            .map(|(k, f)| format!("{}: {}", k.replace('_', " "), f.text))
            .collect();
        if !figs.is_empty() {
            line.push_str(&format!("\n{:w$}{}", "", figs.join("; "), w = width + 2));
        }
        say!("{line}");
    }
    if let Some(next) = &next {
        say!(
            "({} of {} shown; next page: --cursor {next}, or --all)",
            items.len(),
            listing.total
        );
    }
    Ok(())
}

pub fn show(view: &ReportView) {
    let (l, sites, refused) = (&view.listed, &view.sites, view.refused.as_deref());
    let r = &l.report;
    say!("{}", title(r));
    say!(
        "id {}  ·  {}  ·  revision {}  ·  sha256 {}",
        r.id,
        state(l, refused.is_some()),
        l.head,
        l.content_hash
    );
    if let Some(reason) = refused {
        say!(
            "! the server refused this version: {}; edit the report to send it again",
            one_line(reason)
        );
    }
    if l.heads > 1 {
        say!("! {} conflicting versions wait to be resolved", l.heads);
    }
    if let Some(review) = &view.review {
        let words = terrain_domain::review::line(lang(), &review.decision, review.changed_since);
        say!("Review: {}", one_line(&words));
    }
    let w = &r.when;
    let when = w.line();
    say!("\nWhen:   {when} (precision: {})", words(&w.precision));
    say!("Where:  {}", r.place_line());
    if let Some(c) = r.location.coordinates {
        use terrain_domain::coords::{Axis, format_coordinate};
        say!(
            "        {}, {} (precision: {})",
            format_coordinate(c.latitude, Axis::Latitude),
            format_coordinate(c.longitude, Axis::Longitude),
            words(&r.location.geo_precision)
        );
    }
    let what: Vec<String> = [
        r.what.event_type.map(|e| e.to_string()),
        r.what.sub_event_type.map(|e| e.to_string()),
    ]
    .into_iter()
    .flatten()
    .collect();
    say!(
        "What:   {}",
        if what.is_empty() {
            "(not set)".to_string()
        } else {
            what.join(" / ")
        }
    );
    if !r.what.categories.is_empty() {
        let cats: Vec<_> = r.what.categories.iter().map(|c| c.words()).collect();
        say!("        {}", cats.join(", "));
    }
    for a in &r.perpetrators {
        say!("Who:    {} ({})", a.name, words(&a.attribution));
    }
    if !r.targets.is_empty() {
        say!("Target: {}", r.targets.join(", "));
    }
    for s in &r.sites {
        let name = sites
            .iter()
            .find(|x| x.id == s.site_id)
            .map_or("(unknown site)", |x| x.name.as_str());
        say!(
            "Site:   {name}{}",
            s.damage
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        );
    }
    if !r.figures.is_empty() {
        say!("\nFigures");
        let lines = terrain_app::figures(r);
        for (kind, claims) in &r.figures {
            if let Some(f) = lines.iter().find(|f| f.kind == *kind) {
                say!("  {}: {}", kind.label(), f.text);
            }
            for c in claims {
                let source = r
                    .sources
                    .iter()
                    .find(|s| s.key == c.source)
                    .map_or(c.source.as_str(), |s| &s.name);
                let amount = match c.amount.bounds() {
                    (a, b) if a == b => a.to_string(),
                    (a, b) => format!("{a}\u{2013}{b}"),
                };
                let note = c
                    .note
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                say!("      {amount:>8}  {source}{note}");
            }
        }
    }
    if !r.sources.is_empty() {
        say!("\nSources");
        for s in &r.sources {
            say!(
                "  [{}] {} — {}, reliability: {}",
                s.key,
                s.name,
                words(&s.kind),
                words(&s.reliability)
            );
        }
    }
    if !r.narrative.is_empty() {
        say!("\nNarrative\n{}", r.narrative);
    }
    if let Some(d) = &r.damage {
        say!("\nDamage\n{d}");
    }
    if !r.tags.is_empty() {
        say!("\nTags: {}", r.tags.join(", "));
    }
}

/// One entry of `report history --json`.
#[derive(Serialize)]
pub struct HistoryItem<'a> {
    pub revision: Uuid,
    pub parents: &'a [Uuid],
    pub author: &'a str,
    pub device: &'a str,
    pub created_at: String,
    pub content_hash: &'a str,
    pub hash_verified: bool,
    pub status: &'static str,
    pub title: &'a str,
    /// The server's signed receipt of this revision, checked now (issue 16).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<&'a terrain_app::ReceiptInfo>,
}

pub fn history(entries: &[(Revision, Option<terrain_app::ReceiptInfo>)], json: bool) -> Result<()> {
    let revisions: Vec<&Revision> = entries.iter().map(|(r, _)| r).collect();
    let items: Vec<HistoryItem> = entries
        .iter()
        .map(|(r, receipt)| HistoryItem {
            revision: r.id,
            parents: &r.parents,
            author: &r.author,
            device: &r.device,
            created_at: r.created_at.to_rfc3339(),
            content_hash: &r.content_hash,
            hash_verified: r.hash_matches(),
            status: r.content.status.as_str(),
            title: &r.content.title,
            receipt: receipt.as_ref(),
        })
        .collect();
    if json {
        return print_json(&items);
    }
    // Revisions saved together share their first digits: each is cut where it differs.
    let ids: Vec<Uuid> = revisions.iter().map(|r| r.id).collect();
    let short = |id: &Uuid| short_id(id, &ids);
    for i in &items {
        let parents: Vec<String> = i.parents.iter().map(short).collect();
        say!(
            "{}  {}  {:<6} by {}  parents [{}]  sha256 {}{}",
            short(&i.revision),
            i.created_at,
            i.status,
            one_line(i.author),
            parents.join(", "),
            &i.content_hash[..16],
            if i.hash_verified {
                ""
            } else {
                "  HASH MISMATCH: content altered"
            }
        );
        if let Some(r) = i.receipt {
            say!("    {}", receipt_line(r));
        }
    }
    Ok(())
}

/// "received by the server at T, receipt valid", or why the receipt does not hold.
pub fn receipt_line(r: &terrain_app::ReceiptInfo) -> String {
    let verdict = if r.valid {
        "receipt valid".to_string()
    } else {
        format!(
            "receipt NOT valid: {}",
            r.problem.as_deref().unwrap_or("it does not check")
        )
    };
    format!(
        "received by the server at {} (feed position {}, key {}), {verdict}",
        r.received_at, r.seq, r.key_id
    )
}

pub fn outbox(outbox: &Outbox, json: bool) -> Result<()> {
    let (entries, short) = (&outbox.entries, &outbox.short_ids);
    if json {
        return print_json(&entries);
    }
    if entries.is_empty() {
        say!("Nothing waits to be sent.");
    }
    for e in entries {
        say!(
            "{}  {}  {:<7}  {}",
            e.queued_at.to_rfc3339(),
            short[&e.report],
            if e.refused.is_some() {
                "refused"
            } else {
                "queued"
            },
            one_line(&e.title)
        );
        if let Some(reason) = &e.refused {
            say!("    the server refused it: {}", one_line(reason));
        }
    }
    let refused = entries.iter().filter(|e| e.refused.is_some()).count();
    if entries.len() > refused {
        say!("{} revision(s) wait to be sent.", entries.len() - refused);
    }
    if refused > 0 {
        say!("{refused} revision(s) refused by the server: edit them to send them again.");
    }
    Ok(())
}

pub fn places(text: &str, json: bool) -> Result<()> {
    let found = gazetteer::suggest(text, 20);
    if json {
        return print_json(&found);
    }
    if found.is_empty() {
        say!("No place in the gazetteer matches \"{text}\".");
    }
    for s in found {
        let path: Vec<&str> = [s.admin3, s.admin2, Some(s.admin1)]
            .into_iter()
            .flatten()
            .collect();
        say!("{:<8} {}", words(&s.level), path.join(", "));
    }
    Ok(())
}
