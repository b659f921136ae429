//! Known-answer tests: published vectors run through piiguard's own wrappers.

#[cfg(feature = "aws-lc")]
use super::aead::aws_lc::AwsLcSiv;
use super::aead::rust_crypto::RustCryptoSiv;
use super::aead::{NONCE_LEN, Siv, TAG_LEN};
use super::{kdf, keyed_hash, signature};
use serde_json::Value;

fn vectors(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn hex(v: &Value) -> Vec<u8> {
    let s = v.as_str().expect("hex string");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// A backend's name in assertion messages.
trait Named: Siv {
    const NAME: &'static str;
}
impl Named for RustCryptoSiv {
    const NAME: &'static str = "RustCrypto";
}
#[cfg(feature = "aws-lc")]
impl Named for AwsLcSiv {
    const NAME: &'static str = "AWS-LC";
}

/// Seals through a backend; `None` when the inputs cannot even reach it (wrong key or nonce
/// size), which for an invalid case counts as a rejection.
fn seal<C: Named>(key: &[u8], nonce: &[u8], aad: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
    let key: &[u8; 32] = key.try_into().ok()?;
    let nonce: &[u8; NONCE_LEN] = nonce.try_into().ok()?;
    let mut buf = msg.to_vec();
    let tag = C::new(key).seal_in_place(nonce, aad, &mut buf);
    buf.extend_from_slice(&tag);
    Some(buf)
}

fn open<C: Named>(key: &[u8], nonce: &[u8], aad: &[u8], ct: &[u8], tag: &[u8]) -> Option<Vec<u8>> {
    let key: &[u8; 32] = key.try_into().ok()?;
    let nonce: &[u8; NONCE_LEN] = nonce.try_into().ok()?;
    let tag: &[u8; TAG_LEN] = tag.try_into().ok()?;
    let mut out = vec![0u8; ct.len()];
    C::new(key).open_into(nonce, aad, ct, tag, &mut out).ok()?;
    Some(out)
}

#[test]
fn wycheproof_aes_256_gcm_siv() {
    wycheproof_siv::<RustCryptoSiv>();
    #[cfg(feature = "aws-lc")]
    wycheproof_siv::<AwsLcSiv>();
}

fn wycheproof_siv<C: Named>() {
    let (seal, open, backend) = (seal::<C>, open::<C>, C::NAME);
    let file = vectors("wycheproof_aes_gcm_siv_test.json");
    let (mut valid, mut invalid) = (0, 0);
    for group in file["testGroups"].as_array().unwrap() {
        if group["keySize"] != 256 {
            continue;
        }
        for case in group["tests"].as_array().unwrap() {
            let id = &case["tcId"];
            let (key, iv, aad, msg) = (
                hex(&case["key"]),
                hex(&case["iv"]),
                hex(&case["aad"]),
                hex(&case["msg"]),
            );
            let (ct, tag) = (hex(&case["ct"]), hex(&case["tag"]));
            let opened = open(&key, &iv, &aad, &ct, &tag);
            match case["result"].as_str().unwrap() {
                "valid" => {
                    let mut expected = ct.clone();
                    expected.extend_from_slice(&tag);
                    assert_eq!(
                        seal(&key, &iv, &aad, &msg),
                        Some(expected),
                        "{backend} tcId {id}"
                    );
                    assert_eq!(opened, Some(msg), "{backend} tcId {id}");
                    valid += 1;
                }
                _ => {
                    assert_eq!(opened, None, "{backend} tcId {id} must be rejected");
                    invalid += 1;
                }
            }
        }
    }
    assert_eq!((valid, invalid), (69, 34));
}

#[test]
fn rfc8452_aes_256_vectors() {
    rfc8452_siv::<RustCryptoSiv>();
    #[cfg(feature = "aws-lc")]
    rfc8452_siv::<AwsLcSiv>();
}

fn rfc8452_siv<C: Named>() {
    let (seal, open, backend) = (seal::<C>, open::<C>, C::NAME);
    let file = vectors("rfc8452_aes_gcm_siv.json");
    let mut checked = 0;
    for case in file["cases"].as_array().unwrap() {
        let key = hex(&case["key"]);
        if key.len() != 32 {
            continue;
        }
        let (nonce, aad, pt) = (
            hex(&case["nonce"]),
            hex(&case["aad"]),
            hex(&case["plaintext"]),
        );
        let (ct, tag) = (hex(&case["ciphertext"]), hex(&case["tag"]));
        let mut expected = ct.clone();
        expected.extend_from_slice(&tag);
        assert_eq!(seal(&key, &nonce, &aad, &pt), Some(expected), "{backend}");
        assert_eq!(open(&key, &nonce, &aad, &ct, &tag), Some(pt), "{backend}");
        checked += 1;
    }
    assert!(checked >= 24, "{backend}: only {checked} AES-256 cases");
}

#[test]
fn rfc5869_hkdf_sha256() {
    let file = vectors("rfc5869_hkdf_sha256.json");
    let cases = file["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for case in cases {
        let (ikm, salt, info) = (hex(&case["ikm"]), hex(&case["salt"]), hex(&case["info"]));
        assert_eq!(kdf::extract(&salt, &ikm).to_vec(), hex(&case["prk"]));
        let mut okm = vec![0u8; case["length"].as_u64().unwrap() as usize];
        kdf::hkdf_sha256(&salt, &ikm, &[&info], &mut okm).unwrap();
        assert_eq!(okm, hex(&case["okm"]));
    }
}

#[test]
fn wycheproof_hkdf_sha256() {
    let file = vectors("wycheproof_hkdf_sha256_test.json");
    let mut seen = 0;
    for group in file["testGroups"].as_array().unwrap() {
        for case in group["tests"].as_array().unwrap() {
            let (ikm, salt, info) = (hex(&case["ikm"]), hex(&case["salt"]), hex(&case["info"]));
            let mut okm = vec![0u8; case["size"].as_u64().unwrap() as usize];
            let out = kdf::hkdf_sha256(&salt, &ikm, &[&info], &mut okm);
            match case["result"].as_str().unwrap() {
                "valid" => {
                    assert!(out.is_ok(), "tcId {}", case["tcId"]);
                    assert_eq!(okm, hex(&case["okm"]), "tcId {}", case["tcId"]);
                }
                _ => assert!(out.is_err(), "tcId {} must be refused", case["tcId"]),
            }
            seen += 1;
        }
    }
    assert_eq!(seen, 86);
}

#[test]
fn hkdf_info_parts_are_concatenated() {
    let mut whole = [0u8; 32];
    let mut parts = [0u8; 32];
    kdf::hkdf_sha256(b"salt", b"ikm", &[b"abcdef"], &mut whole).unwrap();
    kdf::hkdf_sha256(b"salt", b"ikm", &[b"ab", b"cd", b"ef"], &mut parts).unwrap();
    assert_eq!(whole, parts);
}

#[test]
fn blake3_keyed_hash_and_derive_key() {
    let file = vectors("blake3_test_vectors.json");
    let key: [u8; 32] = file["key"].as_str().unwrap().as_bytes().try_into().unwrap();
    let context = file["context_string"].as_str().unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 35);
    for case in cases {
        let len = case["input_len"].as_u64().unwrap() as usize;
        let input: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let keyed = hex(&case["keyed_hash"]);
        assert_eq!(
            keyed_hash::keyed_hash(&key, &input),
            keyed[..32],
            "len {len}"
        );
        let derived = hex(&case["derive_key"]);
        assert_eq!(
            keyed_hash::derive_key(context, &input),
            derived[..32],
            "len {len}"
        );
    }
}

#[test]
fn rfc8032_ed25519() {
    // RFC 8032 §7.1, tests 1 and 2: secret key (seed), public key, message, signature.
    let cases = [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        ),
    ];
    let bytes = |h: &str| hex(&Value::String(h.to_owned()));
    for (seed, public, message, expected) in cases {
        let key = signature::SignKey::from_seed(&bytes(seed).try_into().unwrap());
        let public: [u8; 32] = bytes(public).try_into().unwrap();
        assert_eq!(key.public(), public);
        let message = bytes(message);
        let signed = key.sign(&message);
        assert_eq!(signed.to_vec(), bytes(expected));
        assert!(signature::verify(&public, &message, &signed));
        let mut flipped = signed;
        flipped[5] ^= 1;
        assert!(!signature::verify(&public, &message, &flipped));
        assert!(!signature::verify(&public, b"another message", &signed));
        assert!(!signature::verify(&public, &message, &signed[..63]));
    }
}

/// The two backends are one cipher: the same key, nonce, associated data and message give the
/// same ciphertext and tag, each opens what the other sealed, and each refuses the other's
/// sealed bytes once a bit of ciphertext, tag or associated data is flipped.
#[cfg(feature = "aws-lc")]
mod differential {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn the_backends_are_interchangeable(
            key in any::<[u8; 32]>(),
            nonce in any::<[u8; 12]>(),
            aad in proptest::collection::vec(any::<u8>(), 0..300),
            msg in proptest::collection::vec(any::<u8>(), 0..600),
            flip in any::<(usize, u8)>(),
        ) {
            let rust = seal::<RustCryptoSiv>(&key, &nonce, &aad, &msg).unwrap();
            let aws = seal::<AwsLcSiv>(&key, &nonce, &aad, &msg).unwrap();
            prop_assert_eq!(&rust, &aws);
            let (ct, tag) = rust.split_at(msg.len());
            prop_assert_eq!(open::<AwsLcSiv>(&key, &nonce, &aad, ct, tag), Some(msg.clone()));
            prop_assert_eq!(open::<RustCryptoSiv>(&key, &nonce, &aad, ct, tag), Some(msg.clone()));

            // One bit flipped anywhere in ciphertext||tag, or in the associated data.
            let bit = 1u8 << (flip.1 % 8);
            let mut bad = rust.clone();
            let at = flip.0 % bad.len();
            bad[at] ^= bit;
            let (bad_ct, bad_tag) = bad.split_at(msg.len());
            prop_assert_eq!(open::<AwsLcSiv>(&key, &nonce, &aad, bad_ct, bad_tag), None);
            prop_assert_eq!(open::<RustCryptoSiv>(&key, &nonce, &aad, bad_ct, bad_tag), None);
            if !aad.is_empty() {
                let mut bad_aad = aad.clone();
                bad_aad[flip.0 % aad.len()] ^= bit;
                prop_assert_eq!(open::<AwsLcSiv>(&key, &nonce, &bad_aad, ct, tag), None);
                prop_assert_eq!(open::<RustCryptoSiv>(&key, &nonce, &bad_aad, ct, tag), None);
            }
        }
    }
}
