//! Properties of the three-way merge, over random edits of the seed report: edits to
//! different fields merge the same whichever side is "ours", and no claim is ever dropped.

use proptest::prelude::*;
use terrain_domain::{Amount, Claim, FigureKind, Merge, Report, parse_json, three_way};

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
    serde_json::to_value(without_ids(r)).unwrap().pointer(pointer).cloned()
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
