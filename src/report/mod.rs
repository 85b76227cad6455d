//! Turning diagnostics into output: ordering, counting and the renderers.

pub mod escape;
pub mod fingerprint;
pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod jsonl;
pub mod junit;
pub mod sarif;
pub mod statistics;

use std::path::Path;
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{LineCol, SourceFile, SourceMap, Span};

/// Totals of one run, shown after (or alongside) the diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub resources: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub elapsed: Duration,
}

/// Orders diagnostics by file path, line, column, code and message, so that
/// output does not depend on the order in which files or rules ran.
pub fn sort(diags: &mut [Diagnostic], sources: &SourceMap) {
    // A stable sort: diagnostics equal in all five keep their relative order.
    diags.sort_by_cached_key(|d| {
        let at = locate(sources, d.primary.span);
        (
            at.path.to_string(),
            at.start.line,
            at.start.column,
            d.code.clone(),
            d.message.clone(),
        )
    });
}

/// Numbers of (errors, warnings, infos).
pub fn count(diags: &[Diagnostic]) -> (usize, usize, usize) {
    diags
        .iter()
        .fold((0, 0, 0), |(e, w, i), d| match d.severity {
            Severity::Error => (e + 1, w, i),
            Severity::Warning => (e, w + 1, i),
            Severity::Info => (e, w, i + 1),
        })
}

/// Where a span is, for reporters.
pub(crate) struct Location<'a> {
    /// The path as the user gave it.
    pub path: &'a str,
    /// 1-based start; line 0 when the span's file is not in the map.
    pub start: LineCol,
    /// 1-based position of the end (exclusive) of the span.
    pub end: LineCol,
}

/// Looks a span up without trusting its file id: a diagnostic built with a
/// stray id must not bring the reporter down.
pub(crate) fn locate(sources: &SourceMap, span: Span) -> Location<'_> {
    match source_file(sources, span) {
        Some(file) => Location {
            path: &file.path,
            start: file.line_col(span.start as usize),
            end: file.line_col(span.end as usize),
        },
        None => {
            let nowhere = LineCol { line: 0, column: 0 };
            Location {
                path: "<unknown file>",
                start: nowhere,
                end: nowhere,
            }
        }
    }
}

/// A path as CI tools want it: relative to `base` (the working directory)
/// when it lies inside it, with forward slashes and no leading `./`.
/// Paths outside `base` stay as they are (slashes aside).
pub fn relative_path(path: &str, base: Option<&Path>) -> String {
    let inside = base
        .filter(|_| Path::new(path).is_absolute())
        .and_then(|b| Path::new(path).strip_prefix(b).ok())
        .map(|p| p.to_string_lossy().into_owned());
    let path = inside
        .unwrap_or_else(|| path.to_string())
        .replace('\\', "/");
    let mut rest = path.as_str();
    while let Some(r) = rest.strip_prefix("./") {
        rest = r.trim_start_matches('/');
    }
    rest.to_string()
}

pub(crate) fn source_file(sources: &SourceMap, span: Span) -> Option<&SourceFile> {
    sources.files().get(span.file.0 as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Label;
    use crate::source::FileId;

    fn diag(code: &str, file: FileId, start: usize, severity: Severity) -> Diagnostic {
        let span = Span::new(file, start, start + 1);
        Diagnostic::new(code, "name", severity, "msg", Label::new(span, ""))
    }

    #[test]
    fn relative_paths() {
        let base = Path::new("/repo");
        assert_eq!(relative_path("./infra/a.json", Some(base)), "infra/a.json");
        assert_eq!(relative_path(".//a.json", None), "a.json");
        assert_eq!(relative_path("infra\\a.json", None), "infra/a.json");
        assert_eq!(
            relative_path("/repo/infra/a.json", Some(base)),
            "infra/a.json"
        );
        assert_eq!(
            relative_path("/elsewhere/a.json", Some(base)),
            "/elsewhere/a.json"
        );
        assert_eq!(relative_path("../a.json", Some(base)), "../a.json");
        assert_eq!(relative_path("-", Some(base)), "-");
    }

    #[test]
    fn sorts_by_path_then_position_then_code() {
        let mut sources = SourceMap::default();
        let b = sources.add("b.yaml".into(), "x: 1\ny: 2\n".into());
        let a = sources.add("a.yaml".into(), "x: 1\ny: 2\n".into());
        let mut diags = vec![
            diag("AKS002", b, 0, Severity::Error),
            diag("AKS009", a, 5, Severity::Error),
            diag("AKS001", a, 5, Severity::Info),
            diag("AKS003", a, 0, Severity::Warning),
            diag("AKS000", FileId(7), 0, Severity::Error),
        ];
        sort(&mut diags, &sources);
        let order: Vec<_> = diags.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(order, ["AKS000", "AKS003", "AKS001", "AKS009", "AKS002"]);
        assert_eq!(count(&diags), (3, 1, 1));
    }
}
