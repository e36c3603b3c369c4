//! One incident, many reports (issue 15, docs/incidents.md), as both shells show it: what a
//! report may be the same incident as, with the reasons; linking, unlinking and dismissing
//! (operations stamped with the user and this device, kept and queued by the store); an
//! incident's reports and what they say together (every claim by source, the conservative
//! value, sites, earliest and latest time).

use crate::reports::{ReportRow, row};
use crate::{App, AppError, ErrorCode, Result};
use chrono::Utc;
use serde::Serialize;
use std::collections::BTreeMap;
use terrain_domain::incident::{IncidentFigures, LinkAction, LinkOp, Reason};
use terrain_domain::{Report, Site};
use ts_rs::TS;
use uuid::Uuid;

/// One reason two reports may be one incident: the catalogue code
/// (`incident.reason.<key>`), what fills its blanks, and the English wording.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ReasonLine {
    pub key: String,
    /// `km`, `event_type`, `words`: the values the catalogue's wording names.
    pub params: BTreeMap<String, String>,
    pub text: String,
}

impl From<&Reason> for ReasonLine {
    fn from(r: &Reason) -> ReasonLine {
        let mut params = BTreeMap::new();
        match r {
            Reason::Apart { km } => {
                params.insert("km".into(), format!("{:.0}", km.max(1.0)));
            }
            Reason::SameEventType { event_type } => {
                params.insert("event_type".into(), event_type.label().to_string());
            }
            Reason::WordsAlike { shared, words } => {
                params.insert("shared".into(), shared.to_string());
                params.insert("words".into(), words.join(", "));
            }
            _ => {}
        }
        ReasonLine {
            key: r.key().to_string(),
            params,
            text: r.to_string(),
        }
    }
}

/// A report the one shown may be the same incident as.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SimilarReport {
    pub report: ReportRow,
    pub short_id: String,
    pub reasons: Vec<ReasonLine>,
    /// "same region; dates overlap within their precision; …" in English.
    pub text: String,
}

/// A report of an incident, as its list shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct IncidentMember {
    pub report: ReportRow,
    pub short_id: String,
}

/// One figure of an incident: "Abducted: 3–4, sources disagree (Wamaps: 3; …)".
#[derive(Debug, Clone, Serialize, TS)]
pub struct IncidentFigureLine {
    pub text: String,
    pub conservative: u32,
}

/// An incident: the report asked about and every report linked with it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct IncidentView {
    /// The incident's id (the smallest report id, ACLED's event id); the report's own id
    /// when it is linked to nothing.
    pub id: Uuid,
    pub reports: Vec<IncidentMember>,
    /// What the reports say together; None for a report linked to nothing.
    pub figures: Option<IncidentFigures>,
    pub figure_lines: Vec<IncidentFigureLine>,
}

impl App {
    fn decide(&self, ops: Vec<LinkOp>) -> Result<usize> {
        let mut changed = 0;
        for op in &ops {
            changed += usize::from(self.store.record_link(op)?);
        }
        // Queued: the sync loop sends them.
        if changed > 0 {
            self.sync_now();
        }
        Ok(changed)
    }

    fn pair(&self, a: Uuid, b: Uuid) -> Result<()> {
        if a == b {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!("reports: a report cannot be linked to itself ({a})"),
            ));
        }
        for id in [a, b] {
            self.store.get(id)?;
        }
        Ok(())
    }

    /// What `id` may be the same incident as, likeliest first, answered pairs left out.
    pub fn similar(&self, id: Uuid) -> Result<Vec<SimilarReport>> {
        let found = self.store.similar(id)?;
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let sites: Vec<Site> = self.store.sites()?;
        let this = self.store.get(id)?.report;
        let ids: Vec<Uuid> = found.iter().map(|s| s.report).collect();
        let short = self.store.short_ids(&ids)?;
        found
            .into_iter()
            .map(|s| {
                let other = self.store.get(s.report)?;
                // The index keeps word hashes: the pair compared again names the words.
                let likeness = terrain_domain::incident::similar(&this, &other.report, &sites[..])
                    .unwrap_or(s.likeness);
                Ok(SimilarReport {
                    short_id: short.get(&s.report).cloned().unwrap_or_default(),
                    report: row(&other),
                    reasons: likeness.reasons.iter().map(ReasonLine::from).collect(),
                    text: likeness.to_string(),
                })
            })
            .collect()
    }

    /// "Same incident": `a` joins `b`'s incident (a link with each of its reports, so it
    /// stays when one of them later leaves). Returns the incident.
    pub fn link(&self, a: Uuid, b: Uuid) -> Result<IncidentView> {
        self.pair(a, b)?;
        let links = self.store.link_set()?;
        let members = links.incident_of(b);
        let ops = links
            .join(
                a,
                &members,
                &self.author()?,
                self.store.device_id(),
                Utc::now(),
            )
            .map_err(terrain_store::StoreError::from)?;
        self.decide(ops)?;
        self.incident(a)
    }

    /// "Not the same incident": the pair is not suggested again (until unlinked).
    pub fn dismiss(&self, a: Uuid, b: Uuid) -> Result<()> {
        self.pair(a, b)?;
        let links = self.store.link_set()?;
        let op = links
            .make(
                LinkAction::Dismiss,
                a,
                b,
                &self.author()?,
                self.store.device_id(),
                Utc::now(),
            )
            .map_err(terrain_store::StoreError::from)?;
        self.decide(vec![op])?;
        Ok(())
    }

    /// Undoes a link or a dismissal of the pair; when `a` is still in `b`'s incident through
    /// other links, `a` leaves it. Returns `a`'s incident afterwards.
    pub fn unlink(&self, a: Uuid, b: Uuid) -> Result<IncidentView> {
        self.pair(a, b)?;
        let by = self.author()?;
        let device = self.store.device_id().to_string();
        let links = self.store.link_set()?;
        let op = links
            .make(LinkAction::Unlink, a, b, &by, &device, Utc::now())
            .map_err(terrain_store::StoreError::from)?;
        self.decide(vec![op])?;
        let links = self.store.link_set()?;
        if links.incident_of(a).contains(&b) {
            let ops = links
                .leave(a, &by, &device, Utc::now())
                .map_err(terrain_store::StoreError::from)?;
            self.decide(ops)?;
        }
        self.incident(a)
    }

    /// `id`'s incident: its reports and what they say together.
    pub fn incident(&self, id: Uuid) -> Result<IncidentView> {
        self.store.get(id)?;
        let links = self.store.link_set()?;
        let ids = links.incident_of(id);
        let short = self.store.short_ids(&ids)?;
        let listed = ids
            .iter()
            .map(|r| self.store.get(*r))
            .collect::<terrain_store::Result<Vec<_>>>()?;
        let reports: Vec<&Report> = listed.iter().map(|l| &l.report).collect();
        let figures = (ids.len() > 1)
            .then(|| IncidentFigures::of(reports.iter().copied()))
            .flatten();
        let figure_lines = figures
            .iter()
            .flat_map(|f| &f.figures)
            .map(|f| IncidentFigureLine {
                text: f.to_string(),
                conservative: f.summary.conservative,
            })
            .collect();
        Ok(IncidentView {
            id: ids[0],
            reports: listed
                .iter()
                .map(|l| IncidentMember {
                    short_id: short.get(&l.report.id).cloned().unwrap_or_default(),
                    report: row(l),
                })
                .collect(),
            figures,
            figure_lines,
        })
    }
}
