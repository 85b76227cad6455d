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
