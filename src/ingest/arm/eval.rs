//! Evaluation of expressions and of JSON values that contain them.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::expr::{self, classify, Expr, StringForm};
use super::functions;
use super::value;
use crate::ingest::budget::{Budget, Exceeded};
use crate::ingest::values::REFERENCE_MARK;
use crate::source::Span;
use crate::syntax::{Entry, Node, NodeKind};

/// Deepest evaluation nesting (values, expressions and lazily evaluated variables together).
const MAX_EVAL_DEPTH: usize = 400;
/// ARM's own limit on the iterations of one copy loop.
pub const MAX_COPY: i64 = 800;
const MAX_NOTES: usize = 2000;

/// State shared by the whole evaluation of one template and its nested deployments.
pub struct Shared {
    depth: Cell<usize>,
    /// Bounds the values and the work of the whole evaluation (exponential copy/variable
    /// blow-up, strings doubled through variables).
    pub budget: Budget,
    pub notes: RefCell<Vec<(Span, String)>>,
    noted: RefCell<HashSet<String>>,
}

pub struct DepthGuard<'a>(&'a Cell<usize>);

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

impl Shared {
    pub fn new() -> Shared {
        Shared {
            depth: Cell::new(0),
            budget: Budget::new(),
            notes: RefCell::new(Vec::new()),
            noted: RefCell::new(HashSet::new()),
        }
    }

    /// Enters one nesting level, or `None` when the cap is reached.
    pub fn enter(&self) -> Option<DepthGuard<'_>> {
        let d = self.depth.get();
        if d >= MAX_EVAL_DEPTH {
            return None;
        }
        self.depth.set(d + 1);
        Some(DepthGuard(&self.depth))
    }

    /// Accounts for `n` produced nodes; false once the budget is exhausted.
    pub fn spend(&self, n: usize) -> bool {
        self.budget.spend(n).is_ok()
    }

    /// True once the node budget is used up; walking stops then.
    pub fn exhausted(&self) -> bool {
        self.budget.exhausted()
    }

    /// Notes a message the first time it occurs (for messages that would repeat per use).
    pub fn note_once(&self, span: Span, msg: String) {
        if self.noted.borrow_mut().insert(msg.clone()) {
            self.note(span, msg);
        }
    }

    pub fn note(&self, span: Span, msg: impl Into<String>) {
        let mut notes = self.notes.borrow_mut();
        if notes.len() < MAX_NOTES {
            notes.push((span, msg.into()));
        }
    }
}

/// How a parameter or variable gets its value.
pub enum Slot<'t> {
    /// Already known (a parameter file value, or a nested deployment's evaluated parameter).
    Value(Node),
    /// A template value evaluated on first use.
    Raw(&'t Node),
    /// A `variables.copy` entry: an array of `count` evaluations of `input`.
    Copy {
        name: String,
        count: &'t Node,
        input: &'t Node,
        span: Span,
    },
}

enum State {
    Busy,
    Done(Node),
}

/// Parameters or variables of one template, evaluated lazily with cycle detection.
#[derive(Default)]
pub struct Table<'t> {
    slots: HashMap<String, Slot<'t>>,
    cache: RefCell<HashMap<String, State>>,
}

impl<'t> Table<'t> {
    pub fn insert(&mut self, name: &str, slot: Slot<'t>) {
        self.slots.insert(name.to_ascii_lowercase(), slot);
    }
}

/// The parameters and variables visible to the expressions of one template.
#[derive(Default)]
pub struct TemplateScope<'t> {
    pub params: Table<'t>,
    pub vars: Table<'t>,
    /// Outputs of the nested deployments walked so far, by key (see `template::output_keys`);
    /// `None` when the key names more than one deployment.
    pub outputs: RefCell<HashMap<String, Option<Node>>>,
    /// User-defined functions by lowercased `namespace.name`, shared with their own bodies.
    pub functions: Rc<HashMap<String, &'t Node>>,
}

/// Where the resources are deployed; unknown parts are placeholders.
#[derive(Clone, Debug)]
pub struct Deploy {
    pub subscription: String,
    /// `None` when deploying at subscription (or wider) scope.
    pub resource_group: Option<String>,
}

/// One active copy loop.
#[derive(Clone, Debug)]
pub struct CopyFrame {
    pub name: String,
    /// `None` when the loop count is unknown.
    pub index: Option<i64>,
    /// Resource loops answer `copyIndex()` without a name.
    pub resource: bool,
}

#[derive(Clone, Copy)]
pub struct Ctx<'a, 't> {
    pub tpl: &'a TemplateScope<'t>,
    /// The scope that `resourceGroup()`, `subscription()` and `resourceId()` resolve against.
    pub deploy: &'a Deploy,
    /// Where the resources declared here are deployed; differs from `deploy` inside an
    /// outer-scope nested deployment to another resource group (functions keep the parent's).
    pub target: &'a Deploy,
    pub copies: &'a [CopyFrame],
    /// Bound lambda parameters, innermost last.
    pub lambdas: &'a [(String, Node)],
    pub shared: &'a Shared,
}

#[derive(Clone, Copy, PartialEq)]
pub enum TableKind {
    Params,
    Vars,
}

impl<'a, 't> Ctx<'a, 't> {
    /// Value of a parameter or variable, evaluating it on first use.
    pub fn lookup(&self, kind: TableKind, name: &str, site: Span) -> Node {
        let table = match kind {
            TableKind::Params => &self.tpl.params,
            TableKind::Vars => &self.tpl.vars,
        };
        let what = if kind == TableKind::Params {
            "parameter"
        } else {
            "variable"
        };
        let key = name.to_ascii_lowercase();
        let Some(slot) = table.slots.get(&key) else {
            return Node::unknown(site, format!("{what} '{name}' is not defined"));
        };
        match table.cache.borrow().get(&key) {
            Some(State::Busy) => {
                return Node::unknown(site, format!("{what} '{name}' refers to itself"))
            }
            Some(State::Done(v)) => return self.charge(v.clone(), site),
            None => {}
        }
        table.cache.borrow_mut().insert(key.clone(), State::Busy);
        // Definitions are evaluated outside any resource loop.
        let inner = Ctx {
            copies: &[],
            lambdas: &[],
            ..*self
        };
        let v = match slot {
            Slot::Value(v) => v.clone(),
            Slot::Raw(raw) => eval_value(raw, inner),
            Slot::Copy {
                name,
                count,
                input,
                span,
            } => copy_array(name, count, input, *span, inner),
        };
        let v = value::bounded(v);
        table.cache.borrow_mut().insert(key, State::Done(v.clone()));
        self.charge(v, site)
    }

    /// Budgets a value copied out of a table, so repeated references to big values still count.
    fn charge(&self, v: Node, site: Span) -> Node {
        match self.shared.budget.admit(&v) {
            Ok(()) => v,
            Err(Exceeded::Work) => Node::unknown(site, "expansion limit reached"),
            Err(why) => Node::unknown(site, why.to_string()),
        }
    }

    pub fn with_copies<R>(&self, frame: CopyFrame, f: impl FnOnce(Ctx<'_, 't>) -> R) -> R {
        let mut frames = self.copies.to_vec();
        frames.push(frame);
        f(Ctx {
            copies: &frames,
            ..*self
        })
    }
}

/// Evaluates a count expression of a copy loop, capped as ARM caps it.
pub fn copy_count(count: &Node, ctx: Ctx) -> Result<i64, String> {
    let v = eval_value(count, ctx);
    match v.as_i64() {
        Some(n) if (0..=MAX_COPY).contains(&n) => Ok(n),
        Some(n) => Err(format!("copy count {n} is outside 0..={MAX_COPY}")),
        None => Err(match v.kind {
            NodeKind::Unknown(why) => format!("copy count is unknown ({why})"),
            _ => format!("copy count is a {}", v.kind_name()),
        }),
    }
}

/// `count` evaluations of `input` with the loop named `name`, as an array.
pub fn copy_array(name: &str, count: &Node, input: &Node, span: Span, ctx: Ctx) -> Node {
    let n = match copy_count(count, ctx) {
        Ok(n) => n,
        Err(why) => return Node::unknown(span, why),
    };
    let items = (0..n)
        .map(|i| {
            let frame = CopyFrame {
                name: name.to_string(),
                index: Some(i),
                resource: false,
            };
            ctx.with_copies(frame, |c| eval_value(input, c))
        })
        .collect();
    value::array(span, items)
}

/// Evaluates every expression string inside a template value.
pub fn eval_value(node: &Node, ctx: Ctx) -> Node {
    let Some(_guard) = ctx.shared.enter() else {
        return Node::unknown(node.span, "value nested too deeply to evaluate");
    };
    if !ctx.shared.spend(1) {
        return Node::unknown(node.span, "expansion limit reached");
    }
    match &node.kind {
        NodeKind::String(s) => eval_string(s, node.span, ctx),
        NodeKind::Array(items) => value::array(
            node.span,
            items.iter().map(|i| eval_value(i, ctx)).collect(),
        ),
        NodeKind::Object(entries) => eval_object(node.span, entries, ctx),
        _ => node.clone(),
    }
}

fn eval_string(s: &str, span: Span, ctx: Ctx) -> Node {
    match classify(s) {
        StringForm::Literal(text) => Node::string(span, text),
        StringForm::Expression(src) => match expr::parse(src) {
            Ok(e) => {
                let mut v = eval_expr(&e, ctx, span);
                if !matches!(v.kind, NodeKind::Array(_) | NodeKind::Object(_)) {
                    v.span = span;
                }
                v
            }
            Err(msg) => Node::unknown(span, format!("cannot parse expression: {msg}")),
        },
    }
}

fn eval_object(span: Span, entries: &[Entry], ctx: Ctx) -> Node {
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        if e.key.eq_ignore_ascii_case("copy") && is_property_copy(&e.value) {
            expand_property_copy(&e.value, ctx, &mut out);
        } else {
            out.push(Entry {
                key: eval_key(&e.key, e.key_span, ctx),
                key_span: e.key_span,
                value: eval_value(&e.value, ctx),
            });
        }
    }
    Node::new(span, NodeKind::Object(out))
}

/// Property names may be expressions too (Bicep writes interpolated keys that way);
/// a key that does not evaluate to a string stays as written.
fn eval_key(key: &str, span: Span, ctx: Ctx) -> String {
    match classify(key) {
        StringForm::Literal(text) => text.into_owned(),
        StringForm::Expression(_) => match eval_string(key, span, ctx).kind {
            NodeKind::String(s) => s,
            _ => key.to_string(),
        },
    }
}

/// `"copy": [{"name": ..., "count": ..., "input": ...}]` inside properties or variables.
fn is_property_copy(v: &Node) -> bool {
    v.as_array().is_some_and(|items| {
        !items.is_empty()
            && items
                .iter()
                .all(|i| i.get("name").is_some() && i.get("input").is_some())
    })
}

fn expand_property_copy(list: &Node, ctx: Ctx, out: &mut Vec<Entry>) {
    for item in list.as_array().unwrap_or_default() {
        let Some(name_node) = item.get("name") else {
            continue;
        };
        let name = eval_value(name_node, ctx);
        let Some(name) = name.as_str() else {
            ctx.shared
                .note(item.span, "property copy with an unknown name skipped");
            continue;
        };
        let (Some(count), Some(input)) = (item.get("count"), item.get("input")) else {
            ctx.shared
                .note(item.span, "property copy without count or input skipped");
            continue;
        };
        let value = copy_array(name, count, input, item.span, ctx);
        out.push(Entry {
            key: name.to_string(),
            key_span: name_node.span,
            value,
        });
    }
}

/// Evaluates a parsed expression; `site` is the span of the string it was written in.
pub fn eval_expr(e: &Expr, ctx: Ctx, site: Span) -> Node {
    let Some(_guard) = ctx.shared.enter() else {
        return Node::unknown(site, "expression nested too deeply to evaluate");
    };
    match e {
        Expr::Str(s) => Node::string(site, s.clone()),
        Expr::Int(i) => value::int(site, *i),
        Expr::Call { name, args } => functions::call(name, args, ctx, site),
        Expr::Member { target, name, safe } => {
            let t = eval_expr(target, ctx, site);
            member(t, name, *safe, site)
        }
        Expr::Index {
            target,
            index,
            safe,
        } => {
            let t = eval_expr(target, ctx, site);
            let i = eval_expr(index, ctx, site);
            index_into(t, &i, *safe, site)
        }
    }
}

fn member(t: Node, name: &str, safe: bool, site: Span) -> Node {
    match t.kind {
        // A marked reference keeps the path read from it (`.identity.principalId`).
        NodeKind::Unknown(why) if why.starts_with(REFERENCE_MARK) => {
            marked_member(&why, name, site)
        }
        NodeKind::Unknown(_) => t,
        NodeKind::Null if safe => Node::new(site, NodeKind::Null),
        NodeKind::Object(entries) => match entries
            .into_iter()
            .find(|e| e.key.eq_ignore_ascii_case(name))
        {
            Some(e) => e.value,
            None if safe => Node::new(site, NodeKind::Null),
            None => Node::unknown(site, format!("no property '{name}'")),
        },
        _ => Node::unknown(site, format!("property '{name}' of a {}", t.kind_name())),
    }
}

/// A property read from a marked `reference()`: the path grows with it. Never
/// inlined, to keep the frame of the recursive evaluation small.
#[inline(never)]
fn marked_member(why: &str, name: &str, site: Span) -> Node {
    Node::unknown(site, format!("{why}.{name}"))
}

fn index_into(t: Node, i: &Node, safe: bool, site: Span) -> Node {
    if let NodeKind::Unknown(_) = i.kind {
        return Node::new(site, i.kind.clone());
    }
    match (t.kind, &i.kind) {
        (k @ NodeKind::Unknown(_), _) => Node::new(site, k),
        (NodeKind::Null, _) if safe => Node::new(site, NodeKind::Null),
        (NodeKind::Array(items), _) => {
            let found = i
                .as_i64()
                .and_then(|n| usize::try_from(n).ok())
                .and_then(|n| items.into_iter().nth(n));
            match found {
                Some(v) => v,
                None if safe => Node::new(site, NodeKind::Null),
                None => Node::unknown(site, "array index out of range"),
            }
        }
        (NodeKind::Object(entries), NodeKind::String(key)) => {
            match entries
                .into_iter()
                .find(|e| e.key.eq_ignore_ascii_case(key))
            {
                Some(e) => e.value,
                None if safe => Node::new(site, NodeKind::Null),
                None => Node::unknown(site, format!("no property '{key}'")),
            }
        }
        (k, _) => Node::unknown(
            site,
            format!("cannot index a {}", Node::new(site, k).kind_name()),
        ),
    }
}
