//! The NSG rules AKS501–AKS504 on their fixtures (an ARM or az CLI input and an
//! ASO input each), and the `nsg-check` subcommand.

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

/// (rule, input inside fixtures/<rule>/fail, file of the primary span, line, column, severity)
const FAILING: &[(&str, &str, &str, u64, u64, &str)] = &[
    // `DenyVnetInBound`: VirtualNetwork → VirtualNetwork denied, node ↔ node cut.
    (
        "AKS501",
        "arm-template.json",
        "arm-template.json",
        45,
        33,
        "error",
    ),
    // `DenyLegacyDatacenterInBound`: 10.244.0.0/16 is the default overlay pod CIDR.
    ("AKS501", "aso", "aso/manifests.yaml", 57, 14, "error"),
    // `DenyInternetOutBound` on a public cluster: TCP 443 to the API server.
    (
        "AKS502",
        "arm-template.json",
        "arm-template.json",
        32,
        33,
        "error",
    ),
    // `DenySharedServicesOutBound` covers the VNet's DNS server 10.240.16.4.
    ("AKS502", "aso", "aso/manifests.yaml", 60, 14, "error"),
    // `AllowSSH` from `*`: no node public IPs, so a warning.
    (
        "AKS503",
        "arm-template.json",
        "arm-template.json",
        38,
        52,
        "warning",
    ),
    // `AllowRdpInBound` from `Internet` with enableNodePublicIP: an error.
    ("AKS503", "aso", "aso/manifests.yaml", 62, 24, "error"),
    // `allow-office-ssh` beside the rules the cloud provider writes.
    ("AKS504", "az-cli.json", "az-cli.json", 148, 15, "warning"),
    ("AKS504", "aso", "aso/manifests.yaml", 42, 14, "warning"),
];

fn report(path: &str, rule: &str) -> (Option<i32>, serde_json::Value) {
    let o = akslint(&["check", path, "--format", "json", "--select", rule]);
    let v = serde_json::from_slice(&o.stdout).expect("json report");
    (o.status.code(), v)
}

#[test]
fn each_nsg_rule_fails_at_the_rule_in_each_family() {
    for (rule, input, file, line, column, severity) in FAILING {
        let path = format!("fixtures/{rule}/fail/{input}");
        let (code, v) = report(&path, rule);
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
        assert_eq!(code, Some(expected_exit), "{path}");
    }
}

#[test]
fn each_nsg_rule_passes_in_each_family() {
    for (rule, input, ..) in FAILING {
        let path = format!("fixtures/{rule}/pass/{input}");
        let (code, v) = report(&path, rule);
        assert_eq!(v["diagnostics"], serde_json::json!([]), "{path}");
        assert_eq!(code, Some(0), "{path}");
        assert!(
            v["summary"]["resources"].as_u64().unwrap_or(0) >= 1,
            "{path}: nothing read"
        );
    }
}

#[test]
fn nsg_check_prints_the_verdict_and_the_deciding_rule() {
    let o = akslint(&[
        "nsg-check",
        "fixtures/AKS502/fail/arm-template.json",
        "--nsg",
        "NSG-AKS-DEMO-NODES",
        "--from",
        "10.240.0.0/22",
        "--to",
        "20.50.1.2",
        "--port",
        "443",
        "--protocol",
        "tcp",
        "--direction",
        "outbound",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("outbound tcp 10.240.0.0/22 → 20.50.1.2/32 port 443: deny"),
        "{text}"
    );
    assert!(
        text.contains(
            "deny  DenyInternetOutBound (priority 4000) at fixtures/AKS502/fail/arm-template.json:"
        ),
        "{text}"
    );

    // Both directions when none is given; inside the VNet the default rules allow.
    let o = akslint(&[
        "nsg-check",
        "fixtures/AKS502/fail/arm-template.json",
        "--nsg",
        "nsg-aks-demo-nodes",
        "--from",
        "10.240.0.4",
        "--to",
        "10.240.1.0/24",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(
        text.contains("inbound any 10.240.0.4/32 → 10.240.1.0/24 any port: allow"),
        "{text}"
    );
    assert!(
        text.contains("allow AllowVnetOutBound (default rule, priority 65000)"),
        "{text}"
    );
}

#[test]
fn nsg_check_lists_ambiguous_and_unknown_names() {
    let dir = std::env::temp_dir().join(format!("akslint-nsg-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for group in ["rg-a", "rg-b"] {
        let nsg = format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/{group}/providers/Microsoft.Network/networkSecurityGroups/nsg-nodes",
            "name":"nsg-nodes","type":"Microsoft.Network/networkSecurityGroups","properties":{{"securityRules":[]}}}}"#
        );
        std::fs::write(dir.join(format!("{group}.json")), nsg).expect("write");
    }
    let path = dir.to_string_lossy().to_string();
    let args = ["--from", "10.0.0.0/24", "--to", "10.0.1.0/24"];
    let o = akslint(&[&["nsg-check", &path, "--nsg", "nsg-nodes"], &args[..]].concat());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("2 NSGs are named `nsg-nodes`"), "{err}");
    assert!(err.contains("rg-a") && err.contains("rg-b"), "{err}");

    let o = akslint(&[&["nsg-check", &path, "--nsg", "nsg-other"], &args[..]].concat());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no NSG named `nsg-other`; NSGs in the inputs: nsg-nodes"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
