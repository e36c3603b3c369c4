//! GeoJSON: a FeatureCollection of points, one per report that has coordinates (or one per
//! incident: the reports people linked as one), with the fields a map needs in each feature's
//! properties. Streamed like the CSV.

use crate::incidents::{Incidents, by_incident};
use crate::{ExportError, Result, Row, SiteNames, changed_since};
use serde_json::json;
use std::io::Write;
use terrain_domain::incident::IncidentFigures;
use terrain_domain::{FigureKind, Revision};

/// How many features were written, and how many reports had no coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub features: u64,
    pub without_coordinates: u64,
}

/// What to write: a feature per report or per incident.
#[derive(Debug, Clone, Copy, Default)]
pub struct GeoJsonOptions {
    /// One feature per incident: its linked reports summed up.
    pub per_incident: bool,
}

/// Writes the points; each feature's `review` is the report's latest review decision (null
/// when none): `state`, `by`, `at`, `comment`, `revision` reviewed and `changed_since`; its
/// `incident_id` the id it shares with the reports linked to it (its own when none).
///
/// With [`GeoJsonOptions::per_incident`], one feature per incident instead, at the first of its
/// reports that has coordinates: `incident_id`, `reports` (ids), `earliest` and `latest`,
/// `figures` over every report's claims (`conservative`, `text`, and `claims` naming each
/// source), `sources` and `sites` (names), and the first report's title, type and place.
/// `without_coordinates` then counts incidents none of whose reports has coordinates.
pub fn write<R: Row, E: std::fmt::Display>(
    out: &mut dyn Write,
    revisions: &mut dyn Iterator<Item = Result<R, E>>,
    sites: &SiteNames,
    incidents: &Incidents,
    options: GeoJsonOptions,
) -> Result<Written> {
    let io = |e: std::io::Error| ExportError::Csv(e.into());
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")
        .map_err(io)?;
    let mut written = Written {
        features: 0,
        without_coordinates: 0,
    };
    if options.per_incident {
        for group in by_incident(revisions, incidents) {
            let group = group.map_err(|e| ExportError::Source(e.to_string()))?;
            let revisions: Vec<&Revision> = group.iter().map(Row::revision).collect();
            let Some(feature) = incident_feature(&revisions, sites, incidents) else {
                written.without_coordinates += 1;
                continue;
            };
            if written.features > 0 {
                out.write_all(b",\n").map_err(io)?;
            }
            serde_json::to_writer(&mut *out, &feature)
                .map_err(|e| ExportError::Csv(std::io::Error::other(e).into()))?;
            written.features += 1;
        }
        out.write_all(b"\n]}\n").map_err(io)?;
        if written.features == 0 {
            return Err(ExportError::Empty);
        }
        return Ok(written);
    }
    for revision in revisions {
        let row = revision.map_err(|e| ExportError::Source(e.to_string()))?;
        let revision: &Revision = row.revision();
        let r = &revision.content;
        let Some(point) = r.location.coordinates else {
            written.without_coordinates += 1;
            continue;
        };
        let figures: serde_json::Map<String, serde_json::Value> = FigureKind::ALL
            .iter()
            .filter_map(|k| {
                r.figure(*k).map(|s| {
                    (
                        k.key().to_string(),
                        json!({"conservative": s.conservative, "text": s.to_string()}),
                    )
                })
            })
            .collect();
        let feature = json!({
            "type": "Feature",
            "id": r.id,
            // GeoJSON orders positions longitude first.
            "geometry": {"type": "Point", "coordinates": [point.longitude, point.latitude]},
            "properties": {
                "title": r.title,
                "status": r.status.as_str(),
                "event_date": r.when.date,
                "end_date": r.when.end_date,
                "event_type": r.what.event_type.map(|e| e.label()),
                "sub_event_type": r.what.sub_event_type.map(|e| e.label()),
                "admin1": r.location.admin1,
                "admin2": r.location.admin2,
                "place": r.location.place,
                "geo_precision": r.location.geo_precision.acled_code(),
                "figures": figures,
                "revision_id": revision.id,
                "content_hash": revision.content_hash,
                "incident_id": incidents.id(r.id),
                "review": row.review().map(|d| json!({
                    "state": d.state.key(),
                    "by": d.by,
                    "at": d.at,
                    "comment": d.comment,
                    "revision": d.revision,
                    "changed_since": changed_since(d, revision),
                })),
            }
        });
        if written.features > 0 {
            out.write_all(b",\n").map_err(io)?;
        }
        serde_json::to_writer(&mut *out, &feature)
            .map_err(|e| ExportError::Csv(std::io::Error::other(e).into()))?;
        written.features += 1;
    }
    out.write_all(b"\n]}\n").map_err(io)?;
    if written.features == 0 {
        return Err(ExportError::Empty);
    }
    Ok(written)
}

/// An incident's feature, at the first of its reports with coordinates; None when none has.
fn incident_feature(
    revisions: &[&Revision],
    sites: &SiteNames,
    incidents: &Incidents,
) -> Option<serde_json::Value> {
    let together = IncidentFigures::of(revisions.iter().map(|r| &r.content))?;
    let point = revisions
        .iter()
        .find_map(|r| r.content.location.coordinates)?;
    let lead = &revisions[0].content;
    let figures: serde_json::Map<String, serde_json::Value> = together
        .figures
        .iter()
        .map(|f| {
            let claims: Vec<serde_json::Value> = f
                .claims
                .iter()
                .map(|c| {
                    let (low, high) = c.claim.amount.bounds();
                    json!({"report": c.report, "source": c.source.name, "min": low, "max": high})
                })
                .collect();
            (
                f.kind.key().to_string(),
                json!({
                    "conservative": f.summary.conservative,
                    "min": f.summary.min,
                    "max": f.summary.max,
                    "text": f.summary.to_string(),
                    "claims": claims,
                }),
            )
        })
        .collect();
    Some(json!({
        "type": "Feature",
        "id": incidents.id(lead.id),
        "geometry": {"type": "Point", "coordinates": [point.longitude, point.latitude]},
        "properties": {
            "incident_id": incidents.id(lead.id),
            "reports": together.reports,
            "revisions": revisions.iter().map(|r| r.id).collect::<Vec<_>>(),
            "earliest": together.earliest,
            "latest": together.latest,
            "title": lead.title,
            "event_type": lead.what.event_type.map(|e| e.label()),
            "sub_event_type": lead.what.sub_event_type.map(|e| e.label()),
            "admin1": lead.location.admin1,
            "admin2": lead.location.admin2,
            "place": lead.location.place,
            "figures": figures,
            "sources": together.sources.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            "sites": together.sites.iter().map(|s| {
                sites.get(&s.site_id).unwrap_or_else(|| "(unknown site)".into())
            }).collect::<Vec<_>>(),
        }
    }))
}
