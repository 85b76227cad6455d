//! Guards against a step that grows faster than the estate (issue 20), in
//! instruction and call counts: the project asserts no wall times, and
//! callgrind's counts repeat exactly for the same binary and input.
//!
//! Per input family, the built binary checks a generated estate of `SMALL`
//! clusters and one of `LARGE` = 4 × `SMALL` under `valgrind --tool=callgrind`
//! (`--threads 1`, JSON output), and the growth from one to the other is
//! bounded for
//! * the whole run's instructions;
//! * the inclusive instructions of each of akslint's own functions (each
//!   rule's `check`, the linker, ingest, the readers) that reaches `FLOOR` in
//!   the large run: the total alone misses a quadratic step in one rule, which
//!   is a few per cent of a run;
//! * the number of calls at each call site between two Rust functions
//!   (caller → callee, summed over the caller's lines) that reaches
//!   `CALL_FLOOR` calls in the large run. A per-pair step inside a function is
//!   often far smaller than the function's linear work (AKS503 evaluates ~140
//!   flows per open NSG; its old `Vec` of reported pairs cost < 1 % of the
//!   rule), but in a debug build its comparisons are calls, and their count
//!   grows 16×. Calls are counted, not their instructions: the allocator's
//!   cost per call depends on its pages (a push that reallocated in place at
//!   one size and copied at the other gave 9×, a `format!` 11×).
//!
//! A function or call site absent from the small run is not bounded: that is
//! work past a size threshold (the density check reads past 64 KB), not growth.
//!
//! Why 4× and `BOUND` = 8×: linear work grows 4×, a per-pair step 16×; 8× is
//! their geometric middle. Fixed costs (the rule catalogue, start-up) pull a
//! ratio under 4×; sorting and B-tree searches (n log n) push it to 5–6.5×. A
//! factor of 4 is a power of two, so hash maps and vectors resize the same
//! number of times more at both sizes; a doubling would leave far less room
//! between 2× and 4×.
//!
//! The steps this guard was written for, reintroduced one at a time, fail it
//! (docs/performance.md has the figures): AKS301's linear search of its
//! subnet → pools groups (`node_subnet_delegated.rs` before 4e62eaf), every
//! family; AKS503's `Vec` of reported (NSG, rule) pairs, searched per allowed
//! flow (`nsg_exposes_management_ports.rs` before 6791f74), in the graph
//! estate, where every 16th cluster's NSG opens SSH to the Internet
//! (`gen::Extras`) so that the rule has findings that grow with the estate.
//! Only that family opens SSH: AKS503 costs ~150 M instructions per open NSG
//! in a debug build.
//!
//! The binary is the debug build `cargo test` makes; `--threads 1` keeps the
//! counts to one thread's work and out of rayon's scheduling. The file takes
//! about a minute on a 2-core machine.
//!
//! Without valgrind the tests print SKIPPED and pass, except under CI (`CI`
//! set, as `.ci/run` is run), where they fail: `.ci/run` installs valgrind.

#[path = "../benches/gen/mod.rs"]
mod gen;

use std::collections::HashMap;
use std::process::Command;

use gen::{Extras, Family};

const SMALL: usize = 50;
const LARGE: usize = 4 * SMALL;
/// The largest ratio large / small that passes.
const BOUND: f64 = 8.0;
/// Functions below this inclusive count in the large run are not bounded.
const FLOOR: u64 = 1_000_000;
/// Call sites (caller → callee) called fewer times than this in the large run
/// are not bounded.
const CALL_FLOOR: u64 = 2_000;
/// In the graph estate, every 16th cluster's NSG opens SSH to the Internet.
const OPEN_SSH_EVERY: usize = 16;

/// One callgrind run: the program's total, each function's inclusive count,
/// and how many times each caller called each callee.
struct Profile {
    total: u64,
    inclusive: HashMap<String, u64>,
    calls: HashMap<(String, String), u64>,
}

/// Whether valgrind runs here. Missing: SKIPPED, or a failure under CI.
fn have_valgrind() -> bool {
    let found = Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "valgrind is not installed and CI is set: the growth guards cannot run (install Debian's `valgrind`)"
        );
        eprintln!(
            "SKIPPED: no valgrind found (install Debian's `valgrind`); the growth guards did not run"
        );
    }
    found
}

/// Reads a callgrind output file written with `--compress-strings=no
/// --compress-pos=no`: each function's inclusive count is its own cost plus
/// the inclusive cost of each call it makes to another function (a call to
/// itself is already in its own cost).
fn parse_callgrind(text: &str) -> Profile {
    let mut total = 0;
    let mut inclusive: HashMap<String, u64> = HashMap::new();
    let mut calls: HashMap<(String, String), u64> = HashMap::new();
    let mut current = String::new();
    let mut callee = String::new();
    let mut after_calls = false;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("fn=") {
            current = name.to_string();
            continue;
        }
        if let Some(name) = line.strip_prefix("cfn=") {
            callee = name.to_string();
            continue;
        }
        if let Some(rest) = line.strip_prefix("calls=") {
            after_calls = true;
            let n: u64 = rest
                .split_ascii_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("callgrind calls line without a count: {line}"));
            if callee != current {
                *calls.entry((current.clone(), callee.clone())).or_default() += n;
            }
            continue;
        }
        // A cost line: position, then the count of the one event (Ir).
        if !line.starts_with(|c: char| c.is_ascii_digit() || "+-*".contains(c)) {
            continue;
        }
        let cost: u64 = line
            .split_ascii_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("callgrind cost line without a count: {line}"));
        if after_calls {
            after_calls = false;
            if callee != current {
                *inclusive.entry(current.clone()).or_default() += cost;
            }
        } else {
            total += cost;
            *inclusive.entry(current.clone()).or_default() += cost;
        }
    }
    Profile {
        total,
        inclusive,
        calls,
    }
}

/// Checks an estate of `clusters` clusters of `family` under callgrind.
fn profile(family: Family, clusters: usize, extras: Extras) -> Profile {
    let dir = tempfile::tempdir().unwrap();
    let estate = dir.path().join("estate");
    let (_, planted) = gen::write_estate_with(&estate, family, clusters, 0, 7, extras).unwrap();
    let out_file = dir.path().join("callgrind.out");
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--quiet"])
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .args([
            "--compress-strings=no",
            "--compress-pos=no",
            "--separate-recs=1",
        ])
        .arg(env!("CARGO_BIN_EXE_akslint"))
        .args(["check", "--threads", "1", "--format", "json"])
        .arg(&estate)
        .env("NO_COLOR", "1")
        .output()
        .expect("valgrind runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "findings expected: {stderr}");
    // The steps guarded here are only taken when the rules have work: AKS503
    // reports every open NSG.
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let count = |code: &str| {
        report["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["code"] == code)
            .count()
    };
    assert_eq!(
        (count("AKS001"), count("AKS004"), count("AKS503")),
        (planted.aks001, planted.aks004, planted.aks503),
        "{} at {clusters} clusters: (AKS001, AKS004, AKS503)",
        family.name()
    );
    parse_callgrind(&std::fs::read_to_string(&out_file).expect("callgrind output"))
}

/// Whether `name` is one of akslint's own functions (rules, linker, ingest,
/// readers), not the standard library's or a dependency's.
fn own(name: &str) -> bool {
    name.starts_with("akslint::") || name.starts_with("<akslint::")
}

/// Whether `name` is a Rust function (a path), not the allocator's or libc's.
fn rust(name: &str) -> bool {
    name.contains("::")
}

/// Bounds the growth from `SMALL` to `LARGE` clusters of `family`: the whole
/// run and each own function over `FLOOR` in instructions, each call site
/// between Rust functions called `CALL_FLOOR` times or more in calls. Prints the steepest of each (see `--nocapture`).
fn guard(family: Family, extras: Extras) {
    if !have_valgrind() {
        return;
    }
    let small = profile(family, SMALL, extras);
    let large = profile(family, LARGE, extras);
    let name = family.name();
    let mut failures = Vec::new();
    let mut ratio = |what: &str, unit: &str, a: u64, b: u64| {
        let r = b as f64 / a.max(1) as f64;
        if r > BOUND {
            failures.push(format!(
                "{name}: {what}: {a} {unit} at {SMALL} clusters, {b} at {LARGE}: {r:.2}x (bound {BOUND}x)"
            ));
        }
        r
    };
    let total = ratio("whole run", "instructions", small.total, large.total);
    let mut functions: Vec<(f64, u64, u64, String)> = Vec::new();
    for (f, &b) in &large.inclusive {
        if own(f) && b >= FLOOR {
            let a = small.inclusive.get(f).copied().unwrap_or(0);
            if a == 0 {
                continue; // work past a size threshold, not growth: see above
            }
            functions.push((ratio(f, "instructions", a, b), a, b, f.clone()));
        }
    }
    let mut calls: Vec<(f64, u64, u64, String)> = Vec::new();
    for ((caller, callee), &b) in &large.calls {
        if rust(caller) && rust(callee) && b >= CALL_FLOOR {
            let a = small
                .calls
                .get(&(caller.clone(), callee.clone()))
                .copied()
                .unwrap_or(0);
            if a == 0 {
                continue;
            }
            let what = format!("calls from {caller} to {callee}");
            calls.push((ratio(&what, "calls", a, b), a, b, what));
        }
    }
    eprintln!(
        "{name}: whole run {} -> {} instructions ({total:.2}x); {} functions, {} calls bounded",
        small.total,
        large.total,
        functions.len(),
        calls.len()
    );
    for list in [&mut functions, &mut calls] {
        list.sort_by(|x, y| y.0.total_cmp(&x.0));
        for (r, a, b, what) in list.iter().take(5) {
            eprintln!("  {r:.2}x {a} -> {b} {what}");
        }
    }
    // The rules' entry must be among the bounded (a stripped binary would bound nothing).
    assert!(
        functions.iter().any(|f| f.3 == "akslint::rules::run"),
        "{name}: akslint::rules::run is not among the bounded functions"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn graph_grows_linearly() {
    guard(
        Family::Graph,
        Extras {
            open_ssh_every: OPEN_SSH_EVERY,
        },
    );
}

#[test]
fn az_cli_grows_linearly() {
    guard(Family::AzCli, Extras::default());
}

#[test]
fn arm_grows_linearly() {
    guard(Family::Arm, Extras::default());
}

#[test]
fn tf_plan_grows_linearly() {
    guard(Family::TfPlan, Extras::default());
}

#[test]
fn tf_yaml_grows_linearly() {
    guard(Family::TfYaml, Extras::default());
}

#[test]
fn crossplane_grows_linearly() {
    guard(Family::Crossplane, Extras::default());
}

#[test]
fn inclusive_counts_add_calls_to_other_functions_once() {
    // main calls f three times from two lines (30 instructions in all) and
    // itself once (7, already in main's own lines); f's own line costs 30.
    let text = "events: Ir\nfl=a.rs\nfn=main\n1 5\ncfn=f\ncalls=2 10\n2 20\ncfn=f\ncalls=1 10\n3 10\ncfn=main\ncalls=1 1\n4 7\n5 2\nfn=f\n10 30\n";
    let p = parse_callgrind(text);
    assert_eq!(p.total, 5 + 2 + 30);
    assert_eq!(p.inclusive["main"], 5 + 30 + 2);
    assert_eq!(p.inclusive["f"], 30);
    assert_eq!(p.calls[&("main".to_string(), "f".to_string())], 3);
    assert_eq!(p.calls.len(), 1, "a call to itself is not a call site");
}
