//! The server's identity keys, kept in one file beside the contact key (`server.keys`, owner
//! only, never in the database): an Ed25519 signing key for receipts and an age X25519 identity
//! bundles are sealed to. Made at first start; rotated by `terrain-server keys rotate`, which
//! keeps each old pair as "retired": its public signing key still checks the receipts it signed
//! (devices learn it with the current keys) and its sealing identity still opens bundles sealed
//! to it. See `docs/receipts.md`.
//!
//! The file, one key pair a line, `#` comments:
//!
//! ```text
//! current ed25519:<base64 seed> AGE-SECRET-KEY-1...
//! retired <RFC 3339 time> <base64 public signing key> AGE-SECRET-KEY-1...
//! ```

use age::secrecy::ExposeSecret;
use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::io::Write;
use std::path::{Path, PathBuf};
use terrain_protocol::receipt::{self, ReceiptError};
use terrain_protocol::{Receipt, ReceiptBody, RetiredKey, ServerKeys};
use uuid::Uuid;
use zeroize::Zeroizing;

/// A signing key and sealing identity the server used before a rotation.
pub struct Retired {
    pub at: DateTime<Utc>,
    pub signing: VerifyingKey,
    pub sealing: age::x25519::Identity,
}

/// The server's keys: the current pair and the retired ones.
pub struct ServerKeyring {
    signing: SigningKey,
    sealing: age::x25519::Identity,
    retired: Vec<Retired>,
}

impl std::fmt::Debug for ServerKeyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerKeyring({})", self.fingerprint())
    }
}

/// Where the keys live unless `--server-keys` says: beside the contact key.
pub fn default_path(contact_key: &Path) -> PathBuf {
    let dir = contact_key.parent().unwrap_or(Path::new("."));
    dir.join("server.keys")
}

fn random_signing_key() -> SigningKey {
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut()).expect("the OS gives random bytes");
    SigningKey::from_bytes(&seed)
}

impl ServerKeyring {
    /// New random keys, nothing retired (tests; [`ServerKeyring::load_or_create`] for a server).
    pub fn generate() -> ServerKeyring {
        ServerKeyring {
            signing: random_signing_key(),
            sealing: age::x25519::Identity::generate(),
            retired: Vec::new(),
        }
    }

    /// The keys in `path`, or new ones written there, owner-only (0600), when there is no file
    /// yet. Two servers starting together never write two different keys (the file is created
    /// exclusively; the loser reads the winner's).
    pub fn load_or_create(path: &Path) -> Result<ServerKeyring> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let text = Zeroizing::new(text);
                ServerKeyring::read(&text)
                    .with_context(|| format!("server keys {}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let keys = ServerKeyring::generate();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("server keys {}", path.display()))?;
                }
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = match options.open(path) {
                    Ok(file) => file,
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        // Another process is writing it: wait for its whole file.
                        std::thread::sleep(std::time::Duration::from_millis(200));
                        return ServerKeyring::load_or_create(path);
                    }
                    Err(e) => return Err(e).context(format!("server keys {}", path.display())),
                };
                file.write_all(keys.write().as_bytes())
                    .and_then(|_| file.sync_all())
                    .with_context(|| format!("server keys {}", path.display()))?;
                tracing::info!(path = %path.display(), fingerprint = %keys.fingerprint(), "made the server's keys");
                Ok(keys)
            }
            Err(e) => Err(e).context(format!("server keys {}", path.display())),
        }
    }

    /// Retires the current pair and makes a new one, written to `path` whole (a temporary file,
    /// fsynced, renamed over it). Servers sharing the file read it at their next start.
    pub fn rotate(path: &Path, now: DateTime<Utc>) -> Result<ServerKeyring> {
        let mut keys = ServerKeyring::load_or_create(path)?;
        let old = std::mem::replace(
            &mut keys,
            ServerKeyring {
                signing: random_signing_key(),
                sealing: age::x25519::Identity::generate(),
                retired: Vec::new(),
            },
        );
        keys.retired = old.retired;
        keys.retired.push(Retired {
            at: now,
            signing: old.signing.verifying_key(),
            sealing: old.sealing,
        });
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        let dir = dir.unwrap_or(Path::new("."));
        let temp = dir.join(format!(".server.keys.{}", Uuid::now_v7()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&temp).and_then(|mut file| {
            file.write_all(keys.write().as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temp, path)?;
            std::fs::File::open(dir)?.sync_all()
        });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(e).context(format!("server keys {}", path.display()));
        }
        Ok(keys)
    }

    fn read(text: &str) -> Result<ServerKeyring> {
        let mut current = None;
        let mut retired = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |why: &str| anyhow!("line {}: {why}", n + 1);
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["current", signing, sealing] => {
                    if current.is_some() {
                        bail!(bad("a second current key pair"));
                    }
                    let seed = signing
                        .strip_prefix("ed25519:")
                        .and_then(|s| STANDARD.decode(s).ok())
                        .map(Zeroizing::new)
                        .ok_or_else(|| bad("the signing key is not ed25519:<base64>"))?;
                    let seed: [u8; 32] = seed
                        .as_slice()
                        .try_into()
                        .map_err(|_| bad("the signing key is not 32 bytes"))?;
                    let sealing: age::x25519::Identity = sealing
                        .parse()
                        .map_err(|_| bad("the sealing identity is not an age secret key"))?;
                    current = Some((SigningKey::from_bytes(&seed), sealing));
                }
                ["retired", at, signing, sealing] => retired.push(Retired {
                    at: DateTime::parse_from_rfc3339(at)
                        .map_err(|_| bad("the retirement time is not RFC 3339"))?
                        .with_timezone(&Utc),
                    signing: receipt::parse_public_key(signing).map_err(|e| bad(&e.0))?,
                    sealing: sealing
                        .parse()
                        .map_err(|_| bad("the sealing identity is not an age secret key"))?,
                }),
                _ => bail!(bad("not a 'current' or 'retired' key line")),
            }
        }
        let (signing, sealing) = current.ok_or_else(|| anyhow!("no current key pair"))?;
        Ok(ServerKeyring {
            signing,
            sealing,
            retired,
        })
    }

    fn write(&self) -> Zeroizing<String> {
        let mut text = String::from(
            "# Terrain server keys (docs/receipts.md): secret; never in the database or its \
             backups.\n",
        );
        let seed = Zeroizing::new(self.signing.to_bytes());
        text.push_str(&format!(
            "current ed25519:{} {}\n",
            STANDARD.encode(seed.as_ref()),
            self.sealing.to_string().expose_secret()
        ));
        for r in &self.retired {
            text.push_str(&format!(
                "retired {} {} {}\n",
                r.at.to_rfc3339_opts(SecondsFormat::Secs, true),
                receipt::public_key_text(&r.signing),
                r.sealing.to_string().expose_secret()
            ));
        }
        Zeroizing::new(text)
    }

    /// The current signing key's id, as receipts name it.
    pub fn key_id(&self) -> String {
        receipt::key_id(&self.signing.verifying_key())
    }

    /// The current sealing identity (bundles sealed to [`ServerKeyring::recipient`] open with it).
    pub fn sealing(&self) -> &age::x25519::Identity {
        &self.sealing
    }

    /// Every sealing identity, current first: a bundle sealed before a rotation still opens.
    pub fn sealing_identities(&self) -> Vec<&age::x25519::Identity> {
        std::iter::once(&self.sealing)
            .chain(self.retired.iter().map(|r| &r.sealing))
            .collect()
    }

    /// The current signing key (bundles' replies are signed with it too).
    pub fn signing(&self) -> &SigningKey {
        &self.signing
    }

    /// The age recipient (`age1...`) devices seal bundles to.
    pub fn recipient(&self) -> String {
        self.sealing.to_public().to_string()
    }

    /// What the administrator compares with what devices show.
    pub fn fingerprint(&self) -> String {
        receipt::fingerprint(&self.signing.verifying_key(), &self.recipient())
    }

    /// The public half, as the sign-in answer and `GET /v1/server-keys` carry it.
    pub fn public(&self) -> ServerKeys {
        ServerKeys {
            signing: receipt::public_key_text(&self.signing.verifying_key()),
            key_id: self.key_id(),
            sealing: self.recipient(),
            fingerprint: self.fingerprint(),
            retired: self
                .retired
                .iter()
                .map(|r| RetiredKey {
                    signing: receipt::public_key_text(&r.signing),
                    key_id: receipt::key_id(&r.signing),
                    retired_at: r.at.to_rfc3339_opts(SecondsFormat::Secs, true),
                })
                .collect(),
        }
    }

    /// The receipt of a stored revision, signed with the current key. Deterministic: the same
    /// row gives the same receipt.
    pub fn receipt(
        &self,
        report_id: Uuid,
        rev_id: Uuid,
        content_hash: &str,
        seq: i64,
        received_at: DateTime<Utc>,
    ) -> Result<Receipt, ReceiptError> {
        receipt::sign(
            ReceiptBody {
                version: receipt::RECEIPT_VERSION,
                key_id: self.key_id(),
                report_id,
                rev_id,
                content_hash: content_hash.to_string(),
                seq,
                received_at: received_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            },
            &self.signing,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_once_kept_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.keys");
        let made = ServerKeyring::load_or_create(&path).unwrap();
        let again = ServerKeyring::load_or_create(&path).unwrap();
        assert_eq!(made.public(), again.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(made.recipient().starts_with("age1"));
    }

    #[test]
    fn rotation_retires_the_old_pair_whose_receipts_still_verify() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.keys");
        let old = ServerKeyring::load_or_create(&path).unwrap();
        let receipt = old
            .receipt(Uuid::nil(), Uuid::nil(), &"0".repeat(64), 1, Utc::now())
            .unwrap();
        let new = ServerKeyring::rotate(&path, Utc::now()).unwrap();
        assert_ne!(new.key_id(), old.key_id());
        let read = ServerKeyring::load_or_create(&path).unwrap();
        let public = read.public();
        assert_eq!(public, new.public());
        assert_eq!(public.retired.len(), 1);
        let signer = public.signing_key(&receipt.body.key_id).unwrap();
        let signer = receipt::parse_public_key(signer).unwrap();
        assert_eq!(receipt::verify(&receipt, &signer), Ok(()));
        assert_eq!(read.sealing_identities().len(), 2);
    }

    #[test]
    fn a_damaged_key_file_is_refused_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.keys");
        std::fs::write(&path, "current ed25519:AAAA AGE-SECRET-KEY-1XYZ\n").unwrap();
        let why = format!("{:#}", ServerKeyring::load_or_create(&path).unwrap_err());
        assert!(why.contains("line 1"), "{why}");
    }
}
