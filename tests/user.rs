//! What a new user meets: completions and the man page, every code
//! explainable and configurable, documentation links, the CLI conveniences
//! (`--extend-ignore`, `--quiet`, `--statistics`, `--stdin-filename`,
//! the GitHub summary) and SARIF details (unique fingerprints, descriptors).

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{akslint, akslint_in, akslint_stdin, stderr, stdout};

/// A clean YAML export with a suppression of a rule that finds nothing there.
fn dir_with_unused_suppression() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/AKS001/pass/az-cli-yaml/az-aks-show.yaml");
    let text = std::fs::read_to_string(fixture).expect("the fixture exists");
    std::fs::write(
        dir.path().join("c.yaml"),
        format!("# akslint-ignore: AKS001 -- test\n{text}"),
    )
    .expect("the copy is written");
    dir
}

fn codes(o: &std::process::Output) -> Vec<String> {
    common::diagnostics(o)
        .iter()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn completions_generate_for_every_shell() {
    for (shell, marker) in [
        ("bash", "_akslint()"),
        ("zsh", "#compdef akslint"),
        ("fish", "complete -c akslint"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[akslint]"),
    ] {
        let o = akslint(&["completions", shell]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let text = stdout(&o);
        assert!(text.contains(marker), "{shell}: {text}");
        assert!(
            text.contains("extend-ignore"),
            "{shell} completes check's options"
        );
    }
    assert_eq!(akslint(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn man_page_is_roff() {
    let o = akslint(&["manpage"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.starts_with(".ie \\n(.g .ds Aq"), "{}", &text[..80]);
    assert!(text.contains(".TH akslint 1"), "{text}");
    assert!(
        text.contains("Terraform"),
        "the description names the inputs"
    );
}

#[test]
fn help_names_every_input_family() {
    // Help text is wrapped to the terminal: compare with single spaces.
    let text = stdout(&akslint(&["--help"]))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for family in [
        "ARM templates",
        "parameter files",
        "az CLI",
        "Resource Graph",
        "Terraform plans",
        "Terraform configurations",
        "Crossplane",
        "Azure Service Operator",
        "CAPZ",
    ] {
        assert!(text.contains(family), "--help lacks {family}: {text}");
    }
}

#[test]
fn non_rule_codes_are_listed_and_explained() {
    let plain = stdout(&akslint(&["rules"]));
    assert!(!plain.contains("parse-error"));
    let all = stdout(&akslint(&["rules", "--all"]));
    for code in [
        "parse-error",
        "input-too-large",
        "unused-suppression",
        "terraform-not-evaluated",
        "not-evaluated",
        "ambiguous-reference",
        "rule-error",
        "config-error",
    ] {
        assert!(all.contains(code), "rules --all lacks {code}");
        let o = akslint(&["explain", code]);
        assert!(o.status.success(), "explain {code}: {}", stderr(&o));
        let text = stdout(&o);
        assert!(text.starts_with(&format!("{code} (")), "{text}");
        assert!(text.contains("## How to fix"), "{text}");
        assert!(
            text.ends_with(&format!("Documentation: https://github.com/akslint/akslint/blob/main/docs/rules/{code}.md\n")),
            "{text}"
        );
        assert!(Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("docs/rules/{code}.md"))
            .is_file());
    }
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&akslint(&["rules", "--all", "--format", "json"])))
            .expect("JSON");
    let last = json
        .as_array()
        .and_then(|a| a.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["category"], "not-a-rule");
}

#[test]
fn explain_links_a_rule_to_its_page_under_the_configured_base() {
    let text = stdout(&akslint(&["explain", "AKS004"]));
    assert!(text.ends_with(
        "\nDocumentation: https://github.com/akslint/akslint/blob/main/docs/rules/AKS004.md\n"
    ));
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(
        dir.path().join("akslint.toml"),
        "docs-url = \"https://wiki.example.com/akslint\"\n",
    )
    .expect("config written");
    let text = stdout(&akslint_in(dir.path(), &["explain", "AKS004"]));
    assert!(
        text.ends_with("\nDocumentation: https://wiki.example.com/akslint/AKS004.md\n"),
        "{text}"
    );
}

#[test]
fn human_report_links_each_code_once() {
    let o = akslint(&[
        "check",
        "fixtures/AKS004/fail/arm-template.json",
        "--color",
        "never",
    ]);
    let text = stdout(&o);
    let footer = text
        .split("\nDocumentation:\n")
        .nth(1)
        .expect("a documentation footer");
    let lines: Vec<&str> = footer.lines().take_while(|l| l.starts_with("  ")).collect();
    assert!(lines
        .contains(&"  AKS004: https://github.com/akslint/akslint/blob/main/docs/rules/AKS004.md"));
    let unique: BTreeSet<&&str> = lines.iter().collect();
    assert_eq!(unique.len(), lines.len(), "{footer}");
}

#[test]
fn unused_suppression_is_ignorable_and_severity_configurable() {
    let dir = dir_with_unused_suppression();
    let o = akslint_in(dir.path(), &["check", "c.yaml", "--format", "json"]);
    assert!(codes(&o).contains(&"unused-suppression".to_string()));
    for flag in ["--ignore", "--extend-ignore"] {
        let o = akslint_in(
            dir.path(),
            &[
                "check",
                "c.yaml",
                "--format",
                "json",
                flag,
                "unused-suppression",
            ],
        );
        assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(!codes(&o).contains(&"unused-suppression".to_string()));
    }
    std::fs::write(
        dir.path().join("akslint.toml"),
        "[severity]\nunused-suppression = \"off\"\n",
    )
    .expect("config written");
    let o = akslint_in(dir.path(), &["check", "c.yaml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!codes(&o).contains(&"unused-suppression".to_string()));
}

#[test]
fn parse_error_cannot_be_ignored_but_can_be_a_warning() {
    let o = akslint(&[
        "check",
        "fixtures/AKS004/fail/arm-template.json",
        "--ignore",
        "parse-error",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("always reported"), "{}", stderr(&o));
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("bad.json"), "{\"id\": ").expect("written");
    std::fs::write(
        dir.path().join("akslint.toml"),
        "[severity]\nparse-error = \"warning\"\n",
    )
    .expect("written");
    let o = akslint_in(dir.path(), &["check", "bad.json", "--format", "json"]);
    let d = common::diagnostics(&o);
    assert_eq!(d[0]["code"], "parse-error");
    assert_eq!(d[0]["severity"], "warning");
}

#[test]
fn every_config_mistake_is_reported_at_once() {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(
        dir.path().join("akslint.toml"),
        "ignore = [\"AKS9\"]\nfail-on = \"sometimes\"\n[severity]\nAKS001 = \"loud\"\n",
    )
    .expect("written");
    std::fs::write(dir.path().join("x.json"), "{}").expect("written");
    let o = akslint_in(dir.path(), &["check", "x.json"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    for place in [
        "akslint.toml:1:11",
        "akslint.toml:2:11",
        "akslint.toml:4:10",
    ] {
        assert!(err.contains(place), "{place} missing in {err}");
    }
}

#[test]
fn quiet_statistics_and_github_summary() {
    let fixture = "fixtures/AKS004/fail/arm-template.json";
    let loud = stdout(&akslint(&["check", fixture]));
    let quiet = stdout(&akslint(&["check", fixture, "--quiet"]));
    let summary = loud.lines().last().expect("a summary line");
    assert!(summary.contains(" in 1 file"), "{summary}");
    assert!(!quiet.contains(" in 1 file ("), "{quiet}");
    assert!(quiet.contains("AKS004"));

    let stats = stdout(&akslint(&["check", fixture, "--statistics"]));
    let json = common::json(&akslint(&["check", fixture, "--format", "json"]));
    let aks004 = json["diagnostics"]
        .as_array()
        .map_or(0, |a| a.iter().filter(|d| d["code"] == "AKS004").count());
    assert!(
        stats.lines().any(|l| l
            .split_whitespace()
            .take(2)
            .eq([aks004.to_string().as_str(), "AKS004"])),
        "{stats}"
    );

    let github = stdout(&akslint(&["check", fixture, "--format", "github"]));
    let last = github.lines().last().unwrap_or_default();
    assert!(last.starts_with("::notice title=akslint::"), "{last}");
    assert!(last.contains(" in 1 file"), "{last}");
}

#[test]
fn no_problems_found_only_when_something_was_checked() {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("notes.json"), "{\"hello\": 1}").expect("written");
    let o = akslint_in(dir.path(), &["check", "notes.json"]);
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(!out.contains("No problems found"), "{out}");
    assert!(out.contains("Nothing checked"), "{out}");
}

#[test]
fn stdin_filename_names_standard_input() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/AKS004/fail/arm-template.json"),
    )
    .expect("fixture");
    let o = akslint_stdin(
        &[
            "check",
            "-",
            "--stdin-filename",
            "infra/main.json",
            "--format",
            "sarif",
        ],
        &text,
    );
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).expect("SARIF");
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"];
    assert_eq!(uri, "infra/main.json");
    // [[per-path]] globs see the name too.
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(
        dir.path().join("akslint.toml"),
        "[[per-path]]\npath = \"infra/**\"\nignore = [\"AKS004\"]\n",
    )
    .expect("written");
    let mut c = common::command();
    let o = c
        .current_dir(dir.path())
        .args([
            "check",
            "-",
            "--stdin-filename",
            "infra/main.json",
            "--format",
            "json",
        ])
        .stdin(
            std::fs::File::open(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("fixtures/AKS004/fail/arm-template.json"),
            )
            .expect("fixture"),
        )
        .output()
        .expect("runs");
    assert!(!codes(&o).contains(&"AKS004".to_string()), "{}", stdout(&o));
}

/// Every failing fixture, each checked on its own as code scanning would see it.
fn failing_fixtures() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for rule in std::fs::read_dir(&root)
        .expect("fixtures/")
        .filter_map(Result::ok)
    {
        let fail = rule.path().join("fail");
        let Ok(entries) = std::fs::read_dir(&fail) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "expect") {
                continue;
            }
            if let Ok(rel) = p.strip_prefix(env!("CARGO_MANIFEST_DIR")) {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn sarif_fingerprints_are_unique_and_descriptors_complete() {
    let fixtures = failing_fixtures();
    assert!(fixtures.len() > 40, "{fixtures:?}");
    let mut results = 0;
    for f in &fixtures {
        let o = akslint(&["check", f, "--format", "sarif"]);
        let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).expect("SARIF");
        let run = &sarif["runs"][0];
        let mut seen = BTreeSet::new();
        for r in run["results"].as_array().into_iter().flatten() {
            let fp = r["partialFingerprints"]["akslint/v2"]
                .as_str()
                .unwrap_or_default();
            assert!(
                seen.insert(fp.to_string()),
                "{f}: fingerprint {fp} twice ({})",
                r["ruleId"]
            );
            results += 1;
        }
        if f == &fixtures[0] {
            for d in run["tool"]["driver"]["rules"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let id = d["id"].as_str().unwrap_or_default();
                assert_ne!(d["name"], d["id"], "{id}");
                assert!(
                    d["helpUri"]
                        .as_str()
                        .is_some_and(|u| u.ends_with(&format!("/{id}.md"))),
                    "{id}"
                );
                let full = d["fullDescription"]["text"].as_str().unwrap_or_default();
                assert!(!full.trim_end().ends_with(':'), "{id}: {full}");
                let security = d["properties"]["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t == "security"));
                let score = d["properties"]["security-severity"].as_str();
                assert_eq!(security, score.is_some(), "{id}");
                if let Some(s) = score {
                    let level = d["defaultConfiguration"]["level"].as_str();
                    let want = match level {
                        Some("error") => "8.0",
                        Some("warning") => "5.5",
                        _ => "2.0",
                    };
                    assert_eq!(s, want, "{id}");
                }
            }
        }
    }
    assert!(results > 100, "{results} results");
}

#[test]
fn every_cited_fact_resolves_in_docs_facts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let facts = std::fs::read_to_string(root.join("docs/facts.md")).expect("docs/facts.md");
    let mut cited = BTreeSet::new();
    for entry in std::fs::read_dir(root.join("docs/rules"))
        .expect("docs/rules")
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let bytes = text.as_bytes();
        for (i, _) in text.match_indices("F-") {
            let digits = &bytes[i + 2..(i + 5).min(bytes.len())];
            if digits.len() == 3 && digits.iter().all(u8::is_ascii_digit) {
                cited.insert(text[i..i + 5].to_string());
            }
        }
    }
    assert!(cited.len() > 50, "{cited:?}");
    for f in &cited {
        let heading = format!("\n## {f} — ");
        let at = facts
            .find(&heading)
            .unwrap_or_else(|| panic!("{f} is not in docs/facts.md"));
        let entry = &facts[at + 1..];
        let entry = &entry[..entry[3..].find("\n## ").map_or(entry.len(), |e| e + 3)];
        assert!(
            entry.contains("<https://") || entry.contains("Derived from F-"),
            "{f} has no source link"
        );
    }
}
