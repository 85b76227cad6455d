//! A small, syntax-neutral Terraform configuration tree. Native HCL (`.tf`) and
//! the JSON/YAML shapes (`.tf.json`, Terraform-shaped YAML) are both lowered
//! into it, so the evaluator has one input language.

use std::collections::HashMap;

use crate::source::Span;

/// Deepest expression nesting we lower; deeper input becomes `Unsupported`.
/// hcl-edit itself stops at 64 nested levels (+128 operators), so this only
/// matters for JSON/YAML, whose parsers do not cap depth.
pub(crate) const MAX_EXPR_DEPTH: usize = 128;

#[derive(Clone, Debug)]
pub(crate) struct Expr {
    pub span: Span,
    pub kind: ExprKind,
}

#[derive(Clone, Debug)]
pub(crate) enum ExprKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Expr>),
    Object(Vec<ObjItem>),
    Template(Vec<Part>),
    /// A bare name: `var`, `local`, a resource type, a `for` iterator…
    Var(String),
    Traverse(Box<Expr>, Vec<Op>),
    /// Function name, arguments, and whether the last argument is expanded (`...`).
    Call(String, Vec<Expr>, bool),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    For(Box<ForExpr>),
    /// Something we do not evaluate; the reason becomes the `Unknown` text.
    Unsupported(String),
}

#[derive(Clone, Debug)]
pub(crate) struct ObjItem {
    pub key: Expr,
    pub value: Expr,
}

#[derive(Clone, Debug)]
pub(crate) enum Op {
    Attr(String),
    Index(Expr),
    /// `.*`: the following attribute accesses apply to every element.
    AttrSplat,
    /// `[*]`: every following operator applies to every element.
    FullSplat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

#[derive(Clone, Debug)]
pub(crate) enum Part {
    Lit(String),
    Interp(Expr),
    If(Expr, Vec<Part>, Vec<Part>),
    /// `%{for k, v in coll}…%{endfor}`: key variable, value variable, collection, body.
    For(Option<String>, String, Expr, Vec<Part>),
}

#[derive(Clone, Debug)]
pub(crate) struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Expr,
    /// Present for `{for …: k => v}`.
    pub key_expr: Option<Expr>,
    pub value_expr: Expr,
    pub cond: Option<Expr>,
    pub grouping: bool,
}

/// Attributes and nested blocks of a block (or a whole file).
#[derive(Clone, Debug, Default)]
pub(crate) struct Body {
    pub attrs: Vec<Attr>,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug)]
pub(crate) struct Attr {
    pub name: String,
    pub name_span: Span,
    pub expr: Expr,
}

#[derive(Clone, Debug)]
pub(crate) struct Block {
    pub ident: String,
    pub ident_span: Span,
    pub labels: Vec<String>,
    pub span: Span,
    pub body: Body,
}

impl Body {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }
}

/// `resource` or `data` block.
#[derive(Clone, Debug)]
pub(crate) struct ResourceDecl {
    pub rtype: String,
    pub name: String,
    pub span: Span,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    /// The body without meta-arguments (`count`, `lifecycle`, `depends_on`…).
    pub body: Body,
}

#[derive(Clone, Debug)]
pub(crate) struct ModuleCall {
    pub name: String,
    pub span: Span,
    pub source: Option<String>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    /// Input variables (meta-arguments removed).
    pub args: Vec<Attr>,
}

#[derive(Clone, Debug)]
pub(crate) struct Variable {
    pub default: Option<Expr>,
    /// The type constraint (`map(object({ x = optional(string, "a") }))`).
    pub ty: Option<Expr>,
    /// The `variable` block.
    pub span: Span,
}

/// Everything declared in one module directory, merged over its files.
#[derive(Clone, Debug, Default)]
pub(crate) struct ModuleConfig {
    pub variables: HashMap<String, Variable>,
    pub locals: HashMap<String, Attr>,
    pub resources: Vec<ResourceDecl>,
    /// `(type, name)` → the first declaration in `resources`: references look
    /// resources up by name, and a search per reference is quadratic.
    resource_index: HashMap<(String, String), usize>,
    pub data: Vec<ResourceDecl>,
    pub modules: Vec<ModuleCall>,
    pub outputs: HashMap<String, Expr>,
    /// Values from `terraform.tfvars` / `*.auto.tfvars` (root module only).
    pub tfvars: HashMap<String, Expr>,
}

/// Meta-arguments: they configure Terraform, not the Azure resource.
pub(crate) const META_ATTRS: &[&str] = &[
    "count",
    "for_each",
    "depends_on",
    "provider",
    "providers",
    "source",
    "version",
];
pub(crate) const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];

/// JSON has no blocks, so a meta block arrives there as an attribute: check both lists.
fn is_meta(name: &str) -> bool {
    META_ATTRS.contains(&name) || META_BLOCKS.contains(&name) || name == "//"
}

impl ModuleConfig {
    /// Adds one top-level block (from any syntax); unknown kinds are ignored.
    pub fn add_block(&mut self, block: Block) {
        match (block.ident.as_str(), block.labels.as_slice()) {
            ("variable", [name]) => {
                let default = block.body.attr("default").map(|a| a.expr.clone());
                let ty = block.body.attr("type").map(|a| a.expr.clone());
                let span = block.span;
                self.variables
                    .insert(name.clone(), Variable { default, ty, span });
            }
            ("locals", []) => {
                for a in block.body.attrs {
                    self.locals.insert(a.name.clone(), a);
                }
            }
            ("output", [name]) => {
                if let Some(v) = block.body.attr("value") {
                    self.outputs.insert(name.clone(), v.expr.clone());
                }
            }
            ("resource", [t, n]) => self.push_resource(resource_decl(t, n, block.span, block.body)),
            ("data", [t, n]) => self.data.push(resource_decl(t, n, block.span, block.body)),
            ("module", [name]) => self.modules.push(module_call(name, block.span, block.body)),
            _ => {}
        }
    }
}

impl ModuleConfig {
    fn push_resource(&mut self, decl: ResourceDecl) {
        let key = (decl.rtype.clone(), decl.name.clone());
        self.resource_index
            .entry(key)
            .or_insert(self.resources.len());
        self.resources.push(decl);
    }

    /// The position in `resources` of the `type.name` declaration.
    pub fn resource_position(&self, rtype: &str, name: &str) -> Option<usize> {
        self.resource_index
            .get(&(rtype.to_string(), name.to_string()))
            .copied()
    }

    /// Merges a block of an override file (`override.tf`, `*_override.tf`) into
    /// the declaration it names: its attributes replace the original's, its
    /// nested blocks replace all original blocks of the same type.
    pub fn add_override(&mut self, block: Block) {
        match (block.ident.as_str(), block.labels.as_slice()) {
            ("resource" | "data", [t, n]) => {
                let o = resource_decl(t, n, block.span, block.body);
                let at = if block.ident == "data" {
                    self.data.iter().position(|r| r.rtype == *t && r.name == *n)
                } else {
                    self.resource_position(t, n)
                };
                let list = if block.ident == "data" {
                    &mut self.data
                } else {
                    &mut self.resources
                };
                match at {
                    Some(i) => {
                        let r = &mut list[i];
                        r.count = o.count.or(r.count.take());
                        r.for_each = o.for_each.or(r.for_each.take());
                        merge_body(&mut r.body, o.body);
                    }
                    None if block.ident == "data" => self.data.push(o),
                    None => self.push_resource(o),
                }
            }
            ("variable", [name]) => {
                let default = block.body.attr("default").map(|a| a.expr.clone());
                let ty = block.body.attr("type").map(|a| a.expr.clone());
                let v = self.variables.entry(name.clone()).or_insert(Variable {
                    default: None,
                    ty: None,
                    span: block.span,
                });
                v.default = default.or(v.default.take());
                v.ty = ty.or(v.ty.take());
            }
            ("module", [name]) => {
                let o = module_call(name, block.span, block.body);
                match self.modules.iter_mut().find(|m| m.name == *name) {
                    Some(m) => {
                        m.source = o.source.or(m.source.take());
                        m.count = o.count.or(m.count.take());
                        m.for_each = o.for_each.or(m.for_each.take());
                        for a in o.args {
                            m.args.retain(|x| x.name != a.name);
                            m.args.push(a);
                        }
                    }
                    None => self.modules.push(o),
                }
            }
            // locals and outputs: a later definition replaces the earlier one.
            _ => self.add_block(block),
        }
    }
}

fn merge_body(target: &mut Body, o: Body) {
    for a in o.attrs {
        target.attrs.retain(|x| x.name != a.name);
        target.attrs.push(a);
    }
    let replaced: Vec<String> = o.blocks.iter().map(|b| b.ident.clone()).collect();
    target.blocks.retain(|b| !replaced.contains(&b.ident));
    target.blocks.extend(o.blocks);
}

fn take_attr(body: &mut Body, name: &str) -> Option<Expr> {
    let i = body.attrs.iter().position(|a| a.name == name)?;
    Some(body.attrs.remove(i).expr)
}

fn resource_decl(rtype: &str, name: &str, span: Span, mut body: Body) -> ResourceDecl {
    let count = take_attr(&mut body, "count");
    let for_each = take_attr(&mut body, "for_each");
    body.attrs.retain(|a| !is_meta(&a.name));
    body.blocks.retain(|b| !is_meta(&b.ident));
    ResourceDecl {
        rtype: rtype.to_string(),
        name: name.to_string(),
        span,
        count,
        for_each,
        body,
    }
}

fn module_call(name: &str, span: Span, mut body: Body) -> ModuleCall {
    let source = match take_attr(&mut body, "source").map(|e| e.kind) {
        Some(ExprKind::Str(s)) => Some(s),
        Some(ExprKind::Template(parts)) => match parts.as_slice() {
            [Part::Lit(s)] => Some(s.clone()),
            _ => None,
        },
        _ => None,
    };
    let count = take_attr(&mut body, "count");
    let for_each = take_attr(&mut body, "for_each");
    body.attrs.retain(|a| !is_meta(&a.name));
    ModuleCall {
        name: name.to_string(),
        span,
        source,
        count,
        for_each,
        args: body.attrs,
    }
}
