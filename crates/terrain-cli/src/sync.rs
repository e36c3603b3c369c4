//! `terrain login` and `terrain sync`.

use crate::Context;
use crate::terminal::say;
use anyhow::{Context as _, Result};
use std::io::{BufRead, IsTerminal};
use std::sync::Arc;
use std::time::{Duration, Instant};
use terrain_app::{SyncEvent as Event, SyncStep as Status, Tally};

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the sync runtime")
}

pub fn login(ctx: Context, server: &str, user: &str, password_stdin: bool) -> Result<()> {
    let password = if password_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        dialoguer::Password::new()
            .with_prompt(format!("Password for {user}"))
            .interact()?
    };
    let device = match std::env::var("HOSTNAME") {
        Ok(name) => name,
        Err(_) => format!("device {}", ctx.app.info()?.device_id),
    };
    let info = runtime()?.block_on(ctx.app.login(server, user, &password, &device))?;
    say!(
        "Signed in to {} as {}. This device will sync with it.",
        info.server.unwrap_or_default(),
        info.user.unwrap_or_default()
    );
    Ok(())
}

/// `terrain sync`: one pass, or the sync loop with `--watch` until Ctrl-C or a refusal. Each
/// line is what the core says, in the reader's language; `--json` prints the events as they
/// are.
pub fn sync(ctx: Context, watch: bool, json: bool) -> Result<()> {
    let app = ctx.app;
    let lang = crate::output::lang();
    let mut tally = Tally::default();
    let mut photo_said = Instant::now() - Duration::from_secs(60);
    // Why sync stopped, said once as the command's error rather than as progress.
    let stopped = std::sync::Mutex::new(None);
    let mut print = |status: Status<'_>, _: &terrain_app::SyncStatus| {
        if json {
            if let Some(event) = status.event() {
                let line = serde_json::to_string(&event).expect("events serialise");
                println!("{}", crate::terminal::escape_json(&line));
            }
            return;
        }
        // Photo progress comes after each piece: a line every few seconds is enough to read.
        if let Status::Event(Event::Photos {
            bytes, total_bytes, ..
        }) = status
        {
            if bytes < total_bytes && photo_said.elapsed() < Duration::from_secs(5) {
                return;
            }
            photo_said = Instant::now();
        }
        let said = tally.said(&status);
        match (status, said) {
            (Status::Failed { retry_in: None, .. }, said) => {
                *stopped.lock().expect("one thread") = said.map(|s| s.text(lang))
            }
            (_, Some(said)) => say!("{}", said.text(lang)),
            (_, None) => {}
        }
    };
    let rt = runtime()?;
    if watch {
        let stopper = Arc::clone(&app);
        rt.spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stopper.stop_watching();
        });
        let watched = rt.block_on(app.watch(terrain_app::SYNC_EVERY, &mut print));
        watched.map_err(|e| stop(e, &stopped))?;
    } else {
        let passed = rt.block_on(app.sync_pass(&mut print));
        let summary = passed.map_err(|e| stop(e, &stopped))?;
        if !json {
            say!("{}", summary.said().text(lang));
        }
    }
    Ok(())
}

/// The error `terrain sync` ends with: why sync stopped, as the core words it.
fn stop(e: terrain_app::AppError, stopped: &std::sync::Mutex<Option<String>>) -> anyhow::Error {
    match stopped.lock().expect("one thread").take() {
        Some(words) => anyhow::anyhow!(words),
        None => e.into(),
    }
}
