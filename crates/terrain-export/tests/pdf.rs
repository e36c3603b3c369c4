//! PDFs made from a real store and read back with poppler's tools (`pdftotext`, `pdfinfo`,
//! `pdffonts`, `pdfimages`), as a reader's viewer would.

use std::path::{Path, PathBuf};
use std::process::Command;
use terrain_domain::{Lang, ReviewDecision, ReviewState, Revision, check, parse_json};
use terrain_export::pdf::{ReportPdf, SummaryPdf, Written, write_report, write_summary};
use terrain_export::{ExportError, Incidents, SiteNames, write_atomically};
use terrain_store::{Filter, Store};

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

fn report(edit: impl FnOnce(&mut serde_json::Value)) -> terrain_domain::ValidReport {
    let mut v: serde_json::Value = serde_json::from_str(SEED).unwrap();
    edit(&mut v);
    check(
        parse_json(&v.to_string()).unwrap(),
        chrono::Local::now().date_naive(),
    )
    .unwrap()
}

/// A small PNG (stored deflate, no compression library needed): a sky-to-earth gradient.
fn png(width: u32, height: u32) -> Vec<u8> {
    fn crc(data: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc(&body).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0);
        for x in 0..width {
            let sky = y < height * 3 / 5;
            let (r, g, b) = if sky {
                (120 + (y * 80 / height) as u8, 170, 220)
            } else {
                (160 + (x * 60 / width) as u8, 120, 70)
            };
            raw.extend([r, g, b]);
        }
    }
    let mut z = vec![0x78, 0x01];
    for (i, block) in raw.chunks(65_535).enumerate() {
        let last = (i + 1) * 65_535 >= raw.len();
        z.push(u8::from(last));
        z.extend((block.len() as u16).to_le_bytes());
        z.extend((!(block.len() as u16)).to_le_bytes());
        z.extend(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend(((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend(width.to_be_bytes());
    header.extend(height.to_be_bytes());
    header.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn tool(name: &str, args: &[&str], pdf: &Path) -> String {
    let out = Command::new(name)
        .args(args)
        .arg(pdf)
        .args(if name == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{name} (poppler-utils) could not run: {e}"));
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn pages_of(pdf: &Path) -> usize {
    tool("pdfinfo", &[], pdf)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The seed incident with a photo, an Arabic-named source with a contact, and an Arabic
/// sentence in its narrative, saved in a fresh store.
fn store_with_seed(dir: &Path) -> (Store, Revision) {
    let store = Store::open(&dir.join("data")).unwrap();
    let photo = png(320, 200);
    let sha = store.put_attachment(&photo).unwrap();
    let saved = store
        .save(
            report(|v| {
                v["sources"]
                    .as_array_mut()
                    .unwrap()
                    .push(serde_json::json!({
                        "key": "local", "name": "مصدر محلي", "kind": "witness",
                        "contact": "+223 70 00 00 00"
                    }));
                v["figures"]["abducted"].as_array_mut().unwrap().push(
                    serde_json::json!({"amount": 4, "source": "local", "said_on": "2026-11-19"}),
                );
                let narrative = v["narrative"].as_str().unwrap().to_string();
                v["narrative"] = serde_json::json!(format!(
                    "{narrative}\n\nقال مسؤول محلي إن المهاجمين أحرقوا المصانع."
                ));
                v["attachments"] = serde_json::json!([{
                    "sha256": sha, "media_type": "image/png", "size": photo.len(),
                    "file_name": "kiln.png", "caption": "The burned kiln, morning after"
                }, {
                    "sha256": "0".repeat(64), "media_type": "application/pdf", "size": 2048,
                    "file_name": "statement.pdf"
                }]);
            }),
            "Awa Traoré",
        )
        .unwrap();
    (store, saved.revision)
}

fn report_pdf(store: &Store, revision: &Revision, path: &Path) -> Written {
    report_pdf_in(store, revision, path, Lang::En)
}

fn report_pdf_in(store: &Store, revision: &Revision, path: &Path, lang: Lang) -> Written {
    reviewed_pdf(store, revision, path, lang, None)
}

fn reviewed_pdf(
    store: &Store,
    revision: &Revision,
    path: &Path,
    lang: Lang,
    review: Option<&ReviewDecision>,
) -> Written {
    let attachment = |sha: &str| terrain_export::attachment(store, sha);
    write_atomically(path, |w| {
        write_report(
            w,
            &ReportPdf {
                revision,
                sites: &SiteNames::new(),
                heads: 1,
                review,
                attachment: &attachment,
                generated_at: chrono::DateTime::parse_from_rfc3339("2026-11-20T08:30:00Z")
                    .unwrap()
                    .into(),
                lang,
            },
        )
    })
    .unwrap()
}

#[test]
fn a_report_pdf_reads_back_with_every_field_its_claims_accents_and_arabic() {
    let dir = tempfile::tempdir().unwrap();
    let (store, revision) = store_with_seed(dir.path());
    let path = dir.path().join("report.pdf");
    let written = report_pdf(&store, &revision, &path);
    assert_eq!(written.pages, pages_of(&path));
    let text = tool("pdftotext", &["-enc", "UTF-8"], &path);
    for expected in [
        "Three industrial plants attacked and burned near Bafoulabé",
        "019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a",
        &revision.id.to_string(),
        &revision.content_hash,
        "Generated",
        "2026-11-20 08:30:00 UTC",
        "2026-11-18",
        "Kayes",
        "Industrial zone near Bafoulabé town",
        "13.80650, -10.83210",
        "Violence against civilians",
        "Abduction/forced disappearance",
        "JNIM (Group to Support Islam and Muslims) (Suspected",
        "Abducted: 3–4, sources disagree",
        "Attackers: 160",
        "Wamaps, collective of West African journalists",
        "said on 2026-11-19",
        "Fairly reliable",
        "Gunmen on motorbikes stormed three industrial plants",
        "مصدر محلي",
        "المهاجمين أحرقوا المصانع",
        "The burned kiln, morning after",
        "statement.pdf",
        "Page 1 of ",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(
        text.contains(&format!("Page {0} of {0}", written.pages)),
        "{text}"
    );
    assert!(!text.contains("+223"), "a source's contact never leaves");
}

/// Words of the English PDF that must not be left in a French one. The record's own text (the
/// seed is written in English) and ACLED's labels beside their translation are not counted.
const ENGLISH_PDF_WORDS: &[&str] = &[
    "Generated",
    "Revision",
    "Status",
    "Saved",
    "To check",
    "When",
    "Where",
    "What",
    "Who",
    "Precision",
    "Device clock",
    "Region",
    "Event type",
    "Sub-event type",
    "Categories",
    "Perpetrator",
    "Targets",
    "Figures",
    "sources disagree",
    "said on",
    "reliability",
    "Narrative",
    "Damage and tags",
    "Attachments",
    "photo not shown",
    "counted as",
    "not given",
    "Page 1 of",
    " of ",
    "Suspected",
    "Fairly reliable",
    "Journalist,",
    "Witness,",
    "Incident summary",
    "Selection",
    "report(s)",
    "By event type",
    "By region",
    "Incidents",
    "Abducted",
    "Killed",
    "Reports",
    "Title",
    "Place",
    "every report",
    "region Kayes",
];

/// `text` without what is allowed to stay English: ACLED's labels in brackets after their
/// French, and the seed report's own words.
fn french_part(text: &str, allowed: &[&str]) -> String {
    let mut text = text.replace('\n', " ");
    for word in allowed {
        text = text.replace(word, "");
    }
    text
}

#[test]
fn a_french_pdf_says_every_word_in_french_beside_acled_labels() {
    let dir = tempfile::tempdir().unwrap();
    let (store, revision) = store_with_seed(dir.path());
    let path = dir.path().join("rapport.pdf");
    let written = report_pdf_in(&store, &revision, &path, Lang::Fr);
    let text = tool("pdftotext", &["-enc", "UTF-8"], &path);
    for expected in [
        "Produit le",
        "Quand",
        "Région",
        "Violence contre les civils (Violence against civilians)",
        "Enlèvement ou disparition forcée (Abduction/forced disappearance)",
        "(Soupçonné",
        "Enlevés : 3–4, les sources divergent",
        "déclaré le 2026-11-19",
        "Assez fiable",
        "Récit",
        "Pièces jointes",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(
        text.contains(&format!("Page {0} sur {0}", written.pages)),
        "{text}"
    );
    let record = &revision.content;
    let mut allowed: Vec<String> = vec![
        "(Violence against civilians)".into(),
        "(Abduction/forced disappearance)".into(),
        record.title.clone(),
        record.narrative.clone(),
    ];
    allowed.extend(record.narrative.split('\n').map(str::to_string));
    allowed.extend(record.sources.iter().map(|s| s.name.clone()));
    allowed.extend(record.sources.iter().filter_map(|s| s.note.clone()));
    allowed.extend(record.perpetrators.iter().map(|a| a.name.clone()));
    allowed.extend(record.targets.iter().cloned());
    allowed.extend(record.location.place.iter().cloned());
    allowed.extend(record.damage.iter().cloned());
    allowed.extend(record.attachments.iter().filter_map(|a| a.caption.clone()));
    let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
    let french = french_part(&text, &allowed);
    for word in ENGLISH_PDF_WORDS {
        assert!(
            !french.contains(word),
            "{word:?} left in English in the French PDF:\n{text}"
        );
    }
}

#[test]
fn a_french_summary_says_every_word_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let store = thousand(dir.path());
    let path = dir.path().join("synthese.pdf");
    summary_pdf_in(&store, &Filter::default(), &path, Lang::Fr).unwrap();
    let text = tool("pdftotext", &["-enc", "UTF-8", "-l", "2"], &path);
    for expected in [
        "Synthèse des incidents",
        "Sélection : région Kayes",
        "1000 rapport(s)",
        "Par type d'événement",
        "Par région",
        "Enlevés / tués",
        // "les sources divergent", wrapped in its narrow column.
        "divergent",
        "Page 1 sur",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let allowed = [
        "(Strategic developments)",
        "(Violence against civilians)",
        "(Battles)",
        "(Explosions/Remote violence)",
        "(Protests)",
        "(Riots)",
    ];
    let french = french_part(&text, &allowed);
    for word in ENGLISH_PDF_WORDS {
        // The thousand reports' titles are the seed's English title: not the PDF's words.
        let french = french.replace(
            "Three industrial plants attacked and burned near Bafoulabé",
            "",
        );
        assert!(
            !french.contains(word),
            "{word:?} left in English in the French summary:\n{text}"
        );
    }
}

#[test]
fn every_font_is_embedded_as_a_subset() {
    let dir = tempfile::tempdir().unwrap();
    let (store, revision) = store_with_seed(dir.path());
    let path = dir.path().join("report.pdf");
    report_pdf(&store, &revision, &path);
    let fonts = tool("pdffonts", &[], &path);
    // name type encoding emb sub uni object ID
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(rows.len() >= 3, "{fonts}");
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(
            (cols[n - 5], cols[n - 4], cols[n - 3]),
            ("yes", "yes", "yes"),
            "embedded, subset, with a Unicode map: {row}"
        );
        assert!(cols[0].contains('+'), "a subset's name has its tag: {row}");
    }
    for family in [
        "NotoSans-Regular",
        "NotoSans-Bold",
        "NotoNaskhArabic-Regular",
    ] {
        assert!(fonts.contains(family), "{family} in\n{fonts}");
    }
}

#[test]
fn a_photo_is_embedded_and_a_document_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let (store, revision) = store_with_seed(dir.path());
    let path = dir.path().join("report.pdf");
    report_pdf(&store, &revision, &path);
    let images = tool("pdfimages", &["-list"], &path);
    let rows: Vec<&str> = images.lines().skip(2).collect();
    assert_eq!(rows.len(), 1, "{images}");
    assert!(
        rows[0].contains(" 320 ") && rows[0].contains(" 200 "),
        "{images}"
    );
    let text = tool("pdftotext", &["-enc", "UTF-8"], &path);
    assert!(text.contains("photo not shown") || text.contains("statement.pdf (application/pdf"));
}

#[test]
fn a_damaged_revision_gives_no_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut revision) = store_with_seed(dir.path());
    revision.content.title.push_str(" (altered)");
    let path = dir.path().join("report.pdf");
    let attachment = |sha: &str| terrain_export::attachment(&store, sha);
    let err = write_atomically(&path, |w| {
        write_report(
            w,
            &ReportPdf {
                revision: &revision,
                sites: &SiteNames::new(),
                heads: 1,
                review: None,
                attachment: &attachment,
                generated_at: chrono::Utc::now(),
                lang: Lang::En,
            },
        )
    })
    .unwrap_err();
    assert!(matches!(err, ExportError::Damaged(_)), "{err}");
    assert!(!path.exists());
}

/// 1,000 reports in a store, alternating between two places, streamed from it.
fn thousand(dir: &Path) -> Store {
    let store = Store::open(&dir.join("data")).unwrap();
    let reports = (0..1000)
        .map(|i| {
            report(|v| {
                v["id"] = serde_json::json!(uuid::Uuid::now_v7());
                v["title"] = serde_json::json!(format!("Incident {i:04}"));
                if i % 2 == 1 {
                    v["where"] = serde_json::json!({
                        "admin1": "Kayes", "admin2": "Kayes", "admin3": "Diamou",
                        "place": "Diamou", "geo_precision": "place"
                    });
                    v["what"] = serde_json::json!({"event_type": "Strategic developments", "sub_event_type": "Looting/property destruction"});
                }
            })
        })
        .collect();
    store.save_all(reports, "bench").unwrap();
    store
}

fn summary_pdf(store: &Store, filter: &Filter, path: &Path) -> terrain_export::Result<Written> {
    summary_pdf_in(store, filter, path, Lang::En)
}

fn summary_pdf_in(
    store: &Store,
    filter: &Filter,
    path: &Path,
    lang: Lang,
) -> terrain_export::Result<Written> {
    store
        .with_heads(filter, |reports| {
            write_atomically(path, |w| {
                write_summary(
                    w,
                    reports,
                    &SummaryPdf {
                        selection: &Filter {
                            admin1: Some("Kayes".into()),
                            ..Filter::default()
                        }
                        .describe(None, lang),
                        generated_at: chrono::Utc::now(),
                        lang,
                        sites: &SiteNames::new(),
                        incidents: &Incidents::none(),
                        per_incident: false,
                    },
                )
            })
        })
        .unwrap()
}

#[test]
fn a_summary_of_a_thousand_reports_repeats_its_header_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let store = thousand(dir.path());
    let path = dir.path().join("summary.pdf");
    let written = summary_pdf(&store, &Filter::default(), &path).unwrap();
    assert_eq!(written.reports, 1000);
    // Every row takes two lines ("3–4, sources disagree / –" wraps in its column), 29.2 pt with
    // padding. Page 1 holds the title, the three totals tables and 12 rows; each later page
    // holds the repeated header and 24 rows: 1 + ceil(988 / 24) = 43 pages.
    let expected = 1 + (1000 - ROWS_ON_FIRST_PAGE).div_ceil(ROWS_PER_PAGE);
    assert_eq!(pages_of(&path), expected);
    assert_eq!(written.pages, expected);
    let all = tool("pdftotext", &["-enc", "UTF-8"], &path);
    for expected in [
        "Incident summary",
        "Selection: region Kayes",
        "1000 report(s)",
        "By event type",
        "Violence against civilians",
        "Strategic developments",
        "By region",
        "Diamou",
        "Bafoulabé",
        "Incident 0000",
        "Incident 0999",
        "3–4, sources",
    ] {
        assert!(all.contains(expected), "{expected:?} missing");
    }
    let page = |n: usize| {
        let n = n.to_string();
        tool("pdftotext", &["-enc", "UTF-8", "-f", &n, "-l", &n], &path)
    };
    let incident = |i: usize| format!("Incident {i:04}");
    let (first, second) = (page(1), page(2));
    let last = ROWS_ON_FIRST_PAGE - 1;
    assert!(
        first.contains(&incident(last)) && !first.contains(&incident(last + 1)),
        "{first}"
    );
    assert!(second.contains(&incident(last + 1)));
    assert!(second.contains(&incident(last + ROWS_PER_PAGE)));
    assert!(!second.contains(&incident(last + ROWS_PER_PAGE + 1)));
    for page in 1..=expected {
        let n = page.to_string();
        let text = tool("pdftotext", &["-enc", "UTF-8", "-f", &n, "-l", &n], &path);
        assert!(
            text.contains("Abducted / killed") && text.contains("Event type"),
            "header on page {page}:\n{text}"
        );
        assert!(
            text.contains(&format!("Page {page} of {expected}")),
            "page {page}"
        );
    }
}

const ROWS_ON_FIRST_PAGE: usize = 12;
const ROWS_PER_PAGE: usize = 24;

#[test]
fn an_empty_selection_or_an_unwritable_path_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let path = out.join("summary.pdf");
    let err = summary_pdf(&store, &Filter::default(), &path).unwrap_err();
    assert!(matches!(err, ExportError::Empty), "{err}");
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "not even a temporary file"
    );
    let (store, _) = store_with_seed(&dir.path().join("second"));
    let err = summary_pdf(
        &store,
        &Filter::default(),
        Path::new("/nonexistent/dir/s.pdf"),
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with("/nonexistent/dir/s.pdf: "),
        "{err}"
    );
    let _: PathBuf = path;
}

fn decision(revision: &Revision, state: ReviewState, comment: Option<&str>) -> ReviewDecision {
    ReviewDecision {
        id: uuid::Uuid::now_v7(),
        report_id: revision.report_id,
        revision: revision.id,
        state,
        comment: comment.map(str::to_string),
        by: "Fanta".into(),
        at: "2026-11-28T09:15:00Z".into(),
    }
}

#[test]
fn a_report_pdf_says_its_review_and_whether_it_changed_since() {
    let dir = tempfile::tempdir().unwrap();
    let (store, revision) = store_with_seed(dir.path());
    let text_of = |review: Option<&ReviewDecision>, lang: Lang, name: &str| {
        let path = dir.path().join(name);
        reviewed_pdf(&store, &revision, &path, lang, review);
        tool("pdftotext", &["-enc", "UTF-8", "-l", "1"], &path)
    };
    let verified = decision(&revision, ReviewState::Verified, None);
    let text = text_of(Some(&verified), Lang::En, "verified.pdf");
    assert!(text.contains("Verified by Fanta, 28 Nov 2026"), "{text}");
    assert!(!text.contains("changed since"), "{text}");
    assert!(text_of(None, Lang::En, "none.pdf").contains("Not reviewed"));

    // The review read an earlier revision: the paper says so, naming it.
    let older = ReviewDecision {
        revision: uuid::Uuid::now_v7(),
        ..verified
    };
    let text = text_of(Some(&older), Lang::En, "changed.pdf");
    assert!(text.contains("Verified by Fanta, 28 Nov 2026"), "{text}");
    assert!(text.contains("changed since verified"), "{text}");
    assert!(text.contains(&older.revision.to_string()), "{text}");
    let text = text_of(Some(&older), Lang::Fr, "modifie.pdf");
    assert!(
        text.contains("Vérifié par Fanta, le 28 nov. 2026"),
        "{text}"
    );
    assert!(text.contains("modifié depuis la vérification"), "{text}");

    let rejected = decision(
        &revision,
        ReviewState::Rejected,
        Some("Doublon du rapport de Kita"),
    );
    let text = text_of(Some(&rejected), Lang::En, "rejected.pdf");
    assert!(
        text.contains("Rejected by Fanta, 28 Nov 2026: Doublon du rapport de Kita"),
        "{text}"
    );
    let asked = decision(&revision, ReviewState::NeedsFollowUp, Some("Which plants?"));
    let text = text_of(Some(&asked), Lang::Fr, "question.pdf");
    assert!(
        text.contains("À compléter, demandé par Fanta, le 28 nov. 2026 : Which plants?"),
        "{text}"
    );
}

#[test]
fn a_summary_shows_each_reports_review_and_totals_by_review() {
    let dir = tempfile::tempdir().unwrap();
    let store = thousand(dir.path());
    let path = dir.path().join("reviewed.pdf");
    // Three reviews: one verified, one verified then edited, one rejected; the rest none.
    let rows = store
        .with_heads(&Filter::default(), |reports| {
            let mut rows = Vec::new();
            for (i, revision) in reports.take(4).enumerate() {
                let revision = revision.unwrap();
                let review = match i {
                    0 => Some(decision(&revision, ReviewState::Verified, None)),
                    1 => Some(ReviewDecision {
                        revision: uuid::Uuid::now_v7(),
                        ..decision(&revision, ReviewState::Verified, None)
                    }),
                    2 => Some(decision(&revision, ReviewState::Rejected, Some("doublon"))),
                    _ => None,
                };
                rows.push(terrain_export::Reviewed { revision, review });
            }
            rows
        })
        .unwrap();
    let mut iter = rows.into_iter().map(Ok::<_, String>);
    let written = write_atomically(&path, |w| {
        write_summary(
            w,
            &mut iter,
            &SummaryPdf {
                selection: "",
                generated_at: chrono::Utc::now(),
                lang: Lang::En,
                sites: &SiteNames::new(),
                incidents: &Incidents::none(),
                per_incident: false,
            },
        )
    })
    .unwrap();
    assert_eq!(written.reports, 4);
    // Columns are narrow: compare the text with its line breaks folded into spaces.
    let text = tool("pdftotext", &["-enc", "UTF-8"], &path).replace('\n', " ");
    for expected in [
        "By review",
        "Verified by Fanta, 28 Nov 2026",
        "changed since verified",
        "Rejected",
        "Not reviewed",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}
