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

    /// Where `key = …` is written in the table whose header starts at `span` (its body runs to
    /// the next header): the line of its mistakes, rather than the header's. The table's span
    /// when the key is not found.
    pub(super) fn key(&self, span: &Range<usize>, key: &str) -> Range<usize> {
        let from = span.start.min(self.0.len());
        let mut offset = from;
        for (i, line) in self.0[from..].split_inclusive('\n').enumerate() {
            let trimmed = line.trim_start();
            if i > 0 && trimmed.starts_with('[') {
                break;
            }
            if trimmed
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
            {
                return offset..offset + line.len();
            }
            offset += line.len();
        }
        span.clone()
    }

    pub(super) fn error(&self, span: Range<usize>, message: impl Into<String>) -> Error {
        Error::Policy {
            line: self.line(span.start),
            message: message.into(),
        }
    }
}
