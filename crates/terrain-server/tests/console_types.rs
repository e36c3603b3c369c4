//! The web console's TypeScript types are generated from the served OpenAPI document
//! (`/v1/openapi.json`, built by `terrain_server::openapi::document`): every schema of its
//! components becomes a type of `ui/src/console/api.gen.ts`, and every route's query parameters
//! an entry of `Queries` ("GET /v1/reports" → its filter). The console never writes a server
//! type by hand; this test fails when the committed file drifts from the document
//! (`TERRAIN_BLESS=1` rewrites it).

use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::path::PathBuf;

const TARGET: &str = "ui/src/console/api.gen.ts";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn literal(value: &Value) -> String {
    serde_json::to_string(value).unwrap()
}

fn property_name(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        literal(&Value::String(name.into()))
    }
}

fn union(parts: Vec<String>) -> String {
    let mut seen = Vec::new();
    for part in parts {
        if !seen.contains(&part) {
            seen.push(part);
        }
    }
    match seen.len() {
        0 => "never".into(),
        1 => seen.remove(0),
        _ => seen.join(" | "),
    }
}

/// `T[]`, with parentheses around a union.
fn array_of(item: String) -> String {
    if item.contains(" | ") || item.contains(" & ") {
        format!("({item})[]")
    } else {
        format!("{item}[]")
    }
}

fn object(schema: &Map<String, Value>, indent: usize) -> String {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let pad = "  ".repeat(indent + 1);
    let mut out = String::from("{\n");
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        let mut names: Vec<&String> = props.keys().collect();
        names.sort();
        for name in names {
            let field = &props[name];
            if let Some(text) = field.get("description").and_then(Value::as_str) {
                writeln!(out, "{pad}/** {} */", text.replace("*/", "* /")).unwrap();
            }
            let optional = if required.contains(&name.as_str()) {
                ""
            } else {
                "?"
            };
            writeln!(
                out,
                "{pad}{}{optional}: {};",
                property_name(name),
                ts(field, indent + 1)
            )
            .unwrap();
        }
    }
    match schema.get("additionalProperties") {
        Some(Value::Object(extra)) => writeln!(
            out,
            "{pad}[key: string]: {};",
            ts(&Value::Object(extra.clone()), indent + 1)
        )
        .unwrap(),
        Some(Value::Bool(true)) if !schema.contains_key("properties") => {
            writeln!(out, "{pad}[key: string]: unknown;").unwrap()
        }
        _ => {}
    }
    out.push_str(&"  ".repeat(indent));
    out.push('}');
    out
}

/// The TypeScript type a JSON value of `schema` has.
fn ts(schema: &Value, indent: usize) -> String {
    let Some(map) = schema.as_object() else {
        return if schema == &Value::Bool(false) {
            "never".into()
        } else {
            "unknown".into()
        };
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap().to_string();
    }
    if let Some(value) = map.get("const") {
        return literal(value);
    }
    if let Some(values) = map.get("enum").and_then(Value::as_array) {
        return union(values.iter().map(literal).collect());
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = map.get(key).and_then(Value::as_array) {
            let mut parts: Vec<String> = options.iter().map(|o| ts(o, indent)).collect();
            // A schema with properties beside oneOf (an internally tagged enum's shared part).
            if map.contains_key("properties") {
                let shared = object(map, indent);
                parts = parts
                    .into_iter()
                    .map(|p| format!("({shared} & {p})"))
                    .collect();
            }
            return union(parts);
        }
    }
    if let Some(all) = map.get("allOf").and_then(Value::as_array) {
        return all
            .iter()
            .map(|o| ts(o, indent))
            .collect::<Vec<_>>()
            .join(" & ");
    }
    let kinds: Vec<&str> = match map.get("type") {
        Some(Value::String(kind)) => vec![kind.as_str()],
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
        _ if map.contains_key("properties") => vec!["object"],
        _ => return "unknown".into(),
    };
    union(
        kinds
            .into_iter()
            .map(|kind| match kind {
                "string" => "string".into(),
                "integer" | "number" => "number".into(),
                "boolean" => "boolean".into(),
                "null" => "null".into(),
                "array" => match (map.get("prefixItems"), map.get("items")) {
                    (Some(Value::Array(items)), _) => format!(
                        "[{}]",
                        items
                            .iter()
                            .map(|i| ts(i, indent))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    (_, Some(items)) => array_of(ts(items, indent)),
                    _ => "unknown[]".into(),
                },
                "object" => object(map, indent),
                _ => "unknown".into(),
            })
            .collect(),
    )
}

fn generate(doc: &Value) -> String {
    let mut out = String::from(
        "// Generated from the server's OpenAPI document (/v1/openapi.json) by\n\
         // crates/terrain-server/tests/console_types.rs: never edit by hand.\n\
         // `TERRAIN_BLESS=1 cargo nextest run -p terrain-server --test console_types` rewrites it.\n\
         /* eslint-disable */\n\n",
    );
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut names: Vec<&String> = schemas.keys().collect();
    names.sort();
    for name in names {
        let schema = &schemas[name];
        if let Some(text) = schema.get("description").and_then(Value::as_str) {
            writeln!(out, "/** {} */", text.replace("*/", "* /")).unwrap();
        }
        writeln!(out, "export type {name} = {};\n", ts(schema, 0)).unwrap();
    }
    out.push_str(
        "/** Each route's query parameters, by \"METHOD /path\". */\nexport interface Queries {\n",
    );
    let mut routes: Vec<(String, &Value)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            routes.push((format!("{} {path}", method.to_uppercase()), op));
        }
    }
    routes.sort_by(|a, b| a.0.cmp(&b.0));
    for (route, op) in routes {
        let params: Vec<&Value> = op["parameters"]
            .as_array()
            .map(|p| p.iter().filter(|p| p["in"] == "query").collect())
            .unwrap_or_default();
        if params.is_empty() {
            continue;
        }
        writeln!(out, "  {}: {{", literal(&Value::String(route))).unwrap();
        for p in params {
            let name = p["name"].as_str().unwrap();
            if let Some(text) = p.get("description").and_then(Value::as_str)
                && !text.is_empty()
            {
                writeln!(out, "    /** {} */", text.replace("*/", "* /")).unwrap();
            }
            let optional = if p["required"] == true { "" } else { "?" };
            writeln!(
                out,
                "    {}{optional}: {};",
                property_name(name),
                ts(&p["schema"], 2)
            )
            .unwrap();
        }
        out.push_str("  };\n");
    }
    out.push_str("}\n");
    out
}

#[test]
fn the_console_types_match_the_openapi_document() {
    let generated = generate(&terrain_server::openapi::document());
    let path = repo_root().join(TARGET);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == generated {
        return;
    }
    if std::env::var_os("TERRAIN_BLESS").is_some() {
        std::fs::write(&path, generated).unwrap();
        return;
    }
    panic!(
        "{TARGET} differs from what the OpenAPI document gives: rewrite it with \
         `TERRAIN_BLESS=1 cargo nextest run -p terrain-server --test console_types` and commit it"
    );
}

#[test]
fn schemas_read_as_typescript() {
    let doc = serde_json::json!({
        "type": "object",
        "required": ["a", "b"],
        "properties": {
            "a": { "type": ["string", "null"] },
            "b": { "type": "array", "items": { "oneOf": [{ "const": "x" }, { "const": "y" }] } },
            "c": { "$ref": "#/components/schemas/Role" },
            "d-e": { "type": "object", "additionalProperties": { "type": "integer" } },
        },
    });
    assert_eq!(
        ts(&doc, 0),
        "{\n  a: string | null;\n  b: (\"x\" | \"y\")[];\n  c?: Role;\n  \"d-e\"?: {\n    [key: string]: number;\n  };\n}"
    );
}
