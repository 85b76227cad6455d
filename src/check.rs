//! One run of `akslint check`: discover, read, ingest, link, apply the rules.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::baseline::{self, Baseline};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::discover::{self, Input, Origin};
use crate::ingest::{self, terraform, DocumentKind};
use crate::model::scope::ScopeKind;
use crate::model::{Inventory, InventoryBuilder};
use crate::rules;
use crate::source::{strip_bom, FileId, SourceMap, Span};
use crate::suppress;
use crate::syntax::{json, yaml, Node};

#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Files, directories, or `-` for standard input. Empty means the current directory.
    pub paths: Vec<String>,
    /// ARM parameter files applied to every template, after automatic pairing.
    pub parameters: Vec<String>,
    /// Rule selection, severities, thresholds, per-path ignores, excludes.
    pub config: Config,
    /// Findings recorded earlier: only new ones are reported.
    pub baseline: Option<Baseline>,
    /// Also read the other inputs in the folders of the files given, to link
    /// resources, and report only on the files given (the pre-commit case).
    pub with_siblings: bool,
    /// Files larger than this many bytes are not read (`input-too-large`);
    /// `None` means [`DEFAULT_MAX_FILE_SIZE`].
    pub max_file_size: Option<u64>,
}

/// `--max-file-size` when not given: 512 MB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 512 * 1000 * 1000;

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

/// One parsed input file.
struct Parsed {
    file: FileId,
    path: Option<PathBuf>,
    /// Shared with the Terraform module loader, which reads Terraform JSON
    /// and Terraform-shaped YAML from these trees instead of parsing again.
    docs: Arc<[(Node, DocumentKind)]>,
    error: Option<Diagnostic>,
    /// HCL (`.tf`, `.tfvars`): read by the Terraform evaluator, module by module.
    hcl: bool,
    /// What the parse noticed without failing: keys written twice in one object.
    warnings: Vec<Diagnostic>,
}

pub fn check(opts: &CheckOptions, stdin: &mut dyn Read) -> CheckResult {
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
    inputs.retain(|i| i.explicit || !opts.config.excluded(&i.display));
    // The files the user named; with siblings on, findings elsewhere are context only.
    let reported: Vec<String> = inputs
        .iter()
        .filter(|i| i.explicit)
        .map(|i| i.display.clone())
        .collect();
    let limit = opts.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
    if opts.with_siblings {
        add_siblings(&mut inputs, &opts.config, limit);
    }
    add_sibling_parameter_files(&mut inputs);
    let first_explicit_param = inputs.len();
    inputs.extend(opts.parameters.iter().map(|p| Input {
        display: p.clone(),
        origin: Origin::File(PathBuf::from(p)),
        explicit: true,
    }));

    let loaded = read_all(&inputs, stdin, limit, &mut path_errors);
    // The texts move into the source map (one copy of each input in memory);
    // `failed` keeps what reading said about the ones that are not text.
    let (texts, failed): (Vec<_>, Vec<Option<Option<Diagnostic>>>) = inputs
        .iter()
        .zip(loaded)
        .map(|(input, read)| {
            let (text, failure) = match read {
                Loaded::Text(text) => (text, None),
                Loaded::Failed { text, error } => (text, Some(error)),
            };
            ((input.display.clone(), text), failure)
        })
        .unzip();
    let mut sources = SourceMap::default();
    sources.add_all(texts);
    let parsed: Vec<Parsed> = inputs
        .par_iter()
        .enumerate()
        .map(|(i, input)| {
            let file = FileId(i as u32);
            let path = match &input.origin {
                Origin::File(p) => Some(p.clone()),
                Origin::Stdin => None,
            };
            match &failed[i] {
                None => parse_file(file, path, &sources.get(file).text),
                Some(error) => Parsed {
                    file,
                    path,
                    docs: Arc::new([]),
                    error: error.clone(),
                    hcl: false,
                    warnings: Vec::new(),
                },
            }
        })
        .collect();

    let (inventory, recognized, ingest_diagnostics) =
        build_inventory(&parsed, first_explicit_param, &mut sources);
    let mut diagnostics: Vec<Diagnostic> = parsed
        .iter()
        .flat_map(|p| p.error.iter().chain(&p.warnings).cloned())
        .collect();
    let parse_failed: Vec<bool> = parsed.iter().map(|p| p.error.is_some()).collect();
    // The documents are in the inventory now: free their trees before the
    // rules run, on all workers (freeing a big tree takes a while).
    parsed.into_par_iter().for_each(drop);
    diagnostics.extend(ingest_diagnostics);
    let mut suppressions = suppress::comment_suppressions(&sources);
    suppressions.extend(suppress::tag_suppressions(&inventory));
    let selected = select_rules(&opts.config, &suppressions);
    diagnostics.extend(rules::run(&inventory, &selected, &opts.config.thresholds));
    let mut diagnostics = apply_policy(diagnostics, &sources, suppressions, &opts.config);
    if opts.with_siblings {
        // A finding that points anywhere into a file given (primary or other
        // label) is that file's: raising maxPods in aks.json fails the commit
        // even though the arithmetic's primary span is the subnet in vnet.json.
        diagnostics.retain(|d| {
            std::iter::once(&d.primary)
                .chain(&d.labels)
                .any(|l| reported.contains(&sources.get(l.span.file).path))
        });
    }
    let mut baselined = 0;
    if let Some(b) = &opts.baseline {
        (diagnostics, baselined) = baseline::filter(diagnostics, b, &sources);
    }
    let files_recognized = recognized
        .iter()
        .zip(&parse_failed)
        .filter(|(r, failed)| **r && !**failed)
        .count();
    CheckResult {
        sources,
        diagnostics,
        inventory,
        files_recognized,
        path_errors,
        baselined,
        elapsed: started.elapsed(),
    }
}

/// Ingests every parsed document; returns the linked inventory and which files held something akslint reads.
fn build_inventory(
    parsed: &[Parsed],
    first_explicit_param: usize,
    sources: &mut SourceMap,
) -> (Inventory, Vec<bool>, Vec<Diagnostic>) {
    let forced: Vec<&Node> = parsed[first_explicit_param..]
        .iter()
        .flat_map(|p| {
            p.docs
                .iter()
                .filter(|(_, k)| *k == DocumentKind::ArmParameters)
                .map(|(n, _)| n)
        })
        .collect();
    // Templates, each file's other documents, the manifests and the Terraform
    // configurations are read independently of each other, on all workers,
    // into recording builders; these are replayed in the order of a single
    // pass, so resources merge by id and keep their order as in one.
    let ((templates, documents), (manifests, terraform)) = rayon::join(
        || {
            rayon::join(
                || ingest_templates(&parsed[..first_explicit_param], &forced),
                || parsed.par_iter().map(ingest_documents).collect::<Vec<_>>(),
            )
        },
        || {
            rayon::join(
                || ingest_manifests(parsed),
                || ingest_terraform_configs(parsed, sources),
            )
        },
    );
    let mut builder = InventoryBuilder::default();
    let mut recognized = vec![false; parsed.len()];
    let label = |i: usize| sources.get(parsed[i].file).path.clone();
    let mut not_evaluated = Vec::new();
    for (i, (recorded, notes)) in templates {
        recognized[i] = true;
        builder.begin_scope(ScopeKind::ArmDeployment, label(i));
        builder.replay(recorded);
        not_evaluated.extend(notes);
    }
    for (i, (recorded, seen)) in documents.into_iter().enumerate() {
        recognized[i] |= seen;
        let plan = parsed[i]
            .docs
            .iter()
            .any(|(_, k)| *k == DocumentKind::TerraformPlan);
        let kind = if plan {
            ScopeKind::Terraform
        } else {
            ScopeKind::Document
        };
        builder.begin_scope(kind, label(i));
        builder.replay(recorded);
    }
    for (folder, recorded) in manifests {
        builder.begin_scope(ScopeKind::Manifests, folder);
        builder.replay(recorded);
    }
    let (roots, configs, mut diagnostics) = terraform;
    diagnostics.append(&mut not_evaluated);
    for i in configs {
        recognized[i] = true;
    }
    for (root, recorded) in roots {
        builder.begin_scope(ScopeKind::Terraform, root);
        builder.replay(recorded);
    }
    let bicep = ingest_bicep(parsed, first_explicit_param, &forced, sources);
    for out in &bicep.outputs {
        // One Bicep entry point (with its modules) is one deployment.
        let label = out
            .resources
            .first()
            .map(|r| sources.get(r.node.span.file).path.clone())
            .unwrap_or_default();
        builder.begin_scope(ScopeKind::ArmDeployment, label);
        ingest::ingest_template_output(&mut builder, out);
        diagnostics.extend(out.not_evaluated());
    }
    for (i, p) in parsed.iter().enumerate() {
        recognized[i] |= bicep.recognized.contains(&p.file);
    }
    diagnostics.extend(bicep.diagnostics);
    let mut inventory = builder.finish();
    diagnostics.append(&mut inventory.link_diagnostics);
    (inventory, recognized, diagnostics)
}

/// `.bicep`/`.bicepparam` inputs, with JSON parameter files paired by name (`main.bicep`
/// pairs like `main.json`) and the explicit `--parameters` files.
fn ingest_bicep(
    parsed: &[Parsed],
    first_explicit_param: usize,
    forced: &[&Node],
    sources: &mut SourceMap,
) -> ingest::bicep::Evaluated {
    let inputs: Vec<(FileId, PathBuf)> = parsed
        .iter()
        .filter_map(|p| Some((p.file, p.path.clone()?)))
        .filter(|(_, path)| ingest::bicep::is_bicep_path(path))
        .collect();
    if inputs.is_empty() {
        return Default::default();
    }
    let mut params: Vec<(PathBuf, &Node)> = Vec::new();
    for p in &parsed[..first_explicit_param] {
        for (doc, kind) in p.docs.iter() {
            if let (DocumentKind::ArmParameters, Some(path)) = (kind, &p.path) {
                params.push((path.clone(), doc));
            }
        }
    }
    let as_json: Vec<PathBuf> = inputs
        .iter()
        .map(|(_, p)| p.with_extension("json"))
        .collect();
    let param_paths: Vec<PathBuf> = params.iter().map(|(p, _)| p.clone()).collect();
    let pairs = discover::pair_parameter_files(&as_json, &param_paths);
    let json_params: HashMap<PathBuf, &Node> = pairs
        .iter()
        .map(|(&t, &p)| (normalize(&inputs[t].1), params[p].1))
        .collect();
    ingest::bicep::evaluate_inputs(&inputs, &json_params, forced, sources)
}

/// Manifests reference each other across files and documents: the manifests
/// of one folder are read in one call, as one scope (labelled by the folder).
fn ingest_manifests(parsed: &[Parsed]) -> Vec<(String, InventoryBuilder)> {
    let mut folders: std::collections::BTreeMap<String, Vec<&Node>> = Default::default();
    for p in parsed {
        let folder = match &p.path {
            Some(path) => path
                .parent()
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default(),
            None => "-".to_string(),
        };
        for (doc, kind) in p.docs.iter() {
            if *kind == DocumentKind::KubernetesManifest {
                folders.entry(folder.clone()).or_default().push(doc);
            }
        }
    }
    folders
        .into_iter()
        .map(|(folder, manifests)| {
            let mut recorded = InventoryBuilder::recording();
            ingest::kubernetes::ingest_manifests(&mut recorded, &manifests);
            (folder, recorded)
        })
        .collect()
}

/// The documents of one file other than templates, manifests and Terraform
/// configurations (read later), into a recording builder; and whether the file
/// held anything akslint reads.
fn ingest_documents(p: &Parsed) -> (InventoryBuilder, bool) {
    let mut recorded = InventoryBuilder::recording();
    let mut seen = false;
    for (doc, kind) in p.docs.iter() {
        match kind {
            DocumentKind::ArmTemplate | DocumentKind::Unrecognized => {}
            DocumentKind::ArmParameters | DocumentKind::KubernetesManifest => seen = true,
            DocumentKind::TerraformPlan => {
                ingest::terraform::ingest_plan(&mut recorded, doc);
                seen = true;
            }
            _ => {
                ingest::ingest_document(&mut recorded, doc, *kind);
                seen = true;
            }
        }
    }
    (recorded, seen)
}

/// True when the configuration turns the rule on (`select`, `ignore`, severity `off`).
fn enabled(config: &Config, rule: &dyn rules::Rule) -> bool {
    let m = rule.meta();
    config.level(m.code, m.name, m.default_severity).is_some()
}

/// The rules to run: those the configuration turns on, and those a suppression
/// names beside a rule that is on. A finding of a rule that is off is never
/// shown, but it still marks such a suppression used, so the suppression is not
/// reported as unused for the rules that are on.
fn select_rules(
    config: &Config,
    suppressions: &[suppress::Suppression],
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
fn apply_policy(
    diagnostics: Vec<Diagnostic>,
    sources: &SourceMap,
    mut suppressions: Vec<suppress::Suppression>,
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

/// The other data files in the folders of the files given (not recursive).
/// Context only: a sibling that is a symbolic link (it may lead out of the
/// folder) or larger than `limit` is not read, and says nothing.
fn add_siblings(inputs: &mut Vec<Input>, config: &Config, limit: u64) {
    let dirs: std::collections::BTreeSet<PathBuf> = inputs
        .iter()
        .filter_map(|i| match &i.origin {
            Origin::File(p) if i.explicit => {
                Some(p.parent().map(Path::to_path_buf).unwrap_or_default())
            }
            _ => None,
        })
        .collect();
    for dir in dirs {
        let read_from = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.clone()
        };
        let Ok(entries) = std::fs::read_dir(&read_from) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| {
                // `DirEntry::metadata` does not follow symbolic links.
                e.metadata()
                    .is_ok_and(|m| m.file_type().is_file() && m.len() <= limit)
            })
            .map(|e| dir.join(e.file_name()))
            .filter(|p| discover::is_walked_extension(p))
            .collect();
        found.sort();
        for p in found {
            let display = p.to_string_lossy().into_owned();
            if config.excluded(&display)
                || inputs.iter().any(|i| i.origin == Origin::File(p.clone()))
            {
                continue;
            }
            inputs.push(Input {
                display,
                origin: Origin::File(p),
                explicit: false,
            });
        }
    }
}

/// What reading one input gave.
// One per input and short-lived: boxing the diagnostic would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Loaded {
    Text(String),
    /// Not read, or not text: what there is to show, and the diagnostic if the file gets one.
    Failed {
        text: String,
        error: Option<Diagnostic>,
    },
}

/// Reads every input, never blocking and never reading more than `limit` bytes:
/// only regular files (and standard input) are read, their size checked first.
/// Inputs that cannot be read at all go to `errors` (exit code 2), in input order.
/// Files are read on all workers (opening and reading a thousand small files
/// is mostly system time); standard input, after them, on this thread.
fn read_all(
    inputs: &[Input],
    stdin: &mut dyn Read,
    limit: u64,
    errors: &mut Vec<String>,
) -> Vec<Loaded> {
    let mut read: Vec<Option<(Loaded, Option<String>)>> = inputs
        .par_iter()
        .enumerate()
        .map(|(i, input)| match &input.origin {
            Origin::File(p) => Some(read_one(
                input,
                FileId(i as u32),
                read_file(p, limit),
                limit,
            )),
            Origin::Stdin => None,
        })
        .collect();
    for (i, input) in inputs.iter().enumerate() {
        if input.origin == Origin::Stdin {
            let mut buf = Vec::new();
            let bytes = Read::take(&mut *stdin, limit.saturating_add(1))
                .read_to_end(&mut buf)
                .map(|_| Ok(buf));
            read[i] = Some(read_one(input, FileId(i as u32), bytes, limit));
        }
    }
    read.into_iter()
        .flatten()
        .map(|(loaded, error)| {
            errors.extend(error);
            loaded
        })
        .collect()
}

/// A file's bytes; `Ok(Err(..))` when it is not read: not a regular file, or too large.
pub(crate) fn read_file(p: &Path, limit: u64) -> std::io::Result<Result<Vec<u8>, NotRead>> {
    let meta = std::fs::metadata(p)?;
    // A FIFO, socket or device would block or never end: never opened.
    if !meta.is_file() {
        return Ok(Err(NotRead::NotAFile(file_kind(&meta))));
    }
    if meta.len() > limit {
        return Ok(Err(NotRead::TooLarge(meta.len())));
    }
    let f = std::fs::File::open(p)?;
    // Sized up front: a growing buffer would hold up to twice the file.
    let size = usize::try_from(meta.len()).unwrap_or(0);
    let mut buf = Vec::with_capacity(size.saturating_add(1));
    f.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    Ok(Ok(buf))
}

/// Why a file was not opened.
pub(crate) enum NotRead {
    NotAFile(&'static str),
    TooLarge(u64),
}

/// What reading one input gave, and the path error it makes, if any.
fn read_one(
    input: &Input,
    file: FileId,
    bytes: std::io::Result<Result<Vec<u8>, NotRead>>,
    limit: u64,
) -> (Loaded, Option<String>) {
    let too_large = |size: Option<u64>| {
        let size = size.map_or_else(|| format!("more than {limit}"), |s| s.to_string());
        let message = format!(
            "this file is {size} bytes, over the --max-file-size of {limit} bytes; it was not read"
        );
        Loaded::Failed {
            text: String::new(),
            error: Some(Diagnostic::new(
                "input-too-large",
                "input-too-large",
                crate::diagnostic::Severity::Error,
                message.clone(),
                crate::diagnostic::Label::new(Span::new(file, 0, 0), "not read"),
            )),
        }
    };
    let bytes = match bytes {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(NotRead::NotAFile(kind))) => {
            let error = format!("{}: not a regular file ({kind}); not read", input.display);
            let loaded = Loaded::Failed {
                text: String::new(),
                error: None,
            };
            return (loaded, Some(error));
        }
        Ok(Err(NotRead::TooLarge(size))) => {
            let error = format!(
                "{}: larger than --max-file-size ({size} > {limit} bytes); not read",
                input.display
            );
            return (too_large(Some(size)), Some(error));
        }
        Err(e) => {
            let loaded = Loaded::Failed {
                text: String::new(),
                error: None,
            };
            return (loaded, Some(format!("{}: {e}", input.display)));
        }
    };
    // Grew while being read, or standard input over the limit.
    if bytes.len() as u64 > limit {
        let error = format!(
            "{}: larger than --max-file-size ({limit} bytes); not read",
            input.display
        );
        return (too_large(None), Some(error));
    }
    match String::from_utf8(bytes) {
        Ok(text) => (Loaded::Text(normalize_newlines(strip_bom(text))), None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let bad = e.as_bytes()[at];
            let error = Diagnostic::parse_error(
                // The shown text holds U+FFFD (3 bytes) where the bad bytes were.
                Span::new(file, at, at + '\u{FFFD}'.len_utf8()),
                format!("cannot parse this file: not UTF-8 text (byte 0x{bad:02X} at offset {at})"),
            );
            let loaded = Loaded::Failed {
                text,
                error: Some(error),
            };
            (loaded, None)
        }
    }
}

/// What a path that is not a regular file is, for the message.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// JSON when the text starts like JSON, else YAML (`az … -o yaml`).
fn parse_file(file: FileId, path: Option<PathBuf>, text: &str) -> Parsed {
    // Bicep is parsed by its own stage, which also follows modules.
    if path.as_deref().is_some_and(ingest::bicep::is_bicep_path) {
        return Parsed {
            file,
            path,
            docs: Arc::new([]),
            error: None,
            hcl: false,
            warnings: Vec::new(),
        };
    }
    if path.as_deref().is_some_and(is_hcl_file) {
        return Parsed {
            file,
            path,
            docs: Arc::new([]),
            error: None,
            hcl: true,
            warnings: Vec::new(),
        };
    }
    let looks_json = matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['));
    // JSON and YAML forbid a raw NUL; some parsers take it inside a string.
    let mut warnings = Vec::new();
    let result = if let Some(at) = text.find('\0') {
        Err(json::SyntaxError {
            message: "a NUL byte is not allowed in JSON or YAML text".into(),
            span: Span::new(file, at, at + 1),
        })
    } else if looks_json {
        json::parse(file, text).map(|mut n| {
            warnings = duplicate_key_warnings(&mut n);
            vec![n]
        })
    } else if text.trim().is_empty() {
        Ok(Vec::new())
    } else {
        yaml::parse(file, text)
    };
    match result {
        Ok(nodes) => Parsed {
            file,
            path,
            docs: nodes
                .into_iter()
                .map(|n| {
                    let k = ingest::classify(&n);
                    (n, k)
                })
                .collect::<Vec<_>>()
                .into(),
            error: None,
            hcl: false,
            warnings,
        },
        Err(e) => {
            let unrecognizable_yaml = !looks_json && !is_data_file(path.as_deref());
            Parsed {
                file,
                path,
                docs: Arc::new([]),
                // Plain text named on the command line is not worth a parse error unless it claims to be data.
                error: (!unrecognizable_yaml).then(|| {
                    Diagnostic::parse_error(
                        e.span,
                        format!("cannot parse this file: {}", e.message),
                    )
                }),
                hcl: false,
                warnings: Vec::new(),
            }
        }
    }
}

/// A key written twice in one JSON object: a warning at the second, whose value
/// is the one used (as ARM reads templates), pointing back at the first.
fn duplicate_key_warnings(node: &mut Node) -> Vec<Diagnostic> {
    json::resolve_duplicate_keys(node)
        .into_iter()
        .map(|dup| {
            let mut d = Diagnostic::new(
                "duplicate-key",
                "duplicate-key",
                crate::diagnostic::Severity::Warning,
                format!(
                    "key `{}` is written twice in this object; Azure uses this later value and ignores the first",
                    dup.key
                ),
                crate::diagnostic::Label::new(dup.second, "this value is used"),
            );
            d.labels.push(crate::diagnostic::Label::new(
                dup.first,
                "this one is ignored",
            ));
            d.help = Some("remove one of the two; edits to the ignored copy have no effect".into());
            d
        })
        .collect()
}

fn is_hcl_file(path: &Path) -> bool {
    matches!(
        terraform::hcl::file_role(path),
        Some(terraform::hcl::FileRole::Hcl | terraform::hcl::FileRole::Tfvars)
    ) || path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tfvars"))
}

/// Terraform configurations: every folder holding `.tf` files or Terraform-shaped
/// JSON/YAML is a root module, except folders another module calls; local child
/// modules are read from disk as the evaluator asks for them.
/// Returns them as one recording builder per root (its scope), with the configuration files read
/// (by position in `parsed`) and the evaluators' diagnostics.
fn ingest_terraform_configs(
    parsed: &[Parsed],
    sources: &mut SourceMap,
) -> (Vec<(String, InventoryBuilder)>, Vec<usize>, Vec<Diagnostic>) {
    let mut roots = Vec::new();
    let mut configs = Vec::new();
    let mut dirs: std::collections::BTreeMap<PathBuf, Vec<usize>> = Default::default();
    let mut loose_docs: Vec<&Node> = Vec::new();
    for (i, p) in parsed.iter().enumerate() {
        let is_config = p.hcl
            || p.docs
                .iter()
                .any(|(_, k)| *k == DocumentKind::TerraformConfig);
        if !is_config {
            continue;
        }
        configs.push(i);
        match &p.path {
            Some(path) => dirs
                .entry(path.parent().map(Path::to_path_buf).unwrap_or_default())
                .or_default()
                .push(i),
            None => loose_docs.extend(
                p.docs
                    .iter()
                    .filter(|(_, k)| *k == DocumentKind::TerraformConfig)
                    .map(|(n, _)| n),
            ),
        }
    }
    let mut evaluations = Vec::new();
    let outermost = common_folder(parsed.iter().filter_map(|p| p.path.as_deref()));
    // Module folders are looked up by path for every call: index the files once.
    let mut known: HashMap<PathBuf, FileId> = HashMap::new();
    for f in sources.files() {
        known.entry(normalize(Path::new(&f.path))).or_insert(f.id);
    }
    for (dir, members) in &dirs {
        let files: Vec<terraform::hcl::ModuleFile> = members
            .iter()
            .filter_map(|&i| {
                let path = parsed[i].path.clone()?;
                let text = Arc::clone(&sources.get(parsed[i].file).text);
                Some(terraform::hcl::ModuleFile {
                    file: parsed[i].file,
                    parsed: reusable_docs(&parsed[i], &path, &text),
                    text,
                    path,
                })
            })
            .collect();
        let mut loader = |d: &Path| load_module_dir(sources, &mut known, d);
        let bound = terraform_module_bound(dir, &outermost);
        evaluations.push((
            dir.clone(),
            terraform::hcl::evaluate_module_within(dir, &files, &mut loader, bound),
        ));
    }
    let calls: Vec<(PathBuf, std::collections::BTreeSet<PathBuf>)> = evaluations
        .iter()
        .map(|(dir, ev)| {
            let called = ev.module_dirs.iter().map(|d| normalize(d)).collect();
            (normalize(dir), called)
        })
        .collect();
    let mut diagnostics = Vec::new();
    for (i, (dir, ev)) in evaluations.into_iter().enumerate() {
        if called_by_another_root(&calls, i) {
            continue;
        }
        let mut builder = InventoryBuilder::recording();
        terraform::ingest_tf(&mut builder, &ev.resources);
        diagnostics.extend(ev.diagnostics);
        roots.push((dir.to_string_lossy().into_owned(), builder));
    }
    if !loose_docs.is_empty() {
        let mut builder = InventoryBuilder::recording();
        let ev = terraform::hcl::evaluate_documents(&loose_docs);
        terraform::ingest_tf(&mut builder, &ev.resources);
        diagnostics.extend(ev.diagnostics);
        roots.push(("-".to_string(), builder));
    }
    (roots, configs, diagnostics)
}

/// A folder another root calls as a module is evaluated there, not as a root
/// of its own; of two folders that call each other, the first is the root.
fn called_by_another_root(
    calls: &[(PathBuf, std::collections::BTreeSet<PathBuf>)],
    i: usize,
) -> bool {
    let (dir, own) = &calls[i];
    calls.iter().enumerate().any(|(j, (other, called))| {
        j != i && called.contains(dir) && (!own.contains(other) || j < i)
    })
}

/// The folder Terraform module loading stays inside: the nearest ancestor of
/// the root module holding `.git`, else the folder holding every input.
fn terraform_module_bound(root: &Path, outermost: &Option<PathBuf>) -> Option<PathBuf> {
    let absolute = folder(root).canonicalize().ok()?;
    match absolute.ancestors().find(|a| a.join(".git").exists()) {
        Some(repository) => Some(repository.to_path_buf()),
        None => outermost.clone(),
    }
}

fn folder(path: &Path) -> &Path {
    if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    }
}

/// The deepest folder holding all the files (symbolic links resolved).
fn common_folder<'a>(files: impl Iterator<Item = &'a Path>) -> Option<PathBuf> {
    let mut common: Option<PathBuf> = None;
    for f in files {
        let Ok(dir) = folder(f.parent().unwrap_or(Path::new(""))).canonicalize() else {
            continue;
        };
        common = Some(match common {
            None => dir,
            Some(c) => c
                .ancestors()
                .find(|a| dir.starts_with(a))
                .map(Path::to_path_buf)
                .unwrap_or(c),
        });
    }
    common
}

/// The documents this run already parsed from a module file, when the module
/// loader would parse the text the same way: Terraform-shaped YAML/JSON
/// streams, and `.tf.json` files whose text is JSON (the loader reads those
/// with the JSON parser whatever they hold, so other text is left to it).
fn reusable_docs(p: &Parsed, path: &Path, text: &str) -> Option<Arc<[(Node, DocumentKind)]>> {
    if p.error.is_some() || p.hcl {
        return None;
    }
    let reuse = match terraform::hcl::file_role(path) {
        Some(terraform::hcl::FileRole::Document) => true,
        Some(terraform::hcl::FileRole::Json) => {
            matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['))
        }
        _ => false,
    };
    reuse.then(|| Arc::clone(&p.docs))
}

/// `a/./b/../c` → `a/c`, so a module folder named two ways is recognised once.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                ) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The files of a child module folder, registered in the source map once.
fn load_module_dir(
    sources: &mut SourceMap,
    known: &mut HashMap<PathBuf, FileId>,
    dir: &Path,
) -> Vec<terraform::hcl::ModuleFile> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| dir.join(e.file_name()))
        .filter(|p| p.is_file() && terraform::hcl::file_role(p).is_some())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let key = normalize(&path);
            let file = match known.get(&key) {
                Some(&id) => id,
                None => {
                    let text = std::fs::read(&path)
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())?;
                    let shown = path.to_string_lossy().into_owned();
                    let id = sources.add(shown, normalize_newlines(strip_bom(text)));
                    known.insert(key, id);
                    id
                }
            };
            Some(terraform::hcl::ModuleFile {
                file,
                text: Arc::clone(&sources.get(file).text),
                path,
                parsed: None,
            })
        })
        .collect()
}

fn is_data_file(path: Option<&Path>) -> bool {
    let Some(ext) = path.and_then(|p| p.extension()).and_then(|e| e.to_str()) else {
        return true;
    };
    ["json", "jsonc", "yaml", "yml"]
        .iter()
        .any(|x| ext.eq_ignore_ascii_case(x))
}

/// Adds `X.parameters*.json` files lying beside a given template `X.json`, so a
/// user naming only the template still gets its parameters.
fn add_sibling_parameter_files(inputs: &mut Vec<Input>) {
    let mut extra = Vec::new();
    for input in inputs.iter().filter(|i| i.explicit) {
        let Origin::File(path) = &input.origin else {
            continue;
        };
        let (Some(dir), Some(stem)) = (path.parent(), path.file_stem().and_then(|s| s.to_str()))
        else {
            continue;
        };
        if stem.to_ascii_lowercase().contains(".parameters") {
            continue;
        }
        let dir_read = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let Ok(entries) = std::fs::read_dir(dir_read) else {
            continue;
        };
        let prefix = format!("{}.parameters", stem.to_ascii_lowercase());
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    let n = n.to_ascii_lowercase();
                    n.starts_with(&prefix) && n.ends_with(".json")
                })
            })
            .map(|p| dir.join(p.file_name().unwrap_or_default()))
            .collect();
        found.sort();
        extra.extend(found);
    }
    for p in extra {
        if !inputs.iter().any(|i| i.origin == Origin::File(p.clone())) {
            inputs.push(Input {
                display: p.to_string_lossy().into_owned(),
                origin: Origin::File(p),
                explicit: false,
            });
        }
    }
}

/// Evaluates every template with its paired parameter file and the explicit ones.
/// Returns, by position in `parsed`, the template files with what each added
/// and its `not-evaluated` diagnostics.
fn ingest_templates(
    parsed: &[Parsed],
    forced: &[&Node],
) -> Vec<(usize, (InventoryBuilder, Vec<Diagnostic>))> {
    let mut templates: Vec<(usize, &Node)> = Vec::new();
    let mut params: Vec<(usize, &Node)> = Vec::new();
    let bicep = ingest::bicep::input_paths(parsed.iter().filter_map(|p| p.path.as_deref()));
    for (i, p) in parsed.iter().enumerate() {
        for (doc, kind) in p.docs.iter() {
            match kind {
                // The Bicep source of a compiled template is read instead.
                DocumentKind::ArmTemplate
                    if p.path
                        .as_deref()
                        .is_some_and(|path| ingest::bicep::is_compiled_twin(path, doc, &bicep)) => {
                }
                DocumentKind::ArmTemplate => templates.push((i, doc)),
                DocumentKind::ArmParameters => params.push((i, doc)),
                _ => {}
            }
        }
    }
    let path_of = |i: usize| {
        parsed[i]
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("<stdin-{}>", parsed[i].file.0)))
    };
    let template_paths: Vec<PathBuf> = templates.iter().map(|(i, _)| path_of(*i)).collect();
    let param_paths: Vec<PathBuf> = params.iter().map(|(i, _)| path_of(*i)).collect();
    let pairs = discover::pair_parameter_files(&template_paths, &param_paths);
    let outputs: Vec<(InventoryBuilder, Vec<Diagnostic>)> = templates
        .par_iter()
        .enumerate()
        .map(|(t, (_, root))| {
            let mut files: Vec<&Node> = pairs.get(&t).map(|&p| params[p].1).into_iter().collect();
            files.extend(forced.iter().copied());
            let out = ingest::arm::evaluate_template(root, &files);
            let mut recorded = InventoryBuilder::recording();
            ingest::ingest_template_output(&mut recorded, &out);
            (recorded, out.not_evaluated())
        })
        .collect();
    templates.iter().map(|(i, _)| *i).zip(outputs).collect()
}

/// CRLF files are read as LF so columns never count a carriage return.
fn normalize_newlines(text: String) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text
    }
}

/// [`check`] on a pool of its own with `threads` workers (`None`: one per core),
/// reading standard input for `-`. The pool's threads get the main thread's
/// 8 MiB stack: the recursive readers (ARM expressions, HCL, deep documents)
/// run on them.
pub fn check_in_pool(opts: &CheckOptions, threads: Option<usize>) -> CheckResult {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .stack_size(8 << 20)
        .thread_name(|i| format!("akslint-{i}"))
        .build();
    match pool {
        Ok(pool) => pool.install(|| check(opts, &mut std::io::stdin().lock())),
        // No threads to be had: run on this one.
        Err(_) => check(opts, &mut std::io::stdin().lock()),
    }
}
