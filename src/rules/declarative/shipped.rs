//! The shipped pack: every `rules/*.yaml`, embedded in the binary and parsed
//! once per process.

use std::sync::OnceLock;

use super::{load_files, DeclarativeRule};
use crate::rules::Rule;
use crate::source::SourceMap;

/// `(path in the repository, text)` of every shipped rule file; a test checks
/// that every `rules/*.yaml` is listed.
pub const FILES: &[(&str, &str)] = &[
    (
        "rules/AKS701-network-policy-missing.yaml",
        include_str!("../../../rules/AKS701-network-policy-missing.yaml"),
    ),
    (
        "rules/AKS702-node-public-ip-enabled.yaml",
        include_str!("../../../rules/AKS702-node-public-ip-enabled.yaml"),
    ),
    (
        "rules/AKS703-private-cluster-disabled.yaml",
        include_str!("../../../rules/AKS703-private-cluster-disabled.yaml"),
    ),
    (
        "rules/AKS704-http-application-routing-enabled.yaml",
        include_str!("../../../rules/AKS704-http-application-routing-enabled.yaml"),
    ),
];

/// The shipped rules, in file order. A shipped file that does not load is a
/// bug the tests catch (`shipped_pack_loads`); at run time it yields no rules
/// rather than a panic.
pub fn rules() -> &'static [&'static dyn Rule] {
    static RULES: OnceLock<Vec<&'static dyn Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        load()
            .map(|rules| rules.into_iter().map(leak_rule).collect())
            .unwrap_or_default()
    })
}

fn leak_rule(r: DeclarativeRule) -> &'static dyn Rule {
    Box::leak(Box::new(r))
}

/// Parses the shipped files (with their own source map, for error messages).
pub fn load() -> Result<Vec<DeclarativeRule>, (SourceMap, Vec<crate::diagnostic::Diagnostic>)> {
    let mut sources = SourceMap::default();
    let files: Vec<_> = FILES
        .iter()
        .map(|(path, text)| sources.add((*path).to_string(), (*text).to_string()))
        .collect();
    load_files(&files, &sources, true, &crate::rules::builtin()).map_err(|d| (sources, d))
}
