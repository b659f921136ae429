//! [`Pkcs11Kek`]: the key-encryption key as a non-extractable AES key in an HSM, reached through
//! PKCS#11 (`cryptoki`). The key set's data key is wrapped and unwrapped inside the token
//! (AES-GCM with the sealed set's header as associated data — never empty, which some tokens,
//! SoftHSM among them, do not survive).

use super::sealed::{KeyWrap, data_key};
use crate::crypto::{KEY_LEN, random};
use crate::error::Error;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as P11Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use secrecy::SecretString;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};
use zeroize::Zeroizing;

const IV_LEN: usize = 12;

fn refused(reason: &'static str) -> Error {
    Error::KeyFile { reason }
}

/// A PKCS#11 module is initialized once per process and shared (finalizing it for one user would
/// end it for all).
fn module(path: &Path) -> Result<Pkcs11, Error> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut modules = MODULES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(context) = modules.get(path) {
        return Ok(context.clone());
    }
    let context = Pkcs11::new(path).map_err(|_| refused("the PKCS#11 module cannot be loaded"))?;
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(P11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(_) => return Err(refused("the PKCS#11 module does not initialize")),
    }
    modules.insert(path.to_owned(), context.clone());
    Ok(context)
}

/// The key-encryption key in an HSM token, found by the token's label (slot numbers change when
/// tokens are initialized) and the key's label.
///
/// ```no_run
/// use piiguard::keys::{KekSource, Pkcs11Kek};
/// use std::sync::Arc;
///
/// let hsm = Pkcs11Kek::open(
///     "/usr/lib/softhsm/libsofthsm2.so",
///     "piiguard",
///     "piiguard-kek",
///     std::env::var("PIIGUARD_HSM_PIN").unwrap().into(),
/// )?;
/// hsm.create_key()?; // once, by an operator: a non-extractable AES-256 key in the token
/// let kek = KekSource::Wrapped(Arc::new(hsm));
/// # Ok::<(), piiguard::Error>(())
/// ```
pub struct Pkcs11Kek {
    context: Pkcs11,
    token: String,
    key: String,
    pin: AuthPin,
}

impl fmt::Debug for Pkcs11Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Kek")
            .field("token", &self.token)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Pkcs11Kek {
    /// Loads the PKCS#11 module at `module`, and checks that a token labelled `token` is
    /// present and that `pin` logs in to it.
    ///
    /// # Errors
    /// [`Error::KeyFile`]: the module does not load; no token has this label; the PIN is wrong
    /// or locked.
    pub fn open(
        module_path: impl AsRef<Path>,
        token: &str,
        key: &str,
        pin: SecretString,
    ) -> Result<Self, Error> {
        let kek = Self {
            context: module(module_path.as_ref())?,
            token: token.to_owned(),
            key: key.to_owned(),
            pin,
        };
        drop(kek.session()?);
        Ok(kek)
    }

    /// The slot of the token with the configured label. A token another process is writing
    /// to can be missing from the list, or fail to describe itself, for a moment (SoftHSM's
    /// file store does): the list is asked again for up to a second before concluding the
    /// token is not there.
    fn slot(&self) -> Result<Slot, Error> {
        for attempt in 0..40 {
            if attempt > 0 {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            let Ok(slots) = self.context.get_slots_with_token() else {
                continue;
            };
            for slot in slots {
                if self
                    .context
                    .get_token_info(slot)
                    .is_ok_and(|info| info.label().trim_end() == self.token)
                {
                    return Ok(slot);
                }
            }
        }
        Err(refused("no PKCS#11 token has the configured label"))
    }

    /// A session on the token, logged in as its user.
    fn session(&self) -> Result<Session, Error> {
        let session = self
            .context
            .open_rw_session(self.slot()?)
            .map_err(|_| refused("the PKCS#11 token does not open a session"))?;
        match session.login(UserType::User, Some(&self.pin)) {
            Ok(()) | Err(P11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(session),
            Err(P11Error::Pkcs11(RvError::PinIncorrect, _)) => {
                Err(refused("the PKCS#11 token refused the PIN"))
            }
            Err(P11Error::Pkcs11(RvError::PinLocked, _)) => {
                Err(refused("the PKCS#11 token's PIN is locked"))
            }
            Err(_) => Err(refused("the PKCS#11 token refused the login")),
        }
    }

    fn find_key(&self, session: &Session) -> Result<Option<ObjectHandle>, Error> {
        let found = session
            .find_objects(&[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::Label(self.key.as_bytes().to_vec()),
            ])
            .map_err(|_| refused("the PKCS#11 token cannot be searched"))?;
        Ok(found.into_iter().next())
    }

    fn key(&self, session: &Session) -> Result<ObjectHandle, Error> {
        self.find_key(session)?.ok_or(refused(
            "the PKCS#11 token has no key with the configured label",
        ))
    }

    /// Creates the key-encryption key in the token unless it has one with this label: AES-256,
    /// a token object, sensitive and never extractable, usable only to encrypt and decrypt.
    /// Returns whether it created one.
    ///
    /// # Errors
    /// [`Error::KeyFile`] if the token refuses.
    pub fn create_key(&self) -> Result<bool, Error> {
        let session = self.session()?;
        if self.find_key(&session)?.is_some() {
            return Ok(false);
        }
        session
            .generate_key(
                &Mechanism::AesKeyGen,
                &[
                    Attribute::Class(ObjectClass::SECRET_KEY),
                    Attribute::KeyType(KeyType::AES),
                    Attribute::ValueLen(32.into()),
                    Attribute::Label(self.key.as_bytes().to_vec()),
                    Attribute::Token(true),
                    Attribute::Private(true),
                    Attribute::Sensitive(true),
                    Attribute::Extractable(false),
                    Attribute::Encrypt(true),
                    Attribute::Decrypt(true),
                ],
            )
            .map_err(|_| refused("the PKCS#11 token did not create the key"))?;
        Ok(true)
    }

    /// Whether the token says the key can never leave it (`CKA_EXTRACTABLE` false and
    /// `CKA_SENSITIVE` true).
    ///
    /// # Errors
    /// [`Error::KeyFile`] if the key is missing or its attributes cannot be read.
    pub fn key_is_non_extractable(&self) -> Result<bool, Error> {
        let session = self.session()?;
        let key = self.key(&session)?;
        let attributes = session
            .get_attributes(key, &[AttributeType::Extractable, AttributeType::Sensitive])
            .map_err(|_| refused("the PKCS#11 key's attributes cannot be read"))?;
        Ok(attributes.iter().all(|a| {
            matches!(
                a,
                Attribute::Extractable(false) | Attribute::Sensitive(true)
            )
        }) && attributes.len() == 2)
    }
}

impl KeyWrap for Pkcs11Kek {
    fn name(&self) -> String {
        format!("pkcs11:{}/{}", self.token, self.key)
    }

    fn wrap(&self, key: &[u8; KEY_LEN], aad: &[u8]) -> Result<Vec<u8>, Error> {
        if aad.is_empty() {
            return Err(refused("a wrap needs associated data"));
        }
        let session = self.session()?;
        let handle = self.key(&session)?;
        let mut iv = [0u8; IV_LEN];
        random::fill_public(&mut iv);
        let mut params_iv = iv;
        let params = GcmParams::new(&mut params_iv, aad, 128.into())
            .map_err(|_| refused("the associated data is too long for PKCS#11"))?;
        let sealed = session
            .encrypt(&Mechanism::AesGcm(params), handle, key)
            .map_err(|_| refused("the PKCS#11 token did not wrap the data key"))?;
        let mut out = iv.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, Error> {
        if wrapped.len() != IV_LEN + KEY_LEN + 16 {
            return Err(refused("the wrapped data key is malformed"));
        }
        let session = self.session()?;
        let handle = self.key(&session)?;
        let mut iv = [0u8; IV_LEN];
        iv.copy_from_slice(&wrapped[..IV_LEN]);
        let params = GcmParams::new(&mut iv, aad, 128.into())
            .map_err(|_| refused("the associated data is too long for PKCS#11"))?;
        let plain = Zeroizing::new(
            session
                .decrypt(&Mechanism::AesGcm(params), handle, &wrapped[IV_LEN..])
                .map_err(|_| {
                    refused(
                        "the PKCS#11 token did not unwrap the data key: another key, or the \
                         key set was tampered with",
                    )
                })?,
        );
        data_key(plain)
    }
}
