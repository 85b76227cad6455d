//! Guards against steps that grow faster than the input. Speed is measured in
//! benchmarks (docs/performance.md), not here: these bounds are 10–30× what the
//! linear code takes even in a debug build on a loaded 2-core runner, and far
//! below what a per-pair step takes at this size (the all-pairs subnet overlap
//! check took over 60 s on 65,000 subnets in a release build).

mod common;

use std::time::{Duration, Instant};

use common::{akslint_in, stderr};

/// A VNet as `az network vnet show` prints it, with `n` /28 subnets.
fn vnet_with_subnets(n: usize) -> String {
    let subnets: Vec<String> = (0..n)
        .map(|i| {
            let (a, b, c) = (i / 4096, (i / 16) % 256, (i % 16) * 16);
            format!(r#"{{"name":"s{i}","properties":{{"addressPrefix":"10.{a}.{b}.{c}/28"}}}}"#)
        })
        .collect();
    format!(
        r#"{{"name":"v","type":"Microsoft.Network/virtualNetworks",
"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
"properties":{{"addressSpace":{{"addressPrefixes":["10.0.0.0/8"]}},"subnets":[{}]}}}}"#,
        subnets.join(",\n")
    )
}

#[test]
fn sixty_thousand_subnets_in_one_vnet_are_checked_without_a_per_pair_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = vnet_with_subnets(60_000);
    std::fs::write(dir.path().join("vnet.json"), &text).unwrap();
    let started = Instant::now();
    let out = akslint_in(dir.path(), &["check", "--format", "json", "vnet.json"]);
    let took = started.elapsed();
    // Disjoint subnets, no cluster: nothing to report.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(took < Duration::from_secs(30), "took {took:?}");

    // The same shape with one overlap at the end is still found, at its line
    // (subnet i is on line 3 + i; the prefix value starts at column 48).
    text = text.replace(
        r#""name":"s59999","properties":{"addressPrefix":"10.14.165.240/28"}"#,
        r#""name":"s59999","properties":{"addressPrefix":"10.0.0.0/28"}"#,
    );
    std::fs::write(dir.path().join("vnet.json"), &text).unwrap();
    let out = akslint_in(dir.path(), &["check", "--format", "json", "vnet.json"]);
    let found = common::locations(&out);
    assert_eq!(
        found,
        vec![("AKS111".to_string(), "vnet.json".to_string(), 60_002, 48)],
        "{}",
        stderr(&out)
    );
}

/// `n` VNet → subnet → cluster chains in one Terraform file; each subnet
/// named by `subnet_name` from the chain's number.
fn terraform_chains(n: usize, subnet_name: fn(usize) -> String) -> String {
    (0..n)
        .map(|i| {
            let subnet = subnet_name(i);
            format!(
                r#"resource "azurerm_virtual_network" "v{i}" {{
  name                = "vnet-{i}"
  location            = "westeurope"
  resource_group_name = "rg"
  address_space       = ["10.{a}.0.0/16"]
}}
resource "azurerm_subnet" "s{i}" {{
  name                 = "{subnet}"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v{i}.name
  address_prefixes     = ["10.{a}.0.0/24"]
}}
resource "azurerm_kubernetes_cluster" "c{i}" {{
  name                = "aks-{i}"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "aks{i}"
  default_node_pool {{
    name           = "system"
    vm_size        = "Standard_D4s_v5"
    node_count     = 3
    vnet_subnet_id = azurerm_subnet.s{i}.id
  }}
  network_profile {{
    network_plugin = "azure"
  }}
}}
"#,
                a = i % 250
            )
        })
        .collect()
}

/// Checks 6,000 chains (subnets named by `subnet_name`) for AKS001 within
/// 40 s. Every cluster's subnet is linked, so each gets its AKS001 (no NSG)
/// at the subnet's name: chain i starts on line 27 i + 1, its subnet's `name`
/// value is on line 27 i + 8, column 26.
fn six_thousand_chains_are_linked(subnet_name: fn(usize) -> String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        terraform_chains(6_000, subnet_name),
    )
    .unwrap();
    let started = Instant::now();
    let out = akslint_in(
        dir.path(),
        &["check", "--format", "json", "--select", "AKS001", "."],
    );
    let took = started.elapsed();
    let found = common::locations(&out);
    assert_eq!(found.len(), 6_000, "{}", stderr(&out));
    for i in [0, 1, 5_999] {
        let line = 27 * i as u64 + 8;
        assert_eq!(
            found[i],
            ("AKS001".to_string(), "main.tf".to_string(), line, 26)
        );
    }
    assert!(took < Duration::from_secs(40), "took {took:?}");
}

#[test]
fn six_thousand_terraform_clusters_link_without_a_scan_per_reference() {
    // Terraform ids hold placeholders (`{subscriptionId}`); each pool's subnet
    // reference was once matched against every subnet: 30 s in a release build.
    six_thousand_chains_are_linked(|i| format!("snet-{i}"));
}

#[test]
fn subnets_that_share_a_name_across_vnets_link_without_a_scan_per_reference() {
    // Many VNets each with a subnet called `nodes`, as real estates name them:
    // the id index once bucketed placeholder ids by their last segment only,
    // so every reference was matched against every `nodes` subnet (5,000
    // clusters: 8.3 s in a release build, 65.7 s for this test in a debug
    // build; now 0.35 s and 3.1 s).
    six_thousand_chains_are_linked(|_| "nodes".to_string());
}

#[path = "../benches/gen/mod.rs"]
mod gen;

/// A Resource Graph export (`{"count", "data": [rows]}`) and an `az … list`
/// array are ingested row by row as they are read, so the tree of the whole
/// file is never held: its peak is the text, the model and the findings.
/// At 20 MB, reading whole took 9.0× (Resource Graph) and 10.1× (`az`) the
/// input in a release build; streamed, 6.3× and 6.7× (6.5× and 6.4× in a
/// debug build). The bound sits between, so holding the tree again fails it.
#[test]
fn exports_are_read_row_by_row_not_held_whole() {
    for (family, clusters) in [(gen::Family::Graph, 3_500), (gen::Family::AzCli, 3_500)] {
        let dir = tempfile::tempdir().unwrap();
        gen::write_estate(dir.path(), family, clusters, clusters, 7).unwrap();
        let file = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .next()
            .unwrap();
        let size = std::fs::metadata(&file).unwrap().len();
        let name = file.file_name().unwrap().to_str().unwrap();
        let (code, peak) = common::peak_memory_in(dir.path(), &[name, "--format", "json"]);
        assert_eq!(code, 1, "{family:?}: the estate has planted findings");
        let ratio = peak as f64 / size as f64;
        assert!(
            ratio <= 7.5,
            "{family:?}, {:.1} MB: peak {:.1} MB, {ratio:.1}× the input",
            size as f64 / 1e6,
            peak as f64 / 1e6
        );
    }
}
