//! The store is encrypted: each command unlocks it for its own run, with the passphrase from
//! `TERRAIN_PASSPHRASE` or asked on the terminal, and the key is gone when the command ends.
//! Encrypting an old plain store, changing the passphrase and quick delete live here too.

use crate::terminal::{say, say_err};
use anyhow::{Result, bail};
use dialoguer::{Confirm, Password};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use terrain_app::{App, LockState, Session, check_new_passphrase};

pub const PASSPHRASE_ENV: &str = "TERRAIN_PASSPHRASE";
pub const NEW_PASSPHRASE_ENV: &str = "TERRAIN_NEW_PASSPHRASE";

/// Unlocks the store in `dir`. With `may_create`, makes an encrypted one if there is none yet
/// (and says so); without, a folder holding no store is refused by name.
pub fn open(dir: &Path, may_create: bool) -> Result<Arc<App>> {
    let session = Session::new(dir);
    match session.state()? {
        LockState::New if !may_create => bail!(
            "no Terrain reports in {} (--data or TERRAIN_DATA): {}; `terrain report new` or \
             `terrain report import FILE` starts a store there",
            dir.display(),
            if dir.exists() {
                "the folder holds no store"
            } else {
                "the folder does not exist"
            }
        ),
        LockState::New => {
            say_err!(
                "No reports in {} yet. Choose a passphrase: it encrypts them on this device, and \
                 nobody can recover them without it.",
                dir.display()
            );
            let app = session.unlock(&new_passphrase(PASSPHRASE_ENV)?)?;
            say_err!("Encrypted store created in {}.", dir.display());
            Ok(app)
        }
        LockState::Plain => bail!(
            "the reports in {} are not encrypted yet: run `terrain encrypt` to set a passphrase",
            dir.display()
        ),
        LockState::Locked | LockState::Unlocked => {
            Ok(session.unlock(&passphrase(PASSPHRASE_ENV, "Passphrase")?)?)
        }
    }
}

/// `terrain encrypt`: a store made before encryption, encrypted in place.
pub fn encrypt(dir: &Path) -> Result<()> {
    let session = Session::new(dir);
    match session.state()? {
        LockState::New => bail!("there are no reports in {} to encrypt", dir.display()),
        LockState::Locked | LockState::Unlocked => {
            bail!("the reports in {} are already encrypted", dir.display())
        }
        LockState::Plain => {}
    }
    // Unlocking a plain store encrypts it under the new passphrase, as in the window.
    session.unlock(&new_passphrase(PASSPHRASE_ENV)?)?;
    session.lock();
    say!(
        "The reports in {} are encrypted; the plain copy was destroyed.",
        dir.display()
    );
    Ok(())
}

/// `terrain passphrase`: the old one, then the new one twice.
pub fn change(dir: &Path) -> Result<()> {
    let old = passphrase(PASSPHRASE_ENV, "Current passphrase")?;
    let new = new_passphrase(NEW_PASSPHRASE_ENV)?;
    Session::new(dir).change_passphrase(&old, &new)?;
    say!("Passphrase changed.");
    Ok(())
}

/// `terrain wipe`: quick delete, confirmed once (or by `--yes` where nobody can answer).
pub fn wipe(dir: &Path, yes: bool) -> Result<()> {
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!("wipe destroys every report on this device: confirm with --yes");
        }
        let sure = Confirm::new()
            .with_prompt(format!(
                "Destroy every report in {}, unsent ones too? Nothing can bring them back",
                dir.display()
            ))
            .default(false)
            .interact()?;
        if !sure {
            say!("Nothing was deleted.");
            return Ok(());
        }
    }
    let started = Instant::now();
    Session::new(dir).quick_delete()?;
    say!(
        "Deleted: the reports and keys in {} are gone ({} ms).",
        dir.display(),
        started.elapsed().as_millis()
    );
    Ok(())
}

fn passphrase(env: &str, prompt: &str) -> Result<String> {
    if let Some(text) = std::env::var(env).ok().filter(|t| !t.is_empty()) {
        return Ok(text);
    }
    if !std::io::stdin().is_terminal() {
        bail!("the reports are encrypted: set {env} or run terrain in a terminal to be asked");
    }
    Ok(Password::new().with_prompt(prompt).interact()?)
}

fn new_passphrase(env: &str) -> Result<String> {
    if let Some(text) = std::env::var(env).ok().filter(|t| !t.is_empty()) {
        check_new_passphrase(&text)?;
        return Ok(text);
    }
    if !std::io::stdin().is_terminal() {
        bail!("no passphrase given: set {env} or run terrain in a terminal to be asked");
    }
    let text = Password::new()
        .with_prompt("New passphrase")
        .with_confirmation("Repeat it", "The two did not match; again")
        .validate_with(|t: &String| check_new_passphrase(t).map_err(|e| e.to_string()))
        .interact()?;
    Ok(text)
}
