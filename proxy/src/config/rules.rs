//! One `[[route.rule]]` as the file writes it, and its checks: a location, an operation that
//! fits its direction, a class the library knows, a format, and whose values it takes.

use super::super::rule::{Direction, Locator, Operation, Rule, Subject};
use piiguard::at_rest::TokenTarget;
use piiguard::token::TokenFormat;
use piiguard::{Class, schema::PiiField};
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleFile {
    on: Direction,
    operation: Operation,
    #[serde(default)]
    json: Option<String>,
    #[serde(default)]
    form: Option<String>,
    #[serde(default)]
    header: Option<String>,
    record: String,
    field: String,
    class: Spanned<String>,
    #[serde(default)]
    subject_json: Option<String>,
    #[serde(default)]
    subject_header: Option<String>,
    #[serde(default)]
    any_subject: bool,
    #[serde(default)]
    convergent: bool,
    #[serde(default)]
    token_ttl_days: Option<u32>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    format: Option<String>,
}

/// One rule, checked: a location, an operation that fits its direction, a class we know.
pub(super) fn rule_of(rule: RuleFile) -> Result<Rule, String> {
    let locator = match (rule.json, rule.form, rule.header) {
        (Some(pointer), None, None) => Locator::json(&pointer)?,
        (None, Some(name), None) => Locator::Form(name),
        (None, None, Some(name)) => Locator::header(&name)?,
        _ => return Err("a rule names exactly one of `json`, `form` or `header`".into()),
    };
    match (rule.on, rule.operation) {
        (Direction::Request, Operation::Detokenize)
        | (Direction::Response, Operation::Tokenize) => {}
        (Direction::Request, Operation::Tokenize) => {
            return Err(
                "`tokenize` applies to responses (what comes back to the application)".into(),
            );
        }
        (Direction::Response, Operation::Detokenize) => {
            return Err(
                "`detokenize` applies to requests (what goes out to the upstream): the application never receives cleartext"
                    .into(),
            );
        }
    }
    let class = Class::from_name(rule.class.get_ref())
        .ok_or_else(|| format!("{:?} is not a class", rule.class.get_ref()))?;
    let mut pii = PiiField::of(class).with_storage(piiguard::view::Treatment::Tokenize);
    if rule.convergent {
        pii = pii.with_convergent_tokens();
    }
    if let Some(days) = rule.token_ttl_days {
        pii = pii.with_token_ttl_days(days);
    }
    let format = match rule.format.as_deref() {
        None | Some("vault") => None,
        Some("digits") => Some(TokenFormat::Digits),
        Some("alphanumeric") => Some(TokenFormat::Alphanumeric),
        Some("card") => Some(TokenFormat::Card {
            keep_first_six: false,
        }),
        Some("card_keep_first_six") => Some(TokenFormat::Card {
            keep_first_six: true,
        }),
        Some(other) => {
            return Err(format!(
                "format {other:?}: one of vault, digits, alphanumeric, card, card_keep_first_six"
            ));
        }
    };
    if format.is_some()
        && (rule.convergent
            || rule.token_ttl_days.is_some()
            || rule.subject_json.is_some()
            || rule.subject_header.is_some()
            || rule.any_subject)
    {
        return Err("format-preserving (FF1) tokens carry no subject, expiry or `convergent`: they are always deterministic, so the subject of an FF1 token cannot be checked (use vault tokens where it must be)".into());
    }
    let subject = match (rule.subject_json, rule.subject_header) {
        (Some(pointer), None) => Subject::Json(Locator::pointer(&pointer)?),
        (None, Some(name)) => Subject::Header(
            http::HeaderName::try_from(name.as_str())
                .map_err(|_| format!("{name:?} is not a header name"))?,
        ),
        (None, None) => Subject::None,
        (Some(_), Some(_)) => return Err("`subject_json` or `subject_header`, not both".into()),
    };
    if matches!(subject, Subject::Json(_)) && !matches!(locator, Locator::Json(_)) {
        return Err(
            "`subject_json` goes with a `json` rule (a form or header rule takes `subject_header`)"
                .into(),
        );
    }
    // A vault token's store entry names its subject: a detokenize rule says where the
    // request names its subject, and a token of another subject is refused.
    match (rule.operation, format, &subject, rule.any_subject) {
        (Operation::Detokenize, None, Subject::None, false) => {
            return Err("a detokenize rule names whose token it takes: `subject_json` or `subject_header` (a token of another subject is then refused), or `any_subject = true`".into());
        }
        (Operation::Detokenize, None, Subject::Json(_) | Subject::Header(_), true) => {
            return Err("`any_subject` or a subject, not both".into());
        }
        (Operation::Tokenize, _, _, true) => {
            return Err("`any_subject` applies to detokenize rules".into());
        }
        _ => {}
    }
    Ok(Rule {
        on: rule.on,
        operation: rule.operation,
        locator,
        target: TokenTarget::named(&rule.record, &rule.field, pii),
        subject,
        optional: rule.optional,
        format,
    })
}
