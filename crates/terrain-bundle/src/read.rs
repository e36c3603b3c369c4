//! Reading a bundle: the header and the set of parts, the signature over everything, then the
//! sealed records. Nothing is handed to the caller before the whole bundle is checked.

use crate::format::{self, Frame, Header, Opening, Record, TRAILER_BYTES, TRAILER_MAGIC};
use crate::{BundleError, EXTENSION, FORMAT_VERSION, MAGIC, Result, io, key_id};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A bundle's files, opened: its header read and its parts all present.
#[derive(Debug)]
pub struct Bundle {
    pub header: Header,
    /// The parts, in order, with their sizes.
    parts: Vec<(PathBuf, u64)>,
    header_bytes: Vec<u8>,
    sealed_len: u64,
    sealed_sha256: [u8; 32],
    signature: [u8; 64],
    /// The first part's name, for messages.
    name: String,
}

/// What a bundle holds, checked whole.
#[derive(Debug)]
pub struct Contents {
    pub header: Header,
    pub opening: Opening,
    pub records: Vec<Record>,
}

/// The parts of a set from one of its names: `STEM.pIIIofNNN.tbundle` (None: a single file).
fn part_of(name: &str) -> Option<(String, usize, usize)> {
    let rest = name.strip_suffix(&format!(".{EXTENSION}"))?;
    let (stem, tail) = rest.rsplit_once('.')?;
    let tail = tail.strip_prefix('p')?;
    let (index, count) = tail.split_once("of")?;
    Some((stem.to_string(), index.parse().ok()?, count.parse().ok()?))
}

/// Reads `buf.len()` bytes at `at` of the stream made of `parts`.
fn read_at(parts: &[(PathBuf, u64)], mut at: u64, buf: &mut [u8]) -> std::io::Result<()> {
    let mut done = 0;
    for (path, size) in parts {
        if done == buf.len() {
            break;
        }
        if at >= *size {
            at -= size;
            continue;
        }
        let mut f = File::open(path)?;
        f.seek(SeekFrom::Start(at))?;
        let n = ((size - at) as usize).min(buf.len() - done);
        f.read_exact(&mut buf[done..done + n])?;
        done += n;
        at = 0;
    }
    if done < buf.len() {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// The bytes of `parts` from `start`, `len` of them, as one reader.
struct Span {
    parts: Vec<(PathBuf, u64)>,
    index: usize,
    skip: u64,
    left: u64,
    current: Option<BufReader<File>>,
}

impl Span {
    fn new(parts: &[(PathBuf, u64)], start: u64, len: u64) -> Span {
        Span {
            parts: parts.to_vec(),
            index: 0,
            skip: start,
            left: len,
            current: None,
        }
    }
}

impl Read for Span {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.left == 0 || buf.is_empty() {
                return Ok(0);
            }
            if self.current.is_none() {
                let Some((path, size)) = self.parts.get(self.index) else {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                };
                if self.skip >= *size {
                    self.skip -= size;
                    self.index += 1;
                    continue;
                }
                let mut f = File::open(path)?;
                f.seek(SeekFrom::Start(self.skip))?;
                self.skip = 0;
                self.current = Some(BufReader::with_capacity(256 * 1024, f));
            }
            let want = (buf.len() as u64).min(self.left) as usize;
            let n = self
                .current
                .as_mut()
                .expect("open")
                .read(&mut buf[..want])?;
            if n == 0 {
                self.current = None;
                self.index += 1;
                continue;
            }
            self.left -= n as u64;
            return Ok(n);
        }
    }
}

/// A reader that counts the sha256 of what passes.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

impl Bundle {
    /// Opens the bundle `path` names (any part of a set): reads its plain header and trailer,
    /// and refuses a set with a part missing.
    pub fn open(path: &Path) -> Result<Bundle> {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let dir = path.parent().unwrap_or(Path::new("."));
        let paths: Vec<PathBuf> = match part_of(&file_name) {
            None => vec![path.to_path_buf()],
            Some((stem, _, count)) => {
                let names: Vec<PathBuf> = (1..=count)
                    .map(|i| dir.join(format!("{stem}.p{i:03}of{count:03}.{EXTENSION}")))
                    .collect();
                let missing: Vec<String> = names
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| !p.is_file())
                    .map(|(i, _)| format!("part {}", i + 1))
                    .collect();
                if !missing.is_empty() {
                    return Err(BundleError::Incomplete {
                        file: path.display().to_string(),
                        count,
                        missing: missing.join(", "),
                    });
                }
                names
            }
        };
        let name = paths[0].display().to_string();
        let mut parts = Vec::new();
        for p in paths {
            let size = std::fs::metadata(&p).map_err(io(&p))?.len();
            parts.push((p, size));
        }
        let total: u64 = parts.iter().map(|(_, s)| s).sum();
        let not_a_bundle = || BundleError::NotABundle { file: name.clone() };
        let truncated = || BundleError::Truncated { file: name.clone() };
        let mut magic = vec![0u8; MAGIC.len() + 4];
        if read_at(&parts, 0, &mut magic).is_err() || &magic[..MAGIC.len()] != MAGIC {
            return Err(
                if total > 0 && magic.starts_with(&MAGIC[..MAGIC.len().min(total as usize)]) {
                    truncated()
                } else {
                    not_a_bundle()
                },
            );
        }
        let json_len = u32::from_le_bytes(magic[MAGIC.len()..].try_into().expect("4 bytes")) as u64;
        if json_len > 64 * 1024 {
            return Err(BundleError::Damaged {
                file: name,
                why: "its header is too long".into(),
            });
        }
        let header_len = MAGIC.len() as u64 + 4 + json_len;
        if total < header_len + TRAILER_BYTES {
            return Err(truncated());
        }
        let mut header_bytes = vec![0u8; header_len as usize];
        read_at(&parts, 0, &mut header_bytes).map_err(|_| truncated())?;
        let value: serde_json::Value = serde_json::from_slice(&header_bytes[MAGIC.len() + 4..])
            .map_err(|_| BundleError::Damaged {
                file: name.clone(),
                why: "its header does not read".into(),
            })?;
        let found = value.get("format").and_then(|f| f.as_u64()).unwrap_or(0) as u32;
        if found > FORMAT_VERSION {
            return Err(BundleError::NewerFormat { file: name, found });
        }
        let header: Header = serde_json::from_value(value).map_err(|_| BundleError::Damaged {
            file: name.clone(),
            why: "its header does not read".into(),
        })?;
        let mut trailer = [0u8; TRAILER_BYTES as usize];
        read_at(&parts, total - TRAILER_BYTES, &mut trailer).map_err(|_| truncated())?;
        let sealed_len = u64::from_le_bytes(trailer[8..16].try_into().expect("8 bytes"));
        if &trailer[..8] != TRAILER_MAGIC || sealed_len != total - header_len - TRAILER_BYTES {
            return Err(truncated());
        }
        Ok(Bundle {
            header,
            parts,
            header_bytes,
            sealed_len,
            sealed_sha256: trailer[16..48].try_into().expect("32 bytes"),
            signature: trailer[48..].try_into().expect("64 bytes"),
            name,
        })
    }

    /// The files of this bundle, in order.
    pub fn files(&self) -> Vec<PathBuf> {
        self.parts.iter().map(|(p, _)| p.clone()).collect()
    }

    /// Bytes in all its files.
    pub fn size(&self) -> u64 {
        self.parts.iter().map(|(_, s)| s).sum()
    }

    fn sealed(&self) -> Span {
        Span::new(&self.parts, self.header_bytes.len() as u64, self.sealed_len)
    }

    fn bad_signature(&self) -> BundleError {
        BundleError::BadSignature {
            file: self.name.clone(),
            signer: format!("{} ({})", self.header.device, self.header.signer),
        }
    }

    /// Checks the signature by `signer` over the header and the sealed bytes (hashing them all).
    pub fn verify(&self, signer: &VerifyingKey) -> Result<()> {
        if crate::public_key_text(signer) != self.header.signer {
            return Err(self.bad_signature());
        }
        let message =
            format::signed_message(&self.header_bytes, self.sealed_len, &self.sealed_sha256);
        signer
            .verify(&message, &Signature::from_bytes(&self.signature))
            .map_err(|_| self.bad_signature())?;
        let mut hashing = Hashing {
            inner: self.sealed(),
            hash: Sha256::new(),
        };
        std::io::copy(&mut hashing, &mut std::io::sink()).map_err(io(Path::new(&self.name)))?;
        let digest: [u8; 32] = hashing.hash.finalize().into();
        if digest != self.sealed_sha256 {
            return Err(self.bad_signature());
        }
        Ok(())
    }

    /// Checks the signature, then opens the sealed records with the one of `identities` the
    /// header names (a server keeps its retired identities) and reads them all;
    /// the sealed bytes are hashed again as they are read, so what is returned is what was
    /// signed. Any fault refuses the whole bundle.
    pub fn unseal(
        &self,
        signer: &VerifyingKey,
        identities: &[&age::x25519::Identity],
    ) -> Result<Contents> {
        let Some(identity) = identities
            .iter()
            .find(|i| key_id(&i.to_public()) == self.header.sealed_to)
        else {
            return Err(BundleError::WrongRecipient {
                file: self.name.clone(),
                found: self.header.sealed_to.clone(),
                expected: identities
                    .iter()
                    .map(|i| key_id(&i.to_public()))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let expected = self.header.sealed_to.clone();
        self.verify(signer)?;
        let damaged = |why: String| BundleError::Damaged {
            file: self.name.clone(),
            why,
        };
        let mut hashing = Hashing {
            inner: self.sealed(),
            hash: Sha256::new(),
        };
        let contents = {
            let decryptor = age::Decryptor::new(&mut hashing)
                .map_err(|e| damaged(format!("its sealed part does not open ({e})")))?;
            let stream = decryptor
                .decrypt(std::iter::once(*identity as &dyn age::Identity))
                .map_err(|_| BundleError::WrongRecipient {
                    file: self.name.clone(),
                    found: self.header.sealed_to.clone(),
                    expected: expected.clone(),
                })?;
            let mut input =
                zstd::stream::read::Decoder::new(stream).map_err(|e| damaged(e.to_string()))?;
            let opening =
                match format::read_frame(&mut input, self.header.format).map_err(&damaged)? {
                    Frame::Opening(o) => o,
                    _ => return Err(damaged("it does not start with its opening".into())),
                };
            if opening.bundle_id != self.header.bundle_id
                || opening.kind != self.header.kind
                || opening.device != self.header.device
            {
                return Err(damaged(
                    "its sealed records belong to another bundle than its header".into(),
                ));
            }
            let mut records = Vec::new();
            loop {
                match format::read_frame(&mut input, self.header.format).map_err(&damaged)? {
                    Frame::Record(r) => records.push(r),
                    Frame::End(n) if n == records.len() as u64 => break,
                    Frame::End(n) => {
                        return Err(damaged(format!(
                            "it says {n} records and holds {}",
                            records.len()
                        )));
                    }
                    Frame::Opening(_) => return Err(damaged("a second opening".into())),
                }
            }
            let mut rest = [0u8; 1];
            if input.read(&mut rest).map_err(|e| damaged(e.to_string()))? != 0 {
                return Err(damaged("bytes follow its last record".into()));
            }
            Contents {
                header: self.header.clone(),
                opening,
                records,
            }
        };
        std::io::copy(&mut hashing, &mut std::io::sink()).map_err(io(Path::new(&self.name)))?;
        let digest: [u8; 32] = hashing.hash.finalize().into();
        if digest != self.sealed_sha256 {
            return Err(self.bad_signature());
        }
        Ok(contents)
    }
}
