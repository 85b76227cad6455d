//! One run of `akslint check`: load the inputs, lint them, keep what the user
//! asked about (the files given, with siblings on) and what the baseline does
//! not already record.

use std::io::Read;
use std::time::Duration;

use crate::baseline::{self, Baseline};
use crate::config::{Config, ConfigSet};
use crate::diagnostic::Diagnostic;
use crate::lint::lint;
use crate::load::{in_pool, load, LoadOptions};
use crate::model::Inventory;
use crate::policy;
use crate::source::SourceMap;

pub use crate::load::DEFAULT_MAX_FILE_SIZE;

#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Files, directories, or `-` for standard input. Empty means the current directory.
    pub paths: Vec<String>,
    /// ARM parameter files applied to every template, after automatic pairing.
    pub parameters: Vec<String>,
    /// Rule selection, severities, thresholds, per-path ignores, excludes.
    pub config: Config,
    /// Nearer `akslint.toml` files, each governing the inputs below its folder
    /// (see [`ConfigSet`]); empty with `--config`.
    pub nested_configs: Vec<Config>,
    /// Findings recorded earlier: only new ones are reported.
    pub baseline: Option<Baseline>,
    /// Also read the other inputs in the folders of the files given, to link
    /// resources, and report only on the files given (the pre-commit case).
    pub with_siblings: bool,
    /// Files larger than this many bytes are not read (`input-too-large`);
    /// `None` means [`DEFAULT_MAX_FILE_SIZE`].
    pub max_file_size: Option<u64>,
}

impl CheckOptions {
    /// The part of the options that says what to read.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            paths: self.paths.clone(),
            parameters: self.parameters.clone(),
            with_siblings: self.with_siblings,
            max_file_size: self.max_file_size,
        }
    }
}

/// Everything a reporter needs.
#[derive(Debug)]
pub struct CheckResult {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    pub inventory: Inventory,
    /// Files in which akslint found something it reads.
    pub files_recognized: usize,
    /// Paths that could not be read: the run could not fully do its job.
    pub path_errors: Vec<String>,
    /// Findings hidden because the baseline records them.
    pub baselined: usize,
    pub elapsed: Duration,
}

impl CheckResult {
    /// No input could be read or recognised: exit code 2.
    pub fn nothing_checked(&self) -> bool {
        self.files_recognized == 0
    }
}

pub fn check(opts: &CheckOptions, stdin: &mut dyn Read) -> CheckResult {
    let started = std::time::Instant::now();
    let configs = ConfigSet::new(opts.config.clone(), opts.nested_configs.clone());
    let loaded = load(&opts.load_options(), &configs, stdin);
    let mut diagnostics = lint(&loaded, &configs);
    if opts.with_siblings {
        policy::only_in(&mut diagnostics, &loaded.sources, &loaded.explicit);
    }
    let mut baselined = 0;
    if let Some(b) = &opts.baseline {
        (diagnostics, baselined) = baseline::filter(diagnostics, b, &loaded.sources);
    }
    CheckResult {
        sources: loaded.sources,
        diagnostics,
        inventory: loaded.inventory,
        files_recognized: loaded.files_recognized,
        path_errors: loaded.path_errors,
        baselined,
        elapsed: started.elapsed(),
    }
}

/// [`check`] on a pool of its own with `threads` workers (`None`: one per
/// core), reading standard input for `-`.
pub fn check_in_pool(opts: &CheckOptions, threads: Option<usize>) -> CheckResult {
    in_pool(threads, || check(opts, &mut std::io::stdin().lock()))
}
