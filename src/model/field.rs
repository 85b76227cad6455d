//! A model value and where it came from.

use crate::source::Span;

/// Every model value is known (with the span of the text it came from), Azure's
/// default (with the span of the object that left it out), unknown (not knowable
/// before deployment), or absent (left out, and Azure has no default).
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Field<T> {
    Known(T, Span),
    Default(T, Span),
    Unknown(Span),
    #[default]
    Absent,
}

impl<T> Field<T> {
    /// The value when it is known or defaulted.
    pub fn value(&self) -> Option<&T> {
        match self {
            Field::Known(v, _) | Field::Default(v, _) => Some(v),
            _ => None,
        }
    }

    /// The value only when the input states it.
    pub fn known(&self) -> Option<&T> {
        match self {
            Field::Known(v, _) => Some(v),
            _ => None,
        }
    }

    pub fn span(&self) -> Option<Span> {
        match self {
            Field::Known(_, s) | Field::Default(_, s) | Field::Unknown(s) => Some(*s),
            Field::Absent => None,
        }
    }

    pub fn is_default(&self) -> bool {
        matches!(self, Field::Default(..))
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Field::Unknown(_))
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    /// True when the input gives a value, whether or not it can be evaluated.
    pub fn is_given(&self) -> bool {
        matches!(self, Field::Known(..) | Field::Unknown(_))
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<U> {
        match self {
            Field::Known(v, s) => Field::Known(f(v), s),
            Field::Default(v, s) => Field::Default(f(v), s),
            Field::Unknown(s) => Field::Unknown(s),
            Field::Absent => Field::Absent,
        }
    }

    pub fn as_ref(&self) -> Field<&T> {
        match self {
            Field::Known(v, s) => Field::Known(v, *s),
            Field::Default(v, s) => Field::Default(v, *s),
            Field::Unknown(s) => Field::Unknown(*s),
            Field::Absent => Field::Absent,
        }
    }

    /// Fills in Azure's default when the input left the value out.
    pub fn or_default(self, value: T, span: Span) -> Field<T> {
        match self {
            Field::Absent => Field::Default(value, span),
            other => other,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Field::Known(..) => 3,
            Field::Unknown(_) => 2,
            Field::Default(..) => 1,
            Field::Absent => 0,
        }
    }

    /// Merges two descriptions of the same value (a subnet written inline in its
    /// VNet and again as its own resource): a stated value beats an unknown one,
    /// which beats a default; on a tie the first wins.
    pub fn merge(self, other: Field<T>) -> Field<T> {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}
