//! Reading typed model values out of spanned nodes, the same way for every format.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::{Field, ResourceId, Tags};
use crate::syntax::{Node, NodeKind, Number};

/// A string value; numbers and booleans are taken as their text.
pub fn string(node: Option<&Node>) -> Field<String> {
    let Some(n) = node else { return Field::Absent };
    match &n.kind {
        NodeKind::Null => Field::Absent,
        NodeKind::String(s) => Field::Known(s.clone(), n.span),
        NodeKind::Bool(b) => Field::Known(b.to_string(), n.span),
        NodeKind::Number(_) => match n.as_i64() {
            Some(i) => Field::Known(i.to_string(), n.span),
            None => Field::Unknown(n.span),
        },
        _ => Field::Unknown(n.span),
    }
}

/// A non-empty string; `""` counts as absent, as Azure treats it.
pub fn nonempty_string(node: Option<&Node>) -> Field<String> {
    match string(node) {
        Field::Known(s, _) if s.trim().is_empty() => Field::Absent,
        other => other,
    }
}

pub fn int(node: Option<&Node>) -> Field<i64> {
    let Some(n) = node else { return Field::Absent };
    match &n.kind {
        NodeKind::Null => Field::Absent,
        NodeKind::Number(_) => match n.as_i64() {
            Some(i) => Field::Known(i, n.span),
            None => Field::Unknown(n.span),
        },
        NodeKind::String(s) => match s.trim().parse() {
            Ok(i) => Field::Known(i, n.span),
            Err(_) => Field::Unknown(n.span),
        },
        _ => Field::Unknown(n.span),
    }
}

/// A number (or numeric string) that is not an integer AKS could take:
/// fractional, beyond 64 bits, or not finite. Absent for anything else, so that
/// [`int`]'s Unknown for such values can still be judged (AKS206).
pub fn non_integer(node: Option<&Node>) -> Field<String> {
    let Some(n) = node else { return Field::Absent };
    match &n.kind {
        NodeKind::Number(num) if n.as_i64().is_none() => {
            let text = match num {
                Number::Float(f) if f.is_finite() => f.to_string(),
                Number::Float(_) => "a number beyond any integer".to_string(),
                Number::Int(i) => i.to_string(),
            };
            Field::Known(text, n.span)
        }
        NodeKind::String(s) => {
            let t = s.trim();
            match (t.parse::<i64>(), t.parse::<f64>()) {
                (Err(_), Ok(_)) => Field::Known(t.to_string(), n.span),
                _ => Field::Absent,
            }
        }
        _ => Field::Absent,
    }
}

pub fn boolean(node: Option<&Node>) -> Field<bool> {
    let Some(n) = node else { return Field::Absent };
    match &n.kind {
        NodeKind::Null => Field::Absent,
        NodeKind::Bool(b) => Field::Known(*b, n.span),
        NodeKind::String(s) if s.eq_ignore_ascii_case("true") => Field::Known(true, n.span),
        NodeKind::String(s) if s.eq_ignore_ascii_case("false") => Field::Known(false, n.span),
        _ => Field::Unknown(n.span),
    }
}

/// A CIDR. Host bits are kept (rules report them); a bare address is a single-host prefix.
pub fn cidr(node: Option<&Node>) -> Field<IpNet> {
    match nonempty_string(node) {
        Field::Known(s, span) => match parse_cidr(&s) {
            Some(net) => Field::Known(net, span),
            None => Field::Unknown(span),
        },
        Field::Unknown(s) => Field::Unknown(s),
        _ => Field::Absent,
    }
}

pub use crate::model::cidr::parse_cidr;

pub fn ip(node: Option<&Node>) -> Field<IpAddr> {
    match nonempty_string(node) {
        Field::Known(s, span) => match s.trim().parse() {
            Ok(a) => Field::Known(a, span),
            Err(_) => Field::Unknown(span),
        },
        Field::Unknown(s) => Field::Unknown(s),
        _ => Field::Absent,
    }
}

/// A resource id, written as a string or as `{ "id": "…" }`.
pub fn resource_id(node: Option<&Node>) -> Field<ResourceId> {
    let Some(n) = node else { return Field::Absent };
    let target = match &n.kind {
        NodeKind::Object(_) => match n.get("id") {
            Some(id) => id,
            None => return Field::Absent,
        },
        _ => n,
    };
    match nonempty_string(Some(target)) {
        Field::Known(s, span) => match ResourceId::parse(&s) {
            Some(id) => Field::Known(id, span),
            None => Field::Unknown(span),
        },
        Field::Unknown(s) => Field::Unknown(s),
        _ => Field::Absent,
    }
}

/// `upgradeSettings.maxSurge` / `max_surge`: a node count or a percentage (F-041).
pub fn max_surge(node: Option<&Node>) -> Field<crate::model::MaxSurge> {
    match nonempty_string(node) {
        Field::Known(s, span) => match crate::model::MaxSurge::parse(&s) {
            Some(m) => Field::Known(m, span),
            None => Field::Unknown(span),
        },
        Field::Unknown(span) => Field::Unknown(span),
        _ => Field::Absent,
    }
}

/// A list of values: an array, a single value, or an unknown list.
pub fn list<T>(node: Option<&Node>, item: impl Fn(Option<&Node>) -> Field<T>) -> Vec<Field<T>> {
    let Some(n) = node else { return Vec::new() };
    match &n.kind {
        NodeKind::Array(items) => items
            .iter()
            .map(|i| item(Some(i)))
            .filter(|f| !f.is_absent())
            .collect(),
        NodeKind::Null => Vec::new(),
        NodeKind::Unknown(_) => vec![Field::Unknown(n.span)],
        _ => {
            let f = item(Some(n));
            if f.is_absent() {
                Vec::new()
            } else {
                vec![f]
            }
        }
    }
}

/// A `tags` map. Values read as strings (ARM expressions arrive evaluated); a
/// value that is not a map (unknown, or not evaluable) leaves the tags unknown.
pub fn tags(node: Option<&Node>) -> Tags {
    let Some(n) = node else {
        return Tags::default();
    };
    match &n.kind {
        NodeKind::Null => Tags::default(),
        NodeKind::Object(entries) => {
            let mut out = Tags::written_at(n.span);
            for e in entries.iter().filter(|e| !e.value.is_null()) {
                out.push(e.key.clone(), string(Some(&e.value)));
            }
            out
        }
        _ => Tags::unknown(n.span),
    }
}

/// Every permission block's actions and not-actions; an unevaluated list is one unknown.
pub fn permissions(
    node: Option<&Node>,
    actions: &str,
    not_actions: &str,
) -> (Vec<Field<String>>, Vec<Field<String>>) {
    let blocks: Vec<&Node> = match node.map(|n| &n.kind) {
        Some(NodeKind::Array(items)) => items.iter().collect(),
        Some(NodeKind::Object(_)) => node.into_iter().collect(),
        Some(NodeKind::Null) | None => Vec::new(),
        Some(_) => {
            return (
                vec![Field::Unknown(
                    node.map_or_else(Default::default, |n| n.span),
                )],
                Vec::new(),
            )
        }
    };
    let mut out = (Vec::new(), Vec::new());
    for block in blocks {
        if block.is_unknown() {
            out.0.push(Field::Unknown(block.span));
            continue;
        }
        out.0.extend(list(block.get(actions), nonempty_string));
        out.1.extend(list(block.get(not_actions), nonempty_string));
    }
    out
}

/// How the ARM evaluator names a deployment-time `reference()` of a cluster or a
/// user-assigned identity in an unknown value's reason, followed by the
/// properties read from it: `reference(<id>).identity.principalId`.
pub const REFERENCE_MARK: &str = "deployment-time reference(";

/// The resource id and the property path of a [`REFERENCE_MARK`] reason.
pub fn referenced_property(why: &str) -> Option<(ResourceId, &str)> {
    let rest = why.strip_prefix(REFERENCE_MARK)?;
    let (id, path) = rest.split_once(')')?;
    Some((ResourceId::parse(id)?, path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::syntax::json;

    fn read(text: &str) -> (Field<i64>, Field<String>) {
        let node = json::parse(FileId(0), text).expect("valid JSON");
        (int(Some(&node)), non_integer(Some(&node)))
    }

    #[test]
    fn numbers_that_are_no_integers_are_kept_as_written() {
        assert!(matches!(read("30.5").1, Field::Known(ref t, _) if t == "30.5"));
        assert!(matches!(read("1e400").1, Field::Known(ref t, _) if t.contains("beyond")));
        assert!(read("9223372036854775808").1.known().is_some());
        assert!(read("\"30.5\"").1.known().is_some());
        // Integers, 110.0 included, are ints; other strings are neither.
        assert_eq!(read("110.0").0.value(), Some(&110));
        assert!(read("110.0").1.is_absent());
        assert!(read("\"[parameters('p')]\"").1.is_absent());
    }
}
