//! Bicep → ARM template translation, as the Bicep compiler does it, but into a spanned
//! [`Node`] tree that keeps the `.bicep` positions: literals stay literals with their own
//! spans, every other expression becomes one `"[...]"` ARM expression string spanned over
//! the Bicep expression. The ARM evaluator then does all the evaluating (functions, loops,
//! conditions, nested deployments, Unknowns), so Bicep and compiled Bicep agree.
//!
//! Two things are done here rather than left to ARM, for better places and values:
//! - parameters and variables whose value is a literal (a `.bicepparam` value, a module
//!   argument, a default) are substituted where they are used, so a finding points at
//!   the literal a person edits, in whichever file it is;
//! - `for` expressions over literal arrays are unrolled, keeping each element's spans;
//!   `sym.properties.x` of a resource declared in the same file reads the declared value.

use super::syntax::{Decl, DeclKind, Expr, ExprKind, Prop, PropValue};
use super::Loader;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::syntax::{Entry, Node, NodeKind, Number};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Deepest chain of local modules followed.
pub const MAX_MODULE_DEPTH: usize = 16;
/// Most declarations translated in one run (modules instantiated many times over).
const MAX_DECLS: usize = 100_000;
/// Longest literal array a `for` expression is unrolled over (as ARM's copy limit).
const MAX_UNROLL: usize = 800;
/// Deepest substitution of variables into variables.
const MAX_VAR_DEPTH: usize = 32;

pub const NOT_EVALUATED: &str = "not-evaluated";

/// What is shared across the files of one entry: the loader, diagnostics, budgets.
pub struct Global<'l> {
    pub loader: &'l mut dyn Loader,
    pub diags: Vec<Diagnostic>,
    pub decls: usize,
    lambda_counter: usize,
}

impl<'l> Global<'l> {
    pub fn new(loader: &'l mut dyn Loader) -> Global<'l> {
        Global {
            loader,
            diags: Vec::new(),
            decls: 0,
            lambda_counter: 0,
        }
    }

    pub fn note(&mut self, span: Span, message: impl Into<String>) {
        let message = message.into();
        if self
            .diags
            .iter()
            .any(|d| d.primary.span == span && d.message == message)
        {
            return;
        }
        self.diags.push(super::not_evaluated(span, message));
    }
}

/// A resource declaration as the translator needs it.
#[derive(Clone)]
struct ResSym {
    full_type: String,
    api_version: String,
    /// The object body (inside `if`/`for`).
    body: Expr,
    loop_vars: Option<(Option<String>, Option<String>, Expr)>,
    cond: Option<Expr>,
    parent: Option<String>,
    existing: bool,
    decl_span: Span,
}

#[derive(Clone)]
enum ModSym {
    Local { looped: bool },
    External,
}

#[derive(Clone)]
enum Binding {
    /// ARM expression text.
    Text(String),
    /// A template-form node (a literal element of an unrolled loop).
    Value(Node),
}

/// One template's names: its parameters, variables, resources, modules and functions.
#[derive(Default)]
struct Scope {
    /// Literal values of parameters (given or default), substituted where used.
    params: HashMap<String, Option<Node>>,
    secure: HashSet<String>,
    vars: HashMap<String, Expr>,
    var_values: HashMap<String, Node>,
    resources: HashMap<String, ResSym>,
    modules: HashMap<String, ModSym>,
    /// Local function name → ARM name (`__bicep.f`).
    funcs: HashMap<String, String>,
    /// Imported names → ARM variable/function names; wildcard namespaces → prefix.
    imported_vars: HashMap<String, String>,
    namespaces: HashMap<String, String>,
}

/// A file being translated.
#[derive(Clone)]
pub struct Unit {
    pub path: PathBuf,
    pub decls: Rc<Vec<Decl>>,
}

/// Translates a Bicep file into an ARM template node. `given` holds parameter values
/// (literal nodes or `"[expr]"` strings in template form) from a `.bicepparam`, parameter
/// file or module call.
pub fn template(
    g: &mut Global,
    unit: &Unit,
    given: &HashMap<String, Node>,
    stack: &mut Vec<PathBuf>,
) -> Node {
    let span0 = unit
        .decls
        .first()
        .map(|d| d.span)
        .unwrap_or_else(|| Span::new(crate::source::FileId(0), 0, 0));
    let mut t = Tx {
        g,
        unit,
        scope: Scope::default(),
        env: Vec::new(),
        stack,
        var_depth: 0,
        var_stack: Vec::new(),
        given: given.clone(),
    };
    t.declare(given);
    t.build(span0)
}

/// The values a `.bicepparam` file gives, in template form (its variables substituted).
pub fn param_values(g: &mut Global, unit: &Unit, given: &mut HashMap<String, Node>) {
    let mut stack = vec![unit.path.clone()];
    let mut t = Tx {
        g,
        unit,
        scope: Scope::default(),
        env: Vec::new(),
        stack: &mut stack,
        var_depth: 0,
        var_stack: Vec::new(),
        given: HashMap::new(),
    };
    for d in unit.decls.iter() {
        if let DeclKind::Var { name, value } = &d.kind {
            t.scope.vars.insert(name.clone(), value.clone());
        }
    }
    for d in unit.decls.iter() {
        if let DeclKind::ParamValue { name, value } = &d.kind {
            let v = t.ex(value);
            // Only literal variables can be carried into the template.
            let v = if !is_constant(&v) && text_of(&v).is_ok_and(|x| x.contains("variables(")) {
                Node::unknown(value.span, "parameter value uses a non-literal variable")
            } else {
                v
            };
            given.insert(name.clone(), v);
        }
    }
}

struct Tx<'a, 'l> {
    g: &'a mut Global<'l>,
    unit: &'a Unit,
    scope: Scope,
    env: Vec<(String, Binding)>,
    stack: &'a mut Vec<PathBuf>,
    var_depth: usize,
    var_stack: Vec<String>,
    given: HashMap<String, Node>,
}

fn obj(span: Span, members: Vec<(&str, Node)>) -> Node {
    Node::new(
        span,
        NodeKind::Object(
            members
                .into_iter()
                .map(|(k, v)| Entry {
                    key: k.to_string(),
                    key_span: span,
                    value: v,
                })
                .collect(),
        ),
    )
}

fn expr_node(span: Span, text: String) -> Node {
    Node::string(span, format!("[{text}]"))
}

/// A literal string in template form (`[` at the start is escaped as `[[`).
fn lit_str(span: Span, s: &str) -> Node {
    if s.starts_with('[') {
        Node::string(span, format!("[{s}"))
    } else {
        Node::string(span, s)
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Whether a template-form node holds no expression and nothing unknown.
pub fn is_constant(n: &Node) -> bool {
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        match &n.kind {
            NodeKind::String(s) if s.starts_with('[') && !s.starts_with("[[") => return false,
            NodeKind::Unknown(_) => return false,
            NodeKind::Array(items) => stack.extend(items.iter()),
            NodeKind::Object(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    true
}

/// ARM expression text of a template-form node, or the Unknown that prevents it.
pub fn text_of(n: &Node) -> Result<String, Node> {
    Ok(match &n.kind {
        NodeKind::String(s) => {
            if let Some(rest) = s.strip_prefix("[[") {
                quote(&format!("[{rest}"))
            } else if let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                inner.to_string()
            } else {
                quote(s)
            }
        }
        NodeKind::Number(Number::Int(i)) => i.to_string(),
        NodeKind::Number(Number::Float(f)) => format!("json('{f}')"),
        NodeKind::Bool(b) => format!("{b}()"),
        NodeKind::Null => "null()".into(),
        NodeKind::Unknown(_) => return Err(n.clone()),
        NodeKind::Array(items) => {
            let parts: Result<Vec<String>, Node> = items.iter().map(text_of).collect();
            format!("createArray({})", parts?.join(", "))
        }
        NodeKind::Object(entries) => {
            let mut parts = Vec::new();
            for e in entries {
                let key = match e.key.strip_prefix("[[") {
                    Some(rest) => quote(&format!("[{rest}")),
                    None => match e.key.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                        Some(inner) => inner.to_string(),
                        None => quote(&e.key),
                    },
                };
                parts.push(key);
                parts.push(text_of(&e.value)?);
            }
            format!("createObject({})", parts.join(", "))
        }
    })
}

/// The part of `Microsoft.X/y@2023-01-01` before the `@`.
fn split_type(type_ref: &str) -> (String, String) {
    match type_ref.split_once('@') {
        Some((t, v)) => (t.to_string(), v.to_string()),
        None => (type_ref.to_string(), String::new()),
    }
}

fn prop<'e>(body: &'e Expr, key: &str) -> Option<&'e Expr> {
    match &body.kind {
        ExprKind::Object(props) => props.iter().find_map(|p| match &p.value {
            PropValue::Value(v) if p.key.eq_ignore_ascii_case(key) => Some(v),
            _ => None,
        }),
        _ => None,
    }
}

/// The object of a declaration body and its `for`/`if` wrappers.
type Shape = (
    Expr,
    Option<(Option<String>, Option<String>, Expr)>,
    Option<Expr>,
);

fn body_shape(body: &Expr) -> Shape {
    match &body.kind {
        ExprKind::If { cond, body } => (body.as_ref().clone(), None, Some(cond.as_ref().clone())),
        ExprKind::For {
            item,
            index,
            source,
            cond,
            body,
        } => {
            let (inner, cond2) = match &body.kind {
                ExprKind::If { cond, body } => (body.as_ref().clone(), Some(cond.as_ref().clone())),
                _ => (body.as_ref().clone(), None),
            };
            (
                inner,
                Some((item.clone(), index.clone(), source.as_ref().clone())),
                cond.as_ref().map(|c| c.as_ref().clone()).or(cond2),
            )
        }
        _ => (body.clone(), None, None),
    }
}

fn is_registry(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    p.starts_with("br:") || p.starts_with("br/") || p.starts_with("ts:") || p.starts_with("ts/")
}

impl<'a, 'l> Tx<'a, 'l> {
    fn dir(&self) -> PathBuf {
        self.unit
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// Registers every name of the file before anything is translated (Bicep declarations
    /// may be used before they appear).
    fn declare(&mut self, given: &HashMap<String, Node>) {
        let decls = Rc::clone(&self.unit.decls);
        let mut nested = Vec::new();
        for d in decls.iter() {
            self.g.decls += 1;
            match &d.kind {
                DeclKind::Param { name, .. } => {
                    if d.decorators.iter().any(|x| x == "secure") {
                        self.scope.secure.insert(name.clone());
                    }
                    let constant = match given.get(name) {
                        Some(v) => is_constant(v).then(|| v.clone()),
                        None => None,
                    };
                    self.scope.params.insert(name.clone(), constant);
                }
                DeclKind::Var { name, value } => {
                    self.scope.vars.insert(name.clone(), value.clone());
                }
                DeclKind::Resource { .. } => self.declare_resource(d, None, &mut nested),
                DeclKind::Module {
                    symbol, path, body, ..
                } => {
                    let sym = if is_registry(path) {
                        ModSym::External
                    } else {
                        ModSym::Local {
                            looped: matches!(body.kind, ExprKind::For { .. }),
                        }
                    };
                    self.scope.modules.insert(symbol.clone(), sym);
                }
                DeclKind::Func { name, .. } => {
                    self.scope
                        .funcs
                        .insert(name.clone(), format!("__bicep.{name}"));
                }
                _ => {}
            }
        }
        // Parameter defaults that are literals (after the given values, so those win).
        for d in decls.iter() {
            if let DeclKind::Param {
                name,
                default: Some(default),
                ..
            } = &d.kind
            {
                if given.contains_key(name) || self.scope.secure.contains(name) {
                    continue;
                }
                if is_literal_tree(default) {
                    let v = self.ex(default);
                    self.scope.params.insert(name.clone(), Some(v));
                }
            }
        }
    }

    fn declare_resource(&mut self, d: &Decl, parent: Option<&str>, nested: &mut Vec<Decl>) {
        let DeclKind::Resource {
            symbol,
            type_ref,
            existing,
            body,
            ..
        } = &d.kind
        else {
            return;
        };
        let (ty, api_version) = split_type(type_ref);
        let (obj_body, loop_vars, cond) = body_shape(body);
        let parent = parent.map(str::to_string).or_else(|| {
            match prop(&obj_body, "parent").map(|p| &p.kind) {
                Some(ExprKind::Ident(p)) => Some(p.clone()),
                _ => None,
            }
        });
        let is_full = ty.split('/').next().is_some_and(|ns| ns.contains('.'));
        let full_type = match (&parent, is_full) {
            (Some(p), false) => match self.scope.resources.get(p) {
                Some(ps) => format!("{}/{ty}", ps.full_type),
                None => ty.clone(),
            },
            _ => ty.clone(),
        };
        self.scope.resources.insert(
            symbol.clone(),
            ResSym {
                full_type,
                api_version,
                body: obj_body.clone(),
                loop_vars,
                cond,
                parent,
                existing: *existing,
                decl_span: d.span,
            },
        );
        if let ExprKind::Object(props) = &obj_body.kind {
            for p in props {
                if let PropValue::Resource(child) = &p.value {
                    self.declare_resource(child, Some(symbol), nested);
                    nested.push(child.as_ref().clone());
                }
            }
        }
    }

    fn build(&mut self, span0: Span) -> Node {
        let decls = Rc::clone(&self.unit.decls);
        let mut schema =
            "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
        let mut parameters = Vec::new();
        let mut resources: Vec<(String, Node, Vec<String>)> = Vec::new();
        let mut outputs = Vec::new();
        let mut functions = Vec::new();
        for d in decls.iter() {
            match &d.kind {
                DeclKind::TargetScope(e) => {
                    if let ExprKind::Str(s) = &e.kind {
                        schema = match s.as_str() {
                            "subscription" => "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
                            "managementGroup" => "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#",
                            "tenant" => "https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#",
                            _ => schema,
                        };
                    }
                }
                DeclKind::Param {
                    name,
                    default,
                    nullable,
                } => {
                    let mut members = vec![("type", Node::string(d.name_span, "object"))];
                    if self.scope.secure.contains(name) {
                        members.push((
                            "defaultValue",
                            Node::unknown(d.name_span, "secure parameter"),
                        ));
                    } else if let Some(v) = self.scope.params.get(name).cloned().flatten() {
                        members.push(("defaultValue", v));
                    } else if let Some(v) = self.given_expr(name) {
                        members.push(("defaultValue", v));
                    } else if let Some(def) = default {
                        let v = self.ex(def);
                        members.push(("defaultValue", v));
                    } else if *nullable {
                        members.push(("nullable", Node::new(d.name_span, NodeKind::Bool(true))));
                    }
                    parameters.push((name.clone(), obj(d.span, members)));
                }
                DeclKind::Var { name, .. } => {
                    // Translated on first use; make sure every variable exists.
                    self.var_ref(name, d.name_span);
                }
                DeclKind::Resource { .. } => self.emit_resource(d, &mut resources),
                DeclKind::Module { .. } => self.emit_module(d, &mut resources),
                DeclKind::Output { name, value } => {
                    let v = self.ex(value);
                    outputs.push((
                        name.clone(),
                        obj(
                            d.span,
                            vec![("type", Node::string(d.name_span, "object")), ("value", v)],
                        ),
                    ));
                }
                DeclKind::Func { name, params, body } => {
                    let saved = std::mem::take(&mut self.env);
                    for p in params {
                        self.env.push((
                            p.clone(),
                            Binding::Text(format!("parameters({})", quote(p))),
                        ));
                    }
                    let v = self.ex(body);
                    self.env = saved;
                    let ps: Vec<Node> = params
                        .iter()
                        .map(|p| {
                            obj(
                                d.span,
                                vec![
                                    ("name", Node::string(d.name_span, p.clone())),
                                    ("type", Node::string(d.name_span, "object")),
                                ],
                            )
                        })
                        .collect();
                    functions.push((
                        name.clone(),
                        obj(
                            d.span,
                            vec![
                                ("parameters", Node::new(d.span, NodeKind::Array(ps))),
                                (
                                    "output",
                                    obj(
                                        d.span,
                                        vec![
                                            ("type", Node::string(d.span, "object")),
                                            ("value", v),
                                        ],
                                    ),
                                ),
                            ],
                        ),
                    ));
                }
                DeclKind::Import {
                    path,
                    path_span,
                    names,
                    wildcard,
                } => self.import(path, *path_span, names, wildcard.as_deref(), &mut functions),
                _ => {}
            }
        }
        let ordered = order_by_dependencies(resources);
        let mut vars: Vec<(String, Node)> = self
            .scope
            .var_values
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let to_obj = |span: Span, items: Vec<(String, Node)>| {
            Node::new(
                span,
                NodeKind::Object(
                    items
                        .into_iter()
                        .map(|(key, value)| Entry {
                            key,
                            key_span: value.span,
                            value,
                        })
                        .collect(),
                ),
            )
        };
        let mut members = vec![
            ("$schema", Node::string(span0, schema)),
            ("languageVersion", Node::string(span0, "2.0")),
            ("contentVersion", Node::string(span0, "1.0.0.0")),
            ("parameters", to_obj(span0, parameters)),
            ("variables", to_obj(span0, vars)),
            ("resources", to_obj(span0, ordered)),
            ("outputs", to_obj(span0, outputs)),
        ];
        if !functions.is_empty() {
            members.push((
                "functions",
                Node::new(
                    span0,
                    NodeKind::Array(vec![obj(
                        span0,
                        vec![
                            ("namespace", Node::string(span0, "__bicep")),
                            ("members", to_obj(span0, functions)),
                        ],
                    )]),
                ),
            ));
        }
        obj(span0, members)
    }

    /// A given value that is not a literal (a `.bicepparam` expression, a module argument).
    fn given_expr(&self, name: &str) -> Option<Node> {
        self.given.get(name).cloned()
    }

    fn import(
        &mut self,
        path: &str,
        span: Span,
        names: &[(String, String)],
        wildcard: Option<&str>,
        functions: &mut Vec<(String, Node)>,
    ) {
        if is_registry(path) {
            self.g.note(
                span,
                format!("import from {path} is not fetched; what it exports is unknown"),
            );
            return;
        }
        let full = self.dir().join(path);
        let Some(unit) = self.g.loader.load(&full) else {
            self.g
                .note(span, format!("cannot read imported file {path}"));
            return;
        };
        if self.stack.len() >= MAX_MODULE_DEPTH || self.stack.contains(&unit.path) {
            self.g.note(span, "imports nested too deeply or in a cycle");
            return;
        }
        // The imported file's variables and functions, translated in its own scope and
        // added to this template under a prefix.
        let prefix = format!("__imp{}_", self.g.decls);
        self.stack.push(unit.path.clone());
        let node = template(self.g, &unit, &HashMap::new(), self.stack);
        self.stack.pop();
        let exported_vars: HashSet<String> = unit
            .decls
            .iter()
            .filter_map(|d| match &d.kind {
                DeclKind::Var { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect();
        if let Some(vars) = node.get("variables").and_then(Node::as_object) {
            for e in vars {
                // References between the imported variables keep working under the prefix.
                let v = rename_vars(&e.value, &prefix);
                self.scope
                    .var_values
                    .insert(format!("{prefix}{}", e.key), v);
            }
        }
        if let Some(members) = node
            .path(&["functions"])
            .and_then(Node::as_array)
            .and_then(|a| a.first())
            .and_then(|ns| ns.get("members"))
            .and_then(Node::as_object)
        {
            for f in members {
                functions.push((format!("{prefix}{}", f.key), f.value.clone()));
            }
        }
        let funcs: HashSet<String> = unit
            .decls
            .iter()
            .filter_map(|d| match &d.kind {
                DeclKind::Func { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect();
        for (name, local) in names {
            if exported_vars.contains(name) {
                self.scope
                    .imported_vars
                    .insert(local.clone(), format!("{prefix}{name}"));
            } else if funcs.contains(name) {
                self.scope
                    .funcs
                    .insert(local.clone(), format!("__bicep.{prefix}{name}"));
            }
        }
        if let Some(ns) = wildcard {
            self.scope.namespaces.insert(ns.to_string(), prefix);
        }
    }

    fn emit_resource(&mut self, d: &Decl, out: &mut Vec<(String, Node, Vec<String>)>) {
        let DeclKind::Resource { symbol, .. } = &d.kind else {
            return;
        };
        let Some(rs) = self.scope.resources.get(symbol).cloned() else {
            return;
        };
        self.g.decls += 1;
        if self.g.decls > MAX_DECLS {
            self.g
                .note(d.span, "too many declarations to evaluate; skipped");
            return;
        }
        let saved = self.env.len();
        let mut members: Vec<Entry> = Vec::new();
        if let Some((item, index, source)) = &rs.loop_vars {
            let src = self.ex(source);
            match text_of(&src) {
                Ok(src_text) => {
                    if let Some(i) = index {
                        self.env
                            .push((i.clone(), Binding::Text("copyIndex()".into())));
                    }
                    if let Some(i) = item {
                        self.env
                            .push((i.clone(), Binding::Text(format!("{src_text}[copyIndex()]"))));
                    }
                    members.push(entry(
                        "copy",
                        obj(
                            source.span,
                            vec![
                                ("name", Node::string(source.span, symbol.clone())),
                                (
                                    "count",
                                    expr_node(source.span, format!("length({src_text})")),
                                ),
                            ],
                        ),
                    ));
                }
                Err(u) => {
                    self.g.note(
                        source.span,
                        "loop over an unknown collection: not evaluated",
                    );
                    members.push(entry(
                        "copy",
                        obj(
                            source.span,
                            vec![
                                ("name", Node::string(source.span, symbol.clone())),
                                ("count", u),
                            ],
                        ),
                    ));
                }
            }
        }
        if let Some(c) = &rs.cond {
            let v = self.ex(c);
            members.push(entry("condition", v));
        }
        if rs.existing {
            members.push(entry(
                "existing",
                Node::new(d.name_span, NodeKind::Bool(true)),
            ));
        }
        members.push(entry(
            "type",
            Node::string(d.name_span, rs.full_type.clone()),
        ));
        if !rs.api_version.is_empty() {
            members.push(entry(
                "apiVersion",
                Node::string(d.name_span, rs.api_version.clone()),
            ));
        }
        let name = self.full_name(symbol, d.name_span);
        members.push(entry("name", name));
        let mut deps = Vec::new();
        collect_refs(&rs.body, &mut deps);
        if let ExprKind::Object(props) = &rs.body.kind {
            for p in props {
                let PropValue::Value(v) = &p.value else {
                    continue;
                };
                match p.key.to_ascii_lowercase().as_str() {
                    "name" | "parent" | "dependson" => {}
                    "scope" => {
                        let v = self.scope_value(v);
                        members.push(Entry {
                            key: "scope".into(),
                            key_span: p.key_span,
                            value: v,
                        });
                    }
                    _ => {
                        let value = self.ex(v);
                        members.push(Entry {
                            key: p.key.clone(),
                            key_span: p.key_span,
                            value,
                        });
                    }
                }
            }
        }
        self.env.truncate(saved);
        let deps = self.expand_var_deps(deps);
        out.push((
            symbol.clone(),
            Node::new(rs.decl_span, NodeKind::Object(members)),
            deps,
        ));
    }

    /// Symbols a declaration depends on, with variables followed to what they use.
    fn expand_var_deps(&self, mut deps: Vec<String>) -> Vec<String> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut i = 0;
        while i < deps.len() && deps.len() < 10_000 {
            let d = deps[i].clone();
            i += 1;
            if !seen.insert(d.clone()) {
                continue;
            }
            if let Some(v) = self.scope.vars.get(&d) {
                collect_refs(v, &mut deps);
            }
        }
        seen.into_iter().collect()
    }

    /// `scope:` of an extension resource: the id of the resource it extends.
    fn scope_value(&mut self, v: &Expr) -> Node {
        match &v.kind {
            ExprKind::Ident(s) if self.scope.resources.contains_key(s) => {
                match self.resource_id_text(s, None, v.span) {
                    Ok(t) => expr_node(v.span, t),
                    Err(u) => u,
                }
            }
            _ => self.ex(v),
        }
    }

    /// The resource's full name (`vnet/subnet` for children), in template form.
    fn full_name(&mut self, symbol: &str, span: Span) -> Node {
        match self.name_parts(symbol, span, 0) {
            Ok(parts) if parts.len() == 1 => parts
                .into_iter()
                .next()
                .unwrap_or_else(|| Node::unknown(span, "no name")),
            Ok(parts) => {
                let plain: Option<Vec<&str>> = parts
                    .iter()
                    .map(|p| p.as_str().filter(|s| !s.starts_with('[')))
                    .collect();
                if let Some(plain) = plain {
                    return lit_str(span, &plain.join("/"));
                }
                let texts: Result<Vec<String>, Node> = parts.iter().map(text_of).collect();
                match texts {
                    Ok(t) => {
                        let fmt = vec!["{}"; t.len()]
                            .iter()
                            .enumerate()
                            .map(|(i, _)| format!("{{{i}}}"))
                            .collect::<Vec<_>>()
                            .join("/");
                        expr_node(span, format!("format('{fmt}', {})", t.join(", ")))
                    }
                    Err(u) => u,
                }
            }
            Err(u) => u,
        }
    }

    /// The name of each level, parent first; the parent's name must not depend on a loop.
    fn name_parts(&mut self, symbol: &str, span: Span, depth: usize) -> Result<Vec<Node>, Node> {
        let Some(rs) = self.scope.resources.get(symbol).cloned() else {
            return Err(Node::unknown(span, format!("unknown resource {symbol}")));
        };
        if depth > 16 {
            return Err(Node::unknown(span, "parent chain too deep"));
        }
        let mut parts = match &rs.parent {
            Some(p) => {
                let ps = self.scope.resources.get(p).cloned();
                if ps.as_ref().is_some_and(|ps| ps.loop_vars.is_some()) {
                    return Err(Node::unknown(span, "parent resource is in a loop"));
                }
                if ps.is_some() {
                    self.name_parts(p, span, depth + 1)?
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        };
        let own = match prop(&rs.body, "name") {
            Some(n) => self.ex(n),
            None => Node::unknown(span, "resource has no name"),
        };
        if own.is_unknown() {
            return Err(own);
        }
        parts.push(own);
        Ok(parts)
    }

    /// ARM text of `resourceId(...)` for a resource symbol; `index` selects a loop instance.
    fn resource_id_text(
        &mut self,
        symbol: &str,
        index: Option<&Expr>,
        span: Span,
    ) -> Result<String, Node> {
        let Some(rs) = self.scope.resources.get(symbol).cloned() else {
            return Err(Node::unknown(span, format!("unknown resource {symbol}")));
        };
        let saved = self.env.len();
        self.bind_instance(&rs, index, span)?;
        let parts = self.name_parts(symbol, span, 0);
        let scope_rg = prop(&rs.body, "scope").cloned();
        self.env.truncate(saved);
        let parts = parts?;
        let texts: Result<Vec<String>, Node> = parts.iter().map(text_of).collect();
        let texts = texts?;
        let ty = quote(&rs.full_type);
        if rs
            .full_type
            .eq_ignore_ascii_case("Microsoft.Resources/resourceGroups")
        {
            return Ok(format!(
                "subscriptionResourceId({ty}, {})",
                texts.join(", ")
            ));
        }
        match scope_rg.as_ref().map(|s| &s.kind) {
            // Extension resource: its id hangs off the extended resource.
            Some(ExprKind::Ident(s)) if self.scope.resources.contains_key(s) => {
                let base = self.resource_id_text(s, None, span)?;
                Ok(format!(
                    "extensionResourceId({base}, {ty}, {})",
                    texts.join(", ")
                ))
            }
            Some(ExprKind::Call { name, args, .. })
                if name.eq_ignore_ascii_case("resourceGroup") && !args.is_empty() =>
            {
                let rg: Result<Vec<String>, Node> =
                    args.iter().map(|a| text_of(&self.ex(a))).collect();
                Ok(format!(
                    "resourceId({}, {ty}, {})",
                    rg?.join(", "),
                    texts.join(", ")
                ))
            }
            _ => Ok(format!("resourceId({ty}, {})", texts.join(", "))),
        }
    }

    /// Binds a looped resource's loop variables for instance `index`.
    fn bind_instance(&mut self, rs: &ResSym, index: Option<&Expr>, span: Span) -> Result<(), Node> {
        let Some((item, idx, source)) = &rs.loop_vars else {
            return Ok(());
        };
        let Some(index) = index else {
            return Err(Node::unknown(
                span,
                "a looped resource used without an index",
            ));
        };
        let i = text_of(&self.ex(index))?;
        let src = text_of(&self.ex(source))?;
        if let Some(v) = idx {
            self.env.push((v.clone(), Binding::Text(i.clone())));
        }
        if let Some(v) = item {
            self.env
                .push((v.clone(), Binding::Text(format!("{src}[{i}]"))));
        }
        Ok(())
    }

    fn emit_module(&mut self, d: &Decl, out: &mut Vec<(String, Node, Vec<String>)>) {
        let DeclKind::Module {
            symbol,
            path,
            path_span,
            body,
        } = &d.kind
        else {
            return;
        };
        if is_registry(path) {
            self.g.note(
                *path_span,
                format!("module {path} is not fetched (registry or template spec); its resources are not checked and its outputs are unknown"),
            );
            return;
        }
        let full = self.dir().join(path);
        let Some(unit) = self.g.loader.load(&full) else {
            self.g.note(
                *path_span,
                format!("cannot read module file {path}; not evaluated"),
            );
            self.scope.modules.insert(symbol.clone(), ModSym::External);
            return;
        };
        if self.stack.len() >= MAX_MODULE_DEPTH || self.stack.contains(&unit.path) {
            self.g.note(
                *path_span,
                "modules nested too deeply or calling themselves; not evaluated",
            );
            self.scope.modules.insert(symbol.clone(), ModSym::External);
            return;
        }
        self.g.decls += 1;
        if self.g.decls > MAX_DECLS {
            self.g
                .note(d.span, "too many declarations to evaluate; skipped");
            self.scope.modules.insert(symbol.clone(), ModSym::External);
            return;
        }
        let (obj_body, loop_vars, cond) = body_shape(body);
        let saved = self.env.len();
        let mut members: Vec<Entry> = Vec::new();
        if let Some((item, index, source)) = &loop_vars {
            let src = self.ex(source);
            let src_text = match text_of(&src) {
                Ok(t) => t,
                Err(_) => {
                    self.g.note(
                        source.span,
                        "module loop over an unknown collection: not evaluated",
                    );
                    self.scope.modules.insert(symbol.clone(), ModSym::External);
                    return;
                }
            };
            if let Some(i) = index {
                self.env
                    .push((i.clone(), Binding::Text("copyIndex()".into())));
            }
            if let Some(i) = item {
                self.env
                    .push((i.clone(), Binding::Text(format!("{src_text}[copyIndex()]"))));
            }
            members.push(entry(
                "copy",
                obj(
                    source.span,
                    vec![
                        ("name", Node::string(source.span, symbol.clone())),
                        (
                            "count",
                            expr_node(source.span, format!("length({src_text})")),
                        ),
                    ],
                ),
            ));
        }
        if let Some(c) = &cond {
            let v = self.ex(c);
            members.push(entry("condition", v));
        }
        members.push(entry(
            "type",
            Node::string(d.name_span, "Microsoft.Resources/deployments"),
        ));
        members.push(entry("apiVersion", Node::string(d.name_span, "2022-09-01")));
        let name = match prop(&obj_body, "name") {
            Some(n) => self.ex(n),
            None => Node::string(d.name_span, symbol.clone()),
        };
        members.push(entry("name", name));
        if let Some(s) = prop(&obj_body, "scope") {
            self.module_scope(s, &mut members);
        }
        // Arguments: literals are handed to the module's translation so its findings point
        // at them; the rest go through the deployment's parameters.
        let mut given = HashMap::new();
        let mut params = Vec::new();
        if let Some(ExprKind::Object(props)) = prop(&obj_body, "params").map(|p| &p.kind) {
            for p in props {
                let PropValue::Value(v) = &p.value else {
                    continue;
                };
                let value = self.ex(v);
                given.insert(p.key.clone(), value.clone());
                params.push(Entry {
                    key: p.key.clone(),
                    key_span: p.key_span,
                    value: obj(v.span, vec![("value", value)]),
                });
            }
        }
        self.env.truncate(saved);
        self.stack.push(unit.path.clone());
        let template = template(self.g, &unit, &given, self.stack);
        self.stack.pop();
        members.push(entry(
            "properties",
            obj(
                obj_body.span,
                vec![
                    (
                        "expressionEvaluationOptions",
                        obj(
                            obj_body.span,
                            vec![("scope", Node::string(obj_body.span, "inner"))],
                        ),
                    ),
                    ("mode", Node::string(obj_body.span, "Incremental")),
                    (
                        "parameters",
                        Node::new(obj_body.span, NodeKind::Object(params)),
                    ),
                    ("template", template),
                ],
            ),
        ));
        let mut deps = Vec::new();
        collect_refs(body, &mut deps);
        let deps = self.expand_var_deps(deps);
        out.push((
            symbol.clone(),
            Node::new(d.span, NodeKind::Object(members)),
            deps,
        ));
    }

    /// `scope: resourceGroup('rg')`, `resourceGroup(sub, 'rg')`, `subscription('id')`, or an
    /// existing resource group's symbol.
    fn module_scope(&mut self, s: &Expr, members: &mut Vec<Entry>) {
        match &s.kind {
            ExprKind::Call { ns, name, args } if ns.as_deref().is_none_or(|n| n == "az") => {
                let lower = name.to_ascii_lowercase();
                match (lower.as_str(), args.len()) {
                    ("resourcegroup", 1) => {
                        let rg = self.ex(&args[0]);
                        members.push(entry("resourceGroup", rg));
                    }
                    ("resourcegroup", 2) => {
                        let sub = self.ex(&args[0]);
                        let rg = self.ex(&args[1]);
                        members.push(entry("subscriptionId", sub));
                        members.push(entry("resourceGroup", rg));
                    }
                    ("subscription", 1) => {
                        let sub = self.ex(&args[0]);
                        members.push(entry("subscriptionId", sub));
                    }
                    _ => {}
                }
            }
            ExprKind::Ident(sym) => {
                let rg = self.scope.resources.get(sym).and_then(|r| {
                    r.full_type
                        .eq_ignore_ascii_case("Microsoft.Resources/resourceGroups")
                        .then(|| prop(&r.body, "name").cloned())
                        .flatten()
                });
                match rg {
                    Some(n) => {
                        let v = self.ex(&n);
                        members.push(entry("resourceGroup", v));
                    }
                    None => self.g.note(s.span, "module scope not understood; the module is evaluated in its caller's scope"),
                }
            }
            _ => self.g.note(
                s.span,
                "module scope not understood; the module is evaluated in its caller's scope",
            ),
        }
    }

    // ---- expressions ----

    /// Translates an expression into template form.
    pub fn ex(&mut self, e: &Expr) -> Node {
        let span = e.span;
        match &e.kind {
            ExprKind::Str(s) => lit_str(span, s),
            ExprKind::Int(i) => Node::new(span, NodeKind::Number(Number::Int(*i))),
            ExprKind::Bool(b) => Node::new(span, NodeKind::Bool(*b)),
            ExprKind::Null => Node::new(span, NodeKind::Null),
            ExprKind::Array(items) => {
                let items = items.iter().map(|i| self.ex(i)).collect();
                Node::new(span, NodeKind::Array(items))
            }
            ExprKind::Object(props) => self.object(span, props),
            ExprKind::Ident(name) => self.ident(name, span),
            ExprKind::Member { .. } | ExprKind::Index { .. } | ExprKind::Call { .. }
                if self.fold(e, 0).is_some() =>
            {
                self.fold(e, 0)
                    .unwrap_or_else(|| Node::unknown(span, "not evaluated"))
            }
            ExprKind::For {
                item,
                index,
                source,
                cond,
                body,
            } => self.for_expr(span, item, index, source, cond.as_deref(), body),
            _ => match self.text(e) {
                Ok(t) => expr_node(span, t),
                Err(u) => Node::new(span, u.kind),
            },
        }
    }

    /// The literal a path into literal values selects (`net.nodes`, `s.prefix`, `xs[0]`,
    /// `loadJsonContent(...)`), keeping the literal's own place.
    fn fold(&mut self, e: &Expr, depth: usize) -> Option<Node> {
        if depth > 64 {
            return None;
        }
        let v = match &e.kind {
            ExprKind::Ident(name) => {
                let v = match self.env.iter().rev().find(|(n, _)| n == name) {
                    Some((_, Binding::Value(v))) => v.clone(),
                    Some(_) => return None,
                    None if self.scope.secure.contains(name) => return None,
                    None => match self.scope.params.get(name) {
                        Some(c) => c.clone()?,
                        None if self.scope.vars.contains_key(name) => self.var_ref(name, e.span),
                        None => return None,
                    },
                };
                v
            }
            ExprKind::Member { target, name, safe } => {
                let t = self.fold(target, depth + 1)?;
                match t.get(name) {
                    Some(v) => v.clone(),
                    None if *safe && t.as_object().is_some() => Node::new(e.span, NodeKind::Null),
                    None => return None,
                }
            }
            ExprKind::Index { target, index, .. } => {
                let t = self.fold(target, depth + 1)?;
                match (&t.kind, &index.kind) {
                    (NodeKind::Array(items), ExprKind::Int(i)) => {
                        items.get(usize::try_from(*i).ok()?)?.clone()
                    }
                    (NodeKind::Object(_), ExprKind::Str(k)) => t.get(k)?.clone(),
                    _ => return None,
                }
            }
            ExprKind::Call { ns, name, args }
                if ns.as_deref().is_none_or(|n| n == "sys")
                    && ["loadjsoncontent", "loadyamlcontent", "loadtextcontent"]
                        .contains(&name.to_ascii_lowercase().as_str()) =>
            {
                let lower = name.to_ascii_lowercase();
                self.load_content(&lower, args, e.span)
            }
            _ => return None,
        };
        is_constant(&v).then_some(v)
    }

    fn object(&mut self, span: Span, props: &[Prop]) -> Node {
        let mut out = Vec::new();
        for p in props {
            if let PropValue::Value(v) = &p.value {
                let key = if p.key.starts_with('[') {
                    format!("[{}", p.key)
                } else {
                    p.key.clone()
                };
                out.push(Entry {
                    key,
                    key_span: p.key_span,
                    value: self.ex(v),
                });
            }
        }
        Node::new(span, NodeKind::Object(out))
    }

    fn ident(&mut self, name: &str, span: Span) -> Node {
        if let Some((_, b)) = self.env.iter().rev().find(|(n, _)| n == name) {
            return match b.clone() {
                Binding::Text(t) => expr_node(span, t),
                Binding::Value(v) => v,
            };
        }
        if let Some(c) = self.scope.params.get(name) {
            if self.scope.secure.contains(name) {
                return Node::unknown(span, format!("parameter {name} is secure"));
            }
            return match c {
                Some(v) => v.clone(),
                None => expr_node(span, format!("parameters({})", quote(name))),
            };
        }
        if self.scope.vars.contains_key(name) {
            return self.var_ref(name, span);
        }
        if let Some(v) = self.scope.imported_vars.get(name) {
            return expr_node(span, format!("variables({})", quote(v)));
        }
        if self.scope.resources.contains_key(name) {
            return match self.resource_id_text(name, None, span) {
                Ok(t) => expr_node(span, t),
                Err(u) => u,
            };
        }
        self.g.note(span, format!("'{name}' is not evaluated"));
        Node::unknown(span, format!("'{name}' is not evaluated"))
    }

    /// A variable: its literal value substituted, else `variables('name')`.
    fn var_ref(&mut self, name: &str, span: Span) -> Node {
        if let Some(v) = self.scope.var_values.get(name) {
            return if is_constant(v) {
                v.clone()
            } else {
                expr_node(span, format!("variables({})", quote(name)))
            };
        }
        if self.var_stack.iter().any(|n| n == name) || self.var_depth > MAX_VAR_DEPTH {
            return Node::unknown(span, format!("variable {name} refers to itself"));
        }
        let Some(e) = self.scope.vars.get(name).cloned() else {
            return Node::unknown(span, format!("unknown variable {name}"));
        };
        self.var_stack.push(name.to_string());
        self.var_depth += 1;
        let saved = std::mem::take(&mut self.env);
        let v = self.ex(&e);
        self.env = saved;
        self.var_depth -= 1;
        self.var_stack.pop();
        let constant = is_constant(&v);
        self.scope.var_values.insert(name.to_string(), v.clone());
        if constant {
            v
        } else {
            expr_node(span, format!("variables({})", quote(name)))
        }
    }

    fn for_expr(
        &mut self,
        span: Span,
        item: &Option<String>,
        index: &Option<String>,
        source: &Expr,
        cond: Option<&Expr>,
        body: &Expr,
    ) -> Node {
        let src = self.ex(source);
        // A literal array: unrolled, each element keeping its own place.
        if let (Some(items), true) = (src.as_array(), is_constant(&src)) {
            if items.len() <= MAX_UNROLL {
                let items = items.to_vec();
                let mut out = Vec::new();
                let mut kept_cond = Vec::new();
                for (i, it) in items.into_iter().enumerate() {
                    let saved = self.env.len();
                    if let Some(n) = item {
                        self.env.push((n.clone(), Binding::Value(it)));
                    }
                    if let Some(n) = index {
                        self.env.push((
                            n.clone(),
                            Binding::Value(Node::new(
                                span,
                                NodeKind::Number(Number::Int(i as i64)),
                            )),
                        ));
                    }
                    let keep = cond.map(|c| self.ex(c));
                    let v = self.ex(body);
                    self.env.truncate(saved);
                    match keep.as_ref().map(|k| &k.kind) {
                        Some(NodeKind::Bool(false)) => {}
                        Some(NodeKind::Bool(true)) | None => out.push(v),
                        Some(_) => {
                            kept_cond.push(());
                            out.push(v)
                        }
                    }
                }
                if kept_cond.is_empty() {
                    return Node::new(span, NodeKind::Array(out));
                }
            }
        }
        // Otherwise `map` over a lambda, evaluated by ARM.
        let src_text = match text_of(&src) {
            Ok(t) => t,
            Err(u) => return Node::new(span, u.kind),
        };
        self.g.lambda_counter += 1;
        let var = format!("__i{}", self.g.lambda_counter);
        let lv = format!("lambdaVariables('{var}')");
        let saved = self.env.len();
        if let Some(n) = item {
            self.env
                .push((n.clone(), Binding::Text(format!("{src_text}[{lv}]"))));
        }
        if let Some(n) = index {
            self.env.push((n.clone(), Binding::Text(lv.clone())));
        }
        let body_t = self.text(body);
        let cond_t = cond.map(|c| self.text(c));
        self.env.truncate(saved);
        let range = format!("range(0, length({src_text}))");
        let body_t = match body_t {
            Ok(t) => t,
            Err(u) => return Node::new(span, u.kind),
        };
        let list = match cond_t {
            None => range,
            Some(Ok(c)) => format!("filter({range}, lambda('{var}', {c}))"),
            Some(Err(u)) => return Node::new(span, u.kind),
        };
        expr_node(span, format!("map({list}, lambda('{var}', {body_t}))"))
    }

    /// ARM expression text of an expression, or the Unknown that prevents it.
    fn text(&mut self, e: &Expr) -> Result<String, Node> {
        let span = e.span;
        let t = match &e.kind {
            ExprKind::Str(_)
            | ExprKind::Int(_)
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Array(_)
            | ExprKind::Object(_)
            | ExprKind::Ident(_)
            | ExprKind::For { .. } => return text_of(&self.ex(e)),
            ExprKind::Interp { parts, exprs } => {
                let fmt: String = parts
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let p = p.replace('{', "{{").replace('}', "}}");
                        if i + 1 < parts.len() {
                            format!("{p}{{{i}}}")
                        } else {
                            p
                        }
                    })
                    .collect();
                let args: Result<Vec<String>, Node> = exprs.iter().map(|x| self.text(x)).collect();
                let args = args?;
                if args.is_empty() {
                    quote(&fmt)
                } else {
                    format!("format({}, {})", quote(&fmt), args.join(", "))
                }
            }
            ExprKind::Member { target, name, safe } => return self.member(e, target, name, *safe),
            ExprKind::Index {
                target,
                index,
                safe,
            } => {
                if let ExprKind::Ident(s) = &target.kind {
                    if self.scope.resources.contains_key(s) && !self.is_shadowed(s) {
                        return self.resource_id_text(s, Some(index), span);
                    }
                }
                let t = self.text(target)?;
                let i = self.text(index)?;
                if *safe {
                    format!("tryGet({t}, {i})")
                } else {
                    format!("{t}[{i}]")
                }
            }
            ExprKind::Call { ns, name, args } => return self.call(e, ns.as_deref(), name, args),
            ExprKind::MethodCall { name, .. } => {
                return Err(self.unknown(span, format!("{name}() is only known at deployment time")))
            }
            ExprKind::Unary { op, operand } => {
                let x = self.text(operand)?;
                match *op {
                    "!" => format!("not({x})"),
                    _ => format!("sub(0, {x})"),
                }
            }
            ExprKind::Binary { op, left, right } => {
                let l = self.text(left)?;
                let r = self.text(right)?;
                match *op {
                    "==" => format!("equals({l}, {r})"),
                    "!=" => format!("not(equals({l}, {r}))"),
                    "=~" => format!("equals(toLower({l}), toLower({r}))"),
                    "!~" => format!("not(equals(toLower({l}), toLower({r})))"),
                    "<" => format!("less({l}, {r})"),
                    "<=" => format!("lessOrEquals({l}, {r})"),
                    ">" => format!("greater({l}, {r})"),
                    ">=" => format!("greaterOrEquals({l}, {r})"),
                    "&&" => format!("and({l}, {r})"),
                    "||" => format!("or({l}, {r})"),
                    "+" => format!("add({l}, {r})"),
                    "-" => format!("sub({l}, {r})"),
                    "*" => format!("mul({l}, {r})"),
                    "/" => format!("div({l}, {r})"),
                    "%" => format!("mod({l}, {r})"),
                    _ => format!("coalesce({l}, {r})"),
                }
            }
            ExprKind::Ternary {
                cond,
                then,
                otherwise,
            } => {
                let c = self.text(cond)?;
                let a = self.text(then)?;
                let b = self.text(otherwise)?;
                format!("if({c}, {a}, {b})")
            }
            ExprKind::Lambda { params, body } => {
                let saved = self.env.len();
                for p in params {
                    self.env.push((
                        p.clone(),
                        Binding::Text(format!("lambdaVariables({})", quote(p))),
                    ));
                }
                let b = self.text(body);
                self.env.truncate(saved);
                let names: Vec<String> = params.iter().map(|p| quote(p)).collect();
                format!("lambda({}, {})", names.join(", "), b?)
            }
            ExprKind::If { .. } => return Err(self.unknown(span, "`if` is not allowed here")),
            ExprKind::Nested { target, name } => {
                // `vnet::subnet`: the nested resource's own symbol.
                let _ = target;
                if self.scope.resources.contains_key(name) {
                    return self.resource_id_text(name, None, span);
                }
                return Err(self.unknown(span, format!("nested resource {name} not found")));
            }
        };
        Ok(t)
    }

    fn unknown(&mut self, span: Span, why: impl Into<String>) -> Node {
        let why = why.into();
        Node::unknown(span, why)
    }

    fn is_shadowed(&self, name: &str) -> bool {
        self.env.iter().any(|(n, _)| n == name)
    }

    fn member(&mut self, e: &Expr, target: &Expr, name: &str, safe: bool) -> Result<String, Node> {
        let span = e.span;
        // Resource and module symbols, possibly indexed (`subnets[0].id`).
        let (sym, index) = match &target.kind {
            ExprKind::Ident(s) => (Some(s.as_str()), None),
            ExprKind::Index {
                target: t, index, ..
            } => match &t.kind {
                ExprKind::Ident(s) => (Some(s.as_str()), Some(index.as_ref())),
                _ => (None, None),
            },
            ExprKind::Nested { name: n, .. } => (Some(n.as_str()), None),
            _ => (None, None),
        };
        if let Some(sym) = sym.filter(|s| !self.is_shadowed(s)) {
            if let Some(ns) = self.scope.namespaces.get(sym) {
                return Ok(format!("variables({})", quote(&format!("{ns}{name}"))));
            }
            if self.scope.resources.contains_key(sym) {
                return self.resource_member(sym, index, name, span);
            }
            if let Some(m) = self.scope.modules.get(sym).cloned() {
                if name.eq_ignore_ascii_case("name") {
                    return Ok(quote(sym));
                }
                return match m {
                    ModSym::Local { looped: false } if index.is_none() => {
                        Ok(format!("reference({}).outputs", quote(sym)))
                    }
                    _ => Err(Node::unknown(
                        span,
                        format!("outputs of module {sym} are not evaluated"),
                    )),
                };
            }
        }
        // `vnet.properties.subnets[i].id`: the id of a child declared inline.
        if name.eq_ignore_ascii_case("id") {
            if let Some(t) = self.inline_child_id(target, span) {
                return t;
            }
        }
        // `m.outputs.x` → `.x.value`.
        if let ExprKind::Member {
            target: inner,
            name: outputs,
            ..
        } = &target.kind
        {
            if outputs == "outputs" {
                if let ExprKind::Ident(m) = &inner.kind {
                    if self.scope.modules.contains_key(m) && !self.is_shadowed(m) {
                        let t = self.text(target)?;
                        return Ok(if safe {
                            format!("tryGet(tryGet({t}, {}), 'value')", quote(name))
                        } else {
                            format!("{t}.{name}.value")
                        });
                    }
                }
            }
        }
        let t = self.text(target)?;
        Ok(if safe {
            format!("tryGet({t}, {})", quote(name))
        } else if is_plain_name(name) {
            format!("{t}.{name}")
        } else {
            format!("{t}[{}]", quote(name))
        })
    }

    /// `sym.properties.<children>[i]` (`subnets`, `securityRules`, ...) of a resource
    /// declared here: its id is the child resource's id, named by the element's `name`.
    fn inline_child_id(&mut self, target: &Expr, span: Span) -> Option<Result<String, Node>> {
        let ExprKind::Index { target: list, .. } = &target.kind else {
            return None;
        };
        let ExprKind::Member {
            target: props,
            name: children,
            ..
        } = &list.kind
        else {
            return None;
        };
        let ExprKind::Member {
            target: sym,
            name: properties,
            ..
        } = &props.kind
        else {
            return None;
        };
        let ExprKind::Ident(sym) = &sym.kind else {
            return None;
        };
        if !properties.eq_ignore_ascii_case("properties")
            || self.is_shadowed(sym)
            || self
                .scope
                .resources
                .get(sym)
                .is_none_or(|r| r.existing || r.loop_vars.is_some())
        {
            return None;
        }
        let rs = self.scope.resources.get(sym)?.clone();
        let element = self.text(target);
        let parent = self.resource_member(sym, None, "name", span);
        Some(match (element, parent) {
            (Ok(e), Ok(p)) => Ok(format!(
                "resourceId({}, {p}, {e}.name)",
                quote(&format!("{}/{children}", rs.full_type))
            )),
            (Err(u), _) | (_, Err(u)) => Err(u),
        })
    }

    /// `sym.id`, `sym.name`, `sym.properties...` of a resource declared in this file.
    fn resource_member(
        &mut self,
        sym: &str,
        index: Option<&Expr>,
        name: &str,
        span: Span,
    ) -> Result<String, Node> {
        let Some(rs) = self.scope.resources.get(sym).cloned() else {
            return Err(Node::unknown(span, "unknown resource"));
        };
        match name.to_ascii_lowercase().as_str() {
            "id" => self.resource_id_text(sym, index, span),
            "name" => {
                let saved = self.env.len();
                self.bind_instance(&rs, index, span)?;
                let n = self.full_name(sym, span);
                self.env.truncate(saved);
                text_of(&n)
            }
            "type" => Ok(quote(&rs.full_type)),
            "apiversion" => Ok(quote(&rs.api_version)),
            _ if rs.existing => Err(Node::unknown(span, format!("{sym} is an existing resource; its properties are only known at deployment time"))),
            key => {
                // Declared top-level values (`location`, `properties`, `sku`, ...).
                let Some(v) = prop(&rs.body, key).cloned() else {
                    return Err(Node::unknown(span, format!("{sym}.{name} is only known at deployment time")));
                };
                let saved = self.env.len();
                self.bind_instance(&rs, index, span)?;
                let saved_env = self.env.split_off(0);
                // The declared value is evaluated in the resource's own scope.
                self.env = saved_env.clone();
                let t = self.text(&v);
                self.env = saved_env;
                self.env.truncate(saved);
                t
            }
        }
    }

    fn call(
        &mut self,
        e: &Expr,
        ns: Option<&str>,
        name: &str,
        args: &[Expr],
    ) -> Result<String, Node> {
        let span = e.span;
        if let Some(ns) = ns {
            if let Some(prefix) = self.scope.namespaces.get(ns).cloned() {
                let a = self.args(args)?;
                return Ok(format!("__bicep.{prefix}{name}({a})"));
            }
            if !matches!(ns, "sys" | "az") {
                return Err(self.unknown(span, format!("{ns}.{name}() is not evaluated")));
            }
        }
        if let Some(f) = self.scope.funcs.get(name).cloned() {
            let a = self.args(args)?;
            return Ok(format!("{f}({a})"));
        }
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "any" if args.len() == 1 => return self.text(&args[0]),
            "readenvironmentvariable" => {
                return Err(Node::unknown(span, "environment variables are not read"))
            }
            "loadjsoncontent" | "loadtextcontent" | "loadyamlcontent" | "loadfileasbase64" => {
                return text_of(&self.load_content(&lower, args, span))
            }
            _ => {}
        }
        let a = self.args(args)?;
        Ok(format!("{name}({a})"))
    }

    fn args(&mut self, args: &[Expr]) -> Result<String, Node> {
        let a: Result<Vec<String>, Node> = args.iter().map(|x| self.text(x)).collect();
        Ok(a?.join(", "))
    }

    /// `loadJsonContent('file.json', ['path'])` and friends, read relative to the file.
    fn load_content(&mut self, func: &str, args: &[Expr], span: Span) -> Node {
        let Some(ExprKind::Str(rel)) = args.first().map(|a| &a.kind) else {
            return Node::unknown(span, format!("{func}() needs a literal path"));
        };
        let path = self.dir().join(rel);
        let Some((file, text)) = self.g.loader.load_text(&path) else {
            self.g.note(span, format!("cannot read {rel}"));
            return Node::unknown(span, format!("cannot read {rel}"));
        };
        let node = match func {
            "loadtextcontent" => Node::string(span, text.to_string()),
            "loadfileasbase64" => {
                return Node::unknown(span, "file content as base64 is not evaluated")
            }
            "loadjsoncontent" => match crate::syntax::json::parse(file, &text) {
                Ok(n) => n,
                Err(e) => {
                    return Node::unknown(e.span, format!("cannot parse {rel}: {}", e.message))
                }
            },
            _ => match crate::syntax::yaml::parse(file, &text) {
                Ok(mut docs) if !docs.is_empty() => docs.swap_remove(0),
                _ => return Node::unknown(span, format!("cannot parse {rel}")),
            },
        };
        // A JSON path (`'$.a.b'` or `'a.b'`) selecting part of the content.
        let node = match args.get(1).map(|a| &a.kind) {
            Some(ExprKind::Str(p)) if func != "loadtextcontent" => {
                let mut cur = Some(&node);
                for key in p
                    .trim_start_matches('$')
                    .split('.')
                    .filter(|k| !k.is_empty())
                {
                    cur = cur.and_then(|c| c.get(key));
                }
                match cur {
                    Some(n) => n.clone(),
                    None => return Node::unknown(span, format!("{p} not found in {rel}")),
                }
            }
            _ => node,
        };
        escape_literals(node)
    }
}

fn is_plain_name(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

fn entry(key: &str, value: Node) -> Entry {
    Entry {
        key: key.into(),
        key_span: value.span,
        value,
    }
}

/// Whether an expression is a literal tree (no names, calls or operators).
fn is_literal_tree(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Str(_) | ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Null => true,
        ExprKind::Unary { op: "-", operand } => matches!(operand.kind, ExprKind::Int(_)),
        ExprKind::Array(items) => items.iter().all(is_literal_tree),
        ExprKind::Object(props) => props.iter().all(|p| match &p.value {
            PropValue::Value(v) => is_literal_tree(v),
            PropValue::Resource(_) => false,
        }),
        _ => false,
    }
}

/// Loaded JSON/YAML content in template form: strings starting with `[` are literal text.
pub fn escape_literals(mut n: Node) -> Node {
    match &mut n.kind {
        NodeKind::String(s) if s.starts_with('[') => {
            s.insert(0, '[');
        }
        NodeKind::Array(items) => {
            let taken = std::mem::take(items);
            *items = taken.into_iter().map(escape_literals).collect();
        }
        NodeKind::Object(entries) => {
            for e in entries.iter_mut() {
                if e.key.starts_with('[') {
                    e.key.insert(0, '[');
                }
                let v = std::mem::replace(&mut e.value, Node::new(e.key_span, NodeKind::Null));
                e.value = escape_literals(v);
            }
        }
        _ => {}
    }
    n
}

/// Rewrites `variables('x')` to `variables('<prefix>x')` in an imported variable.
fn rename_vars(n: &Node, prefix: &str) -> Node {
    let mut n = n.clone();
    rename_in(&mut n, prefix);
    n
}

fn rename_in(n: &mut Node, prefix: &str) {
    match &mut n.kind {
        NodeKind::String(s) if s.starts_with('[') && !s.starts_with("[[") => {
            *s = s.replace("variables('", &format!("variables('{prefix}"));
        }
        NodeKind::Array(items) => items.iter_mut().for_each(|i| rename_in(i, prefix)),
        NodeKind::Object(entries) => entries
            .iter_mut()
            .for_each(|e| rename_in(&mut e.value, prefix)),
        _ => {}
    }
}

/// Every name an expression mentions (a superset of the symbols it depends on).
fn collect_refs(e: &Expr, out: &mut Vec<String>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Ident(n) => out.push(n.clone()),
            ExprKind::Interp { exprs, .. } => stack.extend(exprs.iter()),
            ExprKind::Array(items) => stack.extend(items.iter()),
            ExprKind::Object(props) => {
                for p in props {
                    if let PropValue::Value(v) = &p.value {
                        stack.push(v);
                    }
                }
            }
            ExprKind::Member { target, .. } | ExprKind::MethodCall { target, .. } => {
                stack.push(target)
            }
            ExprKind::Nested { target, name } => {
                out.push(name.clone());
                stack.push(target)
            }
            ExprKind::Index { target, index, .. } => {
                stack.push(target);
                stack.push(index);
            }
            ExprKind::Call { args, .. } => stack.extend(args.iter()),
            ExprKind::Unary { operand, .. } => stack.push(operand),
            ExprKind::Binary { left, right, .. } => {
                stack.push(left);
                stack.push(right);
            }
            ExprKind::Ternary {
                cond,
                then,
                otherwise,
            } => {
                stack.push(cond);
                stack.push(then);
                stack.push(otherwise);
            }
            ExprKind::Lambda { body, .. } => stack.push(body),
            ExprKind::For {
                source, cond, body, ..
            } => {
                stack.push(source);
                if let Some(c) = cond {
                    stack.push(c);
                }
                stack.push(body);
            }
            ExprKind::If { cond, body } => {
                stack.push(cond);
                stack.push(body);
            }
            _ => {}
        }
    }
}

/// Orders resources so that each comes after the ones it names (module outputs must be
/// evaluated before they are read); cycles keep declaration order.
fn order_by_dependencies(items: Vec<(String, Node, Vec<String>)>) -> Vec<(String, Node)> {
    let index: HashMap<String, usize> = items
        .iter()
        .enumerate()
        .map(|(i, (s, _, _))| (s.clone(), i))
        .collect();
    let mut state = vec![0u8; items.len()];
    let mut order = Vec::with_capacity(items.len());
    for start in 0..items.len() {
        // Iterative depth-first search: (node, next dependency to look at).
        let mut stack = vec![(start, 0usize)];
        while let Some((i, k)) = stack.pop() {
            if k == 0 {
                if state[i] != 0 {
                    continue;
                }
                state[i] = 1;
            }
            let deps = &items[i].2;
            if let Some(d) = deps.get(k) {
                stack.push((i, k + 1));
                if let Some(&j) = index.get(d) {
                    if state[j] == 0 {
                        stack.push((j, 0));
                    }
                }
            } else {
                state[i] = 2;
                order.push(i);
            }
        }
    }
    let mut slots: Vec<Option<(String, Node, Vec<String>)>> = items.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots[i].take().map(|(s, n, _)| (s, n)))
        .collect()
}
