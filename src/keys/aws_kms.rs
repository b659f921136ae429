//! [`AwsKmsKek`]: the key-encryption key as a key in AWS KMS. The key set's data key is sent to
//! KMS to be encrypted and decrypted (`Encrypt`, `Decrypt`), bound to the sealed set's header
//! through KMS's encryption context; the KMS key never leaves KMS.
//!
//! Other key services plug into the same [`KeyWrap`] trait: a GCP Cloud KMS key (`encrypt` /
//! `decrypt` with `additional_authenticated_data`) or an Azure Key Vault key (`wrapKey` /
//! `unwrapKey`, with the header bound by an AES-GCM layer of the data key) — each an
//! implementation of `name`, `wrap` and `unwrap` over its SDK (`docs/DEPLOYMENT.md`).

use super::sealed::{KeyWrap, data_key};
use crate::crypto::KEY_LEN;
use crate::error::Error;
use aws_sdk_kms::error::SdkError;
use aws_sdk_kms::primitives::Blob;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use std::fmt;
use std::future::Future;
use zeroize::Zeroizing;

fn refused(reason: &'static str) -> Error {
    Error::KeyFile { reason }
}

/// A key in AWS KMS (its id, ARN or alias), reached with the AWS SDK's configuration: region and
/// credentials from the environment, a profile, web identity (EKS) or the instance's role.
///
/// ```no_run
/// use piiguard::keys::{AwsKmsKek, KekSource};
/// use std::sync::Arc;
///
/// let kms = AwsKmsKek::from_env("alias/piiguard-kek")?;
/// let kek = KekSource::Wrapped(Arc::new(kms));
/// # Ok::<(), piiguard::Error>(())
/// ```
///
/// The service's role needs `kms:Encrypt` and `kms:Decrypt` on the key, which may require the
/// encryption context key `piiguard` (`kms:EncryptionContextKeys`) in its key policy.
pub struct AwsKmsKek {
    key_id: String,
    client: aws_sdk_kms::Client,
    /// Always `Some` until dropped (then shut down without blocking).
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for AwsKmsKek {
    /// A runtime dropped the ordinary way blocks, which panics inside async code (a guard
    /// dropped in a task): this one is shut down in the background instead.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl fmt::Debug for AwsKmsKek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsKmsKek")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A runtime of its own for the SDK's calls, each made on a thread of its own: a KMS call then
/// works from a plain program and from inside an async runtime alike.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|_| refused("cannot start the AWS SDK's runtime"))
}

fn on_own_thread<T: Send>(
    runtime: Option<&tokio::runtime::Runtime>,
    call: impl Future<Output = T> + Send,
) -> Result<T, Error> {
    let runtime = runtime.ok_or_else(|| refused("the AWS SDK's runtime is gone"))?;
    std::thread::scope(|scope| {
        scope
            .spawn(|| runtime.block_on(call))
            .join()
            .map_err(|_| refused("the AWS SDK's call panicked"))
    })
}

impl AwsKmsKek {
    /// The KMS key `key_id` with the AWS SDK's configuration from the environment.
    ///
    /// # Errors
    /// [`Error::KeyFile`] if the SDK's runtime cannot start.
    pub fn from_env(key_id: &str) -> Result<Self, Error> {
        let runtime = runtime()?;
        let loaded = on_own_thread(
            Some(&runtime),
            aws_config::defaults(aws_config::BehaviorVersion::latest()).load(),
        );
        let config = match loaded {
            Ok(config) => config,
            Err(e) => {
                runtime.shutdown_background();
                return Err(e);
            }
        };
        Ok(Self {
            key_id: key_id.to_owned(),
            client: aws_sdk_kms::Client::new(&config),
            runtime: Some(runtime),
        })
    }

    /// The KMS key `key_id` with an SDK configuration of yours (another endpoint, region or
    /// credentials).
    ///
    /// # Errors
    /// [`Error::KeyFile`] if the SDK's runtime cannot start.
    pub fn with_config(key_id: &str, config: &aws_config::SdkConfig) -> Result<Self, Error> {
        Ok(Self {
            key_id: key_id.to_owned(),
            client: aws_sdk_kms::Client::new(config),
            runtime: Some(runtime()?),
        })
    }
}

/// What KMS's refusal means, in the operator's terms (never its message).
fn kms_error<E: aws_sdk_kms::error::ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> Error {
    match e {
        SdkError::ServiceError(service) => match service.err().code() {
            Some("NotFoundException") => refused("the KMS key does not exist"),
            Some("DisabledException") => refused("the KMS key is disabled"),
            Some("KMSInvalidStateException") => {
                refused("the KMS key cannot be used in its state (pending deletion or import)")
            }
            Some("AccessDeniedException") => {
                refused("KMS denied the call (the key policy or the role's permissions)")
            }
            Some("IncorrectKeyException") => {
                refused("the key set was sealed under another KMS key")
            }
            Some("InvalidCiphertextException") => refused(
                "KMS did not decrypt the data key: another key or encryption context, or the \
                 key set was tampered with",
            ),
            _ => refused("KMS refused the call"),
        },
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            refused("KMS cannot be reached")
        }
        _ => refused("KMS answered with an error"),
    }
}

/// The encryption context binding a wrap to the sealed set's header.
fn context(aad: &[u8]) -> Result<std::collections::HashMap<String, String>, Error> {
    if aad.is_empty() {
        return Err(refused("a wrap needs associated data"));
    }
    Ok(std::collections::HashMap::from([(
        "piiguard".to_owned(),
        B64.encode(aad),
    )]))
}

impl KeyWrap for AwsKmsKek {
    fn name(&self) -> String {
        format!("aws-kms:{}", self.key_id)
    }

    fn wrap(&self, key: &[u8; KEY_LEN], aad: &[u8]) -> Result<Vec<u8>, Error> {
        let call = self
            .client
            .encrypt()
            .key_id(&self.key_id)
            .plaintext(Blob::new(key.to_vec()))
            .set_encryption_context(Some(context(aad)?))
            .send();
        let out = on_own_thread(self.runtime.as_ref(), call)?.map_err(|e| kms_error(&e))?;
        out.ciphertext_blob
            .map(Blob::into_inner)
            .ok_or_else(|| refused("KMS returned no ciphertext"))
    }

    fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, Error> {
        let call = self
            .client
            .decrypt()
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(wrapped.to_vec()))
            .set_encryption_context(Some(context(aad)?))
            .send();
        let out = on_own_thread(self.runtime.as_ref(), call)?.map_err(|e| kms_error(&e))?;
        let plaintext = out
            .plaintext
            .ok_or_else(|| refused("KMS returned no plaintext"))?;
        data_key(Zeroizing::new(plaintext.into_inner()))
    }
}
