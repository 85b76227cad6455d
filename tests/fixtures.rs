//! The fixture harness: every rule × every fixture, through the built binary.
//!
//! The rules come from `akslint rules --format json`; the fixtures from
//! `fixtures/<CODE>/{fail,pass}/<family>`, where a family is a file or a folder
//! checked as one run. Each failing fixture has `<family>.expect` beside it
//! (format in fixtures/README.md). For each rule, with `--select` on it:
//! - a failing fixture gives exactly the findings its `.expect` lists (file,
//!   line, column, text at the primary span), a help text, and exit code 1
//!   exactly when one of them is an error; its human output is snapshotted;
//! - a passing fixture gives no finding of the rule, reads something, exits 0;
//! - every rule has failing and passing fixtures in at least two families.
//!
//! Adding a rule's fixtures needs no edit here.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A rule needs failing and passing fixtures in at least this many families.
const MIN_FAMILIES: usize = 2;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One `fixtures/<code>/<outcome>/<family>` entry.
#[derive(Clone, Debug)]
struct Fixture {
    code: String,
    outcome: &'static str,
    family: String,
}

impl Fixture {
    /// The folder the entry is in, as the report names files: `fixtures/AKS001/fail`.
    fn parent(&self) -> String {
        format!("fixtures/{}/{}", self.code, self.outcome)
    }

    fn path(&self) -> String {
        format!("{}/{}", self.parent(), self.family)
    }

    fn expect_path(&self) -> String {
        format!("{}.expect", self.path())
    }
}

/// The fixture entries of `code` under `outcome`, sorted.
fn fixtures(code: &str, outcome: &'static str) -> Vec<Fixture> {
    common::fixture_entries(code, outcome)
        .into_iter()
        .map(|path| Fixture {
            code: code.to_string(),
            outcome,
            family: path.rsplit('/').next().unwrap_or_default().to_string(),
        })
        .collect()
}

fn all_fixtures(outcome: &'static str) -> Vec<Fixture> {
    common::rule_codes()
        .iter()
        .flat_map(|code| fixtures(code, outcome))
        .collect()
}

/// Runs `f` over `items` on a few threads (one akslint process per item), in order.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a fixture run does not panic"))
            .collect()
    })
}

/// `akslint check <fixture> --select <code> [--format json]`, 100 columns wide.
fn check(fx: &Fixture, json: bool) -> Output {
    let mut c = common::command();
    c.env("COLUMNS", "100")
        .args(["check", &fx.path(), "--select", &fx.code]);
    if json {
        c.args(["--format", "json"]);
    }
    c.output().expect("the akslint binary runs")
}

/// One expected (or found) finding: `CODE PATH:LINE:COLUMN ["TEXT"]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    code: String,
    file: String,
    line: u64,
    column: u64,
    text: Option<String>,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}:{}:{}",
            self.code, self.file, self.line, self.column
        )?;
        if let Some(text) = &self.text {
            let quoted = serde_json::to_string(text).map_err(|_| std::fmt::Error)?;
            write!(f, " {quoted}")?;
        }
        Ok(())
    }
}

/// The lines of an `.expect` file; `#` comments and blank lines are skipped.
fn parse_expect(path: &str, text: &str) -> Result<Vec<Finding>, String> {
    let mut found = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("{path}:{}", i + 1);
        let (code, rest) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("{at}: want `CODE PATH:LINE:COLUMN [\"TEXT\"]`"))?;
        let rest = rest.trim_start();
        let (location, quoted) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let mut parts = location.rsplitn(3, ':');
        let (Some(column), Some(line_no), Some(file)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("{at}: `{location}` is not PATH:LINE:COLUMN"));
        };
        let number = |s: &str| s.parse::<u64>().map_err(|e| format!("{at}: `{s}`: {e}"));
        let quoted = quoted.trim();
        let text = if quoted.is_empty() {
            None
        } else {
            Some(
                serde_json::from_str::<String>(quoted)
                    .map_err(|e| format!("{at}: TEXT is not a JSON string ({e})"))?,
            )
        };
        found.push(Finding {
            code: code.to_string(),
            file: file.to_string(),
            line: number(line_no)?,
            column: number(column)?,
            text,
        });
    }
    Ok(found)
}

/// The source text between (line, column) and (end_line, end_column), 1-based
/// character positions, the end exclusive.
fn span_text(file: &Path, d: &serde_json::Value) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let pos = |l: &str, c: &str| Some((d[l].as_u64()? as usize, d[c].as_u64()? as usize));
    let (line, column) = pos("line", "column")?;
    let (end_line, end_column) = pos("end_line", "end_column")?;
    let lines: Vec<&str> = text.split('\n').collect();
    let offset = |line: usize, column: usize| -> Option<usize> {
        let before: usize = lines
            .get(..line - 1)?
            .iter()
            .map(|l| l.chars().count() + 1)
            .sum();
        Some(before + column - 1)
    };
    let (start, end) = (offset(line, column)?, offset(end_line, end_column)?);
    Some(
        text.chars()
            .skip(start)
            .take(end.checked_sub(start)?)
            .collect(),
    )
}

/// The findings of `fx.code` in a JSON report, paths relative to the fixture's folder.
fn findings_of(fx: &Fixture, report: &serde_json::Value) -> Vec<Finding> {
    let prefix = format!("{}/", fx.parent());
    let mut found: Vec<Finding> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == fx.code.as_str())
        .map(|d| {
            let file = d["file"].as_str().unwrap_or_default();
            Finding {
                code: fx.code.clone(),
                file: file.strip_prefix(&prefix).unwrap_or(file).to_string(),
                line: d["line"].as_u64().unwrap_or_default(),
                column: d["column"].as_u64().unwrap_or_default(),
                text: span_text(&root().join(file), d),
            }
        })
        .collect();
    found.sort();
    found
}

/// Expected and found agree when position and file agree and, where the
/// expectation gives a text, the text too.
fn agree(expected: &[Finding], found: &[Finding]) -> bool {
    let mut expected = expected.to_vec();
    expected.sort();
    expected.len() == found.len()
        && expected.iter().zip(found).all(|(e, f)| {
            (&e.code, &e.file, e.line, e.column) == (&f.code, &f.file, f.line, f.column)
                && (e.text.is_none() || e.text == f.text)
        })
}

fn lines(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "    (none)".to_string();
    }
    findings
        .iter()
        .map(|f| format!("    {f}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What is wrong with one failing fixture's run, if anything.
fn failing_problems(fx: &Fixture, o: &Output) -> Vec<String> {
    let path = fx.path();
    let expect_path = fx.expect_path();
    let Ok(text) = std::fs::read_to_string(root().join(&expect_path)) else {
        return vec![format!("{path}: no expectation file {expect_path}")];
    };
    let expected = match parse_expect(&expect_path, &text) {
        Ok(e) => e,
        Err(e) => return vec![e],
    };
    let mut problems = Vec::new();
    if expected.is_empty() {
        problems.push(format!("{expect_path}: lists no finding"));
    }
    if let Some(other) = expected.iter().find(|e| e.code != fx.code) {
        problems.push(format!(
            "{expect_path}: lists {}, but the fixture is {}'s",
            other.code, fx.code
        ));
    }
    let report: serde_json::Value = match serde_json::from_slice(&o.stdout) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!(
                "{path}: not a JSON report ({e}): {}",
                common::stderr(o)
            ));
            return problems;
        }
    };
    let found = findings_of(fx, &report);
    if !agree(&expected, &found) {
        problems.push(format!(
            "{path}: the findings of {} differ from {expect_path}\n  expected:\n{}\n  found:\n{}",
            fx.code,
            lines(&expected),
            lines(&found)
        ));
    }
    let diagnostics = report["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for d in diagnostics.iter().filter(|d| d["code"] == fx.code.as_str()) {
        if d["help"].as_str().is_none_or(str::is_empty) {
            problems.push(format!("{path}: a finding of {} has no help: {d}", fx.code));
        }
    }
    // Only errors fail the run (`--fail-on error` by default).
    let error = diagnostics.iter().any(|d| d["severity"] == "error");
    let want = Some(i32::from(error));
    if o.status.code() != want {
        problems.push(format!(
            "{path}: exit code {:?}, expected {want:?}: {}",
            o.status.code(),
            common::stderr(o)
        ));
    }
    problems
}

/// What is wrong with one passing fixture's run, if anything.
fn passing_problems(fx: &Fixture, o: &Output) -> Vec<String> {
    let path = fx.path();
    let report: serde_json::Value = match serde_json::from_slice(&o.stdout) {
        Ok(v) => v,
        Err(e) => {
            return vec![format!(
                "{path}: not a JSON report ({e}): {}",
                common::stderr(o)
            )]
        }
    };
    let mut problems = Vec::new();
    let found = findings_of(fx, &report);
    if !found.is_empty() {
        problems.push(format!(
            "{path}: a passing fixture gives findings of {}:\n{}",
            fx.code,
            lines(&found)
        ));
    }
    if o.status.code() != Some(0) {
        problems.push(format!(
            "{path}: exit code {:?}, expected 0: {}",
            o.status.code(),
            common::stderr(o)
        ));
    }
    if report["summary"]["resources"].as_u64().unwrap_or(0) == 0 {
        problems.push(format!("{path}: no resource was read"));
    }
    problems
}

fn assert_none(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s)\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn failing_fixtures_give_exactly_their_expectations() {
    let failing = all_fixtures("fail");
    let runs = parallel(&failing, |fx| check(fx, true));
    let problems: Vec<String> = failing
        .iter()
        .zip(&runs)
        .flat_map(|(fx, o)| failing_problems(fx, o))
        .collect();
    assert_none("failing fixtures", &problems);
}

#[test]
fn passing_fixtures_give_no_finding_of_their_rule() {
    let passing = all_fixtures("pass");
    let runs = parallel(&passing, |fx| check(fx, true));
    let problems: Vec<String> = passing
        .iter()
        .zip(&runs)
        .flat_map(|(fx, o)| passing_problems(fx, o))
        .collect();
    assert_none("passing fixtures", &problems);
}

#[test]
fn every_rule_fails_and_passes_in_two_families_and_every_fixture_has_a_rule() {
    let codes = common::rule_codes();
    assert!(!codes.is_empty(), "`akslint rules` lists no rule");
    let mut problems = Vec::new();
    for code in &codes {
        for outcome in ["fail", "pass"] {
            let families: Vec<String> = fixtures(code, outcome)
                .into_iter()
                .map(|f| f.family)
                .collect();
            if families.len() < MIN_FAMILIES {
                problems.push(format!(
                    "{code}: {} {outcome}ing famil{} in fixtures/{code}/{outcome}/ ({}), want at least {MIN_FAMILIES}",
                    families.len(),
                    if families.len() == 1 { "y" } else { "ies" },
                    families.join(", ")
                ));
            }
        }
    }
    // A folder of fixtures whose rule is gone, or an expectation whose fixture is.
    let known: BTreeSet<&str> = codes.iter().map(String::as_str).collect();
    let dirs = std::fs::read_dir(root().join("fixtures")).expect("fixtures/ exists");
    for dir in dirs.filter_map(Result::ok) {
        let name = dir.file_name().to_string_lossy().into_owned();
        let rule_like = name.len() > 3 && name[..3].eq_ignore_ascii_case("aks");
        if rule_like && dir.path().is_dir() && !known.contains(name.as_str()) {
            problems.push(format!(
                "fixtures/{name}: no rule {name} is listed by `akslint rules`"
            ));
        }
    }
    for code in &codes {
        for outcome in ["fail", "pass"] {
            let dir: PathBuf = root().join("fixtures").join(code).join(outcome);
            let Ok(read) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in read.filter_map(Result::ok) {
                let name = e.file_name().to_string_lossy().into_owned();
                let Some(entry) = name.strip_suffix(".expect") else {
                    continue;
                };
                if outcome == "pass" {
                    problems.push(format!(
                        "fixtures/{code}/pass/{name}: passing fixtures have no expectations"
                    ));
                } else if !dir.join(entry).exists() {
                    problems.push(format!(
                        "fixtures/{code}/fail/{name}: no fixture {entry} beside it"
                    ));
                }
            }
        }
    }
    assert_none("fixture coverage", &problems);
}

/// The compatibility and placement rules (AKS2xx, AKS3xx) cite the facts sheet in their help.
#[test]
fn compatibility_and_placement_findings_cite_the_facts_sheet() {
    let failing: Vec<Fixture> = all_fixtures("fail")
        .into_iter()
        .filter(|fx| fx.code.starts_with("AKS2") || fx.code.starts_with("AKS3"))
        .collect();
    assert!(!failing.is_empty());
    let runs = parallel(&failing, |fx| check(fx, true));
    for (fx, o) in failing.iter().zip(&runs) {
        for d in common::diagnostics(o) {
            assert!(
                d["help"].as_str().is_some_and(|h| h.contains("F-")),
                "{}: {d}",
                fx.path()
            );
        }
    }
}

/// The human report with the run's elapsed time masked.
fn human(o: &Output) -> String {
    common::stdout(o)
        .lines()
        .map(|l| match l.rfind(" in ") {
            Some(i) if l.ends_with(" ms") || l.ends_with(" s") => {
                format!("{} in [elapsed]", &l[..i])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn human_output_of_failing_fixtures() {
    let failing = all_fixtures("fail");
    let runs = parallel(&failing, |fx| check(fx, false));
    for (fx, o) in failing.iter().zip(&runs) {
        let name = format!("{}_{}", fx.code, fx.family.replace(['.', '-', '/'], "_"));
        insta::assert_snapshot!(name, human(o));
    }
}

#[test]
fn expect_lines_parse_and_print_alike() {
    let text = "# a comment\n\nAKS004 bicep/main.bicep:12:5 \"'10.0.0.0/24'\"\nAKS004 a.json:3:4\n";
    let parsed = parse_expect("x.expect", text).expect("parses");
    let printed: Vec<String> = parsed.iter().map(ToString::to_string).collect();
    assert_eq!(
        printed,
        [
            "AKS004 bicep/main.bicep:12:5 \"'10.0.0.0/24'\"",
            "AKS004 a.json:3:4"
        ]
    );
    let err = parse_expect("x.expect", "AKS004 a.json:3\n").expect_err("no column");
    assert!(err.starts_with("x.expect:1:"), "{err}");
}
