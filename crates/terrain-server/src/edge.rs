//! The edge: how connections are accepted and requests read, so that what a client costs is
//! bounded before any handler runs. HTTP/1.1 only (devices speak nothing else), over TCP or
//! TLS, served by hyper with:
//!
//! - at most [`EdgeConfig::connections`] open connections; past it a new one is closed at once;
//! - at most [`EdgeConfig::connections_per_address`] from one client address; past it, each
//!   request on the extra connection is answered `429 too_many_connections` and it is closed;
//! - headers (and the TLS handshake, and the wait between two requests) within
//!   [`EdgeConfig::header_timeout`], else the connection is closed;
//! - a body may not pause longer than [`EdgeConfig::body_idle`] nor, after
//!   [`EdgeConfig::body_grace`], fall below [`EdgeConfig::body_min_rate`] on average: `408`;
//! - at most [`EdgeConfig::bodies_per_address`] bodies read at once per address: `429`;
//! - sign-ins (Argon2id, 19 MiB each) a few at a time ([`Turns`], a layer in the router).
//!
//! [`crate::serve`] (tests) and the binary (plain and TLS) all go through [`serve`].

use crate::error::AppError;
use crate::{HSTS, SECURITY_HEADERS};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use http_body::Frame;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use terrain_protocol::limits;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// The edge's bounds; [`Default`] takes them from `terrain_protocol::limits`.
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    pub header_timeout: Duration,
    pub body_idle: Duration,
    pub body_grace: Duration,
    /// Bytes a second, on average over the whole body, once past `body_grace`.
    pub body_min_rate: u64,
    pub connections: usize,
    pub connections_per_address: usize,
    pub bodies_per_address: usize,
    /// How long a shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
}

impl Default for EdgeConfig {
    fn default() -> EdgeConfig {
        EdgeConfig {
            header_timeout: Duration::from_secs(limits::HEADER_TIMEOUT_SECS),
            body_idle: Duration::from_secs(limits::BODY_IDLE_SECS),
            body_grace: Duration::from_secs(limits::BODY_GRACE_SECS),
            body_min_rate: limits::BODY_MIN_BYTES_PER_SEC,
            connections: limits::CONNECTIONS,
            connections_per_address: limits::CONNECTIONS_PER_ADDRESS,
            bodies_per_address: limits::BODIES_PER_ADDRESS,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Where a body wrapper ([`TimedBody`], `decompress`) leaves the error that made it fail, so
/// the answer is that error (a 408, a 413) whatever the handler made of the failed read.
#[derive(Clone, Default)]
pub struct BodyFault(Arc<Mutex<Option<AppError>>>);

impl BodyFault {
    /// The request's slot, made if it has none.
    pub fn of(req: &mut Request) -> BodyFault {
        req.extensions_mut()
            .get_or_insert_with(BodyFault::default)
            .clone()
    }

    pub fn set(&self, e: AppError) {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(e);
    }

    pub fn take(&self) -> Option<AppError> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// How many of something each client address holds.
#[derive(Default)]
struct PerAddress(Mutex<HashMap<IpAddr, usize>>);

/// One held; given back when dropped.
struct Held(Arc<PerAddress>, IpAddr);

impl PerAddress {
    fn take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<Held> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(ip).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Held(self.clone(), ip))
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut map = self.0.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.1);
            }
        }
    }
}

/// A request body that must keep coming: see the module's list. Its clock starts, and it
/// takes one of its address's places for bodies in flight, when a handler first reads it (after
/// the token is checked), so a request waiting on its handler costs no place.
struct TimedBody {
    inner: hyper::body::Incoming,
    config: Arc<EdgeConfig>,
    /// Set at the first read.
    started: Option<Instant>,
    received: u64,
    sleep: Pin<Box<Sleep>>,
    fault: BodyFault,
    bodies: Arc<PerAddress>,
    ip: IpAddr,
    /// The address's place, given back at the body's end.
    held: Option<Held>,
}

impl TimedBody {
    fn deadline(&self) -> Instant {
        let idle = Instant::now() + self.config.body_idle;
        let rate = self.config.body_min_rate.max(1);
        let by_rate = self.started.unwrap_or_else(Instant::now)
            + self.config.body_grace
            + Duration::from_millis(self.received.saturating_mul(1000) / rate);
        idle.min(by_rate)
    }
}

impl http_body::Body for TimedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.started.is_none() {
            if self.inner.is_end_stream() {
                return Poll::Ready(None);
            }
            let Some(held) = self.bodies.take(self.ip, self.config.bodies_per_address) else {
                let message = format!(
                    "more than {} request bodies at once from your network address; wait for some to finish",
                    self.config.bodies_per_address
                );
                self.fault.set(AppError::TooManyConnections {
                    message: message.clone(),
                });
                self.started = Some(Instant::now());
                return Poll::Ready(Some(Err(message.into())));
            };
            self.held = Some(held);
            let now = Instant::now();
            self.started = Some(now);
            let first = now + self.config.body_idle.min(self.config.body_grace);
            self.sleep.as_mut().reset(first);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.received += data.len() as u64;
                }
                let deadline = self.deadline();
                self.sleep.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(None) => {
                self.held = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                self.held = None;
                Poll::Ready(Some(Err(e.into())))
            }
            Poll::Pending => {
                if self.sleep.as_mut().poll(cx).is_ready() {
                    self.held = None;
                    let message = format!(
                        "the request body came too slowly ({} bytes in {} s; at least {} bytes a second, no pause over {} s)",
                        self.received,
                        self.started.map_or(0, |t| t.elapsed().as_secs()),
                        self.config.body_min_rate,
                        self.config.body_idle.as_secs()
                    );
                    self.fault.set(AppError::RequestTimeout(message.clone()));
                    return Poll::Ready(Some(Err(message.into())));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// What every connection shares.
struct Shared {
    config: Arc<EdgeConfig>,
    connections: Arc<Semaphore>,
    per_address: Arc<PerAddress>,
    bodies: Arc<PerAddress>,
    tls: bool,
}

/// The security headers (and HSTS over TLS) on an answer the edge makes itself.
fn secured(mut resp: Response, tls: bool) -> Response {
    let headers = resp.headers_mut();
    for (name, value) in SECURITY_HEADERS.iter() {
        headers.insert(name.clone(), HeaderValue::from_static(value));
    }
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    resp
}

fn refusal(e: AppError, tls: bool) -> Response {
    let mut resp = secured(e.into_response(), tls);
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

async fn handle(
    app: Router,
    shared: Arc<Shared>,
    peer: SocketAddr,
    over_limit: bool,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<Response, Infallible> {
    let config = &shared.config;
    if over_limit {
        return Ok(refusal(
            AppError::TooManyConnections {
                message: format!(
                    "more than {} connections from your network address; close some and try again",
                    config.connections_per_address
                ),
            },
            shared.tls,
        ));
    }
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(ConnectInfo(peer));
    let fault = BodyFault::default();
    parts.extensions.insert(fault.clone());
    let body = TimedBody {
        inner: body,
        config: config.clone(),
        started: None,
        received: 0,
        sleep: Box::pin(tokio::time::sleep(config.body_idle)),
        fault: fault.clone(),
        bodies: shared.bodies.clone(),
        ip: peer.ip(),
        held: None,
    };
    let req = Request::from_parts(parts, Body::new(body));
    let resp = app.oneshot(req).await?;
    Ok(match fault.take() {
        Some(e) => refusal(e, shared.tls),
        None => resp,
    })
}

async fn connection<I>(
    io: I,
    app: Router,
    shared: Arc<Shared>,
    peer: SocketAddr,
    over_limit: bool,
    mut stop: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(shared.config.header_timeout)
        // Headers held in memory per connection; hyper's least.
        .max_buf_size(64 * 1024)
        .keep_alive(!over_limit);
    let svc = hyper::service::service_fn(move |req| {
        handle(app.clone(), shared.clone(), peer, over_limit, req)
    });
    let conn = builder.serve_connection(TokioIo::new(io), svc);
    tokio::pin!(conn);
    let stopping = async move {
        let _ = stop.wait_for(|stop| *stop).await;
    };
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(client = %peer.ip(), error = %e, "connection ended");
            }
            return;
        }
        _ = stopping => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// Serves `app` on `listener` (over TLS when `tls` is given) within `config`'s bounds until
/// `shutdown` completes, then lets requests in flight finish for `config.shutdown_grace`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: EdgeConfig,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send,
) {
    let config = Arc::new(config);
    let shared = Arc::new(Shared {
        connections: Arc::new(Semaphore::new(config.connections)),
        per_address: Arc::default(),
        bodies: Arc::default(),
        tls: tls.is_some(),
        config: config.clone(),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    let mut refused_logged = Instant::now() - Duration::from_secs(60);
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: wait rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(permit) = shared.connections.clone().try_acquire_owned() else {
            if refused_logged.elapsed() > Duration::from_secs(10) {
                tracing::warn!(
                    limit = config.connections,
                    "connection limit reached: new connections are closed"
                );
                refused_logged = Instant::now();
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let held = shared
            .per_address
            .take(peer.ip(), config.connections_per_address);
        let over_limit = held.is_none();
        let (app, shared, stop, tls) = (app.clone(), shared.clone(), stop_rx.clone(), tls.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let _held = held;
            let header_timeout = shared.config.header_timeout;
            match tls {
                None => connection(stream, app, shared, peer, over_limit, stop).await,
                Some(acceptor) => {
                    match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => {
                            connection(stream, app, shared, peer, over_limit, stop).await
                        }
                        Ok(Err(e)) => {
                            tracing::debug!(client = %peer.ip(), error = %e, "TLS handshake failed")
                        }
                        Err(_) => {
                            tracing::debug!(client = %peer.ip(), "TLS handshake too slow")
                        }
                    }
                }
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let all = u32::try_from(config.connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(config.shutdown_grace, shared.connections.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after the shutdown grace; stopping anyway");
    }
}

/// A TLS acceptor from a certificate chain and key (PEM), speaking HTTP/1.1 only.
pub async fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> std::io::Result<tokio_rustls::TlsAcceptor> {
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
    let mut server = (*config.get_inner()).clone();
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(server)))
}

/// Turns for a costly route: so many run at once, the others wait up to `wait`.
#[derive(Clone)]
pub struct Turns {
    pub turns: Arc<Semaphore>,
    pub wait: Duration,
}

impl Turns {
    /// [`limits::SIGN_INS_AT_ONCE`] turns, [`limits::SIGN_IN_WAIT_SECS`] of waiting.
    pub fn sign_ins() -> Turns {
        Turns {
            turns: Arc::new(Semaphore::new(limits::SIGN_INS_AT_ONCE)),
            wait: Duration::from_secs(limits::SIGN_IN_WAIT_SECS),
        }
    }
}

/// A layer letting requests run by [`Turns`] (on `POST /v1/sessions`: Argon2id is
/// memory-hard by design, so its memory is bounded here rather than by each address's limit);
/// one that waits past its time is answered `503 unavailable` with `Retry-After`, its body
/// unread.
pub async fn in_turn(
    axum::extract::State(turns): axum::extract::State<Turns>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    match tokio::time::timeout(turns.wait, turns.turns.acquire_owned()).await {
        Ok(Ok(_turn)) => next.run(req).await,
        _ => AppError::Busy(format!(
            "too many requests like this one at once; none came free within {} s, try again shortly",
            turns.wait.as_secs_f32()
        ))
        .into_response(),
    }
}

/// Makes the allocator give large buffers back to the OS when they are freed. glibc otherwise
/// raises its mmap threshold after the first large free and keeps each thread arena's freed
/// Argon2id buffers (19 MiB a sign-in): 100 sign-ins, four at a time, left the server at 858 MB
/// resident; with a fixed 1 MiB threshold its peak was 99 MB and it fell back to 22 MB.
/// Two arenas, not one per thread: each arena keeps what its threads freed, so a long export
/// (pages read on the runtime's threads, written on a blocking thread) left 100,000 reports'
/// CSV at 62 MiB peak and the next export at 69 MiB; with two, 47 and 52 MiB (43 for 10,000),
/// resident memory level through each export (`cargo bench -p terrain-server --bench
/// console_export`).
/// Called by the binary before it serves.
pub fn return_large_buffers_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before serving, and
    // glibc takes its own lock for it.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
