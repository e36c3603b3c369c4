//! The `terrain` command driven by scripts: it exits cleanly, a retry is safe, the ids it prints
//! work, what it prints cannot drive the terminal, and its totals and states tell the truth.
//! The real binary, a fresh data folder per test and, for sync, a real server on loopback.

use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/bafoulabe-plants-attack.json"
);
const SEED_ID: &str = "019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a";
const PASSPHRASE: &str = "red earth after the rain";
const PASSWORD: &str = "correct horse battery";

/// One device's data folder.
struct Terrain {
    dir: tempfile::TempDir,
}

impl Terrain {
    fn new() -> Terrain {
        Terrain {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_terrain"));
        cmd.arg("--data").arg(self.data()).args(args);
        cmd.env("TERRAIN_AUTHOR", "Awa Traoré")
            .env("TERRAIN_PASSPHRASE", PASSPHRASE)
            .env_remove("TERRAIN_NEW_PASSPHRASE")
            .env_remove("TERRAIN_DATA")
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "terrain {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "terrain {args:?} should have failed");
        String::from_utf8(out.stderr).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    fn file(&self, name: &str, content: &Value) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, serde_json::to_string_pretty(content).unwrap()).unwrap();
        path
    }

    /// Every report, through the pages.
    fn all(&self) -> Vec<Value> {
        let page = self.json(&["report", "list", "--json", "--all"]);
        page["reports"].as_array().unwrap().clone()
    }

    fn login(&self, server: &str, user: &str) {
        let mut child = self
            .cmd(&[
                "login",
                "--server",
                server,
                "--user",
                user,
                "--password-stdin",
            ])
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

    /// `report show ID --json`, changed by `edit`, saved with `report edit`.
    fn edit(&self, id: &str, edit: impl FnOnce(&mut Value)) {
        let mut report = self.json(&["report", "show", id, "--json"]);
        edit(&mut report);
        let file = self.file("edit.json", &report);
        self.ok(&["report", "edit", id, "--json", s(&file)]);
    }
}

fn seed() -> Value {
    serde_json::from_str(&std::fs::read_to_string(SEED).unwrap()).unwrap()
}

/// The seed report without its id, as a person writes a new one.
fn seed_without_id(title: &str) -> Value {
    let mut v = seed();
    v.as_object_mut().unwrap().remove("id");
    v["title"] = json!(title);
    v
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A real server (SQLite behind it) on a loopback port, for as long as the test runs.
fn server(user: &str, regions: &[&str]) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    let (user, regions) = (
        user.to_string(),
        regions.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
    );
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
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
                &user,
                terrain_protocol::Role::Reporter,
                regions,
                PASSWORD,
            )
            .await
            .unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(format!("http://{}", listener.local_addr().unwrap()))
                .unwrap();
            terrain_server::serve(listener, terrain_server::router(state)).await;
        });
    });
    rx.recv().unwrap()
}

/// Each command that reads the store, 150 times: every run exits with success. Before, the
/// reader pool's thread could still be closing a connection while `exit()` ran SQLCipher's
/// shutdown: SIGSEGV after the output was printed, about once in 300 runs, so 900 runs catch
/// it 19 times in 20. Each run stretches the passphrase (Argon2id, 64 MiB), so more runs cost
/// minutes of every CI run.
#[test]
fn every_command_exits_cleanly_150_times_running() {
    const RUNS: usize = 150;
    let t = Terrain::new();
    t.ok(&["report", "import", SEED]);
    let commands: [&[&str]; 6] = [
        &["report", "list"],
        &["report", "show", "019a8f3c"],
        &["report", "history", "019a8f3c"],
        &["report", "search", "bafoulabe"],
        &["outbox"],
        &["conflicts"],
    ];
    let started = Instant::now();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|w| {
                let t = &t;
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for run in (w..RUNS * commands.len()).step_by(threads) {
                        let args = commands[run % commands.len()];
                        let out = t.run(args);
                        if !out.status.success() || out.stdout.is_empty() {
                            failures.push(format!(
                                "terrain {args:?}: {} {}",
                                out.status,
                                String::from_utf8_lossy(&out.stderr)
                            ));
                        }
                    }
                    failures
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    eprintln!(
        "{} runs on {threads} threads in {:.1} s",
        RUNS * commands.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} failed: {failures:#?}",
        failures.len()
    );
}

#[test]
fn importing_the_same_file_again_is_recognised_and_adds_nothing() {
    let t = Terrain::new();
    let first = t.file("first.json", &seed_without_id("Convoy attacked near Kayes"));
    let second = t.file("second.json", &seed_without_id("Mine raided near Kéniéba"));
    let out = t.ok(&["report", "import", s(&first), s(&second)]);
    assert!(out.contains("2 report(s) imported."), "{out}");
    let ids: Vec<String> = t
        .all()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let all = t.all();
    let first_id = &all
        .iter()
        .find(|r| r["title"] == "Convoy attacked near Kayes")
        .unwrap()["id"];

    // The retry of a script: the same files again, one reformatted (keys in another order).
    let mut reordered = serde_json::Map::new();
    for (k, v) in seed_without_id("Convoy attacked near Kayes")
        .as_object()
        .unwrap()
        .iter()
        .rev()
    {
        reordered.insert(k.clone(), v.clone());
    }
    let again = t.file("again.json", &Value::Object(reordered));
    let out = t.ok(&["report", "import", s(&again), s(&second)]);
    assert!(
        out.contains(&format!(
            "Convoy attacked near Kayes: already imported as {}",
            first_id.as_str().unwrap()
        )),
        "{out}"
    );
    assert!(
        out.contains("0 report(s) imported, 2 already imported before."),
        "{out}"
    );
    assert_eq!(t.all().len(), 2);

    // Two copies in one import make one report.
    let copy = t.file("copy.json", &seed_without_id("Market burned in Nioro"));
    let out = t.ok(&["report", "import", s(&copy), s(&copy)]);
    assert!(
        out.contains("1 report(s) imported, 1 already imported before."),
        "{out}"
    );
    assert_eq!(t.all().len(), 3);

    // A changed file is a new report; a duplicate on purpose is allowed when asked for.
    let changed = t.file(
        "changed.json",
        &seed_without_id("Convoy attacked near Kayes town"),
    );
    assert!(
        t.ok(&["report", "import", s(&changed)])
            .contains("1 report(s) imported.")
    );
    let out = t.ok(&["report", "import", "--allow-duplicate", s(&first)]);
    assert!(out.contains("1 report(s) imported."), "{out}");
    assert_eq!(t.all().len(), 5);
    assert!(
        ids.iter()
            .all(|id| t.all().iter().any(|r| r["id"] == *id.as_str()))
    );
}

#[test]
fn the_ids_lists_print_are_accepted_everywhere_and_unique() {
    let t = Terrain::new();
    // Imported together, their UUIDv7 ids share the time prefix.
    let files: Vec<PathBuf> = (0..4)
        .map(|i| {
            t.file(
                &format!("{i}.json"),
                &seed_without_id(&format!("Report {i}")),
            )
        })
        .collect();
    let mut args = vec!["report", "import"];
    args.extend(files.iter().map(|f| s(f)));
    t.ok(&args);

    let list = t.ok(&["report", "list"]);
    let short: Vec<String> = list
        .lines()
        .filter(|l| l.contains("Report "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(short.len(), 4, "{list}");
    let ids: Vec<String> = t
        .all()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    for (i, id) in short.iter().enumerate() {
        assert!(id.len() >= 8, "{id}");
        assert_eq!(
            ids.iter()
                .filter(|full| full.starts_with(id.as_str()))
                .count(),
            1,
            "{id} names one report:\n{list}"
        );
        let title = t.ok(&["report", "show", id]);
        let title = title.lines().next().unwrap();
        assert!(
            list.lines()
                .any(|l| l.starts_with(id.as_str()) && l.contains(title))
        );
        assert!(t.ok(&["report", "history", id]).contains("final"));
        t.edit(id, |r| r["narrative"] = json!(format!("Edited {i}.")));
        let pdf = t.dir.path().join(format!("{i}.pdf"));
        t.ok(&["export", "pdf", "--report", id, "--out", s(&pdf)]);
        assert!(pdf.exists());
    }
    // The old 12-digit form still finds its report when it is unique.
    let seed_out = t.ok(&["report", "import", SEED]);
    assert!(seed_out.contains(SEED_ID));
    assert!(t.ok(&["report", "show", "019a8f3c5d2e"]).contains(SEED_ID));

    // A prefix several reports share is refused, and the error lists them.
    let shared = &ids[0][..8];
    let err = t.fails(&["report", "show", shared]);
    assert!(err.contains(&format!("\"{shared}\" matches")), "{err}");
    for id in ids.iter().filter(|id| id.starts_with(shared)) {
        assert!(err.contains(id.as_str()), "{err}");
    }
}

#[test]
fn nothing_printed_can_drive_the_terminal() {
    let t = Terrain::new();
    let hostile = "Awa\u{1b}]0;owned\u{7}\u{1b}[2J\u{202e}gnp.exe\u{9b}31m";
    let shown = |out: &[u8]| {
        let text = String::from_utf8(out.to_vec()).unwrap();
        assert!(
            !text.contains(['\u{1b}', '\u{7}', '\u{202e}', '\u{9b}']),
            "raw control characters in {text:?}"
        );
        text
    };
    // An author holding terminal codes is refused on save (the server would refuse it too),
    // and the refusal shows them escaped.
    let out = t
        .cmd(&["report", "import", SEED])
        .env("TERRAIN_AUTHOR", hostile)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = shown(&out.stderr);
    assert!(
        err.contains("Author: contains a control character (U+001B) at position 4"),
        "{err}"
    );

    // Errors repeat what was typed: escaped too.
    for args in [
        &["report", "show", "\u{1b}[31mred"][..],
        &["report", "list", "--region", "\u{1b}]0;x\u{7}"],
        &["report", "import", "/nowhere/\u{1b}[2J.json"],
    ] {
        let err = t.run(args).stderr;
        assert!(shown(&err).contains("\\u{1b}"), "{args:?}");
    }
}

#[test]
fn list_json_pages_with_a_total_and_a_cursor() {
    let t = Terrain::new();
    let files: Vec<PathBuf> = (0..5)
        .map(|i| {
            t.file(
                &format!("{i}.json"),
                &seed_without_id(&format!("Report {i}")),
            )
        })
        .collect();
    let mut args = vec!["report", "import"];
    args.extend(files.iter().map(|f| s(f)));
    t.ok(&args);

    let mut seen = Vec::new();
    let mut page = t.json(&["report", "list", "--json", "--limit", "2"]);
    loop {
        assert_eq!(page["total"], 5);
        let reports = page["reports"].as_array().unwrap();
        assert!(reports.len() <= 2);
        seen.extend(reports.iter().map(|r| r["id"].clone()));
        let Some(cursor) = page["next_cursor"].as_str() else {
            break;
        };
        page = t.json(&[
            "report", "list", "--json", "--limit", "2", "--cursor", cursor,
        ]);
    }
    assert_eq!(seen.len(), 5);
    let all: Vec<Value> = t.all().iter().map(|r| r["id"].clone()).collect();
    assert_eq!(seen, all, "the pages, in order, are the whole list");
    assert_eq!(
        t.json(&["report", "list", "--json", "--all"])["next_cursor"],
        Value::Null
    );

    let text = t.ok(&["report", "list", "--limit", "2"]);
    assert!(
        text.contains("(2 of 5 shown; next page: --cursor 2, or --all)"),
        "{text}"
    );
    let search = t.json(&["report", "search", "Report", "--json", "--limit", "4"]);
    assert_eq!(
        (search["total"].as_u64(), search["next_cursor"].as_str()),
        (Some(5), Some("4"))
    );
    let err = t.fails(&["report", "list", "--cursor", "next"]);
    assert!(err.contains("--cursor: \"next\""), "{err}");
}

#[test]
fn a_data_folder_that_does_not_exist_is_refused_unless_the_command_starts_one() {
    let t = Terrain::new();
    for args in [
        &["report", "list"][..],
        &["report", "show", "019a8f3c"],
        &["outbox"],
        &["export", "csv", "--out", "/tmp/never.csv"],
    ] {
        let err = t.fails(args);
        assert!(
            err.contains(&format!("no Terrain reports in {}", t.data().display()))
                && err.contains("does not exist"),
            "{args:?}: {err}"
        );
        assert!(!t.data().exists(), "{args:?} made the folder");
    }
    let out = t.run(&["report", "import", SEED]);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!(
            "Encrypted store created in {}",
            t.data().display()
        )),
        "{said}"
    );
    assert!(t.ok(&["report", "list"]).contains("Bafoulabé"));
}

#[test]
fn a_refused_report_shows_as_refused_with_the_reason() {
    // Sidi reports for Gao only: the server refuses a Kayes report.
    let url = server("sidi", &["Gao"]);
    let t = Terrain::new();
    t.ok(&["report", "import", SEED]);
    t.login(&url, "sidi");
    let sync = t.ok(&["sync"]);
    assert!(sync.contains("1 refused"), "{sync}");

    let list = t.ok(&["report", "list"]);
    assert!(list.contains("refused"), "{list}");
    assert!(!list.contains("queued"), "{list}");
    assert!(list.contains("refused by the server: "), "{list}");
    let reason = list
        .lines()
        .find_map(|l| l.trim().strip_prefix("refused by the server: "))
        .unwrap()
        .to_string();
    assert!(!reason.is_empty());
    let show = t.ok(&["report", "show", "019a8f3c"]);
    assert!(
        show.contains(&format!("the server refused this version: {reason}")),
        "{show}"
    );
    let outbox = t.ok(&["outbox"]);
    assert!(
        outbox.contains("refused") && outbox.contains(&reason),
        "{outbox}"
    );
    assert!(
        outbox.contains("1 revision(s) refused by the server"),
        "{outbox}"
    );
    let json = t.json(&["outbox", "--json"]);
    assert_eq!(json[0]["refused"], reason.as_str());
    assert_eq!(t.all()[0]["refused"], reason.as_str());
}

#[test]
fn the_sync_summary_counts_the_conflicts_its_progress_reported() {
    let url = server("awa", &["Kayes"]);
    let (a, b) = (Terrain::new(), Terrain::new());
    let mut other = seed();
    other["id"] = json!("019a8f3c-5d2e-7a41-b6c3-000000000002");
    other["title"] = json!("Second attack on the same plants");
    let other_file = a.file("other.json", &other);
    a.ok(&["report", "import", SEED, s(&other_file)]);
    a.login(&url, "awa");
    b.login(&url, "awa");
    a.ok(&["sync"]);
    assert!(b.ok(&["sync"]).contains("2 received"));

    // Offline: the first report edited in different fields (merges), the second in the same
    // field (conflicts).
    a.edit(SEED_ID, |r| r["narrative"] = json!("Updated on A."));
    b.edit(SEED_ID, |r| r["where"]["place"] = json!("Mahina road"));
    a.edit("019a8f3c-5d2e-7a41-b6c3-000000000002", |r| {
        r["where"]["place"] = json!("North gate")
    });
    b.edit("019a8f3c-5d2e-7a41-b6c3-000000000002", |r| {
        r["where"]["place"] = json!("South gate")
    });
    a.ok(&["sync"]);
    let out = b.ok(&["sync"]);
    assert!(out.contains("merged 1, conflicts 1"), "{out}");
    assert!(out.contains("1 merged, 1 conflict(s)"), "{out}");
    assert!(
        b.ok(&["conflicts"])
            .contains("019a8f3c-5d2e-7a41-b6c3-000000000002")
    );
}

/// Two devices of one reporter, both holding the seed report through a real server.
fn two_devices_with_the_seed() -> (Terrain, Terrain) {
    two_devices_with_the_seed_on(&server("awa", &["Kayes"]))
}

/// The same, on the server at `url`.
fn two_devices_with_the_seed_on(url: &str) -> (Terrain, Terrain) {
    let (a, b) = (Terrain::new(), Terrain::new());
    a.ok(&["report", "import", SEED]);
    a.login(url, "awa");
    b.login(url, "awa");
    a.ok(&["sync"]);
    b.ok(&["sync"]);
    (a, b)
}

/// What officials hit: one device moved the place and corrected an abducted count, the other
/// moved only the place. `conflicts` names the place with both values and the count both
/// changed nowhere; resolving with this device's place keeps the other device's correction,
/// on both devices. Before, `--take local` kept one whole version and the correction was gone.
#[test]
fn resolving_one_field_keeps_every_other_edit_of_both_devices() {
    let (a, b) = two_devices_with_the_seed();

    let first_abducted = |t: &Terrain| {
        t.json(&["report", "show", SEED_ID, "--json"])["figures"]["abducted"][0]["amount"].clone()
    };
    let before = first_abducted(&a).as_u64().unwrap();
    a.edit(SEED_ID, |r| {
        r["where"]["place"] = json!("North gate");
        r["figures"]["abducted"][0]["amount"] = json!(before + 1);
    });
    b.edit(SEED_ID, |r| r["where"]["place"] = json!("South gate"));
    a.ok(&["sync"]);
    b.ok(&["sync"]);

    let listed = b.ok(&["conflicts"]);
    assert!(listed.contains("where.place"), "{listed}");
    assert!(
        listed.contains("North gate") && listed.contains("South gate"),
        "both values are shown: {listed}"
    );
    assert!(
        !listed.contains("figures."),
        "only one side changed the count: {listed}"
    );
    let listed = b.json(&["conflicts", "--json"]);
    let paths: Vec<&str> = listed[0]["disputes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["where.place"]);

    b.ok(&["resolve", &SEED_ID[..8], "--take", "local"]);
    b.ok(&["sync"]);
    a.ok(&["sync"]);
    for t in [&a, &b] {
        let report = t.json(&["report", "show", SEED_ID, "--json"]);
        assert_eq!(report["where"]["place"], json!("South gate"));
        assert_eq!(
            first_abducted(t),
            json!(before + 1),
            "the correction is kept"
        );
        assert_eq!(t.ok(&["conflicts"]).trim(), "No conflicts.");
    }
}

/// Issue 13: `terrain resolve ID --field place --take server` settles one field as the window
/// does. Both devices moved the place and rewrote the narrative; one also retitled the report,
/// the other noted damage. Naming only the place is refused, naming the narrative's disputed
/// path; with both chosen, the server, both devices and a fresh device all hold the server's
/// place, this device's narrative, and both sides' other edits.
#[test]
fn resolving_field_by_field_leaves_the_server_and_both_devices_agreeing() {
    let url = server("awa", &["Kayes"]);
    let (a, b) = two_devices_with_the_seed_on(&url);
    a.edit(SEED_ID, |r| {
        r["where"]["place"] = json!("North gate");
        r["narrative"] = json!("Seen from the north gate.");
        r["damage"] = json!("Kiln roof burned");
    });
    b.edit(SEED_ID, |r| {
        r["where"]["place"] = json!("South gate");
        r["narrative"] = json!("Seen from the south gate.");
        r["title"] = json!("Attack on the Bafoulabé plants, corrected");
    });
    a.ok(&["sync"]);
    b.ok(&["sync"]);

    let err = b.fails(&[
        "resolve",
        &SEED_ID[..8],
        "--field",
        "place",
        "--take",
        "server",
    ]);
    assert!(err.contains("narrative"), "{err}");
    assert!(
        !err.contains("where.place"),
        "the place has its side: {err}"
    );
    let out = b.ok(&[
        "resolve",
        &SEED_ID[..8],
        "--field",
        "place",
        "--take",
        "server",
        "--field",
        "narrative=local",
    ]);
    assert!(out.contains("follows 2 versions"), "{out}");
    b.ok(&["sync"]);
    a.ok(&["sync"]);

    let c = Terrain::new();
    c.login(&url, "awa");
    c.ok(&["sync"]);
    for t in [&a, &b, &c] {
        let report = t.json(&["report", "show", SEED_ID, "--json"]);
        assert_eq!(report["where"]["place"], json!("North gate"));
        assert_eq!(report["narrative"], json!("Seen from the south gate."));
        assert_eq!(report["damage"], json!("Kiln roof burned"));
        assert_eq!(
            report["title"],
            json!("Attack on the Bafoulabé plants, corrected")
        );
        assert_eq!(t.ok(&["conflicts"]).trim(), "No conflicts.");
    }
}

/// Both devices corrected the same claim differently: one dispute on that claim, named by its
/// id, never two claims from one source shown as "sources disagree".
#[test]
fn one_claim_corrected_on_two_devices_is_listed_as_one_dispute() {
    let (a, b) = two_devices_with_the_seed();
    a.edit(SEED_ID, |r| {
        r["figures"]["abducted"][0]["amount"] = json!(10)
    });
    b.edit(SEED_ID, |r| {
        r["figures"]["abducted"][0]["amount"] = json!(11)
    });
    a.ok(&["sync"]);
    b.ok(&["sync"]);
    let listed = b.json(&["conflicts", "--json"]);
    let disputes = listed[0]["disputes"].as_array().unwrap();
    assert_eq!(disputes.len(), 1, "{listed}");
    let path = disputes[0]["path"].as_str().unwrap();
    assert!(path.starts_with("figures.abducted["), "{path}");
    let field = format!("{path}=remote");
    b.ok(&["resolve", SEED_ID, "--field", &field]);
    let report = b.json(&["report", "show", SEED_ID, "--json"]);
    let amounts: Vec<&Value> = report["figures"]["abducted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["amount"])
        .collect();
    assert!(
        amounts.contains(&&json!(10)) && !amounts.contains(&&json!(11)),
        "{amounts:?}"
    );
    assert_eq!(
        amounts.len(),
        seed()["figures"]["abducted"].as_array().unwrap().len()
    );
}

/// Issue 12: `terrain report photos ID` fetches the photos of a report another device sent
/// (stored in this device's encrypted store, hash checked), says which have not reached the
/// server yet, and a second run has nothing to fetch.
#[test]
fn report_photos_fetches_a_reports_photos_and_names_those_on_their_way() {
    let url = server("awa", &["Kayes"]);
    let photo: Vec<u8> = (0..200_000u32).map(|i| (i * 17 % 251) as u8).collect();
    let sha = terrain_domain::sha256_hex(&photo);
    let lost = terrain_domain::sha256_hex(b"a photo whose upload never came");
    // Another device of awa's uploads one photo and sends the report naming it and another.
    let mut report: Value = serde_json::from_str(&std::fs::read_to_string(SEED).unwrap()).unwrap();
    report["attachments"] = json!([
        {"sha256": sha, "media_type": "image/jpeg", "size": photo.len(), "file_name": "kiln.jpg"},
        {"sha256": lost, "media_type": "image/jpeg", "size": 31, "file_name": "gate.jpg"},
    ]);
    let report = terrain_domain::parse_json(&report.to_string()).unwrap();
    let report = terrain_domain::check(report, chrono::Utc::now().date_naive()).unwrap();
    let rev = terrain_domain::Revision::new(report, vec![], "awa", "camera-1", chrono::Utc::now());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let session = terrain_sync::Client::new(&url, None)
            .unwrap()
            .sign_in("awa", PASSWORD, "camera")
            .await
            .unwrap();
        let client =
            terrain_sync::Client::new(&url, Some(terrain_store::Token(session.token))).unwrap();
        client.upload_blob(&sha, &photo).await.unwrap();
        client.push(&[rev]).await.unwrap();
    });

    let b = Terrain::new();
    b.login(&url, "awa");
    assert!(b.ok(&["sync"]).contains("1 received"));
    let out = b.ok(&["report", "photos", &SEED_ID[..8]]);
    assert!(
        out.contains(
            "1 photo(s) fetched (200000 bytes), 0 already on this device, 1 not on the server yet."
        ),
        "{out}"
    );
    assert!(
        out.contains(&lost) && out.contains("not reached the server yet"),
        "{out}"
    );
    let again = b.json(&["report", "photos", SEED_ID, "--json"]);
    assert_eq!(again["had"], json!([sha]));
    assert_eq!(again["fetched"], json!([]));
    assert_eq!(again["missing"], json!([lost]));
}
