//! Native HCL (`.tf`, `.tfvars`) → [`ast`](super::ast), through hcl-edit's
//! lossless tree, which keeps byte spans on every expression.

use hcl::edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl::edit::structure::{Body as HBody, Structure};
use hcl::edit::template::{Directive, Element, Template};
use hcl::edit::Span as _;

use super::ast::{
    Attr, BinOp, Block, Body, Expr, ExprKind, ForExpr, ObjItem, Op, Part, MAX_EXPR_DEPTH,
};
use super::guard::{too_many_unclosed, Start};
use crate::source::{FileId, Span};
use crate::syntax::SyntaxError;

/// Parses a `.tf` or `.tfvars` text.
pub(crate) fn parse_body(file: FileId, text: &str) -> Result<Body, SyntaxError> {
    if let Some(at) = too_many_unclosed(text, Start::Body) {
        return Err(SyntaxError::new(
            Span::new(file, at, at + 1),
            "this `{` and the ones after it are never closed",
        ));
    }
    match hcl::edit::parser::parse_body(text) {
        Ok(body) => Ok(Lower { file, fixed: None }.body(&body)),
        Err(e) => {
            let at = e.location().offset().min(text.len());
            // Underline the character the parser stopped at (if any).
            let end = text
                .get(at..)
                .and_then(|rest| rest.chars().next())
                .map_or(at, |c| at + c.len_utf8());
            Err(SyntaxError::new(
                Span::new(file, at, end),
                e.message().to_string(),
            ))
        }
    }
}

/// Lowers a template written inside a JSON/YAML string (`"${var.x}-nodes"`).
/// Offsets inside the decoded string do not map to the file (escapes), so every
/// part gets the string's own span.
pub(crate) fn parse_string_template(text: &str, span: Span) -> Expr {
    if too_many_unclosed(text, Start::Template).is_some() {
        let kind = ExprKind::Unsupported("invalid template: braces never closed".into());
        return Expr { span, kind };
    }
    let kind = match hcl::edit::parser::parse_template(text) {
        Ok(t) => {
            let lower = Lower {
                file: span.file,
                fixed: Some(span),
            };
            ExprKind::Template(lower.template(&t, 0))
        }
        Err(e) => ExprKind::Unsupported(format!("invalid template: {}", e.message())),
    };
    Expr { span, kind }
}

/// Lowers an expression parsed out of a JSON/YAML string; every part gets `span`.
pub(crate) fn lower_expr(e: &Expression, span: Span) -> Expr {
    let lower = Lower {
        file: span.file,
        fixed: Some(span),
    };
    lower.expr(e, 0)
}

struct Lower {
    file: FileId,
    /// When set, every span is this one (templates inside JSON strings).
    fixed: Option<Span>,
}

impl Lower {
    fn span(&self, s: Option<std::ops::Range<usize>>) -> Span {
        if let Some(f) = self.fixed {
            return f;
        }
        let r = s.unwrap_or(0..0);
        Span::new(self.file, r.start, r.end)
    }

    fn body(&self, body: &HBody) -> Body {
        let mut out = Body::default();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => out.attrs.push(Attr {
                    name: a.key.as_str().to_string(),
                    name_span: self.span(a.key.span()),
                    expr: self.expr(&a.value, 0),
                }),
                Structure::Block(b) => out.blocks.push(Block {
                    ident: b.ident.as_str().to_string(),
                    ident_span: self.span(b.ident.span()),
                    labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
                    span: self.span(b.span()),
                    body: self.body(&b.body),
                }),
            }
        }
        out
    }

    fn expr(&self, e: &Expression, depth: usize) -> Expr {
        let span = self.span(e.span());
        let kind = if depth > MAX_EXPR_DEPTH {
            ExprKind::Unsupported("expression nested too deeply".into())
        } else {
            self.kind(e, depth + 1)
        };
        Expr { span, kind }
    }

    fn boxed(&self, e: &Expression, depth: usize) -> Box<Expr> {
        Box::new(self.expr(e, depth))
    }

    fn kind(&self, e: &Expression, d: usize) -> ExprKind {
        match e {
            Expression::Null(_) => ExprKind::Null,
            Expression::Bool(b) => ExprKind::Bool(*b.value()),
            Expression::Number(n) => number(n.value()),
            Expression::String(s) => ExprKind::Str(s.value().clone()),
            Expression::Array(a) => ExprKind::Array(a.iter().map(|x| self.expr(x, d)).collect()),
            Expression::Object(o) => ExprKind::Object(
                o.iter()
                    .map(|(k, v)| ObjItem {
                        key: self.key(k, d),
                        value: self.expr(v.expr(), d),
                    })
                    .collect(),
            ),
            Expression::StringTemplate(t) => ExprKind::Template(self.template(t, d)),
            Expression::HeredocTemplate(h) => {
                // `<<-` heredocs drop their common indentation.
                let mut h = (**h).clone();
                h.dedent();
                ExprKind::Template(self.template(&h.template, d))
            }
            Expression::Parenthesis(p) => self.kind(p.inner(), d),
            Expression::Variable(v) => ExprKind::Var(v.as_str().to_string()),
            Expression::Conditional(c) => ExprKind::Cond(
                self.boxed(&c.cond_expr, d),
                self.boxed(&c.true_expr, d),
                self.boxed(&c.false_expr, d),
            ),
            Expression::FuncCall(f) => {
                if f.name.is_namespaced() {
                    return ExprKind::Unsupported(format!(
                        "provider function {} is not evaluated",
                        f.name.name.as_str()
                    ));
                }
                ExprKind::Call(
                    f.name.name.as_str().to_string(),
                    f.args.iter().map(|a| self.expr(a, d)).collect(),
                    f.args.expand_final(),
                )
            }
            Expression::Traversal(t) => ExprKind::Traverse(
                self.boxed(&t.expr, d),
                t.operators.iter().map(|o| self.op(o.value(), d)).collect(),
            ),
            Expression::UnaryOp(u) => {
                let inner = self.boxed(&u.expr, d);
                match u.operator.value() {
                    UnaryOperator::Not => ExprKind::Not(inner),
                    UnaryOperator::Neg => ExprKind::Neg(inner),
                }
            }
            Expression::BinaryOp(b) => ExprKind::Bin(
                bin_op(*b.operator.value()),
                self.boxed(&b.lhs_expr, d),
                self.boxed(&b.rhs_expr, d),
            ),
            Expression::ForExpr(f) => ExprKind::For(Box::new(ForExpr {
                key_var: f.intro.key_var.as_ref().map(|k| k.as_str().to_string()),
                value_var: f.intro.value_var.as_str().to_string(),
                collection: self.expr(&f.intro.collection_expr, d),
                key_expr: f.key_expr.as_ref().map(|k| self.expr(k, d)),
                value_expr: self.expr(&f.value_expr, d),
                cond: f.cond.as_ref().map(|c| self.expr(&c.expr, d)),
                grouping: f.grouping,
            })),
        }
    }

    /// An identifier key is a literal name, as in `{ name = … }`.
    fn key(&self, k: &ObjectKey, d: usize) -> Expr {
        match k {
            ObjectKey::Ident(i) => Expr {
                span: self.span(i.span()),
                kind: ExprKind::Str(i.as_str().to_string()),
            },
            ObjectKey::Expression(e) => self.expr(e, d),
        }
    }

    fn op(&self, o: &TraversalOperator, d: usize) -> Op {
        match o {
            TraversalOperator::AttrSplat(_) => Op::AttrSplat,
            TraversalOperator::FullSplat(_) => Op::FullSplat,
            TraversalOperator::GetAttr(i) => Op::Attr(i.as_str().to_string()),
            TraversalOperator::Index(e) => Op::Index(self.expr(e, d)),
            TraversalOperator::LegacyIndex(i) => {
                let n = i64::try_from(*i.value()).unwrap_or(i64::MAX);
                Op::Index(Expr {
                    span: self.span(i.span()),
                    kind: ExprKind::Int(n),
                })
            }
        }
    }

    fn template(&self, t: &Template, d: usize) -> Vec<Part> {
        t.iter()
            .map(|el| match el {
                Element::Literal(s) => Part::Lit(s.value().clone()),
                Element::Interpolation(i) => Part::Interp(self.expr(&i.expr, d)),
                Element::Directive(dir) => match &**dir {
                    Directive::If(i) => Part::If(
                        self.expr(&i.if_expr.cond_expr, d),
                        self.template(&i.if_expr.template, d),
                        i.else_expr
                            .as_ref()
                            .map(|e| self.template(&e.template, d))
                            .unwrap_or_default(),
                    ),
                    Directive::For(f) => Part::For(
                        f.for_expr.key_var.as_ref().map(|k| k.as_str().to_string()),
                        f.for_expr.value_var.as_str().to_string(),
                        self.expr(&f.for_expr.collection_expr, d),
                        self.template(&f.for_expr.template, d),
                    ),
                },
            })
            .collect()
    }
}

fn number(n: &hcl::edit::Number) -> ExprKind {
    match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => ExprKind::Int(i),
        (None, Some(f)) => ExprKind::Float(f),
        _ => ExprKind::Unsupported("number out of range".into()),
    }
}

fn bin_op(o: BinaryOperator) -> BinOp {
    match o {
        BinaryOperator::Eq => BinOp::Eq,
        BinaryOperator::NotEq => BinOp::NotEq,
        BinaryOperator::LessEq => BinOp::Le,
        BinaryOperator::GreaterEq => BinOp::Ge,
        BinaryOperator::Less => BinOp::Lt,
        BinaryOperator::Greater => BinOp::Gt,
        BinaryOperator::Plus => BinOp::Add,
        BinaryOperator::Minus => BinOp::Sub,
        BinaryOperator::Mul => BinOp::Mul,
        BinaryOperator::Div => BinOp::Div,
        BinaryOperator::Mod => BinOp::Mod,
        BinaryOperator::And => BinOp::And,
        BinaryOperator::Or => BinOp::Or,
    }
}
