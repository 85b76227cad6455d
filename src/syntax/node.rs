//! One spanned tree for every input syntax (JSON, YAML, evaluated ARM).
//!
//! Object keys keep their order and their own spans. Key lookup is
//! case-insensitive because Azure property names are.

use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    /// Numbers keep their source text; ARM integers are 64-bit.
    Number(Number),
    String(String),
    Array(Vec<Node>),
    Object(Vec<Entry>),
    /// A value that exists but cannot be known before deployment
    /// (`reference()`, a parameter without a value, an unknown-after-apply attribute).
    Unknown(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn new(span: Span, kind: NodeKind) -> Node {
        Node { span, kind }
    }

    pub fn unknown(span: Span, why: impl Into<String>) -> Node {
        Node::new(span, NodeKind::Unknown(why.into()))
    }

    pub fn string(span: Span, s: impl Into<String>) -> Node {
        Node::new(span, NodeKind::String(s.into()))
    }

    /// Case-insensitive lookup of an object member.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.kind {
            NodeKind::Object(entries) => entries.iter().find(|e| e.key.eq_ignore_ascii_case(key)),
            _ => None,
        }
    }

    /// Follows a path of keys, case-insensitively.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.kind {
            NodeKind::Object(entries) => entries
                .iter_mut()
                .find(|e| e.key.eq_ignore_ascii_case(key))
                .map(|e| &mut e.value),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            NodeKind::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.kind {
            NodeKind::Number(Number::Int(i)) => Some(*i),
            NodeKind::Number(Number::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                Some(*f as i64)
            }
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Object(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, NodeKind::Unknown(_))
    }

    /// True when this value or anything inside it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match &self.kind {
            NodeKind::Unknown(_) => true,
            NodeKind::Array(items) => items.iter().any(Node::contains_unknown),
            NodeKind::Object(entries) => entries.iter().any(|e| e.value.contains_unknown()),
            _ => false,
        }
    }

    /// A short description of the kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "boolean",
            NodeKind::Number(_) => "number",
            NodeKind::String(_) => "string",
            NodeKind::Array(_) => "array",
            NodeKind::Object(_) => "object",
            NodeKind::Unknown(_) => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    fn sp() -> Span {
        Span::new(FileId(0), 0, 0)
    }

    #[test]
    fn lookup_is_case_insensitive() {
        let node = Node::new(
            sp(),
            NodeKind::Object(vec![Entry {
                key: "networkProfile".into(),
                key_span: sp(),
                value: Node::string(sp(), "x"),
            }]),
        );
        assert_eq!(node.get("NETWORKPROFILE").and_then(Node::as_str), Some("x"));
        assert!(node.get("other").is_none());
    }
}
