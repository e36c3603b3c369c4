//! The sync client on slow and broken links: a real server behind a loopback proxy that
//! throttles, stops forwarding, or refuses for a while.

use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use terrain_domain::ValidReport;
use terrain_protocol::Role;
use terrain_store::Token;
use terrain_sync::{Client, Event, STALL};
use terrain_tests::harness::{BlobState, Device, Engine, Server};
use terrain_tests::seed_edited as report;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use uuid::Uuid;

/// How the proxy treats the bytes it carries.
#[derive(Clone, Default)]
struct Link {
    /// Bytes a second each way; None: as fast as loopback.
    rate: Option<usize>,
    /// Upstream bytes forwarded on each connection before it stops forwarding (and holds the
    /// connection open, carrying nothing).
    stall_after: Option<usize>,
    /// The proxy's receive buffer: what it takes in before the client's bytes wait.
    window: Option<usize>,
}

struct Proxy {
    url: String,
    /// While set, new connections are closed at once (the server is out of reach).
    down: Arc<AtomicBool>,
    /// Bytes carried toward the server.
    up_bytes: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    async fn start(upstream: &str, link: Link) -> Proxy {
        let window = link.window.unwrap_or(128 * 1024);
        let upstream = upstream.trim_start_matches("http://").to_string();
        let socket = TcpSocket::new_v4().unwrap();
        // A modest window: the client's bytes wait in its own buffers rather than all landing
        // in the proxy's at once; not below loopback's 64 KiB segments, or the kernel, unable
        // to send a whole one, gives up on the connection (zero-window probes, user timeout).
        socket.set_recv_buffer_size(window as u32).unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener: TcpListener = socket.listen(64).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let down = Arc::new(AtomicBool::new(false));
        let up_bytes = Arc::new(AtomicUsize::new(0));
        let (is_down, counted) = (Arc::clone(&down), Arc::clone(&up_bytes));
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if is_down.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let (upstream, link, counted) = (upstream.clone(), link.clone(), counted.clone());
                tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (ri, wi) = inbound.into_split();
                    let (ro, wo) = outbound.into_split();
                    let silent = Arc::new(AtomicBool::new(false));
                    tokio::select! {
                        _ = pipe(ri, wo, link.rate, link.stall_after, Some(counted), silent.clone()) => {}
                        _ = pipe(ro, wi, link.rate, None, None, silent) => {}
                    }
                });
            }
        });
        Proxy {
            url,
            down,
            up_bytes,
            task,
        }
    }
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    rate: Option<usize>,
    stall_after: Option<usize>,
    counted: Option<Arc<AtomicUsize>>,
    silent: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 1024];
    let mut carried = 0;
    let start = Instant::now();
    loop {
        let room = stall_after.map_or(buf.len(), |s| (s - carried).min(buf.len()));
        if room == 0 {
            // Stop forwarding either way, keep the connection: a link that went silent.
            silent.store(true, Ordering::SeqCst);
        }
        if silent.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        let n = match from.read(&mut buf[..room]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if silent.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
        carried += n;
        if let Some(c) = &counted {
            c.fetch_add(n, Ordering::Relaxed);
        }
        if let Some(rate) = rate {
            let due = Duration::from_secs_f64(carried as f64 / rate as f64);
            tokio::time::sleep(due.saturating_sub(start.elapsed())).await;
        }
    }
}

fn with_photo(sha: &str, size: usize) -> ValidReport {
    report(|v| {
        v["attachments"] = json!([{"sha256": sha, "media_type": "image/jpeg", "size": size, "file_name": "kiln.jpg"}]);
    })
}

/// Bytes that do not compress (a photo's are already compressed).
fn photo(len: usize) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ len as u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The device's client, speaking through `proxy`.
fn through(device: &Device, proxy: &Proxy) -> Client {
    Client::new(&proxy.url, Some(Token(device.token()))).unwrap()
}

async fn awa() -> (Server, Device) {
    let server = Server::start(Engine::Sqlite).await.unwrap();
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let device = server.device("awa").await;
    (server, device)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_piece_slower_than_any_deadline_arrives_and_one_cut_by_silence_resumes_after_the_stall_time()
 {
    let (server, device) = awa().await;
    // 8 KB/s each way: a 300 KB photo takes about 40 s, its first piece (256 KiB) 32 s, more
    // than the stall time and twice the old whole-request deadline (15 s).
    let slow = Proxy::start(
        &server.url,
        Link {
            rate: Some(8 * 1024),
            ..Link::default()
        },
    )
    .await;
    let bytes = photo(300_000);
    let sha = device.store.put_attachment(&bytes).unwrap();
    let client = through(&device, &slow);
    let started = Instant::now();
    client.upload_blob(&sha, &bytes).await.unwrap();
    let took = started.elapsed();
    println!(
        "300 KB photo at 8 KB/s: {:.1} s, measured rate {:?} B/s",
        took.as_secs_f64(),
        client.rate()
    );
    assert!(took > Duration::from_secs(30), "throttled: {took:?}");
    assert_eq!(
        server.state.store.blob_bytes(&sha).await.unwrap().unwrap(),
        bytes
    );
    let rate = client.rate().expect("measured");
    assert!((4_000..=12_000).contains(&rate), "{rate} B/s");

    // A link that goes silent mid-piece (each connection after 150 KB): the piece fails about
    // STALL after the last byte, and the upload resumes within the same call from the
    // server's offset on a new connection, sending only the rest.
    let silent = Proxy::start(
        &server.url,
        Link {
            stall_after: Some(150_000),
            // Small, so the piece is not all handed over into buffers (which the client then
            // gives time to drain, up to minutes before any rate is measured).
            window: Some(16 * 1024),
            ..Link::default()
        },
    )
    .await;
    let other = photo(200_000);
    let sha = device.store.put_attachment(&other).unwrap();
    let started = Instant::now();
    through(&device, &silent)
        .upload_blob(&sha, &other)
        .await
        .unwrap();
    let took = started.elapsed();
    let carried = silent.up_bytes.load(Ordering::Relaxed);
    println!(
        "link silent after 150 KB: resumed, whole after {:.1} s, {carried} bytes up",
        took.as_secs_f64()
    );
    // Our watch or the kernel's (unacknowledged bytes, `tcp_user_timeout`) gives up first.
    assert!(
        took >= STALL && took < STALL + Duration::from_secs(15),
        "{took:?}"
    );
    assert!(
        carried < other.len() + 8 * 1024,
        "only the rest again: {carried}"
    );
    assert_eq!(
        server.state.store.blob_bytes(&sha).await.unwrap().unwrap(),
        other
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_text_goes_before_photos_and_a_missing_photo_names_its_report() {
    let (server, device) = awa().await;
    let slow = Proxy::start(
        &server.url,
        Link {
            rate: Some(64 * 1024),
            ..Link::default()
        },
    )
    .await;
    let plain: Vec<Uuid> = (0..5)
        .map(|_| {
            device
                .store
                .save(report(|_| {}), "awa")
                .unwrap()
                .revision
                .report_id
        })
        .collect();
    let (a, b) = (photo(150_000), photo(120_000));
    let (sha_a, sha_b) = (
        device.store.put_attachment(&a).unwrap(),
        device.store.put_attachment(&b).unwrap(),
    );
    let with_a = device
        .store
        .save(with_photo(&sha_a, a.len()), "awa")
        .unwrap();
    let with_b = device
        .store
        .save(with_photo(&sha_b, b.len()), "awa")
        .unwrap();
    // A report naming a photo this device never held.
    let ghost = "ab".repeat(32);
    let lost = device.store.save(with_photo(&ghost, 1000), "awa").unwrap();

    let client = through(&device, &slow);
    let mut events = Vec::new();
    let summary =
        terrain_sync::sync_once(&device.store, &client, "tester", &mut |e| events.push(e))
            .await
            .unwrap();
    assert_eq!((summary.sent, summary.photos, summary.refused), (7, 2, 1));
    assert_eq!(summary.acked, 7, "{events:?}");

    // Every report's text went before the first photo byte.
    let first_photo = events
        .iter()
        .position(|e| matches!(e, Event::Photos { .. }))
        .unwrap();
    let last_sent = events
        .iter()
        .rposition(|e| matches!(e, Event::Sent { .. }))
        .unwrap();
    assert!(last_sent < first_photo, "{events:?}");
    // Photos count up to the whole, naming the report that waits.
    let photos: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Photos {
                report,
                done,
                total,
                bytes,
                total_bytes,
                ..
            } => Some((*report, *done, *total, *bytes, *total_bytes)),
            _ => None,
        })
        .collect();
    let whole = (a.len() + b.len()) as u64;
    assert!(
        photos.iter().all(|p| p.2 == 2 && p.4 == whole),
        "{photos:?}"
    );
    assert!(photos.windows(2).all(|w| w[0].3 <= w[1].3), "{photos:?}");
    assert_eq!(photos.last().unwrap().3, whole);
    assert!(photos.iter().any(|p| p.0 == with_a.revision.report_id));
    assert!(photos.iter().any(|p| p.0 == with_b.revision.report_id));

    // The missing photo: an event naming the report, and its revision kept with the reason.
    assert!(events.contains(&Event::MissingPhoto {
        report: lost.revision.report_id,
        revision: lost.revision.id,
        sha256: ghost.clone(),
    }));
    let outbox = device.store.outbox().unwrap();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    let reason = format!("{:?}", outbox[0]);
    assert!(
        reason.contains(&lost.revision.report_id.to_string()) && reason.contains(&ghost),
        "{reason}"
    );
    assert!(!events.contains(&Event::UpToDate) || events.last() == Some(&Event::UpToDate));

    // The server holds the text of all but the lost one, and both photos whole.
    assert_eq!(server.revision_count().await, 7);
    for (sha, bytes) in [(&sha_a, &a), (&sha_b, &b)] {
        assert_eq!(
            server.state.store.blob_state(sha).await.unwrap(),
            BlobState::Complete {
                size: bytes.len() as u64
            }
        );
    }
    for id in plain {
        assert!(device.store.get(id).unwrap().synced);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_restarts_within_seconds_of_the_servers_return() {
    let (server, device) = awa().await;
    let proxy = Proxy::start(&server.url, Link::default()).await;
    proxy.down.store(true, Ordering::SeqCst);
    let id = device
        .store
        .save(report(|_| {}), "awa")
        .unwrap()
        .revision
        .report_id;

    let client = through(&device, &proxy);
    let store = Arc::clone(&device.store);
    let wake = Arc::new(terrain_sync::Wake::default());
    let stop = Arc::clone(&wake);
    let events = Arc::new(std::sync::Mutex::new(Vec::<(Instant, Event)>::new()));
    let log = Arc::clone(&events);
    let watching = tokio::spawn(async move {
        let connect = move || Ok((client.clone(), "tester".to_string()));
        terrain_sync::keep_syncing(
            &store,
            &connect,
            Duration::from_secs(30),
            &wake,
            &mut |step| {
                if let Some(e) = step.event() {
                    log.lock().unwrap().push((Instant::now(), e))
                }
            },
        )
        .await
    });
    tokio::time::sleep(Duration::from_secs(30)).await;
    let back = Instant::now();
    proxy.down.store(false, Ordering::SeqCst);
    let acked = loop {
        if let Some((at, _)) = events
            .lock()
            .unwrap()
            .iter()
            .find(|(_, e)| matches!(e, Event::Acked { .. }))
        {
            break *at;
        }
        assert!(back.elapsed() < Duration::from_secs(30), "never synced");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let after = acked.duration_since(back);
    let failures: Vec<u64> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Failed { retry_in_ms, .. } => *retry_in_ms,
            _ => None,
        })
        .collect();
    println!(
        "server out of reach 30 s ({} probes, waits {:?} ms): synced {:.1} s after its return",
        failures.len(),
        failures,
        after.as_secs_f64()
    );
    assert!(after < Duration::from_secs(5), "{after:?}");
    assert!(
        failures.len() >= 6,
        "probed every few seconds: {failures:?}"
    );
    assert!(failures.iter().all(|ms| *ms <= 10_000), "{failures:?}");
    assert!(device.store.get(id).unwrap().synced);
    stop.stop();
    watching.await.unwrap().unwrap();
    assert!(proxy.up_bytes.load(Ordering::Relaxed) > 0);
    server.stop().await;
}
