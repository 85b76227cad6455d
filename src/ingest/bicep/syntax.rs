//! Bicep syntax tree and its recursive-descent parser. Every expression and declaration
//! keeps its [`Span`] in the `.bicep`/`.bicepparam` file. Types are read only to skip them
//! (the evaluator needs values, not types); decorators are kept by name.

use super::lexer::{tokenize, Tok, Token};
use crate::source::{FileId, Span};

/// Deepest nesting of expressions the parser accepts (keeps recursion bounded).
const MAX_DEPTH: usize = 96;

#[derive(Clone, Debug)]
pub struct SyntaxError {
    pub start: usize,
    pub end: usize,
    pub message: String,
}

impl SyntaxError {
    pub fn new(start: usize, end: usize, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            start,
            end,
            message: message.into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Str(String),
    /// `'a${x}b'`: `parts.len() == exprs.len() + 1`.
    Interp {
        parts: Vec<String>,
        exprs: Vec<Expr>,
    },
    Int(i64),
    Bool(bool),
    Null,
    Ident(String),
    Array(Vec<Expr>),
    Object(Vec<Prop>),
    Member {
        target: Box<Expr>,
        name: String,
        safe: bool,
    },
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
        safe: bool,
    },
    /// `f(args)` or `ns.f(args)`.
    Call {
        ns: Option<String>,
        name: String,
        args: Vec<Expr>,
    },
    /// `x.method(args)` on something other than a namespace (`kv.getSecret()`, `listKeys`).
    MethodCall {
        target: Box<Expr>,
        name: String,
    },
    Unary {
        op: &'static str,
        operand: Box<Expr>,
    },
    Binary {
        op: &'static str,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Ternary {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Lambda {
        params: Vec<String>,
        body: Box<Expr>,
    },
    /// `[for (item, index) in source: if (cond) body]`.
    For {
        item: Option<String>,
        index: Option<String>,
        source: Box<Expr>,
        cond: Option<Box<Expr>>,
        body: Box<Expr>,
    },
    /// `if (cond) body` as a resource or module body.
    If {
        cond: Box<Expr>,
        body: Box<Expr>,
    },
    /// `parent::child` nested resource accessor.
    Nested {
        target: Box<Expr>,
        name: String,
    },
}

#[derive(Clone, Debug)]
pub struct Prop {
    pub key: String,
    pub key_span: Span,
    pub value: PropValue,
}

#[derive(Clone, Debug)]
pub enum PropValue {
    Value(Expr),
    /// A child resource declared inside its parent's body.
    Resource(Box<Decl>),
}

#[derive(Clone, Debug)]
pub struct Decl {
    pub kind: DeclKind,
    pub decorators: Vec<String>,
    pub span: Span,
    pub name_span: Span,
}

#[derive(Clone, Debug)]
pub enum DeclKind {
    TargetScope(Expr),
    Param {
        name: String,
        default: Option<Expr>,
        nullable: bool,
    },
    Var {
        name: String,
        value: Expr,
    },
    Resource {
        symbol: String,
        type_ref: String,
        type_span: Span,
        existing: bool,
        body: Expr,
    },
    Module {
        symbol: String,
        path: String,
        path_span: Span,
        body: Expr,
    },
    Output {
        name: String,
        value: Expr,
    },
    Func {
        name: String,
        params: Vec<String>,
        body: Expr,
    },
    Import {
        path: String,
        path_span: Span,
        /// `(exported name, local name)`; empty with `wildcard` for `* as ns`.
        names: Vec<(String, String)>,
        wildcard: Option<String>,
    },
    Using {
        path: String,
        path_span: Span,
    },
    /// A bicepparam `param x = value`.
    ParamValue {
        name: String,
        value: Expr,
    },
    /// `type`, `metadata`, `extension`, `assert`: nothing to evaluate.
    Ignored,
}

#[derive(Debug, Default)]
pub struct File {
    pub decls: Vec<Decl>,
    pub errors: Vec<SyntaxError>,
}

pub fn parse(file: FileId, text: &str, bicepparam: bool) -> File {
    let tokens = match tokenize(text) {
        Ok(t) => t,
        Err(e) => {
            return File {
                decls: Vec::new(),
                errors: vec![e],
            }
        }
    };
    let mut p = Parser {
        toks: tokens,
        pos: 0,
        file,
        depth: 0,
        parens: 0,
        bicepparam,
    };
    let mut out = File::default();
    loop {
        p.skip_newlines();
        if matches!(p.peek(), Tok::Eof) {
            break;
        }
        match p.statement() {
            Ok(Some(d)) => out.decls.push(d),
            Ok(None) => {}
            Err(e) => {
                out.errors.push(e);
                // Recovery: the next line that starts a statement at column 0.
                p.recover(text);
            }
        }
    }
    out
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    file: FileId,
    depth: usize,
    /// Open parentheses: inside them newlines are plain whitespace.
    parens: usize,
    bicepparam: bool,
}

type R<T> = Result<T, SyntaxError>;

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].tok
    }

    fn peek_at(&self, k: usize) -> &Tok {
        &self.toks[(self.pos + k).min(self.toks.len() - 1)].tok
    }

    fn tok(&self) -> &Token {
        &self.toks[self.pos]
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn prev_end(&self) -> usize {
        if self.pos == 0 {
            0
        } else {
            self.toks[self.pos - 1].end
        }
    }

    fn err<T>(&self, msg: impl Into<String>) -> R<T> {
        let t = self.tok();
        let what = match &t.tok {
            Tok::Eof => "the end of the file".to_string(),
            Tok::Newline => "the end of the line".to_string(),
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Sym(s) => format!("'{s}'"),
            _ => "a literal".to_string(),
        };
        Err(SyntaxError::new(
            t.start,
            t.end.max(t.start + 1),
            format!("{}, found {what}", msg.into()),
        ))
    }

    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Tok::Newline) {
            self.bump();
        }
    }

    /// Newlines are insignificant inside parentheses.
    fn skip_nl_in_parens(&mut self) {
        if self.parens > 0 {
            self.skip_newlines();
        }
    }

    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Sym(x) if *x == s)
    }

    fn eat_sym(&mut self, s: &str) -> bool {
        if self.is_sym(s) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, s: &str) -> R<Token> {
        if self.is_sym(s) {
            Ok(self.bump())
        } else {
            self.err(format!("expected '{s}'"))
        }
    }

    fn ident(&mut self) -> R<(String, Span)> {
        match self.peek().clone() {
            Tok::Ident(s) => {
                let t = self.bump();
                Ok((s, self.span(t.start, t.end)))
            }
            _ => self.err("expected a name"),
        }
    }

    fn is_ident(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Ident(x) if x == s)
    }

    fn recover(&mut self, text: &str) {
        loop {
            match self.peek() {
                Tok::Eof => return,
                Tok::Newline => {
                    self.bump();
                    let t = self.tok();
                    let at_col0 = t.start == 0 || text.as_bytes().get(t.start - 1) == Some(&b'\n');
                    if at_col0 && matches!(&t.tok, Tok::Ident(_) | Tok::Sym("@")) {
                        return;
                    }
                }
                _ => {
                    self.bump();
                }
            }
        }
    }

    fn end_of_statement(&mut self) -> R<()> {
        match self.peek() {
            Tok::Newline | Tok::Eof => Ok(()),
            _ => self.err("expected the end of the line"),
        }
    }

    /// A plain (non-interpolated) string literal.
    fn plain_string(&mut self) -> R<(String, Span)> {
        match self.peek().clone() {
            Tok::Str(s) | Tok::MultiStr(s) => {
                let t = self.bump();
                Ok((s, self.span(t.start, t.end)))
            }
            _ => self.err("expected a string without interpolation"),
        }
    }

    fn statement(&mut self) -> R<Option<Decl>> {
        let start = self.tok().start;
        let mut decorators = Vec::new();
        while self.eat_sym("@") {
            let (name, _) = self.ident()?;
            // `@sys.description(...)`
            let name = if self.eat_sym(".") {
                self.ident()?.0
            } else {
                name
            };
            if self.is_sym("(") {
                self.call_args()?;
            }
            decorators.push(name.to_ascii_lowercase());
            self.skip_newlines();
        }
        let (kw, kw_span) = self.ident()?;
        let mut name_span = kw_span;
        let kind = match kw.as_str() {
            "targetScope" => {
                self.expect_sym("=")?;
                DeclKind::TargetScope(self.expr()?)
            }
            "param" if self.bicepparam => {
                let (name, s) = self.ident()?;
                name_span = s;
                self.expect_sym("=")?;
                DeclKind::ParamValue {
                    name,
                    value: self.expr()?,
                }
            }
            "param" => {
                let (name, s) = self.ident()?;
                name_span = s;
                let nullable = self.skip_type(&["="])?;
                let default = if self.eat_sym("=") {
                    Some(self.expr()?)
                } else {
                    None
                };
                DeclKind::Param {
                    name,
                    default,
                    nullable,
                }
            }
            "var" => {
                let (name, s) = self.ident()?;
                name_span = s;
                // Typed variables: `var x string = ...`.
                self.skip_type(&["="])?;
                self.expect_sym("=")?;
                DeclKind::Var {
                    name,
                    value: self.expr()?,
                }
            }
            "output" => {
                let (name, s) = self.ident()?;
                name_span = s;
                if self.is_ident("resource") {
                    self.bump();
                    self.plain_string()?;
                } else {
                    self.skip_type(&["="])?;
                }
                self.expect_sym("=")?;
                DeclKind::Output {
                    name,
                    value: self.expr()?,
                }
            }
            "resource" => return self.resource(start, decorators).map(Some),
            "module" => {
                let (symbol, s) = self.ident()?;
                name_span = s;
                let (path, path_span) = self.plain_string()?;
                self.expect_sym("=")?;
                DeclKind::Module {
                    symbol,
                    path,
                    path_span,
                    body: self.decl_body()?,
                }
            }
            "func" => {
                let (name, s) = self.ident()?;
                name_span = s;
                self.expect_sym("(")?;
                let mut params = Vec::new();
                self.skip_newlines();
                while !self.is_sym(")") {
                    params.push(self.ident()?.0);
                    self.skip_type(&[",", ")"])?;
                    self.skip_newlines();
                    if !self.eat_sym(",") {
                        break;
                    }
                    self.skip_newlines();
                }
                self.skip_newlines();
                self.expect_sym(")")?;
                self.skip_type(&["=>"])?;
                self.expect_sym("=>")?;
                self.skip_newlines();
                DeclKind::Func {
                    name,
                    params,
                    body: self.expr()?,
                }
            }
            "import" => self.import()?,
            "using" => {
                let (path, path_span) = self.plain_string()?;
                // `using none` has no string: plain_string errors, which is fine for akslint.
                DeclKind::Using { path, path_span }
            }
            "type" | "metadata" | "extension" | "provider" | "assert" => {
                self.skip_rest_of_statement();
                DeclKind::Ignored
            }
            _ => {
                self.pos -= 1;
                return self
                    .err("expected a declaration (param, var, resource, module, output, ...)");
            }
        };
        self.end_of_statement()?;
        Ok(Some(Decl {
            kind,
            decorators,
            span: self.span(start, self.prev_end()),
            name_span,
        }))
    }

    fn import(&mut self) -> R<DeclKind> {
        let mut names = Vec::new();
        let mut wildcard = None;
        if self.eat_sym("*") {
            if !self.is_ident("as") {
                return self.err("expected 'as'");
            }
            self.bump();
            wildcard = Some(self.ident()?.0);
        } else if self.eat_sym("{") {
            self.skip_newlines();
            while !self.is_sym("}") {
                let (name, _) = self.ident()?;
                let local = if self.is_ident("as") {
                    self.bump();
                    self.ident()?.0
                } else {
                    name.clone()
                };
                names.push((name, local));
                self.skip_newlines();
                self.eat_sym(",");
                self.skip_newlines();
            }
            self.expect_sym("}")?;
        } else {
            // Old `import 'az@1.0.0'` provider imports.
            self.skip_rest_of_statement();
            return Ok(DeclKind::Ignored);
        }
        if !self.is_ident("from") {
            return self.err("expected 'from'");
        }
        self.bump();
        let (path, path_span) = self.plain_string()?;
        Ok(DeclKind::Import {
            path,
            path_span,
            names,
            wildcard,
        })
    }

    fn resource(&mut self, start: usize, decorators: Vec<String>) -> R<Decl> {
        let (symbol, name_span) = self.ident()?;
        let (type_ref, type_span) = self.plain_string()?;
        let existing = if self.is_ident("existing") {
            self.bump();
            true
        } else {
            false
        };
        self.expect_sym("=")?;
        let body = self.decl_body()?;
        Ok(Decl {
            kind: DeclKind::Resource {
                symbol,
                type_ref,
                type_span,
                existing,
                body,
            },
            decorators,
            span: self.span(start, self.prev_end()),
            name_span,
        })
    }

    /// A resource or module body: an object, `if (c) {...}` or a `[for ...]` loop.
    fn decl_body(&mut self) -> R<Expr> {
        let start = self.tok().start;
        if self.is_ident("if") {
            self.bump();
            let cond = self.paren_expr()?;
            self.skip_newlines();
            let body = self.expr()?;
            return Ok(Expr {
                span: self.span(start, self.prev_end()),
                kind: ExprKind::If {
                    cond: Box::new(cond),
                    body: Box::new(body),
                },
            });
        }
        self.expr()
    }

    fn paren_expr(&mut self) -> R<Expr> {
        self.expect_sym("(")?;
        self.parens += 1;
        self.skip_newlines();
        let e = self.expr();
        self.skip_newlines();
        self.parens -= 1;
        let e = e?;
        self.expect_sym(")")?;
        Ok(e)
    }

    /// Skips a type up to one of `stops` (at bracket depth 0) or the end of the line;
    /// returns whether it ended in `?` (nullable).
    fn skip_type(&mut self, stops: &[&str]) -> R<bool> {
        let mut depth = 0usize;
        let mut nullable = false;
        loop {
            match self.peek() {
                Tok::Eof => return Ok(nullable),
                Tok::Newline if depth == 0 => return Ok(nullable),
                Tok::Sym(s) if depth == 0 && stops.contains(s) => return Ok(nullable),
                Tok::Sym("(" | "[" | "{") => depth += 1,
                Tok::Sym(")" | "]" | "}") => {
                    if depth == 0 {
                        return Ok(nullable);
                    }
                    depth -= 1
                }
                _ => {}
            }
            nullable = depth == 0 && self.is_sym("?");
            self.bump();
        }
    }

    fn skip_rest_of_statement(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.peek() {
                Tok::Eof => return,
                Tok::Newline if depth == 0 => return,
                Tok::Sym("(" | "[" | "{") => depth += 1,
                Tok::Sym(")" | "]" | "}") => depth = depth.saturating_sub(1),
                _ => {}
            }
            self.bump();
        }
    }

    fn call_args(&mut self) -> R<Vec<Expr>> {
        self.expect_sym("(")?;
        self.parens += 1;
        let r = self.call_args_inner();
        self.parens -= 1;
        let args = r?;
        self.expect_sym(")")?;
        Ok(args)
    }

    fn call_args_inner(&mut self) -> R<Vec<Expr>> {
        let mut args = Vec::new();
        self.skip_newlines();
        while !self.is_sym(")") {
            args.push(self.expr()?);
            self.skip_newlines();
            if !self.eat_sym(",") {
                break;
            }
            self.skip_newlines();
        }
        Ok(args)
    }

    pub fn expr(&mut self) -> R<Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return self.err("expression nested too deeply");
        }
        let r = self.ternary();
        self.depth -= 1;
        r
    }

    /// Peeks past newlines for a continuation operator (`?`, `:`, `??`, `&&`, `||`) that
    /// starts the next line of a multi-line expression.
    fn continues_with(&mut self, ops: &[&str]) -> bool {
        let mut k = 0;
        while matches!(self.peek_at(k), Tok::Newline) {
            k += 1;
        }
        if matches!(self.peek_at(k), Tok::Sym(s) if ops.contains(s)) {
            for _ in 0..k {
                self.bump();
            }
            true
        } else {
            false
        }
    }

    fn ternary(&mut self) -> R<Expr> {
        let cond = self.binary(0)?;
        self.skip_nl_in_parens();
        if !self.continues_with(&["?"]) {
            return Ok(cond);
        }
        self.bump();
        self.skip_newlines();
        let then = self.expr()?;
        if !self.continues_with(&[":"]) {
            return self.err("expected ':' of the conditional expression");
        }
        self.bump();
        self.skip_newlines();
        let otherwise = self.expr()?;
        Ok(Expr {
            span: Span::new(
                self.file,
                cond.span.start as usize,
                otherwise.span.end as usize,
            ),
            kind: ExprKind::Ternary {
                cond: Box::new(cond),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            },
        })
    }

    fn binary(&mut self, min_prec: u8) -> R<Expr> {
        let mut left = self.unary()?;
        let mut chain = 0usize;
        loop {
            chain += 1;
            if chain > 4 * MAX_DEPTH {
                return self.err("expression nested too deeply");
            }
            self.skip_nl_in_parens();
            let op = match self.peek() {
                Tok::Sym(s) => *s,
                Tok::Newline => {
                    if self.continues_with(&["??", "&&", "||"]) {
                        continue;
                    }
                    return Ok(left);
                }
                _ => return Ok(left),
            };
            let Some(prec) = precedence(op) else {
                return Ok(left);
            };
            if prec < min_prec {
                return Ok(left);
            }
            self.bump();
            self.skip_newlines();
            // `??` is right-associative, the others left-associative.
            let next = if op == "??" { prec } else { prec + 1 };
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return self.err("expression nested too deeply");
            }
            let right = self.binary(next);
            self.depth -= 1;
            let right = right?;
            left = Expr {
                span: Span::new(self.file, left.span.start as usize, right.span.end as usize),
                kind: ExprKind::Binary {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                },
            };
        }
    }

    fn unary(&mut self) -> R<Expr> {
        let start = self.tok().start;
        for op in ["!", "-"] {
            if self.is_sym(op) {
                self.bump();
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return self.err("expression nested too deeply");
                }
                let operand = self.unary();
                self.depth -= 1;
                let operand = operand?;
                // `-5` is a literal.
                if let (ExprKind::Int(n), "-") = (&operand.kind, op) {
                    return Ok(Expr {
                        kind: ExprKind::Int(-n),
                        span: self.span(start, self.prev_end()),
                    });
                }
                return Ok(Expr {
                    span: self.span(start, self.prev_end()),
                    kind: ExprKind::Unary {
                        op,
                        operand: Box::new(operand),
                    },
                });
            }
        }
        self.postfix()
    }

    fn postfix(&mut self) -> R<Expr> {
        let start = self.tok().start;
        let mut e = self.primary()?;
        let mut chain = 0usize;
        while let &Tok::Sym(sym) = self.peek() {
            chain += 1;
            if chain > 4 * MAX_DEPTH {
                return self.err("expression nested too deeply");
            }
            match sym {
                "." | ".?" => {
                    self.bump();
                    let (name, _) = self.ident()?;
                    if self.is_sym("(") {
                        let args = self.call_args()?;
                        e = match e.kind {
                            ExprKind::Ident(ns) if sym == "." => Expr {
                                kind: ExprKind::Call {
                                    ns: Some(ns),
                                    name,
                                    args,
                                },
                                span: self.span(start, self.prev_end()),
                            },
                            _ => Expr {
                                kind: ExprKind::MethodCall {
                                    target: Box::new(e),
                                    name,
                                },
                                span: self.span(start, self.prev_end()),
                            },
                        };
                    } else {
                        e = Expr {
                            kind: ExprKind::Member {
                                target: Box::new(e),
                                name,
                                safe: sym == ".?",
                            },
                            span: self.span(start, self.prev_end()),
                        };
                    }
                }
                "::" => {
                    self.bump();
                    let (name, _) = self.ident()?;
                    e = Expr {
                        kind: ExprKind::Nested {
                            target: Box::new(e),
                            name,
                        },
                        span: self.span(start, self.prev_end()),
                    };
                }
                "[" | "[?" => {
                    self.bump();
                    self.parens += 1;
                    self.skip_newlines();
                    let index = self.expr();
                    self.skip_newlines();
                    self.parens -= 1;
                    let index = index?;
                    self.expect_sym("]")?;
                    e = Expr {
                        kind: ExprKind::Index {
                            target: Box::new(e),
                            index: Box::new(index),
                            safe: sym == "[?",
                        },
                        span: self.span(start, self.prev_end()),
                    };
                }
                // Non-null assertion `x!`: a type-level hint, the value is unchanged.
                "!" if !matches!(self.peek_at(1), Tok::Sym("=")) => {
                    let t = self.bump();
                    e.span = self.span(start, t.end);
                }
                _ => break,
            }
        }
        Ok(e)
    }

    fn primary(&mut self) -> R<Expr> {
        let t = self.tok().clone();
        let span = self.span(t.start, t.end);
        let kind = match t.tok {
            Tok::Int(n) => {
                self.bump();
                ExprKind::Int(n)
            }
            Tok::Str(s) | Tok::MultiStr(s) => {
                self.bump();
                ExprKind::Str(s)
            }
            Tok::StrHead(head) => return self.interpolation(head, t.start),
            Tok::Ident(name) => {
                // `x => body`
                if matches!(self.peek_at(1), Tok::Sym("=>")) {
                    self.bump();
                    self.bump();
                    self.skip_newlines();
                    let body = self.expr()?;
                    return Ok(Expr {
                        span: self.span(t.start, self.prev_end()),
                        kind: ExprKind::Lambda {
                            params: vec![name],
                            body: Box::new(body),
                        },
                    });
                }
                self.bump();
                match name.as_str() {
                    "true" => ExprKind::Bool(true),
                    "false" => ExprKind::Bool(false),
                    "null" => ExprKind::Null,
                    _ if self.is_sym("(") => {
                        let args = self.call_args()?;
                        return Ok(Expr {
                            kind: ExprKind::Call {
                                ns: None,
                                name,
                                args,
                            },
                            span: self.span(t.start, self.prev_end()),
                        });
                    }
                    _ => ExprKind::Ident(name),
                }
            }
            Tok::Sym("(") => return self.paren_or_lambda(),
            Tok::Sym("[") => return self.array(),
            Tok::Sym("{") => return self.object(),
            _ => return self.err("expected a value"),
        };
        Ok(Expr { kind, span })
    }

    fn interpolation(&mut self, head: String, start: usize) -> R<Expr> {
        self.bump();
        let mut parts = vec![head];
        let mut exprs = Vec::new();
        let saved = self.parens;
        self.parens = 1;
        loop {
            self.skip_newlines();
            let e = self.expr();
            let e = match e {
                Ok(e) => e,
                Err(err) => {
                    self.parens = saved;
                    return Err(err);
                }
            };
            exprs.push(e);
            self.skip_newlines();
            match self.peek().clone() {
                Tok::StrMid(s) => {
                    self.bump();
                    parts.push(s);
                }
                Tok::StrTail(s) => {
                    self.bump();
                    parts.push(s);
                    break;
                }
                _ => {
                    self.parens = saved;
                    return self.err("expected '}' closing the interpolation");
                }
            }
        }
        self.parens = saved;
        Ok(Expr {
            kind: ExprKind::Interp { parts, exprs },
            span: self.span(start, self.prev_end()),
        })
    }

    /// `(expr)` or a lambda `(a, b) => body` / `() => body`.
    fn paren_or_lambda(&mut self) -> R<Expr> {
        let start = self.tok().start;
        // Look for `) =>` after a list of names.
        let mut k = 1;
        let mut names = Vec::new();
        let mut is_lambda = false;
        loop {
            match self.peek_at(k) {
                Tok::Newline => k += 1,
                Tok::Ident(n) => {
                    names.push(n.clone());
                    k += 1;
                    while matches!(self.peek_at(k), Tok::Newline) {
                        k += 1;
                    }
                    match self.peek_at(k) {
                        Tok::Sym(",") => k += 1,
                        Tok::Sym(")") => {
                            is_lambda = matches!(self.peek_at(k + 1), Tok::Sym("=>"));
                            break;
                        }
                        _ => break,
                    }
                }
                Tok::Sym(")") => {
                    is_lambda = matches!(self.peek_at(k + 1), Tok::Sym("=>"));
                    break;
                }
                _ => break,
            }
        }
        if is_lambda {
            while !self.is_sym("=>") {
                self.bump();
            }
            self.bump();
            self.skip_newlines();
            let body = self.expr()?;
            return Ok(Expr {
                span: self.span(start, self.prev_end()),
                kind: ExprKind::Lambda {
                    params: names,
                    body: Box::new(body),
                },
            });
        }
        let mut e = self.paren_expr()?;
        e.span = self.span(start, self.prev_end());
        Ok(e)
    }

    fn array(&mut self) -> R<Expr> {
        let start = self.tok().start;
        self.bump();
        let saved = self.parens;
        self.parens = 0;
        let r = self.array_inner(start);
        self.parens = saved;
        r
    }

    fn array_inner(&mut self, start: usize) -> R<Expr> {
        self.skip_newlines();
        if self.is_ident("for") {
            return self.for_loop(start);
        }
        let mut items = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat_sym("]") {
                break;
            }
            items.push(self.expr()?);
            self.eat_sym(",");
            if !matches!(self.peek(), Tok::Newline | Tok::Sym("]")) {
                // Items on one line separated by commas.
                if matches!(self.toks[self.pos - 1].tok, Tok::Sym(",")) {
                    continue;
                }
                return self.err("expected a new line, ',' or ']' after an array item");
            }
        }
        Ok(Expr {
            kind: ExprKind::Array(items),
            span: self.span(start, self.prev_end()),
        })
    }

    fn for_loop(&mut self, start: usize) -> R<Expr> {
        self.bump();
        let (item, index) = if self.eat_sym("(") {
            let item = self.ident()?.0;
            self.expect_sym(",")?;
            let index = self.ident()?.0;
            self.expect_sym(")")?;
            (Some(item), Some(index))
        } else {
            (Some(self.ident()?.0), None)
        };
        if !self.is_ident("in") {
            return self.err("expected 'in'");
        }
        self.bump();
        let source = self.expr()?;
        self.expect_sym(":")?;
        self.skip_newlines();
        let cond = if self.is_ident("if") {
            self.bump();
            let c = self.paren_expr()?;
            self.skip_newlines();
            Some(Box::new(c))
        } else {
            None
        };
        let body = self.expr()?;
        self.skip_newlines();
        self.expect_sym("]")?;
        Ok(Expr {
            kind: ExprKind::For {
                item,
                index,
                source: Box::new(source),
                cond,
                body: Box::new(body),
            },
            span: self.span(start, self.prev_end()),
        })
    }

    fn object(&mut self) -> R<Expr> {
        let start = self.tok().start;
        self.bump();
        let saved = self.parens;
        self.parens = 0;
        let r = self.object_inner(start);
        self.parens = saved;
        r
    }

    fn object_inner(&mut self, start: usize) -> R<Expr> {
        let mut props = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat_sym("}") {
                break;
            }
            // Decorators on properties (in types) and on nested resources.
            let decl_start = self.tok().start;
            let mut decorators = Vec::new();
            while self.eat_sym("@") {
                decorators.push(self.ident()?.0.to_ascii_lowercase());
                if self.is_sym("(") {
                    self.call_args()?;
                }
                self.skip_newlines();
            }
            if self.is_ident("resource") && matches!(self.peek_at(1), Tok::Ident(_)) {
                self.bump();
                let d = self.resource(decl_start, decorators)?;
                props.push(Prop {
                    key: String::new(),
                    key_span: d.name_span,
                    value: PropValue::Resource(Box::new(d)),
                });
            } else {
                let t = self.tok().clone();
                let key = match t.tok {
                    Tok::Ident(s) | Tok::Str(s) => s,
                    Tok::Int(n) => n.to_string(),
                    _ => return self.err("expected a property name"),
                };
                self.bump();
                let key_span = self.span(t.start, t.end);
                self.expect_sym(":")?;
                self.skip_newlines();
                let value = self.expr()?;
                props.push(Prop {
                    key,
                    key_span,
                    value: PropValue::Value(value),
                });
            }
            self.eat_sym(",");
            if !matches!(self.peek(), Tok::Newline | Tok::Sym("}")) {
                if matches!(self.toks[self.pos - 1].tok, Tok::Sym(",")) {
                    continue;
                }
                return self.err("expected a new line, ',' or '}' after a property");
            }
        }
        Ok(Expr {
            kind: ExprKind::Object(props),
            span: self.span(start, self.prev_end()),
        })
    }
}

fn precedence(op: &str) -> Option<u8> {
    Some(match op {
        "??" => 1,
        "||" => 2,
        "&&" => 3,
        "==" | "!=" | "=~" | "!~" => 4,
        "<" | "<=" | ">" | ">=" => 5,
        "+" | "-" => 6,
        "*" | "/" | "%" => 7,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> File {
        let f = parse(FileId(0), text, false);
        assert!(f.errors.is_empty(), "{text}: {:?}", f.errors);
        f
    }

    #[test]
    fn parses_the_constructs_real_modules_use() {
        let f = ok(r#"
targetScope = 'resourceGroup'
import { a, b as c } from './types.bicep'
import * as t from 'br/public:avm/utl/types/avm-common-types:0.7.0'
@description('x')
@secure()
param p string
param q resourceInput<'Microsoft.ContainerService/managedClusters@2025-10-01'>.properties.networkProfile?
param kinds ('ServicePrincipal' | 'Group' | 'User')? = null
type x = {
  principalType: ('ServicePrincipal' | 'Group' | 'User')?
}
var s = 'a${p}b${'c${p}'}'
var m = '''
multi ${not}
'''
var o = {
  a: 1
  'b-c': [1, 2
    3]
  d: p ?? 'x'
}
var e = !empty(p)
  ? p!
  : [
      'z'
    ]
var f = map(range(0, 3), i => i * 2)
var g = reduce([1, 2], 0, (cur, next) => cur + next)
var h = [for (x, i) in o.d: if (i > 0) {
  n: x
}]
func add(a int, b int) int => a + b
resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: 'v'
  resource sub 'subnets' = {
    name: 's'
  }
}
resource e2 'Microsoft.Network/virtualNetworks@2023-09-01' existing = if (true) {
  name: vnet::sub.name
}
module m './m.bicep' = [for i in range(0, 2): {
  name: 'm${i}'
  params: {
    x: m.outputs.?y!
  }
}]
output o string = vnet.properties.subnets[0].id
"#);
        assert_eq!(f.decls.len(), 19);
    }

    #[test]
    fn errors_point_at_the_token() {
        let text = "var a = \nvar b = 1\n";
        let f = parse(FileId(0), text, false);
        assert_eq!(f.errors.len(), 1);
        assert_eq!(f.errors[0].start, 8);
        assert_eq!(f.decls.len(), 1);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!("var a = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
        let f = parse(FileId(0), &text, false);
        assert_eq!(f.errors.len(), 1);
        let text = format!("var a = {}\n", "[".repeat(5000));
        let f = parse(FileId(0), &text, false);
        assert_eq!(f.errors.len(), 1);
    }
}
