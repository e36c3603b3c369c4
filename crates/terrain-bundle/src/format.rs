//! The plain header, the sealed records and their framing, the signed message.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};
use terrain_domain::incident::LinkOp;
use terrain_domain::{ReviewDecision, Revision, SiteRevision};
use terrain_protocol::incident::LinkResult;
use terrain_protocol::sites::SiteResult;
use terrain_protocol::{Pulled, PushResult};
use uuid::Uuid;

/// Who wrote a bundle and for whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A device's revisions and photos, for the server.
    Device,
    /// The server's answer to a device's bundle: what it stored, and reports the device lacks.
    Reply,
}

/// The plain header: anyone holding the file reads it (it names no report, no person).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    pub kind: Kind,
    pub bundle_id: Uuid,
    /// The device's id (a device bundle's writer, a reply's addressee).
    pub device: String,
    /// The signer's Ed25519 public key (base64).
    pub signer: String,
    /// The key id ([`crate::key_id`]) of the age recipient the records are sealed to.
    pub sealed_to: String,
    pub created: DateTime<Utc>,
    /// The writer's count of bundles for this device, from 1: names sort by it.
    pub sequence: u64,
}

/// The first sealed record: repeats the header's identity (so a sealed stream cannot be moved
/// under another signed header) and carries the feed position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    pub bundle_id: Uuid,
    pub kind: Kind,
    pub device: String,
    /// A device bundle: the device's pull cursor when it wrote it (the reply sends what comes
    /// after). A reply: the feed position its pulled revisions reach (the device's new cursor).
    pub cursor: i64,
    /// A reply: the bundle it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<Uuid>,
    /// Format 2. A device bundle: the device's cursor in the server's decision feed (the reply
    /// sends the decisions after it); a reply: the position its decisions reach. Absent (format
    /// 1, or a reply to a format-1 bundle): no decision travels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviews_cursor: Option<i64>,
    /// Format 2. The same for the link feed (issue 15's link operations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links_cursor: Option<i64>,
    /// Format 3. The same for the site feed (issue 15's shared sites). Absent (format 1 or 2,
    /// or a reply to one): no site revision travels back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sites_cursor: Option<i64>,
}

/// The cursors a bundle's opening carries: the revision feed's, (format 2) the decision and
/// link feeds', and (format 3) the site feed's. A bare `i64` is the revision cursor alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursors {
    pub revisions: i64,
    pub reviews: Option<i64>,
    pub links: Option<i64>,
    pub sites: Option<i64>,
}

impl From<i64> for Cursors {
    fn from(revisions: i64) -> Cursors {
        Cursors {
            revisions,
            ..Cursors::default()
        }
    }
}

/// One sealed record.
#[derive(Debug, Clone)]
pub enum Record {
    /// A revision, as a push carries it.
    Revision(Revision),
    /// An attachment's bytes and their sha256 (hex).
    Blob { sha256: String, bytes: Vec<u8> },
    /// A reply: what the server did with one revision, as a push answers it (with its signed
    /// receipt).
    Result(PushResult),
    /// A reply: a revision of the feed the device did not have, as a pull answers it.
    Pulled(Pulled),
    /// Format 2, a reply: a review decision of the device's regions after its cursor.
    Decision(ReviewDecision),
    /// Format 2. A device bundle: a link operation the device made and the server has not
    /// stored yet; a reply: one of the link feed after the device's cursor.
    Link(LinkOp),
    /// Format 2, a reply: what the server did with one of the device's link operations.
    LinkResult(LinkResult),
    /// Format 3. A device bundle: a site revision made here the server has not stored yet
    /// (they come before the revisions of reports naming the site); a reply: one of the site
    /// feed after the device's cursor.
    Site(SiteRevision),
    /// Format 3, a reply: what the server did with one of the device's site revisions.
    SiteResult(SiteResult),
}

impl Record {
    /// The first format that holds this record.
    pub fn since_format(&self) -> u32 {
        match self {
            Record::Revision(_) | Record::Blob { .. } | Record::Result(_) | Record::Pulled(_) => 1,
            Record::Decision(_) | Record::Link(_) | Record::LinkResult(_) => 2,
            Record::Site(_) | Record::SiteResult(_) => 3,
        }
    }
}

impl PartialEq for Record {
    fn eq(&self, other: &Record) -> bool {
        match (self, other) {
            (Record::Revision(a), Record::Revision(b)) => a == b,
            (
                Record::Blob { sha256, bytes },
                Record::Blob {
                    sha256: s,
                    bytes: b,
                },
            ) => sha256 == s && bytes == b,
            (Record::Result(a), Record::Result(b)) => a == b,
            (Record::Pulled(a), Record::Pulled(b)) => json(a) == json(b),
            (Record::Decision(a), Record::Decision(b)) => a == b,
            (Record::Link(a), Record::Link(b)) => a == b,
            (Record::LinkResult(a), Record::LinkResult(b)) => a == b,
            (Record::Site(a), Record::Site(b)) => a == b,
            (Record::SiteResult(a), Record::SiteResult(b)) => a == b,
            _ => false,
        }
    }
}

const OPENING: u8 = 1;
const REVISION: u8 = 2;
const BLOB: u8 = 3;
const RESULT: u8 = 4;
const PULLED: u8 = 5;
const DECISION: u8 = 6;
const LINK: u8 = 7;
const LINK_RESULT: u8 = 8;
const SITE: u8 = 9;
const SITE_RESULT: u8 = 10;
const END: u8 = 0x7f;

/// The largest JSON record read (a revision is far smaller).
const JSON_FRAME: u64 = 16 * 1024 * 1024;
/// The largest blob read: the server's own limit.
const BLOB_FRAME: u64 = terrain_protocol::limits::BLOB_BYTES + 64;

fn frame(out: &mut impl Write, tag: u8, body: &[&[u8]]) -> io::Result<()> {
    let len: usize = body.iter().map(|b| b.len()).sum();
    out.write_all(&[tag])?;
    out.write_all(&(len as u64).to_le_bytes())?;
    for b in body {
        out.write_all(b)?;
    }
    Ok(())
}

fn json(value: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(value).expect("records serialise")
}

pub(crate) fn write_opening(out: &mut impl Write, opening: &Opening) -> io::Result<()> {
    frame(out, OPENING, &[&json(opening)])
}

pub(crate) fn write_record(out: &mut impl Write, record: &Record) -> io::Result<()> {
    match record {
        Record::Revision(r) => frame(out, REVISION, &[&json(r)]),
        Record::Blob { sha256, bytes } => frame(out, BLOB, &[sha256.as_bytes(), bytes]),
        Record::Result(r) => frame(out, RESULT, &[&json(r)]),
        Record::Pulled(p) => frame(out, PULLED, &[&json(p)]),
        Record::Decision(d) => frame(out, DECISION, &[&json(d)]),
        Record::Link(l) => frame(out, LINK, &[&json(l)]),
        Record::LinkResult(r) => frame(out, LINK_RESULT, &[&json(r)]),
        Record::Site(r) => frame(out, SITE, &[&json(r)]),
        Record::SiteResult(r) => frame(out, SITE_RESULT, &[&json(r)]),
    }
}

pub(crate) fn write_end(out: &mut impl Write, records: u64) -> io::Result<()> {
    frame(out, END, &[&records.to_le_bytes()])
}

/// A frame read: the opening, a record, or the end with the count of records written.
#[allow(clippy::large_enum_variant)] // one at a time, never stored
pub(crate) enum Frame {
    Opening(Opening),
    Record(Record),
    End(u64),
}

/// The next frame of a bundle of `format`; Err(why) when the stream is not frames as written
/// (a record kind its format does not have is one).
pub(crate) fn read_frame(input: &mut impl Read, format: u32) -> Result<Frame, String> {
    let mut head = [0u8; 9];
    input
        .read_exact(&mut head)
        .map_err(|e| format!("the sealed records end early ({e})"))?;
    let tag = head[0];
    let len = u64::from_le_bytes(head[1..].try_into().expect("8 bytes"));
    let limit = if tag == BLOB { BLOB_FRAME } else { JSON_FRAME };
    if len > limit {
        return Err(format!("a record of {len} bytes, more than {limit}"));
    }
    let mut body = vec![0u8; len as usize];
    input
        .read_exact(&mut body)
        .map_err(|e| format!("a record is cut short ({e})"))?;
    let parse = |what: &str| format!("a {what} record does not read");
    Ok(match tag {
        OPENING => Frame::Opening(serde_json::from_slice(&body).map_err(|_| parse("opening"))?),
        REVISION => Frame::Record(Record::Revision(
            serde_json::from_slice(&body).map_err(|_| parse("revision"))?,
        )),
        BLOB => {
            if body.len() < 64 {
                return Err(parse("photo"));
            }
            let bytes = body.split_off(64);
            let sha256 = String::from_utf8(body).map_err(|_| parse("photo"))?;
            let actual = hex::encode(Sha256::digest(&bytes));
            if actual != sha256 {
                return Err(format!(
                    "a photo's bytes do not match their sha256 {sha256}"
                ));
            }
            Frame::Record(Record::Blob { sha256, bytes })
        }
        RESULT => Frame::Record(Record::Result(
            serde_json::from_slice(&body).map_err(|_| parse("result"))?,
        )),
        PULLED => Frame::Record(Record::Pulled(
            serde_json::from_slice(&body).map_err(|_| parse("pulled"))?,
        )),
        DECISION if format >= 2 => Frame::Record(Record::Decision(
            serde_json::from_slice(&body).map_err(|_| parse("review decision"))?,
        )),
        LINK if format >= 2 => Frame::Record(Record::Link(
            serde_json::from_slice(&body).map_err(|_| parse("link operation"))?,
        )),
        LINK_RESULT if format >= 2 => Frame::Record(Record::LinkResult(
            serde_json::from_slice(&body).map_err(|_| parse("link result"))?,
        )),
        SITE if format >= 3 => Frame::Record(Record::Site(
            serde_json::from_slice(&body).map_err(|_| parse("site revision"))?,
        )),
        SITE_RESULT if format >= 3 => Frame::Record(Record::SiteResult(
            serde_json::from_slice(&body).map_err(|_| parse("site result"))?,
        )),
        END if len == 8 => Frame::End(u64::from_le_bytes(
            body.try_into().expect("8 bytes checked"),
        )),
        other => return Err(format!("an unknown record kind {other}")),
    })
}

/// The trailer's first bytes.
pub(crate) const TRAILER_MAGIC: &[u8; 8] = b"TBSIG1\0\0";
/// The trailer: magic, sealed length, sealed sha256, signature.
pub(crate) const TRAILER_BYTES: u64 = 8 + 8 + 32 + 64;

/// What the signer signs: a domain tag, the header as written, the sealed bytes' length and
/// sha256.
pub(crate) fn signed_message(header: &[u8], sealed_len: u64, sealed_sha256: &[u8; 32]) -> Vec<u8> {
    let mut m = Vec::with_capacity(64 + header.len());
    m.extend_from_slice(b"terrain-bundle/1 signature\0");
    m.extend_from_slice(&(header.len() as u64).to_le_bytes());
    m.extend_from_slice(header);
    m.extend_from_slice(&sealed_len.to_le_bytes());
    m.extend_from_slice(sealed_sha256);
    m
}
