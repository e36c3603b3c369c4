//! A real server on loopback (SQLite or PostgreSQL behind it) and real device stores.

use std::sync::Arc;
use terrain_protocol::Role;
use terrain_server::{AppState, add_user, router};
use terrain_server_engines::open_store;
pub use terrain_server_store::BlobState;
use terrain_server_store::ContactKey;
use terrain_store::Store;
use terrain_sync::{Client, Event, Summary};

pub const PASSWORD: &str = "correct horse battery";

/// What POST /v1/sessions answered.
pub struct SignIn {
    pub status: u16,
    /// The error's code, empty on success.
    pub code: String,
    /// The Retry-After header, in seconds.
    pub retry_after: Option<u64>,
    pub body: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub fn pg_url() -> String {
    std::env::var("TERRAIN_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub struct Server {
    pub url: String,
    pub state: AppState,
    pub engine: Engine,
    pub schema: Option<String>,
    /// The server's folder: its SQLite database (`server.db`, `-wal`) and `contact.key`.
    pub dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// A server on a free loopback port; None (with a note) when PostgreSQL is wanted but
    /// unreachable outside CI.
    pub async fn start(engine: Engine) -> Option<Server> {
        let dir = tempfile::tempdir().unwrap();
        let (db, schema) = match engine {
            Engine::Sqlite => (
                format!("sqlite:{}", dir.path().join("server.db").display()),
                None,
            ),
            Engine::Postgres => (
                pg_url(),
                Some(format!("e2e_{}", uuid::Uuid::now_v7().simple())),
            ),
        };
        let contact_key = ContactKey::load_or_create(&dir.path().join("contact.key")).unwrap();
        let store =
            match open_store(&db, schema.as_deref().unwrap_or("terrain"), &contact_key).await {
                Ok(store) => store,
                Err(e) if engine == Engine::Postgres && std::env::var_os("CI").is_none() => {
                    eprintln!(
                        "SKIPPED: PostgreSQL not reachable at {} ({e}); CI requires it",
                        pg_url()
                    );
                    return None;
                }
                Err(e) => panic!("cannot open the server's store {db}: {e}"),
            };
        let state = AppState::new(store, contact_key);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = router(state.clone());
        let task = tokio::spawn(terrain_server::serve(listener, app));
        Some(Server {
            url,
            state,
            engine,
            schema,
            dir,
            task,
        })
    }

    pub async fn user(&self, name: &str, role: Role, regions: &[&str]) {
        add_user(
            &self.state,
            name,
            role,
            regions.iter().map(|r| r.to_string()).collect(),
            PASSWORD,
        )
        .await
        .unwrap();
    }

    /// A new device signed in as `user`.
    pub async fn device(&self, user: &str) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        terrain_sync::login(
            &store,
            &self.url,
            user,
            PASSWORD,
            &format!("{user}'s laptop"),
        )
        .await
        .unwrap();
        Device { _dir: dir, store }
    }

    /// How many revisions the server holds, all regions.
    pub async fn revision_count(&self) -> usize {
        revision_count(&*self.state.store).await
    }

    /// Signs in over HTTP from `client` (a plain one, or one bound to a loopback address).
    pub async fn sign_in(&self, client: &reqwest::Client, user: &str, password: &str) -> SignIn {
        let resp = client
            .post(format!("{}/v1/sessions", self.url))
            .header("Terrain-Protocol", "1")
            .json(&serde_json::json!({
                "user": user, "password": password, "device_name": "field tablet"
            }))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().parse().unwrap());
        let body: serde_json::Value = resp.json().await.unwrap();
        SignIn {
            status,
            code: body["error"]["code"].as_str().unwrap_or("").to_string(),
            retry_after,
            body,
        }
    }

    /// An authenticated request with no body (`GET /v1/pull?since=0`...): the status and the
    /// JSON answer.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> (u16, serde_json::Value) {
        let resp = reqwest::Client::new()
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token)
            .header("Terrain-Protocol", "1")
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    /// GET /v1/audit`query` with `token`: the status and the answer.
    pub async fn audit(&self, token: &str, query: &str) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::GET, &format!("/v1/audit{query}"), token)
            .await
    }

    pub async fn stop(self) {
        self.task.abort();
        if let Some(schema) = &self.schema {
            terrain_server_postgres::drop_schema(&pg_url(), schema)
                .await
                .unwrap();
        }
    }
}

pub struct Device {
    _dir: tempfile::TempDir,
    pub store: Arc<Store>,
}

impl Device {
    pub async fn sync(&self) -> Result<(Summary, Vec<Event>), terrain_sync::SyncError> {
        let client = terrain_sync::client_for(&self.store)?;
        let mut events = Vec::new();
        let summary =
            terrain_sync::sync_once(&self.store, &client, "tester", &mut |e| events.push(e))
                .await?;
        Ok((summary, events))
    }

    pub fn client(&self) -> Client {
        terrain_sync::client_for(&self.store).unwrap()
    }

    pub fn token(&self) -> String {
        self.store.account().unwrap().unwrap().token.0
    }
}

/// A free loopback port (the OS's choice; free again once this returns).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Adds a reporter of `region` to the database at `db` with `bin`'s `user add` (the password is
/// [`PASSWORD`], given on standard input).
pub fn add_reporter_with_binary(bin: &str, db: &str, name: &str, region: &str) {
    use std::io::Write;
    let mut add = std::process::Command::new(bin)
        .args(["--db", db, "user", "add", name, "--role", "reporter"])
        .args(["--region", region, "--password-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(add.wait().unwrap().success());
}

/// The server binary (`bin`: the test's `CARGO_BIN_EXE_terrain-server-under-test`) serving
/// `db` as its own process on loopback `port`, SIGKILLed when dropped.
pub struct ServerProcess {
    child: std::process::Child,
    pub port: u16,
}

impl ServerProcess {
    /// Starts `serve` with `extra` arguments and waits until `/health` answers.
    pub async fn start(bin: &str, db: &str, port: u16, extra: &[&str]) -> ServerProcess {
        let server = ServerProcess::spawn(
            std::process::Command::new(bin),
            db,
            &format!("127.0.0.1:{port}"),
            port,
            extra,
        );
        server.wait_healthy().await;
        server
    }

    /// Starts `serve` on `listen` through `command` (the binary, or `ip netns exec NS binary`)
    /// without waiting for it; `url()` is its loopback address where it runs.
    pub fn spawn(
        mut command: std::process::Command,
        db: &str,
        listen: &str,
        port: u16,
        extra: &[&str],
    ) -> ServerProcess {
        ServerProcess {
            child: command
                .args(["--db", db, "serve", "--listen", listen])
                .args(extra)
                .env("RUST_LOG", "error")
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap(),
            port,
        }
    }

    /// Returns once `/health` answers (panics after 5 s).
    pub async fn wait_healthy(&self) {
        for _ in 0..200 {
            if reqwest::get(format!("{}/health", self.url()))
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the server did not start");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, through Drop.
    pub fn kill(self) {
        drop(self)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }
}

/// How many revisions the audit log's push events say were stored, in all. Each push's event
/// commits with its revisions, so this equals the revisions the server holds: a batch stored
/// without its event, or an event without its batch, would make them differ.
pub async fn stored_per_push_events(store: &dyn terrain_server_store::ServerStore) -> usize {
    let events = store
        .audit(&terrain_server_store::AuditQuery {
            limit: 1_000_000,
            ..Default::default()
        })
        .await
        .unwrap();
    events
        .iter()
        .filter(|e| e.action == "push")
        .map(|e| {
            let counts = e.detail.split(';').next().unwrap();
            let stored = counts
                .split(": ")
                .nth(1)
                .and_then(|rest| rest.split(" stored").next())
                .unwrap_or_else(|| panic!("a push event gives its stored count: {}", e.detail));
            stored.parse::<usize>().unwrap()
        })
        .sum()
}

/// How many revisions `store` holds, all regions.
pub async fn revision_count(store: &dyn terrain_server_store::ServerStore) -> usize {
    let mut n = 0;
    let mut since = 0;
    loop {
        let page = store.pull(since, 1000, None).await.unwrap();
        n += page.items.len();
        since = page.next;
        if !page.more {
            return n;
        }
    }
}

/// A binary of the workspace as `cargo build` left it (`target/debug/NAME`).
pub fn built_binary(name: &str) -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("debug").join(name)
}

/// awa's tablet, signed in to `url` once, with `n` reports, the first with a 60 kB photo of
/// random bytes (they do not compress: a bundle of it is larger than one small part).
pub async fn awas_tablet(url: &str, n: usize) -> (tempfile::TempDir, Arc<Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    terrain_sync::login(&store, url, "awa", PASSWORD, "awa's tablet")
        .await
        .unwrap();
    let today = chrono::Local::now().date_naive();
    let photo: Vec<u8> = (0..60_000).map(|_| rand::random::<u8>()).collect();
    let sha = store.put_attachment(&photo).unwrap();
    let mut batch = Vec::new();
    for i in 0..n {
        let mut report = crate::varied_report().into_inner();
        if i == 0 {
            let mut v = serde_json::to_value(&report).unwrap();
            v["attachments"] = serde_json::json!([{"sha256": sha, "media_type": "image/jpeg",
                "size": photo.len(), "file_name": "photo.jpg"}]);
            report = serde_json::from_value(v).unwrap();
        }
        batch.push(terrain_domain::check(report, today).unwrap());
    }
    store.save_all(batch, "tester").unwrap();
    (dir, store)
}
