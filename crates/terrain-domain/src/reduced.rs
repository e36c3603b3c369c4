//! Reduced copies of photos: a smaller JPEG of a photo that goes before it on a slow link, so
//! the centre sees the picture early. A copy is an attachment of the same report whose
//! `reduced_of` names the original's sha256; both are hashed and both stay in the history.
//! Decoding and encoding the pixels is the store's (`terrain_store::reduce`); this is the
//! record side: which photos want a copy, and how a copy joins the report.

use crate::report::{Attachment, Report};
use crate::validate::{ValidReport, limits::LIST_ITEMS};

/// A reduced copy's longest side, in pixels: a 1280 px JPEG at quality 80 is about 150 to
/// 300 KB, a tenth of a phone's photo, and still shows faces, vehicles and damage.
pub const REDUCED_SIDE: u32 = 1280;

impl Attachment {
    /// A picture the device can decode and reduce.
    pub fn is_photo(&self) -> bool {
        matches!(
            self.media_type.as_str(),
            "image/jpeg" | "image/png" | "image/webp"
        )
    }
}

/// Whether `sha256` is an original (not itself a copy) among `report`'s attachments.
pub fn is_original_in(report: &Report, sha256: &str) -> bool {
    report
        .attachments
        .iter()
        .any(|a| a.sha256 == sha256 && a.reduced_of.is_none())
}

/// A copy whose original left the report goes with it (the copy is the original's, not a
/// photo of its own).
pub(crate) fn drop_orphan_copies(report: &mut Report) {
    let held: Vec<String> = report
        .attachments
        .iter()
        .map(|a| a.sha256.clone())
        .collect();
    report
        .attachments
        .retain(|a| a.reduced_of.as_ref().is_none_or(|o| held.contains(o)));
}

/// The photos of `report` that have no reduced copy yet.
pub fn wanting_copies(report: &Report) -> Vec<&Attachment> {
    report
        .attachments
        .iter()
        .filter(|a| a.is_photo() && a.reduced_of.is_none())
        .filter(|a| {
            !report
                .attachments
                .iter()
                .any(|c| c.reduced_of.as_deref() == Some(&a.sha256))
        })
        .collect()
}

impl ValidReport {
    /// Adds the reduced copy `make` gives for each photo lacking one (`None`: the photo is
    /// small enough already, or the device cannot read it), named after the original and
    /// marked as its copy. The list's bound is kept: copies that would pass it are left out.
    pub fn with_reduced_copies(
        self,
        mut make: impl FnMut(&Attachment) -> Option<Attachment>,
    ) -> ValidReport {
        let mut report = self.into_inner();
        let copies: Vec<Attachment> = wanting_copies(&report)
            .into_iter()
            .filter_map(|original| {
                let copy = make(original)?;
                Some(Attachment {
                    media_type: "image/jpeg".into(),
                    file_name: reduced_name(&original.file_name),
                    caption: None,
                    reduced_of: Some(original.sha256.clone()),
                    ..copy
                })
            })
            .collect();
        let room = LIST_ITEMS.saturating_sub(report.attachments.len());
        report.attachments.extend(copies.into_iter().take(room));
        ValidReport::trusted(report)
    }
}

/// `IMG_0042.png` → `IMG_0042 (reduced).jpg`.
fn reduced_name(original: &str) -> String {
    let stem = original
        .rsplit_once('.')
        .map_or(original, |(stem, _)| stem)
        .trim();
    let stem = if stem.is_empty() { "photo" } else { stem };
    let stem: String = stem.chars().take(400).collect();
    format!("{stem} (reduced).jpg")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::check;

    fn photo(sha: char, name: &str, media_type: &str) -> Attachment {
        Attachment {
            sha256: sha.to_string().repeat(64),
            media_type: media_type.into(),
            size: 3_000_000,
            file_name: name.into(),
            caption: Some("the market".into()),
            reduced_of: None,
        }
    }

    fn report(attachments: Vec<Attachment>) -> Report {
        let mut r: Report = crate::parse_json(include_str!(
            "../../../docs/examples/bafoulabe-plants-attack.json"
        ))
        .expect("example report");
        r.attachments = attachments;
        r
    }

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    #[test]
    fn each_photo_gets_one_copy_named_after_it_and_marked_as_its_copy() {
        let r = report(vec![
            photo('a', "IMG_1.png", "image/png"),
            photo('b', "notes.pdf", "application/pdf"),
        ]);
        let valid = check(r, today()).expect("valid");
        let mut asked = Vec::new();
        let with = valid.with_reduced_copies(|a| {
            asked.push(a.sha256.clone());
            Some(Attachment {
                sha256: "c".repeat(64),
                size: 200_000,
                ..a.clone()
            })
        });
        assert_eq!(asked, vec!["a".repeat(64)], "only the photo is reduced");
        let copy = &with.attachments[2];
        assert_eq!(copy.reduced_of.as_deref(), Some("a".repeat(64).as_str()));
        assert_eq!(copy.file_name, "IMG_1 (reduced).jpg");
        assert_eq!(copy.media_type, "image/jpeg");
        assert_eq!((copy.size, copy.caption.as_deref()), (200_000, None));
        // Still valid, and a second pass adds nothing: the photo has its copy.
        let again = check(with.into_inner(), today()).expect("copy is valid");
        let again = again.with_reduced_copies(|_| panic!("asked twice"));
        assert_eq!(again.attachments.len(), 3);
    }

    #[test]
    fn a_copy_leaves_with_its_original_and_must_name_one() {
        let mut copy = photo('c', "IMG_1 (reduced).jpg", "image/jpeg");
        copy.reduced_of = Some("a".repeat(64));
        let kept = check(
            report(vec![photo('a', "IMG_1.jpg", "image/jpeg"), copy.clone()]),
            today(),
        )
        .expect("valid");
        assert_eq!(kept.attachments.len(), 2);
        let alone = check(report(vec![copy.clone()]), today()).expect("valid");
        assert!(alone.attachments.is_empty(), "orphan copy dropped");
        // A copy of a copy names no original.
        let mut second = photo('d', "x.jpg", "image/jpeg");
        second.reduced_of = Some("c".repeat(64));
        let problems = check(
            report(vec![photo('a', "IMG_1.jpg", "image/jpeg"), copy, second]),
            today(),
        )
        .expect_err("copy of a copy");
        assert!(
            format!("{problems:?}").contains("reduced_of_unknown"),
            "{problems:?}"
        );
    }

    #[test]
    fn records_without_copies_serialise_as_before() {
        let a = photo('a', "IMG_1.jpg", "image/jpeg");
        let json = serde_json::to_string(&a).unwrap();
        assert!(!json.contains("reduced_of"), "{json}");
        let old = r#"{"sha256":"aa","media_type":"image/jpeg","size":1,"file_name":"x.jpg"}"#;
        let parsed: Attachment = serde_json::from_str(old).expect("old attachment parses");
        assert_eq!(parsed.reduced_of, None);
    }
}
