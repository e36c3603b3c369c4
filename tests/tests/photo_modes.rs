//! Issue 12, "send photos: reduced size first": a device with that setting saves a report
//! with a 2400 × 1600 photo; the report gains a 1280 px JPEG copy of it, the copy reaches the
//! server before the original starts, and a second device of the region then fetches both,
//! byte-identical, checked against the hashes both carry in the report's history. Real
//! server over loopback HTTP, both engines.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use terrain_protocol::Role;
use terrain_store::PhotoPolicy;
use terrain_tests::harness::{Engine, Server};

terrain_tests::on_both_engines!(the_reduced_copy_reaches_the_centre_before_the_original);

/// A photo-like JPEG (ImageMagick's plasma fractal: noise a photo's size, not a flat image).
fn camera_photo(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("DSC_0042.jpg");
    let made = std::process::Command::new("/usr/bin/convert")
        .args([
            "-size",
            "2400x1600",
            "-seed",
            "7",
            "plasma:fractal",
            "-quality",
            "92",
        ])
        .arg(&path)
        .status()
        .expect("ImageMagick's convert (scripts/setup installs it)");
    assert!(made.success());
    path
}

async fn the_reduced_copy_reaches_the_centre_before_the_original(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("fanta", Role::Reviewer, &["Kayes"]).await;
    let (awa, fanta) = (server.device("awa").await, server.device("fanta").await);
    awa.store
        .set_photo_policy(PhotoPolicy::ReducedFirst)
        .unwrap();

    let files = tempfile::tempdir().unwrap();
    let original = awa.store.attach_file(&camera_photo(files.path())).unwrap();
    let mut report = terrain_tests::seed_with_new_id().into_inner();
    report.location.admin1 = "Kayes".into();
    report.attachments = vec![original.clone()];
    let report =
        terrain_domain::check(report, chrono::Local::now().date_naive()).expect("valid report");
    let saved = awa.store.save(report, "awa").unwrap().revision;
    let [kept, copy] = saved.content.attachments.as_slice() else {
        panic!("the photo and its copy: {:?}", saved.content.attachments);
    };
    assert_eq!(kept, &original);
    assert_eq!(copy.reduced_of.as_ref(), Some(&original.sha256));
    assert!(
        copy.size * 4 < original.size,
        "{} of {}",
        copy.size,
        original.size
    );

    // When the first photo is on the server, it is the copy, and the original has not begun.
    let queued_at_first = Arc::new(Mutex::new(None::<HashSet<(String, bool)>>));
    let (store, seen) = (Arc::clone(&awa.store), Arc::clone(&queued_at_first));
    let mut on = move |e: terrain_sync::Event| {
        if let terrain_sync::Event::Photos { done: 1, .. } = e {
            let mut seen = seen.lock().unwrap();
            if seen.is_none() {
                let queue = store.photo_uploads().unwrap();
                *seen = Some(queue.into_iter().map(|p| (p.sha256, p.fresh)).collect());
            }
        }
    };
    let summary = terrain_sync::sync_once(&awa.store, &awa.client(), "awa", &mut on)
        .await
        .unwrap();
    assert_eq!(summary.photos, 2);
    let queued = queued_at_first
        .lock()
        .unwrap()
        .clone()
        .expect("a photo went");
    assert_eq!(
        queued,
        HashSet::from([(original.sha256.clone(), true)]),
        "the copy went first; the original was queued, not begun"
    );
    assert!(awa.store.photo_uploads().unwrap().is_empty());

    // The centre holds both: another device of the region fetches them, hash-checked.
    fanta.sync().await.unwrap();
    let history = fanta.store.history(saved.report_id).unwrap();
    assert_eq!(
        history.last().unwrap().content.attachments,
        saved.content.attachments
    );
    let fetched = terrain_sync::fetch_photos(
        &fanta.store,
        &fanta.client(),
        saved.report_id,
        &mut |_, _, _| {},
    )
    .await
    .unwrap();
    assert_eq!(fetched.fetched.len(), 2, "{fetched:?}");
    for a in [&original, copy] {
        assert_eq!(
            fanta.store.attachment(&a.sha256).unwrap(),
            awa.store.attachment(&a.sha256).unwrap(),
            "{} byte-identical",
            a.file_name
        );
    }
    let copy_bytes = fanta.store.attachment(&copy.sha256).unwrap().unwrap();
    assert_eq!(&copy_bytes[..2], [0xFF, 0xD8], "a JPEG");
    eprintln!(
        "{engine:?}: original {} bytes, reduced copy {} bytes ({:.0} %)",
        original.size,
        copy.size,
        copy.size as f64 * 100.0 / original.size as f64
    );
    server.stop().await;
}
