//! Hostile inputs and surroundings (issue 18): evaluation budgets, memory and time on
//! adversarial shapes, finding floods, escaped human output and safe writes.

mod common;

use std::path::Path;

use common::{akslint_in, locations, stderr};

const AKS004_TEMPLATE: &str = include_str!("../fixtures/AKS004/fail/arm-template.json");

/// An ARM template whose variable `v39` doubles `v0` 39 times through `step` (which names
/// the previous variable as `{prev}`), used as a VNet name.
fn doubling_template(step: &str) -> String {
    let mut vars = vec![r#""v0": "ab""#.to_string()];
    for i in 1..40 {
        let prev = format!("variables('v{}')", i - 1);
        vars.push(format!(r#""v{i}": "[{}]""#, step.replace("{prev}", &prev)));
    }
    format!(
        r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
"contentVersion": "1.0.0.0", "variables": {{{}}},
"resources": [{{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01",
"name": "[variables('v39')]", "location": "westeurope",
"properties": {{"addressSpace": {{"addressPrefixes": ["10.0.0.0/16"]}}}}}}]}}"#,
        vars.join(",\n")
    )
}

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn doubling_templates_stop_at_the_budget_and_the_other_files_are_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "good.json", AKS004_TEMPLATE);
    let steps = [
        ("concat", "concat({prev}, {prev})"),
        ("format", "format('{0}{0}', {prev})"),
        ("replace", "replace({prev}, 'a', {prev})"),
        ("string", "string(createArray({prev}, {prev}))"),
        ("array", "concat(createArray({prev}), createArray({prev}))"),
        ("object", "createObject('a', {prev}, 'b', {prev})"),
        ("join", "join(createArray({prev}, {prev}), {prev})"),
        (
            "union",
            "union(range(0, 5000), range(5000, 5000), array({prev}))",
        ),
    ];
    for (name, step) in steps {
        write(
            root,
            &format!("double-{name}.json"),
            doubling_template(step),
        );
    }
    let out = akslint_in(root, &["check", "--format", "json", "--threads", "1", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = locations(&out);
    assert!(
        found
            .iter()
            .any(|(code, file, _, _)| code == "AKS004" && file.ends_with("good.json")),
        "{found:?}"
    );
    // The doubled values are unknown, so they prove nothing: no finding in those files,
    // only the notes that say where evaluation stopped, each place once.
    let doubled: Vec<_> = found
        .iter()
        .filter(|(_, file, _, _)| file.contains("double-"))
        .collect();
    assert!(
        doubled.iter().all(|(code, ..)| code == "not-evaluated"),
        "{doubled:?}"
    );
    assert!(
        doubled
            .iter()
            .any(|(_, file, ..)| file.ends_with("double-concat.json")),
        "{doubled:?}"
    );
    let mut places = doubled.clone();
    places.dedup();
    assert_eq!(places.len(), doubled.len(), "{doubled:?}");
}

/// Text that would act on a terminal or a CI log if printed as it is: a newline
/// followed by a GitHub Actions workflow command, colours, an OSC title and
/// hyperlink, and bidi controls that reorder what is shown.
const EVIL_JSON: &str = r"\n::error file=evil.json::X\u001b[31mred\u001b]0;title\u0007\u001b]8;;evil.example\u0007link\u001b]8;;\u0007\u202eabc\u2066def\u2069\u009b";

/// Characters no human report may contain: C0 controls but newline, DEL, C1, bidi controls.
fn raw_unsafe(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}')
        })
        .collect()
}

/// The AKS004 fixture with the subnet and cluster named by `EVIL_JSON`, and a
/// comment holding raw escape sequences next to the reported line.
fn evil_template() -> String {
    AKS004_TEMPLATE
        .replace("\"snet-aks-nodes\"", &format!("\"snet{EVIL_JSON}\""))
        .replace("\"aks-demo\"", &format!("\"aks{EVIL_JSON}\""))
        .replace(
            "// Azure CNI (node subnet)",
            "// \u{1b}[2J\u{1b}]0;pwned\u{7}\u{202e} Azure CNI (node subnet)",
        )
}

// Unix: a file name with a line break, /dev/zero, FIFOs.
#[cfg(unix)]
#[test]
fn human_output_escapes_what_came_from_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let name = "evil\n::error file=evil.json::X\u{1b}[31m.json";
    write(dir.path(), name, evil_template());
    // Wide enough that no message is wrapped in the middle of what is looked for.
    let out = common::command()
        .current_dir(dir.path())
        .env("COLUMNS", "10000")
        .args(["check", "--color", "never", name])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = common::stdout(&out);
    // The findings that quote the names are there, escaped.
    assert!(text.contains("AKS004") && text.contains("AKS601"), "{text}");
    assert!(
        text.contains(r"snet\u{a}::error file=evil.json::X\u{1b}[31mred"),
        "{text}"
    );
    assert!(text.contains(r"\u{202e}abc\u{2066}def"), "{text}");
    assert!(text.contains(r"evil\u{a}::error"), "the path: {text}");
    assert!(
        text.contains(r"// \u{1b}[2J\u{1b}]0;pwned\u{7}\u{202e} Azure CNI"),
        "{text}"
    );
    assert_eq!(raw_unsafe(&text), Vec::<char>::new(), "{text}");
    assert!(text.lines().all(|l| !l.starts_with("::")), "{text}");
    // So do the messages on standard error.
    let err = stderr(&out);
    assert_eq!(raw_unsafe(&err), Vec::<char>::new(), "{err}");
    assert!(err.lines().all(|l| !l.starts_with("::")), "{err}");
}

#[test]
fn github_output_cannot_be_split_into_new_workflow_commands() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "evil.json", evil_template());
    let out = akslint_in(dir.path(), &["check", "--format", "github", "evil.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = common::stdout(&out);
    assert!(text.contains("%0A::error file=evil.json::X"), "{text}");
    for line in text.lines() {
        assert!(
            line.starts_with("::error ")
                || line.starts_with("::warning ")
                || line.starts_with("::notice "),
            "{line}"
        );
        assert!(!line.starts_with("::error file=evil.json::X"), "{line}");
    }
}

/// The AKS004 fixture on one line, without its comments, with `padding` bytes
/// of a tag between the subnet and the node pool.
fn one_line_template(padding: usize) -> String {
    let text: Vec<&str> = AKS004_TEMPLATE
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//"))
        .collect();
    let text = text.join(" ");
    let tag = format!(
        r#""tags": {{"padding": "{}"}}, "type": "Microsoft.ContainerService/managedClusters""#,
        "x".repeat(padding)
    );
    text.replacen(
        r#""type": "Microsoft.ContainerService/managedClusters""#,
        &tag,
        1,
    )
}

#[test]
fn long_lines_are_cut_around_the_labels() {
    let dir = tempfile::tempdir().unwrap();
    let template = one_line_template(1 << 20);
    assert_eq!(template.lines().count(), 1);
    write(dir.path(), "one-line.json", &template);
    let out = akslint_in(dir.path(), &["check", "--format", "json", "one-line.json"]);
    let findings = locations(&out).len();
    assert!(findings >= 2, "{}", common::stdout(&out));
    let out = akslint_in(dir.path(), &["check", "one-line.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = common::stdout(&out);
    assert!(text.contains("AKS004"), "{text}");
    assert!(text.contains('…'), "{text}");
    assert!(
        text.len() < 20_000 * findings,
        "{} bytes for {findings} findings",
        text.len()
    );
    // Each snippet shows line 1 once, however many labels point into it.
    let shown = text.lines().filter(|l| l.starts_with(" 1 │")).count();
    let snippets = text
        .lines()
        .filter(|l| l.trim_start().starts_with("╭─["))
        .count();
    assert_eq!(shown, snippets, "{text}");
}

/// A VNet with `n` subnets of the same prefix, made by an ARM `copy` loop:
/// every pair overlaps (AKS111), n·(n−1)/2 findings.
fn identical_subnets(n: usize) -> String {
    format!(
        r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
"contentVersion": "1.0.0.0",
"resources": [{{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01",
  "name": "vnet-spoke", "location": "westeurope",
  "properties": {{"addressSpace": {{"addressPrefixes": ["10.240.0.0/16"]}},
    "copy": [{{"name": "subnets", "count": {n},
      "input": {{"name": "[concat('snet-', copyIndex('subnets'))]",
                "properties": {{"addressPrefix": "10.240.0.0/24"}}}}}}]}}}}]}}"#
    )
}

#[test]
fn a_flood_of_findings_is_cut_in_human_output_only() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flood.json", identical_subnets(300));
    let total = 300 * 299 / 2;
    let json = akslint_in(dir.path(), &["check", "--format", "json", "flood.json"]);
    assert_eq!(json.status.code(), Some(1), "{}", stderr(&json));
    let codes = common::codes(&json);
    assert_eq!(codes.len(), total);
    assert!(codes.iter().all(|c| c == "AKS111"));
    assert_eq!(
        common::json(&json)["summary"]["errors"].as_u64(),
        Some(total as u64)
    );
    let jsonl = akslint_in(
        dir.path(),
        &["check", "--format", "json-lines", "flood.json"],
    );
    assert_eq!(common::stdout(&jsonl).lines().count(), total);
    let github = akslint_in(dir.path(), &["check", "--format", "github", "flood.json"]);
    let github = common::stdout(&github);
    assert_eq!(
        github.lines().filter(|l| l.starts_with("::error ")).count(),
        total
    );

    let human = akslint_in(dir.path(), &["check", "flood.json"]);
    assert_eq!(human.status.code(), Some(1), "{}", stderr(&human));
    let text = common::stdout(&human);
    let shown = text.lines().filter(|l| l.starts_with("AKS111 ")).count();
    assert_eq!(shown, 100, "{text}");
    assert!(
        text.contains("\nAKS111: 44,750 more findings not shown; --format json lists them all\n"),
        "{text}"
    );
    assert!(
        text.lines()
            .last()
            .unwrap_or_default()
            .starts_with("44850 errors, 0 warnings"),
        "{text}"
    );
    let stats = akslint_in(dir.path(), &["check", "--statistics", "flood.json"]);
    assert!(
        common::stdout(&stats).contains("44850"),
        "{}",
        common::stdout(&stats)
    );
}

/// Makes a named pipe at `path`; false when `mkfifo` is not available.
#[cfg(unix)]
fn mkfifo(path: &Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `akslint check` in `dir` and asserts it stops at once with exit 2 and
/// `expected` on standard error. Nothing here has a timeout: were the file
/// opened and read, the run would block (a FIFO) or never end (`/dev/zero`).
#[cfg(unix)]
fn refused(dir: &Path, args: &[&str], expected: &str) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.push("good.json");
    let out = common::command()
        .current_dir(dir)
        .env("COLUMNS", "10000")
        .args(&all)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    assert!(
        stderr(&out).contains(expected),
        "{args:?}: {}",
        stderr(&out)
    );
    assert_eq!(common::stdout(&out), "", "{args:?}");
}

// Unix: a file name with a line break, /dev/zero, FIFOs.
#[cfg(unix)]
#[test]
fn configuration_and_baseline_must_be_small_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "good.json", AKS004_TEMPLATE);
    let device = "not a regular file (a character device); not read";
    refused(
        root,
        &["--config", "/dev/zero"],
        &format!("/dev/zero: {device}"),
    );
    refused(
        root,
        &["--baseline", "/dev/zero"],
        &format!("cannot read baseline /dev/zero: {device}"),
    );
    refused(
        root,
        &["--config", "."],
        "not a regular file (a directory); not read",
    );

    // Sparse files: their size is checked before a byte is read.
    let big = std::fs::File::create(root.join("big.toml")).unwrap();
    big.set_len((16 << 20) + 1).unwrap();
    refused(
        root,
        &["--config", "big.toml"],
        "big.toml: larger than the 16 MiB akslint reads of configuration files (16777217 bytes); not read",
    );
    let big = std::fs::File::create(root.join("big-baseline.json")).unwrap();
    big.set_len((256 << 20) + 1).unwrap();
    refused(
        root,
        &["--baseline", "big-baseline.json"],
        "big-baseline.json: larger than the 256 MiB akslint reads of baseline files",
    );

    if !mkfifo(&root.join("fifo")) {
        eprintln!("mkfifo is not available; the FIFO cases are skipped");
        return;
    }
    let fifo = "fifo: not a regular file (a named pipe); not read";
    refused(root, &["--config", "fifo"], fifo);
    refused(root, &["--baseline", "fifo"], fifo);
    refused(root, &["--rules", "fifo"], fifo);
    // A discovered akslint.toml that is a FIFO is refused too, not passed over.
    let sub = root.join("sub");
    std::fs::create_dir(&sub).unwrap();
    write(&sub, "good.json", AKS004_TEMPLATE);
    assert!(mkfifo(&sub.join("akslint.toml")));
    refused(
        &sub,
        &[],
        "akslint.toml: not a regular file (a named pipe); not read",
    );
}

#[test]
fn reports_and_baselines_are_never_written_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "good.json", AKS004_TEMPLATE);
    std::fs::create_dir(root.join("sub")).unwrap();
    let cases: [&[&str]; 5] = [
        &["good.json", "-o", "good.json"],
        &["good.json", "--output", "sub/../good.json"],
        &[".", "-o", "good.json"],
        &[".", "--write-baseline", "./good.json"],
        &[
            "good.json",
            "-o",
            "same.json",
            "--write-baseline",
            "same.json",
        ],
    ];
    for args in cases {
        let mut all = vec!["check"];
        all.extend_from_slice(args);
        let out = akslint_in(root, &all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("akslint: -"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(
            std::fs::read_to_string(root.join("good.json")).unwrap(),
            AKS004_TEMPLATE
        );
        assert!(!root.join("same.json").exists());
    }
    let out = akslint_in(root, &["check", "good.json", "-o", "good.json"]);
    assert!(
        stderr(&out).contains("--output good.json: this file was read by the check"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn output_and_write_baseline_are_both_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "good.json", AKS004_TEMPLATE);
    std::fs::create_dir(root.join("out")).unwrap();
    let args = [
        "check",
        "good.json",
        "--format",
        "json",
        "-o",
        "out/report.json",
        "--write-baseline",
        "out/baseline.json",
    ];
    // AKS004, AKS601 and AKS307 (a system-assigned identity granted nothing).
    let out = akslint_in(root, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("recorded 3 findings in out/baseline.json"),
        "{}",
        stderr(&out)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("out/report.json")).unwrap())
            .unwrap();
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(3));
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("out/baseline.json")).unwrap())
            .unwrap();
    assert_eq!(baseline["findings"].as_array().map(Vec::len), Some(3));
    // Written through temporary files renamed into place: none is left behind.
    let mut names: Vec<String> = std::fs::read_dir(root.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["baseline.json", "report.json"]);
    // The baseline hides both findings on the next run.
    let out = akslint_in(
        root,
        &["check", "good.json", "--baseline", "out/baseline.json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn failed_writes_are_exit_code_2_and_a_closed_pipe_is_not_a_panic() {
    let full = |args: &[&str]| {
        let sink = std::fs::OpenOptions::new().write(true).open("/dev/full");
        let Ok(sink) = sink else {
            eprintln!("no /dev/full; skipped");
            return None;
        };
        let out = common::command()
            .args(args)
            .stdout(sink)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        Some(out)
    };
    let fixture = "fixtures/AKS004/fail/arm-template.json";
    for args in [
        &["check", fixture][..],
        &["check", "--format", "sarif", fixture],
        &["rules"],
    ] {
        let Some(out) = full(args) else { return };
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("cannot write to standard output: No space left on device"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let out = common::akslint(&["check", fixture, "-o", "/dev/full"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot write /dev/full: No space left"),
        "{}",
        stderr(&out)
    );

    // `akslint check … | head -c 100`: the 4,950 findings of a flood are far more
    // than a pipe holds (64 KiB on Linux), so the check writes into a closed pipe.
    // It stops quietly and still exits 1 for its findings.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flood.json", identical_subnets(100));
    let mut child = common::command()
        .current_dir(dir.path())
        .args(["check", "--format", "json-lines", "flood.json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 100];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert!(
        first.starts_with(b"{"),
        "{}",
        String::from_utf8_lossy(&first)
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn capacity_and_nsg_check_escape_names_too() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "evil.json", evil_template());
    let runs: [&[&str]; 3] = [
        &["capacity", "evil.json"],
        &["capacity", "evil.json", "--what-if", "system=20"],
        &[
            "nsg-check",
            "evil.json",
            "--nsg",
            "none",
            "--from",
            "10.0.0.0/8",
            "--to",
            "10.24.0.4",
        ],
    ];
    for args in runs {
        let out = akslint_in(dir.path(), args);
        let text = common::stdout(&out) + &stderr(&out);
        assert!(
            text.contains(r"\u{a}::error file=evil.json::X"),
            "{args:?}: {text}"
        );
        assert_eq!(raw_unsafe(&text), Vec::<char>::new(), "{args:?}: {text}");
        assert!(
            text.lines().all(|l| !l.starts_with("::")),
            "{args:?}: {text}"
        );
    }
}

/// Peak memory over input size, for `akslint check FILE` in `dir`, as
/// `--statistics` reports it.
fn memory_per_input_byte(dir: &Path, file: &str) -> (i32, f64) {
    let size = std::fs::metadata(dir.join(file)).unwrap().len();
    let (code, peak) = common::peak_memory_in(dir, &[file]);
    (code, peak as f64 / size as f64)
}

#[test]
fn dense_arrays_and_document_streams_stay_within_8_times_their_size() {
    let dir = tempfile::tempdir().unwrap();
    // 20 MB of `1,`: ten million values would need ~1 GB as a tree; the file is
    // refused (`input-too-dense`) after its first 128 KB.
    write(
        dir.path(),
        "numbers.json",
        format!("[{}1]", "1,".repeat(10_000_000)),
    );
    let (code, ratio) = memory_per_input_byte(dir.path(), "numbers.json");
    assert_eq!(code, 2, "the only input was not read");
    assert!(
        ratio <= 8.0,
        "20 MB scalar array: peak {ratio:.1}× the input"
    );
    let out = akslint_in(dir.path(), &["check", "numbers.json", "--format", "json"]);
    assert_eq!(
        locations(&out),
        [(
            "input-too-dense".to_string(),
            "numbers.json".to_string(),
            1,
            131_072
        )]
    );

    // 250,000 small YAML documents (19 MB) that are not Azure configuration: each
    // is dropped once classified, so the stream is never held whole.
    let docs: String = (0..250_000)
        .map(|i| {
            format!(
                "---\nname: document-{i:06}\ndescription: a small note about nothing\nvalue: {i}\n"
            )
        })
        .collect();
    write(dir.path(), "stream.yaml", docs);
    let (code, ratio) = memory_per_input_byte(dir.path(), "stream.yaml");
    assert_eq!(code, 2, "nothing in the stream is Azure configuration");
    assert!(
        ratio <= 8.0,
        "250,000 YAML documents: peak {ratio:.1}× the input"
    );
    let out = akslint_in(dir.path(), &["check", "stream.yaml", "--format", "json"]);
    assert_eq!(locations(&out), [], "read whole, nothing found");
}

#[test]
fn a_dense_file_among_others_does_not_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "aks.json", AKS004_TEMPLATE);
    write(
        dir.path(),
        "ports.yaml",
        (0..200_000).map(|i| format!("- {i}\n")).collect::<String>(),
    );
    let out = akslint_in(dir.path(), &["check", ".", "--format", "json"]);
    let found = locations(&out);
    assert!(
        found
            .iter()
            .any(|(code, file, _, _)| code == "AKS004" && file.ends_with("aks.json")),
        "{found:?}"
    );
    let dense: Vec<_> = found
        .iter()
        .filter(|(code, _, _, _)| code == "input-too-dense")
        .collect();
    assert_eq!(dense.len(), 1, "{found:?}");
    assert!(dense[0].1.ends_with("ports.yaml"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}
