//! Documentation generated from the rules' own metadata: `docs/rules/<CODE>.md`,
//! the README's rule table and `akslint rules --format json|markdown`. One
//! source of truth, so the docs cannot drift from what the binary says.

use serde::Serialize;

use crate::rules::codes::{self, CodeMeta, Control};
use crate::rules::{self, RuleMeta};

/// Folder of the per-rule pages, relative to the repository root.
pub const RULE_DOCS_DIR: &str = "docs/rules";

/// Every rule's page, then every non-rule code's: (file name, contents).
pub fn rule_pages() -> Vec<(String, String)> {
    rules::all()
        .into_iter()
        .map(|r| (format!("{}.md", r.meta().code), rule_page(r.meta())))
        .chain(
            codes::CODES
                .iter()
                .map(|c| (format!("{}.md", c.code), code_page(c))),
        )
        .collect()
}

/// A non-rule code's page, in the rules' layout.
pub fn code_page(c: &CodeMeta) -> String {
    let control = match c.control {
        Control::Full => "yes: `ignore`, `--extend-ignore`, `[severity]` (also `off`)",
        Control::WarningAtLeast => "no; `[severity]` may lower it to `warning`",
        Control::Fixed => "no: the run stops before anything is checked",
    };
    format!(
        "<!-- Generated from src/rules/codes.rs; do not edit. \
         Regenerate with `AKSLINT_UPDATE_DOCS=1 cargo test --test docs`. -->\n\
         # {code}\n\n\
         {summary}\n\n\
         This code is not a rule: it says something about the inputs or the run.\n\n\
         | | |\n|---|---|\n\
         | Code | `{code}` |\n\
         | Default severity | {severity} |\n\
         | Can be ignored | {control} |\n\n\
         {explanation}\n\n\
         Run `akslint explain {code}` to print this page in a terminal.\n",
        code = c.code,
        summary = c.summary,
        severity = c.default_severity,
        explanation = c.explanation_text(),
    )
}

/// The non-rule codes as a Markdown table (`akslint rules --all --format markdown`).
pub fn codes_markdown_table() -> String {
    let mut out =
        String::from("| Code (not a rule) | Default severity | Summary |\n|---|---|---|\n");
    for c in codes::CODES {
        out.push_str(&format!(
            "| [{code}]({RULE_DOCS_DIR}/{code}.md) | {} | {} |\n",
            c.default_severity,
            c.summary.replace('|', "\\|"),
            code = c.code,
        ));
    }
    out
}

/// One rule's page: title, facts table, then the explanation.
pub fn rule_page(m: &RuleMeta) -> String {
    format!(
        "<!-- Generated from the rule's metadata; do not edit. \
         Regenerate with `AKSLINT_UPDATE_DOCS=1 cargo test --test docs`. -->\n\
         # {code} {name}\n\n\
         {summary}\n\n\
         | | |\n|---|---|\n\
         | Code | `{code}` |\n\
         | Name | `{name}` |\n\
         | Category | {category} |\n\
         | Default severity | {severity} |\n\n\
         {explanation}\n\n\
         {facts}Run `akslint explain {code}` to print this page in a terminal.\n",
        facts = if m.explanation.contains("F-") {
            "The facts cited as F-nnn, with their Microsoft sources, are in \
             [docs/facts.md](../facts.md).\n\n"
        } else {
            ""
        },
        code = m.code,
        name = m.name,
        summary = m.summary,
        category = m.category.as_str(),
        severity = m.default_severity,
        explanation = m.explanation_text(),
    )
}

/// The rule table of the README; links are relative to the repository root.
pub fn rules_markdown_table() -> String {
    let mut out = String::from(
        "| Code | Name | Category | Default severity | Summary |\n|---|---|---|---|---|\n",
    );
    for r in rules::all() {
        let m = r.meta();
        out.push_str(&format!(
            "| [{code}]({RULE_DOCS_DIR}/{code}.md) | `{}` | {} | {} | {} |\n",
            m.name,
            m.category.as_str(),
            m.default_severity,
            m.summary.replace('|', "\\|"),
            code = m.code,
        ));
    }
    out
}

#[derive(Serialize)]
struct JsonRule {
    code: &'static str,
    name: &'static str,
    category: &'static str,
    severity: &'static str,
    summary: &'static str,
    explanation: String,
    /// akslint's page for its own rules; a user rule's own `url`, or null.
    url: Option<String>,
}

/// Every rule as a JSON array (pretty-printed), for tools that list rules.
pub fn rules_json() -> String {
    rules_json_with(false)
}

/// [`rules_json`], with the non-rule codes after the rules when `codes` is set
/// (category `not-a-rule`).
pub fn rules_json_with(codes: bool) -> String {
    let mut list: Vec<JsonRule> = rules::all()
        .into_iter()
        .map(|r| {
            let m = r.meta();
            JsonRule {
                code: m.code,
                name: m.name,
                category: m.category.as_str(),
                severity: m.default_severity.as_str(),
                summary: m.summary,
                explanation: m.explanation_text(),
                url: codes::doc_url(m.code),
            }
        })
        .collect();
    if codes {
        list.extend(codes::CODES.iter().map(|c| JsonRule {
            code: c.code,
            name: c.code,
            category: "not-a-rule",
            severity: c.default_severity.as_str(),
            summary: c.summary,
            explanation: c.explanation_text(),
            url: codes::doc_url(c.code),
        }));
    }
    // Plain structs of strings always serialize.
    let mut text = serde_json::to_string_pretty(&list)
        .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_have_title_facts_and_explanation() {
        let pages = rule_pages();
        assert_eq!(pages.len(), rules::all().len() + codes::CODES.len());
        let (name, page) = &pages[3];
        assert_eq!(name, "AKS004.md");
        assert!(page.contains("\n# AKS004 cni-subnet-too-small\n"), "{page}");
        assert!(page.contains("| Category | ip-planning |"));
        assert!(page.contains("## How to fix"));
    }

    #[test]
    fn table_has_a_row_per_rule() {
        let table = rules_markdown_table();
        assert_eq!(table.lines().count(), 2 + rules::all().len());
        assert!(table.contains("| [AKS004](docs/rules/AKS004.md) | `cni-subnet-too-small` |"));
    }

    #[test]
    fn json_lists_every_rule() {
        let v: serde_json::Value = serde_json::from_str(&rules_json()).unwrap_or_default();
        assert_eq!(v.as_array().map(Vec::len), Some(rules::all().len()));
        assert_eq!(v[0]["code"], "AKS001");
        assert!(v[0]["category"].is_string());
    }
}
