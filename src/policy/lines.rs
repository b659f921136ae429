//! Line numbers of a policy file's byte offsets, for its errors.

use crate::error::Error;
use std::ops::Range;

/// Turns byte offsets into line numbers.
pub(super) struct Lines<'a>(pub(super) &'a str);

impl Lines<'_> {
    pub(super) fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.0.len());
        self.0.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    pub(super) fn error(&self, span: Range<usize>, message: impl Into<String>) -> Error {
        Error::Policy {
            line: self.line(span.start),
            message: message.into(),
        }
    }
}
