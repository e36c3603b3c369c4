//! Incidents (issue 15): which reports a report may be the same incident as, the link
//! operations people make on pairs, and the incident a report is in with its figures. The
//! rules are `terrain_domain::incident`'s; the store keeps a fingerprint per report (filed in
//! the push transaction) and the operations. Nothing is kept in the process: several servers
//! sharing one database answer the same.
//!
//! Least privilege: a reader sees only reports whose heads are all in their regions
//! ([`regions::may_open`]); a link operation needs both reports so.

use crate::error::{AppError, Result};
use crate::policy::regions;
use crate::{AppState, actions};
use chrono::Utc;
use std::collections::BTreeSet;
use terrain_domain::incident::{Candidate, Fingerprint, LinkAction, LinkOp, LinkSet, compare};
use terrain_protocol::{
    IncidentView, LinkOps, LinkResult, LinkResults, LinkStatus, PairDecision, Similar, Suggestion,
    limits,
};
use terrain_server_store::{AuditEvent, CandidateQuery, Device, IncomingLink};
use uuid::Uuid;

/// The reports `f` may duplicate, likeliest first: the store's candidate rows through the
/// domain's `compare`, as the domain's index would answer.
pub async fn check(state: &AppState, f: &Fingerprint) -> Result<Vec<Candidate>> {
    let rows = state
        .store
        .fingerprint_candidates(CandidateQuery::of(f))
        .await?;
    let mut found: Vec<Candidate> = rows
        .iter()
        .filter_map(|other| {
            compare(f, other).map(|likeness| Candidate {
                report: other.report,
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
    Ok(found)
}

/// The operations on every pair touching the incident of `reports`, found link by link (at
/// most [`limits::INCIDENT_REPORTS`] reports deep).
pub(crate) async fn links_around(state: &AppState, reports: &[Uuid]) -> Result<LinkSet> {
    let mut set = LinkSet::new();
    let mut asked: BTreeSet<Uuid> = BTreeSet::new();
    let mut ask: Vec<Uuid> = reports.to_vec();
    while !ask.is_empty() && asked.len() < limits::INCIDENT_REPORTS {
        asked.extend(ask.iter().copied());
        for op in state.store.link_ops_of(ask).await? {
            set.apply(op)
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
        ask = reports
            .iter()
            .flat_map(|r| set.incident_of(*r))
            .filter(|r| !asked.contains(r))
            .collect();
        ask.sort();
        ask.dedup();
    }
    Ok(set)
}

/// May the reader see every head of `report`? (no error: for filtering lists)
pub(crate) async fn visible(
    state: &AppState,
    device: &Device,
    reports: Vec<Uuid>,
) -> Result<BTreeSet<Uuid>> {
    let heads = state.store.head_regions(reports.clone()).await?;
    Ok(reports
        .into_iter()
        .filter(|r| {
            let mut of = heads.iter().filter(|(id, _)| id == r).peekable();
            of.peek().is_some() && of.all(|(_, region)| regions::may_use(device, region))
        })
        .collect())
}

/// GET /v1/reports/{id}/similar: the reports `report` may be the same incident as, without
/// those already in its incident and those dismissed, only of the reader's regions.
pub async fn similar(state: &AppState, device: &Device, report: Uuid) -> Result<Similar> {
    regions::may_open(state, device, report).await?;
    let Some(f) = state.store.fingerprint(report).await? else {
        return Ok(Similar {
            report,
            suggestions: Vec::new(),
        });
    };
    let found = check(state, &f).await?;
    let mut around: Vec<Uuid> = found.iter().map(|c| c.report).collect();
    around.push(report);
    let links = links_around(state, &[report]).await?;
    let incident = links.incident_of(report);
    let found: Vec<Candidate> = found
        .into_iter()
        .filter(|c| {
            incident.binary_search(&c.report).is_err() && !links.dismissed(report, c.report)
        })
        .take(limits::SUGGESTIONS)
        .collect();
    let shown = visible(state, device, found.iter().map(|c| c.report).collect()).await?;
    let heads = state
        .store
        .current_heads(shown.iter().copied().collect())
        .await?;
    let suggestions = found
        .into_iter()
        .filter(|c| shown.contains(&c.report))
        .map(|c| Suggestion {
            title: heads
                .iter()
                .find(|h| h.report_id == c.report)
                .map(|h| h.content.title.clone())
                .unwrap_or_default(),
            reasons: c.likeness.to_string(),
            report: c.report,
            likeness: c.likeness,
        })
        .collect();
    Ok(Similar {
        report,
        suggestions,
    })
}

fn action_of(op: &LinkOp) -> &'static str {
    match op.action {
        LinkAction::Link => actions::INCIDENT_LINK,
        LinkAction::Unlink => actions::INCIDENT_UNLINK,
        LinkAction::Dismiss => actions::INCIDENT_DISMISS,
    }
}

/// POST /v1/incidents/links: operations made by the caller on pairs of reports of their
/// regions. All are checked first (a bad one refuses the request, naming the field); each
/// new one is stored once by id with its audit event, in one transaction.
pub async fn record(state: &AppState, device: &Device, body: LinkOps) -> Result<LinkResults> {
    if body.ops.len() > limits::LINK_OPS {
        return Err(AppError::InvalidField {
            field: "ops",
            why: format!("at most {} operations at a time", limits::LINK_OPS),
        });
    }
    let now = Utc::now();
    let mut incoming = Vec::with_capacity(body.ops.len());
    for op in body.ops {
        op.check().map_err(|e| AppError::InvalidField {
            field: "ops",
            why: e.to_string(),
        })?;
        if op.by != device.user.name {
            return Err(AppError::InvalidField {
                field: "ops",
                why: format!(
                    "by: {} may only send their own operations",
                    device.user.name
                ),
            });
        }
        for r in op.reports {
            regions::may_open(state, device, r).await?;
        }
        let mut heads: Vec<String> = state
            .store
            .head_regions(op.reports.to_vec())
            .await?
            .into_iter()
            .map(|(_, region)| region)
            .collect();
        heads.sort();
        heads.dedup();
        let event = AuditEvent {
            at: now,
            actor: Some(device.user.name.clone()),
            device: Some(device.name.clone()),
            action: action_of(&op).into(),
            detail: format!(
                "reports {} {} operation {}",
                op.reports[0], op.reports[1], op.id
            ),
        };
        incoming.push(IncomingLink {
            op,
            regions: heads,
            event,
        });
    }
    let ids: Vec<Uuid> = incoming.iter().map(|i| i.op.id).collect();
    let stored = state.store.record_links(incoming).await?;
    Ok(LinkResults {
        results: ids
            .into_iter()
            .zip(stored)
            .map(|(id, new)| LinkResult {
                id,
                status: if new {
                    LinkStatus::Stored
                } else {
                    LinkStatus::AlreadyHave
                },
            })
            .collect(),
    })
}

/// POST /v1/incidents/decisions: the caller's decision on a pair, made into an operation
/// stamped after every operation held on the pair (the domain's `LinkSet::make`), then kept
/// as [`record`] keeps one (same checks, audited).
pub async fn decide(state: &AppState, device: &Device, body: PairDecision) -> Result<LinkOp> {
    let [a, b] = body.reports;
    let held = links_around(state, &[a, b]).await?;
    let op = held
        .make(
            body.action,
            a,
            b,
            &device.user.name,
            &device.name,
            Utc::now(),
        )
        .map_err(|e| AppError::InvalidField {
            field: "reports",
            why: e.to_string(),
        })?;
    record(
        state,
        device,
        LinkOps {
            ops: vec![op.clone()],
        },
    )
    .await?;
    Ok(op)
}

/// GET /v1/incidents/{id}: the incident `report` is in (its reports the reader may see)
/// and what they say together.
pub async fn incident(state: &AppState, device: &Device, report: Uuid) -> Result<IncidentView> {
    regions::may_open(state, device, report).await?;
    let links = links_around(state, &[report]).await?;
    let mut members = links.incident_of(report);
    members.truncate(limits::INCIDENT_REPORTS);
    let shown = visible(state, device, members).await?;
    let mut heads = state
        .store
        .current_heads(shown.iter().copied().collect())
        .await?;
    heads.sort_by_key(|h| h.report_id);
    let reports: Vec<Uuid> = shown.into_iter().collect();
    Ok(IncidentView {
        id: links.incident_id(report),
        figures: terrain_domain::incident::IncidentFigures::of(heads.iter().map(|h| &h.content)),
        reports,
    })
}
