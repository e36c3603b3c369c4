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
    /// Name of the success answer's schema, if it has a body.
    pub answer: Option<&'static str>,
    /// Query parameters: name, JSON type, description.
    pub query: &'static [(&'static str, &'static str, &'static str)],
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
        answer: None,
        query: &[],
        errors,
    }
}

impl Route {
    const fn answers(mut self, schema: &'static str) -> Route {
        self.answer = Some(schema);
        self
    }

    const fn query(
        mut self,
        query: &'static [(&'static str, &'static str, &'static str)],
    ) -> Route {
        self.query = query;
        self
    }
}

/// Errors any route may answer, whoever made them (the edge, the router).
const EDGE_ERRORS: &[&str] = &[
    codes::PROTOCOL_VERSION,
    codes::BAD_REQUEST,
    codes::METHOD_NOT_ALLOWED,
    codes::REQUEST_TIMEOUT,
    codes::TOO_MANY_CONNECTIONS,
    codes::UNAVAILABLE,
];

/// Errors of a route that reads a body, besides its own.
const BODY_ERRORS: &[&str] = &[
    codes::BODY_TOO_LARGE,
    codes::BAD_ENCODING,
    codes::UNSUPPORTED_MEDIA_TYPE,
];

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
    )
    .answers("Session"),
    route(
        "post",
        "/v1/sessions/renew",
        "Exchange this device's token for a new one without the password; the old one is retired at the new one's first use",
        None,
        &[200],
        &[
            codes::UNAUTHENTICATED,
            codes::TOKEN_REVOKED,
            codes::TOKEN_EXPIRED,
        ],
    )
    .answers("Session"),
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
    )
    .answers("PushAnswer"),
    route(
        "get",
        "/v1/pull",
        "The user's regions' revisions after a feed position",
        None,
        &[200],
        &[
            codes::UNAUTHENTICATED,
            codes::TOKEN_REVOKED,
            codes::INVALID_QUERY,
        ],
    )
    .answers("PullPage")
    .query(&[
        (
            "since",
            "integer",
            "the feed position to read after (`next` of the last page); 0 to start",
        ),
        (
            "limit",
            "integer",
            "at most this many revisions (the server's page limit applies)",
        ),
    ]),
    route(
        "head",
        "/v1/blobs/{sha256}",
        "How much of an attachment the server holds: 200 and its size (a blob the caller may know of), 204 and where the caller's own upload stands, else 404",
        None,
        &[200, 204, 404],
        &[codes::UNAUTHENTICATED, codes::TOKEN_REVOKED],
    ),
    route(
        "put",
        "/v1/blobs/{sha256}",
        "Append a piece to the caller's upload at Upload-Offset; the last piece (ending at Upload-Length) checks the sha256 and stores the blob (201); 200 if it was already stored, 204 with the new offset otherwise",
        Some("bytes"),
        &[200, 201, 204],
        &[
            codes::UNAUTHENTICATED,
            codes::TOKEN_REVOKED,
            codes::OFFSET_MISMATCH,
            codes::BLOB_HASH_MISMATCH,
            codes::INVALID_UPLOAD_HEADER,
            codes::TOO_MANY_PIECES,
            codes::BODY_TOO_LARGE,
        ],
    ),
    route(
        "get",
        "/v1/blobs/{sha256}",
        "Download an attachment the caller may know of (its uploader, a reader of a report naming it): 200 and its bytes, or with Range (bytes=START- or bytes=START-END) 206 and those bytes, to resume; else 404",
        None,
        &[200, 206, 404],
        &[
            codes::UNAUTHENTICATED,
            codes::TOKEN_REVOKED,
            codes::RANGE_NOT_SATISFIABLE,
        ],
    ),
    route(
        "delete",
        "/v1/blobs/{sha256}",
        "Drop the caller's own upload in progress to start again from 0 (204); never a stored blob or another user's upload",
        None,
        &[204],
        &[
            codes::UNAUTHENTICATED,
            codes::TOKEN_REVOKED,
            codes::NOT_FOUND,
        ],
    ),
    route(
        "post",
        "/v1/reports/{id}/verify",
        "Mark a report verified (reviewers, administrators)",
        None,
        &[200],
        &[codes::FORBIDDEN, codes::REGION_FORBIDDEN, codes::NOT_FOUND],
    )
    .answers("Verified"),
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
    )
    .answers("AuditPage")
    .query(&[
        (
            "since",
            "string",
            "only events at or after this time (RFC 3339)",
        ),
        ("user", "string", "only this user's events"),
        ("limit", "integer", "at most this many events"),
    ]),
];

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The path's `{name}` segments, each a required parameter.
fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let (schema, description) = match name {
                "sha256" => (
                    json!({ "type": "string", "pattern": "^[0-9a-f]{64}$" }),
                    "the attachment's SHA-256, 64 lower-case hex digits",
                ),
                "id" => (
                    json!({ "type": "string", "format": "uuid" }),
                    "the report's id",
                ),
                _ => (json!({ "type": "string" }), ""),
            };
            json!({ "name": name, "in": "path", "required": true, "description": description, "schema": schema })
        })
        .collect()
}

/// Shapes of the bodies (the fields and their types; the rules are in docs/sync-protocol.md).
fn schemas() -> Value {
    let string = json!({ "type": "string" });
    let uuid = json!({ "type": "string", "format": "uuid" });
    json!({
        "Error": { "type": "object", "required": ["error"], "properties": { "error": {
            "type": "object", "required": ["code", "message"],
            "properties": { "code": string, "message": string } } } },
        "SignIn": { "type": "object", "required": ["user", "password", "device_name"],
            "properties": { "user": string, "password": string, "device_name": string } },
        "Role": { "type": "string", "enum": ["reporter", "reviewer", "admin"] },
        "Session": { "type": "object", "required": ["token", "user", "role", "regions"],
            "properties": { "token": string, "user": string, "role": schema_ref("Role"),
                "regions": { "type": "array", "items": string } } },
        "Revision": { "type": "object", "description": "a terrain_domain::Revision (docs/record.md)",
            "required": ["id", "report_id", "parents", "content"],
            "properties": { "id": uuid, "report_id": uuid,
                "parents": { "type": "array", "items": uuid },
                "content": { "type": "object" } } },
        "Push": { "type": "object", "required": ["revisions"],
            "properties": { "revisions": { "type": "array", "maxItems": terrain_protocol::limits::PUSH_REVISIONS,
                "items": schema_ref("Revision") } } },
        "PushResult": { "type": "object", "required": ["rev_id", "status"],
            "properties": { "rev_id": uuid,
                "status": { "type": "string", "enum": ["stored", "already_have", "conflict", "rejected"] },
                "seq": { "type": "integer" }, "code": string, "message": string } },
        "PushAnswer": { "type": "object", "required": ["results"],
            "properties": { "results": { "type": "array", "items": schema_ref("PushResult") } } },
        "Pulled": { "type": "object", "required": ["seq", "revision"],
            "properties": { "seq": { "type": "integer" }, "revision": schema_ref("Revision"),
                "rehashed": { "type": "boolean" },
                "pending": { "type": "array", "items": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
                    "description": "attachments whose bytes the server does not hold yet" } } },
        "PullPage": { "type": "object", "required": ["revisions", "next", "more"],
            "properties": { "revisions": { "type": "array", "items": schema_ref("Pulled") },
                "next": { "type": "integer" }, "more": { "type": "boolean" } } },
        "Verified": { "type": "object", "required": ["report_id", "verified_by", "verified_at"],
            "properties": { "report_id": uuid, "verified_by": string, "verified_at": string } },
        "AuditEntry": { "type": "object", "required": ["at", "action", "detail"],
            "properties": { "at": string, "actor": { "type": ["string", "null"] },
                "device": { "type": ["string", "null"] }, "action": string, "detail": string } },
        "AuditPage": { "type": "object", "required": ["events"],
            "properties": { "events": { "type": "array", "items": schema_ref("AuditEntry") } } },
    })
}

pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for Route {
        method,
        path,
        summary,
        body,
        ok,
        answer,
        query,
        errors,
    } in ROUTES
    {
        let mut responses = serde_json::Map::new();
        for status in *ok {
            let mut response = json!({ "description": if *status == 404 { "not known to the caller" } else { "success" } });
            if path.starts_with("/v1/blobs/") && *method == "get" && *status != 404 {
                response["content"] = json!({ "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } });
                if *status == 206 {
                    response["headers"] = json!({ "Content-Range": { "description": "the bytes sent: bytes START-END/SIZE", "schema": { "type": "string" } } });
                }
            } else if path.starts_with("/v1/blobs/") && *status != 404 {
                response["headers"] = json!({ UPLOAD_OFFSET: { "description": "bytes the server holds", "schema": { "type": "integer", "minimum": 0 } } });
            }
            if let (Some(schema), 200) = (answer, status) {
                response["content"] =
                    json!({ "application/json": { "schema": schema_ref(schema) } });
            }
            responses.insert(status.to_string(), response);
        }
        let mut all_errors: Vec<&str> = errors.to_vec();
        all_errors.extend(EDGE_ERRORS);
        if body.is_some() {
            all_errors.extend(BODY_ERRORS);
        }
        all_errors.dedup();
        responses.insert(
            "default".into(),
            json!({
                "description": format!("error; codes: {}", all_errors.join(", ")),
                "content": { "application/json": { "schema": schema_ref("Error") } }
            }),
        );
        let mut parameters = vec![
            json!({ "name": PROTOCOL_HEADER, "in": "header", "required": true, "schema": { "const": PROTOCOL_VERSION.to_string() } }),
        ];
        parameters.extend(path_parameters(path));
        if path.starts_with("/v1/blobs/") && *method == "get" {
            parameters.push(json!({ "name": "Range", "in": "header", "required": false, "description": "one range of bytes: bytes=START- or bytes=START-END", "schema": { "type": "string" } }));
        }
        for (name, kind, description) in *query {
            parameters.push(json!({ "name": name, "in": "query", "required": false, "description": description, "schema": { "type": kind } }));
        }
        let mut op = json!({
            "summary": summary,
            "parameters": parameters,
            "responses": responses,
        });
        if *path != "/v1/sessions" {
            op["security"] = json!([{ "deviceToken": [] }]);
        }
        match body {
            Some("bytes") => {
                op["requestBody"] = json!({ "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } });
                for header in [UPLOAD_OFFSET, UPLOAD_LENGTH] {
                    op["parameters"].as_array_mut().expect("a list").push(json!({ "name": header, "in": "header", "required": true, "schema": { "type": "integer", "minimum": 0 } }));
                }
            }
            Some(name) => {
                op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": schema_ref(name) } } })
            }
            None => {}
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Terrain sync API", "version": PROTOCOL_VERSION.to_string(),
                  "description": "See docs/sync-protocol.md for the messages and their rules. Request bodies may be sent with Content-Encoding zstd or gzip." },
        "paths": paths,
        "components": {
            "securitySchemes": { "deviceToken": { "type": "http", "scheme": "bearer" } },
            "schemas": schemas(),
        }
    })
}
