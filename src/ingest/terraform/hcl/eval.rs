//! The module-level evaluator: variables, locals, resources with
//! `count`/`for_each`, local child modules and their outputs, all lazily and
//! memoised, with cycle detection and budgets a hostile file cannot exceed.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use super::ast::{Attr, Block, Body, Expr, ExprKind, ModuleConfig, ResourceDecl};
use super::value::{self, MAX_VALUE_DEPTH};
use super::{file_role, load, Evaluation, FileRole, ModuleFile, ModuleLoader, NOTE_CODE};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::ingest::terraform::TfResource;
use crate::source::Span;
use crate::syntax::{Entry, Node, NodeKind};

/// Instances one `count`/`for_each`/dynamic block may expand to.
pub(crate) const MAX_INSTANCES: usize = 1000;
/// Expression evaluations per root module; a runaway configuration
/// (exponential locals) stops here, the rest turns unknown.
const MAX_STEPS: usize = 2_000_000;
/// Nested lazy evaluations (local → local → output → …) before giving up;
/// keeps the native stack shallow whatever the reference chains.
const MAX_REF_DEPTH: usize = 48;
const MAX_MODULE_DEPTH: usize = 8;
const MAX_MODULE_INSTANCES: usize = 200;

/// An evaluated value with the resource addresses it was derived from.
#[derive(Clone, Debug)]
pub(crate) struct Val {
    pub node: Node,
    pub refs: Vec<String>,
}

enum Slot<T> {
    Busy,
    Done(T),
}

/// A resource declaration, evaluated: its instances, and the value other
/// expressions see when they reference it.
pub(crate) struct Evaluated {
    pub value: Node,
    /// Whether instances are addressed by index or key (`count`/`for_each`).
    pub expanded: bool,
    instances: Vec<TfResource>,
}

/// One module instance: the root, or a `module` block's child.
struct Inst {
    cfg: Rc<ModuleConfig>,
    dir: PathBuf,
    /// `""` for the root, `module.net.` for a child.
    prefix: String,
    depth: usize,
    /// The instance whose `module` block made this one.
    parent: Option<usize>,
    vars: HashMap<String, Slot<Rc<Val>>>,
    /// Input variables from the calling `module` block, evaluated in the
    /// caller's scope on first use (so a module may take another's output,
    /// or even one of its own, as Terraform allows).
    pending: HashMap<String, (Scope, Expr)>,
    locals: HashMap<String, Slot<Rc<Val>>>,
    resources: HashMap<usize, Slot<Rc<Evaluated>>>,
    children: HashMap<String, Slot<Rc<Children>>>,
    outputs: HashMap<String, Slot<Rc<Val>>>,
}

/// The instances of a `module` block.
pub(crate) enum Children {
    /// Remote, unreadable, too deep, or expanded over an unknown collection.
    NotEvaluated,
    Single(usize),
    /// One instance per `count` index or `for_each` key.
    Expanded {
        keyed: bool,
        insts: Vec<(Node, usize)>,
    },
}

/// Where an expression is evaluated: the module instance and the iteration
/// variables in force.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    pub inst: usize,
    pub count_index: Option<Node>,
    pub each: Option<(Node, Node)>,
    /// `for` and `dynamic` iterators, innermost last.
    pub iters: Vec<(String, Node)>,
}

impl Scope {
    fn of(inst: usize) -> Scope {
        Scope {
            inst,
            ..Scope::default()
        }
    }
}

pub(crate) struct Evaluator<'l, 'a> {
    loader: &'l mut ModuleLoader<'a>,
    /// Module sources resolving outside this folder are not read (the repository).
    pub(crate) bound: Option<PathBuf>,
    /// Parsed module directories; `None` for one with no Terraform files.
    configs: HashMap<PathBuf, Option<Rc<ModuleConfig>>>,
    /// Module instances. Indices come only from `push_inst` and instances are
    /// never removed, so `self.insts[i]` cannot fail.
    insts: Vec<Inst>,
    pub(crate) diags: Vec<Diagnostic>,
    steps: usize,
    ref_depth: usize,
    pub(crate) eval_depth: usize,
    exhausted: bool,
    /// Child module directories read, in order.
    loaded: Vec<PathBuf>,
}

/// `a.b` path join for reference paths.
fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The span from the first to the last of several blocks, when they share a file.
fn cover(nodes: &[Node]) -> Option<Span> {
    let (first, last) = (nodes.first()?.span, nodes.last()?.span);
    (first.file == last.file && first.start <= last.end)
        .then(|| Span::new(first.file, first.start as usize, last.end as usize))
}

/// Lexical `..`/`.` removal: module sources are relative paths, and the
/// loader wants one name per directory.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            // `a/..` cancels; `..` at the start (or after another `..`) stays:
            // `../../modules/net` from `.` is two folders up, not `modules/net`.
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Terraform's address key syntax: `[0]`, `["name"]`.
pub(crate) fn index_key(key: &Node) -> Option<String> {
    match &key.kind {
        NodeKind::String(s) => Some(format!("[{}]", serde_json::Value::String(s.clone()))),
        _ => key.as_i64().map(|i| format!("[{i}]")),
    }
}

impl<'l, 'a> Evaluator<'l, 'a> {
    pub(crate) fn new(loader: &'l mut ModuleLoader<'a>) -> Self {
        Evaluator {
            loader,
            bound: None,
            configs: HashMap::new(),
            insts: Vec::new(),
            diags: Vec::new(),
            steps: 0,
            ref_depth: 0,
            eval_depth: 0,
            exhausted: false,
            loaded: Vec::new(),
        }
    }

    pub(crate) fn run_root(&mut self, dir: &Path, files: &[ModuleFile]) {
        let cfg = load::load(files, true, &mut self.diags);
        self.run_config(dir, cfg);
    }

    pub(crate) fn run_config(&mut self, dir: &Path, cfg: ModuleConfig) {
        let tfvars = cfg.tfvars.clone();
        let cfg = Rc::new(cfg);
        self.preload(normalize(dir), &cfg);
        let root = self.push_inst(cfg, normalize(dir), String::new(), 0);
        let mut given = HashMap::new();
        for (name, expr) in &tfvars {
            let val = self.eval_val(&Scope::of(root), expr);
            given.insert(name.clone(), val);
        }
        self.set_vars(root, given);
    }

    pub(crate) fn finish(mut self) -> Evaluation {
        let root_dir = self.insts.first().map(|i| i.dir.clone());
        let mut resources = Vec::new();
        if !self.insts.is_empty() {
            self.collect(0, &mut resources);
        }
        Evaluation {
            resources,
            diagnostics: self.diags,
            module_dirs: self
                .loaded
                .into_iter()
                .filter(|d| Some(d) != root_dir.as_ref())
                .collect(),
        }
    }

    pub(crate) fn note(&mut self, span: Span, message: impl Into<String>) {
        let d = Diagnostic::new(
            NOTE_CODE,
            NOTE_CODE,
            Severity::Info,
            message,
            Label::new(span, "akslint could not evaluate this"),
        );
        self.diags.push(d);
    }

    /// Counts one evaluation step; false once the budget is spent.
    pub(crate) fn step(&mut self, span: Span, cost: usize) -> bool {
        self.steps = self.steps.saturating_add(cost);
        if self.steps > MAX_STEPS {
            if !self.exhausted {
                self.exhausted = true;
                self.note(
                    span,
                    "this configuration is too large to evaluate; the rest is treated as unknown",
                );
            }
            return false;
        }
        true
    }

    /// Runs a lazy evaluation one level deeper, or gives up if too deep.
    fn deeper<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.ref_depth >= MAX_REF_DEPTH {
            return None;
        }
        self.ref_depth += 1;
        let out = f(self);
        self.ref_depth -= 1;
        Some(out)
    }

    fn push_inst(
        &mut self,
        cfg: Rc<ModuleConfig>,
        dir: PathBuf,
        prefix: String,
        depth: usize,
    ) -> usize {
        self.insts.push(Inst {
            cfg,
            dir,
            prefix,
            depth,
            parent: None,
            vars: HashMap::new(),
            pending: HashMap::new(),
            locals: HashMap::new(),
            resources: HashMap::new(),
            children: HashMap::new(),
            outputs: HashMap::new(),
        });
        self.insts.len() - 1
    }

    pub(crate) fn cfg(&self, inst: usize) -> Rc<ModuleConfig> {
        Rc::clone(&self.insts[inst].cfg)
    }

    pub(crate) fn prefix(&self, inst: usize) -> &str {
        &self.insts[inst].prefix
    }

    /// Declared variables take the given value, else (unless a module
    /// argument will give it) their default, else unknown.
    fn set_vars(&mut self, inst: usize, mut given: HashMap<String, Val>) {
        let cfg = self.cfg(inst);
        let mut names: Vec<&String> = cfg.variables.keys().collect();
        names.sort();
        for name in names {
            if self.insts[inst].pending.contains_key(name) {
                continue;
            }
            let val = match (given.remove(name), &cfg.variables[name].default) {
                (Some(v), _) => v,
                (None, Some(d)) => self.eval_val(&Scope::of(inst), d),
                (None, None) => Val {
                    node: Node::unknown(
                        cfg.variables[name].span,
                        format!("variable {name} has no value"),
                    ),
                    refs: Vec::new(),
                },
            };
            let val = self.typed(inst, name, val);
            self.insts[inst]
                .vars
                .insert(name.clone(), Slot::Done(Rc::new(val)));
        }
    }

    /// Applies the variable's type constraint, if it has one.
    fn typed(&mut self, inst: usize, name: &str, val: Val) -> Val {
        let cfg = self.cfg(inst);
        match cfg.variables.get(name).and_then(|v| v.ty.as_ref()) {
            Some(ty) => {
                let node = self.conform(&Scope::of(inst), val.node, ty, 0);
                Val { node, ..val }
            }
            None => val,
        }
    }

    /// Evaluates an expression to a value with its references; an error
    /// becomes an unknown value.
    pub(crate) fn eval_val(&mut self, sc: &Scope, e: &Expr) -> Val {
        let mut refs = Vec::new();
        let node = match self.eval(sc, e, &mut refs) {
            Ok(n) if value::too_deep(&n, MAX_VALUE_DEPTH) => {
                Node::unknown(e.span, "value nested too deeply")
            }
            Ok(n) => n,
            Err(msg) => Node::unknown(e.span, msg),
        };
        refs.sort();
        refs.dedup();
        Val { node, refs }
    }

    /// A copy of (part of) a cached value, charged to the budget by its size.
    pub(crate) fn take(&mut self, n: &Node, span: Span) -> Node {
        if !self.step(span, value::size(n, MAX_STEPS)) {
            return Node::unknown(span, "evaluation budget exhausted");
        }
        n.clone()
    }

    pub(crate) fn var(&mut self, inst: usize, name: &str, span: Span) -> Result<Rc<Val>, String> {
        match self.insts[inst].vars.get(name) {
            Some(Slot::Done(v)) => return Ok(Rc::clone(v)),
            Some(Slot::Busy) => {
                let why = format!("var.{name} refers to itself");
                return Ok(Rc::new(unknown_val(span, why)));
            }
            None => {}
        }
        let Some((sc, expr)) = self.insts[inst].pending.remove(name) else {
            return Err(format!("no variable named {name} is declared"));
        };
        self.insts[inst].vars.insert(name.to_string(), Slot::Busy);
        let v = self
            .deeper(|ev| ev.eval_val(&sc, &expr))
            .unwrap_or_else(|| unknown_val(span, "references nested too deeply"));
        let v = Rc::new(self.typed(inst, name, v));
        self.insts[inst]
            .vars
            .insert(name.to_string(), Slot::Done(Rc::clone(&v)));
        Ok(v)
    }

    pub(crate) fn local(&mut self, inst: usize, name: &str, span: Span) -> Result<Rc<Val>, String> {
        match self.insts[inst].locals.get(name) {
            Some(Slot::Done(v)) => return Ok(Rc::clone(v)),
            Some(Slot::Busy) => {
                return Ok(Rc::new(unknown_val(
                    span,
                    format!("local.{name} refers to itself"),
                )))
            }
            None => {}
        }
        let cfg = self.cfg(inst);
        let Some(attr) = cfg.locals.get(name) else {
            return Err(format!("no local value named {name} is declared"));
        };
        self.insts[inst].locals.insert(name.to_string(), Slot::Busy);
        let v = self
            .deeper(|ev| ev.eval_val(&Scope::of(inst), &attr.expr))
            .unwrap_or_else(|| unknown_val(span, "references nested too deeply"));
        let v = Rc::new(v);
        self.insts[inst]
            .locals
            .insert(name.to_string(), Slot::Done(Rc::clone(&v)));
        Ok(v)
    }

    /// The evaluated `type.name` declaration that references see.
    pub(crate) fn resource_ref(
        &mut self,
        inst: usize,
        rtype: &str,
        name: &str,
        span: Span,
    ) -> Option<Rc<Evaluated>> {
        let cfg = self.cfg(inst);
        let idx = cfg.resource_position(rtype, name)?;
        Some(self.resource(inst, idx, span))
    }

    fn resource(&mut self, inst: usize, idx: usize, span: Span) -> Rc<Evaluated> {
        match self.insts[inst].resources.get(&idx) {
            Some(Slot::Done(e)) => return Rc::clone(e),
            Some(Slot::Busy) => {
                return Rc::new(Evaluated {
                    value: Node::unknown(span, "the resources refer to each other"),
                    expanded: false,
                    instances: Vec::new(),
                })
            }
            None => {}
        }
        self.insts[inst].resources.insert(idx, Slot::Busy);
        let cfg = self.cfg(inst);
        // `idx` comes from a position in this same list (`resource_ref`, `collect`).
        let decl = &cfg.resources[idx];
        let ev = self
            .deeper(|ev| ev.eval_resource(inst, decl))
            .unwrap_or_else(|| Evaluated {
                value: Node::unknown(span, "references nested too deeply"),
                expanded: false,
                instances: Vec::new(),
            });
        let ev = Rc::new(ev);
        self.insts[inst]
            .resources
            .insert(idx, Slot::Done(Rc::clone(&ev)));
        ev
    }

    fn eval_resource(&mut self, inst: usize, decl: &ResourceDecl) -> Evaluated {
        let base = format!("{}{}.{}", self.prefix(inst), decl.rtype, decl.name);
        let Some(scopes) = self.expansion(inst, decl.count.as_ref(), decl.for_each.as_ref(), &base)
        else {
            return Evaluated {
                value: Node::unknown(
                    decl.span,
                    format!("{base} has a count or for_each not known before apply"),
                ),
                expanded: true,
                instances: Vec::new(),
            };
        };
        let expanded = decl.count.is_some() || decl.for_each.is_some();
        let mut instances = Vec::new();
        let mut values = Vec::new();
        for (key, sc) in scopes {
            let mut refs = Vec::new();
            let values_node = self.eval_body(&sc, &decl.body, decl.span, "", &mut refs);
            refs.sort();
            refs.dedup();
            let address = match &key {
                Some(k) => format!("{base}{}", index_key(k).unwrap_or_default()),
                None => base.clone(),
            };
            let mut seen = values_node.clone();
            if let NodeKind::Object(entries) = &mut seen.kind {
                entries.push(Entry {
                    key: value::ADDRESS_KEY.to_string(),
                    key_span: decl.span,
                    value: Node::string(decl.span, address.clone()),
                });
            }
            values.push((key.clone(), seen));
            instances.push(TfResource {
                resource_type: decl.rtype.clone(),
                address,
                values: values_node,
                decl: decl.span,
                refs,
            });
        }
        let value = reference_value(decl, values);
        Evaluated {
            value,
            expanded,
            instances,
        }
    }

    /// The instance scopes of a `count`/`for_each`, keyed by index or key;
    /// `None` when the collection is not known (with a note).
    fn expansion(
        &mut self,
        inst: usize,
        count: Option<&Expr>,
        for_each: Option<&Expr>,
        what: &str,
    ) -> Option<Vec<(Option<Node>, Scope)>> {
        let sc = Scope::of(inst);
        if let Some(c) = count {
            let v = self.eval_val(&sc, c).node;
            let Some(n) = value::as_int(&v).filter(|n| *n >= 0) else {
                self.note(
                    c.span,
                    format!("{what} is skipped: its count is not known before apply"),
                );
                return None;
            };
            let n = self.cap_instances(n as usize, c.span, what);
            return Some(
                (0..n)
                    .map(|i| {
                        let idx = value::int(c.span, i as i64);
                        let s = Scope {
                            count_index: Some(idx.clone()),
                            ..Scope::of(inst)
                        };
                        (Some(idx), s)
                    })
                    .collect(),
            );
        }
        if let Some(fe) = for_each {
            let v = self.eval_val(&sc, fe).node;
            let Some(pairs) = each_pairs(&v) else {
                self.note(
                    fe.span,
                    format!("{what} is skipped: its for_each is not known before apply"),
                );
                return None;
            };
            let n = self.cap_instances(pairs.len(), fe.span, what);
            return Some(
                pairs
                    .into_iter()
                    .take(n)
                    .map(|(k, v)| {
                        let s = Scope {
                            each: Some((k.clone(), v)),
                            ..Scope::of(inst)
                        };
                        (Some(k), s)
                    })
                    .collect(),
            );
        }
        Some(vec![(None, sc)])
    }

    fn cap_instances(&mut self, n: usize, span: Span, what: &str) -> usize {
        if n > MAX_INSTANCES {
            self.note(
                span,
                format!(
                    "{what} expands to {n} instances; only the first {MAX_INSTANCES} are checked"
                ),
            );
            return MAX_INSTANCES;
        }
        n
    }

    /// A block body as an object: attributes, then nested blocks by type
    /// (one block → object, several → array of objects).
    pub(crate) fn eval_body(
        &mut self,
        sc: &Scope,
        body: &Body,
        span: Span,
        path: &str,
        refs: &mut Vec<(String, String)>,
    ) -> Node {
        let mut entries: Vec<Entry> = Vec::new();
        for a in &body.attrs {
            let value = self.eval_attr(sc, &a.expr, &join(path, &a.name), refs);
            entries.push(Entry {
                key: a.name.clone(),
                key_span: a.name_span,
                value,
            });
        }
        let mut groups: Vec<(String, Span, Vec<Node>)> = Vec::new();
        for b in &body.blocks {
            let (ident, nodes) = if b.ident == "dynamic" {
                match b.labels.first() {
                    Some(label) => (label.clone(), self.dynamic(sc, b, label, path, refs)),
                    None => continue,
                }
            } else {
                let node = self.eval_body(sc, &b.body, b.span, &join(path, &b.ident), refs);
                (b.ident.clone(), vec![node])
            };
            match groups.iter_mut().find(|g| g.0 == ident) {
                Some(g) => g.2.extend(nodes),
                None => groups.push((ident, b.ident_span, nodes)),
            }
        }
        // A dynamic block over an empty collection writes no block at all.
        for (key, key_span, mut nodes) in groups.into_iter().filter(|g| !g.2.is_empty()) {
            let value = if nodes.len() == 1 {
                nodes.remove(0)
            } else {
                let span = cover(&nodes).unwrap_or(key_span);
                value::array(span, nodes)
            };
            entries.push(Entry {
                key,
                key_span,
                value,
            });
        }
        Node::new(span, NodeKind::Object(entries))
    }

    /// An attribute value. Object and array constructors are walked so that
    /// references are recorded at their own path (`tags.team`); a scalar
    /// result takes the span of the expression written here.
    pub(crate) fn eval_attr(
        &mut self,
        sc: &Scope,
        e: &Expr,
        path: &str,
        out: &mut Vec<(String, String)>,
    ) -> Node {
        match &e.kind {
            ExprKind::Object(items)
                if items.iter().all(|i| matches!(i.key.kind, ExprKind::Str(_))) =>
            {
                let entries = items
                    .iter()
                    .map(|i| {
                        let key = match &i.key.kind {
                            ExprKind::Str(s) => s.clone(),
                            _ => String::new(),
                        };
                        let value = self.eval_attr(sc, &i.value, &join(path, &key), out);
                        Entry {
                            key,
                            key_span: i.key.span,
                            value,
                        }
                    })
                    .collect();
                Node::new(e.span, NodeKind::Object(entries))
            }
            ExprKind::Array(items) => {
                let nodes = items
                    .iter()
                    .map(|i| self.eval_attr(sc, i, path, out))
                    .collect();
                value::array(e.span, nodes)
            }
            _ => {
                let v = self.eval_val(sc, e);
                // A computed value names its own resource, which is more precise
                // than everything a local or output referred to.
                let origins = value::origins(&v.node);
                let targets = if origins.is_empty() { v.refs } else { origins };
                out.extend(targets.into_iter().map(|t| (path.to_string(), t)));
                let mut node = v.node;
                if value::is_scalar(&node) {
                    node.span = e.span;
                } else {
                    value::strip_hidden(&mut node);
                }
                node
            }
        }
    }

    /// `dynamic "label" { for_each = …  iterator = it  content { … } }`.
    fn dynamic(
        &mut self,
        sc: &Scope,
        b: &Block,
        label: &str,
        path: &str,
        refs: &mut Vec<(String, String)>,
    ) -> Vec<Node> {
        let iterator = match b.body.attr("iterator").map(|a| &a.expr.kind) {
            Some(ExprKind::Var(name)) => name.clone(),
            Some(ExprKind::Str(name)) => name.clone(),
            _ => label.to_string(),
        };
        let Some(fe) = b.body.attr("for_each") else {
            return Vec::new();
        };
        let coll = self.eval_val(sc, &fe.expr);
        let path = join(path, label);
        refs.extend(coll.refs.iter().map(|t| (path.clone(), t.clone())));
        let Some(pairs) = dynamic_pairs(&coll.node) else {
            let why = format!("dynamic {label} blocks over a collection not known before apply");
            return vec![Node::unknown(b.span, why)];
        };
        let mut out = Vec::new();
        for (k, v) in pairs.into_iter().take(MAX_INSTANCES) {
            let mut inner = sc.clone();
            let it = value::object(b.span, vec![("key".into(), k), ("value".into(), v)]);
            inner.iters.push((iterator.clone(), it));
            out.push(self.dynamic_content(&inner, b, &path, refs));
        }
        out
    }

    fn dynamic_content(
        &mut self,
        sc: &Scope,
        b: &Block,
        path: &str,
        refs: &mut Vec<(String, String)>,
    ) -> Node {
        if let Some(c) = b.body.blocks.iter().find(|c| c.ident == "content") {
            return self.eval_body(sc, &c.body, c.span, path, refs);
        }
        match b.body.attr("content") {
            // JSON: `"content": { … }`
            Some(Attr { expr, .. }) => self.eval_attr(sc, expr, path, refs),
            None => Node::new(b.span, NodeKind::Object(Vec::new())),
        }
    }

    /// The instances of a `module` block, created on first use.
    pub(crate) fn child(&mut self, inst: usize, name: &str) -> Rc<Children> {
        match self.insts[inst].children.get(name) {
            Some(Slot::Done(c)) => return Rc::clone(c),
            Some(Slot::Busy) => return Rc::new(Children::NotEvaluated),
            None => {}
        }
        self.insts[inst]
            .children
            .insert(name.to_string(), Slot::Busy);
        let c = self
            .deeper(|ev| ev.make_child(inst, name))
            .unwrap_or(Children::NotEvaluated);
        let c = Rc::new(c);
        self.insts[inst]
            .children
            .insert(name.to_string(), Slot::Done(Rc::clone(&c)));
        c
    }

    fn make_child(&mut self, inst: usize, name: &str) -> Children {
        let cfg = self.cfg(inst);
        let Some(call) = cfg.modules.iter().find(|m| m.name == name) else {
            return Children::NotEvaluated;
        };
        let what = format!("{}module.{name}", self.prefix(inst));
        let source = call.source.as_deref().unwrap_or_default();
        if local_source(Some(source)).is_none() {
            self.note(call.span, format!("{what} comes from a remote source ({source}); its resources are not checked and its outputs are unknown"));
            return Children::NotEvaluated;
        }
        let depth = self.insts[inst].depth + 1;
        if depth > MAX_MODULE_DEPTH {
            self.note(
                call.span,
                format!("{what} is nested too deeply to evaluate"),
            );
            return Children::NotEvaluated;
        }
        let dir = normalize(&self.insts[inst].dir.join(source));
        if !self.within_bound(&dir) {
            let bound = self.bound.as_deref().unwrap_or(Path::new("")).display();
            self.note(call.span, format!("{what} comes from {source}, outside the repository ({bound}); it is not read and its outputs are unknown"));
            return Children::NotEvaluated;
        }
        if self.calls_itself(inst, &dir) {
            self.note(call.span, format!("{what} calls {source}, which is already being evaluated (a module call cycle); it is not evaluated again"));
            return Children::NotEvaluated;
        }
        let Some(child_cfg) = self.load_dir(&dir) else {
            let shown = dir.display();
            self.note(
                call.span,
                format!(
                    "{what}: no Terraform files found in {shown}; its resources are not checked"
                ),
            );
            return Children::NotEvaluated;
        };
        let Some(scopes) = self.expansion(inst, call.count.as_ref(), call.for_each.as_ref(), &what)
        else {
            return Children::NotEvaluated;
        };
        let mut insts = Vec::new();
        for (key, sc) in scopes {
            if self.insts.len() >= MAX_MODULE_INSTANCES {
                self.note(
                    call.span,
                    format!("{what}: too many module instances to evaluate"),
                );
                break;
            }
            let index = key.as_ref().and_then(index_key).unwrap_or_default();
            let prefix = format!("{what}{index}.");
            let c = self.push_inst(Rc::clone(&child_cfg), dir.clone(), prefix, depth);
            self.insts[c].parent = Some(inst);
            for a in call
                .args
                .iter()
                .filter(|a| child_cfg.variables.contains_key(&a.name))
            {
                let pending = (sc.clone(), a.expr.clone());
                self.insts[c].pending.insert(a.name.clone(), pending);
            }
            self.set_vars(c, HashMap::new());
            insts.push((key, c));
        }
        match insts.as_slice() {
            [(None, c)] => Children::Single(*c),
            _ => Children::Expanded {
                keyed: call.for_each.is_some(),
                insts: insts
                    .into_iter()
                    .filter_map(|(k, c)| k.map(|k| (k, c)))
                    .collect(),
            },
        }
    }

    /// Reads every local module directory reachable from the root before
    /// evaluating, breadth first: parsing then happens on a shallow stack, and
    /// each directory is read once however often it is called.
    fn preload(&mut self, root_dir: PathBuf, root: &Rc<ModuleConfig>) {
        let mut queue = std::collections::VecDeque::from([(root_dir, Rc::clone(root), 0usize)]);
        while let Some((dir, cfg, depth)) = queue.pop_front() {
            if depth >= MAX_MODULE_DEPTH {
                continue;
            }
            for call in &cfg.modules {
                let Some(source) = local_source(call.source.as_deref()) else {
                    continue;
                };
                let child_dir = normalize(&dir.join(source));
                if !self.within_bound(&child_dir)
                    || self.configs.contains_key(&child_dir)
                    || self.configs.len() >= MAX_MODULE_INSTANCES
                {
                    continue;
                }
                if let Some(child) = self.load_dir(&child_dir) {
                    queue.push_back((child_dir, child, depth + 1));
                }
            }
        }
    }

    /// True when `dir` lies inside the bound (symbolic links resolved), or
    /// there is no bound, or `dir` does not exist (the caller says so).
    fn within_bound(&self, dir: &Path) -> bool {
        let Some(bound) = &self.bound else {
            return true;
        };
        match (dir.canonicalize(), bound.canonicalize()) {
            (Ok(d), Ok(b)) => d.starts_with(b),
            _ => true,
        }
    }

    /// True when `dir` is the folder of `inst` or of one of its callers.
    fn calls_itself(&self, inst: usize, dir: &Path) -> bool {
        let mut at = Some(inst);
        while let Some(i) = at {
            if self.insts[i].dir == dir {
                return true;
            }
            at = self.insts[i].parent;
        }
        false
    }

    fn load_dir(&mut self, dir: &Path) -> Option<Rc<ModuleConfig>> {
        if let Some(c) = self.configs.get(dir) {
            return c.clone();
        }
        let files = (self.loader)(dir);
        let has_config = files.iter().any(|f| {
            matches!(
                file_role(&f.path),
                Some(FileRole::Hcl | FileRole::Json | FileRole::Document)
            )
        });
        let cfg = has_config.then(|| {
            self.loaded.push(dir.to_path_buf());
            Rc::new(load::load(&files, false, &mut self.diags))
        });
        self.configs.insert(dir.to_path_buf(), cfg.clone());
        cfg
    }

    /// An output of module instance `c`, with the references it carries.
    pub(crate) fn output(&mut self, c: usize, name: &str, span: Span) -> Result<Rc<Val>, String> {
        match self.insts[c].outputs.get(name) {
            Some(Slot::Done(v)) => return Ok(Rc::clone(v)),
            Some(Slot::Busy) => {
                let why = "the module outputs refer to each other";
                return Ok(Rc::new(unknown_val(span, why)));
            }
            None => {}
        }
        let cfg = self.cfg(c);
        let Some(expr) = cfg.outputs.get(name) else {
            let module = self.prefix(c).trim_end_matches('.').to_string();
            return Err(format!("{module} has no output named {name}"));
        };
        self.insts[c].outputs.insert(name.to_string(), Slot::Busy);
        let v = self
            .deeper(|ev| ev.eval_val(&Scope::of(c), expr))
            .unwrap_or_else(|| unknown_val(span, "references nested too deeply"));
        let v = Rc::new(v);
        self.insts[c]
            .outputs
            .insert(name.to_string(), Slot::Done(Rc::clone(&v)));
        Ok(v)
    }

    /// `module.<name>` as a value: an object of all its outputs.
    pub(crate) fn module_object(&mut self, c: usize, span: Span, refs: &mut Vec<String>) -> Node {
        let cfg = self.cfg(c);
        let mut names: Vec<&String> = cfg.outputs.keys().collect();
        names.sort();
        let mut entries = Vec::new();
        for name in names {
            let node = match self.output(c, name, span) {
                Ok(v) => {
                    refs.extend(v.refs.iter().cloned());
                    self.take(&v.node, span)
                }
                Err(e) => Node::unknown(span, e),
            };
            entries.push((name.clone(), node));
        }
        value::object(span, entries)
    }

    /// Every resource instance of a module and its children, in declaration order.
    fn collect(&mut self, inst: usize, out: &mut Vec<TfResource>) {
        let cfg = self.cfg(inst);
        for (idx, decl) in cfg.resources.iter().enumerate() {
            let ev = self.resource(inst, idx, decl.span);
            out.extend(ev.instances.iter().cloned());
        }
        for call in &cfg.modules {
            match &*self.child(inst, &call.name) {
                Children::NotEvaluated => {}
                Children::Single(c) => self.collect(*c, out),
                Children::Expanded { insts, .. } => {
                    for (_, c) in insts {
                        self.collect(*c, out);
                    }
                }
            }
        }
    }
}

/// A module source Terraform reads from the local disk: `./x`, `../x`.
fn local_source(source: Option<&str>) -> Option<&str> {
    source.filter(|s| s.starts_with("./") || s.starts_with("../"))
}

pub(crate) fn unknown_val(span: Span, why: impl Into<String>) -> Val {
    Val {
        node: Node::unknown(span, why),
        refs: Vec::new(),
    }
}

/// `for_each` pairs: a map gives (key, value) in key order; a set (list) of
/// strings gives (s, s). Anything else, or anything unknown, gives `None`.
pub(crate) fn each_pairs(v: &Node) -> Option<Vec<(Node, Node)>> {
    match &v.kind {
        NodeKind::Object(entries) => Some(
            value::sorted_entries(entries)
                .into_iter()
                .map(|e| (Node::string(e.key_span, e.key.clone()), e.value.clone()))
                .collect(),
        ),
        NodeKind::Array(items) => {
            let mut keys: Vec<&Node> = Vec::with_capacity(items.len());
            for i in items {
                i.as_str()?;
                keys.push(i);
            }
            // A set: sorted, without duplicates.
            keys.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            keys.dedup_by(|a, b| a.as_str() == b.as_str());
            Some(keys.into_iter().map(|k| (k.clone(), k.clone())).collect())
        }
        _ => None,
    }
}

/// The elements a `dynamic` block iterates: a list of anything by index, a
/// map by key. `None` when not known.
fn dynamic_pairs(v: &Node) -> Option<Vec<(Node, Node)>> {
    match &v.kind {
        NodeKind::Array(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| (value::int(item.span, i as i64), item.clone()))
                .collect(),
        ),
        NodeKind::Null => Some(Vec::new()),
        _ => each_pairs(v),
    }
}

/// What `type.name` evaluates to: the instance object, a list of them
/// (`count`), or a map of them by key (`for_each`).
fn reference_value(decl: &ResourceDecl, values: Vec<(Option<Node>, Node)>) -> Node {
    if decl.for_each.is_some() {
        let entries = values
            .into_iter()
            .map(|(k, v)| {
                (
                    k.and_then(|k| k.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    v,
                )
            })
            .collect();
        return value::object(decl.span, entries);
    }
    if decl.count.is_some() {
        return value::array(decl.span, values.into_iter().map(|(_, v)| v).collect());
    }
    match values.into_iter().next() {
        Some((_, v)) => v,
        None => Node::unknown(decl.span, "resource has no instances"),
    }
}
