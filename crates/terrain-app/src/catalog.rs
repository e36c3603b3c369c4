//! The pick-lists the form offers: ACLED's taxonomy, our categories, the gazetteer.

use serde::Serialize;
use terrain_domain::gazetteer::{self, Suggestion};
use terrain_domain::limits;
use terrain_domain::{
    Attribution, EventType, FigureKind, LocalCategory, Reliability, SiteKind, SourceKind,
    SubEventType, VagueAmount,
};
use ts_rs::TS;

/// One choice of a pick-list: the value the record stores and, where the record's own words
/// are the label (ACLED's codebook), that label.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Choice {
    pub value: String,
    pub label: String,
    /// For a sub-event type: the event type it belongs to.
    pub parent: Option<String>,
}

/// "des dizaines": the word stored and the number it counts as (ACLED's conservative rule).
#[derive(Debug, Clone, Serialize, TS)]
pub struct VagueChoice {
    pub value: String,
    pub conservative: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RegionChoice {
    pub name: String,
    /// Cercles, each with its communes.
    pub cercles: Vec<(String, Vec<String>)>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Catalog {
    pub event_types: Vec<Choice>,
    pub sub_event_types: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub figures: Vec<Choice>,
    pub source_kinds: Vec<Choice>,
    pub reliabilities: Vec<Choice>,
    pub attributions: Vec<Choice>,
    pub site_kinds: Vec<Choice>,
    pub regions: Vec<RegionChoice>,
    /// Words for an amount nobody counted, with the conservative value each stands for.
    pub vague_amounts: Vec<VagueChoice>,
    /// Field paths a final report must fill (`sources[].name`): the form marks them.
    pub required: Vec<String>,
    /// The record's size limits, as the form shows them (the title's length...).
    pub limits: Limits,
}

/// The limits of `terrain_domain::limits` the form shows: the core checks them on every save,
/// the form keeps a typist inside them.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Limits {
    #[ts(type = "number")]
    pub title_chars: usize,
    #[ts(type = "number")]
    pub short_text_chars: usize,
    #[ts(type = "number")]
    pub narrative_chars: usize,
    #[ts(type = "number")]
    pub tag_chars: usize,
}

/// The key serde writes for a unit variant (`"usually_reliable"`).
fn key<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v).expect("enums serialise") {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

fn keyed<T: Serialize + Copy>(all: &[T], label: impl Fn(T) -> String) -> Vec<Choice> {
    all.iter()
        .map(|&v| Choice {
            value: key(&v),
            label: label(v),
            parent: None,
        })
        .collect()
}

pub fn catalog() -> Catalog {
    let words = |s: String| {
        let s = s.replace('_', " ");
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    };
    Catalog {
        event_types: keyed(EventType::ALL, |e| e.label().into()),
        sub_event_types: SubEventType::ALL
            .iter()
            .map(|s| Choice {
                value: key(s),
                label: s.label().into(),
                parent: Some(s.event_type().label().into()),
            })
            .collect(),
        categories: keyed(LocalCategory::ALL, |c| words(c.words())),
        figures: keyed(FigureKind::ALL, FigureKind::label),
        vague_amounts: VagueAmount::ALL
            .iter()
            .map(|&v| VagueChoice {
                value: key(&v),
                conservative: v.value(),
            })
            .collect(),
        source_kinds: keyed(
            &[
                SourceKind::Official,
                SourceKind::Security,
                SourceKind::Journalist,
                SourceKind::Witness,
                SourceKind::Media,
                SourceKind::Ngo,
                SourceKind::Other,
            ],
            |k| words(key(&k)),
        ),
        reliabilities: keyed(
            &[
                Reliability::Reliable,
                Reliability::UsuallyReliable,
                Reliability::FairlyReliable,
                Reliability::NotUsuallyReliable,
                Reliability::Unreliable,
                Reliability::Unknown,
            ],
            |r| words(key(&r)),
        ),
        attributions: keyed(
            &[
                Attribution::Claimed,
                Attribution::Suspected,
                Attribution::Confirmed,
            ],
            |a| words(key(&a)),
        ),
        site_kinds: keyed(SiteKind::ALL, |k| words(k.key().into())),
        regions: gazetteer::regions()
            .iter()
            .map(|r| RegionChoice {
                name: r.name.into(),
                cercles: r
                    .cercles
                    .iter()
                    .map(|c| {
                        (
                            c.name.to_string(),
                            c.communes.iter().map(|m| m.to_string()).collect(),
                        )
                    })
                    .collect(),
            })
            .collect(),
        required: terrain_domain::REQUIRED
            .iter()
            .map(|s| s.to_string())
            .collect(),
        limits: Limits {
            title_chars: limits::TITLE_CHARS,
            short_text_chars: limits::SHORT_TEXT_CHARS,
            narrative_chars: limits::NARRATIVE_CHARS,
            tag_chars: limits::TAG_CHARS,
        },
    }
}

/// Places whose names match what was typed, accents optional ("bafoulabe" finds Bafoulabé).
pub fn places(typed: &str) -> Vec<Suggestion> {
    gazetteer::suggest(typed, 12)
}
