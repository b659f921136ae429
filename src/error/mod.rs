//! The one error type of piiguard.
//!
//! Every field of every variant is a `&'static str` or a small enum chosen by the library, never
//! text taken from a value, so no message can carry personal data. A test formats every variant
//! and checks exactly that.

use crate::environment::Environment;
use crate::names::View;
use crate::reason::Reason;
use std::fmt;

mod database;
pub use database::DatabaseCause;

/// Everything that can go wrong in piiguard. Messages never contain a classified value.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value does not satisfy its class's rules (an email without `@`, a card failing Luhn).
    #[error("invalid {class} value: {reason}")]
    InvalidValue {
        /// The class whose rules were applied.
        class: &'static str,
        /// Why the value was refused (fixed text, never the value).
        reason: &'static str,
    },
    /// Stored bytes could not be decoded into the requested Rust type.
    #[error("the cleartext bytes are not a valid {kind}")]
    Decode {
        /// The Rust type that was asked for.
        kind: &'static str,
    },
    /// Input was a redacted or masked placeholder, which never stands for a value.
    #[error("a redacted or masked {class} placeholder is not a value")]
    Placeholder {
        /// The class of the field (or `unclassified`).
        class: &'static str,
    },
    /// A view needs keys (encryption, pseudonyms) but none were provided.
    #[error("the {view} view needs keys for treatment `{treatment}`, and none are configured")]
    KeysRequired {
        /// The view being serialized.
        view: View,
        /// The treatment that needed keys.
        treatment: &'static str,
    },
    /// Bytes that should be an envelope are not one (wrong prefix, bad length, unknown version).
    #[error("malformed envelope: {reason}")]
    Envelope {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An envelope failed to open: it was tampered with, or it belongs to another key, tenant,
    /// record type, field or subject.
    #[error(
        "the envelope does not open in this context (tampered, or made for another key, tenant, record, field or subject)"
    )]
    OpenFailed,
    /// An envelope was made under another environment's keys.
    #[error("the envelope was made in the {envelope} environment; this keyring is {keyring}")]
    EnvironmentMismatch {
        /// The envelope's environment.
        envelope: Environment,
        /// The keyring's environment.
        keyring: Environment,
    },
    /// An envelope belongs to another region than the one asked for.
    #[error(
        "the envelope belongs to region `{envelope}`, not to the requested region `{requested}`"
    )]
    RegionMismatch {
        /// The envelope's region.
        envelope: String,
        /// The region of the scope it was opened in.
        requested: String,
    },
    /// This keyring holds no keys for the region (data localization).
    #[error("no keys for region `{region}` are available here")]
    RegionUnavailable {
        /// The region asked for.
        region: String,
    },
    /// An envelope names a key this keyring does not hold.
    #[error("unknown key `{id}` version {version}")]
    UnknownKey {
        /// Key id.
        id: String,
        /// Key version.
        version: u32,
    },
    /// An envelope names a key that was destroyed.
    #[error("key `{id}` version {version} was destroyed; data under it is unrecoverable")]
    KeyDestroyed {
        /// Key id.
        id: String,
        /// Key version.
        version: u32,
    },
    /// The subject's data key was destroyed by `forget_subject` (crypto-shredding).
    #[error("the subject's key was destroyed: its data is permanently unreadable")]
    SubjectForgotten,
    /// A classified value is still an envelope loaded from storage; open it through the keys.
    #[error("the {class} value is still encrypted at rest: reveal it through the keyring")]
    Enveloped {
        /// The class of the field (or `unclassified`).
        class: &'static str,
    },
    /// Storage input held cleartext where the schema requires an envelope.
    #[error("field `{field}` must be an encrypted envelope in storage input")]
    NotEncrypted {
        /// The field's stable name.
        field: &'static str,
    },
    /// The accessor given to a reveal did not return one of the record's classified fields.
    #[error("the accessor does not point at a classified field of this record")]
    FieldNotFound,
    /// A column value read for one field was written for another field, record type, subject
    /// or tenant, or was tampered with.
    #[error(
        "the column value was not written for field `{field}` of a `{record}` with this subject \
         and tenant (another field, record, subject or tenant, or tampered)"
    )]
    ColumnMismatch {
        /// The record type's stable name.
        record: &'static str,
        /// The field's stable name.
        field: &'static str,
    },
    /// The keyring's configuration or key set is inconsistent.
    #[error("keyring: {reason}")]
    Keyring {
        /// What is wrong.
        reason: &'static str,
    },
    /// The local key file is unreadable, corrupted, truncated or encrypted under another
    /// key-encryption key. It is never overwritten in that state.
    #[error("key file: {reason}")]
    KeyFile {
        /// What is wrong.
        reason: &'static str,
    },
    /// Key material is missing while data that needs it exists. piiguard never creates keys
    /// over existing data: restore the missing file from a backup, or move the directory away
    /// to start empty (its data is then lost).
    #[error(
        "{missing} is missing, but this directory holds {found}: restore {missing} from the backup \
         made with them (piiguard never creates keys over existing data), or move the directory \
         away to start empty"
    )]
    KeysMissing {
        /// What is missing (the key set, a file).
        missing: &'static str,
        /// What is present that needs it (file names, data in the store; comma-separated).
        found: String,
    },
    /// The subject-key store failed.
    #[error("key store: {reason}")]
    KeyStore {
        /// What failed.
        reason: &'static str,
    },
    /// The store's database refused an operation or could not be reached, with the cause in
    /// the operator's terms (never the database's own message, which may quote a value).
    #[error("{reason}: {cause}")]
    Database {
        /// What was being done.
        reason: &'static str,
        /// Why it failed.
        cause: DatabaseCause,
    },
    /// A file-system operation failed.
    #[error("{operation}: {kind}")]
    Io {
        /// What was being done.
        operation: &'static str,
        /// The OS error kind.
        kind: std::io::ErrorKind,
    },
    /// JSON input could not be read, or a record could not be written as JSON. Only the
    /// position is kept: serde's own message could quote a (plain) field's value.
    #[error("JSON {category} error at line {line}, column {column}")]
    Json {
        /// `syntax`, `data`, `eof` or `io`.
        category: &'static str,
        /// Line (1-based; 0 when writing).
        line: usize,
        /// Column (1-based; 0 when writing).
        column: usize,
    },
    /// A policy file is malformed or contradictory. The message quotes the file (names of
    /// roles, classes, keys), which holds no personal data.
    #[error("policy, line {line}: {message}")]
    Policy {
        /// The line (1-based; 0 when unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The policy (or a grant, or the access monitor) refused the access.
    #[error("access denied: {reason}")]
    Denied {
        /// The reason code, as written to the audit trail.
        reason: Reason,
    },
    /// Text given as a break-glass grant is not one.
    #[error("malformed break-glass grant token")]
    GrantMalformed,
    /// Text given as a break-glass request id is not one.
    #[error("malformed break-glass request id (expected `req-` and 16 base64url characters)")]
    RequestIdMalformed,
    /// The audit trail could not be written or read; the access it was for did not happen.
    #[error("audit: {reason}")]
    Audit {
        /// What failed.
        reason: &'static str,
    },
    /// The audit trail fails verification: a line was edited, deleted, inserted, reordered or
    /// cut off.
    #[error("audit trail fails verification at line {line}: {problem}")]
    AuditChain {
        /// The first bad line (1-based).
        line: u64,
        /// What is wrong there.
        problem: ChainProblem,
    },
    /// A value cannot be tokenized in the format asked for (its domain is below FF1's minimum
    /// of a million values, it is not of the format's alphabet), or a token is refused
    /// (altered, another field's, tenant's or subject's, expired, unknown to the store).
    #[error("token refused: {reason}")]
    Token {
        /// Why (fixed text, never the value).
        reason: &'static str,
    },
    /// A treatment this version does not carry out.
    #[error("unsupported: {what}")]
    Unsupported {
        /// What was asked for.
        what: &'static str,
    },
    /// An anonymized export refused because some groups of rows sharing their
    /// quasi-identifiers are smaller than k (asked to refuse rather than suppress them).
    #[error("anonymized export refused: {groups} groups have fewer than {k} rows")]
    TooFewRows {
        /// How many groups are under k.
        groups: usize,
        /// The k asked for.
        k: usize,
    },
}

/// Where a typed error raised inside a serde call is kept, so the caller that started the call
/// can return it typed after serde has turned it into text. It travels with the call (in the
/// view context or the deserialization seed), never in a global or a thread-local; the first
/// error wins, since it is the one that stopped the call.
#[derive(Debug, Default)]
pub(crate) struct ErrorSlot(std::sync::OnceLock<Error>);

impl ErrorSlot {
    /// Keeps `error` in `slot` (if there is one) and returns serde's text form of it.
    pub(crate) fn keep<T: fmt::Display>(
        slot: Option<&Self>,
        error: Error,
        make: impl FnOnce(&Error) -> T,
    ) -> T {
        let made = make(&error);
        if let Some(slot) = slot {
            let _ = slot.0.set(error);
        }
        made
    }

    /// A deserialization error carrying one of ours.
    pub(crate) fn de<E: serde::de::Error>(slot: Option<&Self>, error: Error) -> E {
        Self::keep(slot, error, |e| E::custom(e))
    }

    /// A serialization error carrying one of ours.
    pub(crate) fn ser<E: serde::ser::Error>(slot: Option<&Self>, error: Error) -> E {
        Self::keep(slot, error, |e| E::custom(e))
    }

    /// The kept error, or the value-free summary of serde_json's.
    pub(crate) fn or_json(self, e: &serde_json::Error) -> Error {
        self.0.into_inner().unwrap_or_else(|| json_error(e))
    }
}

/// Runs a serde_json call with an error slot, returning the typed error it kept if it failed.
pub(crate) fn json_typed<R>(
    run: impl FnOnce(&ErrorSlot) -> Result<R, serde_json::Error>,
) -> Result<R, Error> {
    let slot = ErrorSlot::default();
    match run(&slot) {
        Ok(r) => Ok(r),
        Err(e) => Err(slot.or_json(&e)),
    }
}

/// The value-free summary of a serde_json error.
pub(crate) fn json_error(e: &serde_json::Error) -> Error {
    use serde_json::error::Category;
    Error::Json {
        category: match e.classify() {
            Category::Io => "io",
            Category::Syntax => "syntax",
            Category::Data => "data",
            Category::Eof => "eof",
        },
        line: e.line(),
        column: e.column(),
    }
}

impl Error {
    /// An I/O error, keeping only its kind (paths and OS messages stay out of messages).
    pub(crate) fn io(operation: &'static str) -> impl FnOnce(std::io::Error) -> Self {
        move |e| Self::Io {
            operation,
            kind: e.kind(),
        }
    }
}

/// Why a class refused a value: a fixed reason, never the value itself.
///
/// Returned by [`ClassRules`](crate::class::ClassRules) and [`Masker`](crate::class::Masker)
/// implementations; the library turns it into [`Error::InvalidValue`] with the class name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid(pub &'static str);

impl Invalid {
    /// Attaches the class name.
    pub(crate) fn for_class(self, class: &'static str) -> Error {
        Error::InvalidValue {
            class,
            reason: self.0,
        }
    }
}

/// What is wrong with an audit trail at the line [`Error::AuditChain`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainProblem {
    /// The line is not a chained event (garbled, or not from piiguard).
    Malformed,
    /// The MAC does not verify: the line was edited, or forged and inserted.
    BadMac,
    /// Events are missing before this line: deleted, or moved later.
    Gap {
        /// The event number that should be here.
        expected: u64,
        /// The event number found.
        found: u64,
    },
    /// An event appears again or too early: duplicated, inserted or moved back.
    OutOfOrder {
        /// The event number that should be here.
        expected: u64,
        /// The event number found.
        found: u64,
    },
    /// The line does not link to the line before it.
    BrokenLink,
    /// The last line is incomplete (a crash during a write, or a cut in the middle of a line).
    Torn,
    /// A checkpoint of a store's trail does not verify: its signature, its number or its link
    /// to the checkpoint before is wrong (forged, edited, removed or reordered), a writer it
    /// names goes back, or a writer's event differs from the head the checkpoint bound.
    BadCheckpoint,
    /// The event is stored as another writer's than the one its line names (moved).
    WrongWriter,
    /// The trail ends before the last event the writer reported: lines were cut off the end.
    Truncated {
        /// The last event number the writer reported.
        expected: u64,
        /// The last event number found.
        found: u64,
    },
}

impl fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("not a chained audit event"),
            Self::BadMac => f.write_str("MAC mismatch (edited or forged)"),
            Self::Gap { expected, found } => {
                write!(
                    f,
                    "expected event {expected}, found {found} (events deleted or moved)"
                )
            }
            Self::OutOfOrder { expected, found } => write!(
                f,
                "expected event {expected}, found {found} (event repeated, inserted or moved)"
            ),
            Self::BrokenLink => f.write_str("does not link to the previous line"),
            Self::Torn => f.write_str("incomplete last line (torn write)"),
            Self::BadCheckpoint => {
                f.write_str("a checkpoint does not verify (forged, edited, removed or reordered)")
            }
            Self::WrongWriter => f.write_str("stored under another writer than its own (moved)"),
            Self::Truncated { expected, found } => write!(
                f,
                "the trail ends at event {found}, the writer reported {expected} (cut off)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_fixed_text() {
        let all = [
            Error::InvalidValue {
                class: "email",
                reason: "missing @",
            },
            Error::Decode { kind: "u64" },
            Error::Placeholder { class: "phone" },
            Error::KeysRequired {
                view: View::Storage,
                treatment: "encrypt",
            },
            Error::Token {
                reason: "a domain of 10^5 values is below FF1's minimum of a million",
            },
        ];
        let shown: Vec<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(shown[0], "invalid email value: missing @");
        assert_eq!(
            shown[3],
            "the storage view needs keys for treatment `encrypt`, and none are configured"
        );
        assert!(shown[4].starts_with("token refused: a domain of 10^5"));
    }
}
