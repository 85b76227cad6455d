//! AKS201–AKS207 and AKS301–AKS304 fail and pass in two input families: az CLI
//! JSON (`az aks show` + `az network vnet show` output in one array) and Azure
//! Service Operator v2 manifests. Each case selects the rule under test.

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

/// (rule, file inside fixtures/<rule>/fail, severity, line, column, text at the primary span)
const FAILING: &[(&str, &str, &str, u64, u64, &str)] = &[
    ("AKS201", "az-cli.json", "error", 55, 24, "\"calico\""),
    ("AKS201", "aso.yaml", "error", 65, 20, "azure"),
    ("AKS202", "az-cli.json", "error", 43, 17, "\"npwindows\""),
    ("AKS202", "aso.yaml", "error", 88, 14, "userPoolBatch"),
    ("AKS203", "az-cli.json", "error", 47, 19, "\"Windows\""),
    ("AKS203", "aso.yaml", "error", 99, 11, "Windows"),
    ("AKS204", "az-cli.json", "error", 9, 20, "true"),
    ("AKS204", "aso.yaml", "error", 86, 21, "snet-aks-nodes"),
    ("AKS205", "az-cli.json", "warning", 53, 24, "\"kubenet\""),
    ("AKS205", "aso.yaml", "warning", 60, 22, "1.29.9"),
    ("AKS206", "az-cli.json", "error", 13, 20, "300"),
    ("AKS206", "aso.yaml", "warning", 91, 12, "10"),
    ("AKS207", "az-cli.json", "error", 43, 17, "\"user\""),
    ("AKS207", "aso.yaml", "error", 98, 15, ""),
    (
        "AKS301",
        "az-cli.json",
        "error",
        97,
        28,
        "\"Microsoft.Web/serverFarms\"",
    ),
    (
        "AKS301",
        "aso.yaml",
        "error",
        67,
        20,
        "Microsoft.ContainerInstance/containerGroups",
    ),
    ("AKS302", "az-cli.json", "error", 58, 25, ""),
    ("AKS302", "aso.yaml", "error", 125, 15, ""),
    ("AKS303", "az-cli.json", "error", 105, 25, ""),
    ("AKS303", "aso.yaml", "error", 84, 13, ""),
    (
        "AKS304",
        "az-cli.json",
        "error",
        111,
        26,
        "\"10.240.4.0/29\"",
    ),
    ("AKS304", "aso.yaml", "error", 59, 18, "10.240.4.0/28"),
];

/// The text a report's primary span covers, read back from the file.
fn primary_text(path: &str, d: &serde_json::Value) -> String {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .expect("fixture");
    let (line, col, end_line, end_col) = (
        d["line"].as_u64().unwrap_or(0) as usize,
        d["column"].as_u64().unwrap_or(0) as usize,
        d["end_line"].as_u64().unwrap_or(0) as usize,
        d["end_column"].as_u64().unwrap_or(0) as usize,
    );
    if line != end_line {
        return String::new();
    }
    let l: Vec<char> = text.lines().nth(line - 1).unwrap_or("").chars().collect();
    l.get(col - 1..end_col - 1)
        .map(|c| c.iter().collect())
        .unwrap_or_default()
}

#[test]
fn each_rule_fails_in_both_families_at_the_field() {
    for (rule, file, severity, line, column, text) in FAILING {
        let path = format!("fixtures/{rule}/fail/{file}");
        let o = akslint(&["check", &path, "--format", "json", "--select", rule]);
        // Only errors fail the run by default (`--fail-on error`).
        let expected = if *severity == "error" { 1 } else { 0 };
        assert_eq!(
            o.status.code(),
            Some(expected),
            "{path}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
        let diags = v["diagnostics"].as_array().expect("diagnostics array");
        assert_eq!(diags.len(), 1, "{path}: {diags:#?}");
        let d = &diags[0];
        assert_eq!(d["code"], *rule, "{path}");
        assert_eq!(d["severity"], *severity, "{path}");
        assert_eq!(d["file"], path, "{path}");
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(*line), Some(*column)),
            "{path}: {d:#}"
        );
        if !text.is_empty() {
            assert_eq!(primary_text(&path, d), *text, "{path}");
        }
        assert!(
            d["help"].as_str().is_some_and(|h| h.contains("F-")),
            "{path}"
        );
    }
}

#[test]
fn each_rule_passes_in_both_families() {
    for (rule, file, ..) in FAILING {
        let path = format!("fixtures/{rule}/pass/{file}");
        let o = akslint(&["check", &path, "--format", "json", "--select", rule]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
        assert_eq!(v["diagnostics"], serde_json::json!([]), "{path}");
        assert_eq!(o.status.code(), Some(0), "{path}");
        assert!(
            v["summary"]["resources"].as_u64().unwrap_or(0) >= 2,
            "{path}: nothing read"
        );
    }
}

#[test]
fn human_output_of_failing_fixtures() {
    for (rule, file, ..) in FAILING {
        let path = format!("fixtures/{rule}/fail/{file}");
        let o = akslint(&["check", &path, "--select", rule]);
        let text = String::from_utf8_lossy(&o.stdout);
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
