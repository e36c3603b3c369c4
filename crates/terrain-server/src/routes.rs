//! The route table: each route's method, path and handler, the layers it is served behind,
//! and what it reads, answers and may refuse with. [`crate::router`] serves exactly these and
//! [`crate::openapi::document`] describes exactly these, so the two cannot disagree.

use crate::openapi::{self, Answer, Body, Header, SchemaFn, inline, of};
use crate::{AppState, api};
use axum::Router;
use axum::routing::{MethodFilter, MethodRouter, on};
use schemars::json_schema;
use terrain_protocol::{
    AuditPage, AuditParams, ConsoleSession, ConsoleSignIn, DeviceList, DeviceRow, Health, NewUser,
    PasswordReset, PullPage, PullParams, Push, PushAnswer, ReviewDecision, ReviewRequest, Session,
    SignIn, UPLOAD_LENGTH, UPLOAD_OFFSET, UserChange, UserList, UserRow, Verified, codes, limits,
};

/// Which layers a route is served behind (see [`crate::router`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Outside /v1's rules: no `Terrain-Protocol` header needed, no body read.
    Open,
    /// Sign-in: a small body, checked a few at a time.
    SignIn,
    /// The rest of /v1 with a JSON body or none: bodies up to [`limits::BODY_BYTES`].
    Api,
    /// Attachments: pieces up to [`limits::BLOB_CHUNK_BYTES`].
    Blobs,
    /// The console's bundle upload: a body streamed to a file, bounded by the handler
    /// (`serve --bundle-upload-max-mib`), never decompressed (a bundle is compressed already).
    Bundles,
}

/// The HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Head,
    Post,
    Put,
    Delete,
}

impl Verb {
    pub fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Head => MethodFilter::HEAD,
            Verb::Post => MethodFilter::POST,
            Verb::Put => MethodFilter::PUT,
            Verb::Delete => MethodFilter::DELETE,
        }
    }

    /// As OpenAPI spells it.
    pub fn name(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Head => "head",
            Verb::Post => "post",
            Verb::Put => "put",
            Verb::Delete => "delete",
        }
    }
}

/// The routes of `group`, on one router (the methods of one path merge).
pub fn of_group(group: Group) -> Router<AppState> {
    ROUTES
        .iter()
        .filter(|r| r.group == group)
        .fold(Router::new(), |router, r| {
            router.route(r.path, (r.handler)(r.method.filter()))
        })
}

/// One route: its method and path, the handler serving it and the layers around it, and what
/// it reads, answers and may refuse with (the document's operation).
pub struct Route {
    pub method: Verb,
    pub path: &'static str,
    /// The handler, as a method router for `method` (`|m| on(m, handler)`).
    pub handler: fn(MethodFilter) -> MethodRouter<AppState>,
    pub group: Group,
    pub summary: &'static str,
    /// Needs a device token (`Authorization: Bearer`).
    pub signed_in: bool,
    pub request: Body,
    /// The query's type: each of its fields is a query parameter.
    pub query: Option<SchemaFn>,
    pub headers: &'static [Header],
    pub answers: &'static [Answer],
    pub errors: &'static [&'static str],
}

const fn json(status: u16, description: &'static str, body: SchemaFn) -> Answer {
    Answer {
        status,
        description,
        body: Body::Json(body),
        headers: &[],
    }
}

const fn route(
    method: Verb,
    path: &'static str,
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
    summary: &'static str,
) -> Route {
    Route {
        method,
        path,
        handler,
        group: Group::Api,
        summary,
        signed_in: true,
        request: Body::None,
        query: None,
        headers: &[],
        answers: &[],
        errors: &[],
    }
}

const UPLOAD_OFFSET_ANSWER: Header = Header {
    name: UPLOAD_OFFSET,
    required: true,
    description: "bytes of the blob the server holds",
    schema: |_| json_schema!({ "type": "integer", "minimum": 0 }),
};

const BLOB_PATH: &str = "/v1/blobs/{sha256}";

const SET_COOKIE: Header = Header {
    name: "Set-Cookie",
    required: true,
    description: "the console's session cookie (HttpOnly, SameSite=Strict; Secure and __Host- prefixed under TLS)",
    schema: |_| json_schema!({ "type": "string" }),
};

/// The counts' query: the inbox's filter (without its paging) and what to count by.
fn counts_query(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut query = inline::<terrain_protocol::ReportFilter>(generator);
    let by = inline::<terrain_protocol::CountsParams>(generator);
    if let Some(all) = query
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    {
        all.remove("before");
        all.remove("limit");
        if let Some(more) = by.get("properties").and_then(|p| p.as_object()) {
            all.extend(more.clone());
        }
    }
    query.insert("required".into(), serde_json::json!(["by"]));
    query
}

/// An export's query: the inbox's filter (without its paging) and the export's options.
fn export_query(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut query = inline::<terrain_protocol::ReportFilter>(generator);
    let options = inline::<terrain_protocol::ExportOptions>(generator);
    if let (Some(all), Some(more)) = (
        query
            .get_mut("properties")
            .and_then(serde_json::Value::as_object_mut),
        options.get("properties").and_then(|p| p.as_object()),
    ) {
        all.remove("before");
        all.remove("limit");
        all.extend(more.clone());
    }
    query
}

const EXPORT_TOTAL: Header = Header {
    name: terrain_protocol::TOTAL_HEADER,
    required: false,
    description: "how many reports the file holds, when known before its first byte (for a progress bar)",
    schema: |_| json_schema!({ "type": "integer", "minimum": 0 }),
};

const CONTENT_DISPOSITION: Header = Header {
    name: "Content-Disposition",
    required: true,
    description: "attachment, and the file's name",
    schema: |_| json_schema!({ "type": "string" }),
};

/// An export route's answer: a file of `media` type.
const fn export_answer(description: &'static str, media: &'static str) -> Answer {
    Answer {
        status: 200,
        description,
        body: Body::File(media),
        headers: &[EXPORT_TOTAL, CONTENT_DISPOSITION],
    }
}

/// The bundle upload's refusals: the catalogue's `bundle.import.*` codes, and its own.
const BUNDLE_UPLOAD_ERRORS: &[&str] = &[
    codes::FORBIDDEN,
    codes::INVALID_QUERY,
    codes::BODY_TOO_LARGE,
    "bundle.import.not_bundle",
    "bundle.import.newer",
    "bundle.import.truncated",
    "bundle.import.tampered",
    "bundle.import.other_server",
    "bundle.import.a_reply",
    "bundle.import.unknown_device",
    "bundle.import.revoked",
    "bundle.import.io",
    "bundle.error.refused",
];

pub const ROUTES: &[Route] = &[
    Route {
        group: Group::Open,
        signed_in: false,
        answers: &[
            json(200, "the server and its storage answer", of::<Health>),
            json(503, "the server's storage does not answer", of::<Health>),
        ],
        ..route(
            Verb::Get,
            "/health",
            |m| on(m, api::health::health),
            "Whether the server and its storage answer, and the protocol versions it speaks",
        )
    },
    Route {
        group: Group::Open,
        signed_in: false,
        answers: &[json(
            200,
            "this document",
            |_| json_schema!({ "type": "object", "required": ["openapi", "paths"] }),
        )],
        ..route(
            Verb::Get,
            "/v1/openapi.json",
            |m| on(m, || async { axum::Json(openapi::document()) }),
            "This description of the API, OpenAPI 3.1",
        )
    },
    Route {
        group: Group::Open,
        signed_in: false,
        answers: &[json(
            200,
            "the server's public keys: receipts' signing key (current and retired), bundles' sealing recipient, their fingerprint",
            of::<terrain_protocol::ServerKeys>,
        )],
        ..route(
            Verb::Get,
            "/v1/server-keys",
            |m| on(m, api::server_keys::show),
            "The server's public keys and fingerprint, as the sign-in answer carries them",
        )
    },
    Route {
        group: Group::SignIn,
        signed_in: false,
        request: Body::Json(of::<SignIn>),
        answers: &[json(200, "this device's token, shown once", of::<Session>)],
        errors: &[
            codes::BAD_CREDENTIALS,
            codes::LOCKED_OUT,
            codes::RATE_LIMITED,
            codes::MALFORMED_JSON,
            codes::INVALID_TEXT,
        ],
        ..route(
            Verb::Post,
            "/v1/sessions",
            |m| on(m, api::sessions::create),
            "Sign in once; the answer carries this device's token",
        )
    },
    Route {
        answers: &[json(200, "the new token", of::<Session>)],
        ..route(
            Verb::Post,
            "/v1/sessions/renew",
            |m| on(m, api::sessions::renew),
            "Exchange this device's token for a new one without the password; the old one is retired at the new one's first use",
        )
    },
    Route {
        request: Body::Json(of::<Push>),
        answers: &[json(
            200,
            "each revision's fate, in the order sent",
            of::<PushAnswer>,
        )],
        errors: &[codes::MALFORMED_JSON, codes::TOO_MANY_REVISIONS],
        ..route(
            Verb::Post,
            "/v1/push",
            |m| on(m, api::push::push),
            "Store a batch of revisions, each once; conflicts become second heads",
        )
    },
    Route {
        query: Some(inline::<PullParams>),
        answers: &[json(200, "a page of the feed", of::<PullPage>)],
        errors: &[codes::INVALID_QUERY],
        ..route(
            Verb::Get,
            "/v1/pull",
            |m| on(m, api::pull::pull),
            "The user's regions' revisions after a feed position",
        )
    },
    Route {
        query: Some(inline::<terrain_protocol::ReportFilter>),
        answers: &[json(
            200,
            "a page of the reader's reports (their regions'; all for an administrator), newest arrival first, each with its latest review",
            of::<terrain_protocol::ReportPage>,
        )],
        errors: &[codes::INVALID_QUERY],
        ..route(
            Verb::Get,
            "/v1/reports",
            |m| on(m, api::reports::list),
            "The console's inbox: search (every word, as a word's start, accents optional) and filters; pages by the previous page's next",
        )
    },
    Route {
        query: Some(counts_query),
        answers: &[json(
            200,
            "how many of the reader's reports the filter selects, by region and ISO week or by event type",
            of::<terrain_protocol::Counts>,
        )],
        errors: &[codes::INVALID_QUERY],
        ..route(
            Verb::Get,
            "/v1/reports/counts",
            |m| on(m, api::reports::counts),
            "Counts of the reports the inbox's filter selects",
        )
    },
    Route {
        answers: &[json(
            200,
            "the report: its heads (contacts only where the reader may see them), every revision with its arrival, who pushed it and whether its hash verifies, its review decisions",
            of::<terrain_protocol::ReportDetail>,
        )],
        errors: &[codes::REGION_FORBIDDEN, codes::NOT_FOUND],
        ..route(
            Verb::Get,
            "/v1/reports/{id}",
            |m| on(m, api::reports::detail),
            "One report whole, for the console",
        )
    },
    Route {
        group: Group::Blobs,
        answers: &[
            Answer {
                status: 200,
                description: "a blob the caller may know of; Upload-Offset is its size",
                body: Body::None,
                headers: &[UPLOAD_OFFSET_ANSWER],
            },
            Answer {
                status: 204,
                description: "the caller's own upload in progress; Upload-Offset is where it stands",
                body: Body::None,
                headers: &[UPLOAD_OFFSET_ANSWER],
            },
        ],
        errors: &[codes::NOT_FOUND],
        ..route(
            Verb::Head,
            BLOB_PATH,
            |m| on(m, api::blobs::head),
            "How much of an attachment the server holds; 404 when the caller may not know of it and has no upload of it",
        )
    },
    Route {
        group: Group::Blobs,
        request: Body::Bytes,
        headers: &[
            Header {
                name: UPLOAD_OFFSET,
                required: true,
                description: "where this piece starts: the bytes the server holds (HEAD)",
                schema: |_| json_schema!({ "type": "integer", "minimum": 0, "maximum": limits::BLOB_BYTES }),
            },
            Header {
                name: UPLOAD_LENGTH,
                required: true,
                description: "the whole blob's size",
                schema: |_| json_schema!({ "type": "integer", "minimum": 0, "maximum": limits::BLOB_BYTES }),
            },
        ],
        answers: &[
            Answer {
                status: 200,
                description: "the blob was already stored",
                body: Body::None,
                headers: &[UPLOAD_OFFSET_ANSWER],
            },
            Answer {
                status: 201,
                description: "the last piece: the blob matched its sha256 and is stored",
                body: Body::None,
                headers: &[UPLOAD_OFFSET_ANSWER],
            },
            Answer {
                status: 204,
                description: "the piece is stored; Upload-Offset is where the upload stands",
                body: Body::None,
                headers: &[UPLOAD_OFFSET_ANSWER],
            },
        ],
        errors: &[
            codes::OFFSET_MISMATCH,
            codes::BLOB_HASH_MISMATCH,
            codes::INVALID_UPLOAD_HEADER,
            codes::TOO_MANY_PIECES,
        ],
        ..route(
            Verb::Put,
            BLOB_PATH,
            |m| on(m, api::blobs::put),
            "Append a piece to the caller's upload at Upload-Offset; the last piece (ending at Upload-Length) checks the sha256 and stores the blob",
        )
    },
    Route {
        group: Group::Blobs,
        headers: &[Header {
            name: "Range",
            required: false,
            // Any string: one not of these forms is answered 416 like a range outside the blob
            // (docs/sync-protocol.md), so a pattern here would call that answer wrong.
            description: "one range of bytes, to resume: bytes=START-, bytes=START-END or bytes=-LAST; anything else, or a range outside the blob, is answered 416",
            schema: |_| json_schema!({ "type": "string" }),
        }],
        answers: &[
            Answer {
                status: 200,
                description: "the blob's bytes",
                body: Body::Bytes,
                headers: &[],
            },
            Answer {
                status: 206,
                description: "the range asked for",
                body: Body::Bytes,
                headers: &[Header {
                    name: "Content-Range",
                    required: true,
                    description: "the bytes sent: bytes START-END/SIZE",
                    schema: |_| json_schema!({ "type": "string", "pattern": "^bytes [0-9]+-[0-9]+/[0-9]+$" }),
                }],
            },
        ],
        errors: &[codes::NOT_FOUND, codes::RANGE_NOT_SATISFIABLE],
        ..route(
            Verb::Get,
            BLOB_PATH,
            |m| on(m, api::blobs::get),
            "Download an attachment the caller may know of (its uploader, a reader of a report naming it); 404 for anyone else",
        )
    },
    Route {
        group: Group::Blobs,
        answers: &[Answer {
            status: 204,
            description: "the upload in progress is dropped",
            body: Body::None,
            headers: &[],
        }],
        errors: &[codes::NOT_FOUND],
        ..route(
            Verb::Delete,
            BLOB_PATH,
            |m| on(m, api::blobs::reset),
            "Drop the caller's own upload in progress to start again from 0; never a stored blob or another user's upload",
        )
    },
    Route {
        answers: &[json(
            200,
            "the reports of the reader's regions this one may be the same incident as, likeliest first, with the reasons (each with its catalogue key); never one already in its incident or dismissed",
            of::<terrain_protocol::Similar>,
        )],
        errors: &[codes::REGION_FORBIDDEN, codes::NOT_FOUND],
        ..route(
            Verb::Get,
            "/v1/reports/{id}/similar",
            |m| on(m, api::incidents::similar),
            "May be the same incident as: suggestions for a report (issue 15)",
        )
    },
    Route {
        request: Body::Json(of::<terrain_protocol::LinkOps>),
        answers: &[json(
            200,
            "what became of each operation, in order: stored now (and audited) or already stored",
            of::<terrain_protocol::LinkResults>,
        )],
        errors: &[
            codes::REGION_FORBIDDEN,
            codes::NOT_FOUND,
            codes::MALFORMED_JSON,
            codes::INVALID_FIELD,
        ],
        ..route(
            Verb::Post,
            "/v1/incidents/links",
            |m| on(m, api::incidents::links),
            "Link two reports as one incident, unlink them, or dismiss a suggestion: the caller's own operations on reports of their regions, each kept once by id and audited",
        )
    },
    Route {
        request: Body::Json(of::<terrain_protocol::PairDecision>),
        answers: &[json(
            200,
            "the operation the server made of the decision (by the caller, stamped after every operation it holds on the pair), kept and audited",
            of::<terrain_protocol::incident::LinkOp>,
        )],
        errors: &[
            codes::REGION_FORBIDDEN,
            codes::NOT_FOUND,
            codes::MALFORMED_JSON,
            codes::INVALID_FIELD,
        ],
        ..route(
            Verb::Post,
            "/v1/incidents/decisions",
            |m| on(m, api::incidents::decide),
            "Link, unlink or dismiss one pair of reports of the caller's regions, the server making the operation (the console's way: a browser cannot stamp operations after those the server holds)",
        )
    },
    Route {
        answers: &[json(
            200,
            "the incident the report is in: its reports the reader may see, every figure's claims by source with the conservative value, the sources, sites and times",
            of::<terrain_protocol::IncidentView>,
        )],
        errors: &[codes::REGION_FORBIDDEN, codes::NOT_FOUND],
        ..route(
            Verb::Get,
            "/v1/incidents/{id}",
            |m| on(m, api::incidents::incident),
            "One incident: the reports linked with this one and what they say together",
        )
    },
    Route {
        request: Body::Json(of::<terrain_protocol::sites::SiteRevisions>),
        answers: &[json(
            200,
            "what became of each site revision, in order: stored now (and audited) or already stored",
            of::<terrain_protocol::sites::SiteResults>,
        )],
        errors: &[
            codes::REGION_FORBIDDEN,
            codes::MALFORMED_JSON,
            codes::INVALID_FIELD,
        ],
        ..route(
            Verb::Post,
            "/v1/sites/revisions",
            |m| on(m, api::sites::revisions),
            "Send site revisions (issue 15): the caller's own, of their regions, each following parents the server holds or the request brings earlier; all checked before any is kept, each kept once by id and audited",
        )
    },
    Route {
        answers: &[json(
            200,
            "every revision of the site and of the sites it was merged into, parents before children",
            of::<terrain_protocol::sites::SiteHistory>,
        )],
        errors: &[codes::REGION_FORBIDDEN, codes::NOT_FOUND],
        ..route(
            Verb::Get,
            "/v1/sites/{id}",
            |m| on(m, api::sites::history),
            "One shared site's history, to resolve a site a pulled report names",
        )
    },
    Route {
        answers: &[json(
            200,
            "the site as it is now (and the site its merges lead to), and every incident at it or at a site merged into it, oldest first, of the reports the reader may see; linked reports make one incident",
            of::<terrain_protocol::sites::SiteIncidents>,
        )],
        errors: &[codes::REGION_FORBIDDEN, codes::NOT_FOUND],
        ..route(
            Verb::Get,
            "/v1/sites/{id}/incidents",
            |m| on(m, api::sites::incidents),
            "A site's page (issue 15): every incident at the site over time, as '3 incident(s) since March 2026' counts them",
        )
    },
    Route {
        request: Body::Json(of::<ReviewRequest>),
        answers: &[json(
            200,
            "the decision, as kept in the report's history and sent to devices",
            of::<ReviewDecision>,
        )],
        errors: &[
            codes::FORBIDDEN,
            codes::REGION_FORBIDDEN,
            codes::NOT_FOUND,
            codes::MALFORMED_JSON,
            codes::INVALID_FIELD,
        ],
        ..route(
            Verb::Post,
            "/v1/reports/{id}/review",
            |m| on(m, api::reviews::review),
            "Review a report: verified, needs follow-up (a question) or rejected (a reason), on one of its revisions (reviewers and administrators of its regions)",
        )
    },
    Route {
        answers: &[json(200, "the report is verified", of::<Verified>)],
        errors: &[codes::FORBIDDEN, codes::REGION_FORBIDDEN, codes::NOT_FOUND],
        ..route(
            Verb::Post,
            "/v1/reports/{id}/verify",
            |m| on(m, api::reviews::verify),
            "Mark a report verified on its current head (reviewers, administrators): the review route's shortcut for older clients",
        )
    },
    Route {
        query: Some(export_query),
        answers: &[export_answer(
            "the reports as CSV (RFC 4180, UTF-8, the HXL row under the header unless hxl=false), streamed as they are read",
            "text/csv",
        )],
        errors: &[codes::INVALID_QUERY, codes::REGION_FORBIDDEN],
        ..route(
            Verb::Get,
            "/v1/exports/reports.csv",
            |m| on(m, api::exports::csv),
            "The reports the filter selects that the reader may see, as CSV, each with its latest review; never a source's contact",
        )
    },
    Route {
        query: Some(export_query),
        answers: &[export_answer(
            "the reports with coordinates as a GeoJSON FeatureCollection of points, streamed as they are read",
            "application/geo+json",
        )],
        errors: &[codes::INVALID_QUERY, codes::REGION_FORBIDDEN],
        ..route(
            Verb::Get,
            "/v1/exports/reports.geojson",
            |m| on(m, api::exports::geojson),
            "The reports the filter selects that the reader may see and that have coordinates, as GeoJSON points, each with its latest review",
        )
    },
    Route {
        query: Some(export_query),
        answers: &[export_answer(
            "a PDF summary: totals by event type, region and review, then one row per report",
            "application/pdf",
        )],
        errors: &[
            codes::INVALID_QUERY,
            codes::REGION_FORBIDDEN,
            codes::NOT_FOUND,
        ],
        ..route(
            Verb::Get,
            "/v1/exports/reports.pdf",
            |m| on(m, api::exports::pdf),
            "A PDF summary of the reports the filter selects (at most 5,000: export CSV for more); 404 when none matches",
        )
    },
    Route {
        query: Some(inline::<terrain_protocol::ExportOptions>),
        answers: &[export_answer(
            "the report's PDF: every field, its photos, its latest review",
            "application/pdf",
        )],
        errors: &[
            codes::INVALID_QUERY,
            codes::REGION_FORBIDDEN,
            codes::NOT_FOUND,
        ],
        ..route(
            Verb::Get,
            "/v1/reports/{id}/pdf",
            |m| on(m, api::exports::report_pdf),
            "One report's current version as a PDF to print, sign and hand over; never a source's contact",
        )
    },
    Route {
        query: Some(inline::<AuditParams>),
        answers: &[json(200, "the events, oldest first", of::<AuditPage>)],
        errors: &[codes::FORBIDDEN, codes::INVALID_QUERY],
        ..route(
            Verb::Get,
            "/v1/audit",
            |m| on(m, api::audit::audit),
            "The audit log (administrators)",
        )
    },
    // The console (issue 14): browser sessions and administration.
    Route {
        group: Group::SignIn,
        signed_in: false,
        request: Body::Json(of::<ConsoleSignIn>),
        answers: &[Answer {
            status: 200,
            description: "the session, its CSRF token; the cookie is set",
            body: Body::Json(of::<ConsoleSession>),
            headers: &[SET_COOKIE],
        }],
        errors: &[
            codes::BAD_CREDENTIALS,
            codes::LOCKED_OUT,
            codes::RATE_LIMITED,
            codes::MALFORMED_JSON,
            codes::INVALID_TEXT,
            codes::CSRF_REFUSED,
        ],
        ..route(
            Verb::Post,
            "/v1/console/session",
            |m| on(m, api::console::create),
            "Sign a browser in to the console with a user's name and password (the same checks, lockout and limits as a device); sets the session cookie",
        )
    },
    Route {
        answers: &[json(200, "the browser's session", of::<ConsoleSession>)],
        ..route(
            Verb::Get,
            "/v1/console/session",
            |m| on(m, api::console::show),
            "Who the browser's console session is (with the console's cookie); 401 when none",
        )
    },
    Route {
        answers: &[Answer {
            status: 204,
            description: "the session is ended; the cookie is cleared",
            body: Body::None,
            headers: &[SET_COOKIE],
        }],
        ..route(
            Verb::Delete,
            "/v1/console/session",
            |m| on(m, api::console::delete),
            "Sign the browser out of the console",
        )
    },
    Route {
        answers: &[json(200, "every user, by name", of::<UserList>)],
        errors: &[codes::FORBIDDEN],
        ..route(
            Verb::Get,
            "/v1/admin/users",
            |m| on(m, api::console::users),
            "The users, their roles, regions and devices not revoked (administrators)",
        )
    },
    Route {
        request: Body::Json(of::<NewUser>),
        answers: &[json(201, "the user is added", of::<UserRow>)],
        errors: &[
            codes::FORBIDDEN,
            codes::USER_EXISTS,
            codes::INVALID_FIELD,
            codes::INVALID_TEXT,
            codes::MALFORMED_JSON,
        ],
        ..route(
            Verb::Post,
            "/v1/admin/users",
            |m| on(m, api::console::add_user),
            "Add a user with a role, regions and a password (administrators); audited",
        )
    },
    Route {
        request: Body::Json(of::<UserChange>),
        answers: &[json(200, "the user as changed", of::<UserRow>)],
        errors: &[
            codes::FORBIDDEN,
            codes::NOT_FOUND,
            codes::INVALID_FIELD,
            codes::MALFORMED_JSON,
        ],
        ..route(
            Verb::Put,
            "/v1/admin/users/{user}",
            |m| on(m, api::console::change_user),
            "Change a user's role and regions (administrators); effective at their next request; audited",
        )
    },
    Route {
        request: Body::Json(of::<PasswordReset>),
        answers: &[Answer {
            status: 204,
            description: "the password is set; the user's console sessions are ended",
            body: Body::None,
            headers: &[],
        }],
        errors: &[
            codes::FORBIDDEN,
            codes::NOT_FOUND,
            codes::INVALID_FIELD,
            codes::MALFORMED_JSON,
        ],
        ..route(
            Verb::Post,
            "/v1/admin/users/{user}/password",
            |m| on(m, api::console::reset_password),
            "Set a user's password (administrators); their devices stay signed in; audited",
        )
    },
    Route {
        answers: &[json(
            200,
            "the user's device tokens, newest first",
            of::<DeviceList>,
        )],
        errors: &[codes::FORBIDDEN, codes::NOT_FOUND],
        ..route(
            Verb::Get,
            "/v1/admin/users/{user}/devices",
            |m| on(m, api::console::devices),
            "A user's devices: opaque id, name, created, last used, revoked (administrators)",
        )
    },
    Route {
        answers: &[json(200, "the device, revoked", of::<DeviceRow>)],
        errors: &[codes::FORBIDDEN, codes::NOT_FOUND],
        ..route(
            Verb::Post,
            "/v1/admin/devices/{device}/revoke",
            |m| on(m, api::console::revoke),
            "Revoke one device token (administrators): its next request, a sync, is refused token_revoked; audited",
        )
    },
    // The console's bundle upload (issue 16).
    Route {
        group: Group::Bundles,
        request: Body::Bytes,
        query: Some(inline::<terrain_protocol::BundleUpload>),
        answers: &[json(
            200,
            "what was imported, and the reply bundle's files to download and carry back to the device",
            of::<terrain_protocol::BundleImported>,
        )],
        errors: BUNDLE_UPLOAD_ERRORS,
        ..route(
            Verb::Post,
            "/v1/admin/bundles",
            |m| on(m, api::bundles::upload),
            "Import a device's USB bundle (administrators): the body is the bundle file, or a split bundle's parts one after the other; checked whole, stored as the device's push would be (importing twice changes nothing), a refusal stores nothing; audited",
        )
    },
    Route {
        answers: &[Answer {
            status: 200,
            description: "the reply bundle's file",
            body: Body::File("application/octet-stream"),
            headers: &[CONTENT_DISPOSITION],
        }],
        errors: &[codes::FORBIDDEN, codes::NOT_FOUND],
        ..route(
            Verb::Get,
            "/v1/admin/bundles/replies/{name}",
            |m| on(m, api::bundles::reply),
            "A reply bundle an upload wrote (administrators), kept 7 days",
        )
    },
];
