//! A PostgreSQL store set up from the command line alone, as `docs/DEPLOYMENT.md` walks an
//! operator through it: the DBA's role makes the tables, the service's and the auditor's roles
//! get exactly the grants `piiguard store grants` prints (and the docs quote), the key set is
//! made for a named environment, the first policy is installed by whoever holds the
//! key-encryption key, and then the service works, an operator rotates and erases, and the
//! auditor verifies, tails, reports and reads the deletion register — each role with nothing
//! more than its grants.
#![cfg(feature = "postgres")]

use crate::common;
use common::Customer;

use common::{piiguard, piiguard_with, text};
use piiguard::keys::{Environment, KekSource};
use piiguard::store::{DbRole, PgStore};
use piiguard::{Guard, Pii, Principal};

const PASSPHRASE: &str = "bootstrap test passphrase, synthetic";

const FIRST: &str = r#"
version = "bootstrap-1"
admin_roles = ["security"]

[[rule]]
roles = ["mailer"]
classes = ["email"]
treatment = "reveal"
"#;

const SECOND: &str = r#"
version = "bootstrap-2"
admin_roles = ["security"]

[[rule]]
roles = ["mailer", "support"]
classes = ["email"]
treatment = "reveal"
"#;

/// A login role of the test server (trust authentication), dropped first if a run left it.
fn role(admin: &mut postgres::Client, name: &str) {
    admin
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {name}; CREATE ROLE {name} LOGIN"
        ))
        .unwrap();
}

fn permission_denied(e: &postgres::Error) -> bool {
    e.code() == Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)
}

fn as_role(url: &str, role: &str) -> String {
    url.replacen("://postgres@", &format!("://{role}@"), 1)
}

#[test]
fn the_printed_grants_are_the_code_s_and_the_docs_quote_them() {
    for (role, name) in [("service", DbRole::Service), ("auditor", DbRole::Auditor)] {
        let out = piiguard(&["store", "grants", "--role", role], "");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let default = if role == "service" {
            "piiguard_app"
        } else {
            "piiguard_auditor"
        };
        assert_eq!(text(&out.stdout), PgStore::grants(name, default));
        let docs = include_str!("../../../docs/DEPLOYMENT.md");
        assert!(
            docs.contains(text(&out.stdout)),
            "docs/DEPLOYMENT.md does not quote `piiguard store grants --role {role}`:\n{}",
            text(&out.stdout)
        );
    }
    // Every step the walk-through below takes is a command the docs give, in that order.
    let docs = include_str!("../../../docs/DEPLOYMENT.md");
    let steps = [
        "piiguard store migrate --postgres",
        "piiguard store grants --role service",
        "piiguard store grants --role auditor",
        "piiguard keys init --env prod --postgres",
        "piiguard policy install policy.toml --as",
        "piiguard audit export-key --out auditor.key",
        "piiguard audit verify --audit-key auditor.key",
    ];
    let mut from = 0;
    for step in steps {
        let at = docs[from..]
            .find(step)
            .unwrap_or_else(|| panic!("docs/DEPLOYMENT.md lacks `{step}` (in this order)"));
        from += at + step.len();
    }
    // Another role name, quoted when it is not a plain lower-case name.
    let out = piiguard(
        &[
            "store",
            "grants",
            "--role",
            "auditor",
            "--to",
            "Audit \"Team\"",
        ],
        "",
    );
    assert!(text(&out.stdout).contains("TO \"Audit \"\"Team\"\"\";"));
    assert!(!text(&out.stdout).contains("piiguard_auditor"));
}

#[test]
fn a_fresh_database_is_set_up_from_the_cli_and_each_role_has_only_its_grants() {
    let pid = std::process::id();
    let db = format!("piiguard_cli_boot_{pid}");
    let (dba, mut admin) = common::postgres_empty_database(&db);
    let (app, auditor) = (format!("boot_app_{pid}"), format!("boot_auditor_{pid}"));
    role(&mut admin, &app);
    role(&mut admin, &auditor);
    let (app_url, auditor_url) = (as_role(&dba, &app), as_role(&dba, &auditor));
    let kek = [("PIIGUARD_KEK_PASSPHRASE", PASSPHRASE)];
    let as_app = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--postgres", &app_url]);
        piiguard_with(&all, "", &kek)
    };
    // The auditor has no KEK: an auditor's key file, and its own passphrase.
    let dir = std::env::temp_dir().join(format!("piiguard-cli-boot-{pid}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let key_path = dir.join("auditor.key");
    let audit_key = key_path.to_str().unwrap();
    let auditor_env = [(
        "PIIGUARD_AUDITOR_PASSPHRASE",
        "the auditor's own, synthetic",
    )];
    let as_auditor = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--postgres", &auditor_url, "--audit-key", audit_key]);
        piiguard_with(&all, "", &auditor_env)
    };

    // Before the tables exist, the service is told what to run.
    let out = as_app(&["keys", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("run `piiguard store migrate`"),
        "{}",
        text(&out.stderr)
    );

    // 1. The DBA's role makes the tables; a second run has nothing to do.
    let out = piiguard(&["store", "migrate", "--postgres", &dba], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let expected = format!(
        "made the piiguard tables to version {}",
        PgStore::SCHEMA_VERSION
    );
    assert!(
        text(&out.stdout).contains(&expected),
        "{}",
        text(&out.stdout)
    );
    let out = piiguard(&["store", "migrate", "--json", "--postgres", &dba], "");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["before"], PgStore::SCHEMA_VERSION);
    assert_eq!(json["after"], PgStore::SCHEMA_VERSION);

    // 2. The grants, as printed.
    for (which, to) in [("service", &app), ("auditor", &auditor)] {
        let out = piiguard(&["store", "grants", "--role", which, "--to", to], "");
        let mut dba_client = postgres::Client::connect(&dba, postgres::NoTls).unwrap();
        dba_client.batch_execute(text(&out.stdout)).unwrap();
    }

    // 3. The key set, for a named environment (asked for on PostgreSQL).
    let out = as_app(&["keys", "init"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--env"), "{}", text(&out.stderr));
    let out = as_app(&["keys", "init", "--env", "prod"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("environment: prod\n"),
        "{}",
        text(&out.stdout)
    );

    // 4. No policy yet: the store denies everything, administrative acts included.
    let out = as_app(&[
        "keys", "rotate", "field", "--as", "ops-1", "--role", "security",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not_admin"),
        "{}",
        text(&out.stderr)
    );

    // 5. The first policy, installed by the holder of the KEK with one of its admin roles;
    // later ones need an admin role of the policy in force.
    let (first, second) = (dir.join("first.toml"), dir.join("second.toml"));
    std::fs::write(&first, FIRST).unwrap();
    std::fs::write(&second, SECOND).unwrap();
    let (first, second) = (first.to_str().unwrap(), second.to_str().unwrap());
    let out = as_app(&[
        "policy", "install", first, "--as", "ops-1", "--role", "mailer",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "not an admin role of the new policy"
    );
    let out = as_app(&[
        "policy", "install", first, "--as", "ops-1", "--role", "security",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout)
            .contains("policy version bootstrap-1 in force (the store's first policy)"),
        "{}",
        text(&out.stdout)
    );
    let out = as_app(&[
        "policy", "install", second, "--as", "ops-2", "--role", "support",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not_admin"),
        "{}",
        text(&out.stderr)
    );
    let out = as_app(&[
        "policy", "install", second, "--as", "ops-2", "--role", "security",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).ends_with("policy version bootstrap-2 in force\n"));

    // 6. Two instances of the service, with the printed grants only: each writes, reveals and
    // records activity, and reads what the other wrote.
    let instance = || {
        Guard::shared(
            PgStore::connect(&app_url, 2).unwrap(),
            KekSource::passphrase(PASSPHRASE),
        )
        .unwrap()
        .build()
        .unwrap()
    };
    let instances = [instance(), instance()];
    let mailer = Principal::new("mailer-1")
        .role("mailer")
        .in_environment(Environment::Prod);
    let mut stored = Vec::new();
    for id in 1..=4u64 {
        let guard = &instances[(id % 2) as usize];
        let customer = Customer {
            id,
            email: Pii::new(format!("customer{id}@example.com")),
        };
        stored.push(guard.storage().to_json(&customer).unwrap());
        guard.storage().track(&customer).unwrap();
        guard
            .reveal(&mailer, &customer, |c| &c.email, "send_receipt")
            .unwrap();
    }
    for (i, json) in stored.iter().enumerate() {
        // Written by the other instance (id i + 1 by instances[(i + 1) % 2]).
        let other = &instances[i % 2];
        let customer: Customer = other.storage().from_json(json).unwrap();
        let email = other
            .reveal(&mailer, &customer, |c| &c.email, "send_receipt")
            .unwrap();
        assert_eq!(email.expose(), &format!("customer{}@example.com", i + 1));
    }
    drop(instances);

    // 7. An operator rotates a key and erases a subject.
    let out = as_app(&[
        "keys", "rotate", "field", "--as", "ops-1", "--role", "security",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = as_app(&[
        "forget", "2", "--as", "ops-1", "--role", "security", "--yes",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // 8. Whoever holds the KEK exports the auditor's key file; the auditor, with its grants and
    // that file alone, verifies, tails, reports and reads the register.
    let mut export_env = kek.to_vec();
    export_env.extend(auditor_env);
    let out = piiguard_with(
        &[
            "audit",
            "export-key",
            "--out",
            audit_key,
            "--postgres",
            &app_url,
        ],
        "",
        &export_env,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("nothing that opens data"));
    let out = as_auditor(&["audit", "verify", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let verified: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verified["intact"], true);
    let out = as_auditor(&["audit", "tail", "-n", "100", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let trail = text(&out.stdout);
    // Every act is in the trail, the refused ones too.
    let acts = |action: &str, outcome: &str| {
        trail
            .matches(&format!(
                "\"action\":\"{action}\",\"outcome\":\"{outcome}\""
            ))
            .count()
    };
    assert_eq!(acts("policy_change", "allowed"), 2, "{trail}");
    assert_eq!(acts("policy_change", "denied"), 2, "{trail}");
    assert_eq!(acts("key_rotation", "denied"), 1, "{trail}");
    assert_eq!(acts("key_rotation", "allowed"), 1, "{trail}");
    assert_eq!(acts("subject_erasure", "allowed"), 1, "{trail}");
    let out = as_auditor(&["audit", "report", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = as_auditor(&["retention", "register"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ops-1"), "{}", text(&out.stdout));
    // The key file reads the trail and nothing else: the key set's commands refuse it.
    let out = as_auditor(&["keys", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("only reads the audit trail"));
    // A tampered event is found without the KEK too.
    postgres::Client::connect(&dba, postgres::NoTls)
        .unwrap()
        .execute(
            "UPDATE piiguard_audit_events SET line = replace(line, '\"send_receipt\"', '\"marketing\"')
             WHERE line LIKE '%\"subject\":\"3\"%'",
            &[],
        )
        .unwrap();
    let out = as_auditor(&["audit", "verify", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));

    // ... and nothing more: the auditor reads no subject key and writes no event; the service
    // reads no event.
    let mut auditor_client = postgres::Client::connect(&auditor_url, postgres::NoTls).unwrap();
    for statement in [
        "SELECT count(*) FROM piiguard_key_set",
        "SELECT count(*) FROM piiguard_subject_keys",
        "SELECT count(*) FROM piiguard_tokens",
        "DELETE FROM piiguard_audit_events",
    ] {
        let denied = auditor_client.batch_execute(statement).unwrap_err();
        assert!(permission_denied(&denied), "{statement}: {denied:?}");
    }
    let mut app_client = postgres::Client::connect(&app_url, postgres::NoTls).unwrap();
    let denied = app_client
        .batch_execute("SELECT count(*) FROM piiguard_audit_events")
        .unwrap_err();
    assert!(permission_denied(&denied), "{denied:?}");

    drop((auditor_client, app_client));
    common::drop_database(&mut admin, &db);
    admin
        .batch_execute(&format!("DROP ROLE {app}; DROP ROLE {auditor}"))
        .unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn connection_and_permission_failures_name_their_cause_and_never_the_password() {
    let pid = std::process::id();
    let db = format!("piiguard_cli_causes_{pid}");
    let (dba, mut admin) = common::postgres_database(&db);
    let kek = [("PIIGUARD_KEK_PASSPHRASE", PASSPHRASE)];
    let list = |url: &str| {
        let out = piiguard_with(&["keys", "list", "--postgres", url], "", &kek);
        assert_eq!(out.status.code(), Some(2), "{url}");
        let stderr = text(&out.stderr).to_owned();
        assert!(!stderr.contains("s3cret"), "{stderr}");
        stderr
    };
    let base = &dba[..dba.rfind('/').unwrap()];
    let with_password = |url: &str| url.replacen("://postgres@", "://postgres:s3cret@", 1);

    // Nothing listens on port 1.
    let (authority, _) = base.rsplit_once(':').unwrap();
    let refused = format!("{authority}:1/{db}");
    assert!(list(&with_password(&refused)).contains("connection refused"));
    // A database that does not exist.
    let missing = format!("{base}/no_such_database_{pid}");
    assert!(list(&with_password(&missing)).contains("the database does not exist"));
    // A role that does not exist.
    let nobody = dba.replacen("://postgres@", &format!("://nobody_{pid}:s3cret@"), 1);
    assert!(list(&nobody).contains("authentication failed"));
    // TLS asked for, from a server without it.
    let tls = format!("{}?sslmode=require", with_password(&dba));
    assert!(list(&tls).contains("TLS"));

    // A service role missing one of the printed grants: the table and the way out are named.
    let app = format!("causes_app_{pid}");
    role(&mut admin, &app);
    let grants: String = PgStore::grants(DbRole::Service, &app)
        .lines()
        .filter(|line| !line.contains("piiguard_subject_activity"))
        .map(|line| format!("{line}\n"))
        .collect();
    postgres::Client::connect(&dba, postgres::NoTls)
        .unwrap()
        .batch_execute(&grants)
        .unwrap();
    let guard = Guard::shared(
        PgStore::connect(&as_role(&dba, &app), 1).unwrap(),
        KekSource::passphrase(PASSPHRASE),
    )
    .unwrap()
    .build()
    .unwrap();
    let customer = Customer {
        id: 7,
        email: Pii::new("customer7@example.com".to_owned()),
    };
    let denied = guard.storage().track(&customer).unwrap_err().to_string();
    assert!(
        denied.contains("permission denied for table piiguard_subject_activity")
            && denied.contains("piiguard store grants --role service"),
        "{denied}"
    );
    assert!(!denied.contains("customer7"), "{denied}");

    drop(guard);
    common::drop_database(&mut admin, &db);
    admin.batch_execute(&format!("DROP ROLE {app}")).unwrap();
}

/// The key set's key-encryption key in AWS KMS (the local KMS API `scripts/test.sh` starts):
/// `keys init` and `keys list` take it from `PIIGUARD_KEK_AWS_KMS`, the SDK's configuration
/// from the environment as on a host.
#[cfg(feature = "aws-kms")]
#[test]
fn the_cli_seals_the_key_set_under_a_key_in_aws_kms() {
    let endpoint = std::env::var("PIIGUARD_TEST_KMS_ENDPOINT").expect(
        "PIIGUARD_TEST_KMS_ENDPOINT is not set: run the suite with scripts/test.sh, which starts \
         a local KMS API",
    );
    let sdk = [
        ("AWS_ENDPOINT_URL_KMS", endpoint.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ];
    let key = {
        use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
        let config = aws_sdk_kms::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
            .build();
        let client = aws_sdk_kms::Client::from_conf(config);
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(client.create_key().send())
            .unwrap()
            .key_metadata
            .unwrap()
            .key_id
    };
    let db = format!("piiguard_cli_kms_{}", std::process::id());
    let (url, mut admin) = common::postgres_database(&db);
    let mut env = sdk.to_vec();
    env.push(("PIIGUARD_KEK_AWS_KMS", &key));
    let out = piiguard_with(
        &["keys", "init", "--env", "prod", "--postgres", &url],
        "",
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = piiguard_with(&["keys", "list", "--json", "--postgres", &url], "", &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(common::key_list(&out.stdout).len() >= 5);
    // A passphrase is not the key it was sealed under.
    let passphrase = [("PIIGUARD_KEK_PASSPHRASE", PASSPHRASE)];
    let out = piiguard_with(&["keys", "list", "--postgres", &url], "", &passphrase);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("sealed under a key in an HSM or a key service")
            || text(&out.stderr).contains("wrapped"),
        "{}",
        text(&out.stderr)
    );
    common::drop_database(&mut admin, &db);
}
