//! Cluster API Provider Azure (`infrastructure.cluster.x-k8s.io`).
//!
//! * The ASO-based kinds (`AzureASOManaged*`) embed complete ASO resources in
//!   `spec.resources`; those are read as ASO manifests.
//! * `AzureManagedControlPlane` is one AKS cluster plus the VNet and subnet
//!   CAPZ creates for it (CAPZ's defaults fill in what the spec leaves out);
//!   each `AzureManagedMachinePool` is a node pool in that subnet, joined to
//!   its control plane through Cluster API's `MachinePool` and `Cluster`.

use super::tree::{self, entry, object};
use super::{pick, Manifest, Manifests};
use crate::ingest::azure::{self, Resource};
use crate::model::{InventoryBuilder, ResourceId};
use crate::source::Span;
use crate::syntax::{Entry, Node, NodeKind};

const GROUP: &str = "infrastructure.cluster.x-k8s.io";
const CAPI_GROUP: &str = "cluster.x-k8s.io";

const ASO_CONTAINERS: &[&str] = &[
    "AzureASOManagedControlPlane",
    "AzureASOManagedCluster",
    "AzureASOManagedMachinePool",
];

/// The resources embedded in a CAPZ object.
pub(super) fn embedded(m: &Manifest<'_>) -> Vec<Node> {
    if m.group != GROUP || !m.is_kind(ASO_CONTAINERS) {
        return Vec::new();
    }
    let resources = m.spec().and_then(|s| s.get("resources"));
    resources
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .filter(|r| super::is_manifest(r))
        .cloned()
        .collect()
}

fn is(m: &Manifest<'_>, group: &str, kind: &str) -> bool {
    m.group == group && m.is_kind(&[kind])
}

pub(super) fn ingest(b: &mut InventoryBuilder, all: &Manifests<'_>) -> usize {
    let mut n = 0;
    for (i, m) in all.iter().enumerate() {
        if is(m, GROUP, "AzureManagedControlPlane") {
            n += control_plane(b, all, i);
        } else if is(m, GROUP, "AzureManagedMachinePool") {
            machine_pool(b, all, i);
            n += 1;
        }
    }
    n
}

/// The names CAPZ gives the cluster's resources.
struct Plane<'a> {
    spec: &'a Node,
    cluster_id: String,
    vnet_id: String,
    /// The subnet's name as written, else the control plane's name (CAPZ's default).
    subnet_name: Option<&'a Node>,
}

/// Text of a spec field, or the placeholder for what is not known.
fn text_or<'a>(node: Option<&'a Node>, placeholder: &'a str) -> &'a str {
    node.and_then(Node::as_str).unwrap_or(placeholder)
}

fn plane<'a>(m: &Manifest<'a>) -> Option<Plane<'a>> {
    let spec = m.spec()?;
    let vnet = spec.get("virtualNetwork");
    let field = |n: Option<&'a Node>, k: &str| n.and_then(|n| n.get(k));
    let sub = text_or(spec.get("subscriptionID"), "{subscriptionId}");
    let rg = text_or(spec.get("resourceGroupName"), "{resourceGroup}");
    let name = text_or(m.name, "{name}");
    let vnet_rg = text_or(field(vnet, "resourceGroup"), rg);
    let vnet_name = text_or(field(vnet, "name"), name);
    Some(Plane {
        spec,
        cluster_id: format!(
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}"
        ),
        vnet_id: format!(
            "/subscriptions/{sub}/resourceGroups/{vnet_rg}/providers/Microsoft.Network/virtualNetworks/{vnet_name}"
        ),
        subnet_name: field(field(vnet, "subnet"), "name").or(m.name),
    })
}

fn is_overlay(spec: &Node) -> bool {
    spec.get("networkPluginMode")
        .and_then(Node::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("overlay"))
}

/// `spec.<from>` as `<to>`, when written.
fn copy(spec: &Node, from: &str, to: &str) -> Option<Entry> {
    spec.entry(from)
        .map(|e| entry(to, e.key_span, tree::resolved(&e.value)))
}

fn control_plane(b: &mut InventoryBuilder, all: &Manifests<'_>, i: usize) -> usize {
    let m = &all[i];
    let Some(p) = plane(m) else {
        b.count_other();
        return 1;
    };
    let cluster = cluster_node(all, i, &p);
    let id = ResourceId::parse(&p.cluster_id);
    let ty = "Microsoft.ContainerService/managedClusters";
    azure::ingest_model(b, &Resource::from_node(&cluster, Some(ty), id));
    let (vnet, subnet) = network_nodes(m, &p);
    let ty = "Microsoft.Network/virtualNetworks";
    azure::ingest_model(
        b,
        &Resource::from_node(&vnet, Some(ty), ResourceId::parse(&p.vnet_id)),
    );
    let subnet_id = subnet_id(&p, None);
    let ty = "Microsoft.Network/virtualNetworks/subnets";
    azure::ingest_model(
        b,
        &Resource::from_node(&subnet, Some(ty), ResourceId::parse(&subnet_id)),
    );
    3
}

/// The Cluster API `Cluster` whose control plane this is.
fn capi_cluster<'a>(all: &Manifests<'a>, i: usize) -> Option<&'a Node> {
    let m = &all[i];
    let name = m.name_text()?;
    let found = pick(
        m,
        all.of_kind("Cluster").filter(|(_, c)| {
            c.group == CAPI_GROUP
                && c.same_namespace(m)
                && c.spec()
                    .and_then(|s| s.get("controlPlaneRef"))
                    .and_then(|r| r.get("name"))
                    .and_then(Node::as_str)
                    == Some(name)
        }),
    )?;
    Some(all[found].node)
}

fn cluster_node(all: &Manifests<'_>, i: usize, p: &Plane<'_>) -> Node {
    let m = &all[i];
    let spec = p.spec;
    let mut network: Vec<Entry> = [
        ("networkPlugin", "networkPlugin"),
        ("networkPluginMode", "networkPluginMode"),
        ("networkPolicy", "networkPolicy"),
        ("networkDataplane", "networkDataplane"),
        ("outboundType", "outboundType"),
        ("dnsServiceIP", "dnsServiceIP"),
        ("loadBalancerSKU", "loadBalancerSku"),
    ]
    .iter()
    .filter_map(|(from, to)| copy(spec, from, to))
    .collect();
    // Pod and service ranges come from Cluster API's `clusterNetwork`.
    let cluster_network = capi_cluster(all, i).and_then(|c| c.path(&["spec", "clusterNetwork"]));
    for (from, to) in [("pods", "podCidr"), ("services", "serviceCidr")] {
        let first = cluster_network
            .and_then(|n| n.path(&[from, "cidrBlocks"]))
            .and_then(Node::as_array)
            .and_then(<[Node]>::first);
        if let Some(cidr) = first {
            network.push(entry(to, cidr.span, tree::resolved(cidr)));
        }
    }
    let mut props: Vec<Entry> = [
        ("version", "kubernetesVersion"),
        ("nodeResourceGroupName", "nodeResourceGroup"),
        ("apiServerAccessProfile", "apiServerAccessProfile"),
    ]
    .iter()
    .filter_map(|(from, to)| copy(spec, from, to))
    .collect();
    props.push(entry(
        "networkProfile",
        spec.span,
        object(spec.span, network),
    ));
    let mut entries: Vec<Entry> = copy(spec, "location", "location").into_iter().collect();
    entries.extend(copy(spec, "additionalTags", "tags"));
    // `identity.type`: `SystemAssigned` (CAPZ's default) or `UserAssigned`.
    entries.extend(copy(spec, "identity", "identity"));
    if let Some(name) = m.name {
        entries.push(entry("name", name.span, tree::resolved(name)));
    }
    entries.push(entry("properties", spec.span, object(spec.span, props)));
    object(m.node.span, entries)
}

/// The VNet and subnet CAPZ creates when they do not exist yet.
fn network_nodes(m: &Manifest<'_>, p: &Plane<'_>) -> (Node, Node) {
    let spec = p.spec;
    let vnet_spec = spec.get("virtualNetwork");
    let subnet_spec = vnet_spec.and_then(|v| v.get("subnet"));
    let at = vnet_spec.map_or(spec.span, |v| v.span);
    // CAPZ's defaults (azuremanagedcontrolplane_default.go).
    let (vnet_default, subnet_default) = if is_overlay(spec) {
        ("10.224.0.0/12", "10.224.0.0/16")
    } else {
        ("10.0.0.0/8", "10.240.0.0/16")
    };
    let cidr = |n: Option<&Node>, default: &str, span: Span| {
        n.and_then(|n| n.get("cidrBlock"))
            .map_or_else(|| Node::string(span, default), tree::resolved)
    };
    let name = |n: Option<&Node>| {
        n.and_then(|n| n.get("name"))
            .or(m.name)
            .map(|n| entry("name", n.span, tree::resolved(n)))
    };
    let prefixes = Node::new(at, NodeKind::Array(vec![cidr(vnet_spec, vnet_default, at)]));
    let space = object(at, vec![entry("addressPrefixes", at, prefixes)]);
    let mut vnet: Vec<Entry> = name(vnet_spec).into_iter().collect();
    vnet.push(entry("addressSpace", at, space));
    // CAPZ tags a VNet it creates with `additionalTags`, but the VNet may exist already.
    let tags = Node::unknown(at, "an existing VNet's tags");
    vnet.push(entry("tags", at, tags));

    let sat = subnet_spec.map_or(at, |s| s.span);
    let mut subnet: Vec<Entry> = name(subnet_spec).into_iter().collect();
    subnet.push(entry(
        "addressPrefix",
        sat,
        cidr(subnet_spec, subnet_default, sat),
    ));
    if let Some(e) = subnet_spec.and_then(|s| copy(s, "serviceEndpoints", "serviceEndpoints")) {
        subnet.push(e);
    }
    // CAPZ attaches no NSG, but the VNet may exist already with one: cannot tell.
    let nsg = Node::unknown(sat, "an existing subnet's NSG");
    subnet.push(entry("networkSecurityGroup", sat, nsg));
    (object(at, vnet), object(sat, subnet))
}

fn subnet_id(p: &Plane<'_>, pool_subnet: Option<&str>) -> String {
    let name = pool_subnet.unwrap_or_else(|| text_or(p.subnet_name, "{name}"));
    format!("{}/subnets/{name}", p.vnet_id)
}

/// The Cluster API `MachinePool` whose infrastructure this pool is.
fn machine_pool_of<'a>(all: &Manifests<'a>, i: usize) -> Option<&'a Node> {
    let m = &all[i];
    let name = m.name_text()?;
    let found = pick(
        m,
        all.of_kind("MachinePool").filter(|(_, c)| {
            c.group == CAPI_GROUP
                && c.same_namespace(m)
                && c.node
                    .path(&["spec", "template", "spec", "infrastructureRef", "name"])
                    .and_then(Node::as_str)
                    == Some(name)
        }),
    )?;
    Some(all[found].node)
}

/// The control plane of a pool: MachinePool → Cluster → controlPlaneRef,
/// else the pool's `cluster.x-k8s.io/cluster-name` label → Cluster.
fn control_plane_of<'a>(all: &Manifests<'a>, i: usize, mp: Option<&Node>) -> Option<usize> {
    let m = &all[i];
    let cluster_name = mp
        .and_then(|n| n.path(&["spec", "clusterName"]))
        .or_else(|| m.label("cluster.x-k8s.io/cluster-name"))
        .and_then(Node::as_str)?;
    let cluster = pick(
        m,
        all.named("Cluster", cluster_name)
            .filter(|(_, c)| c.group == CAPI_GROUP && c.same_namespace(m)),
    )?;
    let plane_name = all[cluster]
        .node
        .path(&["spec", "controlPlaneRef", "name"])
        .and_then(Node::as_str)?;
    pick(
        m,
        all.named("AzureManagedControlPlane", plane_name)
            .filter(|(_, c)| c.group == GROUP && c.same_namespace(m)),
    )
}

fn machine_pool(b: &mut InventoryBuilder, all: &Manifests<'_>, i: usize) {
    let m = &all[i];
    let Some(spec) = m.spec() else {
        b.count_other();
        return;
    };
    let mp = machine_pool_of(all, i);
    let p = control_plane_of(all, i, mp).and_then(|c| plane(&all[c]));
    let mut entries: Vec<Entry> = [
        ("mode", "mode"),
        ("sku", "vmSize"),
        ("osType", "osType"),
        ("maxPods", "maxPods"),
        ("osDiskSizeGB", "osDiskSizeGB"),
        ("additionalTags", "tags"),
    ]
    .iter()
    .filter_map(|(from, to)| copy(spec, from, to))
    .collect();
    let name = spec.get("name").or(m.name);
    if let Some(n) = name {
        entries.push(entry("name", n.span, tree::resolved(n)));
    }
    if let Some(e) = mp
        .and_then(|n| n.get("spec"))
        .and_then(|s| copy(s, "replicas", "count"))
    {
        entries.push(e);
    }
    if let Some(version) = mp.and_then(|n| n.path(&["spec", "template", "spec", "version"])) {
        entries.push(entry(
            "orchestratorVersion",
            version.span,
            tree::resolved(version),
        ));
    }
    if let Some(scaling) = spec.entry("scaling") {
        let on = Node::new(scaling.key_span, NodeKind::Bool(true));
        entries.push(entry("enableAutoScaling", scaling.key_span, on));
        entries.extend(copy(&scaling.value, "minSize", "minCount"));
        entries.extend(copy(&scaling.value, "maxSize", "maxCount"));
    }
    let mut id = None;
    if let Some(p) = &p {
        // CAPZ places every pool in the control plane's subnet unless it names another.
        let subnet = spec.entry("subnetName");
        let span = subnet.map_or(p.spec.span, |e| e.value.span);
        let sid = subnet_id(p, subnet.and_then(|e| e.value.as_str()));
        entries.push(entry("vnetSubnetID", span, Node::string(span, sid)));
        let pool_name = text_or(name, "{name}");
        id = ResourceId::parse(&format!("{}/agentPools/{pool_name}", p.cluster_id));
    }
    let node = object(m.node.span, entries);
    let ty = "Microsoft.ContainerService/managedClusters/agentPools";
    azure::ingest_model(b, &Resource::from_node(&node, Some(ty), id));
}
