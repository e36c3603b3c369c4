//! Two server processes on one PostgreSQL take concurrent pushes from many devices while
//! another device pulls in a loop: the feed must never skip a revision (DESIGN §4, the trap).

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use terrain_tests::harness::{PASSWORD, pg_url};

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        // SIGTERM: the server finishes requests in flight.
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

fn server_cmd(schema: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_terrain-server-under-test"));
    cmd.args(["--db", &pg_url(), "--pg-schema", schema])
        .env("RUST_LOG", "warn");
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(schema: &str) -> (Process, String) {
    let port = free_port();
    let child = Process(
        server_cmd(schema)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if reqwest::get(format!("{url}/health"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (child, url);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server on {url} did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_server_processes_on_one_postgres_never_skip_a_revision() {
    let schema = format!("feed_{}", uuid::Uuid::now_v7().simple());
    if let Err(e) = terrain_server_postgres::PgStore::connect(&pg_url(), &schema).await {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostgreSQL is required in CI: {e}"
        );
        eprintln!("SKIPPED: PostgreSQL not reachable at {} ({e})", pg_url());
        return;
    }
    let mut add = server_cmd(&schema)
        .args([
            "user",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(add.wait().unwrap().success());
    let (_one, url_one) = start(&schema).await;
    let (_two, url_two) = start(&schema).await;

    const PUSHERS: usize = 6;
    const REPORTS: usize = 40;
    let mut pushers = Vec::new();
    for p in 0..PUSHERS {
        let url = if p % 2 == 0 {
            url_one.clone()
        } else {
            url_two.clone()
        };
        pushers.push(tokio::spawn(async move {
            let dir = tempfile::tempdir().unwrap();
            let store = Arc::new(terrain_store::Store::open(dir.path()).unwrap());
            terrain_sync::login(&store, &url, "admin", PASSWORD, &format!("pusher {p}"))
                .await
                .unwrap();
            let client = terrain_sync::client_for(&store).unwrap();
            for i in 0..REPORTS {
                store
                    .save(terrain_tests::seed_with_new_id(), "admin")
                    .unwrap();
                if i % 4 == 3 {
                    terrain_sync::sync_once(&store, &client, "admin", &mut |_| {})
                        .await
                        .unwrap();
                }
            }
            terrain_sync::sync_once(&store, &client, "admin", &mut |_| {})
                .await
                .unwrap();
            assert!(store.outbox().unwrap().is_empty());
        }));
    }
    let dir = tempfile::tempdir().unwrap();
    let reader = Arc::new(terrain_store::Store::open(dir.path()).unwrap());
    terrain_sync::login(&reader, &url_one, "admin", PASSWORD, "reader")
        .await
        .unwrap();
    let client = terrain_sync::client_for(&reader).unwrap();
    let mut passes = 0;
    while pushers.iter().any(|p| !p.is_finished()) {
        terrain_sync::sync_once(&reader, &client, "admin", &mut |_| {})
            .await
            .unwrap();
        passes += 1;
    }
    for p in pushers {
        p.await.unwrap();
    }
    terrain_sync::sync_once(&reader, &client, "admin", &mut |_| {})
        .await
        .unwrap();
    let held = reader.count(&Default::default()).unwrap() as usize;
    assert_eq!(
        held,
        PUSHERS * REPORTS,
        "the reader holds every report after {passes} pulls during the pushes"
    );
    assert!(passes > 1, "the reader pulled while pushes were going on");
    terrain_server_postgres::drop_schema(&pg_url(), &schema)
        .await
        .unwrap();
}
