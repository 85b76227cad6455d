//! Terminal output: miette's graphical rendering of each diagnostic, then one
//! summary line.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    NamedSource, SourceCode, SourceSpan, SpanContents,
};

use super::{source_file, Summary};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{FileId, SourceFile, SourceMap, Span};

const MIN_WIDTH: usize = 20;

/// How to draw the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// ANSI colours (the caller decides from `--color`, `NO_COLOR` and the terminal).
    pub color: bool,
    /// Columns to wrap text at.
    pub width: usize,
    /// Append the run time to the summary line (off for reproducible output).
    pub show_elapsed: bool,
}

/// Renders every diagnostic and the summary line.
pub fn render(
    diags: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    opts: &Options,
) -> String {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        // Very narrow widths leave miette's wrapping nothing to work with.
        .with_width(opts.width.max(MIN_WIDTH))
        .with_links(false);
    let mut out = String::new();
    for diag in diags {
        out.push_str(&render_one(&handler, diag, sources));
        out.push('\n');
    }
    out.push_str(&docs_footer(diags));
    out.push_str(&summary_line(diags.is_empty(), summary, opts.show_elapsed));
    out.push('\n');
    out
}

fn render_one(handler: &GraphicalReportHandler, diag: &Diagnostic, sources: &SourceMap) -> String {
    let report = Report::new(diag, sources);
    let mut out = String::new();
    match handler.render_report(&mut out, &report) {
        // miette leaves trailing blanks (`Advice: `); they only make diffs noisy.
        Ok(()) => out
            .lines()
            .map(|l| l.trim_end().to_string() + "\n")
            .collect(),
        // miette only fails on sources it cannot read; still say what was found.
        Err(fmt::Error) => format!("{}: {}\n", report.header, diag.message),
    }
}

/// Where each code of the report is documented, once per code in order of
/// first appearance (`  AKS004: https://…/docs/rules/AKS004.md`); empty when
/// no code has a page.
fn docs_footer(diags: &[Diagnostic]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    let mut lines = String::new();
    for d in diags {
        if seen.contains(&d.code.as_str()) {
            continue;
        }
        seen.push(&d.code);
        if let Some(url) = crate::rules::codes::doc_url(&d.code) {
            let _ = writeln!(lines, "  {}: {url}", d.code);
        }
    }
    if lines.is_empty() {
        lines
    } else {
        format!("Documentation:\n{lines}\n")
    }
}

/// `2 errors, 1 warning, 0 infos in 3 files (17 resources)`.
pub fn summary_line(no_diagnostics: bool, s: &Summary, show_elapsed: bool) -> String {
    let scope = format!(
        "in {} ({})",
        plural(s.files, "file"),
        plural(s.resources, "resource")
    );
    let mut line = if no_diagnostics {
        format!("No problems found {scope}")
    } else {
        format!(
            "{}, {}, {} {scope}",
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.infos, "info")
        )
    };
    if show_elapsed {
        // Writing to a String cannot fail.
        let _ = write!(line, " in {} ms", s.elapsed.as_millis());
    }
    line
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Our [`Diagnostic`] as miette sees it. Built once per rendering, so that
/// rules never need a miette type of their own.
#[derive(Debug)]
struct Report<'a> {
    diag: &'a Diagnostic,
    /// `AKS004 cni-subnet-too-small`, or just the code when the name repeats it.
    header: String,
    source: Option<NamedSource<Text>>,
    labels: Vec<LabeledSpan>,
    /// Labels in other files, one advice per file.
    related: Vec<Related>,
}

impl<'a> Report<'a> {
    fn new(diag: &'a Diagnostic, sources: &SourceMap) -> Report<'a> {
        let file = source_file(sources, diag.primary.span);
        let primary = file.map(|f| labeled(f, &diag.primary, true));
        let secondary = diag
            .labels
            .iter()
            .filter(|l| is_near_primary(diag, l, sources))
            .filter_map(|l| file.map(|f| labeled(f, l, false)));
        Report {
            diag,
            header: header(diag),
            source: file.map(named_source),
            labels: primary.into_iter().chain(secondary).collect(),
            related: Related::for_distant_labels(diag, sources),
        }
    }
}

fn header(diag: &Diagnostic) -> String {
    if diag.name.is_empty() || diag.name == diag.code {
        diag.code.clone()
    } else {
        format!("{} {}", diag.code, diag.name)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.header))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// The labels of one other file, shown as an advice after the main snippet
/// (miette gives each diagnostic a single source).
#[derive(Debug)]
struct Related {
    message: String,
    source: NamedSource<Text>,
    labels: Vec<LabeledSpan>,
}

/// Labels this many lines or fewer from the primary span share its snippet;
/// miette would otherwise print every line in between.
const NEAR_LINES: usize = 8;

fn line_of(sources: &SourceMap, span: Span) -> Option<usize> {
    source_file(sources, span).map(|f| f.line_col(span.start as usize).line)
}

fn is_near_primary(diag: &Diagnostic, label: &Label, sources: &SourceMap) -> bool {
    if label.span.file != diag.primary.span.file {
        return false;
    }
    match (
        line_of(sources, diag.primary.span),
        line_of(sources, label.span),
    ) {
        (Some(p), Some(l)) => p.abs_diff(l) <= NEAR_LINES,
        _ => true,
    }
}

impl Related {
    /// Labels in other files, or far from the primary span in its own file, as
    /// "see also" blocks: one per file and stretch of nearby lines, in order of
    /// first mention so the output follows the rule's order.
    fn for_distant_labels(diag: &Diagnostic, sources: &SourceMap) -> Vec<Related> {
        let mut groups: Vec<(FileId, usize, Vec<&Label>)> = Vec::new();
        for label in diag
            .labels
            .iter()
            .filter(|l| !is_near_primary(diag, l, sources))
        {
            let line = line_of(sources, label.span).unwrap_or(0);
            let group = groups
                .iter_mut()
                .find(|(f, l, _)| *f == label.span.file && l.abs_diff(line) <= NEAR_LINES);
            match group {
                Some((_, _, labels)) => labels.push(label),
                None => groups.push((label.span.file, line, vec![label])),
            }
        }
        groups
            .into_iter()
            .filter_map(|(id, _, labels)| {
                let file = source_file(sources, Span::new(id, 0, 0))?;
                Some(Related {
                    message: "see also".to_string(),
                    source: named_source(file),
                    labels: labels
                        .into_iter()
                        .map(|l| labeled(file, l, false))
                        .collect(),
                })
            })
            .collect()
    }
}

impl fmt::Display for Related {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Related {}

impl miette::Diagnostic for Related {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

fn named_source(file: &SourceFile) -> NamedSource<Text> {
    NamedSource::new(&file.path, Text(Arc::clone(&file.text), file.line_starts()))
}

/// A file's text for miette. miette counts the column in a snippet header
/// in bytes; we count characters, so `file:line:col` agrees with the JSON
/// output and with editors.
#[derive(Debug)]
struct Text(Arc<str>, Arc<[usize]>);

impl Text {
    /// 0-based line of a byte offset, by binary search over the line starts.
    fn line_of(&self, offset: usize) -> usize {
        match self.1.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// The byte range of the lines around a span, with the requested context,
    /// and the 0-based number of its first line.
    fn window(&self, span: &SourceSpan, before: usize, after: usize) -> (usize, usize, usize) {
        let len = self.0.len();
        let start = span.offset().min(len);
        let end = (span.offset() + span.len()).min(len);
        // Two spare lines each side, so miette's reader sees exactly what it
        // would see in the whole text (it decides where context stops).
        let first = self.line_of(start).saturating_sub(before.saturating_add(2));
        let last = self.line_of(end).saturating_add(after.saturating_add(2));
        let from = self.1.get(first).copied().unwrap_or(0);
        let to = self.1.get(last.saturating_add(1)).copied().unwrap_or(len);
        (from, to.max(from), first)
    }
}

impl SourceCode for Text {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &'a str = &self.0;
        // miette's own `str` reader walks the text from its start for every
        // snippet, which costs findings × file size on large exports: read only
        // the lines around the span and shift the result back.
        let (from, to, first_line) = self.window(span, context_lines_before, context_lines_after);
        let window: &'a str = text.get(from..to).unwrap_or(text);
        let local = SourceSpan::new((span.offset().saturating_sub(from)).into(), span.len());
        let found = window.read_span(&local, context_lines_before, context_lines_after)?;
        let contents = MietteSpanContents::new(
            found.data(),
            SourceSpan::new((found.span().offset() + from).into(), found.span().len()),
            found.line() + first_line,
            found.column(),
            // miette's reader counts the lines from the start of the text.
            found.line_count() + first_line,
        );
        // With context lines the contents start a line, at column 0 either way.
        if context_lines_before > 0 {
            return Ok(Box::new(contents));
        }
        Ok(Box::new(MietteSpanContents::new(
            contents.data(),
            *contents.span(),
            contents.line(),
            char_column(text, span.offset()),
            contents.line_count(),
        )))
    }
}

/// 0-based column of a byte offset, in characters.
fn char_column(text: &str, offset: usize) -> usize {
    let offset = floor_char_boundary(text, offset);
    let before = text.get(..offset).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    before.get(line_start..).unwrap_or("").chars().count()
}

fn labeled(file: &SourceFile, label: &Label, primary: bool) -> LabeledSpan {
    let text = (!label.message.is_empty()).then(|| label.message.clone());
    let span = clamp(&file.text, label.span);
    if primary {
        LabeledSpan::new_primary_with_span(text, span)
    } else {
        LabeledSpan::new_with_span(text, span)
    }
}

/// Keeps a span inside the text and on character boundaries, so miette can
/// always read it. Empty spans stay empty (miette marks one column for them),
/// but one at the very end moves back to the last content: miette shows no
/// line after a final line break, and the label would vanish.
fn clamp(text: &str, span: Span) -> SourceSpan {
    let mut start = floor_char_boundary(text, span.start as usize);
    let end = floor_char_boundary(text, span.end as usize).max(start);
    if end == start && start == text.len() {
        start = text.trim_end().len();
        return SourceSpan::new(start.into(), 0);
    }
    SourceSpan::new(start.into(), end - start)
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    // Offset 0 is always a boundary, so this stops.
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::yaml;
    use std::time::Duration;

    const AKS: &str = "apiVersion: 2024-05-01\nname: aks-démo\nnetworkProfile:\n  networkPlugin: azure\n  serviceCidr: 10.0.0.0/16\n  dnsServiceIp: 10.1.0.10\nagentPool:\n  vnetSubnetId: snet-nodes\n";
    const VNET: &str = "subnets:\n  - name: snet-nodes\n    addressPrefix: 10.0.4.0/28\n";

    fn opts() -> Options {
        Options {
            color: false,
            width: 100,
            show_elapsed: false,
        }
    }

    fn summary(errors: usize, warnings: usize, infos: usize) -> Summary {
        Summary {
            files: 2,
            resources: 3,
            errors,
            warnings,
            infos,
            elapsed: Duration::from_millis(17),
        }
    }

    fn sources() -> (SourceMap, FileId, FileId) {
        let mut sources = SourceMap::default();
        let aks = sources.add("clusters/aks.yaml".into(), AKS.into());
        let vnet = sources.add("network/vnet.yaml".into(), VNET.into());
        (sources, aks, vnet)
    }

    /// Span of the first `needle` in `text`.
    fn at(file: FileId, text: &str, needle: &str) -> Span {
        let start = text.find(needle).unwrap();
        Span::new(file, start, start + needle.len())
    }

    #[test]
    fn primary_and_secondary_label_with_help() {
        let (sources, aks, _) = sources();
        let diag = Diagnostic::new(
            "AKS012",
            "dns-service-ip-outside-service-cidr",
            Severity::Error,
            "dnsServiceIp 10.1.0.10 is not inside serviceCidr 10.0.0.0/16",
            Label::new(at(aks, AKS, "10.1.0.10"), "outside the service CIDR"),
        )
        .with_label(at(aks, AKS, "10.0.0.0/16"), "service CIDR defined here")
        .with_help("pick an address inside serviceCidr, e.g. 10.0.0.10");
        let out = render(&[diag], &sources, &summary(1, 0, 0), &opts());
        insta::assert_snapshot!(out);
    }

    #[test]
    fn label_in_a_second_file() {
        let (sources, aks, vnet) = sources();
        let diag = Diagnostic::new(
            "AKS004",
            "cni-subnet-too-small",
            Severity::Error,
            "subnet snet-nodes (/28, 11 usable addresses) is too small for 3 nodes with 30 pods each",
            Label::new(at(aks, AKS, "snet-nodes"), "node pool uses this subnet"),
        )
        .with_label(at(vnet, VNET, "10.0.4.0/28"), "only 11 usable addresses")
        .with_label(at(vnet, VNET, "snet-nodes"), "subnet defined here")
        .with_help("Azure CNI needs (max pods + 1) addresses per node; use at least a /24");
        let out = render(&[diag], &sources, &summary(1, 0, 0), &opts());
        insta::assert_snapshot!(out);
    }

    #[test]
    fn parse_error() {
        let mut sources = SourceMap::default();
        let text = "networkProfile:\n  podCidr: [10.244.0.0/16,\n";
        let file = sources.add("broken.yaml".into(), text.into());
        let err = yaml::parse(file, text).unwrap_err();
        let diag = Diagnostic::parse_error(err.span, err.message);
        let out = render(&[diag], &sources, &summary(1, 0, 0), &opts());
        insta::assert_snapshot!(out);
    }

    #[test]
    fn warning_and_info_with_elapsed() {
        let (sources, aks, _) = sources();
        let warning = Diagnostic::new(
            "AKS020",
            "azure-cni-without-overlay",
            Severity::Warning,
            "networkPlugin azure without networkPluginMode overlay gives every pod a VNet address",
            Label::new(at(aks, AKS, "azure"), ""),
        );
        let info = Diagnostic::new(
            "AKS030",
            "unicode-name",
            Severity::Info,
            "cluster name contains non-ASCII characters",
            Label::new(at(aks, AKS, "aks-démo"), "here"),
        );
        let opts = Options {
            show_elapsed: true,
            ..opts()
        };
        let out = render(&[warning, info], &sources, &summary(0, 1, 1), &opts);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn no_problems() {
        let one = Summary {
            files: 1,
            resources: 1,
            ..Summary::default()
        };
        let out = render(&[], &SourceMap::default(), &one, &opts());
        assert_eq!(out, "No problems found in 1 file (1 resource)\n");
        let out = render(&[], &SourceMap::default(), &summary(0, 0, 0), &opts());
        insta::assert_snapshot!(out);
    }

    #[test]
    fn colour_only_when_asked() {
        let (sources, aks, _) = sources();
        let diag = Diagnostic::new(
            "A",
            "b",
            Severity::Warning,
            "m",
            Label::new(at(aks, AKS, "azure"), "x"),
        );
        let plain = render(
            std::slice::from_ref(&diag),
            &sources,
            &summary(0, 1, 0),
            &opts(),
        );
        assert!(!plain.contains('\u{1b}'));
        let color = Options {
            color: true,
            ..opts()
        };
        let coloured = render(&[diag], &sources, &summary(0, 1, 0), &color);
        assert!(coloured.contains('\u{1b}'));
    }

    #[test]
    fn header_column_counts_characters() {
        let mut sources = SourceMap::default();
        let text = "ñame: café\r\nnëxt: 日本語 here\r\n";
        let file = sources.add("c.yaml".into(), text.into());
        let span = at(file, text, "here");
        let diag = Diagnostic::new("A", "b", Severity::Error, "m", Label::new(span, "x"));
        let out = render(&[diag], &sources, &summary(1, 0, 0), &opts());
        let column = sources.get(file).line_col(span.start as usize).column;
        assert!(out.contains(&format!("[c.yaml:2:{column}]")), "{out}");
    }

    #[test]
    fn empty_spans_are_shown() {
        let mut sources = SourceMap::default();
        let text = "a: 1\n\nb: [\n\n";
        let file = sources.add("e.yaml".into(), text.into());
        let mut out = String::new();
        for (start, label) in [
            (0, "at start"),
            (4, "at line end"),
            (5, "on blank line"),
            (text.len(), "at eof"),
        ] {
            let span = Span::new(file, start, start);
            let diag = Diagnostic::new("E", "e", Severity::Error, "empty", Label::new(span, label));
            out.push_str(&render(&[diag], &sources, &summary(1, 0, 0), &opts()));
        }
        for label in ["at start", "at line end", "on blank line", "at eof"] {
            assert!(out.contains(label), "{label}");
        }
    }

    #[test]
    fn odd_spans_do_not_panic() {
        let (sources, aks, vnet) = sources();
        let len = AKS.len();
        let spans = [
            Span::new(aks, len, len),
            Span::new(aks, len + 50, len + 90),
            Span::new(aks, 0, 0),
            // Inside the two bytes of `é`.
            Span::new(aks, AKS.find('é').unwrap() + 1, AKS.find('é').unwrap() + 2),
            Span::new(FileId(99), 0, 4),
        ];
        for span in spans {
            let diag = Diagnostic::new(
                "AKS999",
                "odd",
                Severity::Error,
                "odd",
                Label::new(span, "x"),
            )
            .with_label(Span::new(vnet, 9999, 9999), "far away")
            .with_label(Span::new(FileId(42), 1, 2), "nowhere");
            for width in [0, 1, 100] {
                let opts = Options { width, ..opts() };
                let out = render(
                    std::slice::from_ref(&diag),
                    &sources,
                    &summary(1, 0, 0),
                    &opts,
                );
                assert!(out.contains("AKS999 odd"), "{out}");
                assert!(!out.contains("Failed to read"), "{out}");
            }
        }
    }
}
