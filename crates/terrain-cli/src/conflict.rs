//! `terrain conflicts` and `terrain resolve`.

use crate::input::{report_from, today};
use crate::{Context, output};
use anyhow::{Result, bail};
use clap::ValueEnum;
use std::path::PathBuf;
use terrain_domain::check;

#[derive(Clone, Copy, ValueEnum)]
pub enum Take {
    /// The version made on this device
    Local,
    /// The version that came from the server
    Remote,
}

pub fn list(ctx: &Context, json: bool) -> Result<()> {
    let conflicts = ctx.store.conflicts()?;
    if json {
        return output::print_json(&conflicts);
    }
    if conflicts.is_empty() {
        println!("No conflicts.");
    }
    for c in &conflicts {
        println!("{}  {}", c.report_id, c.heads[0].content.title);
        println!("  versions disagree on: {}", c.fields.join(", "));
        for h in &c.heads {
            let here = if h.device == ctx.store.device_id() {
                "local"
            } else {
                "remote"
            };
            println!(
                "  {here:<6} revision {}  by {} on {}",
                h.id,
                h.author,
                h.created_at.to_rfc3339()
            );
        }
    }
    Ok(())
}

pub fn resolve(ctx: &Context, id: &str, take: Option<Take>, json: Option<PathBuf>) -> Result<()> {
    let id = ctx.store.resolve_id(id)?;
    let report = match (take, json) {
        (_, Some(path)) => report_from(&path, Some(id))?,
        (Some(take), None) => {
            let conflicts = ctx.store.conflicts()?;
            let Some(conflict) = conflicts.iter().find(|c| c.report_id == id) else {
                bail!("report {id} has no conflict to resolve");
            };
            let local = |h: &&terrain_domain::Revision| h.device == ctx.store.device_id();
            let chosen: Vec<_> = match take {
                Take::Local => conflict.heads.iter().filter(local).collect(),
                Take::Remote => conflict.heads.iter().filter(|h| !local(h)).collect(),
            };
            let [head] = chosen.as_slice() else {
                bail!(
                    "--take: {} versions fit; write the resolved report with --json FILE",
                    chosen.len()
                );
            };
            check(head.content.clone(), today())?
        }
        (None, None) => {
            bail!("say which version to keep: --take local, --take remote, or --json FILE")
        }
    };
    let saved = ctx.store.resolve(report, &ctx.author)?;
    println!(
        "Resolved: revision {} follows {} versions.",
        saved.revision.id,
        saved.revision.parents.len()
    );
    Ok(())
}
