//! Variable type constraints, applied the way Terraform converts a value:
//! `optional()` object attributes that are missing become their default (or
//! null), and primitives convert (`"3"` → 3 for a `number`). Modules rely on
//! this: `each.value.kubelet_config == null` must not fail on a missing key.

use super::ast::{Expr, ExprKind};
use super::eval::{Evaluator, Scope};
use super::value::{self, as_f64, to_bool, to_str};
use crate::syntax::{Entry, Node, NodeKind};

impl Evaluator<'_, '_> {
    /// Converts `v` to type `ty`; what does not fit is left as it is.
    pub(crate) fn conform(&mut self, sc: &Scope, v: Node, ty: &Expr, depth: usize) -> Node {
        if depth > 32 || matches!(v.kind, NodeKind::Unknown(_) | NodeKind::Null) {
            return v;
        }
        match &ty.kind {
            ExprKind::Var(name) => primitive(v, name),
            ExprKind::Call(name, args, _) => match (name.as_str(), args.as_slice()) {
                ("list", [elem]) => self.conform_items(sc, v, elem, depth),
                ("set", [elem]) => as_set(self.conform_items(sc, v, elem, depth)),
                ("map", [elem]) => self.conform_values(sc, v, elem, depth),
                ("object", [fields]) => self.conform_object(sc, v, fields, depth),
                ("optional", [inner, ..]) => self.conform(sc, v, inner, depth + 1),
                _ => v,
            },
            _ => v,
        }
    }

    fn conform_items(&mut self, sc: &Scope, v: Node, elem: &Expr, depth: usize) -> Node {
        let span = v.span;
        match v.kind {
            NodeKind::Array(items) => {
                let items = items
                    .into_iter()
                    .map(|i| self.conform(sc, i, elem, depth + 1))
                    .collect();
                value::array(span, items)
            }
            kind => Node::new(span, kind),
        }
    }

    fn conform_values(&mut self, sc: &Scope, v: Node, elem: &Expr, depth: usize) -> Node {
        let span = v.span;
        match v.kind {
            NodeKind::Object(entries) => {
                let entries = entries
                    .into_iter()
                    .map(|e| Entry {
                        value: self.conform(sc, e.value, elem, depth + 1),
                        ..e
                    })
                    .collect();
                Node::new(span, NodeKind::Object(entries))
            }
            kind => Node::new(span, kind),
        }
    }

    /// `object({ a = string, b = optional(number, 3) })`.
    fn conform_object(&mut self, sc: &Scope, v: Node, fields: &Expr, depth: usize) -> Node {
        let (ExprKind::Object(decls), NodeKind::Object(_)) = (&fields.kind, &v.kind) else {
            return v;
        };
        let span = v.span;
        let NodeKind::Object(mut entries) = v.kind else {
            return Node::new(span, v.kind);
        };
        for d in decls {
            let ExprKind::Str(name) = &d.key.kind else {
                continue;
            };
            match entries.iter().position(|e| &e.key == name) {
                Some(i) => {
                    let e = entries.remove(i);
                    let value = self.conform(sc, e.value, &d.value, depth + 1);
                    entries.insert(i, Entry { value, ..e });
                }
                None => {
                    if let Some(missing) = self.optional_default(sc, &d.value, depth) {
                        entries.push(Entry {
                            key: name.clone(),
                            key_span: span,
                            value: missing,
                        });
                    }
                }
            }
        }
        Node::new(span, NodeKind::Object(entries))
    }

    /// The value of a missing `optional(T[, default])` attribute.
    fn optional_default(&mut self, sc: &Scope, ty: &Expr, depth: usize) -> Option<Node> {
        let ExprKind::Call(name, args, _) = &ty.kind else {
            return None;
        };
        if name != "optional" {
            return None;
        }
        let (inner, default) = match args.as_slice() {
            [inner] => (inner, None),
            [inner, d, ..] => (inner, Some(d)),
            [] => return None,
        };
        let node = match default {
            Some(d) => self.eval_val(sc, d).node,
            None => Node::new(ty.span, NodeKind::Null),
        };
        Some(self.conform(sc, node, inner, depth + 1))
    }
}

/// A set of strings is sorted and without duplicates, as Terraform iterates it.
fn as_set(v: Node) -> Node {
    let span = v.span;
    match v.kind {
        NodeKind::Array(mut items) if items.iter().all(|i| i.as_str().is_some()) => {
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            items.dedup_by(|a, b| a.as_str() == b.as_str());
            value::array(span, items)
        }
        kind => Node::new(span, kind),
    }
}

/// Terraform's automatic conversions between primitive types.
fn primitive(v: Node, ty: &str) -> Node {
    let span = v.span;
    let converted = match ty {
        "string" => match v.kind {
            NodeKind::Number(_) | NodeKind::Bool(_) => to_str(&v).map(|s| Node::string(span, s)),
            _ => None,
        },
        "number" => match v.kind {
            NodeKind::String(_) => as_f64(&v).map(|f| value::float(span, f)),
            _ => None,
        },
        "bool" => match v.kind {
            NodeKind::String(_) => to_bool(&v).map(|b| value::boolean(span, b)),
            _ => None,
        },
        _ => None,
    };
    converted.unwrap_or(v)
}
