//! Rewriting without a guard: a swap that marks what it saw, and one that refuses a value.

use super::rewrite;
use crate::refusal::Refusal;
use crate::rule::{Direction, Locator, Operation, Rule, Subject};
use http::{HeaderMap, HeaderValue, StatusCode};
use piiguard::at_rest::TokenTarget;
use piiguard::{Class, schema::PiiField};
use zeroize::Zeroizing;

fn rule(on: Direction, locator: Locator, subject: Subject, optional: bool) -> Rule {
    Rule {
        on,
        operation: match on {
            Direction::Request => Operation::Detokenize,
            Direction::Response => Operation::Tokenize,
        },
        locator,
        target: TokenTarget::named("Payment", "card", PiiField::of(Class::CardNumber)),
        subject,
        optional,
        format: None,
    }
}

fn json_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers
}

/// Swaps `tok_N` for `value-N`, refuses anything else, and records the subjects it was given.
fn swapper(
    subjects: &mut Vec<Option<String>>,
) -> impl FnMut(&Rule, &str, Option<&str>) -> Result<Zeroizing<String>, Refusal> + '_ {
    move |_, value, subject| {
        subjects.push(subject.map(str::to_owned));
        match value.strip_prefix("tok_") {
            Some(n) => Ok(Zeroizing::new(format!("value-{n}"))),
            None => Err(Refusal::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "token refused",
            )),
        }
    }
}

#[test]
fn a_star_step_swaps_every_element_and_the_rest_of_the_document_is_kept() {
    let rules = [rule(
        Direction::Request,
        Locator::json("/cards/*/number").unwrap(),
        Subject::None,
        false,
    )];
    let body = br#"{"cards":[{"number":"tok_1","exp":"12/30"},{"number":"tok_2"}],"amount":12.5,"note":"tok_9"}"#;
    let mut headers = json_headers();
    let mut seen = Vec::new();
    let out = rewrite(
        &rules.iter().collect::<Vec<_>>(),
        &mut headers,
        body,
        &HeaderMap::new(),
        &mut swapper(&mut seen),
    )
    .unwrap()
    .unwrap();
    let out: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(out["cards"][0]["number"], "value-1");
    assert_eq!(out["cards"][1]["number"], "value-2");
    assert_eq!(out["cards"][0]["exp"], "12/30");
    assert_eq!(out["note"], "tok_9", "only the located values are swapped");
    assert_eq!(out["amount"], 12.5);
    assert_eq!(seen.len(), 2);
}

#[test]
fn one_refused_value_refuses_the_whole_message() {
    let rules = [rule(
        Direction::Request,
        Locator::json("/cards/*").unwrap(),
        Subject::None,
        false,
    )];
    let mut headers = json_headers();
    let mut seen = Vec::new();
    let refused = rewrite(
        &rules.iter().collect::<Vec<_>>(),
        &mut headers,
        br#"{"cards":["tok_1","4111111111111111","tok_3"]}"#,
        &HeaderMap::new(),
        &mut swapper(&mut seen),
    )
    .unwrap_err();
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(seen.len(), 2, "the swap stops at the first refusal");
}

#[test]
fn absent_values_refuse_a_request_unless_optional_and_pass_in_a_response() {
    let body = br#"{"other":1}"#;
    for (on, optional, refused) in [
        (Direction::Request, false, true),
        (Direction::Request, true, false),
        (Direction::Response, false, false),
    ] {
        let rules = [rule(
            on,
            Locator::json("/card").unwrap(),
            Subject::None,
            optional,
        )];
        let mut seen = Vec::new();
        let result = rewrite(
            &rules.iter().collect::<Vec<_>>(),
            &mut json_headers(),
            body,
            &HeaderMap::new(),
            &mut swapper(&mut seen),
        );
        assert_eq!(result.is_err(), refused, "{on:?} optional={optional}");
        if let Err(refusal) = result {
            assert_eq!(refusal.status, StatusCode::BAD_REQUEST);
            assert!(
                refusal.message.contains("has no JSON /card"),
                "{}",
                refusal.message
            );
        }
    }
}

#[test]
fn a_response_value_is_tokenized_for_its_subject_and_numbers_count_as_values() {
    let rules = [rule(
        Direction::Response,
        Locator::json("/card").unwrap(),
        Subject::Json(Locator::pointer("/customer/id").unwrap()),
        false,
    )];
    let mut seen = Vec::new();
    let mut swap = |_: &Rule, value: &str, subject: Option<&str>| {
        seen.push((value.to_owned(), subject.map(str::to_owned)));
        Ok(Zeroizing::new("tok_new".to_owned()))
    };
    let out = rewrite(
        &rules.iter().collect::<Vec<_>>(),
        &mut json_headers(),
        br#"{"customer":{"id":42},"card":4111111111111111}"#,
        &HeaderMap::new(),
        &mut swap,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        seen,
        [("4111111111111111".to_owned(), Some("42".to_owned()))]
    );
    let out: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(out["card"], "tok_new");
}

#[test]
fn form_fields_and_headers_are_swapped_every_time_they_occur() {
    let rules = [
        rule(
            Direction::Request,
            Locator::Form("card".into()),
            Subject::None,
            false,
        ),
        rule(
            Direction::Request,
            Locator::header("x-card").unwrap(),
            Subject::None,
            false,
        ),
    ];
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    headers.append("x-card", HeaderValue::from_static("tok_5"));
    headers.append("x-card", HeaderValue::from_static("tok_6"));
    let mut seen = Vec::new();
    let out = rewrite(
        &rules.iter().collect::<Vec<_>>(),
        &mut headers,
        b"card=tok_1&note=a+b&card=tok_2",
        &HeaderMap::new(),
        &mut swapper(&mut seen),
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        std::str::from_utf8(&out).unwrap(),
        "card=value-1&note=a+b&card=value-2"
    );
    let cards: Vec<&str> = headers
        .get_all("x-card")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(cards, ["value-5", "value-6"]);
    assert!(headers.get("x-card").unwrap().is_sensitive());
}

#[test]
fn a_body_of_another_kind_or_malformed_is_refused() {
    let rules = [rule(
        Direction::Request,
        Locator::json("/card").unwrap(),
        Subject::None,
        false,
    )];
    let mut text = HeaderMap::new();
    text.insert("content-type", HeaderValue::from_static("text/plain"));
    let mut seen = Vec::new();
    let refused = rewrite(
        &rules.iter().collect::<Vec<_>>(),
        &mut text,
        b"card=tok_1",
        &HeaderMap::new(),
        &mut swapper(&mut seen),
    )
    .unwrap_err();
    assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let refused = rewrite(
        &rules.iter().collect::<Vec<_>>(),
        &mut json_headers(),
        b"{\"card\":",
        &HeaderMap::new(),
        &mut swapper(&mut seen),
    )
    .unwrap_err();
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.message.contains("not valid JSON"));
    assert!(seen.is_empty());
}
