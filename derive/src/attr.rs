//! Parsing of `#[pii(...)]` attributes into typed values. Each key may appear once; unknown keys
//! and unknown values are spanned errors.

use crate::ctxt::Ctxt;
use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::parse::Parse as _;
use syn::{Ident, LitStr, Path};

use crate::names::{ClassName, Sensitivity, Treatment};

/// `(attribute name, runtime variant)` pairs, from the runtime's own name table.
macro_rules! table {
    ($names:ty) => {
        <$names>::ALL
            .iter()
            .map(|v| (v.name(), v.variant()))
            .collect::<Vec<(&'static str, &'static str)>>()
    };
}

/// The built-in classes: attribute name and `piiguard::Class` variant.
pub(crate) fn classes() -> Vec<(&'static str, &'static str)> {
    table!(ClassName)
}

fn sensitivities() -> Vec<(&'static str, &'static str)> {
    table!(Sensitivity)
}

fn treatments() -> Vec<(&'static str, &'static str)> {
    table!(Treatment)
}

/// A value with the span of the attribute that set it.
pub(crate) struct Spanned<T> {
    pub(crate) span: Span,
    pub(crate) value: T,
}

/// A class: a built-in (by name) or a custom `const Class` path.
pub(crate) enum ClassAttr {
    BuiltIn(&'static str),
    Custom(Path),
    /// A class was given but is not known (already reported); keeps later checks quiet.
    Unknown,
}

/// A keyword chosen from a fixed table (sensitivity, treatment): its variant name.
pub(crate) type Keyword = &'static str;

/// The subject of a record: a named field or a tuple index.
pub(crate) enum SubjectAttr {
    Named(Ident),
    Index(syn::LitInt),
}

#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) subject: Option<Spanned<SubjectAttr>>,
    pub(crate) name: Option<Spanned<String>>,
    /// `display = false`: no `Display` impl (the record has its own).
    pub(crate) display: Option<Spanned<bool>>,
    /// `stored_in = "postgres:customers"`: where the application stores records of the type.
    pub(crate) stored_in: Option<Spanned<String>>,
    /// `synthetic`: implement `Synthetic` (with piiguard's `testdata` feature).
    pub(crate) synthetic: Option<Spanned<()>>,
}

#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) class: Option<Spanned<ClassAttr>>,
    pub(crate) sensitivity: Option<Spanned<Keyword>>,
    pub(crate) name: Option<Spanned<String>>,
    pub(crate) log: Option<Spanned<Keyword>>,
    pub(crate) storage: Option<Spanned<Keyword>>,
    pub(crate) export: Option<Spanned<Keyword>>,
    pub(crate) index: Option<Spanned<()>>,
    pub(crate) masker: Option<Spanned<Path>>,
    pub(crate) nested: Option<Spanned<()>>,
    /// `convergent`: equal values get equal vault tokens.
    pub(crate) convergent: Option<Spanned<()>>,
    /// `token_ttl_days = N`: vault tokens expire N days after they are made.
    pub(crate) token_ttl_days: Option<Spanned<u32>>,
    /// `quasi` / `quasi = year`: a quasi-identifier of the anonymized export, and how it is
    /// coarsened (the `Generalize` variant and its numbers).
    pub(crate) quasi: Option<Spanned<(&'static str, Vec<u8>)>>,
}

impl FieldAttrs {
    /// Whether any attribute that only makes sense on a classified value is set.
    pub(crate) fn classifies(&self) -> bool {
        self.class.is_some()
            || self.sensitivity.is_some()
            || self.log.is_some()
            || self.storage.is_some()
            || self.export.is_some()
            || self.index.is_some()
            || self.masker.is_some()
            || self.convergent.is_some()
            || self.token_ttl_days.is_some()
    }
}

/// Stores a value, reporting a duplicate key at its second occurrence.
fn set<T>(cx: &Ctxt, slot: &mut Option<Spanned<T>>, meta: &ParseNestedMeta<'_>, value: T) {
    let span = meta
        .path
        .get_ident()
        .map_or_else(Span::call_site, Ident::span);
    if slot.is_some() {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        cx.error_spanned_by(&meta.path, format!("duplicate `{key}` in #[pii(...)]"));
        return;
    }
    *slot = Some(Spanned { span, value });
}

/// Reads `= ident` and looks it up in a table, reporting unknown keywords with the valid ones.
fn keyword(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    what: &str,
    table: &[(&'static str, &'static str)],
) -> syn::Result<Option<Keyword>> {
    let ident: Ident = meta.value()?.parse()?;
    let text = ident.to_string();
    match table.iter().find(|(name, _)| *name == text) {
        Some((_, variant)) => Ok(Some(variant)),
        None => {
            let valid: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
            cx.error_spanned_by(
                &ident,
                format!(
                    "unknown {what} `{text}`; expected one of: {}",
                    valid.join(", ")
                ),
            );
            Ok(None)
        }
    }
}

fn stable_name(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<String>> {
    let lit: LitStr = meta.value()?.parse()?;
    let name = lit.value();
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(Some(name))
    } else {
        cx.error_spanned_by(
            &lit,
            "a stable name is non-empty ASCII letters, digits, `_`, `-` or `.`",
        );
        Ok(None)
    }
}

/// `quasi`, or `quasi = by_class | keep | year | age_band(N) | prefix(N) | network(V4, V6) |
/// cell(N)`: the `Generalize` variant and its numbers.
fn quasi(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<(&'static str, Vec<u8>)>> {
    if !meta.input.peek(syn::Token![=]) {
        return Ok(Some(("ByClass", Vec::new())));
    }
    let how: Ident = meta.value()?.parse()?;
    let mut numbers = Vec::new();
    if meta.input.peek(syn::token::Paren) {
        let inner;
        syn::parenthesized!(inner in meta.input);
        let list = inner.parse_terminated(syn::LitInt::parse, syn::Token![,])?;
        for n in list {
            match n.base10_parse::<u8>() {
                Ok(v) => numbers.push(v),
                Err(_) => {
                    cx.error_spanned_by(&n, "a number from 0 to 255");
                    return Ok(None);
                }
            }
        }
    }
    let table: [(&str, &'static str, usize); 7] = [
        ("by_class", "ByClass", 0),
        ("keep", "Keep", 0),
        ("year", "Year", 0),
        ("age_band", "AgeBand", 1),
        ("prefix", "Prefix", 1),
        ("network", "Network", 2),
        ("cell", "Cell", 1),
    ];
    match table.iter().find(|(name, _, _)| how == name) {
        Some((_, variant, arity)) if *arity == numbers.len() => Ok(Some((variant, numbers))),
        _ => {
            cx.error_spanned_by(
                &how,
                "expected `quasi`, or `quasi = ` one of: by_class, keep, year, age_band(N), \
                 prefix(N), network(V4, V6), cell(N)",
            );
            Ok(None)
        }
    }
}

fn pii_attrs(attrs: &[syn::Attribute]) -> impl Iterator<Item = &syn::Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("pii"))
}

pub(crate) fn container(cx: &Ctxt, attrs: &[syn::Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in pii_attrs(attrs) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("subject") {
                let value = meta.value()?;
                let subject = if value.peek(syn::LitInt) {
                    SubjectAttr::Index(value.parse()?)
                } else {
                    SubjectAttr::Named(value.parse()?)
                };
                set(cx, &mut out.subject, &meta, subject);
            } else if meta.path.is_ident("name") {
                if let Some(name) = stable_name(cx, &meta)? {
                    set(cx, &mut out.name, &meta, name);
                }
            } else if meta.path.is_ident("display") {
                let flag: syn::LitBool = meta.value()?.parse()?;
                set(cx, &mut out.display, &meta, flag.value);
            } else if meta.path.is_ident("synthetic") {
                set(cx, &mut out.synthetic, &meta, ());
            } else if meta.path.is_ident("stored_in") {
                let lit: LitStr = meta.value()?.parse()?;
                let place = lit.value();
                if place.trim().is_empty() || place.chars().any(char::is_control) {
                    cx.error_spanned_by(
                        &lit,
                        "`stored_in` names a place, such as \"postgres:customers\"",
                    );
                } else {
                    set(cx, &mut out.stored_in, &meta, place);
                }
            } else {
                cx.error_spanned_by(
                    &meta.path,
                    "unknown #[pii] container attribute; expected `subject`, `name`, `display`, `stored_in` or `synthetic`",
                );
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = parsed {
            cx.syn_error(e);
        }
    }
    out
}

pub(crate) fn field(cx: &Ctxt, attrs: &[syn::Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in pii_attrs(attrs) {
        let parsed = attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            if path.is_ident("class") {
                let value = meta.value()?;
                let class = if value.peek(Ident) && value.peek2(syn::token::Paren) {
                    let custom: Ident = value.parse()?;
                    if custom != "custom" {
                        cx.error_spanned_by(&custom, "expected `custom(PATH)` or a built-in class");
                        let _skipped;
                        syn::parenthesized!(_skipped in value);
                        return Ok(());
                    }
                    let inner;
                    syn::parenthesized!(inner in value);
                    Some(ClassAttr::Custom(inner.parse()?))
                } else {
                    let ident: Ident = value.parse()?;
                    let text = ident.to_string();
                    match classes().into_iter().find(|(n, _)| *n == text) {
                        Some((_, variant)) => Some(ClassAttr::BuiltIn(variant)),
                        None => {
                            let valid: Vec<&str> = classes().iter().map(|(n, _)| *n).collect();
                            cx.error_spanned_by(
                                &ident,
                                format!(
                                    "unknown class `{text}`; expected one of: {}, or `custom(PATH)`",
                                    valid.join(", ")
                                ),
                            );
                            Some(ClassAttr::Unknown)
                        }
                    }
                };
                if let Some(class) = class {
                    set(cx, &mut out.class, &meta, class);
                }
            } else if path.is_ident("sensitivity") {
                if let Some(k) = keyword(cx, &meta, "sensitivity", &sensitivities())? {
                    set(cx, &mut out.sensitivity, &meta, k);
                }
            } else if path.is_ident("name") {
                if let Some(name) = stable_name(cx, &meta)? {
                    set(cx, &mut out.name, &meta, name);
                }
            } else if path.is_ident("log") {
                if let Some(k) = keyword(cx, &meta, "treatment", &treatments())? {
                    set(cx, &mut out.log, &meta, k);
                }
            } else if path.is_ident("storage") {
                if let Some(k) = keyword(cx, &meta, "treatment", &treatments())? {
                    set(cx, &mut out.storage, &meta, k);
                }
            } else if path.is_ident("export") {
                if let Some(k) = keyword(cx, &meta, "treatment", &treatments())? {
                    set(cx, &mut out.export, &meta, k);
                }
            } else if path.is_ident("index") {
                set(cx, &mut out.index, &meta, ());
            } else if path.is_ident("nested") {
                set(cx, &mut out.nested, &meta, ());
            } else if path.is_ident("convergent") {
                set(cx, &mut out.convergent, &meta, ());
            } else if path.is_ident("quasi") {
                if let Some(how) = quasi(cx, &meta)? {
                    set(cx, &mut out.quasi, &meta, how);
                }
            } else if path.is_ident("token_ttl_days") {
                let days: syn::LitInt = meta.value()?.parse()?;
                match days.base10_parse::<u32>() {
                    Ok(days) if days > 0 => set(cx, &mut out.token_ttl_days, &meta, days),
                    _ => cx.error_spanned_by(
                        &days,
                        "`token_ttl_days` is a number of days from 1 to 4294967295",
                    ),
                }
            } else if path.is_ident("masker") {
                let masker: Path = meta.value()?.parse()?;
                set(cx, &mut out.masker, &meta, masker);
            } else {
                cx.error_spanned_by(
                    path,
                    "unknown #[pii] field attribute; expected one of: class, sensitivity, name, \
                     log, storage, export, index, masker, nested, convergent, token_ttl_days, quasi",
                );
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = parsed {
            cx.syn_error(e);
        }
    }
    out
}

/// Consumes `= value` or `(...)` after an unknown key so parsing can go on.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _skipped;
        syn::parenthesized!(_skipped in meta.input);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The derive's tables are the runtime's (`src/names.rs`): each attribute name maps to the
    /// runtime variant of the same name, and the generated code names that variant.
    #[test]
    fn tables_come_from_the_runtime_names() {
        let classes = classes();
        assert_eq!(classes.len(), ClassName::ALL.len());
        assert!(classes.contains(&("birth_date", "BirthDate")));
        assert!(treatments().contains(&("tokenize", "Tokenize")));
        assert_eq!(
            sensitivities().iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            ["technical", "personal", "sensitive", "special"]
        );
    }
}
