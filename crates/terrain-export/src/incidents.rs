//! Reports as incidents: which incident each report belongs to ([`Incidents`], made once from
//! the links), and the rows of a selection grouped by incident ([`by_incident`]) for the
//! exports' one-row-per-incident mode.
//!
//! An incident's id is ACLED's event id: the smallest id among its linked reports
//! ([`LinkSet::incident_id`]); a report linked to nothing is an incident of its own, under its
//! own id.
//!
//! A site's history ([`site_histories`]) is every incident at the site over time, each summed
//! up as the incident view shows it: the PDF summary's "Sites" section and the app's site page.

use crate::Row;
use std::collections::{BTreeMap, HashMap, VecDeque};
use terrain_domain::Report;
use terrain_domain::incident::{IncidentFigures, LinkSet};
use uuid::Uuid;

/// Which reports people linked into one incident: report → incident id, and each incident's
/// reports. Built once from a [`LinkSet`] (one pass over its links), so a million rows look up
/// their incident in constant time.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    of: HashMap<Uuid, Uuid>,
    reports: HashMap<Uuid, Vec<Uuid>>,
}

impl Incidents {
    /// No links: every report is its own incident.
    pub fn none() -> Incidents {
        Incidents::default()
    }

    pub fn new(links: &LinkSet) -> Incidents {
        let mut incidents = Incidents::default();
        for incident in links.incidents() {
            for r in &incident.reports {
                incidents.of.insert(*r, incident.id);
            }
            incidents.reports.insert(incident.id, incident.reports);
        }
        incidents
    }

    /// The incident id of `report`: its own id when it is linked to nothing.
    pub fn id(&self, report: Uuid) -> Uuid {
        self.of.get(&report).copied().unwrap_or(report)
    }

    /// Every report of `report`'s incident, itself included, sorted.
    pub fn reports(&self, report: Uuid) -> Vec<Uuid> {
        self.reports
            .get(&self.id(report))
            .cloned()
            .unwrap_or_else(|| vec![report])
    }

    /// How many reports the incident of `report` has, whatever the selection.
    fn size(&self, report: Uuid) -> usize {
        self.reports.get(&self.id(report)).map_or(1, Vec::len)
    }
}

/// The rows of one incident (those of the selection), sorted by report id: the first is the
/// incident's own report when the selection holds it.
pub type Group<R> = Vec<R>;

/// Groups `rows` by incident, keeping as little as possible in memory: a report linked to
/// nothing comes out at once as a group of one; a linked report is held until every report of
/// its incident has come, then the incident comes out whole. Incidents the selection holds only
/// part of come out at the end, in incident id order.
pub fn by_incident<'a, R: Row + 'a, E: 'a>(
    rows: &'a mut dyn Iterator<Item = Result<R, E>>,
    incidents: &'a Incidents,
) -> impl Iterator<Item = Result<Group<R>, E>> + 'a {
    let mut held: BTreeMap<Uuid, Group<R>> = BTreeMap::new();
    let mut ended = false;
    let mut rest: VecDeque<Group<R>> = VecDeque::new();
    std::iter::from_fn(move || {
        loop {
            if ended {
                return rest.pop_front().map(Ok);
            }
            match rows.next() {
                Some(Err(e)) => return Some(Err(e)),
                Some(Ok(row)) => {
                    let report = row.revision().report_id;
                    let size = incidents.size(report);
                    if size == 1 {
                        return Some(Ok(vec![row]));
                    }
                    let id = incidents.id(report);
                    let group = held.entry(id).or_default();
                    group.push(row);
                    if group.len() == size {
                        let mut group = held.remove(&id).unwrap_or_default();
                        group.sort_by_key(|r| r.revision().report_id);
                        return Some(Ok(group));
                    }
                }
                None => {
                    ended = true;
                    rest = std::mem::take(&mut held)
                        .into_values()
                        .map(|mut g| {
                            g.sort_by_key(|r| r.revision().report_id);
                            g
                        })
                        .collect();
                }
            }
        }
    })
}

/// One incident at a site, as its history shows it.
#[derive(Debug, Clone)]
pub struct SiteIncident {
    /// The incident id.
    pub id: Uuid,
    /// What its reports say together: reports, figures, sources, earliest and latest, sites.
    pub figures: IncidentFigures,
    /// Its first report's event type and title (the incident's own report when held).
    pub event_type: Option<terrain_domain::EventType>,
    pub title: String,
}

/// Every incident at one site, oldest first.
#[derive(Debug, Clone)]
pub struct SiteHistory {
    pub site: Uuid,
    pub incidents: Vec<SiteIncident>,
}

impl SiteHistory {
    /// The day the first incident began, for "3 incidents since March 2026".
    pub fn since(&self) -> Option<chrono::NaiveDate> {
        self.incidents.first().map(|i| i.figures.earliest.date)
    }
}

/// The reports grouped by incident (`incidents` says which are linked), each incident
/// summed up, oldest first (by earliest moment, then id).
pub fn incidents_of(reports: Vec<Report>, incidents: &Incidents) -> Vec<SiteIncident> {
    let mut groups: BTreeMap<Uuid, Vec<Report>> = BTreeMap::new();
    for r in reports {
        groups.entry(incidents.id(r.id)).or_default().push(r);
    }
    let mut out: Vec<SiteIncident> = groups
        .into_iter()
        .filter_map(|(id, mut reports)| {
            reports.sort_by_key(|r| r.id);
            reports.dedup_by_key(|r| r.id);
            let figures = IncidentFigures::of(&reports)?;
            Some(SiteIncident {
                id,
                figures,
                event_type: reports[0].what.event_type,
                title: reports[0].title.clone(),
            })
        })
        .collect();
    out.sort_by_key(|i| (i.figures.earliest, i.id));
    out
}

/// Each site's history from `reports`: every incident any of them names the site in, oldest
/// first; sites in the order of their first incident.
pub fn site_histories(reports: Vec<Report>, incidents: &Incidents) -> Vec<SiteHistory> {
    let mut histories: Vec<SiteHistory> = Vec::new();
    for incident in incidents_of(reports, incidents) {
        for site in &incident.figures.sites {
            match histories.iter_mut().find(|h| h.site == site.site_id) {
                Some(h) => h.incidents.push(incident.clone()),
                None => histories.push(SiteHistory {
                    site: site.site_id,
                    incidents: vec![incident.clone()],
                }),
            }
        }
    }
    histories
}
