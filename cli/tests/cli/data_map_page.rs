//! The data map's HTML page, rendered by headless Chromium: every record type and field of
//! this test binary is in the rendered DOM (not only in the page's source).
#![cfg(feature = "chromium-tests")]

use crate::common;

use piiguard::{Classified, Pii};

#[derive(Classified)]
#[pii(subject = id, name = "shop.customer", stored_in = "postgres:customers")]
#[allow(dead_code)]
struct Customer {
    id: u64,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = card_number, storage = tokenize, token_ttl_days = 30)]
    card: Pii<String>,
}

#[derive(Classified)]
#[pii(subject = patient, name = "clinic.visit", stored_in = "sqlite:visits <notes> & more")]
#[allow(dead_code)]
struct Visit {
    patient: u64,
    #[pii(class = health)]
    diagnosis: Pii<String>,
}

#[test]
fn the_page_lists_every_type_and_field_in_the_rendered_dom() {
    let map = piiguard::data_map::data_map();
    assert!(
        map.record("shop.customer").is_some() && map.record("clinic.visit").is_some(),
        "this binary's types registered"
    );
    let dir = std::env::temp_dir().join(format!("piiguard-data-map-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("data-map.html");
    std::fs::write(&page, map.to_html()).unwrap();
    let dom = String::from_utf8(common::chromium(&page, &["--dump-dom"])).unwrap();
    for record in &map.records {
        let name = record
            .name
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let at = dom
            .find(&format!("<section data-record=\"{name}\">"))
            .unwrap_or_else(|| panic!("{} is not in the DOM", record.name));
        let section = &dom[at..at + dom[at..].find("</section>").unwrap()];
        for field in &record.fields {
            let row = format!(
                "<tr data-field=\"{}\" class=\"{}\"><td>{}</td><td>{}</td>",
                field.name, field.sensitivity, field.name, field.class
            );
            assert!(
                section.contains(&row),
                "{}.{} is not in the DOM: {section}",
                record.name,
                field.name
            );
        }
    }
    assert!(dom.contains("<td>30 days</td>"));
    assert!(
        dom.contains("Stored in: sqlite:visits &lt;notes&gt; &amp; more."),
        "text stays text"
    );
    let figure = |id: &str| {
        let at = dom.find(&format!("data-figure=\"{id}\">")).unwrap() + id.len() + 15;
        dom[at..at + dom[at..].find('<').unwrap()]
            .parse::<usize>()
            .unwrap()
    };
    assert_eq!(figure("records"), map.records.len());
    assert_eq!(figure("fields"), map.field_count());
}
