//! `terrain conflicts` and `terrain resolve`.

use crate::input::{report_from, today};
use crate::terminal::say;
use crate::{Context, output};
use anyhow::{Result, bail};
use clap::ValueEnum;
use serde::Serialize;
use std::path::PathBuf;
use terrain_domain::{Dispute, Revision, check, disputes, settle};
use terrain_store::Conflict;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Take {
    /// The version made on this device
    Local,
    /// The version that came from the server
    Remote,
}

/// `--field PATH=local|remote`: the side one disputed path comes from.
pub fn parse_field(arg: &str) -> Result<(String, Take), String> {
    let (path, side) = arg
        .rsplit_once('=')
        .ok_or_else(|| format!("{arg}: write PATH=local or PATH=remote"))?;
    let side = Take::from_str(side, true)
        .map_err(|_| format!("{arg}: the side is `local` or `remote`, not `{side}`"))?;
    Ok((path.to_string(), side))
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

/// The local head and the remote one (by revision id when neither or both are local).
fn sides<'a>(ctx: &Context, c: &'a Conflict) -> Result<(&'a Revision, &'a Revision)> {
    let [a, b] = c.heads.as_slice() else {
        bail!(
            "report {} has {} versions; write the resolved report with --json FILE",
            c.report_id,
            c.heads.len()
        );
    };
    Ok(
        if b.device == ctx.store.device_id() && a.device != b.device {
            (b, a)
        } else {
            (a, b)
        },
    )
}

fn disputes_of(ctx: &Context, c: &Conflict) -> Result<Vec<Dispute>> {
    let (local, remote) = sides(ctx, c)?;
    let base = c.base.as_ref().map(|b| &b.content);
    Ok(disputes(base, &local.content, &remote.content))
}

pub fn list(ctx: &Context, json: bool) -> Result<()> {
    let conflicts = ctx.store.conflicts()?;
    if json {
        let listed = conflicts
            .iter()
            .map(|c| {
                let disputes = disputes_of(ctx, c).unwrap_or_default();
                let disputes = disputes
                    .into_iter()
                    .map(|d| Shown {
                        path: d.path,
                        local: d.ours,
                        remote: d.theirs,
                    })
                    .collect();
                Listed {
                    conflict: c,
                    disputes,
                }
            })
            .collect::<Vec<_>>();
        return output::print_json(&listed);
    }
    if conflicts.is_empty() {
        say!("No conflicts.");
    }
    for c in &conflicts {
        say!("{}  {}", c.report_id, c.heads[0].content.title);
        say!("  versions disagree on: {}", c.fields.join(", "));
        for d in disputes_of(ctx, c).unwrap_or_default() {
            say!("  {}", d.path);
            say!("    local:  {}", Dispute::show(&d.ours));
            say!("    remote: {}", Dispute::show(&d.theirs));
        }
        for h in &c.heads {
            let here = if h.device == ctx.store.device_id() {
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
    Ok(())
}

/// Each disputed path from the side chosen for it (`--field`, else `--take`); every edit that
/// is not disputed is kept from both sides.
pub fn resolve(
    ctx: &Context,
    id: &str,
    take: Option<Take>,
    fields: &[(String, Take)],
    json: Option<PathBuf>,
) -> Result<()> {
    let id = ctx.store.resolve_id(id)?;
    let report = match json {
        Some(path) => report_from(&path, Some(id))?,
        None => {
            let conflicts = ctx.store.conflicts()?;
            let Some(conflict) = conflicts.iter().find(|c| c.report_id == id) else {
                bail!("report {id} has no conflict to resolve");
            };
            let (local, remote) = sides(ctx, conflict)?;
            let base = conflict.base.as_ref().map(|b| &b.content);
            let disputed = disputes(base, &local.content, &remote.content);
            let side = |path: &str| {
                fields
                    .iter()
                    .rev()
                    .find(|(p, _)| p == path)
                    .map(|(_, t)| *t)
                    .or(take)
            };
            let open: Vec<&str> = disputed
                .iter()
                .map(|d| d.path.as_str())
                .filter(|p| side(p).is_none())
                .collect();
            if !open.is_empty() {
                bail!(
                    "say which version to keep for {}: --take local|remote, --field PATH=local|remote, or --json FILE",
                    open.join(", ")
                );
            }
            let mut take_remote: Vec<String> = disputed
                .iter()
                .filter(|d| side(&d.path) == Some(Take::Remote))
                .map(|d| d.path.clone())
                .collect();
            // A --field naming no dispute reaches settle, which says so.
            take_remote.extend(
                fields
                    .iter()
                    .filter(|(p, _)| !disputed.iter().any(|d| &d.path == p))
                    .map(|(p, _)| p.clone()),
            );
            let merged = settle(base, &local.content, &remote.content, &take_remote)
                .map_err(|e| anyhow::anyhow!("--field {e}"))?;
            check(merged, today())?
        }
    };
    let saved = ctx.store.resolve(report, &ctx.author)?;
    say!(
        "Resolved: revision {} follows {} versions.",
        saved.revision.id,
        saved.revision.parents.len()
    );
    Ok(())
}
