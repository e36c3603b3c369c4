//! The console's exports over real HTTP on loopback, on both engines: the CSV read back by the
//! csv crate and by libhxl, the GeoJSON parsed, the PDFs read by poppler (`pdftotext`,
//! `pdfinfo`); each reader gets only their regions' reports, the filter is respected, and no
//! source's contact ever leaves the server.

use serde_json::json;
use std::process::Command;
use std::sync::Arc;
use terrain_domain::Revision;
use terrain_protocol::Role;
use terrain_server::{AppState, add_user, router};
use terrain_server_store::ContactKey;

const PASSWORD: &str = "correct horse battery";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Sqlite,
    Postgres,
}

fn pg_url() -> String {
    std::env::var("TERRAIN_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A server on a free loopback port over a fresh store (a SQLite file, or a PostgreSQL schema
/// of its own); None (with a note) when PostgreSQL is unreachable outside CI.
struct Server {
    url: String,
    state: AppState,
    schema: Option<String>,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(engine: Engine) -> Option<Server> {
        let dir = tempfile::tempdir().unwrap();
        let (db, schema) = match engine {
            Engine::Sqlite => (
                format!("sqlite:{}", dir.path().join("server.db").display()),
                None,
            ),
            Engine::Postgres => (
                pg_url(),
                Some(format!("exports_{}", uuid::Uuid::now_v7().simple())),
            ),
        };
        let key = ContactKey::random();
        let store = match terrain_server_engines::open_store(
            &db,
            schema.as_deref().unwrap_or("terrain"),
            &key,
        )
        .await
        {
            Ok(store) => store,
            Err(e) if engine == Engine::Postgres && std::env::var_os("CI").is_none() => {
                eprintln!("SKIPPED: PostgreSQL not reachable at {db} ({e}); CI requires it");
                return None;
            }
            Err(e) => panic!("cannot open {db}: {e}"),
        };
        let state = AppState::new(Arc::clone(&store), key);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(terrain_server::serve(listener, router(state.clone())));
        Some(Server {
            url,
            state,
            schema,
            _dir: dir,
            task,
        })
    }

    async fn user(&self, name: &str, role: Role, regions: &[&str]) {
        let regions = regions.iter().map(|r| r.to_string()).collect();
        add_user(&self.state, name, role, regions, PASSWORD)
            .await
            .unwrap();
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

fn seed_edited(edit: impl FnOnce(&mut serde_json::Value)) -> terrain_domain::ValidReport {
    const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");
    let mut v: serde_json::Value = serde_json::from_str(SEED).unwrap();
    v["id"] = json!(uuid::Uuid::now_v7());
    edit(&mut v);
    let today = chrono::Local::now().date_naive();
    terrain_domain::check(terrain_domain::parse_json(&v.to_string()).unwrap(), today).unwrap()
}

const CONTACT: &str = "+223 70 11 22 33, ne jamais citer";

/// A signed-in reader's token.
async fn token(server: &Server, user: &str) -> String {
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/sessions", server.url))
        .header("Terrain-Protocol", "1")
        .json(&json!({"user": user, "password": PASSWORD, "device_name": "console"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

struct Got {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map_or("", |v| v.to_str().unwrap_or(""))
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or("").into()
    }
}

async fn get(server: &Server, token: &str, path: &str) -> Got {
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", server.url))
        .bearer_auth(token)
        .header("Terrain-Protocol", "1")
        .send()
        .await
        .unwrap();
    Got {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.bytes().await.unwrap().to_vec(),
    }
}

fn revision(edit: impl FnOnce(&mut serde_json::Value)) -> Revision {
    Revision::new(
        seed_edited(edit),
        vec![],
        "awa",
        "awa's laptop",
        chrono::Utc::now(),
    )
}

/// Two Kayes reports (one with a source's contact and coordinates, one without either) and
/// one in Gao, pushed by an administrator.
async fn seeded(engine: Engine) -> Option<(Server, [Revision; 3])> {
    let server = Server::start(engine).await?;
    server.user("root", Role::Admin, &[]).await;
    server.user("fanta", Role::Reviewer, &["Kayes"]).await;
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("bina", Role::Reporter, &["Gao"]).await;
    let plants = revision(|v| {
        v["title"] = json!("Usines attaquées près de Bafoulabé");
        v["sources"][0]["contact"] = json!(CONTACT);
    });
    let kita = revision(|v| {
        v["title"] = json!("Barrage sur la route de Kita");
        v["where"] = json!({"admin1": "Kayes", "admin2": "Kita"});
    });
    let gao = revision(|v| {
        v["title"] = json!("Convoi attaqué à Gao");
        v["where"] = json!({"admin1": "Gao"});
    });
    let root = token(&server, "root").await;
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/push", server.url))
        .bearer_auth(&root)
        .header("Terrain-Protocol", "1")
        .json(&json!({"revisions": [plants, kita, gao]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let answer: serde_json::Value = resp.json().await.unwrap();
    assert!(
        answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "stored"),
        "{answer}"
    );
    Some((server, [plants, kita, gao]))
}

fn tool(name: &str, args: &[&str], input: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.pdf");
    std::fs::write(&path, input).unwrap();
    let mut cmd = Command::new(name);
    cmd.args(args).arg(&path);
    if name == "pdftotext" {
        cmd.arg("-");
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{name} (poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// (header, rows) of a CSV, the csv crate reading it.
fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

async fn send(server: &Server, token: &str, path: &str, body: serde_json::Value) -> Got {
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", server.url))
        .bearer_auth(token)
        .header("Terrain-Protocol", "1")
        .json(&body)
        .send()
        .await
        .unwrap();
    Got {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.bytes().await.unwrap().to_vec(),
    }
}

async fn exports_on(engine: Engine) {
    let Some((server, [plants, kita, gao])) = seeded(engine).await else {
        return;
    };
    let awa = token(&server, "awa").await;
    // Fanta verifies the plants report, then an edit arrives; she rejects the Kita one.
    let fanta = token(&server, "fanta").await;
    for (report, state, comment) in [
        (&plants, "verified", None),
        (&kita, "rejected", Some("Doublon du rapport de Kita")),
    ] {
        let path = format!("/v1/reports/{}/review", report.report_id);
        let body = json!({"state": state, "comment": comment, "revision": report.id});
        let got = send(&server, &fanta, &path, body).await;
        assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    }
    let edited = Revision::new(
        seed_edited(|v| {
            v["id"] = json!(plants.report_id);
            v["title"] = json!("Usines attaquées près de Bafoulabé, bilan revu");
        }),
        vec![plants.id],
        "awa",
        "awa's laptop",
        chrono::Utc::now(),
    );
    // Sent by the administrator, as the first ones: a device's id belongs to one user.
    let pusher = token(&server, "root").await;
    let got = send(&server, &pusher, "/v1/push", json!({"revisions": [edited]})).await;
    assert_eq!(got.status, 200);
    assert_eq!(
        got.json()["results"][0]["status"],
        "stored",
        "{}",
        got.json()
    );
    let today = chrono::Utc::now().format("%-d %b %Y").to_string();

    // CSV: the reader's region only, with the HXL row, read back by the csv crate.
    let got = get(&server, &awa, "/v1/exports/reports.csv").await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    assert!(got.header("content-type").starts_with("text/csv"));
    let disposition = got.header("content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"terrain-reports-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let (header, rows) = csv_rows(&got.body);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(
        rows[0][col("review_state")],
        "#status+review",
        "the HXL row"
    );
    let ids: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r[col("event_id_cnty")].as_str())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    for r in [&plants, &kita] {
        assert!(ids.contains(&r.report_id.to_string().as_str()));
    }
    assert!(!ids.contains(&gao.report_id.to_string().as_str()));
    let plants_row = rows
        .iter()
        .find(|r| r[col("event_id_cnty")] == plants.report_id.to_string())
        .unwrap();
    assert_eq!(
        plants_row[col("title")],
        "Usines attaquées près de Bafoulabé, bilan revu",
        "the current head"
    );
    assert_eq!(plants_row[col("content_hash")], edited.content_hash);
    assert_eq!(plants_row[col("review_state")], "verified");
    assert_eq!(plants_row[col("reviewed_by")], "fanta");
    assert_eq!(plants_row[col("changed_since_review")], "yes");
    let kita_row = rows
        .iter()
        .find(|r| r[col("event_id_cnty")] == kita.report_id.to_string())
        .unwrap();
    assert_eq!(kita_row[col("review_state")], "rejected");
    assert_eq!(
        kita_row[col("review_comment")],
        "Doublon du rapport de Kita"
    );
    assert_eq!(kita_row[col("changed_since_review")], "no");
    let text = String::from_utf8(got.body.clone()).unwrap();
    assert!(!text.contains("ne jamais citer"), "a contact was exported");

    // libhxl reads the same file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reports.csv");
    std::fs::write(&path, &got.body).unwrap();
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import hxl, json, sys\n\
             ds = hxl.data(sys.argv[1], hxl.InputOptions(allow_local=True))\n\
             print(json.dumps([[r.get('#event+code'), r.get('#status+review')] for r in ds]))",
        )
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "libhxl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hxl: Vec<(String, Option<String>)> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hxl.len(), 2);
    assert!(
        hxl.contains(&(plants.report_id.to_string(), Some("verified".into()))),
        "{hxl:?}"
    );

    // Another region is refused, naming it; the filter narrows.
    let got = get(&server, &awa, "/v1/exports/reports.csv?region=Gao").await;
    assert_eq!((got.status, got.code().as_str()), (403, "region_forbidden"));
    let bina = token(&server, "bina").await;
    let (_, rows) = csv_rows(
        &get(&server, &bina, "/v1/exports/reports.csv?hxl=false")
            .await
            .body,
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], gao.report_id.to_string());
    let root = token(&server, "root").await;
    let (_, rows) = csv_rows(
        &get(
            &server,
            &root,
            "/v1/exports/reports.csv?region=Kayes&hxl=false",
        )
        .await
        .body,
    );
    assert_eq!(rows.len(), 2, "an administrator's filter on Kayes");
    let (_, rows) = csv_rows(
        &get(&server, &root, "/v1/exports/reports.csv?hxl=false")
            .await
            .body,
    );
    assert_eq!(rows.len(), 3, "an administrator exports every region");
    // The inbox's filter, through the server's index: words (accents optional), review
    // state, cercle; the total comes before the first byte.
    for (query, want) in [
        ("q=barrage", vec![&kita]),
        ("q=USINES+attaquees", vec![&plants]),
        ("review=rejected", vec![&kita]),
        ("review=verified&region=kayes", vec![&plants]),
        ("review=none", vec![&gao]),
        ("cercle=Kita", vec![&kita]),
    ] {
        let got = get(
            &server,
            &root,
            &format!("/v1/exports/reports.csv?hxl=false&{query}"),
        )
        .await;
        assert_eq!(got.status, 200, "{query}");
        assert_eq!(
            got.header("x-terrain-total"),
            want.len().to_string(),
            "{query}"
        );
        let (_, rows) = csv_rows(&got.body);
        let ids: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
        let want: Vec<String> = want.iter().map(|r| r.report_id.to_string()).collect();
        assert_eq!(ids, want, "{query}");
    }
    let got = get(&server, &root, "/v1/exports/reports.csv?reporter=%C2%84").await;
    assert_eq!((got.status, got.code().as_str()), (400, "invalid_query"));
    let said = got.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(said.starts_with("reporter "), "{said}");

    // GeoJSON: the Kayes report with coordinates, its review property there.
    let got = get(&server, &awa, "/v1/exports/reports.geojson").await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type"), "application/geo+json");
    let doc = got.json();
    let features = doc["features"].as_array().unwrap();
    assert_eq!(features.len(), 1, "{doc}");
    assert_eq!(features[0]["id"], json!(plants.report_id));
    let review = &features[0]["properties"]["review"];
    assert_eq!(
        (&review["state"], &review["by"], &review["changed_since"]),
        (&json!("verified"), &json!("fanta"), &json!(true))
    );
    assert!(!String::from_utf8_lossy(&got.body).contains("ne jamais citer"));

    // The PDF summary, in French when asked.
    let got = get(&server, &awa, "/v1/exports/reports.pdf?lang=fr").await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    assert_eq!(got.header("content-type"), "application/pdf");
    let text = tool("pdftotext", &["-enc", "UTF-8"], &got.body);
    assert!(text.contains("Synthèse des incidents"), "{text}");
    assert!(text.contains("Par examen"), "{text}");
    assert!(text.contains("Rejeté"), "{text}");
    assert!(!text.contains("Gao"), "{text}");
    assert!(tool("pdfinfo", &[], &got.body).contains("Pages:"));
    let got = get(&server, &awa, "/v1/exports/reports.pdf?region=Gao").await;
    assert_eq!(got.status, 403);

    // One report's PDF: its title, hash and review; another region's is refused.
    let got = get(
        &server,
        &awa,
        &format!("/v1/reports/{}/pdf", plants.report_id),
    )
    .await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    assert!(
        got.header("content-disposition")
            .contains(&plants.report_id.to_string())
    );
    let text = tool("pdftotext", &["-enc", "UTF-8"], &got.body);
    assert!(text.contains("bilan revu"), "{text}");
    assert!(text.contains(&edited.content_hash), "{text}");
    assert!(
        text.contains(&format!("Verified by fanta, {today}")),
        "{today}: {text}"
    );
    assert!(text.contains("changed since verified"), "{text}");
    assert!(
        text.contains(&plants.id.to_string()),
        "the revision reviewed"
    );
    assert!(!text.contains("ne jamais citer"), "a contact was printed");
    let got = get(&server, &awa, &format!("/v1/reports/{}/pdf", gao.report_id)).await;
    assert_eq!((got.status, got.code().as_str()), (403, "region_forbidden"));
    let got = get(
        &server,
        &awa,
        &format!("/v1/reports/{}/pdf", uuid::Uuid::now_v7()),
    )
    .await;
    assert_eq!(got.status, 404);

    // Every export is in the audit log.
    let got = get(&server, &root, "/v1/audit?user=awa&limit=1000").await;
    assert_eq!(got.status, 200);
    let audit = got.json();
    let exports = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "export")
        .count();
    assert_eq!(exports, 4, "{audit}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_on_sqlite() {
    exports_on(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_on_postgres() {
    exports_on(Engine::Postgres).await;
}

/// Column `name` of `row`, by the header.
fn cell<'a>(header: &[String], row: &'a [String], name: &str) -> &'a str {
    let at = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    &row[at]
}

/// Issue 15's seed case on the server: two officials' reports of the Bafoulabé attack (Wamaps'
/// 3 abducted, the elected official's 4), linked as one incident, export as one CSV row with
/// `per_incident=true` (the incident id, the conservative figure 3, both sources) and as one
/// GeoJSON feature; per report, both rows name the incident; the link decides nothing for a
/// reader of another region, who exports nothing of it.
async fn per_incident_on(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("root", Role::Admin, &[]).await;
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("bina", Role::Reporter, &["Gao"]).await;
    let first = revision(|v| {
        let sources: Vec<serde_json::Value> = v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["key"] != "elected-official")
            .cloned()
            .collect();
        v["sources"] = json!(sources);
        v["figures"]["abducted"] = json!([{ "amount": 3, "source": "wamaps" }]);
    });
    let second = revision(|v| {
        v["title"] = json!("Bafoulabé: armed men attack the plants, four workers abducted");
        v["sources"] = json!([{
            "key": "elected-official",
            "name": "An elected official of the Kayes region",
            "kind": "official",
            "reliability": "fairly_reliable"
        }]);
        v["figures"] = json!({ "abducted": [{ "amount": 4, "source": "elected-official" }] });
    });
    let (a, b) = (first.report_id, second.report_id);
    let incident = a.min(b).to_string();
    let root = token(&server, "root").await;
    let got = send(
        &server,
        &root,
        "/v1/push",
        json!({"revisions": [first, second]}),
    )
    .await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    let awa = token(&server, "awa").await;
    let link = terrain_domain::incident::LinkSet::new()
        .make(
            terrain_domain::incident::LinkAction::Link,
            a,
            b,
            "awa",
            "console",
            chrono::Utc::now(),
        )
        .unwrap();
    let got = send(&server, &awa, "/v1/incidents/links", json!({"ops": [link]})).await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));

    // Per report (the default): two rows, each naming the incident.
    let got = get(&server, &awa, "/v1/exports/reports.csv?hxl=false").await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    let (header, rows) = csv_rows(&got.body);
    assert_eq!(rows.len(), 2, "{rows:?}");
    for row in &rows {
        assert_eq!(cell(&header, row, "incident_id"), incident);
    }

    // One row per incident: the conservative figure 3, the range 3–4, both sources.
    let got = get(
        &server,
        &awa,
        "/v1/exports/reports.csv?hxl=false&per_incident=true",
    )
    .await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    let (header, rows) = csv_rows(&got.body);
    assert_eq!(rows.len(), 1, "one incident: {rows:?}");
    let row = &rows[0];
    assert_eq!(cell(&header, row, "incident_id"), incident);
    assert_eq!(cell(&header, row, "abducted"), "3");
    assert_eq!(cell(&header, row, "abducted_min"), "3");
    assert_eq!(cell(&header, row, "abducted_max"), "4");
    let sources = cell(&header, row, "source");
    assert!(
        sources.contains("Wamaps") && sources.contains("An elected official of the Kayes region"),
        "{sources}"
    );
    let mut reports = [a.to_string(), b.to_string()];
    reports.sort();
    assert_eq!(cell(&header, row, "incident_reports"), reports.join("; "));

    // GeoJSON follows the same choice: one feature.
    let got = get(
        &server,
        &awa,
        "/v1/exports/reports.geojson?per_incident=true",
    )
    .await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    let features = got.json()["features"].as_array().unwrap().clone();
    assert_eq!(features.len(), 1, "{features:?}");
    assert_eq!(features[0]["properties"]["incident_id"], json!(incident));

    // A reader of another region exports none of it.
    let bina = token(&server, "bina").await;
    let got = get(
        &server,
        &bina,
        "/v1/exports/reports.csv?hxl=false&per_incident=true",
    )
    .await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    assert!(csv_rows(&got.body).1.is_empty());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_incident_on_sqlite() {
    per_incident_on(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_incident_on_postgres() {
    per_incident_on(Engine::Postgres).await;
}

/// A site revision of `site` by `user` (their device `tablet`), following `parents`.
fn site_revision(
    site: &terrain_domain::Site,
    parents: Vec<uuid::Uuid>,
    user: &str,
) -> terrain_domain::SiteRevision {
    terrain_domain::SiteRevision::new(
        site.clone().check().unwrap(),
        parents,
        user,
        &format!("{user}-tablet"),
        chrono::Utc::now(),
    )
}

/// `text` with its runs of white space made one space (pdftotext breaks lines where the PDF
/// wraps them).
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Exports name the sites a report names as the server's registry names them now: the newest
/// name of a renamed site, the kept site's name for one merged into it, and, for a site of a
/// region the reader does not work in, no name ("(unknown site)"), which an administrator gets.
/// CSV, GeoJSON (per incident), the PDF summary and one report's PDF, read back.
async fn site_names_on(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("root", Role::Admin, &[]).await;
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("bina", Role::Reporter, &["Gao"]).await;
    let (awa, bina, root) = (
        token(&server, "awa").await,
        token(&server, "bina").await,
        token(&server, "root").await,
    );
    const PLANT: &str = include_str!("../../../docs/examples/sites/diawara-plant.json");
    let plant: terrain_domain::Site = serde_json::from_str(PLANT).unwrap();
    let first = site_revision(&plant, vec![], "awa");
    let mut renamed = plant.clone();
    renamed.name = "Usine de chaux Diawara".into();
    let renamed = site_revision(&renamed, vec![first.id], "awa");
    // The same plant added again on another device, then merged into the first.
    let mut twin: terrain_domain::Site = serde_json::from_str(PLANT).unwrap();
    twin.name = "Usine Diawara (doublon)".into();
    let twin_first = site_revision(&twin, vec![], "awa");
    twin.merged_into = Some(plant.id);
    let twin_merged = site_revision(&twin, vec![twin_first.id], "awa");
    let body = json!({"revisions": [first, renamed, twin_first, twin_merged]});
    let got = send(&server, &awa, "/v1/sites/revisions", body).await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    let mut depot: terrain_domain::Site = serde_json::from_str(PLANT).unwrap();
    depot.name = "Dépôt de carburant de Gao".into();
    depot.admin1 = "Gao".into();
    depot.admin2 = None;
    let body = json!({"revisions": [site_revision(&depot, vec![], "bina")]});
    let got = send(&server, &bina, "/v1/sites/revisions", body).await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));

    let report = revision(|v| {
        v["sites"] = json!([
            { "site_id": plant.id },
            { "site_id": twin.id, "damage": "hangar brûlé" },
            { "site_id": depot.id },
        ]);
    });
    let id = report.report_id;
    let got = send(&server, &root, "/v1/push", json!({"revisions": [report]})).await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));

    let now = "Usine de chaux Diawara";
    let got = get(&server, &awa, "/v1/exports/reports.csv?hxl=false").await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    let (header, rows) = csv_rows(&got.body);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        cell(&header, &rows[0], "sites"),
        format!("{now}; {now}; (unknown site)")
    );
    let got = get(&server, &root, "/v1/exports/reports.csv?hxl=false").await;
    let (header, rows) = csv_rows(&got.body);
    assert_eq!(
        cell(&header, &rows[0], "sites"),
        format!("{now}; {now}; Dépôt de carburant de Gao"),
        "an administrator reads every region's sites"
    );

    let got = get(
        &server,
        &awa,
        "/v1/exports/reports.geojson?per_incident=true",
    )
    .await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    let features = got.json()["features"].as_array().unwrap().clone();
    assert_eq!(
        features[0]["properties"]["sites"],
        json!([now, now, "(unknown site)"]),
        "the merged site named as the site kept: {features:?}"
    );

    let got = get(&server, &awa, "/v1/exports/reports.pdf?lang=en").await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    let text = words(&tool("pdftotext", &["-enc", "UTF-8"], &got.body));
    assert!(text.contains(now), "{text}");
    assert!(!text.contains("doublon") && !text.contains("Gao"), "{text}");

    let got = get(&server, &awa, &format!("/v1/reports/{id}/pdf")).await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    let text = words(&tool("pdftotext", &["-enc", "UTF-8"], &got.body));
    assert!(text.contains(&format!("{now}: hangar brûlé")), "{text}");
    assert!(!text.contains("Dépôt"), "{text}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_names_on_sqlite() {
    site_names_on(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_names_on_postgres() {
    site_names_on(Engine::Postgres).await;
}
