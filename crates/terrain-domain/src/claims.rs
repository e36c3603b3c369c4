//! Figures as source-attributed claims, and the summary lists and exports show.
//!
//! Sources disagree ("3 abducted" says one, "4" says another): every claim is kept with its
//! source, and the summary follows ACLED's rule: the most conservative estimate, dispute noted.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use uuid::Uuid;

/// What a figure counts.
// Read through a string so that error paths can name the figure (`figures.abducted[1]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", try_from = "String")]
#[cfg_attr(feature = "schema", schemars(!try_from))]
pub enum FigureKind {
    Killed,
    Injured,
    Abducted,
    Missing,
    Displaced,
    Attackers,
    BuildingsBurned,
    VehiclesDestroyed,
    SitesAttacked,
}

impl FigureKind {
    pub const ALL: &'static [FigureKind] = &[
        FigureKind::Killed,
        FigureKind::Injured,
        FigureKind::Abducted,
        FigureKind::Missing,
        FigureKind::Displaced,
        FigureKind::Attackers,
        FigureKind::BuildingsBurned,
        FigureKind::VehiclesDestroyed,
        FigureKind::SitesAttacked,
    ];

    /// The snake_case key used in JSON, CSV columns and the CLI.
    pub fn key(self) -> &'static str {
        match self {
            FigureKind::Killed => "killed",
            FigureKind::Injured => "injured",
            FigureKind::Abducted => "abducted",
            FigureKind::Missing => "missing",
            FigureKind::Displaced => "displaced",
            FigureKind::Attackers => "attackers",
            FigureKind::BuildingsBurned => "buildings_burned",
            FigureKind::VehiclesDestroyed => "vehicles_destroyed",
            FigureKind::SitesAttacked => "sites_attacked",
        }
    }

    /// Plain English label for people ("Buildings burned").
    pub fn label(self) -> String {
        let key = self.key().replace('_', " ");
        let mut chars = key.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }
}

impl TryFrom<String> for FigureKind {
    type Error = String;

    fn try_from(key: String) -> Result<Self, String> {
        FigureKind::ALL
            .iter()
            .copied()
            .find(|k| k.key() == key)
            .ok_or_else(|| {
                let keys: Vec<_> = FigureKind::ALL.iter().map(|k| k.key()).collect();
                format!(
                    "unknown figure `{key}`, expected one of {}",
                    keys.join(", ")
                )
            })
    }
}

/// Words sources use instead of numbers, mapped the way ACLED does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum VagueAmount {
    /// "several", "a few": counted as 3.
    Several,
    /// "tens": 10.
    Tens,
    /// "dozens": 12.
    Dozens,
    /// "hundreds": 100.
    Hundreds,
}

impl VagueAmount {
    pub const ALL: &'static [VagueAmount] = &[
        VagueAmount::Several,
        VagueAmount::Tens,
        VagueAmount::Dozens,
        VagueAmount::Hundreds,
    ];

    pub fn value(self) -> u32 {
        match self {
            VagueAmount::Several => 3,
            VagueAmount::Tens => 10,
            VagueAmount::Dozens => 12,
            VagueAmount::Hundreds => 100,
        }
    }
}

/// A number as a source gave it: exact, a range, or a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Amount {
    Exact(u32),
    Range { min: u32, max: u32 },
    Vague(VagueAmount),
}

impl Amount {
    /// The lowest and highest numbers this amount allows.
    pub fn bounds(self) -> (u32, u32) {
        match self {
            Amount::Exact(n) => (n, n),
            Amount::Range { min, max } => (min.min(max), min.max(max)),
            Amount::Vague(v) => (v.value(), v.value()),
        }
    }
}

/// One source's statement of a figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// Names the claim across revisions and devices, so the merge tells an edited claim from a
    /// new one. [`crate::check`] gives one to a claim that has none; revisions made before
    /// claims had ids have none, and their claims match by value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    pub amount: Amount,
    /// The `key` of one of the report's sources.
    pub source: String,
    /// When the source said it, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub said_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Gives each claim lacking an id the one its kind, its content and its rank among equal
/// claims name: the same on every device, so two devices that give ids to the claims of one old
/// revision give the same ones, and the merge finds them in that revision (see
/// `docs/merge.md`). Ids already present are kept and never given twice.
pub fn assign_ids(report: Uuid, figures: &mut BTreeMap<FigureKind, Vec<Claim>>) {
    for (kind, claims) in figures.iter_mut() {
        let mut used: HashSet<Uuid> = claims.iter().filter_map(|c| c.id).collect();
        for claim in claims.iter_mut().filter(|c| c.id.is_none()) {
            let content = serde_json::to_string(&*claim).expect("claims serialise");
            let id = (0u32..)
                .map(|rank| {
                    let name = format!("{}\n{content}\n{rank}", kind.key());
                    Uuid::new_v5(&report, name.as_bytes())
                })
                .find(|id| !used.contains(id))
                .expect("some rank is free");
            used.insert(id);
            claim.id = Some(id);
        }
    }
}

/// What a list of claims amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClaimsSummary {
    /// The most conservative figure: the lowest any source allows.
    pub conservative: u32,
    pub min: u32,
    pub max: u32,
    /// How many claims the figure rests on.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub claims: usize,
    /// True when the claims do not all state the same figure.
    pub disputed: bool,
}

impl ClaimsSummary {
    /// None for an empty list: no claim, no figure.
    pub fn of(claims: &[Claim]) -> Option<ClaimsSummary> {
        let bounds: Vec<(u32, u32)> = claims.iter().map(|c| c.amount.bounds()).collect();
        let min = bounds.iter().map(|b| b.0).min()?;
        let max = bounds.iter().map(|b| b.1).max()?;
        let disputed = bounds.windows(2).any(|w| w[0] != w[1]);
        Some(ClaimsSummary {
            conservative: min,
            min,
            max,
            claims: claims.len(),
            disputed,
        })
    }
}

impl fmt::Display for ClaimsSummary {
    /// "3", "3–4, sources disagree", "150–170" (one source giving a range).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min == self.max {
            write!(f, "{}", self.min)?;
        } else {
            write!(f, "{}\u{2013}{}", self.min, self.max)?;
        }
        if self.disputed {
            f.write_str(", sources disagree")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(amount: Amount) -> Claim {
        Claim {
            id: None,
            amount,
            source: "s1".into(),
            said_on: None,
            note: None,
        }
    }

    #[test]
    fn disagreeing_sources_give_a_range_and_the_lowest_as_conservative() {
        let s = ClaimsSummary::of(&[claim(Amount::Exact(3)), claim(Amount::Exact(4))]).unwrap();
        assert_eq!(
            (s.conservative, s.min, s.max, s.claims, s.disputed),
            (3, 3, 4, 2, true)
        );
        assert_eq!(s.to_string(), "3\u{2013}4, sources disagree");
    }

    #[test]
    fn agreeing_sources_give_one_number() {
        let s = ClaimsSummary::of(&[claim(Amount::Exact(3)), claim(Amount::Exact(3))]).unwrap();
        assert!(!s.disputed);
        assert_eq!(s.to_string(), "3");
    }

    #[test]
    fn one_range_is_not_a_dispute() {
        let s = ClaimsSummary::of(&[claim(Amount::Range { min: 150, max: 170 })]).unwrap();
        assert_eq!(s.to_string(), "150\u{2013}170");
        assert_eq!(s.conservative, 150);
    }

    #[test]
    fn vague_words_map_to_acled_numbers() {
        let s = ClaimsSummary::of(&[claim(Amount::Vague(VagueAmount::Dozens))]).unwrap();
        assert_eq!(s.conservative, 12);
        assert_eq!(VagueAmount::Tens.value(), 10);
        assert_eq!(VagueAmount::Hundreds.value(), 100);
        let s = ClaimsSummary::of(&[
            claim(Amount::Vague(VagueAmount::Hundreds)),
            claim(Amount::Exact(160)),
        ])
        .unwrap();
        assert_eq!(s.to_string(), "100\u{2013}160, sources disagree");
    }

    #[test]
    fn no_claims_no_summary() {
        assert_eq!(ClaimsSummary::of(&[]), None);
    }

    #[test]
    fn amounts_read_as_numbers_ranges_or_words() {
        let a: Amount = serde_json::from_str("4").unwrap();
        assert_eq!(a, Amount::Exact(4));
        let r: Amount = serde_json::from_str(r#"{"min":3,"max":5}"#).unwrap();
        assert_eq!(r, Amount::Range { min: 3, max: 5 });
        let v: Amount = serde_json::from_str("\"dozens\"").unwrap();
        assert_eq!(v, Amount::Vague(VagueAmount::Dozens));
        assert!(serde_json::from_str::<Amount>("-1").is_err());
    }

    #[test]
    fn ids_given_to_old_claims_are_the_same_on_every_device_and_never_twice() {
        let report = Uuid::now_v7();
        let old = BTreeMap::from([(
            FigureKind::Killed,
            vec![
                claim(Amount::Exact(3)),
                claim(Amount::Exact(3)),
                claim(Amount::Exact(4)),
            ],
        )]);
        let (mut a, mut b) = (old.clone(), old.clone());
        assign_ids(report, &mut a);
        assign_ids(report, &mut b);
        assert_eq!(a, b);
        let ids: HashSet<_> = a[&FigureKind::Killed]
            .iter()
            .map(|c| c.id.unwrap())
            .collect();
        assert_eq!(ids.len(), 3, "equal claims get different ids");
        let kept = a[&FigureKind::Killed][0].id;
        a.get_mut(&FigureKind::Killed).unwrap()[0].amount = Amount::Exact(9);
        a.get_mut(&FigureKind::Killed)
            .unwrap()
            .push(claim(Amount::Exact(4)));
        assign_ids(report, &mut a);
        assert_eq!(a[&FigureKind::Killed][0].id, kept, "an id once given stays");
        let ids: HashSet<_> = a[&FigureKind::Killed]
            .iter()
            .map(|c| c.id.unwrap())
            .collect();
        assert_eq!(ids.len(), 4);
    }

    #[test]
    fn a_claim_without_an_id_reads_and_writes_as_before() {
        let text = r#"{"amount":3,"source":"s1"}"#;
        let c: Claim = serde_json::from_str(text).unwrap();
        assert_eq!(c.id, None);
        assert_eq!(serde_json::to_string(&c).unwrap(), text);
    }

    #[test]
    fn figure_labels_read_as_words() {
        assert_eq!(FigureKind::BuildingsBurned.label(), "Buildings burned");
        assert_eq!(FigureKind::Abducted.key(), "abducted");
    }
}
