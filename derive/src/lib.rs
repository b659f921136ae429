//! `#[derive(Classified)]` for piiguard. Use it through `piiguard::Classified`; the generated
//! code targets `piiguard::__private`, which this crate is pinned to by exact version.
//!
//! The derive follows serde_derive's split: `attr` parses `#[pii(...)]` attributes, `ast`
//! builds a typed model of the struct, `check` applies the cross-attribute rules, and
//! `expand` generates code. Every mistake becomes a spanned `syn::Error`; all of them are
//! reported together, with fallback impls so that one mistake does not cascade.

mod ast;
mod attr;
mod check;
mod ctxt;
mod expand;
// The runtime's name tables (classes, sensitivities, treatments), compiled here too so that
// both sides read one list.
#[path = "../../src/names.rs"]
#[allow(dead_code, unreachable_pub, missing_docs)]
mod names;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `piiguard::Classified`, `Debug`, `Serialize` and `Deserialize`.
#[proc_macro_derive(Classified, attributes(pii))]
pub fn derive_classified(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
