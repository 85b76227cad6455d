//! `azapi_resource`: an ARM resource written as `type` + `name` + `parent_id` +
//! `body`. The body is ARM's own JSON, so it goes through the ARM mapping.

use super::azurerm::Cx;
use crate::ingest::azure;
use crate::model::InventoryBuilder;
use crate::source::Span;
use crate::syntax::{json, Entry, Node, NodeKind};

pub(super) fn resource(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let values = &cx.r.values;
    let Some(type_node) = values.get("type").filter(|t| t.as_str().is_some()) else {
        b.count_other();
        return;
    };
    let full_type = type_node.as_str().unwrap_or_default();
    let arm_type = full_type.split('@').next().unwrap_or(full_type);
    let body = values.get("body").map(body_node);
    let node = arm_shape(cx, type_node, arm_type, body.as_ref());
    let mut res = azure::Resource::from_node(&node, Some(arm_type), cx.rs.id(cx.i));
    res.address = cx.r.address.clone();
    res.decl = cx.r.decl;
    azure::ingest_model(b, &res);
}

/// `{name, type, location, properties}` as ARM writes a resource, keeping the spans.
fn arm_shape(cx: &Cx<'_>, type_node: &Node, arm_type: &str, body: Option<&Node>) -> Node {
    let mut entries = Vec::new();
    let mut push = |key: &str, value: Node| {
        entries.push(Entry {
            key: key.to_string(),
            key_span: value.span,
            value,
        });
    };
    if let Some(name) = cx.r.values.get("name") {
        push("name", name.clone());
    }
    push("type", Node::string(type_node.span, arm_type));
    if let Some(location) = cx.r.values.get("location") {
        push("location", location.clone());
    }
    // azapi writes tags as their own attribute; an older body may carry them.
    let tags = cx.r.values.get("tags").filter(|t| !t.is_null());
    if let Some(tags) = tags.or_else(|| body.filter(|b| !b.is_unknown())?.get("tags")) {
        push("tags", tags.clone());
    }
    match body {
        Some(b) if b.is_unknown() => push("properties", b.clone()),
        Some(b) => {
            if let Some(props) = b.get("properties") {
                push("properties", props.clone());
            }
        }
        None => {}
    }
    Node::new(cx.r.decl, NodeKind::Object(entries))
}

/// The body as a node: an object as is, or (older azapi) a string holding JSON,
/// whose nodes then all point at the string.
fn body_node(body: &Node) -> Node {
    let Some(text) = body.as_str() else {
        return body.clone();
    };
    match json::parse(body.span.file, text) {
        Ok(mut parsed) => {
            respan(&mut parsed, body.span);
            parsed
        }
        Err(_) => Node::unknown(body.span, "azapi body is not JSON"),
    }
}

/// Points every node (and key) of a tree at one span, without recursion.
fn respan(root: &mut Node, span: Span) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        node.span = span;
        match &mut node.kind {
            NodeKind::Array(items) => stack.extend(items.iter_mut()),
            NodeKind::Object(entries) => {
                for e in entries.iter_mut() {
                    e.key_span = span;
                    stack.push(&mut e.value);
                }
            }
            _ => {}
        }
    }
}
