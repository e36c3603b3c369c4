//! Every field of a revision has a size bound, checked the same way on a device and on the
//! server: each bound holds at its limit and refuses one past it, naming the field and the limit.

use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};
use terrain_domain::*;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn report(edit: impl FnOnce(&mut Value)) -> Report {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    edit(&mut v);
    serde_json::from_value(v).unwrap()
}

fn revision() -> Revision {
    let valid = check(report(|_| {}), today()).unwrap();
    Revision::new(valid, vec![], "awa", "laptop", Utc::now())
}

/// The (field, message) pairs `sizes` refuses the edited seed with.
fn refused(edit: impl FnOnce(&mut Value)) -> Vec<(String, String)> {
    match sizes(&report(edit)) {
        Ok(()) => Vec::new(),
        Err(p) => p.0.into_iter().map(|p| (p.field, p.message)).collect(),
    }
}

/// Sets the value at a JSON pointer of the seed.
fn set(v: &mut Value, pointer: &str, value: Value) {
    *v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer} in the seed")) = value;
}

#[test]
fn every_text_field_holds_its_limit_and_refuses_one_more_character() {
    use limits::*;
    let attachment = json!({"sha256": "a".repeat(64), "media_type": "image/jpeg", "size": 1, "file_name": "f.jpg", "caption": "c"});
    let site = json!({"site_id": new_id(), "damage": "d"});
    let filled = |v: &mut Value| {
        v["attachments"] = json!([attachment]);
        v["sites"] = json!([site]);
        v["sources"][0]["contact"] = json!("c");
        v["sources"][0]["url"] = json!("u");
        v["sources"][0]["note"] = json!("n");
        v["figures"]["abducted"][0]["note"] = json!("n");
    };
    // (JSON pointer, field as named in the message, limit)
    let fields = [
        ("/title", "title", TITLE_CHARS),
        ("/where/admin1", "where.admin1", SHORT_TEXT_CHARS),
        ("/where/admin2", "where.admin2", SHORT_TEXT_CHARS),
        ("/where/admin3", "where.admin3", SHORT_TEXT_CHARS),
        ("/where/place", "where.place", SHORT_TEXT_CHARS),
        (
            "/perpetrators/0/name",
            "perpetrators[0].name",
            SHORT_TEXT_CHARS,
        ),
        ("/targets/1", "targets[1]", SHORT_TEXT_CHARS),
        ("/sites/0/damage", "sites[0].damage", SHORT_TEXT_CHARS),
        ("/sources/0/key", "sources[0].key", SOURCE_KEY_CHARS),
        ("/sources/0/name", "sources[0].name", SHORT_TEXT_CHARS),
        ("/sources/0/contact", "sources[0].contact", SHORT_TEXT_CHARS),
        ("/sources/0/url", "sources[0].url", SHORT_TEXT_CHARS),
        ("/sources/0/note", "sources[0].note", SHORT_TEXT_CHARS),
        (
            "/figures/abducted/0/source",
            "figures.abducted[0].source",
            SOURCE_KEY_CHARS,
        ),
        (
            "/figures/abducted/0/note",
            "figures.abducted[0].note",
            SHORT_TEXT_CHARS,
        ),
        ("/narrative", "narrative", NARRATIVE_CHARS),
        ("/damage", "damage", NARRATIVE_CHARS),
        ("/tags/2", "tags[2]", TAG_CHARS),
        (
            "/attachments/0/sha256",
            "attachments[0].sha256",
            SHA256_CHARS,
        ),
        (
            "/attachments/0/media_type",
            "attachments[0].media_type",
            MEDIA_TYPE_CHARS,
        ),
        (
            "/attachments/0/file_name",
            "attachments[0].file_name",
            SHORT_TEXT_CHARS,
        ),
        (
            "/attachments/0/caption",
            "attachments[0].caption",
            SHORT_TEXT_CHARS,
        ),
    ];
    for (pointer, field, max) in fields {
        // Two bytes a character: the limit counts characters, not bytes.
        let at_limit = refused(|v| {
            filled(v);
            set(v, pointer, json!("é".repeat(max)));
        });
        assert_eq!(at_limit, [], "{field} at {max}");
        let over = refused(|v| {
            filled(v);
            set(v, pointer, json!("é".repeat(max + 1)));
        });
        assert_eq!(
            over,
            [(
                field.to_string(),
                format!("is {} characters long; at most {max} are allowed", max + 1)
            )],
            "{field}"
        );
    }
}

#[test]
fn every_list_holds_its_limit_and_refuses_one_more_item() {
    use limits::*;
    /// The n-th item of a list.
    type Item = fn(usize) -> Value;
    let lists: [(&str, usize, Item); 8] = [
        (
            "perpetrators",
            LIST_ITEMS,
            |i| json!({"name": format!("p{i}"), "attribution": "suspected"}),
        ),
        ("targets", LIST_ITEMS, |i| json!(format!("t{i}"))),
        ("sites", LIST_ITEMS, |_| json!({"site_id": new_id()})),
        (
            "sources",
            LIST_ITEMS,
            |i| json!({"key": format!("k{i}"), "name": "n", "kind": "other"}),
        ),
        ("tags", TAGS, |i| json!(format!("t{i}"))),
        (
            "attachments",
            LIST_ITEMS,
            |_| json!({"sha256": "a".repeat(64), "media_type": "image/jpeg", "size": 1, "file_name": "f"}),
        ),
        (
            "figures.killed",
            CLAIMS_PER_FIGURE,
            |_| json!({"amount": 1, "source": "wamaps"}),
        ),
        ("what.categories", LIST_ITEMS, |_| json!("arson")),
    ];
    for (field, max, item) in lists {
        let place = |v: &mut Value, n: usize| {
            let items: Vec<Value> = (0..n).map(item).collect();
            match field.split_once('.') {
                Some((a, b)) => v[a][b] = json!(items),
                None => v[field] = json!(items),
            }
        };
        assert_eq!(refused(|v| place(v, max)), [], "{field} at {max}");
        assert_eq!(
            refused(|v| place(v, max + 1)),
            [(
                field.to_string(),
                format!("has {} items; at most {max} are allowed", max + 1)
            )],
        );
    }
}

#[test]
fn an_oversized_report_is_refused_on_its_sizes_alone() {
    let big = report(|v| {
        v["title"] = json!("t".repeat(201));
        v["when"]["date"] = json!("2099-01-01");
        let tags: Vec<String> = (0..300_000).map(|i| format!("t{i}")).collect();
        v["tags"] = json!(tags);
    });
    let problems = check(big, today()).unwrap_err();
    assert_eq!(
        problems.to_string(),
        "tags: has 300000 items; at most 50 are allowed"
    );
}

#[test]
fn a_revision_bounds_its_author_device_parents_and_hash() {
    use limits::*;
    let fine = revision();
    assert_eq!(fine.check_bounds(), Ok(()));
    let mut at_limits = fine.clone();
    at_limits.author = "é".repeat(AUTHOR_CHARS);
    at_limits.device = "d".repeat(DEVICE_CHARS);
    at_limits.parents = (0..PARENTS).map(|_| uuid::Uuid::now_v7()).collect();
    assert_eq!(at_limits.check_bounds(), Ok(()));

    let mut huge = fine.clone();
    huge.author = "a".repeat(15 * 1024 * 1024);
    huge.parents = vec![uuid::Uuid::now_v7(); 300_000];
    assert_eq!(
        huge.check_bounds().unwrap_err().to_string(),
        "author: is 15728640 characters long; at most 200 are allowed\n\
         parents: has 300000 items; at most 64 are allowed"
    );

    let mut over = fine.clone();
    over.author = "a".repeat(AUTHOR_CHARS + 1);
    over.device = "d".repeat(DEVICE_CHARS + 1);
    over.parents = vec![uuid::Uuid::now_v7(); PARENTS + 1];
    over.content_hash.push('0');
    over.content.title = "t".repeat(limits::TITLE_CHARS + 1);
    let fields: Vec<String> = over
        .check_bounds()
        .unwrap_err()
        .0
        .into_iter()
        .map(|p| p.field)
        .collect();
    assert_eq!(
        fields,
        ["author", "device", "content_hash", "parents", "title"]
    );
}

#[test]
fn an_author_or_device_holding_terminal_codes_is_refused() {
    let mut rev = revision();
    rev.author = "Awa\n2026-01-01 forged".into();
    rev.device = "laptop\u{1b}[2J".into();
    assert_eq!(
        rev.check_bounds().unwrap_err().to_string(),
        "author: contains a line break (U+000A) at position 4; this field is one line\n\
         device: contains a control character (U+001B) at position 7"
    );
}
