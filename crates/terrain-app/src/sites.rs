//! The site registry and attachments, as the form uses them.

use crate::{App, AppError, ErrorCode, Result};
use std::path::Path;
use terrain_domain::{Attachment, Site, limits};

impl App {
    pub fn sites(&self) -> Result<Vec<Site>> {
        Ok(self.store.sites()?)
    }

    /// Adds or updates a site; the registry's rules apply (region spelled as the gazetteer).
    pub fn save_site(&self, site: &serde_json::Value) -> Result<Site> {
        let site: Site = serde_json::from_value(site.clone())
            .map_err(|e| AppError::new(ErrorCode::Invalid, format!("site: {e}")))?;
        Ok(self.store.save_site(site)?)
    }

    /// Copies a photo or document into the store (named by its sha256, fsynced) and returns
    /// what the report records of it.
    pub fn attach(&self, path: &Path) -> Result<Attachment> {
        let storage = |e: std::io::Error| {
            AppError::new(ErrorCode::Storage, format!("{}: {e}", path.display()))
        };
        let size = std::fs::metadata(path).map_err(storage)?.len();
        if size > limits::ATTACHMENT_BYTES {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!(
                    "attachments: {} is larger than {} MB",
                    path.display(),
                    limits::ATTACHMENT_BYTES / (1024 * 1024)
                ),
            ));
        }
        let bytes = std::fs::read(path).map_err(storage)?;
        let sha256 = self.store.put_attachment(&bytes)?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| sha256.clone());
        Ok(Attachment {
            sha256,
            media_type: media_type(&file_name).into(),
            size,
            file_name,
            caption: None,
        })
    }
}

/// The media type by extension: photos and the documents field staff carry.
fn media_type(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}
