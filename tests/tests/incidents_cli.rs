//! Issue 15's seed case across processes ("Done means"), on both engines: the real server
//! binary; two officials of Kayes, each on their own device, a `terrain` command line with its
//! own data folder. One registers the three Bafoulabé plants and an attack on them in July;
//! both record the November attack naming the plants, with their own sources and figures (3
//! abducted per Wamaps; 4 per an elected official), and sync. The second report is flagged as
//! a possible duplicate on both devices (`terrain incident similar`) and on the server
//! (`GET /v1/reports/{id}/similar`); one device links them, both sync; the incident shows
//! 3–4 with both sources on both devices; the one-row-per-incident CSV, read back by Python's
//! csv, has one row with 3 and both sources; each plant's page (`terrain site history`) lists
//! the July attack and this one.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use terrain_tests::harness::{Engine, PASSWORD, ServerProcess, free_port, pg_url};
use terrain_tests::{first_official_report, second_official_report, seed_edited};

const PASSPHRASE: &str = "red earth after the rain";
const SERVER: &str = env!("CARGO_BIN_EXE_terrain-server-under-test");

/// One official's device: the `terrain` binary on a data folder of its own.
struct Device {
    user: &'static str,
    data: PathBuf,
}

impl Device {
    /// `terrain ARGS` as this official, with `stdin`; its standard output (the run must succeed).
    fn run_with(&self, args: &[&str], stdin: &str) -> String {
        use std::io::Write;
        let mut child = Command::new(terrain_tests::harness::built_binary("terrain"))
            .arg("--data")
            .arg(&self.data)
            .args(args)
            .env("TERRAIN_AUTHOR", self.user)
            .env("TERRAIN_PASSPHRASE", PASSPHRASE)
            .env("HOSTNAME", format!("{}-laptop", self.user))
            .env("LANG", "C.UTF-8")
            .env_remove("TERRAIN_DATA")
            .env_remove("TERRAIN_NEW_PASSPHRASE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the terrain binary (cargo build -p terrain-cli)");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}: terrain {args:?} failed: {}",
            self.user,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn run(&self, args: &[&str]) -> String {
        self.run_with(args, "")
    }

    /// Imports `report` from a JSON file; its id.
    fn import(&self, report: terrain_domain::ValidReport) -> String {
        let report = report.into_inner();
        let path = self.data.with_extension(format!("{}.json", report.id));
        std::fs::write(&path, serde_json::to_string(&report).unwrap()).unwrap();
        self.run(&["report", "import", path.to_str().unwrap()]);
        report.id.to_string()
    }
}

/// `user add` through the server binary (the password on standard input).
fn add_user(db: &str, schema: &[&str], name: &str) {
    use std::io::Write;
    let mut add = Command::new(SERVER)
        .args(["--db", db])
        .args(schema)
        .args([
            "user", "add", name, "--role", "reporter", "--region", "Kayes",
        ])
        .arg("--password-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(add.wait().unwrap().success());
}

/// A token for `user` from `POST /v1/sessions`, as the console signs in.
async fn token(url: &str, user: &str) -> String {
    let body: Value = reqwest::Client::new()
        .post(format!("{url}/v1/sessions"))
        .header("Terrain-Protocol", "1")
        .json(&json!({ "user": user, "password": PASSWORD, "device_name": "browser" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().expect("signed in").to_string()
}

/// The CSV at `path` read by Python's csv module: one JSON object per row.
fn python_csv(path: &Path) -> Vec<Value> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import csv, json, sys\n\
             with open(sys.argv[1], newline='', encoding='utf-8') as f:\n\
             \x20   print(json.dumps(list(csv.DictReader(f))))",
        ])
        .arg(path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The ids `terrain site add` printed ("Saved site ID  NAME").
fn saved_site(out: &str) -> String {
    out.split_whitespace()
        .nth(2)
        .unwrap_or_else(|| panic!("no site id in {out:?}"))
        .to_string()
}

const PLANTS: [(&str, &str); 3] = [
    (
        "Calcium carbonate, lime and plaster plant",
        "Ibrahima Diawara",
    ),
    ("Bafoulabé cement works", "Ciments du Sahel"),
    ("Mahina brick plant", "Coopérative de Mahina"),
];

async fn the_seed_case(engine: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let (db, schema) = match engine {
        Engine::Sqlite => (
            format!("sqlite:{}", dir.path().join("server.db").display()),
            None,
        ),
        Engine::Postgres => {
            let schema = format!("incidents_cli_{}", uuid::Uuid::now_v7().simple());
            if let Err(e) = terrain_server_postgres::PgStore::connect(&pg_url(), &schema).await {
                assert!(std::env::var_os("CI").is_none(), "PostgreSQL: {e}");
                eprintln!("SKIPPED: PostgreSQL not reachable at {} ({e})", pg_url());
                return;
            }
            (pg_url(), Some(schema))
        }
    };
    let schema_args: Vec<&str> = schema
        .as_deref()
        .map(|s| vec!["--pg-schema", s])
        .unwrap_or_default();
    add_user(&db, &schema_args, "moussa");
    add_user(&db, &schema_args, "awa");
    let server = ServerProcess::start(SERVER, &db, free_port(), &schema_args).await;
    let url = server.url();
    let moussa = Device {
        user: "moussa",
        data: dir.path().join("moussa"),
    };
    let awa = Device {
        user: "awa",
        data: dir.path().join("awa"),
    };
    for d in [&moussa, &awa] {
        let out = d.run_with(
            &[
                "login",
                "--server",
                &url,
                "--user",
                d.user,
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        );
        assert!(out.contains(&format!("as {}", d.user)), "{out}");
    }

    // Moussa registers the three plants, and the attack on them in July.
    let plants: Vec<String> = PLANTS
        .iter()
        .map(|(name, operator)| {
            saved_site(&moussa.run(&[
                "site",
                "add",
                "--name",
                name,
                "--kind",
                "plant",
                "--region",
                "Kayes",
                "--cercle",
                "Bafoulabé",
                "--operator",
                operator,
            ]))
        })
        .collect();
    let at_plants = |v: &mut Value| {
        v["sites"] = json!(
            plants
                .iter()
                .map(|p| json!({ "site_id": p }))
                .collect::<Vec<_>>()
        );
    };
    let july_title = "Gunmen loot the three plants near Bafoulabé";
    let july = moussa.import(seed_edited(|v| {
        v["title"] = json!(july_title);
        v["when"]["date"] = json!("2026-07-14");
        v["what"] =
            json!({ "event_type": "Violence against civilians", "sub_event_type": "Attack" });
        v["figures"] = json!({});
        v["narrative"] = json!("Armed men looted fuel and equipment at the three plants at night.");
        at_plants(v);
    }));
    moussa.run(&["sync"]);

    // November: each official reports the attack from their own device, with their sources.
    let a = moussa.import(first_official_report(|v| at_plants(v)));
    awa.run(&["sync"]); // the plants and the July attack reach Awa's device
    let b = awa.import(second_official_report(|v| at_plants(v)));
    moussa.run(&["sync"]);
    awa.run(&["sync"]);
    moussa.run(&["sync"]);

    // The second is flagged on both devices, with reasons, and on the server.
    let out = awa.run(&["incident", "similar", &b]);
    assert!(
        out.contains("May be the same incident as") && out.contains(&a[..8]),
        "{out}"
    );
    assert!(out.contains("same site"), "{out}");
    let out = moussa.run(&["incident", "similar", &b]);
    assert!(out.contains(&a[..8]), "{out}");
    let similar: Vec<Value> =
        serde_json::from_str(&moussa.run(&["incident", "similar", &a, "--json"])).unwrap();
    assert!(
        similar.iter().any(|s| s["report"]["id"] == json!(b)),
        "{similar:?}"
    );
    assert!(
        similar.iter().all(|s| s["report"]["id"] != json!(july)),
        "months apart: not the same incident"
    );
    let token = token(&url, "awa").await;
    let found: Value = reqwest::Client::new()
        .get(format!("{url}/v1/reports/{b}/similar"))
        .bearer_auth(&token)
        .header("Terrain-Protocol", "1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let suggested: Vec<&Value> = found["suggestions"].as_array().unwrap().iter().collect();
    assert!(
        suggested.iter().any(|s| s["report"] == json!(a)),
        "the server flags it: {found}"
    );

    // Awa links them; the link reaches Moussa's device through the server.
    let out = awa.run(&["incident", "link", &b, &a]);
    assert!(out.contains("(2 reports)"), "{out}");
    awa.run(&["sync"]);
    moussa.run(&["sync"]);
    for d in [&moussa, &awa] {
        let out = d.run(&["incident", "show", &a]);
        assert!(out.contains("(2 reports)"), "{}: {out}", d.user);
        assert!(
            out.contains("Abducted: 3–4, sources disagree"),
            "{}: {out}",
            d.user
        );
        assert!(
            out.contains("Wamaps") && out.contains("An elected official of the Kayes region"),
            "{}: {out}",
            d.user
        );
        assert!(
            d.run(&["incident", "similar", &b])
                .contains("No other report"),
            "linked: no longer suggested on {}",
            d.user
        );
    }

    // One row per incident: the conservative 3, the range, both sources.
    let csv = dir.path().join("incidents.csv");
    moussa.run(&[
        "export",
        "csv",
        "--out",
        csv.to_str().unwrap(),
        "--per-incident",
        "--from",
        "2026-11-01",
    ]);
    let rows = python_csv(&csv);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["incident_id"], json!(a.as_str().min(b.as_str())));
    assert_eq!(row["abducted"], "3");
    assert_eq!(
        (&row["abducted_min"], &row["abducted_max"]),
        (&json!("3"), &json!("4"))
    );
    let sources = row["source"].as_str().unwrap();
    assert!(
        sources.contains("Wamaps") && sources.contains("An elected official of the Kayes region"),
        "{sources}"
    );

    // Each plant's page, on both devices: the July attack and this one.
    for plant in &plants {
        for d in [&moussa, &awa] {
            let out = d.run(&["site", "history", plant]);
            assert!(out.contains("2 incident(s) since July 2026"), "{out}");
            assert!(out.contains(july_title), "{out}");
            assert!(out.contains("(2 report(s), incident"), "{out}");
            assert_eq!(
                out.lines().filter(|l| l.starts_with("  20")).count(),
                2,
                "{out}"
            );
        }
    }

    drop(server);
    if let Some(schema) = schema {
        terrain_server_postgres::drop_schema(&pg_url(), &schema)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_case_across_processes_on_sqlite() {
    the_seed_case(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_case_across_processes_on_postgres() {
    the_seed_case(Engine::Postgres).await;
}
