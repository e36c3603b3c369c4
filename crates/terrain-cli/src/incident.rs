//! `terrain incident ...`: what a report may be the same incident as, and linking, unlinking
//! and dismissing (issue 15). Each subcommand is one call to the app, printed.

use crate::terminal::say;
use crate::{Context, output};
use anyhow::Result;
use clap::Subcommand;
use terrain_app::IncidentView;

#[derive(Subcommand)]
pub enum Command {
    /// Reports that may be the same incident as REPORT, with the reasons
    Similar {
        report: String,
        #[arg(long)]
        json: bool,
    },
    /// A and B are the same incident: A joins B's incident
    Link {
        a: String,
        b: String,
        #[arg(long)]
        json: bool,
    },
    /// Undo a link or a dismissal of A and B (A leaves B's incident)
    Unlink {
        a: String,
        b: String,
        #[arg(long)]
        json: bool,
    },
    /// A and B are not the same incident: not suggested again
    Dismiss { a: String, b: String },
    /// REPORT's incident: its reports, each figure with every source, sites and time span
    Show {
        report: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ctx: &Context, cmd: Command) -> Result<()> {
    let app = &ctx.app;
    match cmd {
        Command::Similar { report, json } => {
            let found = app.similar(app.find_id(&report)?)?;
            if json {
                return output::print_json(&found);
            }
            if found.is_empty() {
                say!("No other report looks like the same incident.");
            }
            for s in &found {
                say!(
                    "May be the same incident as {}  {}  {}",
                    s.short_id,
                    s.report.date,
                    s.report.title
                );
                say!("  {}", s.text);
            }
            Ok(())
        }
        Command::Link { a, b, json } => {
            let view = app.link(app.find_id(&a)?, app.find_id(&b)?)?;
            show(ctx, &view, json)
        }
        Command::Unlink { a, b, json } => {
            let view = app.unlink(app.find_id(&a)?, app.find_id(&b)?)?;
            show(ctx, &view, json)
        }
        Command::Dismiss { a, b } => {
            let (a, b) = (app.find_id(&a)?, app.find_id(&b)?);
            app.dismiss(a, b)?;
            say!("Not the same incident: {a} and {b} will not be suggested again.");
            Ok(())
        }
        Command::Show { report, json } => show(ctx, &app.incident(app.find_id(&report)?)?, json),
    }
}

fn show(ctx: &Context, view: &IncidentView, json: bool) -> Result<()> {
    if json {
        return output::print_json(view);
    }
    if view.reports.len() < 2 {
        say!("Linked to no other report (incident {}).", view.id);
    } else {
        say!("Incident {} ({} reports)", view.id, view.reports.len());
    }
    for m in &view.reports {
        say!(
            "  {}  {}  {}  ({})",
            m.short_id,
            m.report.date,
            m.report.title,
            m.report.place
        );
    }
    let Some(f) = &view.figures else {
        return Ok(());
    };
    for line in &view.figure_lines {
        say!("{}", line.text);
    }
    say!("From {} to {}", moment(&f.earliest), moment(&f.latest));
    for s in &f.sources {
        say!("Source: {} ({} report(s))", s.name, s.cited_in.len());
    }
    for s in &f.sites {
        let name = ctx
            .app
            .find_site(&s.site_id.to_string())
            .map(|site| site.name)
            .unwrap_or_else(|_| s.site_id.to_string());
        say!("Site: {name} ({} report(s))", s.named_in.len());
    }
    Ok(())
}

fn moment(m: &terrain_domain::incident::figures::Moment) -> String {
    match m.time {
        Some(t) => format!("{} {}", m.date, t.format("%H:%M")),
        None => m.date.to_string(),
    }
}
