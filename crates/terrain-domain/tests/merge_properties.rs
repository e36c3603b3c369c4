//! Properties of the three-way merge, over random edits of the seed report: edits to
//! different fields merge the same whichever side is "ours", and no claim is ever dropped.

use proptest::prelude::*;
use terrain_domain::{
    Amount, Claim, FigureKind, Merge, Report, disputes, parse_json, settle, three_way,
};

fn seed() -> Report {
    parse_json(include_str!(
        "../../../docs/examples/bafoulabe-plants-attack.json"
    ))
    .unwrap()
}

/// One change a person makes on one device.
#[derive(Debug, Clone)]
enum Edit {
    Title(String),
    Narrative(String),
    Place(String),
    Damage(Option<String>),
    Tag(String),
    Claim(FigureKind, u32, &'static str),
}

impl Edit {
    /// The field the edit touches, as the merge names it.
    fn field(&self) -> String {
        match self {
            Edit::Title(_) => "title".into(),
            Edit::Narrative(_) => "narrative".into(),
            Edit::Place(_) => "where.place".into(),
            Edit::Damage(_) => "damage".into(),
            Edit::Tag(_) => "tags".into(),
            Edit::Claim(kind, ..) => format!("figures.{}", kind.key()),
        }
    }

    fn apply(&self, r: &mut Report) {
        match self {
            Edit::Title(t) => r.title = t.clone(),
            Edit::Narrative(t) => r.narrative = t.clone(),
            Edit::Place(t) => r.location.place = Some(t.clone()),
            Edit::Damage(t) => r.damage = t.clone(),
            Edit::Tag(t) => r.tags.push(t.clone()),
            Edit::Claim(kind, n, source) => r.figures.entry(*kind).or_default().push(Claim {
                id: None,
                amount: Amount::Exact(*n),
                source: source.to_string(),
                said_on: None,
                note: None,
            }),
        }
    }
}

fn text() -> impl Strategy<Value = String> {
    "[A-Za-zé ]{1,24}"
}

fn claim() -> impl Strategy<Value = Edit> {
    (
        prop::sample::select(vec![
            FigureKind::Abducted,
            FigureKind::Killed,
            FigureKind::Injured,
        ]),
        0u32..500,
        prop::sample::select(vec!["wamaps", "elected-official", "security"]),
    )
        .prop_map(|(k, n, s)| Edit::Claim(k, n, s))
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        text().prop_map(Edit::Title),
        text().prop_map(Edit::Narrative),
        text().prop_map(Edit::Place),
        prop::option::of(text()).prop_map(Edit::Damage),
        text().prop_map(Edit::Tag),
        claim(),
    ]
}

fn edited(base: &Report, edits: &[Edit]) -> Report {
    let mut r = base.clone();
    for e in edits {
        e.apply(&mut r);
    }
    r
}

/// The value at `pointer`, claims without their ids (the merge gives ids to claims lacking one).
fn at(r: &Report, pointer: &str) -> Option<serde_json::Value> {
    serde_json::to_value(without_ids(r))
        .unwrap()
        .pointer(pointer)
        .cloned()
}

fn without_ids(r: &Report) -> Report {
    let mut r = r.clone();
    r.figures.values_mut().flatten().for_each(|c| c.id = None);
    r
}

/// A merge with its lists in one order: which side is "ours" decides list order only.
fn sorted(m: &Merge) -> Merge {
    match m {
        Merge::Clean(r) => {
            let mut r = without_ids(r);
            r.tags.sort();
            for cs in r.figures.values_mut() {
                cs.sort_by_key(|c| format!("{c:?}"));
            }
            Merge::Clean(Box::new(r))
        }
        conflict => conflict.clone(),
    }
}

fn claims(r: &Report) -> Vec<(FigureKind, Claim)> {
    r.figures
        .iter()
        .flat_map(|(k, cs)| cs.iter().map(move |c| (*k, c.clone())))
        .collect()
}

proptest! {
    #[test]
    fn edits_to_different_fields_merge_the_same_either_way(
        ours in prop::collection::vec(edit(), 0..4),
        theirs in prop::collection::vec(edit(), 0..4),
    ) {
        let touched: Vec<String> = ours.iter().map(Edit::field).collect();
        let theirs: Vec<Edit> = theirs.into_iter().filter(|e| !touched.contains(&e.field())).collect();
        let base = seed();
        let (a, b) = (edited(&base, &ours), edited(&base, &theirs));
        let ab = three_way(Some(&base), &a, &b);
        let ba = three_way(Some(&base), &b, &a);
        let Merge::Clean(merged) = &ab else {
            panic!("disjoint edits conflicted: {ab:?}");
        };
        prop_assert_eq!(sorted(&ab), sorted(&ba));
        // Each side's last word on each field it touched is in the merge.
        for (side, edits) in [(&a, &ours), (&b, &theirs)] {
            for e in edits.iter() {
                let pointer = format!("/{}", e.field().replace('.', "/"));
                prop_assert_eq!(at(merged, &pointer), at(side, &pointer), "{}", pointer);
            }
        }
    }

    #[test]
    fn no_claim_made_on_either_side_is_ever_dropped(
        ours in prop::collection::vec(claim(), 0..5),
        theirs in prop::collection::vec(claim(), 0..5),
    ) {
        let base = seed();
        let (a, b) = (edited(&base, &ours), edited(&base, &theirs));
        let Merge::Clean(merged) = three_way(Some(&base), &a, &b) else {
            panic!("adding claims never conflicts");
        };
        let kept = claims(&without_ids(&merged));
        for c in claims(&a).into_iter().chain(claims(&b)) {
            prop_assert!(kept.contains(&c), "{:?} dropped", c);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The merge against a model. Random ancestors (the seed, randomised by the same edits the
// devices make), random edit lists per device, and, from each edit list alone, the things that
// device changed: a field path or a list element, named as the merge names disputes. The model
// never calls the merge's own diff: it records what each edit touched and keeps what ended
// different from the ancestor.

mod model {
    use serde_json::Value;
    use terrain_domain::{
        Actor, Amount, Attachment, Attribution, Claim, FigureKind, Reliability, Report, SiteRef,
        Source, SourceKind,
    };
    use uuid::Uuid;

    pub const TEXTS: [&str; 4] = ["North gate", "South gate", "Kilns burned", "Told again"];
    const KINDS: [FigureKind; 3] = [
        FigureKind::Abducted,
        FigureKind::Killed,
        FigureKind::Injured,
    ];
    const RELIABILITIES: [Reliability; 3] = [
        Reliability::Reliable,
        Reliability::Unreliable,
        Reliability::Unknown,
    ];
    const ATTRIBUTIONS: [Attribution; 3] = [
        Attribution::Claimed,
        Attribution::Suspected,
        Attribution::Confirmed,
    ];
    const TAGS: [&str; 5] = ["Bafoulabé", "industry", "convoy", "night", "kiln"];
    const PERPETRATORS: [&str; 3] = ["JNIM", "ISSP", "Unknown gunmen"];

    /// One change a person makes on one device. Numbers pick an element or a value from a small
    /// pool, so that both devices often touch the same thing.
    #[derive(Debug, Clone)]
    pub enum Edit {
        Title(usize),
        Narrative(usize),
        Place(Option<usize>),
        Damage(Option<usize>),
        AddClaim(usize, u8, u32, usize),
        RemoveClaim(usize),
        ClaimAmount(usize, u32),
        ClaimSource(usize, usize),
        AddSource(u8, usize, usize),
        RemoveSource(usize),
        RenameSource(usize, usize),
        Reliability(usize, usize),
        Contact(usize, Option<usize>),
        AddTag(usize),
        AddTarget(usize),
        RemoveTarget(usize),
        RemoveTag(usize),
        AddPerpetrator(usize, usize),
        RemovePerpetrator(usize),
        Attribute(usize, usize),
        AddSite(u8, Option<usize>),
        RemoveSite(usize),
        SiteDamage(usize, Option<usize>),
        AddAttachment(u8, Option<usize>),
        RemoveAttachment(usize),
        Caption(usize, Option<usize>),
    }

    fn text(i: usize) -> String {
        TEXTS[i % TEXTS.len()].to_string()
    }

    fn claim_id(n: u8) -> Uuid {
        Uuid::from_u128(0x1000 + u128::from(n))
    }

    fn site_id(n: u8) -> Uuid {
        Uuid::from_u128(0x2000 + u128::from(n))
    }

    fn sha(n: u8) -> String {
        format!("{n:02x}").repeat(32)
    }

    /// The `i`th claim, whatever its kind, as (kind, index).
    fn nth_claim(r: &Report, i: usize) -> Option<(FigureKind, usize)> {
        let all: Vec<(FigureKind, usize)> = r
            .figures
            .iter()
            .flat_map(|(k, cs)| (0..cs.len()).map(move |j| (*k, j)))
            .collect();
        (!all.is_empty()).then(|| all[i % all.len()])
    }

    fn pick<T>(l: &[T], i: usize) -> Option<usize> {
        (!l.is_empty()).then(|| i % l.len())
    }

    fn claim_path(kind: FigureKind, id: Option<Uuid>) -> String {
        format!(
            "figures.{}[{}]",
            kind.key(),
            id.expect("model claims have ids")
        )
    }

    impl Edit {
        /// Applies the edit and names what it touched, or None when it could not apply.
        /// Additions take keys the ancestor never had, so "added" always means new.
        pub fn apply(&self, r: &mut Report, base: &Report) -> Option<String> {
            match *self {
                Edit::Title(i) => {
                    r.title = text(i);
                    Some("title".into())
                }
                Edit::Narrative(i) => {
                    r.narrative = text(i);
                    Some("narrative".into())
                }
                Edit::Place(i) => {
                    r.location.place = i.map(text);
                    Some("where.place".into())
                }
                Edit::Damage(i) => {
                    r.damage = i.map(text);
                    Some("damage".into())
                }
                Edit::AddClaim(kind, n, amount, source) => {
                    let id = claim_id(n);
                    let exists =
                        |r: &Report| r.figures.values().flatten().any(|c| c.id == Some(id));
                    let source = r.sources.get(pick(&r.sources, source)?)?.key.clone();
                    if exists(r) || exists(base) {
                        return None;
                    }
                    let kind = KINDS[kind % KINDS.len()];
                    r.figures.entry(kind).or_default().push(Claim {
                        id: Some(id),
                        amount: Amount::Exact(amount),
                        source,
                        said_on: None,
                        note: None,
                    });
                    Some(claim_path(kind, Some(id)))
                }
                Edit::RemoveClaim(i) => {
                    let (kind, j) = nth_claim(r, i)?;
                    let c = r.figures.get_mut(&kind)?.remove(j);
                    Some(claim_path(kind, c.id))
                }
                Edit::ClaimAmount(i, amount) => {
                    let (kind, j) = nth_claim(r, i)?;
                    let c = &mut r.figures.get_mut(&kind)?[j];
                    c.amount = Amount::Exact(amount);
                    Some(claim_path(kind, c.id))
                }
                Edit::ClaimSource(i, s) => {
                    let key = r.sources.get(pick(&r.sources, s)?)?.key.clone();
                    let (kind, j) = nth_claim(r, i)?;
                    let c = &mut r.figures.get_mut(&kind)?[j];
                    c.source = key;
                    Some(claim_path(kind, c.id))
                }
                Edit::AddSource(n, name, rel) => {
                    let key = format!("new-{n}");
                    let has = |r: &Report| r.sources.iter().any(|s| s.key == key);
                    if has(r) || has(base) {
                        return None;
                    }
                    r.sources.push(Source {
                        key: key.clone(),
                        name: text(name),
                        kind: SourceKind::Witness,
                        reliability: RELIABILITIES[rel % RELIABILITIES.len()],
                        contact: None,
                        url: None,
                        note: None,
                    });
                    Some(format!("sources[{key}]"))
                }
                Edit::RemoveSource(i) => {
                    let s = r.sources.remove(pick(&r.sources, i)?);
                    Some(format!("sources[{}]", s.key))
                }
                Edit::RenameSource(i, name) => {
                    let at = pick(&r.sources, i)?;
                    let s = &mut r.sources[at];
                    s.name = text(name);
                    Some(format!("sources[{}].name", s.key))
                }
                Edit::Reliability(i, rel) => {
                    let at = pick(&r.sources, i)?;
                    let s = &mut r.sources[at];
                    s.reliability = RELIABILITIES[rel % RELIABILITIES.len()];
                    Some(format!("sources[{}].reliability", s.key))
                }
                Edit::Contact(i, contact) => {
                    let at = pick(&r.sources, i)?;
                    let s = &mut r.sources[at];
                    s.contact = contact.map(|c| format!("+223 70 00 00 0{c}"));
                    Some(format!("sources[{}].contact", s.key))
                }
                Edit::AddTarget(i) => {
                    let target = TAGS[i % TAGS.len()].to_string();
                    if !r.targets.contains(&target) {
                        r.targets.push(target.clone());
                    }
                    Some(format!("targets[{target}]"))
                }
                Edit::RemoveTarget(i) => {
                    let target = r.targets.remove(pick(&r.targets, i)?);
                    Some(format!("targets[{target}]"))
                }
                Edit::AddTag(i) => {
                    let tag = TAGS[i % TAGS.len()].to_string();
                    if !r.tags.contains(&tag) {
                        r.tags.push(tag.clone());
                    }
                    Some(format!("tags[{tag}]"))
                }
                Edit::RemoveTag(i) => {
                    let tag = r.tags.remove(pick(&r.tags, i)?);
                    Some(format!("tags[{tag}]"))
                }
                Edit::AddPerpetrator(name, a) => {
                    let name = PERPETRATORS[name % PERPETRATORS.len()].to_string();
                    let has = |r: &Report| r.perpetrators.iter().any(|p| p.name == name);
                    if has(r) || has(base) {
                        return None;
                    }
                    r.perpetrators.push(Actor {
                        name: name.clone(),
                        attribution: ATTRIBUTIONS[a % ATTRIBUTIONS.len()],
                        inter: Some(2),
                    });
                    Some(format!("perpetrators[{name}]"))
                }
                Edit::RemovePerpetrator(i) => {
                    let p = r.perpetrators.remove(pick(&r.perpetrators, i)?);
                    Some(format!("perpetrators[{}]", p.name))
                }
                Edit::Attribute(i, a) => {
                    let at = pick(&r.perpetrators, i)?;
                    let p = &mut r.perpetrators[at];
                    p.attribution = ATTRIBUTIONS[a % ATTRIBUTIONS.len()];
                    Some(format!("perpetrators[{}].attribution", p.name))
                }
                Edit::AddSite(n, damage) => {
                    let id = site_id(n);
                    let has = |r: &Report| r.sites.iter().any(|s| s.site_id == id);
                    if has(r) || has(base) {
                        return None;
                    }
                    r.sites.push(SiteRef {
                        site_id: id,
                        damage: damage.map(text),
                    });
                    Some(format!("sites[{id}]"))
                }
                Edit::RemoveSite(i) => {
                    let s = r.sites.remove(pick(&r.sites, i)?);
                    Some(format!("sites[{}]", s.site_id))
                }
                Edit::SiteDamage(i, damage) => {
                    let at = pick(&r.sites, i)?;
                    let s = &mut r.sites[at];
                    s.damage = damage.map(text);
                    Some(format!("sites[{}].damage", s.site_id))
                }
                Edit::AddAttachment(n, caption) => {
                    let sha = sha(n);
                    let has = |r: &Report| r.attachments.iter().any(|a| a.sha256 == sha);
                    if has(r) || has(base) {
                        return None;
                    }
                    r.attachments.push(Attachment {
                        sha256: sha.clone(),
                        media_type: "image/jpeg".into(),
                        size: 1000 + u64::from(n),
                        file_name: format!("photo-{n}.jpg"),
                        caption: caption.map(text),
                        reduced_of: None,
                    });
                    Some(format!("attachments[{sha}]"))
                }
                Edit::RemoveAttachment(i) => {
                    let a = r.attachments.remove(pick(&r.attachments, i)?);
                    Some(format!("attachments[{}]", a.sha256))
                }
                Edit::Caption(i, caption) => {
                    let at = pick(&r.attachments, i)?;
                    let a = &mut r.attachments[at];
                    a.caption = caption.map(text);
                    Some(format!("attachments[{}].caption", a.sha256))
                }
            }
        }
    }

    /// The field a list's elements are named by; None: the element is its own name (a set).
    fn key_of(list: &str) -> Option<&'static str> {
        match list {
            "tags" | "targets" | "categories" => None,
            "sources" => Some("key"),
            "perpetrators" => Some("name"),
            "sites" => Some("site_id"),
            "attachments" => Some("sha256"),
            _ => Some("id"),
        }
    }

    /// The value at a path as the merge names it (`sources[wamaps].name`); None when absent.
    pub fn at(r: &Value, path: &str) -> Option<Value> {
        let mut v = r;
        for step in path.split('.') {
            let (name, key) = match step.split_once('[') {
                Some((n, k)) => (n, Some(k.trim_end_matches(']'))),
                None => (step, None),
            };
            v = v.get(name)?;
            if let Some(k) = key {
                let named = |e: &Value| match key_of(name) {
                    Some(f) => e.get(f).and_then(Value::as_str) == Some(k),
                    None => e.as_str() == Some(k),
                };
                v = v.as_array()?.iter().find(|e| named(e))?;
            }
        }
        (!v.is_null()).then(|| v.clone())
    }

    /// `a` names `b`, or `b` names `a`: one path is the other or a part of it.
    pub fn related(a: &str, b: &str) -> bool {
        let within = |x: &str, y: &str| x == y || y.starts_with(&format!("{x}."));
        within(a, b) || within(b, a)
    }

    /// The report as JSON without empty parts, every list sorted: two merges that differ only
    /// in which side was "ours" (list order) come out equal.
    pub fn normal(r: &Report) -> Value {
        fn tidy(v: Value) -> Option<Value> {
            match v {
                Value::Null => None,
                Value::Array(items) => {
                    let mut items: Vec<Value> = items.into_iter().filter_map(tidy).collect();
                    items.sort_by_key(Value::to_string);
                    (!items.is_empty()).then_some(Value::Array(items))
                }
                Value::Object(m) => Some(Value::Object(
                    m.into_iter()
                        .filter_map(|(k, v)| tidy(v).map(|v| (k, v)))
                        .collect(),
                )),
                v => Some(v),
            }
        }
        tidy(serde_json::to_value(r).unwrap()).unwrap()
    }

    /// The ancestor: the seed with an id on each claim, randomised by `edits`.
    pub fn ancestor(edits: &[Edit]) -> Report {
        let mut r: Report = terrain_domain::parse_json(include_str!(
            "../../../docs/examples/bafoulabe-plants-attack.json"
        ))
        .unwrap();
        for (n, c) in r.figures.values_mut().flatten().enumerate() {
            c.id = Some(claim_id(200 + n as u8));
        }
        // Half the sources with a contact, so that devices drop and change them.
        for s in r.sources.iter_mut().step_by(2) {
            s.contact = Some(format!("+223 66 00 00 0{}", s.key.len()));
        }
        let seed = r.clone();
        for e in edits {
            e.apply(&mut r, &seed);
        }
        r
    }

    /// One device's version, and what it changed: each path its edits touched whose value ended
    /// different from the ancestor's, with that value.
    pub struct Side {
        pub report: Report,
        /// The ancestor, as [`normal`] gives it.
        pub base: Value,
        /// Every path its edits touched, changed or not.
        pub touched: Vec<String>,
        pub changed: Vec<(String, Option<Value>)>,
    }

    pub fn side(base: &Report, edits: &[Edit]) -> Side {
        let mut report = base.clone();
        let mut touched: Vec<String> = edits
            .iter()
            .filter_map(|e| e.apply(&mut report, base))
            .collect();
        touched.sort();
        touched.dedup();
        let (b, r) = (normal(base), normal(&report));
        // A side without a contact holds none to give: devices may receive sources without
        // their contacts, so dropping one is no change (docs/merge.md). A field of an element
        // the side removed is that removal, which names the element.
        let changed = touched
            .iter()
            .filter_map(|p| {
                let v = at(&r, p);
                let dropped_contact = p.ends_with(".contact") && v.is_none();
                let removed = p
                    .rsplit_once('.')
                    .is_some_and(|(e, _)| e.ends_with(']') && at(&r, e).is_none());
                (v != at(&b, p) && !dropped_contact && !removed).then(|| (p.clone(), v))
            })
            .collect();
        Side {
            report,
            base: b,
            touched,
            changed,
        }
    }

    /// Two sides' values of one thing differ. In an element both added (`fresh`: its fields
    /// have no ancestor) only a field both gave, differently, differs: a field one side left
    /// out is the other's to fill, as for any field only one side changed.
    pub fn differ(a: Option<Value>, b: Option<Value>, fresh: bool) -> bool {
        match (&a, &b) {
            (Some(Value::Object(x)), Some(Value::Object(y))) => {
                x.iter().any(|(k, v)| y.get(k).is_some_and(|w| w != v))
            }
            (None, _) | (_, None) if fresh => false,
            _ => a != b,
        }
    }

    /// `value` is in `merged`: equal, or for an element, each of its fields is.
    pub fn within(value: &Option<Value>, merged: &Option<Value>) -> bool {
        match (value, merged) {
            (Some(Value::Object(x)), Some(Value::Object(y))) => {
                x.iter().all(|(k, v)| y.get(k) == Some(v))
            }
            _ => value == merged,
        }
    }

    /// The pairs of things two sides changed differently: related paths, whose values differ at
    /// the finer of the two.
    pub fn clashes(a: &Side, b: &Side) -> Vec<(String, String)> {
        let (ar, br) = (normal(&a.report), normal(&b.report));
        let mut out = Vec::new();
        for (pa, _) in &a.changed {
            for (pb, _) in &b.changed {
                let finer = if pa.len() >= pb.len() { pa } else { pb };
                let element = match finer.rsplit_once('.') {
                    Some((e, _)) if e.ends_with(']') => e,
                    _ => finer.as_str(),
                };
                let fresh = at(&a.base, element).is_none()
                    && at(&ar, element).is_some()
                    && at(&br, element).is_some();
                if related(pa, pb) && differ(at(&ar, finer), at(&br, finer), fresh) {
                    out.push((pa.clone(), pb.clone()));
                }
            }
        }
        out
    }
}

use model::{Edit as Change, normal, related};

fn change() -> impl Strategy<Value = Change> {
    let i = || 0usize..8;
    let t = || prop::option::of(0usize..4);
    let n = || 0u8..4;
    prop_oneof![
        i().prop_map(Change::Title),
        i().prop_map(Change::Narrative),
        t().prop_map(Change::Place),
        t().prop_map(Change::Damage),
        (i(), n(), 9u32..12, i()).prop_map(|(k, n, a, s)| Change::AddClaim(k, n, a, s)),
        i().prop_map(Change::RemoveClaim),
        (i(), 9u32..12).prop_map(|(c, a)| Change::ClaimAmount(c, a)),
        (i(), i()).prop_map(|(c, s)| Change::ClaimSource(c, s)),
        (n(), i(), i()).prop_map(|(n, s, r)| Change::AddSource(n, s, r)),
        i().prop_map(Change::RemoveSource),
        (i(), i()).prop_map(|(s, n)| Change::RenameSource(s, n)),
        (i(), i()).prop_map(|(s, r)| Change::Reliability(s, r)),
        (i(), t()).prop_map(|(s, c)| Change::Contact(s, c)),
        i().prop_map(Change::AddTag),
        i().prop_map(Change::RemoveTag),
        i().prop_map(Change::AddTarget),
        i().prop_map(Change::RemoveTarget),
        (i(), i()).prop_map(|(p, a)| Change::AddPerpetrator(p, a)),
        i().prop_map(Change::RemovePerpetrator),
        (i(), i()).prop_map(|(p, a)| Change::Attribute(p, a)),
        (n(), t()).prop_map(|(n, d)| Change::AddSite(n, d)),
        i().prop_map(Change::RemoveSite),
        (i(), t()).prop_map(|(s, d)| Change::SiteDamage(s, d)),
        (n(), t()).prop_map(|(n, c)| Change::AddAttachment(n, c)),
        i().prop_map(Change::RemoveAttachment),
        (i(), t()).prop_map(|(a, c)| Change::Caption(a, c)),
    ]
}

fn changes() -> impl Strategy<Value = Vec<Change>> {
    prop::collection::vec(change(), 0..6)
}

/// Each conflict path names something both sides changed; each clash is named by a conflict.
fn conflicts_name_the_clashes(
    paths: &[String],
    a: &model::Side,
    b: &model::Side,
) -> Result<(), TestCaseError> {
    for p in paths {
        let by = |s: &model::Side| s.changed.iter().any(|(c, _)| related(p, c));
        prop_assert!(by(a) && by(b), "{} names nothing both sides changed", p);
    }
    for (pa, pb) in model::clashes(a, b) {
        prop_assert!(
            paths.iter().any(|p| related(p, &pa) && related(p, &pb)),
            "{} / {} changed differently on both sides, but no conflict names it: {:?}",
            pa,
            pb,
            paths
        );
    }
    Ok(())
}

/// Every change of `side` is in `merged`.
fn holds(merged: &Report, side: &model::Side, who: &str) -> Result<(), TestCaseError> {
    let m = normal(merged);
    for (path, value) in &side.changed {
        let got = model::at(&m, path);
        prop_assert!(
            model::within(value, &got),
            "{}'s change to {} was lost: {:?}",
            who,
            path,
            got
        );
    }
    Ok(())
}

/// What the sides' edits touched but neither changed (an edit undone, a contact dropped) is
/// as the ancestor had it; except a contact neither side holds, which no merge can give back
/// (on a device, neither version having it means the device never received it).
fn untouched_stays(merged: &Report, a: &model::Side, b: &model::Side) -> Result<(), TestCaseError> {
    let m = normal(merged);
    let (ar, br) = (normal(&a.report), normal(&b.report));
    for path in a.touched.iter().chain(&b.touched) {
        let changed = [a, b]
            .iter()
            .any(|s| s.changed.iter().any(|(p, _)| related(p, path)));
        let held_by_none = path.ends_with(".contact")
            && model::at(&ar, path).is_none()
            && model::at(&br, path).is_none();
        if !changed && !held_by_none {
            prop_assert_eq!(
                model::at(&m, path),
                model::at(&a.base, path),
                "{} changed though no side changed it",
                path
            );
        }
    }
    Ok(())
}

/// Names of the claims, sources and attachments in a report.
fn elements(r: &Report) -> Vec<String> {
    let m = normal(r);
    let mut out = Vec::new();
    for (list, key) in [("sources", "key"), ("attachments", "sha256")] {
        for e in m.get(list).and_then(Value::as_array).into_iter().flatten() {
            out.push(format!("{list}[{}]", e[key].as_str().unwrap()));
        }
    }
    for (kind, cs) in &r.figures {
        for c in cs {
            out.push(format!("figures.{}[{}]", kind.key(), c.id.unwrap()));
        }
    }
    out
}

use serde_json::Value;

/// Shrunk from the first run of the model (the model was wrong, not the merge): one photo
/// attached on both devices, captioned on one, merges field by field like any element both
/// added: the caption holds; two different captions conflict.
#[test]
fn one_photo_attached_on_both_devices_keeps_the_caption_one_gave() {
    let base = model::ancestor(&[]);
    let plain = model::side(&base, &[Change::AddAttachment(0, None)]);
    let captioned = model::side(&base, &[Change::AddAttachment(0, Some(0))]);
    let Merge::Clean(merged) = three_way(Some(&base), &plain.report, &captioned.report) else {
        panic!("a caption only one side gave conflicted");
    };
    assert_eq!(merged.attachments.len(), 1);
    assert_eq!(
        merged.attachments[0].caption.as_deref(),
        Some(model::TEXTS[0])
    );
    // Shrunk from a later run: attached, then captioned on one device; attached on the other.
    let later = model::side(
        &base,
        &[Change::AddAttachment(0, None), Change::Caption(0, Some(0))],
    );
    let Merge::Clean(merged) = three_way(Some(&base), &plain.report, &later.report) else {
        panic!("a caption only one side gave conflicted");
    };
    assert_eq!(
        merged.attachments[0].caption.as_deref(),
        Some(model::TEXTS[0])
    );
    let other = model::side(&base, &[Change::AddAttachment(0, Some(1))]);
    let sha = &merged.attachments[0].sha256;
    assert_eq!(
        three_way(Some(&base), &other.report, &captioned.report).conflict_paths(),
        vec![format!("attachments[{sha}].caption")]
    );
}

/// A device that never received a source's contact removes nothing, either way round (the
/// case the model found when the merge was made to take a missing contact as a removal). Both
/// without it (shrunk from a 3000-case run), the merge has none to give.
#[test]
fn a_device_without_a_contact_keeps_the_ancestors() {
    let base = model::ancestor(&[]);
    let (a, b) = (
        model::side(&base, &[Change::Contact(4, None)]),
        model::side(&base, &[Change::Contact(0, None)]),
    );
    assert_eq!(
        three_way(Some(&base), &a.report, &b.report),
        Merge::Clean(Box::new(a.report.clone()))
    );
    let base = model::ancestor(&[]);
    let without = model::side(&base, &[Change::Contact(2, None)]);
    assert!(
        without.changed.is_empty(),
        "dropping a contact is no change"
    );
    for (a, b) in [(&base, &without.report), (&without.report, &base)] {
        let Merge::Clean(merged) = three_way(Some(&base), a, b) else {
            panic!("a dropped contact conflicted");
        };
        assert_eq!(merged.sources[2].contact, base.sources[2].contact);
        assert!(merged.sources[2].contact.is_some());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// (1) Two devices: every change of each side is in the merge, or the conflicts name exactly
    /// the things both changed differently. (2) Either way round, the same.
    #[test]
    fn two_devices_keep_every_change_or_name_each_clash(
        start in changes(), ours in changes(), theirs in changes(),
    ) {
        let base = model::ancestor(&start);
        let (a, b) = (model::side(&base, &ours), model::side(&base, &theirs));
        let ab = three_way(Some(&base), &a.report, &b.report);
        let ba = three_way(Some(&base), &b.report, &a.report);
        match (&ab, &ba) {
            (Merge::Clean(m), Merge::Clean(n)) => {
                prop_assert!(model::clashes(&a, &b).is_empty(), "clashes merged clean: {:?}", model::clashes(&a, &b));
                holds(m, &a, "ours")?;
                holds(m, &b, "theirs")?;
                untouched_stays(m, &a, &b)?;
                prop_assert_eq!(normal(m), normal(n), "the merge depends on which side is ours");
            }
            (Merge::Conflict(p), Merge::Conflict(q)) => {
                conflicts_name_the_clashes(p, &a, &b)?;
                let (mut p, mut q) = (p.clone(), q.clone());
                p.sort();
                q.sort();
                prop_assert_eq!(p, q, "the conflicts depend on which side is ours");
            }
            _ => prop_assert!(false, "one way round clean, the other not: {:?} / {:?}", ab, ba),
        }
    }

    /// (3) Merging a version with itself gives it back, and so does merging the merge with one
    /// of its sides, that side as the ancestor.
    #[test]
    fn merging_again_changes_nothing(
        start in changes(), ours in changes(), theirs in changes(),
    ) {
        let base = model::ancestor(&start);
        let (a, b) = (model::side(&base, &ours), model::side(&base, &theirs));
        prop_assert_eq!(three_way(Some(&base), &a.report, &a.report), Merge::Clean(Box::new(a.report.clone())));
        let Ok(m) = settle(Some(&base), &a.report, &b.report, &[]) else { return Ok(()) };
        for side in [&a.report, &b.report] {
            for again in [three_way(Some(side), &m, side), three_way(Some(side), side, &m)] {
                let Merge::Clean(again) = again else {
                    panic!("merging the merge with its side conflicted: {again:?}");
                };
                prop_assert_eq!(normal(&again), normal(&m));
            }
        }
    }

    /// (4) No claim, source or attachment appears or disappears that no side added or removed,
    /// clean or settled either way.
    #[test]
    fn no_element_comes_or_goes_unbidden(
        start in changes(), ours in changes(), theirs in changes(),
    ) {
        let base = model::ancestor(&start);
        let (a, b) = (model::side(&base, &ours), model::side(&base, &theirs));
        let before = elements(&base);
        let by_a_side = |e: &String| [&a, &b].iter().any(|s| s.changed.iter().any(|(p, _)| p == e));
        let all_theirs = disputes(Some(&base), &a.report, &b.report).into_iter().map(|d| d.path).collect::<Vec<_>>();
        for take in [vec![], all_theirs] {
            let m = settle(Some(&base), &a.report, &b.report, &take).unwrap();
            let after = elements(&m);
            for e in after.iter().filter(|e| !before.contains(e)) {
                prop_assert!(by_a_side(e), "{} appeared", e);
            }
            for e in before.iter().filter(|e| !after.contains(e)) {
                prop_assert!(by_a_side(e), "{} disappeared", e);
            }
        }
    }

    /// (5) Three devices: A and B merged, then C merged in against the same ancestor. Each
    /// change that no other device touched is in the result, or a conflict names it.
    #[test]
    fn three_devices_keep_each_lone_change(
        start in changes(), x in changes(), y in changes(), z in changes(),
    ) {
        let base = model::ancestor(&start);
        let sides = [model::side(&base, &x), model::side(&base, &y), model::side(&base, &z)];
        let Ok(ab) = settle(Some(&base), &sides[0].report, &sides[1].report, &[]) else { return Ok(()) };
        let paths: Vec<String> = disputes(Some(&base), &ab, &sides[2].report).into_iter().map(|d| d.path).collect();
        let m = normal(&settle(Some(&base), &ab, &sides[2].report, &[]).unwrap());
        for (i, s) in sides.iter().enumerate() {
            for (path, value) in &s.changed {
                let alone = sides.iter().enumerate().all(|(j, o)| {
                    i == j || o.changed.iter().all(|(p, _)| !related(p, path))
                });
                prop_assert!(
                    !alone || model::within(value, &model::at(&m, path)) || paths.iter().any(|p| related(p, path)),
                    "device {}'s change to {} was lost ({:?})", i, path, paths
                );
            }
        }
    }
}
