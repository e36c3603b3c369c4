//! The site registry: plants, mines, convoys' roads... attacked more than once.

use crate::gazetteer;
use crate::merge::{Dispute, three_way_fields};
use crate::report::Coordinates;
use crate::revision::{canonical_json, sha256_hex};
use crate::text::{self, TextKind};
use crate::validate::{Problem, Problems, limits, too_long, too_many};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Namespace of site merge revision ids (a fixed random UUID).
const SITE_MERGE_NAMESPACE: Uuid = Uuid::from_u128(0x3b8e_51d0_7c2f_4a96_b1e4_0d5f_7a2c_9e63);

/// Merges followed at most when resolving a site: a longer chain (or a cycle two devices made
/// at once) stops there.
pub const MERGE_HOPS: usize = 16;

// The schema (the `schema` feature: the wire contract's `SiteRevision.content`) carries the
// bounds `Site::check` applies that a schema can say: the text fields' lengths. Which regions
// and cercles exist, and that coordinates are on Earth, stay the check's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Site {
    #[serde(default = "Uuid::now_v7")]
    #[cfg_attr(feature = "schema", schemars(transform = crate::report::no_default))]
    pub id: Uuid,
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = limits::SHORT_TEXT_CHARS)))]
    pub name: String,
    pub kind: SiteKind,
    /// Owner or operator ("Ibrahima Diawara").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = limits::SHORT_TEXT_CHARS)))]
    pub operator: Option<String>,
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = limits::SHORT_TEXT_CHARS)))]
    pub admin1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = limits::SHORT_TEXT_CHARS)))]
    pub admin2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = limits::SHORT_TEXT_CHARS)))]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
    /// This site is a duplicate of that one (two devices added the same plant): wherever the
    /// registry is read it resolves to it ([`resolve`]). Cleared by editing it again (unmerge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
        if self.merged_into == Some(self.id) {
            fail("merged_into", "merged_into_itself", vec![]);
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(Problems(problems))
        }
    }
}

/// The site `id` now is: the end of its `merged_into` chain (at most [`MERGE_HOPS`] hops; a
/// cycle ends at the smallest id on it, so every reader picks the same one). `lookup` reads the
/// registry; an id it does not hold is itself.
pub fn resolve<'a>(id: Uuid, lookup: impl Fn(Uuid) -> Option<&'a Site>) -> Uuid {
    let mut seen = vec![id];
    let mut at = id;
    for _ in 0..MERGE_HOPS {
        match lookup(at).and_then(|s| s.merged_into) {
            Some(next) if seen.contains(&next) => {
                return seen
                    .into_iter()
                    .skip_while(|s| *s != next)
                    .min()
                    .unwrap_or(at);
            }
            Some(next) => {
                seen.push(next);
                at = next;
            }
            None => return at,
        }
    }
    at
}

/// One saved state of a site: the registry's history, each hashed over its canonical JSON,
/// never changed once written. Two heads of one site are a conflict, merged like a report's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SiteRevision {
    pub id: Uuid,
    pub site_id: Uuid,
    /// The revisions this one follows: none for the first, two when it joins a conflict.
    pub parents: Vec<Uuid>,
    pub author: String,
    pub device: String,
    pub created_at: DateTime<Utc>,
    /// Hex sha256 of the canonical JSON of `content` ([`site_hash`]).
    pub content_hash: String,
    pub content: Site,
}

/// Hex sha256 of the site's canonical JSON.
pub fn site_hash(site: &Site) -> String {
    sha256_hex(canonical_json(&serde_json::to_value(site).expect("sites serialise")).as_bytes())
}

impl SiteRevision {
    /// A new revision of `site` (checked by the caller) following `parents`.
    pub fn new(
        site: Site,
        parents: Vec<Uuid>,
        author: &str,
        device: &str,
        now: DateTime<Utc>,
    ) -> SiteRevision {
        SiteRevision {
            id: Uuid::now_v7(),
            site_id: site.id,
            parents,
            author: author.to_string(),
            device: device.to_string(),
            created_at: now,
            content_hash: site_hash(&site),
            content: site,
        }
    }

    /// The revision joining `parents` (conflicting heads): its id depends only on them, so two
    /// devices merging the same heads make the same revision and the server keeps it once.
    pub fn merge(
        site: Site,
        parents: &[Uuid],
        author: &str,
        device: &str,
        now: DateTime<Utc>,
    ) -> SiteRevision {
        let mut parents = parents.to_vec();
        parents.sort();
        let joined: Vec<String> = parents.iter().map(Uuid::to_string).collect();
        let mut rev = SiteRevision::new(site, parents, author, device, now);
        rev.id = Uuid::new_v5(&SITE_MERGE_NAMESPACE, joined.join(",").as_bytes());
        rev
    }

    pub fn hash_matches(&self) -> bool {
        site_hash(&self.content) == self.content_hash
    }

    /// Everything a receiver checks, field-named: sizes and characters of author, device and
    /// hash, how many parents, the content's own checks (it must be stored tidied), the hash,
    /// and that the content is the site the revision says.
    pub fn check(&self) -> Result<(), Problems> {
        use limits::{AUTHOR_CHARS, DEVICE_CHARS, PARENTS, SHA256_CHARS};
        let mut problems = Vec::new();
        for (field, value, max) in [
            ("author", &self.author, AUTHOR_CHARS),
            ("device", &self.device, DEVICE_CHARS),
            ("content_hash", &self.content_hash, SHA256_CHARS),
        ] {
            let n = value.chars().count();
            if n > max {
                problems.push(too_long(field, n, max));
            } else if let Some(refused) = text::refused(value, TextKind::Line) {
                problems.push(refused.problem(field));
            }
        }
        if self.parents.len() > PARENTS {
            problems.push(too_many("parents", self.parents.len(), PARENTS));
        }
        if self.content.id != self.site_id {
            problems.push(Problem::new(
                "site_id",
                "not_the_content",
                Vec::<(&str, String)>::new(),
            ));
        }
        match self.content.clone().check() {
            Err(Problems(more)) => problems.extend(more),
            Ok(tidied) if tidied != self.content => problems.push(Problem::new(
                "content",
                "not_tidied",
                Vec::<(&str, String)>::new(),
            )),
            Ok(_) => {}
        }
        if problems.is_empty() && !self.hash_matches() {
            problems.push(Problem::new(
                "content_hash",
                "hash_mismatch",
                Vec::<(&str, String)>::new(),
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Problems(problems))
        }
    }
}

/// What joining two versions of a site gave.
#[derive(Debug, Clone, PartialEq)]
pub enum SiteMerge {
    Clean(Box<Site>),
    /// The fields both sides changed differently.
    Conflict(Vec<Dispute>),
}

/// Three-way merge of two versions of a site, field by field, by the report merge's rules
/// (`merge::three_way_fields`): different fields merge, the same field changed differently is
/// a dispute.
pub fn merge_sites(base: Option<&Site>, ours: &Site, theirs: &Site) -> SiteMerge {
    if ours == theirs {
        return SiteMerge::Clean(Box::new(ours.clone()));
    }
    let value = |s: &Site| serde_json::to_value(s).expect("sites serialise");
    let (merged, disputes) =
        three_way_fields(base.map(value).as_ref(), &value(ours), &value(theirs), &[]);
    if !disputes.is_empty() {
        return SiteMerge::Conflict(disputes);
    }
    match serde_json::from_value::<Site>(merged).map(Site::check) {
        Ok(Ok(site)) => SiteMerge::Clean(Box::new(site)),
        _ => SiteMerge::Conflict(vec![Dispute {
            path: "(site)".into(),
            ours: Some(value(ours)),
            theirs: Some(value(theirs)),
        }]),
    }
}

/// Joins two versions of a site as a person chose: like [`merge_sites`], each disputed field
/// from `ours` unless named in `take_theirs` (the report's `settle`, for sites). A named field
/// the versions do not dispute is refused by name, as is a result that does not check.
pub fn settle_sites(
    base: Option<&Site>,
    ours: &Site,
    theirs: &Site,
    take_theirs: &[String],
) -> Result<Site, String> {
    let value = |s: &Site| serde_json::to_value(s).expect("sites serialise");
    let (merged, disputes) = three_way_fields(
        base.map(value).as_ref(),
        &value(ours),
        &value(theirs),
        take_theirs,
    );
    if let Some(path) = take_theirs
        .iter()
        .find(|p| !disputes.iter().any(|d| &d.path == *p))
    {
        return Err(format!(
            "{path}: the versions do not disagree on this field"
        ));
    }
    let site: Site = serde_json::from_value(merged).map_err(|e| e.to_string())?;
    site.check().map_err(|p| p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn plant() -> Site {
        serde_json::from_str::<Site>(include_str!(
            "../../../docs/examples/sites/diawara-plant.json"
        ))
        .unwrap()
        .check()
        .unwrap()
    }

    #[test]
    fn a_revision_verifies_and_a_changed_one_does_not_naming_the_field() {
        let rev = SiteRevision::new(plant(), vec![], "awa", "laptop", Utc::now());
        assert_eq!(rev.check(), Ok(()));
        let json = serde_json::to_string(&rev).unwrap();
        assert_eq!(serde_json::from_str::<SiteRevision>(&json).unwrap(), rev);
        let mut tampered = rev.clone();
        tampered.content.operator = Some("someone else".into());
        let problems = tampered.check().unwrap_err();
        assert_eq!(problems.0[0].field, "content_hash");
        let mut long = rev.clone();
        long.author = "a".repeat(201);
        assert_eq!(long.check().unwrap_err().0[0].field, "author");
        let mut other = rev;
        other.site_id = Uuid::now_v7();
        assert_eq!(other.check().unwrap_err().0[0].field, "site_id");
    }

    #[test]
    fn a_site_cannot_be_merged_into_itself() {
        let mut site = plant();
        site.merged_into = Some(site.id);
        assert_eq!(site.check().unwrap_err().0[0].field, "merged_into");
    }

    #[test]
    fn merged_sites_resolve_along_the_chain_and_a_cycle_ends_at_its_smallest_id() {
        let (mut a, mut b, mut c) = (plant(), plant(), plant());
        a.id = Uuid::from_u128(1);
        b.id = Uuid::from_u128(2);
        c.id = Uuid::from_u128(3);
        c.merged_into = Some(b.id);
        b.merged_into = Some(a.id);
        let book = [a.clone(), b.clone(), c.clone()];
        let look = |id| book.iter().find(|s: &&Site| s.id == id);
        assert_eq!(resolve(c.id, look), a.id);
        assert_eq!(resolve(Uuid::from_u128(9), look), Uuid::from_u128(9));
        a.merged_into = Some(c.id);
        let cycle = [a.clone(), b, c.clone()];
        let look = |id| cycle.iter().find(|s: &&Site| s.id == id);
        assert_eq!(resolve(c.id, look), a.id);
        assert_eq!(resolve(a.id, look), a.id);
    }

    #[test]
    fn different_fields_merge_and_the_same_field_conflicts() {
        let base = plant();
        let mut ours = base.clone();
        ours.operator = Some("Ibrahima Diawara et fils".into());
        let mut theirs = base.clone();
        theirs.place = Some("Route de Mahina".into());
        let SiteMerge::Clean(merged) = merge_sites(Some(&base), &ours, &theirs) else {
            panic!("disjoint edits merge")
        };
        assert_eq!(merged.operator, ours.operator);
        assert_eq!(merged.place, theirs.place);
        theirs.operator = Some("Diawara SARL".into());
        let SiteMerge::Conflict(disputes) = merge_sites(Some(&base), &ours, &theirs) else {
            panic!("the same field conflicts")
        };
        assert_eq!(disputes.len(), 1);
        assert_eq!(disputes[0].path, "operator");
    }

    #[test]
    fn a_settled_site_takes_each_disputed_field_from_the_side_chosen_and_keeps_the_rest() {
        let base = plant();
        let mut ours = base.clone();
        ours.operator = Some("Diawara et fils".into());
        ours.place = Some("Route de Mahina".into());
        let mut theirs = base.clone();
        theirs.operator = Some("Diawara SARL".into());
        theirs.name = "Usine de chaux Diawara".into();
        let kept = settle_sites(Some(&base), &ours, &theirs, &[]).unwrap();
        assert_eq!(kept.operator, ours.operator);
        assert_eq!(kept.place, ours.place, "one side's edit kept");
        assert_eq!(kept.name, theirs.name, "the other side's edit kept");
        let taken = settle_sites(Some(&base), &ours, &theirs, &["operator".into()]).unwrap();
        assert_eq!(taken.operator, theirs.operator);
        let refused = settle_sites(Some(&base), &ours, &theirs, &["place".into()]);
        assert_eq!(
            refused.unwrap_err(),
            "place: the versions do not disagree on this field"
        );
    }

    fn edit(site: &Site, which: u8, n: u8) -> Site {
        let mut s = site.clone();
        match which % 4 {
            0 => s.operator = Some(format!("operator {n}")),
            1 => s.place = Some(format!("place {n}")),
            2 => s.name = format!("name {n}"),
            _ => s.merged_into = Some(Uuid::from_u128(n as u128 + 100)),
        }
        s
    }

    proptest! {
        /// Whichever device merges (ours and theirs swapped), the outcome is the same: the same
        /// site, or a conflict on the same fields; and the merge revision has the same id.
        #[test]
        fn site_merges_converge_in_any_order(
            edits_a in proptest::collection::vec((0u8..4, 0u8..3), 0..4),
            edits_b in proptest::collection::vec((0u8..4, 0u8..3), 0..4),
        ) {
            let base = plant();
            let a = edits_a.iter().fold(base.clone(), |s, (w, n)| edit(&s, *w, *n));
            let b = edits_b.iter().fold(base.clone(), |s, (w, n)| edit(&s, *w, *n));
            match (merge_sites(Some(&base), &a, &b), merge_sites(Some(&base), &b, &a)) {
                (SiteMerge::Clean(x), SiteMerge::Clean(y)) => prop_assert_eq!(x, y),
                (SiteMerge::Conflict(x), SiteMerge::Conflict(y)) => {
                    let paths = |d: &[Dispute]| d.iter().map(|d| d.path.clone()).collect::<Vec<_>>();
                    prop_assert_eq!(paths(&x), paths(&y));
                }
                (x, y) => prop_assert!(false, "{x:?} vs {y:?}"),
            }
            let (r1, r2) = (Uuid::now_v7(), Uuid::now_v7());
            let now = Utc::now();
            prop_assert_eq!(
                SiteRevision::merge(a.clone(), &[r1, r2], "awa", "x", now).id,
                SiteRevision::merge(a, &[r2, r1], "ali", "y", now).id
            );
        }
    }
}
