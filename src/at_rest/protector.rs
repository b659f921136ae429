//! The storage keys as a view context's keys: encryption, pseudonyms, blind indexes, and the
//! opening of stored values a mask or digest needs.

use super::digest::Digest;
use super::storage_keys::StorageKeys;
use crate::envelope::Envelope;
use crate::error::Error;
use crate::keys::Purpose;
use crate::names::{Treatment, View};
use crate::view::{FieldRef, Protector, ViewContext};
use zeroize::Zeroizing;

impl StorageKeys<'_> {
    /// A view context carrying these keys.
    pub(crate) fn context(&self, view: View) -> ViewContext<'_> {
        ViewContext::new(view).with_protector(self)
    }
}

impl Protector for StorageKeys<'_> {
    fn protect(
        &self,
        field: &FieldRef<'_>,
        treatment: Treatment,
        cleartext: &[u8],
        out: &mut String,
    ) -> Result<(), Error> {
        match treatment {
            Treatment::Encrypt => self.encrypt_text(field, cleartext, out),
            Treatment::Hash => {
                self.digest(field, Purpose::Pseudonym, Digest::Pseudonym, cleartext, out)
            }
            Treatment::Tokenize => self.tokenize(field, cleartext, out),
            _ => Err(Error::Unsupported {
                what: "a treatment that needs no keys",
            }),
        }
    }

    fn blind_index(
        &self,
        field: &FieldRef<'_>,
        cleartext: &[u8],
        out: &mut String,
    ) -> Result<(), Error> {
        let digest = Digest::BlindIndex(self.keyring.index_len());
        self.digest(field, Purpose::BlindIndex, digest, cleartext, out)
    }

    fn open(&self, field: &FieldRef<'_>, envelope: &Envelope) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.open_at(field, envelope)
    }
}
