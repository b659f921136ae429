//! The embedded default: the encrypted key file and the SQLite subject-key store.

use piiguard_testkit as common;

use piiguard::keys::{
    Environment, KekSource, KeyProvider, KeyStore, Keyring, LocalKeyFile, Purpose, StoreKey,
};
use piiguard::{Classified, Error, Pii};
use std::path::{Path, PathBuf};

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("piiguard-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A cheap Argon2id cost, so the test is quick; the default is 19 MiB × 2.
fn passphrase(p: &str) -> KekSource {
    KekSource::Passphrase {
        passphrase: p.to_owned().into(),
        m_cost: 64,
        t_cost: 1,
    }
}

fn keyring(path: &Path, kek: KekSource) -> Result<Keyring, Error> {
    Keyring::builder()
        .provider(LocalKeyFile::new(path, kek))
        .build()
}

#[test]
fn the_key_file_is_created_once_reopened_and_keeps_rotations() {
    let dir = temp_dir("keyfile");
    let path = dir.join("keys.pgk");
    let first = keyring(&path, passphrase("correct horse")).unwrap();
    let row = piiguard::unaudited::keys(&first)
        .to_json(&Customer {
            id: 1,
            email: Pii::new("jane@example.com".into()),
        })
        .unwrap();
    common::admin::admin_guard(&first)
        .admin(&common::admin::ops(&first))
        .rotate_key(Purpose::FieldEncryption)
        .unwrap();
    let created = std::fs::read(&path).unwrap();
    assert!(
        !created.windows(5).any(|w| w == b"local"),
        "key set in clear"
    );

    let second = keyring(&path, passphrase("correct horse")).unwrap();
    assert_eq!(second.key_infos(), first.key_infos());
    let back: Customer = piiguard::unaudited::keys(&second).from_json(&row).unwrap();
    assert_eq!(
        piiguard::unaudited::keys(&second)
            .expose_unaudited(&back, |c| &c.email)
            .unwrap()
            .expose(),
        "jane@example.com"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_wrong_passphrase_or_a_damaged_file_is_an_error_and_the_file_is_kept() {
    let dir = temp_dir("damaged");
    let path = dir.join("keys.pgk");
    keyring(&path, passphrase("correct horse")).unwrap();
    let good = std::fs::read(&path).unwrap();

    assert!(matches!(
        keyring(&path, passphrase("wrong horse")),
        Err(Error::KeyFile { .. })
    ));
    assert!(matches!(
        keyring(&path, KekSource::RandomFile(dir.join("kek"))),
        Err(Error::KeyFile { .. })
    ));
    let damaged = [
        good[..good.len() / 2].to_vec(),
        good[..10].to_vec(),
        Vec::new(),
        {
            let mut b = good.clone();
            let last = b.len() - 1;
            b[last] ^= 1;
            b
        },
        {
            let mut b = good.clone();
            b[0] = b'X';
            b
        },
    ];
    for bytes in damaged {
        std::fs::write(&path, &bytes).unwrap();
        let result = keyring(&path, passphrase("correct horse"));
        assert!(matches!(result, Err(Error::KeyFile { .. })), "{result:?}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "never overwritten");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_environment_of_a_key_file_is_fixed() {
    let dir = temp_dir("environment");
    let path = dir.join("keys.pgk");
    let made = Keyring::builder()
        .environment(Environment::Staging)
        .provider(LocalKeyFile::new(
            &path,
            KekSource::RandomFile(dir.join("kek")),
        ))
        .build()
        .unwrap();
    assert_eq!(made.environment(), Environment::Staging);
    let reopened = keyring(&path, KekSource::RandomFile(dir.join("kek"))).unwrap();
    assert_eq!(reopened.environment(), Environment::Staging);
    let as_prod = Keyring::builder()
        .environment(Environment::Prod)
        .provider(LocalKeyFile::new(
            &path,
            KekSource::RandomFile(dir.join("kek")),
        ))
        .build();
    assert!(matches!(as_prod, Err(Error::Keyring { .. })));
    let provider = LocalKeyFile::new(&path, KekSource::RandomFile(dir.join("kek")));
    assert_eq!(
        provider.load().unwrap().unwrap().1.environment,
        Environment::Staging
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn open_local_works_with_no_configuration_and_shreds_in_sqlite() {
    let dir = temp_dir("local");
    let keyring = Keyring::open_local(&dir).unwrap();
    let keys = piiguard::unaudited::keys(&keyring);
    let row = keys
        .to_json(&Customer {
            id: 9,
            email: Pii::new("jane@example.com".into()),
        })
        .unwrap();
    drop(keyring);

    // The wrapped subject key is in the database file; find its bytes.
    let store = piiguard::store::SqliteStore::open(dir.join("store.db")).unwrap();
    let key = StoreKey {
        region: "local".into(),
        tenant: String::new(),
        subject: "9".into(),
    };
    let wrapped = store.get(&key).unwrap().expect("a subject key was created");
    let db = std::fs::read(dir.join("store.db")).unwrap();
    assert!(db.windows(wrapped.bytes.len()).any(|w| w == wrapped.bytes));
    drop(store);

    let keyring = Keyring::open_local(&dir).unwrap();
    let keys = piiguard::unaudited::keys(&keyring);
    let back: Customer = keys.from_json(&row).unwrap();
    assert_eq!(
        keys.expose_unaudited(&back, |c| &c.email).unwrap().expose(),
        "jane@example.com"
    );
    common::admin::admin_guard(&keyring)
        .admin(&common::admin::ops(&keyring))
        .forget_subject(&9)
        .unwrap();
    assert!(matches!(
        keys.expose_unaudited(&back, |c| &c.email),
        Err(Error::SubjectForgotten)
    ));
    drop(keyring);
    // No trace of the key in the database file (secure_delete) or beside it.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes
                .windows(wrapped.bytes.len())
                .any(|w| w == wrapped.bytes)
        );
    }
    let reopened = Keyring::open_local(&dir).unwrap();
    let back: Customer = piiguard::unaudited::keys(&reopened)
        .from_json(&row)
        .unwrap();
    assert!(
        piiguard::unaudited::keys(&reopened)
            .expose_unaudited(&back, |c| &c.email)
            .is_err()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
#[test]
fn the_local_guard_keeps_every_file_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = std::env::temp_dir().join(format!("pg-perms-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let guard = piiguard::Guard::open_local(&dir).unwrap();
    drop(guard);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{:?} is {mode:o}", entry.file_name());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two instances on one store (separate keyrings, as two processes would have): what one
/// writes under a key version it just made, the other opens at once — it reloads the key set on
/// meeting a version it does not know, without waiting for its next look at the store.
#[test]
fn an_unknown_key_version_makes_an_instance_reload_before_failing() {
    use piiguard::keys::{KeySetStore, StoredKeySet};
    use piiguard::store::SqliteStore;
    let dir = temp_dir("reload");
    let store = SqliteStore::open(dir.join("store.db")).unwrap();
    let instance = |every| {
        Keyring::builder()
            .provider(StoredKeySet::new(store.clone(), passphrase("p")))
            .store(store.clone())
            .refresh_every(every)
            .build()
            .unwrap()
    };
    // B would not look at the store on its own for an hour.
    let a = instance(piiguard::clock::REFRESH);
    let b = instance(std::time::Duration::from_secs(3600));
    common::admin::admin_guard(&a)
        .admin(&common::admin::ops(&a))
        .rotate_key(Purpose::FieldEncryption)
        .unwrap();
    let row = piiguard::unaudited::keys(&a)
        .to_json(&Customer {
            id: 3,
            email: Pii::new("jane@example.com".into()),
        })
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(&row).unwrap();
    let envelope = piiguard::Envelope::parse_text(value["email"].as_str().unwrap()).unwrap();
    assert_eq!(envelope.key_version(), 2, "written under the new version");
    let keys = piiguard::unaudited::keys(&b);
    let back: Customer = keys.from_json(&row).unwrap();
    assert_eq!(
        keys.expose_unaudited(&back, |c| &c.email).unwrap().expose(),
        "jane@example.com"
    );
    // A stored set that lacks a key B holds (an older backup put in place) is refused.
    let (_, old) = store.load_sealed().unwrap().unwrap();
    common::admin::admin_guard(&a)
        .admin(&common::admin::ops(&a))
        .rotate_key(Purpose::FieldEncryption)
        .unwrap();
    let (version, _) = store.load_sealed().unwrap().unwrap();
    assert_eq!(
        store.swap_sealed(Some(version), &old).unwrap(),
        Some(version + 1)
    );
    std::thread::sleep(piiguard::clock::REFRESH);
    let refused = piiguard::unaudited::keys(&a).to_json(&Customer {
        id: 4,
        email: Pii::new("john@example.com".into()),
    });
    assert!(matches!(refused, Err(Error::Keyring { .. })), "{refused:?}");
    std::fs::remove_dir_all(dir).unwrap();
}
