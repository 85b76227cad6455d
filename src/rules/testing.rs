//! Helpers for rule unit tests: inputs in Azure's resource shape, run one rule.

use crate::diagnostic::Diagnostic;
use crate::ingest::{classify, ingest_document};
use crate::model::InventoryBuilder;
use crate::source::SourceMap;
use crate::syntax::json;

use super::{run, Rule, Thresholds};

/// Runs one rule over JSON documents (resources, lists, Resource Graph output).
pub fn check(rule: &'static dyn Rule, docs: &[&str]) -> (SourceMap, Vec<Diagnostic>) {
    check_with(rule, docs, &Thresholds::default())
}

/// As [`check`], with thresholds from a configuration.
pub fn check_with(
    rule: &'static dyn Rule,
    docs: &[&str],
    thresholds: &Thresholds,
) -> (SourceMap, Vec<Diagnostic>) {
    let mut sources = SourceMap::default();
    let mut b = InventoryBuilder::default();
    for (i, text) in docs.iter().enumerate() {
        let id = sources.add(format!("doc{i}.json"), text.to_string());
        let node = json::parse(id, text).expect("test input is valid JSON");
        let n = ingest_document(&mut b, &node, classify(&node));
        assert!(n > 0, "test input {i} holds no resource");
    }
    let inv = b.finish();
    let diags = run(&inv, &[rule], thresholds);
    (sources, diags)
}

/// The text the primary span of a diagnostic covers.
pub fn primary_text<'a>(sources: &'a SourceMap, d: &Diagnostic) -> &'a str {
    sources.get(d.primary.span.file).slice(d.primary.span)
}

pub const SUB: &str =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers";

/// The rules the ingest tests' inputs were written for (AKS001–AKS004). Most of
/// those inputs are public clusters without authorized IP ranges, which AKS601
/// reports, and they say nothing about egress; their own fixtures cover the later rules.
pub fn first_catalogue() -> Vec<&'static dyn Rule> {
    super::all()
        .into_iter()
        .filter(|r| r.meta().code.starts_with("AKS00"))
        .collect()
}

/// A VNet resource in `rg-net` with its address spaces and inline subnets `(name, prefix)`.
pub fn vnet(name: &str, spaces: &[&str], subnets: &[(&str, &str)]) -> String {
    let spaces: Vec<String> = spaces.iter().map(|s| format!("\"{s}\"")).collect();
    let subnets: Vec<String> = subnets
        .iter()
        .map(|(n, p)| format!(r#"{{"name":"{n}","properties":{{"addressPrefix":"{p}"}}}}"#))
        .collect();
    format!(
        r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/{name}","name":"{name}",
        "type":"Microsoft.Network/virtualNetworks","properties":{{"addressSpace":{{"addressPrefixes":[{}]}},
        "subnets":[{}]}}}}"#,
        spaces.join(","),
        subnets.join(",")
    )
}

/// A managed cluster `aks1` with a network profile and inline pools.
pub fn cluster(network: &str, pools: &[String]) -> String {
    format!(
        r#"{{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
        "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
        "properties":{{"kubernetesVersion":"1.33.0","networkProfile":{network},"agentPoolProfiles":[{}]}}}}"#,
        pools.join(",")
    )
}

/// A pool in subnet `vnet/subnet` with extra properties (`,"count":3`).
pub fn pool(name: &str, vnet: &str, subnet: &str, extra: &str) -> String {
    format!(
        r#"{{"name":"{name}","vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}"{extra}}}"#
    )
}
