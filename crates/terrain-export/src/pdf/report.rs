//! One report, every field: what an official prints, signs and hands over.

use super::page::{BLACK, CONTENT_WIDTH, GREY, INK, MARGIN, Pages, RULE, leading};
use super::text::{self, Weight};
use super::{Written, metadata, utc, words};
use crate::{ExportError, Result, SiteNames};
use chrono::{DateTime, Utc};
use krilla::image::Image;
use std::io::Write;
use terrain_domain::{Amount, Attachment, ClaimsSummary, Report, Revision, sha256_hex};

/// The report's head revision and what goes with it.
pub struct ReportPdf<'a> {
    pub revision: &'a Revision,
    pub sites: &'a SiteNames,
    /// How many heads the report has; more than one is an unresolved conflict, said on page 1.
    pub heads: usize,
    /// An attachment's bytes, by sha256, or why they cannot be had (e.g. "not on this device").
    pub attachment: &'a dyn Fn(&str) -> Fetched,
    pub generated_at: DateTime<Utc>,
}

const BODY: f32 = 9.5;
const LABEL_WIDTH: f32 = 112.0;
const PHOTO_MAX_WIDTH: f32 = CONTENT_WIDTH * 0.75;
const PHOTO_MAX_HEIGHT: f32 = 300.0;

/// Writes the PDF of one report. Errors with [`ExportError::Damaged`] when the revision's
/// content no longer matches its hash: a PDF must never vouch for altered data.
pub fn write_report(out: &mut dyn Write, pdf: &ReportPdf) -> Result<Written> {
    let rev = pdf.revision;
    if !rev.hash_matches() {
        return Err(ExportError::Damaged(rev.id.to_string()));
    }
    let r = &rev.content;
    let mut pages = Pages::new();
    let title = if r.title.is_empty() {
        "(untitled report)"
    } else {
        &r.title
    };
    pages.paragraph(title, Weight::Bold, 16.0, MARGIN, CONTENT_WIDTH, INK);
    pages.y += 6.0;
    identity(&mut pages, pdf);
    when_where_what(&mut pages, r);
    who(&mut pages, r, pdf.sites);
    figures(&mut pages, r);
    sources(&mut pages, r);
    if !r.narrative.is_empty() {
        heading(&mut pages, "Narrative");
        for para in r.narrative.split('\n') {
            pages.paragraph(para, Weight::Regular, 10.0, MARGIN, CONTENT_WIDTH, BLACK);
        }
    }
    if r.damage.is_some() || !r.tags.is_empty() {
        heading(&mut pages, "Damage and tags");
        if let Some(d) = &r.damage {
            field(&mut pages, "Damage", d);
        }
        if !r.tags.is_empty() {
            field(&mut pages, "Tags", &r.tags.join(", "));
        }
    }
    attachments(&mut pages, r, pdf.attachment);
    let count = pages.count();
    let bytes = pages.finish(
        &format!("Terrain report {} · revision {}", r.id, rev.id),
        metadata(title, pdf.generated_at),
    )?;
    out.write_all(&bytes)
        .map_err(|e| ExportError::Pdf(e.to_string()))?;
    Ok(Written {
        reports: 1,
        pages: count,
    })
}

/// The block that lets a reader check the paper against the record.
fn identity(pages: &mut Pages, pdf: &ReportPdf) {
    let rev = pdf.revision;
    let rows = [
        ("Report", rev.report_id.to_string()),
        ("Revision", rev.id.to_string()),
        ("Content SHA-256", rev.content_hash.clone()),
        ("Status", rev.content.status.as_str().to_string()),
        (
            "Saved",
            format!(
                "{} by {} on {}",
                utc(rev.created_at),
                rev.author,
                rev.device
            ),
        ),
        ("Generated", utc(pdf.generated_at)),
    ];
    let top = pages.y;
    pages.y += 6.0;
    for (label, value) in rows {
        field(pages, label, &value);
    }
    pages.paragraph(
        "To check this paper is unaltered: `terrain report history` lists this revision with the same SHA-256 and says whether it still matches the content.",
        Weight::Regular,
        8.0,
        MARGIN + 6.0,
        CONTENT_WIDTH - 12.0,
        GREY,
    );
    pages.y += 4.0;
    pages.rule(MARGIN, top, CONTENT_WIDTH, 0.8, RULE);
    pages.rule(MARGIN, pages.y, CONTENT_WIDTH, 0.8, RULE);
    if pdf.heads > 1 {
        pages.y += 6.0;
        pages.paragraph(
            &format!(
                "Warning: this report has {} conflicting versions waiting to be resolved; this PDF shows revision {}.",
                pdf.heads, rev.id
            ),
            Weight::Bold,
            BODY,
            MARGIN,
            CONTENT_WIDTH,
            (150, 30, 30),
        );
    }
}

fn heading(pages: &mut Pages, title: &str) {
    heading_kept_with(pages, title, 4.0 * leading(BODY));
}

/// A heading never ends a page: it goes over with the first `keep` points of what follows.
fn heading_kept_with(pages: &mut Pages, title: &str, keep: f32) {
    pages.ensure(leading(11.0) + 14.0 + keep);
    pages.y += 10.0;
    pages.paragraph(title, Weight::Bold, 11.0, MARGIN, CONTENT_WIDTH, INK);
    pages.rule(MARGIN, pages.y, CONTENT_WIDTH, 0.6, INK);
    pages.y += 4.0;
}

/// A label on the left, its value wrapped on the right; long values go on over pages.
fn field(pages: &mut Pages, label: &str, value: &str) {
    let x = MARGIN + LABEL_WIDTH;
    let width = CONTENT_WIDTH - LABEL_WIDTH;
    let value = if value.is_empty() {
        "(not given)"
    } else {
        value
    };
    let mut first = true;
    for line in text::lines(value, Weight::Regular, BODY, width) {
        pages.ensure(leading(BODY));
        let y = pages.y;
        if first {
            let label = text::lines(label, Weight::Bold, BODY - 1.0, LABEL_WIDTH - 8.0);
            pages.place(label, MARGIN, y + 0.8, LABEL_WIDTH - 8.0, GREY);
            first = false;
        }
        pages.y += pages.place(vec![line], x, y, width, BLACK);
    }
    pages.y += 1.5;
}

fn when_where_what(pages: &mut Pages, r: &Report) {
    heading(pages, "When");
    let w = &r.when;
    let when = w.line();
    field(pages, "Date", &when);
    field(pages, "Precision", &words(&w.precision));
    let offset = w.utc_offset_minutes;
    field(
        pages,
        "Device clock",
        &format!(
            "UTC{}{:02}:{:02}",
            if offset < 0 { '-' } else { '+' },
            offset.abs() / 60,
            offset.abs() % 60
        ),
    );

    heading(pages, "Where");
    let l = &r.location;
    field(pages, "Region", &l.admin1);
    field(pages, "Cercle", l.admin2.as_deref().unwrap_or(""));
    field(pages, "Commune", l.admin3.as_deref().unwrap_or(""));
    field(pages, "Place", l.place.as_deref().unwrap_or(""));
    if let Some(c) = l.coordinates {
        field(
            pages,
            "Coordinates",
            &format!("{:.5}, {:.5} (WGS 84)", c.latitude, c.longitude),
        );
    }
    field(pages, "Precision", &words(&l.geo_precision));

    heading(pages, "What");
    field(
        pages,
        "Event type",
        r.what.event_type.map_or("", |e| e.label()),
    );
    field(
        pages,
        "Sub-event type",
        r.what.sub_event_type.map_or("", |e| e.label()),
    );
    if !r.what.categories.is_empty() {
        let cats: Vec<String> = r.what.categories.iter().map(|c| c.words()).collect();
        field(pages, "Categories", &cats.join(", "));
    }
}

fn who(pages: &mut Pages, r: &Report, sites: &SiteNames) {
    if r.perpetrators.is_empty() && r.targets.is_empty() && r.sites.is_empty() {
        return;
    }
    heading(pages, "Who");
    for a in &r.perpetrators {
        let inter = a
            .inter
            .map(|i| format!(", ACLED actor type {i}"))
            .unwrap_or_default();
        field(
            pages,
            "Perpetrator",
            &text::ltr(format!("{} ({}{inter})", a.name, words(&a.attribution))),
        );
    }
    if !r.targets.is_empty() {
        field(pages, "Targets", &r.targets.join(", "));
    }
    for s in &r.sites {
        let name = sites
            .get(&s.site_id)
            .map_or("(site not in this device's registry)", String::as_str);
        let damage = s
            .damage
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        field(pages, "Site", &text::ltr(format!("{name}{damage}")));
    }
}

fn amount(a: Amount) -> String {
    match a {
        Amount::Exact(n) => n.to_string(),
        Amount::Range { .. } => {
            let (lo, hi) = a.bounds();
            format!("{lo}\u{2013}{hi}")
        }
        Amount::Vague(v) => format!("{} (counted as {})", words(&v), v.value()),
    }
}

fn figures(pages: &mut Pages, r: &Report) {
    if r.figures.is_empty() {
        return;
    }
    heading(pages, "Figures");
    for (kind, claims) in &r.figures {
        let Some(summary) = ClaimsSummary::of(claims) else {
            continue;
        };
        pages.ensure(3.0 * leading(BODY));
        pages.y += 2.0;
        pages.paragraph(
            &format!("{}: {summary}", kind.label()),
            Weight::Bold,
            10.0,
            MARGIN,
            CONTENT_WIDTH,
            BLACK,
        );
        for c in claims {
            let source = r
                .sources
                .iter()
                .find(|s| s.key == c.source)
                .map_or(c.source.as_str(), |s| s.name.as_str());
            let mut line = text::ltr(format!("{} — {source}", amount(c.amount)));
            if let Some(d) = c.said_on {
                line.push_str(&format!(", said on {d}"));
            }
            if let Some(n) = &c.note {
                line.push_str(&format!(" ({n})"));
            }
            pages.paragraph(
                &line,
                Weight::Regular,
                BODY,
                MARGIN + 16.0,
                CONTENT_WIDTH - 16.0,
                BLACK,
            );
        }
    }
}

fn sources(pages: &mut Pages, r: &Report) {
    if r.sources.is_empty() {
        return;
    }
    heading(pages, "Sources");
    // Contacts never appear: the paper leaves the device.
    for s in &r.sources {
        let mut value = text::ltr(format!(
            "{} — {}, reliability: {}",
            s.name,
            words(&s.kind),
            words(&s.reliability)
        ));
        if let Some(url) = &s.url {
            value.push_str(&format!("\n{url}"));
        }
        if let Some(note) = &s.note {
            value.push_str(&format!("\n{note}"));
        }
        field(pages, &s.key, &value);
    }
}

/// A photo the device holds, unaltered, as krilla reads it.
/// What [`ReportPdf::attachment`] gives: the bytes, or why not, in words for the page.
pub type Fetched = std::result::Result<Vec<u8>, &'static str>;

fn photo(a: &Attachment, bytes: Fetched) -> std::result::Result<Image, &'static str> {
    let bytes = bytes?;
    if sha256_hex(&bytes) != a.sha256 {
        return Err("its file no longer matches its SHA-256");
    }
    match a.media_type.as_str() {
        "image/jpeg" => Image::from_jpeg(bytes.into(), true),
        "image/png" => Image::from_png(bytes.into(), true),
        _ => return Err("not a photo"),
    }
    .map_err(|_| "not a readable image")
}

/// A photo's size on paper: as large as fits the box, never enlarged more than twice.
fn photo_size(image: &Image) -> (f32, f32) {
    let (w, h) = image.size();
    let (w, h) = (w as f32, h as f32);
    let scale = (PHOTO_MAX_WIDTH / w).min(PHOTO_MAX_HEIGHT / h).min(2.0);
    (w * scale, h * scale)
}

fn attachments(pages: &mut Pages, r: &Report, fetch: &dyn Fn(&str) -> Fetched) {
    if r.attachments.is_empty() {
        return;
    }
    let photos: Vec<_> = r
        .attachments
        .iter()
        .map(|a| {
            let is_photo = a.media_type.starts_with("image/");
            (
                a,
                photo(
                    a,
                    if is_photo {
                        fetch(&a.sha256)
                    } else {
                        Err("not a photo")
                    },
                ),
            )
        })
        .collect();
    let first = match &photos[0].1 {
        Ok(image) => photo_size(image).1 + 3.0 * leading(BODY),
        Err(_) => 3.0 * leading(BODY),
    };
    heading_kept_with(pages, "Attachments", first);
    for (a, photo) in photos {
        let about = text::ltr(format!(
            "{} ({}, {} KB, SHA-256 {})",
            a.file_name,
            a.media_type,
            a.size.div_ceil(1024),
            a.sha256
        ));
        let caption = a.caption.as_deref().unwrap_or("");
        let is_photo = a.media_type.starts_with("image/");
        match photo {
            Ok(image) => {
                let (w, h) = photo_size(&image);
                pages.ensure(h + 3.0 * leading(BODY) + 8.0);
                pages.y += 4.0;
                pages.image(image, MARGIN, pages.y, w, h);
                pages.y += h + 3.0;
                if !caption.is_empty() {
                    pages.paragraph(caption, Weight::Bold, BODY, MARGIN, CONTENT_WIDTH, BLACK);
                }
                pages.paragraph(&about, Weight::Regular, 7.5, MARGIN, CONTENT_WIDTH, GREY);
                pages.y += 4.0;
            }
            Err(why) => {
                let note = if is_photo {
                    format!("{about}; photo not shown: {why}")
                } else {
                    about
                };
                let value = if caption.is_empty() {
                    note
                } else {
                    format!("{caption}\n{note}")
                };
                field(pages, "File", &value);
            }
        }
    }
}
