//! `terrain report ...`

use crate::input::{FileProblems, import_from, report_from};
use crate::terminal::{one_line, say};
use crate::{Context, output, prompt};
use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use terrain_domain::{EventType, Status, gazetteer};
use terrain_store::{Filter, Imported, Page};

#[derive(Subcommand)]
pub enum Command {
    /// Write a new report: prompts on a terminal, else reads JSON from --json FILE or stdin
    New {
        /// Report file in Terrain's JSON form ("-" for standard input)
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// Import report files; if any file is wrong, nothing is imported. A file without an id
    /// whose content was imported before is skipped ("already imported as ID"), so a repeated
    /// import adds nothing
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Import files without an id even when the same content was imported before
        #[arg(long)]
        allow_duplicate: bool,
    },
    /// Save a new revision of a report from a JSON file (get one with `report show ID --json`)
    Edit {
        id: String,
        #[arg(long, value_name = "FILE")]
        json: PathBuf,
    },
    /// List reports, newest incident first
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Find reports by words in title, narrative, places or sources (accents optional)
    Search {
        text: String,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show one report (ID or its first characters)
    Show {
        id: String,
        /// Print the report's JSON form, ready to edit and save with `report edit`
        #[arg(long)]
        json: bool,
    },
    /// Attach photos or documents to a report: each file is copied into the store (sealed when
    /// the store is encrypted) and a new revision names it; sync sends it after the report
    Attach {
        id: String,
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Delete a draft and its history from this device (refused for a report ever final or
    /// sent: that history is kept)
    DeleteDraft { id: String },
    /// Every saved revision of a report, oldest first
    History {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Fetch a report's photos from the server (those this device lacks), resuming after cuts,
    /// each checked against its hash
    Photos {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

/// Which page of a list or a search.
#[derive(Args, Clone)]
pub struct PageArgs {
    /// Reports per page
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Skip this many reports first
    #[arg(long, default_value_t = 0, conflicts_with = "cursor")]
    offset: u32,
    /// Continue where the previous page ended (its `next_cursor`, or the command it printed)
    #[arg(long, value_name = "CURSOR")]
    cursor: Option<String>,
    /// Every report, on one page
    #[arg(long, conflicts_with_all = ["limit", "offset", "cursor"])]
    all: bool,
}

impl PageArgs {
    fn to_page(&self) -> Result<Page> {
        if self.all {
            return Ok(Page::all());
        }
        let offset = match &self.cursor {
            // The cursor is the number of reports before the next page; scripts treat it as
            // an opaque string.
            Some(c) => c.trim().parse().map_err(|_| {
                anyhow::anyhow!("--cursor: \"{c}\" is not a cursor printed by `report list`")
            })?,
            None => self.offset,
        };
        Ok(Page {
            limit: self.limit,
            offset,
        })
    }
}

/// Which reports: shared by list, search and export.
#[derive(Args, Clone, Default)]
pub struct FilterArgs {
    /// Words to search for
    #[arg(long, short = 'q')]
    pub query: Option<String>,
    /// Region or cercle (accents optional)
    #[arg(long)]
    pub region: Option<String>,
    /// ACLED event type, e.g. "Violence against civilians"
    #[arg(long = "type", value_name = "TYPE")]
    pub event_type: Option<String>,
    /// draft or final
    #[arg(long)]
    pub status: Option<String>,
    /// Incidents on or after this date (YYYY-MM-DD)
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Incidents on or before this date (YYYY-MM-DD)
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Reports touching this site (id or name)
    #[arg(long)]
    pub site: Option<String>,
}

impl FilterArgs {
    pub fn to_filter(&self, ctx: &Context) -> Result<Filter> {
        let mut filter = Filter {
            query: self.query.clone(),
            from: self.from,
            to: self.to,
            ..Filter::default()
        };
        if let Some(name) = &self.region {
            if let Some(region) = gazetteer::region(name) {
                filter.admin1 = Some(region.name.to_string());
            } else if let Some((region, cercle)) = gazetteer::regions()
                .iter()
                .find_map(|r| r.cercle(name).map(|c| (r, c)))
            {
                filter.admin1 = Some(region.name.to_string());
                filter.admin2 = Some(cercle.name.to_string());
            } else {
                bail!(
                    "--region: \"{name}\" is neither a region nor a cercle of Mali (try `terrain places {name}`)"
                );
            }
        }
        if let Some(t) = &self.event_type {
            let Some(e) = EventType::from_label(t) else {
                let all: Vec<_> = EventType::ALL.iter().map(|e| e.label()).collect();
                bail!(
                    "--type: \"{t}\" is not an ACLED event type; one of: {}",
                    all.join(", ")
                );
            };
            filter.event_type = Some(e);
        }
        if let Some(s) = &self.status {
            filter.status = Some(match s.as_str() {
                "draft" => Status::Draft,
                "final" => Status::Final,
                _ => bail!("--status: \"{s}\" is not a status; draft or final"),
            });
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            bail!("--from {from} is after --to {to}");
        }
        if let Some(site) = &self.site {
            filter.site = Some(ctx.store.find_site(site)?.id);
        }
        Ok(filter)
    }
}

pub fn run(ctx: &Context, cmd: Command) -> Result<()> {
    match cmd {
        Command::New { json } => {
            let report = match json {
                Some(path) => report_from(&path, None)?,
                None if std::io::stdin().is_terminal() => prompt::new_report(ctx)?,
                None => report_from(&PathBuf::from("-"), None)?,
            };
            let saved = ctx.store.save(report, &ctx.author)?;
            say!(
                "Saved report {} ({}{}).",
                saved.revision.report_id,
                saved.revision.content.status.as_str(),
                if saved.queued {
                    ", queued for sync"
                } else {
                    ""
                }
            );
            Ok(())
        }
        Command::Import {
            files,
            allow_duplicate,
        } => import(ctx, &files, allow_duplicate),
        Command::Edit { id, json } => {
            let id = ctx.store.resolve_id(&id)?;
            let saved = ctx.store.save(report_from(&json, Some(id))?, &ctx.author)?;
            if saved.unchanged {
                say!("No change: report {id} already holds this content.");
            } else {
                say!("Saved revision {} of report {id}.", saved.revision.id);
            }
            Ok(())
        }
        Command::List { filter, json, page } => list(ctx, &filter, page.to_page()?, json),
        Command::Search {
            text,
            mut filter,
            json,
            page,
        } => {
            filter.query = Some(text);
            list(ctx, &filter, page.to_page()?, json)
        }
        Command::Show { id, json } => {
            let listed = ctx.store.get(ctx.store.resolve_id(&id)?)?;
            if json {
                return output::print_json(&listed.report);
            }
            let refused = output::refusals(&ctx.store.outbox()?);
            let sites = ctx.store.sites()?;
            output::show(
                &listed,
                &sites,
                refused.get(&listed.head).map(String::as_str),
            );
            Ok(())
        }
        Command::Attach { id, files } => {
            let id = ctx.store.resolve_id(&id)?;
            let mut report = ctx.store.get(id)?.report;
            // Every file is copied before the revision is saved: one unreadable file attaches none.
            for file in &files {
                let attachment = ctx.store.attach_file(file)?;
                if !report
                    .attachments
                    .iter()
                    .any(|a| a.sha256 == attachment.sha256)
                {
                    report.attachments.push(attachment);
                }
            }
            let report = terrain_domain::check(report, crate::input::today())?;
            let saved = ctx.store.save(report, &ctx.author)?;
            if saved.unchanged {
                say!("No change: report {id} already names these files.");
            } else {
                say!(
                    "Attached {} file(s) to report {id}: revision {}.",
                    files.len(),
                    saved.revision.id
                );
            }
            Ok(())
        }
        Command::DeleteDraft { id } => {
            let id = ctx.store.resolve_id(&id)?;
            ctx.store.delete_draft(id)?;
            say!("Deleted draft {id} and its history from this device.");
            Ok(())
        }
        Command::History { id, json } => {
            let id = ctx.store.resolve_id(&id)?;
            output::history(&ctx.store.history(id)?, json)
        }
        Command::Photos { .. } => unreachable!("run by photos::photos, which takes the store"),
    }
}

fn list(ctx: &Context, filter: &FilterArgs, page: Page, json: bool) -> Result<()> {
    let filter = filter.to_filter(ctx)?;
    let items = ctx.store.list(&filter, page)?;
    let total = ctx.store.count(&filter)?;
    let end = u64::from(page.offset) + items.len() as u64;
    let ids: Vec<_> = items.iter().map(|l| l.report.id).collect();
    output::list(
        &output::Listing {
            items: &items,
            total,
            next: (!items.is_empty() && end < total).then(|| end.to_string()),
            short: ctx.store.short_ids(&ids)?,
            refused: output::refusals(&ctx.store.outbox()?),
        },
        json,
    )
}

/// `terrain outbox`.
pub fn outbox(ctx: &Context, json: bool) -> Result<()> {
    let entries = ctx.store.outbox()?;
    let ids: Vec<_> = entries.iter().map(|e| e.report).collect();
    output::outbox(&entries, &ctx.store.short_ids(&ids)?, json)
}

fn import(ctx: &Context, files: &[PathBuf], allow_duplicate: bool) -> Result<()> {
    let mut reports = Vec::new();
    let mut failed = Vec::new();
    for file in files {
        match import_from(file) {
            Ok(r) => reports.push(r),
            Err(e) => failed.push(output::error_text(&e)),
        }
    }
    let mut ids = std::collections::HashSet::new();
    for (file, r) in files.iter().zip(reports.iter().map(|i| &i.report)) {
        if !ids.insert(r.id) {
            failed.push(format!(
                "{}: id: report {} is in another file too",
                file.display(),
                r.id
            ));
        }
    }
    if !failed.is_empty() {
        bail!("{}:\n{}", nothing_imported(), failed.join("\n"));
    }
    let done = ctx
        .store
        .import(reports, &ctx.author, allow_duplicate)
        .map_err(|e| match e {
            terrain_store::StoreError::Invalid(problems) => anyhow::Error::new(FileProblems {
                file: "(import)".into(),
                problems,
            })
            .context(nothing_imported()),
            other => other.into(),
        })?;
    let (mut saved, mut skipped) = (0, 0);
    for d in &done {
        match d {
            Imported::Saved(s) => {
                let what = if s.unchanged { "unchanged" } else { "saved" };
                saved += usize::from(!s.unchanged);
                say!(
                    "{what:<9} {}  {}",
                    s.revision.report_id,
                    one_line(&s.revision.content.title)
                );
            }
            Imported::AlreadyImported { report_id, title } => {
                skipped += 1;
                say!(
                    "skipped   {}: already imported as {report_id} (--allow-duplicate imports it again)",
                    one_line(title)
                );
            }
        }
    }
    match skipped {
        0 => say!("{saved} report(s) imported."),
        _ => say!("{saved} report(s) imported, {skipped} already imported before."),
    }
    Ok(())
}

/// "nothing imported", in the run's language.
fn nothing_imported() -> String {
    let none = terrain_domain::messages::Params::new();
    terrain_domain::messages::text(crate::output::lang(), "cli.nothing_imported", &none)
}
