//! The peer-parity rules of the shipped YAML pack (AKS701–AKS705) fail and pass
//! in two input families each — one ARM-shaped (ARM template, az CLI output or
//! Resource Graph) and one from Terraform or Kubernetes (plan, Crossplane, ASO).
//! Each case runs with `--select` on its own rule; the failing cases trigger
//! only their own rule and the passing cases no rule at all.

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

/// (rule, family inside fixtures/<rule>/fail, file of the primary span, line, column, severity, text at the span)
const FAILING: &[(&str, &str, &str, u64, u64, &str, &str)] = &[
    // `"networkPolicy": "none"`.
    (
        "AKS701",
        "arm-template.json",
        "arm-template.json",
        97,
        38,
        "warning",
        "\"none\"",
    ),
    // No networkPolicy at all: the cluster's name.
    (
        "AKS701",
        "crossplane",
        "crossplane/manifests.yaml",
        45,
        9,
        "warning",
        "aks-demo",
    ),
    // `"enableNodePublicIp": true` on the user pool `gameserver`.
    (
        "AKS702",
        "az-cli.json",
        "az-cli.json",
        38,
        31,
        "warning",
        "true",
    ),
    // `"node_public_ip_enabled": true` in the plan's planned values.
    (
        "AKS702",
        "terraform-plan",
        "terraform-plan/plan.json",
        366,
        39,
        "warning",
        "true",
    ),
    // `"enablePrivateCluster": false` in a Resource Graph row.
    (
        "AKS703",
        "resource-graph.json",
        "resource-graph.json",
        49,
        30,
        "info",
        "false",
    ),
    // No enablePrivateCluster: the cluster's name.
    (
        "AKS703",
        "aso",
        "aso/manifests.yaml",
        48,
        9,
        "info",
        "aks-demo",
    ),
    // `"httpApplicationRouting": { "enabled": true }`.
    (
        "AKS704",
        "arm-template.json",
        "arm-template.json",
        104,
        36,
        "warning",
        "true",
    ),
    // `"http_application_routing_enabled": true`.
    (
        "AKS704",
        "terraform-plan",
        "terraform-plan/plan.json",
        59,
        49,
        "warning",
        "true",
    ),
    // `192.168.10.4`: neither in 10.30.0.0/16 nor in the peered hub's 10.100.0.0/16.
    (
        "AKS705",
        "arm-template.json",
        "arm-template.json",
        64,
        25,
        "info",
        "\"192.168.10.4\"",
    ),
    // `172.16.0.53`: neither in 10.240.0.0/16 nor in the peered hub's 10.100.0.0/16.
    (
        "AKS705",
        "aso",
        "aso/manifests.yaml",
        33,
        9,
        "info",
        "172.16.0.53",
    ),
];

const RULES: &[&str] = &["AKS701", "AKS702", "AKS703", "AKS704", "AKS705"];

/// The text a diagnostic's primary span covers, when it is on one line.
fn span_text(d: &serde_json::Value) -> String {
    let (Some(file), Some(line), Some(col), Some(end_line), Some(end_col)) = (
        d["file"].as_str(),
        d["line"].as_u64(),
        d["column"].as_u64(),
        d["end_line"].as_u64(),
        d["end_column"].as_u64(),
    ) else {
        return String::new();
    };
    if line != end_line {
        return String::new();
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let chars: Vec<char> = text
        .lines()
        .nth(line as usize - 1)
        .unwrap_or("")
        .chars()
        .collect();
    chars
        .get(col as usize - 1..end_col as usize - 1)
        .map(|c| c.iter().collect())
        .unwrap_or_default()
}

#[test]
fn each_rule_fails_at_the_field() {
    for (rule, family, file, line, column, severity, text) in FAILING {
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
        assert_eq!(span_text(d), *text, "{path}: {d:#}");
        assert!(d["help"].as_str().is_some_and(|h| !h.is_empty()), "{path}");
        // Warnings and infos do not fail the run under the default `--fail-on error`.
        assert_eq!(o.status.code(), Some(0), "{path}");
    }
}

#[test]
fn failing_fixtures_trigger_only_their_own_rule() {
    for (rule, family, ..) in FAILING {
        let path = format!("fixtures/{rule}/fail/{family}");
        let (_, v) = report(&["check", &path, "--format", "json"]);
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
fn every_rule_fails_and_passes_in_two_families() {
    for rule in RULES {
        let families: Vec<&str> = FAILING
            .iter()
            .filter(|f| f.0 == *rule)
            .map(|f| f.1)
            .collect();
        assert_eq!(families.len(), 2, "{rule}");
        for family in families {
            let pass = format!("fixtures/{rule}/pass/{family}");
            assert!(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(&pass)
                    .exists(),
                "{pass}"
            );
            // Clean under every rule, not only its own.
            let (o, v) = report(&["check", &pass, "--format", "json"]);
            assert_eq!(v["diagnostics"], serde_json::json!([]), "{pass}");
            assert_eq!(o.status.code(), Some(0), "{pass}");
            assert!(
                v["summary"]["resources"].as_u64().unwrap_or(0) >= 3,
                "{pass}: not everything was read"
            );
        }
    }
}

#[test]
fn the_pack_rules_are_listed_and_explained() {
    let o = akslint(&["rules", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json rule list");
    let rules = v.as_array().expect("a list of rules");
    for rule in RULES {
        let r = rules
            .iter()
            .find(|r| r["code"] == *rule)
            .unwrap_or_else(|| panic!("{rule} is listed"));
        let explanation = r["explanation"].as_str().unwrap_or("");
        for section in [
            "## What it checks",
            "## Why it matters",
            "## How to fix",
            "## Example",
        ] {
            assert!(explanation.contains(section), "{rule}: {section}");
        }
        assert!(explanation.contains("F-"), "{rule} cites the facts sheet");
    }
}

/// `akslint check -` on an ARM template given on standard input, one rule selected:
/// the codes and lines of the findings.
fn findings_on_stdin(rule: &str, template: &str) -> Vec<(String, u64)> {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_akslint"))
        .args(["check", "-", "--format", "json", "--select", rule])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the akslint binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(template.as_bytes())
        .expect("stdin accepts the input");
    let o = child.wait_with_output().expect("akslint finishes");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
    v["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// A cluster resource in an ARM template; `network` and `api` are the bodies of
/// `networkProfile` and `apiServerAccessProfile` (line 12 and 13), `extra` more properties.
fn cluster(network: &str, api: &str, extra: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ "policy": {{ "type": "string" }} }},
  "resources": [
    {{
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-09-01",
      "name": "aks-edge",
      "properties": {{
        "kubernetesVersion": "1.31.5",
        "networkProfile": {{ {network} }},
        "apiServerAccessProfile": {{ {api} }},
        "agentPoolProfiles": [ {{ "name": "system", "mode": "System", "count": 3 }} ]{extra}
      }}
    }}
  ]
}}"#
    )
}

#[test]
fn network_policy_defaults_and_exemptions() {
    let case = |network: &str| findings_on_stdin("AKS701", &cluster(network, "", ""));
    // Left out on Azure CNI (the default plugin on 1.31): no engine, reported at the name.
    assert_eq!(case(""), vec![("AKS701".to_string(), 9)]);
    // Written `none`: reported at the value.
    assert_eq!(
        case(r#""networkPlugin": "azure", "networkPolicy": "none""#),
        vec![("AKS701".to_string(), 12)]
    );
    // kubenet without Calico has no engine either.
    assert_eq!(
        case(r#""networkPlugin": "kubenet""#),
        vec![("AKS701".to_string(), 9)]
    );
    // The Cilium data plane enforces policies; what AKS requires there is AKS201's business.
    assert!(case(r#""networkPlugin": "azure", "networkDataplane": "cilium""#).is_empty());
    // Bring-your-own CNI brings its own enforcement.
    assert!(case(r#""networkPlugin": "none""#).is_empty());
    // A parameter without a value: unknown, silent.
    assert!(
        case(r#""networkPlugin": "azure", "networkPolicy": "[parameters('policy')]""#).is_empty()
    );
    assert!(case(r#""networkPlugin": "azure", "networkPolicy": "calico""#).is_empty());
}

#[test]
fn private_cluster_defaults_to_public_and_unknown_stays_silent() {
    let case = |api: &str| findings_on_stdin("AKS703", &cluster("", api, ""));
    // Left out: a public API server, reported at the cluster's name.
    assert_eq!(case(""), vec![("AKS703".to_string(), 9)]);
    assert_eq!(
        case(r#""enablePrivateCluster": false"#),
        vec![("AKS703".to_string(), 13)]
    );
    assert!(case(r#""enablePrivateCluster": true"#).is_empty());
    assert!(case(r#""enablePrivateCluster": "[parameters('policy')]""#).is_empty());
}

#[test]
fn node_public_ips_and_http_application_routing_are_off_by_default() {
    let addon = r#",
        "addonProfiles": { "httpApplicationRouting": { "enabled": false } }"#;
    assert!(findings_on_stdin("AKS702", &cluster("", "", "")).is_empty());
    assert!(findings_on_stdin("AKS704", &cluster("", "", "")).is_empty());
    assert!(findings_on_stdin("AKS704", &cluster("", "", addon)).is_empty());
    let on = addon.replace("false", "true");
    assert_eq!(
        findings_on_stdin("AKS704", &cluster("", "", &on)),
        vec![("AKS704".to_string(), 15)]
    );
}

/// A VNet 10.30.0.0/16 in an ARM template with these DNS servers (line 11) and peerings.
fn vnet(dns: &str, peerings: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ "dns": {{ "type": "string" }} }},
  "resources": [
    {{
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2023-09-01",
      "name": "vnet-spoke",
      "properties": {{ "addressSpace": {{ "addressPrefixes": [ "10.30.0.0/16" ] }},
        "dhcpOptions": {{ "dnsServers": [ {dns} ] }},
        "virtualNetworkPeerings": [ {peerings} ] }}
    }}
  ]
}}"#
    )
}

const HUB_PEERING: &str = r#"{ "name": "to-hub", "properties": {
  "remoteVirtualNetwork": { "id": "/subscriptions/0/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub" },
  "remoteAddressSpace": { "addressPrefixes": [ "10.100.0.0/16" ] } } }"#;

#[test]
fn dns_servers_inside_the_vnet_its_peerings_or_azure_dns_pass() {
    let case = |dns: &str, peerings: &str| findings_on_stdin("AKS705", &vnet(dns, peerings));
    assert!(case("", "").is_empty(), "Azure DNS");
    assert!(case(r#""10.30.255.4""#, "").is_empty());
    assert!(case(r#""168.63.129.16""#, "").is_empty());
    assert!(case(r#""10.100.0.4""#, HUB_PEERING).is_empty());
    assert_eq!(
        case(r#""10.100.0.4""#, ""),
        vec![("AKS705".to_string(), 11)],
        "no peering to the hub"
    );
    assert_eq!(
        case(r#""10.30.255.4", "192.168.1.4""#, HUB_PEERING),
        vec![("AKS705".to_string(), 11)]
    );
    // A peering that does not state its remote space leaves the VNet unchecked.
    let unstated = HUB_PEERING.replace(
        r#""remoteAddressSpace": { "addressPrefixes": [ "10.100.0.0/16" ] }"#,
        r#""allowForwardedTraffic": true"#,
    );
    assert!(case(r#""192.168.1.4""#, &unstated).is_empty());
    // A server that is a parameter without a value: unknown, silent.
    assert!(case(r#""[parameters('dns')]""#, "").is_empty());
}
