//! The console's reading side (issue 14), the same on every engine: search (accents optional,
//! French and Arabic words, prefixes, several words, no query syntax), each filter, region
//! scoping, counts, keyset paging that stays put while reports arrive, and a report's history.
//! Run on a fresh store: `terrain_server_conformance::console::run(&store).await`.

use crate::no_audit;
use chrono::{NaiveDate, Utc};
use std::collections::BTreeSet;
use terrain_domain::{EventType, LocalCategory, Revision, check, parse_json};
use terrain_protocol::{CountBy, ReportFilter, ReviewFilter};
use terrain_server_store::*;
use uuid::Uuid;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

/// What a test report says; the rest is the seed's.
pub struct Draft<'a> {
    pub region: &'a str,
    pub cercle: &'a str,
    pub place: &'a str,
    pub title: &'a str,
    pub narrative: &'a str,
    /// ACLED event type and sub-event type labels.
    pub what: (&'a str, &'a str),
    pub categories: &'a [&'a str],
    pub date: &'a str,
    pub end: Option<&'a str>,
    /// Keep the seed's disputed figure (3 or 4 abducted); else no figures.
    pub disputed: bool,
}

impl Draft<'_> {
    /// The report as a checked revision by `author`, following `parents`.
    pub fn revision(&self, report: Uuid, author: &str, parents: Vec<Uuid>) -> Revision {
        let mut v: serde_json::Value = serde_json::from_str(SEED).expect("seed is JSON");
        v["id"] = serde_json::json!(report);
        v["title"] = serde_json::json!(self.title);
        v["narrative"] = serde_json::json!(self.narrative);
        v.as_object_mut().unwrap().remove("damage");
        v["where"] = serde_json::json!({
            "admin1": self.region, "admin2": self.cercle, "place": self.place
        });
        v["what"] = serde_json::json!({
            "event_type": self.what.0, "sub_event_type": self.what.1,
            "categories": self.categories
        });
        v["when"] = serde_json::json!({ "date": self.date, "precision": "day" });
        if let Some(end) = self.end {
            v["when"]["end_date"] = serde_json::json!(end);
        }
        if !self.disputed {
            v["figures"] = serde_json::json!({});
        }
        // A device of its own per author and report: a device id is one user's.
        let device = format!("{author}-{}", report.simple());
        let report = check(
            parse_json(&v.to_string()).expect("parses"),
            Utc::now().date_naive(),
        )
        .expect("valid");
        Revision::new(report, parents, author, &device, Utc::now())
    }
}

fn kayes_attack() -> Draft<'static> {
    Draft {
        region: "Kayes",
        cercle: "Bafoulabé",
        place: "Zone industrielle près de Bafoulabé",
        title: "Usines attaquées et incendiées",
        narrative: "Des hommes armés ont incendié trois usines; enlèvement de travailleurs.",
        what: (
            "Violence against civilians",
            "Abduction/forced disappearance",
        ),
        categories: &["arson"],
        date: "2026-11-18",
        end: None,
        disputed: true,
    }
}

fn gao_abduction() -> Draft<'static> {
    Draft {
        region: "Gao",
        cercle: "Ansongo",
        place: "Marché d'Ansongo",
        title: "اختُطفوا عمال في السوق",
        narrative: "Affrontement armé au marché; des commerçants pris.",
        what: ("Battles", "Armed clash"),
        categories: &[],
        date: "2026-11-02",
        end: None,
        disputed: false,
    }
}

fn kita_blockade() -> Draft<'static> {
    Draft {
        region: "Kayes",
        cercle: "Kita",
        place: "Route nationale 3",
        title: "Blocus de carburant sur la route de Kita",
        narrative: "Les camions-citernes sont arrêtés depuis cinq jours.",
        what: ("Protests", "Peaceful protest"),
        categories: &["fuel_blockade", "road_blockade"],
        date: "2026-10-05",
        end: Some("2026-10-09"),
        disputed: false,
    }
}

fn mopti_attack() -> Draft<'static> {
    Draft {
        region: "Mopti",
        cercle: "Mopti",
        place: "Sévaré",
        title: "Attaque à Sévaré",
        narrative: "Tirs entendus la nuit près du camp.",
        what: ("Battles", "Armed clash"),
        categories: &[],
        date: "2026-11-25",
        end: None,
        disputed: false,
    }
}

async fn push(store: &dyn ServerStore, rev: &Revision, pushed_by: &str) -> i64 {
    let incoming = Incoming {
        region: canonical_region(&rev.content.location.admin1),
        revision: rev.clone(),
        pushed_by: pushed_by.into(),
        pushed_device: format!("{pushed_by}'s phone"),
        contacts: Vec::new(),
    };
    match store.push(vec![incoming], no_audit()).await.unwrap()[..] {
        [Outcome::Stored { seq }] | [Outcome::Conflict { seq }] => seq,
        ref other => panic!("not stored: {other:?}"),
    }
}

/// Report ids the filter finds (for `scope`), newest first, whole (large page).
pub async fn find(
    store: &dyn ServerStore,
    filter: ReportFilter,
    scope: Option<&[&str]>,
) -> Vec<Uuid> {
    let scope = scope.map(|s| s.iter().map(|r| r.to_string()).collect());
    let selection = Selection::new(&filter, scope).expect("a good filter");
    let page = PageBounds {
        before: None,
        limit: 500,
    };
    store
        .list_reports(selection, page)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, row)| row.id)
        .collect()
}

fn q(words: &str) -> ReportFilter {
    ReportFilter {
        q: Some(words.into()),
        ..ReportFilter::default()
    }
}

fn set(ids: &[Uuid]) -> BTreeSet<Uuid> {
    ids.iter().copied().collect()
}

fn day(s: &str) -> Option<NaiveDate> {
    Some(s.parse().unwrap())
}

/// Every check, on an empty store.
pub async fn run(store: &dyn ServerStore) {
    let (a, b, c, d) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let rev_a = kayes_attack().revision(a, "awa", vec![]);
    push(store, &rev_a, "awa").await;
    let rev_b = gao_abduction().revision(b, "bina", vec![]);
    push(store, &rev_b, "bina").await;
    // Written by Awa, pushed by Coulibaly from his phone.
    let rev_c = kita_blockade().revision(c, "awa", vec![]);
    let seq_c = push(store, &rev_c, "coulibaly").await;
    let rev_d = mopti_attack().revision(d, "awa", vec![]);
    push(store, &rev_d, "awa").await;

    // Newest arrival first.
    assert_eq!(
        find(store, ReportFilter::default(), None).await,
        [d, c, b, a]
    );

    // Search: accents and case optional, prefixes, Arabic with or without its marks.
    for words in [
        "bafoulabe",
        "BAFOULABÉ",
        "Bafoulabé",
        "bafou",
        "enlevement",
        "usine",
    ] {
        assert_eq!(find(store, q(words), None).await, [a], "searching {words}");
    }
    for words in ["اختطفوا", "اختُطفوا", "اختـطفوا", "اخت"] {
        assert_eq!(find(store, q(words), None).await, [b], "searching {words}");
    }
    // Every word is needed; in any field (title, place, narrative).
    assert_eq!(find(store, q("blocus kita"), None).await, [c]);
    assert_eq!(find(store, q("kita citernes"), None).await, [c]);
    assert_eq!(find(store, q("blocus gao"), None).await, Vec::<Uuid>::new());
    assert_eq!(
        set(&find(store, q("wamaps"), None).await),
        set(&[a, b, c, d])
    );
    assert_eq!(find(store, q("sevare tirs"), None).await, [d]);
    // Query syntax is text: quotes, stars, NEAR, OR, parentheses, column filters.
    for words in ["\"blocus\" *", "blocus*", "(blocus)", "blocus ^", "-blocus"] {
        assert_eq!(find(store, q(words), None).await, [c], "searching {words}");
    }
    assert!(find(store, q("body:blocus"), None).await.is_empty());
    assert!(find(store, q("blocus OR gao"), None).await.is_empty());
    assert!(find(store, q("NEAR(blocus gao)"), None).await.is_empty());
    // Nothing but punctuation is no search at all.
    assert_eq!(find(store, q(" \"* "), None).await.len(), 4);

    // Filters, each alone.
    let f = |change: &dyn Fn(&mut ReportFilter)| {
        let mut filter = ReportFilter::default();
        change(&mut filter);
        filter
    };
    let region = |r: &str| f(&|x| x.region = Some(r.into()));
    assert_eq!(find(store, region("Kayes"), None).await, [c, a]);
    assert_eq!(find(store, region("KAYES"), None).await, [c, a]);
    assert_eq!(
        find(store, region("Tombouctou"), None).await,
        Vec::<Uuid>::new()
    );
    let cercle = f(&|x| x.cercle = Some("bafoulabe".into()));
    assert_eq!(find(store, cercle, None).await, [a]);
    let battles = f(&|x| x.event_type = Some(EventType::Battles));
    assert_eq!(find(store, battles, None).await, [d, b]);
    let fuel = f(&|x| x.category = Some(LocalCategory::FuelBlockade));
    assert_eq!(find(store, fuel, None).await, [c]);
    let road = f(&|x| x.category = Some(LocalCategory::RoadBlockade));
    assert_eq!(find(store, road, None).await, [c]);
    let november = f(&|x| x.from = day("2026-11-01"));
    assert_eq!(find(store, november, None).await, [d, b, a]);
    let october = f(&|x| x.to = day("2026-10-31"));
    assert_eq!(find(store, october, None).await, [c]);
    // An incident that lasts is found on each of its days.
    let eighth = f(&|x| {
        x.from = day("2026-10-08");
        x.to = day("2026-10-08");
    });
    assert_eq!(find(store, eighth, None).await, [c]);
    let mid_november = f(&|x| {
        x.from = day("2026-11-10");
        x.to = day("2026-11-20");
    });
    assert_eq!(find(store, mid_november, None).await, [a]);
    let unreviewed = f(&|x| x.review = Some(ReviewFilter::None));
    assert_eq!(find(store, unreviewed, None).await.len(), 4);
    let verified = f(&|x| x.review = Some(ReviewFilter::Verified));
    assert!(find(store, verified, None).await.is_empty());
    let awa = f(&|x| x.reporter = Some("awa".into()));
    assert_eq!(find(store, awa, None).await, [d, c, a]);
    let pushed = f(&|x| x.reporter = Some("coulibaly".into()));
    assert_eq!(find(store, pushed, None).await, [c]);
    let disputed = f(&|x| x.disputed = Some(true));
    assert_eq!(find(store, disputed, None).await, [a]);
    let agreed = f(&|x| x.disputed = Some(false));
    assert_eq!(find(store, agreed, None).await, [d, c, b]);
    // Together: AND.
    let both = f(&|x| {
        x.region = Some("Kayes".into());
        x.q = Some("route".into());
    });
    assert_eq!(find(store, both, None).await, [c]);

    // A reader sees only their regions, whatever they ask.
    let gao = Some(&["Gao"][..]);
    assert_eq!(find(store, ReportFilter::default(), gao).await, [b]);
    assert!(find(store, region("Kayes"), gao).await.is_empty());
    assert!(find(store, q("bafoulabe"), gao).await.is_empty());
    let two = Some(&["kayes", "Mopti"][..]);
    assert_eq!(find(store, ReportFilter::default(), two).await, [d, c, a]);

    // Rows say what the inbox shows.
    let rows = store
        .list_reports(
            Selection::new(&ReportFilter::default(), None).unwrap(),
            PageBounds {
                before: None,
                limit: 10,
            },
        )
        .await
        .unwrap();
    let row_c = &rows.iter().find(|(_, r)| r.id == c).unwrap().1;
    assert_eq!(rows[1].0, seq_c, "each row comes with its position");
    assert_eq!(row_c.title, "Blocus de carburant sur la route de Kita");
    assert_eq!(row_c.region, "Kayes");
    assert_eq!(row_c.cercle.as_deref(), Some("Kita"));
    assert_eq!(row_c.event_type, Some(EventType::Protests));
    assert_eq!(
        row_c.categories,
        [LocalCategory::FuelBlockade, LocalCategory::RoadBlockade]
    );
    assert_eq!(row_c.event_end, day("2026-10-09"));
    assert_eq!(row_c.author, "awa");
    assert_eq!(row_c.pushed_by.as_deref(), Some("coulibaly"));
    assert!(!row_c.disputed && !row_c.conflict);
    assert!(row_c.review.is_none());
    assert_eq!(row_c.first_received, row_c.last_received);

    // Counts.
    let counts = |by, filter: ReportFilter| async move {
        let selection = Selection::new(&filter, None).unwrap();
        store
            .count_reports(selection, by)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.key, r.week, r.count))
            .collect::<Vec<_>>()
    };
    let w = |s: &str| Some(s.to_string());
    assert_eq!(
        counts(CountBy::RegionWeek, ReportFilter::default()).await,
        [
            ("Gao".into(), w("2026-W45"), 1),
            ("Kayes".into(), w("2026-W41"), 1),
            ("Kayes".into(), w("2026-W47"), 1),
            ("Mopti".into(), w("2026-W48"), 1),
        ]
    );
    assert_eq!(
        counts(CountBy::EventType, ReportFilter::default()).await,
        [
            ("Battles".into(), None, 2),
            ("Protests".into(), None, 1),
            ("Violence against civilians".into(), None, 1),
        ]
    );
    assert_eq!(
        counts(CountBy::EventType, q("wamaps")).await,
        counts(CountBy::EventType, ReportFilter::default()).await
    );
    assert_eq!(
        counts(CountBy::EventType, region("Kayes")).await,
        [
            ("Protests".into(), None, 1),
            ("Violence against civilians".into(), None, 1),
        ]
    );

    paging_holds_while_reports_arrive(store, [a, b, c, d], &rev_a, &rev_b).await;
}

async fn paging_holds_while_reports_arrive(
    store: &dyn ServerStore,
    [a, b, c, d]: [Uuid; 4],
    rev_a: &Revision,
    rev_b: &Revision,
) {
    let all = || Selection::new(&ReportFilter::default(), None).unwrap();
    let page = |before| PageBounds { before, limit: 2 };
    let first = store.list_reports(all(), page(None)).await.unwrap();
    let ids: Vec<Uuid> = first.iter().map(|(_, r)| r.id).collect();
    assert_eq!(ids, [d, c]);
    // A new report arrives between two pages: it goes to the top, not into page two.
    let e = Uuid::now_v7();
    push(store, &mopti_attack().revision(e, "awa", vec![]), "awa").await;
    let cursor = first.last().map(|(seq, _)| *seq);
    let second = store.list_reports(all(), page(cursor)).await.unwrap();
    let ids: Vec<Uuid> = second.iter().map(|(_, r)| r.id).collect();
    assert_eq!(ids, [b, a]);
    let after = second.last().map(|(seq, _)| *seq);
    assert!(
        store
            .list_reports(all(), page(after))
            .await
            .unwrap()
            .is_empty()
    );

    // An edit moves its report to the top and is what the index shows and finds.
    let mut edit = kayes_attack();
    edit.title = "Usines de Bafoulabé: bilan revu";
    edit.disputed = false;
    let rev_a2 = edit.revision(a, "bina", vec![rev_a.id]);
    push(store, &rev_a2, "bina").await;
    assert_eq!(
        find(store, ReportFilter::default(), None).await,
        [a, e, d, c, b]
    );
    assert_eq!(find(store, q("bilan revu"), None).await, [a]);
    assert!(find(store, q("incendiees"), None).await.is_empty());
    let disputed = ReportFilter {
        disputed: Some(true),
        ..ReportFilter::default()
    };
    assert!(find(store, disputed, None).await.is_empty());
    let rows = store.list_reports(all(), page(None)).await.unwrap();
    let row_a = &rows[0].1;
    assert_eq!(row_a.title, "Usines de Bafoulabé: bilan revu");
    assert_eq!(row_a.author, "bina");
    assert!(row_a.last_received >= row_a.first_received);

    // Two edits of one head: a conflict, both versions' words found.
    let mut one = gao_abduction();
    one.title = "Premier récit d'Ansongo";
    let mut other = gao_abduction();
    other.title = "Second récit d'Ansongo";
    push(store, &one.revision(b, "bina", vec![rev_b.id]), "bina").await;
    push(store, &other.revision(b, "bina", vec![rev_b.id]), "bina").await;
    let rows = store.list_reports(all(), page(None)).await.unwrap();
    assert_eq!(rows[0].1.id, b);
    assert!(rows[0].1.conflict);
    assert_eq!(rows[0].1.title, "Second récit d'Ansongo");
    assert_eq!(find(store, q("premier ansongo"), None).await, [b]);
    assert_eq!(find(store, q("second"), None).await, [b]);

    // History: every revision in feed order, with who pushed it and which are heads.
    let history = store.report_revisions(a).await.unwrap();
    let ids: Vec<Uuid> = history.iter().map(|h| h.revision.id).collect();
    assert_eq!(ids, [rev_a.id, rev_a2.id]);
    assert!(!history[0].head && history[1].head);
    assert_eq!(history[0].pushed_by.as_deref(), Some("awa"));
    assert_eq!(history[1].pushed_device.as_deref(), Some("bina's phone"));
    assert!(history[0].seq < history[1].seq);
    assert!(history.iter().all(|h| h.revision.hash_matches()));
    let history = store.report_revisions(b).await.unwrap();
    assert_eq!(history.iter().filter(|h| h.head).count(), 2);
    assert!(
        store
            .report_revisions(Uuid::now_v7())
            .await
            .unwrap()
            .is_empty()
    );
}

/// Searches over more reports than an engine may read in inbox order before turning to its
/// word index (PostgreSQL walks the newest 5,000): 6,000 reports, a word in every 150th, a
/// word only in the 100 oldest. Run on an empty store; pushes 6,000 reports (a few seconds).
pub async fn run_deep(store: &dyn ServerStore) {
    let mut ids = Vec::new();
    for start in (0..6_000).step_by(500) {
        let batch: Vec<Incoming> = (start..start + 500)
            .map(|i| {
                let id = Uuid::now_v7();
                ids.push(id);
                let mut words = vec!["marché"];
                if i % 150 == 0 {
                    words.push("hippopotame");
                }
                if i < 100 {
                    words.push("crue");
                }
                let title = format!("Rapport {i}");
                let narrative = words.join(" ");
                let draft = Draft {
                    title: &title,
                    narrative: &narrative,
                    ..mopti_attack()
                };
                Incoming {
                    region: "Mopti".into(),
                    revision: draft.revision(id, "awa", vec![]),
                    pushed_by: "awa".into(),
                    pushed_device: "awa's phone".into(),
                    contacts: Vec::new(),
                }
            })
            .collect();
        store.push(batch, no_audit()).await.unwrap();
    }
    // Newest first, every match, a page of 10 at a time.
    let pages = |words: &'static str| async move {
        let mut found = Vec::new();
        let mut before = None;
        loop {
            let selection = Selection::new(&q(words), None).unwrap();
            let page = PageBounds { before, limit: 10 };
            let rows = store.list_reports(selection, page).await.unwrap();
            let Some((seq, _)) = rows.last() else { break };
            before = Some(*seq);
            found.extend(rows.iter().map(|(_, r)| r.id));
        }
        found
    };
    let newest_first = |keep: &dyn Fn(usize) -> bool| -> Vec<Uuid> {
        (0..ids.len())
            .rev()
            .filter(|i| keep(*i))
            .map(|i| ids[i])
            .collect()
    };
    assert_eq!(pages("hippopotame").await, newest_first(&|i| i % 150 == 0));
    assert_eq!(pages("crue").await, newest_first(&|i| i < 100));
    assert_eq!(pages("crue hippo").await, newest_first(&|i| i == 0));
    assert_eq!(pages("marche").await.len(), 6_000);
    let first = find(store, q("marché"), None).await;
    assert_eq!(first[..], newest_first(&|_| true)[..500]);
}
