//! What `#[derive(Classified)]` generates: schema, Debug, view-aware Serialize, Deserialize,
//! for named, tuple and nested records, wrappers, stable names and per-view overrides.

use piiguard::class::{ClassRules, CustomClass, Masker};
use piiguard::keys::{Environment, Keyring};
use piiguard::view::ViewContext;
use piiguard::{
    Class, Classified, Error, Pii, SecretBuf, View, class::Invalid, class::Sensitivity, in_view,
    schema::FieldKind, unaudited, view::Treatment, view::in_context,
};

struct Loyalty;
impl Masker for Loyalty {
    fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let tail = value
            .get(value.len().saturating_sub(2)..)
            .ok_or(Invalid("short"))?;
        out.push_str("LOY-***");
        out.push_str(std::str::from_utf8(tail).map_err(|_| Invalid("not text"))?);
        Ok(())
    }
}
impl ClassRules for Loyalty {
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        if value.len() == 8 && value.iter().all(u8::is_ascii_digit) {
            Ok(())
        } else {
            Err(Invalid("expected 8 digits"))
        }
    }
}
const LOYALTY: Class = Class::Custom(&CustomClass {
    name: "loyalty_number",
    sensitivity: Sensitivity::Personal,
    rules: &Loyalty,
});

/// Shows only the domain of an email.
struct DomainOnly;
impl Masker for DomainOnly {
    fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let text = std::str::from_utf8(value).map_err(|_| Invalid("not text"))?;
        let (_, domain) = text.split_once('@').ok_or(Invalid("no @"))?;
        out.push_str("***@");
        out.push_str(domain);
        Ok(())
    }
}

#[derive(Classified)]
#[pii(name = "postal_address")]
struct Address {
    #[pii(class = address)]
    lines: Pii<String>,
    country: String,
}

#[derive(Classified)]
#[pii(subject = id, name = "customer")]
struct Customer {
    id: u64,
    #[pii(class = email, index, name = "email_v1")]
    email: Pii<String>,
    #[pii(class = email, masker = DomainOnly, log = mask)]
    backup_email: Option<Pii<String>>,
    #[pii(class = phone, sensitivity = sensitive)]
    phone: Pii<String>,
    #[pii(class = ip_address, log = redact, export = omit)]
    last_ip: Vec<Pii<String>>,
    #[pii(class = health)]
    allergies: Option<Pii<String>>,
    #[pii(class = health, export = hash)]
    blood_type: Pii<String>,
    #[pii(class = custom(LOYALTY))]
    loyalty: Pii<String>,
    #[pii(nested)]
    address: Address,
    #[pii(nested)]
    previous: Vec<Address>,
    plan: String,
}

#[derive(Classified)]
#[pii(subject = 0)]
struct Visit(
    String,
    #[pii(class = birth_date)] Pii<time::Date>,
    #[pii(class = name, log = omit)] Pii<String>,
);

#[derive(Classified)]
struct Empty;

fn customer() -> Customer {
    serde_json::from_str(
        r#"{"id": 17, "email_v1": "Jane.Doe@Example.com", "phone": "+1-555-0100-142",
            "last_ip": ["192.0.2.55", "2001:db8:85a3::1"], "blood_type": "AB+",
            "loyalty": "12345678", "backup_email": "jd@example.org",
            "address": {"lines": "1 Main St, Springfield, US", "country": "US"},
            "previous": [], "plan": "pro"}"#,
    )
    .expect("valid input")
}

#[test]
fn the_schema_describes_every_field() {
    let schema = Customer::SCHEMA;
    assert_eq!(schema.name(), "customer");
    assert_eq!(schema.rust_name(), "Customer");
    assert_eq!(schema.subject(), Some("id"));
    assert_eq!(schema.fields().len(), 11);
    let email = schema.field("email").unwrap();
    assert_eq!(email.name(), "email_v1");
    let pii = email.pii().unwrap();
    assert_eq!(
        (pii.class(), pii.sensitivity(), pii.blind_index()),
        (Class::Email, Sensitivity::Personal, Some("email_v1_bidx"))
    );
    assert_eq!(
        [View::Redacted, View::Log, View::Storage, View::Export].map(|v| pii.treatment(v)),
        [
            Treatment::Redact,
            Treatment::Mask,
            Treatment::Encrypt,
            Treatment::Hash
        ]
    );
    // A raised sensitivity changes the defaults: sensitive data is redacted in logs.
    let phone = schema.field("phone").unwrap().pii().unwrap();
    assert_eq!(
        (phone.sensitivity(), phone.treatment(View::Log)),
        (Sensitivity::Sensitive, Treatment::Redact)
    );
    // Special data is omitted from exports unless the field says otherwise.
    assert_eq!(
        schema
            .field("allergies")
            .unwrap()
            .pii()
            .unwrap()
            .treatment(View::Export),
        Treatment::Omit
    );
    assert_eq!(
        schema
            .field("blood_type")
            .unwrap()
            .pii()
            .unwrap()
            .treatment(View::Export),
        Treatment::Hash
    );
    let ip = schema.field("last_ip").unwrap().pii().unwrap();
    assert_eq!(
        (
            ip.sensitivity(),
            ip.treatment(View::Log),
            ip.treatment(View::Export)
        ),
        (Sensitivity::Technical, Treatment::Redact, Treatment::Omit)
    );
    assert_eq!(
        schema
            .field("loyalty")
            .unwrap()
            .pii()
            .unwrap()
            .class()
            .name(),
        "loyalty_number"
    );
    assert!(
        schema
            .field("backup_email")
            .unwrap()
            .pii()
            .unwrap()
            .masker()
            .is_some()
    );
    match schema.field("address").unwrap().kind() {
        FieldKind::Nested(nested) => assert_eq!(nested().name(), "postal_address"),
        _ => panic!("address is nested"),
    }
    match schema.field("previous").unwrap().kind() {
        FieldKind::Nested(nested) => assert_eq!(nested().fields()[0].name(), "lines"),
        _ => panic!("previous is nested"),
    }
    assert!(matches!(
        schema.field("plan").unwrap().kind(),
        FieldKind::Plain
    ));
    assert_eq!(schema.classified_fields().count(), 7);
    assert_eq!(Visit::SCHEMA.subject(), Some("0"));
    assert!(Empty::SCHEMA.fields().is_empty());
}

#[test]
fn debug_is_the_log_view() {
    let c = customer();
    assert_eq!(
        format!("{c:?}"),
        "Customer { id: 17, email: \"J***@Example.com\", backup_email: Some(\"***@example.org\"), \
         phone: [REDACTED:phone], last_ip: [[REDACTED:ip_address], [REDACTED:ip_address]], \
         allergies: None, blood_type: [REDACTED:health], loyalty: \"LOY-***78\", \
         address: Address { lines: \"***, Springfield, US\", country: \"US\" }, previous: [], plan: \"pro\" }"
    );
    let date = time::Date::from_calendar_date(1987, time::Month::June, 5).unwrap();
    let v = Visit("v-1".into(), Pii::new(date), Pii::new("Jane Doe".into()));
    assert_eq!(
        format!("{v:?}"),
        "Visit(\"v-1\", \"1987-**-**\", [REDACTED:name])"
    );
    assert_eq!(format!("{:?}", Empty), "Empty");
}

#[derive(Classified)]
struct Contact {
    #[pii(class = email)]
    email: Pii<String>,
}

#[derive(Classified)]
struct Newsletter {
    #[pii(class = email, masker = DomainOnly, log = mask)]
    email: Pii<String>,
}

/// A value keeps the mask its field made the first time it was logged, and a value moved into
/// a field with another masker is masked by that one, not by what it kept.
#[test]
fn a_kept_mask_is_the_field_s_own() {
    let contact = Contact {
        email: Pii::new("jane@example.com".into()),
    };
    let first = format!("{contact:?}");
    assert_eq!(first, "Contact { email: \"j***@example.com\" }");
    assert_eq!(format!("{contact:?}"), first);
    let newsletter = Newsletter {
        email: contact.email,
    };
    assert_eq!(
        format!("{newsletter:?}"),
        "Newsletter { email: \"***@example.com\" }"
    );
    let again = Contact {
        email: newsletter.email,
    };
    assert_eq!(format!("{again:?}"), first);
}

/// A record that keeps its own `Display`.
#[derive(Classified)]
#[pii(display = false)]
struct Badge {
    number: u32,
    #[pii(class = name)]
    holder: Pii<String>,
}

impl std::fmt::Display for Badge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "badge #{}", self.number)
    }
}

#[test]
fn display_is_the_log_view_unless_the_record_opts_out() {
    let c = customer();
    assert_eq!(c.to_string(), format!("{c:?}"));
    assert_eq!(format!("{c:#}"), format!("{c:#?}"));
    let badge = Badge {
        number: 42,
        holder: Pii::new("Jane Doe".into()),
    };
    assert_eq!(badge.to_string(), "badge #42");
    assert_eq!(
        format!("{badge:?}"),
        "Badge { number: 42, holder: \"J*** D***\" }"
    );
}

#[test]
fn serialize_redacts_and_the_log_view_masks_or_omits() {
    let c = customer();
    let plain: serde_json::Value = serde_json::to_value(&c).unwrap();
    assert_eq!(plain["email_v1"], "[REDACTED:email]");
    assert_eq!(plain["last_ip"][1], "[REDACTED:ip_address]");
    assert_eq!(plain["address"]["lines"], "[REDACTED:address]");
    assert_eq!(plain["allergies"], serde_json::Value::Null);
    assert_eq!(plain["plan"], "pro");

    let log: serde_json::Value = serde_json::to_value(in_view(&c, View::Log)).unwrap();
    assert_eq!(log["email_v1"], "J***@Example.com");
    assert_eq!(log["phone"], "[REDACTED:phone]");
    assert_eq!(log["address"]["lines"], "***, Springfield, US");

    let v = Visit(
        "v-1".into(),
        Pii::new(time::Date::MIN),
        Pii::new("Jane Doe".into()),
    );
    // `log = omit` in a tuple struct keeps the position and writes null.
    assert_eq!(
        serde_json::to_string(&in_view(&v, View::Log)).unwrap(),
        r#"["v-1","-9999-**-**",null]"#
    );
}

#[test]
fn keyed_views_bind_each_field_to_its_record_field_and_subject() {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = unaudited::keys(&keyring);
    let c = customer();
    let row: serde_json::Value = serde_json::from_str(&keys.to_json(&c).unwrap()).unwrap();
    for value in [
        &row["email_v1"],
        &row["last_ip"][0],
        &row["address"]["lines"],
    ] {
        assert!(value.as_str().unwrap().starts_with("pg1."), "{value}");
    }
    assert!(row["email_v1_bidx"].as_str().unwrap().starts_with("bi."));
    let back: Customer = keys.from_json(&row.to_string()).unwrap();
    let opened = keys.expose_unaudited(&back, |c| &c.email).unwrap();
    assert_eq!(opened.expose(), "Jane.Doe@Example.com");
    // Nested records keep the view and open in their own record's context.
    let lines = keys.expose_unaudited(&back, |c| &c.address.lines).unwrap();
    assert_eq!(lines.expose(), "1 Main St, Springfield, US");

    // The same envelope under another subject, or in another field, does not open.
    let mut moved = row.clone();
    moved["id"] = 18.into();
    let other: Customer = keys.from_json(&moved.to_string()).unwrap();
    assert!(keys.expose_unaudited(&other, |c| &c.email).is_err());
    let mut swapped = row.clone();
    swapped["phone"] = row["email_v1"].clone();
    let other: Customer = keys.from_json(&swapped.to_string()).unwrap();
    assert_eq!(
        keys.expose_unaudited(&other, |c| &c.phone).err(),
        Some(Error::OpenFailed)
    );

    let export: serde_json::Value =
        serde_json::from_str(&keys.to_json_in(&c, View::Export).unwrap()).unwrap();
    assert!(export["email_v1"].as_str().unwrap().starts_with("ps."));
    assert!(export["blood_type"].as_str().unwrap().starts_with("ps."));
    assert!(
        export.get("last_ip").is_none(),
        "export = omit leaves the field out"
    );
    assert!(
        export.get("allergies").is_none(),
        "special data is omitted from exports"
    );
    // Pseudonyms are of the normalized value, per field.
    let mut same = customer();
    same.email = Pii::new("jane.doe@example.com".into());
    let again: serde_json::Value =
        serde_json::from_str(&keys.to_json_in(&same, View::Export).unwrap()).unwrap();
    assert_eq!(export["email_v1"], again["email_v1"]);
    assert_ne!(export["email_v1"], export["backup_email"]);

    // Without keys, keyed treatments fail instead of falling back to cleartext.
    let err = serde_json::to_string(&in_context(&c, ViewContext::new(View::Storage)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs keys"), "{err}");
}

#[test]
fn deserialize_seals_validates_and_fills_missing_options() {
    let c = customer();
    assert!(c.allergies.is_none());
    assert_eq!(c.email.class(), Some(Class::Email));
    c.email
        .expose(|e| assert_eq!(e, "Jane.Doe@Example.com"))
        .unwrap();
    c.last_ip[1]
        .expose(|ip| assert_eq!(ip, "2001:db8:85a3::1"))
        .unwrap();
    c.loyalty.expose(|l| assert_eq!(l, "12345678")).unwrap();
    let bad_loyalty = r#"{"id": 1, "email_v1": "a@example.com", "phone": "+1-555-0100-142",
        "last_ip": [], "blood_type": "0", "loyalty": "1234", "address": {"lines": "x", "country": "US"},
        "previous": [], "plan": "pro"}"#;
    let err = serde_json::from_str::<Customer>(bad_loyalty)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with("invalid loyalty_number value: expected 8 digits"),
        "{err}"
    );
    let missing = r#"{"id": 1, "plan": "pro"}"#;
    let err = serde_json::from_str::<Customer>(missing)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("missing field `email_v1`"), "{err}");

    let v: Visit = serde_json::from_str(r#"["v-2", "1990-05-17", "Jane Doe"]"#).unwrap();
    v.1.expose(|d| assert_eq!(d.to_string(), "1990-05-17"))
        .unwrap();
    assert_eq!(v.subject_id().unwrap().as_str(), "v-2");
}

/// Every built-in class name and every treatment name the derive accepts gives the runtime
/// value of the same name: the derive and the runtime read one table (`src/names.rs`).
#[derive(Classified)]
struct EveryName {
    #[pii(class = email, log = redact, export = hash)]
    email: Pii<String>,
    #[pii(class = phone, log = mask, export = mask)]
    phone: Pii<String>,
    #[pii(class = name, log = hash, export = redact)]
    name: Pii<String>,
    #[pii(class = address, log = omit, export = omit)]
    address: Pii<String>,
    #[pii(class = birth_date, export = encrypt)]
    birth_date: Pii<String>,
    #[pii(class = passport, sensitivity = special)]
    passport: Pii<String>,
    #[pii(class = national_id, storage = hash)]
    national_id: Pii<String>,
    #[pii(class = card_number, storage = omit)]
    card_number: Pii<String>,
    #[pii(class = iban, storage = encrypt)]
    iban: Pii<String>,
    #[pii(class = ip_address, sensitivity = technical)]
    ip_address: Pii<String>,
    #[pii(class = geo_location, sensitivity = personal)]
    geo_location: Pii<String>,
    #[pii(class = health, sensitivity = special)]
    health: Pii<String>,
    #[pii(class = biometric)]
    biometric: Pii<Vec<u8>>,
    #[pii(class = free_text, sensitivity = sensitive)]
    free_text: Pii<String>,
}

#[test]
fn the_derive_and_the_runtime_read_one_name_table() {
    use piiguard::class::{BUILT_IN, ClassName};
    let fields: Vec<_> = EveryName::SCHEMA.classified_fields().collect();
    assert_eq!(
        fields.len(),
        ClassName::ALL.len(),
        "one field per built-in class"
    );
    for ((field, pii), name) in fields.iter().zip(ClassName::ALL) {
        // The field is named after the attribute's class name.
        assert_eq!(field.rust_name(), name.name());
        assert_eq!(pii.class().name(), name.name());
        assert_eq!(pii.class(), Class::from_name(name.name()).unwrap());
        assert_eq!(name.name().parse::<ClassName>(), Ok(name));
    }
    assert_eq!(BUILT_IN.map(|c| c.name()), ClassName::ALL.map(|n| n.name()));
    let treatment = |rust: &str, view: View| {
        EveryName::SCHEMA
            .field(rust)
            .and_then(|f| f.pii())
            .unwrap()
            .treatment(view)
            .to_string()
    };
    for (rust, log, export) in [
        ("email", "redact", "hash"),
        ("phone", "mask", "mask"),
        ("name", "hash", "redact"),
        ("address", "omit", "omit"),
    ] {
        assert_eq!(treatment(rust, View::Log), log);
        assert_eq!(treatment(rust, View::Export), export);
    }
    assert_eq!(treatment("birth_date", View::Export), "encrypt");
    assert_eq!(treatment("national_id", View::Storage), "hash");
    assert_eq!(treatment("card_number", View::Storage), "omit");
    assert_eq!(treatment("iban", View::Storage), "encrypt");
    for (rust, sensitivity) in [
        ("passport", "special"),
        ("ip_address", "technical"),
        ("geo_location", "personal"),
        ("health", "special"),
        ("free_text", "sensitive"),
    ] {
        let pii = EveryName::SCHEMA.field(rust).and_then(|f| f.pii()).unwrap();
        assert_eq!(pii.sensitivity().to_string(), sensitivity);
        assert_eq!(sensitivity.parse::<Sensitivity>(), Ok(pii.sensitivity()));
    }
}
