//! Request bodies sent compressed (`Content-Encoding: zstd` or `gzip`), decompressed while they
//! are read, under three bounds checked at every step rather than after: the compressed bytes
//! read, the bytes they expand to (the route's body limit), and the ratio between the two past
//! the first MiB. A zstd frame may not ask for a window larger than the route's limit needs
//! (and never over `limits::ZSTD_WINDOW_LOG_MAX`): the window is the decoder's memory. The
//! decoder is made at the first byte read, so a body no handler reads (a push without a valid
//! token) costs nothing.
//!
//! tower-http's `RequestDecompressionLayer` exposes none of these bounds, hence this layer.

use crate::edge::BodyFault;
use crate::error::AppError;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::Frame;
use std::io::Write;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use terrain_protocol::limits;
use zstd::stream::raw::{DParameter, InBuffer, Operation, OutBuffer};

/// Output is produced at most this much per decoder step, between two checks of the bounds.
const STEP: usize = 64 * 1024;

#[derive(Clone, Copy)]
enum Kind {
    Zstd,
    Gzip,
}

enum Codec {
    Zstd(Box<zstd::stream::raw::Decoder<'static>>),
    Gzip(Box<flate2::write::GzDecoder<Vec<u8>>>),
}

/// A middleware decompressing bodies for routes whose bodies may hold `limit` bytes.
pub async fn layer(State(limit): State<usize>, mut req: Request, next: Next) -> Response {
    let kind = match req
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("identity") | Some("") => return next.run(req).await,
        Some("zstd") => Kind::Zstd,
        Some("gzip") | Some("x-gzip") => Kind::Gzip,
        Some(other) => {
            return AppError::UnknownEncoding(other.to_string()).into_response();
        }
    };
    let fault = BodyFault::of(&mut req);
    req.headers_mut().remove(header::CONTENT_ENCODING);
    req.headers_mut().remove(header::CONTENT_LENGTH);
    let req = req.map(|body| {
        Body::new(Decoding {
            inner: body,
            kind,
            codec: None,
            limit,
            read: 0,
            written: 0,
            fault: fault.clone(),
            finished: false,
            zstd_hint: 1,
        })
    });
    let resp = next.run(req).await;
    match fault.take() {
        Some(e) => e.into_response(),
        None => resp,
    }
}

struct Decoding {
    inner: Body,
    kind: Kind,
    codec: Option<Codec>,
    limit: usize,
    read: u64,
    written: u64,
    fault: BodyFault,
    finished: bool,
    /// What zstd said last: 0 between frames.
    zstd_hint: usize,
}

fn too_large(message: String) -> AppError {
    AppError::BodyTooLarge(message)
}

fn bad(kind: Kind, e: impl std::fmt::Display) -> AppError {
    let name = match kind {
        Kind::Zstd => "zstd",
        Kind::Gzip => "gzip",
    };
    AppError::BadEncoding(format!(
        "the body is not valid {name} (Content-Encoding): {e}"
    ))
}

impl Decoding {
    /// The window a zstd frame may ask for: enough for a body of the route's limit.
    fn window_log_max(&self) -> u32 {
        (self.limit.max(1).next_power_of_two().trailing_zeros())
            .clamp(10, limits::ZSTD_WINDOW_LOG_MAX)
    }

    fn new_codec(&self) -> Result<Codec, AppError> {
        Ok(match self.kind {
            Kind::Zstd => {
                let mut d = zstd::stream::raw::Decoder::new().map_err(|e| bad(self.kind, e))?;
                d.set_parameter(DParameter::WindowLogMax(self.window_log_max()))
                    .map_err(|e| bad(self.kind, e))?;
                Codec::Zstd(Box::new(d))
            }
            Kind::Gzip => Codec::Gzip(Box::new(flate2::write::GzDecoder::new(Vec::new()))),
        })
    }

    /// Counts `n` more bytes out and checks the bounds.
    fn wrote(&mut self, n: usize) -> Result<(), AppError> {
        self.written += n as u64;
        if self.written > self.limit as u64 {
            return Err(too_large(format!(
                "the body is larger than {} bytes once decompressed",
                self.limit
            )));
        }
        if self.written > limits::DECOMPRESSION_RATIO_FREE_BYTES
            && self.written > self.read.saturating_mul(limits::DECOMPRESSION_RATIO)
        {
            return Err(too_large(format!(
                "the body expands more than {}:1 when decompressed ({} bytes from {}); compress less or send it plain",
                limits::DECOMPRESSION_RATIO,
                self.written,
                self.read
            )));
        }
        Ok(())
    }

    /// Decompresses one piece of input (`last`: the body has ended), in bounded steps.
    fn decode(&mut self, input: &[u8], last: bool) -> Result<Vec<u8>, AppError> {
        self.read += input.len() as u64;
        if self.read > self.limit as u64 {
            return Err(too_large(format!(
                "the compressed body is larger than {} bytes",
                self.limit
            )));
        }
        let mut codec = match self.codec.take() {
            Some(c) => c,
            None => self.new_codec()?,
        };
        let out = self.run(&mut codec, input, last);
        self.codec = Some(codec);
        out
    }

    fn run(&mut self, codec: &mut Codec, input: &[u8], last: bool) -> Result<Vec<u8>, AppError> {
        let kind = self.kind;
        let mut out = Vec::new();
        match codec {
            Codec::Zstd(d) => {
                let mut input = InBuffer::around(input);
                let mut buf = vec![0u8; STEP];
                loop {
                    // zstd's hint is 0 once a frame is decoded and flushed.
                    if input.pos() == input.src.len() && self.zstd_hint == 0 {
                        break;
                    }
                    let mut step = OutBuffer::around(&mut buf[..]);
                    self.zstd_hint = d.run(&mut input, &mut step).map_err(|e| bad(kind, e))?;
                    let n = step.pos();
                    out.extend_from_slice(&buf[..n]);
                    self.wrote(n)?;
                    if input.pos() == input.src.len() && n < STEP {
                        break;
                    }
                }
                if last && self.zstd_hint != 0 {
                    return Err(bad(kind, "the body ends inside a frame"));
                }
            }
            Codec::Gzip(d) => {
                let mut pos = 0;
                loop {
                    if pos < input.len() {
                        pos += d.write(&input[pos..]).map_err(|e| bad(kind, e))?;
                    }
                    d.flush().map_err(|e| bad(kind, e))?;
                    let piece = std::mem::take(d.get_mut());
                    self.wrote(piece.len())?;
                    out.extend_from_slice(&piece);
                    if pos >= input.len() {
                        break;
                    }
                }
                if last {
                    d.try_finish().map_err(|e| bad(kind, e))?;
                    let piece = std::mem::take(d.get_mut());
                    self.wrote(piece.len())?;
                    out.extend_from_slice(&piece);
                }
            }
        }
        Ok(out)
    }
}

impl http_body::Body for Decoding {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        loop {
            if self.finished {
                return Poll::Ready(None);
            }
            let (input, last) = match ready!(Pin::new(&mut self.inner).poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => (data, false),
                    Err(_) => continue, // trailers: nothing to decompress
                },
                Some(Err(e)) => return Poll::Ready(Some(Err(e.into()))),
                None => (Bytes::new(), true),
            };
            self.finished = last;
            match self.decode(&input, last) {
                Ok(out) if out.is_empty() => continue,
                Ok(out) => return Poll::Ready(Some(Ok(Frame::data(Bytes::from(out))))),
                Err(e) => {
                    self.finished = true;
                    let message = e.to_string();
                    self.codec = None;
                    self.fault.set(e);
                    return Poll::Ready(Some(Err(message.into())));
                }
            }
        }
    }
}
