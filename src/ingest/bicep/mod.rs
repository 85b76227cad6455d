//! Bicep: `.bicep` and `.bicepparam` files read natively, without the Bicep CLI.
//!
//! The parser is hand-written ([`syntax`], [`lexer`]) rather than `tree-sitter-bicep`:
//! measured on 400 public Bicep files, the 1.1.0 grammar rejects constructs Microsoft's
//! own modules use (resource-derived types, `!` after `.?`, `import {…} from`, union
//! literal types, multi-line ternaries), and its error recovery drops whatever is inside
//! the error; it also brings a C build. Bicep's grammar is small, so a recursive-descent
//! parser over the language specification gives every node an exact span, one error at
//! the token where the parser stopped, linear time, and no C.
//!
//! Evaluation reuses the ARM evaluator: [`translate`] turns the files into the ARM
//! template the Bicep compiler would produce (modules as inline nested deployments), with
//! the `.bicep` spans on every value, and [`crate::ingest::arm::evaluate_template`]
//! evaluates it. So every ARM function, loop, condition, Unknown and hostile-input bound
//! applies to Bicep as it does to compiled Bicep.
//!
//! Not evaluated (an info `not-evaluated` at the place): registry modules and template
//! specs (`br:`, `br/…:`, `ts:`), registry imports, `readEnvironmentVariable`, resource
//! methods (`kv.getSecret()`, `listKeys()`), properties of `existing` resources, outputs
//! of modules inside loops.

mod lexer;
pub mod syntax;
mod translate;

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::Node;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use translate::Unit;
pub use translate::NOT_EVALUATED;

/// Reads and parses files on demand for modules, imports and `load*Content`.
pub trait Loader {
    fn load(&mut self, path: &Path) -> Option<Unit>;
    fn load_text(&mut self, path: &Path) -> Option<(FileId, Arc<str>)>;
}

pub fn is_bicep_path(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("bicep") || e.eq_ignore_ascii_case("bicepparam"))
}

fn is_bicepparam(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("bicepparam"))
}

pub(crate) fn not_evaluated(span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(
        NOT_EVALUATED,
        NOT_EVALUATED,
        Severity::Info,
        message,
        Label::new(span, "akslint could not evaluate this"),
    )
}

/// `a/./b/../c` → `a/c`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The loader over the run's source map: files already read are reused, others are read
/// from disk and registered; each file is parsed once and its syntax errors reported once.
pub struct FileLoader<'s> {
    sources: &'s mut SourceMap,
    known: HashMap<PathBuf, FileId>,
    parsed: HashMap<PathBuf, Rc<Vec<syntax::Decl>>>,
    pub diagnostics: Vec<Diagnostic>,
    /// Files successfully parsed, by id.
    pub read: HashSet<FileId>,
}

impl<'s> FileLoader<'s> {
    pub fn new(sources: &'s mut SourceMap) -> FileLoader<'s> {
        let mut known = HashMap::new();
        for f in sources.files() {
            known.entry(normalize(Path::new(&f.path))).or_insert(f.id);
        }
        FileLoader {
            sources,
            known,
            parsed: HashMap::new(),
            diagnostics: Vec::new(),
            read: HashSet::new(),
        }
    }

    fn file_id(&mut self, path: &Path) -> Option<FileId> {
        let key = normalize(path);
        if let Some(&id) = self.known.get(&key) {
            return Some(id);
        }
        let meta = std::fs::metadata(path).ok()?;
        // Same bound as for inputs: a module file is read whole.
        if !meta.is_file() || meta.len() > 64 << 20 {
            return None;
        }
        let text = String::from_utf8(std::fs::read(path).ok()?).ok()?;
        let text = crate::source::strip_bom(text);
        let text = if text.contains('\r') {
            text.replace("\r\n", "\n")
        } else {
            text
        };
        let id = self.sources.add(path.to_string_lossy().into_owned(), text);
        self.known.insert(key, id);
        Some(id)
    }
}

impl Loader for FileLoader<'_> {
    fn load(&mut self, path: &Path) -> Option<Unit> {
        let key = normalize(path);
        if let Some(decls) = self.parsed.get(&key) {
            return Some(Unit {
                path: key,
                decls: Rc::clone(decls),
            });
        }
        let id = self.file_id(path)?;
        let text = Arc::clone(&self.sources.get(id).text);
        let parsed = syntax::parse(id, &text, is_bicepparam(path));
        if parsed.errors.is_empty() {
            self.read.insert(id);
        }
        for e in &parsed.errors {
            self.diagnostics.push(Diagnostic::parse_error(
                Span::new(id, e.start, e.end.min(text.len()).max(e.start)),
                format!("cannot parse this Bicep file: {}", e.message),
            ));
        }
        let decls = Rc::new(parsed.decls);
        self.parsed.insert(key.clone(), Rc::clone(&decls));
        Some(Unit { path: key, decls })
    }

    fn load_text(&mut self, path: &Path) -> Option<(FileId, Arc<str>)> {
        let id = self.file_id(path)?;
        Some((id, Arc::clone(&self.sources.get(id).text)))
    }
}

/// What reading the Bicep inputs of a run gave.
#[derive(Default)]
pub struct Evaluated {
    pub outputs: Vec<crate::ingest::arm::TemplateOutput>,
    pub diagnostics: Vec<Diagnostic>,
    /// Input files (by id) that were read as Bicep.
    pub recognized: Vec<FileId>,
}

/// The local files a Bicep file refers to (modules and imports), resolved against it.
fn references(unit: &Unit) -> Vec<PathBuf> {
    let dir = unit
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    unit.decls
        .iter()
        .filter_map(|d| match &d.kind {
            syntax::DeclKind::Module { path, .. } | syntax::DeclKind::Import { path, .. }
                if !path.contains(':') =>
            {
                Some(normalize(&dir.join(path)))
            }
            _ => None,
        })
        .collect()
}

/// Evaluates the Bicep inputs: each `.bicep` file that no other input uses as a module,
/// with its `.bicepparam` (paired by `using`) and its JSON parameter file (paired by name),
/// then the explicit `--parameters` files.
pub fn evaluate_inputs(
    inputs: &[(FileId, PathBuf)],
    json_params: &HashMap<PathBuf, &Node>,
    forced: &[&Node],
    sources: &mut SourceMap,
) -> Evaluated {
    let mut loader = FileLoader::new(sources);
    let mut units = Vec::new();
    for (_, path) in inputs {
        if let Some(u) = loader.load(path) {
            units.push((is_bicepparam(path), u));
        }
    }
    // `using` pairs a parameter file with its template, read even when not an input.
    let mut param_files: HashMap<PathBuf, Unit> = HashMap::new();
    let mut entries: Vec<Unit> = Vec::new();
    for (is_param, u) in &units {
        if !is_param {
            entries.push(u.clone());
            continue;
        }
        let target = u.decls.iter().find_map(|d| match &d.kind {
            syntax::DeclKind::Using { path, .. } => Some(path.clone()),
            _ => None,
        });
        let Some(target) = target else { continue };
        let dir = u.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let target = normalize(&dir.join(target));
        if !entries.iter().any(|e| e.path == target)
            && !units.iter().any(|(p, x)| !p && x.path == target)
        {
            if let Some(t) = loader.load(&target) {
                entries.push(t);
            }
        }
        param_files.insert(target, u.clone());
    }
    // Used by another file (a file calling itself is still an entry point).
    let used: HashSet<PathBuf> = entries
        .iter()
        .flat_map(|e| references(e).into_iter().filter(move |r| *r != e.path))
        .collect();
    entries.retain(|e| !used.contains(&e.path));
    let mut out = Evaluated::default();
    for entry in &entries {
        let mut g = translate::Global::new(&mut loader);
        let mut given = HashMap::new();
        if let Some(json) = json_params.get(&entry.path) {
            given_from_json(json, &mut given);
        }
        if let Some(p) = param_files.get(&entry.path) {
            translate::param_values(&mut g, p, &mut given);
        }
        for f in forced {
            given_from_json(f, &mut given);
        }
        let mut stack = vec![entry.path.clone()];
        let template = translate::template(&mut g, entry, &given, &mut stack);
        out.diagnostics.append(&mut g.diags);
        out.outputs
            .push(crate::ingest::arm::evaluate_template(&template, &[]));
    }
    out.diagnostics.append(&mut loader.diagnostics);
    out.recognized = inputs
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| loader.read.contains(id))
        .collect();
    out
}

/// Values of an ARM parameter file, as literal given values.
fn given_from_json(file: &Node, given: &mut HashMap<String, Node>) {
    for e in file
        .get("parameters")
        .and_then(Node::as_object)
        .unwrap_or_default()
    {
        let v = match e.value.get("value") {
            Some(v) => translate::escape_literals(v.clone()),
            None => Node::unknown(
                e.value.span,
                "parameter value comes from a Key Vault reference",
            ),
        };
        given.insert(e.key.clone(), v);
    }
}

/// True when the ARM template at `json_path` is the compiled form of a Bicep file read in
/// the same run: `main.json` beside `main.bicep`, or a template Bicep generated
/// (`metadata._generator.name == "bicep"`) in a folder holding a `.bicep` input. The Bicep
/// source is read instead, so findings point at the lines a person edits.
pub fn is_compiled_twin(
    json_path: &Path,
    template: &Node,
    bicep_inputs: &HashSet<PathBuf>,
) -> bool {
    let json_path = normalize(json_path);
    if bicep_inputs.contains(&json_path.with_extension("bicep")) {
        return true;
    }
    let generated = template
        .path(&["metadata", "_generator", "name"])
        .and_then(Node::as_str)
        .is_some_and(|g| g.eq_ignore_ascii_case("bicep"));
    let dir = json_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    generated
        && bicep_inputs.iter().any(|b| {
            b.parent().map(Path::to_path_buf).unwrap_or_default() == dir
                && b.extension().is_some_and(|e| e == "bicep")
        })
}

/// Normalized paths of the inputs that are Bicep files.
pub fn input_paths<'a>(paths: impl Iterator<Item = &'a Path>) -> HashSet<PathBuf> {
    paths.filter(|p| is_bicep_path(p)).map(normalize).collect()
}
