//! Machine-readable output: one JSON object per run.

use serde::Serialize;

use super::{locate, Summary};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;

// Field order here is the field order of the output.
#[derive(Serialize)]
struct Output<'a> {
    version: &'static str,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

/// One diagnostic, as `json` and `json-lines` print it.
#[derive(Serialize)]
pub(super) struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: Severity,
    message: &'a str,
    /// The path as the user gave it.
    file: &'a str,
    line: usize,
    /// Counted in characters, 1-based.
    column: usize,
    end_line: usize,
    end_column: usize,
    resource: Option<&'a str>,
    help: Option<&'a str>,
    /// The deployment scope, only where it tells two scopes apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    resources: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

/// Renders the run as one compact JSON object followed by a newline.
/// Positions come from each diagnostic's primary span.
pub fn render(diags: &[Diagnostic], sources: &SourceMap, summary: &Summary) -> String {
    let output = Output {
        version: env!("CARGO_PKG_VERSION"),
        diagnostics: diags.iter().map(|d| diagnostic(d, sources)).collect(),
        summary: JsonSummary {
            files: summary.files,
            resources: summary.resources,
            errors: summary.errors,
            warnings: summary.warnings,
            infos: summary.infos,
        },
    };
    // Plain structs of strings and numbers always serialize; the fallback
    // only keeps the signature honest.
    let mut text = serde_json::to_string(&output)
        .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string());
    text.push('\n');
    text
}

pub(super) fn diagnostic<'a>(d: &'a Diagnostic, sources: &'a SourceMap) -> JsonDiagnostic<'a> {
    let at = locate(sources, d.primary.span);
    JsonDiagnostic {
        code: &d.code,
        name: &d.name,
        severity: d.severity,
        message: &d.message,
        file: at.path,
        line: at.start.line,
        column: at.start.column,
        end_line: at.end.line,
        end_column: at.end.column,
        resource: d.resource.as_deref(),
        help: d.help.as_deref(),
        scope: d.scope.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Label;
    use crate::source::Span;
    use serde_json::{json, Value};

    #[test]
    fn has_the_documented_shape() {
        let mut sources = SourceMap::default();
        let text = "networkProfile:\n  café: x\n  podCidr: 10.244.0.0/16\n";
        let file = sources.add("dir/aks.yaml".into(), text.into());
        let start = text.find("10.244").unwrap();
        let span = Span::new(file, start, start + "10.244.0.0/16".len());
        let diags = vec![
            Diagnostic::new(
                "AKS004",
                "cni-subnet-too-small",
                Severity::Error,
                "subnet too small",
                Label::new(span, "here"),
            )
            .with_help("use a /24")
            .with_resource("/subscriptions/x/aks"),
            Diagnostic::new(
                "AKS010",
                "kubenet-deprecated",
                Severity::Info,
                "kubenet",
                Label::new(Span::new(file, 18, 23), ""),
            ),
        ];
        let summary = Summary {
            files: 3,
            resources: 17,
            errors: 1,
            warnings: 0,
            infos: 1,
            elapsed: std::time::Duration::from_millis(5),
        };
        let out = render(&diags, &sources, &summary);
        assert!(out.ends_with("}\n") && !out.trim_end().contains('\n'));
        let value: Value = serde_json::from_str(&out).unwrap();
        let expected = json!({
            "version": env!("CARGO_PKG_VERSION"),
            "diagnostics": [
                {
                    "code": "AKS004",
                    "name": "cni-subnet-too-small",
                    "severity": "error",
                    "message": "subnet too small",
                    "file": "dir/aks.yaml",
                    "line": 3,
                    "column": 12,
                    "end_line": 3,
                    "end_column": 25,
                    "resource": "/subscriptions/x/aks",
                    "help": "use a /24"
                },
                {
                    "code": "AKS010",
                    "name": "kubenet-deprecated",
                    "severity": "info",
                    "message": "kubenet",
                    "file": "dir/aks.yaml",
                    "line": 2,
                    "column": 3,
                    "end_line": 2,
                    "end_column": 7,
                    "resource": null,
                    "help": null
                }
            ],
            "summary": {"files": 3, "resources": 17, "errors": 1, "warnings": 0, "infos": 1}
        });
        assert_eq!(value, expected);
        // Field order is part of the format.
        let order = [
            "code",
            "name",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "resource",
            "help",
        ];
        let first = out.find("\"code\"").unwrap();
        let positions: Vec<_> = order
            .iter()
            .map(|k| out[first..].find(&format!("\"{k}\":")).unwrap())
            .collect();
        assert!(out.starts_with("{\"version\":\""), "{out}");
        assert!(out.contains("],\"summary\":{\"files\":3,\"resources\":17,\"errors\":1,\"warnings\":0,\"infos\":1}}"), "{out}");
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{out}");
    }
}
