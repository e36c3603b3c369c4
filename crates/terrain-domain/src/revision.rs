//! Revisions: the immutable history of a report, each hashed over a canonical JSON form.

use crate::report::Report;
use crate::validate::ValidReport;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Namespace of merge revision ids (a fixed random UUID).
const MERGE_NAMESPACE: Uuid = Uuid::from_u128(0x6d1f_3c2a_9b4e_4f07_8a15_c2d3_e4f5_a6b7);

/// One saved state of a report. Never changed once written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Revision {
    pub id: Uuid,
    pub report_id: Uuid,
    /// The revisions this one follows: none for the first, two when it resolves a conflict.
    pub parents: Vec<Uuid>,
    pub author: String,
    pub device: String,
    pub created_at: DateTime<Utc>,
    /// Hex sha256 of [`canonical_json`] of the content.
    pub content_hash: String,
    pub content: Report,
}

impl Revision {
    /// A new revision of `report` following `parents`.
    pub fn new(
        report: ValidReport,
        parents: Vec<Uuid>,
        author: &str,
        device: &str,
        now: DateTime<Utc>,
    ) -> Revision {
        let content = report.into_inner();
        Revision {
            id: Uuid::now_v7(),
            report_id: content.id,
            parents,
            author: author.to_string(),
            device: device.to_string(),
            created_at: now,
            content_hash: content_hash(&content),
            content,
        }
    }

    /// The revision that joins `parents` (conflicting heads) into one. Its id depends only on
    /// the parents, so two devices merging the same heads make the same revision, and the
    /// server keeps it once.
    pub fn merge(
        report: ValidReport,
        parents: &[Uuid],
        author: &str,
        device: &str,
        now: DateTime<Utc>,
    ) -> Revision {
        let mut parents = parents.to_vec();
        parents.sort();
        let joined: String = parents
            .iter()
            .map(Uuid::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut rev = Revision::new(report, parents, author, device, now);
        rev.id = Uuid::new_v5(&MERGE_NAMESPACE, joined.as_bytes());
        rev
    }

    /// True when the stored hash matches the content: the revision is unaltered.
    pub fn hash_matches(&self) -> bool {
        content_hash(&self.content) == self.content_hash
    }
}

/// JSON with object keys sorted and no spaces: the same content always gives the same bytes,
/// whatever order fields were written in and whichever serde_json features are on.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The canonical JSON text of a report.
pub fn canonical_report_json(report: &Report) -> String {
    canonical_json(&serde_json::to_value(report).expect("a report always serialises"))
}

/// Hex sha256 of the report's canonical JSON.
pub fn content_hash(report: &Report) -> String {
    sha256_hex(canonical_report_json(report).as_bytes())
}

/// Lower-case hex sha256, the form hashes take everywhere in Terrain.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
