//! Findings as data, grouped by resource (and by rule inside a group, which
//! the page's script does from the order), each with its source snippet and
//! the span marked; and each rule's explanation once, as HTML.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use super::map::text;
use super::{w, Anchors, Esc, Page};
use crate::diagnostic::{Diagnostic, Label};
use crate::model::Inventory;
use crate::report::{locate, relative_path, source_file};
use crate::rules;
use crate::source::{SourceFile, Span};

/// Secondary labels kept per finding; a flood is counted, not listed.
const MAX_LABELS: usize = 20;
/// Lines of a snippet, and bytes of one line shown around the span.
const MAX_LINES: usize = 4;
const LINE_WINDOW: usize = 240;

/// Tables the findings refer to by index, so a path or a rule code is written once.
#[derive(Default)]
pub(super) struct Tables {
    pub files: Vec<Value>,
    file_index: HashMap<String, usize>,
    pub rules: Vec<Value>,
    rule_index: HashMap<String, usize>,
}

impl Tables {
    fn file(&mut self, path: String) -> usize {
        if let Some(&i) = self.file_index.get(&path) {
            return i;
        }
        self.files.push(text(&path));
        self.file_index.insert(path, self.files.len() - 1);
        self.files.len() - 1
    }

    fn rule(&mut self, d: &Diagnostic) -> usize {
        if let Some(&i) = self.rule_index.get(&d.code) {
            return i;
        }
        self.rules.push(json!([text(&d.code), text(&d.name)]));
        self.rule_index.insert(d.code.clone(), self.rules.len() - 1);
        self.rules.len() - 1
    }
}

/// A group's anchor, title and findings by rule code.
type Group<'a> = (Option<&'a str>, String, BTreeMap<&'a str, Vec<usize>>);

/// Groups `[anchor, title, findings]`: one per map resource (anchor `s0`, …),
/// per resource not drawn and per file for findings about no resource (anchor
/// `null`); the findings by rule code, each rule's in report order.
pub(super) fn groups(page: &Page<'_>, anchors: &Anchors<'_>) -> Value {
    let diags = page.diagnostics;
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (n, d) in diags.iter().enumerate() {
        let anchor = anchors.of(d);
        let key = match (anchor, &d.resource) {
            (Some(a), _) => a.to_string(),
            (None, Some(r)) => format!("r:{r}"),
            (None, None) => format!("f:{}", locate(page.sources, d.primary.span).path),
        };
        let gi = *index.entry(key).or_insert_with(|| {
            let title = match (anchor, &d.resource) {
                (Some(a), _) => title_of(page.inventory, a),
                (None, Some(r)) => r.clone(),
                (None, None) => format!(
                    "file {}",
                    relative_path(locate(page.sources, d.primary.span).path, page.base)
                ),
            };
            groups.push((anchor, title, BTreeMap::new()));
            groups.len() - 1
        });
        groups[gi].2.entry(d.code.as_str()).or_default().push(n);
    }
    groups
        .into_iter()
        .map(|(anchor, title, by_rule)| {
            let members: Vec<usize> = by_rule.into_values().flatten().collect();
            json!([anchor, text(&title), members])
        })
        .collect()
}

/// `subnet snet-aks-nodes`, from a map anchor such as `s0`.
fn title_of(inv: &Inventory, anchor: &str) -> String {
    let (kind, i) = anchor.split_at(1);
    let i: usize = i.parse().unwrap_or(usize::MAX);
    let named =
        |name: Option<&String>, address: &str| name.cloned().unwrap_or_else(|| address.to_string());
    match kind {
        "v" => inv
            .vnets
            .get(i)
            .map(|v| format!("VNet {}", named(v.name.value(), &v.address))),
        "s" => inv
            .subnets
            .get(i)
            .map(|s| format!("subnet {}", s.display_name())),
        "c" => inv
            .clusters
            .get(i)
            .map(|c| format!("cluster {}", rules::cluster_name(c))),
        "p" => inv
            .pools
            .get(i)
            .map(|p| format!("node pool {}", crate::capacity::pool_label(inv, p))),
        "n" => inv
            .nsgs
            .get(i)
            .map(|n| format!("NSG {}", named(n.name.value(), &n.address))),
        "t" => inv
            .route_tables
            .get(i)
            .map(|r| format!("route table {}", named(r.name.value(), &r.address))),
        _ => None,
    }
    .unwrap_or_else(|| anchor.to_string())
}

/// Findings in report order: `[rule, severity, message, file, line, column,
/// snippet, labels, labels not listed, help]`; a snippet `[label, lines]`, a
/// line `[number, text before, marked text or null, text after]`, a label
/// `[file, line, column, message]`.
pub(super) fn findings(page: &Page<'_>, tables: &mut Tables) -> Value {
    page.diagnostics
        .iter()
        .map(|d| finding(page, tables, d))
        .collect()
}

fn finding(page: &Page<'_>, tables: &mut Tables, d: &Diagnostic) -> Value {
    let at = locate(page.sources, d.primary.span);
    let file = tables.file(relative_path(at.path, page.base));
    let snippet = source_file(page.sources, d.primary.span).map_or(Value::Null, |f| {
        snippet(f, d.primary.span, &d.primary.message)
    });
    let labels: Vec<Value> = d
        .labels
        .iter()
        .take(MAX_LABELS)
        .map(|l| label(page, tables, l))
        .collect();
    json!([
        tables.rule(d),
        d.severity.as_str(),
        text(&d.message),
        file,
        at.start.line,
        at.start.column,
        snippet,
        labels,
        d.labels.len().saturating_sub(MAX_LABELS),
        d.help.as_deref().map(text)
    ])
}

fn label(page: &Page<'_>, tables: &mut Tables, l: &Label) -> Value {
    let at = locate(page.sources, l.span);
    json!([
        tables.file(relative_path(at.path, page.base)),
        at.start.line,
        at.start.column,
        text(&l.message)
    ])
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The lines of `span` (at most [`MAX_LINES`]), each cut to a window around the
/// span (`…` where cut), with the marked part apart.
fn snippet(file: &SourceFile, span: Span, label: &str) -> Value {
    let text_of = |a: usize, b: usize| super::visible(&file.text[a..b]).into_owned();
    let src: &str = &file.text;
    let start = floor_boundary(src, span.start as usize);
    let end = floor_boundary(src, (span.end as usize).max(start));
    let first = file.line_index(start);
    let last = file
        .line_index(end.saturating_sub(1).max(start))
        .min(first + MAX_LINES - 1);
    let mut lines = Vec::new();
    for line in first..=last {
        let ls = file.line_start(line).unwrap_or(src.len());
        let le = file
            .line_start(line + 1)
            .map_or(src.len(), |n| n.saturating_sub(1))
            .max(ls);
        let (ms, me) = (start.clamp(ls, le), end.clamp(ls, le));
        // A window of the line around the marked part, so a minified file shows a line, not itself.
        let (ws, we) = if le - ls <= LINE_WINDOW {
            (ls, le)
        } else {
            let ws = floor_boundary(src, ms.saturating_sub(LINE_WINDOW / 3).max(ls));
            let we = floor_boundary(
                src,
                (ws + LINE_WINDOW).max(me.min(ws + 2 * LINE_WINDOW)).min(le),
            );
            (ws, we)
        };
        let me = me.min(we);
        let ms = ms.min(me);
        let before = format!("{}{}", if ws > ls { "…" } else { "" }, text_of(ws, ms));
        let marked = (me > ms || line == first).then(|| text_of(ms, me));
        let after = format!("{}{}", text_of(me, we), if we < le { "…" } else { "" });
        lines.push(json!([line + 1, before, marked, after]));
    }
    json!([text(label), lines])
}

/// Each rule that found something, its explanation folded.
pub(super) fn rules_section(out: &mut String, diags: &[Diagnostic]) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for d in diags {
        *counts.entry(d.code.as_str()).or_default() += 1;
    }
    out.push_str("<section id=\"rules\">\n<h2>Rules</h2>\n");
    if counts.is_empty() {
        out.push_str("<p class=\"none\">No rule found anything.</p>\n");
    }
    for (code, n) in counts {
        w!(
            out,
            "<details class=\"expl\" id=\"rule-{}\"><summary>",
            Esc(code)
        );
        match rules::find(code) {
            Some(r) => {
                let m = r.meta();
                w!(
                    out,
                    "<b>{}</b> {} ({}) — {} · {n} finding{}</summary>\n<div class=\"text\">{}</div>",
                    Esc(m.code),
                    Esc(m.name),
                    m.default_severity,
                    Esc(m.summary),
                    if n == 1 { "" } else { "s" },
                    Esc(&m.explanation_text())
                );
            }
            None => w!(
                out,
                "<b>{}</b> · {n} finding{}</summary>\n<div class=\"text\">Not a rule: akslint reports this about the inputs themselves.</div>",
                Esc(code),
                if n == 1 { "" } else { "s" }
            ),
        }
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}
