//! Which reports are one incident: links and dismissals people make, as operations devices
//! exchange, converging whatever the order they arrive in.
//!
//! Every operation is about one pair of reports: **link** (the two are one incident),
//! **dismiss** (they are not: the suggestion is not made again) or **unlink** (neither: undoes
//! a link or a dismissal). A pair's state is its latest operation, ordered by time, then
//! device, then operation id (last writer wins). An incident is a set of reports joined by
//! links (the connected parts of the graph of linked pairs), named by its smallest report id.
//!
//! Why last writer wins per pair rather than an add-wins set: the three states are one
//! person's judgement about one pair, and the latest judgement is the one to keep; an add-wins
//! set would let a link made earlier elsewhere undo a later "not the same incident". To keep
//! "later" causal despite device clocks, an operation is stamped after every operation its
//! device has seen ([`LinkSet::make`]: a hybrid logical clock), so a decision made after
//! seeing another always wins over it; only truly concurrent decisions are ordered by clock,
//! and ties by device and id, the same way everywhere.
//!
//! Taking the latest per pair is a join (commutative, associative, idempotent), so sets that
//! saw the same operations are equal, in any order and with repeats. Links never touch a
//! report: reports stay as written; the incident is read beside them.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Namespace of link operation ids (a fixed random UUID).
const LINK_NAMESPACE: Uuid = Uuid::from_u128(0x3b8e_51d0_7c2f_4a96_b1e4_0d6f_9a27_c583);

/// What a person decided about a pair of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LinkAction {
    /// One incident.
    Link,
    /// Neither linked nor dismissed: undoes either.
    Unlink,
    /// Not the same incident: the suggestion is remembered as answered.
    Dismiss,
}

impl LinkAction {
    /// As stored, audited and sent.
    pub fn key(self) -> &'static str {
        match self {
            LinkAction::Link => "link",
            LinkAction::Unlink => "unlink",
            LinkAction::Dismiss => "dismiss",
        }
    }
}

/// One decision about one pair of reports, as devices and the server exchange and keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LinkOp {
    /// Derived from everything else, so an operation received twice is kept once.
    pub id: Uuid,
    /// The pair, smaller id first.
    pub reports: [Uuid; 2],
    pub action: LinkAction,
    pub at: DateTime<Utc>,
    pub device: String,
    /// The user who decided.
    pub by: String,
}

/// Why an operation was refused; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("reports: a report cannot be linked to itself ({0})")]
    SameReport(Uuid),
    #[error("reports: the pair must be written smaller id first ({0}, {1})")]
    Unordered(Uuid, Uuid),
    #[error("device: the device that made the operation must be named")]
    NoDevice,
    #[error("by: the user who made the operation must be named")]
    NoUser,
    #[error("id: {0} is not the id this operation's content gives ({1})")]
    WrongId(Uuid, Uuid),
}

impl LinkOp {
    fn derived_id(
        reports: [Uuid; 2],
        action: LinkAction,
        at: DateTime<Utc>,
        device: &str,
        by: &str,
    ) -> Uuid {
        let name = format!(
            "{}\n{}\n{}\n{}\n{device}\n{by}",
            reports[0],
            reports[1],
            action.key(),
            at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
        );
        Uuid::new_v5(&LINK_NAMESPACE, name.as_bytes())
    }

    /// Checks an operation received from elsewhere.
    pub fn check(&self) -> Result<(), LinkError> {
        let [a, b] = self.reports;
        if a == b {
            return Err(LinkError::SameReport(a));
        }
        if a > b {
            return Err(LinkError::Unordered(a, b));
        }
        if self.device.trim().is_empty() {
            return Err(LinkError::NoDevice);
        }
        if self.by.trim().is_empty() {
            return Err(LinkError::NoUser);
        }
        let id = LinkOp::derived_id(self.reports, self.action, self.at, &self.device, &self.by);
        if id != self.id {
            return Err(LinkError::WrongId(self.id, id));
        }
        Ok(())
    }

    /// The order in which operations on one pair win: later time, then device, then id.
    fn rank(&self) -> (DateTime<Utc>, &str, Uuid) {
        (self.at, self.device.as_str(), self.id)
    }
}

/// An incident: reports joined by links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Incident {
    /// The smallest report id among its reports (UUIDv7: usually the first written), in the
    /// way ACLED's event id names one event across its sources. It changes only when a report
    /// with a smaller id joins, or that report leaves.
    pub id: Uuid,
    /// Its reports, sorted.
    pub reports: Vec<Uuid>,
}

/// The links and dismissals a device or the server knows: the latest operation per pair.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkSet {
    pairs: BTreeMap<[Uuid; 2], LinkOp>,
    /// The latest stamp seen, so new operations are stamped after it.
    seen: Option<DateTime<Utc>>,
}

fn pair(a: Uuid, b: Uuid) -> [Uuid; 2] {
    if a <= b { [a, b] } else { [b, a] }
}

impl LinkSet {
    pub fn new() -> LinkSet {
        LinkSet::default()
    }

    /// A new operation by `by` on `device`, stamped `now` or just after the latest operation
    /// this set has seen, whichever is later. Not applied: pass it to [`LinkSet::apply`] (and
    /// to the store and the outbox).
    pub fn make(
        &self,
        action: LinkAction,
        a: Uuid,
        b: Uuid,
        by: &str,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<LinkOp, LinkError> {
        let reports = pair(a, b);
        let at = match self.seen {
            Some(seen) if seen >= now => seen + TimeDelta::microseconds(1),
            _ => now,
        };
        let op = LinkOp {
            id: LinkOp::derived_id(reports, action, at, device, by),
            reports,
            action,
            at,
            device: device.to_string(),
            by: by.to_string(),
        };
        op.check()?;
        Ok(op)
    }

    /// Takes in one operation; true when it changed the pair's state. Refused operations change
    /// nothing.
    pub fn apply(&mut self, op: LinkOp) -> Result<bool, LinkError> {
        op.check()?;
        self.seen = self.seen.max(Some(op.at));
        let changed = match self.pairs.get(&op.reports) {
            Some(current) if current.rank() >= op.rank() => false,
            _ => {
                self.pairs.insert(op.reports, op);
                true
            }
        };
        Ok(changed)
    }

    /// Takes in everything `other` knows.
    pub fn merge(&mut self, other: &LinkSet) {
        for op in other.pairs.values() {
            self.apply(op.clone())
                .expect("a set holds only checked operations");
        }
        self.seen = self.seen.max(other.seen);
    }

    /// The operation deciding the pair's state, if any was made.
    pub fn decision(&self, a: Uuid, b: Uuid) -> Option<&LinkOp> {
        self.pairs.get(&pair(a, b))
    }

    fn state(&self, a: Uuid, b: Uuid) -> Option<LinkAction> {
        self.decision(a, b).map(|op| op.action)
    }

    /// Whether someone said these two are not one incident (and no one undid it since).
    pub fn dismissed(&self, a: Uuid, b: Uuid) -> bool {
        self.state(a, b) == Some(LinkAction::Dismiss)
    }

    /// Whether a suggestion about the pair is already answered: they are in one incident, or
    /// the suggestion was dismissed.
    pub fn answered(&self, a: Uuid, b: Uuid) -> bool {
        self.dismissed(a, b) || self.incident_of(a).binary_search(&b).is_ok()
    }

    fn linked(&self) -> impl Iterator<Item = [Uuid; 2]> + '_ {
        self.pairs
            .values()
            .filter(|op| op.action == LinkAction::Link)
            .map(|op| op.reports)
    }

    /// The reports in one incident with `report`, itself included, sorted.
    pub fn incident_of(&self, report: Uuid) -> Vec<Uuid> {
        let mut next: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
        for [a, b] in self.linked() {
            next.entry(a).or_default().push(b);
            next.entry(b).or_default().push(a);
        }
        let mut found = BTreeSet::from([report]);
        let mut todo = vec![report];
        while let Some(r) = todo.pop() {
            for n in next.get(&r).into_iter().flatten() {
                if found.insert(*n) {
                    todo.push(*n);
                }
            }
        }
        found.into_iter().collect()
    }

    /// The incident id of `report`: its own id when it is linked to nothing.
    pub fn incident_id(&self, report: Uuid) -> Uuid {
        self.incident_of(report)[0]
    }

    /// Every incident of two reports or more, by id.
    pub fn incidents(&self) -> Vec<Incident> {
        // Union-find over the linked pairs, each root the smallest id of its part.
        let mut parent: BTreeMap<Uuid, Uuid> = BTreeMap::new();
        fn root(parent: &mut BTreeMap<Uuid, Uuid>, x: Uuid) -> Uuid {
            let mut r = x;
            loop {
                let p = *parent.entry(r).or_insert(r);
                if p == r {
                    break;
                }
                r = p;
            }
            // Path compression, without recursion: chains of links may be long.
            let mut y = x;
            while y != r {
                let p = parent[&y];
                parent.insert(y, r);
                y = p;
            }
            r
        }
        for [a, b] in self.linked() {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            if ra != rb {
                parent.insert(ra.max(rb), ra.min(rb));
            }
        }
        let mut groups: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
        let keys: Vec<Uuid> = parent.keys().copied().collect();
        for x in keys {
            let r = root(&mut parent, x);
            groups.entry(r).or_default().push(x);
        }
        groups
            .into_values()
            .map(|mut reports| {
                reports.sort();
                Incident {
                    id: reports[0],
                    reports,
                }
            })
            .collect()
    }

    /// The operations that put `report` in one incident with every report of `incident`
    /// (one link per member, so the report stays in when any one member later leaves).
    pub fn join(
        &self,
        report: Uuid,
        incident: &[Uuid],
        by: &str,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<LinkOp>, LinkError> {
        incident
            .iter()
            .filter(|m| **m != report)
            .map(|m| self.make(LinkAction::Link, report, *m, by, device, now))
            .collect()
    }

    /// The operations that take `report` out of its incident: an unlink of each of its links.
    pub fn leave(
        &self,
        report: Uuid,
        by: &str,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<LinkOp>, LinkError> {
        self.linked()
            .filter(|p| p.contains(&report))
            .map(|[a, b]| self.make(LinkAction::Unlink, a, b, by, device, now))
            .collect()
    }

    /// Every operation this set holds (the latest per pair), for a device that joins late.
    pub fn operations(&self) -> impl Iterator<Item = &LinkOp> {
        self.pairs.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000 + s, 0).unwrap()
    }

    #[test]
    fn links_make_incidents_named_by_their_smallest_report() {
        let mut set = LinkSet::new();
        for (a, b) in [(3, 2), (2, 5), (7, 8)] {
            let op = set
                .make(LinkAction::Link, id(a), id(b), "awa", "d1", t(0))
                .unwrap();
            set.apply(op).unwrap();
        }
        let incidents = set.incidents();
        assert_eq!(incidents.len(), 2);
        assert_eq!(incidents[0].id, id(2));
        assert_eq!(incidents[0].reports, [id(2), id(3), id(5)]);
        assert_eq!(set.incident_id(id(5)), id(2));
        assert_eq!(set.incident_id(id(9)), id(9));
        assert!(set.answered(id(3), id(5)));
    }

    #[test]
    fn a_later_decision_wins_even_against_a_fast_clock_it_has_seen() {
        let mut phone = LinkSet::new();
        // A device whose clock is an hour ahead links the pair.
        let link = phone
            .make(LinkAction::Link, id(1), id(2), "awa", "fast", t(3600))
            .unwrap();
        phone.apply(link.clone()).unwrap();
        // Another device receives it, then a reviewer dismisses the pair at its own "now".
        let mut laptop = LinkSet::new();
        laptop.apply(link).unwrap();
        let dismiss = laptop
            .make(LinkAction::Dismiss, id(1), id(2), "moussa", "slow", t(0))
            .unwrap();
        assert!(dismiss.at > t(3600));
        laptop.apply(dismiss.clone()).unwrap();
        phone.apply(dismiss).unwrap();
        assert!(phone.dismissed(id(1), id(2)) && laptop.dismissed(id(1), id(2)));
        assert_eq!(phone, laptop);
    }

    #[test]
    fn bad_operations_are_refused_naming_the_field_and_change_nothing() {
        let mut set = LinkSet::new();
        let e = set
            .make(LinkAction::Link, id(1), id(1), "awa", "d1", t(0))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("reports: a report cannot be linked to itself ({})", id(1))
        );
        assert_eq!(
            set.make(LinkAction::Link, id(1), id(2), "awa", " ", t(0)),
            Err(LinkError::NoDevice)
        );
        assert_eq!(
            set.make(LinkAction::Link, id(1), id(2), "", "d1", t(0)),
            Err(LinkError::NoUser)
        );
        let mut op = set
            .make(LinkAction::Link, id(1), id(2), "awa", "d1", t(0))
            .unwrap();
        op.action = LinkAction::Dismiss;
        assert!(matches!(set.apply(op.clone()), Err(LinkError::WrongId(..))));
        op.reports = [id(2), id(1)];
        assert!(
            set.apply(op)
                .unwrap_err()
                .to_string()
                .starts_with("reports: ")
        );
        assert_eq!(set, LinkSet::new());
    }

    #[test]
    fn a_long_chain_of_links_is_one_incident() {
        let mut set = LinkSet::new();
        for n in 0..20_000u128 {
            let op = set
                .make(LinkAction::Link, id(n + 1), id(n), "awa", "d1", t(0))
                .unwrap();
            set.apply(op).unwrap();
        }
        let incidents = set.incidents();
        assert_eq!(incidents.len(), 1);
        assert_eq!(incidents[0].reports.len(), 20_001);
        assert_eq!(set.incident_id(id(20_000)), id(0));
    }

    #[test]
    fn joining_and_leaving_an_incident() {
        let mut set = LinkSet::new();
        for op in set.join(id(1), &[id(2), id(3)], "awa", "d1", t(0)).unwrap() {
            set.apply(op).unwrap();
        }
        assert_eq!(set.incident_of(id(3)), [id(1), id(2), id(3)]);
        for op in set.leave(id(1), "awa", "d1", t(1)).unwrap() {
            set.apply(op).unwrap();
        }
        assert_eq!(set.incident_of(id(1)), [id(1)]);
        assert_eq!(set.incident_of(id(2)), [id(2)]);
        assert!(set.incidents().is_empty());
        assert!(!set.answered(id(1), id(2)));
    }
}
