//! `akslint.toml`: which rules run, at which severity, with which thresholds, on
//! which paths. Found by walking up from the working directory, or given with
//! `--config`. Mistakes in it are errors that point at the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::rules::{self, codes, Thresholds};
use crate::source::{FileId, Span};

pub const FILE_NAME: &str = "akslint.toml";

/// A rule's severity as configured: a level, or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

/// The resolved configuration of one run.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Where it was read from, when a file was found.
    pub path: Option<PathBuf>,
    /// Selectors (code, name or code prefix); empty means every rule.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: BTreeMap<String, Level>,
    pub fail_on: Option<String>,
    pub thresholds: Thresholds,
    pub per_path: Vec<PerPath>,
    pub exclude: Option<GlobSet>,
    /// The directory globs are relative to.
    pub root: PathBuf,
    /// Declarative rule packs (`rules = [...]`), relative to the config's folder.
    pub rules: Vec<PathBuf>,
    /// Base of the documentation links (`docs-url`), when the file sets one.
    pub docs_url: Option<String>,
}

/// The configurations of one run: the base one (from `--config`, or found
/// above the working directory) and nearer ones found for inputs elsewhere.
/// Each input follows the nearest `akslint.toml` above it, as ruff's files do;
/// the run-wide settings (thresholds, `fail-on`, `docs-url`, the exit code)
/// are the base's.
#[derive(Clone, Debug, Default)]
pub struct ConfigSet {
    pub base: Config,
    nested: Vec<Config>,
    /// The canonical folder of each configuration (`None`: the base has no file).
    dirs: std::collections::HashMap<PathBuf, Option<usize>>,
}

impl ConfigSet {
    /// `nested` are configurations other than the base, each with its `path`.
    pub fn new(base: Config, nested: Vec<Config>) -> ConfigSet {
        let folder = |c: &Config| {
            c.path
                .as_deref()
                .and_then(Path::parent)
                .map(|d| {
                    if d.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        d
                    }
                })
                .and_then(|d| d.canonicalize().ok())
        };
        let mut dirs = std::collections::HashMap::new();
        if !nested.is_empty() {
            if let Some(d) = folder(&base) {
                dirs.insert(d, None);
            }
            for (i, c) in nested.iter().enumerate() {
                if let Some(d) = folder(c) {
                    dirs.entry(d).or_insert(Some(i));
                }
            }
        }
        ConfigSet { base, nested, dirs }
    }

    /// The base and every nested configuration.
    pub fn all(&self) -> impl Iterator<Item = &Config> {
        std::iter::once(&self.base).chain(&self.nested)
    }

    /// The configuration of the input shown as `path`: the nearest above it.
    pub fn for_path(&self, path: &str) -> &Config {
        if self.nested.is_empty() {
            return &self.base;
        }
        let Ok(file) = Path::new(path).canonicalize() else {
            return &self.base;
        };
        file.ancestors()
            .skip(1)
            .find_map(|d| self.dirs.get(d))
            .and_then(|i| i.map(|i| &self.nested[i]))
            .unwrap_or(&self.base)
    }
}

#[derive(Clone, Debug)]
pub struct PerPath {
    pub glob: GlobSet,
    pub ignore: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
    fail_on: Option<Spanned<String>>,
    severity: Option<BTreeMap<String, Spanned<String>>>,
    thresholds: Option<RawThresholds>,
    per_path: Option<Vec<RawPerPath>>,
    exclude: Option<Vec<Spanned<String>>>,
    rules: Option<Vec<Spanned<String>>>,
    extend_select: Option<Vec<Spanned<String>>>,
    extend_ignore: Option<Vec<Spanned<String>>>,
    docs_url: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawThresholds {
    extra_ips_per_subnet: Option<Spanned<i64>>,
    default_max_surge: Option<Spanned<String>>,
    min_headroom_percent: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPerPath {
    path: Spanned<String>,
    ignore: Vec<Spanned<String>>,
}

/// A configuration error: the file's text and a diagnostic pointing into it.
#[derive(Debug)]
pub struct ConfigError {
    pub path: String,
    pub text: String,
    pub diagnostic: Box<Diagnostic>,
    /// The file's other mistakes, so that one run shows them all.
    pub also: Vec<Diagnostic>,
}

/// Looks for `akslint.toml` in `start` and its parents. Anything by that name
/// but a directory counts, so that a FIFO or a dangling link is reported by
/// [`load`] rather than passed over for a parent's file.
pub fn find(start: &Path) -> Option<PathBuf> {
    start.ancestors().map(|d| d.join(FILE_NAME)).find(|p| {
        std::fs::symlink_metadata(p).is_ok() && !std::fs::metadata(p).is_ok_and(|m| m.is_dir())
    })
}

/// A configuration file's text: a regular file of at most 16 MiB (see
/// [`crate::discover::read_side_file`]).
fn read(path: &Path) -> Result<String, String> {
    crate::discover::read_side_file(path, "configuration files", crate::discover::CONFIG_LIMIT)
}

/// Reads and validates a configuration file. The diagnostic's spans use `file`.
pub fn load(path: &Path, file: FileId) -> Result<Config, Box<ConfigError>> {
    let display = path.to_string_lossy().into_owned();
    let text = read(path).map_err(|e| {
        Box::new(ConfigError {
            path: display.clone(),
            text: String::new(),
            diagnostic: error(Span::new(file, 0, 0), format!("cannot read {e}"), "here"),
            also: Vec::new(),
        })
    })?;
    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse_all(&text, file, root)
        .map(|mut c| {
            c.path = Some(path.to_path_buf());
            c
        })
        .map_err(|mut all| {
            let first = all.remove(0);
            Box::new(ConfigError {
                path: display,
                text,
                diagnostic: Box::new(first),
                also: all,
            })
        })
}

fn error(span: Span, message: impl Into<String>, label: impl Into<String>) -> Box<Diagnostic> {
    Box::new(Diagnostic::new(
        "config-error",
        "config-error",
        Severity::Error,
        message,
        Label::new(span, label),
    ))
}

/// Parses configuration text; the error points at the first offending key or value.
pub fn parse(text: &str, file: FileId, root: PathBuf) -> Result<Config, Box<Diagnostic>> {
    parse_all(text, file, root).map_err(|mut all| Box::new(all.remove(0)))
}

/// Parses configuration text; on failure every mistake found (at least one),
/// each pointing at its key or value. A TOML syntax or shape error stops the
/// reading, so it comes alone.
pub fn parse_all(text: &str, file: FileId, root: PathBuf) -> Result<Config, Vec<Diagnostic>> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let span = e
            .span()
            .map_or(Span::new(file, 0, 0), |r| Span::new(file, r.start, r.end));
        vec![*error(
            span,
            format!("invalid akslint.toml: {}", e.message()),
            "here",
        )]
    })?;
    let mut errors: Vec<Diagnostic> = Vec::new();
    let at = |s: &std::ops::Range<usize>| Span::new(file, s.start, s.end);
    let selectors = |list: Option<Vec<Spanned<String>>>, errors: &mut Vec<Diagnostic>| {
        let mut out = Vec::new();
        for s in list.unwrap_or_default() {
            match selector_problem(s.get_ref()) {
                None => out.push(s.into_inner()),
                Some((message, label)) => errors.push(*error(at(&s.span()), message, label)),
            }
        }
        out
    };
    let mut select = selectors(raw.select, &mut errors);
    let mut ignore = selectors(raw.ignore, &mut errors);
    let extend_select = selectors(raw.extend_select, &mut errors);
    // An empty `select` already means every rule; extending it would narrow it.
    if !select.is_empty() {
        select.extend(extend_select);
    }
    ignore.extend(selectors(raw.extend_ignore, &mut errors));
    let fail_on = match raw.fail_on {
        Some(f) if ["error", "warning", "info", "never"].contains(&f.get_ref().as_str()) => {
            Some(f.into_inner())
        }
        Some(f) => {
            errors.push(*error(
                at(&f.span()),
                "fail-on must be one of error, warning, info, never",
                "bad value",
            ));
            None
        }
        None => None,
    };
    let mut severity = BTreeMap::new();
    for (rule, level) in raw.severity.unwrap_or_default() {
        let parsed = match level.get_ref().as_str() {
            "off" => Level::Off,
            "error" => Level::On(Severity::Error),
            "warning" => Level::On(Severity::Warning),
            "info" => Level::On(Severity::Info),
            _ => {
                errors.push(*error(
                    at(&level.span()),
                    "a severity is one of error, warning, info, off",
                    "bad value",
                ));
                continue;
            }
        };
        if let Some(r) = rules::find(&rule) {
            severity.insert(r.meta().code.to_string(), parsed);
            continue;
        }
        match codes::find(&rule) {
            Some(c) if c.accepts(match parsed {
                Level::Off => None,
                Level::On(s) => Some(s),
            }) =>
            {
                severity.insert(c.code.to_string(), parsed);
            }
            Some(c) if c.control == codes::Control::WarningAtLeast => errors.push(*error(
                at(&level.span()),
                format!("`{}` is always reported; its severity may be error or warning", c.code),
                "not allowed here",
            )),
            Some(c) => errors.push(*error(
                at(&level.span()),
                format!("`{}` stops the run; its severity cannot be changed", c.code),
                "not allowed here",
            )),
            None => errors.push(*error(
                at(&level.span()),
                format!("[severity] names `{rule}`, which is no rule or code (see `akslint rules --all`)"),
                "unknown rule",
            )),
        }
    }
    let thresholds = thresholds(raw.thresholds, file, &mut errors);
    let mut per_path = Vec::new();
    for p in raw.per_path.unwrap_or_default() {
        let glob = globs(std::slice::from_ref(&p.path), file, &mut errors);
        let ignore = selectors(Some(p.ignore), &mut errors);
        per_path.push(PerPath { glob, ignore });
    }
    let exclude = raw.exclude.map(|list| globs(&list, file, &mut errors));
    let rule_packs = raw
        .rules
        .unwrap_or_default()
        .into_iter()
        .map(|r| root.join(r.get_ref()))
        .collect();
    let docs_url = match raw.docs_url {
        Some(u) if u.get_ref().starts_with("https://") || u.get_ref().starts_with("http://") => {
            Some(u.into_inner())
        }
        Some(u) => {
            errors.push(*error(
                at(&u.span()),
                "docs-url is an http(s) URL, e.g. \"https://wiki.example.com/akslint/rules/\"",
                "not a URL",
            ));
            None
        }
        None => None,
    };
    if !errors.is_empty() {
        // Reading order, so the output follows the file.
        errors.sort_by_key(|d| d.primary.span.start);
        return Err(errors);
    }
    Ok(Config {
        path: None,
        select,
        ignore,
        severity,
        fail_on,
        thresholds,
        per_path,
        exclude,
        root,
        rules: rule_packs,
        docs_url,
    })
}

/// Why a selector is not accepted, with the label for its span; `None` when
/// it names a rule (code, name or prefix) or an ignorable non-rule code.
pub fn selector_problem(selector: &str) -> Option<(String, &'static str)> {
    if matches_any_rule(selector) {
        return None;
    }
    match codes::find(selector) {
        Some(c) if c.ignorable() => None,
        Some(c) if c.control == codes::Control::WarningAtLeast => Some((
            format!(
                "`{}` is always reported and cannot be selected or ignored; \
                 `[severity] {} = \"warning\"` lowers it",
                c.code, c.code
            ),
            "always reported",
        )),
        Some(c) => Some((
            format!(
                "`{}` stops the run and cannot be selected or ignored",
                c.code
            ),
            "not selectable",
        )),
        None => Some((
            format!("`{selector}` matches no rule code, name or code prefix"),
            "unknown rule",
        )),
    }
}

/// The rule packs a configuration file names, read before the rest of it is
/// validated (its `select`, `ignore` and `[severity]` may name their rules).
/// An unreadable or invalid file gives none here; [`load`] reports it.
pub fn rule_packs(path: &Path) -> Vec<PathBuf> {
    #[derive(Deserialize)]
    struct OnlyRules {
        rules: Option<Vec<String>>,
    }
    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
    read(path)
        .ok()
        .and_then(|text| toml::from_str::<OnlyRules>(&text).ok())
        .and_then(|r| r.rules)
        .unwrap_or_default()
        .into_iter()
        .map(|r| root.join(r))
        .collect()
}

/// The `docs-url` a configuration file sets, read on its own (for `explain`
/// and `rules`, which do not validate the rest of the file).
pub fn docs_url(path: &Path) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "kebab-case")]
    struct OnlyDocsUrl {
        docs_url: Option<String>,
    }
    read(path)
        .ok()
        .and_then(|text| toml::from_str::<OnlyDocsUrl>(&text).ok())
        .and_then(|r| r.docs_url)
}

fn thresholds(
    raw: Option<RawThresholds>,
    file: FileId,
    errors: &mut Vec<Diagnostic>,
) -> Thresholds {
    let mut t = Thresholds::default();
    let Some(raw) = raw else { return t };
    let at = |s: std::ops::Range<usize>| Span::new(file, s.start, s.end);
    if let Some(v) = raw.extra_ips_per_subnet {
        if (0..=1_000_000).contains(v.get_ref()) {
            t.extra_ips_per_subnet = *v.get_ref();
        } else {
            errors.push(*error(
                at(v.span()),
                "extra-ips-per-subnet must be between 0 and 1000000",
                "out of range",
            ));
        }
    }
    if let Some(v) = raw.default_max_surge {
        match crate::model::MaxSurge::parse(v.get_ref()) {
            Some(m) => t.default_max_surge = Some(m),
            None => errors.push(*error(
                at(v.span()),
                "default-max-surge is a node count (\"1\") or a percentage (\"33%\")",
                "bad value",
            )),
        }
    }
    if let Some(v) = raw.min_headroom_percent {
        if (0..=99).contains(v.get_ref()) {
            t.min_headroom_percent = *v.get_ref();
        } else {
            errors.push(*error(
                at(v.span()),
                "min-headroom-percent must be between 0 and 99",
                "out of range",
            ));
        }
    }
    t
}

fn globs(list: &[Spanned<String>], file: FileId, errors: &mut Vec<Diagnostic>) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for g in list {
        match Glob::new(g.get_ref()) {
            Ok(glob) => {
                b.add(glob);
            }
            Err(e) => {
                let r = g.span();
                errors.push(*error(
                    Span::new(file, r.start, r.end),
                    format!("invalid glob: {e}"),
                    "here",
                ));
            }
        }
    }
    b.build().unwrap_or_else(|e| {
        errors.push(*error(
            Span::new(file, 0, 0),
            format!("invalid globs: {e}"),
            "here",
        ));
        GlobSet::empty()
    })
}

/// A selector names a rule by code (`AKS004`), name (`cni-subnet-too-small`) or
/// code prefix (`AKS1`, `AKS`).
pub fn selector_matches(selector: &str, code: &str, name: &str) -> bool {
    code.eq_ignore_ascii_case(selector)
        || name.eq_ignore_ascii_case(selector)
        || (selector.len() >= 3
            && code
                .to_ascii_uppercase()
                .starts_with(&selector.to_ascii_uppercase()))
}

fn matches_any_rule(selector: &str) -> bool {
    rules::all()
        .iter()
        .any(|r| selector_matches(selector, r.meta().code, r.meta().name))
}

impl Config {
    /// Whether a finding of this rule is reported at all, and at which severity.
    pub fn level(&self, code: &str, name: &str, emitted: Severity) -> Option<Severity> {
        if !code.starts_with("AKS") && !rules::is_user_code(code) {
            return self.code_level(code, emitted);
        }
        let selected =
            self.select.is_empty() || self.select.iter().any(|s| selector_matches(s, code, name));
        if !selected || self.ignore.iter().any(|s| selector_matches(s, code, name)) {
            return None;
        }
        match self.severity.get(code) {
            Some(Level::Off) => None,
            Some(Level::On(s)) => Some(*s),
            None => Some(emitted),
        }
    }

    /// A non-rule code: `select` chooses among rules and leaves it alone;
    /// `ignore` and `off` drop it where the catalogue allows; a severity set
    /// in `[severity]` applies. Codes outside the catalogue always show.
    fn code_level(&self, code: &str, emitted: Severity) -> Option<Severity> {
        let Some(meta) = codes::find(code) else {
            return Some(emitted);
        };
        if meta.ignorable() && self.ignore.iter().any(|s| s.eq_ignore_ascii_case(code)) {
            return None;
        }
        match self.severity.get(meta.code) {
            Some(Level::Off) if meta.ignorable() => None,
            Some(Level::On(s)) if meta.accepts(Some(*s)) => Some(*s),
            _ => Some(emitted),
        }
    }

    /// Ignores that apply to one file, by `[[per-path]]` globs relative to the config's folder.
    pub fn ignored_for_path(&self, path: &str, code: &str, name: &str) -> bool {
        let rel = self.relative(path);
        self.per_path
            .iter()
            .filter(|p| p.glob.is_match(&rel))
            .any(|p| p.ignore.iter().any(|s| selector_matches(s, code, name)))
    }

    pub fn excluded(&self, path: &str) -> bool {
        self.exclude
            .as_ref()
            .is_some_and(|g| g.is_match(self.relative(path)))
    }

    fn relative(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        let p = p.strip_prefix("./").unwrap_or(p);
        match std::env::current_dir() {
            Ok(cwd) => {
                let abs = cwd.join(p);
                let root = cwd.join(&self.root);
                abs.strip_prefix(&root)
                    .map(Path::to_path_buf)
                    .unwrap_or(abs)
            }
            Err(_) => p.to_path_buf(),
        }
    }
}

/// The starter file `akslint init` writes.
pub const STARTER: &str = r#"# akslint configuration. Every key is optional; delete what you don't need.

# Rules to run: codes (AKS004), names (cni-subnet-too-small) or code prefixes (AKS1).
# select = ["AKS"]
# Rules never to run; also takes the codes that are not rules and may be
# ignored (unused-suppression, terraform-not-evaluated; see `akslint rules --all`).
# ignore = []
# Added to select (when it lists rules) and to ignore.
# extend-select = []
# extend-ignore = []

# Base of the documentation links in reports and `akslint explain`.
# docs-url = "https://github.com/akslint/akslint/blob/main/docs/rules/"

# Exit with 1 when a finding at or above this severity exists: error, warning, info, never.
# fail-on = "error"

# Declarative rule packs: YAML rule files or folders of them (relative to this file).
# rules = ["akslint-rules/"]

# Files and folders discovery skips (globs relative to this file).
# exclude = ["generated/**", "**/*.bak.json"]

[severity]
# Per-rule severity: error, warning, info or off.
# AKS001 = "warning"

[thresholds]
# Addresses to keep free in every node subnet for things akslint cannot see
# (internal load balancers, private endpoints, other NICs) — AKS004, AKS102.
# extra-ips-per-subnet = 0
# Surge to assume for pools that do not set maxSurge ("1" or "10%"); by default
# akslint follows AKS: 10 % from Kubernetes 1.32, one node before (F-041) — AKS004, AKS101–AKS103, AKS112.
# default-max-surge = "10%"
# Warn when a subnet would have less than this share of its addresses left at
# maximum scale — AKS004, AKS102.
# min-headroom-percent = 0

# Rules to ignore for some files only.
# [[per-path]]
# path = "sandbox/**"
# ignore = ["AKS001"]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Config {
        parse(text, FileId(0), PathBuf::new()).unwrap()
    }

    fn parse_err(text: &str) -> (String, String) {
        let d = parse(text, FileId(0), PathBuf::new()).unwrap_err();
        let span = d.primary.span;
        (
            d.message,
            text[span.start as usize..span.end as usize].to_string(),
        )
    }

    #[test]
    fn starter_config_is_valid() {
        let c = parse_ok(STARTER);
        assert!(c.select.is_empty());
    }

    #[test]
    fn selects_ignores_and_overrides() {
        let c = parse_ok("select = [\"AKS00\"]\nignore = [\"windows-pool-on-kubenet\"]\n[severity]\nAKS001 = \"warning\"\ncni-subnet-too-small = \"off\"\n");
        assert_eq!(
            c.level("AKS001", "node-subnet-without-nsg", Severity::Error),
            Some(Severity::Warning)
        );
        assert_eq!(
            c.level("AKS002", "windows-pool-on-kubenet", Severity::Error),
            None
        );
        assert_eq!(
            c.level("AKS003", "udr-on-managed-vnet", Severity::Error),
            Some(Severity::Error)
        );
        assert_eq!(
            c.level("AKS004", "cni-subnet-too-small", Severity::Error),
            None
        );
        assert_eq!(
            c.level("parse-error", "parse-error", Severity::Error),
            Some(Severity::Error)
        );
    }

    #[test]
    fn errors_point_at_the_bad_line() {
        let (msg, at) = parse_err("select = [\"AKS00\"]\nfrobnicate = 1\n");
        assert!(msg.contains("unknown field"), "{msg}");
        assert_eq!(at, "frobnicate");
        let (msg, at) = parse_err("ignore = [\"AKS9\"]\n");
        assert!(msg.contains("matches no rule"), "{msg}");
        assert_eq!(at, "\"AKS9\"");
        let (_, at) = parse_err("[severity]\nAKS001 = \"loud\"\n");
        assert_eq!(at, "\"loud\"");
        let (_, at) = parse_err("[thresholds]\nmin-headroom-percent = 150\n");
        assert_eq!(at, "150");
        let (_, at) = parse_err("fail-on = \"sometimes\"\n");
        assert_eq!(at, "\"sometimes\"");
    }

    #[test]
    fn thresholds_are_read() {
        let c = parse_ok("[thresholds]\nextra-ips-per-subnet = 4\ndefault-max-surge = \"33%\"\nmin-headroom-percent = 20\n");
        assert_eq!(c.thresholds.extra_ips_per_subnet, 4);
        assert_eq!(c.thresholds.min_headroom_percent, 20);
        assert_eq!(
            c.thresholds.default_max_surge,
            Some(crate::model::MaxSurge::Percent(33.0))
        );
    }

    #[test]
    fn rule_packs_are_relative_to_the_config() {
        let c = parse(
            "rules = [\"house/\", \"extra.yaml\"]\n",
            FileId(0),
            PathBuf::from("repo"),
        )
        .unwrap();
        assert_eq!(
            c.rules,
            [
                PathBuf::from("repo/house/"),
                PathBuf::from("repo/extra.yaml")
            ]
        );
        let (msg, at) = parse_err("rules = \"house\"\n");
        assert!(msg.contains("invalid type"), "{msg}");
        assert_eq!(at, "\"house\"");
    }

    #[test]
    fn per_path_ignores() {
        let c = parse_ok("[[per-path]]\npath = \"sandbox/**\"\nignore = [\"AKS001\"]\n");
        assert!(c.ignored_for_path("sandbox/a/vnet.json", "AKS001", "node-subnet-without-nsg"));
        assert!(!c.ignored_for_path("prod/vnet.json", "AKS001", "node-subnet-without-nsg"));
    }
}
