//! Shared by the integration tests: run the built binary as a user would.
//!
//! Each test file that uses it says `mod common;` and calls what it needs;
//! items unused by one test file are allowed (each file is its own crate).
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The built `akslint`, run in the crate root with colours off.
pub fn command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_akslint"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    c
}

/// Runs `akslint ARGS` in the crate root.
pub fn akslint(args: &[&str]) -> Output {
    command()
        .args(args)
        .output()
        .expect("the akslint binary runs")
}

/// Runs `akslint ARGS` in `dir`.
pub fn akslint_in(dir: &Path, args: &[&str]) -> Output {
    command()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the akslint binary runs")
}

/// Runs `akslint ARGS` with `input` on standard input.
pub fn akslint_stdin(args: &[&str], input: &str) -> Output {
    let mut child = command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the akslint binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("stdin accepts the input");
    child.wait_with_output().expect("akslint finishes")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output parsed as JSON (`--format json`).
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

/// The diagnostics of a `--format json` run.
pub fn diagnostics(o: &Output) -> Vec<serde_json::Value> {
    json(o)["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// `(code, file, line, column)` of each finding of a `--format json` run.
pub fn locations(o: &Output) -> Vec<(String, String, u64, u64)> {
    diagnostics(o)
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["file"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
                d["column"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

/// The codes of every rule the binary ships (`akslint rules --format json`), in its order.
pub fn rule_codes() -> Vec<String> {
    let o = akslint(&["rules", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    json(&o)
        .as_array()
        .expect("`rules --format json` gives a list")
        .iter()
        .filter_map(|r| r["code"].as_str().map(str::to_string))
        .collect()
}

/// The fixture entries `fixtures/<code>/<outcome>/<family>` (files or folders;
/// `.expect` files are not entries), sorted; none when the folder is absent.
pub fn fixture_entries(code: &str, outcome: &str) -> Vec<String> {
    let dir = format!("fixtures/{code}/{outcome}");
    let Ok(read) = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(&dir)) else {
        return Vec::new();
    };
    let mut entries: Vec<String> = read
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".expect"))
        .map(|name| format!("{dir}/{name}"))
        .collect();
    entries.sort();
    entries
}

/// The codes of the findings of a `--format json` run, in report order.
pub fn codes(o: &Output) -> Vec<String> {
    diagnostics(o)
        .iter()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect()
}

/// Runs `akslint check ARGS --statistics` in `dir` and returns its exit code
/// and the peak memory it reports (Linux), in bytes.
pub fn peak_memory_in(dir: &Path, args: &[&str]) -> (i32, u64) {
    let out = command()
        .current_dir(dir)
        .arg("check")
        .args(args)
        .arg("--statistics")
        .output()
        .expect("the akslint binary runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mb: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("peak memory "))
        .and_then(|m| m.strip_suffix(" MB"))
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("no peak memory line in:\n{text}"));
    (out.status.code().unwrap_or(-1), (mb * 1e6) as u64)
}
