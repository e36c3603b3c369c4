//! The encrypted store from the terminal: choosing a passphrase, unlocking, a wrong passphrase,
//! encrypting an old plain store, changing the passphrase, quick delete.

use rexpect::session::spawn_command;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/bafoulabe-plants-attack.json"
);
const GOOD: &str = "red earth after the rain";

fn terrain(data: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_terrain"));
    cmd.arg("--data").arg(data).args(args);
    cmd.env("TERRAIN_AUTHOR", "Awa")
        .env_remove("TERRAIN_PASSPHRASE")
        .env_remove("TERRAIN_NEW_PASSPHRASE")
        .env_remove("TERRAIN_DATA");
    cmd
}

fn run(mut cmd: Command) -> Output {
    cmd.stdin(Stdio::null()).output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn with_passphrase(data: &Path, passphrase: &str, args: &[&str]) -> Output {
    let mut cmd = terrain(data, args);
    cmd.env("TERRAIN_PASSPHRASE", passphrase);
    run(cmd)
}

fn titles(data: &Path, passphrase: &str) -> Vec<String> {
    let out = with_passphrase(data, passphrase, &["report", "list", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    list["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn on_a_terminal_a_passphrase_is_chosen_once_then_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Only a command that saves starts a store (a mistyped --data must not make one).
    let mut p = spawn_command(terrain(&data, &["report", "list"]), Some(20_000)).unwrap();
    p.exp_string("the folder does not exist").unwrap();
    p.exp_eof().unwrap();
    assert!(!data.exists());
    let mut p = spawn_command(terrain(&data, &["report", "import", SEED]), Some(20_000)).unwrap();
    p.exp_string("Choose a passphrase").unwrap();
    p.exp_string("New passphrase").unwrap();
    p.send_line("short").unwrap();
    p.exp_string("use at least 10").unwrap();
    p.exp_string("New passphrase").unwrap();
    p.send_line(GOOD).unwrap();
    p.exp_string("Repeat it").unwrap();
    p.send_line(GOOD).unwrap();
    p.exp_string("Encrypted store created").unwrap();
    p.exp_string("1 report(s) imported").unwrap();
    p.exp_eof().unwrap();
    assert!(data.join("terrain.key").is_file());

    let mut p = spawn_command(terrain(&data, &["report", "list"]), Some(20_000)).unwrap();
    p.exp_string("Passphrase").unwrap();
    p.send_line("red earth before the rain").unwrap();
    p.exp_string("the passphrase is wrong; nothing was changed")
        .unwrap();
    p.exp_eof().unwrap();

    let mut p = spawn_command(terrain(&data, &["report", "list"]), Some(20_000)).unwrap();
    p.exp_string("Passphrase").unwrap();
    p.send_line(GOOD).unwrap();
    p.exp_string("Bafoulab").unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn without_a_terminal_the_passphrase_must_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(terrain(dir.path(), &["report", "import", SEED]));
    assert!(!out.status.success());
    assert!(
        text(&out).contains("set TERRAIN_PASSPHRASE"),
        "{}",
        text(&out)
    );
    assert!(!dir.path().join("terrain.db").exists(), "nothing made");

    let out = with_passphrase(dir.path(), "too short", &["report", "import", SEED]);
    assert!(!out.status.success());
    assert!(text(&out).contains("use at least 10"), "{}", text(&out));

    let out = with_passphrase(dir.path(), GOOD, &["report", "import", SEED]);
    assert!(out.status.success(), "{}", text(&out));
    let out = with_passphrase(dir.path(), "not the passphrase", &["report", "list"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("the passphrase is wrong"),
        "{}",
        text(&out)
    );
}

#[test]
fn an_old_plain_store_is_refused_until_encrypted_and_then_keeps_its_reports() {
    let dir = tempfile::tempdir().unwrap();
    {
        // A store as Terrain wrote it before encryption.
        let store = terrain_store::Store::open(dir.path()).unwrap();
        let report = terrain_domain::parse_json(&std::fs::read_to_string(SEED).unwrap()).unwrap();
        let report = terrain_domain::check(report, chrono::Local::now().date_naive()).unwrap();
        store.save(report, "awa").unwrap();
    }
    let out = with_passphrase(dir.path(), GOOD, &["report", "list"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("run `terrain encrypt`"),
        "{}",
        text(&out)
    );

    let out = with_passphrase(dir.path(), GOOD, &["encrypt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("encrypted; the plain copy was destroyed"));
    assert_eq!(titles(dir.path(), GOOD).len(), 1);

    let out = with_passphrase(dir.path(), GOOD, &["encrypt"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("already encrypted"), "{}", text(&out));
}

#[test]
fn changing_the_passphrase_keeps_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        with_passphrase(dir.path(), GOOD, &["report", "import", SEED])
            .status
            .success()
    );
    let new = "the well behind the school";
    let mut cmd = terrain(dir.path(), &["passphrase"]);
    cmd.env("TERRAIN_PASSPHRASE", "wrong wrong wrong")
        .env("TERRAIN_NEW_PASSPHRASE", new);
    let out = run(cmd);
    assert!(
        text(&out).contains("the passphrase is wrong"),
        "{}",
        text(&out)
    );

    let mut cmd = terrain(dir.path(), &["passphrase"]);
    cmd.env("TERRAIN_PASSPHRASE", GOOD)
        .env("TERRAIN_NEW_PASSPHRASE", new);
    let out = run(cmd);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(titles(dir.path(), new).len(), 1);
    let out = with_passphrase(dir.path(), GOOD, &["report", "list"]);
    assert!(
        text(&out).contains("the passphrase is wrong"),
        "the old one no longer opens"
    );
}

#[test]
fn quick_delete_is_confirmed_once_and_leaves_no_report() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(
        with_passphrase(&data, GOOD, &["report", "import", SEED])
            .status
            .success()
    );

    let out = run(terrain(&data, &["wipe"]));
    assert!(!out.status.success());
    assert!(text(&out).contains("confirm with --yes"), "{}", text(&out));
    assert_eq!(titles(&data, GOOD).len(), 1, "nothing deleted unconfirmed");

    let mut p = spawn_command(terrain(&data, &["wipe"]), Some(20_000)).unwrap();
    p.exp_string("Destroy every report").unwrap();
    p.send_line("n").unwrap();
    p.exp_string("Nothing was deleted").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(titles(&data, GOOD).len(), 1);

    // No passphrase is needed: whoever must destroy the data in a hurry may not have time.
    let mut p = spawn_command(terrain(&data, &["wipe"]), Some(20_000)).unwrap();
    p.exp_string("Destroy every report").unwrap();
    p.send_line("y").unwrap();
    p.exp_string("Deleted").unwrap();
    p.exp_eof().unwrap();
    assert!(!data.exists(), "the data folder is gone");
}
