//! Default-deny on the way back: after a route's response rules have tokenized what they
//! cover, the whole response — every header (`Location` included) and the body — is scanned
//! by the scrubber, and a finding of a class the caller may not see in the clear refuses it.
//! A route that must pass its responses on as they are says `pass_through = true`.
//!
//! A compressed body cannot be read, so it is refused the same way; credentials the scrubber
//! finds (a JWT, a bearer token) and classes the library does not know are never the caller's
//! to see.
//!
//! On the way out, [`stray_token`] finds a vault token that no rule of the route read — in
//! the body, a forwarded header or the query — which would reach the third party as it is.

use http::HeaderMap;
use piiguard::policy::Target;
use piiguard::scrub::Scrubber;
use piiguard::token::{TOKEN_PREFIX, TokenInfo};
use piiguard::{Access, Class, Guard, Principal};

/// Where a finding was: a header's name, or the body.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Withheld {
    pub(crate) class: &'static str,
    pub(crate) place: String,
}

impl std::fmt::Display for Withheld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a value of class {} in {}", self.class, self.place)
    }
}

/// Whether the policy lets `principal` see values of the scrubber's class tag `class` in the
/// clear, for `purpose`. Credentials and tags that are no class of the library's (a JWT, a
/// bearer token, a MAC address) never are.
pub(crate) fn visible(guard: &Guard, principal: &Principal, purpose: &str, class: &str) -> bool {
    let Some(class) = Class::from_name(class) else {
        return false;
    };
    guard
        .policy()
        .decide(
            principal,
            &Access::new(purpose),
            &Target::new(class.name(), class.sensitivity()),
            guard.keyring().environment(),
        )
        .reveals()
}

/// The first finding in `headers` and `body` of a class `may_see` refuses, if any.
pub(crate) fn withheld(
    scrubber: &Scrubber,
    headers: &HeaderMap,
    body: &[u8],
    may_see: &dyn Fn(&str) -> bool,
) -> Option<Withheld> {
    if let Some(encoding) = headers.get(http::header::CONTENT_ENCODING)
        && !encoding.as_bytes().eq_ignore_ascii_case(b"identity")
        && !body.is_empty()
    {
        return Some(Withheld {
            class: "unknown",
            place: "a compressed body, which cannot be checked".into(),
        });
    }
    for (name, value) in headers {
        let text = String::from_utf8_lossy(value.as_bytes());
        if let Some(finding) = scrubber.find(&text).iter().find(|f| !may_see(f.class)) {
            return Some(Withheld {
                class: finding.class,
                place: format!("header {name}"),
            });
        }
    }
    let text = match std::str::from_utf8(body) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        // Not UTF-8: its readable runs are scanned (the copy is wiped).
        Err(_) => std::borrow::Cow::Owned(String::from_utf8_lossy(body).into_owned()),
    };
    let found = scrubber
        .find(&text)
        .iter()
        .find(|f| !may_see(f.class))
        .map(|finding| Withheld {
            class: finding.class,
            place: "the body".into(),
        });
    if let std::borrow::Cow::Owned(mut copy) = text {
        zeroize::Zeroize::zeroize(&mut copy);
    }
    found
}

/// Where a vault token is in an outbound request after its rules were applied (each one a
/// rule read is a value by now): a header's name, `the query` or `the body`.
pub(crate) fn stray_token(headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Option<String> {
    let holds = |bytes: &[u8]| {
        let prefix = TOKEN_PREFIX.as_bytes();
        let mut from = 0;
        while let Some(at) = bytes[from..]
            .windows(prefix.len())
            .position(|w| w == prefix)
            .map(|i| from + i)
        {
            let end = bytes[at + prefix.len()..]
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')))
                .map_or(bytes.len(), |n| at + prefix.len() + n);
            if std::str::from_utf8(&bytes[at..end]).is_ok_and(|t| TokenInfo::parse(t).is_ok()) {
                return true;
            }
            from = at + prefix.len();
        }
        false
    };
    if let Some((name, _)) = headers.iter().find(|(_, v)| holds(v.as_bytes())) {
        return Some(format!("header {name}"));
    }
    if query.is_some_and(|q| holds(q.as_bytes())) {
        return Some("the query".into());
    }
    holds(body).then(|| "the body".into())
}

#[cfg(test)]
mod tests {
    use super::{stray_token, withheld};
    use http::{HeaderMap, HeaderValue};
    use piiguard::scrub::Scrubber;

    #[test]
    fn a_value_anywhere_in_a_response_is_found_unless_the_caller_may_see_its_class() {
        let scrubber = Scrubber::new();
        let cards_ok = |class: &str| class == "card_number";
        let nothing = |_: &str| false;
        let body = br#"{"id":"ch_1","card":"4111111111111111"}"#;
        let none = HeaderMap::new();
        let found = withheld(&scrubber, &none, body, &nothing).unwrap();
        assert_eq!(
            (found.class, found.place.as_str()),
            ("card_number", "the body")
        );
        assert!(!found.to_string().contains("4111"));
        assert_eq!(withheld(&scrubber, &none, body, &cards_ok), None);
        let mut redirect = HeaderMap::new();
        redirect.insert(
            "location",
            HeaderValue::from_static("https://shop.example.com/cards/4111111111111111"),
        );
        let found = withheld(&scrubber, &redirect, b"", &nothing).unwrap();
        assert_eq!(found.place, "header location");
        let mut gzip = HeaderMap::new();
        gzip.insert("content-encoding", HeaderValue::from_static("gzip"));
        assert!(withheld(&scrubber, &gzip, b"\x1f\x8b...", &cards_ok).is_some());
        assert_eq!(
            withheld(&scrubber, &none, br#"{"id":"ch_1"}"#, &nothing),
            None
        );
    }

    #[test]
    fn a_vault_token_left_anywhere_in_a_request_is_found() {
        use piiguard::keys::{Environment, Keyring};
        let guard = piiguard::Guard::builder(Keyring::in_memory(Environment::Dev))
            .audit(std::sync::Arc::new(piiguard::audit::MemorySink::new()))
            .tokens(std::sync::Arc::new(piiguard::token::MemoryTokenStore::new()))
            .build()
            .unwrap();
        let target = piiguard::at_rest::TokenTarget::named(
            "Payment",
            "card",
            piiguard::schema::PiiField::of(piiguard::Class::CardNumber)
                .with_storage(piiguard::view::Treatment::Tokenize),
        );
        let token = guard
            .storage()
            .tokenize(&target, Some(&7), "4111111111111111")
            .unwrap();
        let none = HeaderMap::new();
        let body = format!(r#"{{"card":"4111111111111111","note":"{token}"}}"#);
        assert_eq!(
            stray_token(&none, None, body.as_bytes()).as_deref(),
            Some("the body")
        );
        let query = format!("ref={token}&page=2");
        assert_eq!(
            stray_token(&none, Some(&query), b"{}").as_deref(),
            Some("the query")
        );
        let mut headers = HeaderMap::new();
        headers.insert("idempotency-key", HeaderValue::from_str(&token).unwrap());
        assert_eq!(
            stray_token(&headers, None, b"").as_deref(),
            Some("header idempotency-key")
        );
        // Text that only looks like the start of one is no token.
        assert_eq!(stray_token(&none, Some("q=tok_abc"), b"tok_ tok_zz"), None);
    }
}
