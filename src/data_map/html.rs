//! The data map as one self-contained HTML page: inline style, no script, nothing fetched.

use super::DataMap;
use std::fmt::Write as _;

/// HTML text.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2430}\
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #c8ced8;\
padding:.25rem .6rem;text-align:left}th{background:#eef1f5}.special{background:#fde8e8}\
.sensitive{background:#fff4de}code{background:#eef1f5;padding:0 .2rem}";

pub(super) fn page(map: &DataMap) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Data map</title>\
         <style>{STYLE}</style></head><body><h1>Data map</h1><p><span data-figure=\"records\">{}\
         </span> record types, <span data-figure=\"fields\">{}</span> classified fields.</p>",
        map.records.len(),
        map.field_count()
    );
    for record in &map.records {
        let _ = write!(
            out,
            "<section data-record=\"{0}\"><h2>{0} <code>{1}</code></h2><p>Stored in: {2}. \
             Subject: {3}. Retention: {5}. Fields without personal data: {4}.</p>",
            esc(record.name),
            esc(record.rust_name),
            record.stored_in.map_or("(not said)".into(), esc),
            record.subject.map_or("(none)".into(), esc),
            record.plain_fields,
            record.retention.as_deref().map_or("(no rule)".into(), esc)
        );
        for (field, inner) in &record.nested {
            let _ = write!(
                out,
                "<p><code>{}</code> holds a {} record.</p>",
                esc(field),
                esc(inner)
            );
        }
        out.push_str(
            "<table><thead><tr><th>field</th><th>class</th><th>sensitivity</th><th>log</th>\
             <th>storage</th><th>export</th><th>blind index</th><th>token expiry</th></tr>\
             </thead><tbody>",
        );
        for f in &record.fields {
            let _ = write!(
                out,
                "<tr data-field=\"{0}\" class=\"{2}\"><td>{0}</td><td>{1}</td><td>{2}</td>\
                 <td>{3}</td><td>{4}</td><td>{5}</td><td>{6}</td><td>{7}</td></tr>",
                esc(f.name),
                f.class,
                f.sensitivity,
                f.log,
                f.storage,
                f.export,
                f.blind_index.map_or(String::new(), esc),
                f.token_ttl_days
                    .map_or(String::new(), |d| format!("{d} days"))
            );
        }
        out.push_str("</tbody></table></section>");
    }
    out.push_str("</body></html>\n");
    out
}
