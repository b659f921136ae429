//! A second implementation of `docs/ENVELOPE.md`, written only from the document with the
//! underlying crates: it must open what piiguard writes, and piiguard must open what it writes.

use aes_gcm_siv::aead::{Aead, KeyInit, Payload};
use aes_gcm_siv::{Aes256GcmSiv, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use piiguard::keys::{
    Environment, KeyProvider, KeySet, KeyState, Keyring, Purpose, RootKey, Scope,
};
use piiguard::{Classified, Error, Pii};
use sha2::Sha256;
use zeroize::Zeroizing;

const ROOT: [u8; 32] = [0x42; 32];

/// Hands the keyring a known root key.
struct Fixed;

impl KeyProvider for Fixed {
    fn load(&self) -> Result<Option<(u64, KeySet)>, Error> {
        let mk = |id: &str, purpose| {
            RootKey::from_parts(
                id,
                3,
                purpose,
                "eu",
                KeyState::Active,
                Some(Zeroizing::new(ROOT)),
            )
        };
        Ok(Some((
            1,
            KeySet {
                environment: Environment::Prod,
                keys: vec![
                    mk("field-eu", Purpose::FieldEncryption),
                    mk("index-eu", Purpose::BlindIndex),
                    mk("pseudonym-eu", Purpose::Pseudonym),
                ],
            },
        )))
    }

    fn version(&self) -> Result<Option<u64>, Error> {
        Ok(Some(1))
    }

    /// The fixed set stays as it is: a change is accepted and forgotten.
    fn save(&self, _: &KeySet, _: Option<u64>) -> Result<Option<u64>, Error> {
        Ok(Some(1))
    }
}

#[derive(Classified)]
#[pii(subject = id, name = "customer")]
struct Customer {
    id: u64,
    #[pii(class = email, name = "mail", index)]
    email: Pii<String>,
}

fn part(out: &mut Vec<u8>, x: &[u8]) {
    out.extend_from_slice(&(x.len() as u32).to_be_bytes());
    out.extend_from_slice(x);
}

fn data_key(label: &str, tenant: &str, record: &str, field: &str) -> [u8; 32] {
    let mut info = b"piiguard/v1".to_vec();
    for p in [label, "prod", "eu", tenant, record, field] {
        part(&mut info, p.as_bytes());
    }
    let mut okm = [0u8; 32];
    hkdf::Hkdf::<Sha256>::new(Some(b"piiguard/v1/data-key"), &ROOT)
        .expand(&info, &mut okm)
        .unwrap();
    okm
}

fn aad(header: &[u8], subject: &str, tenant: &str) -> Vec<u8> {
    let mut aad = b"piiguard/envelope/v1".to_vec();
    part(&mut aad, header);
    part(&mut aad, b"customer");
    part(&mut aad, b"mail");
    aad.push(1);
    part(&mut aad, subject.as_bytes());
    part(&mut aad, tenant.as_bytes());
    aad
}

fn header() -> Vec<u8> {
    let mut h = b"PG".to_vec();
    h.extend_from_slice(&[1, 0, 2]);
    h.push(2);
    h.extend_from_slice(b"eu");
    h.push(8);
    h.extend_from_slice(b"field-eu");
    h.extend_from_slice(&3u32.to_be_bytes());
    h
}

#[test]
fn an_independent_reader_opens_piiguard_envelopes_and_vice_versa() {
    let keyring = Keyring::builder().provider(Fixed).build().unwrap();
    let keys =
        piiguard::unaudited::scoped_keys(&keyring, &Scope::new().tenant("acme").region("eu"));
    let row = keys
        .to_json(&Customer {
            id: 77,
            email: Pii::new("jane@example.com".into()),
        })
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(&row).unwrap();

    // Read.
    let text = value["mail"].as_str().unwrap();
    let bytes = URL_SAFE_NO_PAD
        .decode(text.strip_prefix("pg1.").unwrap())
        .unwrap();
    let h = header();
    assert_eq!(&bytes[..h.len()], &h[..]);
    let nonce = &bytes[h.len()..h.len() + 12];
    let cipher =
        Aes256GcmSiv::new(&data_key("field-encryption", "acme", "customer", "mail").into());
    let clear = cipher
        .decrypt(
            &Nonce::try_from(nonce).unwrap(),
            Payload {
                msg: &bytes[h.len() + 12..],
                aad: &aad(&h, "77", "acme"),
            },
        )
        .unwrap();
    assert_eq!(clear, b"jane@example.com");

    // Write.
    let nonce = [9u8; 12];
    let sealed = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: b"john@example.com",
                aad: &aad(&h, "77", "acme"),
            },
        )
        .unwrap();
    let mut ours = h.clone();
    ours.extend_from_slice(&nonce);
    ours.extend_from_slice(&sealed);
    let forged_row = row.replace(text, &format!("pg1.{}", URL_SAFE_NO_PAD.encode(&ours)));
    let back: Customer = keys.from_json(&forged_row).unwrap();
    assert_eq!(
        keys.expose_unaudited(&back, |c| &c.email).unwrap().expose(),
        "john@example.com"
    );

    // Blind index: keyed BLAKE3 of the normalized value, first 16 bytes.
    let k = data_key("blind-index", "acme", "customer", "mail");
    let digest = blake3::keyed_hash(&k, b"jane@example.com");
    let expected = format!(
        "bi.index-eu.3.{}",
        URL_SAFE_NO_PAD.encode(&digest.as_bytes()[..16])
    );
    assert_eq!(value["mail_bidx"], expected.as_str());
}
