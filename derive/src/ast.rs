//! The typed model of a `#[derive(Classified)]` input.

use crate::attr::{self, ContainerAttrs, FieldAttrs};
use crate::ctxt::Ctxt;
use syn::{Data, DeriveInput, Fields, GenericArgument, Ident, Member, PathArguments, Type};

/// How the struct's fields are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Named,
    Tuple,
    Unit,
}

/// What a field's type looks like, read from its syntax.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `Pii<T>`, or `Option`/`Vec`/`Box` of such a shape.
    Protected,
    /// Anything else.
    Other,
}

pub(crate) struct Container<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) input: &'a DeriveInput,
    pub(crate) style: Style,
    pub(crate) attrs: ContainerAttrs,
    pub(crate) fields: Vec<Field<'a>>,
}

pub(crate) struct Field<'a> {
    pub(crate) member: Member,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: FieldAttrs,
    pub(crate) shape: Shape,
    pub(crate) original: &'a syn::Field,
}

impl Field<'_> {
    /// The Rust name: the identifier, or the index of a tuple field.
    pub(crate) fn rust_name(&self) -> String {
        match &self.member {
            Member::Named(ident) => ident.to_string(),
            Member::Unnamed(index) => index.index.to_string(),
        }
    }

    /// The stable name: `#[pii(name = "…")]` or the Rust name.
    pub(crate) fn stable_name(&self) -> String {
        self.attrs
            .name
            .as_ref()
            .map_or_else(|| self.rust_name(), |n| n.value.clone())
    }
}

impl<'a> Container<'a> {
    /// Builds the model, or `None` (with errors recorded) when the input is not a struct.
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let attrs = attr::container(cx, &input.attrs);
        let Data::Struct(data) = &input.data else {
            cx.error_spanned_by(
                &input.ident,
                "#[derive(Classified)] supports structs (named fields, tuple or unit)",
            );
            return None;
        };
        let style = match &data.fields {
            Fields::Named(_) => Style::Named,
            Fields::Unnamed(_) => Style::Tuple,
            Fields::Unit => Style::Unit,
        };
        let fields = data
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| Field {
                member: f
                    .ident
                    .clone()
                    .map_or_else(|| Member::from(i), Member::Named),
                ty: &f.ty,
                attrs: attr::field(cx, &f.attrs),
                shape: shape(&f.ty),
                original: f,
            })
            .collect();
        Some(Self {
            ident: &input.ident,
            input,
            style,
            attrs,
            fields,
        })
    }
}

/// The last path segment's name and its single generic type argument, if any.
fn last_segment(ty: &Type) -> Option<(String, Option<&Type>)> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    let arg = match &segment.arguments {
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    };
    Some((segment.ident.to_string(), arg))
}

fn shape(ty: &Type) -> Shape {
    match last_segment(ty) {
        Some((name, Some(_))) if name == "Pii" => Shape::Protected,
        Some((name, Some(inner))) if matches!(name.as_str(), "Option" | "Vec" | "Box") => {
            shape(inner)
        }
        _ => Shape::Other,
    }
}
