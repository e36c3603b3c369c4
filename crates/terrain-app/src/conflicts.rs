//! Conflicts: each report whose versions disagree, with what they dispute, and ending one, field
//! by field. The window's resolve button and `terrain resolve` both come here.

use crate::{App, AppError, ErrorCode, Result, SavedReport, today};
use serde::{Deserialize, Serialize};
use terrain_domain::{Dispute, Revision, ValidReport, check, disputes, settle};
use terrain_store::Conflict;
use ts_rs::TS;
use uuid::Uuid;

/// The version a disputed field is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The version made on this device.
    Local,
    /// The version that came from the server.
    Server,
}

/// How a person ends a conflict.
#[derive(Debug, Clone)]
pub enum Resolution {
    /// Each disputed field from a side: the one named for it in `fields`, else `all`. A field
    /// is a dispute's path (`where.place`) or its last part when that names one (`place`).
    Sides {
        all: Option<Side>,
        fields: Vec<(String, Side)>,
    },
    /// A version the person wrote whole.
    Written(Box<ValidReport>),
}

/// One conflicting report: its versions and, when there are two, what they dispute (`local` and
/// `server` values).
#[derive(Debug, Clone)]
pub struct ConflictEntry {
    pub conflict: Conflict,
    pub disputes: Vec<Dispute>,
}

impl App {
    /// Every report whose versions conflict.
    pub fn conflicts(&self) -> Result<Vec<ConflictEntry>> {
        let device = self.store.device_id();
        Ok(self
            .store
            .conflicts()?
            .into_iter()
            .map(|conflict| {
                let disputes = match sides(&conflict, device) {
                    Ok((local, server)) => disputes(
                        conflict.base.as_ref().map(|b| &b.content),
                        &local.content,
                        &server.content,
                    ),
                    Err(_) => Vec::new(),
                };
                ConflictEntry { conflict, disputes }
            })
            .collect())
    }

    /// The conflict of report `id`, if its versions disagree.
    pub(crate) fn conflict_of(&self, id: Uuid) -> Result<Option<Conflict>> {
        Ok(self
            .store
            .conflicts()?
            .into_iter()
            .find(|c| c.report_id == id))
    }

    /// This device's version and the server's, of a conflict between two.
    pub(crate) fn sides<'a>(&self, c: &'a Conflict) -> Result<(&'a Revision, &'a Revision)> {
        sides(c, self.store.device_id())
    }

    /// Ends the conflict of report `id`: every edit that is not disputed is kept from both
    /// versions; each disputed field comes from the side chosen for it.
    pub fn resolve_conflict(&self, id: Uuid, how: Resolution) -> Result<SavedReport> {
        let report = match how {
            Resolution::Written(report) if report.id == id => *report,
            Resolution::Written(report) => {
                return Err(AppError::new(
                    ErrorCode::Invalid,
                    format!("id: the resolved report is {}, not {id}", report.id),
                ));
            }
            Resolution::Sides { all, fields } => {
                let Some(conflict) = self.conflict_of(id)? else {
                    return Err(AppError::new(
                        ErrorCode::NotFound,
                        format!("report {id} has no conflict to resolve"),
                    ));
                };
                let (local, server) = self.sides(&conflict)?;
                let base = conflict.base.as_ref().map(|b| &b.content);
                let disputed = disputes(base, &local.content, &server.content);
                let take_server = choose(&disputed, all, &fields)?;
                let merged = settle(base, &local.content, &server.content, &take_server)
                    .map_err(|e| AppError::new(ErrorCode::Invalid, e))?;
                check(merged, today())?
            }
        };
        let saved = self.store.resolve(report, &self.author()?)?;
        self.note_queue()?;
        Ok(SavedReport {
            id,
            revision: saved.revision.id,
            unchanged: saved.unchanged,
            queued: saved.queued,
            parents: saved.revision.parents.len(),
            report: saved.revision.content,
        })
    }
}

/// The local head and the server's; a conflict of more than two versions is settled by writing
/// the report whole.
fn sides<'a>(c: &'a Conflict, device: &str) -> Result<(&'a Revision, &'a Revision)> {
    let [a, b] = c.heads.as_slice() else {
        return Err(AppError::new(
            ErrorCode::Invalid,
            format!(
                "report {} has {} versions; write the resolved report whole",
                c.report_id,
                c.heads.len()
            ),
        ));
    };
    Ok(if b.device == device && a.device != device {
        (b, a)
    } else {
        (a, b)
    })
}

/// The disputed paths to take from the server. A named field that matches no dispute is passed
/// on, so that `settle` refuses it by name; a dispute left without a side is refused here.
pub(crate) fn choose(
    disputed: &[Dispute],
    all: Option<Side>,
    fields: &[(String, Side)],
) -> Result<Vec<String>> {
    let mut named: Vec<(String, Side)> = Vec::new();
    for (field, side) in fields {
        let matches: Vec<&Dispute> = match disputed.iter().find(|d| &d.path == field) {
            Some(exact) => vec![exact],
            None => disputed
                .iter()
                .filter(|d| last_part(&d.path) == field)
                .collect(),
        };
        match matches.as_slice() {
            [one] => named.push((one.path.clone(), *side)),
            [] => named.push((field.clone(), Side::Server)),
            many => {
                let paths: Vec<&str> = many.iter().map(|d| d.path.as_str()).collect();
                return Err(AppError::new(
                    ErrorCode::Invalid,
                    format!("{field}: names {}; give the whole path", paths.join(", ")),
                ));
            }
        }
    }
    // The last choice named for a path wins, as on a command line.
    let side = |path: &str| {
        named
            .iter()
            .rev()
            .find(|(p, _)| p == path)
            .map(|(_, s)| *s)
            .or(all)
    };
    let open: Vec<&str> = disputed
        .iter()
        .map(|d| d.path.as_str())
        .filter(|p| side(p).is_none())
        .collect();
    if !open.is_empty() {
        return Err(AppError::new(
            ErrorCode::Invalid,
            format!(
                "say which version to keep (local or server) for {}",
                open.join(", ")
            ),
        ));
    }
    let mut take_server: Vec<String> = disputed
        .iter()
        .filter(|d| side(&d.path) == Some(Side::Server))
        .map(|d| d.path.clone())
        .collect();
    take_server.extend(
        named
            .into_iter()
            .filter(|(p, _)| !disputed.iter().any(|d| &d.path == p))
            .map(|(p, _)| p),
    );
    Ok(take_server)
}

/// `place` of `where.place`, `name` of `sources[wamaps].name`: after the last dot outside
/// brackets (a claim id or a source key may hold a dot).
fn last_part(path: &str) -> &str {
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in path.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => start = i + 1,
            _ => {}
        }
    }
    &path[start..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dispute(path: &str) -> Dispute {
        Dispute {
            path: path.into(),
            ours: Some(json!("a")),
            theirs: Some(json!("b")),
        }
    }

    fn field(name: &str, side: Side) -> (String, Side) {
        (name.into(), side)
    }

    #[test]
    fn a_field_is_named_by_its_path_or_its_last_part() {
        let disputed = [dispute("where.place"), dispute("title")];
        let take = choose(
            &disputed,
            Some(Side::Local),
            &[field("place", Side::Server)],
        )
        .unwrap();
        assert_eq!(take, ["where.place"]);
        let take = choose(
            &disputed,
            None,
            &[
                field("where.place", Side::Server),
                field("title", Side::Local),
            ],
        )
        .unwrap();
        assert_eq!(take, ["where.place"]);
    }

    #[test]
    fn take_applies_to_every_field_not_named() {
        let disputed = [dispute("where.place"), dispute("title")];
        let take = choose(
            &disputed,
            Some(Side::Server),
            &[field("title", Side::Local)],
        )
        .unwrap();
        assert_eq!(take, ["where.place"]);
        let take = choose(&disputed, Some(Side::Local), &[]).unwrap();
        assert!(take.is_empty());
    }

    #[test]
    fn a_dispute_left_without_a_side_is_refused_by_name() {
        let disputed = [dispute("where.place"), dispute("title")];
        let err = choose(&disputed, None, &[field("place", Side::Server)]).unwrap_err();
        assert_eq!(err.code, ErrorCode::Invalid);
        assert!(err.message.contains("for title"), "{}", err.message);
        assert!(!err.message.contains("where.place"), "{}", err.message);
    }

    #[test]
    fn a_short_name_matching_two_disputes_is_refused() {
        let disputed = [
            dispute("sources[wamaps].name"),
            dispute("sources[radio].name"),
        ];
        let err = choose(&disputed, Some(Side::Local), &[field("name", Side::Server)]);
        assert!(err.unwrap_err().message.contains("give the whole path"));
    }

    #[test]
    fn a_field_matching_no_dispute_is_left_for_settle_to_refuse() {
        let take = choose(
            &[dispute("title")],
            Some(Side::Local),
            &[field("narrative", Side::Local)],
        )
        .unwrap();
        assert_eq!(take, ["narrative"]);
    }

    #[test]
    fn the_last_part_of_a_path_ignores_dots_inside_brackets() {
        assert_eq!(last_part("where.place"), "place");
        assert_eq!(last_part("title"), "title");
        assert_eq!(last_part("figures.abducted[a.b]"), "abducted[a.b]");
        assert_eq!(last_part("sources[wa.maps].name"), "name");
    }
}
