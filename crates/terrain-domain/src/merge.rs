//! Three-way merge of two versions of a report against their common ancestor.
//!
//! Each side's changes are what it holds against the ancestor, field by field and list element
//! by list element (claims by id, sources by key, sites by id, photos by hash, tags by value).
//! Changes to different things merge; changes to the same thing conflict, named by a path
//! (`where.place`, `sources[wamaps].name`, `figures.abducted[<claim id>]`), so no edit is ever
//! dropped unseen. `docs/merge.md` states the rules.

use crate::claims;
use crate::report::{Report, Status};
use serde::Serialize;
use serde_json::{Map, Value};

/// What merging two versions gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Merge {
    /// Both sides' edits, together.
    Clean(Box<Report>),
    /// What both sides changed differently, as paths (`where.place`, `sources[s1].name`).
    Conflict(Vec<String>),
}

impl Merge {
    /// The disputed paths; none for a clean merge.
    pub fn conflict_paths(&self) -> Vec<String> {
        match self {
            Merge::Clean(_) => Vec::new(),
            Merge::Conflict(paths) => paths.clone(),
        }
    }
}

/// One thing both sides changed differently, and what each made of it (absent: removed).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Dispute {
    /// `where.place`, `sources[wamaps].name`, `figures.abducted[<claim id>]`.
    pub path: String,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub ours: Option<Value>,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub theirs: Option<Value>,
}

impl Dispute {
    /// A value as one line for people: text as it is, anything else as JSON.
    pub fn show(value: &Option<Value>) -> String {
        match value {
            None | Some(Value::Null) => "(none)".into(),
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        }
    }
}

/// Merges `ours` and `theirs`, both descended from `base`. Without a base (two versions made
/// independently) everything that differs is a conflict, except lists, which unite.
pub fn three_way(base: Option<&Report>, ours: &Report, theirs: &Report) -> Merge {
    if ours == theirs {
        return Merge::Clean(Box::new(ours.clone()));
    }
    let (merged, disputes) = merge(base, ours, theirs, &[]);
    if !disputes.is_empty() {
        return Merge::Conflict(disputes.into_iter().map(|d| d.path).collect());
    }
    match merged {
        Ok(report) => Merge::Clean(Box::new(report)),
        // Each side was a valid report; a merge that is not one needs a person.
        Err(e) => Merge::Conflict(vec![format!("(report): {e}")]),
    }
}

/// What both sides changed differently, with each side's value.
pub fn disputes(base: Option<&Report>, ours: &Report, theirs: &Report) -> Vec<Dispute> {
    merge(base, ours, theirs, &[]).1
}

/// Merges like [`three_way`], settling each disputed path with the side a person chose:
/// `ours`, unless the path is in `take_theirs`. Everything else keeps both sides' edits.
pub fn settle(
    base: Option<&Report>,
    ours: &Report,
    theirs: &Report,
    take_theirs: &[String],
) -> Result<Report, String> {
    let (merged, disputes) = merge(base, ours, theirs, take_theirs);
    if let Some(path) = take_theirs
        .iter()
        .find(|p| !disputes.iter().any(|d| &d.path == *p))
    {
        return Err(format!(
            "{path}: the versions do not disagree on this field"
        ));
    }
    merged.map_err(|e| e.to_string())
}

/// Merges two versions of any JSON object field by field, each field whole, against their
/// common version: the report's rules for a flat record (sites use it). Disputed fields take
/// `ours` unless named in `take_theirs`.
pub fn three_way_fields(
    base: Option<&Value>,
    ours: &Value,
    theirs: &Value,
    take_theirs: &[String],
) -> (Value, Vec<Dispute>) {
    let mut m = Merger {
        take_theirs,
        disputes: Vec::new(),
    };
    let merged = m.fields(|_| Shape::Whole, "", base, Some(ours), Some(theirs));
    (merged.unwrap_or(Value::Object(Map::new())), m.disputes)
}

fn merge(
    base: Option<&Report>,
    ours: &Report,
    theirs: &Report,
    take_theirs: &[String],
) -> (serde_json::Result<Report>, Vec<Dispute>) {
    let mut m = Merger {
        take_theirs,
        disputes: Vec::new(),
    };
    let (b, o, t) = (base.map(as_value), as_value(ours), as_value(theirs));
    let merged = m.fields(report_field, "", b.as_ref(), Some(&o), Some(&t));
    let report = serde_json::from_value(merged.unwrap_or(Value::Object(Map::new())));
    (report, m.disputes)
}

/// The report as JSON, each claim with its id: revisions from before claim ids get the ids
/// [`claims::assign_ids`] gives, the same that any device saving them again gave.
fn as_value(r: &Report) -> Value {
    let mut r = r.clone();
    claims::assign_ids(r.id, &mut r.figures);
    serde_json::to_value(r).expect("reports serialise")
}

/// How one part of the report merges.
#[derive(Clone, Copy)]
enum Shape {
    /// One value.
    Whole,
    /// Final wins over draft.
    Status,
    /// A source's contact: a side without one never removes the other's (devices may receive
    /// sources without their contacts).
    Contact,
    /// An object whose fields merge one by one, each with its own shape.
    Fields(fn(&str) -> Shape),
    /// Values each present or not: every addition and every deletion of either side holds.
    Set,
    /// Objects named by one of their fields; each merges whole, or field by field.
    Keyed(&'static str, Option<fn(&str) -> Shape>),
}

fn report_field(name: &str) -> Shape {
    match name {
        "status" => Shape::Status,
        "when" | "where" => Shape::Fields(|_| Shape::Whole),
        "what" => Shape::Fields(|f| match f {
            "categories" => Shape::Set,
            _ => Shape::Whole,
        }),
        "tags" | "targets" => Shape::Set,
        // Kind by kind; a claim changed on both sides is one dispute.
        "figures" => Shape::Fields(|_| Shape::Keyed("id", None)),
        "sources" => Shape::Keyed(
            "key",
            Some(|f| match f {
                "contact" => Shape::Contact,
                _ => Shape::Whole,
            }),
        ),
        "perpetrators" => Shape::Keyed("name", Some(|_| Shape::Whole)),
        "sites" => Shape::Keyed("site_id", Some(|_| Shape::Whole)),
        "attachments" => Shape::Keyed("sha256", Some(|_| Shape::Whole)),
        _ => Shape::Whole,
    }
}

struct Merger<'a> {
    take_theirs: &'a [String],
    disputes: Vec<Dispute>,
}

type Side<'a> = Option<&'a Value>;

impl Merger<'_> {
    fn part(&mut self, shape: Shape, path: &str, b: Side, o: Side, t: Side) -> Option<Value> {
        match shape {
            Shape::Whole => self.whole(path, b, o, t),
            Shape::Status => self.status(path, b, o, t),
            Shape::Contact => match (o, t) {
                (None, x) | (x, None) => x.cloned(),
                _ => self.whole(path, b, o, t),
            },
            Shape::Fields(field) => self.fields(field, path, b, o, t),
            Shape::Set => set(b, o, t),
            Shape::Keyed(key, fields) => self.keyed(key, fields, path, b, o, t),
        }
    }

    /// Whoever changed it; both, differently: a dispute.
    fn whole(&mut self, path: &str, b: Side, o: Side, t: Side) -> Option<Value> {
        if o == t || t == b {
            o.cloned()
        } else if o == b {
            t.cloned()
        } else {
            self.dispute(path, o, t)
        }
    }

    fn status(&mut self, path: &str, b: Side, o: Side, t: Side) -> Option<Value> {
        let fin = Value::String(Status::Final.as_str().into());
        if o != t && o != b && t != b && (o == Some(&fin) || t == Some(&fin)) {
            // Final wins: a final report never goes back to draft.
            return Some(fin);
        }
        self.whole(path, b, o, t)
    }

    fn dispute(&mut self, path: &str, o: Side, t: Side) -> Option<Value> {
        self.disputes.push(Dispute {
            path: path.to_string(),
            ours: o.cloned(),
            theirs: t.cloned(),
        });
        if self.take_theirs.iter().any(|p| p == path) {
            t.cloned()
        } else {
            o.cloned()
        }
    }

    /// Field by field. Never short-cut on whole-object equality: a side that equals the base
    /// may still lack a contact the other holds.
    fn fields<'a>(
        &mut self,
        shape: fn(&str) -> Shape,
        path: &str,
        b: Side<'a>,
        o: Side<'a>,
        t: Side<'a>,
    ) -> Option<Value> {
        let empty = Map::new();
        let (bm, om, tm) = (object(b), object(o), object(t));
        let mut names: Vec<&String> = [bm, om, tm]
            .into_iter()
            .flatten()
            .flat_map(|m| m.keys())
            .collect();
        names.sort();
        names.dedup();
        let mut out = Map::new();
        for name in names {
            let at = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            let get = |m: Option<&'a Map<String, Value>>| m.unwrap_or(&empty).get(name);
            if let Some(v) = self.part(shape(name), &at, get(bm), get(om), get(tm)) {
                out.insert(name.clone(), v);
            }
        }
        (!out.is_empty()).then_some(Value::Object(out))
    }

    /// Element by element, matched by `key`; an element both changed merges field by field
    /// when it has `fields`, else is one dispute. Order: ours, then what only theirs has.
    fn keyed(
        &mut self,
        key: &str,
        fields: Option<fn(&str) -> Shape>,
        path: &str,
        b: Side,
        o: Side,
        t: Side,
    ) -> Option<Value> {
        let (bl, ol, tl) = (list(b), list(o), list(t));
        let find = |l: &'_ [Value], k: &Value| l.iter().find(|e| e.get(key) == Some(k)).cloned();
        let mut keys: Vec<&Value> = Vec::new();
        for e in ol.iter().chain(tl) {
            if let Some(k) = e.get(key)
                && !keys.contains(&k)
            {
                keys.push(k);
            }
        }
        let mut out = Vec::new();
        for k in keys {
            let at = format!("{path}[{}]", Dispute::show(&Some(k.clone())));
            let (be, oe, te) = (find(bl, k), find(ol, k), find(tl, k));
            let (be, oe, te) = (be.as_ref(), oe.as_ref(), te.as_ref());
            let merged = match (fields, oe, te) {
                (Some(shape), Some(_), Some(_)) => self.fields(shape, &at, be, oe, te),
                // Removed on one side: it stays removed unless the other side changed it.
                (Some(shape), None, Some(x)) | (Some(shape), Some(x), None)
                    if be.is_some_and(|be| unchanged(shape, be, x)) =>
                {
                    None
                }
                _ => self.whole(&at, be, oe, te),
            };
            out.extend(merged);
        }
        (!out.is_empty()).then_some(Value::Array(out))
    }
}

/// `x` is `base` but for a contact it lacks (a device that never received it).
fn unchanged(shape: fn(&str) -> Shape, base: &Value, x: &Value) -> bool {
    let (Some(bm), Some(xm)) = (base.as_object(), x.as_object()) else {
        return base == x;
    };
    bm.keys()
        .chain(xm.keys())
        .all(|name| match (shape(name), bm.get(name), xm.get(name)) {
            (Shape::Contact, _, None) => true,
            (_, b, x) => b == x,
        })
}

fn object<'a>(v: Side<'a>) -> Option<&'a Map<String, Value>> {
    v.and_then(Value::as_object)
}

fn list<'a>(v: Side<'a>) -> &'a [Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// Each value is kept when both sides hold it, or when the side that differs from the base
/// holds it: an addition and a deletion both hold. Order: ours, then what only theirs has.
fn set(b: Side, o: Side, t: Side) -> Option<Value> {
    let (bl, ol, tl) = (list(b), list(o), list(t));
    let mut out: Vec<Value> = Vec::new();
    for v in ol.iter().chain(tl) {
        let (in_b, in_o, in_t) = (bl.contains(v), ol.contains(v), tl.contains(v));
        let kept = if in_o == in_t || in_o == in_b {
            in_t
        } else {
            in_o
        };
        if kept && !out.contains(v) {
            out.push(v.clone());
        }
    }
    (!out.is_empty()).then_some(Value::Array(out))
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
            id: None,
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

    fn source<'a>(r: &'a mut Report, key: &str) -> &'a mut crate::Source {
        r.sources.iter_mut().find(|s| s.key == key).unwrap()
    }

    fn checked(r: Report) -> Report {
        crate::check(r, chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap())
            .unwrap()
            .into_inner()
    }

    #[test]
    fn a_rename_and_a_reliability_change_of_one_source_both_hold() {
        let base = seed();
        let key = base.sources[0].key.clone();
        let mut ours = base.clone();
        source(&mut ours, &key).reliability = crate::Reliability::Unreliable;
        let mut theirs = base.clone();
        source(&mut theirs, &key).name = "Renamed".into();
        let Merge::Clean(merged) = three_way(Some(&base), &ours, &theirs) else {
            panic!()
        };
        let s = merged.sources.iter().find(|s| s.key == key).unwrap();
        assert_eq!(
            (s.name.as_str(), s.reliability),
            ("Renamed", crate::Reliability::Unreliable)
        );
        let mut both = theirs.clone();
        source(&mut both, &key).name = "Other name".into();
        assert_eq!(
            three_way(Some(&base), &ours.clone(), &both).conflict_paths(),
            Vec::<String>::new()
        );
        source(&mut ours, &key).name = "Ours".into();
        assert_eq!(
            three_way(Some(&base), &ours, &both).conflict_paths(),
            vec![format!("sources[{key}].name")]
        );
    }

    #[test]
    fn a_tag_deleted_on_one_side_stays_deleted_while_the_other_adds_one() {
        let mut base = seed();
        base.tags = vec!["convoy".into(), "kiln".into()];
        let mut ours = base.clone();
        ours.tags.retain(|t| t != "kiln");
        let mut theirs = base.clone();
        theirs.tags.push("night".into());
        for (a, b) in [(&ours, &theirs), (&theirs, &ours)] {
            let Merge::Clean(merged) = three_way(Some(&base), a, b) else {
                panic!()
            };
            let mut tags = merged.tags.clone();
            tags.sort();
            assert_eq!(tags, ["convoy", "night"]);
        }
    }

    #[test]
    fn one_claim_corrected_on_both_sides_is_one_dispute_not_two_claims() {
        let base = checked(seed());
        let id = base.figures[&FigureKind::Abducted][0].id.unwrap();
        let mut ours = base.clone();
        ours.figures.get_mut(&FigureKind::Abducted).unwrap()[0].amount = Amount::Exact(10);
        let mut theirs = base.clone();
        theirs.figures.get_mut(&FigureKind::Abducted).unwrap()[0].amount = Amount::Exact(11);
        let path = format!("figures.abducted[{id}]");
        assert_eq!(
            three_way(Some(&base), &ours, &theirs),
            Merge::Conflict(vec![path.clone()])
        );
        let taken = settle(Some(&base), &ours, &theirs, &[path]).unwrap();
        let claims = &taken.figures[&FigureKind::Abducted];
        assert_eq!(claims.len(), base.figures[&FigureKind::Abducted].len());
        assert_eq!(claims[0].amount, Amount::Exact(11));
    }

    #[test]
    fn claims_of_a_revision_without_ids_match_the_ids_a_later_save_gave() {
        let base = seed();
        assert!(base.figures.values().flatten().all(|c| c.id.is_none()));
        let mut ours = checked(base.clone());
        ours.figures.get_mut(&FigureKind::Abducted).unwrap()[0].amount = Amount::Exact(10);
        let mut theirs = checked(base.clone());
        theirs.narrative = "Theirs.".into();
        let Merge::Clean(merged) = three_way(Some(&base), &ours, &theirs) else {
            panic!()
        };
        assert_eq!(merged.figures, ours.figures);
    }

    #[test]
    fn a_side_without_a_contact_never_removes_the_others_and_two_contacts_dispute() {
        let base = seed();
        let key = base.sources[0].key.clone();
        let mut ours = base.clone();
        source(&mut ours, &key).contact = Some("+223 70 00 00 00".into());
        let mut theirs = base.clone();
        source(&mut theirs, &key).contact = None;
        source(&mut theirs, &key).name = "Renamed".into();
        for (a, b) in [(&ours, &theirs), (&theirs, &ours)] {
            let Merge::Clean(merged) = three_way(Some(&ours), a, b) else {
                panic!()
            };
            let s = merged.sources.iter().find(|s| s.key == key).unwrap();
            assert_eq!(s.contact.as_deref(), Some("+223 70 00 00 00"));
            assert_eq!(s.name, "Renamed");
        }
        source(&mut theirs, &key).contact = Some("+223 66 00 00 00".into());
        assert_eq!(
            three_way(None, &ours, &theirs).conflict_paths(),
            vec![
                format!("sources[{key}].contact"),
                format!("sources[{key}].name")
            ]
        );
    }

    #[test]
    fn disputes_carry_both_values() {
        let base = seed();
        let mut ours = base.clone();
        ours.location.place = Some("North gate".into());
        let mut theirs = base.clone();
        theirs.location.place = None;
        let d = disputes(Some(&base), &ours, &theirs);
        assert_eq!(d.len(), 1);
        assert_eq!(Dispute::show(&d[0].ours), "North gate");
        assert_eq!(Dispute::show(&d[0].theirs), "(none)");
    }
}
