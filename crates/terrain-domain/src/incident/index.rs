//! Finding the reports a new one may duplicate, among many, without comparing it with each.
//!
//! [`compare`] only ever pairs reports of one region whose dates overlap (within a day of
//! slack) and whose places agree, so reports are filed by a blocking key: region and week,
//! then, within that, by a grid cell of a quarter of a degree (about 28 km north–south, 27 km
//! east–west in Mali) for those with a point. A report with a point is compared only with the
//! reports of its region and weeks that lie in its cell or the eight around it (the widest
//! radius, 15 km, never reaches further), those without a point, and those naming one of its
//! sites. A report without a point is compared with every report of its region and weeks.
//! Without two points, reports of different cercles never match, so both lists are also kept
//! by cercle: a report naming its cercle meets only that cercle's and those naming none.
//! Each candidate then goes through [`compare`], so the index answers exactly what comparing
//! with every report would (a test checks it).
//!
//! What a store persists: one [`Fingerprint`] per report (a row: region, first and last day,
//! point, cercle, commune, place, event type, sites, word hashes), with an index on
//! (region, week) for a database-side lookup, or loaded at start to rebuild this structure.

use super::links::LinkSet;
use super::similar::{DATE_SLACK_DAYS, Fingerprint, Likeness, compare};
use std::collections::HashMap;
use uuid::Uuid;

/// The grid's cell size in degrees: at least the widest radius (15 km) in both directions
/// up to 55° of latitude, so a point's neighbours are in the nine cells around it.
pub const CELL_DEGREES: f64 = 0.25;

/// The reports of one region and one week: by cercle (`None`: no cercle given), those without
/// a point again by cercle, and those with a point by grid cell.
#[derive(Debug, Default)]
struct Week {
    all: HashMap<Option<u32>, Vec<u32>>,
    without_point: HashMap<Option<u32>, Vec<u32>>,
    cells: HashMap<(i32, i32), Vec<u32>>,
}

/// The lists of `by_cercle` a report of cercle `cercle` may match without points: its own
/// cercle's and those that give none; every list when it gives none.
fn cercles<'a>(
    by_cercle: &'a HashMap<Option<u32>, Vec<u32>>,
    cercle: Option<u32>,
) -> Box<dyn Iterator<Item = &'a Vec<u32>> + 'a> {
    match cercle {
        Some(_) => Box::new([cercle, None].into_iter().filter_map(|c| by_cercle.get(&c))),
        None => Box::new(by_cercle.values()),
    }
}

/// A report the index found: its id and why it may be the same incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub report: Uuid,
    pub likeness: Likeness,
}

/// Reports held for duplicate checks, in memory.
#[derive(Debug, Default)]
pub struct DuplicateIndex {
    entries: Vec<Fingerprint>,
    /// The live entry of each report (an edit files a new one; the old one is skipped).
    live: HashMap<Uuid, u32>,
    weeks: HashMap<(u32, i32), Week>,
    sites: HashMap<Uuid, Vec<u32>>,
}

fn week(day: i32) -> i32 {
    day.div_euclid(7)
}

fn cell(latitude: f64, longitude: f64) -> (i32, i32) {
    (
        (latitude / CELL_DEGREES).floor() as i32,
        (longitude / CELL_DEGREES).floor() as i32,
    )
}

impl DuplicateIndex {
    pub fn new() -> DuplicateIndex {
        DuplicateIndex::default()
    }

    /// How many reports the index holds.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// Files a report, or its new state when it was filed before.
    pub fn insert(&mut self, fingerprint: Fingerprint) {
        let slot = u32::try_from(self.entries.len()).expect("fewer than 4 billion reports");
        for w in week(fingerprint.first_day)..=week(fingerprint.last_day) {
            let block = self.weeks.entry((fingerprint.region, w)).or_default();
            block.all.entry(fingerprint.cercle).or_default().push(slot);
            match fingerprint.point {
                Some(p) => block
                    .cells
                    .entry(cell(p.latitude, p.longitude))
                    .or_default()
                    .push(slot),
                None => block
                    .without_point
                    .entry(fingerprint.cercle)
                    .or_default()
                    .push(slot),
            }
        }
        for site in &fingerprint.sites {
            self.sites.entry(*site).or_default().push(slot);
        }
        self.live.insert(fingerprint.report, slot);
        self.entries.push(fingerprint);
    }

    /// Forgets a report (deleted, or no longer to be suggested).
    pub fn remove(&mut self, report: Uuid) {
        self.live.remove(&report);
    }

    /// The slots worth comparing with `f`: a superset of those [`compare`] accepts.
    fn candidates(&self, f: &Fingerprint) -> Vec<u32> {
        let mut out = Vec::new();
        let weeks = week(f.first_day - DATE_SLACK_DAYS)..=week(f.last_day + DATE_SLACK_DAYS);
        for w in weeks {
            let Some(block) = self.weeks.get(&(f.region, w)) else {
                continue;
            };
            match f.point {
                None => cercles(&block.all, f.cercle).for_each(|s| out.extend_from_slice(s)),
                Some(p) => {
                    cercles(&block.without_point, f.cercle).for_each(|s| out.extend_from_slice(s));
                    let (y, x) = cell(p.latitude, p.longitude);
                    for dy in -1..=1 {
                        for dx in -1..=1 {
                            if let Some(slots) = block.cells.get(&(y + dy, x + dx)) {
                                out.extend_from_slice(slots);
                            }
                        }
                    }
                }
            }
        }
        for site in &f.sites {
            if let Some(slots) = self.sites.get(site) {
                out.extend_from_slice(slots);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The reports `f` may duplicate, likeliest first. `f` itself (same report id) is never
    /// among them, so a report can be checked after it was filed.
    pub fn check(&self, f: &Fingerprint) -> Vec<Candidate> {
        let mut found: Vec<Candidate> = self
            .candidates(f)
            .into_iter()
            .filter_map(|slot| {
                let entry = &self.entries[slot as usize];
                (self.live.get(&entry.report) == Some(&slot)).then_some(entry)
            })
            .filter_map(|entry| {
                compare(f, entry).map(|likeness| Candidate {
                    report: entry.report,
                    likeness,
                })
            })
            .collect();
        found.sort_by(|a, b| {
            b.likeness
                .score
                .total_cmp(&a.likeness.score)
                .then(a.report.cmp(&b.report))
        });
        found
    }

    /// What to suggest for `f`: [`DuplicateIndex::check`] without the reports already in its
    /// incident and those whose suggestion was dismissed (a dismissal is remembered).
    pub fn suggest(&self, f: &Fingerprint, links: &LinkSet) -> Vec<Candidate> {
        let incident = links.incident_of(f.report);
        self.check(f)
            .into_iter()
            .filter(|c| {
                incident.binary_search(&c.report).is_err() && !links.dismissed(f.report, c.report)
            })
            .collect()
    }

    /// How many fingerprints `f` would be compared with: what the blocking key saves.
    pub fn candidates_for(&self, f: &Fingerprint) -> usize {
        self.candidates(f).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::similar::Point;

    fn fp(n: u128, day: i32, point: Option<(f64, f64)>) -> Fingerprint {
        Fingerprint {
            report: Uuid::from_u128(n),
            region: 1,
            first_day: day,
            last_day: day,
            point: point.map(|(latitude, longitude)| Point {
                latitude,
                longitude,
                radius_km: 5.0,
            }),
            cercle: Some(7),
            commune: None,
            place: None,
            sites: vec![],
            event_type: Some(crate::EventType::Battles),
            targets: 0,
            words: vec![1, 2, 3],
        }
    }

    #[test]
    fn neighbours_across_a_cell_and_a_week_border_are_found() {
        let mut index = DuplicateIndex::new();
        // Day 6 and day 7 are in different weeks; 13.999 and 14.001 in different cells.
        index.insert(fp(1, 6, Some((13.999, -10.5))));
        index.insert(fp(2, 100, Some((13.999, -10.5))));
        index.insert(fp(3, 7, Some((15.5, -10.5))));
        let found = index.check(&fp(9, 7, Some((14.001, -10.5))));
        assert_eq!(
            found.iter().map(|c| c.report).collect::<Vec<_>>(),
            [Uuid::from_u128(1)]
        );
    }

    #[test]
    fn linked_and_dismissed_reports_are_not_suggested_again() {
        use crate::incident::links::LinkAction;
        let mut index = DuplicateIndex::new();
        for n in 1..=3 {
            index.insert(fp(n, 10, None));
        }
        let me = fp(9, 10, None);
        let mut links = LinkSet::new();
        assert_eq!(index.suggest(&me, &links).len(), 3);
        let now = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        for (action, other) in [(LinkAction::Link, 1), (LinkAction::Dismiss, 2)] {
            let op = links
                .make(action, me.report, Uuid::from_u128(other), "awa", "d1", now)
                .unwrap();
            links.apply(op).unwrap();
        }
        let left: Vec<Uuid> = index
            .suggest(&me, &links)
            .iter()
            .map(|c| c.report)
            .collect();
        assert_eq!(left, [Uuid::from_u128(3)]);
    }

    #[test]
    fn an_edit_replaces_the_filed_state_and_a_report_never_finds_itself() {
        let mut index = DuplicateIndex::new();
        index.insert(fp(1, 10, None));
        index.insert(fp(1, 500, None));
        assert_eq!(index.len(), 1);
        assert!(index.check(&fp(2, 10, None)).is_empty());
        assert_eq!(index.check(&fp(2, 500, None)).len(), 1);
        assert!(index.check(&fp(1, 500, None)).is_empty());
        index.remove(Uuid::from_u128(1));
        assert!(index.check(&fp(2, 500, None)).is_empty());
    }
}
