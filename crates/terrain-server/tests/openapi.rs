//! The OpenAPI description matches the routes the server really serves.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use std::sync::Arc;
use tower::ServiceExt;

#[tokio::test]
async fn every_documented_route_is_served_and_the_document_is_served_too() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Arc::new(terrain_server_sqlite::SqliteStore::open(&dir.path().join("s.db")).unwrap());
    let app = terrain_server::router(terrain_server::AppState::new(
        store,
        terrain_server_store::ContactKey::random(),
    ));
    let doc = terrain_server::openapi::document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc,
        terrain_server::openapi::document(),
        "the same document every time (no random default)"
    );
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(
        paths
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum::<usize>(),
        terrain_server::routes::ROUTES.len()
    );
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let uri = path
                .replace("{sha256}", &"a".repeat(64))
                .replace("{id}", &uuid::Uuid::now_v7().to_string());
            let req = Request::builder()
                .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
                .uri(uri)
                .header("Terrain-Protocol", "1")
                .body(Body::empty())
                .unwrap();
            let status = app.clone().oneshot(req).await.unwrap().status();
            assert!(
                status != StatusCode::METHOD_NOT_ALLOWED
                    && !(status == StatusCode::NOT_FOUND && method != "head"),
                "{method} {path} is documented but answers {status}"
            );
        }
    }
    let served = app
        .oneshot(
            Request::get("/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(served.status(), StatusCode::OK);
}

/// The served document passes an OpenAPI 3.1 validator (PyPI's `openapi-spec-validator`,
/// installed into `.venv` by `scripts/setup test`), declares what the issue found missing, and
/// has a schema for every JSON body.
#[tokio::test]
async fn the_served_document_is_valid_openapi() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Arc::new(terrain_server_sqlite::SqliteStore::open(&dir.path().join("s.db")).unwrap());
    let app = terrain_server::router(terrain_server::AppState::new(
        store,
        terrain_server_store::ContactKey::random(),
    ));
    let served = app
        .oneshot(
            Request::get("/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let bytes = axum::body::to_bytes(served.into_body(), 1 << 20)
        .await
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();

    let params = |path: &str, method: &str| -> Vec<(String, String)> {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["in"].as_str().unwrap().to_string(),
                    p["name"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let has = |list: &[(String, String)], place: &str, name: &str| {
        list.iter().any(|(i, n)| i == place && n == name)
    };
    assert!(has(&params("/v1/blobs/{sha256}", "put"), "path", "sha256"));
    assert!(has(&params("/v1/blobs/{sha256}", "head"), "path", "sha256"));
    assert!(has(
        &params("/v1/reports/{id}/verify", "post"),
        "path",
        "id"
    ));
    for q in ["since", "limit"] {
        assert!(has(&params("/v1/pull", "get"), "query", q), "pull ?{q}");
    }
    for q in ["since", "user", "limit"] {
        assert!(has(&params("/v1/audit", "get"), "query", q), "audit ?{q}");
    }
    for (path, method) in [
        ("/v1/sessions", "post"),
        ("/v1/push", "post"),
        ("/v1/blobs/{sha256}", "put"),
    ] {
        assert_eq!(
            doc["paths"][path][method]["requestBody"]["required"], true,
            "{method} {path}: body not marked required"
        );
    }
    assert_eq!(
        doc["paths"]["/v1/push"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/PushAnswer"
    );

    // Every body, asked or answered, has a schema, and every schema named exists.
    let text = String::from_utf8_lossy(&bytes);
    for name in text.split("\"#/components/schemas/").skip(1) {
        let name = &name[..name.find('"').unwrap()];
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{name} is named but not defined"
        );
    }
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let mut bodies = vec![&op["requestBody"]];
            bodies.extend(op["responses"].as_object().unwrap().values());
            for body in bodies {
                for (kind, content) in body["content"].as_object().into_iter().flatten() {
                    assert!(
                        content["schema"].is_object(),
                        "{method} {path}: a {kind} body without a schema"
                    );
                }
            }
        }
    }
    for (schema, property) in [
        ("Push", "revisions"),
        ("Revision", "content"),
        ("Report", "figures"),
        ("Pulled", "pending"),
        ("ErrorBody", "error"),
        ("SignIn", "device_name"),
    ] {
        assert!(
            doc["components"]["schemas"][schema]["properties"][property].is_object(),
            "{schema}.{property} is derived from its type"
        );
    }

    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python");
    let mut python = std::process::Command::new(python)
        .args([
            "-c",
            "import json, sys\n\
             from openapi_spec_validator import validate\n\
             from openapi_spec_validator.validation import OpenAPIV31SpecValidator\n\
             validate(json.load(sys.stdin), cls=OpenAPIV31SpecValidator)\n",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the project's .venv/bin/python runs: run scripts/setup test");
    use std::io::Write;
    python.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = python.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the OpenAPI document is invalid (or openapi-spec-validator is missing: run scripts/setup test):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
