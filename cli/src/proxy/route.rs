//! Route paths: `/v1/charges` (exact), `/v1/customers/{id}/cards` (`{…}` is one segment),
//! `/v1/files/*` (the rest of the path, one segment or more).

/// One segment of a pattern.
#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Any,
}

/// A route's path pattern.
#[derive(Debug)]
pub(crate) struct PathPattern {
    segments: Vec<Segment>,
    rest: bool,
}

impl PathPattern {
    /// Parses a pattern; it starts with `/`, and `*` may only end it.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let Some(body) = text.strip_prefix('/') else {
            return Err(format!("path {text:?} must start with '/'"));
        };
        if text.contains(['?', '#']) {
            return Err(format!(
                "path {text:?}: a pattern matches the path only, without a query"
            ));
        }
        let mut parts: Vec<&str> = if body.is_empty() {
            Vec::new()
        } else {
            body.split('/').collect()
        };
        let rest = parts.last() == Some(&"*");
        if rest {
            parts.pop();
        }
        let segments = parts
            .into_iter()
            .map(|part| match part {
                "*" => Err(format!("path {text:?}: '*' may only end a pattern")),
                p if p.starts_with('{') && p.ends_with('}') && p.len() > 2 => Ok(Segment::Any),
                p if p.contains(['{', '}']) => {
                    Err(format!("path {text:?}: '{{name}}' must be a whole segment"))
                }
                p => Ok(Segment::Literal(p.to_owned())),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { segments, rest })
    }

    /// Whether `path` (without its query) matches.
    pub(crate) fn matches(&self, path: &str) -> bool {
        let Some(body) = path.strip_prefix('/') else {
            return false;
        };
        let parts: Vec<&str> = if body.is_empty() {
            Vec::new()
        } else {
            body.split('/').collect()
        };
        // A path that walks up (`..`) or holds empty segments is never matched.
        if parts
            .iter()
            .any(|p| *p == ".." || *p == "." || p.is_empty())
        {
            return false;
        }
        let fixed = self.segments.len();
        let length_ok = if self.rest {
            parts.len() > fixed
        } else {
            parts.len() == fixed
        };
        length_ok
            && self
                .segments
                .iter()
                .zip(&parts)
                .all(|(segment, part)| match segment {
                    Segment::Literal(text) => text == part,
                    Segment::Any => true,
                })
    }
}

#[cfg(test)]
mod tests {
    use super::PathPattern;

    #[test]
    fn literal_parameter_and_rest_patterns_match_what_they_say() {
        let exact = PathPattern::parse("/v1/charges").unwrap();
        assert!(exact.matches("/v1/charges"));
        assert!(!exact.matches("/v1/charges/ch_1"));
        assert!(!exact.matches("/v1/charge"));
        let param = PathPattern::parse("/v1/customers/{id}/cards").unwrap();
        assert!(param.matches("/v1/customers/c_42/cards"));
        assert!(!param.matches("/v1/customers/cards"));
        let rest = PathPattern::parse("/v1/files/*").unwrap();
        assert!(rest.matches("/v1/files/a/b"));
        assert!(!rest.matches("/v1/files"));
        assert!(!rest.matches("/v1/files/../admin"));
        assert!(!exact.matches("/v1//charges"));
    }

    #[test]
    fn malformed_patterns_are_refused_with_the_reason() {
        for (text, why) in [
            ("v1/charges", "must start with '/'"),
            ("/v1/*/x", "'*' may only end"),
            ("/v1/c{id}", "whole segment"),
            ("/v1/charges?x=1", "without a query"),
        ] {
            let error = PathPattern::parse(text).unwrap_err();
            assert!(error.contains(why), "{text}: {error}");
        }
    }
}
