//! `terrain conflicts` and `terrain resolve`: the app's conflicts and its field-by-field
//! resolution, from a terminal.

use crate::input::report_from;
use crate::terminal::say;
use crate::{Context, output};
use anyhow::{Result, bail};
use clap::ValueEnum;
use serde::Serialize;
use std::path::PathBuf;
use terrain_app::{Conflict, Resolution, Side};
use terrain_domain::Dispute;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Take {
    /// The version made on this device
    Local,
    /// The version that came from the server
    #[value(alias = "remote")]
    Server,
}

impl From<Take> for Side {
    fn from(t: Take) -> Side {
        match t {
            Take::Local => Side::Local,
            Take::Server => Side::Server,
        }
    }
}

/// `--field PATH` or `--field PATH=local|server`: a disputed path, and perhaps its side.
pub fn parse_field(arg: &str) -> Result<(String, Option<Take>), String> {
    let Some((path, side)) = arg.rsplit_once('=') else {
        return Ok((arg.to_string(), None));
    };
    let side = Take::from_str(side, true)
        .map_err(|_| format!("{arg}: the side is `local` or `server`, not `{side}`"))?;
    Ok((path.to_string(), Some(side)))
}

/// One disputed path with both values, as `conflicts --json` gives it.
#[derive(Serialize)]
struct Shown {
    path: String,
    local: Option<serde_json::Value>,
    remote: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    conflict: &'a Conflict,
    disputes: Vec<Shown>,
}

pub fn list(ctx: &Context, json: bool) -> Result<()> {
    let conflicts = ctx.app.conflicts()?;
    if json {
        let listed = conflicts
            .iter()
            .map(|c| Listed {
                conflict: &c.conflict,
                disputes: c
                    .disputes
                    .iter()
                    .map(|d| Shown {
                        path: d.path.clone(),
                        local: d.ours.clone(),
                        remote: d.theirs.clone(),
                    })
                    .collect(),
            })
            .collect::<Vec<_>>();
        return output::print_json(&listed);
    }
    // Shared sites conflict too: listed after the reports, settled with `terrain site resolve`.
    let sites = ctx.app.site_conflicts()?;
    if conflicts.is_empty() && sites.is_empty() {
        say!("No conflicts.");
    }
    let device = ctx.app.info()?.device_id;
    for entry in &conflicts {
        let c = &entry.conflict;
        say!("{}  {}", c.report_id, c.heads[0].content.title);
        say!("  versions disagree on: {}", c.fields.join(", "));
        for d in &entry.disputes {
            say!("  {}", d.path);
            say!("    local:  {}", Dispute::show(&d.ours));
            say!("    remote: {}", Dispute::show(&d.theirs));
        }
        for h in &c.heads {
            let here = if h.device == device {
                "local"
            } else {
                "remote"
            };
            say!(
                "  {here:<6} revision {}  by {} on {}",
                h.id,
                h.author,
                h.created_at.to_rfc3339()
            );
        }
    }
    for site in &sites {
        crate::site_conflict::print_conflict(site);
    }
    Ok(())
}

/// `terrain resolve`: which side each disputed field comes from, or the version written whole.
pub fn resolve(
    ctx: &Context,
    id: &str,
    take: Option<Take>,
    fields: &[(String, Option<Take>)],
    json: Option<PathBuf>,
) -> Result<()> {
    let id = ctx.app.find_id(id)?;
    let how = match json {
        Some(path) => Resolution::Written(Box::new(report_from(&path, Some(id))?)),
        None => sides(take, fields)?,
    };
    let saved = ctx.app.resolve_conflict(id, how)?;
    say!(
        "Resolved: revision {} follows {} versions.",
        saved.revision,
        saved.parents
    );
    Ok(())
}

/// `--field PATH --take SIDE` chooses for the fields named; with no bare `--field`, `--take`
/// chooses for every field not named.
fn sides(take: Option<Take>, fields: &[(String, Option<Take>)]) -> Result<Resolution> {
    let bare = fields.iter().any(|(_, side)| side.is_none());
    let mut chosen = Vec::new();
    for (path, side) in fields {
        let Some(side) = side.or(take) else {
            bail!("--field {path}: say which version, --take local|server or {path}=local|server");
        };
        chosen.push((path.clone(), side.into()));
    }
    if take.is_none() && fields.is_empty() {
        bail!(
            "say which version to keep: --take local|server, --field PATH --take local|server, or --json FILE"
        );
    }
    Ok(Resolution::Sides {
        all: if bare { None } else { take.map(Side::from) },
        fields: chosen,
    })
}
