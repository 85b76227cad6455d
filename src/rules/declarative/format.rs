//! Reads rule files: YAML documents, through the spanned node tree, into typed
//! rules. Every mistake is an error at the line and key or value of the rule
//! file: unknown keys and operators, bad literals, unknown model fields, types.

use std::net::IpAddr;

use ipnet::IpNet;
use regex::RegexBuilder;

use super::condition::{Cond, Leaf, Lit, Nets, NumOp, Op, Path, Step};
use super::fields::{self, Kind, Scalar, Type};
use super::template::{self, Part, Piece, Template};
use crate::diagnostic::Severity;
use crate::source::{FileId, Span};
use crate::syntax::node::{Entry, Node, NodeKind, Number};
use crate::syntax::yaml;

/// A mistake in a rule file.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadError {
    pub span: Span,
    pub message: String,
    pub label: String,
    /// Other places involved (the first of two duplicate ids).
    pub also: Vec<(Span, String)>,
    pub help: Option<String>,
}

impl LoadError {
    pub fn new(span: Span, message: impl Into<String>, label: impl Into<String>) -> LoadError {
        LoadError {
            span,
            message: message.into(),
            label: label.into(),
            also: Vec::new(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> LoadError {
        self.help = Some(help.into());
        self
    }
}

type Res<T> = Result<T, LoadError>;

/// One rule as written, checked.
#[derive(Debug)]
pub struct RuleDef {
    pub id: String,
    pub id_span: Span,
    pub name: String,
    pub name_span: Span,
    pub severity: Severity,
    pub category: Option<String>,
    pub summary: String,
    pub url: Option<String>,
    pub tags: Vec<String>,
    pub explanation: Option<String>,
    pub checks: Vec<Check>,
    /// The rule's whole document, for errors about the rule as a whole.
    pub span: Span,
}

#[derive(Debug)]
pub struct Check {
    pub kind: Kind,
    pub filter: Option<Cond>,
    pub for_each: Option<Path>,
    pub assert: Cond,
    pub message: Template,
    pub label: Option<Template>,
    pub help: Option<Template>,
    pub at: Vec<Path>,
    pub labels: Vec<ExtraLabel>,
}

#[derive(Debug)]
pub struct ExtraLabel {
    pub field: Path,
    pub when: Option<Cond>,
    pub message: Template,
}

/// What paths can name where a condition or template is written.
#[derive(Clone, Copy, Debug)]
pub struct TypeScope {
    pub base: Kind,
    /// The type of `item`, inside `forEach` and quantifiers.
    pub item: Option<Scalar>,
}

const RULE_KEYS: &[&str] = &[
    "id",
    "name",
    "severity",
    "category",
    "summary",
    "help",
    "url",
    "tags",
    "explanation",
    "checks",
];
const CHECK_KEYS: &[&str] = &[
    "match", "where", "forEach", "assert", "message", "label", "help", "at", "labels",
];
const OPERATORS: &[&str] = &[
    "exists",
    "stated",
    "unknown",
    "equals",
    "notEquals",
    "in",
    "notIn",
    "matches",
    "startsWith",
    "endsWith",
    "contains",
    "greater",
    "greaterOrEquals",
    "less",
    "lessOrEquals",
    "cidrWithin",
    "cidrOverlaps",
    "cidrContainsAddress",
    "prefixAtMost",
    "prefixAtLeast",
    "any",
    "all",
    "count",
];
const CATEGORIES: &[&str] = &["ip-planning", "compatibility", "supportability", "security"];

/// Parses every rule of one rule file. `shipped` allows `AKS` ids and requires
/// an explanation. Each document is checked on its own, so one file reports
/// every broken rule, not only the first.
pub fn parse_file(file: FileId, text: &str, shipped: bool) -> Result<Vec<RuleDef>, Vec<LoadError>> {
    let docs = yaml::parse(file, text).map_err(|e| {
        vec![LoadError::new(
            e.span,
            format!("invalid YAML: {}", e.message),
            "the YAML parser stopped here",
        )]
    })?;
    let reader = Reader { text, shipped };
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for doc in docs.iter().filter(|d| !d.is_null()) {
        match reader.rule(doc) {
            Ok(r) => rules.push(r),
            Err(e) => errors.push(e),
        }
    }
    if docs.iter().all(Node::is_null) {
        errors.push(LoadError::new(
            Span::new(file, 0, 0),
            "the rule file holds no rule",
            "empty",
        ));
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

struct Reader<'t> {
    text: &'t str,
    shipped: bool,
}

/// The keys of a mapping, each checked against the allowed ones.
fn mapping<'n>(node: &'n Node, what: &str, allowed: &[&str]) -> Res<&'n [Entry]> {
    let entries = node.as_object().ok_or_else(|| {
        LoadError::new(
            node.span,
            format!("{what} must be a mapping, not a {}", node.kind_name()),
            "expected a mapping",
        )
    })?;
    for (i, e) in entries.iter().enumerate() {
        if !allowed.contains(&e.key.as_str()) {
            return Err(unknown_key(e, what, allowed));
        }
        if let Some(first) = entries[..i].iter().find(|f| f.key == e.key) {
            let mut err = LoadError::new(
                e.key_span,
                format!("`{}` is given twice", e.key),
                "again here",
            );
            err.also.push((first.key_span, "first here".into()));
            return Err(err);
        }
    }
    Ok(entries)
}

fn unknown_key(e: &Entry, what: &str, allowed: &[&str]) -> LoadError {
    let err = LoadError::new(
        e.key_span,
        format!("unknown key `{}` in {what}", e.key),
        "unknown key",
    );
    match fields::close_names(&e.key, allowed).first() {
        Some(c) => err.help(format!("did you mean `{c}`?")),
        None => err.help(format!("the keys are: {}", allowed.join(", "))),
    }
}

/// Where a check starts: its `match` key.
fn match_key(entries: &[Entry], fallback: Span) -> Span {
    get(entries, "match").map_or(fallback, |e| e.key_span)
}

fn get<'n>(entries: &'n [Entry], key: &str) -> Option<&'n Entry> {
    entries.iter().find(|e| e.key == key)
}

fn string(node: &Node, what: &str) -> Res<String> {
    match &node.kind {
        NodeKind::String(s) => Ok(s.clone()),
        _ => Err(LoadError::new(
            node.span,
            format!("{what} must be a string, not a {}", node.kind_name()),
            "expected a string",
        )),
    }
}

fn boolean(node: &Node, what: &str) -> Res<bool> {
    node.as_bool().ok_or_else(|| {
        LoadError::new(
            node.span,
            format!("{what} must be true or false, not a {}", node.kind_name()),
            "expected true or false",
        )
    })
}

fn integer(node: &Node, what: &str) -> Res<i64> {
    match &node.kind {
        NodeKind::Number(Number::Int(i)) => Ok(*i),
        _ => Err(LoadError::new(
            node.span,
            format!("{what} must be an integer, not a {}", node.kind_name()),
            "expected an integer",
        )),
    }
}

fn required<'n>(entries: &'n [Entry], key: &str, at: Span, what: &str) -> Res<&'n Node> {
    get(entries, key).map(|e| &e.value).ok_or_else(|| {
        LoadError::new(
            at,
            format!("{what} has no `{key}`"),
            format!("`{key}` missing"),
        )
    })
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && s.starts_with(|c: char| c.is_ascii_lowercase())
}

/// The span to point at for a whole mapping: its first key, so the error shows one line.
fn head(node: &Node) -> Span {
    node.as_object()
        .and_then(|e| e.first())
        .map_or(node.span, |e| e.key_span)
}

impl Reader<'_> {
    fn rule(&self, doc: &Node) -> Res<RuleDef> {
        let mut allowed: Vec<&str> = RULE_KEYS.to_vec();
        allowed.extend(CHECK_KEYS);
        let entries = mapping(doc, "a rule", &allowed)?;
        let at = head(doc);
        let id_node = required(entries, "id", at, "the rule")?;
        let id = string(id_node, "`id`")?;
        self.check_id(&id, id_node.span)?;
        let name_node = required(entries, "name", at, "the rule")?;
        let name = string(name_node, "`name`")?;
        if !is_kebab(&name) {
            return Err(LoadError::new(
                name_node.span,
                format!("the rule name `{name}` is not kebab-case"),
                "not kebab-case",
            )
            .help("use lowercase words joined by hyphens, like `prod-clusters-private`"));
        }
        let severity = self.severity(required(entries, "severity", at, "the rule")?)?;
        let category = match get(entries, "category") {
            Some(e) => Some(self.category(&e.value)?),
            None => None,
        };
        let summary = string(required(entries, "summary", at, "the rule")?, "`summary`")?;
        let help = get(entries, "help").map(|e| &e.value);
        let url = match get(entries, "url") {
            Some(e) => {
                let u = string(&e.value, "`url`")?;
                if !(u.starts_with("https://") || u.starts_with("http://")) {
                    return Err(LoadError::new(
                        e.value.span,
                        "`url` must start with https:// or http://",
                        "not a URL",
                    ));
                }
                Some(u)
            }
            None => None,
        };
        let tags = match get(entries, "tags") {
            Some(e) => self.strings(&e.value, "`tags`")?,
            None => Vec::new(),
        };
        let explanation = match get(entries, "explanation") {
            Some(e) => Some(string(&e.value, "`explanation`")?),
            None => None,
        };
        if self.shipped && explanation.is_none() {
            return Err(LoadError::new(
                at,
                "a shipped rule needs an `explanation`",
                "no explanation",
            ));
        }
        let defaults = Defaults {
            message: get(entries, "message").map(|e| &e.value),
            help,
            summary: &summary,
        };
        let checks = match get(entries, "checks") {
            Some(list) => {
                if let Some(inline) = entries.iter().find(|e| {
                    e.key != "help" && e.key != "message" && CHECK_KEYS.contains(&e.key.as_str())
                }) {
                    return Err(LoadError::new(
                        inline.key_span,
                        format!("`{}` next to `checks`: a rule has either one inline check or a list of `checks`", inline.key),
                        "inline check key",
                    ));
                }
                let items = list.value.as_array().ok_or_else(|| {
                    LoadError::new(
                        list.value.span,
                        "`checks` must be a list of checks",
                        "expected a list",
                    )
                })?;
                if items.is_empty() {
                    return Err(LoadError::new(
                        list.value.span,
                        "`checks` is empty",
                        "no check",
                    ));
                }
                items
                    .iter()
                    .map(|c| {
                        let entries = mapping(c, "a check", CHECK_KEYS)?;
                        self.check(entries, head(c), &defaults)
                    })
                    .collect::<Res<Vec<_>>>()?
            }
            None => vec![self.check(entries, at, &defaults)?],
        };
        Ok(RuleDef {
            id,
            id_span: id_node.span,
            name,
            name_span: name_node.span,
            severity,
            category,
            summary,
            url,
            tags,
            explanation,
            checks,
            span: doc.span,
        })
    }

    fn check_id(&self, id: &str, span: Span) -> Res<()> {
        let well_formed = id.starts_with(|c: char| c.is_ascii_uppercase())
            && id.len() <= 32
            && id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !well_formed {
            return Err(LoadError::new(span, format!("the rule id `{id}` is not an id"), "bad id")
                .help("an id is an uppercase letter, then uppercase letters, digits, `-` or `_` (up to 32), like `ACME001`"));
        }
        if !self.shipped && id.to_ascii_uppercase().starts_with("AKS") {
            return Err(LoadError::new(
                span,
                format!("the rule id `{id}` starts with `AKS`, which is akslint's own"),
                "reserved prefix",
            )
            .help("choose your own prefix, like `ACME001`"));
        }
        Ok(())
    }

    fn severity(&self, node: &Node) -> Res<Severity> {
        match node.as_str() {
            Some("error") => Ok(Severity::Error),
            Some("warning") => Ok(Severity::Warning),
            Some("info") => Ok(Severity::Info),
            _ => Err(LoadError::new(
                node.span,
                "`severity` must be error, warning or info",
                "bad severity",
            )),
        }
    }

    fn category(&self, node: &Node) -> Res<String> {
        let c = string(node, "`category`")?;
        if CATEGORIES.contains(&c.as_str()) || (!self.shipped && is_kebab(&c)) {
            Ok(c)
        } else {
            Err(LoadError::new(
                node.span,
                format!("`{c}` is not a category"),
                "bad category",
            )
            .help(format!(
                "use one of {}, or a kebab-case word of your own",
                CATEGORIES.join(", ")
            )))
        }
    }

    fn strings(&self, node: &Node, what: &str) -> Res<Vec<String>> {
        match &node.kind {
            NodeKind::Array(items) => items.iter().map(|i| string(i, what)).collect(),
            _ => Err(LoadError::new(
                node.span,
                format!("{what} must be a list of strings"),
                "expected a list",
            )),
        }
    }

    fn check(&self, entries: &[Entry], at: Span, defaults: &Defaults<'_>) -> Res<Check> {
        let match_node = required(entries, "match", at, "the check")?;
        let kind_text = string(match_node, "`match`")?;
        let kind = Kind::parse(&kind_text).ok_or_else(|| {
            let names: Vec<&'static str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
            let err = LoadError::new(
                match_node.span,
                format!("`{kind_text}` is not an object kind"),
                "unknown kind",
            );
            match fields::close_names(&kind_text, &names).first() {
                Some(c) => err.help(format!(
                    "did you mean `{c}`? The kinds are: {}",
                    names.join(", ")
                )),
                None => err.help(format!("the kinds are: {}", names.join(", "))),
            }
        })?;
        let scope = TypeScope {
            base: kind,
            item: None,
        };
        let filter = match get(entries, "where") {
            Some(e) => Some(self.cond(&e.value, scope)?),
            None => None,
        };
        let (for_each, scope) = match get(entries, "forEach") {
            Some(e) => {
                let p = self.path_node(&e.value, scope)?;
                if !p.ty.list {
                    return Err(LoadError::new(
                        p.span,
                        format!(
                            "`forEach` needs a list field; `{}` is {}",
                            p.text,
                            p.ty.with_article()
                        ),
                        "not a list",
                    ));
                }
                let item = Some(p.ty.scalar);
                (Some(p), TypeScope { base: kind, item })
            }
            None => (None, scope),
        };
        let assert_node = required(entries, "assert", match_key(entries, at), "the check")
            .map_err(|e| e.help("add `assert:` with the condition that must hold"))?;
        let assert = self.cond(assert_node, scope)?;
        let message = match get(entries, "message")
            .map(|e| &e.value)
            .or(defaults.message)
        {
            Some(n) => self.template(n, scope)?,
            None => Template::literal(defaults.summary),
        };
        let label = match get(entries, "label") {
            Some(e) => Some(self.template(&e.value, scope)?),
            None => None,
        };
        let help = match get(entries, "help").map(|e| &e.value).or(defaults.help) {
            Some(n) => Some(self.template(n, scope)?),
            None => None,
        };
        let at_paths = match get(entries, "at") {
            Some(e) => match &e.value.kind {
                NodeKind::Array(items) => items
                    .iter()
                    .map(|i| self.path_node(i, scope))
                    .collect::<Res<Vec<_>>>()?,
                _ => vec![self.path_node(&e.value, scope)?],
            },
            None => Vec::new(),
        };
        let labels = match get(entries, "labels") {
            Some(e) => {
                let items = e.value.as_array().ok_or_else(|| {
                    LoadError::new(e.value.span, "`labels` must be a list", "expected a list")
                })?;
                items
                    .iter()
                    .map(|l| self.extra_label(l, scope))
                    .collect::<Res<Vec<_>>>()?
            }
            None => Vec::new(),
        };
        Ok(Check {
            kind,
            filter,
            for_each,
            assert,
            message,
            label,
            help,
            at: at_paths,
            labels,
        })
    }

    fn extra_label(&self, node: &Node, scope: TypeScope) -> Res<ExtraLabel> {
        let entries = mapping(node, "a label", &["field", "when", "message"])?;
        let at = head(node);
        Ok(ExtraLabel {
            field: self.path_node(required(entries, "field", at, "the label")?, scope)?,
            when: match get(entries, "when") {
                Some(e) => Some(self.cond(&e.value, scope)?),
                None => None,
            },
            message: self.template(required(entries, "message", at, "the label")?, scope)?,
        })
    }

    fn template(&self, node: &Node, scope: TypeScope) -> Res<Template> {
        let text = string(node, "a message")?;
        let mut parts = Vec::new();
        for piece in template::split(&text) {
            match piece {
                Piece::Text(t) => parts.push(Part::Text(t.to_string())),
                Piece::Unclosed(at) => {
                    return Err(LoadError::new(
                        self.sub_span(node, &text[at..], at),
                        "`{{` without a closing `}}`",
                        "unclosed placeholder",
                    ));
                }
                Piece::Placeholder(inner, at) => {
                    let span = self.sub_span(node, inner, at);
                    if inner == "value" {
                        parts.push(Part::Value);
                        continue;
                    }
                    let path = self.path(inner, span, scope)?;
                    parts.push(match self.name_path(inner, span, scope) {
                        Some(obj) => Part::Name(obj),
                        None => Part::Path(path),
                    });
                }
            }
        }
        Ok(Template { parts })
    }

    /// `name` / `x.name` in a template names the object (`x`), which renders
    /// by its display name: its name, else its address.
    fn name_path(&self, inner: &str, span: Span, scope: TypeScope) -> Option<Path> {
        let object = match inner.strip_suffix("name")? {
            "" => "",
            prefix => prefix.strip_suffix('.')?,
        };
        if object.is_empty() {
            return Some(Path {
                text: inner.into(),
                span,
                from_item: false,
                steps: Vec::new(),
                ty: Type {
                    scalar: Scalar::Object(scope.base),
                    list: false,
                },
            });
        }
        let path = self.path(object, span, scope).ok()?;
        matches!(path.ty.scalar, Scalar::Object(_)).then_some(path)
    }

    /// The span of a piece of a string node's text (`at` bytes into the
    /// string): exact when the source spells the string the same way from
    /// there (no escapes or folding before it), else the whole node.
    fn sub_span(&self, node: &Node, piece: &str, at: usize) -> Span {
        let s = node.span;
        let src = self
            .text
            .get(s.start as usize..s.end as usize)
            .unwrap_or("");
        // A quoted scalar's text starts one byte in; search from the piece's own offset
        // so a placeholder written twice points at the right one.
        let from = (at..=at + 1)
            .filter(|i| src.is_char_boundary(*i))
            .find(|i| src[*i..].starts_with(piece));
        match from.or_else(|| src.find(piece)) {
            Some(i) if !piece.is_empty() => {
                let start = s.start as usize + i;
                Span::new(s.file, start, start + piece.len())
            }
            _ => s,
        }
    }

    fn path_node(&self, node: &Node, scope: TypeScope) -> Res<Path> {
        let text = string(node, "a field path")?;
        self.path(&text, node.span, scope)
    }

    /// Checks a dotted path against the registry.
    pub(super) fn path(&self, text: &str, span: Span, scope: TypeScope) -> Res<Path> {
        check_path(text, span, scope)
    }

    fn cond(&self, node: &Node, scope: TypeScope) -> Res<Cond> {
        let entries = node.as_object().ok_or_else(|| {
            LoadError::new(
                node.span,
                format!("a condition must be a mapping, not a {}", node.kind_name()),
                "expected a condition",
            )
            .help("write `{field: PATH, OPERATOR: VALUE}`, or `allOf`, `anyOf`, `not`")
        })?;
        for combinator in ["allOf", "anyOf", "not"] {
            let Some(e) = get(entries, combinator) else {
                continue;
            };
            if let Some(other) = entries.iter().find(|o| o.key != combinator) {
                return Err(LoadError::new(other.key_span, format!("`{}` next to `{combinator}`: a condition with `{combinator}` has no other key", other.key), "extra key"));
            }
            if combinator == "not" {
                return Ok(Cond::Not(Box::new(self.cond(&e.value, scope)?)));
            }
            let items = e.value.as_array().ok_or_else(|| {
                LoadError::new(
                    e.value.span,
                    format!("`{combinator}` takes a list of conditions"),
                    "expected a list",
                )
            })?;
            if items.is_empty() {
                return Err(LoadError::new(
                    e.value.span,
                    format!("`{combinator}` is empty"),
                    "no condition",
                ));
            }
            let conds = items
                .iter()
                .map(|i| self.cond(i, scope))
                .collect::<Res<Vec<_>>>()?;
            return Ok(if combinator == "allOf" {
                Cond::All(conds)
            } else {
                Cond::Any(conds)
            });
        }
        self.leaf(node, entries, scope)
    }

    fn leaf(&self, node: &Node, entries: &[Entry], scope: TypeScope) -> Res<Cond> {
        let mut ops = Vec::new();
        let mut case_sensitive = false;
        for e in entries {
            match e.key.as_str() {
                "field" => {}
                "caseSensitive" => case_sensitive = boolean(&e.value, "`caseSensitive`")?,
                k if OPERATORS.contains(&k) => ops.push(e),
                _ => {
                    let mut known: Vec<&str> = OPERATORS.to_vec();
                    known.extend(["field", "caseSensitive", "allOf", "anyOf", "not"]);
                    let err = LoadError::new(
                        e.key_span,
                        format!("unknown operator `{}`", e.key),
                        "unknown operator",
                    );
                    return Err(match fields::close_names(&e.key, &known).first() {
                        Some(c) => err.help(format!("did you mean `{c}`?")),
                        None => err.help(format!("the operators are: {}", OPERATORS.join(", "))),
                    });
                }
            }
        }
        let field = get(entries, "field").ok_or_else(|| {
            LoadError::new(
                head(node),
                "a condition needs a `field` (or is `allOf`, `anyOf` or `not`)",
                "no `field`",
            )
        })?;
        let path = self.path_node(&field.value, scope)?;
        let op = match ops.as_slice() {
            [] => {
                return Err(LoadError::new(
                    field.key_span,
                    format!("the condition on `{}` has no operator", path.text),
                    "no operator",
                )
                .help(format!("add one of: {}", OPERATORS.join(", "))));
            }
            [one] => *one,
            [first, second, ..] => {
                let mut err = LoadError::new(
                    second.key_span,
                    format!(
                        "two operators in one condition: `{}` and `{}`",
                        first.key, second.key
                    ),
                    "second operator",
                )
                .help("a condition has one operator; combine several with `allOf` or `anyOf`");
                err.also.push((first.key_span, "first operator".into()));
                return Err(err);
            }
        };
        match op.key.as_str() {
            "any" | "all" => {
                self.need_list(&path, op)?;
                let inner = self.cond(&op.value, element_scope(scope, path.ty))?;
                Ok(Cond::Quant {
                    path,
                    all: op.key == "all",
                    cond: Box::new(inner),
                })
            }
            "count" => {
                self.need_list(&path, op)?;
                self.count(path, &op.value, scope)
            }
            _ => {
                let op = self.operator(op, &path, case_sensitive, scope)?;
                Ok(Cond::Leaf(Leaf {
                    path,
                    op,
                    case_sensitive,
                }))
            }
        }
    }

    fn need_list(&self, path: &Path, op: &Entry) -> Res<()> {
        if path.ty.list {
            Ok(())
        } else {
            Err(LoadError::new(
                op.key_span,
                format!(
                    "`{}` needs a list field; `{}` is {}",
                    op.key,
                    path.text,
                    path.ty.with_article()
                ),
                "not a list",
            ))
        }
    }

    fn count(&self, path: Path, node: &Node, scope: TypeScope) -> Res<Cond> {
        let keys = [
            "where",
            "equals",
            "greater",
            "greaterOrEquals",
            "less",
            "lessOrEquals",
        ];
        let entries = mapping(node, "`count`", &keys)?;
        let filter = match get(entries, "where") {
            Some(e) => Some(Box::new(
                self.cond(&e.value, element_scope(scope, path.ty))?,
            )),
            None => None,
        };
        let ops: Vec<&Entry> = entries.iter().filter(|e| e.key != "where").collect();
        let (op, n) = match ops.as_slice() {
            [one] => {
                let op = match one.key.as_str() {
                    "equals" => NumOp::Equals,
                    "greater" => NumOp::Greater,
                    "greaterOrEquals" => NumOp::GreaterOrEquals,
                    "less" => NumOp::Less,
                    _ => NumOp::LessOrEquals,
                };
                (op, integer(&one.value, &format!("`{}`", one.key))?)
            }
            [] => {
                return Err(LoadError::new(
                    node.span,
                    "`count` needs one of equals, greater, greaterOrEquals, less, lessOrEquals",
                    "no comparison",
                ))
            }
            [first, second, ..] => {
                let mut err = LoadError::new(
                    second.key_span,
                    format!(
                        "two comparisons in `count`: `{}` and `{}`",
                        first.key, second.key
                    ),
                    "second comparison",
                );
                err.also.push((first.key_span, "first comparison".into()));
                return Err(err);
            }
        };
        Ok(Cond::Count {
            path,
            filter,
            op,
            n,
        })
    }

    /// A leaf operator with its operand, typed against the field.
    fn operator(&self, e: &Entry, path: &Path, case_sensitive: bool, scope: TypeScope) -> Res<Op> {
        let v = &e.value;
        let key = e.key.as_str();
        let ty = path.ty;
        let mismatch = |wants: &str| {
            LoadError::new(
                e.key_span,
                format!(
                    "`{key}` needs {wants}; `{}` is {}",
                    path.text,
                    ty.with_article()
                ),
                "type mismatch",
            )
        };
        let string_field = || {
            if ty.scalar == Scalar::String {
                Ok(())
            } else {
                Err(mismatch("a string field"))
            }
        };
        let net_field = || match ty.scalar {
            Scalar::Cidr | Scalar::Ip | Scalar::String => Ok(()),
            _ => Err(mismatch("a CIDR, IP address or string field")),
        };
        Ok(match key {
            "exists" => Op::Exists(boolean(v, "`exists`")?),
            "stated" => Op::Stated(boolean(v, "`stated`")?),
            "unknown" => Op::Unknown(boolean(v, "`unknown`")?),
            "equals" => Op::Equals(self.lit(v, ty.scalar, key, path)?),
            "notEquals" => Op::NotEquals(self.lit(v, ty.scalar, key, path)?),
            "in" => Op::In(self.lits(v, ty.scalar, key, path)?),
            "notIn" => Op::NotIn(self.lits(v, ty.scalar, key, path)?),
            "matches" => {
                string_field()?;
                let pattern = string(v, "`matches`")?;
                let re = RegexBuilder::new(&pattern)
                    .case_insensitive(!case_sensitive)
                    .build()
                    .map_err(|err| {
                        let why = err.to_string();
                        let last = why
                            .lines()
                            .rev()
                            .find(|l| !l.trim().is_empty())
                            .unwrap_or("invalid")
                            .trim()
                            .trim_start_matches("error: ");
                        LoadError::new(
                            v.span,
                            format!("invalid regular expression: {last}"),
                            "bad regex",
                        )
                    })?;
                Op::Matches(re)
            }
            "startsWith" => {
                string_field()?;
                Op::StartsWith(string(v, "`startsWith`")?)
            }
            "endsWith" => {
                string_field()?;
                Op::EndsWith(string(v, "`endsWith`")?)
            }
            "contains" => {
                if ty.list {
                    Op::Contains(self.lit(v, ty.scalar, key, path)?)
                } else {
                    string_field()?;
                    Op::Contains(Lit::Str(string(v, "`contains`")?))
                }
            }
            "greater" | "greaterOrEquals" | "less" | "lessOrEquals" => {
                if ty.scalar != Scalar::Integer {
                    return Err(mismatch("an integer field"));
                }
                let op = match key {
                    "greater" => NumOp::Greater,
                    "greaterOrEquals" => NumOp::GreaterOrEquals,
                    "less" => NumOp::Less,
                    _ => NumOp::LessOrEquals,
                };
                Op::Compare(op, integer(v, &format!("`{key}`"))?)
            }
            "cidrWithin" | "cidrOverlaps" => {
                net_field()?;
                let nets = match &v.kind {
                    NodeKind::Array(items) if !items.is_empty() => {
                        Nets::Literal(items.iter().map(cidr).collect::<Res<Vec<_>>>()?)
                    }
                    NodeKind::Array(_) => {
                        return Err(LoadError::new(
                            v.span,
                            format!("`{key}` needs at least one CIDR"),
                            "empty list",
                        ))
                    }
                    NodeKind::Object(_) => {
                        let entries = mapping(v, &format!("the operand of `{key}`"), &["field"])?;
                        let field =
                            required(entries, "field", v.span, &format!("the operand of `{key}`"))?;
                        let other = self.path_node(field, scope)?;
                        if !matches!(other.ty.scalar, Scalar::Cidr | Scalar::Ip | Scalar::String) {
                            return Err(LoadError::new(
                                field.span,
                                format!(
                                    "`{key}` compares with CIDRs; `{}` is {}",
                                    other.text,
                                    other.ty.with_article()
                                ),
                                "type mismatch",
                            ));
                        }
                        Nets::Field(other)
                    }
                    _ => Nets::Literal(vec![cidr(v)?]),
                };
                if key == "cidrWithin" {
                    Op::CidrWithin(nets)
                } else {
                    Op::CidrOverlaps(nets)
                }
            }
            "cidrContainsAddress" => {
                net_field()?;
                Op::CidrContainsAddress(ip(v)?)
            }
            "prefixAtMost" | "prefixAtLeast" => {
                net_field()?;
                let n = integer(v, &format!("`{key}`"))?;
                let n = u8::try_from(n).ok().filter(|n| *n <= 128).ok_or_else(|| {
                    LoadError::new(
                        v.span,
                        format!("a prefix length is 0 to 128, not {n}"),
                        "out of range",
                    )
                })?;
                if key == "prefixAtMost" {
                    Op::PrefixAtMost(n)
                } else {
                    Op::PrefixAtLeast(n)
                }
            }
            _ => {
                return Err(LoadError::new(
                    e.key_span,
                    format!("unknown operator `{key}`"),
                    "unknown operator",
                ))
            }
        })
    }

    fn lits(&self, v: &Node, scalar: Scalar, key: &str, path: &Path) -> Res<Vec<Lit>> {
        match &v.kind {
            NodeKind::Array(items) if !items.is_empty() => items
                .iter()
                .map(|i| self.lit(i, scalar, key, path))
                .collect(),
            _ => Err(LoadError::new(
                v.span,
                format!("`{key}` takes a non-empty list of values"),
                "expected a list",
            )),
        }
    }

    /// A literal of the field's type. Numbers and booleans written for a string
    /// field keep their source text (`equals: 1.30` on a version).
    fn lit(&self, v: &Node, scalar: Scalar, key: &str, path: &Path) -> Res<Lit> {
        let wrong = |wants: &str| {
            LoadError::new(
                v.span,
                format!(
                    "`{key}` on `{}` ({}) needs {wants}, not a {}",
                    path.text,
                    path.ty.describe(),
                    v.kind_name()
                ),
                "type mismatch",
            )
        };
        match (scalar, &v.kind) {
            (Scalar::String, NodeKind::String(s)) => Ok(Lit::Str(s.clone())),
            (Scalar::String, NodeKind::Number(_) | NodeKind::Bool(_)) => {
                let src = self.text.get(v.span.start as usize..v.span.end as usize).unwrap_or("");
                Ok(Lit::Str(src.trim().to_string()))
            }
            (Scalar::Integer, NodeKind::Number(Number::Int(i))) => Ok(Lit::Int(*i)),
            (Scalar::Integer, _) => Err(wrong("an integer")),
            (Scalar::Bool, NodeKind::Bool(b)) => Ok(Lit::Bool(*b)),
            (Scalar::Bool, _) => Err(wrong("true or false")),
            (Scalar::Cidr, NodeKind::String(_)) => cidr(v).map(Lit::Cidr),
            (Scalar::Ip, NodeKind::String(_)) => ip(v).map(Lit::Ip),
            (Scalar::Cidr | Scalar::Ip, _) => Err(wrong("a string")),
            (Scalar::String, _) => Err(wrong("a string")),
            (Scalar::Object(k), _) => Err(LoadError::new(v.span, format!("`{key}` cannot compare `{}`, which is an object ({}); compare one of its fields", path.text, k.as_str()), "type mismatch")),
            (Scalar::Map, _) => Err(LoadError::new(v.span, format!("`{key}` cannot compare all tags at once; name one: `{}.KEY`", path.text), "type mismatch")),
        }
    }
}

struct Defaults<'n> {
    message: Option<&'n Node>,
    help: Option<&'n Node>,
    summary: &'n str,
}

/// Inside a quantifier, paths start at the element when it is an object.
fn element_scope(scope: TypeScope, list: Type) -> TypeScope {
    match list.scalar {
        Scalar::Object(k) => TypeScope {
            base: k,
            item: Some(list.scalar),
        },
        s => TypeScope {
            base: scope.base,
            item: Some(s),
        },
    }
}

/// A CIDR literal: `10.0.0.0/8`, or an address (a /32 or /128). Host bits must be clear.
fn cidr(node: &Node) -> Res<IpNet> {
    let text = string(node, "a CIDR")?;
    let t = text.trim();
    let net = t
        .parse::<IpNet>()
        .ok()
        .or_else(|| t.parse::<IpAddr>().ok().map(IpNet::from))
        .ok_or_else(|| {
            LoadError::new(node.span, format!("`{text}` is not a CIDR"), "bad CIDR")
                .help("write a prefix like `10.0.0.0/8`")
        })?;
    if net.trunc() != net {
        return Err(LoadError::new(
            node.span,
            format!("`{text}` has host bits set"),
            "host bits set",
        )
        .help(format!("did you mean `{}`?", net.trunc())));
    }
    Ok(net)
}

fn ip(node: &Node) -> Res<IpAddr> {
    let text = string(node, "an IP address")?;
    text.trim().parse().map_err(|_| {
        LoadError::new(
            node.span,
            format!("`{text}` is not an IP address"),
            "bad IP address",
        )
    })
}

/// Checks a dotted path against the registry and gives its type.
pub fn check_path(text: &str, span: Span, scope: TypeScope) -> Res<Path> {
    let segs: Vec<&str> = text.split('.').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err(
            LoadError::new(span, format!("`{text}` is not a field path"), "bad path")
                .help("a path is dot-separated field names, like `network.plugin`"),
        );
    }
    let (from_item, mut ty, mut i) = if segs[0] == "item" {
        let Some(item) = scope.item else {
            return Err(LoadError::new(
                span,
                "`item` names the current element, inside `forEach`, `any`, `all` and `count` only",
                "no element here",
            ));
        };
        (
            true,
            Type {
                scalar: item,
                list: false,
            },
            1,
        )
    } else {
        (
            false,
            Type {
                scalar: Scalar::Object(scope.base),
                list: false,
            },
            0,
        )
    };
    let mut steps = Vec::new();
    while i < segs.len() {
        let Scalar::Object(kind) = ty.scalar else {
            let done = segs[..i].join(".");
            return Err(LoadError::new(
                span,
                format!(
                    "`{done}` is {}, so `{text}` goes nowhere",
                    ty.with_article()
                ),
                "not an object",
            ));
        };
        let found = (i + 1..=segs.len())
            .rev()
            .find_map(|end| fields::lookup(kind, &segs[i..end].join(".")).map(|f| (f, end)));
        match found {
            Some((f, end)) => {
                steps.push(Step::Field(f.get));
                ty = Type {
                    scalar: f.ty.scalar,
                    list: ty.list || f.ty.list,
                };
                i = end;
            }
            None if segs[i] == "tags" && fields::has_tags(kind) => {
                let Some(key) = segs.get(i + 1) else {
                    return Err(LoadError::new(span, "name a tag: `tags.KEY`", "which tag?"));
                };
                if i + 2 < segs.len() {
                    return Err(LoadError::new(
                        span,
                        format!("a tag value is a string; `{text}` goes past it"),
                        "not an object",
                    ));
                }
                steps.push(Step::Tag((*key).to_string()));
                ty = Type {
                    scalar: Scalar::String,
                    list: ty.list,
                };
                i += 2;
            }
            None => {
                let rest = segs[i..].join(".");
                let names = fields::names(kind);
                let err = LoadError::new(
                    span,
                    format!("`{kind}` has no field `{rest}`", kind = kind.as_str()),
                    "unknown field",
                );
                return Err(match fields::close_names(&rest, &names).as_slice() {
                    [] => err.help("`akslint schema model` lists every field"),
                    close => err.help(format!(
                        "did you mean {}? (`akslint schema model` lists every field)",
                        close
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )),
                });
            }
        }
    }
    Ok(Path {
        text: text.to_string(),
        span,
        from_item,
        steps,
        ty,
    })
}
