//! What sync says as it goes, as messages of the one catalogue (`messages.json`): `terrain
//! sync` prints them in its reader's language, the app's Sync screen shows them in the
//! window's.

use crate::SyncError;
use crate::keep::Status;
use crate::run::{Event, Summary};
use std::time::Duration;
use terrain_domain::Message;

/// The counts the sentences need, kept across the events of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Revisions queued when the pass looked.
    pub queued: usize,
    /// Reports sent (the server holds their text).
    pub sent: usize,
    /// Revisions the server holds whole, photos included.
    pub acked: usize,
}

impl Tally {
    /// What to say of a step of the loop: its events and failures (a pass's start and end
    /// go without words; the events said them).
    pub fn said(&mut self, status: &Status<'_>) -> Option<Message> {
        match status {
            Status::Event(e) => Some(self.say(e)),
            Status::Failed { error, retry_in } => Some(failed(error, *retry_in)),
            Status::Syncing | Status::Done(_) => None,
        }
    }

    /// Counts `event` in and says it.
    pub fn say(&mut self, event: &Event) -> Message {
        match event {
            Event::Queued { count } => {
                self.queued = *count;
                Message::new("sync.queued", [("count", count)])
            }
            Event::Sent { count, .. } => {
                self.sent += count;
                Message::new("sync.sent", [("sent", self.sent)])
            }
            Event::Acked { count } => {
                self.acked += count;
                Message::new(
                    "sync.acked",
                    [("acked", self.acked), ("total", self.queued)],
                )
            }
            Event::Refused { revision, reason } => Message::new(
                "sync.refused",
                [
                    ("revision", revision.to_string()),
                    ("reason", reason.clone()),
                ],
            ),
            Event::MissingPhoto { report, sha256, .. } => Message::new(
                "sync.missing_photo",
                [
                    ("report", report.to_string()),
                    ("photo", sha256[..sha256.len().min(12)].to_string()),
                ],
            ),
            e @ Event::Photos {
                report,
                done,
                total,
                bytes,
                total_bytes,
                ..
            } => {
                let mut m = Message::new(
                    "sync.photos",
                    [
                        ("sent", self.sent.to_string()),
                        ("done", done.to_string()),
                        ("total", total.to_string()),
                        ("mb", mb(*bytes)),
                        ("total_mb", mb(*total_bytes)),
                        ("report", report.to_string()),
                    ],
                );
                if let Some(secs) = e.seconds_left() {
                    let (unit, n) = about(secs);
                    m.code = "sync.photos_timed".into();
                    m.params.insert("about".into(), unit.into());
                    m.params.insert("n".into(), n.to_string());
                }
                m
            }
            Event::PhotosWait {
                count,
                bytes_per_sec,
            } => Message::new(
                "sync.photos_wait",
                [
                    ("count", count.to_string()),
                    ("kbit", (bytes_per_sec.unwrap_or(0) * 8 / 1000).to_string()),
                    ("good_kbit", (crate::GOOD_LINK * 8 / 1000).to_string()),
                ],
            ),
            Event::Pulled {
                received,
                merged,
                conflicts,
            } => Message::new(
                "sync.pulled",
                [
                    ("received", received),
                    ("merged", merged),
                    ("conflicts", conflicts),
                ],
            ),
            Event::Failed {
                reason,
                retry_in_ms: Some(ms),
            } => Message::new(
                "sync.failed_retry",
                [("reason", reason.clone()), ("s", (ms / 1000).to_string())],
            ),
            Event::Failed {
                reason,
                retry_in_ms: None,
            } => Message::new("sync.failed", [("reason", reason)]),
            Event::UpToDate => Message::new("sync.up_to_date", None::<(&str, &str)>),
        }
    }
}

/// A failed pass: the next try, or why sync stopped. A refusal is said in plain words, the
/// server's own reason kept as the detail.
pub fn failed(error: &SyncError, retry_in: Option<Duration>) -> Message {
    let reason = error.to_string();
    match (error, retry_in) {
        (_, Some(wait)) => Message::new(
            "sync.failed_retry",
            [
                ("reason", reason),
                ("s", (wait.as_millis() / 1000).to_string()),
            ],
        ),
        (SyncError::Refused { .. }, None) => Message::new("sync.stopped", [("reason", reason)]),
        (_, None) => Message::new("sync.failed", [("reason", reason)]),
    }
}

impl Summary {
    /// The totals of a pass in one sentence.
    pub fn said(&self) -> Message {
        let summary = self;
        Message::new(
            "sync.done",
            [
                ("acked", summary.acked),
                ("photos", summary.photos),
                ("received", summary.received),
                ("merged", summary.merged),
                ("conflicts", summary.conflicts),
                ("refused", summary.refused),
            ],
        )
    }
}

/// Megabytes with one decimal: what a person on a slow link counts in.
fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_000_000.0)
}

/// "about 5 minutes", "about 40 seconds": the catalogue's unit and the count in it.
fn about(secs: u64) -> (&'static str, u64) {
    match secs {
        0..60 => ("sync.about_seconds", secs),
        60..7200 => ("sync.about_minutes", secs.div_ceil(60)),
        _ => ("sync.about_hours", secs.div_ceil(3600)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use terrain_domain::Lang;
    use uuid::Uuid;

    #[test]
    fn a_run_is_said_in_either_language_with_its_counts() {
        let mut tally = Tally::default();
        let report = Uuid::nil();
        let lines: Vec<String> = [
            Event::Queued { count: 3 },
            Event::Sent {
                count: 3,
                bytes: 900,
            },
            Event::Acked { count: 2 },
            Event::Photos {
                report,
                done: 1,
                total: 2,
                bytes: 1_200_000,
                total_bytes: 3_100_000,
                bytes_per_sec: Some(6_000),
            },
        ]
        .iter()
        .map(|e| tally.say(e).text(Lang::En))
        .collect();
        assert_eq!(
            lines,
            [
                "3 revision(s) to send",
                "3 report(s) sent",
                "sent 2 of 3",
                &format!(
                    "3 report(s) sent; photos 1 of 2, 1.2 of 3.1 MB, about 6 minutes left at \
                     the current rate; report {report} waits for its photo"
                ),
            ]
        );
        assert_eq!(
            tally.say(&Event::Acked { count: 1 }).text(Lang::Fr),
            "3 envoyé(s) sur 3"
        );
    }

    #[test]
    fn a_refusal_says_sync_stopped_and_link_trouble_says_when_next() {
        let revoked = SyncError::Refused {
            status: 401,
            code: "token_revoked".into(),
            message: "this device's access was revoked; ask an administrator".into(),
        };
        let stopped = failed(&revoked, None);
        assert_eq!(stopped.code, "sync.stopped");
        let fr = stopped.text(Lang::Fr);
        assert!(
            fr.starts_with("synchronisation arrêtée : le serveur a refusé (")
                && fr.contains("token_revoked")
                && fr.contains("reconnectez-vous"),
            "{fr}"
        );
        let down = SyncError::Unreachable {
            server: "https://terrain.example.org".into(),
            reason: "connection refused".into(),
        };
        assert!(
            failed(&down, Some(Duration::from_millis(4_200)))
                .text(Lang::En)
                .ends_with("; next try in 4 s")
        );
        assert_eq!(failed(&SyncError::NotSignedIn, None).code, "sync.failed");
    }
}
