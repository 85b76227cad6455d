//! Conditions: the AST the loader builds, and their three-valued evaluation on
//! the model. A condition on a value that cannot be known before deployment is
//! UNKNOWN, and a rule stays silent on UNKNOWN.

use std::net::IpAddr;

use ipnet::IpNet;
use regex::Regex;

use super::fields::{tag, Ctx, Got, Read, Scalar, Slot, State, Type, Value};
use crate::model::cidr;
use crate::model::cidr::parse_cidr;
use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }

    fn of(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }
}

/// A checked field path.
#[derive(Debug)]
pub struct Path {
    /// As written in the rule file.
    pub text: String,
    /// Where it is written in the rule file.
    pub span: Span,
    /// Starts at the current element (`item`, `item.name`) instead of the matched object.
    pub from_item: bool,
    pub steps: Vec<Step>,
    /// The type of what the path reaches; `list` when it goes through a list.
    pub ty: Type,
}

pub enum Step {
    Field(Read),
    Tag(String),
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Field(_) => f.write_str("Field"),
            Step::Tag(k) => write!(f, "Tag({k})"),
        }
    }
}

/// A literal operand, already of the field's type.
#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Str(String),
    Int(i64),
    Bool(bool),
    Cidr(IpNet),
    Ip(IpAddr),
}

impl std::fmt::Display for Lit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lit::Str(s) => f.write_str(s),
            Lit::Int(i) => write!(f, "{i}"),
            Lit::Bool(b) => write!(f, "{b}"),
            Lit::Cidr(n) => write!(f, "{n}"),
            Lit::Ip(a) => write!(f, "{a}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumOp {
    Equals,
    Greater,
    GreaterOrEquals,
    Less,
    LessOrEquals,
}

impl NumOp {
    fn holds(self, a: i64, b: i64) -> bool {
        match self {
            NumOp::Equals => a == b,
            NumOp::Greater => a > b,
            NumOp::GreaterOrEquals => a >= b,
            NumOp::Less => a < b,
            NumOp::LessOrEquals => a <= b,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            NumOp::Equals => "equals",
            NumOp::Greater => "greater",
            NumOp::GreaterOrEquals => "greaterOrEquals",
            NumOp::Less => "less",
            NumOp::LessOrEquals => "lessOrEquals",
        }
    }

    fn words(self) -> &'static str {
        match self {
            NumOp::Equals => "equal",
            NumOp::Greater => "be greater than",
            NumOp::GreaterOrEquals => "be at least",
            NumOp::Less => "be less than",
            NumOp::LessOrEquals => "be at most",
        }
    }
}

#[derive(Debug)]
pub enum Op {
    Exists(bool),
    Stated(bool),
    /// Written in the input but not evaluable (`true`), or not so (`false`).
    Unknown(bool),
    Equals(Lit),
    NotEquals(Lit),
    In(Vec<Lit>),
    NotIn(Vec<Lit>),
    Matches(Regex),
    StartsWith(String),
    EndsWith(String),
    /// Substring of a string; on a list, an element of it.
    Contains(Lit),
    Compare(NumOp, i64),
    CidrWithin(Nets),
    CidrOverlaps(Nets),
    CidrContainsAddress(IpAddr),
    PrefixAtMost(u8),
    PrefixAtLeast(u8),
}

/// The operand of `cidrWithin` / `cidrOverlaps`: CIDR literals, or a field of
/// the object being checked (`{field: address_prefixes}`), for rules that
/// compare two parts of the model (a VNet's DNS servers against its own space).
#[derive(Debug)]
pub enum Nets {
    Literal(Vec<IpNet>),
    Field(Path),
}

/// A resolved [`Nets`]: the prefixes, and whether some could not be known.
struct NetOperand<'n> {
    nets: std::borrow::Cow<'n, [IpNet]>,
    unknown: bool,
}

#[derive(Debug)]
pub struct Leaf {
    pub path: Path,
    pub op: Op,
    pub case_sensitive: bool,
}

#[derive(Debug)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Leaf(Leaf),
    /// `any` (`all: false`) or `all` over a list's elements.
    Quant {
        path: Path,
        all: bool,
        cond: Box<Cond>,
    },
    Count {
        path: Path,
        filter: Option<Box<Cond>>,
        op: NumOp,
        n: i64,
    },
}

/// Where evaluation runs: the matched object (or list element) and `item`.
#[derive(Clone, Debug)]
pub struct Scope<'a> {
    pub base: Slot<'a>,
    pub item: Option<Slot<'a>>,
}

/// What decided a condition: for a failing one, the span a finding points at,
/// the value there (`{{value}}`) and the leaf (for the default label).
#[derive(Clone, Debug)]
pub struct Witness<'a, 'c> {
    pub span: Span,
    pub value: Option<Value<'a>>,
    pub leaf: Option<&'c Leaf>,
    /// True when the leaf sits under an odd number of `not`s.
    pub negated: bool,
}

#[derive(Clone, Debug)]
pub struct Eval<'a, 'c> {
    pub truth: Truth,
    pub witness: Option<Witness<'a, 'c>>,
}

impl<'a, 'c> Eval<'a, 'c> {
    fn bare(truth: Truth, span: Span) -> Eval<'a, 'c> {
        Eval {
            truth,
            witness: Some(Witness {
                span,
                value: None,
                leaf: None,
                negated: false,
            }),
        }
    }
}

/// Follows a path from the scope. A step through an unknown object stays
/// unknown; a step through an absent one stays absent (at the object's span).
pub fn resolve<'a>(cx: &'a Ctx<'_>, scope: &Scope<'a>, path: &Path) -> Got<'a> {
    let start = if path.from_item {
        match &scope.item {
            Some(item) => item.clone(),
            None => Slot::absent(scope.base.span),
        }
    } else {
        scope.base.clone()
    };
    let mut cur = Got::One(start);
    for step in &path.steps {
        cur = match cur {
            Got::One(s) => step_one(cx, s, step),
            Got::Many(list, owner) => {
                let mut out = Vec::with_capacity(list.len());
                for s in list {
                    match step_one(cx, s, step) {
                        Got::One(x) => out.push(x),
                        Got::Many(xs, _) => out.extend(xs),
                    }
                }
                Got::Many(out, owner)
            }
        };
    }
    cur
}

fn step_one<'a>(cx: &'a Ctx<'_>, s: Slot<'a>, step: &Step) -> Got<'a> {
    match (s.state, &s.value) {
        (State::Known | State::Default, Some(Value::Obj(o))) => match step {
            Step::Field(get) => get.read(cx, *o),
            Step::Tag(key) => Got::One(tag(cx.inv, *o, key)),
        },
        (State::Unknown, _) => Got::One(Slot::unknown(s.span)),
        _ => Got::One(Slot::absent(s.span)),
    }
}

impl Cond {
    pub fn eval<'a, 'c>(&'c self, cx: &'a Ctx<'_>, scope: &Scope<'a>) -> Eval<'a, 'c> {
        match self {
            Cond::All(children) => {
                let mut unknown = None;
                for c in children {
                    let e = c.eval(cx, scope);
                    match e.truth {
                        Truth::False => return e,
                        Truth::Unknown if unknown.is_none() => unknown = Some(e),
                        _ => {}
                    }
                }
                unknown.unwrap_or_else(|| Eval::bare(Truth::True, scope.base.span))
            }
            Cond::Any(children) => {
                let mut first = None;
                let mut unknown = false;
                for c in children {
                    let e = c.eval(cx, scope);
                    match e.truth {
                        Truth::True => return e,
                        Truth::Unknown => unknown = true,
                        Truth::False => {}
                    }
                    first.get_or_insert(e);
                }
                let mut e = first.unwrap_or_else(|| Eval::bare(Truth::False, scope.base.span));
                e.truth = if unknown {
                    Truth::Unknown
                } else {
                    Truth::False
                };
                e
            }
            Cond::Not(c) => {
                let mut e = c.eval(cx, scope);
                e.truth = e.truth.not();
                if let Some(w) = &mut e.witness {
                    w.negated = !w.negated;
                }
                e
            }
            Cond::Leaf(leaf) => leaf.eval(cx, scope),
            Cond::Quant { path, all, cond } => quantify(cx, scope, path, *all, cond),
            Cond::Count {
                path,
                filter,
                op,
                n,
            } => count(cx, scope, path, filter.as_deref(), *op, *n),
        }
    }
}

/// The elements of a list path; a single absent value is an empty list.
fn elements<'a>(got: Got<'a>) -> (Vec<Slot<'a>>, Span) {
    match got {
        Got::Many(list, owner) => (list, owner),
        Got::One(s) if s.state == State::Absent => (Vec::new(), s.span),
        Got::One(s) => {
            let span = s.span;
            (vec![s], span)
        }
    }
}

fn element_scope<'a>(scope: &Scope<'a>, path: &Path, el: Slot<'a>) -> Scope<'a> {
    if matches!(path.ty.scalar, Scalar::Object(_)) {
        Scope {
            base: el.clone(),
            item: Some(el),
        }
    } else {
        Scope {
            base: scope.base.clone(),
            item: Some(el),
        }
    }
}

/// True for an element that stands for an unknown part of a list of objects:
/// the model's object lists hold known objects only, so an unknown one comes
/// from a relation whose target is not among the inputs (`subnet.nsg.rules`).
fn unknown_objects(path: &Path, el: &Slot<'_>) -> bool {
    matches!(path.ty.scalar, Scalar::Object(_)) && el.state == State::Unknown
}

fn quantify<'a, 'c>(
    cx: &'a Ctx<'_>,
    scope: &Scope<'a>,
    path: &Path,
    all: bool,
    cond: &'c Cond,
) -> Eval<'a, 'c> {
    let (els, owner) = elements(resolve(cx, scope, path));
    let mut unknown = None;
    let mut first = None;
    for el in els {
        let e = if unknown_objects(path, &el) {
            Eval::bare(Truth::Unknown, el.span)
        } else {
            cond.eval(cx, &element_scope(scope, path, el))
        };
        match (e.truth, all) {
            (Truth::False, true) | (Truth::True, false) => return e,
            (Truth::Unknown, _) if unknown.is_none() => unknown = Some(e),
            _ => {
                first.get_or_insert(e);
            }
        }
    }
    if let Some(e) = unknown {
        return e;
    }
    let truth = Truth::of(all);
    match first {
        Some(mut e) => {
            e.truth = truth;
            e
        }
        None => Eval::bare(truth, owner),
    }
}

fn count<'a, 'c>(
    cx: &'a Ctx<'_>,
    scope: &Scope<'a>,
    path: &Path,
    filter: Option<&'c Cond>,
    op: NumOp,
    n: i64,
) -> Eval<'a, 'c> {
    let (els, owner) = elements(resolve(cx, scope, path));
    let span = els.first().map_or(owner, |s| s.span);
    let (mut yes, mut maybe, mut unbounded) = (0i64, 0i64, false);
    for el in els {
        if unknown_objects(path, &el) {
            unbounded = true;
            continue;
        }
        match filter.map(|f| f.eval(cx, &element_scope(scope, path, el)).truth) {
            None | Some(Truth::True) => yes += 1,
            Some(Truth::Unknown) => maybe += 1,
            Some(Truth::False) => {}
        }
    }
    // Unknown elements may or may not count, and an unknown part of the list
    // may hold any number: the answer is known only when it is the same for
    // every count in the range.
    let hi = if unbounded {
        (yes + maybe).max(n).saturating_add(1)
    } else {
        yes + maybe
    };
    let varies = match op {
        NumOp::Equals => yes != hi && (yes..=hi).contains(&n),
        _ => op.holds(yes, n) != op.holds(hi, n),
    };
    let truth = if varies {
        Truth::Unknown
    } else {
        Truth::of(op.holds(yes, n))
    };
    Eval::bare(truth, span)
}

impl Leaf {
    fn eval<'a, 'c>(&'c self, cx: &'a Ctx<'_>, scope: &Scope<'a>) -> Eval<'a, 'c> {
        let got = resolve(cx, scope, &self.path);
        let operand = self.net_operand(cx, scope);
        let operand = operand.as_ref();
        match (&self.op, got) {
            (Op::Exists(want), got) => self.presence(got, *want, |s| s != State::Absent),
            (Op::Stated(want), got) => {
                self.presence(got, *want, |s| matches!(s, State::Known | State::Unknown))
            }
            (Op::Unknown(want), got) => self.presence(got, *want, |s| s == State::Unknown),
            (Op::Contains(lit), Got::Many(list, owner)) => self.membership(list, owner, lit),
            (_, Got::One(slot)) => {
                let truth = self.test(&slot, operand);
                self.decided(truth, slot)
            }
            (_, Got::Many(list, owner)) => {
                let mut unknown = None;
                let mut first = None;
                for slot in list {
                    match self.test(&slot, operand) {
                        Truth::False => return self.decided(Truth::False, slot),
                        Truth::Unknown if unknown.is_none() => unknown = Some(slot),
                        _ => {
                            first.get_or_insert(slot);
                        }
                    }
                }
                // Every element holds; an empty list holds vacuously.
                match (unknown, first) {
                    (Some(s), _) => self.decided(Truth::Unknown, s),
                    (None, Some(s)) => self.decided(Truth::True, s),
                    (None, None) => self.decided(Truth::True, Slot::absent(owner)),
                }
            }
        }
    }

    fn decided<'a, 'c>(&'c self, truth: Truth, slot: Slot<'a>) -> Eval<'a, 'c> {
        Eval {
            truth,
            witness: Some(Witness {
                span: slot.span,
                value: slot.value,
                leaf: Some(self),
                negated: false,
            }),
        }
    }

    fn presence<'a, 'c>(
        &'c self,
        got: Got<'a>,
        want: bool,
        present: impl Fn(State) -> bool,
    ) -> Eval<'a, 'c> {
        let (is, slot) = match got {
            Got::One(s) => (present(s.state), s),
            Got::Many(list, owner) => {
                let hit = list.iter().position(|s| present(s.state));
                match hit {
                    Some(i) => (true, list[i].clone()),
                    None => (false, Slot::absent(owner)),
                }
            }
        };
        self.decided(Truth::of(is == want), slot)
    }

    fn membership<'a, 'c>(&'c self, list: Vec<Slot<'a>>, owner: Span, lit: &Lit) -> Eval<'a, 'c> {
        let mut unknown = None;
        for slot in &list {
            match slot.state {
                State::Unknown => {
                    unknown.get_or_insert_with(|| slot.clone());
                }
                State::Absent => {}
                _ => {
                    if slot.value.as_ref().is_some_and(|v| self.equal(v, lit)) {
                        return self.decided(Truth::True, slot.clone());
                    }
                }
            }
        }
        match unknown {
            Some(s) => self.decided(Truth::Unknown, s),
            None => self.decided(Truth::False, Slot::absent(owner)),
        }
    }

    /// Resolves a field operand of `cidrWithin` / `cidrOverlaps` on the scope.
    fn net_operand<'a>(&self, cx: &'a Ctx<'_>, scope: &Scope<'a>) -> Option<NetOperand<'_>> {
        let nets = match &self.op {
            Op::CidrWithin(n) | Op::CidrOverlaps(n) => n,
            _ => return None,
        };
        let path = match nets {
            Nets::Literal(list) => {
                return Some(NetOperand {
                    nets: std::borrow::Cow::Borrowed(list),
                    unknown: false,
                })
            }
            Nets::Field(path) => path,
        };
        let slots = match resolve(cx, scope, path) {
            Got::One(s) => vec![s],
            Got::Many(list, _) => list,
        };
        let mut out = NetOperand {
            nets: std::borrow::Cow::Owned(Vec::new()),
            unknown: false,
        };
        for s in slots {
            let net = match (&s.state, &s.value) {
                (State::Unknown, _) => None,
                (_, Some(v @ (Value::Cidr(_) | Value::Ip(_) | Value::Str(_)))) => as_net(v),
                _ => continue,
            };
            match net {
                Some(n) => out.nets.to_mut().push(n),
                None => out.unknown = true,
            }
        }
        Some(out)
    }

    /// The leaf on one value.
    fn test(&self, slot: &Slot<'_>, operand: Option<&NetOperand<'_>>) -> Truth {
        match (slot.state, &slot.value) {
            (State::Unknown, _) => Truth::Unknown,
            (State::Known | State::Default, Some(v)) => self.test_value(v, operand),
            // Absent: nothing equals it, so "not equal" holds.
            _ => Truth::of(matches!(self.op, Op::NotEquals(_) | Op::NotIn(_))),
        }
    }

    fn test_value(&self, v: &Value<'_>, operand: Option<&NetOperand<'_>>) -> Truth {
        match &self.op {
            Op::Exists(want) => Truth::of(*want),
            Op::Stated(_) => Truth::Unknown,
            // Only reached with a value in hand: it is known.
            Op::Unknown(want) => Truth::of(!*want),
            Op::Equals(lit) => Truth::of(self.equal(v, lit)),
            Op::NotEquals(lit) => Truth::of(!self.equal(v, lit)),
            Op::In(lits) => Truth::of(lits.iter().any(|l| self.equal(v, l))),
            Op::NotIn(lits) => Truth::of(!lits.iter().any(|l| self.equal(v, l))),
            Op::Matches(re) => str_test(v, |s| re.is_match(s)),
            Op::StartsWith(p) => str_test(v, |s| self.affix(s, p, true)),
            Op::EndsWith(p) => str_test(v, |s| self.affix(s, p, false)),
            Op::Contains(Lit::Str(p)) => str_test(v, |s| {
                if self.case_sensitive {
                    s.contains(p.as_str())
                } else {
                    s.to_lowercase().contains(&p.to_lowercase())
                }
            }),
            Op::Contains(lit) => Truth::of(self.equal(v, lit)),
            Op::Compare(op, n) => match v {
                Value::Int(i) => Truth::of(op.holds(*i, *n)),
                _ => Truth::Unknown,
            },
            Op::CidrWithin(_) => net_vs(v, operand, |x, n| cidr::contains(&n, &x)),
            Op::CidrOverlaps(_) => net_vs(v, operand, |x, n| cidr::overlaps(&n, &x)),
            Op::CidrContainsAddress(ip) => net_test(v, |x| cidr::contains_addr(&x, *ip)),
            Op::PrefixAtMost(n) => net_test(v, |x| x.prefix_len() <= *n),
            Op::PrefixAtLeast(n) => net_test(v, |x| x.prefix_len() >= *n),
        }
    }

    fn equal(&self, v: &Value<'_>, lit: &Lit) -> bool {
        match (v, lit) {
            (Value::Str(a), Lit::Str(b)) => {
                if self.case_sensitive {
                    a == b
                } else {
                    a.eq_ignore_ascii_case(b)
                }
            }
            (Value::Int(a), Lit::Int(b)) => a == b,
            (Value::Bool(a), Lit::Bool(b)) => a == b,
            (Value::Cidr(a), Lit::Cidr(b)) => a == b,
            (Value::Ip(a), Lit::Ip(b)) => a == b,
            (Value::Cidr(a), Lit::Ip(b)) => *a == IpNet::from(*b),
            (Value::Ip(a), Lit::Cidr(b)) => IpNet::from(*a) == *b,
            _ => false,
        }
    }

    fn affix(&self, s: &str, p: &str, start: bool) -> bool {
        if self.case_sensitive {
            return if start {
                s.starts_with(p)
            } else {
                s.ends_with(p)
            };
        }
        let (s, p) = (s.as_bytes(), p.as_bytes());
        if s.len() < p.len() {
            return false;
        }
        let part = if start {
            &s[..p.len()]
        } else {
            &s[s.len() - p.len()..]
        };
        part.eq_ignore_ascii_case(p)
    }

    /// The default label: what the failing leaf expected.
    pub fn describe(&self, negated: bool) -> String {
        let list = |lits: &[Lit]| {
            lits.iter()
                .map(|l| format!("`{l}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let nets = |nets: &Nets| match nets {
            Nets::Literal(list) => list
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
            Nets::Field(p) => format!("`{}`", p.text),
        };
        // (what the leaf expects, what its negation expects)
        let (yes, no) = match &self.op {
            Op::Exists(b) | Op::Stated(b) | Op::Unknown(b) => {
                let what = match self.op {
                    Op::Exists(_) => "to be set",
                    Op::Stated(_) => "to be written in the input",
                    _ => "to be unknown (written, but not evaluable)",
                };
                let (y, n) = (what.to_string(), format!("not {what}"));
                if *b {
                    (y, n)
                } else {
                    (n, y)
                }
            }
            Op::Equals(l) => (format!("to equal `{l}`"), format!("not to equal `{l}`")),
            Op::NotEquals(l) => (format!("not to equal `{l}`"), format!("to equal `{l}`")),
            Op::In(l) => (
                format!("to be one of {}", list(l)),
                format!("to be none of {}", list(l)),
            ),
            Op::NotIn(l) => (
                format!("to be none of {}", list(l)),
                format!("to be one of {}", list(l)),
            ),
            Op::Matches(re) => (
                format!("to match `{}`", re.as_str()),
                format!("not to match `{}`", re.as_str()),
            ),
            Op::StartsWith(p) => (
                format!("to start with `{p}`"),
                format!("not to start with `{p}`"),
            ),
            Op::EndsWith(p) => (
                format!("to end with `{p}`"),
                format!("not to end with `{p}`"),
            ),
            Op::Contains(l) => (format!("to contain `{l}`"), format!("not to contain `{l}`")),
            Op::Compare(op, n) => (
                format!("to {} {n}", op.words()),
                format!("not to {} {n}", op.words()),
            ),
            Op::CidrWithin(n) => (
                format!("to lie within {}", nets(n)),
                format!("to lie outside {}", nets(n)),
            ),
            Op::CidrOverlaps(n) => (
                format!("to overlap {}", nets(n)),
                format!("not to overlap {}", nets(n)),
            ),
            Op::CidrContainsAddress(ip) => (
                format!("to contain `{ip}`"),
                format!("not to contain `{ip}`"),
            ),
            Op::PrefixAtMost(n) => (
                format!("to be a /{n} or shorter prefix"),
                format!("to be longer than /{n}"),
            ),
            Op::PrefixAtLeast(n) => (
                format!("to be a /{n} or longer prefix"),
                format!("to be shorter than /{n}"),
            ),
        };
        let what = if negated { no } else { yes };
        format!("expected `{}` {what}", self.path.text)
    }
}

fn str_test(v: &Value<'_>, f: impl Fn(&str) -> bool) -> Truth {
    match v {
        Value::Str(s) => Truth::of(f(s)),
        _ => Truth::Unknown,
    }
}

/// A value against the prefixes of an operand: TRUE when one of them relates;
/// when none does but some operand prefix is unknown, UNKNOWN.
fn net_vs(
    v: &Value<'_>,
    operand: Option<&NetOperand<'_>>,
    rel: impl Fn(IpNet, IpNet) -> bool,
) -> Truth {
    let Some(op) = operand else {
        return Truth::Unknown;
    };
    match net_test(v, |x| op.nets.iter().any(|n| rel(x, *n))) {
        Truth::False if op.unknown => Truth::Unknown,
        t => t,
    }
}

/// A CIDR operator on a value: CIDRs and addresses directly, strings when they
/// parse as one (a service tag such as `Internet` is neither, so UNKNOWN).
fn net_test(v: &Value<'_>, f: impl Fn(IpNet) -> bool) -> Truth {
    as_net(v).map_or(Truth::Unknown, |n| Truth::of(f(n)))
}

/// A value as a prefix: an address counts as a /32 or /128; a string that is
/// neither a prefix nor an address has none.
fn as_net(v: &Value<'_>) -> Option<IpNet> {
    match v {
        Value::Cidr(n) => Some(*n),
        Value::Ip(a) => Some(IpNet::from(*a)),
        Value::Str(s) => parse_cidr(s),
        _ => None,
    }
}
