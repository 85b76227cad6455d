//! The peer-parity rules of the shipped YAML pack (AKS701–AKS705) fail and pass
//! in two input families each — one ARM-shaped (ARM template, az CLI output or
//! Resource Graph) and one from Terraform or Kubernetes (plan, Crossplane, ASO).
//! The fixture harness (tests/fixtures.rs) checks each rule on its fixtures;
//! here, with every rule on, the failing cases trigger only their own rule and
//! the passing cases no rule at all, and the rules' edge cases run on stdin.

mod common;

/// `(code, fixtures/<code>/<outcome>/<family>)` of every rule of the pack (AKS7xx).
fn fixtures(outcome: &str) -> Vec<(String, String)> {
    pack_rules()
        .into_iter()
        .flat_map(|code| {
            common::fixture_entries(&code, outcome)
                .into_iter()
                .map(move |path| (code.clone(), path))
        })
        .collect()
}

/// AKS307: the pack's fixtures create clusters with a system-assigned identity in
/// their own subnet and grant it nothing, which AKS307 warns about.
const IDENTITY_RIGHTS: &str = "AKS307";

fn pack_rules() -> Vec<String> {
    common::rule_codes()
        .into_iter()
        .filter(|c| c.starts_with("AKS7"))
        .collect()
}

#[test]
fn failing_fixtures_trigger_only_their_own_rule() {
    let failing = fixtures("fail");
    assert!(failing.len() >= 10, "{failing:?}");
    for (rule, path) in failing {
        let o = common::akslint(&[
            "check",
            &path,
            "--format",
            "json",
            "--ignore",
            IDENTITY_RIGHTS,
        ]);
        assert_eq!(common::codes(&o), vec![rule], "{path}");
        // Warnings and infos do not fail the run under the default `--fail-on error`;
        // errors (AKS704) do.
        let errors = common::json(&o)["summary"]["errors"].as_u64();
        let want = if errors > Some(0) { 1 } else { 0 };
        assert_eq!(o.status.code(), Some(want), "{path}");
    }
}

#[test]
fn passing_fixtures_are_clean_under_every_rule() {
    let passing = fixtures("pass");
    assert!(passing.len() >= 10, "{passing:?}");
    for (_, path) in passing {
        let o = common::akslint(&[
            "check",
            &path,
            "--format",
            "json",
            "--ignore",
            IDENTITY_RIGHTS,
        ]);
        assert_eq!(common::codes(&o), Vec::<String>::new(), "{path}");
        assert_eq!(o.status.code(), Some(0), "{path}");
        let read = common::json(&o)["summary"]["resources"].as_u64();
        assert!(read >= Some(3), "{path}: not everything was read");
    }
}

#[test]
fn the_pack_rules_are_listed_and_explained() {
    let v = common::json(&common::akslint(&["rules", "--format", "json"]));
    let rules = v.as_array().expect("a list of rules");
    let pack = pack_rules();
    assert!(pack.len() >= 5, "{pack:?}");
    for rule in &pack {
        let r = rules
            .iter()
            .find(|r| r["code"] == rule.as_str())
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
    let o = common::akslint_stdin(
        &["check", "-", "--format", "json", "--select", rule],
        template,
    );
    common::diagnostics(&o)
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
    let ranges = r#""authorizedIPRanges": ["203.0.113.0/24"]"#;
    // Left out: a public API server, reported at the cluster's name.
    assert_eq!(case(ranges), vec![("AKS703".to_string(), 9)]);
    assert_eq!(
        case(&format!(r#""enablePrivateCluster": false, {ranges}"#)),
        vec![("AKS703".to_string(), 13)]
    );
    // Without ranges (or with 0.0.0.0/0) AKS601 says it: one fact, one finding.
    assert!(case("").is_empty());
    assert!(case(r#""authorizedIPRanges": ["0.0.0.0/0"]"#).is_empty());
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
