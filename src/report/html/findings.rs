//! Findings grouped by resource and rule, with the source snippet and the span
//! highlighted, and each rule's explanation once at the end.

use std::collections::{BTreeMap, HashMap};

use super::{w, Anchors, Esc, Page};
use crate::diagnostic::Diagnostic;
use crate::model::Inventory;
use crate::report::{locate, relative_path, source_file};
use crate::rules;
use crate::source::{SourceFile, Span};

/// More groups than this start collapsed.
const OPEN_LIMIT: usize = 50;
/// Secondary labels shown per finding; a flood is summarised.
const MAX_LABELS: usize = 20;
/// Lines of a snippet, and bytes of one line shown around the span.
const MAX_LINES: usize = 4;
const LINE_WINDOW: usize = 240;

struct Group<'d> {
    anchor: Option<String>,
    title: String,
    by_rule: BTreeMap<&'d str, Vec<(usize, &'d Diagnostic)>>,
}

pub(super) fn render(out: &mut String, page: &Page<'_>, anchors: &Anchors<'_>) {
    let diags = page.diagnostics;
    out.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
    if diags.is_empty() {
        out.push_str("<p class=\"none\">No findings.</p>\n");
    }
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (n, d) in diags.iter().enumerate() {
        let anchor = anchors.of(d).map(str::to_string);
        let key = match (&anchor, &d.resource) {
            (Some(a), _) => a.clone(),
            (None, Some(r)) => format!("r:{r}"),
            (None, None) => format!("f:{}", locate(page.sources, d.primary.span).path),
        };
        let gi = *index.entry(key).or_insert_with(|| {
            let title = match (&anchor, &d.resource) {
                (Some(a), _) => title_of(page.inventory, a),
                (None, Some(r)) => r.clone(),
                (None, None) => format!(
                    "file {}",
                    relative_path(locate(page.sources, d.primary.span).path, page.base)
                ),
            };
            groups.push(Group {
                anchor: anchor.clone(),
                title,
                by_rule: BTreeMap::new(),
            });
            groups.len() - 1
        });
        groups[gi]
            .by_rule
            .entry(d.code.as_str())
            .or_default()
            .push((n, d));
    }
    let open = groups.len() <= OPEN_LIMIT;
    for g in &groups {
        group(out, page, g, open);
    }
    out.push_str("</section>\n");
    rules_section(out, diags);
    out.push_str("</main>\n");
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

fn group(out: &mut String, page: &Page<'_>, g: &Group<'_>, open: bool) {
    let count: usize = g.by_rule.values().map(Vec::len).sum();
    let id = g
        .anchor
        .as_ref()
        .map(|a| format!(" id=\"f-{a}\""))
        .unwrap_or_default();
    w!(
        out,
        "<details class=\"res\"{id}{}><summary><b>{}</b> · {count} finding{}",
        if open { " open" } else { "" },
        Esc(&g.title),
        if count == 1 { "" } else { "s" }
    );
    if let Some(a) = &g.anchor {
        w!(out, " <a class=\"tomap\" href=\"#{a}\">on the map</a>");
    }
    out.push_str("</summary>\n");
    for (code, items) in &g.by_rule {
        let name = items.first().map(|(_, d)| d.name.as_str()).unwrap_or("");
        w!(
            out,
            "<div class=\"rule\"><h4><a href=\"#rule-{}\">{} {}</a></h4>\n",
            Esc(code),
            Esc(code),
            Esc(name)
        );
        for (n, d) in items {
            finding(out, page, *n, d);
        }
        out.push_str("</div>\n");
    }
    out.push_str("</details>\n");
}

fn finding(out: &mut String, page: &Page<'_>, n: usize, d: &Diagnostic) {
    let sev = d.severity.as_str();
    let at = locate(page.sources, d.primary.span);
    w!(
        out,
        "<article class=\"f {sev}\" id=\"d{n}\" data-code=\"{}\"><p class=\"msg\"><span class=\"sev\">{sev}</span> {}</p>\n<p class=\"loc\">{}:{}:{}</p>\n",
        Esc(&d.code),
        Esc(&d.message),
        Esc(&relative_path(at.path, page.base)),
        at.start.line,
        at.start.column
    );
    if let Some(file) = source_file(page.sources, d.primary.span) {
        snippet(out, file, d.primary.span, &d.primary.message);
    }
    if !d.labels.is_empty() {
        out.push_str("<ul class=\"labels\">");
        for l in d.labels.iter().take(MAX_LABELS) {
            let at = locate(page.sources, l.span);
            w!(
                out,
                "<li><span class=\"loc\">{}:{}:{}</span> {}</li>",
                Esc(&relative_path(at.path, page.base)),
                at.start.line,
                at.start.column,
                Esc(&l.message)
            );
        }
        if d.labels.len() > MAX_LABELS {
            w!(out, "<li>… and {} more</li>", d.labels.len() - MAX_LABELS);
        }
        out.push_str("</ul>\n");
    }
    if let Some(help) = &d.help {
        w!(out, "<p class=\"help\">help: {}</p>\n", Esc(help));
    }
    out.push_str("</article>\n");
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The lines of `span` (at most [`MAX_LINES`]), each cut to a window around the
/// span, with the span marked and the primary label after it.
fn snippet(out: &mut String, file: &SourceFile, span: Span, label: &str) {
    let text: &str = &file.text;
    let starts = file.line_starts();
    let start = floor_boundary(text, span.start as usize);
    let end = floor_boundary(text, (span.end as usize).max(start));
    let line_of = |off: usize| match starts.binary_search(&off) {
        Ok(i) => i,
        Err(i) => i.saturating_sub(1),
    };
    let first = line_of(start);
    let last = line_of(end.saturating_sub(1).max(start)).min(first + MAX_LINES - 1);
    out.push_str("<pre class=\"snip\">");
    for line in first..=last {
        let ls = starts[line];
        let le = starts
            .get(line + 1)
            .map_or(text.len(), |&n| n.saturating_sub(1))
            .max(ls);
        let (ms, me) = (start.clamp(ls, le), end.clamp(ls, le));
        // A window of the line around the marked part, so a minified file shows a line, not itself.
        let (ws, we) = if le - ls <= LINE_WINDOW {
            (ls, le)
        } else {
            let ws = floor_boundary(text, ms.saturating_sub(LINE_WINDOW / 3).max(ls));
            let we = floor_boundary(
                text,
                (ws + LINE_WINDOW).max(me.min(ws + 2 * LINE_WINDOW)).min(le),
            );
            (ws, we)
        };
        let me = me.min(we);
        let ms = ms.min(me);
        w!(out, "<span class=\"ln\">{:>5}</span> ", line + 1);
        if ws > ls {
            out.push('…');
        }
        w!(out, "{}", Esc(&text[ws..ms]));
        if me > ms || line == first {
            w!(out, "<mark>{}</mark>", Esc(&text[ms..me]));
        }
        w!(out, "{}", Esc(&text[me..we]));
        if we < le {
            out.push('…');
        }
        out.push('\n');
    }
    if !label.is_empty() {
        w!(out, "<span class=\"lbl\">      ↳ {}</span>", Esc(label));
    }
    out.push_str("</pre>\n");
}

/// Each rule that found something, its explanation folded.
fn rules_section(out: &mut String, diags: &[Diagnostic]) {
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
