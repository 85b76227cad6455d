//! The inputs into one linked inventory: each parsed file's documents are
//! dispatched on their kind once, here; templates, documents, manifests,
//! Terraform roots and Bicep entry points are read on all workers into
//! recording builders and replayed in the order of a single pass, each as a
//! deployment scope.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::{
    arm, bicep, classify, ingest_document, ingest_template_output, kubernetes, terraform,
    DocumentKind,
};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::discover;
use crate::model::scope::ScopeKind;
use crate::model::{Inventory, InventoryBuilder};
use crate::source::{FileId, SourceMap};
use crate::syntax::{document, Node, NodeKind, SyntaxError};

/// One parsed input file.
pub struct Parsed {
    pub file: FileId,
    pub path: Option<PathBuf>,
    /// Shared with the Terraform module loader, which reads Terraform JSON
    /// and Terraform-shaped YAML from these trees instead of parsing again.
    pub docs: Arc<[(Node, DocumentKind)]>,
    pub error: Option<Diagnostic>,
    /// HCL (`.tf`, `.tfvars`): read by the Terraform evaluator, module by module.
    pub hcl: bool,
    /// What the parse noticed without failing: keys written twice in one object.
    pub warnings: Vec<Diagnostic>,
}

impl Parsed {
    fn empty(file: FileId, path: Option<PathBuf>) -> Parsed {
        Parsed {
            file,
            path,
            docs: Arc::new([]),
            error: None,
            hcl: false,
            warnings: Vec::new(),
        }
    }
}

/// One input file's documents: JSON or YAML data, classified; `.tf`/`.tfvars`
/// and `.bicep`/`.bicepparam` are marked for their own front-ends, which parse
/// them with their modules.
pub fn parse_input(file: FileId, path: Option<PathBuf>, text: &str) -> Parsed {
    let mut parsed = Parsed::empty(file, path);
    let Some(path) = parsed.path.as_deref() else {
        return parse_data(parsed, text);
    };
    if bicep::is_bicep_path(path) {
        return parsed;
    }
    if is_hcl_file(path) {
        parsed.hcl = true;
        return parsed;
    }
    parse_data(parsed, text)
}

/// An input that was not read, or is not text: only what reading it said.
pub fn not_parsed(file: FileId, path: Option<PathBuf>, error: Option<Diagnostic>) -> Parsed {
    Parsed {
        error,
        ..Parsed::empty(file, path)
    }
}

fn parse_data(mut parsed: Parsed, text: &str) -> Parsed {
    // A document nobody recognises is dropped as soon as it is classified,
    // so a stream of 100,000 foreign documents is never held whole. Only
    // Terraform's loader reads such a tree: a `.tf.json` file's, whatever it
    // holds (it takes the other documents only when `is_tf_json`, which
    // `classify` has said no to).
    let keep_all = parsed
        .path
        .as_deref()
        .is_some_and(|p| terraform::hcl::file_role(p) == Some(terraform::hcl::FileRole::Json));
    let classified = document::parse_each(parsed.file, text, |n| {
        let k = classify(&n);
        if k == DocumentKind::Unrecognized && !keep_all {
            return (Node::new(n.span, NodeKind::Null), k);
        }
        (n, k)
    });
    match classified {
        Ok((docs, warnings)) => {
            parsed.docs = docs.into();
            parsed.warnings = warnings;
        }
        Err(e) if e.too_dense => parsed.error = Some(too_dense(e)),
        Err(e) => {
            // Plain text named on the command line is not worth a parse error unless it claims to be data.
            let unrecognizable_yaml =
                !document::looks_json(text) && !is_data_file(parsed.path.as_deref());
            parsed.error = (!unrecognizable_yaml).then(|| {
                Diagnostic::parse_error(e.span, format!("cannot parse this file: {}", e.message))
            });
        }
    }
    parsed
}

/// An `input-too-dense` error: the file was not read.
fn too_dense(e: SyntaxError) -> Diagnostic {
    Diagnostic::new(
        "input-too-dense",
        "input-too-dense",
        Severity::Error,
        e.message,
        Label::new(e.span, "too many values by here"),
    )
}

/// Ingests every parsed document; returns the linked inventory and which files held something akslint reads.
pub fn build_inventory(
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
                || terraform::roots::ingest_configs(parsed, sources),
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
        if !notes.is_empty() {
            builder.mark_incomplete();
        }
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
        ingest_template_output(&mut builder, out);
        let notes = out.not_evaluated();
        if !notes.is_empty() {
            builder.mark_incomplete();
        }
        diagnostics.extend(notes);
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
) -> bicep::Evaluated {
    let inputs: Vec<(FileId, PathBuf)> = parsed
        .iter()
        .filter_map(|p| Some((p.file, p.path.clone()?)))
        .filter(|(_, path)| bicep::is_bicep_path(path))
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
        .map(|(&t, &p)| (discover::normalize_path(&inputs[t].1), params[p].1))
        .collect();
    bicep::evaluate_inputs(&inputs, &json_params, forced, sources)
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
            kubernetes::ingest_manifests(&mut recorded, &manifests);
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
                terraform::ingest_plan(&mut recorded, doc);
                seen = true;
            }
            _ => {
                ingest_document(&mut recorded, doc, *kind);
                seen = true;
            }
        }
    }
    (recorded, seen)
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
    let bicep = bicep::input_paths(parsed.iter().filter_map(|p| p.path.as_deref()));
    for (i, p) in parsed.iter().enumerate() {
        for (doc, kind) in p.docs.iter() {
            match kind {
                // The Bicep source of a compiled template is read instead.
                DocumentKind::ArmTemplate
                    if p.path
                        .as_deref()
                        .is_some_and(|path| bicep::is_compiled_twin(path, doc, &bicep)) => {}
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
            let out = arm::evaluate_template(root, &files);
            let mut recorded = InventoryBuilder::recording();
            ingest_template_output(&mut recorded, &out);
            (recorded, out.not_evaluated())
        })
        .collect();
    templates.iter().map(|(i, _)| *i).zip(outputs).collect()
}

pub fn is_hcl_file(path: &Path) -> bool {
    matches!(
        terraform::hcl::file_role(path),
        Some(terraform::hcl::FileRole::Hcl | terraform::hcl::FileRole::Tfvars)
    ) || path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tfvars"))
}

fn is_data_file(path: Option<&Path>) -> bool {
    let Some(ext) = path.and_then(|p| p.extension()).and_then(|e| e.to_str()) else {
        return true;
    };
    ["json", "jsonc", "yaml", "yml"]
        .iter()
        .any(|x| ext.eq_ignore_ascii_case(x))
}
