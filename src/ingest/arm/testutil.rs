//! Test helpers: evaluate expressions and templates from JSON text.

use super::eval::{eval_value, Ctx, Shared, TemplateScope};
use super::template;
use crate::source::{FileId, Span};
use crate::syntax::{json, Node, NodeKind, Number};

pub fn parse(text: &str) -> Node {
    json::parse(FileId(0), text).expect("test JSON parses")
}

/// Compact JSON with unknown values shown as `?`.
pub fn render(n: &Node) -> String {
    match &n.kind {
        NodeKind::Unknown(_) => "?".into(),
        NodeKind::Null => "null".into(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Number(Number::Int(i)) => i.to_string(),
        NodeKind::Number(Number::Float(f)) => f.to_string(),
        NodeKind::String(s) => format!("{s:?}"),
        NodeKind::Array(items) => format!(
            "[{}]",
            items.iter().map(render).collect::<Vec<_>>().join(",")
        ),
        NodeKind::Object(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|e| format!("{:?}:{}", e.key, render(&e.value)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// Evaluates one JSON string value (usually an expression) against a template's parameters
/// and variables, as if it stood in a resource of that template.
pub fn eval_in(template_text: &str, expr: &str) -> Node {
    let root = parse(template_text);
    let mut scope = TemplateScope::default();
    template::declare_params(&root, &mut scope.params, |_| None);
    template::declare_vars(&root, &mut scope.vars);
    template::declare_functions(&root, &mut scope);
    let deploy = template::root_deploy(&root);
    let shared = Shared::new();
    let ctx = Ctx {
        tpl: &scope,
        deploy: &deploy,
        target: &deploy,
        copies: &[],
        lambdas: &[],
        shared: &shared,
    };
    eval_value(&Node::string(Span::new(FileId(0), 1000, 1010), expr), ctx)
}

/// `eval_in` with an empty template, rendered.
pub fn ev(expr: &str) -> String {
    render(&eval_in("{}", expr))
}
