//! Root keys sealed under a key-encryption key outside the process, each tried against the real
//! thing that `scripts/test.sh` starts: a SoftHSM2 token (PKCS#11), an OpenBao dev server
//! (Vault Transit) and a local AWS KMS API (moto). A missing server fails these tests; it never skips them.

use piiguard::keys::{KekSource, KeySetStore, Pkcs11Kek, VaultTransitKek};
use piiguard::store::SqliteStore;
use piiguard::{Classified, Error, Guard, Pii, Policy, Principal};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

const POLICY: &str = r#"
version = "kek-1"
[[rule]]
roles = ["service"]
sensitivities = ["personal"]
treatment = "reveal"
"#;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the suite with scripts/test.sh, which starts the servers")
    })
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("pg-kek-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn store(&self) -> SqliteStore {
        SqliteStore::open(self.0.join("store.db")).unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn guard(store: SqliteStore, kek: KekSource) -> Result<Guard, Error> {
    Guard::shared(store, kek)?
        .policy(Policy::from_toml(POLICY).unwrap())
        .build()
}

fn mailer() -> Principal {
    Principal::new("mailer").role("service")
}

/// Writes a record under a guard on `kek`, and reads it back under a guard on `again` (a new
/// connection to the same KEK), as a restarted instance would.
fn round_trip(dir: &TempDir, kek: KekSource, again: KekSource) {
    let first = guard(dir.store(), kek).unwrap();
    let row = first
        .storage()
        .to_json(&Customer {
            id: 1,
            email: Pii::new("jane.q8z@example.com".into()),
        })
        .unwrap();
    drop(first);
    let second = guard(dir.store(), again).unwrap();
    let back: Customer = second.storage().from_json(&row).unwrap();
    assert_eq!(
        second
            .reveal(&mailer(), &back, |c| &c.email, "send_receipt")
            .unwrap()
            .expose(),
        "jane.q8z@example.com"
    );
}

/// Where the wrapped data key starts in a stored key set sealed under a wrapped key
/// (`PGKF`, version, kind, the KEK's name with its length, the wrapped key's length).
fn wrapped_key_at(dir: &TempDir) -> usize {
    let (_, sealed) = dir.store().load_sealed().unwrap().unwrap();
    assert_eq!(&sealed[..4], b"PGKF");
    7 + usize::from(sealed[6]) + 2
}

/// Flips one byte of the stored key set.
fn tamper(dir: &TempDir, i: usize) {
    let store = dir.store();
    let (version, mut sealed) = store.load_sealed().unwrap().unwrap();
    sealed[i] ^= 1;
    assert_eq!(
        store.swap_sealed(Some(version), &sealed).unwrap(),
        Some(version + 1)
    );
}

fn key_file_reason(result: Result<Guard, Error>) -> &'static str {
    match result {
        Err(Error::KeyFile { reason }) => reason,
        other => panic!(
            "expected a key-encryption error, got {:?}",
            other.map(|_| ())
        ),
    }
}

/// The token's key `key` (labelled apart per test run: the token outlives a run).
fn hsm(key: &str) -> Pkcs11Kek {
    Pkcs11Kek::open(
        env("PIIGUARD_TEST_PKCS11_MODULE"),
        &env("PIIGUARD_TEST_PKCS11_TOKEN"),
        &format!("{key}-{}", std::process::id()),
        env("PIIGUARD_TEST_PKCS11_PIN").into(),
    )
    .unwrap()
}

#[test]
fn pkcs11_the_key_set_is_sealed_inside_the_token() {
    let dir = TempDir::new("hsm");
    let kek = hsm("kek-round-trip");
    assert!(kek.create_key().unwrap(), "a new key");
    assert!(!kek.create_key().unwrap(), "never a second one");
    assert!(kek.key_is_non_extractable().unwrap());
    round_trip(
        &dir,
        KekSource::Wrapped(Arc::new(kek)),
        KekSource::Wrapped(Arc::new(hsm("kek-round-trip"))),
    );
    // The stored set names its KEK; another key of the token does not open it.
    let other = hsm("kek-other");
    other.create_key().unwrap();
    let reason = key_file_reason(guard(dir.store(), KekSource::Wrapped(Arc::new(other))));
    assert!(reason.contains("another key-encryption key"), "{reason}");
    // Nor does a passphrase.
    let reason = key_file_reason(guard(dir.store(), KekSource::passphrase("guess")));
    assert!(
        reason.contains("sealed under a key in an HSM or a key service"),
        "{reason}"
    );
    // A wrapped data key changed in the store does not unwrap in the token.
    tamper(&dir, wrapped_key_at(&dir) + 5);
    let reason = key_file_reason(guard(
        dir.store(),
        KekSource::Wrapped(Arc::new(hsm("kek-round-trip"))),
    ));
    assert!(reason.contains("did not unwrap"), "{reason}");
}

#[test]
#[ignore = "a helper process of pkcs11_a_wrong_pin_a_missing_token_or_key_are_clear_errors"]
fn pkcs11_wrong_pin_helper() {
    if std::env::var("PIIGUARD_TEST_WRONG_PIN").is_err() {
        return;
    }
    // A token of its own: failed logins are counted in the token.
    match Pkcs11Kek::open(
        env("PIIGUARD_TEST_PKCS11_MODULE"),
        &env("PIIGUARD_TEST_PKCS11_PIN_TOKEN"),
        "k",
        "not-the-pin".to_owned().into(),
    ) {
        Err(Error::KeyFile { reason }) => assert!(reason.contains("PIN"), "{reason}"),
        other => panic!("expected a PIN error, got {other:?}"),
    }
}

#[test]
fn pkcs11_a_wrong_pin_a_missing_token_or_key_are_clear_errors() {
    let module = env("PIIGUARD_TEST_PKCS11_MODULE");
    let token = env("PIIGUARD_TEST_PKCS11_TOKEN");
    // PKCS#11 logs a whole process in: a wrong PIN is tried in a process of its own.
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            piiguard_testkit::test_name(module_path!(), "pkcs11_wrong_pin_helper").as_str(),
            "--ignored",
            "--nocapture",
        ])
        .env("PIIGUARD_TEST_WRONG_PIN", "1")
        .status()
        .unwrap();
    assert!(status.success(), "a wrong PIN was not refused");
    match Pkcs11Kek::open(
        &module,
        "no-such-token",
        "k",
        env("PIIGUARD_TEST_PKCS11_PIN").into(),
    ) {
        Err(Error::KeyFile { reason }) => assert!(reason.contains("no PKCS#11 token"), "{reason}"),
        other => panic!("expected a token error, got {other:?}"),
    }
    match Pkcs11Kek::open(
        "/nonexistent/libpkcs11.so",
        &token,
        "k",
        "1".to_owned().into(),
    ) {
        Err(Error::KeyFile { reason }) => assert!(reason.contains("module"), "{reason}"),
        other => panic!("expected a module error, got {other:?}"),
    }
    // A key that was never created: nothing is sealed, nothing is stored.
    let dir = TempDir::new("hsm-nokey");
    let reason = key_file_reason(guard(
        dir.store(),
        KekSource::Wrapped(Arc::new(hsm("never-created"))),
    ));
    assert!(
        reason.contains("no key with the configured label"),
        "{reason}"
    );
    assert_eq!(dir.store().load_sealed().unwrap(), None);
}

fn transit(key: &str) -> VaultTransitKek {
    VaultTransitKek::new(
        &env("PIIGUARD_TEST_VAULT_ADDR"),
        env("PIIGUARD_TEST_VAULT_TOKEN").into(),
        key,
    )
}

#[test]
fn vault_transit_the_key_set_is_sealed_by_the_server() {
    let dir = TempDir::new("vault");
    let kek = transit("piiguard-kek");
    kek.create_key().unwrap();
    round_trip(
        &dir,
        KekSource::Wrapped(Arc::new(kek)),
        KekSource::Wrapped(Arc::new(transit("piiguard-kek"))),
    );
    // Another Transit key does not open it.
    let reason = key_file_reason(guard(
        dir.store(),
        KekSource::Wrapped(Arc::new(transit("another-kek"))),
    ));
    assert!(reason.contains("another key-encryption key"), "{reason}");
    // A changed wrapped key does not decrypt.
    tamper(&dir, wrapped_key_at(&dir) + 12);
    let reason = key_file_reason(guard(
        dir.store(),
        KekSource::Wrapped(Arc::new(transit("piiguard-kek"))),
    ));
    assert!(reason.contains("did not decrypt"), "{reason}");
}

#[test]
fn vault_transit_a_wrong_token_or_a_missing_key_are_clear_errors() {
    let dir = TempDir::new("vault-errors");
    let wrong = VaultTransitKek::new(
        &env("PIIGUARD_TEST_VAULT_ADDR"),
        "not-a-token".to_owned().into(),
        "piiguard-kek",
    );
    let reason = key_file_reason(guard(dir.store(), KekSource::Wrapped(Arc::new(wrong))));
    assert!(reason.contains("refused the token"), "{reason}");
    let elsewhere = transit("piiguard-kek").mount("no-such-mount");
    let reason = key_file_reason(guard(dir.store(), KekSource::Wrapped(Arc::new(elsewhere))));
    assert!(reason.contains("no such Transit"), "{reason}");
    let down = VaultTransitKek::new("http://127.0.0.1:9", "t".to_owned().into(), "k");
    let reason = key_file_reason(guard(dir.store(), KekSource::Wrapped(Arc::new(down))));
    assert!(reason.contains("cannot be reached"), "{reason}");
    // Nothing was stored by any of them.
    assert_eq!(dir.store().load_sealed().unwrap(), None);
}

/// The KMS API `scripts/test.sh` starts (moto), with its test credentials.
#[cfg(feature = "aws-kms")]
fn kms_config() -> aws_config::SdkConfig {
    use aws_sdk_kms::config::{Credentials, Region, SharedCredentialsProvider};
    aws_config::SdkConfig::builder()
        .endpoint_url(env("PIIGUARD_TEST_KMS_ENDPOINT"))
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "piiguard-test",
        )))
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build()
}

/// A new KMS key (made as an operator would, outside piiguard).
#[cfg(feature = "aws-kms")]
fn kms_key() -> String {
    let client = aws_sdk_kms::Client::new(&kms_config());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let made = client.create_key().send().await.unwrap();
            made.key_metadata.unwrap().key_id
        })
}

#[cfg(feature = "aws-kms")]
fn kms(key_id: &str) -> piiguard::keys::AwsKmsKek {
    piiguard::keys::AwsKmsKek::with_config(key_id, &kms_config()).unwrap()
}

#[cfg(feature = "aws-kms")]
#[test]
fn aws_kms_the_key_set_is_sealed_by_kms_bound_to_its_header() {
    use piiguard::keys::KeyWrap as _;
    let dir = TempDir::new("kms");
    let key = kms_key();
    round_trip(
        &dir,
        KekSource::Wrapped(Arc::new(kms(&key))),
        KekSource::Wrapped(Arc::new(kms(&key))),
    );
    // Another KMS key does not open it.
    let other = kms_key();
    let reason = key_file_reason(guard(
        dir.store(),
        KekSource::Wrapped(Arc::new(kms(&other))),
    ));
    assert!(reason.contains("another key-encryption key"), "{reason}");
    // A changed wrapped key does not decrypt.
    tamper(&dir, wrapped_key_at(&dir) + 40);
    let reason = key_file_reason(guard(dir.store(), KekSource::Wrapped(Arc::new(kms(&key)))));
    assert!(reason.contains("did not decrypt"), "{reason}");
    // The wrap is bound to the header through the encryption context: another header (the
    // context) does not unwrap, nor does another key's wrap.
    let data = [7u8; 32];
    let wrapped = kms(&key).wrap(&data, b"the header").unwrap();
    // From inside an async runtime too: made, called and dropped there (its calls run on a
    // thread of their own, its runtime shuts down without blocking).
    let inside = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async { kms(&key).unwrap(&wrapped, b"the header") });
    assert_eq!(*inside.unwrap(), data);
    assert_eq!(*kms(&key).unwrap(&wrapped, b"the header").unwrap(), data);
    let Err(Error::KeyFile { reason }) = kms(&key).unwrap(&wrapped, b"another header") else {
        panic!("a changed encryption context unwrapped");
    };
    assert!(reason.contains("did not decrypt"), "{reason}");
    // Another key's decrypt is refused: AWS answers IncorrectKeyException, moto
    // AccessDeniedException; each a clear error.
    let Err(Error::KeyFile { reason }) = kms(&other).unwrap(&wrapped, b"the header") else {
        panic!("another key unwrapped");
    };
    assert!(
        reason.contains("another KMS key") || reason.contains("KMS denied the call"),
        "{reason}"
    );
}

#[cfg(feature = "aws-kms")]
#[test]
fn aws_kms_a_missing_or_unreachable_key_is_a_clear_error() {
    let dir = TempDir::new("kms-errors");
    let missing =
        kms("arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000");
    let reason = key_file_reason(guard(dir.store(), KekSource::Wrapped(Arc::new(missing))));
    assert!(reason.contains("does not exist"), "{reason}");
    let alias = kms("alias/no-such-key");
    let reason = key_file_reason(guard(dir.store(), KekSource::Wrapped(Arc::new(alias))));
    assert!(reason.contains("does not exist"), "{reason}");
    let config = kms_config()
        .into_builder()
        .endpoint_url("http://127.0.0.1:9")
        .build();
    let down = piiguard::keys::AwsKmsKek::with_config(&kms_key(), &config).unwrap();
    let reason = key_file_reason(guard(dir.store(), KekSource::Wrapped(Arc::new(down))));
    assert!(reason.contains("cannot be reached"), "{reason}");
    // Nothing was stored by any of them.
    assert_eq!(dir.store().load_sealed().unwrap(), None);
}
