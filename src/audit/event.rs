//! [`AuditEvent`]: one record of who did what to which personal data, why, when, and whether it
//! was allowed. It names the data (record type, field, class, subject id), never its value.

use super::Text;
use crate::policy::{Principal, Reason};
use serde::{Deserialize, Serialize};

crate::names::name_enum! {
    /// What was done.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[non_exhaustive]
    pub enum Action: "audit action" {
        /// A reveal of one field.
        Reveal = "reveal",
        /// A record serialized under the policy (each field revealed, masked, hashed or redacted).
        View = "view",
        /// A break-glass request.
        GrantRequest = "grant_request",
        /// A break-glass approval.
        Grant = "grant",
        /// A break-glass revocation.
        GrantRevoke = "grant_revoke",
        /// A root key rotation.
        KeyRotation = "key_rotation",
        /// A root key version destroyed (everything still under it becomes unreadable).
        KeyDestruction = "key_destruction",
        /// A data subject erased (crypto-shredding).
        SubjectErasure = "subject_erasure",
        /// A principal's access-rate counts reset by an operator (unblocking them).
        MonitorReset = "monitor_reset",
        /// An access-rate alert of the monitor.
        AccessAlert = "access_alert",
        /// The audit log was recovered after a crash (a torn last line cut off).
        AuditRecovered = "audit_recovered",
        /// A new policy put in force (by an admin, or from the local `policy.toml`).
        PolicyChange = "policy_change",
        /// A tokenized field revealed: its vault token resolved and its value opened.
        Detokenize = "detokenize",
        /// Expired vault tokens deleted from the store.
        TokenSweep = "token_sweep",
        /// A request a front end (the proxy) refused before it reached any data: an
        /// unauthenticated caller, a request no route declares.
        RequestRefused = "request_refused",
        /// A batch of records exported anonymized: quasi-identifiers coarsened, direct
        /// identifiers and special data omitted, groups under k suppressed.
        AnonymizedExport = "anonymized_export",
        /// A legal hold put on a subject, or lifted: a held subject's data is not erased by
        /// retention.
        LegalHold = "legal_hold",
        /// A retention sweep: subjects past their retention period erased.
        RetentionSweep = "retention_sweep",
    }
}

crate::names::name_enum! {
    /// Whether it happened.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Outcome: "audit outcome" {
        /// Allowed and done (for an administrative act: allowed, recorded before it is done).
        Allowed = "allowed",
        /// Refused by the policy, a grant check or the monitor.
        Denied = "denied",
        /// Allowed, but it failed (the data did not open, the key store failed).
        Failed = "failed",
    }
}

/// Who asked (the principal, as they presented themselves).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Principal id.
    pub id: Text,
    /// Roles.
    pub roles: Vec<Text>,
    /// Environment (`dev`, `staging`, `prod`).
    pub environment: Text,
    /// Region, if the principal has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Text>,
}

impl Actor {
    /// The actor record of a principal.
    pub fn of(principal: &Principal) -> Self {
        Self {
            id: Text::from(principal.id()),
            roles: principal
                .roles()
                .iter()
                .map(|r| Text::from(r.as_str()))
                .collect(),
            environment: Text::from_static(principal.environment().name()),
            region: principal.region().map(Text::from),
        }
    }

    /// The library itself (recovery events).
    pub(crate) fn system() -> Self {
        Self {
            id: Text::from_static("piiguard"),
            roles: Vec::new(),
            environment: Text::default(),
            region: None,
        }
    }
}

/// What it was done to: identifiers only, never values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    /// Record type (stable name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Text>,
    /// Field (stable name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<Text>,
    /// Class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<Text>,
    /// Sensitivity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<Text>,
    /// The data subject's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Text>,
    /// Tenant, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<Text>,
    /// The data's region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Text>,
}

/// One audit record. Sinks add a sequence number (and, for the file and SQLite sinks, the hash
/// chain) when they write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// UTC time, RFC 3339 with microseconds (`2026-11-23T10:15:00.123456Z`).
    pub time: Text,
    /// What was done.
    pub action: Action,
    /// Whether it was allowed.
    pub outcome: Outcome,
    /// The reason code of the decision.
    pub reason: Reason,
    /// The subsystem (application, service) that performed it.
    pub subsystem: Text,
    /// Who.
    pub principal: Actor,
    /// To what.
    #[serde(default)]
    pub object: Object,
    /// The purpose given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Text>,
    /// The justification given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<Text>,
    /// The version of the policy that decided.
    pub policy_version: Text,
    /// The break-glass grant or request involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<Text>,
    /// Action-specific detail without values: a view's per-field treatments
    /// (`email=reveal,phone=mask`), a rotated key, an alert's count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Text>,
}

/// Formats a time as the audit trail writes it (every event does: the digits are written
/// straight into place, without the formatting machinery, for years 0 to 9999).
pub(crate) fn timestamp(t: time::OffsetDateTime) -> Text {
    let t = t.to_offset(time::UtcOffset::UTC);
    if let Ok(year @ 0..=9999) = u32::try_from(t.year()) {
        let mut out = *b"0000-00-00T00:00:00.000000Z";
        for (range, value) in [
            (0..4, year),
            (5..7, u32::from(u8::from(t.month()))),
            (8..10, u32::from(t.day())),
            (11..13, u32::from(t.hour())),
            (14..16, u32::from(t.minute())),
            (17..19, u32::from(t.second())),
            (20..26, t.microsecond()),
        ] {
            let mut value = value;
            for digit in out[range].iter_mut().rev() {
                *digit = b'0' + (value % 10) as u8;
                value /= 10;
            }
        }
        // Digits and separators only: always UTF-8.
        return std::str::from_utf8(&out).map_or_else(|_| Text::default(), Text::from);
    }
    Text::from(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_with_microseconds() {
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(1_795_000_000_123_456_789).unwrap();
        assert_eq!(timestamp(t), "2026-11-18T11:06:40.123456Z");
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(1_000_000).unwrap();
        assert_eq!(timestamp(t), "1970-01-01T00:00:00.001000Z");
        let at = |year, month, day, micro, offset_hours| {
            time::Date::from_calendar_date(year, month, day)
                .unwrap()
                .with_hms_micro(23, 59, 59, micro)
                .unwrap()
                .assume_offset(time::UtcOffset::from_hms(offset_hours, 0, 0).unwrap())
        };
        let t = at(9999, time::Month::December, 31, 999_999, 2);
        assert_eq!(timestamp(t), "9999-12-31T21:59:59.999999Z");
        // Outside 0..=9999 the general formatter takes over.
        let t = at(-1, time::Month::January, 1, 7, 0);
        assert_eq!(timestamp(t), "-001-01-01T23:59:59.000007Z");
    }
}
