//! [`VaultTransitKek`]: the key-encryption key as a Transit key in Vault or OpenBao. The key set's
//! data key is sent to Transit to be encrypted and decrypted, bound to the sealed set's header
//! through Transit's `associated_data`; the Transit key never leaves the server.

use super::sealed::{KeyWrap, data_key};
use crate::crypto::KEY_LEN;
use crate::error::Error;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::fmt;
use std::time::Duration;
use zeroize::Zeroizing;

fn refused(reason: &'static str) -> Error {
    Error::KeyFile { reason }
}

#[derive(Deserialize)]
struct Reply<T> {
    data: T,
}

#[derive(Deserialize)]
struct Encrypted {
    ciphertext: String,
}

#[derive(Deserialize)]
struct Decrypted {
    plaintext: String,
}

/// A Transit key of a Vault-compatible server (Vault, OpenBao), reached over its HTTP API with
/// a token.
///
/// ```no_run
/// use piiguard::keys::{KekSource, VaultTransitKek};
/// use std::sync::Arc;
///
/// let transit = VaultTransitKek::new(
///     "https://vault.example.com:8200",
///     std::env::var("VAULT_TOKEN").unwrap().into(),
///     "piiguard-kek",
/// );
/// transit.create_key()?; // once, by an operator (aes256-gcm96)
/// let kek = KekSource::Wrapped(Arc::new(transit));
/// # Ok::<(), piiguard::Error>(())
/// ```
pub struct VaultTransitKek {
    addr: String,
    token: SecretString,
    mount: String,
    key: String,
    agent: ureq::Agent,
}

impl fmt::Debug for VaultTransitKek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultTransitKek")
            .field("addr", &self.addr)
            .field("mount", &self.mount)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl VaultTransitKek {
    /// The Transit key `key` (mounted at `transit/`) of the server at `addr`, used with `token`.
    pub fn new(addr: &str, token: SecretString, key: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Self {
            addr: addr.trim_end_matches('/').to_owned(),
            token,
            mount: "transit".to_owned(),
            key: key.to_owned(),
            agent,
        }
    }

    /// The same key under another mount path than `transit`.
    #[must_use]
    pub fn mount(mut self, mount: &str) -> Self {
        mount.trim_matches('/').clone_into(&mut self.mount);
        self
    }

    fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<ureq::http::Response<ureq::Body>, Error> {
        self.agent
            .post(format!("{}/v1/{}/{path}", self.addr, self.mount))
            .header("X-Vault-Token", self.token.expose_secret())
            .send_json(body)
            .map_err(|e| match e {
                ureq::Error::StatusCode(401 | 403) => refused(
                    "Vault refused the token (or its policy does not allow the Transit key)",
                ),
                ureq::Error::StatusCode(404) => refused("Vault has no such Transit mount or key"),
                ureq::Error::StatusCode(400) => refused(
                    "Vault Transit did not decrypt the data key: another key, or the key set was \
                     tampered with",
                ),
                ureq::Error::StatusCode(_) => refused("Vault answered with an error"),
                _ => refused("Vault cannot be reached"),
            })
    }

    /// Creates the Transit key (`aes256-gcm96`, not exportable) unless it exists.
    ///
    /// # Errors
    /// [`Error::KeyFile`] if Vault refuses or cannot be reached.
    pub fn create_key(&self) -> Result<(), Error> {
        self.post(
            &format!("keys/{}", self.key),
            &serde_json::json!({ "type": "aes256-gcm96", "exportable": false }),
        )
        .map(drop)
    }
}

impl KeyWrap for VaultTransitKek {
    fn name(&self) -> String {
        format!("vault:{}/{}", self.mount, self.key)
    }

    fn wrap(&self, key: &[u8; KEY_LEN], aad: &[u8]) -> Result<Vec<u8>, Error> {
        if aad.is_empty() {
            return Err(refused("a wrap needs associated data"));
        }
        let plaintext = Zeroizing::new(B64.encode(key));
        let body = serde_json::json!({
            "plaintext": plaintext.as_str(),
            "associated_data": B64.encode(aad),
        });
        let reply: Reply<Encrypted> = self
            .post(&format!("encrypt/{}", self.key), &body)?
            .body_mut()
            .read_json()
            .map_err(|_| refused("Vault's answer is malformed"))?;
        Ok(reply.data.ciphertext.into_bytes())
    }

    fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, Error> {
        let ciphertext = std::str::from_utf8(wrapped)
            .map_err(|_| refused("the wrapped data key is malformed"))?;
        let body = serde_json::json!({
            "ciphertext": ciphertext,
            "associated_data": B64.encode(aad),
        });
        let reply: Reply<Decrypted> = self
            .post(&format!("decrypt/{}", self.key), &body)?
            .body_mut()
            .read_json()
            .map_err(|_| refused("Vault's answer is malformed"))?;
        let encoded = Zeroizing::new(reply.data.plaintext);
        let plain = Zeroizing::new(
            B64.decode(encoded.as_bytes())
                .map_err(|_| refused("Vault's answer is malformed"))?,
        );
        data_key(plain)
    }
}
