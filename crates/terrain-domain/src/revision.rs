//! Revisions: the immutable history of a report, each hashed over a canonical JSON form.
//!
//! The hash leaves out every source's `contact`: contacts are need-to-know, so the server
//! gives a revision's contacts only to who may read them, and a copy without them must verify
//! as well as one with them. Revisions hashed under the first rule (the whole content) still
//! verify ([`Revision::hash_matches`]).

use crate::report::Report;
use crate::text::{self, TextKind};
use crate::validate::{Problems, ValidReport, limits, sizes, too_long, too_many};
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Revision {
    pub id: Uuid,
    pub report_id: Uuid,
    /// The revisions this one follows: none for the first, two when it resolves a conflict.
    pub parents: Vec<Uuid>,
    pub author: String,
    pub device: String,
    pub created_at: DateTime<Utc>,
    /// Hex sha256 of [`canonical_json`] of the content without its sources' contacts
    /// ([`content_hash`]); or, made before that rule, of the whole content.
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

    /// Checks every size bound of the revision (its author, device, parents and hash) and of
    /// its content ([`sizes`]), and the characters of its author and device: cheap enough to run
    /// on whatever is received, before it is hashed or checked further. A device runs it before
    /// saving, the server before anything else, so both refuse the same revisions alike.
    pub fn check_bounds(&self) -> Result<(), Problems> {
        use limits::{AUTHOR_CHARS, DEVICE_CHARS, PARENTS, SHA256_CHARS};
        let mut problems = Vec::new();
        for (field, value, max) in [
            ("author", &self.author, AUTHOR_CHARS),
            ("device", &self.device, DEVICE_CHARS),
            ("content_hash", &self.content_hash, SHA256_CHARS),
        ] {
            let n = if value.len() > max {
                value.chars().count()
            } else {
                0
            };
            if n > max {
                problems.push(too_long(field, n, max));
            } else if let Some(refused) = text::refused(value, TextKind::Line) {
                problems.push(refused.problem(field));
            }
        }
        if self.parents.len() > PARENTS {
            problems.push(too_many("parents", self.parents.len(), PARENTS));
        }
        if let Err(Problems(more)) = sizes(&self.content) {
            problems.extend(more);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Problems(problems))
        }
    }

    /// True when the stored hash matches the content: the revision is unaltered. Either rule
    /// counts: the current one (contacts left out) or the first (the whole content).
    pub fn hash_matches(&self) -> bool {
        content_hash(&self.content) == self.content_hash
            || full_content_hash(&self.content) == self.content_hash
    }

    /// Takes the contacts out of the sources: (source key, contact) for each source that had one.
    pub fn take_contacts(&mut self) -> Vec<(String, String)> {
        self.content
            .sources
            .iter_mut()
            .filter_map(|s| Some((s.key.clone(), s.contact.take()?)))
            .collect()
    }

    /// This revision as one reader may see it: each source's contact is what `contact` gives for
    /// its key, or none. A revision hashed under the first rule covered the contacts it carried;
    /// once one is withheld it no longer verifies, so it is hashed again under the current rule
    /// and `true` says so. (Its first hash is not kept beside: with the contact gone, that hash
    /// would let a reader confirm a guessed phone number.)
    pub fn with_contacts(mut self, contact: impl Fn(&str) -> Option<String>) -> (Revision, bool) {
        for source in &mut self.content.sources {
            source.contact = contact(&source.key);
        }
        if self.hash_matches() {
            return (self, false);
        }
        self.content_hash = content_hash(&self.content);
        (self, true)
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

/// Hex sha256 of the canonical JSON of the report with every source's contact left out: the
/// hash revisions carry.
pub fn content_hash(report: &Report) -> String {
    full_content_hash(&without_contacts(report))
}

/// Hex sha256 of the report's whole canonical JSON, contacts included: the first rule, which
/// older revisions carry.
pub fn full_content_hash(report: &Report) -> String {
    sha256_hex(canonical_report_json(report).as_bytes())
}

/// The report with no source's contact.
pub fn without_contacts(report: &Report) -> Report {
    let mut report = report.clone();
    for source in &mut report.sources {
        source.contact = None;
    }
    report
}

/// Lower-case hex sha256, the form hashes take everywhere in Terrain.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{check, parse_json};

    const CONTACT: &str = "+223 76 00 00 00, ne jamais citer";

    fn revision_with_contact() -> Revision {
        let seed = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");
        let mut report = parse_json(seed).unwrap();
        report.sources[0].contact = Some(CONTACT.into());
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let report = check(report, today).unwrap();
        Revision::new(report, vec![], "awa", "laptop", Utc::now())
    }

    /// A revision as a build before the contact rule made it: hashed over everything.
    fn old_rule(mut rev: Revision) -> Revision {
        rev.content_hash = full_content_hash(&rev.content);
        rev
    }

    #[test]
    fn the_hash_leaves_out_contacts_so_a_copy_without_them_verifies() {
        let rev = revision_with_contact();
        assert!(rev.hash_matches());
        let mut without = rev.clone();
        assert_eq!(
            without.take_contacts(),
            vec![("wamaps".to_string(), CONTACT.to_string())]
        );
        assert!(
            !serde_json::to_string(&without)
                .unwrap()
                .contains("76 00 00")
        );
        assert_eq!(without.content_hash, rev.content_hash);
        assert!(without.hash_matches());
        let mut changed = without.clone();
        changed.content.sources[0].name = "someone else".into();
        assert!(
            !changed.hash_matches(),
            "everything but contacts is covered"
        );
    }

    #[test]
    fn revisions_hashed_over_their_whole_content_still_verify() {
        let rev = old_rule(revision_with_contact());
        assert_ne!(rev.content_hash, content_hash(&rev.content));
        assert!(rev.hash_matches());
        let mut tampered = rev.clone();
        tampered.content.sources[0].contact = Some("+223 66 66 66 66".into());
        assert!(!tampered.hash_matches(), "the old rule covers the contact");
    }

    #[test]
    fn an_old_rule_revision_whose_contact_is_withheld_is_hashed_again_and_says_so() {
        let rev = old_rule(revision_with_contact());
        let (kept, rehashed) = rev
            .clone()
            .with_contacts(|key| (key == "wamaps").then(|| CONTACT.into()));
        assert!(!rehashed);
        assert_eq!(kept.content_hash, rev.content_hash);
        assert_eq!(kept.content.sources[0].contact, Some(CONTACT.into()));
        let (withheld, rehashed) = rev.clone().with_contacts(|_| None);
        assert!(rehashed);
        assert!(withheld.hash_matches());
        assert_eq!(withheld.content_hash, content_hash(&rev.content));
        assert!(withheld.content.sources.iter().all(|s| s.contact.is_none()));
    }

    #[test]
    fn a_current_rule_revision_takes_any_contact_without_a_new_hash() {
        let rev = revision_with_contact();
        let (shown, rehashed) = rev
            .clone()
            .with_contacts(|key| (key == "elected-official").then(|| "+223 1".into()));
        assert!(!rehashed);
        assert_eq!(shown.content_hash, rev.content_hash);
        assert_eq!(shown.content.sources[0].contact, None);
        assert_eq!(shown.content.sources[1].contact.as_deref(), Some("+223 1"));
    }
}
