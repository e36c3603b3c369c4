//! A push: each revision screened (sizes, hash, final, valid), the rest stored once in one
//! transaction where [`PushRules::judge`] decides the regions before and after, and the audit
//! events ([`PushRecord::events`]) commit with them.

use crate::error::{AppError, Result};
use crate::policy::regions;
use crate::{AppState, actions};
use chrono::{NaiveDate, Utc};
use terrain_domain::{Revision, Status, check};
use terrain_protocol::{PushAnswer, PushResult, PushStatus, codes, limits};
use terrain_server_store::{AuditEvent, Device, Incoming, Outcome, PushRules, same_region};
use uuid::Uuid;

/// Stores what `device` pushes, each revision once: one result per revision, in order.
pub async fn push(
    state: &AppState,
    device: &Device,
    revisions: Vec<Revision>,
    today: NaiveDate,
) -> Result<PushAnswer> {
    if revisions.len() > limits::PUSH_REVISIONS {
        return Err(AppError::TooManyRevisions {
            count: revisions.len(),
        });
    }
    let mut results: Vec<Option<PushResult>> = Vec::with_capacity(revisions.len());
    let mut batch = Vec::new();
    for rev in revisions {
        let verdict = screen(&rev, today);
        if verdict.is_none() {
            let (user, name) = (&device.user.name, &device.name);
            batch.push(Incoming::sealing(rev, user, name, &state.contact_key));
        }
        results.push(verdict);
    }
    let sent: Vec<(Uuid, String)> = batch
        .iter()
        .map(|i| (i.revision.id, i.revision.device.clone()))
        .collect();
    let record = PushRecord {
        who: device.clone(),
        total: results.len(),
        refused: results
            .iter()
            .flatten()
            .map(|r| {
                let (code, message) = (r.code.as_deref(), r.message.as_deref());
                (
                    r.rev_id,
                    format!("{}: {}", code.unwrap_or(""), message.unwrap_or("")),
                )
            })
            .collect(),
        sent: sent.clone(),
        moves: Vec::new(),
    };
    // The events commit with the revisions: a stored revision without its event is impossible.
    let mut outcomes = state
        .store
        .push(batch, Box::new(record))
        .await?
        .into_iter()
        .zip(sent);
    let results: Vec<PushResult> = results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                let (outcome, (rev_id, claimed)) =
                    outcomes.next().expect("one outcome per stored revision");
                result(rev_id, &claimed, outcome)
            })
        })
        .collect();
    let results = with_receipts(state, results).await?;
    tracing::info!(user = %device.user.name, device = %device.name, count = results.len(), "push");
    Ok(PushAnswer { results })
}

/// `results` with the server's signed receipt on each revision it holds (stored, conflict or
/// already held), read back from the stored rows: a retry gets the first push's receipt.
pub async fn with_receipts(
    state: &AppState,
    mut results: Vec<PushResult>,
) -> Result<Vec<PushResult>> {
    let held: Vec<Uuid> = results
        .iter()
        .filter(|r| r.status != PushStatus::Rejected)
        .map(|r| r.rev_id)
        .collect();
    if held.is_empty() {
        return Ok(results);
    }
    let rows: std::collections::HashMap<Uuid, _> = state
        .store
        .received(held)
        .await?
        .into_iter()
        .map(|row| (row.rev_id, row))
        .collect();
    for result in &mut results {
        let Some(row) = rows.get(&result.rev_id) else {
            continue;
        };
        let keys = &state.server_keys;
        let receipt = keys.receipt(
            row.report_id,
            row.rev_id,
            &row.content_hash,
            row.seq,
            row.received_at,
        );
        match receipt {
            Ok(receipt) => result.receipt = Some(receipt),
            // A stored hash not of its form (never written by this server): no receipt.
            Err(why) => tracing::warn!(rev = %row.rev_id, %why, "no receipt"),
        }
    }
    Ok(results)
}

/// Why `rev` is refused before storage, cheapest check first (an oversized revision is refused
/// before it is hashed); None if it goes to storage, where its regions are judged.
pub fn screen(rev: &Revision, today: NaiveDate) -> Option<PushResult> {
    let problems = |p: terrain_domain::Problems| p.to_string().replace('\n', "; ");
    if let Err(p) = rev.check_bounds() {
        Some(rejected(rev.id, codes::INVALID_REPORT, problems(p)))
    } else if rev.report_id != rev.content.id || !rev.hash_matches() {
        let why = "the content does not match its id or sha256";
        Some(rejected(rev.id, codes::HASH_MISMATCH, why.into()))
    } else if rev.content.status != Status::Final {
        let why = "drafts stay on the device; only final reports are sent";
        Some(rejected(rev.id, codes::INVALID_REPORT, why.into()))
    } else if let Err(p) = check(rev.content.clone(), today) {
        Some(rejected(rev.id, codes::INVALID_REPORT, problems(p)))
    } else {
        None
    }
}

/// What storage did with a revision, as the device is told; `claimed` is the device it names.
fn result(rev_id: Uuid, claimed: &str, outcome: Outcome) -> PushResult {
    let (status, seq) = match outcome {
        Outcome::Stored { seq } => (PushStatus::Stored, seq),
        Outcome::AlreadyHave { seq } => (PushStatus::AlreadyHave, seq),
        Outcome::Conflict { seq } => (PushStatus::Conflict, seq),
        Outcome::Refused(why) => return rejected(rev_id, codes::REGION_FORBIDDEN, why),
        Outcome::DeviceOfAnotherUser => {
            return rejected(
                rev_id,
                codes::DEVICE_FORBIDDEN,
                format!(
                    "the revision's device {claimed:?} first sent revisions as another user; a \
                     device id belongs to one user"
                ),
            );
        }
    };
    PushResult {
        rev_id,
        status,
        seq: Some(seq),
        code: None,
        message: None,
        receipt: None,
    }
}

fn rejected(rev_id: Uuid, code: &str, message: String) -> PushResult {
    PushResult {
        rev_id,
        status: PushStatus::Rejected,
        seq: None,
        code: Some(code.into()),
        message: Some(message),
        receipt: None,
    }
}

/// A move of a report between regions, by one revision of a push.
struct Move {
    rev: Uuid,
    report: Uuid,
    from: Vec<String>,
    to: String,
}

/// What one push did, for its audit events; it judges the regions in the store's transaction.
struct PushRecord {
    /// Who pushes: their regions and role decide, their names go in the events.
    who: Device,
    total: usize,
    /// Revisions refused before storage, with their reasons.
    refused: Vec<(Uuid, String)>,
    /// The revisions sent to storage and the device each claims, in batch order.
    sent: Vec<(Uuid, String)>,
    /// Moves the judge allowed; those stored are audited.
    moves: Vec<Move>,
}

impl PushRules for PushRecord {
    fn judge(&mut self, incoming: &Incoming, was: &[String]) -> Option<String> {
        let (rev, region) = (&incoming.revision, &incoming.region);
        let why = regions::refusal(&self.who, was, region);
        if why.is_none() && was.iter().any(|w| !same_region(w, region)) {
            self.moves.push(Move {
                rev: rev.id,
                report: rev.report_id,
                from: was.to_vec(),
                to: region.clone(),
            });
        }
        why
    }

    fn events(self: Box<Self>, outcomes: &[Outcome]) -> Vec<AuditEvent> {
        PushRecord::events(*self, outcomes)
    }
}

/// `items`, the first [`limits::AUDIT_REASONS`] of them, then how many more.
fn bounded(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(limits::AUDIT_REASONS)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > limits::AUDIT_REASONS {
        text.push_str(&format!(
            " and {} more",
            items.len() - limits::AUDIT_REASONS
        ));
    }
    text
}

impl PushRecord {
    /// The push event (counts, what was stored, why each refused revision was: bounded) and
    /// one `report_move` event per move stored, given the storage's outcomes.
    fn events(self, outcomes: &[Outcome]) -> Vec<AuditEvent> {
        let at = Utc::now();
        let event = |action: &str, detail: String| AuditEvent {
            at,
            actor: Some(self.who.user.name.clone()),
            device: Some(self.who.name.clone()),
            action: action.into(),
            detail,
        };
        let mut stored = Vec::new();
        let mut refused: Vec<String> = self
            .refused
            .iter()
            .map(|(rev, why)| format!("{rev}: {why}"))
            .collect();
        let mut held = 0;
        for ((rev, claimed), outcome) in self.sent.iter().zip(outcomes) {
            match outcome {
                Outcome::Stored { .. } | Outcome::Conflict { .. } => stored.push(rev.to_string()),
                Outcome::AlreadyHave { .. } => held += 1,
                Outcome::DeviceOfAnotherUser => refused.push(format!(
                    "{rev}: {}: device {claimed:?} belongs to another user",
                    codes::DEVICE_FORBIDDEN
                )),
                Outcome::Refused(why) => {
                    refused.push(format!("{rev}: {}: {why}", codes::REGION_FORBIDDEN))
                }
            }
        }
        let mut detail = format!(
            "{} revisions: {} stored, {} refused, {held} already held",
            self.total,
            stored.len(),
            refused.len()
        );
        if !stored.is_empty() {
            detail.push_str(&format!("; stored: {}", bounded(&stored)));
        }
        if !refused.is_empty() {
            detail.push_str(&format!("; refused: {}", bounded(&refused)));
        }
        let mut events = vec![event(actions::PUSH, detail)];
        for m in &self.moves {
            let kept = self.sent.iter().zip(outcomes).any(|((rev, _), o)| {
                *rev == m.rev && matches!(o, Outcome::Stored { .. } | Outcome::Conflict { .. })
            });
            if kept {
                events.push(event(
                    actions::REPORT_MOVE,
                    format!(
                        "report {} moved from {} to {} by revision {}",
                        m.report,
                        m.from.join(", "),
                        m.to,
                        m.rev
                    ),
                ));
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::{device, revision, state};
    use terrain_protocol::Role;
    use terrain_server_store::AuditQuery;

    fn today() -> NaiveDate {
        Utc::now().date_naive()
    }

    fn statuses(answer: &PushAnswer) -> Vec<(PushStatus, Option<&str>)> {
        let results = answer.results.iter();
        results.map(|r| (r.status, r.code.as_deref())).collect()
    }

    #[tokio::test]
    async fn each_revision_is_stored_once_and_refusals_keep_their_place() {
        let (state, _dir) = state();
        let awa = device("awa", Role::Reporter, &["Kayes"]);
        let (mine, other) = (revision("Kayes"), revision("Gao"));
        let mut draft = revision("Kayes");
        draft.content.status = Status::Draft;
        draft.content_hash = terrain_domain::content_hash(&draft.content);
        let batch = vec![draft, mine.clone(), other];
        let answer = push(&state, &awa, batch, today()).await.unwrap();
        assert_eq!(
            statuses(&answer),
            [
                (PushStatus::Rejected, Some(codes::INVALID_REPORT)),
                (PushStatus::Stored, None),
                (PushStatus::Rejected, Some(codes::REGION_FORBIDDEN)),
            ]
        );
        let again = push(&state, &awa, vec![mine], today()).await.unwrap();
        assert_eq!(statuses(&again), [(PushStatus::AlreadyHave, None)]);
        let query = AuditQuery {
            since: None,
            user: Some("awa".into()),
            limit: 10,
        };
        let events = state.store.audit(&query).await.unwrap();
        assert!(
            events[0]
                .detail
                .starts_with("3 revisions: 1 stored, 2 refused, 0 already held")
        );
        assert!(
            events[1]
                .detail
                .starts_with("1 revisions: 0 stored, 0 refused, 1 already held")
        );
    }

    #[tokio::test]
    async fn held_revisions_get_a_signed_receipt_and_a_retry_the_same_one() {
        let (state, _dir) = state();
        let awa = device("awa", Role::Reporter, &["Kayes"]);
        let (mine, other) = (revision("Kayes"), revision("Gao"));
        let batch = vec![mine.clone(), other];
        let answer = push(&state, &awa, batch, today()).await.unwrap();
        let receipt = answer.results[0].receipt.clone().expect("a receipt");
        assert_eq!(answer.results[1].receipt, None, "no receipt for a refusal");
        let body = &receipt.body;
        assert_eq!((body.rev_id, body.report_id), (mine.id, mine.report_id));
        assert_eq!(body.content_hash, mine.content_hash);
        assert_eq!(Some(body.seq), answer.results[0].seq);
        let public = state.server_keys.public();
        let key = terrain_protocol::receipt::parse_public_key(&public.signing).unwrap();
        assert_eq!(terrain_protocol::receipt::verify(&receipt, &key), Ok(()));
        let again = push(&state, &awa, vec![mine], today()).await.unwrap();
        assert_eq!(again.results[0].status, PushStatus::AlreadyHave);
        assert_eq!(again.results[0].receipt.as_ref(), Some(&receipt));
    }

    #[tokio::test]
    async fn a_push_over_the_bound_is_refused_whole() {
        let (state, _dir) = state();
        let awa = device("awa", Role::Reporter, &["Kayes"]);
        let many = vec![revision("Kayes"); limits::PUSH_REVISIONS + 1];
        let refused = push(&state, &awa, many, today()).await.unwrap_err();
        assert_eq!(refused.code(), codes::TOO_MANY_REVISIONS);
    }

    #[test]
    fn a_revision_whose_content_was_changed_is_refused_before_storage() {
        let mut rev = revision("Kayes");
        assert_eq!(screen(&rev, today()), None);
        rev.content.title.push('!');
        let refused = screen(&rev, today()).unwrap();
        assert_eq!(refused.code.as_deref(), Some(codes::HASH_MISMATCH));
    }

    #[test]
    fn audit_reasons_are_bounded() {
        let many: Vec<String> = (0..limits::AUDIT_REASONS + 3)
            .map(|i| i.to_string())
            .collect();
        assert!(bounded(&many).ends_with(" and 3 more"));
    }
}
