//! [`TracingSink`]: audit events as `tracing` events (target `piiguard::audit`, level INFO),
//! for applications that ship their logs to a central system. No hash chain: pair it with a
//! [`JsonlSink`](super::JsonlSink) through a [`Tee`](super::Tee) when the trail must be
//! tamper-evident.

use super::{AuditEvent, AuditSink};
use crate::error::Error;

/// Writes each audit event as a `tracing` event with one field per element.
///
/// ```
/// use piiguard::audit::{AuditSink, TracingSink};
/// let sink = TracingSink;
/// # let _ = &sink;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingSink;

impl AuditSink for TracingSink {
    fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        let object = &event.object;
        tracing::info!(
            target: "piiguard::audit",
            time = %event.time,
            action = event.action.name(),
            outcome = ?event.outcome,
            reason = event.reason.code(),
            subsystem = %event.subsystem,
            principal = %event.principal.id,
            roles = ?event.principal.roles,
            environment = %event.principal.environment,
            record = object.record.as_deref(),
            field = object.field.as_deref(),
            class = object.class.as_deref(),
            subject = object.subject.as_deref(),
            purpose = event.purpose.as_deref(),
            justification = event.justification.as_deref(),
            policy_version = %event.policy_version,
            grant = event.grant.as_deref(),
            detail = event.detail.as_deref(),
            "audit"
        );
        Ok(())
    }
}
