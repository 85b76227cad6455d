//! `--format html`: one self-contained page (inline CSS and JS, nothing fetched)
//! with a summary, the network map drawn to scale, capacity bars and the
//! findings beside the resources they are about.
//!
//! The header and the rules' explanations are HTML; the map, the clusters and
//! the findings travel as compact data (a JSON block, resources referring to
//! each other by index) that the inline script turns into elements with
//! `textContent`, a folded VNet or finding group only when it is opened. Markup
//! repeated per resource made an estate's page several times its data (27.5 MB
//! for 8,600 clusters), and a DOM of every row made it slow to open.
//! Hand-written: a template engine would add a dependency without removing
//! any of the escaping care. Text from the inputs goes through [`Esc`] in
//! HTML and [`visible`] in the data, whose embedding escapes `<`, `>` and `&`.

mod data;
mod findings;
mod map;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use crate::capacity;
use crate::diagnostic::Diagnostic;
use crate::model::Inventory;
use crate::report::Summary;
use crate::rules::Thresholds;
use crate::source::SourceMap;

/// Writes to a `String` (which cannot fail).
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = write!($out, $($arg)*);
    }};
}
pub(crate) use w;

/// Everything the page shows.
pub struct Page<'a> {
    pub diagnostics: &'a [Diagnostic],
    pub sources: &'a SourceMap,
    pub inventory: &'a Inventory,
    pub thresholds: &'a Thresholds,
    pub summary: &'a Summary,
    /// The command line that produced the report, as the user typed it.
    pub command: &'a str,
    pub version: &'a str,
    /// Paths are shown relative to this folder when inside it.
    pub base: Option<&'a Path>,
}

/// Control characters of input text made visible (U+2400 pictures, `\u{…}`
/// for C1 and bidirectional controls) instead of reaching the page. Tabs and
/// newlines stay.
pub fn visible(s: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut from = 0;
    for (i, c) in s.char_indices() {
        let rep: Option<Cow<'static, str>> = match c {
            '\t' | '\n' => None,
            '\u{0}'..='\u{1f}' => Some(
                char::from_u32(0x2400 + c as u32)
                    .unwrap_or('\u{fffd}')
                    .to_string()
                    .into(),
            ),
            '\u{7f}' => Some("\u{2421}".into()),
            '\u{80}'..='\u{9f}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}' => Some(format!("\\u{{{:04x}}}", c as u32).into()),
            _ => None,
        };
        if let Some(rep) = rep {
            out.push_str(&s[from..i]);
            out.push_str(&rep);
            from = i + c.len_utf8();
        }
    }
    if from == 0 {
        return Cow::Borrowed(s);
    }
    out.push_str(&s[from..]);
    Cow::Owned(out)
}

/// Text from the inputs, [`visible`] and escaped for HTML text and quoted
/// attribute values.
pub struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = visible(self.0);
        let mut from = 0;
        for (i, c) in s.char_indices() {
            let rep = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => continue,
            };
            f.write_str(&s[from..i])?;
            f.write_str(rep)?;
            from = i + c.len_utf8();
        }
        f.write_str(&s[from..])
    }
}

/// Map element ids (`v0`, `s3`, `p7`, …) of the resources, by the address
/// findings name them with; the page's script uses the same ids.
pub(crate) struct Anchors<'a> {
    by_address: HashMap<&'a str, String>,
}

impl<'a> Anchors<'a> {
    fn build(inv: &'a Inventory) -> Anchors<'a> {
        let mut by_address = HashMap::new();
        let mut add = |prefix: char, addresses: &mut dyn Iterator<Item = &'a str>| {
            for (i, a) in addresses.enumerate() {
                by_address
                    .entry(a)
                    .or_insert_with(|| format!("{prefix}{i}"));
            }
        };
        add('v', &mut inv.vnets.iter().map(|v| v.address.as_str()));
        add('s', &mut inv.subnets.iter().map(|s| s.address.as_str()));
        add('c', &mut inv.clusters.iter().map(|c| c.address.as_str()));
        add('p', &mut inv.pools.iter().map(|p| p.address.as_str()));
        add('n', &mut inv.nsgs.iter().map(|n| n.address.as_str()));
        add(
            't',
            &mut inv.route_tables.iter().map(|r| r.address.as_str()),
        );
        Anchors { by_address }
    }

    /// The map element a finding is about, when it is drawn.
    pub fn of(&self, d: &Diagnostic) -> Option<&str> {
        self.by_address
            .get(d.resource.as_deref()?)
            .map(String::as_str)
    }
}

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("script.js");

/// Renders the whole page: the header and the rules' explanations as HTML,
/// the map and the findings as data (see [`data`]) that the inline script
/// draws, each folded part when it is first opened.
pub fn render(page: &Page<'_>) -> String {
    let inv = page.inventory;
    let anchors = Anchors::build(inv);
    let cap = capacity::compute(inv, page.thresholds);
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // Nothing may be fetched: only inline styles and scripts, no images or frames.
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n");
    out.push_str("<title>akslint report</title>\n<style>\n");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
    header(&mut out, page);
    out.push_str("<noscript><p class=\"none\">The network map and the findings are drawn by the page's script: enable JavaScript, or read the same findings with <code>--format json</code>.</p></noscript>\n");
    out.push_str("<main>\n<section id=\"map\">\n<h2>Network map</h2>\n</section>\n<section id=\"clusters\">\n<h2>Clusters</h2>\n</section>\n<section id=\"attached\">\n<h2>NSGs and route tables</h2>\n</section>\n<section id=\"findings\">\n<h2>Findings</h2>\n</section>\n");
    findings::rules_section(&mut out, page.diagnostics);
    out.push_str("</main>\n<script type=\"application/json\" id=\"data\">");
    data::embed(&mut out, &data::build(page, &anchors, &cap));
    out.push_str("</script>\n<script>\n");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

fn header(out: &mut String, page: &Page<'_>) {
    let inv = page.inventory;
    let s = page.summary;
    w!(out, "<header id=\"top\">\n<h1>akslint report</h1>\n");
    w!(
        out,
        "<p class=\"cmd\"><code>{}</code> · akslint {}</p>\n",
        Esc(page.command),
        Esc(page.version)
    );
    out.push_str("<dl class=\"counts\">\n");
    let counts = [
        ("inputs", s.files),
        ("clusters", inv.clusters.len()),
        ("node pools", inv.pools.len()),
        ("VNets", inv.vnets.len()),
        ("subnets", inv.subnets.len()),
        ("NSGs", inv.nsgs.len()),
        ("route tables", inv.route_tables.len()),
    ];
    for (what, n) in counts {
        w!(out, "<div><dt>{what}</dt><dd>{n}</dd></div>\n");
    }
    out.push_str("</dl>\n<dl class=\"counts sev\">\n");
    for (class, what, n) in [
        ("error", "errors", s.errors),
        ("warning", "warnings", s.warnings),
        ("info", "infos", s.infos),
    ] {
        w!(
            out,
            "<div class=\"{class}\"><dt>{what}</dt><dd>{n}</dd></div>\n"
        );
    }
    out.push_str("</dl>\n<nav><a href=\"#map\">Network map</a> <a href=\"#clusters\">Clusters</a> <a href=\"#findings\">Findings</a> <a href=\"#rules\">Rules</a> <button type=\"button\" id=\"expand\">Expand all</button> <button type=\"button\" id=\"collapse\">Collapse all</button> <input id=\"filter\" type=\"search\" placeholder=\"Filter VNets and clusters\" aria-label=\"Filter VNets and clusters\"></nav>\n</header>\n");
}

#[cfg(test)]
mod tests {
    use super::Esc;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            Esc("<script>alert('x')</script>").to_string(),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
        );
        assert_eq!(Esc("a\"b&c").to_string(), "a&quot;b&amp;c");
        assert_eq!(
            Esc("bell\u{7}esc\u{1b}").to_string(),
            "bell\u{2407}esc\u{241b}"
        );
        assert_eq!(Esc("x\u{202e}y").to_string(), "x\\u{202e}y");
        assert_eq!(Esc("tab\tnl\n").to_string(), "tab\tnl\n");
    }
}
