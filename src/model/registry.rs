//! One description of each model field. [`model_object!`] declares a model
//! struct from one list: the struct's fields, the merge of two descriptions of
//! the same resource, and the registry entry (name, type, description, getter)
//! that YAML rules and `akslint schema model` read. Adding a field is one line
//! in that list, plus the mappers that fill it in.
//!
//! Hand-written rather than a derive crate: a proc-macro crate of our own would
//! cost a workspace member and a build step for what a `macro_rules!` does.

use std::borrow::Cow;
use std::net::IpAddr;

use ipnet::IpNet;

use super::{Field, MaxSurge, NetworkPlugin, OsType, ResourceId};

/// The type of a registered field's values, as rules see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    String,
    Integer,
    Bool,
    Cidr,
    Ip,
}

/// One model value as rules see it; strings are borrowed from the model.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueView<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Bool(bool),
    Cidr(IpNet),
    Ip(IpAddr),
}

/// A type a model field can hold, and how rules see it.
pub trait ModelValue {
    const TYPE: ValueType;
    fn view(&self) -> ValueView<'_>;
}

macro_rules! model_value {
    ($($ty:ty => $vt:ident, |$v:ident| $view:expr;)*) => {$(
        impl ModelValue for $ty {
            const TYPE: ValueType = ValueType::$vt;
            fn view(&self) -> ValueView<'_> {
                let $v = self;
                $view
            }
        }
    )*};
}

model_value! {
    String => String, |v| ValueView::Str(Cow::Borrowed(v));
    i64 => Integer, |v| ValueView::Int(*v);
    bool => Bool, |v| ValueView::Bool(*v);
    IpNet => Cidr, |v| ValueView::Cidr(*v);
    IpAddr => Ip, |v| ValueView::Ip(*v);
    ResourceId => String, |v| ValueView::Str(Cow::Borrowed(v.as_str()));
    NetworkPlugin => String, |v| ValueView::Str(Cow::Borrowed(v.as_str()));
    OsType => String, |v| ValueView::Str(match v {
        OsType::Linux => Cow::Borrowed("Linux"),
        OsType::Windows => Cow::Borrowed("Windows"),
        OsType::Other(s) => Cow::Borrowed(s.as_str()),
    });
    MaxSurge => String, |v| ValueView::Str(Cow::Owned(v.describe()));
}

/// One field, seen without its Rust type.
pub trait FieldView {
    fn view(&self) -> Field<ValueView<'_>>;
}

impl<T: ModelValue> FieldView for Field<T> {
    fn view(&self) -> Field<ValueView<'_>> {
        self.as_ref().map(ModelValue::view)
    }
}

/// A list field, seen without its Rust type.
pub trait ListView {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn item(&self, i: usize) -> Field<ValueView<'_>>;
}

impl<T: ModelValue> ListView for Vec<Field<T>> {
    fn len(&self) -> usize {
        self.as_slice().len()
    }
    fn item(&self, i: usize) -> Field<ValueView<'_>> {
        self.get(i).map_or(Field::Absent, FieldView::view)
    }
}

/// A registered field read from its object: one value or a list.
#[derive(Clone, Copy)]
pub enum FieldRef<'a> {
    One(&'a dyn FieldView),
    Many(&'a dyn ListView),
}

/// What a registered field's Rust type brings: its type for rules, how to
/// read it, and how two descriptions of it merge.
pub trait Registered {
    const TYPE: ValueType;
    const LIST: bool;
    fn field_ref(&self) -> FieldRef<'_>;
    fn merge_from(&mut self, other: Self);
}

impl<T: ModelValue> Registered for Field<T> {
    const TYPE: ValueType = T::TYPE;
    const LIST: bool = false;
    fn field_ref(&self) -> FieldRef<'_> {
        FieldRef::One(self)
    }
    /// A stated value beats an unknown one, which beats a default (see [`Field::merge`]).
    fn merge_from(&mut self, other: Self) {
        let taken = std::mem::take(self);
        *self = taken.merge(other);
    }
}

impl<T: ModelValue> Registered for Vec<Field<T>> {
    const TYPE: ValueType = T::TYPE;
    const LIST: bool = true;
    fn field_ref(&self) -> FieldRef<'_> {
        FieldRef::Many(self)
    }
    /// The first description that gives the list wins; lists are not blended.
    fn merge_from(&mut self, other: Self) {
        if self.is_empty() {
            *self = other;
        }
    }
}

/// The registry entry of one model field.
pub struct ModelField<T: 'static> {
    /// The name rules use: `network.plugin`, `max_pods`.
    pub name: &'static str,
    pub doc: &'static str,
    pub ty: ValueType,
    pub list: bool,
    pub get: for<'a> fn(&'a T) -> FieldRef<'a>,
}

/// A field's registry name: its Rust name after the struct's prefix, unless
/// the list gives one (`sku_name = "sku.name"`).
macro_rules! registry_name {
    ($prefix:literal, $field:ident) => {
        concat!($prefix, stringify!($field))
    };
    ($prefix:literal, $field:ident, $name:literal) => {
        concat!($prefix, $name)
    };
}

/// Declares a model struct from one list.
///
/// ```text
/// model_object! {
///     prefix "network.";              // registry names start with it (optional)
///     #[derive(Clone, Debug)]
///     pub struct NetworkProfile {
///         pub span: Span,             // not registered: merged by hand, if at all
///     }
///     fields {
///         /// `networkProfile.networkPlugin`.   <- the registry description
///         plugin: Field<NetworkPlugin>,
///         sku_name: Field<String> = "sku.name",   // a registry name of its own
///     }
///     nested {                        // sub-objects that merge field by field
///         load_balancer: LoadBalancerProfile,
///     }
/// }
/// ```
///
/// generates the struct, `FIELDS` (the registry entries) and `merge_fields`.
macro_rules! model_object {
    (
        $(#[$meta:meta])*
        pub struct $($rest:tt)*
    ) => {
        $crate::model::registry::model_object! { prefix ""; $(#[$meta])* pub struct $($rest)* }
    };
    (
        prefix $prefix:literal;
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$pmeta:meta])* pub $plain:ident : $pty:ty, )*
        }
        fields {
            $( $(#[doc = $doc:literal])+ $field:ident : $fty:ty $(= $rname:literal)?, )*
        }
        $( nested { $( $(#[$nmeta:meta])* $nested:ident : $nty:ty, )* } )?
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[$pmeta])* pub $plain: $pty, )*
            $( $(#[doc = $doc])+ pub $field: $fty, )*
            $($( $(#[$nmeta])* pub $nested: $nty, )*)?
        }

        impl $name {
            /// The registry entries of this struct's fields.
            pub const FIELDS: &'static [$crate::model::registry::ModelField<$name>] = &[$(
                $crate::model::registry::ModelField {
                    name: $crate::model::registry::registry_name!($prefix, $field $(, $rname)?),
                    doc: concat!($($doc),+).trim_ascii(),
                    ty: <$fty as $crate::model::registry::Registered>::TYPE,
                    list: <$fty as $crate::model::registry::Registered>::LIST,
                    get: |o| $crate::model::registry::Registered::field_ref(&o.$field),
                },
            )*];

            /// Merges another description of the same resource into this one,
            /// field by field (the fields outside the list are merged by hand).
            pub fn merge_fields(&mut self, other: &mut Self) {
                $( $crate::model::registry::Registered::merge_from(
                    &mut self.$field,
                    std::mem::take(&mut other.$field),
                ); )*
                $($( self.$nested.merge_fields(&mut other.$nested); )*)?
            }
        }
    };
}

pub(crate) use {model_object, registry_name};
