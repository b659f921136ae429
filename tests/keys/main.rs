//! Keys: the keyring, its stores and KEK providers, the envelope format.
//!
//! One test binary per area (each links the whole crate once); a module per former file.

mod envelope_spec;
#[cfg(all(
    feature = "sqlite",
    feature = "local-key-file",
    feature = "pkcs11",
    feature = "vault"
))]
mod kek_providers;
#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
mod key_storage;
mod keys;
mod keys_props;
