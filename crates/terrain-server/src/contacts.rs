//! Who reads a source's contact, and each pulled revision as its reader may see it.
//!
//! A contact is read by its author (the user who pushed a revision carrying it) and by the
//! reviewers and administrators of the report's region (the pull gives nobody another region).
//! A revision without a contact its report has for that source (an edit made on a device that
//! never had it) is given the latest one, to those who may read it: a colleague's edit does not
//! make the contact vanish from the author's other devices. The hash leaves contacts out, so
//! adding or withholding one keeps it verifying; see [`Revision::with_contacts`] for revisions
//! hashed before that rule.

use std::collections::HashMap;
use terrain_domain::{Revision, content_hash};
use terrain_protocol::{Pulled, Role};
use terrain_server_store::{ContactKey, Result, StoredContact, User};
use uuid::Uuid;

struct Opened {
    rev_id: Uuid,
    pushed_by: String,
    text: String,
}

/// The page's revisions as `reader` may see them, given the sealed contacts of their reports.
pub fn for_reader(
    items: Vec<(i64, Revision)>,
    stored: Vec<StoredContact>,
    reader: &User,
    key: &ContactKey,
) -> Result<Vec<Pulled>> {
    // By report and source, in feed order.
    let mut known: HashMap<(Uuid, String), Vec<Opened>> = HashMap::new();
    for c in stored {
        let text = key.open(c.rev_id, &c.source_key, &c.sealed)?;
        known
            .entry((c.report_id, c.source_key))
            .or_default()
            .push(Opened {
                rev_id: c.rev_id,
                pushed_by: c.pushed_by,
                text,
            });
    }
    let sees_all = reader.role != Role::Reporter;
    Ok(items
        .into_iter()
        .map(|(seq, revision)| {
            // A revision hashed over its whole content keeps only the contacts it carried.
            let current_rule = revision.content_hash == content_hash(&revision.content);
            let (id, report) = (revision.id, revision.report_id);
            let (revision, rehashed) = revision.with_contacts(|source| {
                let all = known.get(&(report, source.to_string()))?;
                let own = all.iter().find(|c| c.rev_id == id);
                let shown = own.or_else(|| all.last().filter(|_| current_rule))?;
                let may_read = sees_all
                    || all
                        .iter()
                        .any(|c| c.text == shown.text && c.pushed_by == reader.name);
                may_read.then(|| shown.text.clone())
            });
            Pulled {
                seq,
                revision,
                rehashed,
                pending: Vec::new(),
            }
        })
        .collect())
}
