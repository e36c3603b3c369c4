//! `terrain sync --photos HOW`: the device's setting for sending photos, kept in the store;
//! a word it does not know is refused naming the choices, and changes nothing.

use std::process::{Command, Output, Stdio};
use terrain_store::{Kind, Passphrase, PhotoPolicy, Store};

const PASSPHRASE: &str = "red earth after the rain";

fn terrain(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_terrain"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("TERRAIN_PASSPHRASE", PASSPHRASE)
        .env_remove("TERRAIN_NEW_PASSPHRASE")
        .env_remove("TERRAIN_DATA")
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn setting(data: &std::path::Path) -> PhotoPolicy {
    let store = match terrain_store::kind(data).unwrap() {
        Kind::Encrypted => Store::unlock(data, &Passphrase::new(PASSPHRASE)).unwrap(),
        _ => Store::open(data).unwrap(),
    };
    store.photo_policy().unwrap()
}

#[test]
fn the_photos_flag_keeps_the_setting_and_refuses_unknown_words() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    Store::create(&data, &Passphrase::new(PASSPHRASE)).unwrap();
    // Not signed in: the pass fails, but the choice is kept for the syncs to come.
    let out = terrain(&data, &["sync", "--photos", "reduced-first"]);
    assert!(!out.status.success());
    assert_eq!(setting(&data), PhotoPolicy::ReducedFirst);
    let out = terrain(&data, &["sync", "--photos", "sometimes"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        said.contains("\"sometimes\" is not a way to send photos")
            && said.contains("always, good-link, reduced-first"),
        "{said}"
    );
    assert_eq!(setting(&data), PhotoPolicy::ReducedFirst, "unchanged");
    terrain(&data, &["sync", "--photos", "good-link"]);
    assert_eq!(setting(&data), PhotoPolicy::GoodLink);
}
