//! What the CLI prints: plain text for people, stable JSON (documented in docs/cli-json.md) for
//! scripts.

use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use terrain_domain::{ClaimsSummary, FigureKind, Report, Revision, gazetteer};
use terrain_store::{Listed, OutboxEntry};
use uuid::Uuid;

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
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A figure as lists show it.
#[derive(Serialize)]
pub struct FigureOut {
    #[serde(flatten)]
    pub summary: ClaimsSummary,
    /// "3–4, sources disagree"
    pub text: String,
}

fn figures(report: &Report) -> BTreeMap<&'static str, FigureOut> {
    FigureKind::ALL
        .iter()
        .filter_map(|k| {
            report.figure(*k).map(|s| {
                (
                    k.key(),
                    FigureOut {
                        text: s.to_string(),
                        summary: s,
                    },
                )
            })
        })
        .collect()
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
}

impl<'a> From<&'a Listed> for ListItem<'a> {
    fn from(l: &'a Listed) -> Self {
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
        }
    }
}

/// An enum's JSON name in words: `usually_reliable` → "usually reliable".
fn words(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s.replace('_', " "),
        _ => String::new(),
    }
}

fn short(id: Uuid) -> String {
    id.simple().to_string()[..12].to_string()
}

fn state(l: &Listed) -> &'static str {
    match (l.heads > 1, l.queued > 0, l.report.status) {
        (true, _, _) => "conflict",
        (_, true, _) => "queued",
        (_, _, terrain_domain::Status::Draft) => "draft",
        _ if l.synced => "synced",
        _ => "final",
    }
}

pub fn list(items: &[Listed], total: u64, json: bool) -> Result<()> {
    if json {
        return print_json(&items.iter().map(ListItem::from).collect::<Vec<_>>());
    }
    if items.is_empty() {
        println!("No reports match.");
        return Ok(());
    }
    for l in items {
        let r = &l.report;
        let mut line = format!(
            "{}  {}  {:<8}  {}  ({})",
            short(r.id),
            r.when.date,
            state(l),
            if r.title.is_empty() {
                "(untitled)"
            } else {
                &r.title
            },
            r.place_line()
        );
        let figs: Vec<String> = figures(r)
            .iter()
            .map(|(k, f)| format!("{}: {}", k.replace('_', " "), f.text))
            .collect();
        if !figs.is_empty() {
            line.push_str(&format!("\n{:14}{}", "", figs.join("; ")));
        }
        println!("{line}");
    }
    if total as usize > items.len() {
        println!(
            "({} of {total} shown; use --offset and --limit for more)",
            items.len()
        );
    }
    Ok(())
}

pub fn show(l: &Listed, sites: &[terrain_domain::Site]) {
    let r = &l.report;
    println!(
        "{}",
        if r.title.is_empty() {
            "(untitled)"
        } else {
            &r.title
        }
    );
    println!(
        "id {}  ·  {}  ·  revision {}  ·  sha256 {}",
        r.id,
        state(l),
        l.head,
        l.content_hash
    );
    if l.heads > 1 {
        println!("! {} conflicting versions wait to be resolved", l.heads);
    }
    let w = &r.when;
    let when = w.line();
    println!("\nWhen:   {when} (precision: {})", words(&w.precision));
    println!("Where:  {}", r.place_line());
    if let Some(c) = r.location.coordinates {
        println!(
            "        {:.5}, {:.5} (precision: {})",
            c.latitude,
            c.longitude,
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
    println!(
        "What:   {}",
        if what.is_empty() {
            "(not set)".to_string()
        } else {
            what.join(" / ")
        }
    );
    if !r.what.categories.is_empty() {
        let cats: Vec<_> = r.what.categories.iter().map(|c| c.words()).collect();
        println!("        {}", cats.join(", "));
    }
    for a in &r.perpetrators {
        println!("Who:    {} ({})", a.name, words(&a.attribution));
    }
    if !r.targets.is_empty() {
        println!("Target: {}", r.targets.join(", "));
    }
    for s in &r.sites {
        let name = sites
            .iter()
            .find(|x| x.id == s.site_id)
            .map_or("(unknown site)", |x| x.name.as_str());
        println!(
            "Site:   {name}{}",
            s.damage
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        );
    }
    if !r.figures.is_empty() {
        println!("\nFigures");
        for (kind, claims) in &r.figures {
            if let Some(s) = ClaimsSummary::of(claims) {
                println!("  {}: {s}", kind.label());
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
                println!("      {amount:>8}  {source}{note}");
            }
        }
    }
    if !r.sources.is_empty() {
        println!("\nSources");
        for s in &r.sources {
            println!(
                "  [{}] {} — {}, reliability: {}",
                s.key,
                s.name,
                words(&s.kind),
                words(&s.reliability)
            );
        }
    }
    if !r.narrative.is_empty() {
        println!("\nNarrative\n{}", r.narrative);
    }
    if let Some(d) = &r.damage {
        println!("\nDamage\n{d}");
    }
    if !r.tags.is_empty() {
        println!("\nTags: {}", r.tags.join(", "));
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
}

pub fn history(revisions: &[Revision], json: bool) -> Result<()> {
    let items: Vec<HistoryItem> = revisions
        .iter()
        .map(|r| HistoryItem {
            revision: r.id,
            parents: &r.parents,
            author: &r.author,
            device: &r.device,
            created_at: r.created_at.to_rfc3339(),
            content_hash: &r.content_hash,
            hash_verified: r.hash_matches(),
            status: r.content.status.as_str(),
            title: &r.content.title,
        })
        .collect();
    if json {
        return print_json(&items);
    }
    for i in &items {
        let parents: Vec<String> = i.parents.iter().map(|p| short(*p)).collect();
        println!(
            "{}  {}  {:<6} by {}  parents [{}]  sha256 {}{}",
            short(i.revision),
            i.created_at,
            i.status,
            i.author,
            parents.join(", "),
            &i.content_hash[..16],
            if i.hash_verified {
                ""
            } else {
                "  HASH MISMATCH: content altered"
            }
        );
    }
    Ok(())
}

pub fn outbox(entries: &[OutboxEntry], json: bool) -> Result<()> {
    if json {
        return print_json(&entries);
    }
    if entries.is_empty() {
        println!("Nothing waits to be sent.");
    }
    for e in entries {
        println!(
            "{}  {}  {}",
            e.queued_at.to_rfc3339(),
            short(e.report),
            e.title
        );
    }
    if !entries.is_empty() {
        println!("{} revision(s) wait to be sent.", entries.len());
    }
    Ok(())
}

pub fn places(text: &str, json: bool) -> Result<()> {
    let found = gazetteer::suggest(text, 20);
    if json {
        return print_json(&found);
    }
    if found.is_empty() {
        println!("No place in the gazetteer matches \"{text}\".");
    }
    for s in found {
        let path: Vec<&str> = [s.admin3, s.admin2, Some(s.admin1)]
            .into_iter()
            .flatten()
            .collect();
        println!("{:<8} {}", words(&s.level), path.join(", "));
    }
    Ok(())
}
