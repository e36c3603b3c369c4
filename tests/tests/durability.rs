//! A process saving reports is killed with SIGKILL at random moments; every report it said was
//! saved must be there afterwards, exactly once, in a database that passes integrity_check.

use rand::Rng;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;
use terrain_store::{Filter, Store};

const KILLS: usize = 25;

#[test]
fn reports_said_saved_survive_sigkill_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut promised: HashSet<String> = HashSet::new();
    let mut rng = rand::rng();
    for round in 0..KILLS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_save-loop"))
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            // Lines cut short by the kill carry no promise: only whole lines count.
            let mut ids = Vec::new();
            for line in BufReader::new(stdout).split(b'\n').map_while(Result::ok) {
                if let Some(id) = std::str::from_utf8(&line)
                    .ok()
                    .and_then(|l| l.strip_prefix("saved "))
                {
                    ids.push(id.to_string());
                }
            }
            ids
        });
        std::thread::sleep(Duration::from_millis(rng.random_range(30..250)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let ids = reader.join().unwrap();
        promised.extend(ids);

        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok", "after kill {round}");
        let conn = rusqlite::Connection::open(store.db_path()).unwrap();
        for id in &promised {
            let revisions: i64 = conn
                .query_row(
                    "SELECT count(*) FROM revisions WHERE report_id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(revisions, 1, "report {id} after kill {round}");
        }
        let reports = store.count(&Filter::default()).unwrap() as i64;
        let (revisions, outbox): (i64, i64) = conn
            .query_row(
                "SELECT (SELECT count(*) FROM revisions), (SELECT count(*) FROM outbox)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(
            reports >= promised.len() as i64,
            "after kill {round}: {reports} < {}",
            promised.len()
        );
        assert_eq!(
            (revisions, outbox),
            (reports, reports),
            "one revision and one outbox row per report"
        );
    }
    assert!(
        promised.len() > KILLS,
        "the child saved too little to test anything: {}",
        promised.len()
    );
    eprintln!(
        "{} reports promised over {KILLS} kills, all present once",
        promised.len()
    );
}

/// Issue 17: the form as typed (a coordinate that does not check yet and the narrative) survives
/// a killed process: after each SIGKILL the form reopens with at least the last text promised.
#[test]
fn the_form_as_typed_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand::rng();
    let mut kept_total = 0;
    for round in 0..8 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_keep-loop"))
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut last = None;
            for line in BufReader::new(stdout).split(b'\n').map_while(Result::ok) {
                let line = String::from_utf8_lossy(&line).to_string();
                if let Some(rest) = line.strip_prefix("kept ")
                    && let Some((id, n)) = rest.split_once(' ')
                    && let Ok(n) = n.parse::<u64>()
                {
                    last = Some((id.to_string(), n));
                }
            }
            last
        });
        std::thread::sleep(Duration::from_millis(rng.random_range(100..400)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let Some((id, n)) = reader.join().unwrap() else {
            continue;
        };
        kept_total += n + 1;
        let app = terrain_app::App::open(dir.path()).unwrap();
        let form = app.open_form(id.parse().unwrap()).unwrap();
        let text = form.report["narrative"].as_str().unwrap().to_string();
        let got: u64 = text.strip_prefix("keystroke ").unwrap().parse().unwrap();
        assert!(
            got >= n,
            "after kill {round}: form says {got}, {n} was promised"
        );
        assert_eq!(form.typed["where.coordinates.longitude"], "9°03'Q");
        assert_eq!(app.last_form().unwrap(), Some(id.parse().unwrap()));
    }
    assert!(kept_total > 8, "the child kept too little: {kept_total}");
    eprintln!("{kept_total} keeps promised over 8 kills, the last of each there");
}
