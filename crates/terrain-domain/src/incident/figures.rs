//! What an incident's reports say together: every figure's claims by source, whichever
//! report carried them, the conservative value, the time span and the sites.
//!
//! Following ACLED: one event, every source's figures kept, the conservative value used. The
//! conservative value is the lowest figure a well-sourced claim allows (a source not rated
//! "not usually reliable" or "unreliable"); when every claim comes from such a source, the
//! lowest of all. Nothing is averaged and no claim is dropped, even when two reports quote the
//! same source.

use crate::claims::{Claim, ClaimsSummary, FigureKind};
use crate::gazetteer;
use crate::report::{Reliability, Report, SourceKind};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use uuid::Uuid;

/// Whether a claim from a source this reliable may set the conservative value.
pub fn well_sourced(reliability: Reliability) -> bool {
    !matches!(
        reliability,
        Reliability::NotUsuallyReliable | Reliability::Unreliable
    )
}

impl ClaimsSummary {
    /// The summary of claims whose sources' reliability is known: as [`ClaimsSummary::of`],
    /// except that the conservative value is the lowest a well-sourced claim allows (the
    /// lowest of all when none is well sourced).
    pub fn of_sourced(claims: &[(Claim, Reliability)]) -> Option<ClaimsSummary> {
        let plain: Vec<Claim> = claims.iter().map(|(c, _)| c.clone()).collect();
        let mut summary = ClaimsSummary::of(&plain)?;
        if let Some(lowest) = claims
            .iter()
            .filter(|(_, r)| well_sourced(*r))
            .map(|(c, _)| c.amount.bounds().0)
            .min()
        {
            summary.conservative = lowest;
        }
        Some(summary)
    }
}

/// A source as the incident shows it: never its contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SourceLine {
    /// The source's key in its report.
    pub key: String,
    pub name: String,
    pub kind: SourceKind,
    pub reliability: Reliability,
}

/// One claim of one figure, with the report and the source it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SourcedClaim {
    pub report: Uuid,
    pub source: SourceLine,
    pub claim: Claim,
}

/// One figure of an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IncidentFigure {
    pub kind: FigureKind,
    pub summary: ClaimsSummary,
    /// Every claim of every report, in report order then as written.
    pub claims: Vec<SourcedClaim>,
}

impl fmt::Display for IncidentFigure {
    /// "Abducted: 3–4, sources disagree (Wamaps: 3; an elected official: 4)": each source
    /// once per amount it gave.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.label(), self.summary)?;
        let mut said: Vec<String> = Vec::new();
        for c in &self.claims {
            let amount = match c.claim.amount.bounds() {
                (a, b) if a == b => a.to_string(),
                (a, b) => format!("{a}\u{2013}{b}"),
            };
            let line = format!("{}: {amount}", c.source.name);
            if !said.contains(&line) {
                said.push(line);
            }
        }
        write!(f, " ({})", said.join("; "))
    }
}

/// A source of the incident, met in one report or more (the same name, folded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IncidentSource {
    pub name: String,
    pub kind: SourceKind,
    pub reliability: Reliability,
    /// Each report that cites it, with its key there.
    pub cited_in: Vec<(Uuid, String)>,
}

/// A site of the incident and what each report says happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IncidentSite {
    pub site_id: Uuid,
    /// (report, damage) for each report naming the site.
    pub named_in: Vec<(Uuid, Option<String>)>,
}

/// A reported moment: a date, and a time when one was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Moment {
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
}

/// What the linked reports of one incident say together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IncidentFigures {
    /// The reports, each once, in the order given.
    pub reports: Vec<Uuid>,
    /// One per figure any report gives, in figure order.
    pub figures: Vec<IncidentFigure>,
    pub sources: Vec<IncidentSource>,
    /// The earliest start and the latest end any report gives.
    pub earliest: Moment,
    pub latest: Moment,
    pub sites: Vec<IncidentSite>,
}

impl IncidentFigures {
    /// None for no report.
    pub fn of<'a>(reports: impl IntoIterator<Item = &'a Report>) -> Option<IncidentFigures> {
        let mut seen: Vec<&Report> = Vec::new();
        for r in reports {
            if !seen.iter().any(|s| s.id == r.id) {
                seen.push(r);
            }
        }
        let first = seen.first()?;
        let mut figures: BTreeMap<FigureKind, Vec<SourcedClaim>> = BTreeMap::new();
        let mut sources: Vec<(String, IncidentSource)> = Vec::new();
        let mut sites: Vec<IncidentSite> = Vec::new();
        let start = |r: &Report| Moment {
            date: r.when.date,
            time: r.when.time,
        };
        let end = |r: &Report| match r.when.end_date {
            Some(end) if end > r.when.date => Moment {
                date: end,
                time: None,
            },
            _ => start(r),
        };
        let (mut earliest, mut latest) = (start(first), end(first));
        for r in &seen {
            earliest = earliest.min(start(r));
            latest = latest.max(end(r));
            for s in &r.sources {
                let folded = gazetteer::fold(&s.name);
                match sources.iter_mut().find(|(f, _)| *f == folded) {
                    Some((_, known)) => known.cited_in.push((r.id, s.key.clone())),
                    None => sources.push((
                        folded,
                        IncidentSource {
                            name: s.name.clone(),
                            kind: s.kind,
                            reliability: s.reliability,
                            cited_in: vec![(r.id, s.key.clone())],
                        },
                    )),
                }
            }
            for (kind, claims) in &r.figures {
                for claim in claims {
                    let source = r.sources.iter().find(|s| s.key == claim.source);
                    figures.entry(*kind).or_default().push(SourcedClaim {
                        report: r.id,
                        source: SourceLine {
                            key: claim.source.clone(),
                            name: source.map_or_else(|| claim.source.clone(), |s| s.name.clone()),
                            kind: source.map_or(SourceKind::Other, |s| s.kind),
                            reliability: source.map_or(Reliability::Unknown, |s| s.reliability),
                        },
                        claim: claim.clone(),
                    });
                }
            }
            for s in &r.sites {
                let named = (r.id, s.damage.clone());
                match sites.iter_mut().find(|k| k.site_id == s.site_id) {
                    Some(known) => known.named_in.push(named),
                    None => sites.push(IncidentSite {
                        site_id: s.site_id,
                        named_in: vec![named],
                    }),
                }
            }
        }
        let figures = figures
            .into_iter()
            .filter_map(|(kind, claims)| {
                let rated: Vec<(Claim, Reliability)> = claims
                    .iter()
                    .map(|c| (c.claim.clone(), c.source.reliability))
                    .collect();
                Some(IncidentFigure {
                    kind,
                    summary: ClaimsSummary::of_sourced(&rated)?,
                    claims,
                })
            })
            .collect();
        Some(IncidentFigures {
            reports: seen.iter().map(|r| r.id).collect(),
            figures,
            sources: sources.into_iter().map(|(_, s)| s).collect(),
            earliest,
            latest,
            sites,
        })
    }

    /// The figure of this kind, if any report gives it.
    pub fn figure(&self, kind: FigureKind) -> Option<&IncidentFigure> {
        self.figures.iter().find(|f| f.kind == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::Amount;
    use crate::parse_json;

    fn seed() -> Report {
        parse_json(include_str!(
            "../../../../docs/examples/bafoulabe-plants-attack.json"
        ))
        .unwrap()
    }

    /// The seed case: two officials each report the Bafoulabé attack, each with one source's
    /// figure of the abducted.
    #[test]
    fn two_reports_of_the_bafoulabe_attack_give_3_to_4_abducted_conservatively_3() {
        let mut first = seed();
        first
            .figures
            .get_mut(&FigureKind::Abducted)
            .unwrap()
            .retain(|c| c.source == "wamaps");
        first.sources.retain(|s| s.key != "elected-official");
        let mut second = seed();
        second.id = Uuid::now_v7();
        second.when.date = second.when.date.succ_opt().unwrap();
        second.figures = BTreeMap::from([(
            FigureKind::Abducted,
            vec![Claim {
                id: None,
                amount: Amount::Exact(4),
                source: "elu".into(),
                said_on: None,
                note: None,
            }],
        )]);
        second.sources = vec![crate::Source {
            key: "elu".into(),
            name: "An elected official of the Kayes region".into(),
            kind: SourceKind::Official,
            reliability: Reliability::FairlyReliable,
            contact: Some("+223 00 00 00 00".into()),
            url: None,
            note: None,
        }];
        let incident = IncidentFigures::of([&first, &second]).unwrap();
        let abducted = incident.figure(FigureKind::Abducted).unwrap();
        assert_eq!(abducted.summary.to_string(), "3\u{2013}4, sources disagree");
        assert_eq!(abducted.summary.conservative, 3);
        assert_eq!(
            abducted.to_string(),
            "Abducted: 3\u{2013}4, sources disagree (Wamaps, collective of West African \
             journalists on Sahel security: 3; An elected official of the Kayes region: 4)"
        );
        let reports: Vec<Uuid> = abducted.claims.iter().map(|c| c.report).collect();
        assert_eq!(reports, [first.id, second.id]);
        assert_eq!(incident.earliest.date.to_string(), "2026-11-18");
        assert_eq!(incident.latest.date.to_string(), "2026-11-19");
        assert!(
            !serde_json::to_string(&incident).unwrap().contains("+223"),
            "no contact"
        );
        // Figures only the first report gives are the incident's too.
        assert_eq!(
            incident
                .figure(FigureKind::Attackers)
                .unwrap()
                .summary
                .conservative,
            160
        );
    }

    #[test]
    fn a_poorly_sourced_low_figure_does_not_set_the_conservative_value() {
        let claim = |n| Claim {
            id: None,
            amount: Amount::Exact(n),
            source: "s".into(),
            said_on: None,
            note: None,
        };
        let s = ClaimsSummary::of_sourced(&[
            (claim(1), Reliability::Unreliable),
            (claim(5), Reliability::Unknown),
            (claim(7), Reliability::Reliable),
        ])
        .unwrap();
        assert_eq!((s.conservative, s.min, s.max, s.claims), (5, 1, 7, 3));
        let s = ClaimsSummary::of_sourced(&[(claim(2), Reliability::NotUsuallyReliable)]).unwrap();
        assert_eq!(
            s.conservative, 2,
            "the lowest of all when none is well sourced"
        );
        assert_eq!(ClaimsSummary::of_sourced(&[]), None);
    }
}
