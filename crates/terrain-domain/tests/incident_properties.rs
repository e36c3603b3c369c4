//! Properties of incidents: links made on devices offline converge whatever the order and the
//! repeats, unlinking gives back what there was, dismissals hold, and an incident's figures
//! lose no claim.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use std::collections::BTreeMap;
use terrain_domain::incident::{IncidentFigures, LinkAction, LinkOp, LinkSet};
use terrain_domain::{Amount, Claim, FigureKind, Report, content_hash, parse_json};
use uuid::Uuid;

fn seed() -> Report {
    parse_json(include_str!(
        "../../../docs/examples/bafoulabe-plants-attack.json"
    ))
    .unwrap()
}

fn report_id(n: u8) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + u128::from(n))
}

fn at(s: u8) -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000 + i64::from(s), 0).unwrap()
}

/// An operation on a pair of six reports, by one of three devices, at one of a few seconds
/// (so that ties happen).
fn op() -> impl Strategy<Value = LinkOp> {
    (
        0u8..6,
        0u8..6,
        prop_oneof![
            Just(LinkAction::Link),
            Just(LinkAction::Unlink),
            Just(LinkAction::Dismiss)
        ],
        0u8..4,
        prop_oneof![Just("phone-a"), Just("phone-b"), Just("laptop")],
    )
        .prop_filter("two reports", |(a, b, ..)| a != b)
        .prop_map(|(a, b, action, s, device)| {
            LinkSet::new()
                .make(action, report_id(a), report_id(b), "user", device, at(s))
                .unwrap()
        })
}

fn applied(ops: &[LinkOp]) -> LinkSet {
    let mut set = LinkSet::new();
    for op in ops {
        set.apply(op.clone()).unwrap();
    }
    set
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Two devices each make and receive operations in their own order, with repeats; once
    /// each has the other's, both hold the same links, dismissals and incidents, the same as a
    /// set that received everything once in order.
    #[test]
    fn links_made_offline_on_two_devices_converge(
        mine in prop::collection::vec(op(), 0..20),
        theirs in prop::collection::vec(op(), 0..20),
        shuffle in any::<u64>(),
    ) {
        let mut a = applied(&mine);
        let mut b = applied(&theirs);
        // b also receives some of a's operations early, out of order and twice.
        let mut early: Vec<LinkOp> = mine.iter().rev().step_by(2).cloned().collect();
        early.extend(early.clone());
        let turn = (shuffle as usize) % early.len().max(1);
        early.rotate_left(turn);
        for op in early {
            b.apply(op).unwrap();
        }
        let (a0, b0) = (a.clone(), b.clone());
        a.merge(&b0);
        b.merge(&a0);
        prop_assert_eq!(&a, &b);
        let everything: Vec<LinkOp> = mine.iter().chain(&theirs).cloned().collect();
        let once = applied(&everything);
        prop_assert_eq!(a.incidents(), once.incidents());
        for x in 0..6 {
            for y in 0..6 {
                prop_assert_eq!(
                    a.decision(report_id(x), report_id(y)),
                    once.decision(report_id(x), report_id(y))
                );
            }
        }
        // Idempotent: receiving everything again changes nothing.
        for op in everything {
            prop_assert!(!a.apply(op).unwrap());
        }
        prop_assert_eq!(&a, &b);
    }

    /// Whatever was there, linking two reports and then unlinking them gives back the same
    /// incidents and leaves the reports as they were (links never edit a report); the
    /// incidents' figures are the same as before.
    #[test]
    fn unlinking_gives_back_what_linking_changed(
        before in prop::collection::vec(op(), 0..15),
        x in 0u8..6,
        y in 0u8..6,
    ) {
        prop_assume!(x != y);
        let reports: Vec<Report> = (0..6)
            .map(|n| {
                let mut r = seed();
                r.id = report_id(n);
                r
            })
            .collect();
        let hashes: Vec<String> = reports.iter().map(content_hash).collect();
        let figures = |set: &LinkSet| -> Vec<Option<IncidentFigures>> {
            (0..6)
                .map(|n| {
                    let ids = set.incident_of(report_id(n));
                    IncidentFigures::of(reports.iter().filter(|r| ids.contains(&r.id)))
                })
                .collect()
        };
        let mut set = applied(&before);
        // Only a pair nobody decided about, or whose decision was undone, is unlinked back to
        // where it was.
        prop_assume!(matches!(
            set.decision(report_id(x), report_id(y)).map(|o| o.action),
            None | Some(LinkAction::Unlink)
        ));
        let (incidents, figures_before) = (set.incidents(), figures(&set));
        let link = set
            .make(LinkAction::Link, report_id(x), report_id(y), "awa", "phone-a", at(10))
            .unwrap();
        set.apply(link).unwrap();
        prop_assert!(set.incident_of(report_id(x)).contains(&report_id(y)));
        let unlink = set
            .make(LinkAction::Unlink, report_id(x), report_id(y), "awa", "phone-a", at(10))
            .unwrap();
        set.apply(unlink).unwrap();
        prop_assert_eq!(set.incidents(), incidents);
        prop_assert_eq!(figures(&set), figures_before);
        let after: Vec<String> = reports.iter().map(content_hash).collect();
        prop_assert_eq!(after, hashes);
    }

    /// A dismissal stays remembered whatever older operations arrive after it, in any order.
    #[test]
    fn a_dismissal_outlives_older_operations(
        older in prop::collection::vec(op(), 0..20),
    ) {
        let mut set = LinkSet::new();
        let dismiss = set
            .make(LinkAction::Dismiss, report_id(0), report_id(1), "moussa", "laptop", at(100))
            .unwrap();
        set.apply(dismiss).unwrap();
        for op in older {
            set.apply(op).unwrap();
        }
        prop_assert!(set.dismissed(report_id(0), report_id(1)));
        prop_assert!(set.answered(report_id(1), report_id(0)));
    }

    /// Every claim of every report is in the incident's figures, once, with its report and
    /// source; the range spans them all and the conservative value is one of the lowest.
    #[test]
    fn an_incident_loses_no_claim(
        claims in prop::collection::vec(
            prop::collection::vec(
                (0usize..9, 0u32..50, 0u32..5, 0usize..4),
                0..6,
            ),
            1..4,
        ),
    ) {
        let keys = ["wamaps", "elected-official", "security", "diawara"];
        let reports: Vec<Report> = claims
            .iter()
            .enumerate()
            .map(|(n, cs)| {
                let mut r = seed();
                r.id = report_id(n as u8);
                r.figures = BTreeMap::new();
                for (kind, low, spread, source) in cs {
                    let amount = if *spread == 0 {
                        Amount::Exact(*low)
                    } else {
                        Amount::Range { min: *low, max: low + spread }
                    };
                    r.figures.entry(FigureKind::ALL[*kind]).or_default().push(Claim {
                        id: Some(Uuid::now_v7()),
                        amount,
                        source: keys[*source].into(),
                        said_on: None,
                        note: None,
                    });
                }
                r
            })
            .collect();
        let incident = IncidentFigures::of(&reports).unwrap();
        let mut given: Vec<(Uuid, FigureKind, Claim)> = reports
            .iter()
            .flat_map(|r| {
                r.figures
                    .iter()
                    .flat_map(move |(k, cs)| cs.iter().map(move |c| (r.id, *k, c.clone())))
            })
            .collect();
        let mut kept: Vec<(Uuid, FigureKind, Claim)> = incident
            .figures
            .iter()
            .flat_map(|f| f.claims.iter().map(move |c| (c.report, f.kind, c.claim.clone())))
            .collect();
        let order = |v: &mut Vec<(Uuid, FigureKind, Claim)>| {
            v.sort_by_key(|(r, k, c)| (*r, *k, c.id));
        };
        order(&mut given);
        order(&mut kept);
        prop_assert_eq!(given, kept);
        for f in &incident.figures {
            let lows = f.claims.iter().map(|c| c.claim.amount.bounds().0);
            let highs = f.claims.iter().map(|c| c.claim.amount.bounds().1);
            prop_assert_eq!(f.summary.min, lows.clone().min().unwrap());
            prop_assert_eq!(f.summary.max, highs.max().unwrap());
            prop_assert_eq!(f.summary.claims, f.claims.len());
            prop_assert!(lows.clone().any(|l| l == f.summary.conservative));
            for c in &f.claims {
                prop_assert!(!c.source.name.is_empty());
                prop_assert_eq!(&c.source.key, &c.claim.source);
            }
        }
    }
}
