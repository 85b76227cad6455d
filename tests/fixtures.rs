//! Every rule fails and passes in every input family: the finding's code, its
//! primary line and column, and a snapshot of the human output. Each case runs
//! with `--select` on its own rule, so other rules' findings on the same input
//! do not disturb it.

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

/// (rule, input family inside fixtures/<rule>/fail, file of the primary span, line, column)
const FAILING: &[(&str, &str, &str, u64, u64)] = &[
    ("AKS001", "arm-template.json", "arm-template.json", 65, 33),
    // The subnets arrive as one array parameter, so the subnet's name is only in the parameter file.
    (
        "AKS001",
        "param-pairing",
        "param-pairing/azuredeploy.parameters.json",
        8,
        29,
    ),
    ("AKS001", "az-cli.json", "az-cli.json", 159, 17),
    (
        "AKS001",
        "az-cli-yaml",
        "az-cli-yaml/az-network-vnet-show.yaml",
        30,
        9,
    ),
    (
        "AKS001",
        "resource-graph.json",
        "resource-graph.json",
        147,
        21,
    ),
    ("AKS002", "arm-template.json", "arm-template.json", 106, 35),
    (
        "AKS002",
        "param-pairing",
        "param-pairing/azuredeploy.json",
        90,
        27,
    ),
    ("AKS002", "az-cli.json", "az-cli.json", 70, 19),
    (
        "AKS002",
        "az-cli-yaml",
        "az-cli-yaml/az-aks-show.yaml",
        62,
        11,
    ),
    (
        "AKS002",
        "resource-graph.json",
        "resource-graph.json",
        65,
        23,
    ),
    ("AKS003", "arm-template.json", "arm-template.json", 56, 37),
    (
        "AKS003",
        "param-pairing",
        "param-pairing/azuredeploy.json",
        64,
        37,
    ),
    (
        "AKS003",
        "az-cli",
        "az-cli/az-network-route-table-show.json",
        45,
        24,
    ),
    (
        "AKS003",
        "az-cli-yaml",
        "az-cli-yaml/az-network-vnet-show.yaml",
        34,
        9,
    ),
    (
        "AKS003",
        "resource-graph.json",
        "resource-graph.json",
        161,
        30,
    ),
    ("AKS004", "arm-template.json", "arm-template.json", 63, 46),
    (
        "AKS004",
        "param-pairing",
        "param-pairing/azuredeploy.json",
        73,
        34,
    ),
    ("AKS004", "az-cli.json", "az-cli.json", 196, 26),
    (
        "AKS004",
        "az-cli-yaml",
        "az-cli-yaml/az-network-vnet-show.yaml",
        13,
        18,
    ),
    (
        "AKS004",
        "resource-graph.json",
        "resource-graph.json",
        134,
        32,
    ),
];

const FAMILIES: &[&str] = &[
    "arm-template.json",
    "param-pairing",
    "az-cli",
    "az-cli.json",
    "az-cli-yaml",
    "resource-graph.json",
];

fn families(rule: &str, outcome: &str) -> Vec<String> {
    FAMILIES
        .iter()
        .map(|f| format!("fixtures/{rule}/{outcome}/{f}"))
        .filter(|p| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(p)
                .exists()
        })
        .collect()
}

#[test]
fn each_rule_fails_in_each_family_at_the_field() {
    for (rule, family, file, line, column) in FAILING {
        let path = format!("fixtures/{rule}/fail/{family}");
        let o = akslint(&["check", &path, "--format", "json", "--select", rule]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{path}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
        let diags = v["diagnostics"].as_array().expect("diagnostics array");
        assert_eq!(diags.len(), 1, "{path}: {diags:#?}");
        let d = &diags[0];
        assert_eq!(d["code"], *rule, "{path}");
        assert_eq!(d["file"], format!("fixtures/{rule}/fail/{file}"), "{path}");
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(*line), Some(*column)),
            "{path}: {d:#}"
        );
    }
}

#[test]
fn every_rule_has_a_failing_fixture_in_every_family() {
    for rule in ["AKS001", "AKS002", "AKS003", "AKS004"] {
        let n = FAILING.iter().filter(|f| f.0 == rule).count();
        assert_eq!(n, 5, "{rule}");
        assert_eq!(families(rule, "fail").len(), 5, "{rule}");
        assert_eq!(families(rule, "pass").len(), 5, "{rule}");
    }
}

#[test]
fn each_rule_passes_in_each_family() {
    for rule in ["AKS001", "AKS002", "AKS003", "AKS004"] {
        for path in families(rule, "pass") {
            let o = akslint(&["check", &path, "--format", "json", "--select", rule]);
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
            assert_eq!(v["diagnostics"], serde_json::json!([]), "{path}");
            assert_eq!(o.status.code(), Some(0), "{path}");
            assert!(
                v["summary"]["resources"].as_u64().unwrap_or(0) >= 1,
                "{path}: nothing read"
            );
        }
    }
}

#[test]
fn human_output_of_failing_fixtures() {
    for (rule, family, ..) in FAILING {
        let path = format!("fixtures/{rule}/fail/{family}");
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
        let name = format!("{rule}_{}", family.replace(['.', '-', '/'], "_"));
        insta::assert_snapshot!(name, text.join("\n"));
    }
}

/// Families laid out as fixtures/<family>/<rule>/{fail,pass}/: (family, rule, file of
/// the primary span inside fail/, line, column).
const FAILING_BY_FAMILY: &[(&str, &str, &str, u64, u64)] = &[
    ("terraform-plan", "AKS001", "plan.json", 219, 25),
    ("terraform-plan", "AKS002", "plan.json", 184, 24),
    ("terraform-plan", "AKS003", "plan.json", 92, 34),
    ("terraform-plan", "AKS004", "plan.json", 229, 15),
    ("aso", "AKS001", "manifests.yaml", 32, 14),
    ("aso", "AKS002", "manifests.yaml", 48, 11),
    ("aso", "AKS003", "manifests.yaml", 25, 19),
    ("aso", "AKS004", "manifests.yaml", 39, 18),
    ("crossplane", "AKS001", "manifests.yaml", 31, 9),
    ("crossplane", "AKS002", "manifests.yaml", 54, 13),
    ("crossplane", "AKS003", "manifests.yaml", 32, 21),
    ("crossplane", "AKS004", "manifests.yaml", 34, 9),
    ("terraform-hcl", "AKS001", "modules/network/main.tf", 9, 26),
    ("terraform-hcl", "AKS002", "main.tf", 93, 27),
    ("terraform-hcl", "AKS003", "main.tf", 51, 27),
    ("terraform-hcl", "AKS004", "main.tf", 40, 27),
    ("terraform-json", "AKS001", "main.tf.json", 56, 17),
    ("terraform-json", "AKS002", "main.tf.json", 114, 20),
    ("terraform-json", "AKS003", "main.tf.json", 67, 28),
    ("terraform-json", "AKS004", "main.tf.json", 68, 11),
    ("terraform-yaml", "AKS001", "main.yaml", 40, 13),
    ("terraform-yaml", "AKS002", "main.yaml", 83, 16),
    ("terraform-yaml", "AKS003", "main.yaml", 51, 24),
    ("terraform-yaml", "AKS004", "main.yaml", 50, 11),
];

#[test]
fn other_families_fail_at_the_field_and_pass() {
    for (family, rule, file, line, column) in FAILING_BY_FAMILY {
        let path = format!("fixtures/{family}/{rule}/fail");
        let o = akslint(&["check", &path, "--format", "json", "--select", rule]);
        assert_eq!(o.status.code(), Some(1), "{path}");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
        let diags = v["diagnostics"].as_array().expect("diagnostics array");
        assert_eq!(diags.len(), 1, "{path}: {diags:#?}");
        let d = &diags[0];
        assert_eq!(d["code"], *rule, "{path}");
        assert_eq!(d["file"], format!("{path}/{file}"), "{path}");
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(*line), Some(*column)),
            "{path}"
        );
        let pass = format!("fixtures/{family}/{rule}/pass");
        let o = akslint(&["check", &pass, "--format", "json", "--select", rule]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
        assert_eq!(v["diagnostics"], serde_json::json!([]), "{pass}");
        assert_eq!(o.status.code(), Some(0), "{pass}");
        assert!(
            v["summary"]["resources"].as_u64().unwrap_or(0) >= 1,
            "{pass}: nothing read"
        );
    }
}
