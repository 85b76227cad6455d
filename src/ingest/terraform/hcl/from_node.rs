//! Terraform's JSON configuration syntax (`.tf.json`), and the same shape
//! written as YAML, from our spanned [`Node`] tree into [`ast`](super::ast).
//!
//! JSON has no blocks: a nested block is an object (or an array of objects),
//! which evaluates to the same value the block would. Strings are templates
//! (`"${azurerm_subnet.nodes.id}"`), except variable defaults and tfvars values.

use super::ast::{Attr, Block, Body, Expr, ExprKind, ModuleConfig, ObjItem, MAX_EXPR_DEPTH};
use super::from_hcl::parse_string_template;
use crate::syntax::{Node, NodeKind, Number};

const TOP_LEVEL: &[&str] = &[
    "resource",
    "data",
    "variable",
    "locals",
    "module",
    "output",
    "provider",
    "terraform",
    "moved",
    "import",
    "check",
    "removed",
    "//",
];

/// True for a Terraform JSON (or Terraform-shaped YAML) configuration document:
/// only Terraform's top-level keys, with `resource` or `module`, and resource
/// types shaped `provider_type` (`azurerm_subnet`, `azapi_resource`).
pub fn is_tf_json(root: &Node) -> bool {
    let Some(entries) = root.as_object() else {
        return false;
    };
    if entries.is_empty() || !entries.iter().all(|e| TOP_LEVEL.contains(&e.key.as_str())) {
        return false;
    }
    let modules = entries.iter().any(|e| e.key == "module");
    let resources: Vec<&Node> = entries
        .iter()
        .filter(|e| e.key == "resource")
        .flat_map(|e| objects(&e.value))
        .collect();
    let types_ok = resources
        .iter()
        .flat_map(|r| r.as_object().unwrap_or_default())
        .all(|t| t.key == "//" || looks_like_resource_type(&t.key));
    (modules || !resources.is_empty()) && types_ok
}

fn looks_like_resource_type(t: &str) -> bool {
    match t.split_once('_') {
        Some((provider, rest)) => {
            !provider.is_empty()
                && !rest.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        }
        None => false,
    }
}

/// Terraform JSON allows every level to be an object or an array of objects.
fn objects(node: &Node) -> Vec<&Node> {
    match &node.kind {
        NodeKind::Object(_) => vec![node],
        NodeKind::Array(items) => items.iter().filter(|i| i.as_object().is_some()).collect(),
        _ => Vec::new(),
    }
}

/// `(key, key span, value)` of every member, looking through arrays of objects.
fn members(node: &Node) -> Vec<(&str, crate::source::Span, &Node)> {
    objects(node)
        .into_iter()
        .flat_map(|o| o.as_object().unwrap_or_default())
        .filter(|e| e.key != "//")
        .map(|e| (e.key.as_str(), e.key_span, &e.value))
        .collect()
}

/// Adds the declarations of one JSON/YAML configuration document.
pub(crate) fn add_document(cfg: &mut ModuleConfig, root: &Node, overrides: bool) {
    let add = |cfg: &mut ModuleConfig, b: Block| {
        if overrides {
            cfg.add_override(b);
        } else {
            cfg.add_block(b);
        }
    };
    for (kind, kind_span, value) in members(root) {
        match kind {
            "resource" | "data" => {
                for (rtype, _, by_name) in members(value) {
                    for (name, _, body) in members(by_name) {
                        add(cfg, block(kind, kind_span, vec![rtype, name], body));
                    }
                }
            }
            "variable" => {
                for (name, _, decl) in members(value) {
                    let mut b = block(kind, kind_span, vec![name], decl);
                    // Defaults are values, not templates; types are type expressions.
                    b.body
                        .attrs
                        .retain(|a| a.name != "default" && a.name != "type");
                    if let Some(d) = decl.get("default") {
                        b.body.attrs.push(literal_attr("default", d));
                    }
                    if let Some(t) = decl.get("type") {
                        b.body.attrs.push(type_attr(t));
                    }
                    add(cfg, b);
                }
            }
            "module" | "output" => {
                for (name, _, decl) in members(value) {
                    add(cfg, block(kind, kind_span, vec![name], decl));
                }
            }
            "locals" => add(cfg, block(kind, kind_span, Vec::new(), value)),
            _ => {}
        }
    }
}

/// `{"name": value}` of a `.tfvars.json` file: plain values.
pub(crate) fn tfvars(cfg: &mut ModuleConfig, root: &Node) {
    for (name, _, value) in members(root) {
        cfg.tfvars.insert(name.to_string(), literal(value, 0));
    }
}

fn block(ident: &str, ident_span: crate::source::Span, labels: Vec<&str>, node: &Node) -> Block {
    Block {
        ident: ident.to_string(),
        ident_span,
        labels: labels.into_iter().map(str::to_string).collect(),
        span: node.span,
        body: body(node),
    }
}

fn body(node: &Node) -> Body {
    let mut out = Body::default();
    for (key, key_span, value) in members(node) {
        if key == "dynamic" {
            for (ident, ident_span, spec) in members(value) {
                out.blocks
                    .push(block("dynamic", ident_span, vec![ident], spec));
            }
            continue;
        }
        out.attrs.push(Attr {
            name: key.to_string(),
            name_span: key_span,
            expr: expr(value, 0),
        });
    }
    out
}

/// `"type": "map(object({...}))"`: the string is a type expression.
fn type_attr(node: &Node) -> Attr {
    let text = node
        .as_str()
        .filter(|t| super::guard::too_many_unclosed(t, super::guard::Start::Body).is_none());
    let expr = match text.map(hcl::edit::parser::parse_expr) {
        Some(Ok(e)) => super::from_hcl::lower_expr(&e, node.span),
        _ => Expr {
            span: node.span,
            kind: ExprKind::Unsupported("unreadable type".into()),
        },
    };
    Attr {
        name: "type".into(),
        name_span: node.span,
        expr,
    }
}

fn literal_attr(name: &str, node: &Node) -> Attr {
    Attr {
        name: name.to_string(),
        name_span: node.span,
        expr: literal(node, 0),
    }
}

/// An expression: strings are templates.
fn expr(node: &Node, depth: usize) -> Expr {
    lower(node, depth, true)
}

/// A plain value: strings are taken as written.
fn literal(node: &Node, depth: usize) -> Expr {
    lower(node, depth, false)
}

fn lower(node: &Node, depth: usize, templates: bool) -> Expr {
    let span = node.span;
    if depth > MAX_EXPR_DEPTH {
        let kind = ExprKind::Unsupported("value nested too deeply".into());
        return Expr { span, kind };
    }
    let kind = match &node.kind {
        NodeKind::Null => ExprKind::Null,
        NodeKind::Bool(b) => ExprKind::Bool(*b),
        NodeKind::Number(Number::Int(i)) => ExprKind::Int(*i),
        NodeKind::Number(Number::Float(f)) => ExprKind::Float(*f),
        NodeKind::String(s) if templates && (s.contains("${") || s.contains("%{")) => {
            return parse_string_template(s, span)
        }
        NodeKind::String(s) => ExprKind::Str(s.clone()),
        NodeKind::Array(items) => ExprKind::Array(
            items
                .iter()
                .map(|i| lower(i, depth + 1, templates))
                .collect(),
        ),
        NodeKind::Object(entries) => ExprKind::Object(
            entries
                .iter()
                .filter(|e| e.key != "//")
                .map(|e| ObjItem {
                    key: Expr {
                        span: e.key_span,
                        kind: ExprKind::Str(e.key.clone()),
                    },
                    value: lower(&e.value, depth + 1, templates),
                })
                .collect(),
        ),
        NodeKind::Unknown(why) => ExprKind::Unsupported(why.clone()),
    };
    Expr { span, kind }
}
