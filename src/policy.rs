//! Policy: which rules run, and what becomes of their findings — suppressions
//! (comments and tags), the configuration's selection, severities and
//! per-path ignores. Baselines are applied by `check` after this.

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::rules;
use crate::source::SourceMap;
use crate::suppress::{self, Suppression};

/// True when the configuration turns the rule on (`select`, `ignore`, severity `off`).
fn enabled(config: &Config, rule: &dyn rules::Rule) -> bool {
    let m = rule.meta();
    config.level(m.code, m.name, m.default_severity).is_some()
}

/// The rules to run: those the configuration turns on, and those a suppression
/// names beside a rule that is on. A finding of a rule that is off is never
/// shown, but it still marks such a suppression used, so the suppression is not
/// reported as unused for the rules that are on.
pub fn select_rules(
    config: &Config,
    suppressions: &[Suppression],
) -> Vec<&'static dyn rules::Rule> {
    let code_enabled = |c: &str| rules::find(c).is_some_and(|r| enabled(config, r));
    let named: Vec<&str> = suppressions
        .iter()
        .filter(|s| s.codes.iter().any(|c| code_enabled(c)))
        .flat_map(|s| s.codes.iter().map(String::as_str))
        .collect();
    rules::iter()
        .filter(|r| {
            enabled(config, *r)
                || named.iter().any(|c| {
                    c.eq_ignore_ascii_case(r.meta().code) || c.eq_ignore_ascii_case(r.meta().name)
                })
        })
        .collect()
}

/// Suppressions, then the configuration's selection, severities and per-path ignores.
pub fn apply(
    diagnostics: Vec<Diagnostic>,
    sources: &SourceMap,
    mut suppressions: Vec<Suppression>,
    config: &Config,
) -> Vec<Diagnostic> {
    let mut kept = suppress::apply(diagnostics, &mut suppressions);
    kept.extend(suppress::unused(&suppressions, |code| {
        rules::find(code).is_some_and(|r| enabled(config, r))
    }));
    kept.into_iter()
        .filter_map(|mut d| {
            let path = &sources.get(d.primary.span.file).path;
            if config.ignored_for_path(path, &d.code, &d.name) {
                return None;
            }
            d.severity = config.level(&d.code, &d.name, d.severity)?;
            Some(d)
        })
        .collect()
}

/// Keeps the findings that point anywhere into one of `files` (primary or
/// other label): with siblings read for context, raising maxPods in aks.json
/// fails the commit even though the arithmetic's primary span is the subnet
/// in vnet.json.
pub fn only_in(diagnostics: &mut Vec<Diagnostic>, sources: &SourceMap, files: &[String]) {
    diagnostics.retain(|d| {
        std::iter::once(&d.primary)
            .chain(&d.labels)
            .any(|l| files.contains(&sources.get(l.span.file).path))
    });
}
