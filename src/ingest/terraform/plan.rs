//! `terraform show -json` output, for a plan (`planned_values`, `resource_changes`,
//! `configuration`) or a state (`values`), into [`TfResource`]s.
//!
//! A plan leaves values that are unknown until apply out of `values` and marks
//! them `true` in `resource_changes[].change.after_unknown`. Such a value becomes
//! `NodeKind::Unknown` when the configuration sets the attribute (pointing at the
//! configuration's expression); when the configuration leaves it out, the provider
//! or Azure computes it, so it stays absent and the model applies Azure's default.
//! References come from `configuration`, followed through module inputs
//! (`var.x`) and outputs (`module.net.x`).

use std::collections::{HashMap, HashSet};

use super::address::{module_prefix, names_instance, steps, without_key};
use super::{ingest_tf, TfResource};
use crate::model::InventoryBuilder;
use crate::source::Span;
use crate::syntax::{Entry, Node, NodeKind};

/// How far references are followed through module inputs and outputs.
const MAX_MODULE_HOPS: usize = 16;

/// Deepest `after_unknown` nesting applied; provider schemas nest a handful of levels.
const MAX_NESTING: usize = 64;

/// True for `terraform show -json` output of a plan or a state.
pub fn is_plan_or_state(root: &Node) -> bool {
    let has = |k: &str| root.get(k).is_some_and(|n| !n.is_null());
    root.get("format_version").and_then(Node::as_str).is_some()
        && (has("terraform_version")
            || [
                "planned_values",
                "values",
                "resource_changes",
                "prior_state",
            ]
            .iter()
            .any(|k| has(k)))
}

/// Adds the resources of a plan or state. Returns how many managed resources were read.
pub fn ingest_plan(b: &mut InventoryBuilder, root: &Node) -> usize {
    let resources = resources(root);
    ingest_tf(b, &resources);
    resources
        .iter()
        .filter(|r| !super::address::is_data_source(&r.address))
        .count()
}

/// The resources of a plan (`planned_values`) or state (`values`), with data
/// sources (also from `prior_state`) for references to point at.
pub fn resources(root: &Node) -> Vec<TfResource> {
    let config = Config::new(root.get("configuration"));
    let unknown = after_unknown(root);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let planned = root
        .path(&["planned_values", "root_module"])
        .or_else(|| root.path(&["values", "root_module"]));
    for (res, data_only) in module_resources(planned, false)
        .into_iter()
        .chain(module_resources(
            root.path(&["prior_state", "values", "root_module"]),
            true,
        ))
    {
        if let Some(r) = resource(res, data_only, &config, &unknown) {
            if seen.insert(r.address.clone()) {
                out.push(r);
            }
        }
    }
    out
}

/// Every resource object of a module tree, with whether only data sources are wanted.
fn module_resources(root: Option<&Node>, data_only: bool) -> Vec<(&Node, bool)> {
    let mut out = Vec::new();
    let mut stack: Vec<&Node> = root.into_iter().collect();
    while let Some(module) = stack.pop() {
        let resources = module.get("resources").and_then(Node::as_array);
        out.extend(resources.unwrap_or_default().iter().map(|r| (r, data_only)));
        let children = module.get("child_modules").and_then(Node::as_array);
        // Reversed so that modules come out in file order.
        stack.extend(children.unwrap_or_default().iter().rev());
    }
    out
}

fn resource(
    res: &Node,
    data_only: bool,
    config: &Config<'_>,
    unknown: &HashMap<&str, &Node>,
) -> Option<TfResource> {
    let address = res.get("address").and_then(Node::as_str)?;
    let resource_type = res.get("type").and_then(Node::as_str)?;
    let is_data = res.get("mode").and_then(Node::as_str) == Some("data");
    if data_only && !is_data {
        return None;
    }
    let declared = config.resource(address);
    let expressions = declared.and_then(|d| d.get("expressions"));
    let mut values = match res.get("values") {
        Some(v) if !v.is_null() => v.clone(),
        _ => Node::new(res.span, NodeKind::Object(Vec::new())),
    };
    if let Some(marks) = unknown.get(address) {
        let cfg = match (declared, expressions) {
            (Some(_), Some(e)) => Cfg::Block(e),
            // Declared with no expressions: the configuration sets nothing.
            (Some(_), None) => Cfg::Unset,
            (None, _) => Cfg::Missing,
        };
        overlay_object(&mut values, marks, cfg, 0);
    }
    let refs = expressions.map_or_else(Vec::new, |e| config.refs(address, e));
    Some(TfResource {
        resource_type: resource_type.to_string(),
        address: address.to_string(),
        values,
        decl: res.span,
        refs,
    })
}

/// `resource_changes[].change.after_unknown` by address.
fn after_unknown(root: &Node) -> HashMap<&str, &Node> {
    let changes = root.get("resource_changes").and_then(Node::as_array);
    changes
        .unwrap_or_default()
        .iter()
        .filter_map(|c| {
            let address = c.get("address").and_then(Node::as_str)?;
            let marks = c.path(&["change", "after_unknown"])?;
            Some((address, marks))
        })
        .collect()
}

/// What the configuration says about a value being overlaid.
#[derive(Clone, Copy)]
enum Cfg<'a> {
    /// No configuration to consult: an unknown value stays unknown.
    Missing,
    /// A block's expressions (an object of attribute → expression or nested blocks).
    Block(&'a Node),
    /// Inside one expression: the configuration sets the value.
    Expr(&'a Node),
    /// The configuration does not set the value.
    Unset,
}

fn is_expression(node: &Node) -> bool {
    node.get("references").is_some() || node.get("constant_value").is_some()
}

impl<'a> Cfg<'a> {
    fn of(node: &'a Node) -> Cfg<'a> {
        if is_expression(node) {
            Cfg::Expr(node)
        } else {
            Cfg::Block(node)
        }
    }

    fn child(self, key: &str) -> Cfg<'a> {
        match self {
            Cfg::Block(n) => {
                // A single nested block may be written as a list of one.
                let block = match n.as_array() {
                    Some([one]) => one,
                    _ => n,
                };
                block.get(key).map_or(Cfg::Unset, Cfg::of)
            }
            other => other,
        }
    }

    fn item(self, i: usize) -> Cfg<'a> {
        match self {
            Cfg::Block(n) => match n.as_array() {
                // More blocks planned than written (a `dynamic` block): say nothing.
                Some(items) => items.get(i).map_or(Cfg::Missing, Cfg::of),
                None => Cfg::Block(n),
            },
            other => other,
        }
    }

    /// Where an unknown value points: the first reference of the expression that
    /// sets it (`"azurerm_subnet.nodes.id"`), else the expression, else the mark.
    /// `None` when the configuration leaves the value to the provider.
    fn unknown_span(self, mark: Span) -> Option<Span> {
        match self {
            Cfg::Unset => None,
            Cfg::Missing => Some(mark),
            Cfg::Block(n) => Some(n.span),
            Cfg::Expr(n) => {
                let first = n.get("references").and_then(Node::as_array);
                Some(first.and_then(<[Node]>::first).map_or(n.span, |r| r.span))
            }
        }
    }
}

fn unknown_node(span: Span) -> Node {
    Node::unknown(span, "known after apply")
}

/// Applies `after_unknown` marks (`true` = unknown) to an object of values.
fn overlay_object(values: &mut Node, marks: &Node, cfg: Cfg<'_>, depth: usize) {
    if depth > MAX_NESTING {
        return;
    }
    let Some(marks) = marks.as_object() else {
        return;
    };
    if values.is_null() {
        values.kind = NodeKind::Object(Vec::new());
    }
    let NodeKind::Object(entries) = &mut values.kind else {
        return;
    };
    for mark in marks {
        let c = cfg.child(&mark.key);
        let existing = entries
            .iter()
            .position(|e| e.key.eq_ignore_ascii_case(&mark.key));
        match (&mark.value.kind, existing) {
            (NodeKind::Bool(true), _) => {
                let Some(span) = c.unknown_span(mark.value.span) else {
                    continue;
                };
                match existing {
                    Some(i) => entries[i].value = unknown_node(span),
                    None => entries.push(Entry {
                        key: mark.key.clone(),
                        key_span: mark.key_span,
                        value: unknown_node(span),
                    }),
                }
            }
            (NodeKind::Object(_) | NodeKind::Array(_), Some(i)) => {
                // A block planned but not in the expressions was written as a
                // `dynamic` block (which the JSON configuration omits): its
                // unknown values may well be configured.
                let c = match c {
                    Cfg::Unset => Cfg::Missing,
                    other => other,
                };
                overlay_value(&mut entries[i].value, &mark.value, c, depth + 1)
            }
            // A configured block whose every value is unknown is left out of `values`.
            (NodeKind::Object(_) | NodeKind::Array(_), None) if !matches!(c, Cfg::Unset) => {
                let empty = match mark.value.kind {
                    NodeKind::Array(_) => NodeKind::Array(Vec::new()),
                    _ => NodeKind::Object(Vec::new()),
                };
                let mut value = Node::new(mark.value.span, empty);
                overlay_value(&mut value, &mark.value, c, depth + 1);
                entries.push(Entry {
                    key: mark.key.clone(),
                    key_span: mark.key_span,
                    value,
                });
            }
            _ => {}
        }
    }
}

fn overlay_value(value: &mut Node, marks: &Node, cfg: Cfg<'_>, depth: usize) {
    match &marks.kind {
        NodeKind::Object(_) => overlay_object(value, marks, cfg, depth),
        NodeKind::Array(items) => {
            if value.is_null() && !matches!(cfg, Cfg::Unset) {
                value.kind = NodeKind::Array(Vec::new());
            }
            let NodeKind::Array(values) = &mut value.kind else {
                return;
            };
            for (i, mark) in items.iter().enumerate() {
                let c = cfg.item(i);
                if i >= values.len() {
                    values.push(Node::new(mark.span, NodeKind::Null));
                }
                match &mark.kind {
                    NodeKind::Bool(true) => {
                        if let Some(span) = c.unknown_span(mark.span) {
                            values[i] = unknown_node(span);
                        }
                    }
                    NodeKind::Object(_) | NodeKind::Array(_) => {
                        overlay_value(&mut values[i], mark, c, depth + 1)
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// The `configuration` section: modules by path, and the calls that pass them inputs.
struct Config<'a> {
    /// Config path (`""`, `net`, `net.inner`) → module (`resources`, `module_calls`, `outputs`).
    modules: HashMap<String, &'a Node>,
    /// Config path → the expressions of the call to that module.
    calls: HashMap<String, &'a Node>,
    /// `path|data.type.name` or `path|type.name` → the resource's configuration.
    resources: HashMap<String, &'a Node>,
}

/// Where a reference is read: the module instance (`["module.net[0]"]`) and its
/// configuration path (`["net"]`).
#[derive(Clone)]
struct Scope {
    prefix: Vec<String>,
    path: Vec<String>,
}

impl Scope {
    fn parent(&self) -> Option<Scope> {
        let (_, prefix) = self.prefix.split_last()?;
        let (_, path) = self.path.split_last()?;
        Some(Scope {
            prefix: prefix.to_vec(),
            path: path.to_vec(),
        })
    }

    fn child(&self, call_step: &str) -> Scope {
        let mut s = self.clone();
        s.prefix.push(format!("module.{call_step}"));
        s.path.push(without_key(call_step).to_string());
        s
    }

    fn address(&self, relative: &str) -> String {
        let mut parts = self.prefix.clone();
        parts.push(relative.to_string());
        parts.join(".")
    }
}

impl<'a> Config<'a> {
    fn new(configuration: Option<&'a Node>) -> Config<'a> {
        let mut modules = HashMap::new();
        let mut calls = HashMap::new();
        let mut stack: Vec<(String, &Node)> = configuration
            .and_then(|c| c.get("root_module"))
            .map(|m| (String::new(), m))
            .into_iter()
            .collect();
        while let Some((path, module)) = stack.pop() {
            let module_calls = module.get("module_calls").and_then(Node::as_object);
            for call in module_calls.unwrap_or_default() {
                let child = if path.is_empty() {
                    call.key.clone()
                } else {
                    format!("{path}.{}", call.key)
                };
                if let Some(e) = call.value.get("expressions") {
                    calls.insert(child.clone(), e);
                }
                if let Some(m) = call.value.get("module") {
                    stack.push((child, m));
                }
            }
            modules.insert(path, module);
        }
        let resources = modules
            .iter()
            .flat_map(|(path, module)| {
                let list = module.get("resources").and_then(Node::as_array);
                list.unwrap_or_default()
                    .iter()
                    .filter_map(move |r| Some((resource_key(path, r)?, r)))
            })
            .collect();
        Config {
            modules,
            calls,
            resources,
        }
    }

    /// The configuration block of a resource instance.
    fn resource(&self, address: &str) -> Option<&'a Node> {
        let scope = scope_of(address);
        let own: Vec<&str> = steps(address)
            .into_iter()
            .skip(scope.prefix.len() * 2)
            .map(without_key)
            .collect();
        let key = format!("{}|{}", scope.path.join("."), own.join("."));
        self.resources.get(&key).copied()
    }

    /// `(attribute path, target address)` for every reference in a resource's expressions.
    fn refs(&self, address: &str, expressions: &Node) -> Vec<(String, String)> {
        let scope = scope_of(address);
        let mut out = Vec::new();
        for (path, refs) in expression_refs(expressions) {
            let mut targets = Vec::new();
            for r in refs {
                self.resolve(&scope, r, 0, &mut targets);
            }
            for t in most_specific(targets) {
                out.push((path.clone(), t));
            }
        }
        out
    }

    /// The resource addresses one reference string leads to.
    fn resolve(&self, scope: &Scope, reference: &str, hops: usize, out: &mut Vec<String>) {
        if hops > MAX_MODULE_HOPS {
            return;
        }
        match parse_reference(reference) {
            Reference::Resource(relative) => out.push(scope.address(&relative)),
            Reference::Var(name) => {
                let Some(parent) = scope.parent() else {
                    return;
                };
                let call = self.calls.get(&scope.path.join("."));
                let refs = call.and_then(|c| c.get(name)).map(references);
                for r in refs.unwrap_or_default() {
                    self.resolve(&parent, r, hops + 1, out);
                }
            }
            Reference::Output(call_step, output) => {
                let child = scope.child(call_step);
                let module = self.modules.get(&child.path.join("."));
                let expr = module.and_then(|m| m.path(&["outputs", output, "expression"]));
                for r in expr.map(references).unwrap_or_default() {
                    self.resolve(&child, r, hops + 1, out);
                }
            }
            Reference::Other => {}
        }
    }
}

/// The key of a configured resource: its module path and `[data.]type.name`.
fn resource_key(path: &str, resource: &Node) -> Option<String> {
    let s = |k: &str| resource.get(k).and_then(Node::as_str);
    let (ty, name) = (s("type")?, s("name")?);
    Some(match s("mode") {
        Some("data") => format!("{path}|data.{ty}.{name}"),
        _ => format!("{path}|{ty}.{name}"),
    })
}

fn scope_of(address: &str) -> Scope {
    let prefix = module_prefix(address);
    let path = prefix
        .iter()
        .map(|p| without_key(p.trim_start_matches("module.")).to_string())
        .collect();
    Scope { prefix, path }
}

fn references(expression: &Node) -> Vec<&str> {
    let refs = expression.get("references").and_then(Node::as_array);
    refs.unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .collect()
}

/// Every `(dotted attribute path, references)` of a block's expressions; nested
/// blocks (`default_node_pool[0]`) are walked, their indices dropped.
fn expression_refs(expressions: &Node) -> Vec<(String, Vec<&str>)> {
    let mut out = Vec::new();
    let mut stack: Vec<(String, &Node)> = vec![(String::new(), expressions)];
    while let Some((prefix, block)) = stack.pop() {
        let blocks: Vec<&Node> = match &block.kind {
            NodeKind::Array(items) => items.iter().collect(),
            _ => vec![block],
        };
        for b in blocks {
            for e in b.as_object().unwrap_or_default() {
                let path = format!("{prefix}{}", e.key);
                if is_expression(&e.value) {
                    let refs = references(&e.value);
                    if !refs.is_empty() {
                        out.push((path, refs));
                    }
                } else {
                    stack.push((format!("{path}."), &e.value));
                }
            }
        }
    }
    out
}

enum Reference<'r> {
    /// A resource address relative to the module: `azurerm_subnet.nodes[0]`, `data.x.y`.
    Resource(String),
    Var(&'r str),
    /// A module call step (with its key, if any) and an output name.
    Output(&'r str, &'r str),
    Other,
}

fn parse_reference(reference: &str) -> Reference<'_> {
    let s = steps(reference);
    match s.as_slice() {
        ["var", name, ..] => Reference::Var(without_key(name)),
        ["module", call, output, ..] => Reference::Output(call, without_key(output)),
        ["data", ty, name, ..] => Reference::Resource(format!("data.{ty}.{name}")),
        [first, ..]
            if matches!(
                *first,
                "local" | "each" | "count" | "path" | "self" | "terraform" | "module"
            ) =>
        {
            Reference::Other
        }
        [ty, name, ..] if ty.contains('_') => Reference::Resource(format!("{ty}.{name}")),
        _ => Reference::Other,
    }
}

/// Drops `azurerm_subnet.nodes` when `azurerm_subnet.nodes[0]` is also listed:
/// Terraform lists both forms of one reference.
fn most_specific(mut targets: Vec<String>) -> Vec<String> {
    targets.sort();
    targets.dedup();
    targets
        .iter()
        .filter(|t| !targets.iter().any(|o| o != *t && names_instance(t, o)))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Inventory;
    use crate::source::{FileId, SourceMap};
    use crate::syntax::json;

    fn parse(sources: &mut SourceMap, text: &str) -> Node {
        let file: FileId = sources.add("plan.json".into(), text.to_string());
        json::parse(file, text).expect("test plan is JSON")
    }

    fn inventory(text: &str) -> (SourceMap, Inventory, usize) {
        let mut sources = SourceMap::default();
        let root = parse(&mut sources, text);
        assert!(is_plan_or_state(&root));
        let mut b = InventoryBuilder::default();
        let n = ingest_plan(&mut b, &root);
        (sources, b.finish(), n)
    }

    fn text_of(sources: &SourceMap, span: Span) -> &str {
        sources.get(span.file).slice(span)
    }

    /// A plan with one cluster in module `aks`, whose subnet comes in through
    /// `var.subnet_id` from a root subnet.
    const MODULE_PLAN: &str = r#"{
      "format_version": "1.2", "terraform_version": "1.9.8",
      "planned_values": {"root_module": {
        "resources": [{"address": "azurerm_subnet.nodes", "mode": "managed", "type": "azurerm_subnet", "name": "nodes",
          "values": {"name": "snet", "resource_group_name": "rg", "virtual_network_name": "vnet",
                     "address_prefixes": ["10.0.0.0/24"]}}],
        "child_modules": [{"address": "module.aks", "resources": [
          {"address": "module.aks.azurerm_kubernetes_cluster.this", "mode": "managed",
           "type": "azurerm_kubernetes_cluster", "name": "this",
           "values": {"name": "aks1", "resource_group_name": "rg", "kubernetes_version": "1.29.4",
             "default_node_pool": [{"name": "sys", "node_count": 2, "vnet_subnet_id": null}]}}]}]}},
      "resource_changes": [
        {"address": "azurerm_subnet.nodes", "change": {"actions": ["create"], "after_unknown": {"id": true}}},
        {"address": "module.aks.azurerm_kubernetes_cluster.this", "change": {"actions": ["create"],
          "after_unknown": {"id": true, "network_profile": true, "node_resource_group": true,
            "default_node_pool": [{"vnet_subnet_id": true, "max_pods": true, "upgrade_settings": []}]}}}],
      "configuration": {"root_module": {
        "resources": [{"address": "azurerm_subnet.nodes", "mode": "managed", "type": "azurerm_subnet", "name": "nodes",
          "expressions": {"name": {"constant_value": "snet"}}}],
        "module_calls": {"aks": {"source": "./aks",
          "expressions": {"subnet_id": {"references": ["azurerm_subnet.nodes.id", "azurerm_subnet.nodes"]}},
          "module": {"resources": [{"address": "azurerm_kubernetes_cluster.this", "mode": "managed",
            "type": "azurerm_kubernetes_cluster", "name": "this",
            "expressions": {"name": {"constant_value": "aks1"},
              "default_node_pool": [{"name": {"constant_value": "sys"},
                "vnet_subnet_id": {"references": ["var.subnet_id"]}}]}}]}}}}}
    }"#;

    #[test]
    fn module_inputs_carry_references_and_unset_values_stay_absent() {
        let (sources, inv, n) = inventory(MODULE_PLAN);
        assert_eq!(n, 2);
        let pool = &inv.pools[0];
        assert_eq!(pool.subnet, Some(0));
        // The unknown id points at the expression that sets it.
        let span = pool.vnet_subnet_id.span().unwrap_or_default();
        assert!(text_of(&sources, span).contains("var.subnet_id"));
        // network_profile and max_pods are computed, not configured: Azure's defaults apply.
        let c = &inv.clusters[0];
        assert!(c.network.plugin.is_default());
        assert!(pool.max_pods.is_default());
        assert!(c.node_resource_group.is_absent());
    }

    #[test]
    fn without_configuration_unknown_values_stay_unknown() {
        let plan = MODULE_PLAN.replace("\"configuration\"", "\"ignored\"");
        let (_, inv, _) = inventory(&plan);
        assert!(inv.clusters[0].network.plugin.is_unknown());
        assert!(inv.pools[0].vnet_subnet_id.is_unknown());
        assert_eq!(inv.pools[0].subnet, None);
    }

    /// `tags = var.tags` with no value before apply: unknown as a whole; a
    /// literal map is read key by key.
    #[test]
    fn unknown_tags_map_and_known_tags() {
        let plan = r#"{"format_version": "1.2", "terraform_version": "1.9.8",
          "planned_values": {"root_module": {"resources": [
            {"address": "azurerm_kubernetes_cluster.a", "mode": "managed", "type": "azurerm_kubernetes_cluster",
             "name": "a", "values": {"name": "a", "resource_group_name": "rg",
               "http_application_routing_enabled": false,
               "default_node_pool": [{"name": "sys", "node_count": 1, "tags": {"Tier": "system"}}]}}]}},
          "resource_changes": [{"address": "azurerm_kubernetes_cluster.a",
            "change": {"after_unknown": {"tags": true}}}],
          "configuration": {"root_module": {"resources": [
            {"address": "azurerm_kubernetes_cluster.a", "mode": "managed", "type": "azurerm_kubernetes_cluster", "name": "a",
             "expressions": {"name": {"constant_value": "a"}, "tags": {"references": ["var.tags"]}}}]}}}"#;
        let (sources, inv, _) = inventory(plan);
        let c = &inv.clusters[0];
        assert!(c.tags.is_unknown());
        let span = c.tags.unknown_span().unwrap_or_default();
        assert!(text_of(&sources, span).contains("var.tags"));
        assert!(c.tags.lookup("env").is_unknown());
        assert_eq!(c.addons.http_application_routing.known(), Some(&false));
        let tier = inv.pools[0].tags.lookup("tier");
        assert_eq!(tier.known().map(|s| s.as_str()), Some("system"));
    }

    #[test]
    fn a_block_written_with_dynamic_keeps_its_unknowns() {
        // `dynamic "network_profile"` is left out of the JSON configuration.
        let plan = r#"{"format_version": "1.2", "terraform_version": "1.9.8",
          "planned_values": {"root_module": {"resources": [
            {"address": "azurerm_kubernetes_cluster.a", "mode": "managed", "type": "azurerm_kubernetes_cluster",
             "name": "a", "values": {"name": "a", "resource_group_name": "rg", "kubernetes_version": "1.29.2",
               "network_profile": [{"network_policy": "calico"}]}}]}},
          "resource_changes": [{"address": "azurerm_kubernetes_cluster.a",
            "change": {"after_unknown": {"network_profile": [{"network_plugin": true}]}}}],
          "configuration": {"root_module": {"resources": [
            {"mode": "managed", "type": "azurerm_kubernetes_cluster", "name": "a",
             "expressions": {"name": {"constant_value": "a"}}}]}}}"#;
        let (_, inv, _) = inventory(plan);
        assert!(inv.clusters[0].network.plugin.is_unknown());
    }

    #[test]
    fn states_and_prior_state_data_sources() {
        let state = r#"{"format_version": "1.0", "terraform_version": "1.9.8",
          "values": {"root_module": {"resources": [
            {"address": "data.azurerm_subnet.nodes", "mode": "data", "type": "azurerm_subnet", "name": "nodes",
             "values": {"id": "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
                        "name": "s", "address_prefixes": ["10.0.0.0/24"]}},
            {"address": "azurerm_network_security_group.a", "mode": "managed",
             "type": "azurerm_network_security_group", "name": "a",
             "values": {"id": "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/a",
                        "name": "a", "security_rule": []}}]}}}"#;
        let (_, inv, n) = inventory(state);
        assert_eq!(n, 1);
        assert!(inv.subnets.is_empty());
        assert_eq!(
            inv.nsgs[0].id.as_ref().map(|i| i.as_str()),
            Some("/subscriptions/1/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/a")
        );
    }

    #[test]
    fn a_data_source_read_at_plan_time_lends_its_id() {
        let plan = r#"{"format_version": "1.2", "terraform_version": "1.9.8",
          "planned_values": {"root_module": {"resources": [
            {"address": "azurerm_kubernetes_cluster_node_pool.user", "mode": "managed",
             "type": "azurerm_kubernetes_cluster_node_pool", "name": "user",
             "values": {"name": "user", "kubernetes_cluster_id": "/subscriptions/1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1"}}]}},
          "resource_changes": [{"address": "azurerm_kubernetes_cluster_node_pool.user",
            "change": {"after_unknown": {"vnet_subnet_id": true}}}],
          "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": [
            {"address": "data.azurerm_subnet.nodes", "mode": "data", "type": "azurerm_subnet", "name": "nodes",
             "values": {"id": "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}}]}}},
          "configuration": {"root_module": {"resources": [
            {"address": "azurerm_kubernetes_cluster_node_pool.user", "mode": "managed",
             "type": "azurerm_kubernetes_cluster_node_pool", "name": "user",
             "expressions": {"vnet_subnet_id": {"references": ["data.azurerm_subnet.nodes.id", "data.azurerm_subnet.nodes"]}}}]}}}"#;
        let (_, inv, n) = inventory(plan);
        assert_eq!(n, 1);
        let pool = &inv.pools[0];
        assert!(pool
            .vnet_subnet_id
            .known()
            .is_some_and(|i| i.as_str().ends_with("/subnets/s")));
        assert!(pool
            .id
            .as_ref()
            .is_some_and(|i| i.as_str().ends_with("aks1/agentPools/user")));
    }

    #[test]
    fn unknown_list_items_and_nested_blocks() {
        let plan = r#"{"format_version": "1.2", "terraform_version": "1.9.8",
          "planned_values": {"root_module": {"resources": [
            {"address": "azurerm_subnet.a", "mode": "managed", "type": "azurerm_subnet", "name": "a",
             "values": {"name": "a", "resource_group_name": "rg", "virtual_network_name": "v",
                        "address_prefixes": [null, "10.0.1.0/24"]}}]}},
          "resource_changes": [{"address": "azurerm_subnet.a",
            "change": {"after_unknown": {"address_prefixes": [true, false], "delegation": [{"service_delegation": [{"name": true}]}]}}}],
          "configuration": {"root_module": {"resources": [
            {"mode": "managed", "type": "azurerm_subnet", "name": "a",
             "expressions": {"address_prefixes": {"references": ["var.p"]},
                             "delegation": [{"service_delegation": [{"name": {"references": ["var.d"]}}]}]}}]}}}"#;
        let (_, inv, _) = inventory(plan);
        let s = &inv.subnets[0];
        assert!(s.address_prefixes[0].is_unknown());
        assert!(s.address_prefixes[1].known().is_some());
        assert_eq!(s.delegations.len(), 1);
        assert!(s.delegations[0].is_unknown());
    }

    #[test]
    fn recognises_plans_and_states_only() {
        let mut sources = SourceMap::default();
        for (text, expected) in [
            (r#"{"format_version": "1.2", "planned_values": {}}"#, true),
            (
                r#"{"format_version": "1.0", "terraform_version": "1.9.8"}"#,
                true,
            ),
            (r#"{"format_version": "1.0"}"#, false),
            (r#"{"values": {}, "terraform_version": "1"}"#, false),
            (r#"{"$schema": "x", "resources": []}"#, false),
            (r#"[1, 2]"#, false),
        ] {
            assert_eq!(
                is_plan_or_state(&parse(&mut sources, text)),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn odd_plans_do_not_panic() {
        for text in [
            r#"{"format_version": "1", "planned_values": {"root_module": {"resources": [1, {"address": 2}, {"address": "a.b", "type": "azurerm_subnet", "values": 3}], "child_modules": [{}]}}}"#,
            r#"{"format_version": "1", "planned_values": {"root_module": {"resources": [{"address": "a.b", "type": "azurerm_subnet", "values": {"x": [1]}}]}},
                "resource_changes": [{"address": "a.b", "change": {"after_unknown": {"x": [[true], {"y": true}, true, true], "z": {"w": [true]}}}}],
                "configuration": {"root_module": {"resources": [{"type": "azurerm_subnet", "name": "b", "expressions": {"x": [], "z": {"references": "no"}}}],
                  "module_calls": {"m": {"module": {"outputs": {"o": {"expression": {"references": ["module.m.o"]}}}}}}}}}"#,
            r#"{"format_version": "1", "values": {"root_module": {"resources": [{"address": "module.m.a.b", "type": "azurerm_subnet", "values": {}}]}},
                "configuration": {"root_module": {"module_calls": {"m": {"expressions": {"v": {"references": ["var.v", "module.m.o", "local.x"]}},
                  "module": {"resources": [{"type": "a", "name": "b", "expressions": {"name": {"references": ["var.v", "module.m.o"]}}}],
                    "outputs": {"o": {"expression": {"references": ["var.v"]}}}}}}}}}"#,
        ] {
            let (_, inv, _) = inventory(text);
            let _ = crate::rules::run(
                &inv,
                &crate::rules::all(),
                &crate::rules::Thresholds::default(),
            );
        }
    }

    #[test]
    fn references_name_resources_vars_and_outputs() {
        assert!(matches!(
            parse_reference("azurerm_subnet.nodes.id"),
            Reference::Resource(a) if a == "azurerm_subnet.nodes"
        ));
        assert!(matches!(
            parse_reference("azurerm_subnet.nodes[\"a\"].id"),
            Reference::Resource(a) if a == "azurerm_subnet.nodes[\"a\"]"
        ));
        assert!(matches!(
            parse_reference("data.azurerm_subnet.x"),
            Reference::Resource(a) if a == "data.azurerm_subnet.x"
        ));
        assert!(matches!(
            parse_reference("var.subnet_id"),
            Reference::Var("subnet_id")
        ));
        assert!(matches!(
            parse_reference("module.net.subnet_id"),
            Reference::Output("net", "subnet_id")
        ));
        assert!(matches!(parse_reference("module.net"), Reference::Other));
        assert!(matches!(parse_reference("local.x"), Reference::Other));
        assert!(matches!(parse_reference("count.index"), Reference::Other));
    }

    #[test]
    fn keeps_the_most_specific_form() {
        let t = most_specific(vec![
            "azurerm_subnet.nodes".into(),
            "azurerm_subnet.nodes[0]".into(),
            "azurerm_subnet.nodes".into(),
        ]);
        assert_eq!(t, vec!["azurerm_subnet.nodes[0]".to_string()]);
    }
}
