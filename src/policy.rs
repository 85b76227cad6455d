//! Policy: which rules run, and what becomes of their findings — suppressions
//! (comments and tags), the configuration's selection, severities and
//! per-path ignores. Baselines are applied by `check` after this.

use crate::config::{Config, ConfigSet};
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
/// reported as unused for the rules that are on. With several configurations
/// (one per folder), a rule runs when any of them turns it on.
pub fn select_rules(
    configs: &ConfigSet,
    suppressions: &[Suppression],
) -> Vec<&'static dyn rules::Rule> {
    let on = |r: &dyn rules::Rule| configs.all().any(|c| enabled(c, r));
    let code_enabled = |c: &str| rules::find(c).is_some_and(on);
    let named: Vec<&str> = suppressions
        .iter()
        .filter(|s| s.codes.iter().any(|c| code_enabled(c)))
        .flat_map(|s| s.codes.iter().map(String::as_str))
        .collect();
    rules::iter()
        .filter(|r| {
            on(*r)
                || named.iter().any(|c| {
                    c.eq_ignore_ascii_case(r.meta().code) || c.eq_ignore_ascii_case(r.meta().name)
                })
        })
        .collect()
}

/// Suppressions, then the selection, severities and per-path ignores of the
/// configuration that governs each finding's file.
pub fn apply(
    diagnostics: Vec<Diagnostic>,
    sources: &SourceMap,
    mut suppressions: Vec<Suppression>,
    configs: &ConfigSet,
) -> Vec<Diagnostic> {
    let mut kept = suppress::apply(diagnostics, &mut suppressions);
    kept.extend(suppress::unused(&suppressions, |code| {
        rules::find(code).is_some_and(|r| configs.all().any(|c| enabled(c, r)))
    }));
    // Which configuration governs each file, looked up once per file.
    let mut governing: Vec<Option<&Config>> = vec![None; sources.len()];
    kept.into_iter()
        .filter_map(|mut d| {
            let file = d.primary.span.file;
            let path = &sources.get(file).path;
            let config = match governing.get(file.0 as usize).copied().flatten() {
                Some(c) => c,
                None => {
                    let c = configs.for_path(path);
                    if let Some(slot) = governing.get_mut(file.0 as usize) {
                        *slot = Some(c);
                    }
                    c
                }
            };
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
