//! Terraform configurations — native HCL (`.tf`), JSON (`.tf.json`) and
//! Terraform-shaped YAML — evaluated into [`TfResource`]s.
//!
//! This is a *partial* evaluator: it knows what the configuration says, not
//! what the cloud will answer. Values it cannot know before apply (resource
//! ids, data sources, remote modules, functions it does not implement) become
//! `NodeKind::Unknown` with a reason, and the rules stay silent on them.
//! Nothing here stops evaluation: syntax errors are diagnostics, Terraform
//! errors (a missing map key, a type mismatch) turn the value unknown.
//!
//! Entry points: [`evaluate_module`] for a root module directory,
//! [`evaluate_documents`] for already-parsed Terraform-shaped documents,
//! [`is_tf_json`] to recognise those, [`file_role`] to pick a module's files.
//!
//! What is evaluated:
//! * `variable` (default, `terraform.tfvars`, `*.auto.tfvars[.json]`, type
//!   constraints with `optional()` defaults), `locals` (lazily; a cycle is
//!   unknown), `resource` (with `count`/`for_each`, `dynamic` blocks),
//!   `data` (unknown, but references are recorded), `output`, `module` with
//!   a local source (`./`, `../`; also with `count`/`for_each`), override files;
//! * literals, templates with interpolation, `%{if}` and `%{for}`, operators,
//!   conditionals, `for` expressions, splats, indexing, `count.index`,
//!   `each.*`, and the functions in `funcs.rs` (cidr*, collections, strings,
//!   conversions, `try`/`can`).
//!
//! What is not: remote modules, provider functions, regular expressions,
//! file and crypto functions, `path.*`, `terraform.workspace`, `self`, `-var`
//! flags, `import`/`moved` blocks (ignored), and a `count`/`for_each` not known before apply (the resource
//! is skipped with a note, since a guess could produce false findings).
//!
//! Budgets keep hostile input bounded: 1,000 instances per expansion, 2M
//! evaluation steps, 1 MiB per string, nesting depths for expressions,
//! values, reference chains and modules.

mod ast;
mod eval;
mod expr;
mod from_hcl;
mod from_node;
mod funcs;
mod guard;
mod load;
mod types;
mod value;

pub(crate) use value::computed_origin;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use from_node::is_tf_json;

use super::TfResource;
use crate::diagnostic::Diagnostic;
use crate::source::FileId;
use crate::syntax::Node;

/// One file handed to the evaluator; the caller has registered it in its
/// `SourceMap`, so spans in the results point into it.
#[derive(Clone, Debug)]
pub struct ModuleFile {
    pub file: FileId,
    pub path: PathBuf,
    pub text: Arc<str>,
    /// The JSON/YAML documents of `text` when the caller has already parsed
    /// them (Terraform JSON and Terraform-shaped YAML named as inputs), so the
    /// module loader does not parse the file a second time.
    pub parsed: Option<Arc<[(Node, crate::ingest::DocumentKind)]>>,
}

/// What a file contributes to a module, judged by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileRole {
    /// `*.tf`
    Hcl,
    /// `*.tf.json`
    Json,
    /// `terraform.tfvars`, `*.auto.tfvars` (root module only)
    Tfvars,
    /// `terraform.tfvars.json`, `*.auto.tfvars.json` (root module only)
    TfvarsJson,
    /// `*.yaml`/`*.yml`/`*.json` documents: used when [`is_tf_json`] says so.
    Document,
}

/// The role of a file in a module directory, or `None` if Terraform ignores it
/// (`*.tfvars` files other than `terraform.tfvars` need `-var-file`, so they are ignored too).
pub fn file_role(path: &Path) -> Option<FileRole> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".tf") {
        Some(FileRole::Hcl)
    } else if name.ends_with(".tf.json") {
        Some(FileRole::Json)
    } else if name == "terraform.tfvars" || name.ends_with(".auto.tfvars") {
        Some(FileRole::Tfvars)
    } else if name == "terraform.tfvars.json" || name.ends_with(".auto.tfvars.json") {
        Some(FileRole::TfvarsJson)
    } else if [".yaml", ".yml", ".json"].iter().any(|x| name.ends_with(x)) {
        Some(FileRole::Document)
    } else {
        None
    }
}

/// Reads the files of a child module's directory (a `module` block with a
/// local `source`). The path is the directory, joined to the calling module's
/// directory and normalised lexically (`./modules/network`, `../shared`).
/// Return every file in it (not recursive); the evaluator keeps those whose
/// [`file_role`] counts and ignores the rest. An unreadable directory: return nothing.
pub type ModuleLoader<'a> = dyn FnMut(&Path) -> Vec<ModuleFile> + 'a;

/// The result of evaluating one root module (and the local modules it calls).
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Resource instances in declaration order (each module's resources, then
    /// its child modules'), with addresses like `module.net.azurerm_subnet.nodes["a"]`.
    pub resources: Vec<TfResource>,
    /// Parse errors (`parse-error`), and `info` notes (code
    /// [`NOTE_CODE`]) on what could not be evaluated: a `count`/`for_each`
    /// not known before apply (that resource is skipped: a guess could
    /// produce false findings), a remote module, an exhausted budget.
    pub diagnostics: Vec<Diagnostic>,
    /// Directories read as local child modules (normalised like the loader's
    /// argument). A caller walking a tree should not evaluate these again as
    /// root modules: their variables come from the calling `module` block.
    pub module_dirs: Vec<PathBuf>,
}

/// The code of the evaluator's informational notes.
pub const NOTE_CODE: &str = "terraform-not-evaluated";

/// Evaluates a root module: `files` are the files of one directory (`.tf`,
/// `.tf.json`, Terraform-shaped YAML/JSON documents, `terraform.tfvars`,
/// `*.auto.tfvars[.json]`), given in any order; `dir` is that directory,
/// against which local module sources resolve; `loader` reads child module
/// directories.
///
/// Variables take, in order of precedence, `*.auto.tfvars` (lexical order,
/// later wins), `terraform.tfvars`, then the `default`.
pub fn evaluate_module(
    dir: &Path,
    files: &[ModuleFile],
    loader: &mut ModuleLoader<'_>,
) -> Evaluation {
    evaluate_module_within(dir, files, loader, None)
}

/// [`evaluate_module`], reading no module folder outside `bound` (the
/// repository): such a call gets a note and unknown outputs.
pub fn evaluate_module_within(
    dir: &Path,
    files: &[ModuleFile],
    loader: &mut ModuleLoader<'_>,
    bound: Option<PathBuf>,
) -> Evaluation {
    let mut ev = eval::Evaluator::new(loader);
    ev.bound = bound;
    ev.run_root(dir, files);
    ev.finish()
}

/// Evaluates Terraform JSON / Terraform-shaped YAML documents that are already
/// parsed (standard input, say) as one root module: those for which
/// [`is_tf_json`] holds. Local modules they call are not read (there is no
/// directory to resolve them against); their outputs are unknown.
pub fn evaluate_documents(docs: &[&Node]) -> Evaluation {
    let mut cfg = ast::ModuleConfig::default();
    for doc in docs.iter().filter(|d| is_tf_json(d)) {
        from_node::add_document(&mut cfg, doc, false);
    }
    let mut no_modules = |_: &Path| Vec::new();
    let mut ev = eval::Evaluator::new(&mut no_modules);
    ev.run_config(Path::new(""), cfg);
    ev.finish()
}
