//! Cross-attribute rules, one function each. Every rule records spanned errors and goes on, so
//! that all mistakes are reported in one build.

use crate::ast::{Container, Field, Shape, Style};
use crate::attr::{Keyword, Spanned, SubjectAttr};
use crate::ctxt::Ctxt;
use quote::ToTokens;
use std::collections::HashSet;

pub(crate) fn check(cx: &Ctxt, cont: &Container<'_>) {
    check_generics(cx, cont);
    for field in &cont.fields {
        check_field_kind(cx, field);
        check_treatments(cx, field);
        check_index(cx, cont, field);
        check_token_options(cx, field);
    }
    check_subject(cx, cont);
    check_unique_names(cx, cont);
}

/// Generic records are not supported yet: the schema is a `const` per type.
fn check_generics(cx: &Ctxt, cont: &Container<'_>) {
    let generics = &cont.input.generics;
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            "#[derive(Classified)] does not support generic structs yet",
        );
    }
}

/// A field is plain, classified (`Pii<T>` with a class) or nested, and its type must agree.
fn check_field_kind(cx: &Ctxt, field: &Field<'_>) {
    let attrs = &field.attrs;
    let ty = field.ty.to_token_stream().to_string().replace(' ', "");
    if let Some(nested) = &attrs.nested {
        if let Some(quasi) = &attrs.quasi {
            cx.syn_error(syn::Error::new(
                quasi.span,
                "`quasi` marks a value to coarsen; a nested record's own fields take it",
            ));
        }
        if attrs.classifies() {
            cx.syn_error(syn::Error::new(
                nested.span,
                "`nested` marks a field holding a Classified record; it cannot be combined with \
                 class, sensitivity, index, masker or treatments",
            ));
        }
        if field.shape == Shape::Protected {
            cx.syn_error(syn::Error::new(
                nested.span,
                "`nested` is for Classified records; a `Pii<T>` field takes `class = …`",
            ));
        }
        return;
    }
    match (field.shape, attrs.class.is_some(), attrs.classifies()) {
        (Shape::Protected, false, _) => cx.error_spanned_by(
            field.ty,
            "a `Pii<T>` field needs a class: #[pii(class = email)] (or another class)",
        ),
        (Shape::Other, _, true) => cx.error_spanned_by(
            field.ty,
            format!(
                "#[pii(class = …)] goes on a `Pii<T>` field (or an Option, Vec or Box of one), \
                 but this field is `{ty}`; wrap the value: `Pii<{ty}>`"
            ),
        ),
        _ => {}
    }
}

/// Each view allows only some treatments; `clear` is never a view's treatment.
fn check_treatments(cx: &Ctxt, field: &Field<'_>) {
    type Rule<'a> = (&'a str, &'a Option<Spanned<Keyword>>, &'a [&'a str]);
    let rules: [Rule<'_>; 3] = [
        ("log", &field.attrs.log, &["Redact", "Mask", "Hash", "Omit"]),
        (
            "storage",
            &field.attrs.storage,
            &["Encrypt", "Hash", "Omit", "Tokenize"],
        ),
        (
            "export",
            &field.attrs.export,
            &["Hash", "Mask", "Redact", "Omit", "Encrypt", "Tokenize"],
        ),
    ];
    for (view, treatment, allowed) in rules {
        let Some(treatment) = treatment else { continue };
        if treatment.value == "Clear" {
            cx.syn_error(syn::Error::new(
                treatment.span,
                format!(
                    "`{view} = clear` is not allowed: cleartext only ever leaves through a reveal"
                ),
            ));
        } else if !allowed.contains(&treatment.value) {
            let names: Vec<String> = allowed.iter().map(|a| a.to_lowercase()).collect();
            cx.syn_error(syn::Error::new(
                treatment.span,
                format!(
                    "the {view} view cannot `{}` a value; expected one of: {}",
                    treatment.value.to_lowercase(),
                    names.join(", ")
                ),
            ));
        }
    }
}

/// `index` writes a `<name>_bidx` column beside an encrypted field: it needs a named field and
/// the storage view's `encrypt`.
fn check_index(cx: &Ctxt, cont: &Container<'_>, field: &Field<'_>) {
    let Some(index) = &field.attrs.index else {
        return;
    };
    if cont.style == Style::Tuple {
        cx.syn_error(syn::Error::new(
            index.span,
            "`index` needs a named field: the blind index is written to a `<field>_bidx` column",
        ));
    }
    if let Some(storage) = field
        .attrs
        .storage
        .as_ref()
        .filter(|s| s.value != "Encrypt")
    {
        cx.syn_error(syn::Error::new(
            storage.span,
            "`index` is written beside an encrypted field: `storage` must stay `encrypt`",
        ));
    }
}

/// `convergent` and `token_ttl_days` describe vault tokens: the field must be tokenized.
fn check_token_options(cx: &Ctxt, field: &Field<'_>) {
    let tokenized = [&field.attrs.storage, &field.attrs.export]
        .iter()
        .any(|t| t.as_ref().is_some_and(|t| t.value == "Tokenize"));
    if tokenized {
        return;
    }
    let spans = [
        field
            .attrs
            .convergent
            .as_ref()
            .map(|c| (c.span, "convergent")),
        field
            .attrs
            .token_ttl_days
            .as_ref()
            .map(|t| (t.span, "token_ttl_days")),
    ];
    for (span, name) in spans.into_iter().flatten() {
        cx.syn_error(syn::Error::new(
            span,
            format!(
                "`{name}` is about vault tokens: add `storage = tokenize` (or `export = tokenize`)"
            ),
        ));
    }
}

/// `subject = x` must name a field that exists and is not itself personal data.
fn check_subject(cx: &Ctxt, cont: &Container<'_>) {
    let Some(subject) = &cont.attrs.subject else {
        return;
    };
    let found = cont.fields.iter().find(|f| match &subject.value {
        SubjectAttr::Named(ident) => matches!(&f.member, syn::Member::Named(m) if m == ident),
        SubjectAttr::Index(index) => index
            .base10_parse::<u32>()
            .is_ok_and(|i| matches!(&f.member, syn::Member::Unnamed(m) if m.index == i)),
    });
    let tokens = match &subject.value {
        SubjectAttr::Named(ident) => ident.to_token_stream(),
        SubjectAttr::Index(index) => index.to_token_stream(),
    };
    match found {
        None => cx.error_spanned_by(
            tokens.clone(),
            format!("`subject = {tokens}` names no field of this struct"),
        ),
        Some(f)
            if f.attrs.classifies() || f.attrs.nested.is_some() || f.shape == Shape::Protected =>
        {
            cx.error_spanned_by(
                tokens,
                "the subject field holds an identifier that is bound into ciphertexts and audit \
                 records, so it cannot itself be classified",
            );
        }
        Some(_) => {}
    }
}

/// Stable names are serialized keys and ciphertext bindings: two fields cannot share one.
fn check_unique_names(cx: &Ctxt, cont: &Container<'_>) {
    let mut seen = HashSet::new();
    for field in &cont.fields {
        let name = field.stable_name();
        if !seen.insert(name.clone()) {
            let at = field
                .attrs
                .name
                .as_ref()
                .map_or_else(|| syn::spanned::Spanned::span(field.original), |n| n.span);
            cx.syn_error(syn::Error::new(
                at,
                format!("two fields have the stable name `{name}`"),
            ));
        }
    }
}
