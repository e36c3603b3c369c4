//! The site registry: plants, mines, convoys' roads... attacked more than once.

use crate::gazetteer;
use crate::report::Coordinates;
use crate::text::{self, TextKind};
use crate::validate::{Problems, limits};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Site {
    #[serde(default = "Uuid::now_v7")]
    pub id: Uuid,
    pub name: String,
    pub kind: SiteKind,
    /// Owner or operator ("Ibrahima Diawara").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    pub admin1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    Plant,
    Mine,
    Quarry,
    Convoy,
    Road,
    Market,
    FuelDepot,
    PowerStation,
    Other,
}

impl SiteKind {
    pub const ALL: &'static [SiteKind] = &[
        SiteKind::Plant,
        SiteKind::Mine,
        SiteKind::Quarry,
        SiteKind::Convoy,
        SiteKind::Road,
        SiteKind::Market,
        SiteKind::FuelDepot,
        SiteKind::PowerStation,
        SiteKind::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SiteKind::Plant => "plant",
            SiteKind::Mine => "mine",
            SiteKind::Quarry => "quarry",
            SiteKind::Convoy => "convoy",
            SiteKind::Road => "road",
            SiteKind::Market => "market",
            SiteKind::FuelDepot => "fuel_depot",
            SiteKind::PowerStation => "power_station",
            SiteKind::Other => "other",
        }
    }

    pub fn from_key(key: &str) -> Option<SiteKind> {
        let key = gazetteer::fold(key).replace(' ', "_");
        SiteKind::ALL.iter().copied().find(|k| k.key() == key)
    }
}

impl Site {
    /// Tidies names to the gazetteer's spelling and checks every field.
    pub fn check(mut self) -> Result<Site, Problems> {
        self.name = self.name.trim().to_string();
        // Every field is one line; a refused character is named before any other check quotes
        // the text back.
        let fields = [
            ("name", Some(&self.name)),
            ("operator", self.operator.as_ref()),
            ("admin1", Some(&self.admin1)),
            ("admin2", self.admin2.as_ref()),
            ("place", self.place.as_ref()),
        ];
        let mut problems: Vec<_> = fields
            .iter()
            .filter_map(|(field, value)| {
                value
                    .and_then(|v| text::refused(v, TextKind::Line))
                    .map(|refused| refused.problem(*field))
            })
            .collect();
        let mut fail = |field: &str, code: &str, params: Vec<(&'static str, String)>| {
            problems.push(crate::validate::Problem::new(field, code, params))
        };
        if self.name.is_empty() {
            fail("name", "required", vec![]);
        } else if self.name.chars().count() > limits::SHORT_TEXT_CHARS {
            let max = limits::SHORT_TEXT_CHARS.to_string();
            fail("name", "longer_than", vec![("max", max)]);
        }
        match gazetteer::region(&self.admin1) {
            Some(region) => {
                self.admin1 = region.name.to_string();
                if let Some(name) = &self.admin2 {
                    match region.cercle(name) {
                        Some(c) => self.admin2 = Some(c.name.to_string()),
                        None => fail(
                            "admin2",
                            "cercle_unknown",
                            vec![("name", name.clone()), ("region", region.name.into())],
                        ),
                    }
                }
            }
            None => fail(
                "admin1",
                "region_unknown_plain",
                vec![("name", self.admin1.clone())],
            ),
        }
        for (field, text) in [("operator", &self.operator), ("place", &self.place)] {
            if text
                .as_ref()
                .is_some_and(|t| t.chars().count() > limits::SHORT_TEXT_CHARS)
            {
                let max = limits::SHORT_TEXT_CHARS.to_string();
                fail(field, "longer_than", vec![("max", max)]);
            }
        }
        if let Some(c) = self.coordinates
            && (!(-90.0..=90.0).contains(&c.latitude) || !(-180.0..=180.0).contains(&c.longitude))
        {
            fail(
                "coordinates",
                "not_on_earth",
                vec![
                    ("latitude", c.latitude.to_string()),
                    ("longitude", c.longitude.to_string()),
                ],
            );
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(Problems(problems))
        }
    }
}
