//! Desktop figures: `cargo bench -p terrain-tests --bench desktop` (needs a display server:
//! the bench starts Xvfb itself, like the desktop suite).
//!
//! With 10,000 reports in the store, prints: cold start to an interactive list (from asking
//! for the window to the list's first row on screen, WebDriver's own start-up included), and
//! the memory of the app and its web view (RSS and PSS summed over the processes) after the
//! first page, after paging the list through all 10,000 reports (200 pages of 50), and after
//! opening 50 of them.
//! Uses the release binary when there is one (`cargo build --release -p terrain-desktop`).

use fantoccini::{Client, Locator};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use terrain_store::{Passphrase, Store};
use terrain_tests::desktop::{Driver, Xvfb, app_binary, missing};

const REPORTS: usize = 10_000;

fn binary() -> PathBuf {
    let release = app_binary()
        .parent()
        .unwrap()
        .join("../release/terrain-desktop");
    if release.is_file() {
        release
    } else {
        app_binary()
    }
}

/// The app and the processes it started (WebKit's web and network processes).
fn app_processes(binary: &Path) -> Vec<u32> {
    let pids: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    let parent = |pid: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        stat.rsplit(')')
            .next()?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    let apps: Vec<u32> = pids
        .iter()
        .copied()
        .filter(|p| {
            std::fs::read_link(format!("/proc/{p}/exe"))
                .is_ok_and(|e| e == binary.canonicalize().unwrap())
        })
        .collect();
    let mut all = apps.clone();
    for p in pids {
        if parent(p).is_some_and(|pp| apps.contains(&pp)) {
            all.push(p);
        }
    }
    all
}

/// (RSS, PSS) in MiB summed over `pids`.
fn memory(pids: &[u32]) -> (f64, f64) {
    let field = |text: &str, name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let (mut rss, mut pss) = (0.0, 0.0);
    for p in pids {
        if let Ok(t) = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")) {
            rss += field(&t, "Rss:");
            pss += field(&t, "Pss:");
        }
    }
    (rss / 1024.0, pss / 1024.0)
}

async fn first_row(c: &Client) {
    c.wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css("#reports tbody tr"))
        .await
        .unwrap();
}

const PASSPHRASE: &str = "red earth after the rain";

/// Types the passphrase on the lock screen and waits for the list.
async fn unlock(c: &Client) {
    c.wait()
        .for_element(Locator::Css("#passphrase"))
        .await
        .unwrap()
        .send_keys(PASSPHRASE)
        .await
        .unwrap();
    c.find(Locator::Css("#unlock"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    first_row(c).await;
}

#[tokio::main]
async fn main() {
    if let Some(what) = missing() {
        eprintln!("SKIPPED: the desktop bench needs {what}");
        return;
    }
    let bin = binary();
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    {
        let store = Store::create(&data, &Passphrase::new(PASSPHRASE)).unwrap();
        for _ in 0..REPORTS / 1000 {
            let batch = (0..1000)
                .map(|_| terrain_tests::seed_with_new_id())
                .collect();
            store.save_all(batch, "bench").unwrap();
        }
    }
    println!("binary: {}", bin.display());
    println!("store: {REPORTS} reports");
    let x = Xvfb::start();
    let driver = Driver::start(&x.display, &data, &work.path().join("driver.log"));

    let mut starts = Vec::new();
    let mut unlocks = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let c = driver.open(&bin).await;
        c.wait()
            .for_element(Locator::Css("#passphrase"))
            .await
            .unwrap();
        starts.push(t.elapsed());
        let t = Instant::now();
        unlock(&c).await;
        unlocks.push(t.elapsed());
        c.close().await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    starts.sort();
    unlocks.sort();
    println!(
        "cold start to the lock screen: best {:.2} s, median {:.2} s (of 3)",
        starts[0].as_secs_f64(),
        starts[1].as_secs_f64()
    );
    println!(
        "unlock (Argon2id, 64 MiB) to the interactive list: best {:.2} s, median {:.2} s (of 3)",
        unlocks[0].as_secs_f64(),
        unlocks[1].as_secs_f64()
    );

    let c = driver.open(&bin).await;
    unlock(&c).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (rss, pss) = memory(&app_processes(&bin));
    println!("memory, list's first page: RSS {rss:.0} MiB, PSS {pss:.0} MiB");

    let t = Instant::now();
    let mut pages = 1;
    loop {
        let next = c.find(Locator::Css("#list-next")).await.unwrap();
        if next.attr("disabled").await.unwrap().is_some() {
            break;
        }
        let range = || async {
            c.find(Locator::Css("#list-range"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        };
        let before = range().await;
        next.click().await.unwrap();
        while range().await == before {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        pages += 1;
    }
    assert_eq!(pages, REPORTS / 50, "every page of the list");
    println!(
        "paged the list through {REPORTS} reports in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (rss, pss) = memory(&app_processes(&bin));
    println!(
        "memory, after paging through all {REPORTS} reports: RSS {rss:.0} MiB, PSS {pss:.0} MiB"
    );

    let t = Instant::now();
    for i in 0..50 {
        let links = c
            .find_all(Locator::Css("#reports tbody a.open"))
            .await
            .unwrap();
        links[i].click().await.unwrap();
        c.wait()
            .for_element(Locator::Css("#history"))
            .await
            .unwrap();
        c.find(Locator::Css("#nav-reports"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        first_row(&c).await;
    }
    println!(
        "opened 50 reports (view and back) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (rss, pss) = memory(&app_processes(&bin));
    println!("memory, after opening 50 reports: RSS {rss:.0} MiB, PSS {pss:.0} MiB");
    c.close().await.unwrap();
}
