//! GeoJSON: a FeatureCollection of points, one per report that has coordinates, with the
//! fields a map needs in each feature's properties. Streamed like the CSV.

use crate::{ExportError, Result, Row, changed_since};
use serde_json::json;
use std::io::Write;
use terrain_domain::{FigureKind, Revision};

/// How many features were written, and how many reports had no coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub features: u64,
    pub without_coordinates: u64,
}

/// Writes the points; each feature's `review` is the report's latest review decision (null
/// when none): `state`, `by`, `at`, `comment`, `revision` reviewed and `changed_since`.
pub fn write<R: Row, E: std::fmt::Display>(
    out: &mut dyn Write,
    revisions: &mut dyn Iterator<Item = Result<R, E>>,
) -> Result<Written> {
    let io = |e: std::io::Error| ExportError::Csv(e.into());
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")
        .map_err(io)?;
    let mut written = Written {
        features: 0,
        without_coordinates: 0,
    };
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
