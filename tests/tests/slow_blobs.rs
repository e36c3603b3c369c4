//! Issue 12: the server's body limits (30 s without a byte; 1,024 B/s on average after 10 s)
//! against honest photo pieces on a field link: 64 kbit/s each way, 300 ms each way, 10 % loss,
//! through the link emulator, the real `terrain-server` process. A measurement (needs root):
//! `cargo nextest run -p terrain-tests --test slow_blobs --run-ignored only --no-capture`
//! prints each 300 KB piece's time up and down.

use std::time::Instant;
use terrain_tests::harness::{PASSWORD, ServerProcess, add_reporter_with_binary};
use terrain_tests::link::{Link, Shape, Side, available_or_skip};

#[test]
#[ignore = "a measurement on the link emulator (root): prints figures"]
fn whole_300_kb_pieces_cross_a_lossy_64_kbits_link_up_and_down() {
    if !available_or_skip() {
        return;
    }
    let shape = Shape::new(64, 300, 0.10);
    let link = Link::new(shape);
    let server_bin = env!("CARGO_BIN_EXE_terrain-server-under-test");
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("server.db").display());
    add_reporter_with_binary(server_bin, &db, "awa", "Kayes");
    let server = ServerProcess::spawn(
        link.command(Side::B, server_bin),
        &db,
        "0.0.0.0:8443",
        8443,
        &[],
    );
    link.block_on_in(Side::B, server.wait_healthy());
    let url = format!("http://{}:8443", Side::B.addr());
    link.block_on_in(Side::A, async {
        let http = reqwest::Client::new();
        let session: serde_json::Value = http
            .post(format!("{url}/v1/sessions"))
            .header("Terrain-Protocol", "1")
            .json(&serde_json::json!({"user": "awa", "password": PASSWORD, "device_name": "field"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = session["token"].as_str().unwrap().to_string();
        let line = shape.seconds_for(300_000);
        for piece in 0..3 {
            // Random bytes: a JPEG does not compress either.
            let photo: Vec<u8> = (0..300_000).map(|_| rand::random::<u8>()).collect();
            let sha = terrain_domain::sha256_hex(&photo);
            let blob = format!("{url}/v1/blobs/{sha}");
            let started = Instant::now();
            let put = http
                .put(&blob)
                .bearer_auth(&token)
                .header("Terrain-Protocol", "1")
                .header("Upload-Offset", "0")
                .header("Upload-Length", "300000")
                .body(photo.clone())
                .send()
                .await
                .unwrap();
            let up = started.elapsed().as_secs_f64();
            assert_eq!(
                put.status(),
                201,
                "one 300 KB piece, whole: {:?}",
                put.text().await
            );
            let started = Instant::now();
            let got = http
                .get(&blob)
                .bearer_auth(&token)
                .header("Terrain-Protocol", "1")
                .send()
                .await
                .unwrap();
            assert_eq!(got.status(), 200);
            let bytes = got.bytes().await.unwrap();
            let down = started.elapsed().as_secs_f64();
            assert!(bytes == photo, "byte-identical");
            println!(
                "300 KB piece {piece}: up {up:.1} s, down {down:.1} s (line rate {line:.1} s)"
            );
        }
    });
    println!(
        "link A→B {:?}; B→A {:?}",
        link.stats(Side::A),
        link.stats(Side::B)
    );
}
