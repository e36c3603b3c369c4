//! Reading reports and sites from files or standard input, with errors that name the file.

use anyhow::{Context as _, Result, bail};
use std::io::Read;
use std::path::Path;
use terrain_app::{Import, today};
use terrain_domain::{Problems, Report, ValidReport, check, limits, parse_json};
use uuid::Uuid;

/// The text of a file, or of standard input for "-", bounded in size.
pub fn read_text(path: &Path) -> Result<String> {
    let max = limits::REPORT_JSON_BYTES as u64;
    let mut text = String::new();
    let reader: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(path)
                .with_context(|| format!("{}: cannot open", path.display()))?,
        )
    };
    reader
        .take(max + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("{}: cannot read (is it UTF-8 text?)", path.display()))?;
    if text.len() as u64 > max {
        bail!(
            "{}: larger than {max} bytes; a report file may not be that big",
            path.display()
        );
    }
    Ok(text)
}

/// A report file that failed, with everything wrong in it.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.0.iter().map(|p| format!("{}: {}", .file, p.render(crate::output::lang()))).collect::<Vec<_>>().join("\n"))]
pub struct FileProblems {
    pub file: String,
    pub problems: Problems,
}

/// Reads and checks one report file to import; the store recognises a file without an id by
/// its content.
pub fn import_from(path: &Path) -> Result<Import> {
    let (report, id_made_up) = read_report(path, None)?;
    Ok(Import { report, id_made_up })
}

/// Reads and checks one report file. `id` fills in the id when the file has none.
pub fn report_from(path: &Path, id: Option<Uuid>) -> Result<ValidReport> {
    read_report(path, id).map(|(report, _)| report)
}

/// The checked report, and whether the file named no id.
fn read_report(path: &Path, id: Option<Uuid>) -> Result<(ValidReport, bool)> {
    let text = read_text(path)?;
    let file = path.display().to_string();
    let wrap = |problems| {
        anyhow::Error::new(FileProblems {
            file: file.clone(),
            problems,
        })
    };
    let mut report: Report = parse_json(&text).map_err(wrap)?;
    let has_id = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .is_some_and(|v| v.get("id").is_some());
    if let Some(id) = id {
        if !has_id {
            report.id = id;
        } else if report.id != id {
            return Err(wrap(Problems::one(
                "id",
                "id_mismatch",
                [("file_id", report.id), ("id", id)],
            )));
        }
    }
    Ok((check(report, today()).map_err(wrap)?, !has_id))
}
