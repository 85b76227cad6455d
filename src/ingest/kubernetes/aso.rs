//! Azure Service Operator v2 (`*.azure.com`). A resource's `spec` is its ARM
//! body with `properties` flattened, so it goes through the ARM mapping once
//! its references are turned into ids. ASO has no ids: they are built from the
//! `owner` chain, with placeholders for what the manifests do not say.

use super::tree::{self, entry, object};
use super::{pick, Manifest, Manifests};
use crate::ingest::azure::{self, Resource};
use crate::model::{InventoryBuilder, ResourceId};
use crate::source::Span;
use crate::syntax::{Entry, Node, NodeKind};

pub(super) fn is_aso(m: &Manifest<'_>) -> bool {
    m.in_group("azure.com")
}

const RESOURCE_GROUP: &str = "ResourceGroup";

/// (kind, ARM type, owner kind). A child's ARM type extends its owner's.
const KINDS: &[(&str, &str, &str)] = &[
    (RESOURCE_GROUP, "Microsoft.Resources/resourceGroups", ""),
    (
        "ManagedCluster",
        "Microsoft.ContainerService/managedClusters",
        RESOURCE_GROUP,
    ),
    (
        "ManagedClustersAgentPool",
        "Microsoft.ContainerService/managedClusters/agentPools",
        "ManagedCluster",
    ),
    (
        "VirtualNetwork",
        "Microsoft.Network/virtualNetworks",
        RESOURCE_GROUP,
    ),
    (
        "VirtualNetworksSubnet",
        "Microsoft.Network/virtualNetworks/subnets",
        "VirtualNetwork",
    ),
    (
        "VirtualNetworksVirtualNetworkPeering",
        "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
        "VirtualNetwork",
    ),
    (
        "NetworkSecurityGroup",
        "Microsoft.Network/networkSecurityGroups",
        RESOURCE_GROUP,
    ),
    (
        "NetworkSecurityGroupsSecurityRule",
        "Microsoft.Network/networkSecurityGroups/securityRules",
        "NetworkSecurityGroup",
    ),
    (
        "RouteTable",
        "Microsoft.Network/routeTables",
        RESOURCE_GROUP,
    ),
    (
        "RouteTablesRoute",
        "Microsoft.Network/routeTables/routes",
        "RouteTable",
    ),
    (
        "NatGateway",
        "Microsoft.Network/natGateways",
        RESOURCE_GROUP,
    ),
    (
        "PublicIPAddress",
        "Microsoft.Network/publicIPAddresses",
        RESOURCE_GROUP,
    ),
    (
        "PrivateDnsZone",
        "Microsoft.Network/privateDnsZones",
        RESOURCE_GROUP,
    ),
    (
        "PrivateDnsZonesVirtualNetworkLink",
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "PrivateDnsZone",
    ),
];

struct AsoKind {
    arm_type: &'static str,
    owner: &'static str,
}

fn kind_of(m: &Manifest<'_>) -> Option<AsoKind> {
    KINDS
        .iter()
        .find(|(k, _, _)| k.eq_ignore_ascii_case(m.kind))
        .map(|&(_, arm_type, owner)| AsoKind { arm_type, owner })
}

pub(super) fn ingest(b: &mut InventoryBuilder, all: &Manifests<'_>) -> usize {
    let mut n = 0;
    // An object ASO does not reconcile still names its Azure resource (it
    // can own others), but its spec is not what Azure has.
    let read = all
        .iter()
        .enumerate()
        .filter(|(_, m)| is_aso(m) && !m.observed_only());
    for (i, m) in read {
        n += 1;
        let Some(kind) = kind_of(m) else {
            b.count_other();
            continue;
        };
        let node = arm_node(all, i);
        let id = id_of(all, i, 0).and_then(|s| ResourceId::parse(&s));
        azure::ingest(b, &Resource::from_node(&node, Some(kind.arm_type), id));
    }
    n
}

/// The Azure name: `spec.azureName`, else `metadata.name`.
fn azure_name<'a>(m: &Manifest<'a>) -> Option<&'a Node> {
    m.spec()
        .and_then(|s| s.get("azureName"))
        .filter(|n| n.as_str().is_some_and(|s| !s.is_empty()))
        .or(m.name)
}

/// Owner chains are a few levels deep (the kind table has no cycle); the
/// bound keeps that so whatever the table becomes.
const MAX_OWNER_DEPTH: usize = 8;

const NO_RESOURCE_GROUP: &str = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}";

/// The resource id of an ASO object, built from its owners.
fn id_of(all: &Manifests<'_>, i: usize, depth: usize) -> Option<String> {
    let m = &all[i];
    let kind = kind_of(m)?;
    if depth > MAX_OWNER_DEPTH {
        return None;
    }
    let name = azure_name(m).and_then(Node::as_str).unwrap_or("{name}");
    if kind.owner.is_empty() {
        return Some(format!(
            "/subscriptions/{{subscriptionId}}/resourceGroups/{name}"
        ));
    }
    let parent = parent_id(all, i, &kind, depth);
    Some(match kind.arm_type.split_once('/') {
        // A child: `<parent>/<child type>/<name>`.
        Some((_, types)) if types.contains('/') => {
            let child = types.rsplit('/').next().unwrap_or(types);
            format!("{parent}/{child}/{name}")
        }
        _ => format!("{parent}/providers/{}/{name}", kind.arm_type),
    })
}

/// The owner's id: written as `armId`, built from the owner object, or with
/// placeholders for what is not among the manifests.
fn parent_id(all: &Manifests<'_>, i: usize, kind: &AsoKind, depth: usize) -> String {
    let m = &all[i];
    let owner = m.spec().and_then(|s| s.get("owner"));
    if let Some(arm_id) = owner.and_then(|o| o.get("armId")).and_then(Node::as_str) {
        return arm_id.trim_end_matches('/').to_string();
    }
    let owner_name = owner.and_then(|o| o.get("name")).and_then(Node::as_str);
    let found = owner_name.and_then(|n| find(all, i, kind.owner, n));
    if let Some(id) = found.and_then(|o| id_of(all, o, depth + 1)) {
        return id;
    }
    if kind.owner == RESOURCE_GROUP {
        return NO_RESOURCE_GROUP.to_string();
    }
    // The owner's Azure name defaults to its Kubernetes name.
    let owner_type = kind
        .arm_type
        .rsplit_once('/')
        .map_or(kind.arm_type, |(p, _)| p);
    format!(
        "{NO_RESOURCE_GROUP}/providers/{owner_type}/{}",
        owner_name.unwrap_or("{name}")
    )
}

/// The ASO object of a kind with a Kubernetes name, seen from object `from`.
fn find(all: &Manifests<'_>, from: usize, kind: &str, name: &str) -> Option<usize> {
    let origin = &all[from];
    pick(
        origin,
        all.named(kind, name)
            .filter(|(j, m)| *j != from && is_aso(m) && m.same_namespace(origin)),
    )
}

/// The spec in ARM's flattened shape: `name` added, `owner` dropped, and
/// references (`vnetSubnetReference`, `networkSecurityGroup.reference`) as ids.
pub(super) fn arm_node(all: &Manifests<'_>, i: usize) -> Node {
    let m = &all[i];
    let mut entries = match m.spec().map(|s| rewrite(all, i, s)) {
        Some(Node {
            kind: NodeKind::Object(entries),
            ..
        }) => entries,
        _ => Vec::new(),
    };
    entries.retain(|e| !e.key.eq_ignore_ascii_case("owner"));
    if let Some(name) = azure_name(m) {
        entries.push(entry("name", name.span, tree::resolved(name)));
    }
    object(m.node.span, entries)
}

fn rewrite(all: &Manifests<'_>, i: usize, node: &Node) -> Node {
    match &node.kind {
        NodeKind::Object(entries) => {
            let mut out: Vec<Entry> = entries
                .iter()
                .filter(|e| !e.key.eq_ignore_ascii_case("reference"))
                .map(|e| rewrite_entry(all, i, e))
                .collect();
            // `networkSecurityGroup: {reference: {…}}` is ARM's `networkSecurityGroup: {id: "…"}`.
            if let Some(r) = node.entry("reference") {
                out.push(entry("id", r.key_span, reference(all, i, &r.value)));
            }
            object(node.span, out)
        }
        NodeKind::Array(items) => Node::new(
            node.span,
            NodeKind::Array(items.iter().map(|n| rewrite(all, i, n)).collect()),
        ),
        _ => tree::resolved(node),
    }
}

fn rewrite_entry(all: &Manifests<'_>, i: usize, e: &Entry) -> Entry {
    // `vnetSubnetReference: {…}` is ARM's `vnetSubnetID: "…"`.
    let stem = e.key.strip_suffix("Reference").filter(|s| !s.is_empty());
    match stem {
        Some(stem) if e.value.as_object().is_some() => {
            entry(format!("{stem}ID"), e.key_span, reference(all, i, &e.value))
        }
        _ => entry(e.key.clone(), e.key_span, rewrite(all, i, &e.value)),
    }
}

/// A `ResourceReference` as an id: its `armId`, or the id of the object its
/// `{group, kind, name}` names; unknown when that object is not among the inputs.
fn reference(all: &Manifests<'_>, i: usize, r: &Node) -> Node {
    if let Some(arm_id) = r.get("armId") {
        return tree::resolved(arm_id);
    }
    let target = match (r.get("kind").and_then(Node::as_str), r.get("name")) {
        (Some(kind), Some(name)) => name
            .as_str()
            .and_then(|n| find(all, i, kind, n))
            .and_then(|t| id_of(all, t, 0))
            .map(|id| (id, name.span)),
        _ => None,
    };
    match target {
        Some((id, span)) => Node::string(span, id),
        None => Node::unknown(reference_span(r), "an object that is not among the inputs"),
    }
}

fn reference_span(r: &Node) -> Span {
    r.get("name").map_or(r.span, |n| n.span)
}
