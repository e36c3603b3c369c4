//! `terrain site conflicts` and `terrain site resolve`: shared sites whose versions disagree,
//! and settling one field by field, as `terrain conflicts` and `terrain resolve` do for reports.

use crate::terminal::say;
use crate::{Context, output};
use anyhow::Result;
use terrain_app::{Side, SiteConflictView, SiteVersion};
use terrain_domain::Dispute;
use terrain_domain::messages::{self, Params};

/// `--take FIELD=ours|theirs` for one disputed field, `--take ours|theirs` for every field not
/// named. `local` and `server` (or `remote`) are other names for ours and theirs.
pub fn parse_take(arg: &str) -> Result<(Option<String>, Side), String> {
    let (field, side) = match arg.rsplit_once('=') {
        Some((field, side)) => (Some(field.trim().to_string()), side),
        None => (None, arg),
    };
    let side = match side.trim().to_ascii_lowercase().as_str() {
        "ours" | "local" => Side::Local,
        "theirs" | "server" | "remote" => Side::Server,
        _ => {
            return Err(format!(
                "{arg}: the version is `ours` or `theirs`, not `{side}`"
            ));
        }
    };
    if field.as_deref() == Some("") {
        return Err(format!("{arg}: name the field before `=`"));
    }
    Ok((field, side))
}

pub fn list(ctx: &Context, json: bool) -> Result<()> {
    let conflicts = ctx.app.site_conflicts()?;
    if json {
        return output::print_json(&conflicts);
    }
    if conflicts.is_empty() {
        say!("{}", words("cli.site.conflicts.none", &[]));
    }
    for c in &conflicts {
        print_conflict(c);
    }
    Ok(())
}

/// One site's conflict: what each version holds of each disputed field, who made it and when.
pub fn print_conflict(c: &SiteConflictView) {
    let fields: Vec<&str> = c.disputes.iter().map(|d| d.path.as_str()).collect();
    let id = c.site_id.to_string();
    say!(
        "{}",
        words(
            "cli.site.conflict.head",
            &[
                ("name", c.name.clone()),
                ("id", id.clone()),
                ("fields", fields.join(", "))
            ]
        )
    );
    for d in &c.disputes {
        say!("  {}", d.path);
        say!(
            "    {}",
            side("cli.site.conflict.ours", &c.ours_version, &d.ours)
        );
        say!(
            "    {}",
            side("cli.site.conflict.theirs", &c.theirs_version, &d.theirs)
        );
    }
    say!("  {}", words("cli.site.conflict.hint", &[("id", id)]));
}

fn side(code: &str, v: &SiteVersion, value: &Option<serde_json::Value>) -> String {
    words(
        code,
        &[
            ("author", v.author.clone()),
            ("at", v.created_at.format("%Y-%m-%d %H:%M UTC").to_string()),
            ("value", Dispute::show(value)),
        ],
    )
}

/// `terrain site resolve SITE --take FIELD=ours|theirs ...`.
pub fn resolve(ctx: &Context, site: &str, takes: &[(Option<String>, Side)]) -> Result<()> {
    // The last bare side chooses for every field not named, as on a command line.
    let all = takes
        .iter()
        .rev()
        .find(|(f, _)| f.is_none())
        .map(|(_, s)| *s);
    let fields: Vec<(String, Side)> = takes
        .iter()
        .filter_map(|(f, s)| f.clone().map(|f| (f, *s)))
        .collect();
    let settled = ctx.app.resolve_site_conflict(site, all, &fields)?;
    say!(
        "{}",
        words(
            "cli.site.resolved",
            &[
                ("name", settled.content.name),
                ("revision", settled.id.to_string())
            ]
        )
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_take_names_a_field_and_a_version_or_a_version_for_every_field() {
        assert_eq!(
            parse_take("operator=theirs").unwrap(),
            (Some("operator".into()), Side::Server)
        );
        assert_eq!(parse_take("ours").unwrap(), (None, Side::Local));
        assert_eq!(parse_take("place=server").unwrap().1, Side::Server);
        assert!(
            parse_take("operator=mine")
                .unwrap_err()
                .contains("`ours` or `theirs`")
        );
        assert!(parse_take("=ours").unwrap_err().contains("name the field"));
    }
}
