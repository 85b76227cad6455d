//! Inputs the fuzzers found, kept so the bugs stay fixed. Each runs through the
//! whole binary in a folder of its own, with a guard that fails the test
//! instead of letting a hang stall the suite (no timing is asserted).

mod common;

use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Far above any normal run even on a loaded CI machine: only a hang trips it.
const HANG_LIMIT: Duration = Duration::from_secs(300);

/// Copies `input` as `name` into an empty folder and checks that folder.
fn check_as(input: &Path, name: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(input, dir.path().join(name)).unwrap();
    let mut child = common::command()
        .args(["check", "--format", "json", "."])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the akslint binary runs");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > HANG_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} did not finish", input.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (code, reader.join().unwrap())
}

/// hcl-edit backtracks exponentially over `{` left open after expression keys:
/// such files are refused before parsing, at the first brace never closed.
#[test]
fn hcl_unclosed_braces_are_refused_before_parsing() {
    let cases = [
        ("timeout-354e0a3a.tf", 1, 4),
        ("unclosed-division-objects.tf", 1, 9),
    ];
    for (file, line, column) in cases {
        let input = Path::new("tests/fuzz-regressions/hcl_module").join(file);
        let (code, out) = check_as(&input, "main.tf");
        assert_eq!(code, Some(1), "{file}: {out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let d = &v["diagnostics"][0];
        assert_eq!(d["code"], "parse-error", "{file}");
        assert!(
            d["message"].as_str().unwrap().contains("never closed"),
            "{file}: {d}"
        );
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(line), Some(column)),
            "{file}"
        );
    }
}
