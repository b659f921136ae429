//! `audit report --html FILE`: the report as one self-contained page — its figures in tables,
//! and three charts drawn as inline SVG by `plotters` (accesses per principal per day against
//! the thresholds, denials by reason, the break-glass timeline). No script, style sheet, font
//! or image is fetched: the page opens offline, and every text from the trail is escaped.

use plotters::prelude::*;
use serde_json::Value;
use std::fmt::Write as _;

/// The most principals the accesses chart draws (the busiest); the table lists them all.
const CHARTED: usize = 8;

/// Text for HTML: `&`, `<`, `>`, `"` and `'` escaped.
pub(crate) fn escape(text: &str) -> String {
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

fn s(value: &Value) -> String {
    escape(value.as_str().unwrap_or("-"))
}

fn n(value: &Value) -> u64 {
    value.as_u64().unwrap_or(0)
}

/// The page.
pub(crate) fn page(report: &Value) -> String {
    let mut out = String::new();
    let chain = &report["chain"];
    let intact = chain["intact"] == true;
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>piiguard audit report</title><style>{STYLE}</style></head><body>\n\
         <h1>Audit report</h1>\n<p class=\"store\">{store}: events {first} to {last}{range}</p>\n",
        store = s(&report["store"]),
        first = s(&report["range"]["first_event"]),
        last = s(&report["range"]["last_event"]),
        range = match (
            report["range"]["since"].as_str(),
            report["range"]["until"].as_str()
        ) {
            (None, None) => String::new(),
            (since, until) => format!(
                " (range {} to {})",
                escape(since.unwrap_or("the start")),
                escape(until.unwrap_or("the end"))
            ),
        },
    );
    let _ = writeln!(
        out,
        "<section id=\"chain\" class=\"{class}\"><h2>Chain</h2><p>{text}</p></section>",
        class = if intact { "ok" } else { "broken" },
        text = if intact {
            format!(
                "Intact: <span data-figure=\"chain-events\">{}</span> events verified.",
                n(&chain["events"])
            )
        } else {
            format!(
                "Broken at event <span data-figure=\"chain-breaks-at\">{}</span>: {}. Only the \
                 events before it are counted.",
                n(&chain["breaks_at"]),
                s(&chain["problem"])
            )
        }
    );
    summary(&mut out, report);
    let _ = write!(
        out,
        "<section id=\"accesses\"><h2>Accesses per principal per day</h2>\n\
         <figure id=\"chart-accesses\">{}</figure>\n",
        accesses_chart(report)
    );
    principals_table(&mut out, report);
    out.push_str("</section>\n");
    let _ = write!(
        out,
        "<section id=\"denials\"><h2>Denials by reason</h2>\n<figure id=\"chart-denials\">{}</figure>\n",
        denials_chart(report)
    );
    table(
        &mut out,
        &["reason", "denials"],
        report["denials"]["by_reason"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(reason, count)| vec![escape(reason), n(count).to_string()]),
    );
    out.push_str("</section>\n");
    let bg = &report["break_glass"];
    let _ = write!(
        out,
        "<section id=\"break-glass\"><h2>Break-glass</h2>\n<figure id=\"chart-break-glass\">{}</figure>\n",
        timeline_chart(report)
    );
    entries(&mut out, &bg["events"]);
    out.push_str("</section>\n");
    for (id, title, key) in [
        ("erasures", "Erasures", "erasures"),
        ("key-events", "Key events", "key_events"),
        ("alerts", "Alerts", "alerts"),
        ("token-refusals", "Tokens refused", "token_refusals"),
    ] {
        let _ = writeln!(out, "<section id=\"{id}\"><h2>{title}</h2>");
        // Token refusals keep their events beside the count by caller.
        let listed = match &report[key]["events"] {
            Value::Null => &report[key],
            events => events,
        };
        entries(&mut out, listed);
        out.push_str("</section>\n");
    }
    out.push_str("<section id=\"admin\"><h2>Administrative acts</h2>\n");
    table(
        &mut out,
        &["principal", "action", "outcome", "count"],
        report["admin"].as_array().into_iter().flatten().map(|a| {
            vec![
                s(&a["principal"]),
                s(&a["action"]),
                s(&a["outcome"]),
                n(&a["count"]).to_string(),
            ]
        }),
    );
    out.push_str("</section>\n<section id=\"anomalies\"><h2>Anomalies</h2>\n<h3>First accesses to a class</h3>\n");
    entries(&mut out, &report["anomalies"]["first_access"]);
    out.push_str("<h3>Bursts</h3>\n");
    table(
        &mut out,
        &["principal", "time", "accesses", "window (s)"],
        report["anomalies"]["bursts"]["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| {
                vec![
                    s(&b["principal"]),
                    s(&b["time"]),
                    n(&b["accesses"]).to_string(),
                    n(&b["window_secs"]).to_string(),
                ]
            }),
    );
    out.push_str("</section>\n</body></html>\n");
    out
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222;max-width:1200px}\
    h1{margin-bottom:0}.store{color:#555}section{margin:2em 0}\
    .ok p{color:#1a7f37}.broken p{color:#b42318;font-weight:bold}\
    table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;\
    text-align:left}td.n{text-align:right}.figures td{font-size:1.2em}figure{margin:0}";

fn summary(out: &mut String, report: &Value) {
    let figures = [
        ("events", "events in range", n(&report["events"]["total"])),
        (
            "accesses-total",
            "reveals and views",
            n(&report["accesses"]["total"]),
        ),
        (
            "over-elevated",
            "principal-days over the elevated line",
            report["accesses"]["over_elevated"]
                .as_array()
                .map_or(0, Vec::len) as u64,
        ),
        (
            "over-suspicious",
            "principal-days over the suspicious line",
            report["accesses"]["over_suspicious"]
                .as_array()
                .map_or(0, Vec::len) as u64,
        ),
        ("denials", "denials", n(&report["denials"]["total"])),
        (
            "break-glass-grants",
            "break-glass grants made",
            n(&report["break_glass"]["grants"]["done"]),
        ),
        (
            "break-glass-uses",
            "break-glass uses",
            n(&report["break_glass"]["uses"]),
        ),
        ("erasures", "erasures done", n(&report["erasures"]["done"])),
        (
            "token-refusals",
            "tokens refused",
            n(&report["token_refusals"]["total"]),
        ),
        (
            "bursts",
            "bursts",
            n(&report["anomalies"]["bursts"]["total"]),
        ),
    ];
    out.push_str("<section id=\"summary\"><h2>Summary</h2><table class=\"figures\">\n");
    for (id, label, value) in figures {
        let _ = writeln!(
            out,
            "<tr><th>{label}</th><td class=\"n\" data-figure=\"{id}\">{value}</td></tr>"
        );
    }
    out.push_str("</table></section>\n");
}

fn table(out: &mut String, head: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    out.push_str("<table><tr>");
    for h in head {
        let _ = write!(out, "<th>{h}</th>");
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// A list of events (at most the report's first entries), with the total.
fn entries(out: &mut String, listed: &Value) {
    let total = n(&listed["total"]);
    let shown = listed["entries"].as_array().map_or(0, Vec::len);
    let _ = writeln!(
        out,
        "<p>{total} in all{}</p>",
        if (shown as u64) < total {
            format!(", the first {shown} listed")
        } else {
            String::new()
        }
    );
    table(
        out,
        &[
            "#",
            "time",
            "principal",
            "action",
            "outcome",
            "subject",
            "grant",
            "justification",
        ],
        listed["entries"].as_array().into_iter().flatten().map(|e| {
            vec![
                n(&e["seq"]).to_string(),
                s(&e["time"]),
                s(&e["principal"]),
                s(&e["action"]),
                s(&e["outcome"]),
                s(&e["subject"]),
                s(&e["grant"]),
                s(&e["justification"]),
            ]
        }),
    );
}

fn principals_table(out: &mut String, report: &Value) {
    table(
        out,
        &[
            "principal",
            "accesses",
            "busiest day",
            "denials",
            "at unusual hours",
        ],
        report["accesses"]["principals"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                let busiest = p["days"]
                    .as_object()
                    .and_then(|d| d.values().filter_map(Value::as_u64).max())
                    .unwrap_or(0);
                vec![
                    s(&p["principal"]),
                    n(&p["accesses"]).to_string(),
                    busiest.to_string(),
                    n(&p["denials"]).to_string(),
                    n(&p["outside_usual_hours"]).to_string(),
                ]
            }),
    );
}

/// Draws into an SVG string of `size`; an empty string if plotters fails (never expected).
fn svg(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Option<()>,
) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        if root.fill(&WHITE).is_err() || draw(&root).is_none() || root.present().is_err() {
            return String::new();
        }
    }
    out
}

fn accesses_chart(report: &Value) -> String {
    let principals = report["accesses"]["principals"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut busiest: Vec<&Value> = principals
        .iter()
        .filter(|p| n(&p["accesses"]) > 0)
        .collect();
    busiest.sort_by_key(|p| std::cmp::Reverse(n(&p["accesses"])));
    busiest.truncate(CHARTED);
    let mut days: Vec<String> = busiest
        .iter()
        .flat_map(|p| {
            p["days"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(d, _)| d.clone())
        })
        .collect();
    days.sort();
    days.dedup();
    let elevated = n(&report["thresholds"]["elevated"]);
    let suspicious = n(&report["thresholds"]["suspicious"]);
    let top = busiest
        .iter()
        .flat_map(|p| {
            p["days"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(_, c)| n(c))
        })
        .max()
        .unwrap_or(0)
        .max(suspicious)
        * 11
        / 10
        + 1;
    let last = days.len().saturating_sub(1).max(1);
    svg((1000, 420), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d(0usize..last, 0u64..top)
            .ok()?;
        let labels = days.clone();
        chart
            .configure_mesh()
            .x_labels(days.len().min(12))
            .x_label_formatter(&|i| labels.get(*i).cloned().unwrap_or_default())
            .y_desc("reveals and views a day")
            .draw()
            .ok()?;
        for (k, p) in busiest.iter().enumerate() {
            let color = Palette99::pick(k).to_rgba();
            let counts = p["days"].as_object().cloned().unwrap_or_default();
            let points: Vec<(usize, u64)> = days
                .iter()
                .enumerate()
                .map(|(i, d)| (i, counts.get(d).map_or(0, n)))
                .collect();
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .ok()?
                .label(p["principal"].as_str().unwrap_or("-").to_owned())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color));
        }
        for (limit, color, name) in [
            (elevated, RGBColor(230, 140, 0), "elevated"),
            (suspicious, RGBColor(200, 30, 30), "suspicious"),
        ] {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0, limit), (last, limit)],
                    8,
                    5,
                    color.stroke_width(2),
                ))
                .ok()?
                .label(format!("{name} ({limit})"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .ok()
    })
}

fn denials_chart(report: &Value) -> String {
    let reasons: Vec<(String, u64)> = report["denials"]["by_reason"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(r, c)| (r.clone(), n(c)))
        .collect();
    let top = reasons.iter().map(|(_, c)| *c).max().unwrap_or(0) * 11 / 10 + 1;
    let count = reasons.len().max(1);
    svg((1000, 320), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d((0..count).into_segmented(), 0u64..top)
            .ok()?;
        chart
            .configure_mesh()
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => {
                    reasons.get(*i).map(|(r, _)| r.clone()).unwrap_or_default()
                }
                _ => String::new(),
            })
            .y_desc("denials")
            .draw()
            .ok()?;
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(RGBColor(200, 30, 30).filled())
                    .margin(20)
                    .data(reasons.iter().enumerate().map(|(i, (_, c))| (i, *c))),
            )
            .ok()?;
        Some(())
    })
}

/// Break-glass requests, grants and revocations on a time axis (hours since the first).
fn timeline_chart(report: &Value) -> String {
    use time::format_description::well_known::Rfc3339;
    let events: Vec<(f64, usize, String)> = report["break_glass"]["events"]["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let t = time::OffsetDateTime::parse(e["time"].as_str()?, &Rfc3339).ok()?;
            let row = match e["action"].as_str()? {
                "grant_request" => 0,
                "grant" => 1,
                _ => 2,
            };
            Some((
                t.unix_timestamp() as f64,
                row,
                e["principal"].as_str()?.to_owned(),
            ))
        })
        .collect();
    let start = events.iter().map(|e| e.0).fold(f64::INFINITY, f64::min);
    let end = events.iter().map(|e| e.0).fold(f64::NEG_INFINITY, f64::max);
    let span = if events.is_empty() {
        1.0
    } else {
        ((end - start) / 3600.0).max(1.0)
    };
    svg((1000, 240), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(110)
            .build_cartesian_2d(0f64..span * 1.05, -0.5f64..2.5f64)
            .ok()?;
        chart
            .configure_mesh()
            .y_labels(3)
            .y_label_formatter(&|y| {
                match y.round() as i64 {
                    0 => "request",
                    1 => "grant",
                    2 => "revocation",
                    _ => "",
                }
                .to_owned()
            })
            .x_desc(if events.is_empty() {
                "no break-glass events".to_owned()
            } else {
                "hours since the first break-glass event".to_owned()
            })
            .draw()
            .ok()?;
        chart
            .draw_series(events.iter().map(|(t, row, _)| {
                Circle::new(
                    ((t - start) / 3600.0, *row as f64),
                    6,
                    RGBColor(40, 90, 200).filled(),
                )
            }))
            .ok()?;
        Some(())
    })
}
