//! Sync on a field link (issue 12): 64 kbit/s each way, 300 ms each way, 10 % loss and a 30 s
//! cut mid-photo, through the link emulator, between the real `terrain` and `terrain-server`
//! processes. Needs root (skipped with a note outside CI). The full-size scenario and faster
//! links are in the `field_link` benchmark.

use std::time::Duration;
use terrain_tests::field::{Scenario, run};
use terrain_tests::link::{Shape, Side, available_or_skip};

#[test]
fn thirty_reports_and_two_photos_cross_a_lossy_64_kbits_link_with_a_cut_unattended() {
    if !available_or_skip() {
        return;
    }
    let scenario = Scenario {
        reports: 30,
        photos: 2,
        photo_bytes: 100_000,
        shape: Shape::new(64, 300, 0.10),
        cut: Some(Duration::from_secs(30)),
        // About 35 s of payload at the line rate: the limit only bounds a failing run.
        limit: Duration::from_secs(240),
    };
    let run = run(&scenario, env!("CARGO_BIN_EXE_terrain-server-under-test"));
    let f = &run.figures;
    println!("field link, {scenario:?}: {f}");
    println!(
        "link A→B {:?}; B→A {:?}",
        run.link.stats(Side::A),
        run.link.stats(Side::B)
    );
    let last_lines: Vec<&str> = run.log.lines().rev().take(15).collect();
    assert!(
        f.all.is_some(),
        "not everything arrived in {:?} (text: {:?}); the device's last events, newest first:\n{}",
        scenario.limit,
        f.text,
        last_lines.join("\n")
    );
    assert!(
        f.photos_at_text < scenario.photos,
        "the reports' text arrives before the photos: all {} were in before the last report",
        f.photos_at_text
    );
    assert!(f.cut_at.is_some(), "the link was cut mid-photo");
    assert!(
        run.link.stats(Side::A).cut_drops > 0,
        "the cut dropped packets"
    );
    assert!(run.link.stats(Side::A).lost > 0, "the link lost packets");

    let (stored, pushed) = run.counts();
    assert_eq!(stored, 30, "the server holds each report once");
    assert_eq!(pushed, 30, "the push events count each report once");
    assert_eq!(
        run.photos_not_identical(),
        Vec::<String>::new(),
        "photos byte-identical"
    );
    assert!(
        run.device.outbox().unwrap().is_empty(),
        "the device knows the server holds everything"
    );
    assert_eq!(
        run.device.photo_uploads().unwrap(),
        vec![],
        "no photo left in the device's upload queue"
    );
}
