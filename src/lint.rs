//! The second stage of a run: the selected rules over a loaded inventory, and
//! the policy over everything said.

use crate::config::ConfigSet;
use crate::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::model::Inventory;
use crate::source::SourceMap;
use crate::{policy, rules, suppress};

/// What loading said and what the rules find, after suppressions and the
/// configuration's selection, severities and per-path ignores.
pub fn lint(loaded: &Loaded, configs: &ConfigSet) -> Vec<Diagnostic> {
    lint_with(
        loaded.diagnostics.clone(),
        &loaded.inventory,
        &loaded.sources,
        configs,
    )
}

/// The rules' findings on `inventory` alone (as `capacity --what-if` compares
/// two states of one inventory), under the same policy.
pub fn lint_inventory(
    inventory: &Inventory,
    sources: &SourceMap,
    configs: &ConfigSet,
) -> Vec<Diagnostic> {
    lint_with(Vec::new(), inventory, sources, configs)
}

fn lint_with(
    mut diagnostics: Vec<Diagnostic>,
    inventory: &Inventory,
    sources: &SourceMap,
    configs: &ConfigSet,
) -> Vec<Diagnostic> {
    let mut suppressions = suppress::comment_suppressions(sources);
    suppressions.extend(suppress::tag_suppressions(inventory));
    let selected = policy::select_rules(configs, &suppressions);
    // Thresholds shape the arithmetic of the whole run: the base configuration's.
    diagnostics.extend(rules::run(inventory, &selected, &configs.base.thresholds));
    policy::apply(diagnostics, sources, suppressions, configs)
}
