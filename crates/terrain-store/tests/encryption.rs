//! The encrypted store on real files: what a copied disk shows, passphrases, the move from a
//! plain store, recovery from a crash in that move, and quick delete.

use std::path::{Path, PathBuf};
use terrain_domain::{ValidReport, check, parse_json};
use terrain_store::{Filter, Kind, Page, Passphrase, Store, StoreError, kind, wipe};

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");
/// Words of the seed report as they may sit on disk: as written, and folded by the search index.
const KNOWN: &[&str] = &[
    "Bafoulabé",
    "bafoulabe",
    "Wamaps",
    "wamaps",
    "JNIM",
    "jnim",
    "Industrial zone",
    "abducted",
    "plant guards",
];
const PHOTO_MARK: &str = "PHOTO-OF-THE-BURNED-GATE";

fn seed() -> ValidReport {
    check(parse_json(SEED).unwrap(), chrono::Local::now().date_naive()).unwrap()
}

fn pass(text: &str) -> Passphrase {
    Passphrase::new(text)
}

const GOOD: &str = "mango tree by the river";

/// Every file under `dir`, recursively, with its bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out.sort();
    out
}

fn assert_nothing_readable(dir: &Path) {
    let all = files(dir);
    assert!(!all.is_empty(), "the check needs files to look at");
    for (path, bytes) in &all {
        for needle in KNOWN.iter().chain([&PHOTO_MARK]) {
            let found = bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
            assert!(!found, "{} holds {needle:?} in clear", path.display());
        }
    }
}

/// A store with the seed report and a photo attachment, closed (so everything is on disk).
fn filled(dir: &Path, encrypted: bool) -> String {
    let store = if encrypted {
        Store::create(dir, &pass(GOOD)).unwrap()
    } else {
        Store::open(dir).unwrap()
    };
    store.save(seed(), "awa").unwrap();
    store
        .put_attachment(PHOTO_MARK.repeat(100).as_bytes())
        .unwrap()
}

fn assert_holds_seed(store: &Store, sha: &str) {
    let page = store.list(&Filter::default(), Page::first(10)).unwrap();
    assert_eq!(page.len(), 1);
    let found = store
        .list(
            &Filter {
                query: Some("bafoulabe".into()),
                ..Filter::default()
            },
            Page::first(10),
        )
        .unwrap();
    assert_eq!(found.len(), 1, "search works");
    assert_eq!(
        store.attachment(sha).unwrap().unwrap(),
        PHOTO_MARK.repeat(100).as_bytes()
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn a_copied_encrypted_store_shows_none_of_a_reports_words() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path(), true);
    // The same check on a plain store finds the words: the needle search itself works.
    let plain = tempfile::tempdir().unwrap();
    filled(plain.path(), false);
    let plain_files = files(plain.path());
    assert!(
        plain_files
            .iter()
            .any(|(_, b)| b.windows(6).any(|w| w == b"Wamaps"))
    );
    assert_nothing_readable(dir.path());
}

#[test]
fn the_right_passphrase_opens_and_a_wrong_one_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sha = filled(dir.path(), true);
    let before = files(dir.path());
    let err = Store::unlock(dir.path(), &pass("mango tree by the sea")).unwrap_err();
    assert!(matches!(err, StoreError::WrongPassphrase), "{err}");
    assert_eq!(
        err.to_string(),
        "the passphrase is wrong; nothing was changed"
    );
    assert_eq!(
        files(dir.path()),
        before,
        "a wrong passphrase touches no file"
    );
    let store = Store::unlock(dir.path(), &pass(GOOD)).unwrap();
    assert!(store.is_encrypted());
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode(&dir.path().join("terrain.key")),
        0o600,
        "the key file is the owner's"
    );
    assert_holds_seed(&store, &sha);
}

#[test]
fn an_encrypted_store_is_not_opened_as_a_plain_one() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path(), true);
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::Locked(_)), "{err}");
    assert!(
        err.to_string()
            .contains("unlock them with their passphrase")
    );
}

#[test]
fn a_short_passphrase_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::create(dir.path(), &pass("secret")).unwrap_err();
    assert!(matches!(err, StoreError::WeakPassphrase(_)), "{err}");
    assert!(err.to_string().contains("at least 10"), "{err}");
    assert_eq!(kind(dir.path()).unwrap(), Kind::Absent, "nothing was made");
}

#[test]
fn changing_the_passphrase_keeps_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let sha = filled(dir.path(), true);
    let new = "baobab at the crossroads";
    let err =
        Store::change_passphrase(dir.path(), &pass("not the one at all"), &pass(new)).unwrap_err();
    assert!(matches!(err, StoreError::WrongPassphrase));
    // What the disk keeps of the old key file after it is replaced: here, a second link to it.
    let old_blocks = dir.path().join("old-key-blocks");
    std::fs::hard_link(dir.path().join("terrain.key"), &old_blocks).unwrap();
    Store::change_passphrase(dir.path(), &pass(GOOD), &pass(new)).unwrap();
    let left = std::fs::read(&old_blocks).unwrap();
    assert!(
        serde_json::from_slice::<serde_json::Value>(&left).is_err(),
        "the old wrapped key was overwritten"
    );
    std::fs::remove_file(&old_blocks).unwrap();
    assert!(matches!(
        Store::unlock(dir.path(), &pass(GOOD)).unwrap_err(),
        StoreError::WrongPassphrase
    ));
    let store = Store::unlock(dir.path(), &pass(new)).unwrap();
    assert_holds_seed(&store, &sha);
}

#[test]
fn a_plain_store_is_encrypted_in_place_with_nothing_left_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let sha = filled(dir.path(), false);
    assert_eq!(kind(dir.path()).unwrap(), Kind::Plain);
    let err = Store::unlock(dir.path(), &pass(GOOD)).unwrap_err();
    assert!(matches!(err, StoreError::NotEncrypted(_)), "{err}");
    let store = Store::encrypt(dir.path(), &pass(GOOD)).unwrap();
    assert_holds_seed(&store, &sha);
    drop(store);
    assert_eq!(kind(dir.path()).unwrap(), Kind::Encrypted);
    assert_nothing_readable(dir.path());
    let names: Vec<_> = files(dir.path())
        .into_iter()
        .map(|(p, _)| p.strip_prefix(dir.path()).unwrap().display().to_string())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n == "terrain.db" || n == "terrain.key" || n.starts_with("blobs/")),
        "only the encrypted store is left: {names:?}"
    );
    let store = Store::unlock(dir.path(), &pass(GOOD)).unwrap();
    assert_holds_seed(&store, &sha);
}

/// Lays the twin's encrypted database and key in `dir` as `Store::encrypt` writes them before
/// the swap.
fn lay_down_encrypted_copy(twin: &Path, dir: &Path) {
    std::fs::copy(twin.join("terrain.db"), dir.join("terrain.db.encrypting")).unwrap();
    std::fs::copy(twin.join("terrain.key"), dir.join("terrain.key.pending")).unwrap();
}

/// An encrypted twin of a plain store's reports, made as `Store::encrypt` makes it, so its
/// files can be laid down as a crash would leave them.
fn encrypted_twin() -> (tempfile::TempDir, String) {
    let twin = tempfile::tempdir().unwrap();
    let sha = filled(twin.path(), false);
    drop(Store::encrypt(twin.path(), &pass(GOOD)).unwrap());
    (twin, sha)
}

#[test]
fn a_crash_before_the_swap_leaves_the_plain_store_whole() {
    let dir = tempfile::tempdir().unwrap();
    let sha = filled(dir.path(), false);
    let (twin, _) = encrypted_twin();
    lay_down_encrypted_copy(twin.path(), dir.path());
    assert_eq!(kind(dir.path()).unwrap(), Kind::Plain);
    assert!(!dir.path().join("terrain.db.encrypting").exists());
    assert!(!dir.path().join("terrain.key.pending").exists());
    assert_holds_seed(&Store::open(dir.path()).unwrap(), &sha);
}

#[test]
fn a_crash_during_the_swap_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path(), false);
    let (twin, sha) = encrypted_twin();
    std::fs::rename(
        dir.path().join("terrain.db"),
        dir.path().join("terrain.db.plain"),
    )
    .unwrap();
    lay_down_encrypted_copy(twin.path(), dir.path());
    let blobs = dir.path().join("blobs");
    std::fs::create_dir_all(&blobs).unwrap();
    for (path, bytes) in files(&twin.path().join("blobs")) {
        std::fs::write(blobs.join(path.file_name().unwrap()), bytes).unwrap();
    }
    assert_eq!(kind(dir.path()).unwrap(), Kind::Encrypted);
    assert_nothing_readable(dir.path());
    assert_holds_seed(&Store::unlock(dir.path(), &pass(GOOD)).unwrap(), &sha);
}

#[test]
fn quick_delete_leaves_nothing_that_can_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    filled(&data, true);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o700,
        "a data folder Terrain makes is the owner's only"
    );
    // What a forensic copy taken before the delete would hold, less the key file: the blocks a
    // disk may keep after the delete.
    let image = dir.path().join("image");
    std::fs::create_dir(&image).unwrap();
    for (path, bytes) in files(&data) {
        let to = image.join(path.strip_prefix(&data).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, bytes).unwrap();
    }
    std::fs::remove_file(image.join("terrain.key")).unwrap();
    std::fs::write(data.join("notes.txt"), "the user's own file").unwrap();
    // A wrapped key a crash left behind mid-write goes too.
    std::fs::copy(data.join("terrain.key"), data.join("terrain.key.4242.part")).unwrap();

    wipe(&data).unwrap();

    let left: Vec<_> = files(&data).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        left,
        vec![data.join("notes.txt")],
        "only the user's file is left"
    );
    assert_eq!(kind(&data).unwrap(), Kind::Absent);
    assert_nothing_readable(&image);
    // Even with the passphrase, the copy cannot be opened: its key is gone.
    assert_eq!(kind(&image).unwrap(), Kind::Encrypted);
    let err = Store::unlock(&image, &pass(GOOD)).unwrap_err();
    assert!(matches!(err, StoreError::KeyFile { .. }), "{err}");
    assert!(err.to_string().contains("missing"), "{err}");
    assert!(matches!(
        Store::open(&image).unwrap_err(),
        StoreError::Locked(_)
    ));
}

#[test]
fn quick_delete_of_a_plain_store_removes_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    filled(&data, false);
    wipe(&data).unwrap();
    assert!(!data.exists());
}
