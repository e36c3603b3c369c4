//! The bundle format on real files: a round trip, parts, and every refusal the issue lists
//! (one byte flipped, cut at 50 places, a missing part, parts swapped, another signer, another
//! recipient, a sealed stream moved under another header).

use chrono::{NaiveDate, Utc};
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use terrain_bundle::*;
use terrain_domain::{Revision, check, parse_json};

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

fn revision(i: usize) -> Revision {
    let mut v: serde_json::Value = serde_json::from_str(SEED).unwrap();
    v["id"] = serde_json::json!(uuid::Uuid::now_v7());
    v["narrative"] = serde_json::json!(format!("Report number {i} of the test."));
    let report = parse_json(&v.to_string()).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let report = check(report, today).unwrap();
    Revision::new(report, vec![], "awa", "device-1", Utc::now())
}

struct Fixture {
    dir: tempfile::TempDir,
    device: DeviceKeys,
    server: SealingIdentity,
    records: Vec<Record>,
}

fn fixture(reports: usize, photo_bytes: usize) -> Fixture {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut records: Vec<Record> = (0..reports)
        .map(|i| Record::Revision(revision(i)))
        .collect();
    if photo_bytes > 0 {
        let bytes: Vec<u8> = (0..photo_bytes).map(|_| rng.random()).collect();
        let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        records.push(Record::Blob { sha256, bytes });
    }
    Fixture {
        dir: tempfile::tempdir().unwrap(),
        device: DeviceKeys::generate(),
        server: SealingIdentity::generate(),
        records,
    }
}

fn write(f: &Fixture, part_bytes: u64) -> Vec<PathBuf> {
    let mut w = Writer::create(
        f.dir.path(),
        Kind::Device,
        "device-1",
        3,
        Utc::now(),
        42,
        None,
        &f.server.to_public(),
        &f.device.signing,
        part_bytes,
    )
    .unwrap();
    for r in &f.records {
        w.add(r).unwrap();
    }
    w.finish().unwrap()
}

fn unseal(f: &Fixture, path: &Path) -> Result<Contents, BundleError> {
    Bundle::open(path)?.unseal(&f.device.signing.verifying_key(), &[&f.server])
}

#[test]
fn a_bundle_round_trips_records_and_photos_byte_for_byte() {
    let f = fixture(20, 300_000);
    let files = write(&f, PART_BYTES);
    assert_eq!(files.len(), 1);
    let name = files[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.starts_with("terrain-device-1-") && name.ends_with("-000003.tbundle"),
        "{name}"
    );
    let contents = unseal(&f, &files[0]).unwrap();
    assert_eq!(contents.records, f.records);
    assert_eq!(contents.opening.cursor, 42);
    assert_eq!(contents.header.sequence, 3);
    // Nothing else is left in the folder (no temporary file).
    assert_eq!(std::fs::read_dir(f.dir.path()).unwrap().count(), 1);
    // The plain part names no report: the narrative is not readable in the file.
    let bytes = std::fs::read(&files[0]).unwrap();
    assert!(!bytes.windows(13).any(|w| w == b"Report number"));
}

#[test]
fn a_large_bundle_splits_into_parts_that_read_only_together() {
    let f = fixture(5, 200_000);
    let files = write(&f, 50_000);
    assert!(files.len() >= 4, "{files:?}");
    for p in &files {
        assert!(std::fs::metadata(p).unwrap().len() <= 50_000);
    }
    // Any part opens the set.
    let contents = unseal(&f, &files[2]).unwrap();
    assert_eq!(contents.records, f.records);
    // A missing part: refused, naming it.
    let gone = files[1].with_extension("moved");
    std::fs::rename(&files[1], &gone).unwrap();
    let err = unseal(&f, &files[0]).unwrap_err();
    assert!(matches!(err, BundleError::Incomplete { .. }), "{err}");
    assert!(err.to_string().contains("part 2"), "{err}");
    std::fs::rename(&gone, &files[1]).unwrap();
    // Two parts swapped: refused by the signature.
    let tmp = files[0].with_extension("swap");
    std::fs::rename(&files[1], &tmp).unwrap();
    std::fs::rename(&files[2], &files[1]).unwrap();
    std::fs::rename(&tmp, &files[2]).unwrap();
    let err = unseal(&f, &files[0]).unwrap_err();
    assert!(matches!(err, BundleError::BadSignature { .. }), "{err}");
}

#[test]
fn one_byte_flipped_anywhere_is_refused() {
    let f = fixture(3, 2_000);
    let files = write(&f, PART_BYTES);
    let good = std::fs::read(&files[0]).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut places: Vec<usize> = (0..40).map(|_| rng.random_range(0..good.len())).collect();
    places.extend([0, 20, good.len() - 1, good.len() - 70, good.len() - 100]);
    for at in places {
        let mut bad = good.clone();
        bad[at] ^= 0x01;
        std::fs::write(&files[0], &bad).unwrap();
        let err = unseal(&f, &files[0]).expect_err(&format!("byte {at} flipped was accepted"));
        assert!(!err.to_string().is_empty());
    }
    std::fs::write(&files[0], &good).unwrap();
    unseal(&f, &files[0]).unwrap();
}

#[test]
fn a_bundle_cut_at_50_places_is_refused_as_cut_short() {
    let f = fixture(3, 2_000);
    let files = write(&f, PART_BYTES);
    let good = std::fs::read(&files[0]).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(2);
    for _ in 0..50 {
        let at = rng.random_range(0..good.len());
        std::fs::write(&files[0], &good[..at]).unwrap();
        let err = unseal(&f, &files[0]).expect_err(&format!("cut at {at} was accepted"));
        assert!(
            matches!(
                err,
                BundleError::Truncated { .. }
                    | BundleError::NotABundle { .. }
                    | BundleError::BadSignature { .. }
            ),
            "cut at {at}: {err}"
        );
    }
}

#[test]
fn another_signer_or_another_recipient_is_refused() {
    let f = fixture(2, 0);
    let files = write(&f, PART_BYTES);
    let bundle = Bundle::open(&files[0]).unwrap();
    let stranger = DeviceKeys::generate();
    let err = bundle
        .unseal(&stranger.signing.verifying_key(), &[&f.server])
        .unwrap_err();
    assert!(matches!(err, BundleError::BadSignature { .. }), "{err}");
    let other_server = SealingIdentity::generate();
    let err = bundle
        .unseal(&f.device.signing.verifying_key(), &[&other_server])
        .unwrap_err();
    assert!(matches!(err, BundleError::WrongRecipient { .. }), "{err}");
    assert!(err.to_string().contains("another server"), "{err}");
    // A server that rotated keeps its retired identity: it still opens the bundle.
    bundle
        .unseal(
            &f.device.signing.verifying_key(),
            &[&other_server, &f.server],
        )
        .unwrap();
}

#[test]
fn a_sealed_stream_under_another_signed_header_is_refused() {
    // A carrier with a device key of their own re-signs someone else's sealed bytes under a
    // header naming their device: the opening inside still names the real bundle.
    let f = fixture(2, 0);
    let files = write(&f, PART_BYTES);
    let bytes = std::fs::read(&files[0]).unwrap();
    let json_len = u32::from_le_bytes(bytes[MAGIC.len()..MAGIC.len() + 4].try_into().unwrap());
    let start = MAGIC.len() + 4 + json_len as usize;
    let sealed = &bytes[start..bytes.len() - 112];
    let thief = DeviceKeys::generate();
    // Write a bundle by the thief, then splice the victim's sealed bytes into it and re-sign.
    let mut w = Writer::create(
        f.dir.path(),
        Kind::Device,
        "device-1",
        9,
        Utc::now(),
        0,
        None,
        &f.server.to_public(),
        &thief.signing,
        PART_BYTES,
    )
    .unwrap();
    w.add(&f.records[0]).unwrap();
    let theirs = w.finish().unwrap();
    let mut forged = std::fs::read(&theirs[0]).unwrap();
    let json_len = u32::from_le_bytes(forged[MAGIC.len()..MAGIC.len() + 4].try_into().unwrap());
    let head = MAGIC.len() + 4 + json_len as usize;
    forged.truncate(head);
    let header = forged.clone();
    forged.extend_from_slice(sealed);
    use ed25519_dalek::Signer;
    use sha2::Digest;
    let digest: [u8; 32] = sha2::Sha256::digest(sealed).into();
    let mut message = b"terrain-bundle/1 signature\0".to_vec();
    message.extend_from_slice(&(header.len() as u64).to_le_bytes());
    message.extend_from_slice(&header);
    message.extend_from_slice(&(sealed.len() as u64).to_le_bytes());
    message.extend_from_slice(&digest);
    forged.extend_from_slice(b"TBSIG1\0\0");
    forged.extend_from_slice(&(sealed.len() as u64).to_le_bytes());
    forged.extend_from_slice(&digest);
    forged.extend_from_slice(&thief.signing.sign(&message).to_bytes());
    std::fs::write(&theirs[0], &forged).unwrap();
    let err = Bundle::open(&theirs[0])
        .unwrap()
        .unseal(&thief.signing.verifying_key(), &[&f.server])
        .unwrap_err();
    assert!(err.to_string().contains("another bundle"), "{err}");
}

#[test]
fn device_keys_keep_and_read_back() {
    let keys = DeviceKeys::generate();
    let again = DeviceKeys::from_secret(&keys.to_secret()).unwrap();
    assert_eq!(again.public_key(), keys.public_key());
    assert_eq!(again.recipient(), keys.recipient());
    assert!(format!("{keys:?}").contains("redacted"));
    let err = parse_verifying_key("abc", "device_key").unwrap_err();
    assert!(err.to_string().starts_with("device_key:"), "{err}");
    let err = parse_recipient("age1nope", "device_recipient").unwrap_err();
    assert!(err.to_string().starts_with("device_recipient:"), "{err}");
}

const PLANT: &str = include_str!("../../../docs/examples/sites/diawara-plant.json");

fn site_revision(name: &str) -> terrain_domain::SiteRevision {
    let mut site: terrain_domain::Site = serde_json::from_str(PLANT).unwrap();
    site.name = name.into();
    let site = site.check().unwrap();
    terrain_domain::SiteRevision::new(site, vec![], "awa", "device-1", Utc::now())
}

/// Writes a bundle of `format` with every feed cursor given, and `records`.
fn write_format(f: &Fixture, format: u32, kind: Kind, records: &[Record]) -> Result<Vec<PathBuf>> {
    let cursors = Cursors {
        revisions: 42,
        reviews: Some(7),
        links: Some(8),
        sites: Some(9),
    };
    let mut w = Writer::create_in_format(
        format,
        f.dir.path(),
        kind,
        "device-1",
        4,
        Utc::now(),
        cursors,
        None,
        &f.server.to_public(),
        &f.device.signing,
        PART_BYTES,
    )?;
    for r in records {
        w.add(r)?;
    }
    w.finish()
}

#[test]
fn format_3_carries_site_revisions_their_results_and_the_site_cursor() {
    assert_eq!(FORMAT_VERSION, 3);
    let f = fixture(1, 0);
    let site = site_revision("Centrale de Diawara");
    let result = terrain_protocol::sites::SiteResult {
        id: site.id,
        status: terrain_protocol::sites::SiteStatus::Stored,
    };
    // Sites first, as a device writes them: before the reports naming them.
    let mut records = vec![
        Record::Site(site.clone()),
        Record::SiteResult(result.clone()),
    ];
    records.extend(f.records.clone());
    let files = write_format(&f, 3, Kind::Device, &records).unwrap();
    let contents = unseal(&f, &files[0]).unwrap();
    assert_eq!(contents.header.format, 3);
    assert_eq!(contents.opening.sites_cursor, Some(9));
    assert_eq!(contents.opening.links_cursor, Some(8));
    assert_eq!(contents.records, records);
    match &contents.records[0] {
        Record::Site(read) => {
            assert_eq!(read.content.name, "Centrale de Diawara");
            assert_eq!(read.content_hash, site.content_hash);
            assert!(read.check().is_ok(), "a site revision reads back whole");
        }
        other => panic!("the first record is {other:?}"),
    }
    assert_eq!(Record::Site(site).since_format(), 3);
    assert_eq!(Record::SiteResult(result).since_format(), 3);
}

#[test]
fn a_format_2_bundle_has_no_site_cursor_and_refuses_site_records() {
    let f = fixture(2, 0);
    let err = write_format(&f, 2, Kind::Reply, &[Record::Site(site_revision("X"))])
        .expect_err("a format-2 bundle took a site revision");
    assert!(
        err.to_string().contains("cannot carry site revisions"),
        "{err}"
    );
    // Nothing half written is left named like a bundle.
    assert!(std::fs::read_dir(f.dir.path()).unwrap().all(|e| {
        !e.unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tbundle")
    }));
    // Its other records and cursors travel as format 2 has them; the site cursor stays out.
    let files = write_format(&f, 2, Kind::Reply, &f.records).unwrap();
    let contents = unseal(&f, &files[0]).unwrap();
    assert_eq!(contents.header.format, 2);
    assert_eq!(contents.opening.sites_cursor, None);
    assert_eq!(contents.opening.reviews_cursor, Some(7));
    assert_eq!(contents.records, f.records);
    // Format 1: the revision cursor alone.
    let files = write_format(&f, 1, Kind::Reply, &f.records).unwrap();
    let contents = unseal(&f, &files[0]).unwrap();
    assert_eq!(contents.header.format, 1);
    assert_eq!(contents.opening.cursor, 42);
    assert_eq!(
        (
            contents.opening.reviews_cursor,
            contents.opening.links_cursor,
            contents.opening.sites_cursor
        ),
        (None, None, None)
    );
    assert!(
        write_format(&f, 4, Kind::Reply, &[]).is_err(),
        "format 4 does not exist yet"
    );
}
