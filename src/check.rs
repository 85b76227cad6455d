//! One run of `akslint check`: discover, read, ingest, link, apply the rules.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::discover::{self, Input, Origin};
use crate::ingest::{self, DocumentKind};
use crate::model::{Inventory, InventoryBuilder};
use crate::rules;
use crate::source::{strip_bom, FileId, SourceMap};
use crate::syntax::{json, yaml, Node};

#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Files, directories, or `-` for standard input. Empty means the current directory.
    pub paths: Vec<String>,
    /// ARM parameter files applied to every template, after automatic pairing.
    pub parameters: Vec<String>,
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
    docs: Vec<(Node, DocumentKind)>,
    error: Option<Diagnostic>,
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
    add_sibling_parameter_files(&mut inputs);
    let explicit_params: Vec<Input> = opts
        .parameters
        .iter()
        .map(|p| Input {
            display: p.clone(),
            origin: Origin::File(PathBuf::from(p)),
            explicit: true,
        })
        .collect();
    let first_explicit_param = inputs.len();
    inputs.extend(explicit_params);

    let texts = read_all(&inputs, stdin, &mut path_errors);
    let mut sources = SourceMap::default();
    for (input, text) in inputs.iter().zip(&texts) {
        sources.add(input.display.clone(), text.clone().unwrap_or_default());
    }
    let parsed: Vec<Parsed> = inputs
        .par_iter()
        .enumerate()
        .map(|(i, input)| {
            let file = FileId(i as u32);
            let path = match &input.origin {
                Origin::File(p) => Some(p.clone()),
                Origin::Stdin => None,
            };
            match &texts[i] {
                Some(text) => parse_file(file, path, text),
                None => Parsed {
                    file,
                    path,
                    docs: Vec::new(),
                    error: None,
                },
            }
        })
        .collect();

    let mut builder = InventoryBuilder::default();
    let mut diagnostics: Vec<Diagnostic> = parsed.iter().filter_map(|p| p.error.clone()).collect();
    let forced: Vec<&Node> = parsed[first_explicit_param..]
        .iter()
        .flat_map(|p| {
            p.docs
                .iter()
                .filter(|(_, k)| *k == DocumentKind::ArmParameters)
                .map(|(n, _)| n)
        })
        .collect();
    let mut recognized = vec![false; parsed.len()];
    ingest_templates(
        &parsed[..first_explicit_param],
        &forced,
        &mut builder,
        &mut recognized,
    );
    for (i, p) in parsed.iter().enumerate() {
        for (doc, kind) in &p.docs {
            match kind {
                DocumentKind::ArmTemplate => {}
                DocumentKind::ArmParameters => recognized[i] = true,
                DocumentKind::Unrecognized => {}
                _ => {
                    ingest::ingest_document(&mut builder, doc, *kind);
                    recognized[i] = true;
                }
            }
        }
        if p.error.is_some() {
            // A file that failed to parse was still read and reported on.
            recognized[i] = true;
        }
    }
    let inventory = builder.finish();
    diagnostics.extend(rules::run(&inventory, &rules::all()));
    let files_recognized = recognized.iter().filter(|r| **r).count()
        - parsed.iter().filter(|p| p.error.is_some()).count();
    CheckResult {
        sources,
        diagnostics,
        inventory,
        files_recognized,
        path_errors,
        elapsed: started.elapsed(),
    }
}

fn read_all(
    inputs: &[Input],
    stdin: &mut dyn Read,
    errors: &mut Vec<String>,
) -> Vec<Option<String>> {
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        let bytes = match &input.origin {
            Origin::Stdin => {
                let mut buf = Vec::new();
                stdin.read_to_end(&mut buf).map(|_| buf)
            }
            Origin::File(p) => std::fs::read(p),
        };
        match bytes {
            Ok(b) => match String::from_utf8(b) {
                Ok(text) => out.push(Some(normalize_newlines(strip_bom(text)))),
                Err(_) => {
                    errors.push(format!("{}: not UTF-8 text", input.display));
                    out.push(None);
                }
            },
            Err(e) => {
                errors.push(format!("{}: {e}", input.display));
                out.push(None);
            }
        }
    }
    out
}

/// JSON when the text starts like JSON, else YAML (`az … -o yaml`).
fn parse_file(file: FileId, path: Option<PathBuf>, text: &str) -> Parsed {
    let looks_json = matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['));
    let result = if looks_json {
        json::parse(file, text).map(|n| vec![n])
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
                .collect(),
            error: None,
        },
        Err(e) => {
            let unrecognizable_yaml = !looks_json && !is_data_file(path.as_deref());
            Parsed {
                file,
                path,
                docs: Vec::new(),
                // Plain text named on the command line is not worth a parse error unless it claims to be data.
                error: (!unrecognizable_yaml).then(|| {
                    Diagnostic::parse_error(
                        e.span,
                        format!("cannot parse this file: {}", e.message),
                    )
                }),
            }
        }
    }
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
fn ingest_templates(
    parsed: &[Parsed],
    forced: &[&Node],
    builder: &mut InventoryBuilder,
    recognized: &mut [bool],
) {
    let mut templates: Vec<(usize, &Node)> = Vec::new();
    let mut params: Vec<(usize, &Node)> = Vec::new();
    for (i, p) in parsed.iter().enumerate() {
        for (doc, kind) in &p.docs {
            match kind {
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
    let outputs: Vec<_> = templates
        .par_iter()
        .enumerate()
        .map(|(t, (_, root))| {
            let mut files: Vec<&Node> = pairs.get(&t).map(|&p| params[p].1).into_iter().collect();
            files.extend(forced.iter().copied());
            ingest::arm::evaluate_template(root, &files)
        })
        .collect();
    for ((i, _), out) in templates.iter().zip(outputs) {
        recognized[*i] = true;
        ingest::ingest_template_output(builder, &out);
    }
}

/// CRLF files are read as LF so columns never count a carriage return.
fn normalize_newlines(text: String) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text
    }
}
