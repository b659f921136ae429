//! The policy matrix, cell by cell, against an expectation table written separately from the
//! policy file; deny-by-default as a property; and the policy file's error reporting.

use piiguard::keys::{Environment, Keyring};
use piiguard::policy::Target;
use piiguard::{Access, Class, Error, Guard, Pii, Policy, Principal, Reason, policy::Disclosure};
use proptest::prelude::*;

/// The matrix's policy (also run through `piiguard policy explain` by the CLI's tests).
const POLICY: &str = piiguard_testkit::POLICY_MATRIX;

const CLASSES: [&str; 14] = [
    "email",
    "phone",
    "name",
    "address",
    "birth_date",
    "passport",
    "national_id",
    "card_number",
    "iban",
    "ip_address",
    "geo_location",
    "health",
    "biometric",
    "free_text",
];
const ROLES: [&str; 5] = ["support", "analyst", "doctor", "fraud", "visitor"];
const ENVIRONMENTS: [Environment; 3] = [Environment::Dev, Environment::Staging, Environment::Prod];
const REGIONS: [Option<&str>; 3] = [Some("eu"), Some("us"), None];

/// Which cells a row of the expectation table covers.
enum Data {
    Classes(&'static [&'static str]),
    Sensitivities(&'static [&'static str]),
}

enum Envs {
    Any,
    Only(&'static [Environment]),
}

/// One row: role, data, environments, region (None = any), expected disclosure, and whether a
/// reveal needs a justification. The first matching row decides; no row means redact.
struct Row(
    &'static str,
    Data,
    Envs,
    Option<&'static str>,
    Disclosure,
    bool,
);

fn expectations() -> Vec<Row> {
    use Data::{Classes as C, Sensitivities as S};
    use Disclosure::{Hash, Mask, Redact, Reveal};
    use Envs::{Any, Only};
    const DEV_STAGING: &[Environment] = &[Environment::Dev, Environment::Staging];
    const PROD: &[Environment] = &[Environment::Prod];
    vec![
        Row(
            "support",
            C(&["email"]),
            Only(DEV_STAGING),
            None,
            Reveal,
            false,
        ),
        Row("support", C(&["email"]), Only(PROD), None, Mask, false),
        Row(
            "support",
            S(&["technical", "personal"]),
            Any,
            None,
            Mask,
            false,
        ),
        Row(
            "analyst",
            C(&["health", "biometric"]),
            Any,
            None,
            Redact,
            false,
        ),
        Row(
            "analyst",
            S(&["technical", "personal", "sensitive"]),
            Any,
            None,
            Hash,
            false,
        ),
        Row("doctor", S(&["special"]), Any, Some("eu"), Reveal, false),
        Row("doctor", S(&["special"]), Any, Some("us"), Mask, false),
        Row(
            "fraud",
            C(&["card_number", "iban"]),
            Any,
            Some("us"),
            Mask,
            false,
        ),
        Row("fraud", S(&["sensitive"]), Only(PROD), None, Reveal, true),
    ]
}

fn expected(
    role: &str,
    class: Class,
    env: Environment,
    region: Option<&str>,
    justified: bool,
) -> Disclosure {
    for Row(r, data, envs, want_region, disclosure, needs_justification) in expectations() {
        let data_matches = match data {
            Data::Classes(c) => c.contains(&class.name()),
            Data::Sensitivities(s) => s.contains(&class.sensitivity().name()),
        };
        let env_matches = match envs {
            Envs::Any => true,
            Envs::Only(e) => e.contains(&env),
        };
        let region_matches = want_region.is_none_or(|w| region == Some(w));
        if r == role && data_matches && env_matches && region_matches {
            return if disclosure == Disclosure::Reveal && needs_justification && !justified {
                Disclosure::Redact
            } else {
                disclosure
            };
        }
    }
    Disclosure::Redact
}

#[test]
fn every_cell_of_the_matrix_gets_the_expected_treatment() {
    let policy = Policy::from_toml(POLICY).unwrap();
    let mut cells = 0;
    for role in ROLES {
        for name in CLASSES {
            let class = Class::from_name(name).unwrap();
            for env in ENVIRONMENTS {
                for region in REGIONS {
                    for justified in [false, true] {
                        let mut principal = Principal::new("p").role(role).in_environment(env);
                        if let Some(r) = region {
                            principal = principal.in_region(r);
                        }
                        let mut access = Access::new("any");
                        if justified {
                            access = access.justified_by("ticket 1");
                        }
                        let target = Target::new(name, class.sensitivity());
                        let got = policy.decide(&principal, &access, &target, env);
                        let want = expected(role, class, env, region, justified);
                        assert_eq!(
                            got.disclosure, want,
                            "{role} × {name} × {env} × {region:?} (justified: {justified}): {got:?}"
                        );
                        cells += 1;
                    }
                }
            }
        }
    }
    assert_eq!(cells, 5 * 14 * 3 * 3 * 2);
}

#[test]
fn reason_codes_say_why() {
    let policy = Policy::from_toml(POLICY).unwrap();
    let env = Environment::Prod;
    let fraud = Principal::new("f").role("fraud").in_environment(env);
    let passport = Target::new("passport", Class::Passport.sensitivity());
    let unjustified = policy.decide(&fraud, &Access::new("x"), &passport, env);
    assert_eq!(unjustified.reason, Reason::JustificationRequired);
    assert!(unjustified.rule_line.is_some());
    let justified = policy.decide(
        &fraud,
        &Access::new("x").justified_by("case 7"),
        &passport,
        env,
    );
    assert_eq!(
        (justified.disclosure, justified.reason),
        (Disclosure::Reveal, Reason::RoleRule)
    );
    let visitor = Principal::new("v").role("visitor").in_environment(env);
    assert_eq!(
        policy
            .decide(&visitor, &Access::new("x"), &passport, env)
            .reason,
        Reason::NoMatchingRule
    );
    // A principal from another environment gets nothing, whatever the rules say.
    let dev_fraud = Principal::new("f").role("fraud");
    assert_eq!(
        policy
            .decide(
                &dev_fraud,
                &Access::new("x").justified_by("y"),
                &passport,
                env
            )
            .reason,
        Reason::EnvironmentMismatch
    );
}

#[test]
fn purposes_restrict_rules_and_owners_see_their_own_data() {
    let policy = Policy::from_toml(
        r#"
        version = "p"
        [owner]
        treatment = "reveal"
        [[rule]]
        roles = ["billing"]
        classes = ["card_number"]
        treatment = "reveal"
        purposes = ["charge"]
        justification = false
        "#,
    )
    .unwrap();
    let env = Environment::Dev;
    let billing = Principal::new("b").role("billing");
    let card = Target::new("card_number", Class::CardNumber.sensitivity());
    assert!(
        policy
            .decide(&billing, &Access::new("charge"), &card, env)
            .reveals()
    );
    let other = policy.decide(&billing, &Access::new("marketing"), &card, env);
    assert_eq!(
        (other.disclosure, other.reason),
        (Disclosure::Redact, Reason::PurposeNotAllowed)
    );
    let owner = policy.decide(
        &Principal::new("u"),
        &Access::new("self_service"),
        &card.owned(true),
        env,
    );
    assert_eq!(
        (owner.disclosure, owner.reason),
        (Disclosure::Reveal, Reason::Owner)
    );
}

#[test]
fn a_contradictory_or_malformed_policy_is_a_load_error_naming_the_line() {
    let contradictory = format!(
        "{POLICY}\n[[rule]]\nroles = [\"analyst\"]\nsensitivities = [\"personal\"]\ntreatment = \"reveal\"\n"
    );
    let line_of_new_rule = POLICY.lines().count() + 2;
    match Policy::from_toml(&contradictory) {
        Err(Error::Policy { line, message }) => {
            assert_eq!(line, line_of_new_rule, "{message}");
            assert!(message.contains("contradicts"), "{message}");
        }
        other => panic!("expected a policy error, got {other:?}"),
    }
    for broken in [
        "version = 3",
        "version = \"x\"\n[[rule]]\nroles = [\"a\"]\nclasses = \"email\"\ntreatment = \"mask\"",
        "version = \"x\"\n[owner]\ntreatment = \"everything\"",
        "version = \"x\"\n[break_glass]\napprovers = [\"security\"]\nmax_ttl_secs = 0",
        "version = \"x\"\n[monitor]\nelevated_after = 10\nsuspicious_after = 20\nhard_limit = 5",
        "version = \"x\"\n[monitor.classes.emial]\nelevated_after = 1\nsuspicious_after = 2",
    ] {
        assert!(
            matches!(Policy::from_toml(broken), Err(Error::Policy { line, .. }) if line >= 1),
            "{broken}"
        );
    }
}

#[test]
#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
fn the_starter_policy_is_what_a_new_local_guard_writes() {
    let dir = std::env::temp_dir().join(format!("pg-policy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let guard = Guard::open_local(&dir).unwrap();
    let written = std::fs::read_to_string(dir.join("policy.toml")).unwrap();
    assert_eq!(written, piiguard::policy::STARTER_POLICY);
    assert_eq!(*guard.policy(), Policy::starter());
    drop(guard);
    // An edited file is what the next start uses; a broken one stops the start.
    std::fs::write(dir.join("policy.toml"), "version = \"edited\"\n").unwrap();
    assert_eq!(
        Guard::open_local(&dir).unwrap().policy().version(),
        "edited"
    );
    std::fs::write(dir.join("policy.toml"), "version = \"x\"\n[[rule]]\n").unwrap();
    assert!(matches!(
        Guard::open_local(&dir),
        Err(Error::Policy { line: 2, .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[derive(piiguard::Classified)]
#[pii(subject = id)]
struct Record {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = passport)]
    passport: Pii<String>,
    #[pii(class = health)]
    health: Pii<String>,
}

fn any_class() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(CLASSES.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A principal whose roles no rule names never gets cleartext, whatever else they bring.
    #[test]
    fn no_matching_rule_never_reveals(
        roles in proptest::collection::vec("[a-z]{1,10}", 0..4),
        class in any_class(),
        env in proptest::sample::select(ENVIRONMENTS.to_vec()),
        region in proptest::option::of("[a-z]{2}"),
        purpose in "[a-z_]{1,12}",
        justification in proptest::option::of("[ -~]{0,40}"),
        subject in proptest::option::of(1u64..5),
    ) {
        let known = ["support", "analyst", "doctor", "fraud", "service", "admin", "security"];
        prop_assume!(roles.iter().all(|r| !known.contains(&r.as_str())));
        let mut principal = Principal::new("someone").in_environment(env);
        for r in &roles { principal = principal.role(r); }
        if let Some(r) = &region { principal = principal.in_region(r); }
        // Being some *other* subject does not make one the owner.
        if let Some(s) = subject { principal = principal.as_subject(&(s + 100).to_string()); }
        let mut access = Access::new(&purpose);
        if let Some(j) = &justification { access = access.justified_by(j); }

        for policy in [Policy::from_toml(POLICY).unwrap(), Policy::starter()] {
            let c = Class::from_name(class).unwrap();
            let d = policy.decide(&principal, &access, &Target::new(class, c.sensitivity()), env);
            prop_assert_eq!(d.disclosure, Disclosure::Redact);
        }

        // And through a guard: every reveal is denied, and the view holds no value.
        let guard = Guard::builder(Keyring::in_memory(env))
            .policy(Policy::starter())
            .audit(std::sync::Arc::new(piiguard::audit::MemorySink::new()))
            .build()
            .unwrap();
        let record = Record {
            id: 1,
            email: Pii::new("sentinel-7f3a@example.com".into()),
            passport: Pii::new("X7F3A0001".into()),
            health: Pii::new("sentinel-diagnosis-7f3a".into()),
        };
        prop_assert!(
            matches!(
                guard.reveal(&principal, &record, |r| &r.email, access.clone()),
                Err(Error::Denied { .. })
            ),
            "email revealed"
        );
        prop_assert!(
            guard.reveal(&principal, &record, |r| &r.passport, access.clone()).is_err(),
            "passport revealed"
        );
        let shown = guard.view(&principal, &record, access).unwrap().to_json().unwrap();
        prop_assert!(!shown.contains("7f3a") && !shown.contains("7F3A"), "{}", &*shown);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The fuzz target's invariant, in the test suite: a damaged policy file loads or fails with
    /// a line inside the file, never panics, and never reveals to a principal without roles.
    #[test]
    fn damaged_policy_files_fail_cleanly(
        cut in 0usize..2000,
        len in 0usize..40,
        insert in "[\\[\\]=\"a-z_ \n,#]{0,12}",
    ) {
        let base = piiguard::policy::STARTER_POLICY;
        let start = cut.min(base.len());
        let end = (start + len).min(base.len());
        let text = format!("{}{insert}{}", &base[..start], &base[end..]);
        match Policy::from_toml(&text) {
            Err(Error::Policy { line, .. }) => prop_assert!(line <= text.lines().count() + 1),
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            Ok(policy) => {
                for class in CLASSES {
                    let c = Class::from_name(class).unwrap();
                    let d = policy.decide(
                        &Principal::new("nobody"),
                        &Access::new("x").justified_by("y"),
                        &Target::new(class, c.sensitivity()),
                        Environment::Dev,
                    );
                    prop_assert!(!d.reveals());
                }
            }
        }
    }
}

#[test]
fn monitor_and_break_glass_settings_are_read_from_the_file() {
    let policy = Policy::from_toml(
        r#"
        version = "m"
        [break_glass]
        approvers = ["security"]
        max_ttl_secs = 900
        [monitor]
        window_secs = 3600
        elevated_after = 20
        suspicious_after = 30
        hard_limit = 40
        denials_alert_after = 3
        [monitor.classes.passport]
        elevated_after = 2
        suspicious_after = 5
        "#,
    )
    .unwrap();
    let m = policy.monitor();
    assert_eq!(m.window, std::time::Duration::from_secs(3600));
    assert_eq!((m.total.elevated_after, m.total.suspicious_after), (20, 30));
    assert_eq!((m.hard_limit, m.denials_after), (Some(40), 3));
    assert_eq!(m.per_class.len(), 1);
    assert_eq!(m.per_class[0].0, "passport");
    assert_eq!(m.per_class[0].1.suspicious_after, 5);
    assert_eq!(policy.break_glass().max_ttl.as_secs(), 900);
    assert!(policy.is_approver(&Principal::new("l").role("security")));
    assert!(!policy.is_approver(&Principal::new("a").role("support")));
    // Defaults follow the seed: 100 a day is normal, above 150 suspicious.
    let starter = Policy::starter();
    let d = starter.monitor();
    assert_eq!(
        (d.total.elevated_after, d.total.suspicious_after),
        (100, 150)
    );
    assert_eq!(d.window.as_secs(), 86_400);
}
