//! Resource tags: a small map whose keys Azure compares case-insensitively.

use super::Field;
use crate::source::Span;

/// Tags of a resource, in the order the input writes them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tags {
    entries: Vec<(String, Field<String>)>,
    /// Set when the tags attribute as a whole cannot be known before deployment
    /// (`tags = var.tags`, a `reference()`): any tag may then exist, so rules on
    /// tags stay silent instead of reporting one missing.
    unknown: Option<Span>,
    /// The tags map as written, for diagnostics about a tag it lacks.
    span: Option<Span>,
}

impl Tags {
    /// An empty map written at `span`; [`Tags::push`] fills it.
    pub fn written_at(span: Span) -> Tags {
        Tags {
            span: Some(span),
            ..Tags::default()
        }
    }

    /// Tags that exist but cannot be known; `span` points at the tags value.
    pub fn unknown(span: Span) -> Tags {
        Tags {
            entries: Vec::new(),
            unknown: Some(span),
            span: Some(span),
        }
    }

    /// Adds a tag; a key already present (in any case) keeps its first value, as
    /// Azure stores one value per case-insensitive key.
    pub fn push(&mut self, key: impl Into<String>, value: Field<String>) {
        let key = key.into();
        if self.get(&key).is_none() {
            self.entries.push((key, value));
        }
    }

    /// The value of a tag, by case-insensitive key.
    pub fn get(&self, key: &str) -> Option<&Field<String>> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    /// The value of a tag as a field: `Unknown` when the key is not written but
    /// the tags as a whole are unknown, `Absent` when it is simply not there.
    pub fn lookup(&self, key: &str) -> Field<&String> {
        match (self.get(key), self.unknown) {
            (Some(v), _) => v.as_ref(),
            (None, Some(span)) => Field::Unknown(span),
            (None, None) => Field::Absent,
        }
    }

    /// The tags as written, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Field<String>)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No tag is written (the tags may still be unknown: see [`Tags::unknown_span`]).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn is_unknown(&self) -> bool {
        self.unknown.is_some()
    }

    /// Where the unknown tags value is written.
    pub fn unknown_span(&self) -> Option<Span> {
        self.unknown
    }

    /// Where the tags map (or the unknown value standing for it) is written;
    /// `None` when the input has no tags at all.
    pub fn span(&self) -> Option<Span> {
        self.span
    }

    /// Merges two descriptions of the same resource: the first with tags written
    /// wins, as a stated value beats an unknown one in [`Field::merge`]; with
    /// none written, the tags stay unknown if either description says so.
    pub fn merge(self, other: Tags) -> Tags {
        if !self.is_empty() {
            self
        } else if !other.is_empty() {
            other
        } else {
            Tags {
                entries: Vec::new(),
                unknown: self.unknown.or(other.unknown),
                span: self.span.or(other.span),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn span(n: usize) -> Span {
        Span::new(FileId(0), n, n + 1)
    }

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        let mut t = Tags::written_at(span(99));
        for (i, (k, v)) in pairs.iter().enumerate() {
            t.push(*k, Field::Known(v.to_string(), span(i)));
        }
        t
    }

    #[test]
    fn keys_compare_case_insensitively_and_keep_order() {
        let t = tags(&[("Env", "prod"), ("owner", "net"), ("ENV", "dev")]);
        assert_eq!(
            t.get("env").and_then(Field::value).map(String::as_str),
            Some("prod")
        );
        assert_eq!(
            t.get("OWNER").and_then(Field::value).map(String::as_str),
            Some("net")
        );
        let keys: Vec<&str> = t.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["Env", "owner"]);
        assert_eq!(t.lookup("cost"), Field::Absent);
    }

    #[test]
    fn unknown_tags_make_a_missing_key_unknown() {
        let t = Tags::unknown(span(7));
        assert!(t.is_unknown() && t.is_empty());
        assert_eq!(t.lookup("env"), Field::Unknown(span(7)));
    }

    #[test]
    fn merge_keeps_the_first_nonempty() {
        let a = tags(&[("env", "prod")]);
        let b = tags(&[("env", "dev"), ("x", "y")]);
        let m = a.clone().merge(b.clone());
        assert_eq!(m, a);
        let m = Tags::default().merge(b.clone());
        assert_eq!(m, b);
        let m = Tags::unknown(span(3)).merge(b.clone());
        assert_eq!(m, b);
        let m = Tags::default().merge(Tags::unknown(span(3)));
        assert_eq!(m.unknown_span(), Some(span(3)));
        let m = Tags::unknown(span(3)).merge(Tags::default());
        assert_eq!(m.unknown_span(), Some(span(3)));
        let m = Tags::default().merge(Tags::written_at(span(5)));
        assert_eq!((m.span(), m.is_unknown()), (Some(span(5)), false));
    }
}
