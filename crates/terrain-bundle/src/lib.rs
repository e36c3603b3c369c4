//! Sealed, signed bundles: revisions and photos carried on a USB stick from a device to the
//! server, and a reply carried back (issue 16). The format is in `docs/bundles.md`.
//!
//! A bundle is one byte stream, split into files below FAT32's 4 GiB limit when large:
//!
//! ```text
//! "TERRAIN-BUNDLE 1\n" | u32 LE n | n bytes of header JSON (plain)
//! age stream, sealed to the reader's X25519 recipient, of zstd(frames)
//! trailer: "TBSIG1\0\0" | u64 LE sealed length | sha256 of the sealed bytes | Ed25519 signature
//! ```
//!
//! The signature covers the header's bytes, the sealed bytes' hash and length, so nothing can
//! be changed, cut, swapped between parts or between bundles without the reader refusing it; the
//! sealed stream starts with an [`Opening`] repeating the header's bundle id, kind and device, so
//! a sealed stream lifted into another signed header is refused too.
//!
//! This crate does no I/O beyond the bundle files themselves: callers hand it records and keys.

mod format;
mod keys;
mod read;
mod write;

pub use format::{Cursors, Header, Kind, Opening, Record};
pub use keys::{DeviceKeys, key_id, parse_recipient, parse_verifying_key, public_key_text};
pub use read::{Bundle, Contents};
pub use write::{Writer, bundle_name};

pub use age::x25519::{Identity as SealingIdentity, Recipient as SealingRecipient};
pub use ed25519_dalek::{SigningKey, VerifyingKey};

/// The format this build writes (it reads this one and every older one). Format 2 adds the
/// review decisions and link operations (records 6-8, the opening's feed cursors); format 3
/// the shared sites (records 9-10, the opening's site cursor).
pub const FORMAT_VERSION: u32 = 3;
/// A bundle's first bytes, the same in every format (its "1" is this line's own version): a
/// reader of an older format reaches the header's `format` and refuses it by name.
pub const MAGIC: &[u8] = b"TERRAIN-BUNDLE 1\n";
/// The files' extension.
pub const EXTENSION: &str = "tbundle";
/// The largest part file: below FAT32's limit (4 GiB − 1 byte), with room to spare.
pub const PART_BYTES: u64 = 4_000_000_000;

/// Why a bundle was refused or could not be written. Each says in plain words which file and
/// what is wrong; a refused bundle has changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{file}: not a Terrain bundle (it does not start with \"TERRAIN-BUNDLE 1\")")]
    NotABundle { file: String },
    #[error(
        "{file}: a bundle of format {found}, newer than this program reads ({FORMAT_VERSION}): update Terrain"
    )]
    NewerFormat { file: String, found: u32 },
    #[error(
        "{file}: part of a bundle in {count} files, and {missing} missing: copy every part to the same folder"
    )]
    Incomplete {
        file: String,
        count: usize,
        missing: String,
    },
    #[error(
        "{file}: the bundle is cut short (it ends before its signature): copy it again from the device"
    )]
    Truncated { file: String },
    #[error(
        "{file}: the bundle was changed or damaged after {signer} signed it (its signature does not match): refused"
    )]
    BadSignature { file: String, signer: String },
    #[error(
        "{file}: the bundle is sealed to another key ({found}), not to this one ({expected}): it was written for another server or device"
    )]
    WrongRecipient {
        file: String,
        found: String,
        expected: String,
    },
    /// A device's bundle where a reply was expected (a device reads replies only).
    #[error(
        "{file}: a device's bundle, not a server's reply: import it on the server with `terrain-server bundle import`"
    )]
    NotAReply { file: String },
    /// A reply addressed to another device.
    #[error("{file}: a reply for another device ({found}), not this one ({this})")]
    OtherDevice {
        file: String,
        found: String,
        this: String,
    },
    /// A reply signed by a key that is not one of the reader's server's.
    #[error("{file}: signed by a key that is not this device's server's: refused")]
    UnknownSigner { file: String },
    #[error("{file}: the bundle is damaged: {why}")]
    Damaged { file: String, why: String },
    #[error("{0}")]
    Key(String),
    /// The device lacks the keys a bundle needs (its own, or the server's): it must sign in
    /// online once.
    #[error("{0}")]
    SignInFirst(String),
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = BundleError> = std::result::Result<T, E>;

pub(crate) fn io(file: &std::path::Path) -> impl Fn(std::io::Error) -> BundleError + '_ {
    move |source| BundleError::Io {
        file: file.display().to_string(),
        source,
    }
}
