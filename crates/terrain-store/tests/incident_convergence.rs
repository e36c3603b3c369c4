//! Links recorded on two stores (real SQLite files) offline, then exchanged as sync would (each
//! side's queued operations pulled by the other, in a shuffled order with repeats), converge
//! to the same incidents; linking then unlinking gives back the incidents before. 64 random
//! cases, each from its own seed (printed on failure).

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use terrain_domain::incident::{LinkAction, LinkOp};
use terrain_store::Store;
use uuid::Uuid;

fn t(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000 + s, 0).unwrap()
}

/// Makes `n` random decisions on `store` about pairs of `reports`, as its user would.
fn decide(store: &Store, rng: &mut StdRng, reports: &[Uuid], n: usize, device: &str) {
    for _ in 0..n {
        let a = reports[rng.random_range(0..reports.len())];
        let b = reports[rng.random_range(0..reports.len())];
        if a == b {
            continue;
        }
        let action =
            [LinkAction::Link, LinkAction::Unlink, LinkAction::Dismiss][rng.random_range(0..3)];
        let op = store
            .link_set()
            .unwrap()
            .make(action, a, b, "awa", device, t(rng.random_range(0..50)))
            .unwrap();
        store.record_link(&op).unwrap();
    }
}

fn exchange(from: &Store, to: &Store, rng: &mut StdRng, cursor: i64) {
    let mut ops: Vec<LinkOp> = from.queued_link_ops(10_000).unwrap();
    let repeats: Vec<LinkOp> = ops
        .iter()
        .filter(|_| rng.random_bool(0.3))
        .cloned()
        .collect();
    ops.extend(repeats);
    ops.shuffle(rng);
    for chunk in ops.chunks(3) {
        to.apply_pulled_link_ops(chunk, cursor).unwrap();
    }
}

#[test]
fn links_made_on_two_devices_converge_in_any_order_and_unlink_restores() {
    for seed in 0..64u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (one, two) = (
            Store::open(d1.path()).unwrap(),
            Store::open(d2.path()).unwrap(),
        );
        let reports: Vec<Uuid> = (0..6).map(|_| Uuid::now_v7()).collect();
        let n = rng.random_range(1..12);
        decide(&one, &mut rng, &reports, n, "one");
        let n = rng.random_range(1..12);
        decide(&two, &mut rng, &reports, n, "two");
        exchange(&one, &two, &mut rng, 1);
        exchange(&two, &one, &mut rng, 1);
        let (a, b) = (one.link_set().unwrap(), two.link_set().unwrap());
        assert_eq!(a.incidents(), b.incidents(), "seed {seed}");
        for x in &reports {
            for y in &reports {
                assert_eq!(
                    a.decision(*x, *y),
                    b.decision(*x, *y),
                    "seed {seed}: {x} {y}"
                );
            }
        }
        // Receiving everything again changes nothing.
        exchange(&one, &two, &mut rng, 2);
        assert_eq!(two.link_set().unwrap(), b, "seed {seed}");

        // Link then unlink a pair not yet linked: the incidents are as before.
        let before = one.link_set().unwrap();
        if let Some((x, y)) = reports
            .iter()
            .flat_map(|x| reports.iter().map(move |y| (*x, *y)))
            .find(|(x, y)| x < y && before.decision(*x, *y).is_none())
        {
            let link = before
                .make(LinkAction::Link, x, y, "awa", "one", Utc::now())
                .unwrap();
            one.record_link(&link).unwrap();
            let unlink = one
                .link_set()
                .unwrap()
                .make(LinkAction::Unlink, x, y, "awa", "one", Utc::now())
                .unwrap();
            one.record_link(&unlink).unwrap();
            assert_eq!(
                one.link_set().unwrap().incidents(),
                before.incidents(),
                "seed {seed}"
            );
        }
    }
}
