//! `terrain site ...`

use crate::input::read_text;
use crate::terminal::say;
use crate::{Context, output};
use anyhow::{Result, bail};
use clap::Subcommand;
use std::path::PathBuf;
use terrain_app::short_id;
use terrain_domain::{Coordinates, Site, SiteKind, coords};

#[derive(Subcommand)]
pub enum Command {
    /// Every site in the registry
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add a site, from flags or a JSON file
    Add {
        #[arg(long, value_name = "FILE", conflicts_with_all = ["name", "kind", "region"])]
        json: Option<PathBuf>,
        #[arg(long, required_unless_present = "json")]
        name: Option<String>,
        /// plant, mine, quarry, convoy, road, market, fuel_depot, power_station, other
        #[arg(long, required_unless_present = "json")]
        kind: Option<String>,
        /// Region
        #[arg(long, required_unless_present = "json")]
        region: Option<String>,
        /// Cercle
        #[arg(long)]
        cercle: Option<String>,
        #[arg(long)]
        place: Option<String>,
        /// Owner or operator
        #[arg(long)]
        operator: Option<String>,
        /// Latitude: decimal (14.52, -12.5), 14°31'12"N or 14°31.2'N
        #[arg(long, requires = "lon", allow_hyphen_values = true, value_parser = latitude)]
        lat: Option<f64>,
        /// Longitude: decimal (-9.05), 9°03'W or 9°03.5'W
        #[arg(long, requires = "lat", allow_hyphen_values = true, value_parser = longitude)]
        lon: Option<f64>,
    },
    /// A site and the reports that touch it
    Show { site: String },
    /// Mark a site a duplicate of another (two devices added the same plant)
    Merge {
        site: String,
        #[arg(long)]
        into: String,
    },
    /// Sites whose versions from different devices disagree
    Conflicts {
        #[arg(long)]
        json: bool,
    },
    /// Settle a site's conflict field by field: each disputed field from the version you
    /// choose, every other edit of both versions kept
    Resolve {
        site: String,
        /// `FIELD=ours|theirs` for one disputed field (repeatable), or `ours|theirs` for every
        /// disputed field not named (`local`, `server` are other names for them)
        #[arg(long = "take", value_name = "FIELD=ours|theirs", required = true, value_parser = crate::site_conflict::parse_take)]
        takes: Vec<(Option<String>, terrain_app::Side)>,
    },
    /// Every incident at a site over time, linked reports counted once
    History {
        site: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ctx: &Context, cmd: Command) -> Result<()> {
    match cmd {
        Command::List { json } => {
            let sites = ctx.app.sites()?;
            if json {
                return output::print_json(&sites);
            }
            if sites.is_empty() {
                say!("No sites yet: add one with `terrain site add`.");
            }
            let ids: Vec<_> = sites.iter().map(|s| s.id).collect();
            // A site merged into another is that one: listed once, under the one kept.
            for s in sites.iter().filter(|s| s.merged_into.is_none()) {
                let place = [s.place.as_deref(), s.admin2.as_deref(), Some(&s.admin1)]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ");
                say!(
                    "{}  {:<13} {}  ({place})",
                    short_id(&s.id, &ids),
                    s.kind.key(),
                    s.name
                );
            }
            Ok(())
        }
        Command::Add {
            json,
            name,
            kind,
            region,
            cercle,
            place,
            operator,
            lat,
            lon,
        } => {
            let site = match json {
                Some(path) => {
                    let text = read_text(&path)?;
                    serde_json::from_str::<Site>(&text)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
                }
                None => {
                    let kind = kind.unwrap_or_default();
                    let Some(kind) = SiteKind::from_key(&kind) else {
                        let all: Vec<_> = SiteKind::ALL.iter().map(|k| k.key()).collect();
                        bail!(
                            "--kind: \"{kind}\" is not a kind of site; one of: {}",
                            all.join(", ")
                        );
                    };
                    Site {
                        id: uuid::Uuid::now_v7(),
                        name: name.unwrap_or_default(),
                        kind,
                        operator,
                        admin1: region.unwrap_or_default(),
                        admin2: cercle,
                        place,
                        coordinates: lat.zip(lon).map(|(latitude, longitude)| Coordinates {
                            latitude,
                            longitude,
                        }),
                        merged_into: None,
                    }
                }
            };
            let site = ctx.app.save_site_record(site)?;
            say!("Saved site {}  {}", site.id, site.name);
            Ok(())
        }
        Command::Merge { site, into } => {
            let merged = ctx.app.merge_site(&site, &into)?;
            let into = merged
                .merged_into
                .map(|id| id.to_string())
                .unwrap_or_default();
            say!(
                "Site {} {} is now merged into {into}",
                merged.id,
                merged.name
            );
            Ok(())
        }
        Command::Conflicts { json } => crate::site_conflict::list(ctx, json),
        Command::Resolve { site, takes } => crate::site_conflict::resolve(ctx, &site, &takes),
        Command::Show { site } => {
            let view = ctx.app.site_view(&site)?;
            let site = &view.site;
            say!("{}  ({}, {})", site.name, site.kind.key(), site.admin1);
            say!("id {}", site.id);
            if let Some(into) = site.merged_into {
                say!("Merged into {into}");
            }
            if let Some(op) = &site.operator {
                say!("Operator: {op}");
            }
            say!("{} report(s) at this site:", view.reports.len());
            for l in &view.reports {
                say!(
                    "  {}  {}  {}",
                    l.report.when.date,
                    view.short_ids[&l.report.id],
                    l.report.title
                );
            }
            Ok(())
        }
        Command::History { site, json } => {
            let history = ctx.app.site_history(&site)?;
            if json {
                return output::print_json(&history);
            }
            say!(
                "{}: {}",
                history.site.name,
                history.headline(output::lang())
            );
            for i in &history.incidents {
                let t = &i.figures;
                let days = if t.latest.date > t.earliest.date {
                    format!("{} \u{2013} {}", t.earliest.date, t.latest.date)
                } else {
                    t.earliest.date.to_string()
                };
                say!(
                    "  {days}  {}  {}  ({} report(s), incident {})",
                    i.event_type.map_or("", |e| e.label()),
                    i.title,
                    t.reports.len(),
                    short_id(&i.id, &t.reports)
                );
                for f in &t.figures {
                    say!("      {f}");
                }
            }
            Ok(())
        }
    }
}

/// Coordinates as people have them, read by the domain (the app's form reads them the same way).
fn latitude(text: &str) -> std::result::Result<f64, String> {
    coords::parse_coordinate(text, coords::Axis::Latitude).map_err(|e| e.0)
}

fn longitude(text: &str) -> std::result::Result<f64, String> {
    coords::parse_coordinate(text, coords::Axis::Longitude).map_err(|e| e.0)
}
