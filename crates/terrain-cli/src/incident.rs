//! `terrain incident ...`: what a report may be the same incident as, and linking, unlinking
//! and dismissing (issue 15). Each subcommand is one call to the app, printed in the run's
//! language (`--lang`, else the locale), from the catalogue (`messages.json`): the reasons as
//! the report page words them, each figure as the PDF does.

use crate::terminal::say;
use crate::{Context, output};
use anyhow::Result;
use clap::Subcommand;
use terrain_app::{IncidentView, SimilarReport};
use terrain_domain::incident::IncidentFigure;
use terrain_domain::messages::{self, Params};

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
                say!("{}", words("cli.incident.none", &[]));
            }
            for s in &found {
                let title = format!("{}  {}  {}", s.short_id, s.report.date, s.report.title);
                say!("{}", words("incident.may_be_same", &[("title", title)]));
                say!("  {}", reasons(s));
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
            let (a, b) = (a.to_string(), b.to_string());
            say!("{}", words("cli.incident.dismissed", &[("a", a), ("b", b)]));
            Ok(())
        }
        Command::Show { report, json } => show(ctx, &app.incident(app.find_id(&report)?)?, json),
    }
}

fn show(ctx: &Context, view: &IncidentView, json: bool) -> Result<()> {
    if json {
        return output::print_json(view);
    }
    let id = view.id.to_string();
    if view.reports.len() < 2 {
        say!("{}", words("cli.incident.alone", &[("id", id)]));
    } else {
        let n = view.reports.len().to_string();
        say!("{}", words("cli.incident.head", &[("id", id), ("n", n)]));
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
    for figure in &f.figures {
        say!("{}", figure_line(figure));
    }
    let (earliest, latest) = (moment(&f.earliest), moment(&f.latest));
    say!(
        "{}",
        words(
            "incident.span",
            &[("earliest", earliest), ("latest", latest)]
        )
    );
    for s in &f.sources {
        let (name, n) = (s.name.clone(), s.cited_in.len().to_string());
        say!(
            "{}",
            words("cli.incident.source", &[("name", name), ("n", n)])
        );
    }
    for s in &f.sites {
        let name = ctx
            .app
            .find_site(&s.site_id.to_string())
            .map(|site| site.name)
            .unwrap_or_else(|_| s.site_id.to_string());
        let n = s.named_in.len().to_string();
        say!(
            "{}",
            words("cli.incident.site", &[("name", name), ("n", n)])
        );
    }
    Ok(())
}

/// The catalogue's `code` in the run's language, its blanks filled.
fn words(code: &str, params: &[(&str, String)]) -> String {
    let params: Params = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    messages::text(output::lang(), code, &params)
}

/// "same region; dates overlap within their precision; …", as the report page words them.
fn reasons(s: &SimilarReport) -> String {
    s.reasons
        .iter()
        .map(|r| {
            let code = format!("incident.reason.{}", r.key);
            messages::text(output::lang(), &code, &r.params)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// "Abducted: 3–4, sources disagree (Wamaps: 3; …)" / "Enlevés : 3–4, les sources divergent
/// (…)": the figure with every source's claim, each source once per amount it gave.
fn figure_line(f: &IncidentFigure) -> String {
    let s = &f.summary;
    let mut value = if s.min == s.max {
        s.min.to_string()
    } else {
        format!("{}\u{2013}{}", s.min, s.max)
    };
    if s.disputed {
        value.push_str(", ");
        value.push_str(&words("pdf.disputed", &[]));
    }
    let mut said: Vec<String> = Vec::new();
    for c in &f.claims {
        let amount = match c.claim.amount.bounds() {
            (a, b) if a == b => a.to_string(),
            (a, b) => format!("{a}\u{2013}{b}"),
        };
        let line = words(
            "cli.incident.claim",
            &[("source", c.source.name.clone()), ("amount", amount)],
        );
        if !said.contains(&line) {
            said.push(line);
        }
    }
    let name = words(&format!("figure.{}", f.kind.key()), &[]);
    words(
        "cli.incident.figure",
        &[
            ("figure", name),
            ("value", value),
            ("sources", said.join("; ")),
        ],
    )
}

fn moment(m: &terrain_domain::incident::figures::Moment) -> String {
    match m.time {
        Some(t) => format!("{} {}", m.date, t.format("%H:%M")),
        None => m.date.to_string(),
    }
}
