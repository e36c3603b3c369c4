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
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(
        paths
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum::<usize>(),
        terrain_server::openapi::ROUTES.len()
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
