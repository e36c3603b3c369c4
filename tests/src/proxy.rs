//! A TCP proxy on loopback that cuts and stalls connections at random, like a 2G link.

use rand::Rng;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct FlakyProxy {
    pub url: String,
    /// Connections cut or stalled so far.
    pub faults: Arc<AtomicUsize>,
    /// Bytes carried so far, both ways: what went over the wire.
    pub bytes: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FlakyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FlakyProxy {
    /// Forwards to `upstream` (host:port). With `max_bytes`, every connection is cut after a
    /// random number of bytes up to it (sometimes after a stall), so long transfers break
    /// repeatedly; without, it only counts the bytes.
    pub async fn start(upstream: String, max_bytes: Option<usize>) -> FlakyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let faults = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&faults);
        let bytes = Arc::new(AtomicUsize::new(0));
        let carried = Arc::clone(&bytes);
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let (limit, stall) = {
                    let mut rng = rand::rng();
                    let limit = max_bytes.map_or(usize::MAX, |m| rng.random_range(1024..m));
                    (limit, rng.random_bool(0.3))
                };
                let counter = Arc::clone(&counter);
                let carried = Arc::clone(&carried);
                tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (ri, wi) = inbound.into_split();
                    let (ro, wo) = outbound.into_split();
                    let up = pipe(ri, wo, limit, stall, &carried);
                    let down = pipe(ro, wi, limit, false, &carried);
                    // Whichever side is cut first ends the whole connection.
                    let cut = tokio::select! { cut = up => cut, cut = down => cut };
                    if cut {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        FlakyProxy {
            url,
            faults,
            bytes,
            task,
        }
    }
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    limit: usize,
    stall: bool,
    carried: &AtomicUsize,
) -> bool {
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent = 0;
    loop {
        let Ok(n) = from.read(&mut buf).await else {
            return false;
        };
        if n == 0 {
            let _ = to.shutdown().await;
            return false;
        }
        // Forward up to the budget, then cut at once: waiting for more would leave both ends
        // hanging on bytes the proxy swallowed.
        let n = n.min(limit - sent);
        if to.write_all(&buf[..n]).await.is_err() {
            return false;
        }
        sent += n;
        carried.fetch_add(n, Ordering::Relaxed);
        if sent == limit {
            if stall {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            return true;
        }
    }
}
