//! A route's rules: where a value is (a JSON pointer, a form field, a header), which way it
//! goes (out in the request, back in the response) and what is done to it (detokenize,
//! tokenize). The rewriting itself is in `rewrite`.

use piiguard::at_rest::TokenTarget;
use piiguard::token::TokenFormat;
use serde::Deserialize;

/// Which message a rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Direction {
    /// The caller's request, on its way out to the upstream.
    Request,
    /// The upstream's response, on its way back to the caller.
    Response,
}

/// What a rule does to each value it finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Operation {
    /// A vault token becomes its value (outbound requests only), under the policy, audited.
    Detokenize,
    /// A value becomes a vault token (responses only), before the application sees it.
    Tokenize,
}

/// One step of a JSON pointer: a member name or array index, or `*` (every element).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Any,
}

/// Where a rule's values are.
#[derive(Debug, Clone)]
pub(crate) enum Locator {
    /// An RFC 6901 JSON pointer, where a `*` step matches every element of an array or every
    /// member of an object.
    Json(Vec<Step>),
    /// An `application/x-www-form-urlencoded` field, every occurrence.
    Form(String),
    /// A header, every occurrence.
    Header(http::HeaderName),
}

impl Locator {
    /// A JSON pointer with `*` steps allowed.
    pub(crate) fn json(pointer: &str) -> Result<Self, String> {
        parse_pointer(pointer, true).map(Self::Json)
    }

    /// A JSON pointer naming one place (no `*`).
    pub(crate) fn pointer(pointer: &str) -> Result<Vec<Step>, String> {
        parse_pointer(pointer, false)
    }

    /// A header; `authorization`, `host` and the hop-by-hop ones cannot be rewritten.
    pub(crate) fn header(name: &str) -> Result<Self, String> {
        let header = http::HeaderName::try_from(name)
            .map_err(|_| format!("{name:?} is not a header name"))?;
        const RESERVED: [&str; 6] = [
            "authorization",
            "host",
            "content-length",
            "transfer-encoding",
            "connection",
            "content-type",
        ];
        if RESERVED.contains(&header.as_str()) {
            return Err(format!("the {name} header cannot be rewritten"));
        }
        Ok(Self::Header(header))
    }

    /// How the location is named in refusals.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Json(steps) => {
                let mut out = String::new();
                for step in steps {
                    out.push('/');
                    match step {
                        Step::Key(key) => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
                        Step::Any => out.push('*'),
                    }
                }
                format!("JSON {out}")
            }
            Self::Form(name) => format!("form field {name}"),
            Self::Header(name) => format!("header {name}"),
        }
    }
}

fn parse_pointer(pointer: &str, any: bool) -> Result<Vec<Step>, String> {
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(format!("JSON pointer {pointer:?} must start with '/'"));
    };
    rest.split('/')
        .map(|step| match step {
            "*" if any => Ok(Step::Any),
            "*" => Err(format!(
                "JSON pointer {pointer:?} must name one place (no '*')"
            )),
            "" => Err(format!("JSON pointer {pointer:?} has an empty step")),
            step => Ok(Step::Key(step.replace("~1", "/").replace("~0", "~"))),
        })
        .collect()
}

/// Whose value a tokenized value is: its subject's key encrypts it, and forgetting the
/// subject shreds its token.
#[derive(Debug, Clone)]
pub(crate) enum Subject {
    /// None: the token's entry has no subject.
    None,
    /// A JSON pointer into the same body.
    Json(Vec<Step>),
    /// A header of the caller's request.
    Header(http::HeaderName),
}

/// One rule of a route.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) on: Direction,
    pub(crate) operation: Operation,
    pub(crate) locator: Locator,
    pub(crate) target: TokenTarget,
    pub(crate) subject: Subject,
    /// Whether a request without the value passes (otherwise it is refused).
    pub(crate) optional: bool,
    /// FF1 tokens of this format; `None`: vault tokens.
    pub(crate) format: Option<TokenFormat>,
}
