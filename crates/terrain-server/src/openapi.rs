//! The OpenAPI 3.1 description of the API, built from the route table ([`ROUTES`]) and the JSON
//! Schemas the `terrain-protocol` types derive (schemars, feature `schema`). The schema of a type
//! is the one it reads (schemars' deserialize contract): what the server accepts in a request,
//! and what a client parsing an answer with the same type accepts, so one schema per type
//! serves both directions. A test validates the document, and Schemathesis (tests/tests/
//! contract.rs) checks the running server against it.

use crate::routes::{Group, ROUTES, Route};
use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::transform::{Transform, transform_subschemas};
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value, json};
use terrain_protocol::{ErrorBody, PROTOCOL_HEADER, PROTOCOL_VERSION, codes, schema::SHA256};

/// Builds a schema, registering the types it names in the document's components.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// A body: none, JSON of a type, or bytes.
#[derive(Clone, Copy)]
pub enum Body {
    None,
    Json(SchemaFn),
    Bytes,
    /// A file of this media type (an export).
    File(&'static str),
}

/// A header a request sends or an answer carries.
pub struct Header {
    pub name: &'static str,
    pub required: bool,
    pub description: &'static str,
    pub schema: SchemaFn,
}

/// One documented status of a route, besides its errors.
pub struct Answer {
    pub status: u16,
    pub description: &'static str,
    pub body: Body,
    pub headers: &'static [Header],
}

/// The schema of `T`, by reference to the components.
pub(crate) fn of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// The schema of `T` inline (a query's fields are spread into parameters).
pub(crate) fn inline<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.root_schema_for::<T>()
}

/// Errors any /v1 route may answer, whoever made them (the edge, the router).
const EDGE_ERRORS: &[&str] = &[
    codes::PROTOCOL_VERSION,
    codes::BAD_REQUEST,
    codes::METHOD_NOT_ALLOWED,
    codes::REQUEST_TIMEOUT,
    codes::TOO_MANY_CONNECTIONS,
    codes::UNAVAILABLE,
];

/// Errors of a route that needs a device token.
const TOKEN_ERRORS: &[&str] = &[
    codes::UNAUTHENTICATED,
    codes::TOKEN_REVOKED,
    codes::TOKEN_EXPIRED,
    // With the console's cookie instead of a token.
    codes::SESSION_EXPIRED,
    codes::CSRF_REFUSED,
];

/// Errors of a route that reads a body, besides its own.
const BODY_ERRORS: &[&str] = &[
    codes::BODY_TOO_LARGE,
    codes::BAD_ENCODING,
    codes::UNSUPPORTED_MEDIA_TYPE,
];

/// The schema of `path`'s `{name}` segment.
fn path_parameter(path: &str, name: &str) -> (Value, &'static str) {
    match name {
        "sha256" => (
            json!({ "type": "string", "pattern": SHA256 }),
            "the attachment's SHA-256, 64 lower-case hex digits",
        ),
        "id" if path.starts_with("/v1/sites/") => (
            json!({ "type": "string", "format": "uuid" }),
            "the site's id",
        ),
        "id" => (
            json!({ "type": "string", "format": "uuid" }),
            "the report's id",
        ),
        "user" => (
            json!({ "type": "string", "pattern": terrain_protocol::schema::line_pattern(), "minLength": 1 }),
            "the user's name",
        ),
        "device" => (
            json!({ "type": "string", "pattern": "^[0-9a-f]{32}$" }),
            "the device's id, as the user's device list gives it",
        ),
        "name" => (
            json!({ "type": "string", "pattern": "^terrain-reply-[A-Za-z0-9_.-]+\\.tbundle$" }),
            "the reply file's name, as the upload's answer gives it",
        ),
        _ => unreachable!("path parameter {name} has no schema: add it here"),
    }
}

fn header_parameter(header: &Header, generator: &mut SchemaGenerator) -> Value {
    json!({ "name": header.name, "in": "header", "required": header.required,
            "description": header.description, "schema": (header.schema)(generator) })
}

/// A query type's fields as query parameters, each with its own schema and description.
fn query_parameters(query: SchemaFn, generator: &mut SchemaGenerator) -> Vec<Value> {
    let schema = query(generator);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, field)| {
            let mut field = field.clone();
            let description = field
                .as_object_mut()
                .and_then(|f| f.remove("description"))
                .unwrap_or_default();
            // An optional field is an absent parameter; a query cannot say null.
            if let Some(kinds) = field.get_mut("type").and_then(Value::as_array_mut) {
                kinds.retain(|kind| kind != "null");
                if let [kind] = &kinds[..] {
                    field["type"] = kind.clone();
                }
            }
            json!({ "name": name, "in": "query", "required": required.contains(&name.as_str()),
                    "description": description, "schema": field })
        })
        .collect()
}

fn content(body: Body, generator: &mut SchemaGenerator) -> Option<Value> {
    match body {
        Body::None => None,
        Body::Json(schema) => Some(json!({ "application/json": { "schema": schema(generator) } })),
        // OpenAPI 3.1's way to say "any bytes" (3.0's was `format: binary`).
        Body::Bytes => Some(json!({ "application/octet-stream": {
            "schema": { "type": "string", "contentMediaType": "application/octet-stream" } } })),
        // A JSON-based file (GeoJSON) is a JSON value; any other, bytes of its type.
        Body::File(media) if media.ends_with("+json") => {
            Some(json!({ media: { "schema": { "type": "object" } } }))
        }
        Body::File(media) => Some(json!({ media: {
            "schema": { "type": "string", "contentMediaType": media } } })),
    }
}

fn operation(route: &Route, generator: &mut SchemaGenerator) -> Value {
    let mut parameters = Vec::new();
    if route.group != Group::Open {
        parameters.push(json!({
            "name": PROTOCOL_HEADER, "in": "header", "required": true,
            "description": "the protocol the client speaks",
            "schema": { "type": "string", "const": PROTOCOL_VERSION.to_string() },
        }));
    }
    parameters.extend(
        route
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| {
                let (schema, description) = path_parameter(route.path, name);
                json!({ "name": name, "in": "path", "required": true,
                        "description": description, "schema": schema })
            }),
    );
    if let Some(query) = route.query {
        parameters.extend(query_parameters(query, generator));
    }
    parameters.extend(route.headers.iter().map(|h| header_parameter(h, generator)));

    let mut responses = Map::new();
    for answer in route.answers {
        let mut response = json!({ "description": answer.description });
        if let Some(content) = content(answer.body, generator) {
            response["content"] = content;
        }
        if !answer.headers.is_empty() {
            let headers: Map<String, Value> = answer
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_string(),
                        json!({ "description": h.description, "required": h.required,
                                "schema": (h.schema)(generator) }),
                    )
                })
                .collect();
            response["headers"] = Value::Object(headers);
        }
        responses.insert(answer.status.to_string(), response);
    }
    let mut errors: Vec<&str> = route.errors.to_vec();
    if route.signed_in {
        errors.extend(TOKEN_ERRORS);
    }
    if !matches!(route.request, Body::None) {
        errors.extend(BODY_ERRORS);
    }
    errors.extend(
        EDGE_ERRORS
            .iter()
            .filter(|code| route.group != Group::Open || **code != codes::PROTOCOL_VERSION),
    );
    let mut seen = std::collections::HashSet::new();
    errors.retain(|code| seen.insert(*code));
    responses.insert(
        "default".into(),
        json!({
            "description": format!("an error; its code is one of: {}", errors.join(", ")),
            "content": { "application/json": { "schema": of::<ErrorBody>(generator) } },
        }),
    );

    let mut op =
        json!({ "summary": route.summary, "parameters": parameters, "responses": responses });
    if route.signed_in {
        op["security"] = json!([{ "deviceToken": [] }, { "consoleSession": [] }]);
    }
    if let Some(content) = content(route.request, generator) {
        op["requestBody"] = json!({ "required": true, "content": content });
    }
    op
}

/// Spells out what a schemars `format` implies but a generic reader (Schemathesis, a client
/// generator) does not know: the bounds of Rust's integer types (`uint32` says nothing of
/// 2^32 to a reader that only reads `maximum`), and the shape of a time of day.
#[derive(Clone)]
struct SpellOutFormats;

impl Transform for SpellOutFormats {
    fn transform(&mut self, schema: &mut Schema) {
        transform_subschemas(self, schema);
        let Some(format) = schema.get("format").and_then(Value::as_str) else {
            return;
        };
        let (minimum, maximum): (Value, Value) = match format {
            "int8" => (i8::MIN.into(), i8::MAX.into()),
            "int16" => (i16::MIN.into(), i16::MAX.into()),
            "int32" => (i32::MIN.into(), i32::MAX.into()),
            "int64" => (i64::MIN.into(), i64::MAX.into()),
            "uint8" => (0.into(), u8::MAX.into()),
            "uint16" => (0.into(), u16::MAX.into()),
            "uint32" => (0.into(), u32::MAX.into()),
            "uint64" | "uint" => (0.into(), u64::MAX.into()),
            // chrono's NaiveTime: HH:MM:SS, a fraction of a second at most to the nanosecond.
            "partial-time" => {
                schema.insert(
                    "pattern".into(),
                    "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?$".into(),
                );
                return;
            }
            _ => return,
        };
        if schema.get("minimum").is_none() {
            schema.insert("minimum".into(), minimum);
        }
        if schema.get("maximum").is_none() {
            schema.insert("maximum".into(), maximum);
        }
    }
}

/// Descriptions come from doc comments: joined into one line, rustdoc's link brackets dropped
/// (`` [`limits::PULL_PAGE`] `` reads `` `limits::PULL_PAGE` ``).
#[derive(Clone)]
struct PlainDescriptions;

impl Transform for PlainDescriptions {
    fn transform(&mut self, schema: &mut Schema) {
        transform_subschemas(self, schema);
        if let Some(Value::String(text)) = schema.get_mut("description") {
            *text = text
                .replace('\n', " ")
                .replace("[`", "`")
                .replace("`]", "`");
        }
    }
}

/// The document served at `/v1/openapi.json`.
pub fn document() -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .with_transform(SpellOutFormats)
        .with_transform(PlainDescriptions)
        .into_generator();
    let mut paths = Map::new();
    for route in ROUTES {
        let op = operation(route, &mut generator);
        let entry = paths.entry(route.path).or_insert_with(|| json!({}));
        entry[route.method.name()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Terrain sync API",
            "version": PROTOCOL_VERSION.to_string(),
            "description": "The messages and their rules: docs/sync-protocol.md. Request bodies may be sent with Content-Encoding zstd or gzip.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "deviceToken": { "type": "http", "scheme": "bearer" },
                "consoleSession": {
                    "type": "apiKey", "in": "cookie", "name": terrain_protocol::CONSOLE_COOKIE,
                    "description": "the console's session (POST /v1/console/session; __Host-terrain_console under TLS); POST, PUT and DELETE also need its X-CSRF-Token header",
                },
            },
            "schemas": generator.take_definitions(true),
        },
    })
}
