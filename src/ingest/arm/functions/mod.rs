//! The ARM template function library. Every failure becomes an Unknown value.

use super::cidr;
use super::eval::{eval_expr, eval_value, Ctx, Slot, TableKind, TemplateScope};
use super::expr::Expr;
use super::ids;
use super::template;
use super::value::{self, deep_eq, has_placeholder, map_outside_placeholders, to_text};
use crate::ingest::budget::{self, Exceeded};
use crate::ingest::values::REFERENCE_MARK;
use crate::model::ResourceId;
use crate::source::Span;
use crate::syntax::{Entry, Node, NodeKind};

mod collections;
mod lambda;
mod numbers;
mod text;

use collections::*;
use lambda::*;
use numbers::*;
use text::*;

type Res = Result<Node, String>;

const UNSUPPORTED: &str = "function not supported";

/// Marks an `Err` of a function that refused to build a value over the evaluation budget.
const OVER_BUDGET: &str = "over budget: ";

/// The Unknown for a value over budget, noted at the expression as not evaluated.
#[inline(never)]
fn over_budget(name: &str, why: Exceeded, ctx: Ctx, site: Span) -> Node {
    ctx.shared
        .note(site, format!("not evaluated: {name}(): {why}"));
    Node::unknown(site, format!("{name}(): {why}"))
}

/// What the arguments of a call cost: they were paid for where they were produced.
fn paid(args: &[Node]) -> usize {
    args.iter().map(budget::cost).fold(0, usize::saturating_add)
}

/// Comparisons per work unit for the functions that compare every item with every other.
const COMPARISONS_PER_UNIT: usize = 100;

/// Work of the functions whose item comparisons grow with the square of their input
/// (`union`, `intersection` and `createObject` deduplicate pairwise), charged before they run.
#[inline(never)]
fn pairwise_cost(name: &str, vals: &[Node]) -> usize {
    if !matches!(name, "union" | "intersection" | "createobject") {
        return 0;
    }
    let items: usize = vals
        .iter()
        .map(|v| match &v.kind {
            NodeKind::Array(items) => items.len(),
            NodeKind::Object(entries) => entries.len(),
            _ => 1,
        })
        .fold(0, usize::saturating_add);
    items.saturating_mul(items) / 2 / COMPARISONS_PER_UNIT
}

/// `Err` for a function about to build a string longer than the budget allows.
fn check_len(len: usize) -> Result<(), String> {
    if len > budget::MAX_STRING {
        Err(format!(
            "{OVER_BUDGET}{}",
            Exceeded::String(budget::MAX_STRING)
        ))
    } else {
        Ok(())
    }
}

/// Longest string or array a function may build (`padLeft`, `range`).
const MAX_BUILD: i64 = 10_000;

/// Functions whose value cannot be known before deployment.
const DEPLOY_TIME: &[&str] = &[
    "reference",
    "guid",
    "uniquestring",
    "newguid",
    "utcnow",
    "deployment",
    "environment",
    "managementgroup",
    "tenant",
    "pickzones",
    "providers",
    "datetimeadd",
    "datetimefromepoch",
    "datetimetoepoch",
    "deployer",
    "externalinput",
    "readenvironmentvariable",
];

pub fn call(name: &str, args: &[Expr], ctx: Ctx, site: Span) -> Node {
    let lower = name.to_ascii_lowercase();
    if let Some(v) = lazy(&lower, args, ctx, site) {
        return v;
    }
    if lower == "reference" {
        if let Some(v) = module_outputs(args, ctx, site) {
            return v;
        }
    }
    if lower.contains('.') {
        return user_function(name, &lower, args, ctx, site);
    }
    if DEPLOY_TIME.contains(&lower.as_str()) || lower.starts_with("list") {
        return Node::unknown(site, format!("{name}() is only known at deployment time"));
    }
    let vals: Vec<Node> = args.iter().map(|a| eval_expr(a, ctx, site)).collect();
    let keeps_unknown = matches!(lower.as_str(), "createarray" | "createobject");
    if !keeps_unknown {
        if let Some(u) = vals.iter().find(|v| v.is_unknown()) {
            return Node::new(site, u.kind.clone());
        }
    }
    if let Err(why) = ctx.shared.budget.spend(pairwise_cost(&lower, &vals)) {
        return over_budget(name, why, ctx, site);
    }
    let result = apply(&lower, &vals, ctx, site);
    settle(name, &lower, result, &vals, ctx, site)
}

/// The value of a call from its function's result: errors and values over budget become
/// Unknowns. Kept out of [`call`] (never inlined) so the frame that recursion through
/// nested calls repeats stays small.
#[inline(never)]
fn settle(name: &str, lower: &str, result: Res, args: &[Node], ctx: Ctx, site: Span) -> Node {
    match result {
        // Table lookups are charged where they copy the value (`Ctx::lookup`).
        Ok(v) if matches!(lower, "parameters" | "variables") => v,
        Ok(v) => match ctx.shared.budget.admit_grown(&v, paid(args)) {
            Ok(()) => v,
            Err(why) => over_budget(name, why, ctx, site),
        },
        Err(why) if why.starts_with(OVER_BUDGET) => {
            let why = why.trim_start_matches(OVER_BUDGET).to_string();
            ctx.shared
                .note(site, format!("not evaluated: {name}(): {why}"));
            Node::unknown(site, format!("{name}(): {why}"))
        }
        Err(why) => {
            if why == UNSUPPORTED {
                ctx.shared
                    .note_once(site, format!("function {name}() is not supported"));
            }
            Node::unknown(site, format!("{name}(): {why}"))
        }
    }
}

/// `reference(<nested deployment>).outputs`: the outputs of a deployment walked earlier in
/// the same template, named by symbol, by name, or by `resourceId('...deployments', name)`
/// (or its extension/subscription forms); or, for a cluster or user-assigned identity, the
/// marked unknown of [`identity_reference`].
fn module_outputs(args: &[Expr], ctx: Ctx, site: Span) -> Option<Node> {
    let target = args.first()?;
    // Checked here rather than in `call`, whose frame nested expressions repeat.
    if let Some(marked) = identity_reference(args, ctx, site) {
        return Some(marked);
    }
    let keys = match target {
        Expr::Str(s) => template::output_keys(Some(s), Some(target)),
        Expr::Call { name, args }
            if [
                "resourceId",
                "extensionResourceId",
                "subscriptionResourceId",
            ]
            .iter()
            .any(|f| name.eq_ignore_ascii_case(f))
                && args.len() >= 2 =>
        {
            let is_deployment = matches!(&args[args.len() - 2],
                Expr::Str(t) if t.eq_ignore_ascii_case("Microsoft.Resources/deployments"));
            if !is_deployment {
                return None;
            }
            template::output_keys(None, args.last())
        }
        _ => return None,
    };
    let map = ctx.tpl.outputs.borrow();
    let found = keys.iter().find_map(|k| map.get(k))?;
    Some(match found {
        Some(outputs) => value::object(site, vec![("outputs".into(), outputs.clone())]),
        None => Node::unknown(site, "the nested deployment is deployed more than once"),
    })
}

/// `reference(resourceId('…managedClusters' or '…userAssignedIdentities', …), …)`
/// (or a variable or parameter holding such an id):
/// unknown until deployment, but marked with the resource it reads so that a
/// role assignment's `principalId` can name the identity (F-071).
fn identity_reference(args: &[Expr], ctx: Ctx, site: Span) -> Option<Node> {
    let target @ Expr::Call { name, .. } = args.first()? else {
        return None;
    };
    // Only what names a resource without side effects: an id, or a variable or parameter holding one.
    let names_id = ["resourceId", "variables", "parameters"]
        .iter()
        .any(|f| name.eq_ignore_ascii_case(f));
    if !names_id {
        return None;
    }
    let id = eval_expr(target, ctx, site);
    let id = ResourceId::parse(id.as_str()?)?;
    let ty = id.resource_type();
    let marked = ty == "microsoft.containerservice/managedclusters"
        || ty == "microsoft.managedidentity/userassignedidentities";
    marked.then(|| Node::unknown(site, format!("{REFERENCE_MARK}{id})")))
}

/// A call of a template's own `namespace.name` function: its output value, evaluated with
/// only its parameters in view (ARM gives user functions no variables or template parameters).
fn user_function(name: &str, lower: &str, args: &[Expr], ctx: Ctx, site: Span) -> Node {
    let Some(def) = ctx.tpl.functions.get(lower).copied() else {
        ctx.shared
            .note_once(site, format!("function {name}() is not defined"));
        return Node::unknown(site, format!("{name}() is not defined"));
    };
    let Some(body) = def.path(&["output", "value"]) else {
        return Node::unknown(site, format!("{name}() has no output value"));
    };
    let mut scope = TemplateScope {
        functions: ctx.tpl.functions.clone(),
        ..Default::default()
    };
    let declared = def
        .get("parameters")
        .and_then(Node::as_array)
        .unwrap_or_default();
    for (decl, arg) in declared.iter().zip(args) {
        if let Some(pname) = decl.get("name").and_then(Node::as_str) {
            scope
                .params
                .insert(pname, Slot::Value(eval_expr(arg, ctx, site)));
        }
    }
    let inner = Ctx {
        tpl: &scope,
        copies: &[],
        lambdas: &[],
        ..ctx
    };
    let mut v = eval_value(body, inner);
    if !matches!(v.kind, NodeKind::Array(_) | NodeKind::Object(_)) {
        v.span = site;
    }
    v
}

/// Functions that evaluate only the arguments they need.
fn lazy(name: &str, args: &[Expr], ctx: Ctx, site: Span) -> Option<Node> {
    let eval = |i: usize| args.get(i).map(|a| eval_expr(a, ctx, site));
    Some(match name {
        "if" => {
            if args.len() != 3 {
                return Some(Node::unknown(site, "if() takes 3 arguments"));
            }
            let cond = eval(0)?;
            match cond.kind {
                NodeKind::Bool(b) => eval(if b { 1 } else { 2 })?,
                NodeKind::Unknown(_) => cond,
                _ => Node::unknown(site, "if() condition is not a boolean"),
            }
        }
        "and" | "or" => {
            // The deciding value (false for and, true for or) wins even over unknowns.
            let decider = name == "or";
            let mut unknown = None;
            for a in args {
                let v = eval_expr(a, ctx, site);
                match v.kind {
                    NodeKind::Bool(b) if b == decider => {
                        return Some(value::boolean(site, decider))
                    }
                    NodeKind::Bool(_) => {}
                    NodeKind::Unknown(_) => unknown = Some(v),
                    _ => {
                        return Some(Node::unknown(
                            site,
                            format!("{name}() of a {}", v.kind_name()),
                        ))
                    }
                }
            }
            unknown.unwrap_or_else(|| value::boolean(site, !decider))
        }
        "coalesce" => {
            for a in args {
                let v = eval_expr(a, ctx, site);
                if !v.is_null() {
                    return Some(v);
                }
            }
            Node::new(site, NodeKind::Null)
        }
        "map" | "filter" | "reduce" | "toobject" | "mapvalues" | "sort" => {
            match lambda_function(name, args, ctx, site) {
                Ok(v) => v,
                Err(why) => Node::unknown(site, format!("{name}(): {why}")),
            }
        }
        _ => return None,
    })
}

fn apply(name: &str, v: &[Node], ctx: Ctx, site: Span) -> Res {
    match name {
        "parameters" | "variables" => {
            argc(v, 1, 1)?;
            let kind = if name == "parameters" {
                TableKind::Params
            } else {
                TableKind::Vars
            };
            Ok(ctx.lookup(kind, raw_str(&v[0])?, site))
        }
        "copyindex" => copy_index(v, ctx, site),
        "lambdavariables" => {
            let name = raw_str(one(v)?)?;
            let bound = ctx
                .lambdas
                .iter()
                .rev()
                .find(|(n, _)| n.eq_ignore_ascii_case(name));
            bound
                .map(|(_, v)| v.clone())
                .ok_or_else(|| format!("no lambda variable '{name}'"))
        }
        "resourcegroup" => resource_group(ctx, site),
        "subscription" => Ok(subscription(ctx, site)),
        "resourceid" => ids::resource_id(&strings(v)?, ctx.deploy).map(|s| Node::string(site, s)),
        "subscriptionresourceid" => {
            ids::subscription_resource_id(&strings(v)?, ctx.deploy).map(|s| Node::string(site, s))
        }
        "tenantresourceid" => ids::tenant_resource_id(&strings(v)?).map(|s| Node::string(site, s)),
        "extensionresourceid" => {
            ids::extension_resource_id(&strings(v)?).map(|s| Node::string(site, s))
        }
        _ => pure(name, v, site),
    }
}

/// Functions that depend on their arguments only.
fn pure(name: &str, v: &[Node], site: Span) -> Res {
    let s = |t: String| Ok(Node::string(site, t));
    let b = |x: bool| Ok(value::boolean(site, x));
    let n = |x: i64| Ok(value::int(site, x));
    match name {
        "null" => Ok(Node::new(site, NodeKind::Null)),
        "true" => b(true),
        "false" => b(false),
        "string" => {
            argc(v, 1, 1)?;
            no_unknown_inside(&v[0])?;
            s(to_text(&v[0]))
        }
        "int" => n(to_int(one(v)?)?),
        "bool" => b(to_bool(one(v)?)?),
        "json" => json(str_arg(one(v)?)?, site),
        "concat" => concat(v, site),
        "format" => s(format(v)?),
        "tolower" => s(map_outside_placeholders(
            raw_str(one(v)?)?,
            str::to_lowercase,
        )),
        "toupper" => s(map_outside_placeholders(
            raw_str(one(v)?)?,
            str::to_uppercase,
        )),
        "replace" => s(replace(v)?),
        "createarray" => Ok(value::array(site, v.to_vec())),
        "createobject" => create_object(v, site),
        "union" => union(v, site),
        "intersection" => intersection(v, site),
        "equals" => {
            argc(v, 2, 2)?;
            b(deep_eq(&v[0], &v[1]).ok_or("comparison depends on the deployment scope")?)
        }
        "not" => b(!to_bool_strict(one(v)?)?),
        "less" | "lessorequals" | "greater" | "greaterorequals" => compare(name, v).and_then(b),
        "empty" => b(empty(one(v)?)?),
        "contains" => b(contains(v)?),
        "length" => n(length(one(v)?)?),
        "first" | "last" => first_last(name == "first", one(v)?, site),
        "split" => split(v, site),
        "join" => join(v, site),
        "indexof" | "lastindexof" => n(index_of(name == "lastindexof", v)?),
        "startswith" | "endswith" => {
            argc(v, 2, 2)?;
            let (hay, needle) = (
                str_arg(&v[0])?.to_lowercase(),
                str_arg(&v[1])?.to_lowercase(),
            );
            b(if name == "startswith" {
                hay.starts_with(&needle)
            } else {
                hay.ends_with(&needle)
            })
        }
        "substring" => s(substring(v)?),
        "take" | "skip" => take_skip(name == "take", v, site),
        "trim" => s(str_arg(one(v)?)?.trim().to_string()),
        "padleft" => s(pad_left(v)?),
        "add" | "sub" | "mul" | "div" | "mod" => n(arith(name, v)?),
        "min" | "max" => n(min_max(name == "min", v)?),
        "range" => range(v, site),
        "array" => match &one(v)?.kind {
            NodeKind::Array(_) => Ok(v[0].clone()),
            _ => Ok(value::array(site, vec![v[0].clone()])),
        },
        "flatten" => flatten(one(v)?, site),
        "items" => items(one(v)?, site),
        "objectkeys" => object_keys(one(v)?, site),
        "tryget" => try_get(v, site),
        "cidrsubnet" => {
            argc(v, 3, 3)?;
            s(cidr::cidr_subnet(
                str_arg(&v[0])?,
                to_int(&v[1])?,
                to_int(&v[2])?,
            )?)
        }
        "cidrhost" => {
            argc(v, 2, 2)?;
            s(cidr::cidr_host(str_arg(&v[0])?, to_int(&v[1])?)?)
        }
        "parsecidr" => parse_cidr(str_arg(one(v)?)?, site),
        _ => Err(UNSUPPORTED.into()),
    }
}

// ---- argument helpers ----

fn argc(v: &[Node], min: usize, max: usize) -> Result<(), String> {
    if v.len() < min || v.len() > max {
        return Err(format!("takes {min}..={max} arguments, got {}", v.len()));
    }
    Ok(())
}

fn one(v: &[Node]) -> Result<&Node, String> {
    argc(v, 1, 1)?;
    Ok(&v[0])
}

/// A string argument that may carry placeholders (the function only passes it on).
fn raw_str(n: &Node) -> Result<&str, String> {
    n.as_str()
        .ok_or_else(|| format!("expected a string, got a {}", n.kind_name()))
}

/// A string argument the function looks inside, so placeholders make the result unknown.
fn str_arg(n: &Node) -> Result<&str, String> {
    let s = raw_str(n)?;
    if has_placeholder(s) {
        return Err("depends on the deployment scope".into());
    }
    Ok(s)
}

fn strings(v: &[Node]) -> Result<Vec<&str>, String> {
    v.iter().map(raw_str).collect()
}

fn to_int(n: &Node) -> Result<i64, String> {
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match &n.kind {
        NodeKind::String(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an integer")),
        _ => Err(format!("expected an integer, got a {}", n.kind_name())),
    }
}

fn to_bool(n: &Node) -> Result<bool, String> {
    match &n.kind {
        NodeKind::Bool(b) => Ok(*b),
        NodeKind::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        NodeKind::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => n
            .as_i64()
            .map(|i| i != 0)
            .ok_or_else(|| format!("cannot convert a {} to bool", n.kind_name())),
    }
}

fn to_bool_strict(n: &Node) -> Result<bool, String> {
    n.as_bool()
        .ok_or_else(|| format!("expected a boolean, got a {}", n.kind_name()))
}

fn no_unknown_inside(n: &Node) -> Result<(), String> {
    if n.contains_unknown() {
        return Err("value contains unknown parts".into());
    }
    Ok(())
}

// ---- scope functions ----

fn copy_index(v: &[Node], ctx: Ctx, site: Span) -> Res {
    argc(v, 0, 2)?;
    let (name, offset) = match v {
        [] => (None, 0),
        [a] if a.as_str().is_some() => (a.as_str(), 0),
        [a] => (None, to_int(a)?),
        [a, o] => (Some(raw_str(a)?), to_int(o)?),
        _ => return Err("bad arguments".into()),
    };
    let frame = match name {
        Some(n) => ctx
            .copies
            .iter()
            .rev()
            .find(|f| f.name.eq_ignore_ascii_case(n)),
        None => ctx
            .copies
            .iter()
            .rev()
            .find(|f| f.resource)
            .or(ctx.copies.last()),
    };
    let frame = frame.ok_or("used outside a copy loop")?;
    let index = frame.index.ok_or("the copy count is unknown")?;
    Ok(value::int(site, index.saturating_add(offset)))
}

fn resource_group(ctx: Ctx, site: Span) -> Res {
    let rg = ctx
        .deploy
        .resource_group
        .as_deref()
        .ok_or("no resource group at this scope")?;
    let id = format!(
        "/subscriptions/{}/resourceGroups/{rg}",
        ctx.deploy.subscription
    );
    Ok(value::object(
        site,
        vec![
            ("id".into(), Node::string(site, id)),
            ("name".into(), Node::string(site, rg)),
            (
                "type".into(),
                Node::string(site, "Microsoft.Resources/resourceGroups"),
            ),
            (
                "location".into(),
                Node::unknown(site, "the resource group location is set at deployment"),
            ),
        ],
    ))
}

fn subscription(ctx: Ctx, site: Span) -> Node {
    let sub = &ctx.deploy.subscription;
    value::object(
        site,
        vec![
            (
                "id".into(),
                Node::string(site, format!("/subscriptions/{sub}")),
            ),
            ("subscriptionId".into(), Node::string(site, sub.clone())),
            (
                "tenantId".into(),
                Node::unknown(site, "the tenant is set at deployment"),
            ),
            (
                "displayName".into(),
                Node::unknown(site, "the subscription is set at deployment"),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{ev, eval_in, render};

    #[test]
    fn literals_and_escapes() {
        assert_eq!(ev("[[not an expression]"), r#""[not an expression]""#);
        assert_eq!(ev("plain"), r#""plain""#);
        assert_eq!(ev("['it''s']"), r#""it's""#);
        assert_eq!(ev("[true()]"), "true");
        assert_eq!(ev("[null()]"), "null");
        assert_eq!(ev("[-3]"), "-3");
        assert_eq!(ev("[\n  concat(\n 'a',\n 'b')\n]"), r#""ab""#);
    }

    #[test]
    fn malformed_and_unsupported_become_unknown() {
        for e in [
            "[concat('a']",
            "[']",
            "[1 2]",
            "[noSuchFunction(1)]",
            "[parameters('missing')]",
            "[concat()[0]]",
        ] {
            assert_eq!(ev(e), "?", "{e}");
        }
        for e in [
            "[reference('x').id]",
            "[guid('a')]",
            "[uniqueString('a')]",
            "[utcNow()]",
            "[listKeys('a', '2020')]",
            "[deployment().name]",
            "[environment().name]",
        ] {
            assert_eq!(ev(e), "?", "{e}");
        }
    }

    #[test]
    fn string_functions() {
        assert_eq!(ev("[concat('a', 1, true())]"), r#""a1True""#);
        assert_eq!(ev("[concat(createArray(1), createArray(2, 3))]"), "[1,2,3]");
        assert_eq!(ev("[format('{0}-{1:D3}-{{x}}', 'a', 7)]"), r#""a-007-{x}""#);
        assert_eq!(ev("[format('{0}', createArray(1))]"), r#""[1]""#);
        assert_eq!(ev("[format('{1}', 'a')]"), "?");
        assert_eq!(ev("[toLower('AbC')]"), r#""abc""#);
        assert_eq!(ev("[toUpper('AbC')]"), r#""ABC""#);
        assert_eq!(ev("[replace('a-b-c', '-', '.')]"), r#""a.b.c""#);
        assert_eq!(
            ev("[split('a,b;c', createArray(',', ';'))]"),
            r#"["a","b","c"]"#
        );
        assert_eq!(ev("[split('a,,b', ',')]"), r#"["a","","b"]"#);
        assert_eq!(ev("[join(createArray('a', 'b'), '/')]"), r#""a/b""#);
        assert_eq!(ev("[substring('hello', 1, 3)]"), r#""ell""#);
        assert_eq!(ev("[substring('hello', 3)]"), r#""lo""#);
        assert_eq!(ev("[substring('hello', 3, 9)]"), "?");
        assert_eq!(ev("[take('hello', 2)]"), r#""he""#);
        assert_eq!(ev("[skip('hello', 2)]"), r#""llo""#);
        assert_eq!(ev("[trim('  x ')]"), r#""x""#);
        assert_eq!(ev("[padLeft(7, 3, '0')]"), r#""007""#);
        assert_eq!(ev("[indexOf('abcABC', 'B')]"), "1");
        assert_eq!(ev("[lastIndexOf('abcABC', 'b')]"), "4");
        assert_eq!(ev("[indexOf('abc', 'z')]"), "-1");
        assert_eq!(ev("[startsWith('Microsoft.Network', 'microsoft')]"), "true");
        assert_eq!(ev("[endsWith('abc', 'BC')]"), "true");
        assert_eq!(ev("[string(createObject('a', 1))]"), r#""{\"a\":1}""#);
        assert_eq!(ev("[string(false())]"), r#""False""#);
        assert_eq!(ev("[json('{\"a\": [1, null]}').a]"), "[1,null]");
        assert_eq!(ev("[json('nope')]"), "?");
        assert_eq!(ev("[first('abc')]"), r#""a""#);
        assert_eq!(ev("[last('abc')]"), r#""c""#);
        assert_eq!(ev("[length('abc')]"), "3");
    }

    #[test]
    fn logic_and_comparison() {
        assert_eq!(ev("[equals('a', 'a')]"), "true");
        assert_eq!(ev("[equals('a', 'A')]"), "false");
        assert_eq!(
            ev("[equals(createArray(1, 'x'), createArray(1, 'x'))]"),
            "true"
        );
        assert_eq!(ev("[not(equals(1, 2))]"), "true");
        assert_eq!(ev("[and(true(), false())]"), "false");
        assert_eq!(ev("[or(false(), true())]"), "true");
        assert_eq!(ev("[less(1, 2)]"), "true");
        assert_eq!(ev("[lessOrEquals(2, 2)]"), "true");
        assert_eq!(ev("[greater('b', 'a')]"), "true");
        assert_eq!(ev("[greaterOrEquals(1, 2)]"), "false");
        assert_eq!(ev("[bool('TRUE')]"), "true");
        assert_eq!(ev("[int('42')]"), "42");
    }

    #[test]
    fn lazy_functions_short_circuit_over_unknowns() {
        assert_eq!(ev("[if(true(), 'yes', reference('x'))]"), r#""yes""#);
        assert_eq!(ev("[if(false(), reference('x'), 'no')]"), r#""no""#);
        assert_eq!(ev("[if(equals(reference('x'), 1), 'a', 'b')]"), "?");
        assert_eq!(ev("[and(false(), reference('x'))]"), "false");
        assert_eq!(ev("[and(true(), reference('x'))]"), "?");
        assert_eq!(ev("[or(reference('x'), true())]"), "true");
        assert_eq!(ev("[coalesce(null(), 'a', reference('x'))]"), r#""a""#);
        assert_eq!(ev("[coalesce(null(), reference('x'), 'a')]"), "?");
        assert_eq!(ev("[coalesce(null(), null())]"), "null");
    }

    #[test]
    fn unknown_arguments_propagate() {
        assert_eq!(ev("[concat('a', reference('x'))]"), "?");
        assert_eq!(ev("[length(reference('x'))]"), "?");
        assert_eq!(ev("[reference('x').properties.a[0]]"), "?");
        // Constructors keep the known parts.
        assert_eq!(ev("[createArray('a', reference('x'))]"), r#"["a",?]"#);
        assert_eq!(ev("[createObject('a', reference('x')).a]"), "?");
        assert_eq!(ev("[string(createArray(reference('x')))]"), "?");
    }

    #[test]
    fn collections() {
        assert_eq!(
            ev("[createObject('a', 1, 'b', createArray(2))]"),
            r#"{"a":1,"b":[2]}"#
        );
        assert_eq!(
            ev("[union(createObject('a', 1, 'b', 2), createObject('B', 3, 'c', 4))]"),
            r#"{"a":1,"b":3,"c":4}"#
        );
        assert_eq!(
            ev("[union(createArray(1, 2), createArray(2, 3))]"),
            "[1,2,3]"
        );
        assert_eq!(
            ev("[intersection(createArray(1, 2, 3), createArray(3, 2))]"),
            "[2,3]"
        );
        assert_eq!(
            ev("[intersection(createObject('a', 1, 'b', 2), createObject('a', 1, 'b', 3))]"),
            r#"{"a":1}"#
        );
        assert_eq!(ev("[contains(createArray('a', 'b'), 'b')]"), "true");
        assert_eq!(ev("[contains(createObject('Key', 1), 'key')]"), "true");
        assert_eq!(ev("[contains('abc', 'B')]"), "false");
        assert_eq!(ev("[empty(createArray())]"), "true");
        assert_eq!(ev("[empty('')]"), "true");
        assert_eq!(ev("[empty(createObject('a', 1))]"), "false");
        assert_eq!(ev("[empty(null())]"), "true");
        assert_eq!(ev("[length(createObject('a', 1))]"), "1");
        assert_eq!(ev("[first(createArray(4, 5))]"), "4");
        assert_eq!(ev("[last(createArray(4, 5))]"), "5");
        assert_eq!(ev("[take(createArray(1, 2, 3), 2)]"), "[1,2]");
        assert_eq!(ev("[skip(createArray(1, 2, 3), 5)]"), "[]");
        assert_eq!(ev("[indexOf(createArray('a', 'b'), 'b')]"), "1");
        assert_eq!(ev("[range(5, 3)]"), "[5,6,7]");
        assert_eq!(ev("[range(0, 100000)]"), "?");
        assert_eq!(ev("[array('a')]"), r#"["a"]"#);
        assert_eq!(
            ev("[flatten(createArray(createArray(1), createArray(2)))]"),
            "[1,2]"
        );
        assert_eq!(
            ev("[items(createObject('b', 2, 'a', 1))]"),
            r#"[{"key":"a","value":1},{"key":"b","value":2}]"#
        );
        assert_eq!(ev("[createArray(1, 2)[1]]"), "2");
        assert_eq!(ev("[createArray(1, 2)[2]]"), "?");
        assert_eq!(
            ev("[createObject('a', createObject('b', 'x'))['a'].B]"),
            r#""x""#
        );
        assert_eq!(
            ev("[tryGet(createObject('a', createArray(7)), 'a', 0)]"),
            "7"
        );
        assert_eq!(ev("[tryGet(createObject('a', 1), 'b')]"), "null");
        assert_eq!(ev("[createObject('a', null())?.a?.b]"), "null");
        assert_eq!(ev("[createObject('a', 1)?['zz']]"), "null");
    }

    #[test]
    fn lambda_functions() {
        assert_eq!(
            ev("[map(createArray(1, 2), lambda('x', mul(lambdaVariables('x'), 10)))]"),
            "[10,20]"
        );
        assert_eq!(ev("[map(createArray('a', 'b'), lambda('x', 'i', concat(lambdaVariables('x'), string(lambdaVariables('i')))))]"), r#"["a0","b1"]"#);
        assert_eq!(
            ev("[filter(createArray(1, 5, 3), lambda('x', greater(lambdaVariables('x'), 2)))]"),
            "[5,3]"
        );
        assert_eq!(ev("[reduce(createArray(1, 2, 3), 10, lambda('acc', 'x', add(lambdaVariables('acc'), lambdaVariables('x'))))]"), "16");
        assert_eq!(
            ev("[toObject(createArray('a', 'b'), lambda('x', lambdaVariables('x')), lambda('x', toUpper(lambdaVariables('x'))))]"),
            r#"{"a":"A","b":"B"}"#
        );
        assert_eq!(ev("[sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))]"), "[1,2,3]");
        assert_eq!(
            ev("[mapValues(createObject('a', 1), lambda('v', add(lambdaVariables('v'), 1)))]"),
            r#"{"a":2}"#
        );
        assert_eq!(
            ev("[filter(createArray(1), lambda('x', reference('r').ok))]"),
            "?"
        );
        assert_eq!(ev("[map(createArray(1), 'notALambda')]"), "?");
        assert_eq!(ev("[lambdaVariables('x')]"), "?");
    }

    #[test]
    fn user_defined_functions() {
        let t = r#"{"variables": {"v": 1},
            "functions": [{"namespace": "__bicep", "members": {
                "subnetName": {"parameters": [{"name": "env", "type": "string"}, {"name": "i", "type": "int"}],
                               "output": {"type": "string", "value": "[format('sn-{0}-{1}', parameters('env'), parameters('i'))]"}},
                "twice": {"parameters": [{"name": "x", "type": "string"}],
                          "output": {"type": "array", "value": "[createArray(__bicep.subnetName(parameters('x'), 1), __bicep.subnetName(parameters('x'), 2))]"}},
                "sneaky": {"parameters": [], "output": {"type": "int", "value": "[variables('v')]"}},
                "loop": {"parameters": [], "output": {"type": "int", "value": "[__bicep.loop()]"}}
            }}]}"#;
        assert_eq!(
            render(&eval_in(t, "[__bicep.subnetName('prod', 3)]")),
            r#""sn-prod-3""#
        );
        assert_eq!(
            render(&eval_in(t, "[__BICEP.twice('d')]")),
            r#"["sn-d-1","sn-d-2"]"#
        );
        assert_eq!(render(&eval_in(t, "[__bicep.sneaky()]")), "?");
        assert_eq!(render(&eval_in(t, "[__bicep.loop()]")), "?");
        assert_eq!(render(&eval_in(t, "[other.fn()]")), "?");
    }

    /// Every function with odd argument counts and types yields a value, never a panic.
    #[test]
    fn any_arguments_are_tolerated() {
        let names = [
            "parameters",
            "variables",
            "copyIndex",
            "resourceGroup",
            "subscription",
            "resourceId",
            "subscriptionResourceId",
            "tenantResourceId",
            "extensionResourceId",
            "null",
            "true",
            "false",
            "string",
            "int",
            "bool",
            "json",
            "concat",
            "format",
            "toLower",
            "toUpper",
            "replace",
            "createArray",
            "createObject",
            "union",
            "intersection",
            "equals",
            "not",
            "less",
            "lessOrEquals",
            "greater",
            "greaterOrEquals",
            "empty",
            "contains",
            "length",
            "first",
            "last",
            "split",
            "join",
            "indexOf",
            "lastIndexOf",
            "startsWith",
            "endsWith",
            "substring",
            "take",
            "skip",
            "trim",
            "padLeft",
            "add",
            "sub",
            "mul",
            "div",
            "mod",
            "min",
            "max",
            "range",
            "array",
            "flatten",
            "items",
            "objectKeys",
            "tryGet",
            "cidrSubnet",
            "cidrHost",
            "parseCidr",
            "if",
            "and",
            "or",
            "coalesce",
            "map",
            "filter",
            "reduce",
            "toObject",
            "mapValues",
            "sort",
            "lambdaVariables",
            "lambda",
            "reference",
            "x.y",
        ];
        let args = [
            "",
            "1",
            "'a'",
            "-1, -1",
            "'a', 'b', 'c', 'd', 'e'",
            "createArray()",
            "createObject()",
            "null()",
            "createArray(1), 'x'",
            "'{', 1",
            "9223372036854775807, 9223372036854775807",
            "'10.0.0.0/8', 99, -5",
            "createObject('a', 1), 'a', 'b'",
            "true(), 1",
            "createArray(1, 2), lambda('x')",
            "'a', -9223372036854775807",
        ];
        for name in names {
            for a in args {
                let _ = ev(&format!("[{name}({a})]"));
                let _ = ev(&format!("[{name}({a}).x[0]]"));
            }
        }
    }

    proptest::proptest! {
        /// Token soup from the expression language evaluates without panicking.
        #[test]
        fn random_expressions_never_panic(tokens in proptest::collection::vec(proptest::sample::select(vec![
            "concat(", "format(", "split(", "createArray(", "createObject(", "if(", "range(",
            "substring(", "cidrSubnet(", "parseCidr(", "union(", "json(", "map(", "lambda(",
            "lambdaVariables(", "resourceGroup()", "copyIndex(", "parameters(", "variables(",
            ")", ",", "'a'", "'{0}'", "'10.0.0.0/16'", "'{\"a\":1}'", "0", "1", "-1", "24",
            ".id", "[0]", "?.x", "['a']", "true()", "null()",
        ]), 0..40)) {
            let _ = ev(&format!("[{}]", tokens.concat()));
        }
    }

    #[test]
    fn arithmetic() {
        assert_eq!(ev("[add(1, 2)]"), "3");
        assert_eq!(ev("[sub(1, 2)]"), "-1");
        assert_eq!(ev("[mul(3, 4)]"), "12");
        assert_eq!(ev("[div(7, 2)]"), "3");
        assert_eq!(ev("[mod(7, 2)]"), "1");
        assert_eq!(ev("[div(1, 0)]"), "?");
        assert_eq!(ev("[add(9223372036854775807, 1)]"), "?");
        assert_eq!(ev("[min(3, 1, 2)]"), "1");
        assert_eq!(ev("[max(createArray(3, 9, 2))]"), "9");
    }

    #[test]
    fn cidr_functions() {
        assert_eq!(
            ev("[cidrSubnet('10.144.0.0/20', 24, 3)]"),
            r#""10.144.3.0/24""#
        );
        assert_eq!(ev("[cidrHost('10.144.3.0/24', 0)]"), r#""10.144.3.1""#);
        assert_eq!(
            ev("[parseCidr('10.144.0.0/20').broadcast]"),
            r#""10.144.15.255""#
        );
        assert_eq!(ev("[parseCidr('10.144.0.0/20').cidr]"), "20");
        assert_eq!(ev("[cidrSubnet('bad', 24, 0)]"), "?");
    }

    #[test]
    fn scope_functions_and_placeholders() {
        assert_eq!(
            ev("[resourceGroup().id]"),
            r#""/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}""#
        );
        assert_eq!(ev("[resourceGroup().name]"), r#""{resourceGroup}""#);
        assert_eq!(ev("[resourceGroup().location]"), "?");
        assert_eq!(
            ev("[subscription().subscriptionId]"),
            r#""{subscriptionId}""#
        );
        assert_eq!(
            ev("[subscription().id]"),
            r#""/subscriptions/{subscriptionId}""#
        );
        assert_eq!(ev("[subscription().tenantId]"), "?");
        // Placeholders flow through functions that only pass text on...
        assert_eq!(
            ev("[toLower(concat(resourceGroup().name, '-X'))]"),
            r#""{resourceGroup}-x""#
        );
        assert_eq!(
            ev("[format('{0}/a', subscription().subscriptionId)]"),
            r#""{subscriptionId}/a""#
        );
        assert_eq!(
            ev("[replace(resourceGroup().id, 'resourceGroups', 'rg')]"),
            r#""/subscriptions/{subscriptionId}/rg/{resourceGroup}""#
        );
        // ...but not through functions that look inside them.
        assert_eq!(ev("[length(resourceGroup().name)]"), "?");
        assert_eq!(ev("[split(resourceGroup().id, '/')]"), "?");
        assert_eq!(ev("[substring(resourceGroup().name, 0, 2)]"), "?");
        assert_eq!(ev("[equals(resourceGroup().name, 'rg1')]"), "?");
        assert_eq!(ev("[replace(resourceGroup().id, 'Id', 'x')]"), "?");
        assert_eq!(ev("[uniqueString(resourceGroup().id)]"), "?");
        assert_eq!(
            ev("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'sn')]"),
            r#""/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/sn""#
        );
        assert_eq!(
            ev("[resourceId('rg2', 'Microsoft.Network/virtualNetworks', 'vnet')]"),
            r#""/subscriptions/{subscriptionId}/resourceGroups/rg2/providers/Microsoft.Network/virtualNetworks/vnet""#
        );
        assert_eq!(
            ev("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'r')]"),
            r#""/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/r""#
        );
        assert_eq!(
            ev("[tenantResourceId('Microsoft.Foo/bars', 'b')]"),
            r#""/providers/Microsoft.Foo/bars/b""#
        );
        assert_eq!(
            ev("[extensionResourceId(resourceGroup().id, 'Microsoft.Authorization/locks', 'l')]"),
            r#""/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Authorization/locks/l""#
        );
    }

    #[test]
    fn parameters_and_variables() {
        let t = r#"{
            "parameters": {
                "p": {"type": "string", "defaultValue": "[concat('x', variables('unused'))]"},
                "q": {"type": "int", "defaultValue": "[add(1, 1)]"},
                "noValue": {"type": "string"},
                "opt": {"type": "string", "nullable": true}
            },
            "variables": {
                "unused": "-y",
                "a": "[concat(variables('b'), '!')]",
                "b": "[parameters('p')]",
                "loop1": "[variables('loop2')]",
                "loop2": "[variables('loop1')]",
                "obj": {"n": "[parameters('q')]", "copy": [{"name": "list", "count": 2, "input": "[copyIndex('list')]"}]},
                "copy": [{"name": "generated", "count": "[parameters('q')]", "input": {"i": "[copyIndex('generated', 1)]"}}]
            }
        }"#;
        assert_eq!(render(&eval_in(t, "[variables('a')]")), r#""x-y!""#);
        assert_eq!(render(&eval_in(t, "[variables('A')]")), r#""x-y!""#);
        assert_eq!(render(&eval_in(t, "[parameters('noValue')]")), "?");
        assert_eq!(render(&eval_in(t, "[parameters('opt')]")), "null");
        assert_eq!(render(&eval_in(t, "[variables('loop1')]")), "?");
        assert_eq!(
            render(&eval_in(t, "[variables('obj')]")),
            r#"{"n":2,"list":[0,1]}"#
        );
        assert_eq!(
            render(&eval_in(t, "[variables('generated')]")),
            r#"[{"i":1},{"i":2}]"#
        );
        assert_eq!(render(&eval_in(t, "[copyIndex()]")), "?");
    }

    #[test]
    fn spans_follow_the_value() {
        let t = r#"{"variables": {"arr": ["a", "b"]}}"#;
        let root = super::super::testutil::parse(t);
        let inner = root
            .path(&["variables", "arr"])
            .and_then(|a| a.as_array())
            .map(|a| a[1].span);
        let v = eval_in(t, "[variables('arr')]");
        // Compound values keep the spans of their elements; scalars take the expression's span.
        assert_eq!(v.as_array().map(|a| a[1].span), inner);
        let s = eval_in(t, "[variables('arr')[0]]");
        assert_eq!((s.span.start, s.span.end), (1000, 1010));
    }
}
