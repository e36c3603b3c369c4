//! A field office on a slow link: a device with queued reports and photos in namespace A runs
//! `terrain sync --watch` unattended against the real server in namespace B, through the link
//! emulator. The suite and the benchmark both run it and read its figures.

use crate::harness::{
    PASSWORD, ServerProcess, add_reporter_with_binary, built_binary, revision_count,
    stored_per_push_events,
};
use crate::link::{Link, Shape, Side};
use rand::Rng;
use serde_json::json;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use terrain_server_sqlite::SqliteStore;
use terrain_server_store::{BlobState, ServerStore};
use terrain_store::{Passphrase, Store};

const PASSPHRASE: &str = "field link passphrase";
const PORT: u16 = 8443;

/// What to send over which link.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub reports: usize,
    /// How many of the reports carry one photo each.
    pub photos: usize,
    pub photo_bytes: usize,
    /// Both directions.
    pub shape: Shape,
    /// A cut of this length once the first photo is half sent.
    pub cut: Option<Duration>,
    /// Give up after this long.
    pub limit: Duration,
}

/// What a run measured. Times count from the start of `terrain sync --watch`.
#[derive(Debug)]
pub struct Figures {
    /// When the server held every report.
    pub text: Option<Duration>,
    /// When it held every report and every photo.
    pub all: Option<Duration>,
    /// IP bytes the link carried, both ways, lost ones included.
    pub wire_bytes: u64,
    /// The reports' canonical JSON and the photos, in bytes.
    pub payload_bytes: u64,
    /// The payload's time at the line rate.
    pub payload_secs: f64,
    /// When the cut began, if one did.
    pub cut_at: Option<Duration>,
    /// Photos the server held whole when the last report arrived.
    pub photos_at_text: usize,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs =
            |d: Option<Duration>| d.map_or("never".into(), |d| format!("{:.0} s", d.as_secs_f64()));
        write!(
            f,
            "time to text {}, time to all {}, {:.2} MB on the wire for {:.2} MB of payload \
             ({:.0} s at the line rate): ratio {}",
            secs(self.text),
            secs(self.all),
            self.wire_bytes as f64 / 1e6,
            self.payload_bytes as f64 / 1e6,
            self.payload_secs,
            self.all.map_or("-".into(), |t| format!(
                "{:.2}",
                t.as_secs_f64() / self.payload_secs
            )),
        )?;
        if self.text.is_some() {
            write!(f, "; {} photo(s) in before the text", self.photos_at_text)?;
        }
        if let Some(at) = self.cut_at {
            write!(f, "; cut at {:.0} s", at.as_secs_f64())?;
        }
        Ok(())
    }
}

/// A finished run: its figures, and what the server and the device hold.
pub struct Run {
    pub figures: Figures,
    /// The server's store (its process stopped).
    pub server: SqliteStore,
    /// Each photo's hash and bytes.
    pub photos: Vec<(String, Vec<u8>)>,
    /// The device's store, opened after `terrain` stopped.
    pub device: Store,
    pub link: Link,
    /// `terrain sync --watch --json`'s output.
    pub log: String,
    _dirs: [tempfile::TempDir; 2],
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A device with the scenario's reports queued; the photos' hashes and bytes.
fn queue(dir: &std::path::Path, s: &Scenario, link: &Link) -> (u64, Vec<(String, Vec<u8>)>) {
    let store = Store::create(dir, &Passphrase::new(PASSPHRASE)).unwrap();
    let url = format!("http://{}:{PORT}", Side::B.addr());
    link.block_on_in(Side::A, async {
        terrain_sync::login(&store, &url, "awa", PASSWORD, "field laptop").await
    })
    .expect("the device signs in over the link");
    let mut rng = rand::rng();
    let mut photos = Vec::new();
    let mut reports = Vec::new();
    let mut payload = 0;
    for i in 0..s.reports {
        let mut report = crate::varied_report();
        if i < s.photos {
            // Random bytes: a JPEG does not compress either.
            let photo: Vec<u8> = (0..s.photo_bytes).map(|_| rng.random()).collect();
            let sha = store.put_attachment(&photo).unwrap();
            let mut v = serde_json::to_value(report.into_inner()).unwrap();
            v["attachments"] = json!([{"sha256": sha, "media_type": "image/jpeg",
                "size": photo.len(), "file_name": format!("photo{i}.jpg")}]);
            report = terrain_domain::check(
                serde_json::from_value(v).unwrap(),
                chrono::Local::now().date_naive(),
            )
            .unwrap();
            payload += photo.len() as u64;
            photos.push((sha, photo));
        }
        payload += terrain_domain::canonical_report_json(&report).len() as u64;
        reports.push(report);
    }
    store.save_all(reports, "awa").unwrap();
    (payload, photos)
}

/// Runs `s` with `server_bin` (the suite's `terrain-server-under-test`) and the built `terrain`.
pub fn run(s: &Scenario, server_bin: &str) -> Run {
    let cli = built_binary("terrain");
    assert!(
        cli.is_file(),
        "{} is missing (cargo build -p terrain-cli)",
        cli.display()
    );
    let link = Link::new(s.shape);
    let server_dir = tempfile::tempdir().unwrap();
    let device_dir = tempfile::tempdir().unwrap();
    let db_path = server_dir.path().join("server.db");
    let db = format!("sqlite:{}", db_path.display());
    add_reporter_with_binary(server_bin, &db, "awa", "Kayes");
    let server = ServerProcess::spawn(
        link.command(Side::B, server_bin),
        &db,
        &format!("0.0.0.0:{PORT}"),
        PORT,
        &[],
    );
    link.block_on_in(Side::B, server.wait_healthy());
    let data = device_dir.path().join("device");
    let (payload_bytes, photos) = queue(&data, s, &link);
    let watched = Instant::now();
    let wire_before = link.bytes();
    let log_path = device_dir.path().join("sync.log");
    let sync = Killed(
        link.command(Side::A, &cli)
            .args(["--data"])
            .arg(&data)
            .args(["sync", "--watch", "--json"])
            .env("TERRAIN_PASSPHRASE", PASSPHRASE)
            .env("TERRAIN_AUTHOR", "awa")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log_path).unwrap())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let view = SqliteStore::open(&db_path).unwrap();
    let mut figures = Figures {
        text: None,
        all: None,
        wire_bytes: 0,
        payload_bytes,
        payload_secs: s.shape.seconds_for(payload_bytes),
        cut_at: None,
        photos_at_text: 0,
    };
    // The cut comes half a photo after the text: after the A→B bytes that carried it once it
    // is in, else after its size (a client sending photos first is then mid-photo too).
    let photo_total: u64 = photos.iter().map(|(_, p)| p.len() as u64).sum();
    let mut text_sent = payload_bytes - photo_total;
    while watched.elapsed() < s.limit && figures.all.is_none() {
        std::thread::sleep(Duration::from_millis(250));
        let sent = link.stats(Side::A).bytes;
        if let Some(cut) = s.cut
            && figures.cut_at.is_none()
            && sent >= text_sent + s.photo_bytes as u64 / 2
        {
            link.cut_for(cut);
            figures.cut_at = Some(watched.elapsed());
            eprintln!("link cut at {:?} for {cut:?}", watched.elapsed());
        }
        rt.block_on(async {
            if figures.text.is_none() && revision_count(&view).await >= s.reports {
                figures.text = Some(watched.elapsed());
                figures.photos_at_text = photos_stored(&view, &photos).await;
                text_sent = sent;
                eprintln!("text in at {:?}", watched.elapsed());
            }
            if figures.text.is_some() && photos_stored(&view, &photos).await == photos.len() {
                figures.all = Some(watched.elapsed());
            }
        });
    }
    figures.wire_bytes = link.bytes() - wire_before;
    // Let the device take its last acknowledgement before it stops.
    if figures.all.is_some() {
        std::thread::sleep(Duration::from_secs(3) + s.shape.delay * 4);
    }
    drop(sync);
    drop(server);
    let device = Store::unlock(&data, &Passphrase::new(PASSPHRASE)).unwrap();
    Run {
        figures,
        server: view,
        photos,
        device,
        link,
        log: std::fs::read_to_string(&log_path).unwrap_or_default(),
        _dirs: [server_dir, device_dir],
    }
}

/// How many of `photos` the server holds whole.
async fn photos_stored(view: &SqliteStore, photos: &[(String, Vec<u8>)]) -> usize {
    let mut n = 0;
    for (sha, _) in photos {
        if matches!(
            view.blob_state(sha).await.unwrap(),
            BlobState::Complete { .. }
        ) {
            n += 1;
        }
    }
    n
}

impl Run {
    /// Revisions stored, and revisions the push events say were stored.
    pub fn counts(&self) -> (usize, usize) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            (
                revision_count(&self.server).await,
                stored_per_push_events(&self.server).await,
            )
        })
    }

    /// Photos the server does not hold byte for byte: their hashes.
    pub fn photos_not_identical(&self) -> Vec<String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut wrong = Vec::new();
            for (sha, bytes) in &self.photos {
                let held = self.server.blob_bytes(sha).await.unwrap();
                if held.as_ref() != Some(bytes)
                    || held.is_some_and(|h| terrain_domain::sha256_hex(&h) != *sha)
                {
                    wrong.push(sha.clone());
                }
            }
            wrong
        })
    }
}
