//! Rewriting one message by the rules of one direction: every value a rule locates is swapped
//! (detokenized or tokenized) and the body rebuilt — in a zeroizing buffer — or the whole
//! message is refused. A message is never passed on with some values swapped and others not.

use super::refusal::Refusal;
use super::rule::{Direction, Locator, Rule, Step, Subject};
use http::HeaderMap;
use serde_json::Value;
use zeroize::Zeroizing;

/// What swaps one value: the rule, the value, its subject (tokenizing only).
pub(crate) type Swap<'a> =
    dyn FnMut(&Rule, &str, Option<&str>) -> Result<Zeroizing<String>, Refusal> + 'a;

/// Rewrites `headers` and `body` by `rules` (all of one direction). `caller` is the caller's
/// request headers, where a `subject_header` is read. Returns the new body, or `None` when no
/// rule reads the body.
pub(crate) fn rewrite(
    rules: &[&Rule],
    headers: &mut HeaderMap,
    body: &[u8],
    caller: &HeaderMap,
    swap: &mut Swap<'_>,
) -> Result<Option<Zeroizing<Vec<u8>>>, Refusal> {
    for rule in rules {
        if let Locator::Header(name) = &rule.locator {
            header(rule, name, headers, caller, swap)?;
        }
    }
    let json: Vec<&Rule> = rules
        .iter()
        .copied()
        .filter(|r| matches!(r.locator, Locator::Json(_)))
        .collect();
    let form: Vec<&Rule> = rules
        .iter()
        .copied()
        .filter(|r| matches!(r.locator, Locator::Form(_)))
        .collect();
    let media = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let is = |kind: &str| match &media {
        Some(m) => m == kind || (kind == "application/json" && m.ends_with("+json")),
        None => false,
    };
    if !json.is_empty() && !body.is_empty() && is("application/json") {
        return json_body(&json, body, caller, swap).map(Some);
    }
    if !form.is_empty() && !body.is_empty() && is("application/x-www-form-urlencoded") {
        return form_body(&form, body, caller, swap).map(Some);
    }
    // The body is not of a kind the route's body rules read.
    for rule in json.iter().chain(&form) {
        if !body.is_empty() {
            return Err(Refusal::media(rule, media.as_deref()));
        }
        missing(rule)?;
    }
    Ok(None)
}

/// A rule whose value is absent: refused for a request (unless optional); a response simply
/// has nothing to tokenize.
fn missing(rule: &Rule) -> Result<(), Refusal> {
    if rule.on == Direction::Request && !rule.optional {
        return Err(Refusal::missing(rule));
    }
    Ok(())
}

fn header(
    rule: &Rule,
    name: &http::HeaderName,
    headers: &mut HeaderMap,
    caller: &HeaderMap,
    swap: &mut Swap<'_>,
) -> Result<(), Refusal> {
    let values: Vec<http::HeaderValue> = headers.get_all(name).iter().cloned().collect();
    if values.is_empty() {
        return missing(rule);
    }
    let subject = header_subject(rule, caller)?;
    let mut swapped = Vec::with_capacity(values.len());
    for value in &values {
        let text = value
            .to_str()
            .map_err(|_| Refusal::shape(rule, "not text"))?;
        let new = swap(rule, text, subject.as_deref())?;
        let mut new = http::HeaderValue::from_str(&new)
            .map_err(|_| Refusal::shape(rule, "its value cannot be a header"))?;
        new.set_sensitive(true);
        swapped.push(new);
    }
    headers.remove(name);
    for value in swapped {
        headers.append(name.clone(), value);
    }
    Ok(())
}

/// The subject named by a rule's `subject_header`, if it has one.
fn header_subject(rule: &Rule, caller: &HeaderMap) -> Result<Option<String>, Refusal> {
    match &rule.subject {
        Subject::Header(name) => caller
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| Some(v.to_owned()))
            .ok_or_else(|| Refusal::subject(rule)),
        _ => Ok(None),
    }
}

fn json_body(
    rules: &[&Rule],
    body: &[u8],
    caller: &HeaderMap,
    swap: &mut Swap<'_>,
) -> Result<Zeroizing<Vec<u8>>, Refusal> {
    let mut document: Value =
        serde_json::from_slice(body).map_err(|_| Refusal::malformed(rules[0], "JSON"))?;
    for rule in rules {
        let Locator::Json(steps) = &rule.locator else {
            continue;
        };
        let subject = match &rule.subject {
            Subject::Json(pointer) => {
                Some(json_subject(&document, pointer).ok_or_else(|| Refusal::subject(rule))?)
            }
            _ => header_subject(rule, caller)?,
        };
        let mut each = |node: &mut Value| -> Result<(), Refusal> {
            let text = match node {
                Value::String(text) => std::mem::take(text),
                Value::Number(n) if rule.on == Direction::Response => n.to_string(),
                _ => return Err(Refusal::shape(rule, "not a string")),
            };
            let text = Zeroizing::new(text);
            let new = swap(rule, &text, subject.as_deref())?;
            *node = Value::String(new.as_str().to_owned());
            Ok(())
        };
        if visit(&mut document, steps, &mut each)? == 0 {
            missing(rule)?;
        }
    }
    let mut out = Zeroizing::new(Vec::with_capacity(body.len() + body.len() / 2));
    serde_json::to_writer(&mut *out, &document)
        .map_err(|_| Refusal::malformed(rules[0], "JSON"))?;
    wipe(document);
    Ok(out)
}

/// Replaces every string of a document that was rewritten with empty text before it drops
/// (the global allocator wipes freed memory as well; this does not depend on it).
fn wipe(mut document: Value) {
    fn walk(value: &mut Value) {
        match value {
            Value::String(text) => zeroize::Zeroize::zeroize(text),
            Value::Array(items) => items.iter_mut().for_each(walk),
            Value::Object(map) => map.values_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut document);
}

fn json_subject(document: &Value, pointer: &[Step]) -> Option<String> {
    let mut at = document;
    for step in pointer {
        let Step::Key(key) = step else { return None };
        at = match at {
            Value::Object(map) => map.get(key)?,
            Value::Array(items) => items.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match at {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Calls `each` on every non-null value `steps` lead to; returns how many.
fn visit(
    value: &mut Value,
    steps: &[Step],
    each: &mut dyn FnMut(&mut Value) -> Result<(), Refusal>,
) -> Result<usize, Refusal> {
    let Some((step, rest)) = steps.split_first() else {
        if value.is_null() {
            return Ok(0);
        }
        each(value)?;
        return Ok(1);
    };
    let mut count = 0;
    match (step, value) {
        (Step::Any, Value::Array(items)) => {
            for item in items {
                count += visit(item, rest, each)?;
            }
        }
        (Step::Any, Value::Object(map)) => {
            for item in map.values_mut() {
                count += visit(item, rest, each)?;
            }
        }
        (Step::Key(key), Value::Object(map)) => {
            if let Some(item) = map.get_mut(key) {
                count += visit(item, rest, each)?;
            }
        }
        (Step::Key(key), Value::Array(items)) => {
            if let Some(item) = key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                count += visit(item, rest, each)?;
            }
        }
        _ => {}
    }
    Ok(count)
}

fn form_body(
    rules: &[&Rule],
    body: &[u8],
    caller: &HeaderMap,
    swap: &mut Swap<'_>,
) -> Result<Zeroizing<Vec<u8>>, Refusal> {
    let mut pairs: Vec<(String, Zeroizing<String>)> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), Zeroizing::new(v.into_owned())))
        .collect();
    for rule in rules {
        let Locator::Form(name) = &rule.locator else {
            continue;
        };
        let subject = header_subject(rule, caller)?;
        let mut found = 0;
        for (_, value) in pairs.iter_mut().filter(|(k, _)| k == name) {
            *value = swap(rule, value, subject.as_deref())?;
            found += 1;
        }
        if found == 0 {
            missing(rule)?;
        }
    }
    let mut out = form_urlencoded::Serializer::new(String::with_capacity(body.len() * 2));
    for (key, value) in &pairs {
        out.append_pair(key, value);
    }
    Ok(Zeroizing::new(out.finish().into_bytes()))
}

#[cfg(test)]
mod tests;
