//! Error answers speak the request's language: the code stays, the message is the catalogue's
//! French when `Accept-Language` prefers French, the handler's own English otherwise.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::sync::Arc;
use tower::ServiceExt;

async fn answer(req: Request<Body>) -> (StatusCode, Option<String>, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Arc::new(terrain_server_sqlite::SqliteStore::open(&dir.path().join("s.db")).unwrap());
    let app = terrain_server::router(terrain_server::AppState::new(
        store,
        terrain_server_store::ContactKey::random(),
    ));
    let resp = app.oneshot(req).await.unwrap();
    let status = resp.status();
    let language = resp
        .headers()
        .get("content-language")
        .map(|v| v.to_str().unwrap().to_string());
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, language, serde_json::from_slice(&body).unwrap())
}

fn pull(accept_language: Option<&str>) -> Request<Body> {
    let mut req = Request::get("/v1/pull").header("Terrain-Protocol", "1");
    if let Some(l) = accept_language {
        req = req.header("Accept-Language", l);
    }
    req.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn an_error_is_worded_in_french_when_the_request_prefers_french() {
    let (status, language, fr) = answer(pull(Some("fr-ML,fr;q=0.9,en;q=0.5"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(language.as_deref(), Some("fr"));
    assert_eq!(fr["error"]["code"], "unauthenticated");
    assert_eq!(fr["error"]["message"], "Connectez-vous d'abord.");

    let (_, language, en) = answer(pull(Some("en-GB"))).await;
    assert_eq!(language, None);
    assert_eq!(en["error"]["code"], "unauthenticated");
    let english = en["error"]["message"].as_str().unwrap();
    assert!(!english.is_empty() && english != "Connectez-vous d'abord.");
    let (_, _, none) = answer(pull(None)).await;
    assert_eq!(none["error"]["message"], english, "English by default");
}

#[tokio::test]
async fn axums_own_rejections_are_translated_too() {
    let req = Request::get("/v1/nowhere")
        .header("Accept-Language", "fr")
        .body(Body::empty())
        .unwrap();
    let (status, _, fr) = answer(req).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(fr["error"]["code"], "not_found");
    assert_eq!(fr["error"]["message"], "Introuvable sur le serveur.");
}

#[test]
fn every_error_code_has_its_french_words() {
    let codes = include_str!("../../terrain-protocol/src/lib.rs");
    let block = &codes[codes.find("pub mod codes").unwrap()..];
    // One code a line (`pub const X: &str = "code";`); lists of codes are checked below.
    for line in block
        .lines()
        .filter(|l| l.contains("pub const") && l.contains(": &str"))
    {
        let code = line.split('"').nth(1).unwrap();
        let key = format!("server.{code}");
        let fr = terrain_domain::messages::template(terrain_domain::Lang::Fr, &key);
        assert!(fr.is_some(), "{key} is not in messages.json");
    }
    // A refused bundle answers with the catalogue's own key as its code.
    for key in terrain_protocol::codes::BUNDLE_REFUSALS {
        let fr = terrain_domain::messages::template(terrain_domain::Lang::Fr, key);
        let en = terrain_domain::messages::template(terrain_domain::Lang::En, key);
        assert!(
            fr.is_some() && fr != en,
            "{key}: no French words of its own"
        );
    }
}
