//! "May be the same incident as …": whether two reports describe one event, and why.
//!
//! ACLED's unit is one event: one place, one day, one kind of violence. Two reports are
//! suggested as one incident when:
//! - they are in the **same region** (always required);
//! - their **dates overlap within their precision** (a day, a week from its first day, a month,
//!   or up to the end date), allowing one day either way: a night attack is dated on either
//!   side of midnight, and "yesterday" is counted from when each official wrote;
//! - their **place agrees**: the same site, or points within a few kilometres (5 km for a
//!   place, 15 km for "near" a place, the looser of the two), or, without points to compare,
//!   the same commune, place name or cercle. Points farther apart, different communes or
//!   different cercles rule the pair out;
//! - the **content agrees**, more so the weaker the place: with the same site or points within
//!   range, either the words are alike or the event type is the same with a word in common;
//!   with only a commune, place name or cercle in common, the words are alike and the event
//!   types do not differ; with nothing but the region, the words are clearly alike and the
//!   event type is the same;
//! - and **what was hit** does not differ: two reports naming only targets of different
//!   classes (a plant and a gold mine, a convoy and a market) are two incidents, unless both
//!   name one site.
//!
//! Words are compared as [`super::words`] folds them (accents, case, Arabic variants, stop
//! words, a three-language lexicon), leaving out the admin names, which the place test reads.
//! Everything works on a [`Fingerprint`], a few numbers per report, so that [`super::index`]
//! checks one report against a million quickly and gives the same answer as [`similar`].

use super::words::{self, WordHash};
use crate::gazetteer;
use crate::report::{DatePrecision, GeoPrecision, Report};
use crate::site::Site;
use crate::taxonomy::EventType;
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use uuid::Uuid;

/// Dates may differ by this many days beyond their precision.
pub const DATE_SLACK_DAYS: i32 = 1;
/// How far apart two points may be when both are a place itself (a site, a village).
pub const PLACE_RADIUS_KM: f32 = 5.0;
/// How far apart when one is only "near" a place.
pub const NEAR_RADIUS_KM: f32 = 15.0;
/// Words are alike when this many are shared and their Dice coefficient reaches
/// [`WORDS_ALIKE_DICE`] ...
pub const WORDS_ALIKE_SHARED: u32 = 2;
pub const WORDS_ALIKE_DICE: f32 = 0.25;
/// ... and clearly alike (enough with only the region in common) at these.
pub const WORDS_CLEARLY_SHARED: u32 = 3;
pub const WORDS_CLEARLY_DICE: f32 = 0.4;

/// Where the sites a report names are, for reports that name a site but give no coordinates.
pub trait SiteBook {
    fn site(&self, id: Uuid) -> Option<&Site>;

    /// The site that `id` now is: two sites merged into one answer the same id, so reports
    /// naming either meet. Without merges, `id` itself.
    fn canonical(&self, id: Uuid) -> Uuid {
        id
    }
}

impl SiteBook for [Site] {
    fn site(&self, id: Uuid) -> Option<&Site> {
        self.iter().find(|s| s.id == id)
    }

    fn canonical(&self, id: Uuid) -> Uuid {
        crate::site::resolve(id, |id| self.site(id))
    }
}

impl SiteBook for HashMap<Uuid, Site> {
    fn site(&self, id: Uuid) -> Option<&Site> {
        self.get(&id)
    }

    fn canonical(&self, id: Uuid) -> Uuid {
        crate::site::resolve(id, |id| self.get(&id))
    }
}

impl SiteBook for BTreeMap<Uuid, Site> {
    fn site(&self, id: Uuid) -> Option<&Site> {
        self.get(&id)
    }

    fn canonical(&self, id: Uuid) -> Uuid {
        crate::site::resolve(id, |id| self.get(&id))
    }
}

/// A point and how far from it the incident may be.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub latitude: f64,
    pub longitude: f64,
    pub radius_km: f32,
}

/// What the duplicate check reads of a report: a few numbers, the same wherever computed.
/// This is what a store persists per report (one row: region, first and last day, point,
/// cercle, commune, place, event type, sites, words) to rebuild the index without reading
/// reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub report: Uuid,
    /// Hash of the folded region name.
    pub region: u32,
    /// First and last day (days from the common era), precision and end date applied.
    pub first_day: i32,
    pub last_day: i32,
    pub point: Option<Point>,
    pub cercle: Option<u32>,
    pub commune: Option<u32>,
    pub place: Option<u32>,
    /// Sites named, as the site book's canonical ids, sorted.
    pub sites: Vec<Uuid>,
    pub event_type: Option<EventType>,
    /// The classes of target its words name ([`words::targets`]).
    pub targets: u16,
    /// Word hashes, sorted, at most [`words::MAX_WORDS`].
    pub words: Vec<WordHash>,
}

fn folded_hash(text: &str) -> Option<u32> {
    let folded = gazetteer::fold(text);
    (!folded.is_empty()).then(|| words::hash(&folded))
}

fn days(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

/// The last day a date of this precision may mean.
fn last_day_of(date: NaiveDate, precision: DatePrecision) -> NaiveDate {
    match precision {
        DatePrecision::Exact | DatePrecision::Day => date,
        DatePrecision::Week => date + Days::new(6),
        DatePrecision::Month => date
            .with_day(1)
            .and_then(|first| first.checked_add_months(Months::new(1)))
            .and_then(|next| next.pred_opt())
            .unwrap_or(date),
    }
}

/// The texts a report's words come from, most telling first.
fn texts<'a>(report: &'a Report, sites: &'a (impl SiteBook + ?Sized)) -> Vec<&'a str> {
    let mut out = vec![report.title.as_str()];
    out.extend(
        report
            .sites
            .iter()
            .filter_map(|s| sites.site(s.site_id))
            .map(|s| s.name.as_str()),
    );
    out.extend(report.location.place.as_deref());
    out.extend(report.targets.iter().map(String::as_str));
    out.extend(report.perpetrators.iter().map(|a| a.name.as_str()));
    out.extend(report.damage.as_deref());
    out.push(report.narrative.as_str());
    out
}

/// The admin names of a report, folded word by word: left out of its words.
fn admin_words(report: &Report) -> Vec<String> {
    let l = &report.location;
    [
        Some(l.admin1.as_str()),
        l.admin2.as_deref(),
        l.admin3.as_deref(),
    ]
    .into_iter()
    .flatten()
    .flat_map(words::folded_words)
    .collect()
}

impl Fingerprint {
    pub fn of(report: &Report, sites: &(impl SiteBook + ?Sized)) -> Fingerprint {
        Fingerprint::with_words(report, sites).0
    }

    /// The fingerprint and each word hash's key, for the reasons shown.
    fn with_words(
        report: &Report,
        sites: &(impl SiteBook + ?Sized),
    ) -> (Fingerprint, Vec<(WordHash, String)>) {
        let l = &report.location;
        let w = &report.when;
        let last = last_day_of(w.date, w.precision).max(w.end_date.unwrap_or(w.date));
        let own = l
            .coordinates
            .filter(|_| l.geo_precision != GeoPrecision::Region)
            .map(|c| Point {
                latitude: c.latitude,
                longitude: c.longitude,
                radius_km: match l.geo_precision {
                    GeoPrecision::Place => PLACE_RADIUS_KM,
                    _ => NEAR_RADIUS_KM,
                },
            });
        let point = own.or_else(|| {
            report
                .sites
                .iter()
                .filter_map(|s| sites.site(s.site_id)?.coordinates)
                .map(|c| Point {
                    latitude: c.latitude,
                    longitude: c.longitude,
                    radius_km: PLACE_RADIUS_KM,
                })
                .next()
        });
        let mut site_ids: Vec<Uuid> = report
            .sites
            .iter()
            .map(|s| sites.canonical(s.site_id))
            .collect();
        site_ids.sort();
        site_ids.dedup();
        let keyed = words::key_words(texts(report, sites), &admin_words(report));
        let mut hashes: Vec<WordHash> = keyed.iter().map(|(h, _)| *h).collect();
        hashes.sort_unstable();
        let fp = Fingerprint {
            report: report.id,
            region: folded_hash(&l.admin1).unwrap_or(0),
            first_day: days(w.date),
            last_day: days(last),
            point,
            cercle: l.admin2.as_deref().and_then(folded_hash),
            commune: l.admin3.as_deref().and_then(folded_hash),
            place: l.place.as_deref().and_then(folded_hash),
            sites: site_ids,
            event_type: report.what.event_type,
            targets: words::targets(keyed.iter().map(|(_, k)| k.as_str())),
            words: hashes,
        };
        (fp, keyed)
    }
}

/// Why two reports may be one incident, in the words the issue asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    SameRegion,
    /// Their dates overlap within their precision.
    DatesOverlap,
    SameSite {
        site: Uuid,
    },
    /// Their points are this far apart (within the radius their precision allows).
    Apart {
        km: f32,
    },
    SameCommune,
    SamePlace,
    SameCercle,
    SameEventType {
        event_type: EventType,
    },
    /// `shared` words in common; `words` names them when the reports were at hand (the
    /// index, which keeps only hashes, leaves it empty: [`similar`] on the pair fills it).
    WordsAlike {
        shared: u32,
        words: Vec<String>,
    },
}

impl Reason {
    /// The catalogue code a shell words this reason with (`incident.reason.<key>`).
    pub fn key(&self) -> &'static str {
        match self {
            Reason::SameRegion => "same_region",
            Reason::DatesOverlap => "dates_overlap",
            Reason::SameSite { .. } => "same_site",
            Reason::Apart { .. } => "apart",
            Reason::SameCommune => "same_commune",
            Reason::SamePlace => "same_place",
            Reason::SameCercle => "same_cercle",
            Reason::SameEventType { .. } => "same_event_type",
            Reason::WordsAlike { .. } => "words_alike",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::SameRegion => f.write_str("same region"),
            Reason::DatesOverlap => f.write_str("dates overlap within their precision"),
            Reason::SameSite { .. } => f.write_str("same site"),
            Reason::Apart { km } if *km < 1.0 => f.write_str("less than 1 km apart"),
            Reason::Apart { km } => write!(f, "{km:.0} km apart"),
            Reason::SameCommune => f.write_str("same commune"),
            Reason::SamePlace => f.write_str("same place"),
            Reason::SameCercle => f.write_str("same cercle"),
            Reason::SameEventType { event_type } => {
                write!(f, "same event type ({})", event_type.label())
            }
            Reason::WordsAlike { words, .. } if !words.is_empty() => {
                write!(f, "words alike: {}", words.join(", "))
            }
            Reason::WordsAlike { shared, .. } => write!(f, "{shared} words alike"),
        }
    }
}

/// Two reports that may be one incident: the reasons, and a score to rank suggestions by
/// (higher is likelier; no meaning beyond order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Likeness {
    pub reasons: Vec<Reason>,
    pub score: f32,
}

impl fmt::Display for Likeness {
    /// "same region; dates overlap within their precision; same site; words alike: plant".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.reasons.iter().map(Reason::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

/// Great-circle distance in kilometres (haversine, mean Earth radius).
pub fn haversine_km(a_lat: f64, a_lon: f64, b_lat: f64, b_lon: f64) -> f64 {
    let (p1, p2) = (a_lat.to_radians(), b_lat.to_radians());
    let dp = (b_lat - a_lat).to_radians();
    let dl = (b_lon - a_lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

fn shared_words(a: &[WordHash], b: &[WordHash]) -> u32 {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// How strongly the places agree.
enum Place {
    Site(Uuid),
    Near(f32),
    Commune,
    Name,
    Cercle,
    Unknown,
}

fn place(a: &Fingerprint, b: &Fingerprint) -> Option<Place> {
    if let Some(site) = a.sites.iter().find(|s| b.sites.binary_search(s).is_ok()) {
        return Some(Place::Site(*site));
    }
    if let (Some(p), Some(q)) = (a.point, b.point) {
        let km = haversine_km(p.latitude, p.longitude, q.latitude, q.longitude) as f32;
        return (km <= p.radius_km.max(q.radius_km)).then_some(Place::Near(km));
    }
    let same = |x: Option<u32>, y: Option<u32>| x.is_some() && x == y;
    let differ = |x: Option<u32>, y: Option<u32>| x.is_some() && y.is_some() && x != y;
    if differ(a.cercle, b.cercle) || differ(a.commune, b.commune) {
        None
    } else if same(a.commune, b.commune) {
        Some(Place::Commune)
    } else if same(a.place, b.place) {
        Some(Place::Name)
    } else if same(a.cercle, b.cercle) {
        Some(Place::Cercle)
    } else {
        Some(Place::Unknown)
    }
}

/// Whether the fingerprints may be one incident; the words reason names no words (see
/// [`similar`]). The index calls this on each candidate.
pub fn compare(a: &Fingerprint, b: &Fingerprint) -> Option<Likeness> {
    if a.region != b.region
        || a.first_day - DATE_SLACK_DAYS > b.last_day
        || b.first_day - DATE_SLACK_DAYS > a.last_day
        || a.report == b.report
    {
        return None;
    }
    let place = place(a, b)?;
    // What was hit differs (a plant, a gold mine): two incidents, unless both name one site.
    if a.targets & b.targets == 0
        && a.targets != 0
        && b.targets != 0
        && !matches!(place, Place::Site(_))
    {
        return None;
    }
    let shared = shared_words(&a.words, &b.words);
    let total = (a.words.len() + b.words.len()).max(1) as f32;
    let dice = 2.0 * shared as f32 / total;
    let alike = shared >= WORDS_ALIKE_SHARED && dice >= WORDS_ALIKE_DICE;
    let clearly = shared >= WORDS_CLEARLY_SHARED && dice >= WORDS_CLEARLY_DICE;
    let same_event = a.event_type.is_some() && a.event_type == b.event_type;
    let events_differ = a.event_type.is_some() && b.event_type.is_some() && !same_event;
    // The same kind of event told with at least one word in common (across languages, a
    // concept of the lexicon).
    let echoed = same_event && shared >= 1;
    let (agrees, place_reason, place_score) = match place {
        Place::Site(site) => (alike || echoed, Reason::SameSite { site }, 3.0),
        Place::Near(km) => (
            alike || echoed,
            Reason::Apart { km },
            3.0 - km / NEAR_RADIUS_KM,
        ),
        Place::Commune => (alike && !events_differ, Reason::SameCommune, 1.5),
        Place::Name => (alike && !events_differ, Reason::SamePlace, 1.5),
        Place::Cercle => (alike && !events_differ, Reason::SameCercle, 1.0),
        Place::Unknown => (clearly && same_event, Reason::SameRegion, 0.0),
    };
    if !agrees {
        return None;
    }
    let mut reasons = vec![Reason::SameRegion, Reason::DatesOverlap];
    if place_reason != Reason::SameRegion {
        reasons.push(place_reason);
    }
    if same_event {
        reasons.push(Reason::SameEventType {
            event_type: a.event_type.expect("same event"),
        });
    }
    if alike {
        reasons.push(Reason::WordsAlike {
            shared,
            words: Vec::new(),
        });
    }
    let score = place_score + 3.0 * dice + if same_event { 1.0 } else { 0.0 };
    Some(Likeness { reasons, score })
}

/// Whether `a` and `b` may be the same incident, with the reasons ("same region; dates
/// overlap within their precision; 2 km apart; words alike: attack, plant"). `sites` gives the
/// coordinates and names of the sites the reports name.
pub fn similar(a: &Report, b: &Report, sites: &(impl SiteBook + ?Sized)) -> Option<Likeness> {
    let (fa, wa) = Fingerprint::with_words(a, sites);
    let (fb, _) = Fingerprint::with_words(b, sites);
    let mut likeness = compare(&fa, &fb)?;
    for reason in &mut likeness.reasons {
        if let Reason::WordsAlike { words, .. } = reason {
            *words = wa
                .iter()
                .filter(|(h, _)| fb.words.binary_search(h).is_ok())
                .map(|(_, k)| k.clone())
                .collect();
        }
    }
    Some(likeness)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_json;

    fn seed() -> Report {
        parse_json(include_str!(
            "../../../../docs/examples/bafoulabe-plants-attack.json"
        ))
        .unwrap()
    }

    #[test]
    fn haversine_measures_kilometres() {
        // One degree of a meridian is 111.19 km on the mean sphere.
        let d = haversine_km(0.0, 0.0, 1.0, 0.0);
        assert!((111.1..111.3).contains(&d), "{d}");
        // Kayes to Bafoulabé: about 97 km as the crow flies.
        let d = haversine_km(14.4469, -11.4445, 13.8065, -10.8321);
        assert!((96.0..98.5).contains(&d), "{d}");
        assert_eq!(haversine_km(13.8, -10.8, 13.8, -10.8), 0.0);
    }

    #[test]
    fn precision_widens_the_dates() {
        let d = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        assert_eq!(last_day_of(d, DatePrecision::Day), d);
        assert_eq!(
            last_day_of(d, DatePrecision::Week).to_string(),
            "2026-02-07"
        );
        assert_eq!(
            last_day_of(d, DatePrecision::Month).to_string(),
            "2026-02-28"
        );
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            last_day_of(d, DatePrecision::Month).to_string(),
            "2026-12-31"
        );
    }

    #[test]
    fn a_second_officials_report_of_the_bafoulabe_attack_is_flagged_with_its_reasons() {
        let a = seed();
        let mut b = seed();
        b.id = Uuid::now_v7();
        b.title = "Attaque des usines de Bafoulabé, quatre civils enlevés".into();
        b.narrative = "Des hommes armés à moto ont incendié trois usines et enlevé des \
                       ouvriers."
            .into();
        b.when.date = b.when.date.succ_opt().unwrap();
        b.location.coordinates.as_mut().unwrap().latitude += 0.02;
        let likeness = similar(&a, &b, &[][..]).expect("flagged");
        let text = likeness.to_string();
        assert!(
            text.starts_with("same region; dates overlap within their precision; 2 km apart"),
            "{text}"
        );
        assert!(
            text.contains("same event type (Violence against civilians)"),
            "{text}"
        );
        assert!(text.contains("words alike: "), "{text}");
        for w in ["plant", "abducted", "attack"] {
            assert!(text.contains(w), "{w} in {text}");
        }
        // The same, seen from the other report.
        assert!(similar(&b, &a, &[][..]).is_some());
        // A week later it is another attack.
        b.when.date = b.when.date + Days::new(7);
        assert_eq!(similar(&a, &b, &[][..]), None);
    }

    #[test]
    fn a_shared_site_places_reports_without_coordinates() {
        let site: Site = serde_json::from_str(include_str!(
            "../../../../docs/examples/sites/diawara-plant.json"
        ))
        .unwrap();
        let mut a = seed();
        let mut b = seed();
        b.id = Uuid::now_v7();
        for r in [&mut a, &mut b] {
            r.location.coordinates = None;
            r.location.admin2 = None;
            r.location.admin3 = None;
            r.location.place = None;
            r.sites = vec![crate::SiteRef {
                site_id: site.id,
                damage: None,
            }];
        }
        b.title = "Plant burned".into();
        b.narrative.clear();
        b.targets.clear();
        b.perpetrators.clear();
        b.damage = None;
        let sites = [site.clone()];
        let l = similar(&a, &b, &sites[..]).expect("same site");
        assert!(
            l.reasons.contains(&Reason::SameSite { site: site.id }),
            "{l}"
        );
        // Without the shared site, only the region and the event type are left: not enough.
        b.sites.clear();
        assert_eq!(similar(&a, &b, &sites[..]), None);
    }
}
