//! JUnit XML, the test-report shape Azure Pipelines (`PublishTestResults`)
//! and GitLab (`artifacts:reports:junit`) show in their UIs: one test suite
//! per file, one test case per rule and resource, a failure per finding.

use std::collections::BTreeMap;
use std::path::Path;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{locate, relative_path};
use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

/// The test case of a file without findings, so CI shows it was checked.
pub const CLEAN_CASE: &str = "akslint";

/// Renders the run as a JUnit XML document. `base` is the directory file
/// paths are made relative to (the working directory).
pub fn render(diags: &[Diagnostic], sources: &SourceMap, base: Option<&Path>) -> String {
    let mut report = Report::new("akslint");
    for (path, cases) in by_file(diags, sources, base) {
        report.add_test_suite(suite(&path, &cases, sources, base));
    }
    // Writing XML into memory fails only on a bug in quick-junit; say so in XML.
    report.to_string().unwrap_or_else(|e| {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- akslint: {e} -->\n<testsuites name=\"akslint\"/>\n")
    })
}

/// Findings of one test case: same rule, same resource.
type Cases<'a> = BTreeMap<(&'a str, &'a str), Vec<&'a Diagnostic>>;

/// Every input file (sorted by path) with its findings grouped into cases.
/// A finding belongs to the file of its primary span.
fn by_file<'a>(
    diags: &'a [Diagnostic],
    sources: &SourceMap,
    base: Option<&Path>,
) -> BTreeMap<String, Cases<'a>> {
    let mut files: BTreeMap<String, Cases<'a>> = sources
        .files()
        .iter()
        .map(|f| (relative_path(&f.path, base), Cases::new()))
        .collect();
    for d in diags {
        let path = relative_path(locate(sources, d.primary.span).path, base);
        let key = (d.code.as_str(), d.resource.as_deref().unwrap_or(""));
        files
            .entry(path)
            .or_default()
            .entry(key)
            .or_default()
            .push(d);
    }
    files
}

fn suite(path: &str, cases: &Cases<'_>, sources: &SourceMap, base: Option<&Path>) -> TestSuite {
    let mut suite = TestSuite::new(path);
    if cases.is_empty() {
        let mut case = TestCase::new(CLEAN_CASE, TestCaseStatus::success());
        case.set_classname(path);
        suite.add_test_case(case);
    }
    for ((code, resource), findings) in cases {
        suite.add_test_case(case(path, code, resource, findings, sources, base));
    }
    suite
}

/// `AKS004 cni-subnet-too-small: <resource>`, failing with every finding of
/// that rule about that resource in the file.
fn case(
    path: &str,
    code: &str,
    resource: &str,
    findings: &[&Diagnostic],
    sources: &SourceMap,
    base: Option<&Path>,
) -> TestCase {
    let Some(first) = findings.first() else {
        // Cases are made by their first finding; an empty one has nothing to fail.
        return TestCase::new(code, TestCaseStatus::success());
    };
    let mut name = code.to_string();
    if !first.name.is_empty() && first.name != code {
        name = format!("{name} {}", first.name);
    }
    if !resource.is_empty() {
        name = format!("{name}: {resource}");
    }
    let worst = findings
        .iter()
        .map(|d| d.severity)
        .max()
        .unwrap_or(first.severity);
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    let message = match findings.len() {
        1 => first.message.clone(),
        n => format!("{} (and {} more)", first.message, n - 1),
    };
    status
        .set_message(message)
        .set_type(worst.as_str())
        .set_description(description(findings, sources, base));
    let mut case = TestCase::new(name, status);
    case.set_classname(path);
    case
}

/// One block per finding: `file:line:col: severity: message`, then the help.
fn description(findings: &[&Diagnostic], sources: &SourceMap, base: Option<&Path>) -> String {
    let blocks: Vec<String> = findings
        .iter()
        .map(|d| {
            let at = locate(sources, d.primary.span);
            let mut block = format!(
                "{}:{}:{}: {}: {}",
                relative_path(at.path, base),
                at.start.line,
                at.start.column,
                d.severity,
                d.message
            );
            if let Some(help) = &d.help {
                block.push_str("\nhelp: ");
                block.push_str(help);
            }
            block
        })
        .collect();
    blocks.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Label, Severity};
    use crate::source::Span;

    #[test]
    fn suites_per_file_cases_per_rule_and_resource() {
        let mut sources = SourceMap::default();
        let text = "{\"a\": 1,\n \"b\": \"x & <y>\"}\n";
        let vnet = sources.add("./net/vnet.json".into(), text.into());
        sources.add("clean.yaml".into(), "a: 1\n".into());
        let d = |code: &str, start: usize, sev: Severity, resource: &str| {
            Diagnostic::new(
                code,
                "some-rule",
                sev,
                format!("{code} at {start} & <more>"),
                Label::new(Span::new(vnet, start, start + 1), ""),
            )
            .with_resource(resource)
            .with_help("fix it")
        };
        let diags = vec![
            d("AKS001", 1, Severity::Warning, "/r/a"),
            d("AKS001", 11, Severity::Error, "/r/a"),
            d("AKS001", 12, Severity::Error, "/r/b"),
            d("AKS004", 2, Severity::Info, "/r/a"),
        ];
        let out = render(&diags, &sources, None);
        insta::assert_snapshot!(out);
        assert_eq!(out.matches("<testsuite ").count(), 2);
        assert_eq!(out.matches("<testcase ").count(), 4);
        assert!(out.contains("failures=\"3\""));
    }
}
