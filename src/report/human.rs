//! Terminal output: miette's graphical rendering of each diagnostic, then one
//! summary line.

use std::fmt::{self, Write as _};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    NamedSource, SourceCode, SourceSpan, SpanContents,
};

use super::escape::{escape, push_escaped};
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
    let mut shown: Vec<(&str, usize)> = Vec::new();
    for diag in diags {
        if note_shown(&mut shown, &diag.code) {
            out.push_str(&render_one(&handler, diag, sources));
            out.push('\n');
        }
    }
    out.push_str(&flood_lines(&shown));
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
        Err(fmt::Error) => format!("{}: {}\n", report.header, report.message),
    }
}

/// Findings of one code shown in full; the rest are counted in one line, so a
/// flood (every pair of 300 overlapping subnets) stays readable. Machine
/// formats list them all.
pub const MAX_PER_CODE: usize = 100;

/// Counts a finding of `code` in `shown` (code, findings so far); true while
/// the code is under [`MAX_PER_CODE`].
fn note_shown<'a>(shown: &mut Vec<(&'a str, usize)>, code: &'a str) -> bool {
    let i = match shown.iter().position(|(c, _)| *c == code) {
        Some(i) => i,
        None => {
            shown.push((code, 0));
            shown.len() - 1
        }
    };
    shown[i].1 += 1;
    shown[i].1 <= MAX_PER_CODE
}

/// `AKS111: 44,750 more findings not shown; --format json lists them all`, per
/// code over the cap, followed by a blank line; empty when none is.
fn flood_lines(shown: &[(&str, usize)]) -> String {
    let mut lines = String::new();
    for (code, n) in shown.iter().filter(|(_, n)| *n > MAX_PER_CODE) {
        let more = n - MAX_PER_CODE;
        let _ = writeln!(
            lines,
            "{}: {} more {} not shown; --format json lists them all",
            escape(code),
            thousands(more),
            if more == 1 { "finding" } else { "findings" }
        );
    }
    if !lines.is_empty() {
        lines.push('\n');
    }
    lines
}

/// `44750` → `44,750`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
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
            let _ = writeln!(lines, "  {}: {}", escape(&d.code), escape(&url));
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
    /// The message and help, escaped: they may quote input.
    message: String,
    help: Option<String>,
    source: Option<NamedSource<Excerpt>>,
    labels: Vec<LabeledSpan>,
    /// Labels in other files, one advice per file.
    related: Vec<Related>,
}

impl<'a> Report<'a> {
    fn new(diag: &'a Diagnostic, sources: &SourceMap) -> Report<'a> {
        let file = source_file(sources, diag.primary.span);
        let labels: Vec<(&Label, bool)> = std::iter::once((&diag.primary, true))
            .chain(
                diag.labels
                    .iter()
                    .filter(|l| is_near_primary(diag, l, sources))
                    .map(|l| (l, false)),
            )
            .collect();
        let (source, labels) = match file.map(|f| snippet(f, &labels)) {
            Some((source, labels)) => (Some(source), labels),
            None => (None, Vec::new()),
        };
        Report {
            diag,
            header: shown(&header(diag)),
            message: shown(&diag.message),
            help: diag.help.as_deref().map(shown),
            source,
            labels,
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
        f.write_str(&self.message)
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
        self.help
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
    source: NamedSource<Excerpt>,
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
                let labels: Vec<(&Label, bool)> = labels.into_iter().map(|l| (l, false)).collect();
                let (source, labels) = snippet(file, &labels);
                Some(Related {
                    message: "see also".to_string(),
                    source,
                    labels,
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

/// The part of `file` that a snippet shows, made safe, and `labels` pointing into it.
fn snippet(
    file: &SourceFile,
    labels: &[(&Label, bool)],
) -> (NamedSource<Excerpt>, Vec<LabeledSpan>) {
    let spans: Vec<SourceSpan> = labels
        .iter()
        .map(|(l, _)| clamp(&file.text, l.span))
        .collect();
    let excerpt = Excerpt::new(file, &spans);
    let labeled = labels
        .iter()
        .zip(&spans)
        .map(|((label, primary), span)| {
            let text = (!label.message.is_empty()).then(|| shown(&label.message));
            let span = excerpt.map_span(span);
            if *primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        })
        .collect();
    let name = escape(&file.path).into_owned();
    (NamedSource::new(name, excerpt), labeled)
}

/// Messages, labels and help longer than this many characters are cut: they
/// may quote a name of any length from the input.
const LONG_TEXT: usize = 1000;

/// A message, label or help as shown: escaped, and cut after [`LONG_TEXT`]
/// characters with a count of the rest.
fn shown(text: &str) -> String {
    let text = escape(text);
    match text.char_indices().nth(LONG_TEXT) {
        Some((cut, _)) => {
            let rest = text[cut..].chars().count();
            format!("{}… ({} more characters)", &text[..cut], thousands(rest))
        }
        None => text.into_owned(),
    }
}

/// Source lines longer than this many characters are cut around the labels
/// (Azure resource ids, the longest values people edit, stay whole).
const LONG_LINE: usize = 400;
/// On a cut line: characters kept before a label, of the label, and after it.
const CUT_BEFORE: usize = 60;
const CUT_LABEL: usize = 280;
const CUT_AFTER: usize = 60;

/// The lines around a snippet's labels as they are shown: control, bidi and
/// invisible characters escaped (tabs stay: miette expands them), long lines cut
/// around the labels with `…`. Only these lines are kept, so a snippet costs the
/// same in a 10 MB one-line file as in a small one.
#[derive(Debug)]
struct Excerpt {
    text: String,
    /// 0-based line of the file where `text` starts.
    first_line: usize,
    /// (offset in the file, offset in `text`) at every kept character and cut, ascending.
    offsets: Vec<(usize, usize)>,
    /// (offset in `text`, 0-based column in characters in the file) of each label's start.
    columns: Vec<(usize, usize)>,
}

impl Excerpt {
    fn new(file: &SourceFile, spans: &[SourceSpan]) -> Excerpt {
        let text = &*file.text;
        let line_of = |offset: usize| file.line_index(offset);
        // Two spare lines beyond miette's one line of context each side.
        let first = spans
            .iter()
            .map(|s| line_of(s.offset()))
            .min()
            .unwrap_or(0)
            .saturating_sub(3);
        let last = spans
            .iter()
            .map(|s| line_of(s.offset() + s.len()))
            .max()
            .unwrap_or(0)
            .saturating_add(3)
            .min(file.line_count().saturating_sub(1));
        let mut excerpt = Excerpt {
            text: String::new(),
            first_line: first,
            offsets: Vec::new(),
            columns: Vec::new(),
        };
        for line in first..=last {
            let from = file.line_start(line).unwrap_or(text.len());
            let to = file.line_start(line + 1).unwrap_or(text.len());
            let body_end = if text[from..to].ends_with('\n') {
                to - 1
            } else {
                to
            };
            let marks: Vec<(usize, usize)> = spans
                .iter()
                .map(|s| (s.offset(), s.offset() + s.len()))
                .filter(|&(s, e)| s <= body_end && e >= from)
                .map(|(s, e)| (s.max(from) - from, e.min(body_end) - from))
                .collect();
            excerpt.push_line(from, &text[from..body_end], &marks);
            if body_end < to {
                excerpt.offsets.push((body_end, excerpt.text.len()));
                excerpt.text.push('\n');
            }
        }
        excerpt.columns = spans
            .iter()
            .map(|s| (excerpt.map(s.offset()), char_column(text, s.offset())))
            .collect();
        excerpt
    }

    /// Appends one line (without its line break) starting at `from` in the file;
    /// `marks` are the labels on it, relative to the line.
    fn push_line(&mut self, from: usize, line: &str, marks: &[(usize, usize)]) {
        let ranges = kept_ranges(line, marks);
        let mut at = 0;
        for range in ranges {
            if range.start > at {
                self.text.push('…');
            }
            for (i, c) in line[range.clone()].char_indices() {
                self.offsets.push((from + range.start + i, self.text.len()));
                push_escaped(&mut self.text, c, &|c| c == '\t');
            }
            self.offsets.push((from + range.end, self.text.len()));
            at = range.end;
        }
        if at < line.len() {
            self.text.push('…');
        }
    }

    /// Where a file offset is shown: cut text maps to the nearest kept place before it.
    fn map(&self, offset: usize) -> usize {
        match self.offsets.binary_search_by_key(&offset, |&(o, _)| o) {
            Ok(i) => self.offsets[i].1,
            Err(0) => self.offsets.first().map_or(0, |&(_, n)| n),
            Err(i) => self.offsets[i - 1].1,
        }
    }

    fn map_span(&self, span: &SourceSpan) -> SourceSpan {
        let start = self.map(span.offset());
        let end = self.map(span.offset() + span.len()).max(start);
        SourceSpan::new(start.into(), end - start)
    }
}

/// The byte ranges of `line` to show: all of it when it is short, else some
/// context around each label (`marks`), or its start when it has none.
fn kept_ranges(line: &str, marks: &[(usize, usize)]) -> Vec<std::ops::Range<usize>> {
    // A character is at most four bytes: only lines in between need counting.
    if line.len() <= LONG_LINE || (line.len() <= 4 * LONG_LINE && line.chars().count() <= LONG_LINE)
    {
        return std::iter::once(0..line.len()).collect();
    }
    if marks.is_empty() {
        return std::iter::once(0..chars_forward(line, 0, LONG_LINE)).collect();
    }
    let mut ranges: Vec<std::ops::Range<usize>> = marks
        .iter()
        .map(|&(s, e)| {
            let label_end = chars_forward(line, s, CUT_LABEL).min(e).max(s);
            chars_back(line, s, CUT_BEFORE)..chars_forward(line, label_end, CUT_AFTER)
        })
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<std::ops::Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// The byte offset `n` characters after `at` in `line` (or its end).
fn chars_forward(line: &str, at: usize, n: usize) -> usize {
    line.get(at..)
        .and_then(|rest| rest.char_indices().nth(n))
        .map_or(line.len(), |(i, _)| at + i)
}

/// The byte offset `n` characters before `at` in `line` (or its start).
fn chars_back(line: &str, at: usize, n: usize) -> usize {
    line.get(..at)
        .and_then(|before| before.char_indices().rev().take(n).last())
        .map_or(at.min(line.len()), |(i, _)| i)
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &'a str = &self.text;
        let found = text.read_span(span, context_lines_before, context_lines_after)?;
        // miette counts lines from the start of what it reads; the file's
        // columns are in characters (like `file:line:col` of the JSON output),
        // counted in the file, not in the escaped and cut excerpt.
        let column = if context_lines_before > 0 {
            found.column()
        } else {
            self.columns
                .iter()
                .find(|&&(at, _)| at == span.offset())
                .map_or_else(|| char_column(text, span.offset()), |&(_, c)| c)
        };
        Ok(Box::new(MietteSpanContents::new(
            found.data(),
            *found.span(),
            found.line() + self.first_line,
            column,
            found.line_count() + self.first_line,
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

/// Keeps a span inside the text and on character boundaries, so miette can
/// always read it. Empty spans stay empty (miette marks one column for them),
/// but one at the very end moves back to the last content: miette shows no
/// line after a final line break, and the label would vanish.
fn clamp(text: &str, span: Span) -> SourceSpan {
    let mut start = floor_char_boundary(text, span.start as usize);
    let end = floor_char_boundary(text, span.end as usize).max(start);
    if end == start && start == text.len() {
        start = text.trim_end().len();
        // Nor does it draw an empty label after the last character of a text
        // without a final line break: mark that character instead.
        if let Some(last) = text[..start]
            .chars()
            .next_back()
            .filter(|_| start == text.len())
        {
            let width = last.len_utf8();
            return SourceSpan::new((start - width).into(), width);
        }
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
        // No final line break: the label marks the last character.
        let text = "a: 1\nb: ¡";
        let file = sources.add("n.yaml".into(), text.into());
        let span = Span::new(file, text.len(), text.len());
        let diag = Diagnostic::new(
            "E",
            "e",
            Severity::Error,
            "empty",
            Label::new(span, "at end"),
        );
        let out = render(&[diag], &sources, &summary(1, 0, 0), &opts());
        assert!(
            out.contains("at end") && out.contains("[n.yaml:2:4]"),
            "{out}"
        );
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

    #[test]
    fn long_lines_keep_context_around_each_label_and_escape_the_rest() {
        let mut sources = SourceMap::default();
        let x = "x".repeat(1000);
        let text = format!("{x}AAA{x}\u{1b}[31mBBB{x}\n");
        let file = sources.add("long\n.json".into(), text.clone());
        let diag = Diagnostic::new(
            "A",
            "b",
            Severity::Error,
            "m\u{202e}",
            Label::new(at(file, &text, "AAA"), "first"),
        )
        .with_label(at(file, &text, "BBB"), "second\n::x");
        let out = render(&[diag], &sources, &summary(1, 0, 0), &opts());
        for shown in [
            "AAA",
            "BBB",
            "first",
            "second\\u{a}::x",
            "m\\u{202e}",
            "\\u{1b}[31m",
        ] {
            assert!(out.contains(shown), "{shown}: {out}");
        }
        assert!(out.contains("[long\\u{a}.json:1:1001]"), "{out}");
        assert_eq!(out.matches('…').count(), 3, "{out}");
        assert!(out.len() < 2000, "{out}");
        assert!(!out.contains('\u{1b}'), "{out}");
    }

    #[test]
    fn floods_are_cut_per_code_with_exact_counts() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(319_900), "319,900");
        assert_eq!(thousands(1_234_567), "1,234,567");
        let (sources, aks, _) = sources();
        let one = |code: &str| {
            Diagnostic::new(
                code,
                "x",
                Severity::Error,
                "m",
                Label::new(at(aks, AKS, "azure"), "l"),
            )
        };
        let mut diags: Vec<Diagnostic> = (0..MAX_PER_CODE + 2).map(|_| one("A")).collect();
        diags.extend((0..MAX_PER_CODE + 1).map(|_| one("B")));
        diags.extend((0..3).map(|_| one("C")));
        let out = render(&diags, &sources, &summary(diags.len(), 0, 0), &opts());
        assert_eq!(out.matches("× m").count(), 2 * MAX_PER_CODE + 3, "{out}");
        assert!(out.contains("\nA: 2 more findings not shown; --format json lists them all\n"));
        assert!(out.contains("\nB: 1 more finding not shown"));
        assert!(!out.contains("C: "));
        assert!(out.ends_with("206 errors, 0 warnings, 0 infos in 2 files (3 resources)\n"));
    }

    #[test]
    fn long_messages_and_labels_are_cut() {
        let (sources, aks, _) = sources();
        let name = "n".repeat(5000);
        let diag = Diagnostic::new(
            "A",
            "b",
            Severity::Error,
            format!("subnet `{name}` is too small"),
            Label::new(at(aks, AKS, "azure"), format!("label {name}")),
        )
        .with_help(format!("help {name}"));
        let wide = Options {
            width: 100_000,
            ..opts()
        };
        let out = render(&[diag], &sources, &summary(1, 0, 0), &wide);
        assert!(out.len() < 6000, "{} bytes: {out}", out.len());
        assert_eq!(out.matches("more characters)").count(), 3, "{out}");
        assert!(out.contains("n… (4,022 more characters)"), "{out}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// Whatever the text and wherever the labels, the report renders, its
        /// only control character is the line break, and it shows every label.
        #[test]
        fn any_text_and_spans_render_safely(
            text in "(?s).{0,300}",
            long in 0usize..3,
            spans in proptest::collection::vec((0usize..1200, 0usize..80), 1..4),
        ) {
            let text = format!("{text}{}\n{text}", "é\u{1b}".repeat(long * 250));
            let mut sources = SourceMap::default();
            let file = sources.add("p.json".into(), text.clone());
            let mut labels = spans.iter().map(|&(start, len)| {
                Span::new(file, start.min(text.len()), (start + len).min(text.len()))
            });
            let first = labels.next().unwrap_or(Span::new(file, 0, 0));
            let mut diag = Diagnostic::new("A", "b", Severity::Error, "m", Label::new(first, "L0"));
            for (i, span) in labels.enumerate() {
                diag = diag.with_label(span, format!("L{}", i + 1));
            }
            let out = render(&[diag], &sources, &summary(1, 0, 0), &opts());
            proptest::prop_assert!(
                !out.chars().any(|c| c != '\n' && crate::report::escape::is_unsafe(c)),
                "{:?}",
                out
            );
            for i in 0..spans.len() {
                let label = format!("L{i}");
                proptest::prop_assert!(out.contains(&label), "{} in {:?}", label, out);
            }
        }
    }
}
