//! Declarative rules: YAML rule files evaluated on the normalised model, so one
//! rule covers ARM, az CLI output, Terraform and Kubernetes manifests alike.
//! The shipped pack (`rules/*.yaml`) is embedded in the binary; users add packs
//! with `--rules` or `rules = [...]` in `akslint.toml`. `docs/custom-rules.md`
//! documents the format.

pub mod condition;
pub mod fields;
pub mod format;
pub mod schema;
pub mod shipped;
pub mod template;

use std::path::{Path as FsPath, PathBuf};

use condition::{resolve, Scope, Truth};
use fields::{Ctx, Got, Obj, Slot, State, Value};
use format::{Check, LoadError, RuleDef};

use super::{Category, Context, Rule, RuleMeta};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::Inventory;
use crate::source::{FileId, SourceMap, Span};

/// A rule read from a rule file.
pub struct DeclarativeRule {
    meta: &'static RuleMeta,
    pub url: Option<String>,
    pub tags: Vec<String>,
    checks: Vec<Check>,
}

/// Gives a string the `'static` lifetime [`RuleMeta`] needs. Rules are loaded
/// once per process (the shipped pack once, user packs once at start-up), so
/// what is leaked is bounded by the rule files read.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

impl DeclarativeRule {
    fn new(def: RuleDef) -> DeclarativeRule {
        let category = match def.category.as_deref() {
            Some("ip-planning") => Category::IpPlanning,
            Some("compatibility") => Category::Compatibility,
            Some("supportability") => Category::Supportability,
            Some("security") => Category::Security,
            Some(other) => Category::Custom(leak(other.to_string())),
            None => Category::Custom("custom"),
        };
        // `RuleMeta::explanation_text` strips the one leading space doc comments
        // carry; give every line one so the Markdown comes out as written.
        let explanation = def
            .explanation
            .unwrap_or_default()
            .lines()
            .map(|l| format!(" {l}"))
            .collect::<Vec<_>>()
            .join("\n");
        let meta = Box::leak(Box::new(RuleMeta {
            code: leak(def.id),
            name: leak(def.name),
            category,
            default_severity: def.severity,
            summary: leak(def.summary),
            explanation: leak(explanation),
        }));
        DeclarativeRule {
            meta,
            url: def.url,
            tags: def.tags,
            checks: def.checks,
        }
    }
}

impl Rule for DeclarativeRule {
    fn meta(&self) -> &'static RuleMeta {
        self.meta
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let model = Ctx::new(inv);
        for check in &self.checks {
            for obj in Obj::all_of(inv, check.kind) {
                let scope = Scope {
                    base: Slot::known(Value::Obj(obj), obj.decl(inv)),
                    item: None,
                };
                if let Some(filter) = &check.filter {
                    if filter.eval(&model, &scope).truth != Truth::True {
                        continue;
                    }
                }
                match &check.for_each {
                    None => assert_on(&model, cx, check, obj, &scope),
                    Some(list) => {
                        let items = match resolve(&model, &scope, list) {
                            Got::Many(items, _) => items,
                            Got::One(s) if s.state == State::Absent => Vec::new(),
                            Got::One(s) => vec![s],
                        };
                        for item in items {
                            let scope = Scope {
                                base: scope.base.clone(),
                                item: Some(item),
                            };
                            assert_on(&model, cx, check, obj, &scope);
                        }
                    }
                }
            }
        }
    }
}

/// Evaluates the check's assertion and reports when it is FALSE.
fn assert_on<'a>(
    model: &'a Ctx<'_>,
    cx: &mut Context<'_>,
    check: &Check,
    obj: Obj,
    scope: &Scope<'a>,
) {
    let inv = model.inv;
    let e = check.assert.eval(model, scope);
    if e.truth != Truth::False {
        return;
    }
    let witness = e.witness;
    let value = witness.as_ref().and_then(|w| w.value.as_ref());
    let span = check
        .at
        .iter()
        .find_map(|p| first_span(resolve(model, scope, p)))
        .or_else(|| witness.as_ref().map(|w| w.span))
        .unwrap_or_else(|| obj.decl(inv));
    let message = check.message.render(model, scope, value);
    let label = match (&check.label, &witness) {
        (Some(t), _) => t.render(model, scope, value),
        (None, Some(w)) => w
            .leaf
            .map_or_else(|| "here".to_string(), |l| l.describe(w.negated)),
        (None, None) => "here".to_string(),
    };
    let mut labels = Vec::new();
    for extra in &check.labels {
        let Some(at) = known_span(resolve(model, scope, &extra.field)) else {
            continue;
        };
        if let Some(when) = &extra.when {
            if when.eval(model, scope).truth != Truth::True {
                continue;
            }
        }
        labels.push(Label::new(at, extra.message.render(model, scope, value)));
    }
    let help = check.help.as_ref().map(|h| h.render(model, scope, value));
    let d = cx.report(span, message, label);
    d.labels.extend(labels);
    d.help = help;
    d.resource = Some(obj.address(inv).to_string());
}

/// The span of the first value a path reaches that the model has (written or defaulted).
fn first_span(got: Got<'_>) -> Option<Span> {
    match got {
        Got::One(s) => (s.state != State::Absent).then_some(s.span),
        Got::Many(list, _) => list
            .into_iter()
            .find(|s| s.state != State::Absent)
            .map(|s| s.span),
    }
}

/// The span of the first value the input states.
fn known_span(got: Got<'_>) -> Option<Span> {
    match got {
        Got::One(s) => (s.state == State::Known).then_some(s.span),
        Got::Many(list, _) => list
            .into_iter()
            .find(|s| s.state == State::Known)
            .map(|s| s.span),
    }
}

/// A diagnostic for a rule-file mistake: code `rule-error`, at the line and key.
pub fn error_diagnostic(e: LoadError) -> Diagnostic {
    let mut d = Diagnostic::new(
        "rule-error",
        "rule-error",
        Severity::Error,
        e.message,
        Label::new(e.span, e.label),
    );
    for (span, text) in e.also {
        d.labels.push(Label::new(span, text));
    }
    d.help = e.help;
    d
}

/// Parses rule files already in `sources`, checks ids and names are unique
/// (among themselves and against `taken`: every rule already loaded) and builds
/// the rules. Errors come back as `rule-error` diagnostics.
pub fn load_files(
    files: &[FileId],
    sources: &SourceMap,
    shipped: bool,
    taken: &[&'static dyn Rule],
) -> Result<Vec<DeclarativeRule>, Vec<Diagnostic>> {
    let mut defs: Vec<RuleDef> = Vec::new();
    let mut errors: Vec<LoadError> = Vec::new();
    for &file in files {
        match format::parse_file(file, &sources.get(file).text, shipped) {
            Ok(rules) => defs.extend(rules),
            Err(e) => errors.extend(e),
        }
    }
    errors.extend(duplicates(&defs, taken));
    if !errors.is_empty() {
        return Err(errors.into_iter().map(error_diagnostic).collect());
    }
    Ok(defs.into_iter().map(DeclarativeRule::new).collect())
}

/// Ids and names must be unique across every loaded rule.
fn duplicates(defs: &[RuleDef], taken: &[&'static dyn Rule]) -> Vec<LoadError> {
    let mut errors = Vec::new();
    for (i, d) in defs.iter().enumerate() {
        if let Some(first) = defs[..i].iter().find(|f| f.id.eq_ignore_ascii_case(&d.id)) {
            let mut e = LoadError::new(
                d.id_span,
                format!("duplicate rule id `{}`", d.id),
                "second rule with this id",
            );
            e.also
                .push((first.id_span, "first rule with this id".into()));
            errors.push(e);
        } else if let Some(first) = defs[..i].iter().find(|f| f.name == d.name) {
            let mut e = LoadError::new(
                d.name_span,
                format!("duplicate rule name `{}`", d.name),
                "second rule with this name",
            );
            e.also
                .push((first.name_span, "first rule with this name".into()));
            errors.push(e);
        } else if let Some(r) = taken
            .iter()
            .find(|r| r.meta().code.eq_ignore_ascii_case(&d.id))
        {
            errors.push(LoadError::new(
                d.id_span,
                format!(
                    "duplicate rule id `{}`: akslint already has {} {}",
                    d.id,
                    r.meta().code,
                    r.meta().name
                ),
                "id taken",
            ));
        } else if let Some(r) = taken.iter().find(|r| r.meta().name == d.name) {
            errors.push(LoadError::new(
                d.name_span,
                format!(
                    "duplicate rule name `{}`: akslint already has {} {}",
                    d.name,
                    r.meta().code,
                    r.meta().name
                ),
                "name taken",
            ));
        }
    }
    errors
}

/// The rule files a `--rules` argument names: the file, or every `*.yaml` and
/// `*.yml` directly in the directory (not its subdirectories), sorted by name.
pub fn rule_files(path: &FsPath) -> Result<Vec<PathBuf>, String> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(format!(
                "{}: no *.yaml or *.yml rule file in this directory",
                path.display()
            ));
        }
        Ok(files)
    } else if std::fs::metadata(path).is_ok() {
        // Not a regular file (a FIFO, a device) is refused when read, saying what it is.
        Ok(vec![path.to_path_buf()])
    } else {
        Err(format!(
            "{}: no such rule file or directory",
            path.display()
        ))
    }
}

/// A rule file's path as errors show it: relative to the working directory when inside it.
fn display_path(path: &FsPath, cwd: Option<&FsPath>) -> String {
    let shown = cwd
        .filter(|_| path.is_absolute())
        .and_then(|c| path.strip_prefix(c).ok())
        .unwrap_or(path);
    shown.to_string_lossy().into_owned()
}

/// Reads user packs into `sources` and loads them after every rule already
/// known (built-in and shipped). Unreadable paths are errors too.
pub fn load_user_packs(
    paths: &[PathBuf],
    sources: &mut SourceMap,
) -> Result<Vec<DeclarativeRule>, (Vec<String>, Vec<Diagnostic>)> {
    let mut files = Vec::new();
    let mut io_errors = Vec::new();
    // A pack named twice (on the command line and in akslint.toml) loads once.
    let mut seen = std::collections::HashSet::new();
    let cwd = std::env::current_dir().ok();
    for p in paths {
        match rule_files(p) {
            Ok(list) => {
                for f in list {
                    if !seen.insert(std::fs::canonicalize(&f).unwrap_or_else(|_| f.clone())) {
                        continue;
                    }
                    // Like a configuration file: a regular file of at most 16 MiB.
                    let limit = crate::discover::CONFIG_LIMIT;
                    match crate::discover::read_side_file(&f, "rule files", limit) {
                        Ok(text) => files.push(sources.add(display_path(&f, cwd.as_deref()), text)),
                        Err(e) => io_errors.push(e),
                    }
                }
            }
            Err(e) => io_errors.push(e),
        }
    }
    let taken = super::all();
    match load_files(&files, sources, false, &taken) {
        Ok(rules) if io_errors.is_empty() => Ok(rules),
        Ok(_) => Err((io_errors, Vec::new())),
        Err(d) => Err((io_errors, d)),
    }
}

#[cfg(test)]
mod tests;
