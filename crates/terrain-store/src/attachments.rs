//! Attachment files, named by their sha256, written whole before any row names them.

use crate::{Result, Store, StoreError};
use std::io::Write;
use std::path::{Path, PathBuf};

impl Store {
    fn attachments_dir(&self) -> PathBuf {
        self.dir().join("attachments")
    }

    /// Where the attachment with this hash lives, if the device holds it.
    pub fn attachment_path(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64 && sha256.chars().all(|c| c.is_ascii_hexdigit());
        let path = self.attachments_dir().join(sha256);
        (valid && path.is_file()).then_some(path)
    }

    /// Stores `bytes` under their sha256: written to a temporary name, fsynced, renamed, and the
    /// directory fsynced, so a power cut leaves either the whole file or none.
    pub fn put_attachment(&self, bytes: &[u8]) -> Result<String> {
        let hash = terrain_domain::sha256_hex(bytes);
        let dir = self.attachments_dir();
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let target = dir.join(&hash);
        if target.is_file() {
            return Ok(hash);
        }
        let temp = dir.join(format!(".{hash}.{}.part", std::process::id()));
        let mut file = std::fs::File::create(&temp).map_err(io(&temp))?;
        file.write_all(bytes)
            .and_then(|_| file.sync_all())
            .map_err(io(&temp))?;
        std::fs::rename(&temp, &target).map_err(io(&target))?;
        std::fs::File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&dir))?;
        Ok(hash)
    }
}
