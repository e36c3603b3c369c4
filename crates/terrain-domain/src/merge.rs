//! Three-way merge of two versions of a report against their common ancestor.
//!
//! Edits made on two devices while offline merge on their own when they touch different fields;
//! when both change the same field differently, the merge names the fields a person must choose
//! for. Lists merge by union when both sides changed them, so no claim, source or photo added on
//! either side is ever dropped.

use crate::report::{Report, Status};
use serde_json::{Map, Value};

/// What merging two versions gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Merge {
    /// Both sides' edits, together.
    Clean(Box<Report>),
    /// Fields both sides changed differently, as paths (`where.place`, `narrative`).
    Conflict(Vec<String>),
}

/// Objects whose fields merge one by one; any other field merges as a whole.
const NESTED: &[&str] = &["when", "where", "what", "figures"];

/// Merges `ours` and `theirs`, both descended from `base`. Without a base (two versions made
/// independently) every field that differs is a conflict, except lists, which unite.
pub fn three_way(base: Option<&Report>, ours: &Report, theirs: &Report) -> Merge {
    let base = base.map(as_map).unwrap_or_default();
    let (ours_map, theirs_map) = (as_map(ours), as_map(theirs));
    let mut conflicts = Vec::new();
    let merged = merge_maps(&base, &ours_map, &theirs_map, "", 0, &mut conflicts);
    if !conflicts.is_empty() {
        return Merge::Conflict(conflicts);
    }
    match serde_json::from_value::<Report>(Value::Object(merged)) {
        Ok(report) => Merge::Clean(Box::new(report)),
        // Each side was a valid report; a merge that is not one needs a person.
        Err(e) => Merge::Conflict(vec![format!("(report): {e}")]),
    }
}

fn as_map(r: &Report) -> Map<String, Value> {
    match serde_json::to_value(r).expect("reports serialise") {
        Value::Object(m) => m,
        _ => unreachable!("a report is an object"),
    }
}

/// Merges like [`three_way`], settling each field both sides changed with the side a person
/// chose: `ours`, unless the field's path is in `take_theirs`.
pub fn settle(
    base: Option<&Report>,
    ours: &Report,
    theirs: &Report,
    take_theirs: &[String],
) -> Result<Report, String> {
    let base = base.map(as_map).unwrap_or_default();
    let (ours_map, theirs_map) = (as_map(ours), as_map(theirs));
    let mut conflicts = Vec::new();
    let mut merged = merge_maps(&base, &ours_map, &theirs_map, "", 0, &mut conflicts);
    for path in take_theirs {
        if !conflicts.contains(path) {
            return Err(format!(
                "{path}: the versions do not disagree on this field"
            ));
        }
        let keys: Vec<&str> = path.split('.').collect();
        let (last, parents) = keys.split_last().expect("split yields one part");
        let mut from = Some(&theirs_map);
        let mut into = &mut merged;
        for key in parents {
            from = from.and_then(|m| m.get(*key)).and_then(Value::as_object);
            into = match into
                .entry(key.to_string())
                .or_insert_with(|| Value::Object(Map::new()))
            {
                Value::Object(m) => m,
                _ => return Err(format!("{path}: not a field of an object")),
            };
        }
        match from.and_then(|m| m.get(*last)) {
            Some(v) => into.insert(last.to_string(), v.clone()),
            None => into.remove(*last),
        };
    }
    serde_json::from_value::<Report>(Value::Object(merged)).map_err(|e| e.to_string())
}

fn merge_maps(
    base: &Map<String, Value>,
    ours: &Map<String, Value>,
    theirs: &Map<String, Value>,
    prefix: &str,
    depth: usize,
    conflicts: &mut Vec<String>,
) -> Map<String, Value> {
    let mut keys: Vec<&String> = ours
        .keys()
        .chain(theirs.keys())
        .chain(base.keys())
        .collect();
    keys.sort();
    keys.dedup();
    let mut out = Map::new();
    for key in keys {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let (b, o, t) = (base.get(key), ours.get(key), theirs.get(key));
        let value = if o == t {
            o.cloned()
        } else if o == b {
            t.cloned()
        } else if t == b {
            o.cloned()
        } else {
            match (b, o, t) {
                (_, Some(Value::Array(o)), Some(Value::Array(t))) => Some(union(o, t)),
                (_, Some(Value::String(o)), Some(Value::String(t))) if path == "status" => {
                    // Final wins: a final report never goes back to draft.
                    let fin = Status::Final.as_str();
                    Some(Value::String(if o == fin || t == fin {
                        fin.into()
                    } else {
                        o.clone()
                    }))
                }
                (b, Some(Value::Object(o)), Some(Value::Object(t)))
                    if depth == 0 && NESTED.contains(&key.as_str()) =>
                {
                    let empty = Map::new();
                    let b = match b {
                        Some(Value::Object(b)) => b,
                        _ => &empty,
                    };
                    Some(Value::Object(merge_maps(
                        b,
                        o,
                        t,
                        &path,
                        depth + 1,
                        conflicts,
                    )))
                }
                _ => {
                    conflicts.push(path);
                    o.cloned()
                }
            }
        };
        if let Some(v) = value {
            out.insert(key.clone(), v);
        }
    }
    out
}

/// Ours, then what only theirs has. Sources are the same source when their keys are.
fn union(ours: &[Value], theirs: &[Value]) -> Value {
    let key = |v: &Value| v.get("key").cloned();
    let mut out: Vec<Value> = ours.to_vec();
    for t in theirs {
        let known = out
            .iter()
            .any(|o| o == t || (key(o).is_some() && key(o) == key(t)));
        if !known {
            out.push(t.clone());
        }
    }
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Amount, Claim, FigureKind};

    fn seed() -> Report {
        crate::parse_json(include_str!(
            "../../../docs/examples/bafoulabe-plants-attack.json"
        ))
        .unwrap()
    }

    fn claim(n: u32, source: &str) -> Claim {
        Claim {
            amount: Amount::Exact(n),
            source: source.into(),
            said_on: None,
            note: None,
        }
    }

    #[test]
    fn settling_takes_each_disputed_field_from_the_side_chosen_and_merges_the_rest() {
        let base = seed();
        let mut ours = base.clone();
        ours.location.place = Some("South gate".into());
        ours.damage = Some("Kilns burned".into());
        ours.tags.push("ours".into());
        let mut theirs = base.clone();
        theirs.location.place = Some("North gate".into());
        theirs.damage = None;
        theirs.narrative = "Told by the other device.".into();
        let fields = vec!["damage".to_string(), "where.place".to_string()];
        assert_eq!(
            three_way(Some(&base), &ours, &theirs),
            Merge::Conflict(fields.clone())
        );
        let kept = settle(Some(&base), &ours, &theirs, &[]).unwrap();
        assert_eq!(kept.location.place.as_deref(), Some("South gate"));
        assert_eq!(kept.narrative, "Told by the other device.");
        assert!(kept.tags.contains(&"ours".to_string()));
        let taken = settle(Some(&base), &ours, &theirs, &fields).unwrap();
        assert_eq!(taken.location.place.as_deref(), Some("North gate"));
        assert_eq!(taken.damage, None, "taking an absent field removes it");
        assert_eq!(
            settle(Some(&base), &ours, &theirs, &["title".into()]),
            Err("title: the versions do not disagree on this field".into())
        );
    }

    #[test]
    fn edits_to_different_fields_merge() {
        let base = seed();
        let mut ours = base.clone();
        ours.narrative = "Updated narrative.".into();
        let mut theirs = base.clone();
        theirs.location.place = Some("Kilometre 12 on the Mahina road".into());
        let Merge::Clean(merged) = three_way(Some(&base), &ours, &theirs) else {
            panic!()
        };
        assert_eq!(merged.narrative, "Updated narrative.");
        assert_eq!(
            merged.location.place.as_deref(),
            Some("Kilometre 12 on the Mahina road")
        );
        assert_eq!(merged.location.admin2, base.location.admin2);
    }

    #[test]
    fn different_edits_to_the_same_field_conflict_and_name_it() {
        let base = seed();
        let mut ours = base.clone();
        ours.location.place = Some("North gate".into());
        ours.title = "Ours".into();
        let mut theirs = base.clone();
        theirs.location.place = Some("South gate".into());
        theirs.narrative = "Theirs".into();
        assert_eq!(
            three_way(Some(&base), &ours, &theirs),
            Merge::Conflict(vec!["where.place".into()])
        );
    }

    #[test]
    fn claims_added_on_both_sides_are_all_kept() {
        let base = seed();
        let mut ours = base.clone();
        ours.figures
            .get_mut(&FigureKind::Abducted)
            .unwrap()
            .push(claim(5, "security"));
        let mut theirs = base.clone();
        theirs
            .figures
            .get_mut(&FigureKind::Abducted)
            .unwrap()
            .push(claim(4, "diawara"));
        theirs
            .figures
            .insert(FigureKind::Killed, vec![claim(1, "security")]);
        let Merge::Clean(merged) = three_way(Some(&base), &ours, &theirs) else {
            panic!()
        };
        assert_eq!(merged.figures[&FigureKind::Abducted].len(), 4);
        assert_eq!(merged.figures[&FigureKind::Killed].len(), 1);
    }

    #[test]
    fn final_wins_over_draft() {
        let mut base = seed();
        base.status = Status::Draft;
        let mut ours = base.clone();
        ours.status = Status::Final;
        ours.title = "A".into();
        let mut theirs = base.clone();
        theirs.narrative = "B".into();
        let Merge::Clean(merged) = three_way(Some(&base), &ours, &theirs) else {
            panic!()
        };
        assert_eq!(merged.status, Status::Final);
    }

    #[test]
    fn merging_is_symmetric_for_disjoint_edits() {
        let base = seed();
        let mut a = base.clone();
        a.tags.push("convoy".into());
        let mut b = base.clone();
        b.damage = None;
        assert_eq!(
            three_way(Some(&base), &a, &b),
            three_way(Some(&base), &b, &a)
        );
    }
}
