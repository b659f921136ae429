//! [`OwnedFieldRef`]: a classified value found inside a record, by address — the one pointer
//! search behind every reveal — and where it sits, owned (a [`FieldRef`] that outlives the
//! borrow of the record).

use super::classified::Classified;
use super::context::FieldRef;
use crate::pii::Pii;
use crate::schema::{FieldSchema, PiiField, RecordSchema, SubjectId};
use crate::value::PiiValue;

/// Where a classified value sits in a record, owned (the subject id copied out of the record).
#[derive(Debug)]
pub(crate) struct OwnedFieldRef {
    pub(crate) record: &'static RecordSchema,
    pub(crate) field: &'static FieldSchema,
    pub(crate) pii: &'static PiiField,
    pub(crate) subject: Option<SubjectId>,
}

impl OwnedFieldRef {
    /// The owned form of `at`.
    pub(crate) fn of(at: &FieldRef<'_>) -> Self {
        Self {
            record: at.record(),
            field: at.field(),
            pii: at.pii(),
            subject: at.subject().cloned(),
        }
    }

    /// Finds `value` inside `record` by its address: the accessor of a reveal (`|c| &c.email`)
    /// must return one of the record's own classified values. `None` if it does not.
    pub(crate) fn find<T: Classified + ?Sized, V: PiiValue>(
        record: &T,
        value: &Pii<V>,
    ) -> Option<Self> {
        Self::with(record, value, Self::of)
    }

    /// Finds `value` inside `record` by its address and runs `f` where it sits, borrowing the
    /// subject instead of copying it. `None` if `value` is not one of the record's.
    pub(crate) fn with<T: Classified + ?Sized, V: PiiValue, R>(
        record: &T,
        value: &Pii<V>,
        f: impl FnOnce(&FieldRef<'_>) -> R,
    ) -> Option<R> {
        let target = std::ptr::from_ref(value).cast::<()>();
        let mut f = Some(f);
        let mut found = None;
        record.visit_pii(&mut |at, slot| {
            if std::ptr::from_ref(slot).cast::<()>() == target
                && let Some(f) = f.take()
            {
                found = Some(f(at));
            }
        });
        found
    }

    /// The field reference, borrowing the subject.
    pub(crate) fn at(&self) -> FieldRef<'_> {
        FieldRef::new(self.record, self.field, self.pii, self.subject.as_ref())
    }
}
