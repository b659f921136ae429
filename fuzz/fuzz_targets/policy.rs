//! Any text as a policy file: loading never panics; an error names a line inside the file; a
//! policy that loads decides without panicking, and never reveals to a principal without roles
//! who is not the data's owner (deny by default).
#![no_main]

use libfuzzer_sys::fuzz_target;
use piiguard::keys::Environment;
use piiguard::policy::Target;
use piiguard::{Access, Class, Error, Policy, Principal, class::Sensitivity};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Policy::from_toml(text) {
        Err(Error::Policy { line, .. }) => assert!(line <= text.lines().count() + 1),
        Err(other) => panic!("unexpected error type: {other:?}"),
        Ok(policy) => {
            let nobody = Principal::new("nobody");
            for class in ["email", "passport", "health", "ip_address", "custom"] {
                let sensitivity = Class::from_name(class).map_or(Sensitivity::Personal, |c| c.sensitivity());
                for env in [Environment::Dev, Environment::Prod] {
                    let target = Target::new(class, sensitivity);
                    let d = policy.decide(&nobody, &Access::new("x"), &target, env);
                    assert!(!d.reveals());
                    let agent = Principal::new("a").role("support").in_environment(env);
                    let _ = policy.decide(&agent, &Access::new("x").justified_by("y"), &target, env);
                }
            }
        }
    }
});
