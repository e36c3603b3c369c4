//! The desktop app's lock on a real store: first passphrase, unlock, lock, wrong passphrase,
//! encrypting reports recorded before encryption, passphrase change, quick delete.

use std::sync::Arc;
use std::time::Duration;
use terrain_app::{App, ErrorCode, ListQuery, LockState, Session};

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");
const GOOD: &str = "the baobab by the well";

fn total(app: &App) -> u64 {
    app.list(&ListQuery::default()).unwrap().total
}

#[test]
fn a_first_passphrase_then_lock_and_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::new(dir.path());
    assert_eq!(session.state().unwrap(), LockState::New);
    let err = session.unlock("short").err().unwrap();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert!(err.message.contains("at least 10"), "{}", err.message);
    assert_eq!(session.state().unwrap(), LockState::New, "nothing made");

    let app = session.unlock(GOOD).unwrap();
    assert!(app.store().is_encrypted());
    app.save(&serde_json::from_str(SEED).unwrap()).unwrap();
    drop(app);
    assert_eq!(session.state().unwrap(), LockState::Unlocked);

    session.lock();
    assert_eq!(session.state().unwrap(), LockState::Locked);
    let err = session.app().err().unwrap();
    assert_eq!(err.code, ErrorCode::Locked);
    let err = session.unlock("the baobab by the road").err().unwrap();
    assert_eq!(err.code, ErrorCode::WrongPassphrase);
    assert_eq!(err.message, "the passphrase is wrong; nothing was changed");
    assert_eq!(session.state().unwrap(), LockState::Locked);

    let app = session.unlock(GOOD).unwrap();
    assert_eq!(total(&app), 1);
}

#[test]
fn reports_recorded_before_encryption_are_encrypted_at_the_first_unlock() {
    let dir = tempfile::tempdir().unwrap();
    {
        let old = App::open(dir.path()).unwrap();
        old.save(&serde_json::from_str(SEED).unwrap()).unwrap();
    }
    let session = Session::new(dir.path());
    assert_eq!(session.state().unwrap(), LockState::Plain);
    let app = session.unlock(GOOD).unwrap();
    assert!(app.store().is_encrypted());
    assert_eq!(total(&app), 1);
    session.lock();
    drop(app);
    assert_eq!(session.state().unwrap(), LockState::Locked);
}

#[test]
fn the_passphrase_can_change_and_the_old_one_stops_working() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::new(dir.path());
    session.unlock(GOOD).unwrap();
    let err = session
        .change_passphrase("not it at all", "a new long passphrase")
        .err()
        .unwrap();
    assert_eq!(err.code, ErrorCode::WrongPassphrase);
    session
        .change_passphrase(GOOD, "a new long passphrase")
        .unwrap();
    session.lock();
    assert_eq!(
        session.unlock(GOOD).err().unwrap().code,
        ErrorCode::WrongPassphrase
    );
    session.unlock("a new long passphrase").unwrap();
}

#[test]
fn quick_delete_locks_and_leaves_a_computer_without_reports() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let session = Session::new(&data);
    let app = session.unlock(GOOD).unwrap();
    app.save(&serde_json::from_str(SEED).unwrap()).unwrap();
    session.quick_delete().unwrap();
    assert_eq!(session.state().unwrap(), LockState::New);
    assert!(!data.exists(), "every file of the store is gone");
    assert_eq!(session.app().err().unwrap().code, ErrorCode::Locked);
}

#[tokio::test]
async fn locking_stops_the_sync_loop_and_lets_go_of_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::new(dir.path());
    let app = session.unlock(GOOD).unwrap();
    let weak = Arc::downgrade(&app);
    let looping = tokio::spawn(app.keep_syncing(Arc::new(|_| {})));
    tokio::time::sleep(Duration::from_millis(100)).await;
    session.lock();
    tokio::time::timeout(Duration::from_secs(10), looping)
        .await
        .expect("the loop ends once locked")
        .unwrap();
    assert!(weak.upgrade().is_none(), "nothing holds the store open");
}
