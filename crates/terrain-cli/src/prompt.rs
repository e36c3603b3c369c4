//! `terrain report new` on a terminal: asks for each part of a report in turn.

use anyhow::Result;
use chrono::NaiveDate;
use dialoguer::{Confirm, Input, Select};
use terrain_app::{App, today};
use terrain_domain::{
    Amount, Claim, EventType, FigureKind, Location, Source, SourceKind, Status, VagueAmount,
    ValidReport, What, check, gazetteer,
};

const SOURCE_KINDS: &[(&str, SourceKind)] = &[
    ("official", SourceKind::Official),
    ("security source", SourceKind::Security),
    ("journalist", SourceKind::Journalist),
    ("witness", SourceKind::Witness),
    ("media", SourceKind::Media),
    ("NGO", SourceKind::Ngo),
    ("other", SourceKind::Other),
];

fn optional(prompt: &str) -> Result<Option<String>> {
    let text: String = Input::new()
        .with_prompt(prompt)
        .allow_empty(true)
        .interact_text()?;
    Ok(Some(text.trim().to_string()).filter(|t| !t.is_empty()))
}

/// "3", "3-5" or a word (several, tens, dozens, hundreds).
pub fn parse_amount(text: &str) -> Result<Amount, String> {
    let text = text.trim();
    let word = |w: &str| {
        serde_json::from_value::<VagueAmount>(serde_json::Value::String(w.to_lowercase()))
    };
    if let Some((a, b)) = text.split_once(['-', '\u{2013}']) {
        let (min, max) = (a.trim().parse(), b.trim().parse());
        return match (min, max) {
            (Ok(min), Ok(max)) => Ok(Amount::Range { min, max }),
            _ => Err(format!("\"{text}\" is not a range like 3-5")),
        };
    }
    text.parse()
        .map(Amount::Exact)
        .or_else(|_| word(text).map(Amount::Vague))
        .map_err(|_| {
            format!("\"{text}\" is not a number, a range like 3-5, or several/tens/dozens/hundreds")
        })
}

pub fn new_report(app: &App) -> Result<ValidReport> {
    let title: String = Input::new().with_prompt("Title").interact_text()?;
    let date: String = Input::new()
        .with_prompt("Date of the incident (YYYY-MM-DD)")
        .default(today().to_string())
        .validate_with(|t: &String| {
            t.parse::<NaiveDate>()
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
        .interact_text()?;
    let region: String = Input::new()
        .with_prompt("Region")
        .validate_with(|t: &String| match gazetteer::region(t) {
            Some(_) => Ok(()),
            None => {
                let names: Vec<_> = gazetteer::suggest(t, 3).iter().map(|s| s.name()).collect();
                Err(format!("not a region of Mali; try: {}", names.join(", ")))
            }
        })
        .interact_text()?;
    let region = gazetteer::region(&region).expect("validated above");
    let admin2: String = Input::new()
        .with_prompt("Cercle (empty if unknown)")
        .allow_empty(true)
        .validate_with(|t: &String| {
            if t.trim().is_empty() || region.cercle(t).is_some() {
                Ok(())
            } else {
                let names: Vec<_> = region.cercles.iter().map(|c| c.name).collect();
                Err(format!(
                    "not a cercle of {}: {}",
                    region.name,
                    names.join(", ")
                ))
            }
        })
        .interact_text()?;
    let admin3 = optional("Commune (optional)")?;
    let place = optional("Place as people name it (optional)")?;
    let labels: Vec<&str> = EventType::ALL.iter().map(|e| e.label()).collect();
    let event_type = EventType::ALL[Select::new()
        .with_prompt("Event type")
        .items(&labels)
        .default(0)
        .interact()?];
    let subs: Vec<_> = event_type.sub_event_types().collect();
    let sub_labels: Vec<&str> = subs.iter().map(|s| s.label()).collect();
    let sub = subs[Select::new()
        .with_prompt("Sub-event type")
        .items(&sub_labels)
        .default(0)
        .interact()?];

    let mut sources = Vec::new();
    while let Some(name) = optional(&format!(
        "Source {} (who said it; empty to stop)",
        sources.len() + 1
    ))? {
        let kinds: Vec<&str> = SOURCE_KINDS.iter().map(|k| k.0).collect();
        let kind = SOURCE_KINDS[Select::new()
            .with_prompt("Kind of source")
            .items(&kinds)
            .default(0)
            .interact()?]
        .1;
        sources.push(Source {
            key: format!("s{}", sources.len() + 1),
            name,
            kind,
            reliability: Default::default(),
            contact: None,
            url: None,
            note: None,
        });
    }
    let mut figures = std::collections::BTreeMap::<FigureKind, Vec<Claim>>::new();
    if !sources.is_empty() {
        let mut items: Vec<String> = vec!["(done)".into()];
        items.extend(FigureKind::ALL.iter().map(|k| k.label()));
        loop {
            let pick = Select::new()
                .with_prompt("Add a figure (claims: one per source)")
                .items(&items)
                .default(0)
                .interact()?;
            if pick == 0 {
                break;
            }
            let kind = FigureKind::ALL[pick - 1];
            let amount: String = Input::new()
                .with_prompt(format!("{}: how many (3, 3-5, dozens)", kind.label()))
                .validate_with(|t: &String| parse_amount(t).map(|_| ()))
                .interact_text()?;
            let names: Vec<&str> = sources.iter().map(|s: &Source| s.name.as_str()).collect();
            let source = Select::new()
                .with_prompt("According to")
                .items(&names)
                .default(0)
                .interact()?;
            figures.entry(kind).or_default().push(Claim {
                id: None,
                amount: parse_amount(&amount).expect("validated above"),
                source: sources[source].key.clone(),
                said_on: None,
                note: None,
            });
        }
    }
    let narrative =
        optional("Narrative (one paragraph; use --json for longer texts)")?.unwrap_or_default();
    let status = if Confirm::new()
        .with_prompt("Mark final and queue for sync?")
        .default(false)
        .interact()?
    {
        Status::Final
    } else {
        Status::Draft
    };
    // The app's empty draft (id, today's offset from UTC), filled with the answers.
    let mut report = app.new_report();
    report.title = title;
    report.status = status;
    report.when.date = date.parse()?;
    report.location = Location {
        admin1: region.name.to_string(),
        admin2: Some(admin2).filter(|a| !a.trim().is_empty()),
        admin3,
        place,
        ..Location::default()
    };
    report.what = What {
        event_type: Some(event_type),
        sub_event_type: Some(sub),
        categories: Vec::new(),
    };
    report.figures = figures;
    report.sources = sources;
    report.narrative = narrative;
    Ok(check(report, today())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_numbers_ranges_or_words() {
        assert_eq!(parse_amount("3"), Ok(Amount::Exact(3)));
        assert_eq!(parse_amount("3-5"), Ok(Amount::Range { min: 3, max: 5 }));
        assert_eq!(
            parse_amount("3 \u{2013} 5"),
            Ok(Amount::Range { min: 3, max: 5 })
        );
        assert_eq!(
            parse_amount("Dozens"),
            Ok(Amount::Vague(VagueAmount::Dozens))
        );
        assert!(
            parse_amount("many")
                .unwrap_err()
                .contains("\"many\" is not a number")
        );
    }
}
