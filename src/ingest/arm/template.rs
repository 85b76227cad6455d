//! Walking a template's resources: conditions, copy loops, child resources and nested deployments.

use super::eval::{
    copy_array, copy_count, eval_value, CopyFrame, Ctx, Deploy, Slot, Table, TemplateScope,
};
use super::expr::{self, Expr};
use super::ids;
use super::value;
use super::value::{RESOURCE_GROUP_PLACEHOLDER, SUBSCRIPTION_PLACEHOLDER};
use super::ArmResource;
use crate::syntax::{self, Node, NodeKind};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::rc::Rc;

/// Deepest chain of nested inline deployments followed (Bicep modules nest a few levels).
const MAX_DEPLOYMENT_DEPTH: usize = 16;
/// Deepest chain of child resources declared inside their parents.
const MAX_CHILD_DEPTH: usize = 16;

/// Fully qualified type and name of the resource that declares nested child resources.
struct Parent {
    resource_type: String,
    name: Node,
}

/// The deployment scope a template at the top level is deployed to, judged by its `$schema`.
pub fn root_deploy(template: &Node) -> Deploy {
    Deploy {
        subscription: SUBSCRIPTION_PLACEHOLDER.into(),
        resource_group: if is_wider_than_group(template) {
            None
        } else {
            Some(RESOURCE_GROUP_PLACEHOLDER.into())
        },
    }
}

fn is_wider_than_group(template: &Node) -> bool {
    let schema = template
        .get("$schema")
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    [
        "subscriptiondeploymenttemplate",
        "managementgroupdeploymenttemplate",
        "tenantdeploymenttemplate",
    ]
    .iter()
    .any(|s| schema.contains(s))
}

/// Registers a template's declared parameters: the given value, else the default, else unknown.
pub fn declare_params<'t>(
    template: &'t Node,
    table: &mut Table<'t>,
    given: impl Fn(&str) -> Option<Node>,
) {
    for e in template
        .get("parameters")
        .and_then(Node::as_object)
        .unwrap_or_default()
    {
        let slot = match (given(&e.key), e.value.get("defaultValue")) {
            (Some(v), _) => Slot::Value(v),
            (None, Some(default)) => Slot::Raw(default),
            // Bicep's optional parameters (`param x string?`) are null when not given.
            (None, None) if is_nullable(template, &e.value) => {
                Slot::Value(Node::new(e.value.span, NodeKind::Null))
            }
            (None, None) => Slot::Value(Node::unknown(
                e.value.span,
                format!("parameter '{}' has no value", e.key),
            )),
        };
        table.insert(&e.key, slot);
    }
}

/// `"nullable": true` on the declaration or on the `#/definitions/...` type it refers to.
fn is_nullable(template: &Node, decl: &Node) -> bool {
    let flag = |n: &Node| n.get("nullable").and_then(Node::as_bool) == Some(true);
    if flag(decl) {
        return true;
    }
    let target = decl
        .get("$ref")
        .and_then(Node::as_str)
        .and_then(|r| r.strip_prefix("#/definitions/"));
    target
        .and_then(|name| template.path(&["definitions", name]))
        .is_some_and(flag)
}

/// Collects a template's user-defined functions (`functions: [{namespace, members}]`).
pub fn declare_functions<'t>(template: &'t Node, scope: &mut TemplateScope<'t>) {
    let mut table = HashMap::new();
    for ns in template
        .get("functions")
        .and_then(Node::as_array)
        .unwrap_or_default()
    {
        let Some(prefix) = ns.get("namespace").and_then(Node::as_str) else {
            continue;
        };
        for f in ns
            .get("members")
            .and_then(Node::as_object)
            .unwrap_or_default()
        {
            table.insert(format!("{prefix}.{}", f.key).to_ascii_lowercase(), &f.value);
        }
    }
    scope.functions = Rc::new(table);
}

/// Registers a template's variables, including `variables.copy` loops.
pub fn declare_vars<'t>(template: &'t Node, table: &mut Table<'t>) {
    for e in template
        .get("variables")
        .and_then(Node::as_object)
        .unwrap_or_default()
    {
        if !e.key.eq_ignore_ascii_case("copy") {
            table.insert(&e.key, Slot::Raw(&e.value));
            continue;
        }
        for item in e.value.as_array().unwrap_or_default() {
            let (Some(name), Some(count), Some(input)) = (
                item.get("name").and_then(Node::as_str),
                item.get("count"),
                item.get("input"),
            ) else {
                continue;
            };
            table.insert(
                name,
                Slot::Copy {
                    name: name.to_string(),
                    count,
                    input,
                    span: item.span,
                },
            );
        }
    }
}

/// Emits the resources a template deploys.
pub fn walk_template<'t>(
    template: &'t Node,
    ctx: Ctx<'_, 't>,
    out: &mut Vec<ArmResource>,
    depth: usize,
) {
    if let Some(list) = template.get("resources") {
        walk_list(list, ctx, None, out, depth, 0);
    }
}

/// `resources` is an array, or (languageVersion 2.0) an object keyed by symbolic name.
fn walk_list<'t>(
    list: &'t Node,
    ctx: Ctx<'_, 't>,
    parent: Option<&Parent>,
    out: &mut Vec<ArmResource>,
    depth: usize,
    child_depth: usize,
) {
    let items: Vec<(Option<&'t str>, &'t Node)> = match &list.kind {
        NodeKind::Array(items) => items.iter().map(|i| (None, i)).collect(),
        NodeKind::Object(entries) => entries
            .iter()
            .map(|e| (Some(e.key.as_str()), &e.value))
            .collect(),
        _ => {
            ctx.shared
                .note(list.span, "`resources` is neither an array nor an object");
            return;
        }
    };
    if child_depth > MAX_CHILD_DEPTH {
        ctx.shared
            .note(list.span, "child resources nested too deeply; skipped");
        return;
    }
    for (symbol, res) in items {
        walk_resource(res, symbol, ctx, parent, out, depth, child_depth);
    }
}

fn walk_resource<'t>(
    res: &'t Node,
    symbol: Option<&str>,
    ctx: Ctx<'_, 't>,
    parent: Option<&Parent>,
    out: &mut Vec<ArmResource>,
    depth: usize,
    child_depth: usize,
) {
    if res.as_object().is_none() {
        ctx.shared.note(res.span, "resource is not an object");
        return;
    }
    if ctx.shared.exhausted() {
        ctx.shared.note_once(
            res.span,
            "expansion limit reached; remaining resources skipped".into(),
        );
        return;
    }
    if res.get("existing").and_then(Node::as_bool) == Some(true) {
        return;
    }
    let Some(copy) = res.get("copy").filter(|c| c.as_object().is_some()) else {
        instance(res, symbol, ctx, parent, out, depth, child_depth);
        return;
    };
    let name = copy
        .get("name")
        .map(|n| eval_value(n, ctx))
        .and_then(|n| n.as_str().map(str::to_string))
        .unwrap_or_default();
    let count = match copy.get("count") {
        Some(c) => copy_count(c, ctx),
        None => Err("copy loop without a count".into()),
    };
    match count {
        Ok(n) => {
            for i in (0..n).take_while(|_| !ctx.shared.exhausted()) {
                let frame = CopyFrame {
                    name: name.clone(),
                    index: Some(i),
                    resource: true,
                };
                ctx.with_copies(frame, |c| {
                    instance(res, symbol, c, parent, out, depth, child_depth)
                });
            }
        }
        Err(why) => {
            ctx.shared.note(
                copy.span,
                format!("{why}; emitting one instance with an unknown index"),
            );
            let frame = CopyFrame {
                name,
                index: None,
                resource: true,
            };
            ctx.with_copies(frame, |c| {
                instance(res, symbol, c, parent, out, depth, child_depth)
            });
        }
    }
}

/// One instance of a resource (one iteration of its copy loop).
fn instance<'t>(
    res: &'t Node,
    symbol: Option<&str>,
    ctx: Ctx<'_, 't>,
    parent: Option<&Parent>,
    out: &mut Vec<ArmResource>,
    depth: usize,
    child_depth: usize,
) {
    if ctx.shared.exhausted() {
        ctx.shared.note_once(
            res.span,
            "expansion limit reached; remaining resources skipped".into(),
        );
        return;
    }
    if let Some(cond) = res.get("condition") {
        if eval_value(cond, ctx).as_bool() == Some(false) {
            return;
        }
    }
    let type_node = res.get("type").map(|t| eval_value(t, ctx));
    let Some(ty) = type_node.as_ref().and_then(Node::as_str) else {
        ctx.shared
            .note(res.span, "resource type is missing or unknown; skipped");
        return;
    };
    let name = match res.get("name") {
        Some(n) => eval_value(n, ctx),
        None => Node::unknown(res.span, "resource has no name"),
    };
    let (full_type, full_name) = qualify(parent, ty, name);
    if full_type.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
        deployment(res, symbol, ctx, out, depth);
        return;
    }
    let mut node = emitted_node(res, ctx, &full_type, &full_name);
    if full_type.eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments") {
        write_absolute_scope(&mut node, ctx);
    }
    let id = resource_id(&full_type, &full_name, &node, ctx);
    out.push(ArmResource {
        resource_type: full_type.clone(),
        node,
        id,
        decl: res.span,
    });
    if let Some(children) = res.get("resources") {
        let me = Parent {
            resource_type: full_type,
            name: full_name,
        };
        walk_list(children, ctx, Some(&me), out, depth, child_depth + 1);
    }
}

/// The id of an emitted resource; an unknown name, or an unknown `scope` of an extension
/// resource, leaves it unknown.
fn resource_id(full_type: &str, full_name: &Node, node: &Node, ctx: Ctx) -> Option<String> {
    let name = full_name.as_str()?;
    match node.get("scope") {
        None => ids::id_of(full_type, name, ctx.target, None),
        Some(scope) => ids::id_of(full_type, name, ctx.target, Some(scope.as_str()?)),
    }
}

/// Writes a role assignment's scope as an absolute id (a relative Bicep scope,
/// or the deployment's resource group or subscription when none is written), so
/// that the mapper needs no deployment context. An unknown scope stays as it is.
fn write_absolute_scope(node: &mut Node, ctx: Ctx) {
    let NodeKind::Object(entries) = &mut node.kind else {
        return;
    };
    let at = entries
        .iter()
        .position(|e| e.key.eq_ignore_ascii_case("scope"));
    let written = at.map(|i| entries[i].value.as_str().map(str::to_string));
    let absolute = match written {
        Some(None) => return,
        Some(Some(s)) => ids::absolute_scope(Some(&s), ctx.target),
        None => ids::absolute_scope(None, ctx.target),
    };
    let Some(absolute) = absolute else { return };
    match at {
        Some(i) => {
            let span = entries[i].value.span;
            entries[i].value = Node::string(span, absolute);
        }
        None => entries.push(syntax::Entry {
            key: "scope".into(),
            key_span: node.span,
            value: Node::string(node.span, absolute),
        }),
    }
}

/// Resolves a child's type and name against its parent unless already fully qualified.
fn qualify(parent: Option<&Parent>, ty: &str, name: Node) -> (String, Node) {
    let Some(p) = parent else {
        return (ty.to_string(), name);
    };
    let is_full = ty.split('/').next().is_some_and(|ns| ns.contains('.'));
    if is_full {
        return (ty.to_string(), name);
    }
    let full_type = format!("{}/{ty}", p.resource_type);
    let full_name = match (p.name.as_str(), name.as_str()) {
        (Some(pn), Some(n)) => Node::string(name.span, format!("{pn}/{n}")),
        (None, _) => Node::unknown(name.span, "parent name is unknown"),
        (_, None) => name,
    };
    (full_type, full_name)
}

/// The evaluated resource object, with the qualified type and name and without child resources.
fn emitted_node(res: &Node, ctx: Ctx, full_type: &str, full_name: &Node) -> Node {
    let entries = res.as_object().unwrap_or_default();
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let value = if e.key.eq_ignore_ascii_case("resources") {
            continue;
        } else if e.key.eq_ignore_ascii_case("type") {
            Node::string(e.value.span, full_type)
        } else if e.key.eq_ignore_ascii_case("name") {
            full_name.clone()
        } else {
            eval_value(&e.value, ctx)
        };
        out.push(syntax::Entry {
            key: e.key.clone(),
            key_span: e.key_span,
            value,
        });
    }
    Node::new(res.span, NodeKind::Object(out))
}

/// A `Microsoft.Resources/deployments` resource: emits the resources of its inline template.
fn deployment<'t>(
    res: &'t Node,
    symbol: Option<&str>,
    ctx: Ctx<'_, 't>,
    out: &mut Vec<ArmResource>,
    depth: usize,
) {
    let props = res.get("properties");
    let Some(template) = props.and_then(|p| p.get("template")) else {
        let why = if props.and_then(|p| p.get("templateLink")).is_some() {
            "nested deployment uses templateLink, which cannot be followed"
        } else {
            "nested deployment has no inline template"
        };
        ctx.shared.note(res.span, why);
        return;
    };
    if depth >= MAX_DEPLOYMENT_DEPTH {
        ctx.shared
            .note(res.span, "nested deployments too deep; skipped");
        return;
    }
    let inner_scope = props
        .and_then(|p| p.path(&["expressionEvaluationOptions", "scope"]))
        .map(|s| eval_value(s, ctx))
        .is_some_and(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case("inner")));
    let outputs = if template.as_str().is_some() {
        // Bicep puts shared templates in variables, with their own expressions escaped as
        // `[[`: evaluating the variable yields a template that then runs on its own parameters.
        let owned = eval_value(template, ctx);
        if owned.as_object().is_none() {
            ctx.shared
                .note(template.span, "nested deployment template is unknown");
            return;
        }
        nested(res, &owned, ctx, true, out, depth)
    } else if template.as_object().is_some() {
        nested(res, template, ctx, inner_scope, out, depth)
    } else {
        ctx.shared
            .note(template.span, "nested deployment template is not an object");
        return;
    };
    register_outputs(res, symbol, ctx, outputs);
}

/// Keys under which `reference()` finds a deployment: its symbolic name (languageVersion 2.0)
/// and the canonical text of its name expression, as `resourceId(..., name)` repeats it.
pub fn output_keys(symbol: Option<&str>, name: Option<&Expr>) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(s) = symbol {
        keys.push(format!("sym:{}", s.to_ascii_lowercase()));
    }
    if let Some(n) = name {
        keys.push(format!("name:{}", expr::canonical(n)));
    }
    keys
}

/// Records a nested deployment's outputs for later `reference(...).outputs` calls.
fn register_outputs(res: &Node, symbol: Option<&str>, ctx: Ctx, outputs: Node) {
    let name = res
        .get("name")
        .and_then(Node::as_str)
        .and_then(|n| match expr::classify(n) {
            expr::StringForm::Literal(text) => Some(Expr::Str(text.into_owned())),
            expr::StringForm::Expression(src) => expr::parse(src).ok(),
        });
    // A deployment inside a loop has one set of outputs per iteration; leave them unknown.
    let outputs = value::bounded(outputs);
    let value = if ctx.copies.is_empty() {
        Some(outputs)
    } else {
        None
    };
    let mut map = ctx.tpl.outputs.borrow_mut();
    for key in output_keys(symbol, name.as_ref()) {
        match map.entry(key) {
            Entry::Occupied(mut seen) => {
                seen.insert(None);
            }
            Entry::Vacant(slot) => {
                slot.insert(value.clone());
            }
        }
    }
}

/// The evaluated `outputs` section, as `{name: {"value": ...}}`.
fn eval_outputs(template: &Node, ctx: Ctx) -> Node {
    let span = template.get("outputs").map_or(template.span, |o| o.span);
    let mut members = Vec::new();
    for e in template
        .get("outputs")
        .and_then(Node::as_object)
        .unwrap_or_default()
    {
        let copy = e.value.get("copy");
        let v = match (
            e.value.get("value"),
            copy.and_then(|c| c.get("count")),
            copy.and_then(|c| c.get("input")),
        ) {
            (Some(v), _, _) => eval_value(v, ctx),
            (None, Some(count), Some(input)) => copy_array("", count, input, e.value.span, ctx),
            _ => Node::unknown(e.value.span, "output without a value"),
        };
        members.push((
            e.key.clone(),
            value::object(e.value.span, vec![("value".into(), v)]),
        ));
    }
    value::object(span, members)
}

/// Emits the resources of a nested deployment's template.
fn nested<'x>(
    res: &'x Node,
    template: &'x Node,
    ctx: Ctx<'_, 'x>,
    inner_scope: bool,
    out: &mut Vec<ArmResource>,
    depth: usize,
) -> Node {
    let deploy = child_deploy(res, template, ctx);
    if !inner_scope {
        // Outer scope: the inner template sees the outer parameters, variables and scope
        // functions; only its resources land in the deployment's target.
        let ctx = Ctx {
            target: &deploy,
            ..ctx
        };
        walk_template(template, ctx, out, depth + 1);
        return eval_outputs(template, ctx);
    }
    let props = res.get("properties");
    let given = props.and_then(|p| p.get("parameters"));
    let mut scope = TemplateScope::default();
    declare_params(template, &mut scope.params, |name| {
        // Bicep may write the whole `{"value": ...}` wrapper as one expression.
        let entry = eval_value(given?.get(name)?, ctx);
        Some(match entry.kind {
            NodeKind::Unknown(_) => entry,
            _ => match entry.get("value") {
                Some(v) => v.clone(),
                None => Node::unknown(entry.span, "parameter value is a Key Vault reference"),
            },
        })
    });
    declare_vars(template, &mut scope.vars);
    declare_functions(template, &mut scope);
    let inner = Ctx {
        tpl: &scope,
        deploy: &deploy,
        target: &deploy,
        copies: &[],
        lambdas: &[],
        shared: ctx.shared,
    };
    walk_template(template, inner, out, depth + 1);
    eval_outputs(template, inner)
}

/// The scope a nested deployment deploys to: its `subscriptionId`/`resourceGroup` when set.
fn child_deploy(res: &Node, template: &Node, ctx: Ctx) -> Deploy {
    let text = |key: &str, fallback: &str| {
        res.get(key).map(|v| match eval_value(v, ctx).kind {
            NodeKind::String(s) => s,
            _ => fallback.to_string(),
        })
    };
    let subscription = text("subscriptionId", SUBSCRIPTION_PLACEHOLDER)
        .unwrap_or_else(|| ctx.target.subscription.clone());
    let resource_group = match text("resourceGroup", RESOURCE_GROUP_PLACEHOLDER) {
        Some(rg) => Some(rg),
        None if is_wider_than_group(template) => None,
        None => ctx.target.resource_group.clone(),
    };
    Deploy {
        subscription,
        resource_group,
    }
}
