//! `terrain report ...`

use crate::input::{FileProblems, import_from, report_from};
use crate::terminal::{one_line, say};
use crate::{Context, output, prompt};
use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use terrain_app::{Imported, ListQuery, Page};
use terrain_domain::{EventType, Status, gazetteer};

#[derive(Subcommand)]
pub enum Command {
    /// Write a new report: prompts on a terminal, else reads JSON from --json FILE or stdin
    New {
        /// Report file in Terrain's JSON form ("-" for standard input)
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// A photo or document to attach (repeatable): copied into the store, named in the report
        #[arg(long, value_name = "FILE")]
        attach: Vec<PathBuf>,
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
        /// A photo or document to attach to every imported report (repeatable)
        #[arg(long, value_name = "FILE")]
        attach: Vec<PathBuf>,
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
    /// The app's query: the region or cercle and the site as the registry spells them.
    pub fn to_query(&self, ctx: &Context) -> Result<ListQuery> {
        let mut filter = ListQuery {
            query: self.query.clone(),
            from: self.from.map(|d| d.to_string()),
            to: self.to.map(|d| d.to_string()),
            ..ListQuery::default()
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
            filter.site = Some(ctx.app.find_site(site)?.id);
        }
        Ok(filter)
    }
}

pub fn run(ctx: &Context, cmd: Command) -> Result<()> {
    let app = &ctx.app;
    match cmd {
        Command::New { json, attach } => {
            let report = match json {
                Some(path) => report_from(&path, None)?,
                None if std::io::stdin().is_terminal() => prompt::new_report(app)?,
                None => report_from(&PathBuf::from("-"), None)?,
            };
            let saved = app.save_report(report, &attach)?;
            say!(
                "Saved report {} ({}{}).",
                saved.id,
                saved.report.status.as_str(),
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
            attach,
        } => import(ctx, &files, allow_duplicate, &attach),
        Command::Edit { id, json } => {
            let id = app.find_id(&id)?;
            let saved = app.save_report(report_from(&json, Some(id))?, &[])?;
            if saved.unchanged {
                say!("No change: report {id} already holds this content.");
            } else {
                say!("Saved revision {} of report {id}.", saved.revision);
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
            let view = app.report_view(app.find_id(&id)?)?;
            if json {
                return output::print_json(&view.listed.report);
            }
            output::show(&view);
            Ok(())
        }
        Command::Attach { id, files } => {
            let id = app.find_id(&id)?;
            let saved = app.attach_files(id, &files)?;
            if saved.unchanged {
                say!("No change: report {id} already names these files.");
            } else {
                say!(
                    "Attached {} file(s) to report {id}: revision {}.",
                    files.len(),
                    saved.revision
                );
            }
            Ok(())
        }
        Command::DeleteDraft { id } => {
            let id = app.find_id(&id)?;
            app.delete_draft(id)?;
            say!("Deleted draft {id} and its history from this device.");
            Ok(())
        }
        Command::History { id, json } => {
            output::history(&app.history_with_receipts(app.find_id(&id)?)?, json)
        }
        Command::Photos { .. } => unreachable!("run by photos::photos"),
    }
}

fn list(ctx: &Context, filter: &FilterArgs, page: Page, json: bool) -> Result<()> {
    let found = ctx.app.report_page(&filter.to_query(ctx)?, page)?;
    let end = u64::from(page.offset) + found.items.len() as u64;
    let next = (!found.items.is_empty() && end < found.total).then(|| end.to_string());
    output::list(&found, next, json)
}

/// `terrain outbox`.
pub fn outbox(ctx: &Context, json: bool) -> Result<()> {
    output::outbox(&ctx.app.outbox()?, json)
}

fn import(
    ctx: &Context,
    files: &[PathBuf],
    allow_duplicate: bool,
    attach: &[PathBuf],
) -> Result<()> {
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
        .app
        .import(reports, allow_duplicate, attach)
        .map_err(|e| match e.problems.is_empty() {
            false => anyhow::Error::new(FileProblems {
                file: "(import)".into(),
                problems: terrain_domain::Problems(e.problems),
            })
            .context(nothing_imported()),
            true => e.into(),
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
