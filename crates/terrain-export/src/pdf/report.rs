//! One report, every field: what an official prints, signs and hands over.

use super::page::{BLACK, CONTENT_WIDTH, GREY, INK, MARGIN, Pages, RULE, leading};
use super::text::{self, Weight};
use super::{Written, acled, changed_text, choice, figure_text, metadata, review_text, say, utc};
use crate::{ExportError, Result, SiteNames};
use chrono::{DateTime, Utc};
use krilla::image::Image;
use std::io::Write;
use terrain_domain::{
    Amount, Attachment, ClaimsSummary, Lang, Report, ReviewDecision, Revision, sha256_hex,
};

/// The report's head revision and what goes with it.
pub struct ReportPdf<'a> {
    pub revision: &'a Revision,
    pub sites: &'a SiteNames,
    /// How many heads the report has; more than one is an unresolved conflict, said on page 1.
    pub heads: usize,
    /// The report's latest review decision, said in the header; None: not reviewed.
    pub review: Option<&'a ReviewDecision>,
    /// An attachment's bytes, by sha256, or why they cannot be had (e.g. "not on this device").
    pub attachment: &'a dyn Fn(&str) -> Fetched,
    pub generated_at: DateTime<Utc>,
    /// The language of every word on the paper (the record's own text stays as written).
    pub lang: Lang,
}

/// The server's signed receipt of the revision printed (issue 16, docs/receipts.md), as this
/// device keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfReceipt {
    /// When the server stored the revision (RFC 3339, UTC).
    pub received_at: String,
    pub seq: i64,
    pub key_id: String,
    /// Base64 of the Ed25519 signature.
    pub signature: String,
    /// Why it did not check on this device, when it did not.
    pub problem: Option<String>,
}

const BODY: f32 = 9.5;
const LABEL_WIDTH: f32 = 112.0;
const PHOTO_MAX_WIDTH: f32 = CONTENT_WIDTH * 0.75;
const PHOTO_MAX_HEIGHT: f32 = 300.0;

/// Writes the PDF of one report. Errors with [`ExportError::Damaged`] when the revision's
/// content no longer matches its hash: a PDF must never vouch for altered data.
pub fn write_report(out: &mut dyn Write, pdf: &ReportPdf) -> Result<Written> {
    write_report_with_receipt(out, pdf, None)
}

/// [`write_report`], printing the server's receipt of the revision (or that this device keeps
/// none) and how to check it.
pub fn write_report_with_receipt(
    out: &mut dyn Write,
    pdf: &ReportPdf,
    receipt: Option<Option<&PdfReceipt>>,
) -> Result<Written> {
    let rev = pdf.revision;
    if !rev.hash_matches() {
        return Err(ExportError::Damaged(rev.id.to_string()));
    }
    let r = &rev.content;
    let mut pages = Pages::new(pdf.lang);
    let title = if r.title.is_empty() {
        pages.say("pdf.untitled")
    } else {
        r.title.clone()
    };
    pages.paragraph(&title, Weight::Bold, 16.0, MARGIN, CONTENT_WIDTH, INK);
    pages.y += 6.0;
    identity(&mut pages, pdf, receipt);
    when_where_what(&mut pages, r);
    who(&mut pages, r, pdf.sites);
    figures(&mut pages, r);
    sources(&mut pages, r);
    if !r.narrative.is_empty() {
        heading(&mut pages, "pdf.narrative");
        for para in r.narrative.split('\n') {
            pages.paragraph(para, Weight::Regular, 10.0, MARGIN, CONTENT_WIDTH, BLACK);
        }
    }
    if r.damage.is_some() || !r.tags.is_empty() {
        heading(&mut pages, "pdf.damage_and_tags");
        if let Some(d) = &r.damage {
            field(&mut pages, "pdf.damage", d);
        }
        if !r.tags.is_empty() {
            field(&mut pages, "pdf.tags", &r.tags.join(", "));
        }
    }
    attachments(&mut pages, r, pdf.attachment);
    let count = pages.count();
    let footer = say(
        pdf.lang,
        "pdf.footer_report",
        &[("id", r.id.to_string()), ("revision", rev.id.to_string())],
    );
    let bytes = pages.finish(&footer, metadata(&title, pdf.generated_at))?;
    out.write_all(&bytes)
        .map_err(|e| ExportError::Pdf(e.to_string()))?;
    Ok(Written {
        reports: 1,
        pages: count,
    })
}

/// The block that lets a reader check the paper against the record.
fn identity(pages: &mut Pages, pdf: &ReportPdf, receipt: Option<Option<&PdfReceipt>>) {
    let rev = pdf.revision;
    let lang = pdf.lang;
    let saved = say(
        lang,
        "pdf.saved_value",
        &[
            ("at", utc(rev.created_at)),
            ("author", rev.author.clone()),
            ("device", rev.device.clone()),
        ],
    );
    let rows = [
        ("pdf.report", rev.report_id.to_string()),
        ("pdf.revision", rev.id.to_string()),
        ("pdf.content_hash", rev.content_hash.clone()),
        ("pdf.status", choice(lang, "statuses", &rev.content.status)),
        ("pdf.saved", saved),
        ("pdf.generated", utc(pdf.generated_at)),
        (
            "pdf.review",
            pdf.review.map_or_else(
                || say(lang, "pdf.review_none", &[]),
                |d| review_text(lang, d, true),
            ),
        ),
    ];
    let top = pages.y;
    pages.y += 6.0;
    for (label, value) in rows {
        field(pages, label, &value);
    }
    if let Some(changed) = pdf.review.and_then(|d| {
        changed_text(lang, d, rev).map(|changed| {
            let read = say(
                lang,
                "pdf.reviewed_revision",
                &[("revision", d.revision.to_string())],
            );
            format!("{changed} ({read})")
        })
    }) {
        pages.paragraph(
            &changed,
            Weight::Bold,
            BODY,
            MARGIN + LABEL_WIDTH,
            CONTENT_WIDTH - LABEL_WIDTH,
            (150, 30, 30),
        );
    }
    if let Some(receipt) = receipt {
        receipt_rows(pages, lang, rev, receipt);
    }
    pages.paragraph(
        &pages.say("pdf.check_hint"),
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
            &say(
                lang,
                "pdf.conflict",
                &[
                    ("n", pdf.heads.to_string()),
                    ("revision", rev.id.to_string()),
                ],
            ),
            Weight::Bold,
            BODY,
            MARGIN,
            CONTENT_WIDTH,
            (150, 30, 30),
        );
    }
}

/// The server's receipt: when and where in its feed it stored the revision, the key and the
/// signature, and how to check them; or that this device keeps none.
fn receipt_rows(pages: &mut Pages, lang: Lang, rev: &Revision, receipt: Option<&PdfReceipt>) {
    let Some(r) = receipt else {
        field(pages, "pdf.receipt", &say(lang, "pdf.receipt_none", &[]));
        return;
    };
    let mut value = say(
        lang,
        "pdf.receipt_value",
        &[("at", r.received_at.clone()), ("seq", r.seq.to_string())],
    );
    if let Some(why) = &r.problem {
        value.push_str(&say(lang, "pdf.receipt_not_valid", &[("why", why.clone())]));
    }
    field(pages, "pdf.receipt", &value);
    field(pages, "pdf.receipt_key", &r.key_id);
    // 88 base64 characters do not fit one line: two halves, each copied as it is.
    let (first, second) = r.signature.split_at(r.signature.len().min(44));
    field(pages, "pdf.receipt_signature", first);
    if !second.is_empty() {
        labelled(pages, "", second);
    }
    pages.paragraph(
        &say(
            lang,
            "pdf.receipt_hint",
            &[("id", rev.report_id.to_string())],
        ),
        Weight::Regular,
        8.0,
        MARGIN + 6.0,
        CONTENT_WIDTH - 12.0,
        GREY,
    );
}

/// A heading, `code` of the catalogue.
fn heading(pages: &mut Pages, code: &str) {
    heading_kept_with(pages, code, 4.0 * leading(BODY));
}

/// A heading never ends a page: it goes over with the first `keep` points of what follows.
fn heading_kept_with(pages: &mut Pages, code: &str, keep: f32) {
    pages.ensure(leading(11.0) + 14.0 + keep);
    pages.y += 10.0;
    let title = pages.say(code);
    pages.paragraph(&title, Weight::Bold, 11.0, MARGIN, CONTENT_WIDTH, INK);
    pages.rule(MARGIN, pages.y, CONTENT_WIDTH, 0.6, INK);
    pages.y += 4.0;
}

/// A label (`code` of the catalogue) on the left, its value wrapped on the right; long values
/// go on over pages.
fn field(pages: &mut Pages, code: &str, value: &str) {
    let label = pages.say(code);
    labelled(pages, &label, value);
}

/// A label as given on the left (a source's key), its value on the right.
fn labelled(pages: &mut Pages, label: &str, value: &str) {
    let x = MARGIN + LABEL_WIDTH;
    let width = CONTENT_WIDTH - LABEL_WIDTH;
    let not_given = pages.say("pdf.not_given");
    let value = if value.is_empty() { &not_given } else { value };
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
    let lang = pages.lang;
    heading(pages, "pdf.when");
    let w = &r.when;
    let mut when = w.date.to_string();
    if let Some(t) = w.time {
        when.push_str(&t.format(" %H:%M").to_string());
    }
    if let Some(end) = w.end_date {
        when = say(lang, "pdf.to", &[("from", when), ("to", end.to_string())]);
    }
    field(pages, "pdf.date", &when);
    field(
        pages,
        "pdf.precision",
        &choice(lang, "precisions", &w.precision),
    );
    let offset = w.utc_offset_minutes;
    field(
        pages,
        "pdf.device_clock",
        &format!(
            "UTC{}{:02}:{:02}",
            if offset < 0 { '-' } else { '+' },
            offset.abs() / 60,
            offset.abs() % 60
        ),
    );

    heading(pages, "pdf.where");
    let l = &r.location;
    field(pages, "pdf.region", &l.admin1);
    field(pages, "pdf.cercle", l.admin2.as_deref().unwrap_or(""));
    field(pages, "pdf.commune", l.admin3.as_deref().unwrap_or(""));
    field(pages, "pdf.place", l.place.as_deref().unwrap_or(""));
    if let Some(c) = l.coordinates {
        field(
            pages,
            "pdf.coordinates",
            &format!("{:.5}, {:.5} (WGS 84)", c.latitude, c.longitude),
        );
    }
    let geo = choice(lang, "geo_precisions", &l.geo_precision);
    field(pages, "pdf.precision", &geo);

    heading(pages, "pdf.what");
    let event = r
        .what
        .event_type
        .map(|e| acled(lang, "event_types", e.label()));
    field(pages, "pdf.event_type", &event.unwrap_or_default());
    let sub = r
        .what
        .sub_event_type
        .map(|s| acled(lang, "sub_event_types", s.label()));
    field(pages, "pdf.sub_event_type", &sub.unwrap_or_default());
    if !r.what.categories.is_empty() {
        let cats: Vec<String> = r
            .what
            .categories
            .iter()
            .map(|c| choice(lang, "categories", c))
            .collect();
        field(pages, "pdf.categories", &cats.join(", "));
    }
}

fn who(pages: &mut Pages, r: &Report, sites: &SiteNames) {
    if r.perpetrators.is_empty() && r.targets.is_empty() && r.sites.is_empty() {
        return;
    }
    let lang = pages.lang;
    heading(pages, "pdf.who");
    for a in &r.perpetrators {
        let inter = a
            .inter
            .map(|i| say(lang, "pdf.actor_type", &[("n", i.to_string())]))
            .unwrap_or_default();
        let attribution = choice(lang, "attributions", &a.attribution);
        field(
            pages,
            "pdf.perpetrator",
            &text::ltr(format!("{} ({attribution}{inter})", a.name)),
        );
    }
    if !r.targets.is_empty() {
        field(pages, "pdf.targets", &r.targets.join(", "));
    }
    let unknown = pages.say("pdf.site_unknown");
    for s in &r.sites {
        let name = sites.get(&s.site_id).unwrap_or_else(|| unknown.clone());
        let damage = s
            .damage
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        field(pages, "pdf.site", &text::ltr(format!("{name}{damage}")));
    }
}

fn amount(lang: Lang, a: Amount) -> String {
    match a {
        Amount::Exact(n) => n.to_string(),
        Amount::Range { .. } => {
            let (lo, hi) = a.bounds();
            format!("{lo}\u{2013}{hi}")
        }
        Amount::Vague(v) => say(
            lang,
            "pdf.counted_as",
            &[
                ("words", format!("vague.{}", super::key(&v))),
                ("n", v.value().to_string()),
            ],
        ),
    }
}

fn figures(pages: &mut Pages, r: &Report) {
    if r.figures.is_empty() {
        return;
    }
    let lang = pages.lang;
    heading(pages, "pdf.figures");
    for (kind, claims) in &r.figures {
        let Some(total) = ClaimsSummary::of(claims) else {
            continue;
        };
        pages.ensure(3.0 * leading(BODY));
        pages.y += 2.0;
        let name = say(lang, &format!("figure.{}", kind.key()), &[]);
        let separator = say(lang, "label_separator", &[]);
        pages.paragraph(
            &format!("{name}{separator}{}", figure_text(lang, &total)),
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
            let mut line = text::ltr(format!("{} — {source}", amount(lang, c.amount)));
            if let Some(d) = c.said_on {
                line.push_str(&say(lang, "pdf.said_on", &[("date", d.to_string())]));
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
    let lang = pages.lang;
    heading(pages, "pdf.sources");
    // Contacts never appear: the paper leaves the device.
    for s in &r.sources {
        let mut value = text::ltr(say(
            lang,
            "pdf.source_value",
            &[
                ("name", s.name.clone()),
                (
                    "kind",
                    format!("choice.source_kinds.{}", super::key(&s.kind)),
                ),
                (
                    "reliability",
                    format!("choice.reliabilities.{}", super::key(&s.reliability)),
                ),
            ],
        ));
        if let Some(url) = &s.url {
            value.push_str(&format!("\n{url}"));
        }
        if let Some(note) = &s.note {
            value.push_str(&format!("\n{note}"));
        }
        labelled(pages, &s.key, &value);
    }
}

/// What [`ReportPdf::attachment`] gives: the bytes, or why not, as a catalogue code
/// (`pdf.why.absent`) said on the page in its language.
pub type Fetched = std::result::Result<Vec<u8>, &'static str>;

/// A photo the device holds, unaltered, as krilla reads it.
fn photo(a: &Attachment, bytes: Fetched) -> std::result::Result<Image, &'static str> {
    let bytes = bytes?;
    if sha256_hex(&bytes) != a.sha256 {
        return Err("pdf.why.changed");
    }
    match a.media_type.as_str() {
        "image/jpeg" => Image::from_jpeg(bytes.into(), true),
        "image/png" => Image::from_png(bytes.into(), true),
        _ => return Err("pdf.why.not_photo"),
    }
    .map_err(|_| "pdf.why.bad_image")
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
                        Err("pdf.why.not_photo")
                    },
                ),
            )
        })
        .collect();
    let first = match &photos[0].1 {
        Ok(image) => photo_size(image).1 + 3.0 * leading(BODY),
        Err(_) => 3.0 * leading(BODY),
    };
    heading_kept_with(pages, "pdf.attachments", first);
    let lang = pages.lang;
    for (a, photo) in photos {
        let about = text::ltr(say(
            lang,
            "pdf.about_file",
            &[
                ("file", a.file_name.clone()),
                ("type", a.media_type.clone()),
                ("kb", a.size.div_ceil(1024).to_string()),
                ("sha", a.sha256.clone()),
            ],
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
                    let why = ("why", why.to_string());
                    say(lang, "pdf.photo_not_shown", &[("about", about), why])
                } else {
                    about
                };
                let value = if caption.is_empty() {
                    note
                } else {
                    format!("{caption}\n{note}")
                };
                field(pages, "pdf.file", &value);
            }
        }
    }
}
