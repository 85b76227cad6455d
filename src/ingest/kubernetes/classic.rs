//! The classic Crossplane Azure provider (`*.azure.crossplane.io`, archived):
//! `VirtualNetwork` and `Subnet` keep ARM's `properties`; `AKSCluster` has a
//! few flat fields that the provider turned into one ARM cluster with a single
//! `agentpool` pool, on Azure CNI when it is given a subnet.

use super::tree::{self, entry, object};
use super::{only, pick, Manifest, Manifests};
use crate::ingest::azure::{self, Resource};
use crate::model::{InventoryBuilder, ResourceId};
use crate::source::Span;
use crate::syntax::{Entry, Node, NodeKind};

pub(super) fn is_classic(m: &Manifest<'_>) -> bool {
    m.in_group("azure.crossplane.io")
}

pub(super) fn ingest(b: &mut InventoryBuilder, all: &Manifests<'_>) -> usize {
    let mut n = 0;
    for (i, m) in all.iter().enumerate().filter(|(_, m)| is_classic(m)) {
        n += 1;
        let (arm_type, node) = match m.kind {
            "VirtualNetwork" => ("Microsoft.Network/virtualNetworks", with_properties(m)),
            "Subnet" => (
                "Microsoft.Network/virtualNetworks/subnets",
                with_properties(m),
            ),
            "AKSCluster" => (
                "Microsoft.ContainerService/managedClusters",
                cluster(all, i),
            ),
            _ => {
                b.count_other();
                continue;
            }
        };
        let id = id_of(all, i).and_then(|s| ResourceId::parse(&s));
        azure::ingest_model(b, &Resource::from_node(&node, Some(arm_type), id));
    }
    n
}

/// The Azure name: the `crossplane.io/external-name` annotation, else `metadata.name`.
fn azure_name<'a>(m: &Manifest<'a>) -> Option<&'a Node> {
    m.annotation("crossplane.io/external-name")
        .filter(|n| n.as_str().is_some_and(|s| !s.trim().is_empty()))
        .or(m.name)
}

fn name_text<'a>(m: &Manifest<'a>) -> &'a str {
    azure_name(m).and_then(Node::as_str).unwrap_or("{name}")
}

/// A name given literally (`resourceGroupName`) or by reference to another
/// object of the provider (`resourceGroupNameRef: {name}`).
fn named(all: &Manifests<'_>, i: usize, field: &str, kind: &str) -> Option<String> {
    let spec = all[i].spec()?;
    if let Some(literal) = spec.get(field).and_then(Node::as_str) {
        return Some(literal.to_string());
    }
    let target = spec
        .get(&format!("{field}Ref"))
        .and_then(|r| r.get("name"))
        .and_then(Node::as_str)
        .and_then(|n| find(all, i, kind, n))?;
    Some(name_text(&all[target]).to_string())
}

fn find(all: &Manifests<'_>, from: usize, kind: &str, name: &str) -> Option<usize> {
    let origin = &all[from];
    pick(
        origin,
        all.named(kind, name)
            .filter(|(j, m)| *j != from && is_classic(m) && m.same_namespace(origin)),
    )
}

/// The object a `…Selector: {matchLabels}` selects among objects of a kind.
fn select(all: &Manifests<'_>, from: usize, kind: &str, selector: &Node) -> Option<usize> {
    let wanted = selector.get("matchLabels")?.as_object()?;
    let origin = &all[from];
    only(all.of_kind(kind).filter(|(j, m)| {
        *j != from
            && is_classic(m)
            && m.same_namespace(origin)
            && wanted.iter().all(|w| {
                tree::text(m.label(&w.key)).is_some_and(|v| Some(v) == tree::text(Some(&w.value)))
            })
    }))
}

fn id_of(all: &Manifests<'_>, i: usize) -> Option<String> {
    let m = &all[i];
    let rg = named(all, i, "resourceGroupName", "ResourceGroup")
        .unwrap_or_else(|| "{resourceGroup}".to_string());
    let group = format!("/subscriptions/{{subscriptionId}}/resourceGroups/{rg}/providers");
    let name = name_text(m);
    match m.kind {
        "VirtualNetwork" => Some(format!("{group}/Microsoft.Network/virtualNetworks/{name}")),
        "Subnet" => {
            let vnet = named(all, i, "virtualNetworkName", "VirtualNetwork")
                .unwrap_or_else(|| "{virtualNetwork}".to_string());
            Some(format!(
                "{group}/Microsoft.Network/virtualNetworks/{vnet}/subnets/{name}"
            ))
        }
        "AKSCluster" => Some(format!(
            "{group}/Microsoft.ContainerService/managedClusters/{name}"
        )),
        _ => None,
    }
}

fn name_entry(m: &Manifest<'_>) -> Option<Entry> {
    azure_name(m).map(|n| entry("name", n.span, tree::resolved(n)))
}

/// `{name, location, tags, properties}` from the spec: `VirtualNetwork` and
/// `Subnet` keep ARM's `properties` as they are.
fn with_properties(m: &Manifest<'_>) -> Node {
    let spec = m.spec();
    let mut entries: Vec<Entry> = name_entry(m).into_iter().collect();
    for key in ["location", "tags", "properties"] {
        if let Some(e) = spec.and_then(|s| s.entry(key)) {
            entries.push(entry(key, e.key_span, tree::resolved(&e.value)));
        }
    }
    object(m.node.span, entries)
}

/// The ARM cluster the provider created (its `CreateOrUpdate` parameters).
fn cluster(all: &Manifests<'_>, i: usize) -> Node {
    let m = &all[i];
    let spec = m.spec();
    let field = |k: &str| spec.and_then(|s| s.entry(k));
    let at = spec.map_or(m.node.span, |s| s.span);
    let mut pool = vec![entry("name", at, Node::string(at, "agentpool"))];
    for (from, to) in [("nodeCount", "count"), ("nodeVMSize", "vmSize")] {
        if let Some(e) = field(from) {
            pool.push(entry(to, e.key_span, tree::resolved(&e.value)));
        }
    }
    let mut props = Vec::new();
    if let Some(e) = field("version") {
        props.push(entry(
            "kubernetesVersion",
            e.key_span,
            tree::resolved(&e.value),
        ));
    }
    if let Some((key_span, subnet)) = vnet_subnet(all, i) {
        // The provider chose Azure CNI whenever it placed the pool in a subnet.
        let plugin = Node::string(subnet.span, "azure");
        props.push(entry(
            "networkProfile",
            key_span,
            object(subnet.span, vec![entry("networkPlugin", key_span, plugin)]),
        ));
        pool.push(entry("vnetSubnetID", key_span, subnet));
    }
    props.push(entry(
        "agentPoolProfiles",
        at,
        Node::new(at, NodeKind::Array(vec![object(at, pool)])),
    ));
    let mut entries: Vec<Entry> = name_entry(m).into_iter().collect();
    if let Some(e) = field("location") {
        entries.push(entry("location", e.key_span, tree::resolved(&e.value)));
    }
    entries.push(entry("properties", at, object(at, props)));
    object(m.node.span, entries)
}

/// `vnetSubnetID`, or the id of the `Subnet` that `vnetSubnetIDRef` or
/// `vnetSubnetIDSelector` names (unknown when it is not among the inputs).
fn vnet_subnet(all: &Manifests<'_>, i: usize) -> Option<(Span, Node)> {
    let spec = all[i].spec()?;
    if let Some(e) = spec.entry("vnetSubnetID") {
        return Some((e.key_span, tree::resolved(&e.value)));
    }
    let (e, target) = if let Some(e) = spec.entry("vnetSubnetIDRef") {
        let name = e.value.get("name").and_then(Node::as_str);
        (e, name.and_then(|n| find(all, i, "Subnet", n)))
    } else {
        let e = spec.entry("vnetSubnetIDSelector")?;
        (e, select(all, i, "Subnet", &e.value))
    };
    let value = match target.and_then(|t| id_of(all, t)) {
        Some(id) => Node::string(e.value.span, id),
        None => Node::unknown(e.value.span, "a subnet that is not among the inputs"),
    };
    Some((e.key_span, value))
}
