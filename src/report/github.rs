//! GitHub Actions workflow commands: each finding becomes an `::error`,
//! `::warning` or `::notice` line, which Actions shows as an annotation on
//! the line of the pull request's diff.

use std::fmt::Write as _;
use std::path::Path;

use super::{locate, relative_path, source_file};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;

/// Renders one workflow command per diagnostic. `base` is the directory
/// file paths are made relative to (the workspace, i.e. working directory).
pub fn render(diags: &[Diagnostic], sources: &SourceMap, base: Option<&Path>) -> String {
    diags
        .iter()
        .map(|d| command(d, sources, base) + "\n")
        .collect()
}

fn command(d: &Diagnostic, sources: &SourceMap, base: Option<&Path>) -> String {
    let mut props = String::new();
    // A span in an unknown file has no line to annotate: title only.
    if source_file(sources, d.primary.span).is_some() {
        let at = locate(sources, d.primary.span);
        // Writing to a String cannot fail.
        let _ = write!(
            props,
            "file={},line={},col={},endLine={},endColumn={},",
            escape_property(&relative_path(at.path, base)),
            at.start.line,
            at.start.column,
            at.end.line,
            at.end.column
        );
    }
    props.push_str("title=");
    props.push_str(&escape_property(&title(d)));
    format!(
        "::{} {props}::{}",
        kind(d.severity),
        escape_data(&message(d))
    )
}

fn kind(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

fn title(d: &Diagnostic) -> String {
    if d.name.is_empty() || d.name == d.code {
        d.code.clone()
    } else {
        format!("{} {}", d.code, d.name)
    }
}

/// The message, and the fix on the next line (annotations show both).
fn message(d: &Diagnostic) -> String {
    match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    }
}

/// Escapes the text after `::`, as the Actions runner unescapes it.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: data escaping plus the `:` and `,` that
/// would otherwise end the value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Label;
    use crate::source::{FileId, Span};

    #[test]
    fn escapes_data() {
        assert_eq!(escape_data("100% of a,b: c"), "100%25 of a,b: c");
        assert_eq!(escape_data("one\r\ntwo\nthree"), "one%0D%0Atwo%0Athree");
        // `%` first, so the escapes themselves are not escaped again.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn escapes_properties() {
        assert_eq!(escape_property("C:\\a,b.json"), "C%3A\\a%2Cb.json");
        assert_eq!(escape_property("x%\ny"), "x%25%0Ay");
        assert_eq!(
            escape_property("AKS004 cni-subnet-too-small"),
            "AKS004 cni-subnet-too-small"
        );
    }

    #[test]
    fn one_command_per_finding() {
        let mut sources = SourceMap::default();
        let text = "subnets:\n  - name: snet, nodes\n    addressPrefix: 10.0.4.0/28\n";
        let file = sources.add("./infra/net,1.yaml".into(), text.into());
        let start = text.find("10.0.4.0/28").unwrap_or(0);
        let span = Span::new(file, start, start + 11);
        let diags = vec![
            Diagnostic::new(
                "AKS004",
                "cni-subnet-too-small",
                Severity::Error,
                "subnet snet, nodes: 11 usable addresses, 100% used",
                Label::new(span, ""),
            )
            .with_help("use a /24\nor larger"),
            Diagnostic::new(
                "AKS001",
                "node-subnet-without-nsg",
                Severity::Warning,
                "w",
                Label::new(span, ""),
            ),
            Diagnostic::new("AKS002", "x", Severity::Info, "i", Label::new(span, "")),
            Diagnostic::new(
                "parse-error",
                "parse-error",
                Severity::Error,
                "lost",
                Label::new(Span::new(FileId(5), 0, 0), ""),
            ),
        ];
        insta::assert_snapshot!(render(&diags, &sources, None));
    }
}
