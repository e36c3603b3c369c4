//! The console's bundle upload over HTTP (issue 16): `POST /v1/admin/bundles` and the reply's
//! download, against a real server (SQLite and PostgreSQL) with its keys and data folder on
//! disk, a real device store writing a real bundle (split in parts) and reading the reply.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use terrain_protocol::Role;
use terrain_server::AppState;
use terrain_server::keys::ServerKeyring;
use terrain_server_engines::open_store;
use terrain_server_store::ContactKey;
use terrain_tests::harness::{Engine, PASSWORD, awas_tablet, pg_url, revision_count};

struct Centre {
    url: String,
    state: AppState,
    schema: Option<String>,
    data: PathBuf,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Centre {
    async fn start(engine: Engine) -> Option<Centre> {
        let dir = tempfile::tempdir().unwrap();
        let (db, schema) = match engine {
            Engine::Sqlite => (
                format!("sqlite:{}", dir.path().join("server.db").display()),
                None,
            ),
            Engine::Postgres => (
                pg_url(),
                Some(format!("upload_{}", uuid::Uuid::now_v7().simple())),
            ),
        };
        let contact_key = ContactKey::load_or_create(&dir.path().join("contact.key")).unwrap();
        let store =
            match open_store(&db, schema.as_deref().unwrap_or("terrain"), &contact_key).await {
                Ok(store) => store,
                Err(e) if engine == Engine::Postgres && std::env::var_os("CI").is_none() => {
                    eprintln!("SKIPPED: PostgreSQL not reachable ({e}); CI requires it");
                    return None;
                }
                Err(e) => panic!("cannot open {db}: {e}"),
            };
        let keys = ServerKeyring::load_or_create(&dir.path().join("server.keys")).unwrap();
        let state = AppState::new(store, contact_key).with_server_keys(keys);
        let data = dir.path().join("data");
        state.bundle_uploads.set_folder(&data);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(terrain_server::serve(
            listener,
            terrain_server::router(state.clone()),
        ));
        let users = [
            ("awa", Role::Reporter, vec!["Kayes".to_string()]),
            ("rita", Role::Reviewer, vec!["Kayes".to_string()]),
            ("root", Role::Admin, vec![]),
        ];
        for (name, role, regions) in users {
            terrain_server::add_user(&state, name, role, regions, PASSWORD)
                .await
                .unwrap();
        }
        Some(Centre {
            url,
            state,
            schema,
            data,
            _dir: dir,
            task,
        })
    }

    /// A token of `user` (a device's sign-in).
    async fn token(&self, user: &str) -> String {
        let answer: Value = reqwest::Client::new()
            .post(format!("{}/v1/sessions", self.url))
            .header("Terrain-Protocol", "1")
            .json(&json!({ "user": user, "password": PASSWORD, "device_name": "office" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["token"].as_str().unwrap().to_string()
    }

    /// POST /v1/admin/bundles with `body`: status and JSON answer.
    async fn upload(&self, token: &str, name: &str, body: Vec<u8>, lang: &str) -> (u16, Value) {
        let resp = reqwest::Client::new()
            .post(format!(
                "{}/v1/admin/bundles?name={}",
                self.url,
                url_escape(name)
            ))
            .header("Terrain-Protocol", "1")
            .header("Accept-Language", lang)
            .bearer_auth(token)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// GET a reply file: status and bytes.
    async fn reply(&self, token: &str, name: &str) -> (u16, Vec<u8>) {
        let resp = reqwest::Client::new()
            .get(format!("{}/v1/admin/bundles/replies/{name}", self.url))
            .header("Terrain-Protocol", "1")
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.bytes().await.unwrap().to_vec())
    }

    async fn count(&self) -> usize {
        revision_count(&*self.state.store).await
    }

    /// Files left in the uploads' folder (none between requests).
    fn uploads_left(&self) -> usize {
        std::fs::read_dir(self.data.join("bundle-uploads"))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    async fn stop(self) {
        self.task.abort();
        if let Some(schema) = &self.schema {
            terrain_server_postgres::drop_schema(&pg_url(), schema)
                .await
                .unwrap();
        }
    }
}

/// `text` as a query value (bundle names: letters, digits, `-_.`, and the apostrophe).
fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The parts' bytes, one after the other: the body the console sends.
fn concatenated(files: &[PathBuf]) -> Vec<u8> {
    files
        .iter()
        .flat_map(|f| std::fs::read(f).unwrap())
        .collect()
}

fn name_of(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().to_string()
}

async fn upload_over_http(engine: Engine) {
    let Some(centre) = Centre::start(engine).await else {
        return;
    };
    let (root, rita, awa) = (
        centre.token("root").await,
        centre.token("rita").await,
        centre.token("awa").await,
    );
    let (_dev_dir, store) = awas_tablet(&centre.url, 3).await;
    let stick = tempfile::tempdir().unwrap();
    // Parts of 20 kB: the 60 kB photo splits the bundle in several files.
    let written = terrain_sync::write_bundle(&store, stick.path(), false, 20_000).unwrap();
    assert!(written.files.len() > 1, "{:?}", written.files);
    let body = concatenated(&written.files);
    let name = name_of(&written.files[0]);

    // Reviewers and reporters are refused before anything is read or stored.
    for token in [&rita, &awa] {
        let (status, answer) = centre.upload(token, &name, body.clone(), "en").await;
        assert_eq!(status, 403, "{answer}");
        assert_eq!(answer["error"]["code"], "forbidden");
    }

    // A tampered bundle: refused with the catalogue's code and words in French, nothing
    // stored, audited, no file left behind.
    let mut tampered = body.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let (status, answer) = centre.upload(&root, &name, tampered, "fr").await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "bundle.import.tampered");
    let words = answer["error"]["message"].as_str().unwrap();
    assert!(words.starts_with(&name), "{words}");
    assert!(words.contains("a été modifié ou abîmé"), "{words}");
    assert_eq!(centre.count().await, 0, "nothing stored");
    assert_eq!(centre.uploads_left(), 0, "the upload is removed");
    let audit: Value = reqwest::Client::new()
        .get(format!(
            "{}/v1/audit?action=bundle_refused&user=root",
            centre.url
        ))
        .header("Terrain-Protocol", "1")
        .bearer_auth(&root)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = audit["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{audit}");
    assert!(events[0]["detail"].as_str().unwrap().contains(&name));

    // Only the first part: cut short, refused the same way.
    let first = std::fs::read(&written.files[0]).unwrap();
    let (status, answer) = centre.upload(&root, &name, first, "en").await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "bundle.import.truncated");
    assert_eq!(centre.count().await, 0);

    // Over the server's limit: 413 with the limit in words.
    centre.state.bundle_uploads.set_max_bytes(10_000);
    let (status, answer) = centre.upload(&root, &name, body.clone(), "en").await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!(answer["error"]["code"], "body_too_large");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bundle import")
    );
    centre
        .state
        .bundle_uploads
        .set_max_bytes(terrain_protocol::limits::BUNDLE_UPLOAD_BYTES);
    assert_eq!(centre.uploads_left(), 0);

    // The whole bundle: stored, its photo too, a reply to download.
    let (status, done) = centre.upload(&root, &name, body.clone(), "en").await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["file"], name.as_str());
    assert_eq!(
        (done["user"].as_str(), done["device"].as_str()),
        (Some("awa"), Some("awa's tablet"))
    );
    assert_eq!(
        (done["stored"].as_u64(), done["refused"].as_u64()),
        (Some(3), Some(0))
    );
    assert_eq!(done["photos"], 1);
    assert_eq!(centre.count().await, 3);
    assert_eq!(centre.uploads_left(), 0);
    let replies = done["replies"].as_array().unwrap().clone();
    assert!(!replies.is_empty());

    // The same bundle again changes nothing.
    let (status, again) = centre.upload(&root, &name, body, "en").await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (again["stored"].as_u64(), again["already"].as_u64()),
        (Some(0), Some(3))
    );
    assert_eq!(again["photos"], 0);
    assert_eq!(centre.count().await, 3);

    // The reply: administrators only, by its own name; read on the device, the outbox empties.
    let back = tempfile::tempdir().unwrap();
    let mut reply_files = Vec::new();
    for r in &replies {
        let name = r["name"].as_str().unwrap();
        let (status, _) = centre.reply(&rita, name).await;
        assert_eq!(status, 403);
        let (status, bytes) = centre.reply(&root, name).await;
        assert_eq!(status, 200);
        assert_eq!(bytes.len() as u64, r["bytes"].as_u64().unwrap());
        let path = back.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        reply_files.push(path);
    }
    for bad in [
        "..%2Fserver.keys",
        "terrain-reply-..%2F..%2Fserver.keys",
        "server.keys",
        "terrain-reply-nothing.tbundle",
    ] {
        let (status, _) = centre.reply(&root, bad).await;
        assert_eq!(status, 404, "{bad}");
    }
    assert_eq!(store.pending_count().unwrap(), 3);
    let read = terrain_sync::read_reply(&store, &reply_files[0], "tester").unwrap();
    assert_eq!(
        (read.acked, read.receipts, read.receipts_flagged),
        (3, 3, 0)
    );
    assert_eq!(store.pending_count().unwrap(), 0, "the outbox is empty");
    centre.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_uploaded_over_http_on_sqlite() {
    upload_over_http(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_uploaded_over_http_on_postgres() {
    upload_over_http(Engine::Postgres).await;
}
