//! Helpers on evaluated values ([`Node`]s): Terraform's conversions and equality.

use crate::source::Span;
use crate::syntax::{Entry, Node, NodeKind, Number};

/// Deepest value we keep; deeper results become unknown, so later recursive
/// walks (and `Drop`) stay shallow whatever the input.
pub(crate) const MAX_VALUE_DEPTH: usize = 100;

pub(crate) fn int(span: Span, i: i64) -> Node {
    Node::new(span, NodeKind::Number(Number::Int(i)))
}

pub(crate) fn float(span: Span, f: f64) -> Node {
    // Whole results stay integers so that `count = 4 / 2` indexes like Terraform.
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        return int(span, f as i64);
    }
    Node::new(span, NodeKind::Number(Number::Float(f)))
}

pub(crate) fn boolean(span: Span, b: bool) -> Node {
    Node::new(span, NodeKind::Bool(b))
}

pub(crate) fn array(span: Span, items: Vec<Node>) -> Node {
    Node::new(span, NodeKind::Array(items))
}

pub(crate) fn object(span: Span, entries: Vec<(String, Node)>) -> Node {
    let entries = entries
        .into_iter()
        .map(|(key, value)| Entry {
            key,
            key_span: span,
            value,
        })
        .collect();
    Node::new(span, NodeKind::Object(entries))
}

pub(crate) fn as_f64(n: &Node) -> Option<f64> {
    match &n.kind {
        NodeKind::Number(Number::Int(i)) => Some(*i as f64),
        NodeKind::Number(Number::Float(f)) => Some(*f),
        // Terraform converts numeric strings where a number is expected.
        NodeKind::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn as_int(n: &Node) -> Option<i64> {
    match &n.kind {
        NodeKind::String(s) => s.trim().parse().ok(),
        _ => n.as_i64(),
    }
}

/// Terraform's string conversion of a primitive (`tostring`, interpolation).
pub(crate) fn to_str(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::String(s) => Some(s.clone()),
        NodeKind::Bool(b) => Some(b.to_string()),
        NodeKind::Number(Number::Int(i)) => Some(i.to_string()),
        NodeKind::Number(Number::Float(f)) => Some(f.to_string()),
        _ => None,
    }
}

pub(crate) fn to_bool(n: &Node) -> Option<bool> {
    match &n.kind {
        NodeKind::Bool(b) => Some(*b),
        NodeKind::String(s) if s == "true" => Some(true),
        NodeKind::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// Structural equality, ignoring spans; numbers compare by value.
pub(crate) fn equal(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Number(_), NodeKind::Number(_)) => as_f64(a) == as_f64(b),
        (NodeKind::Array(x), NodeKind::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (NodeKind::Object(x), NodeKind::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|e| {
                    y.iter()
                        .any(|f| f.key == e.key && equal(&e.value, &f.value))
                })
        }
        (x, y) => x == y,
    }
}

/// Object members in Terraform's iteration order: lexical by key.
pub(crate) fn sorted_entries(entries: &[Entry]) -> Vec<&Entry> {
    let mut v: Vec<&Entry> = entries.iter().collect();
    v.sort_by(|a, b| a.key.cmp(&b.key));
    v
}

/// Number of nodes, counting at most `cap` (a cheap size check before cloning).
pub(crate) fn size(n: &Node, cap: usize) -> usize {
    let mut count = 0;
    let mut stack = vec![n];
    while let Some(x) = stack.pop() {
        count += 1;
        if count >= cap {
            return cap;
        }
        match &x.kind {
            NodeKind::Array(items) => stack.extend(items.iter()),
            NodeKind::Object(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    count
}

/// True when the value nests deeper than `limit` (recursion bounded by `limit`).
pub(crate) fn too_deep(n: &Node, limit: usize) -> bool {
    if limit == 0 {
        return true;
    }
    match &n.kind {
        NodeKind::Array(items) => items.iter().any(|i| too_deep(i, limit - 1)),
        NodeKind::Object(entries) => entries.iter().any(|e| too_deep(&e.value, limit - 1)),
        _ => false,
    }
}

pub(crate) fn is_scalar(n: &Node) -> bool {
    !matches!(n.kind, NodeKind::Array(_) | NodeKind::Object(_))
}

/// The first unknown inside a value, for propagating its reason.
pub(crate) fn first_unknown(n: &Node) -> Option<&str> {
    let mut stack = vec![n];
    while let Some(x) = stack.pop() {
        match &x.kind {
            NodeKind::Unknown(why) => return Some(why),
            NodeKind::Array(items) => stack.extend(items.iter().rev()),
            NodeKind::Object(entries) => stack.extend(entries.iter().rev().map(|e| &e.value)),
            _ => {}
        }
    }
    None
}

/// Hidden member of a resource instance as other expressions see it: its
/// address, so that a computed attribute read from it (even through a `for`
/// or a module output) knows which resource it belongs to.
pub(crate) const ADDRESS_KEY: &str = "\u{1}address";

const COMPUTED: &str = " is known only when Terraform runs";

/// The reason of an unknown computed attribute, naming its resource.
pub(crate) fn computed(what: &str, address: &str) -> String {
    format!("{what} of {address}{COMPUTED}")
}

/// The resource address a [`computed`] reason names.
pub(crate) fn computed_origin(reason: &str) -> Option<&str> {
    reason
        .strip_suffix(COMPUTED)?
        .split_once(" of ")
        .map(|(_, a)| a)
}

/// Addresses of the resources whose computed attributes a value holds, sorted.
pub(crate) fn origins(n: &Node) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut stack = vec![n];
    while let Some(x) = stack.pop() {
        match &x.kind {
            NodeKind::Unknown(why) => out.extend(computed_origin(why).map(str::to_string)),
            NodeKind::Array(items) => stack.extend(items.iter()),
            NodeKind::Object(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Removes [`ADDRESS_KEY`] members from a value copied into a resource's attributes.
pub(crate) fn strip_hidden(n: &mut Node) {
    let mut stack = vec![n];
    while let Some(x) = stack.pop() {
        match &mut x.kind {
            NodeKind::Array(items) => stack.extend(items.iter_mut()),
            NodeKind::Object(entries) => {
                entries.retain(|e| e.key != ADDRESS_KEY);
                stack.extend(entries.iter_mut().map(|e| &mut e.value));
            }
            _ => {}
        }
    }
}
