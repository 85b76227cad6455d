//! Helpers over [`Node`] values as ARM sees them: stringification, equality,
//! and the deployment-scope placeholders.

use crate::source::Span;
use crate::syntax::{Entry, Node, NodeKind, Number};

/// Stand-ins for deployment-scope values that are unknown but may flow into ids.
pub const SUBSCRIPTION_PLACEHOLDER: &str = "{subscriptionId}";
pub const RESOURCE_GROUP_PLACEHOLDER: &str = "{resourceGroup}";

pub fn has_placeholder(s: &str) -> bool {
    s.contains(SUBSCRIPTION_PLACEHOLDER) || s.contains(RESOURCE_GROUP_PLACEHOLDER)
}

/// Deepest nesting of a value kept between evaluations (variables, parameters, deployment
/// outputs, `reduce` accumulators). Nesting could otherwise grow without bound from one
/// stored value to the next, and values are cloned and dropped recursively.
pub const MAX_VALUE_DEPTH: usize = 128;

/// The value, or an Unknown in its place when it is nested deeper than [`MAX_VALUE_DEPTH`].
pub fn bounded(n: Node) -> Node {
    if too_deep(&n) {
        Node::unknown(n.span, "value nested too deeply")
    } else {
        n
    }
}

/// True when the value nests deeper than [`MAX_VALUE_DEPTH`] (checked without recursion).
pub fn too_deep(n: &Node) -> bool {
    let mut stack = vec![(n, 1usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_VALUE_DEPTH {
            return true;
        }
        match &node.kind {
            NodeKind::Array(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
            NodeKind::Object(entries) => {
                stack.extend(entries.iter().map(|e| (&e.value, depth + 1)))
            }
            _ => {}
        }
    }
    false
}

/// Applies `f` to the text outside placeholders, so `toLower` keeps `{subscriptionId}` intact.
pub fn map_outside_placeholders(s: &str, f: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    loop {
        let next = [SUBSCRIPTION_PLACEHOLDER, RESOURCE_GROUP_PLACEHOLDER]
            .iter()
            .filter_map(|p| rest.find(p).map(|i| (i, p.len())))
            .min();
        match next {
            Some((i, len)) => {
                out.push_str(&f(&rest[..i]));
                out.push_str(&rest[i..i + len]);
                rest = &rest[i + len..];
            }
            None => {
                out.push_str(&f(rest));
                return out;
            }
        }
    }
}

pub fn int(span: Span, i: i64) -> Node {
    Node::new(span, NodeKind::Number(Number::Int(i)))
}

pub fn boolean(span: Span, b: bool) -> Node {
    Node::new(span, NodeKind::Bool(b))
}

pub fn array(span: Span, items: Vec<Node>) -> Node {
    Node::new(span, NodeKind::Array(items))
}

pub fn object(span: Span, members: Vec<(String, Node)>) -> Node {
    let entries = members
        .into_iter()
        .map(|(key, value)| Entry {
            key,
            key_span: span,
            value,
        })
        .collect();
    Node::new(span, NodeKind::Object(entries))
}

/// Text of a scalar as ARM's `string()`/`concat()` render it; compound values become compact JSON.
pub fn to_text(node: &Node) -> String {
    match &node.kind {
        NodeKind::String(s) => s.clone(),
        NodeKind::Null => String::new(),
        // ARM renders booleans the .NET way.
        NodeKind::Bool(true) => "True".into(),
        NodeKind::Bool(false) => "False".into(),
        _ => to_json(node),
    }
}

/// Compact JSON text of a value (unknown parts render as null).
pub fn to_json(node: &Node) -> String {
    let mut out = String::new();
    write_json(node, &mut out);
    out
}

fn write_json(node: &Node, out: &mut String) {
    match &node.kind {
        NodeKind::Null | NodeKind::Unknown(_) => out.push_str("null"),
        NodeKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        NodeKind::Number(Number::Int(i)) => out.push_str(&i.to_string()),
        NodeKind::Number(Number::Float(f)) => out.push_str(&f.to_string()),
        NodeKind::String(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
        NodeKind::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        NodeKind::Object(entries) => {
            out.push('{');
            for (i, e) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(e.key.clone()).to_string());
                out.push(':');
                write_json(&e.value, out);
            }
            out.push('}');
        }
    }
}

/// Structural equality ignoring spans; object keys compare case-insensitively.
/// `None` when the answer depends on something unknown.
pub fn deep_eq(a: &Node, b: &Node) -> Option<bool> {
    match (&a.kind, &b.kind) {
        (NodeKind::Unknown(_), _) | (_, NodeKind::Unknown(_)) => None,
        (NodeKind::String(x), NodeKind::String(y)) => {
            if x == y {
                Some(true)
            } else if has_placeholder(x) || has_placeholder(y) {
                None
            } else {
                Some(false)
            }
        }
        (NodeKind::Number(_), NodeKind::Number(_)) => Some(number(a) == number(b)),
        (NodeKind::Null, NodeKind::Null) => Some(true),
        (NodeKind::Bool(x), NodeKind::Bool(y)) => Some(x == y),
        (NodeKind::Array(x), NodeKind::Array(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            all_eq(x.iter().zip(y.iter()))
        }
        (NodeKind::Object(x), NodeKind::Object(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut pairs = Vec::with_capacity(x.len());
            for e in x {
                match b.get(&e.key) {
                    Some(other) => pairs.push((&e.value, other)),
                    None => return Some(false),
                }
            }
            all_eq(pairs.into_iter())
        }
        _ => Some(false),
    }
}

fn all_eq<'a>(pairs: impl Iterator<Item = (&'a Node, &'a Node)>) -> Option<bool> {
    let mut unknown = false;
    for (x, y) in pairs {
        match deep_eq(x, y) {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(true)
    }
}

fn number(n: &Node) -> f64 {
    match n.kind {
        NodeKind::Number(Number::Int(i)) => i as f64,
        NodeKind::Number(Number::Float(f)) => f,
        _ => f64::NAN,
    }
}

/// Converts parsed JSON into nodes that all carry `span` (the expression that produced them).
/// serde_json's own recursion limit bounds the depth.
pub fn from_json(v: &serde_json::Value, span: Span) -> Node {
    let kind = match v {
        serde_json::Value::Null => NodeKind::Null,
        serde_json::Value::Bool(b) => NodeKind::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => NodeKind::Number(Number::Int(i)),
            None => NodeKind::Number(Number::Float(n.as_f64().unwrap_or(f64::NAN))),
        },
        serde_json::Value::String(s) => NodeKind::String(s.clone()),
        serde_json::Value::Array(a) => {
            NodeKind::Array(a.iter().map(|x| from_json(x, span)).collect())
        }
        serde_json::Value::Object(o) => NodeKind::Object(
            o.iter()
                .map(|(k, x)| Entry {
                    key: k.clone(),
                    key_span: span,
                    value: from_json(x, span),
                })
                .collect(),
        ),
    };
    Node::new(span, kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> Node {
        Node::string(Span::default(), t)
    }

    #[test]
    fn case_mapping_keeps_placeholders() {
        let id = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/X";
        assert_eq!(
            map_outside_placeholders(id, str::to_lowercase),
            "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroup}/x"
        );
    }

    #[test]
    fn equality_is_unknown_only_when_placeholders_differ() {
        assert_eq!(deep_eq(&s("a"), &s("a")), Some(true));
        assert_eq!(deep_eq(&s("a"), &s("A")), Some(false));
        assert_eq!(deep_eq(&s("{resourceGroup}"), &s("rg")), None);
        assert_eq!(deep_eq(&int(Span::default(), 2), &s("2")), Some(false));
    }

    #[test]
    fn bounded_replaces_deep_values() {
        let mut deep = s("x");
        for _ in 0..MAX_VALUE_DEPTH {
            deep = array(Span::default(), vec![deep]);
        }
        assert!(bounded(deep.clone()).is_unknown());
        let shallow = array(Span::default(), vec![s("x")]);
        assert_eq!(bounded(shallow.clone()), shallow);
    }

    #[test]
    fn renders_text_like_arm() {
        assert_eq!(to_text(&boolean(Span::default(), true)), "True");
        let o = object(
            Span::default(),
            vec![(
                "a".into(),
                array(Span::default(), vec![int(Span::default(), 1)]),
            )],
        );
        assert_eq!(to_text(&o), "{\"a\":[1]}");
    }
}
