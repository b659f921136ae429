//! The data map in Markdown, and the record of processing activities' skeleton.

use super::{DataMap, FieldEntry, RecordEntry};
use std::fmt::Write as _;

/// Markdown table text: `|` and line breaks would end a cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn tokens(field: &FieldEntry) -> String {
    let mut out = Vec::new();
    if field.convergent_tokens {
        out.push("convergent".to_owned());
    }
    if let Some(days) = field.token_ttl_days {
        out.push(format!("{days} days"));
    }
    out.join(", ")
}

pub(super) fn map(map: &DataMap) -> String {
    let mut out = String::from("# Data map\n\n");
    let _ = writeln!(
        out,
        "{} record types, {} classified fields.\n",
        map.records.len(),
        map.field_count()
    );
    for record in &map.records {
        let _ = writeln!(
            out,
            "## {} (`{}`)\n",
            cell(record.name),
            cell(record.rust_name)
        );
        let _ = writeln!(
            out,
            "- stored in: {}\n- subject: {}\n- retention: {}\n- fields without personal data: {}",
            record.stored_in.map_or("(not said)".into(), cell),
            record.subject.map_or("(none)".into(), cell),
            record.retention.as_deref().unwrap_or("(no rule)"),
            record.plain_fields
        );
        for (field, inner) in &record.nested {
            let _ = writeln!(out, "- `{}` holds a `{}` record", cell(field), cell(inner));
        }
        out.push_str(
            "\n| field | class | sensitivity | log | storage | export | blind index | tokens |\n\
             |---|---|---|---|---|---|---|---|\n",
        );
        for f in &record.fields {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                cell(f.name),
                f.class,
                f.sensitivity,
                f.log,
                f.storage,
                f.export,
                f.blind_index.map_or(String::new(), cell),
                tokens(f)
            );
        }
        out.push('\n');
    }
    out
}

const TO_COMPLETE: &str = "_to be completed by the controller_";

pub(super) fn record_of_processing(map: &DataMap) -> String {
    let mut out = String::from(
        "# Record of processing activities (GDPR Art. 30(1)) — skeleton\n\n\
         Generated from the data map of this binary: what the schemas know is filled in; what only \
         the controller knows is marked.\n\n",
    );
    let _ = writeln!(
        out,
        "- (a) Controller, its representative and data protection officer: {TO_COMPLETE}\n"
    );
    for record in &map.records {
        activity(&mut out, record);
    }
    out
}

fn activity(out: &mut String, record: &RecordEntry) {
    let classes: Vec<String> = record
        .fields
        .iter()
        .map(|f| format!("{} ({}, {})", cell(f.name), f.class, f.sensitivity))
        .collect();
    let special: Vec<&str> = record
        .fields
        .iter()
        .filter(|f| f.sensitivity == "special")
        .map(|f| f.name)
        .collect();
    let leaves: Vec<String> = record
        .fields
        .iter()
        .filter(|f| f.export != "omit")
        .map(|f| format!("{} as {}", cell(f.name), f.export))
        .collect();
    let mut measures = Vec::new();
    for (what, treatment) in [
        (
            "encrypted at rest (AES-256-GCM-SIV, per-subject keys)",
            "encrypt",
        ),
        ("stored as vault tokens", "tokenize"),
    ] {
        let fields: Vec<&str> = record
            .fields
            .iter()
            .filter(|f| f.storage == treatment)
            .map(|f| f.name)
            .collect();
        if !fields.is_empty() {
            measures.push(format!("{what}: {}", cell(&fields.join(", "))));
        }
    }
    let indexed: Vec<&str> = record
        .fields
        .iter()
        .filter(|f| f.blind_index.is_some())
        .map(|f| f.name)
        .collect();
    if !indexed.is_empty() {
        measures.push(format!(
            "keyed blind indexes instead of cleartext lookups: {}",
            cell(&indexed.join(", "))
        ));
    }
    measures.push("masked or redacted in logs and `Debug`".into());
    measures.push(
        "cleartext only through the guard's policy decisions, each in a chained audit trail".into(),
    );
    if record.subject.is_some() {
        measures.push("erasure by crypto-shredding the subject's key".into());
    }
    let _ = writeln!(out, "## Processing of `{}`\n", cell(record.name));
    let _ = writeln!(out, "- (b) Purposes of the processing: {TO_COMPLETE}");
    let _ = writeln!(
        out,
        "- (c) Categories of data subjects: {TO_COMPLETE}{}",
        record
            .subject
            .map_or(String::new(), |s| format!(" (identified by `{}`)", cell(s)))
    );
    let _ = writeln!(
        out,
        "- (c) Categories of personal data: {}",
        classes.join("; ")
    );
    if !special.is_empty() {
        let _ = writeln!(
            out,
            "- Special categories (Art. 9): {} — state the Art. 9(2) condition: {TO_COMPLETE}",
            cell(&special.join(", "))
        );
    }
    let _ = writeln!(
        out,
        "- (d) Recipients: {TO_COMPLETE}; the export view releases {}",
        if leaves.is_empty() {
            "nothing".to_owned()
        } else {
            leaves.join(", ")
        }
    );
    let _ = writeln!(out, "- (e) Transfers to third countries: {TO_COMPLETE}");
    let _ = writeln!(
        out,
        "- (f) Time limits for erasure: {}",
        record
            .retention
            .as_deref()
            .map_or(TO_COMPLETE.to_owned(), |r| format!(
                "{r} (the policy's retention rules)"
            ))
    );
    let _ = writeln!(
        out,
        "- Where stored: {}",
        record.stored_in.map_or(TO_COMPLETE.to_owned(), cell)
    );
    let _ = writeln!(
        out,
        "- (g) Technical and organisational measures (Art. 32):"
    );
    for measure in measures {
        let _ = writeln!(out, "  - {measure}");
    }
    out.push('\n');
}
