//! The device's settings, kept in the store's `meta` table so they outlive restarts.

use crate::{Result, Store};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use terrain_domain::Problems;

const PHOTOS: &str = "setting.photos";

/// How this device sends photos.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum PhotoPolicy {
    /// As soon as the reports' text is on the server.
    #[default]
    Always,
    /// Only while the measured rate is good enough; the text still goes.
    GoodLink,
    /// A reduced copy of each photo first, then the original.
    ReducedFirst,
}

impl PhotoPolicy {
    pub const ALL: [PhotoPolicy; 3] = [
        PhotoPolicy::Always,
        PhotoPolicy::GoodLink,
        PhotoPolicy::ReducedFirst,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PhotoPolicy::Always => "always",
            PhotoPolicy::GoodLink => "good-link",
            PhotoPolicy::ReducedFirst => "reduced-first",
        }
    }
}

impl std::str::FromStr for PhotoPolicy {
    type Err = Problems;

    fn from_str(s: &str) -> std::result::Result<Self, Problems> {
        PhotoPolicy::ALL
            .into_iter()
            .find(|p| p.as_str() == s.trim())
            .ok_or_else(|| {
                Problems::one(
                    "photos",
                    "photo_policy_unknown",
                    [
                        ("value", s),
                        ("choices", "always, good-link, reduced-first"),
                    ],
                )
            })
    }
}

impl Store {
    /// How photos are sent ([`PhotoPolicy::Always`] until chosen).
    pub fn photo_policy(&self) -> Result<PhotoPolicy> {
        let conn = self.reader()?;
        let value: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [PHOTOS], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.sql())?;
        // A value this build does not know (written by a newer one) reads as the default.
        Ok(value.and_then(|v| v.parse().ok()).unwrap_or_default())
    }

    pub fn set_photo_policy(&self, policy: PhotoPolicy) -> Result<()> {
        self.writer()
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [PHOTOS, policy.as_str()],
            )
            .map(|_| ())
            .map_err(self.sql())
    }
}
