//! What the suites that sync the real `terrain` binary share: a real server on loopback for
//! awa (Kayes), the binary run on a data folder, and her sign-in.
// Each suite uses a part of this.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use terrain_server_store::ServerStore;

pub const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/bafoulabe-plants-attack.json"
);
pub const PASSPHRASE: &str = "red earth after the rain";
pub const PASSWORD: &str = "correct horse battery";

/// A real server for awa (Kayes) on a loopback port: its address, its store (to revoke her
/// tokens) on its runtime, and its public keys.
pub struct Served {
    pub url: String,
    pub store: Arc<dyn ServerStore>,
    pub rt: tokio::runtime::Handle,
    pub keys: terrain_protocol::ServerKeys,
}

pub fn server() -> Served {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let handle = rt.handle().clone();
        rt.block_on(async move {
            let dir = tempfile::tempdir().unwrap();
            let db = format!("sqlite:{}", dir.path().join("server.db").display());
            let key = terrain_server_store::ContactKey::random();
            let store = terrain_server_engines::open_store(&db, "terrain", &key)
                .await
                .unwrap();
            let state = terrain_server::AppState::new(store, key);
            terrain_server::add_user(
                &state,
                "awa",
                terrain_protocol::Role::Reporter,
                vec!["Kayes".to_string()],
                PASSWORD,
            )
            .await
            .unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            tx.send(Served {
                url,
                store: Arc::clone(&state.store),
                rt: handle,
                keys: state.server_keys.public(),
            })
            .unwrap();
            terrain_server::serve(listener, terrain_server::router(state)).await;
        });
    });
    rx.recv().unwrap()
}

/// The `terrain` binary on `data`, as Awa, in English, with no terminal to ask.
pub fn terrain(data: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_terrain"));
    cmd.arg("--data").arg(data).args(args);
    cmd.env("TERRAIN_AUTHOR", "Awa Traoré")
        .env("TERRAIN_PASSPHRASE", PASSPHRASE)
        .env_remove("TERRAIN_DATA")
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .stdin(Stdio::null());
    cmd
}

/// Runs `terrain args`, which must succeed; its standard output.
pub fn ok(data: &std::path::Path, args: &[&str]) -> String {
    let out = terrain(data, args).output().unwrap();
    assert!(
        out.status.success(),
        "terrain {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Signs awa in on `url`, her password on standard input.
pub fn login(data: &std::path::Path, url: &str) {
    let mut child = terrain(
        data,
        &[
            "login",
            "--server",
            url,
            "--user",
            "awa",
            "--password-stdin",
        ],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "login: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
