//! Route paths: `/v1/charges` (exact), `/v1/customers/{id}/cards` (`{…}` is one segment),
//! `/v1/files/*` (the rest of the path, one segment or more). A pattern is matched against a
//! request's normalised segments (`path`), never its raw text.

use super::path;

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
    /// The pattern as written: what audit events and the request log name.
    template: String,
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
                p => path::segment(p)
                    .map(Segment::Literal)
                    .map_err(|why| format!("path {text:?}: {why}")),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            segments,
            rest,
            template: text.to_owned(),
        })
    }

    /// The pattern as written (`/v1/customers/{id}/cards`).
    pub(crate) fn template(&self) -> &str {
        &self.template
    }

    /// Whether a request's normalised segments match.
    pub(crate) fn matches(&self, parts: &[String]) -> bool {
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
                .zip(parts)
                .all(|(segment, part)| match segment {
                    Segment::Literal(text) => text == part,
                    Segment::Any => true,
                })
    }
}

#[cfg(test)]
mod tests {
    use super::PathPattern;
    use crate::path::{normalize, upstream_url};
    use proptest::prelude::*;

    fn matches(pattern: &PathPattern, raw: &str) -> bool {
        normalize(raw).is_ok_and(|segments| pattern.matches(&segments))
    }

    #[test]
    fn literal_parameter_and_rest_patterns_match_what_they_say() {
        let exact = PathPattern::parse("/v1/charges").unwrap();
        assert!(matches(&exact, "/v1/charges"));
        assert!(matches(&exact, "/v1/%63harges"));
        assert!(!matches(&exact, "/v1/charges/ch_1"));
        assert!(!matches(&exact, "/v1/charge"));
        let param = PathPattern::parse("/v1/customers/{id}/cards").unwrap();
        assert!(matches(&param, "/v1/customers/c_42/cards"));
        assert!(!matches(&param, "/v1/customers/cards"));
        assert!(!matches(&param, "/v1/customers/%2e%2e/cards"));
        let rest = PathPattern::parse("/v1/files/*").unwrap();
        assert!(matches(&rest, "/v1/files/a/b"));
        assert!(!matches(&rest, "/v1/files"));
        assert!(!matches(&rest, "/v1/files/../admin"));
        assert!(!matches(&rest, "/v1/files/%2e%2e/declined"));
        assert!(!matches(&exact, "/v1//charges"));
        assert_eq!(param.template(), "/v1/customers/{id}/cards");
    }

    /// Raw paths made of segments that mix the tricks: dots, escapes of every kind, slashes
    /// and backslashes, non-ASCII text.
    fn raw_path() -> impl Strategy<Value = String> {
        let segment = prop_oneof![
            Just("v1".to_owned()),
            Just("files".to_owned()),
            Just("declined".to_owned()),
            Just("..".to_owned()),
            Just(".".to_owned()),
            Just("%2e%2e".to_owned()),
            Just(".%2E".to_owned()),
            Just("%2f".to_owned()),
            Just("%5C".to_owned()),
            Just("%252e".to_owned()),
            "[a-z0-9._~%\\\\:@;=,+!$&'()*-]{0,8}",
            "(%[0-9A-Fa-f]{2}){1,3}",
            "\\PC{1,3}",
        ];
        proptest::collection::vec(segment, 0..6).prop_map(|parts| format!("/{}", parts.join("/")))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Whatever the caller writes, the path the upstream receives normalises to the same
        /// segments, so the matched route's pattern matches it too.
        #[test]
        fn the_upstream_always_receives_a_path_the_matched_pattern_matches(raw in raw_path()) {
            let patterns = ["/v1/files/*", "/v1/{id}", "/v1/files/{id}/declined", "/{a}/{b}/*"]
                .map(|p| PathPattern::parse(p).unwrap());
            let Ok(segments) = normalize(&raw) else { return Ok(()) };
            prop_assert!(segments.iter().all(|s| s != "." && s != ".." && !s.contains(['/', '\\'])));
            let url = upstream_url("localhost", 443, &segments, None).unwrap();
            let received = normalize(url.path());
            prop_assert_eq!(received.as_ref(), Ok(&segments), "{} -> {}", raw, url);
            for pattern in &patterns {
                if pattern.matches(&segments) {
                    prop_assert!(pattern.matches(&received.clone().unwrap()));
                }
            }
        }
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
