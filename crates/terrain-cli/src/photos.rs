//! `terrain report photos ID`: a report's photos fetched from the server on demand.

use crate::Context;
use crate::terminal::say;
use anyhow::Result;
use std::time::{Duration, Instant};

pub fn photos(ctx: &Context, id: &str, json: bool) -> Result<()> {
    let report = ctx.app.find_id(id)?;
    let mut said = Instant::now() - Duration::from_secs(60);
    // A line every few seconds while a photo comes, and when it is whole.
    let mut on = |sha: &str, bytes: u64, size: u64| {
        if json || (bytes < size && said.elapsed() < Duration::from_secs(5)) {
            return;
        }
        said = Instant::now();
        say!("photo {}…: {bytes} of {size} bytes", &sha[..12]);
    };
    let done = crate::sync::runtime()?.block_on(ctx.app.fetch_photos_of(report, &mut on))?;
    if json {
        println!(
            "{}",
            serde_json::to_string(&done).expect("plain data serialises")
        );
        return Ok(());
    }
    say!(
        "Report {report}: {} photo(s) fetched ({} bytes), {} already on this device, {} not on the server yet.",
        done.fetched.len(),
        done.bytes,
        done.had.len(),
        done.missing.len()
    );
    for sha in &done.missing {
        say!("  {sha}: its upload has not reached the server yet; try again later");
    }
    Ok(())
}
