//! Upgrades from databases written by the code as it stood at commit e5012f4, committed under
//! `tests/fixtures/upgrade/` by its `make.sh` (with that commit's binaries), with what those
//! binaries reported in `expected.json`: an encrypted device store, a server's SQLite file and
//! a PostgreSQL dump, each holding the seed incident and another report, several revisions, two
//! photos, a conflict, audit rows and a device's pull cursor. Today's code opens a copy (running
//! every migration added since) and must find all of it as it was; then a sync works.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use terrain_server_postgres::PgStore;
use terrain_server_sqlite::SqliteStore;
use terrain_server_store::{AuditQuery, ServerStore};
use terrain_store::{Filter, Page, Passphrase, Store};
use terrain_tests::harness::{PASSWORD, ServerProcess, free_port, pg_url};
use uuid::Uuid;

/// The passphrase `make.sh` encrypted awa's device store under.
const PASSPHRASE: &str = "upgrade fixture passphrase";
const SEED: &str = "019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a";
const SERVER: &str = env!("CARGO_BIN_EXE_terrain-server-under-test");

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/upgrade")
        .join(rel)
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("expected.json")).unwrap()).unwrap()
}

/// A copy of the fixture folder `rel` in a new temporary folder (the fixture stays untouched).
fn copy_of(rel: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(rel), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("a string: {v}"))
}

fn sha256(bytes: &[u8]) -> String {
    terrain_domain::sha256_hex(bytes)
}

#[test]
fn an_encrypted_device_store_of_today_upgrades_with_everything_kept() {
    let expected = expected();
    let device = &expected["device"];
    let dir = copy_of("device");
    let store = Store::unlock(dir.path(), &Passphrase::new(PASSPHRASE)).unwrap();

    // Every report, at the same head, with its head count (the seed has two: the conflict).
    let listed = store.list(&Filter::default(), Page::all()).unwrap();
    let want = device["list"]["reports"].as_array().unwrap();
    assert_eq!(listed.len(), want.len(), "every report is there");
    for w in want {
        let id: Uuid = str_of(&w["id"]).parse().unwrap();
        let got = listed
            .iter()
            .find(|l| l.report.id == id)
            .expect("the report");
        assert_eq!(
            got.head.to_string(),
            str_of(&w["head_revision"]),
            "{id}'s head"
        );
        assert_eq!(got.content_hash, str_of(&w["content_hash"]), "{id}'s hash");
        assert_eq!(got.report.title, str_of(&w["title"]));
        assert_eq!(
            got.heads as u64,
            w["heads"].as_u64().unwrap(),
            "{id}'s heads"
        );
    }

    // Every revision, with its parents and hash, in the same order; each hash still verifies.
    for (id, revisions) in device["history"].as_object().unwrap() {
        let history = store.history(id.parse().unwrap()).unwrap();
        let got: Vec<(String, Vec<String>, String)> = history
            .iter()
            .map(|r| {
                (
                    r.id.to_string(),
                    r.parents.iter().map(Uuid::to_string).collect(),
                    r.content_hash.clone(),
                )
            })
            .collect();
        let want: Vec<(String, Vec<String>, String)> = revisions
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    str_of(&r["revision"]).to_string(),
                    r["parents"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| str_of(p).to_string())
                        .collect(),
                    str_of(&r["content_hash"]).to_string(),
                )
            })
            .collect();
        assert_eq!(got, want, "report {id}'s history");
        for r in &history {
            assert!(r.hash_matches(), "revision {} still matches its hash", r.id);
        }
    }

    // The conflict, between the same versions.
    let conflicts = store.conflicts().unwrap();
    let want: Vec<(String, Vec<String>)> = device["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut heads: Vec<String> = c["heads"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| str_of(&h["id"]).to_string())
                .collect();
            heads.sort();
            (str_of(&c["report_id"]).to_string(), heads)
        })
        .collect();
    let got: Vec<(String, Vec<String>)> = conflicts
        .iter()
        .map(|c| {
            let mut heads: Vec<String> = c.heads.iter().map(|h| h.id.to_string()).collect();
            heads.sort();
            (c.report_id.to_string(), heads)
        })
        .collect();
    assert_eq!(got, want, "the conflict");
    assert_eq!(got.len(), 1);

    // The photos: the same bytes as the files attached.
    let attachments = device["seed"]["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 2);
    for (attachment, photo) in attachments
        .iter()
        .zip(expected["photos"].as_array().unwrap())
    {
        let sha = str_of(&attachment["sha256"]);
        assert_eq!(sha, str_of(&photo["sha256"]));
        let bytes = store
            .attachment(sha)
            .unwrap()
            .expect("the photo is on the device");
        assert_eq!(sha256(&bytes), sha, "the photo's bytes");
        assert_eq!(bytes.len() as u64, photo["size"].as_u64().unwrap());
    }

    // Where the device stands in the server's feed, and who it is signed in as.
    assert_eq!(
        store.pull_cursor().unwrap(),
        expected["device_pull_cursor"].as_i64().unwrap()
    );
    assert_eq!(store.account().unwrap().expect("signed in").user, "awa");
    assert_eq!(store.pending_count().unwrap(), 0, "nothing left to send");
}

/// Checks that `store` holds everything `expected` (one engine's part of expected.json) lists.
async fn holds_everything(store: &dyn ServerStore, expected: &Value) {
    // Every revision at its feed position, with its hash.
    let page = store.pull(0, 1000, None).await.unwrap();
    let got: Vec<(i64, String, String, String)> = page
        .items
        .iter()
        .map(|(seq, r)| {
            (
                *seq,
                r.id.to_string(),
                r.report_id.to_string(),
                r.content_hash.clone(),
            )
        })
        .collect();
    let want: Vec<(i64, String, String, String)> = expected["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["seq"].as_i64().unwrap(),
                str_of(&r["id"]).to_string(),
                str_of(&r["report_id"]).to_string(),
                str_of(&r["content_hash"]).to_string(),
            )
        })
        .collect();
    assert_eq!(got, want, "the feed");
    assert!(!page.more);
    let seed: Uuid = SEED.parse().unwrap();
    assert_eq!(store.heads(seed).await.unwrap(), 2, "the conflict");

    // The photos, whole.
    for blob in expected["blobs"].as_array().unwrap() {
        let sha = str_of(&blob["sha256"]);
        let bytes = store.blob_bytes(sha).await.unwrap().expect("the photo");
        assert_eq!(sha256(&bytes), sha);
        assert_eq!(bytes.len() as u64, blob["size"].as_u64().unwrap());
    }

    // The audit log, row for row (an upgrade may add rows after them, never change one).
    let audit = store
        .audit(&AuditQuery {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap();
    let want = expected["audit"].as_array().unwrap();
    assert!(audit.len() >= want.len(), "no audit row lost");
    for (got, want) in audit.iter().zip(want) {
        let as_json = serde_json::json!({
            "at": got.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "actor": got.actor,
            "device": got.device,
            "action": got.action,
            "detail": got.detail,
        });
        assert_eq!(&as_json, want, "an audit row");
    }

    // Both devices' tokens, still valid.
    for device in expected["devices"].as_array().unwrap() {
        let got = store
            .device(str_of(&device["token_hash"]))
            .await
            .unwrap()
            .expect("the device token");
        assert_eq!(got.user.name, str_of(&device["user"]));
        assert_eq!(got.name, str_of(&device["name"]));
        assert!(!got.revoked);
    }
}

/// The reports and revision count of an engine's part of expected.json, and its last feed
/// position.
fn feed_of(expected: &Value) -> (Vec<Uuid>, usize, i64) {
    let revisions = expected["revisions"].as_array().unwrap();
    let mut reports: Vec<Uuid> = revisions
        .iter()
        .map(|r| str_of(&r["report_id"]).parse().unwrap())
        .collect();
    reports.sort();
    reports.dedup();
    let last = revisions.last().unwrap()["seq"].as_i64().unwrap();
    (reports, revisions.len(), last)
}

/// bakary signs in on a new device to the upgraded server at `url` and pulls: every revision
/// of `reports` comes, `count` in all, and the device's cursor stands at `last`.
async fn a_new_device_pulls_everything(url: &str, (reports, count, last): (Vec<Uuid>, usize, i64)) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    terrain_sync::login(&store, url, "bakary", PASSWORD, "bakary's new laptop")
        .await
        .unwrap();
    let client = terrain_sync::client_for(&store).unwrap();
    terrain_sync::sync_once(&store, &client, "bakary", &mut |_| {})
        .await
        .unwrap();
    let mut pulled = 0;
    for report in reports {
        pulled += store.history(report).unwrap().len();
    }
    assert_eq!(pulled, count, "every revision reaches a new device");
    assert_eq!(store.pull_cursor().unwrap(), last);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_sqlite_file_of_today_upgrades_and_its_device_syncs_after() {
    let expected = expected();
    let server_dir = copy_of("sqlite");
    let db = server_dir.path().join("server.db");
    {
        let store = SqliteStore::open(&db).unwrap();
        holds_everything(&store, &expected["sqlite"]).await;
    }

    // The upgraded server, as its binary; the upgraded device, pointed at its new address.
    let port = free_port();
    let db_arg = format!("sqlite:{}", db.display());
    // The fixture's tokens were last used when it was made: not idle for this test.
    let server = ServerProcess::start(SERVER, &db_arg, port, &["--token-idle-days", "36500"]).await;
    let device_dir = copy_of("device");
    let store = Arc::new(Store::unlock(device_dir.path(), &Passphrase::new(PASSPHRASE)).unwrap());
    let mut account = store.account().unwrap().unwrap();
    account.server = server.url();
    store.set_account(Some(&account)).unwrap();
    let client = terrain_sync::client_for(&store).unwrap();
    let summary = terrain_sync::sync_once(&store, &client, "awa", &mut |_| {})
        .await
        .unwrap();
    assert_eq!(
        (summary.sent, summary.received),
        (0, 0),
        "nothing new either way"
    );

    // A report written after the upgrade goes up, and comes down to a new device.
    let report = terrain_tests::seed_with_new_id();
    let saved = store.save(report, "awa").unwrap();
    let summary = terrain_sync::sync_once(&store, &client, "awa", &mut |_| {})
        .await
        .unwrap();
    assert_eq!(summary.acked, 1, "{summary:?}");
    let (mut reports, count, last) = feed_of(&expected["sqlite"]);
    reports.push(saved.revision.report_id);
    a_new_device_pulls_everything(&server.url(), (reports, count + 1, last + 1)).await;
    drop(server);
}

/// A fresh database holding the fixture's dump; None (with a note) when PostgreSQL is
/// unreachable outside CI. Returns its URL and a client on the maintenance database.
async fn restored_postgres() -> Option<(String, String, tokio_postgres::Client)> {
    let admin = match tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls).await {
        Ok((client, conn)) => {
            tokio::spawn(conn);
            client
        }
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: PostgreSQL not reachable at {} ({e})", pg_url());
            return None;
        }
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    };
    let name = format!("upgrade_{}", Uuid::now_v7().simple());
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = pg_url();
    let url = format!("{}/{name}", &base[..base.rfind('/').unwrap()]);
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    // pg_dump's plain SQL, less psql's own commands (`\restrict`), which are not SQL.
    let dump: String = std::fs::read_to_string(fixture("postgres/server.sql"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('\\'))
        .collect::<Vec<_>>()
        .join("\n");
    client.batch_execute(&dump).await.unwrap();
    Some((name, url, admin))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_dump_of_today_upgrades_and_a_device_syncs_after() {
    let expected = expected();
    let Some((name, url, admin)) = restored_postgres().await else {
        return;
    };
    {
        let store = PgStore::connect(&url, "terrain").await.unwrap();
        holds_everything(&store, &expected["postgres"]).await;
    }
    let keys = copy_of("postgres");
    let key = keys.path().join("contact.key");
    let port = free_port();
    let server = ServerProcess::start(
        SERVER,
        &url,
        port,
        &["--contact-key", key.to_str().unwrap()],
    )
    .await;
    a_new_device_pulls_everything(&server.url(), feed_of(&expected["postgres"])).await;
    drop(server);
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
}
