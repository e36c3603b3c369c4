//! `terrain login` and `terrain sync`.

use crate::Context;
use crate::terminal::say;
use anyhow::{Context as _, Result};
use std::io::{BufRead, IsTerminal};
use std::sync::Arc;
use std::time::Duration;
use terrain_sync::Event;

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the sync runtime")
}

pub fn login(ctx: &Context, server: &str, user: &str, password_stdin: bool) -> Result<()> {
    let password = if password_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        dialoguer::Password::new()
            .with_prompt(format!("Password for {user}"))
            .interact()?
    };
    let device =
        std::env::var("HOSTNAME").unwrap_or_else(|_| format!("device {}", ctx.store.device_id()));
    let account = runtime()?.block_on(terrain_sync::login(
        &ctx.store, server, user, &password, &device,
    ))?;
    say!(
        "Signed in to {} as {}. This device will sync with it.",
        account.server,
        account.user
    );
    Ok(())
}

/// Megabytes with one decimal: what a person on a slow link counts in.
fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_000_000.0)
}

/// "about 5 minutes", "about 40 seconds".
fn about(secs: u64) -> String {
    match secs {
        0..60 => format!("about {secs} seconds"),
        60..7200 => format!("about {} minutes", secs.div_ceil(60)),
        _ => format!("about {} hours", secs.div_ceil(3600)),
    }
}

/// One line for an event; `sent` is the reports sent so far in this run.
fn describe(event: &Event, sent: usize) -> Option<String> {
    Some(match event {
        Event::Queued { count } => format!("{count} revision(s) to send"),
        Event::Sent { .. } => format!("{sent} report(s) sent"),
        Event::MissingPhoto { report, sha256, .. } => format!(
            "report {report} names photo {}, which is not on this device: it stays unsent until the report is edited",
            &sha256[..sha256.len().min(12)]
        ),
        e @ Event::Photos {
            report,
            done,
            total,
            bytes,
            total_bytes,
            ..
        } => {
            let left = e
                .seconds_left()
                .map(|s| format!(", {} left at the current rate", about(s)))
                .unwrap_or_default();
            format!(
                "{sent} report(s) sent; photos {done} of {total}, {} of {} MB{left}; report {report} waits for its photo",
                mb(*bytes),
                mb(*total_bytes)
            )
        }
        Event::Acked { count } => format!("server holds {count} more"),
        Event::Refused { revision, reason } => format!("refused {revision}: {reason}"),
        Event::Pulled {
            received,
            merged,
            conflicts,
        } => {
            format!("received {received}, merged {merged}, conflicts {conflicts}")
        }
        Event::Failed {
            reason,
            retry_in_ms: Some(ms),
        } => format!("failed: {reason}; next try in {} s", ms / 1000),
        Event::Failed {
            reason,
            retry_in_ms: None,
        } => format!("failed: {reason}"),
        Event::UpToDate => "up to date".to_string(),
    })
}

pub fn sync(ctx: Context, watch: bool, json: bool) -> Result<()> {
    let client = terrain_sync::client_for(&ctx.store)?;
    let author = ctx.author.clone();
    let store = Arc::new(ctx.store);
    let mut sent = 0;
    let mut photo_said = std::time::Instant::now() - Duration::from_secs(60);
    let mut on = move |e: Event| {
        if let Event::Sent { count, .. } = e {
            sent += count;
        }
        if json {
            let line = serde_json::to_string(&e).expect("events serialise");
            println!("{}", crate::terminal::escape_json(&line));
            return;
        }
        // Photo progress comes after each piece: a line every few seconds is enough to read.
        if let Event::Photos {
            bytes, total_bytes, ..
        } = e
        {
            if bytes < total_bytes && photo_said.elapsed() < Duration::from_secs(5) {
                return;
            }
            photo_said = std::time::Instant::now();
        }
        if let Some(line) = describe(&e, sent) {
            say!("{line}");
        }
    };
    let rt = runtime()?;
    if watch {
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        rt.spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            let _ = stop_tx.send(true);
        });
        rt.block_on(terrain_sync::watch(
            &store,
            &client,
            &author,
            Duration::from_secs(30),
            &mut on,
            stop,
        ))?;
    } else {
        let summary = rt.block_on(terrain_sync::sync_once(&store, &client, &author, &mut on))?;
        if !json {
            say!(
                "Sync done: {} sent, {} photo(s), {} received, {} merged, {} conflict(s), {} refused.",
                summary.acked,
                summary.photos,
                summary.received,
                summary.merged,
                summary.conflicts,
                summary.refused
            );
        }
    }
    Ok(())
}
