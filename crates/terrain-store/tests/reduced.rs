//! The photo-sending setting and reduced copies, on real store folders.

use image::{ImageBuffer, Rgb};
use terrain_domain::{Status, check, parse_json};
use terrain_store::{PhotoPolicy, Store, reduced_jpeg};

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

/// A noisy 3000×2000 PNG: big, and not compressible to nothing.
fn big_photo() -> Vec<u8> {
    let picture = ImageBuffer::from_fn(3000, 2000, |x, y| {
        let n = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729)) % 251;
        Rgb([n as u8, (x % 256) as u8, (y % 256) as u8])
    });
    let mut out = Vec::new();
    picture
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn saved_with_photo(
    store: &Store,
    dir: &std::path::Path,
    status: Status,
) -> terrain_domain::Revision {
    let path = dir.join("IMG_0042.png");
    std::fs::write(&path, big_photo()).unwrap();
    let attachment = store.attach_file(&path).unwrap();
    let mut report = parse_json(SEED).unwrap();
    report.id = uuid::Uuid::now_v7();
    report.status = status;
    report.attachments.push(attachment);
    let valid = check(report, chrono::Local::now().date_naive()).unwrap();
    store.save(valid, "awa").unwrap().revision
}

#[test]
fn the_setting_outlives_the_store_and_refuses_unknown_words() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.photo_policy().unwrap(), PhotoPolicy::Always);
    store.set_photo_policy(PhotoPolicy::GoodLink).unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.photo_policy().unwrap(), PhotoPolicy::GoodLink);
    for p in PhotoPolicy::ALL {
        assert_eq!(p.as_str().parse::<PhotoPolicy>().unwrap(), p);
    }
    let refused = "sometimes".parse::<PhotoPolicy>().unwrap_err();
    let said = refused.render(terrain_domain::Lang::En);
    assert!(
        said.contains("sometimes") && said.contains("reduced-first"),
        "{said}"
    );
}

#[test]
fn reduced_first_saves_a_1280_px_copy_beside_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    store.set_photo_policy(PhotoPolicy::ReducedFirst).unwrap();
    let rev = saved_with_photo(&store, dir.path(), Status::Final);
    let [original, copy] = rev.content.attachments.as_slice() else {
        panic!("the photo and its copy: {:?}", rev.content.attachments);
    };
    assert_eq!(copy.reduced_of.as_deref(), Some(original.sha256.as_str()));
    assert_eq!(copy.media_type, "image/jpeg");
    assert_eq!(copy.file_name, "IMG_0042 (reduced).jpg");
    // Both are held under their hash, and the copy decodes to 1280 × 853.
    let bytes = store
        .attachment(&copy.sha256)
        .unwrap()
        .expect("copy stored");
    assert_eq!(terrain_domain::sha256_hex(&bytes), copy.sha256);
    assert_eq!(bytes.len() as u64, copy.size);
    assert!(
        copy.size < original.size / 4,
        "{} vs {}",
        copy.size,
        original.size
    );
    let picture = image::load_from_memory(&bytes).unwrap();
    assert_eq!((picture.width(), picture.height()), (1280, 853));
    assert!(store.has_attachment(&original.sha256));
    assert!(rev.hash_matches());
    // Saved again, the report keeps its one copy.
    let again = check(rev.content.clone(), chrono::Local::now().date_naive()).unwrap();
    assert!(store.save(again, "awa").unwrap().unchanged);
}

#[test]
fn no_copy_for_a_draft_or_under_the_other_settings_or_for_a_small_photo() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let rev = saved_with_photo(&store, dir.path(), Status::Final);
    assert_eq!(rev.content.attachments.len(), 1, "always: no copy");
    store.set_photo_policy(PhotoPolicy::ReducedFirst).unwrap();
    let rev = saved_with_photo(&store, dir.path(), Status::Draft);
    assert_eq!(
        rev.content.attachments.len(),
        1,
        "a draft stays on the device"
    );
    let small = reduced_jpeg(&reduced_jpeg(&big_photo()).unwrap());
    assert_eq!(small, None, "a copy of a copy would not be smaller");
    assert_eq!(reduced_jpeg(b"not a picture"), None);
}
