//! The data map: where personal data is. Every `#[derive(Classified)]` type linked into a
//! binary registers its schema (through the `inventory` crate, which supports Linux, macOS,
//! Windows and wasm; tested here on Linux); [`data_map()`] returns them all, with each field's class,
//! sensitivity, treatment in each view, blind index, token options, and where the application
//! says it stores the records (`#[pii(stored_in = "postgres:customers")]`).
//!
//! The map renders as JSON ([`DataMap::to_json`]), Markdown ([`DataMap::to_markdown`]), a
//! self-contained HTML page ([`DataMap::to_html`]) and a skeleton of the GDPR record of
//! processing activities (Art. 30), with what the schema knows filled in
//! ([`DataMap::record_of_processing`]).
//!
//! ```
//! use piiguard::{Classified, Pii};
//!
//! #[derive(Classified)]
//! #[pii(subject = id, name = "crm.customer", stored_in = "postgres:customers")]
//! struct Customer {
//!     id: u64,
//!     #[pii(class = email, index)]
//!     email: Pii<String>,
//! }
//!
//! let map = piiguard::data_map::data_map();
//! let customer = map.record("crm.customer").unwrap();
//! assert_eq!(customer.stored_in, Some("postgres:customers"));
//! assert_eq!(customer.fields[0].class, "email");
//! assert_eq!(customer.fields[0].blind_index, Some("email_bidx"));
//! assert!(map.to_markdown().contains("| email | email | personal |"));
//! ```

mod html;
mod markdown;

use crate::names::{Sensitivity, Treatment, View};
use crate::schema::{FieldKind, RecordSchema};
use serde::Serialize;

/// A record type's registration in the data map (made by the derive).
#[doc(hidden)]
pub struct Registered(pub &'static RecordSchema);

inventory::collect!(Registered);

/// Every classified record type linked into this binary, by stable name.
pub fn data_map() -> DataMap {
    let mut records: Vec<RecordEntry> = inventory::iter::<Registered>
        .into_iter()
        .map(|r| RecordEntry::of(r.0))
        .collect();
    records.sort_by(|a, b| a.name.cmp(b.name).then(a.rust_name.cmp(b.rust_name)));
    records.dedup_by(|a, b| a.name == b.name && a.rust_name == b.rust_name);
    DataMap { records }
}

/// The data map: see the [module](self).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct DataMap {
    /// The record types, by stable name.
    pub records: Vec<RecordEntry>,
}

/// One record type in the map.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct RecordEntry {
    /// The stable name (bound into ciphertexts and tokens).
    pub name: &'static str,
    /// The Rust type's name.
    pub rust_name: &'static str,
    /// Where the application stores it, as it said.
    pub stored_in: Option<&'static str>,
    /// The field naming the data subject, if any.
    pub subject: Option<&'static str>,
    /// The classified fields.
    pub fields: Vec<FieldEntry>,
    /// Fields holding other classified records: (field, record type's stable name).
    pub nested: Vec<(&'static str, &'static str)>,
    /// How many fields hold no personal data.
    pub plain_fields: usize,
    /// The retention period, once a policy's rules were applied
    /// ([`DataMap::with_retention`]): `730 days from last activity`.
    pub retention: Option<String>,
    /// The class and sensitivity names it holds, nested records' included (as the retention
    /// sweep matches them).
    #[serde(skip)]
    held: Vec<&'static str>,
}

/// One classified field in the map.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct FieldEntry {
    /// The stable name.
    pub name: &'static str,
    /// The class.
    pub class: &'static str,
    /// The sensitivity (the class's, or the field's raised one).
    pub sensitivity: &'static str,
    /// In logs and `Debug`.
    pub log: &'static str,
    /// At rest.
    pub storage: &'static str,
    /// In exports to analytics and third parties.
    pub export: &'static str,
    /// The blind-index column, if the field has one.
    pub blind_index: Option<&'static str>,
    /// Equal values share a vault token (stored as `tokenize` with `convergent`).
    pub convergent_tokens: bool,
    /// Vault tokens expire after this many days.
    pub token_ttl_days: Option<u32>,
}

impl RecordEntry {
    fn of(schema: &'static RecordSchema) -> Self {
        let mut nested = Vec::new();
        let mut plain_fields = 0;
        for field in schema.fields() {
            match field.kind() {
                FieldKind::Nested(inner) => nested.push((field.name(), inner().name())),
                FieldKind::Plain => plain_fields += 1,
                FieldKind::Classified(_) => {}
            }
        }
        let fields = schema
            .classified_fields()
            .map(|(field, pii)| {
                let tokens = pii.tokens();
                let tokenized = pii.treatment(View::Storage) == Treatment::Tokenize
                    || pii.treatment(View::Export) == Treatment::Tokenize;
                FieldEntry {
                    name: field.name(),
                    class: pii.class().name(),
                    sensitivity: pii.sensitivity().name(),
                    log: pii.treatment(View::Log).name(),
                    storage: pii.treatment(View::Storage).name(),
                    export: pii.treatment(View::Export).name(),
                    blind_index: pii.blind_index(),
                    convergent_tokens: tokenized && tokens.convergent(),
                    token_ttl_days: tokens
                        .ttl_secs()
                        .filter(|_| tokenized)
                        .map(|secs| secs / 86_400),
                }
            })
            .collect();
        Self {
            name: schema.name(),
            rust_name: schema.rust_name(),
            stored_in: schema.stored_in(),
            subject: schema.subject(),
            fields,
            nested,
            plain_fields,
            retention: None,
            held: schema.held_names(),
        }
    }

    /// Whether it holds special-category data (GDPR Art. 9).
    pub fn has_special(&self) -> bool {
        self.fields
            .iter()
            .any(|f| f.sensitivity == Sensitivity::Special.name())
    }
}

impl DataMap {
    /// A record type by stable name.
    pub fn record(&self, name: &str) -> Option<&RecordEntry> {
        self.records.iter().find(|r| r.name == name)
    }

    /// The map with each record type's retention period under `retention` (a policy's
    /// [`retention()`](crate::Policy::retention)): what the record of processing calls the
    /// time limits for erasure.
    pub fn with_retention(mut self, retention: &crate::policy::Retention) -> Self {
        for record in &mut self.records {
            record.retention =
                retention
                    .period_of(record.name, &record.held)
                    .map(|(days, from)| {
                        let from = match from {
                            crate::policy::RetentionClock::Created => "creation",
                            crate::policy::RetentionClock::Given => {
                                "the date the application gives"
                            }
                            _ => "last activity",
                        };
                        format!("{days} days from {from}")
                    });
        }
        self
    }

    /// How many classified fields, in all record types.
    pub fn field_count(&self) -> usize {
        self.records.iter().map(|r| r.fields.len()).sum()
    }

    /// The map as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|_| unreachable!("names and numbers serialize"))
    }

    /// The map as Markdown: one table per record type.
    pub fn to_markdown(&self) -> String {
        markdown::map(self)
    }

    /// The map as a self-contained HTML page (no script, no fetch).
    pub fn to_html(&self) -> String {
        html::page(self)
    }

    /// A skeleton of the record of processing activities (GDPR Art. 30(1)) in Markdown: one
    /// section per record type, with what the schema knows (categories of data, special
    /// categories, where stored, the technical measures) and a marked place for what only
    /// the controller knows (purposes, recipients, transfers, time limits for erasure).
    pub fn record_of_processing(&self) -> String {
        markdown::record_of_processing(self)
    }
}
