//! The egress and API server rules (AKS401–AKS404, AKS601–AKS602) fail and pass
//! in two input families each: an ARM template and Azure Service Operator v2
//! manifests (AKS401 and AKS601 also in a Terraform plan). Each case runs with `--select` on its own rule; the passing cases
//! are also clean under every other rule except the AKS7xx peer-parity rules:
//! these fixtures are public clusters without a network policy engine on
//! purpose (AKS601 is about public API servers), which AKS701 and AKS703 report.

/// The peer-parity rules, left out of the "every other rule" runs.
const PEER_PARITY: &str = "AKS7";

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

fn report(args: &[&str]) -> (Output, serde_json::Value) {
    let o = akslint(args);
    let v = serde_json::from_slice(&o.stdout).expect("json report");
    (o, v)
}

/// (rule, family inside fixtures/<rule>/fail, file of the primary span, line, column, severity)
const FAILING: &[(&str, &str, &str, u64, u64, &str)] = &[
    // `nextHopType: Internet` of the 0.0.0.0/0 route.
    (
        "AKS401",
        "arm-template.json",
        "arm-template.json",
        57,
        44,
        "error",
    ),
    // The route table's name: it has no 0.0.0.0/0 route and the cluster is public.
    ("AKS401", "aso", "aso/manifests.yaml", 22, 9, "error"),
    // A third family: `next_hop_type: Internet` in the plan's planned values.
    (
        "AKS401",
        "terraform-plan",
        "terraform-plan/plan.json",
        252,
        34,
        "error",
    ),
    // The pod subnet's name: it has no NAT gateway.
    (
        "AKS402",
        "arm-template.json",
        "arm-template.json",
        99,
        33,
        "error",
    ),
    // `outboundType: managedNATGateway` with a pool in a subnet of our own.
    ("AKS402", "aso", "aso/manifests.yaml", 60, 19, "error"),
    // `loadBalancerSku: Basic`.
    (
        "AKS403",
        "arm-template.json",
        "arm-template.json",
        95,
        40,
        "error",
    ),
    // The pool's `type: AvailabilitySet`.
    ("AKS403", "aso", "aso/manifests.yaml", 69, 13, "error"),
    // `allocatedOutboundPorts: 8000`: (10 + 1) × 8,000 = 88,000 > 64,000 × 1.
    (
        "AKS404",
        "arm-template.json",
        "arm-template.json",
        104,
        51,
        "error",
    ),
    // `maxCount: 60`: 3 nodes get 1,024 ports each, 61 nodes only 512.
    ("AKS404", "aso", "aso/manifests.yaml", 75, 17, "warning"),
    // `0.0.0.0/0` among the authorized ranges.
    (
        "AKS601",
        "arm-template.json",
        "arm-template.json",
        102,
        25,
        "warning",
    ),
    // The cluster's name: no apiServerAccessProfile at all.
    ("AKS601", "aso", "aso/manifests.yaml", 47, 9, "warning"),
    // A third family: the plan states `private_cluster_enabled = false` and no allow-list.
    (
        "AKS601",
        "terraform-plan",
        "terraform-plan/plan.json",
        100,
        40,
        "warning",
    ),
    // `137.117.106.90/29`: host bits set.
    (
        "AKS602",
        "arm-template.json",
        "arm-template.json",
        102,
        25,
        "error",
    ),
    // The first authorized range of a private cluster.
    ("AKS602", "aso", "aso/manifests.yaml", 63, 9, "error"),
];

const RULES: &[&str] = &["AKS401", "AKS402", "AKS403", "AKS404", "AKS601", "AKS602"];

/// Every rule has these two; AKS401 and AKS601 also have `terraform-plan`.
const FAMILIES: &[&str] = &["arm-template.json", "aso"];

#[test]
fn the_terraform_plans_pass() {
    for rule in ["AKS401", "AKS601"] {
        let pass = format!("fixtures/{rule}/pass/terraform-plan");
        let (o, v) = report(&["check", &pass, "--format", "json", "--ignore", PEER_PARITY]);
        assert_eq!(v["diagnostics"], serde_json::json!([]), "{pass}");
        assert_eq!(o.status.code(), Some(0), "{pass}");
    }
}

#[test]
fn each_rule_fails_at_the_field() {
    for (rule, family, file, line, column, severity) in FAILING {
        let path = format!("fixtures/{rule}/fail/{family}");
        let (o, v) = report(&["check", &path, "--format", "json", "--select", rule]);
        let diags = v["diagnostics"].as_array().expect("diagnostics array");
        assert_eq!(diags.len(), 1, "{path}: {diags:#?}");
        let d = &diags[0];
        assert_eq!(d["code"], *rule, "{path}");
        assert_eq!(d["severity"], *severity, "{path}");
        assert_eq!(d["file"], format!("fixtures/{rule}/fail/{file}"), "{path}");
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(*line), Some(*column)),
            "{path}: {d:#}"
        );
        let expected_exit = if *severity == "error" { 1 } else { 0 };
        assert_eq!(o.status.code(), Some(expected_exit), "{path}");
    }
}

#[test]
fn failing_fixtures_trigger_only_their_own_rule() {
    for (rule, family, ..) in FAILING {
        let path = format!("fixtures/{rule}/fail/{family}");
        let (_, v) = report(&["check", &path, "--format", "json", "--ignore", PEER_PARITY]);
        let codes: Vec<&str> = v["diagnostics"]
            .as_array()
            .expect("diagnostics array")
            .iter()
            .filter_map(|d| d["code"].as_str())
            .collect();
        assert_eq!(codes, vec![*rule], "{path}");
    }
}

#[test]
fn every_rule_fails_and_passes_in_both_families() {
    for rule in RULES {
        for family in FAMILIES {
            assert!(
                FAILING.iter().any(|f| f.0 == *rule && f.1 == *family),
                "{rule} {family}"
            );
            let pass = format!("fixtures/{rule}/pass/{family}");
            assert!(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(&pass)
                    .exists(),
                "{pass}"
            );
            // Clean under every rule, not only its own.
            let (o, v) = report(&["check", &pass, "--format", "json", "--ignore", PEER_PARITY]);
            assert_eq!(v["diagnostics"], serde_json::json!([]), "{pass}");
            assert_eq!(o.status.code(), Some(0), "{pass}");
            assert!(
                v["summary"]["resources"].as_u64().unwrap_or(0) >= 4,
                "{pass}: not everything was read"
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
