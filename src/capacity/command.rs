//! `akslint capacity`: load the inputs, optionally scale pools, print the numbers.

use crate::cli::{CapacityArgs, CapacityFormat};
use crate::config::{self, Config, ConfigSet};
use crate::diagnostic::Diagnostic;
use crate::load::{in_pool, load, LoadOptions};
use crate::model::Inventory;
use crate::report::locate;
use crate::source::{FileId, SourceMap};

use super::render::{self, Appearing, WhatIfOutcome};
use super::what_if;

/// What the command prints and its exit code.
pub struct Answer {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

fn fail(stderr: String) -> Answer {
    Answer {
        stdout: String::new(),
        stderr,
        code: 2,
    }
}

fn load_config(path: Option<&str>) -> Result<Config, String> {
    let found = match path {
        Some(p) => Some(std::path::PathBuf::from(p)),
        None => std::env::current_dir().ok().and_then(|d| config::find(&d)),
    };
    match found {
        Some(p) => config::load(&p, FileId(0))
            .map_err(|e| format!("akslint: {}: {}\n", e.path, e.diagnostic.message)),
        None => Ok(Config::default()),
    }
}

/// The rule findings on `inv` that the configuration reports, at its severities,
/// after suppressions, as `check` would report them.
fn findings(inv: &Inventory, cfg: &Config, sources: &SourceMap) -> Vec<Diagnostic> {
    crate::lint::lint_inventory(inv, sources, &ConfigSet::new(cfg.clone(), Vec::new()))
}

pub fn run(args: &CapacityArgs) -> Answer {
    let cfg = match load_config(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let thresholds = cfg.thresholds.clone();
    let opts = LoadOptions {
        paths: args.paths.clone(),
        parameters: args.parameters.clone(),
        ..LoadOptions::default()
    };
    let configs = ConfigSet::new(cfg.clone(), Vec::new());
    let mut result = in_pool(None, || load(&opts, &configs, &mut std::io::stdin().lock()));
    let mut stderr: String = result
        .path_errors
        .iter()
        .map(|e| format!("akslint: {e}\n"))
        .collect();
    if result.nothing_checked() {
        stderr.push_str("akslint: no input could be read or recognised as Azure configuration\n");
        return fail(stderr);
    }
    let outcome = if args.what_if.is_empty() {
        None
    } else {
        let before = findings(&result.inventory, &cfg, &result.sources);
        let applied = match what_if::apply(&mut result.inventory, &args.what_if) {
            Ok(a) => a,
            Err(e) => return fail(format!("{stderr}akslint: {e}\n")),
        };
        let after = findings(&result.inventory, &cfg, &result.sources);
        let mut resolved = what_if::new_findings(&after, before.clone());
        let mut appearing = what_if::new_findings(&before, after);
        crate::report::sort(&mut appearing, &result.sources);
        crate::report::sort(&mut resolved, &result.sources);
        let located = |list: &[Diagnostic]| -> Vec<Appearing> {
            list.iter()
                .map(|d| {
                    let at = locate(&result.sources, d.primary.span);
                    Appearing {
                        code: d.code.clone(),
                        severity: d.severity.to_string(),
                        message: d.message.clone(),
                        path: at.path.to_string(),
                        line: at.start.line,
                        column: at.start.column,
                    }
                })
                .collect()
        };
        Some(WhatIfOutcome {
            applied,
            findings: located(&appearing),
            resolved: located(&resolved),
        })
    };
    let cap = super::compute(&result.inventory, &thresholds);
    let stdout = match args.format {
        CapacityFormat::Table => render::table(&cap, outcome.as_ref()),
        CapacityFormat::Json => render::json(&cap, outcome.as_ref()),
        CapacityFormat::Csv => render::csv(&cap),
    };
    Answer {
        stdout,
        stderr,
        code: if result.path_errors.is_empty() { 0 } else { 2 },
    }
}
