//! Code generation. Everything is emitted inside `const _: () = { … };` against
//! `::piiguard::__private` only.

use crate::ast::{Container, Field, Style};
use crate::attr::{ClassAttr, SubjectAttr};
use crate::check;
use crate::ctxt::Ctxt;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{DeriveInput, Ident, Member};

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::default();
    let cont = Container::from_ast(&cx, input);
    if let Some(cont) = &cont {
        check::check(&cx, cont);
    }
    match (cx.check(), cont) {
        (Ok(()), Some(cont)) => expand(&cont),
        (Err(errors), _) => {
            let mut out = errors.to_compile_error();
            out.extend(fallback(input));
            out
        }
        (Ok(()), None) => unreachable!("a missing model always records an error"),
    }
}

/// What a field is, for code generation.
enum Kind {
    Plain,
    Classified,
    Nested,
}

fn kind(field: &Field<'_>) -> Kind {
    if field.attrs.nested.is_some() {
        Kind::Nested
    } else if field.attrs.class.is_some() {
        Kind::Classified
    } else {
        Kind::Plain
    }
}

fn expand(cont: &Container<'_>) -> TokenStream {
    let ident = cont.ident;
    let schema = schema(cont);
    let subject = subject(cont);
    let serialize = serialize_in(cont);
    let visit = visit_pii(cont);
    let debug = debug(cont);
    let display = display(cont);
    let deserialize = deserialize(cont);
    let deserialize_in = deserialize_in(cont);
    let synthetic = synthetic(cont);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            extern crate piiguard as __piiguard;
            use __piiguard::__private as __pg;

            #[automatically_derived]
            impl __pg::Classified for #ident {
                const SCHEMA: &'static __pg::RecordSchema = &#schema;

                fn subject_id(&self) -> ::core::option::Option<__pg::SubjectId> {
                    #subject
                }

                #serialize
                #deserialize_in
                #visit
            }

            // Evaluates the schema at compile time, so a lowered sensitivity is an error even
            // if the record is never serialized.
            const _: &__pg::RecordSchema = <#ident as __pg::Classified>::SCHEMA;

            // Registers the type in the binary's data map (`piiguard::data_map::data_map()`).
            __pg::inventory::submit! {
                __pg::Registered(<#ident as __pg::Classified>::SCHEMA)
            }

            #[automatically_derived]
            impl __pg::NestedField for #ident {
                fn serialize_nested<__S: __pg::serde::Serializer>(
                    &self,
                    __context: &__pg::ViewContext<'_>,
                    __serializer: __S,
                ) -> ::core::result::Result<__S::Ok, __S::Error> {
                    __pg::Classified::serialize_in(self, __context, __serializer)
                }

                fn schema() -> &'static __pg::RecordSchema {
                    <Self as __pg::Classified>::SCHEMA
                }

                fn deserialize_nested<'de, __D: __pg::serde::Deserializer<'de>>(
                    __deserializer: __D,
                    __context: &__pg::DeContext<'_>,
                ) -> ::core::result::Result<Self, __D::Error> {
                    <Self as __pg::Classified>::deserialize_in(__context, __deserializer)
                }

                fn visit_nested(
                    &self,
                    __visitor: &mut dyn FnMut(&__pg::FieldRef<'_>, &dyn __pg::PiiSlot),
                ) {
                    __pg::Classified::visit_pii(self, __visitor)
                }

                fn visit_nested_mut(
                    &mut self,
                    __visitor: &mut dyn FnMut(&__pg::FieldRef<'_>, &mut dyn __pg::PiiSlot),
                ) {
                    __pg::Classified::visit_pii_mut(self, __visitor)
                }
            }

            #[automatically_derived]
            impl __pg::serde::Serialize for #ident {
                fn serialize<__S: __pg::serde::Serializer>(
                    &self,
                    __serializer: __S,
                ) -> ::core::result::Result<__S::Ok, __S::Error> {
                    __pg::Classified::serialize_in(self, &__pg::ViewContext::REDACTED, __serializer)
                }
            }

            #debug
            #display
            #deserialize
            #synthetic
        };
    }
}

fn record_name(cont: &Container<'_>) -> String {
    cont.attrs
        .name
        .as_ref()
        .map_or_else(|| cont.ident.to_string(), |n| n.value.clone())
}

fn schema(cont: &Container<'_>) -> TokenStream {
    let name = record_name(cont);
    let rust_name = cont.ident.to_string();
    let subject = match cont.attrs.subject.as_ref().map(|s| &s.value) {
        Some(SubjectAttr::Named(ident)) => {
            let s = ident.to_string();
            quote!(::core::option::Option::Some(#s))
        }
        Some(SubjectAttr::Index(index)) => {
            let s = index.base10_digits().to_string();
            quote!(::core::option::Option::Some(#s))
        }
        None => quote!(::core::option::Option::None),
    };
    let fields = cont.fields.iter().map(|f| {
        let name = f.stable_name();
        let rust_name = f.rust_name();
        let kind = match kind(f) {
            Kind::Plain => quote!(__pg::FieldKind::Plain),
            Kind::Nested => {
                let ty = f.ty;
                quote!(__pg::FieldKind::Nested(<#ty as __pg::NestedField>::schema))
            }
            Kind::Classified => {
                let pii = pii_field(f);
                quote!(__pg::FieldKind::Classified(#pii))
            }
        };
        let quasi = f.attrs.quasi.as_ref().map(|q| {
            let (variant, numbers) = &q.value;
            let v = Ident::new(variant, Span::call_site());
            if numbers.is_empty() {
                quote!(.with_quasi(__pg::Generalize::#v))
            } else {
                quote!(.with_quasi(__pg::Generalize::#v(#(#numbers),*)))
            }
        });
        quote!(__pg::FieldSchema::new(#name, #rust_name, #kind)#quasi)
    });
    let stored_in = cont.attrs.stored_in.as_ref().map(|place| {
        let place = &place.value;
        quote!(.with_stored_in(#place))
    });
    quote! {
        __pg::RecordSchema::new(#name, #rust_name, #subject, &[#(#fields),*])#stored_in
    }
}

/// The field's class as an expression.
fn class_expr(field: &Field<'_>) -> TokenStream {
    match field.attrs.class.as_ref().map(|c| &c.value) {
        Some(ClassAttr::BuiltIn(variant)) => {
            let v = Ident::new(variant, Span::call_site());
            quote!(__pg::Class::#v)
        }
        Some(ClassAttr::Custom(path)) => quote!(#path),
        // Unreachable: an unknown or missing class is reported before code generation.
        Some(ClassAttr::Unknown) | None => quote!(__pg::Class::FreeText),
    }
}

/// `impl Synthetic` (asked for with `#[pii(synthetic)]`): each field made up by its class or
/// its type. Passed through
/// `__synthetic!`, which drops it when piiguard is built without `testdata`.
fn synthetic(cont: &Container<'_>) -> TokenStream {
    if cont.attrs.synthetic.is_none() {
        return TokenStream::new();
    }
    let ident = cont.ident;
    let fields = cont.fields.iter().map(|f| {
        let member = &f.member;
        let ty = f.ty;
        let value = match kind(f) {
            Kind::Classified => {
                let class = class_expr(f);
                quote!(<#ty as __pg::SyntheticPii>::synthetic_pii(__synth, #class))
            }
            Kind::Plain | Kind::Nested => quote!(<#ty as __pg::Synthetic>::synthetic(__synth)),
        };
        quote!(#member: #value)
    });
    quote! {
        __piiguard::__synthetic! {
            #[automatically_derived]
            impl __pg::Synthetic for #ident {
                fn synthetic(__synth: &mut __pg::Synth) -> Self {
                    Self { #(#fields),* }
                }
            }
        }
    }
}

/// `PiiField::of(class).sensitivity(..).log(..)…` — each step a `const fn`.
fn pii_field(field: &Field<'_>) -> TokenStream {
    let attrs = &field.attrs;
    let class = class_expr(field);
    let mut out = quote!(__pg::PiiField::of(#class));
    if let Some(s) = &attrs.sensitivity {
        let v = Ident::new(s.value, s.span);
        out = quote!(#out.with_sensitivity(__pg::Sensitivity::#v));
    }
    for (method, treatment) in [
        ("with_log", &attrs.log),
        ("with_storage", &attrs.storage),
        ("with_export", &attrs.export),
    ] {
        if let Some(t) = treatment {
            let m = Ident::new(method, Span::call_site());
            let v = Ident::new(t.value, t.span);
            out = quote!(#out.#m(__pg::Treatment::#v));
        }
    }
    if attrs.index.is_some() {
        let column = format!("{}_bidx", field.stable_name());
        out = quote!(#out.with_blind_index(#column));
    }
    if let Some(masker) = &attrs.masker {
        let path = &masker.value;
        out = quote!(#out.with_masker(&#path));
    }
    if attrs.convergent.is_some() {
        out = quote!(#out.with_convergent_tokens());
    }
    if let Some(days) = &attrs.token_ttl_days {
        let days = days.value;
        out = quote!(#out.with_token_ttl_days(#days));
    }
    out
}

fn subject(cont: &Container<'_>) -> TokenStream {
    let member = match cont.attrs.subject.as_ref().map(|s| &s.value) {
        Some(SubjectAttr::Named(ident)) => Member::Named(ident.clone()),
        Some(SubjectAttr::Index(index)) => match index.base10_parse::<u32>() {
            Ok(i) => Member::from(i as usize),
            Err(_) => return quote!(::core::option::Option::None),
        },
        None => return quote!(::core::option::Option::None),
    };
    quote!(::core::option::Option::Some(__pg::SubjectId::from_display(&self.#member)))
}

fn serialize_in(cont: &Container<'_>) -> TokenStream {
    let (start, trait_path) = match cont.style {
        Style::Named | Style::Unit => (
            quote!(
                __serializer
                    .serialize_struct(__schema.name(), __schema.serialized_len(__context.view()))?
            ),
            quote!(__pg::serde::ser::SerializeStruct),
        ),
        Style::Tuple => (
            quote!(__serializer.serialize_tuple_struct(__schema.name(), __schema.fields().len())?),
            quote!(__pg::serde::ser::SerializeTupleStruct),
        ),
    };
    let tuple = cont.style == Style::Tuple;
    let fields = cont.fields.iter().enumerate().map(|(i, f)| {
        let member = &f.member;
        let name = f.stable_name();
        match (kind(f), tuple) {
            (Kind::Plain, false) => {
                quote!(#trait_path::serialize_field(&mut __st, #name, &self.#member)?;)
            }
            (Kind::Plain, true) => quote!(#trait_path::serialize_field(&mut __st, &self.#member)?;),
            (Kind::Classified, false) => {
                quote!(__record.pii_field(&mut __st, &__schema.fields()[#i], &self.#member)?;)
            }
            (Kind::Classified, true) => {
                quote!(__record.pii_tuple_field(&mut __st, &__schema.fields()[#i], &self.#member)?;)
            }
            (Kind::Nested, false) => {
                quote!(__record.nested_field(&mut __st, &__schema.fields()[#i], &self.#member)?;)
            }
            (Kind::Nested, true) => quote!(__record.nested_tuple_field(&mut __st, &self.#member)?;),
        }
    });
    quote! {
        fn serialize_in<__S: __pg::serde::Serializer>(
            &self,
            __context: &__pg::ViewContext<'_>,
            __serializer: __S,
        ) -> ::core::result::Result<__S::Ok, __S::Error> {
            let __schema = <Self as __pg::Classified>::SCHEMA;
            // Only keyed treatments bind the subject; keyless views skip building its id.
            let __subject = if __context.has_keys() {
                __pg::Classified::subject_id(self)
            } else {
                ::core::option::Option::None
            };
            let __record = __pg::RecordAt::new(__schema, __subject.as_ref(), __context);
            let mut __st = #start;
            #(#fields)*
            let _ = &__record;
            #trait_path::end(__st)
        }
    }
}

/// `visit_pii` and `visit_pii_mut`: every classified value with where it sits.
fn visit_pii(cont: &Container<'_>) -> TokenStream {
    let visits = |mutable: bool| {
        cont.fields.iter().enumerate().filter_map(move |(i, f)| {
            let member = &f.member;
            match (kind(f), mutable) {
                (Kind::Plain, _) => None,
                (Kind::Classified, false) => Some(quote!(
                    __pg::visit_field(__schema, &__schema.fields()[#i], __subject.as_ref(), &self.#member, __visitor);
                )),
                (Kind::Classified, true) => Some(quote!(
                    __pg::visit_field_mut(__schema, &__schema.fields()[#i], __subject.as_ref(), &mut self.#member, __visitor);
                )),
                (Kind::Nested, false) => {
                    Some(quote!(__pg::NestedField::visit_nested(&self.#member, __visitor);))
                }
                (Kind::Nested, true) => {
                    Some(quote!(__pg::NestedField::visit_nested_mut(&mut self.#member, __visitor);))
                }
            }
        })
    };
    let shared = visits(false);
    let mutable = visits(true);
    quote! {
        fn visit_pii(&self, __visitor: &mut dyn FnMut(&__pg::FieldRef<'_>, &dyn __pg::PiiSlot)) {
            let __schema = <Self as __pg::Classified>::SCHEMA;
            let __subject = __pg::Classified::subject_id(self);
            let _ = (&__schema, &__subject, &__visitor);
            #(#shared)*
        }

        fn visit_pii_mut(
            &mut self,
            __visitor: &mut dyn FnMut(&__pg::FieldRef<'_>, &mut dyn __pg::PiiSlot),
        ) {
            let __schema = <Self as __pg::Classified>::SCHEMA;
            let __subject = __pg::Classified::subject_id(self);
            let _ = (&__schema, &__subject, &__visitor);
            #(#mutable)*
        }
    }
}

/// `Display` as the log view, the same text as `Debug`, so that `%record` in a `tracing` macro
/// masks too; `#[pii(display = false)]` leaves it to the record.
fn display(cont: &Container<'_>) -> TokenStream {
    if cont.attrs.display.as_ref().is_some_and(|d| !d.value) {
        return TokenStream::new();
    }
    let ident = cont.ident;
    quote! {
        #[automatically_derived]
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(self, __f)
            }
        }
    }
}

fn debug(cont: &Container<'_>) -> TokenStream {
    let ident = cont.ident;
    let rust_name = ident.to_string();
    let fields = cont.fields.iter().enumerate().map(|(i, f)| {
        let member = &f.member;
        let value = match kind(f) {
            Kind::Classified => quote!(&__pg::DebugPii(&self.#member, &__schema.fields()[#i])),
            Kind::Plain | Kind::Nested => quote!(&self.#member),
        };
        match cont.style {
            Style::Tuple => quote!(.field(#value)),
            _ => {
                let name = f.rust_name();
                quote!(.field(#name, #value))
            }
        }
    });
    let builder = match cont.style {
        Style::Tuple => quote!(debug_tuple),
        _ => quote!(debug_struct),
    };
    quote! {
        #[automatically_derived]
        impl ::core::fmt::Debug for #ident {
            fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                let __schema = <Self as __pg::Classified>::SCHEMA;
                let _ = __schema;
                __f.#builder(#rust_name) #(#fields)* .finish()
            }
        }
    }
}

/// `Deserialize`: client input, through the input door.
fn deserialize(cont: &Container<'_>) -> TokenStream {
    let ident = cont.ident;
    quote! {
        #[automatically_derived]
        impl<'de> __pg::serde::Deserialize<'de> for #ident {
            fn deserialize<__D: __pg::serde::Deserializer<'de>>(
                __deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                <Self as __pg::Classified>::deserialize_in(&__pg::DeContext::INPUT, __deserializer)
            }
        }
    }
}

/// `Classified::deserialize_in`: a visitor reading each field in turn — plain fields as
/// themselves, classified and nested fields through seeds that carry the door and the error
/// slot. A struct with named fields reads a map (unknown keys, such as blind-index columns, are
/// skipped) or a sequence; a tuple struct a sequence; a unit struct a unit.
fn deserialize_in(cont: &Container<'_>) -> TokenStream {
    let ident = cont.ident;
    let record_name = record_name(cont);
    let expecting = format!("a {} record", ident);
    let names: Vec<String> = cont.fields.iter().map(Field::stable_name).collect();
    let slots: Vec<Ident> = (0..cont.fields.len())
        .map(|i| format_ident!("__field{}", i))
        .collect();
    // The value of field `i` read from `source` (`__map.next_value` or `__seq.next_element`).
    let seed = |i: usize, f: &Field<'_>| -> Option<TokenStream> {
        let ty = f.ty;
        match kind(f) {
            Kind::Plain => None,
            Kind::Classified => Some(quote!(
                __pg::FieldSeed::<#ty>::new(&__schema.fields()[#i], self.context)
            )),
            Kind::Nested => Some(quote!(__pg::NestedSeed::<#ty>::new(self.context))),
        }
    };
    let map_arms = cont.fields.iter().enumerate().map(|(i, f)| {
        let slot = &slots[i];
        let name = &names[i];
        let ty = f.ty;
        let value = match seed(i, f) {
            Some(seed) => quote!(__pg::serde::de::MapAccess::next_value_seed(&mut __map, #seed)?),
            None => quote!(__pg::serde::de::MapAccess::next_value::<#ty>(&mut __map)?),
        };
        quote! {
            ::core::option::Option::Some(#i) => {
                if #slot.is_some() {
                    return ::core::result::Result::Err(
                        <__A::Error as __pg::serde::de::Error>::duplicate_field(#name),
                    );
                }
                #slot = ::core::option::Option::Some(#value);
            }
        }
    });
    let missing = cont.fields.iter().enumerate().map(|(i, f)| {
        let slot = &slots[i];
        let name = &names[i];
        let ty = f.ty;
        let value = match kind(f) {
            Kind::Plain => quote!(<#ty as __pg::serde::Deserialize>::deserialize(
                __pg::MissingField::<__A::Error>::new(#name)
            )?),
            Kind::Classified => quote!(<#ty as __pg::ProtectedField>::missing(#name)?),
            Kind::Nested => quote!(<#ty as __pg::NestedField>::missing(#name)?),
        };
        quote! {
            let #slot = match #slot {
                ::core::option::Option::Some(__v) => __v,
                ::core::option::Option::None => #value,
            };
        }
    });
    let seq_reads = cont.fields.iter().enumerate().map(|(i, f)| {
        let slot = &slots[i];
        let ty = f.ty;
        let next = match seed(i, f) {
            Some(seed) => quote!(__pg::serde::de::SeqAccess::next_element_seed(&mut __seq, #seed)?),
            None => quote!(__pg::serde::de::SeqAccess::next_element::<#ty>(&mut __seq)?),
        };
        quote! {
            let #slot = match #next {
                ::core::option::Option::Some(__v) => __v,
                ::core::option::Option::None => {
                    return ::core::result::Result::Err(
                        <__A::Error as __pg::serde::de::Error>::invalid_length(#i, &self),
                    );
                }
            };
        }
    });
    let members: Vec<&Member> = cont.fields.iter().map(|f| &f.member).collect();
    let build = match cont.style {
        Style::Named => quote!(#ident { #(#members: #slots),* }),
        Style::Tuple => quote!(#ident( #(#slots),* )),
        Style::Unit => quote!(#ident),
    };
    let field_count = cont.fields.len();
    let visit_map = (cont.style == Style::Named).then(|| {
        quote! {
            fn visit_map<__A: __pg::serde::de::MapAccess<'de>>(
                self,
                mut __map: __A,
            ) -> ::core::result::Result<#ident, __A::Error> {
                let __schema = <#ident as __pg::Classified>::SCHEMA;
                #(let mut #slots = ::core::option::Option::None;)*
                while let ::core::option::Option::Some(__key) =
                    __pg::serde::de::MapAccess::next_key_seed(&mut __map, __pg::FieldIndex(__FIELDS))?
                {
                    match __key {
                        #(#map_arms)*
                        _ => {
                            __pg::serde::de::MapAccess::next_value::<__pg::serde::de::IgnoredAny>(
                                &mut __map,
                            )?;
                        }
                    }
                }
                let _ = __schema;
                #(#missing)*
                ::core::result::Result::Ok(#build)
            }
        }
    });
    let visit_seq = (cont.style != Style::Unit).then(|| {
        quote! {
            fn visit_seq<__A: __pg::serde::de::SeqAccess<'de>>(
                self,
                mut __seq: __A,
            ) -> ::core::result::Result<#ident, __A::Error> {
                let __schema = <#ident as __pg::Classified>::SCHEMA;
                let _ = __schema;
                #(#seq_reads)*
                ::core::result::Result::Ok(#build)
            }
        }
    });
    let visit_unit = (cont.style == Style::Unit).then(|| {
        quote! {
            fn visit_unit<__E: __pg::serde::de::Error>(self) -> ::core::result::Result<#ident, __E> {
                ::core::result::Result::Ok(#ident)
            }
        }
    });
    let start = match cont.style {
        Style::Named => quote!(__pg::serde::Deserializer::deserialize_struct(
            __deserializer, #record_name, __FIELDS, __visitor
        )),
        Style::Tuple => quote!(__pg::serde::Deserializer::deserialize_tuple_struct(
            __deserializer, #record_name, #field_count, __visitor
        )),
        Style::Unit => quote!(__pg::serde::Deserializer::deserialize_unit_struct(
            __deserializer, #record_name, __visitor
        )),
    };
    quote! {
        fn deserialize_in<'de, __D: __pg::serde::Deserializer<'de>>(
            __context: &__pg::DeContext<'_>,
            __deserializer: __D,
        ) -> ::core::result::Result<Self, __D::Error> {
            const __FIELDS: &[&str] = &[#(#names),*];
            struct __Visitor<'__a> {
                context: &'__a __pg::DeContext<'__a>,
            }
            impl<'de> __pg::serde::de::Visitor<'de> for __Visitor<'_> {
                type Value = #ident;

                fn expecting(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    __f.write_str(#expecting)
                }

                #visit_map
                #visit_seq
                #visit_unit
            }
            let __visitor = __Visitor { context: __context };
            let _ = &__visitor.context;
            #start
        }
    }
}

/// Impls emitted next to the errors, so that one mistake does not cascade into every use of
/// the type. They are never run: the build has already failed.
fn fallback(input: &DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let rust_name = ident.to_string();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        const _: () = {
            extern crate piiguard as __piiguard;
            use __piiguard::__private as __pg;

            impl #impl_generics __pg::Classified for #ident #ty_generics #where_clause {
                const SCHEMA: &'static __pg::RecordSchema = &__pg::RecordSchema::new(
                    #rust_name,
                    #rust_name,
                    ::core::option::Option::None,
                    &[],
                );
                fn subject_id(&self) -> ::core::option::Option<__pg::SubjectId> {
                    ::core::unreachable!()
                }
                fn serialize_in<__S: __pg::serde::Serializer>(
                    &self,
                    _: &__pg::ViewContext<'_>,
                    _: __S,
                ) -> ::core::result::Result<__S::Ok, __S::Error> {
                    ::core::unreachable!()
                }
                fn deserialize_in<'de, __D: __pg::serde::Deserializer<'de>>(
                    _: &__pg::DeContext<'_>,
                    _: __D,
                ) -> ::core::result::Result<Self, __D::Error> {
                    ::core::unreachable!()
                }
                fn visit_pii(&self, _: &mut dyn FnMut(&__pg::FieldRef<'_>, &dyn __pg::PiiSlot)) {
                    ::core::unreachable!()
                }
                fn visit_pii_mut(
                    &mut self,
                    _: &mut dyn FnMut(&__pg::FieldRef<'_>, &mut dyn __pg::PiiSlot),
                ) {
                    ::core::unreachable!()
                }
            }

            impl #impl_generics ::core::fmt::Debug for #ident #ty_generics #where_clause {
                fn fmt(&self, _: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::core::unreachable!()
                }
            }

            impl #impl_generics __pg::serde::Serialize for #ident #ty_generics #where_clause {
                fn serialize<__S: __pg::serde::Serializer>(
                    &self,
                    _: __S,
                ) -> ::core::result::Result<__S::Ok, __S::Error> {
                    ::core::unreachable!()
                }
            }
        };
    }
}
