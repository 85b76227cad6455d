//! Terraform configurations as root modules: every folder holding `.tf` files or
//! Terraform-shaped JSON/YAML is a root, except folders another root calls;
//! local child modules are read from disk (once each) as the evaluator asks.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::discover::{self, read::normalize_newlines};
use crate::ingest::inputs::Parsed;
use crate::ingest::DocumentKind;
use crate::model::InventoryBuilder;
use crate::source::{strip_bom, FileId, SourceMap};
use crate::syntax::Node;

/// Terraform configurations: every folder holding `.tf` files or Terraform-shaped
/// JSON/YAML is a root module, except folders another module calls; local child
/// modules are read from disk as the evaluator asks for them.
/// Returns them as one recording builder per root (its scope), with the configuration files read
/// (by position in `parsed`) and the evaluators' diagnostics.
pub fn ingest_configs(
    parsed: &[Parsed],
    sources: &mut SourceMap,
) -> (Vec<(String, InventoryBuilder)>, Vec<usize>, Vec<Diagnostic>) {
    let mut roots = Vec::new();
    let mut configs = Vec::new();
    let mut dirs: BTreeMap<PathBuf, Vec<usize>> = Default::default();
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
        known
            .entry(discover::normalize_path(Path::new(&f.path)))
            .or_insert(f.id);
    }
    for (dir, members) in &dirs {
        let files: Vec<super::hcl::ModuleFile> = members
            .iter()
            .filter_map(|&i| {
                let path = parsed[i].path.clone()?;
                let text = Arc::clone(&sources.get(parsed[i].file).text);
                Some(super::hcl::ModuleFile {
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
            super::hcl::evaluate_module_within(dir, &files, &mut loader, bound),
        ));
    }
    let calls: Vec<(PathBuf, BTreeSet<PathBuf>)> = evaluations
        .iter()
        .map(|(dir, ev)| {
            let called = ev
                .module_dirs
                .iter()
                .map(|d| discover::normalize_path(d))
                .collect();
            (discover::normalize_path(dir), called)
        })
        .collect();
    let mut diagnostics = Vec::new();
    for (i, (dir, ev)) in evaluations.into_iter().enumerate() {
        if called_by_another_root(&calls, i) {
            continue;
        }
        let mut builder = InventoryBuilder::recording();
        super::ingest_tf(&mut builder, &ev.resources);
        mark_incomplete(&mut builder, &ev.diagnostics);
        diagnostics.extend(ev.diagnostics);
        roots.push((dir.to_string_lossy().into_owned(), builder));
    }
    if !loose_docs.is_empty() {
        let mut builder = InventoryBuilder::recording();
        let ev = super::hcl::evaluate_documents(&loose_docs);
        super::ingest_tf(&mut builder, &ev.resources);
        mark_incomplete(&mut builder, &ev.diagnostics);
        diagnostics.extend(ev.diagnostics);
        roots.push(("-".to_string(), builder));
    }
    (roots, configs, diagnostics)
}

/// A root whose evaluation left notes (a module or resources not evaluated)
/// may hold more than akslint read.
fn mark_incomplete(builder: &mut InventoryBuilder, diagnostics: &[Diagnostic]) {
    if diagnostics.iter().any(|d| d.code == super::hcl::NOTE_CODE) {
        builder.mark_incomplete();
    }
}

/// A folder another root calls as a module is evaluated there, not as a root
/// of its own; of two folders that call each other, the first is the root.
fn called_by_another_root(calls: &[(PathBuf, BTreeSet<PathBuf>)], i: usize) -> bool {
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
    let reuse = match super::hcl::file_role(path) {
        Some(super::hcl::FileRole::Document) => true,
        Some(super::hcl::FileRole::Json) => {
            matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['))
        }
        _ => false,
    };
    reuse.then(|| Arc::clone(&p.docs))
}

/// The files of a child module folder, registered in the source map once.
fn load_module_dir(
    sources: &mut SourceMap,
    known: &mut HashMap<PathBuf, FileId>,
    dir: &Path,
) -> Vec<super::hcl::ModuleFile> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| dir.join(e.file_name()))
        .filter(|p| p.is_file() && super::hcl::file_role(p).is_some())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let key = discover::normalize_path(&path);
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
            Some(super::hcl::ModuleFile {
                file,
                text: Arc::clone(&sources.get(file).text),
                path,
                parsed: None,
            })
        })
        .collect()
}
