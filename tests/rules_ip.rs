//! The address-planning rules AKS101–AKS112 fail and pass in two input
//! families each: an ARM template and Azure Service Operator manifests. Each
//! case runs with `--select` on its own rule.

use std::process::{Command, Output};

fn akslint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_akslint"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("the akslint binary runs")
}

const FAMILIES: &[&str] = &["arm-template.json", "aso.yaml"];

/// (rule, file inside fixtures/<rule>/fail, line, column, severity) of the one finding.
const FAILING: &[(&str, &str, u64, u64, &str)] = &[
    ("AKS101", "arm-template.json", 62, 32, "error"),
    ("AKS101", "aso.yaml", 44, 5, "error"),
    ("AKS102", "arm-template.json", 23, 46, "error"),
    ("AKS102", "aso.yaml", 28, 18, "error"),
    ("AKS103", "arm-template.json", 67, 38, "error"),
    ("AKS103", "aso.yaml", 43, 20, "error"),
    ("AKS104", "arm-template.json", 59, 32, "error"),
    ("AKS104", "aso.yaml", 28, 18, "error"),
    ("AKS105", "arm-template.json", 54, 35, "error"),
    // The peered hub's address space, from a peering declared on the spoke only.
    ("AKS105", "arm-peering.json", 94, 36, "error"),
    ("AKS105", "aso.yaml", 45, 18, "error"),
    ("AKS106", "arm-template.json", 56, 32, "error"),
    ("AKS106", "aso.yaml", 43, 5, "error"),
    ("AKS107", "arm-template.json", 58, 37, "error"),
    ("AKS107", "aso.yaml", 46, 19, "error"),
    ("AKS108", "arm-template.json", 57, 36, "error"),
    ("AKS108", "aso.yaml", 45, 18, "error"),
    ("AKS109", "arm-template.json", 23, 46, "error"),
    ("AKS109", "aso.yaml", 19, 9, "error"),
    ("AKS110", "arm-template.json", 23, 46, "error"),
    ("AKS110", "aso.yaml", 28, 18, "error"),
    ("AKS111", "arm-template.json", 29, 46, "error"),
    // Two peered VNets with the same address space: reported once, at the first.
    ("AKS111", "arm-peering.json", 16, 25, "error"),
    ("AKS111", "aso.yaml", 37, 18, "error"),
    ("AKS112", "arm-template.json", 16, 25, "warning"),
    ("AKS112", "aso.yaml", 19, 9, "warning"),
];

fn report(path: &str, rule: &str) -> (Option<i32>, serde_json::Value) {
    let o = akslint(&["check", path, "--format", "json", "--select", rule]);
    let v = serde_json::from_slice(&o.stdout).expect("json report");
    (o.status.code(), v)
}

#[test]
fn each_rule_fails_at_the_field() {
    for (rule, file, line, column, severity) in FAILING {
        let path = format!("fixtures/{rule}/fail/{file}");
        let (code, v) = report(&path, rule);
        let diags = v["diagnostics"].as_array().expect("diagnostics array");
        assert_eq!(diags.len(), 1, "{path}: {diags:#?}");
        let d = &diags[0];
        assert_eq!(d["code"], *rule, "{path}");
        assert_eq!(d["file"], path, "{path}");
        assert_eq!(d["severity"], *severity, "{path}");
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(*line), Some(*column)),
            "{path}"
        );
        // Warnings alone do not fail the run.
        assert_eq!(
            code,
            Some(if *severity == "error" { 1 } else { 0 }),
            "{path}"
        );
    }
}

#[test]
fn each_rule_passes() {
    // Every failing case has a passing twin of the same name.
    for (rule, file, ..) in FAILING {
        let path = format!("fixtures/{rule}/pass/{file}");
        let (code, v) = report(&path, rule);
        assert_eq!(v["diagnostics"], serde_json::json!([]), "{path}");
        assert_eq!(code, Some(0), "{path}");
        assert!(
            v["summary"]["resources"].as_u64().unwrap_or(0) >= 3,
            "{path}"
        );
    }
}

#[test]
fn every_rule_has_both_families() {
    for n in 1..=12 {
        let rule = format!("AKS1{n:02}");
        for family in FAMILIES {
            assert!(
                FAILING.iter().any(|f| f.0 == rule && f.1 == *family),
                "{rule} {family}"
            );
        }
    }
}

#[test]
fn human_output_of_failing_fixtures() {
    for (rule, file, ..) in FAILING {
        let path = format!("fixtures/{rule}/fail/{file}");
        let o = akslint(&["check", &path, "--select", rule]);
        let text = String::from_utf8_lossy(&o.stdout);
        // The elapsed time at the end of the summary line varies between runs.
        let text: Vec<String> = text
            .lines()
            .map(|l| match l.rfind(" in ") {
                Some(i) if l.ends_with(" ms") || l.ends_with(" s") => {
                    format!("{} in [elapsed]", &l[..i])
                }
                _ => l.to_string(),
            })
            .collect();
        let name = format!("{rule}_{}", file.replace(['.', '-', '/'], "_"));
        insta::assert_snapshot!(name, text.join("\n"));
    }
}
