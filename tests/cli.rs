//! The binary end to end: exit codes, formats, stdin, rules and explain.

use std::process::Output;

mod common;

use common::{akslint, akslint_stdin, json, stdout};

/// The first finding with this code.
fn by_code<'v>(v: &'v serde_json::Value, code: &str) -> &'v serde_json::Value {
    v["diagnostics"]
        .as_array()
        .and_then(|ds| ds.iter().find(|d| d["code"] == code))
        .unwrap_or_else(|| panic!("no {code} in {v:#}"))
}

#[test]
fn rules_lists_every_rule() {
    let o = akslint(&["rules"]);
    assert_eq!(o.status.code(), Some(0));
    insta::assert_snapshot!("rules_list", stdout(&o));
}

#[test]
fn explain_by_code_and_by_name() {
    let by_code = akslint(&["explain", "AKS004"]);
    assert_eq!(by_code.status.code(), Some(0));
    let text = stdout(&by_code);
    assert!(
        text.starts_with("AKS004 cni-subnet-too-small (error, ip-planning)"),
        "{text}"
    );
    assert!(text.contains("## How to fix"));
    assert!(text.contains("F-040"));
    let by_name = akslint(&["explain", "cni-subnet-too-small"]);
    assert_eq!(stdout(&by_name), text);
}

#[test]
fn explain_unknown_rule_exits_2() {
    let o = akslint(&["explain", "AKS999"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no rule"));
}

#[test]
fn bad_arguments_exit_2() {
    assert_eq!(
        akslint(&["check", "--format", "xml"]).status.code(),
        Some(2)
    );
    assert_eq!(
        akslint(&["check", "--fail-on", "sometimes"]).status.code(),
        Some(2)
    );
}

#[test]
fn missing_path_exits_2() {
    let o = akslint(&["check", "no/such/path.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no/such/path.json"));
}

#[test]
fn unrecognised_input_exits_2() {
    let o = akslint_stdin(&["check", "-"], r#"{"name": "not azure"}"#);
    assert_eq!(o.status.code(), Some(2));
}

const KUBENET_WINDOWS: &str = r#"{
  "id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
  "name": "aks1",
  "type": "Microsoft.ContainerService/managedClusters",
  "properties": {
    "kubernetesVersion": "1.31.2",
    "networkProfile": { "networkPlugin": "kubenet" },
    "agentPoolProfiles": [
      { "name": "sys", "count": 1, "osType": "Linux", "mode": "System" },
      { "name": "win", "count": 1, "osType": "Windows", "mode": "User" }
    ]
  }
}"#;

#[test]
fn stdin_json_report_has_the_documented_shape() {
    let o = akslint_stdin(&["check", "-", "--format", "json"], KUBENET_WINDOWS);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    // AKS601 also reports this public API server without authorized ranges.
    let d = by_code(&v, "AKS002");
    assert_eq!(d["code"], "AKS002");
    assert_eq!(d["name"], "windows-pool-on-kubenet");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "-");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(10), Some(46))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(10), Some(55))
    );
    assert_eq!(
        d["resource"],
        "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1/agentPools/win"
    );
    assert!(d["help"].as_str().is_some_and(|h| h.contains("azure")));
    let keys: Vec<&str> = d
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(keys.len(), 11);
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(v["summary"]["errors"], 1);
    // AKS205 (kubenet retirement), AKS601 (public API server) and AKS701 (no
    // network policy engine) warn too; AKS703 leaves the public API server to AKS601.
    assert_eq!(v["summary"]["warnings"], 3);
    assert_eq!(v["summary"]["infos"], 0);
}

#[test]
fn fail_on_controls_the_exit_code() {
    let o = akslint_stdin(&["check", "-", "--fail-on", "never"], KUBENET_WINDOWS);
    assert_eq!(o.status.code(), Some(0));
    let clean = KUBENET_WINDOWS.replace("kubenet", "azure");
    assert_eq!(
        akslint_stdin(&["check", "-"], &clean).status.code(),
        Some(0)
    );
}

#[test]
fn parse_errors_are_diagnostics_and_other_files_are_still_checked() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        "{\n  \"resources\": [\n    { \"type\": }\n  ]\n}\n",
    )
    .expect("write");
    let good = dir.path().join("cluster.json");
    std::fs::write(&good, KUBENET_WINDOWS).expect("write");
    let o = akslint(&[
        "check",
        dir.path().to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        vec!["parse-error", "AKS601", "AKS701", "AKS205", "AKS002"]
    );
    assert_eq!(v["diagnostics"][0]["line"], 3);
}

#[test]
fn human_output_for_stdin() {
    let o = akslint_stdin(&["check", "-"], KUBENET_WINDOWS);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let text = regex_lite_elapsed(&text);
    insta::assert_snapshot!("human_stdin_kubenet_windows", text);
}

/// The summary's elapsed time differs run to run.
fn regex_lite_elapsed(text: &str) -> String {
    text.lines()
        .map(|l| match l.rfind(" in ") {
            Some(i) if l.ends_with(" ms") || l.ends_with(" s") => {
                format!("{} in [elapsed]", &l[..i])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn codes_and_lines(o: &Output) -> Vec<(String, String, u64)> {
    json(o)["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["file"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_template_named_alone_gets_its_parameter_file() {
    let o = akslint(&[
        "check",
        "fixtures/AKS004/fail/param-pairing/azuredeploy.json",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        codes_and_lines(&o),
        vec![
            (
                "AKS004".to_string(),
                "fixtures/AKS004/fail/param-pairing/azuredeploy.json".to_string(),
                73
            ),
            // The cluster's public API server has no authorized ranges; the
            // cluster has no network policy engine (AKS701). AKS703 stays quiet: AKS601 says it.
            (
                "AKS601".to_string(),
                "fixtures/AKS004/fail/param-pairing/azuredeploy.json".to_string(),
                82
            ),
            (
                "AKS701".to_string(),
                "fixtures/AKS004/fail/param-pairing/azuredeploy.json".to_string(),
                82
            ),
            // The cluster's system-assigned identity is granted nothing on its subnet (AKS307).
            (
                "AKS307".to_string(),
                "fixtures/AKS004/fail/param-pairing/azuredeploy.json".to_string(),
                88
            )
        ]
    );
}

#[test]
fn explicit_parameters_override_the_paired_file() {
    let pass = "fixtures/AKS004/pass/param-pairing/azuredeploy.json";
    assert_eq!(akslint(&["check", pass]).status.code(), Some(0));
    let o = akslint(&[
        "check",
        pass,
        "--parameters",
        "fixtures/AKS004/fail/param-pairing/azuredeploy.parameters.json",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(codes_and_lines(&o)[0].0, "AKS004");
}

#[test]
fn inputs_in_several_files_link_by_resource_id() {
    // The cluster (az aks show) and the VNet (az network vnet show) are separate files.
    let o = akslint(&[
        "check",
        "fixtures/AKS001/fail/az-cli-yaml",
        "--format",
        "json",
    ]);
    assert_eq!(
        codes_and_lines(&o),
        vec![
            // The cluster's public API server has no authorized ranges; the
            // cluster has no network policy engine (AKS701). AKS703 stays quiet: AKS601 says it.
            (
                "AKS601".to_string(),
                "fixtures/AKS001/fail/az-cli-yaml/az-aks-show.yaml".to_string(),
                100
            ),
            (
                "AKS701".to_string(),
                "fixtures/AKS001/fail/az-cli-yaml/az-aks-show.yaml".to_string(),
                100
            ),
            (
                "AKS001".to_string(),
                "fixtures/AKS001/fail/az-cli-yaml/az-network-vnet-show.yaml".to_string(),
                30
            )
        ]
    );
    assert_eq!(json(&o)["summary"]["files"], 2);
}

#[test]
fn yaml_on_stdin_is_read() {
    let yaml = "id: /subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1\n\
                name: aks1\n\
                type: Microsoft.ContainerService/ManagedClusters\n\
                kubernetesVersion: 1.31.2\n\
                networkProfile:\n  networkPlugin: kubenet\n\
                agentPoolProfiles:\n- name: win\n  count: 1\n  osType: Windows\n";
    let o = akslint_stdin(&["check", "-", "--format", "json"], yaml);
    assert_eq!(
        codes_and_lines(&o),
        vec![
            ("AKS601".to_string(), "-".to_string(), 2),
            ("AKS701".to_string(), "-".to_string(), 2),
            ("AKS205".to_string(), "-".to_string(), 6),
            ("AKS002".to_string(), "-".to_string(), 10)
        ]
    );
}

#[test]
fn bom_crlf_comments_and_trailing_commas_are_tolerated() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let text = KUBENET_WINDOWS
        .replace(
            "\"name\": \"aks1\",",
            "\"name\": \"aks1\", // the cluster\n  /* block */",
        )
        .replace("\"mode\": \"User\" }", "\"mode\": \"User\", },")
        .replace('\n', "\r\n");
    let path = dir.path().join("cluster.txt");
    std::fs::write(&path, format!("\u{feff}{text}")).expect("write");
    let o = akslint(&[
        "check",
        path.to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    let v = json(&o);
    let d = by_code(&v, "AKS002");
    assert_eq!(d["code"], "AKS002", "{v:#}");
    // One line more than the plain text (the block comment's line); the column is unchanged by the BOM.
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(11), Some(46))
    );
}

#[test]
fn ids_built_by_a_template_meet_ids_written_out_literally() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "vnetName": { "type": "string", "defaultValue": "vnet-spoke" } },
  "variables": { "subnetName": "snet-nodes" },
  "resources": [
    {
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2023-09-01",
      "name": "[parameters('vnetName')]",
      "location": "[resourceGroup().location]",
      "properties": {
        "addressSpace": { "addressPrefixes": [ "10.240.0.0/16" ] },
        "subnets": [
          { "name": "[variables('subnetName')]", "properties": { "addressPrefix": "10.240.0.0/24" } }
        ]
      }
    }
  ]
}"#;
    let cluster = r#"{
  "id": "/subscriptions/5f1c0000-0000-0000-0000-000000000001/resourcegroups/RG-AKS/providers/Microsoft.ContainerService/managedClusters/aks1",
  "name": "aks1",
  "type": "Microsoft.ContainerService/ManagedClusters",
  "kubernetesVersion": "1.31.2",
  "networkProfile": { "networkPlugin": "azure" },
  "agentPoolProfiles": [
    { "name": "sys", "count": 3, "maxPods": 30, "osType": "Linux",
      "vnetSubnetId": "/subscriptions/5f1c0000-0000-0000-0000-000000000001/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/VNET-SPOKE/subnets/snet-nodes" }
  ]
}"#;
    std::fs::write(dir.path().join("network.json"), template).expect("write");
    std::fs::write(dir.path().join("aks-show.json"), cluster).expect("write");
    let o = akslint(&[
        "check",
        dir.path().to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    let v = json(&o);
    let found: Vec<(&str, u64)> = v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or(""),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    // The subnet of the template (no NSG, line 15) hosts the pool of the az output.
    // AKS601: the cluster of the az output has a public API server without authorized ranges
    // (AKS703 stays quiet: one fact, one finding); AKS701: it has no network policy engine.
    assert_eq!(found, vec![("AKS601", 3), ("AKS701", 3), ("AKS001", 15)]);
}

#[test]
fn threads_one_and_two_report_the_same_findings() {
    // Every fixture at once: many files, parsed and checked on the workers.
    let run = |n: &str| akslint(&["check", "--format", "json", "--threads", n, "fixtures"]);
    let (one, two) = (run("1"), run("2"));
    assert_eq!(one.status.code(), Some(1), "{}", stdout(&one));
    assert_eq!(stdout(&one), stdout(&two));
    let findings = json(&one);
    assert!(findings.to_string().contains("AKS001"), "{findings}");
}

#[test]
fn threads_zero_is_refused() {
    let out = akslint(&["check", "--threads", "0", "fixtures"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--threads"));
}
