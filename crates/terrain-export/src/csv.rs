//! CSV: one row per report (or, with [`CsvOptions::per_incident`], one per incident: the
//! reports people linked as one), ACLED's column names where they fit, then Terrain's own.
//! RFC 4180 (the `csv` crate), UTF-8, an optional byte-order mark for spreadsheet programs that
//! need one to see UTF-8, and an optional HXL hashtag row under the header.
//!
//! [`COLUMNS`] is the one list both the writer and the documentation (`docs/csv-columns.md`,
//! made by [`columns_doc`]) read.

use crate::incidents::{Incidents, by_incident};
use crate::{ExportError, Result, Row, SiteNames, changed_since};
use std::borrow::Cow;
use std::io::Write;
use terrain_domain::incident::IncidentFigures;
use terrain_domain::incident::figures::Moment;
use terrain_domain::{ClaimsSummary, FigureKind, Report, ReviewDecision, Revision};
use uuid::Uuid;

/// What a column's cell is made from.
pub struct Cell<'a> {
    /// The report's revision; for an incident, its first report's (the incident's own report
    /// when the selection holds it).
    pub revision: &'a Revision,
    /// The report's latest review decision, if any.
    pub review: Option<&'a ReviewDecision>,
    pub sites: &'a SiteNames,
    /// The incident id (the report's own when it is linked to nothing).
    pub incident: Uuid,
    /// The incident's reports: every report linked with this one, or, for an incident's row,
    /// the reports of the selection it sums up.
    pub incident_reports: &'a [Uuid],
    /// An incident's row: every report's revision, and what they say together.
    pub together: Option<(&'a [&'a Revision], &'a IncidentFigures)>,
}

impl<'a> Cell<'a> {
    fn report(&self) -> &'a Report {
        &self.revision.content
    }
}

/// "2026-11-18" or "2026-11-18T06:30": a reported moment.
fn moment(m: Moment) -> String {
    match m.time {
        Some(t) => format!("{}T{}", m.date, t.format("%H:%M")),
        None => m.date.to_string(),
    }
}

/// A report's start and end, as an incident's earliest and latest moments.
fn span(r: &Report) -> (Moment, Moment) {
    let start = Moment {
        date: r.when.date,
        time: r.when.time,
    };
    let end = match r.when.end_date {
        Some(d) if d > r.when.date => Moment {
            date: d,
            time: None,
        },
        _ => start,
    };
    (start, end)
}

type Value = for<'a> fn(&Cell<'a>) -> Cow<'a, str>;

pub struct Column {
    pub name: Cow<'static, str>,
    pub hxl: Cow<'static, str>,
    pub doc: Cow<'static, str>,
    /// What the column holds in an incident's row, when not the first report's value.
    pub incident_doc: Option<Cow<'static, str>>,
    value: ColumnValue,
    /// The cell of an incident's row, when not the first report's.
    incident: Option<Value>,
}

enum ColumnValue {
    Fixed(Value),
    /// A figure's conservative value, min, max or claim count.
    Figure(FigureKind, FigurePart),
}

#[derive(Clone, Copy)]
enum FigurePart {
    Conservative,
    Min,
    Max,
    Sources,
}

fn fixed(name: &'static str, hxl: &'static str, doc: &'static str, value: Value) -> Column {
    Column {
        name: name.into(),
        hxl: hxl.into(),
        doc: doc.into(),
        incident_doc: None,
        value: ColumnValue::Fixed(value),
        incident: None,
    }
}

impl Column {
    /// The column's cell and meaning in an incident's row.
    fn per_incident(mut self, doc: &'static str, value: Value) -> Column {
        self.incident_doc = Some(doc.into());
        self.incident = Some(value);
        self
    }
}

/// Every report of an incident's row (the one report of a report's row).
fn each<'a>(c: &Cell<'a>) -> Vec<&'a Revision> {
    match c.together {
        Some((revisions, _)) => revisions.to_vec(),
        None => vec![c.revision],
    }
}

/// What the reports of an incident's row say together; a report's row has none.
fn together<'a>(c: &Cell<'a>) -> Option<&'a IncidentFigures> {
    c.together.map(|(_, f)| f)
}

fn owned(s: String) -> Cow<'static, str> {
    Cow::Owned(s)
}

fn text(s: &str) -> Cow<'_, str> {
    Cow::Borrowed(s)
}

fn opt(s: &Option<String>) -> Cow<'_, str> {
    Cow::Borrowed(s.as_deref().unwrap_or(""))
}

fn joined<'a>(items: impl Iterator<Item = &'a str>) -> Cow<'a, str> {
    Cow::Owned(items.collect::<Vec<_>>().join("; "))
}

/// The sites' names, "; " between them.
fn site_names<'a>(names: &SiteNames, sites: impl Iterator<Item = Uuid>) -> Cow<'a, str> {
    let named: Vec<String> = sites
        .map(|id| names.get(&id).unwrap_or_else(|| "(unknown site)".into()))
        .collect();
    Cow::Owned(named.join("; "))
}

/// Every column, in order.
pub fn columns() -> Vec<Column> {
    let mut cols = vec![
        fixed(
            "event_id_cnty",
            "#event+code",
            "The report's id (UUIDv7).",
            |c| c.report().id.to_string().into(),
        )
        .per_incident("The incident's id (as `incident_id`).", |c| {
            c.incident.to_string().into()
        }),
        fixed(
            "event_date",
            "#date+occurred",
            "Date of the incident, YYYY-MM-DD (the first day of its week or month when the precision is week or month).",
            |c| c.report().when.date.to_string().into(),
        )
        .per_incident("The earliest date any of its reports gives.", |c| {
            together(c).map_or(text(""), |t| owned(t.earliest.date.to_string()))
        }),
        fixed(
            "end_date",
            "#date+end",
            "Last day, for an incident that lasts (a blockade), YYYY-MM-DD; empty for one day.",
            |c| {
                c.report()
                    .when
                    .end_date
                    .map_or(text(""), |d| d.to_string().into())
            },
        )
        .per_incident(
            "The latest date any of its reports gives, when later than `event_date`; else empty.",
            |c| {
                together(c)
                    .filter(|t| t.latest.date > t.earliest.date)
                    .map_or(text(""), |t| owned(t.latest.date.to_string()))
            },
        ),
        fixed(
            "time_precision",
            "#date+precision",
            "ACLED's code: 1 day (or exact time), 2 week, 3 month.",
            |c| c.report().when.precision.acled_code().to_string().into(),
        ),
        fixed("event_type", "#event+type", "ACLED event type.", |c| {
            c.report().what.event_type.map_or("", |e| e.label()).into()
        }),
        fixed(
            "sub_event_type",
            "#event+type+sub",
            "ACLED sub-event type.",
            |c| {
                c.report()
                    .what
                    .sub_event_type
                    .map_or("", |e| e.label())
                    .into()
            },
        ),
        fixed(
            "actor1",
            "#group+name+first",
            "First perpetrator named.",
            |c| {
                c.report()
                    .perpetrators
                    .first()
                    .map_or(text(""), |a| text(&a.name))
            },
        ),
        fixed(
            "assoc_actor_1",
            "#group+name+first+assoc",
            "Other perpetrators, separated by \"; \".",
            |c| {
                joined(
                    c.report()
                        .perpetrators
                        .iter()
                        .skip(1)
                        .map(|a| a.name.as_str()),
                )
            },
        ),
        fixed(
            "inter1",
            "#group+code+first",
            "ACLED actor type of the first perpetrator (1–8).",
            |c| {
                c.report()
                    .perpetrators
                    .first()
                    .and_then(|a| a.inter)
                    .map_or(text(""), |i| i.to_string().into())
            },
        ),
        fixed(
            "attribution1",
            "#x_attribution",
            "How sure the first perpetrator is: claimed, suspected, confirmed.",
            |c| {
                c.report()
                    .perpetrators
                    .first()
                    .map_or("", |a| match a.attribution {
                        terrain_domain::Attribution::Claimed => "claimed",
                        terrain_domain::Attribution::Suspected => "suspected",
                        terrain_domain::Attribution::Confirmed => "confirmed",
                    })
                    .into()
            },
        ),
        fixed("country", "#country+name", "Always Mali.", |_| {
            "Mali".into()
        }),
        fixed("admin1", "#adm1+name", "Region.", |c| {
            text(&c.report().location.admin1)
        }),
        fixed("admin2", "#adm2+name", "Cercle.", |c| {
            opt(&c.report().location.admin2)
        }),
        fixed("admin3", "#adm3+name", "Commune.", |c| {
            opt(&c.report().location.admin3)
        }),
        fixed(
            "location",
            "#loc+name",
            "The place as people name it.",
            |c| opt(&c.report().location.place),
        ),
        fixed("latitude", "#geo+lat", "Decimal degrees, WGS 84.", |c| {
            c.report()
                .location
                .coordinates
                .map_or(text(""), |p| p.latitude.to_string().into())
        }),
        fixed("longitude", "#geo+lon", "Decimal degrees, WGS 84.", |c| {
            c.report()
                .location
                .coordinates
                .map_or(text(""), |p| p.longitude.to_string().into())
        }),
        fixed(
            "geo_precision",
            "#geo+precision",
            "ACLED's code: 1 the place, 2 near it, 3 only the region.",
            |c| {
                c.report()
                    .location
                    .geo_precision
                    .acled_code()
                    .to_string()
                    .into()
            },
        ),
        fixed(
            "source",
            "#meta+source",
            "Sources' names, separated by \"; \" (contacts are never exported).",
            |c| joined(c.report().sources.iter().map(|s| s.name.as_str())),
        )
        .per_incident(
            "Every source of its reports, each once (the same name in two reports is one source).",
            |c| together(c).map_or(text(""), |t| joined(t.sources.iter().map(|s| s.name.as_str()))),
        ),
        fixed("notes", "#description", "The narrative.", |c| {
            text(&c.report().narrative)
        }),
        fixed(
            "fatalities",
            "#affected+killed",
            "Killed, conservative value (0 when no source gave a figure).",
            |c| {
                c.report()
                    .figure(FigureKind::Killed)
                    .map_or(0, |s| s.conservative)
                    .to_string()
                    .into()
            },
        )
        .per_incident(
            "Killed, the conservative value over every claim of its reports (0 when none).",
            |c| {
                together(c)
                    .and_then(|t| t.figure(FigureKind::Killed))
                    .map_or(0, |f| f.summary.conservative)
                    .to_string()
                    .into()
            },
        ),
        fixed("title", "#x_title", "The report's title.", |c| {
            text(&c.report().title)
        }),
        fixed("status", "#status", "draft or final.", |c| {
            c.report().status.as_str().into()
        }),
        fixed(
            "review_state",
            "#status+review",
            "The latest review: verified, needs_follow_up or rejected; empty when nobody reviewed the report.",
            |c| c.review.map_or("", |r| r.state.key()).into(),
        ),
        fixed(
            "reviewed_by",
            "#x_review+by",
            "Who made the latest review (user name).",
            |c| c.review.map_or(text(""), |r| text(&r.by)),
        ),
        fixed(
            "reviewed_at",
            "#date+reviewed",
            "When, RFC 3339 UTC.",
            |c| c.review.map_or(text(""), |r| text(&r.at)),
        ),
        fixed(
            "review_comment",
            "#x_review+comment",
            "The question (needs_follow_up) or the reason (rejected).",
            |c| c.review.map_or(text(""), |r| opt(&r.comment)),
        ),
        fixed(
            "changed_since_review",
            "#x_review+changed",
            "yes when the revision exported is not the one reviewed (an edit came after the review), no when it is; empty without a review.",
            |c| {
                c.review
                    .map_or("", |r| {
                        if changed_since(r, c.revision) {
                            "yes"
                        } else {
                            "no"
                        }
                    })
                    .into()
            },
        ),
        fixed(
            "categories",
            "#x_categories",
            "Local categories, separated by \"; \".",
            |c| joined(c.report().what.categories.iter().map(|k| k.label())),
        ),
        fixed(
            "sites",
            "#x_sites",
            "Registry sites touched, by name, separated by \"; \".",
            |c| {
                site_names(c.sites, c.report().sites.iter().map(|s| s.site_id))
            },
        )
        .per_incident("Every site any of its reports touches, each once.", |c| {
            together(c).map_or(text(""), |t| {
                site_names(c.sites, t.sites.iter().map(|s| s.site_id))
            })
        }),
        fixed("damage", "#x_damage", "Damage, in words.", |c| {
            opt(&c.report().damage)
        }),
        fixed("tags", "#x_tags", "Tags, separated by \"; \".", |c| {
            joined(c.report().tags.iter().map(String::as_str))
        }),
    ];
    for kind in FigureKind::ALL {
        let key = kind.key();
        let label = kind.label().to_lowercase();
        let (tag, part_tag) = match kind {
            FigureKind::Injured => ("#affected+injured".to_string(), format!("#x_{key}")),
            _ => (format!("#x_{key}"), format!("#x_{key}")),
        };
        for (suffix, part, hxl, doc) in [
            (
                "",
                FigurePart::Conservative,
                tag.clone(),
                format!("{label}: the most conservative figure any source gave"),
            ),
            (
                "_min",
                FigurePart::Min,
                format!("{part_tag}+min"),
                format!("{label}: lowest figure claimed"),
            ),
            (
                "_max",
                FigurePart::Max,
                format!("{part_tag}+max"),
                format!("{label}: highest figure claimed"),
            ),
            (
                "_sources",
                FigurePart::Sources,
                format!("{part_tag}+sources"),
                format!("{label}: how many claims"),
            ),
        ] {
            cols.push(Column {
                name: format!("{key}{suffix}").into(),
                hxl: hxl.into(),
                doc: format!(
                    "{}. Empty when no source gave one.",
                    doc[..1].to_uppercase() + &doc[1..]
                )
                .into(),
                incident_doc: Some(
                    "Over every claim of its reports, whichever report carried it (a claim from a source rated not usually reliable or unreliable sets the conservative value only when no other does).".into(),
                ),
                value: ColumnValue::Figure(*kind, part),
                incident: None,
            });
        }
    }
    cols.push(
        fixed(
            "revision_id",
            "#x_revision",
            "The revision exported.",
            |c| c.revision.id.to_string().into(),
        )
        .per_incident(
            "Each report's revision exported, in `incident_reports` order, separated by \"; \".",
            |c| {
                owned(
                    each(c)
                        .iter()
                        .map(|r| r.id.to_string())
                        .collect::<Vec<_>>()
                        .join("; "),
                )
            },
        ),
    );
    cols.push(
        fixed(
            "content_hash",
            "#x_hash",
            "sha256 of the revision's canonical JSON: proves the row's source unaltered.",
            |c| text(&c.revision.content_hash),
        )
        .per_incident(
            "Each revision's sha256, in `incident_reports` order, separated by \"; \".",
            |c| joined(each(c).into_iter().map(|r| r.content_hash.as_str())),
        ),
    );
    cols.push(fixed(
        "incident_id",
        "#event+code+incident",
        "The incident's id, as ACLED's event id names one event across its sources: the smallest id among the reports people linked as one incident (usually the first written); the report's own id when it is linked to nothing. Linked reports share it.",
        |c| c.incident.to_string().into(),
    ));
    cols.push(
        fixed(
            "incident_reports",
            "#x_incident+reports",
            "Every report linked into the incident, this one included, sorted, separated by \"; \".",
            |c| owned(ids(c.incident_reports)),
        )
        .per_incident(
            "The reports the row sums up (those of the selection), sorted, separated by \"; \".",
            |c| owned(ids(c.incident_reports)),
        ),
    );
    cols.push(
        fixed(
            "earliest",
            "#date+start",
            "When the report's incident began: YYYY-MM-DD, or YYYY-MM-DDTHH:MM when a time was given.",
            |c| owned(moment(span(c.report()).0)),
        )
        .per_incident("The earliest moment any of its reports gives.", |c| {
            together(c).map_or(text(""), |t| owned(moment(t.earliest)))
        }),
    );
    cols.push(
        fixed(
            "latest",
            "#date+end+latest",
            "When it ended: its end date, else as `earliest`.",
            |c| owned(moment(span(c.report()).1)),
        )
        .per_incident("The latest moment any of its reports gives.", |c| {
            together(c).map_or(text(""), |t| owned(moment(t.latest)))
        }),
    );
    cols
}

fn ids(ids: &[Uuid]) -> String {
    ids.iter()
        .map(Uuid::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Column {
    fn cell<'a>(&self, c: &Cell<'a>) -> Cow<'a, str> {
        if let (Some(f), Some(_)) = (self.incident, c.together) {
            return f(c);
        }
        match &self.value {
            ColumnValue::Fixed(f) => f(c),
            ColumnValue::Figure(kind, part) => match together(c).map_or_else(
                || {
                    c.report()
                        .figures
                        .get(kind)
                        .and_then(|cl| ClaimsSummary::of(cl))
                },
                |t| t.figure(*kind).map(|f| f.summary),
            ) {
                None => text(""),
                Some(s) => match part {
                    FigurePart::Conservative => s.conservative.to_string().into(),
                    FigurePart::Min => s.min.to_string().into(),
                    FigurePart::Max => s.max.to_string().into(),
                    FigurePart::Sources => s.claims.to_string().into(),
                },
            },
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct CsvOptions {
    /// Start with a UTF-8 byte-order mark (Excel needs it to read UTF-8).
    pub bom: bool,
    /// Add the HXL hashtag row under the header.
    pub hxl: bool,
    /// One row per incident rather than per report: linked reports summed up in one row.
    pub per_incident: bool,
}

/// Writes the header (and HXL row), then one row per revision (with its report's review, if
/// any), or per incident with [`CsvOptions::per_incident`] (`incidents` says which reports
/// are linked); returns the rows written. Errors with [`ExportError::Empty`] when there is no
/// row.
pub fn write<R: Row, E: std::fmt::Display>(
    out: &mut dyn Write,
    revisions: &mut dyn Iterator<Item = Result<R, E>>,
    sites: &SiteNames,
    incidents: &Incidents,
    options: CsvOptions,
) -> Result<u64> {
    if options.bom {
        out.write_all("\u{feff}".as_bytes())
            .map_err(|e| ExportError::Csv(e.into()))?;
    }
    let cols = columns();
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(cols.iter().map(|c| c.name.as_ref()))?;
    if options.hxl {
        w.write_record(cols.iter().map(|c| c.hxl.as_ref()))?;
    }
    let mut rows = 0;
    let record = |w: &mut ::csv::Writer<&mut dyn Write>, cell: &Cell| {
        w.write_record(
            cols.iter()
                .map(|c| c.cell(cell))
                .collect::<Vec<_>>()
                .iter()
                .map(|c| c.as_bytes()),
        )
    };
    if options.per_incident {
        for group in by_incident(revisions, incidents) {
            let group = group.map_err(|e| ExportError::Source(e.to_string()))?;
            let revisions: Vec<&Revision> = group.iter().map(Row::revision).collect();
            let Some(figures) = IncidentFigures::of(revisions.iter().map(|r| &r.content)) else {
                continue;
            };
            let lead = &group[0];
            let cell = Cell {
                revision: lead.revision(),
                review: lead.review(),
                sites,
                incident: incidents.id(lead.revision().report_id),
                incident_reports: &figures.reports,
                together: Some((&revisions, &figures)),
            };
            record(&mut w, &cell)?;
            rows += 1;
        }
    } else {
        for revision in revisions {
            let row = revision.map_err(|e| ExportError::Source(e.to_string()))?;
            let report = row.revision().report_id;
            let linked = incidents.reports(report);
            let cell = Cell {
                revision: row.revision(),
                review: row.review(),
                sites,
                incident: incidents.id(report),
                incident_reports: &linked,
                together: None,
            };
            record(&mut w, &cell)?;
            rows += 1;
        }
    }
    w.flush().map_err(|e| ExportError::Csv(e.into()))?;
    if rows == 0 {
        return Err(ExportError::Empty);
    }
    Ok(rows)
}

/// `docs/csv-columns.md`, from [`columns`].
pub fn columns_doc() -> String {
    let mut doc = String::from(
        "# CSV columns\n\nMade by `terrain export csv` (generated from `crates/terrain-export/src/csv.rs`; a test keeps\nthis file in step). One row per report; `--hxl` adds the HXL hashtag row under the header;\n`--bom` starts the file with a UTF-8 byte-order mark.\n\n`--per-incident` writes one row per incident instead: the reports people linked as one\nincident (`terrain incident link`) are summed up in one row, as ACLED counts one event across\nits sources; a report linked to nothing is a row of its own. The last column says what each\ncolumn holds in such a row; \"first report\" is the incident's own report (the one whose id\nis the incident id) when the selection holds it, else the selected report with the\nsmallest id.\n\n| column | HXL | meaning | per incident |\n|---|---|---|---|\n",
    );
    for c in columns() {
        doc.push_str(&format!(
            "| `{}` | `{}` | {} | {} |\n",
            c.name,
            c.hxl,
            c.doc,
            c.incident_doc.as_deref().unwrap_or("The first report's.")
        ));
    }
    doc
}
