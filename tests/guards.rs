//! Fail closed, never crash, never hang: hostile and broken inputs through the
//! binary. Each bad file gets a diagnostic (or a clear message on standard
//! error), the other files are still checked, and nothing blocks.
//!
//! Exit codes: 1 when there are findings (a `parse-error` is one); 2 when any
//! input could not be read at all (missing, unreadable, not a regular file,
//! over `--max-file-size`), whatever else was found.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const GOOD: &str = include_str!("../fixtures/AKS004/fail/az-cli.json");

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// `(code, file name, line, column)` of every diagnostic.
    fn found(&self) -> Vec<(String, String, u64, u64)> {
        self.lines()
            .iter()
            .map(|d| {
                let file = Path::new(d["file"].as_str().unwrap())
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                (
                    d["code"].as_str().unwrap().to_string(),
                    file,
                    d["line"].as_u64().unwrap(),
                    d["column"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    fn codes_for(&self, file: &str) -> Vec<String> {
        self.found()
            .into_iter()
            .filter(|f| f.1 == file)
            .map(|f| f.0)
            .collect()
    }

    fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("overflow"),
            "{}",
            self.stderr
        );
        assert!(matches!(self.code, Some(0..=2)), "exit {:?}", self.code);
    }
}

/// Runs `akslint check --format json-lines ARGS` in `dir`, killing it (and failing) after `limit`.
/// Far above any normal run even on a loaded CI machine: only a hang trips it.
const HANG_LIMIT: Duration = Duration::from_secs(300);

fn check_in(dir: &Path, args: &[&str], limit: Duration) -> Run {
    let started = Instant::now();
    let mut child = common::command()
        .arg("check")
        .args(["--format", "json-lines"])
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the akslint binary runs");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("akslint {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn check(dir: &Path, args: &[&str]) -> Run {
    check_in(dir, args, HANG_LIMIT)
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn files_over_max_file_size_get_input_too_large_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.json", GOOD);
    // Valid JSON, but well over the limit.
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(20_000));
    write(dir.path(), "big.json", &big);
    let run = check(
        dir.path(),
        &["--max-file-size", "10KB", "good.json", "big.json"],
    );
    run.assert_no_panic();
    assert_eq!(
        run.found()
            .into_iter()
            .filter(|f| f.1 == "big.json")
            .collect::<Vec<_>>(),
        vec![("input-too-large".to_string(), "big.json".to_string(), 1, 1)]
    );
    let d = run
        .lines()
        .into_iter()
        .find(|d| d["code"] == "input-too-large")
        .unwrap();
    assert_eq!(d["severity"], "error");
    assert!(
        d["message"].as_str().unwrap().contains("10000 bytes"),
        "{d}"
    );
    assert!(run.codes_for("good.json").contains(&"AKS004".to_string()));
    assert!(
        run.stderr.contains("big.json: larger than --max-file-size"),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, Some(2), "an input was not read");

    // Under a limit given in binary units it is read.
    let run = check(dir.path(), &["--max-file-size", "1MiB", "big.json"]);
    assert!(run.codes_for("big.json").is_empty(), "{}", run.stdout);

    // Standard input has the same limit.
    let mut child = common::command()
        .args([
            "check",
            "--format",
            "json-lines",
            "--max-file-size",
            "100",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        // The reader stops early; a closed pipe here is fine.
        let _ = stdin.write_all(big.as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("input-too-large"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_max_file_size_values_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["12XB", "MB", "1.5GB"] {
        let run = check(dir.path(), &["--max-file-size", bad, "x.json"]);
        assert_eq!(run.code, Some(2), "{bad}");
        assert!(run.stderr.contains("--max-file-size"), "{}", run.stderr);
    }
}

#[test]
fn a_20_mb_single_line_string_is_checked_and_a_small_limit_rejects_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut clusters: serde_json::Value = serde_json::from_str(GOOD).unwrap();
    clusters[0]["tags"] = serde_json::json!({ "blob": "a".repeat(20 * 1000 * 1000) });
    // One line, as `az … -o json --query` can give.
    let text = serde_json::to_string(&clusters).unwrap();
    assert!(!text.contains('\n'));
    write(dir.path(), "huge.json", &text);
    let run = check(dir.path(), &["huge.json"]);
    run.assert_no_panic();
    assert!(
        run.codes_for("huge.json").contains(&"AKS004".to_string()),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(run.code, Some(1));

    let run = check(dir.path(), &["--max-file-size", "1MB", "huge.json"]);
    assert_eq!(run.codes_for("huge.json"), vec!["input-too-large"]);
    assert_eq!(run.code, Some(2));
}

#[test]
fn invalid_utf8_is_a_parse_error_at_the_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.json", GOOD);
    write(
        dir.path(),
        "latin1.json",
        b"{\n  \"name\": \"caf\xe9\"\n}\n",
    );
    write(dir.path(), "bad.yaml", b"a: 1\nb: x\xc3\x28\n");
    let run = check(dir.path(), &["good.json", "latin1.json", "bad.yaml"]);
    run.assert_no_panic();
    let parse_errors: Vec<_> = run
        .found()
        .into_iter()
        .filter(|f| f.0 == "parse-error")
        .collect();
    assert_eq!(
        parse_errors,
        vec![
            ("parse-error".into(), "bad.yaml".into(), 2, 5),
            ("parse-error".into(), "latin1.json".into(), 2, 15),
        ]
    );
    assert!(
        run.stdout.contains("not UTF-8 text (byte 0xE9"),
        "{}",
        run.stdout
    );
    assert!(run.codes_for("good.json").contains(&"AKS004".to_string()));
    // Broken input is a finding like any parse error, not an unreadable path.
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert_eq!(run.code, Some(1));
}

#[test]
fn nul_bytes_are_parse_errors_at_their_position() {
    let dir = tempfile::tempdir().unwrap();
    // Inside a JSON string (which the JSON parser would take), between tokens, in YAML.
    write(dir.path(), "in-string.json", b"{\"a\": \"x\0y\"}");
    write(dir.path(), "between.json", b"{\"a\": 1,\n \0 \"b\": 2}");
    write(dir.path(), "plain.yaml", b"a: b\nc: d\0e\n");
    let run = check(
        dir.path(),
        &["in-string.json", "between.json", "plain.yaml"],
    );
    run.assert_no_panic();
    let mut found = run.found();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("parse-error".into(), "between.json".into(), 2, 2),
            ("parse-error".into(), "in-string.json".into(), 1, 9),
            ("parse-error".into(), "plain.yaml".into(), 2, 5),
        ]
    );
    assert!(run.stdout.contains("NUL byte"));
}

#[test]
fn a_directory_symlink_loop_terminates() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("estate");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    write(&root.join("sub"), "good.json", GOOD);
    #[cfg(unix)]
    {
        // Links are not followed while walking (as ripgrep does by default): a loop
        // is never entered, so the walk ends and nothing is read twice.
        std::os::unix::fs::symlink("..", root.join("sub/up")).unwrap();
        std::os::unix::fs::symlink(".", root.join("here")).unwrap();
        // A link pointing at itself, named on the command line: a clear error.
        std::os::unix::fs::symlink("self.json", root.join("self.json")).unwrap();
    }
    let run = check_in(&root, &["."], HANG_LIMIT);
    run.assert_no_panic();
    // Read once: one finding per rule.
    assert_eq!(run.codes_for("good.json"), vec!["AKS601", "AKS004"]);
    assert_eq!(run.code, Some(1));

    #[cfg(unix)]
    {
        let run = check(&root, &["self.json", "sub/good.json"]);
        assert!(
            run.stderr
                .contains("self.json: Too many levels of symbolic links"),
            "{}",
            run.stderr
        );
        assert!(run.codes_for("good.json").contains(&"AKS004".to_string()));
        assert_eq!(run.code, Some(2));
    }
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_reported_and_the_rest_is_checked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.json", GOOD);
    let locked = write(dir.path(), "locked.json", GOOD);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // As root permissions do not apply: then only "no crash" can be asserted.
    let readable_anyway = std::fs::read(&locked).is_ok();
    let run = check(dir.path(), &["."]);
    run.assert_no_panic();
    assert!(run.codes_for("good.json").contains(&"AKS004".to_string()));
    if !readable_anyway {
        assert!(
            run.stderr.contains("locked.json: Permission denied"),
            "{}",
            run.stderr
        );
        assert!(run.codes_for("locked.json").is_empty());
        assert_eq!(run.code, Some(2));
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
}

#[cfg(unix)]
#[test]
fn a_fifo_or_device_named_on_the_command_line_never_blocks() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.json", GOOD);
    let fifo = dir.path().join("pipe.json");
    let mut args = vec!["good.json", "/dev/zero", "/dev/null"];
    let have_fifo = mkfifo(&fifo);
    if have_fifo {
        args.push("pipe.json");
    }
    let run = check_in(dir.path(), &args, HANG_LIMIT);
    run.assert_no_panic();
    assert!(run.codes_for("good.json").contains(&"AKS004".to_string()));
    assert!(
        run.stderr
            .contains("/dev/zero: not a regular file (a character device); not read"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("/dev/null: not a regular file"));
    if have_fifo {
        assert!(
            run.stderr
                .contains("pipe.json: not a regular file (a named pipe); not read"),
            "{}",
            run.stderr
        );
        // Found while walking, a FIFO is not a data file: skipped without a word.
        let run = check_in(dir.path(), &["."], HANG_LIMIT);
        assert!(run.codes_for("good.json").contains(&"AKS004".to_string()));
        assert!(!run.stderr.contains("pipe.json"), "{}", run.stderr);
        assert_eq!(run.code, Some(1));
    }
    assert_eq!(run.code, Some(2));
}

#[test]
fn empty_files_are_nothing_to_check() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.json", GOOD);
    write(dir.path(), "empty.json", "");
    write(dir.path(), "empty.yaml", "");
    write(dir.path(), "blank.yml", "\n  \n");
    let run = check(
        dir.path(),
        &["good.json", "empty.json", "empty.yaml", "blank.yml"],
    );
    run.assert_no_panic();
    assert!(
        run.found().iter().all(|f| f.1 == "good.json"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, Some(1));
    // Alone, an empty file is no error, but nothing was checked.
    let run = check(dir.path(), &["empty.json"]);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("no input could be read or recognised"));
    assert_eq!(run.code, Some(2));
}

#[test]
fn nesting_100000_deep_is_a_parse_error_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    write(dir.path(), "good.json", GOOD);
    write(dir.path(), "deep.json", "[".repeat(n) + &"]".repeat(n));
    write(dir.path(), "deep-open.json", "[".repeat(n));
    write(dir.path(), "deep-objects.json", "{\"a\":".repeat(n));
    write(
        dir.path(),
        "deep-flow.yaml",
        format!("a: {}", "[".repeat(n)),
    );
    write(dir.path(), "deep-block.yaml", "- ".repeat(n) + "1\n");
    let files = [
        "deep.json",
        "deep-open.json",
        "deep-objects.json",
        "deep-flow.yaml",
        "deep-block.yaml",
    ];
    let mut args = vec!["good.json"];
    args.extend(files);
    let run = check(dir.path(), &args);
    run.assert_no_panic();
    for f in files {
        assert_eq!(run.codes_for(f), vec!["parse-error"], "{f}: {}", run.stdout);
    }
    assert!(run.codes_for("good.json").contains(&"AKS004".to_string()));
    assert_eq!(run.code, Some(1));
}

#[test]
fn arm_expression_recursion_and_huge_copy_counts_finish_quickly() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "self-ref.json",
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "variables": {"a": "[variables('b')]", "b": "[variables('a')]", "c": "[concat(variables('c'), 'x')]"},
            "resources": [{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01",
              "name": "[variables('a')]", "location": "westeurope",
              "properties": {"addressSpace": {"addressPrefixes": ["[variables('c')]"]},
                "subnets": [{"name": "s", "properties": {"addressPrefix": "[variables('b')]"}}]}}]}"#,
    );
    write(
        dir.path(),
        "copy.json",
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "resources": [{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01",
              "name": "[concat('v', copyIndex())]", "location": "westeurope",
              "copy": {"name": "vnets", "count": 1000000000},
              "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "s", "properties": {"addressPrefix": "10.0.0.0/24"}}],
                "copy": [{"name": "subnets", "count": 1000000000,
                  "input": {"name": "[concat('s', copyIndex('subnets'))]",
                    "properties": {"addressPrefix": "10.0.1.0/24"}}}]}}]}"#,
    );
    for f in ["self-ref.json", "copy.json"] {
        let run = check_in(dir.path(), &[f], HANG_LIMIT);
        // Finishing at all (the hang guard in `check_in`) is the point; speed is for benchmarks.
        run.assert_no_panic();
    }
}

#[test]
fn one_bad_file_never_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "good.json", GOOD);
    write(root, "broken.json", "{\"a\": ");
    write(root, "latin1.json", b"{\"a\": \"\xe9\"}");
    write(root, "nul.yaml", b"a: \0\n");
    write(root, "deep.json", "[".repeat(100_000));
    write(root, "empty.json", "");
    write(root, "big.json", format!("[\"{}\"]", "x".repeat(200_000)));
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(".", root.join("loop")).unwrap();
        // Skipped while walking (only regular files are read), so it cannot block.
        mkfifo(&root.join("pipe.json"));
    }
    let run = check_in(root, &["--max-file-size", "150KB", "."], HANG_LIMIT);
    run.assert_no_panic();
    assert!(run.codes_for("good.json").contains(&"AKS004".to_string()));
    for f in ["broken.json", "latin1.json", "nul.yaml", "deep.json"] {
        assert_eq!(run.codes_for(f), vec!["parse-error"], "{f}");
    }
    assert!(run.codes_for("empty.json").is_empty());
    assert_eq!(run.codes_for("big.json"), vec!["input-too-large"]);
    // A file over the limit was not read: exit 2, though there are findings.
    assert_eq!(run.code, Some(2));

    // Without the unread file, the findings decide: exit 1.
    std::fs::remove_file(root.join("big.json")).unwrap();
    let run = check_in(root, &["--max-file-size", "150KB", "."], HANG_LIMIT);
    assert!(run.codes_for("good.json").contains(&"AKS004".to_string()));
    assert_eq!(run.code, Some(1));
}

/// Every regular file under `dir`: path → (bytes, mtime).
fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() {
                out.insert(
                    p.clone(),
                    (std::fs::read(&p).unwrap(), meta.modified().unwrap()),
                );
            }
        }
    }
    out
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn akslint_never_writes_to_its_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("fixtures");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &tree,
    );
    let before = snapshot(&tree);
    assert!(before.len() > 100, "the fixtures were copied");
    for format in ["human", "json", "sarif"] {
        let run = common::command()
            .args(["check", "--format", format, "--with-siblings"])
            .args(before.keys().take(5))
            .arg(&tree)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(matches!(run.status.code(), Some(0..=2)));
    }
    let after = snapshot(&tree);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "no file was created or removed"
    );
    for (path, (bytes, mtime)) in &before {
        let (b, m) = &after[path];
        assert!(b == bytes, "{} changed", path.display());
        assert_eq!(m, mtime, "{} was touched", path.display());
    }
}
