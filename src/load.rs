//! The first stage of a run: discover, read, parse, ingest and link the inputs
//! into one inventory. No rule runs here; `check` lints what this loads, and
//! `nsg-check`, `capacity` and the reports that need the inventory load only.

use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::ConfigSet;
use crate::diagnostic::Diagnostic;
use crate::discover::read::{read_all, ReadOutcome};
use crate::discover::{self, siblings, Input, Origin};
use crate::ingest::inputs::{self, Parsed};
use crate::model::Inventory;
use crate::source::{FileId, SourceMap};

/// What to read.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Files, directories, or `-` for standard input. Empty means the current directory.
    pub paths: Vec<String>,
    /// ARM parameter files applied to every template, after automatic pairing.
    pub parameters: Vec<String>,
    /// Also read the other inputs in the folders of the files given, to link
    /// resources (the pre-commit case).
    pub with_siblings: bool,
    /// Files larger than this many bytes are not read (`input-too-large`);
    /// `None` means [`DEFAULT_MAX_FILE_SIZE`].
    pub max_file_size: Option<u64>,
}

/// `--max-file-size` when not given: 100 MB. The densest file akslint reads
/// (a YAML mapping of millions of short keys) peaks near 30 times its size,
/// so the worst file anyone can put in a pull request stays within the 4 GB
/// of a small CI runner; real exports cost about 8 times their size.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 100 * 1000 * 1000;

/// The inputs, read and linked.
#[derive(Debug)]
pub struct Loaded {
    pub sources: SourceMap,
    pub inventory: Inventory,
    /// What reading, parsing, evaluating and linking said: parse errors,
    /// duplicate keys, `not-evaluated` notes, ambiguous references.
    pub diagnostics: Vec<Diagnostic>,
    /// Files in which akslint found something it reads.
    pub files_recognized: usize,
    /// Paths that could not be read: the run could not fully do its job.
    pub path_errors: Vec<String>,
    /// The inputs named on the command line (shown paths); with siblings on,
    /// the others are context.
    pub explicit: Vec<String>,
    pub elapsed: Duration,
}

impl Loaded {
    /// No input could be read or recognised: exit code 2.
    pub fn nothing_checked(&self) -> bool {
        self.files_recognized == 0
    }
}

/// Reads every input into one inventory. The configuration governing each
/// walked file may exclude it.
pub fn load(opts: &LoadOptions, configs: &ConfigSet, stdin: &mut dyn Read) -> Loaded {
    let started = Instant::now();
    let paths = if opts.paths.is_empty() {
        vec![".".to_string()]
    } else {
        opts.paths.clone()
    };
    let (mut inputs, errors) = discover::discover(&paths);
    let mut path_errors: Vec<String> = errors
        .into_iter()
        .map(|e| format!("{}: {}", e.path, e.message))
        .collect();
    inputs.retain(|i| i.explicit || !configs.for_path(&i.display).excluded(&i.display));
    let explicit: Vec<String> = inputs
        .iter()
        .filter(|i| i.explicit)
        .map(|i| i.display.clone())
        .collect();
    let limit = opts.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
    if opts.with_siblings {
        siblings::add_siblings(&mut inputs, |p| configs.for_path(p).excluded(p), limit);
    }
    siblings::add_sibling_parameter_files(&mut inputs);
    let first_explicit_param = inputs.len();
    inputs.extend(opts.parameters.iter().map(|p| Input {
        display: p.clone(),
        origin: Origin::File(PathBuf::from(p)),
        explicit: true,
    }));

    let read = read_all(&inputs, stdin, limit, &mut path_errors);
    let (mut sources, failed) = into_sources(&inputs, read);
    let mut parsed = parse_all(&inputs, &sources, &failed);
    let (inventory, recognized, ingest_diagnostics) =
        inputs::build_inventory(&mut parsed, first_explicit_param, &mut sources);
    let mut diagnostics: Vec<Diagnostic> = parsed
        .iter()
        .flat_map(|p| p.error.iter().chain(&p.warnings).cloned())
        .collect();
    let files_recognized = recognized
        .iter()
        .zip(&parsed)
        .filter(|(r, p)| **r && p.error.is_none())
        .count();
    // The documents are in the inventory now: free their trees on all workers
    // (freeing a big tree takes a while).
    parsed.into_par_iter().for_each(drop);
    diagnostics.extend(ingest_diagnostics);
    Loaded {
        sources,
        inventory,
        diagnostics,
        files_recognized,
        path_errors,
        explicit,
        elapsed: started.elapsed(),
    }
}

/// What reading failed to give, per input: `None` when the text was read,
/// else the diagnostic the file gets, if any.
type ReadFailures = Vec<Option<Option<Diagnostic>>>;

/// The texts move into the source map (one copy of each input in memory);
/// the failures keep what reading said about the ones that are not text.
fn into_sources(inputs: &[Input], read: Vec<ReadOutcome>) -> (SourceMap, ReadFailures) {
    let (texts, failed): (Vec<_>, ReadFailures) = inputs
        .iter()
        .zip(read)
        .map(|(input, read)| {
            let (text, failure) = match read {
                ReadOutcome::Text(text) => (text, None),
                ReadOutcome::Failed { text, error } => (text, Some(error)),
            };
            ((input.display.clone(), text), failure)
        })
        .unzip();
    let mut sources = SourceMap::default();
    sources.add_all(texts);
    (sources, failed)
}

/// Every input parsed, on all workers.
fn parse_all(inputs: &[Input], sources: &SourceMap, failed: &ReadFailures) -> Vec<Parsed> {
    inputs
        .par_iter()
        .enumerate()
        .map(|(i, input)| {
            let file = FileId(i as u32);
            let path = match &input.origin {
                Origin::File(p) => Some(p.clone()),
                Origin::Stdin => None,
            };
            match &failed[i] {
                None => inputs::parse_input(file, path, &sources.get(file).text),
                Some(error) => inputs::not_parsed(file, path, error.clone()),
            }
        })
        .collect()
}

/// Runs `work` on a pool of its own with `threads` workers (`None`: one per
/// core). The pool's threads get the main thread's 8 MiB stack: the recursive
/// readers (ARM expressions, HCL, deep documents) run on them.
pub fn in_pool<T: Send>(threads: Option<usize>, work: impl FnOnce() -> T + Send) -> T {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .stack_size(8 << 20)
        .thread_name(|i| format!("akslint-{i}"))
        .build();
    match pool {
        Ok(pool) => pool.install(work),
        // No threads to be had: run on this one.
        Err(_) => work(),
    }
}
