//! Writing a bundle: parts under temporary hidden names, each fsynced, then renamed to their
//! final names and the folder fsynced. A writer stopped at any moment leaves only hidden
//! temporary files, never a file named like a bundle that holds part of one; a set renamed half
//! way is refused by readers as incomplete.

use crate::format::{self, Cursors, Header, Opening, Record, TRAILER_MAGIC};
use crate::{BundleError, EXTENSION, FORMAT_VERSION, MAGIC, Result, io, key_id};
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file name stem of a bundle: sorts by kind, device, then time and sequence.
pub fn bundle_name(header: &Header) -> String {
    let kind = match header.kind {
        crate::Kind::Device => "terrain",
        crate::Kind::Reply => "terrain-reply",
    };
    let device: String = header
        .device
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{kind}-{device}-{}-{:06}",
        header.created.format("%Y%m%dT%H%M%SZ"),
        header.sequence
    )
}

/// The bytes of a bundle as one stream, cut into part files of at most `limit` bytes, with the
/// sha256 of the sealed bytes counted as they pass.
struct Parts {
    dir: PathBuf,
    stem: String,
    /// The bundle's id: two writers of one name never share a temporary file.
    unique: uuid::Uuid,
    limit: u64,
    /// Temporary paths and files, the last one being written.
    files: Vec<(PathBuf, File)>,
    in_last: u64,
    sealing: bool,
    sealed: Sha256,
    sealed_len: u64,
}

impl Parts {
    fn temp(&self, index: usize) -> PathBuf {
        self.dir.join(format!(
            ".{}.{}.part{}.tmp",
            self.stem,
            self.unique,
            index + 1
        ))
    }

    fn open_next(&mut self) -> std::io::Result<()> {
        let path = self.temp(self.files.len());
        let file = File::options().write(true).create_new(true).open(&path)?;
        self.files.push((path, file));
        self.in_last = 0;
        Ok(())
    }
}

impl Write for Parts {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.files.is_empty() || self.in_last >= self.limit {
            self.open_next()?;
        }
        let room = (self.limit - self.in_last).min(buf.len() as u64) as usize;
        let n = self
            .files
            .last_mut()
            .expect("a part is open")
            .1
            .write(&buf[..room])?;
        self.in_last += n as u64;
        if self.sealing {
            self.sealed.update(&buf[..n]);
            self.sealed_len += n as u64;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.files.last_mut() {
            Some((_, f)) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Parts {
    /// An unfinished bundle's temporary files go (a killed writer leaves them hidden).
    fn drop(&mut self) {
        for (path, _) in self.files.drain(..) {
            let _ = std::fs::remove_file(path);
        }
    }
}

type Sealed = zstd::stream::write::Encoder<'static, age::stream::StreamWriter<Parts>>;

/// A bundle being written: records go in one at a time (a photo's bytes are not kept after).
pub struct Writer {
    header: Header,
    header_bytes: Vec<u8>,
    signing: SigningKey,
    sealed: Option<Sealed>,
    records: u64,
}

impl Writer {
    /// Starts a bundle of the current format in `dir` (the plain header and the opening, with
    /// `cursors`), sealed to `recipient`, signed by `signing`; parts of at most `part_bytes`
    /// (normally [`crate::PART_BYTES`]).
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        dir: &Path,
        kind: crate::Kind,
        device: &str,
        sequence: u64,
        created: chrono::DateTime<chrono::Utc>,
        cursors: impl Into<Cursors>,
        answers: Option<uuid::Uuid>,
        recipient: &age::x25519::Recipient,
        signing: &SigningKey,
        part_bytes: u64,
    ) -> Result<Writer> {
        Writer::create_in_format(
            FORMAT_VERSION,
            dir,
            kind,
            device,
            sequence,
            created,
            cursors,
            answers,
            recipient,
            signing,
            part_bytes,
        )
    }

    /// [`Writer::create`] in an older `format` (from 1): the server answers a device's bundle
    /// in that bundle's format, so a device not yet updated reads its reply. A format-1
    /// bundle carries the revision cursor only, and refuses format-2 records; a format-2 one
    /// has no site cursor, and refuses format-3 records.
    #[allow(clippy::too_many_arguments)]
    pub fn create_in_format(
        format: u32,
        dir: &Path,
        kind: crate::Kind,
        device: &str,
        sequence: u64,
        created: chrono::DateTime<chrono::Utc>,
        cursors: impl Into<Cursors>,
        answers: Option<uuid::Uuid>,
        recipient: &age::x25519::Recipient,
        signing: &SigningKey,
        part_bytes: u64,
    ) -> Result<Writer> {
        if !(1..=FORMAT_VERSION).contains(&format) {
            return Err(BundleError::Key(format!(
                "cannot write a bundle of format {format}: this program writes formats 1 to {FORMAT_VERSION}"
            )));
        }
        let cursors = cursors.into();
        let header = Header {
            format,
            kind,
            bundle_id: uuid::Uuid::now_v7(),
            device: device.to_string(),
            signer: crate::public_key_text(&signing.verifying_key()),
            sealed_to: key_id(recipient),
            created,
            sequence,
        };
        let json = serde_json::to_vec(&header).expect("the header serialises");
        let mut header_bytes = MAGIC.to_vec();
        header_bytes.extend_from_slice(&(json.len() as u32).to_le_bytes());
        header_bytes.extend_from_slice(&json);
        let mut parts = Parts {
            dir: dir.to_path_buf(),
            stem: bundle_name(&header),
            unique: header.bundle_id,
            limit: part_bytes.max(1024),
            files: Vec::new(),
            in_last: 0,
            sealing: false,
            sealed: Sha256::new(),
            sealed_len: 0,
        };
        let fail = io(dir);
        parts.write_all(&header_bytes).map_err(&fail)?;
        parts.sealing = true;
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
                .map_err(|e| BundleError::Key(format!("cannot seal to the recipient: {e}")))?;
        let stream = encryptor.wrap_output(parts).map_err(&fail)?;
        let mut sealed = zstd::stream::write::Encoder::new(stream, 3).map_err(&fail)?;
        let opening = Opening {
            bundle_id: header.bundle_id,
            kind,
            device: device.to_string(),
            cursor: cursors.revisions,
            answers,
            reviews_cursor: cursors.reviews.filter(|_| format >= 2),
            links_cursor: cursors.links.filter(|_| format >= 2),
            sites_cursor: cursors.sites.filter(|_| format >= 3),
        };
        format::write_opening(&mut sealed, &opening).map_err(&fail)?;
        Ok(Writer {
            header,
            header_bytes,
            signing: signing.clone(),
            sealed: Some(sealed),
            records: 0,
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Adds one record (refused when the bundle's format has no such record).
    pub fn add(&mut self, record: &Record) -> Result<()> {
        if record.since_format() > self.header.format {
            let what = match record.since_format() {
                2 => "review decisions or link operations",
                _ => "site revisions",
            };
            return Err(BundleError::Key(format!(
                "a bundle of format {} cannot carry {what}",
                self.header.format
            )));
        }
        let sealed = self.sealed.as_mut().expect("not finished");
        format::write_record(sealed, record).map_err(io(Path::new(&self.header.device)))?;
        self.records += 1;
        Ok(())
    }

    /// Records added so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Ends the sealed stream, signs, makes every part durable and gives them their names;
    /// returns the files, in order.
    pub fn finish(mut self) -> Result<Vec<PathBuf>> {
        let mut sealed = self.sealed.take().expect("finished once");
        let dir_err = |e| BundleError::Io {
            file: "bundle".into(),
            source: e,
        };
        format::write_end(&mut sealed, self.records).map_err(dir_err)?;
        let stream = sealed.finish().map_err(dir_err)?;
        let mut parts = stream.finish().map_err(dir_err)?;
        parts.sealing = false;
        let digest: [u8; 32] = std::mem::take(&mut parts.sealed).finalize().into();
        let message = format::signed_message(&self.header_bytes, parts.sealed_len, &digest);
        let signature = self.signing.sign(&message);
        let mut trailer = TRAILER_MAGIC.to_vec();
        trailer.extend_from_slice(&parts.sealed_len.to_le_bytes());
        trailer.extend_from_slice(&digest);
        trailer.extend_from_slice(&signature.to_bytes());
        parts.write_all(&trailer).map_err(dir_err)?;
        for (path, file) in &parts.files {
            file.sync_all().map_err(io(path))?;
        }
        let count = parts.files.len();
        let names_for = |stem: &str| -> Vec<PathBuf> {
            (0..count)
                .map(|i| {
                    let name = if count == 1 {
                        format!("{stem}.{EXTENSION}")
                    } else {
                        format!("{stem}.p{:03}of{:03}.{EXTENSION}", i + 1, count)
                    };
                    parts.dir.join(name)
                })
                .collect()
        };
        // A name already taken (the same bundle answered twice in one second) gets a suffix.
        let mut names = names_for(&parts.stem);
        for k in 2.. {
            if names.iter().all(|n| !n.exists()) {
                break;
            }
            names = names_for(&format!("{}-{k}", parts.stem));
        }
        for ((temp, _), name) in parts.files.iter().zip(&names) {
            std::fs::rename(temp, name).map_err(io(name))?;
        }
        parts.files.clear();
        File::open(&parts.dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&parts.dir))?;
        Ok(names)
    }
}
