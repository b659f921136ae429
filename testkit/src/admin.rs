//! A guard around a test's keyring, for the admin acts (rotation, key destruction, erasure),
//! which only a guard carries out: allowed to an admin role and audited.

use piiguard::audit::MemorySink;
use piiguard::keys::Keyring;
use piiguard::{Guard, Policy, Principal};
use std::sync::Arc;

const ADMIN_POLICY: &str = r#"
version = "test-admin"
admin_roles = ["admin"]
"#;

/// A guard sharing `keyring` (its clones share the key set), auditing to memory.
pub fn admin_guard(keyring: &Keyring) -> Guard {
    Guard::builder(keyring.clone())
        .policy(Policy::from_toml(ADMIN_POLICY).expect("valid policy"))
        .audit(Arc::new(MemorySink::new()))
        .build()
        .expect("a guard")
}

/// A principal with the admin role, in the keyring's environment.
pub fn ops(keyring: &Keyring) -> Principal {
    Principal::new("ops-1")
        .role("admin")
        .in_environment(keyring.environment())
}
