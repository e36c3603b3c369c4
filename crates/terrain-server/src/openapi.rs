//! The OpenAPI description of /v1, built from the same route list the router serves (a test
//! checks each documented route answers). Message bodies are described in
//! docs/sync-protocol.md and typed in `terrain-protocol`.

use serde_json::{Value, json};
use terrain_protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION, UPLOAD_LENGTH, UPLOAD_OFFSET, codes};

/// One documented route.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// Name of the request body's schema, or "bytes".
    pub body: Option<&'static str>,
    pub ok: &'static [u16],
    pub errors: &'static [&'static str],
}

const fn route(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    body: Option<&'static str>,
    ok: &'static [u16],
    errors: &'static [&'static str],
) -> Route {
    Route {
        method,
        path,
        summary,
        body,
        ok,
        errors,
    }
}

pub const ROUTES: &[Route] = &[
    route(
        "post",
        "/v1/sessions",
        "Sign in once; the answer carries this device's token",
        Some("SignIn"),
        &[200],
        &[
            codes::BAD_CREDENTIALS,
            codes::LOCKED_OUT,
            codes::RATE_LIMITED,
            codes::MALFORMED_JSON,
        ],
    ),
    route(
        "post",
        "/v1/push",
        "Store a batch of revisions, each once; conflicts become second heads",
        Some("Push"),
        &[200],
        &[
            codes::UNAUTHENTICATED,
            codes::TOKEN_REVOKED,
            codes::MALFORMED_JSON,
            codes::BODY_TOO_LARGE,
            codes::TOO_MANY_REVISIONS,
        ],
    ),
    route(
        "get",
        "/v1/pull",
        "The user's regions' revisions after a feed position",
        None,
        &[200],
        &[codes::UNAUTHENTICATED, codes::TOKEN_REVOKED],
    ),
    route(
        "head",
        "/v1/blobs/{sha256}",
        "How much of an attachment the server holds",
        None,
        &[200, 204, 404],
        &[codes::UNAUTHENTICATED],
    ),
    route(
        "put",
        "/v1/blobs/{sha256}",
        "Upload a piece of an attachment from the offset the server holds",
        Some("bytes"),
        &[201, 204],
        &[
            codes::OFFSET_MISMATCH,
            codes::BLOB_HASH_MISMATCH,
            codes::BODY_TOO_LARGE,
        ],
    ),
    route(
        "post",
        "/v1/reports/{id}/verify",
        "Mark a report verified (reviewers, administrators)",
        None,
        &[200],
        &[codes::FORBIDDEN, codes::REGION_FORBIDDEN, codes::NOT_FOUND],
    ),
    route(
        "get",
        "/v1/audit",
        "The audit log, oldest first; ?since=RFC3339&user=NAME&limit=N (administrators)",
        None,
        &[200],
        &[
            codes::UNAUTHENTICATED,
            codes::TOKEN_REVOKED,
            codes::FORBIDDEN,
            codes::INVALID_QUERY,
        ],
    ),
];

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for Route {
        method,
        path,
        summary,
        body,
        ok,
        errors,
    } in ROUTES
    {
        let mut responses = serde_json::Map::new();
        for status in *ok {
            responses.insert(status.to_string(), json!({ "description": "success" }));
        }
        responses.insert(
            "default".into(),
            json!({
                "description": format!("error; codes: {}", errors.join(", ")),
                "content": { "application/json": { "schema": schema_ref("Error") } }
            }),
        );
        let mut op = json!({
            "summary": summary,
            "parameters": [{ "name": PROTOCOL_HEADER, "in": "header", "required": true, "schema": { "const": PROTOCOL_VERSION.to_string() } }],
            "responses": responses,
        });
        if *path != "/v1/sessions" {
            op["security"] = json!([{ "deviceToken": [] }]);
        }
        match body {
            Some("bytes") => {
                op["requestBody"] = json!({ "content": { "application/octet-stream": {} } });
                for header in [UPLOAD_OFFSET, UPLOAD_LENGTH] {
                    op["parameters"].as_array_mut().unwrap().push(json!({ "name": header, "in": "header", "required": true, "schema": { "type": "integer" } }));
                }
            }
            Some(name) => {
                op["requestBody"] =
                    json!({ "content": { "application/json": { "schema": schema_ref(name) } } })
            }
            None => {}
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Terrain sync API", "version": PROTOCOL_VERSION.to_string(),
                  "description": "See docs/sync-protocol.md for the messages and their rules." },
        "paths": paths,
        "components": {
            "securitySchemes": { "deviceToken": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } } },
                "SignIn": { "type": "object", "required": ["user", "password", "device_name"],
                    "properties": { "user": { "type": "string" }, "password": { "type": "string" }, "device_name": { "type": "string" } } },
                "Push": { "type": "object", "required": ["revisions"],
                    "properties": { "revisions": { "type": "array", "maxItems": terrain_protocol::limits::PUSH_REVISIONS,
                        "items": { "type": "object", "description": "a terrain_domain::Revision (docs/record.md)" } } } }
            }
        }
    })
}
