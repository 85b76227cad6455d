//! JSON Lines (`json-lines`): one compact diagnostic object per line, for
//! log pipelines that read a stream of records. No summary record: the
//! stream holds findings only, and an empty run prints nothing.

use super::json::diagnostic;
use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

/// Renders each diagnostic with the fields of the `json` format's diagnostics.
pub fn render(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diags {
        // Plain structs of strings and numbers always serialize.
        let line = serde_json::to_string(&diagnostic(d, sources))
            .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string());
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Label, Severity};
    use crate::report::{json, Summary};
    use crate::source::Span;
    use serde_json::Value;

    #[test]
    fn one_object_per_line_like_the_json_diagnostics() {
        let mut sources = SourceMap::default();
        let file = sources.add("a.yaml".into(), "a: 1\nb: \"x\ny\"\n".into());
        let diags = vec![
            Diagnostic::new(
                "AKS001",
                "n",
                Severity::Error,
                "multi\nline",
                Label::new(Span::new(file, 0, 1), ""),
            )
            .with_help("h"),
            Diagnostic::new(
                "AKS002",
                "m",
                Severity::Info,
                "two",
                Label::new(Span::new(file, 5, 6), ""),
            ),
        ];
        let out = render(&diags, &sources);
        let lines: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let whole: Value =
            serde_json::from_str(&json::render(&diags, &sources, &Summary::default())).unwrap();
        assert_eq!(Value::Array(lines), whole["diagnostics"]);
        assert!(render(&[], &sources).is_empty());
    }
}
