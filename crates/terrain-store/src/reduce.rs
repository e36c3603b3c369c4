//! Reduced copies of photos: decoded, turned upright, scaled so the longest side is
//! [`REDUCED_SIDE`] and encoded as JPEG, made when a report is saved final under
//! [`PhotoPolicy::ReducedFirst`](crate::PhotoPolicy). The record side (which photos want a
//! copy, how it is marked) is `terrain_domain::reduced`.

use crate::PhotoPolicy;
use crate::{Result, Store};
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageReader};
use std::io::Cursor;
use terrain_domain::reduced::REDUCED_SIDE;
use terrain_domain::{Attachment, Status, ValidReport};

/// JPEG quality of a copy: 80 keeps text on signs and faces readable at a third of the bytes
/// of quality 95.
const QUALITY: u8 = 80;

/// A JPEG of `bytes`' picture with its longest side at most [`REDUCED_SIDE`], or None when
/// the picture cannot be read or the copy would not be smaller than the original.
pub fn reduced_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut decoder = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_decoder()
        .ok()?;
    // Phones store a photo sideways with an orientation tag; the copy carries no tag.
    let orientation = decoder.orientation().ok()?;
    let mut picture = DynamicImage::from_decoder(decoder).ok()?;
    picture.apply_orientation(orientation);
    if picture.width().max(picture.height()) > REDUCED_SIDE {
        picture = picture.resize(REDUCED_SIDE, REDUCED_SIDE, FilterType::Triangle);
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&DynamicImage::ImageRgb8(picture.to_rgb8()))
        .ok()?;
    (out.len() < bytes.len()).then_some(out)
}

impl Store {
    /// The reduced copy of the photo `original` as a stored attachment (the record side names
    /// and marks it), or None when the device lacks the photo or a copy would not help.
    pub fn reduced_copy(&self, original: &Attachment) -> Result<Option<Attachment>> {
        let Some(bytes) = self.attachment(&original.sha256)? else {
            return Ok(None);
        };
        let Some(copy) = reduced_jpeg(&bytes) else {
            return Ok(None);
        };
        let sha256 = self.put_attachment(&copy)?;
        Ok(Some(Attachment {
            sha256,
            size: copy.len() as u64,
            ..original.clone()
        }))
    }

    /// A final report saved under [`PhotoPolicy::ReducedFirst`] gains a reduced copy of each
    /// photo that lacks one, so the copy is in the revision the server gets.
    pub(crate) fn add_reduced_copies(&self, report: ValidReport) -> Result<ValidReport> {
        if report.status != Status::Final || self.photo_policy()? != PhotoPolicy::ReducedFirst {
            return Ok(report);
        }
        let mut failed = None;
        let report = report.with_reduced_copies(|original| {
            self.reduced_copy(original).unwrap_or_else(|e| {
                failed.get_or_insert(e);
                None
            })
        });
        match failed {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }
}
