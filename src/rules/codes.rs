//! Codes that appear in output but are not rules: problems with the inputs
//! (`parse-error`, `input-too-large`), with akslint's own configuration and
//! rule files, and notes about the run (`unused-suppression`,
//! `terraform-not-evaluated`). They are listed by `akslint rules --all`,
//! explained by `akslint explain`, get a page in docs/rules/ and a SARIF
//! descriptor like the rules, and say here how far `akslint.toml` and the
//! command line may change them. Add a code by adding an entry to [`CODES`].

use crate::diagnostic::Severity;

/// How far the configuration may change a code's diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Selectable, ignorable, any severity or `off`, like a rule.
    Full,
    /// Always reported; `[severity]` may lower it to `warning` (not `info`,
    /// not `off`): an unread input must stay visible.
    WarningAtLeast,
    /// Stops the run (exit 2) before anything is checked; nothing to configure.
    Fixed,
}

/// What `akslint rules --all` lists and `akslint explain` prints for a non-rule code.
#[derive(Debug)]
pub struct CodeMeta {
    pub code: &'static str,
    /// A descriptive name (SARIF `name`), distinct from the code.
    pub title: &'static str,
    pub default_severity: Severity,
    pub summary: &'static str,
    pub control: Control,
    /// Markdown, in the rules' layout: what it means, why, how to fix.
    pub explanation: &'static str,
}

/// Every non-rule code, in the order `akslint rules --all` lists them.
pub const CODES: &[CodeMeta] = &[
    CodeMeta {
        code: "parse-error",
        title: "InputNotParsed",
        default_severity: Severity::Error,
        summary: "An input file could not be parsed as JSON, JSONC, YAML or HCL",
        control: Control::WarningAtLeast,
        explanation: "\
## What it means
akslint could not parse the file: the location is where the parser stopped. \
The other files were still checked, but nothing in this one was, so findings \
that depend on its resources are missing.

## Why it is always reported
A file that could not be read is a hole in the check. `parse-error` cannot be \
ignored or turned off; `[severity] parse-error = \"warning\"` keeps it from \
failing the run at the default `--fail-on error`.

## How to fix
Fix the syntax at the reported place, or keep the file out of the run with \
`exclude = [\"path/**\"]` in `akslint.toml` when it is not Azure configuration.",
    },
    CodeMeta {
        code: "input-too-large",
        title: "InputTooLarge",
        default_severity: Severity::Error,
        summary: "An input file is larger than --max-file-size and was not read",
        control: Control::WarningAtLeast,
        explanation: "\
## What it means
The file is larger than `--max-file-size` (100 MB by default: the worst file of that size fits a 4 GB CI runner), so akslint did \
not read it. The run exits with 2: the check is incomplete.

## Why it is always reported
An unread file is a hole in the check, like a parse error. The diagnostic may \
be lowered to `warning` in `[severity]`; the exit code stays 2.

## How to fix
Raise the limit (`--max-file-size 2GB`) for an export you made yourself, split the export, or exclude the file \
with `exclude` in `akslint.toml`.",
    },
    CodeMeta {
        code: "input-too-dense",
        title: "InputTooDense",
        default_severity: Severity::Error,
        summary: "An input file holds far more values for its size than any Azure configuration and was not read",
        control: Control::WarningAtLeast,
        explanation: "\
## What it means
Past its first 65,536 values, the file averages 10 bytes of text or fewer \
per value (a JSON array of millions of `1,`, a YAML list of `- 1`), so akslint \
stopped reading it at the reported place. The other files were still checked; \
nothing in this one was.

## Why
Every value read becomes a node of about 50 bytes, so a tree of such a file \
would need many times the file's size in memory: a 20 MB array of small \
numbers needed almost 1 GB. Real configuration spends 20 bytes or more per \
value (ARM templates, Resource Graph and az CLI exports, minified Terraform \
plans and YAML manifests were measured at 20–48), so the limit is far from \
any file akslint is meant to read, and a file written to exhaust a CI runner's \
memory is refused after reading a few megabytes of it.

## Why it is always reported
An unread file is a hole in the check, like a parse error. The diagnostic may \
be lowered to `warning` in `[severity]`.

## How to fix
If the file is not Azure configuration, keep it out of the run with `exclude` \
in `akslint.toml`. If it is, please report it: it is denser than anything the \
limit was measured on.",
    },
    CodeMeta {
        code: "unused-suppression",
        title: "UnusedSuppression",
        default_severity: Severity::Warning,
        summary: "A suppression comment or tag silences no finding",
        control: Control::Full,
        explanation: "\
## What it means
An `akslint-disable` comment or an `akslint-ignore` tag names a rule that ran \
and found nothing at that place. Suppressions of rules that did not run \
(ignored, selected out, `off`) are not reported.

## Why
A stale suppression hides the next real finding at that place.

## How to fix
Remove the suppression, or move it to the line before the resource or field \
the finding points at. To stop this check: `ignore = [\"unused-suppression\"]`, \
`--extend-ignore unused-suppression` or `[severity] unused-suppression = \"off\"`.",
    },
    CodeMeta {
        code: "duplicate-key",
        title: "DuplicateKey",
        default_severity: Severity::Warning,
        summary: "A JSON object writes the same key twice; the later value is used",
        control: Control::Full,
        explanation: "\
## What it means
One JSON object has two members with the same key. akslint uses the later \
value, as Azure Resource Manager does (it reads templates with Json.NET, whose \
default for duplicate properties is to replace), and points at it; the ignored \
copy is the secondary label.

## Why
Whoever edits the ignored copy changes nothing, and other tools may read the \
first copy instead, so two readers of one file can disagree about the network.

## How to fix
Delete one of the two members. To stop this check: \
`--extend-ignore duplicate-key` or `[severity] duplicate-key = \"off\"`.",
    },
    CodeMeta {
        code: "terraform-not-evaluated",
        title: "TerraformNotEvaluated",
        default_severity: Severity::Info,
        summary:
            "Part of a Terraform configuration could not be evaluated; rules stay silent there",
        control: Control::Full,
        explanation: "\
## What it means
akslint evaluates Terraform configurations itself. Where a value is known only \
after `terraform apply` (a `count` or `for_each` over an unknown), a module is \
remote, or the evaluation budget is spent, it stops at that place and says so \
here. The resources there are skipped rather than guessed, so no rule reports \
on them.

## How to fix
Nothing is wrong in the configuration. To check those resources, run akslint \
on the plan instead: `terraform show -json plan.out > plan.json`. To hide the \
notes: `--extend-ignore terraform-not-evaluated`.",
    },
    CodeMeta {
        code: "not-evaluated",
        title: "InputNotEvaluated",
        default_severity: Severity::Info,
        summary: "akslint could not work out a value at this place; rules stay silent there",
        control: Control::Full,
        explanation: "\
## What it means
An input states something akslint cannot evaluate from the files alone (an \
expression over a value it does not have, a construct it does not model). \
Rules that need that value stay silent rather than guess; this note says \
where the check has a gap.

## How to fix
Nothing is wrong in the configuration. Give akslint the resolved value (an \
ARM parameter file, a Terraform plan, an `az` export) to check it. To hide \
the notes: `--extend-ignore not-evaluated`.",
    },
    CodeMeta {
        code: "ambiguous-reference",
        title: "AmbiguousReference",
        default_severity: Severity::Warning,
        summary: "A reference matches more than one resource; rules that need it stay silent",
        control: Control::Full,
        explanation: "\
## What it means
A reference (a subnet id, a resource name) matches more than one resource in \
the inputs, for example the same VNet exported twice with different \
contents. akslint does not pick one: rules that follow the reference stay \
silent.

## How to fix
Check fewer inputs at once (one environment per run), or remove the \
duplicate. To hide it: `--extend-ignore ambiguous-reference`.",
    },
    CodeMeta {
        code: "config-error",
        title: "ConfigurationError",
        default_severity: Severity::Error,
        summary: "akslint.toml has a mistake; nothing was checked",
        control: Control::Fixed,
        explanation: "\
## What it means
`akslint.toml` has an unknown key, a value of the wrong type or a name that \
matches no rule or code. Every mistake is shown at its line; the run exits \
with 2 without checking anything.

## How to fix
Correct the key or value shown. `akslint init` writes a commented starter \
file; `akslint rules --all` lists the codes and names that `select`, \
`ignore` and `[severity]` accept.",
    },
    CodeMeta {
        code: "rule-error",
        title: "RuleFileError",
        default_severity: Severity::Error,
        summary: "A declarative rule file has a mistake; nothing was checked",
        control: Control::Fixed,
        explanation: "\
## What it means
A rule file loaded with `--rules` or `rules = [...]` has a mistake: an \
unknown key or operator, a field the model does not have, a duplicate code. \
The run exits with 2 without checking anything.

## How to fix
Correct the rule file at the reported line. `akslint schema rules` prints \
the JSON Schema of rule files for editor completion; docs/custom-rules.md \
describes the format.",
    },
];

/// The non-rule code `code` (exact, case-insensitive), if it is one.
pub fn find(code: &str) -> Option<&'static CodeMeta> {
    CODES.iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

impl CodeMeta {
    /// The explanation, trimmed (same shape as a rule's).
    pub fn explanation_text(&self) -> String {
        self.explanation.trim().to_string()
    }

    /// Whether `select`/`ignore`/`off` may name this code.
    pub fn ignorable(&self) -> bool {
        self.control == Control::Full
    }

    /// Whether `[severity]` may set this code to `level` (`None` is `off`).
    pub fn accepts(&self, level: Option<Severity>) -> bool {
        match self.control {
            Control::Full => true,
            Control::WarningAtLeast => level.is_some_and(|s| s >= Severity::Warning),
            Control::Fixed => false,
        }
    }
}

/// Default base of the documentation links: the repository's docs/rules folder.
pub const DEFAULT_DOCS_BASE: &str = "https://github.com/akslint/akslint/blob/main/docs/rules/";

static DOCS_BASE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Sets the base of every documentation link for the rest of the process
/// (`docs-url` in akslint.toml, or `AKSLINT_DOCS_URL`); a missing trailing
/// slash is added. False when a base was set already.
pub fn set_docs_base(base: &str) -> bool {
    let mut b = base.trim().to_string();
    if !b.ends_with('/') {
        b.push('/');
    }
    DOCS_BASE.set(b).is_ok()
}

/// The base in use: as set, else `AKSLINT_DOCS_URL`, else [`DEFAULT_DOCS_BASE`].
pub fn docs_base() -> &'static str {
    DOCS_BASE.get_or_init(|| match std::env::var("AKSLINT_DOCS_URL") {
        Ok(v) if !v.trim().is_empty() => {
            let v = v.trim();
            if v.ends_with('/') {
                v.to_string()
            } else {
                format!("{v}/")
            }
        }
        _ => DEFAULT_DOCS_BASE.to_string(),
    })
}

/// The documentation link of a code: akslint's rules and non-rule codes have
/// `<base><CODE>.md`; a user rule has its own `url` (or none); unknown codes none.
pub fn doc_url(code: &str) -> Option<String> {
    if super::is_user_code(code) {
        return super::user_rule_url(code).map(str::to_string);
    }
    let known = find(code).is_some() || super::find(code).is_some_and(|r| r.meta().code == code);
    known.then(|| format!("{}{code}.md", docs_base()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_and_not_rules() {
        for (i, c) in CODES.iter().enumerate() {
            assert!(CODES[..i].iter().all(|o| o.code != c.code), "{}", c.code);
            assert!(c
                .code
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch == '-'));
            assert!(super::super::find(c.code).is_none(), "{} is a rule", c.code);
            assert_ne!(c.title, c.code);
            assert!(c.explanation_text().contains("## How to fix"), "{}", c.code);
        }
    }

    #[test]
    fn parse_error_can_be_lowered_to_warning_only() {
        let p = find("PARSE-ERROR").map(|c| c.code);
        assert_eq!(p, Some("parse-error"));
        let p = find("parse-error").unwrap();
        assert!(!p.ignorable());
        assert!(p.accepts(Some(Severity::Warning)));
        assert!(!p.accepts(Some(Severity::Info)));
        assert!(!p.accepts(None));
        assert!(find("unused-suppression").unwrap().accepts(None));
    }

    #[test]
    fn links_follow_the_base() {
        assert!(doc_url("AKS004").is_some_and(|u| u.ends_with("/AKS004.md")));
        assert!(doc_url("parse-error").is_some_and(|u| u.ends_with("/parse-error.md")));
        assert_eq!(doc_url("AKS999"), None);
    }
}
