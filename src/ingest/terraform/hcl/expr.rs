//! Expression evaluation: operators, conditionals, templates, traversals,
//! `for` expressions and function calls. `Err` is a Terraform error (the
//! attribute turns unknown, or `try`/`can` catch it); values not known before
//! apply are `Ok` nodes of kind `Unknown`.

use super::ast::{BinOp, Expr, ExprKind, ForExpr, ObjItem, Op, Part};
use super::eval::{index_key, Children, Evaluator, Scope, Val};
use super::funcs;
use super::value::{self, as_f64, boolean, to_bool, to_str};
use crate::source::Span;
use crate::syntax::{Entry, Node, NodeKind, Number};

/// Nested evaluations (expressions inside expressions, through locals and
/// outputs) before giving up: keeps the native stack bounded on hostile input.
const MAX_EVAL_DEPTH: usize = 128;

/// Longest string an expression may build (doubling templates stop here).
pub(crate) use crate::ingest::budget::MAX_STRING;

type R = Result<Node, String>;

fn unknown(span: Span, why: impl Into<String>) -> Node {
    Node::unknown(span, why)
}

impl Evaluator<'_, '_> {
    /// Evaluates `e`, appending every resource address it refers to to `refs`.
    pub(crate) fn eval(&mut self, sc: &Scope, e: &Expr, refs: &mut Vec<String>) -> R {
        if self.eval_depth >= MAX_EVAL_DEPTH {
            return Ok(unknown(e.span, "expression nested too deeply"));
        }
        self.eval_depth += 1;
        let out = self.eval_inner(sc, e, refs);
        self.eval_depth -= 1;
        out
    }

    fn eval_inner(&mut self, sc: &Scope, e: &Expr, refs: &mut Vec<String>) -> R {
        let span = e.span;
        if !self.step(span, 1) {
            return Ok(unknown(span, "evaluation budget exhausted"));
        }
        match &e.kind {
            ExprKind::Null => Ok(Node::new(span, NodeKind::Null)),
            ExprKind::Bool(b) => Ok(boolean(span, *b)),
            ExprKind::Int(i) => Ok(value::int(span, *i)),
            ExprKind::Float(f) => Ok(Node::new(span, NodeKind::Number(Number::Float(*f)))),
            ExprKind::Str(s) => Ok(Node::string(span, s.clone())),
            ExprKind::Array(items) => self.array(sc, items, span, refs),
            ExprKind::Object(items) => self.object(sc, items, span, refs),
            ExprKind::Template(parts) => self.template(sc, parts, span, refs),
            ExprKind::Var(_) => self.traverse(sc, e, e, &[], refs),
            ExprKind::Traverse(base, ops) => self.traverse(sc, e, base, ops, refs),
            ExprKind::Call(name, args, expand) => self.call(sc, name, args, *expand, span, refs),
            ExprKind::Cond(c, t, f) => self.cond(sc, c, t, f, span, refs),
            ExprKind::Not(x) => self.unary(sc, x, true, span, refs),
            ExprKind::Neg(x) => self.unary(sc, x, false, span, refs),
            ExprKind::Bin(op, a, b) => self.binary(sc, *op, a, b, span, refs),
            ExprKind::For(f) => self.for_expr(sc, f, span, refs),
            ExprKind::Unsupported(why) => Ok(unknown(span, why.clone())),
        }
    }

    fn array(&mut self, sc: &Scope, items: &[Expr], span: Span, refs: &mut Vec<String>) -> R {
        let nodes = items
            .iter()
            .map(|i| self.eval(sc, i, refs))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(value::array(span, nodes))
    }

    fn cond(
        &mut self,
        sc: &Scope,
        c: &Expr,
        t: &Expr,
        f: &Expr,
        span: Span,
        refs: &mut Vec<String>,
    ) -> R {
        let cv = self.eval(sc, c, refs)?;
        if let NodeKind::Unknown(why) = &cv.kind {
            return Ok(unknown(span, why.clone()));
        }
        match to_bool(&cv) {
            Some(true) => self.eval(sc, t, refs),
            Some(false) => self.eval(sc, f, refs),
            None => Err(format!(
                "a condition must be a boolean, not a {}",
                cv.kind_name()
            )),
        }
    }

    /// `!x` (`not`) or `-x`.
    fn unary(&mut self, sc: &Scope, x: &Expr, not: bool, span: Span, refs: &mut Vec<String>) -> R {
        let v = self.eval(sc, x, refs)?;
        if let NodeKind::Unknown(_) = v.kind {
            return Ok(v);
        }
        if not {
            return match to_bool(&v) {
                Some(b) => Ok(boolean(span, !b)),
                None => Err(format!("! needs a boolean, not a {}", v.kind_name())),
            };
        }
        match (&v.kind, as_f64(&v)) {
            (NodeKind::Number(Number::Int(i)), _) if *i != i64::MIN => Ok(value::int(span, -i)),
            (_, Some(f)) => Ok(value::float(span, -f)),
            _ => Err(format!("- needs a number, not a {}", v.kind_name())),
        }
    }

    fn binary(
        &mut self,
        sc: &Scope,
        op: BinOp,
        a: &Expr,
        b: &Expr,
        span: Span,
        refs: &mut Vec<String>,
    ) -> R {
        let x = self.eval(sc, a, refs)?;
        let y = self.eval(sc, b, refs)?;
        binary(op, &x, &y, span)
    }

    fn object(&mut self, sc: &Scope, items: &[ObjItem], span: Span, refs: &mut Vec<String>) -> R {
        let mut entries: Vec<Entry> = Vec::with_capacity(items.len());
        let mut unknown_key = None;
        for i in items {
            let k = self.eval(sc, &i.key, refs)?;
            let v = self.eval(sc, &i.value, refs)?;
            if let NodeKind::Unknown(why) = &k.kind {
                unknown_key = Some(why.clone());
                continue;
            }
            let key = to_str(&k).ok_or_else(|| {
                format!("an object key must be a string, not a {}", k.kind_name())
            })?;
            entries.retain(|e| e.key != key);
            entries.push(Entry {
                key,
                key_span: i.key.span,
                value: v,
            });
        }
        match unknown_key {
            Some(why) => Ok(unknown(span, why)),
            None => Ok(Node::new(span, NodeKind::Object(entries))),
        }
    }

    fn template(&mut self, sc: &Scope, parts: &[Part], span: Span, refs: &mut Vec<String>) -> R {
        // `"${x}"` is x itself, whatever its type, as in Terraform.
        if let [Part::Interp(e)] = parts {
            return self.eval(sc, e, refs);
        }
        let mut out = String::new();
        let mut unknown_part = None;
        self.render(sc, parts, &mut out, &mut unknown_part, refs)?;
        match unknown_part {
            Some(why) => Ok(unknown(span, why)),
            None => Ok(Node::string(span, out)),
        }
    }

    /// Appends the template's text; an unknown part is remembered, and the
    /// rest still evaluated so that its references are recorded.
    fn render(
        &mut self,
        sc: &Scope,
        parts: &[Part],
        out: &mut String,
        unknown_part: &mut Option<String>,
        refs: &mut Vec<String>,
    ) -> Result<(), String> {
        for p in parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Interp(e) => {
                    let v = self.eval(sc, e, refs)?;
                    match (&v.kind, to_str(&v)) {
                        (NodeKind::Unknown(why), _) => {
                            unknown_part.get_or_insert_with(|| why.clone());
                        }
                        (_, Some(s)) => out.push_str(&s),
                        _ => return Err(format!("cannot put a {} into a string", v.kind_name())),
                    }
                }
                Part::If(c, t, f) => {
                    let v = self.eval(sc, c, refs)?;
                    if let NodeKind::Unknown(why) = &v.kind {
                        unknown_part.get_or_insert_with(|| why.clone());
                        continue;
                    }
                    let b = to_bool(&v).ok_or("a template condition must be a boolean")?;
                    self.render(sc, if b { t } else { f }, out, unknown_part, refs)?;
                }
                Part::For(k, v, coll, body) => {
                    let c = self.eval(sc, coll, refs)?;
                    let Some(pairs) = iteration(c)? else {
                        unknown_part.get_or_insert_with(|| {
                            "a template loop over an unknown collection".into()
                        });
                        continue;
                    };
                    for (key, val) in pairs {
                        let mut inner = sc.clone();
                        if let Some(k) = k {
                            inner.iters.push((k.clone(), key));
                        }
                        inner.iters.push((v.clone(), val));
                        self.render(&inner, body, out, unknown_part, refs)?;
                        if out.len() > MAX_STRING {
                            return Err("the string grows beyond 1 MiB".into());
                        }
                    }
                }
            }
            if out.len() > MAX_STRING {
                return Err("the string grows beyond 1 MiB".into());
            }
        }
        Ok(())
    }

    /// `var.x`, `local.x`, `azurerm_subnet.nodes[0].name`, `module.net.id`, …
    /// A scalar result takes the span of the reference, where it is used.
    fn traverse(
        &mut self,
        sc: &Scope,
        whole: &Expr,
        base: &Expr,
        ops: &[Op],
        refs: &mut Vec<String>,
    ) -> R {
        let (node, used, lenient) = match &base.kind {
            ExprKind::Var(name) => self.root(sc, name, ops, whole.span, refs)?,
            _ => (self.eval(sc, base, refs)?, 0, false),
        };
        let rest = ops.get(used..).unwrap_or_default();
        let mut node = self.apply(sc, node, rest, lenient, refs)?;
        if value::is_scalar(&node) {
            node.span = whole.span;
        }
        Ok(node)
    }

    /// Resolves a named root and the attribute accesses that belong to it;
    /// returns the value, how many operators it used, and whether missing
    /// attributes are computed ones (unknown) rather than errors.
    fn root(
        &mut self,
        sc: &Scope,
        name: &str,
        ops: &[Op],
        span: Span,
        refs: &mut Vec<String>,
    ) -> Result<(Node, usize, bool), String> {
        if let Some((_, v)) = sc.iters.iter().rev().find(|(n, _)| n == name) {
            return Ok((v.clone(), 0, false));
        }
        let attr = |i: usize| match ops.get(i) {
            Some(Op::Attr(a)) => Some(a.as_str()),
            _ => None,
        };
        match (name, attr(0), attr(1)) {
            ("var", Some(v), _) => {
                let val = self.var(sc.inst, v, span)?;
                self.select(&val, &ops[1..], 1, span, refs)
            }
            ("local", Some(l), _) => {
                let val = self.local(sc.inst, l, span)?;
                self.select(&val, &ops[1..], 1, span, refs)
            }
            ("count", Some("index"), _) => match &sc.count_index {
                Some(i) => Ok((i.clone(), 1, false)),
                None => Err("count.index is only available where count is set".into()),
            },
            ("each", Some(kv @ ("key" | "value")), _) => match &sc.each {
                Some((k, v)) => Ok((if kv == "key" { k.clone() } else { v.clone() }, 1, false)),
                None => Err("each is only available where for_each is set".into()),
            },
            ("module", Some(m), _) => self.module_root(sc, m, ops, span, refs),
            ("data", Some(t), Some(n)) => {
                let mut addr = format!("{}data.{t}.{n}", self.prefix(sc.inst));
                let mut next = 2;
                if let Some(Op::Index(ix)) = ops.get(2) {
                    let k = self.eval(sc, ix, refs)?;
                    addr.push_str(&index_key(&k).unwrap_or_default());
                    next = 3;
                }
                let what = attr(next).unwrap_or("the value");
                let why = value::computed(what, &addr);
                refs.push(addr);
                Ok((unknown(span, why), ops.len(), true))
            }
            ("path" | "terraform" | "self", _, _) => Ok((
                unknown(span, format!("{name} values are not evaluated")),
                ops.len(),
                true,
            )),
            (rtype, Some(n), _)
                if !matches!(
                    rtype,
                    "var" | "local" | "count" | "each" | "module" | "data"
                ) =>
            {
                self.resource_root(sc, rtype, n, ops, span, refs)
            }
            _ => Err(format!("{name} cannot be used here")),
        }
    }

    fn resource_root(
        &mut self,
        sc: &Scope,
        rtype: &str,
        name: &str,
        ops: &[Op],
        span: Span,
        refs: &mut Vec<String>,
    ) -> Result<(Node, usize, bool), String> {
        let Some(ev) = self.resource_ref(sc.inst, rtype, name, span) else {
            return Err(format!("no resource {rtype}.{name} is declared"));
        };
        let mut addr = format!("{}{rtype}.{name}", self.prefix(sc.inst));
        let mut used = 1;
        let mut cur = &ev.value;
        if ev.expanded {
            if let Some(Op::Index(ix)) = ops.get(1) {
                let k = self.eval(sc, ix, refs)?;
                if let (Some(key), Some(instance)) = (index_key(&k), borrow_index(cur, &k)) {
                    addr.push_str(&key);
                    cur = instance;
                    used = 2;
                }
            }
        }
        refs.push(addr);
        let (cur, more) = borrow_path(cur, ops.get(used..).unwrap_or_default());
        let node = self.take(cur, span);
        Ok((node, used + more, true))
    }

    /// `module.m.out`, `module.m["key"].out`, `module.m[0]`, `module.m`.
    fn module_root(
        &mut self,
        sc: &Scope,
        m: &str,
        ops: &[Op],
        span: Span,
        refs: &mut Vec<String>,
    ) -> Result<(Node, usize, bool), String> {
        let children = self.child(sc.inst, m);
        let (c, used) = match &*children {
            Children::NotEvaluated => {
                if !self.cfg(sc.inst).modules.iter().any(|c| c.name == m) {
                    return Err(format!("no module named {m} is declared"));
                }
                let why = format!("outputs of module.{m} are not known before apply");
                return Ok((unknown(span, why), ops.len(), true));
            }
            Children::Single(c) => (*c, 1),
            Children::Expanded { keyed, insts } => {
                let Some(Op::Index(ix)) = ops.get(1) else {
                    let items: Vec<(Node, Node)> = insts
                        .iter()
                        .map(|(k, c)| (k.clone(), self.module_object(*c, span, refs)))
                        .collect();
                    let node = if *keyed {
                        let entries = items
                            .into_iter()
                            .map(|(k, v)| (to_str(&k).unwrap_or_default(), v))
                            .collect();
                        value::object(span, entries)
                    } else {
                        value::array(span, items.into_iter().map(|(_, v)| v).collect())
                    };
                    return Ok((node, 1, false));
                };
                let k = self.eval(sc, ix, refs)?;
                if let NodeKind::Unknown(why) = &k.kind {
                    return Ok((unknown(span, why.clone()), ops.len(), true));
                }
                match insts.iter().find(|(key, _)| value::equal(key, &k)) {
                    Some((_, c)) => (*c, 2),
                    None => {
                        return Err(format!(
                            "module.{m} has no instance {}",
                            index_key(&k).unwrap_or_default()
                        ))
                    }
                }
            }
        };
        match ops.get(used) {
            Some(Op::Attr(o)) => {
                let val = self.output(c, o, span)?;
                self.select(
                    &val,
                    ops.get(used + 1..).unwrap_or_default(),
                    used + 1,
                    span,
                    refs,
                )
            }
            _ => Ok((self.module_object(c, span, refs), used, false)),
        }
    }

    /// The part of a cached value the leading operators select, copied.
    fn select(
        &mut self,
        val: &Val,
        ops: &[Op],
        used: usize,
        span: Span,
        refs: &mut Vec<String>,
    ) -> Result<(Node, usize, bool), String> {
        refs.extend(val.refs.iter().cloned());
        let (cur, more) = borrow_path(&val.node, ops);
        Ok((self.take(cur, span), used + more, false))
    }

    fn apply(
        &mut self,
        sc: &Scope,
        mut node: Node,
        ops: &[Op],
        lenient: bool,
        refs: &mut Vec<String>,
    ) -> R {
        let mut i = 0;
        while i < ops.len() {
            match &ops[i] {
                Op::Attr(a) => node = get_attr(node, a, lenient)?,
                Op::Index(ix) => {
                    let k = self.eval(sc, ix, refs)?;
                    node = index(node, &k, lenient)?;
                }
                Op::FullSplat | Op::AttrSplat => {
                    // `[*]` takes every following operator, `.*` only attribute accesses.
                    let end = match ops[i] {
                        Op::FullSplat => ops.len(),
                        _ => ops[i + 1..]
                            .iter()
                            .position(|o| !matches!(o, Op::Attr(_)))
                            .map_or(ops.len(), |p| i + 1 + p),
                    };
                    node = self.splat(sc, node, &ops[i + 1..end], lenient, refs)?;
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        Ok(node)
    }

    fn splat(
        &mut self,
        sc: &Scope,
        node: Node,
        ops: &[Op],
        lenient: bool,
        refs: &mut Vec<String>,
    ) -> R {
        let span = node.span;
        let items = match node.kind {
            NodeKind::Unknown(_) => return Ok(node),
            NodeKind::Null => Vec::new(),
            NodeKind::Array(items) => items,
            kind => vec![Node::new(span, kind)],
        };
        let out = items
            .into_iter()
            .map(|it| self.apply(sc, it, ops, lenient, refs))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(value::array(span, out))
    }

    fn for_expr(&mut self, sc: &Scope, f: &ForExpr, span: Span, refs: &mut Vec<String>) -> R {
        let coll = self.eval(sc, &f.collection, refs)?;
        let why = match &coll.kind {
            NodeKind::Unknown(why) => why.clone(),
            _ => String::new(),
        };
        let Some(pairs) = iteration(coll)? else {
            return Ok(unknown(span, why));
        };
        let mut items = Vec::new();
        let mut groups: Vec<(String, Vec<Node>)> = Vec::new();
        for (k, v) in pairs {
            let mut inner = sc.clone();
            if let Some(kv) = &f.key_var {
                inner.iters.push((kv.clone(), k));
            }
            inner.iters.push((f.value_var.clone(), v));
            if let Some(c) = &f.cond {
                let cv = self.eval(&inner, c, refs)?;
                match (&cv.kind, to_bool(&cv)) {
                    (NodeKind::Unknown(why), _) => return Ok(unknown(span, why.clone())),
                    (_, Some(false)) => continue,
                    (_, Some(true)) => {}
                    _ => return Err("a for condition must be a boolean".into()),
                }
            }
            let val = self.eval(&inner, &f.value_expr, refs)?;
            let Some(ke) = &f.key_expr else {
                items.push(val);
                continue;
            };
            let kv = self.eval(&inner, ke, refs)?;
            if let NodeKind::Unknown(why) = &kv.kind {
                return Ok(unknown(span, why.clone()));
            }
            let key = to_str(&kv).ok_or("a for key must be a string")?;
            match groups.iter_mut().find(|g| g.0 == key) {
                Some(g) if f.grouping => g.1.push(val),
                Some(_) => return Err(format!("duplicate key {key} in a for expression")),
                None => groups.push((key, vec![val])),
            }
        }
        if f.key_expr.is_none() {
            return Ok(value::array(span, items));
        }
        let entries = groups
            .into_iter()
            .map(|(k, mut vals)| {
                let v = if f.grouping {
                    value::array(span, vals)
                } else {
                    vals.remove(0)
                };
                (k, v)
            })
            .collect();
        Ok(value::object(span, entries))
    }

    fn call(
        &mut self,
        sc: &Scope,
        name: &str,
        args: &[Expr],
        expand: bool,
        span: Span,
        refs: &mut Vec<String>,
    ) -> R {
        match name {
            // Errors in the arguments are the point of these two.
            "try" => {
                for a in args {
                    let mut r = Vec::new();
                    if let Ok(v) = self.eval(sc, a, &mut r) {
                        refs.extend(r);
                        return Ok(v);
                    }
                }
                return Err("no argument of try() could be evaluated".into());
            }
            "can" => {
                let Some(a) = args.first() else {
                    return Err("can() takes one argument".into());
                };
                let mut r = Vec::new();
                return Ok(match self.eval(sc, a, &mut r) {
                    Ok(v) if v.contains_unknown() => {
                        unknown(span, "can() of a value not known before apply")
                    }
                    Ok(_) => boolean(span, true),
                    Err(_) => boolean(span, false),
                });
            }
            _ => {}
        }
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            vals.push(self.eval(sc, a, refs)?);
        }
        if expand {
            match vals.pop().map(|v| v.kind) {
                Some(NodeKind::Array(items)) => vals.extend(items),
                Some(NodeKind::Unknown(why)) => return Ok(unknown(span, why)),
                _ => return Err("the argument before ... must be a list".into()),
            }
        }
        funcs::call(name, vals, span)
    }
}

/// Follows attribute accesses and literal indices by reference, so that only
/// the selected part of a large value is copied. Stops where a step would need
/// evaluation or would fail (the caller then applies it to the copy).
fn borrow_path<'n>(mut cur: &'n Node, ops: &[Op]) -> (&'n Node, usize) {
    let mut used = 0;
    for op in ops {
        let next = match op {
            Op::Attr(a) => cur
                .as_object()
                .and_then(|es| es.iter().find(|e| e.key == *a))
                .map(|e| &e.value),
            Op::Index(Expr {
                kind: ExprKind::Int(i),
                span,
            }) => borrow_index(cur, &value::int(*span, *i)),
            Op::Index(Expr {
                kind: ExprKind::Str(s),
                span,
            }) => borrow_index(cur, &Node::string(*span, s.clone())),
            _ => None,
        };
        match next {
            Some(n) => {
                cur = n;
                used += 1;
            }
            None => break,
        }
    }
    (cur, used)
}

fn borrow_index<'n>(node: &'n Node, k: &Node) -> Option<&'n Node> {
    match &node.kind {
        NodeKind::Array(items) => usize::try_from(value::as_int(k)?)
            .ok()
            .and_then(|i| items.get(i)),
        NodeKind::Object(entries) => {
            let key = to_str(k)?;
            entries.iter().find(|e| e.key == key).map(|e| &e.value)
        }
        _ => None,
    }
}

/// The (key, value) pairs a `for` iterates: lists by index, maps by key in
/// lexical order; `None` for an unknown collection.
fn iteration(coll: Node) -> Result<Option<Vec<(Node, Node)>>, String> {
    let span = coll.span;
    Ok(Some(match coll.kind {
        NodeKind::Unknown(_) => return Ok(None),
        NodeKind::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (value::int(span, i as i64), v))
            .collect(),
        NodeKind::Object(mut entries) => {
            entries.sort_by(|a, b| a.key.cmp(&b.key));
            entries
                .into_iter()
                .map(|e| (Node::string(e.key_span, e.key), e.value))
                .collect()
        }
        other => {
            let kind = Node::new(span, other).kind_name();
            return Err(format!("cannot iterate over a {kind}"));
        }
    }))
}

fn get_attr(node: Node, a: &str, lenient: bool) -> R {
    let span = node.span;
    match node.kind {
        NodeKind::Object(entries) => {
            let origin = entries
                .iter()
                .find(|e| e.key == value::ADDRESS_KEY)
                .and_then(|e| e.value.as_str())
                .map(str::to_string);
            match entries.into_iter().find(|e| e.key == a) {
                Some(e) => Ok(e.value),
                // A resource instance (it carries its address) lacks only computed attributes.
                None if lenient || origin.is_some() => {
                    Ok(unknown(span, missing(a, origin.as_deref())))
                }
                None => Err(format!("this object has no attribute {a}")),
            }
        }
        NodeKind::Unknown(_) => Ok(Node::new(span, node.kind)),
        _ if lenient => Ok(unknown(span, missing(a, None))),
        other => Err(format!(
            "cannot read {a} of a {}",
            Node::new(span, other).kind_name()
        )),
    }
}

/// An attribute the configuration does not set: Azure computes it.
fn missing(a: &str, origin: Option<&str>) -> String {
    match origin {
        Some(address) => value::computed(a, address),
        None => format!("{a} is known only when Terraform runs"),
    }
}

fn index(node: Node, k: &Node, lenient: bool) -> R {
    let span = node.span;
    if let NodeKind::Unknown(why) = &k.kind {
        return Ok(unknown(span, why.clone()));
    }
    match node.kind {
        NodeKind::Unknown(_) => Ok(Node::new(span, node.kind)),
        NodeKind::Array(items) => {
            let i = value::as_int(k).ok_or("a list index must be a number")?;
            let len = items.len();
            usize::try_from(i)
                .ok()
                .and_then(|i| items.into_iter().nth(i))
                .ok_or_else(|| format!("index {i} is out of range for a list of {len}"))
        }
        NodeKind::Object(entries) => {
            let key = to_str(k).ok_or("a map key must be a string")?;
            if lenient && key == "0" && !entries.iter().any(|e| e.key == key) {
                // A single nested block is an object here, but Terraform sees a
                // list of one: `azurerm_kubernetes_cluster.k.network_profile[0]`.
                return Ok(Node::new(span, NodeKind::Object(entries)));
            }
            match entries.into_iter().find(|e| e.key == key) {
                Some(e) => Ok(e.value),
                None if lenient => Ok(unknown(span, missing(&format!("[{key}]"), None))),
                None => Err(format!("this map has no key {key}")),
            }
        }
        other => Err(format!(
            "cannot index a {}",
            Node::new(span, other).kind_name()
        )),
    }
}

fn binary(op: BinOp, x: &Node, y: &Node, span: Span) -> R {
    match op {
        BinOp::And | BinOp::Or => logic(op, x, y, span),
        BinOp::Eq | BinOp::NotEq => {
            if let Some(why) = value::first_unknown(x).or_else(|| value::first_unknown(y)) {
                return Ok(unknown(span, why));
            }
            Ok(boolean(span, value::equal(x, y) == (op == BinOp::Eq)))
        }
        _ => {
            for v in [x, y] {
                if let NodeKind::Unknown(why) = &v.kind {
                    return Ok(unknown(span, why.clone()));
                }
            }
            arith(op, x, y, span)
        }
    }
}

fn logic(op: BinOp, x: &Node, y: &Node, span: Span) -> R {
    let (a, b) = (to_bool(x), to_bool(y));
    // `false && unknown` is false, `true || unknown` is true.
    let decisive = op == BinOp::Or;
    if a == Some(decisive) || b == Some(decisive) {
        return Ok(boolean(span, decisive));
    }
    for v in [x, y] {
        if let NodeKind::Unknown(why) = &v.kind {
            return Ok(unknown(span, why.clone()));
        }
    }
    match (a, b) {
        (Some(_), Some(_)) => Ok(boolean(span, !decisive)),
        _ => Err("&& and || need booleans".into()),
    }
}

fn arith(op: BinOp, x: &Node, y: &Node, span: Span) -> R {
    let (Some(a), Some(b)) = (as_f64(x), as_f64(y)) else {
        return Err(format!(
            "cannot compute with a {} and a {}",
            x.kind_name(),
            y.kind_name()
        ));
    };
    let ints = match (&x.kind, &y.kind) {
        (NodeKind::Number(Number::Int(p)), NodeKind::Number(Number::Int(q))) => Some((*p, *q)),
        _ => None,
    };
    let exact = |f: fn(i64, i64) -> Option<i64>| ints.and_then(|(p, q)| f(p, q));
    let n = match op {
        BinOp::Lt => return Ok(boolean(span, a < b)),
        BinOp::Le => return Ok(boolean(span, a <= b)),
        BinOp::Gt => return Ok(boolean(span, a > b)),
        BinOp::Ge => return Ok(boolean(span, a >= b)),
        BinOp::Add => exact(i64::checked_add).map_or(a + b, |i| i as f64),
        BinOp::Sub => exact(i64::checked_sub).map_or(a - b, |i| i as f64),
        BinOp::Mul => exact(i64::checked_mul).map_or(a * b, |i| i as f64),
        BinOp::Div if b == 0.0 => return Err("division by zero".into()),
        BinOp::Div => a / b,
        BinOp::Mod if b == 0.0 => return Err("modulo by zero".into()),
        BinOp::Mod => exact(i64::checked_rem).map_or(a % b, |i| i as f64),
        _ => return Err("not an arithmetic operator".into()),
    };
    if !n.is_finite() {
        return Err("the result is not a finite number".into());
    }
    Ok(value::float(span, n))
}
