//! The data map of a binary with several record types: every derived type is in it, with its
//! classes, sensitivities, treatments, indexes, token options and storage place; the Markdown,
//! HTML and record-of-processing renderings say the same. (The page is checked in headless
//! Chromium by `cli/tests/cli/data_map_page.rs`.)

use piiguard::{Classified, Pii};

#[derive(Classified)]
#[pii(subject = id, name = "shop.customer", stored_in = "postgres:customers")]
#[allow(dead_code)]
struct Customer {
    id: u64,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = phone, export = omit)]
    phone: Pii<String>,
    #[pii(class = card_number, storage = tokenize, convergent, token_ttl_days = 365)]
    card: Pii<String>,
    plan: String,
    #[pii(nested)]
    address: Address,
}

#[derive(Classified)]
#[pii(name = "shop.address")]
#[allow(dead_code)]
struct Address {
    #[pii(class = address)]
    street: Pii<String>,
    city: String,
}

#[derive(Classified)]
#[pii(subject = patient, name = "clinic.visit", stored_in = "sqlite:visits")]
#[allow(dead_code)]
struct Visit {
    patient: u64,
    #[pii(class = health)]
    diagnosis: Pii<String>,
    #[pii(class = name, sensitivity = sensitive)]
    doctor: Pii<String>,
}

fn ours(map: &piiguard::data_map::DataMap) -> Vec<&str> {
    map.records
        .iter()
        .map(|r| r.name)
        .filter(|n| n.starts_with("shop.") || n.starts_with("clinic."))
        .collect()
}

#[test]
fn every_derived_type_is_in_the_map_with_its_fields() {
    let map = piiguard::data_map::data_map();
    assert_eq!(
        ours(&map),
        ["clinic.visit", "shop.address", "shop.customer"],
        "sorted by name"
    );
    let customer = map.record("shop.customer").unwrap();
    assert_eq!(customer.rust_name, "Customer");
    assert_eq!(customer.stored_in, Some("postgres:customers"));
    assert_eq!(customer.subject, Some("id"));
    assert_eq!(customer.plain_fields, 2, "the id and the plan");
    assert_eq!(customer.nested, [("address", "shop.address")]);
    let fields: Vec<(&str, &str, &str, &str, &str, &str)> = customer
        .fields
        .iter()
        .map(|f| (f.name, f.class, f.sensitivity, f.log, f.storage, f.export))
        .collect();
    assert_eq!(
        fields,
        [
            ("email", "email", "personal", "mask", "encrypt", "hash"),
            ("phone", "phone", "personal", "mask", "encrypt", "omit"),
            (
                "card",
                "card_number",
                "sensitive",
                "redact",
                "tokenize",
                "hash"
            ),
        ]
    );
    assert_eq!(customer.fields[0].blind_index, Some("email_bidx"));
    assert!(customer.fields[2].convergent_tokens);
    assert_eq!(customer.fields[2].token_ttl_days, Some(365));
    assert_eq!(customer.fields[0].token_ttl_days, None);
    let visit = map.record("clinic.visit").unwrap();
    assert!(visit.has_special());
    assert_eq!(
        visit.fields[1].sensitivity, "sensitive",
        "a raised sensitivity"
    );
    assert!(!customer.has_special());
    assert_eq!(map.record("shop.address").unwrap().stored_in, None);
}

#[test]
fn the_renderings_say_the_same() {
    let map = piiguard::data_map::data_map();
    let json: serde_json::Value = serde_json::from_str(&map.to_json()).unwrap();
    let customer = json["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "shop.customer")
        .unwrap();
    assert_eq!(customer["fields"][2]["storage"], "tokenize");
    let markdown = map.to_markdown();
    assert!(markdown.contains("## shop.customer (`Customer`)"));
    assert!(markdown.contains(
        "| card | card_number | sensitive | redact | tokenize | hash |  | convergent, 365 days |"
    ));
    assert!(markdown.contains("- `address` holds a `shop.address` record"));
    let html = map.to_html();
    assert!(html.contains("<section data-record=\"clinic.visit\">"));
    assert!(html.contains("<tr data-field=\"diagnosis\" class=\"special\">"));
    assert!(!html.contains("<script"), "self-contained, no script");
    let ropa = map.record_of_processing();
    let visit = &ropa[ropa.find("## Processing of `clinic.visit`").unwrap()..];
    let visit = &visit[..visit[3..].find("## ").map_or(visit.len(), |i| i + 3)];
    assert!(visit.contains("Special categories (Art. 9): diagnosis"));
    assert!(visit.contains("(identified by `patient`)"));
    assert!(visit.contains("Where stored: sqlite:visits"));
    assert!(
        visit.contains("encrypted at rest (AES-256-GCM-SIV, per-subject keys): diagnosis, doctor")
    );
    assert!(visit.contains("(f) Time limits for erasure: _to be completed by the controller_"));
    let customer = &ropa[ropa.find("## Processing of `shop.customer`").unwrap()..];
    assert!(customer.contains("stored as vault tokens: card"));
    assert!(customer.contains("the export view releases email as hash"));
}

#[test]
fn the_policy_s_retention_fills_the_time_limits_for_erasure() {
    let policy = piiguard::Policy::from_toml(
        "version = \"map-1\"\n\
         [[retention.rule]]\nrecords = [\"shop.customer\"]\ndays = 730\n\
         [[retention.rule]]\nsensitivities = [\"special\"]\ndays = 3650\nfrom = \"created\"\n\
         [[retention.rule]]\nclasses = [\"name\"]\ndays = 90\n",
    )
    .unwrap();
    let map = piiguard::data_map::data_map().with_retention(policy.retention());
    let of = |name: &str| map.record(name).unwrap().retention.clone();
    assert_eq!(
        of("shop.customer").as_deref(),
        Some("730 days from last activity")
    );
    // The visit holds special data (ten years) and a name (90 days): the longest governs.
    assert_eq!(
        of("clinic.visit").as_deref(),
        Some("3650 days from creation")
    );
    assert_eq!(of("shop.address"), None);
    let ropa = map.record_of_processing();
    assert!(ropa.contains(
        "- (f) Time limits for erasure: 730 days from last activity (the policy's retention rules)"
    ));
    assert!(
        map.to_markdown()
            .contains("- retention: 3650 days from creation")
    );
}

#[test]
fn a_nested_record_s_classes_count_for_its_holder_as_the_sweep_counts_them() {
    let policy = piiguard::Policy::from_toml(
        "version = \"map-2\"\n[[retention.rule]]\nclasses = [\"address\"]\ndays = 1000\n",
    )
    .unwrap();
    let map = piiguard::data_map::data_map().with_retention(policy.retention());
    let of = |name: &str| map.record(name).unwrap().retention.clone();
    // The customer holds its address through the nested record.
    assert_eq!(
        of("shop.customer").as_deref(),
        Some("1000 days from last activity")
    );
    assert_eq!(
        of("shop.address").as_deref(),
        Some("1000 days from last activity")
    );
    assert_eq!(of("clinic.visit"), None);
}
