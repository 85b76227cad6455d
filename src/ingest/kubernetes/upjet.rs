//! Crossplane's upjet Azure provider (`*.azure.upbound.io`, namespaced
//! `*.azure.m.upbound.io`): each managed resource is a Terraform azurerm
//! resource whose arguments sit in `spec.forProvider` in camelCase. They are
//! turned back into Terraform's shape and handed to the azurerm mapping.

use std::collections::HashMap;

use super::tree::{self, entry, object, snake_case};
use super::{only, pick, Manifest, Manifests, Origin};
use crate::ingest::terraform::{ingest_tf, TfResource};
use crate::model::InventoryBuilder;
use crate::source::Span;
use crate::syntax::{Entry, Node, NodeKind};

pub(super) fn is_upjet(m: &Manifest<'_>) -> bool {
    m.in_group("azure.upbound.io") || m.in_group("azure.m.upbound.io")
}

/// Kinds whose azurerm type is not simply `azurerm_<snake kind>`.
const TYPES: &[(&str, &str)] = &[
    ("KubernetesCluster", "azurerm_kubernetes_cluster"),
    (
        "KubernetesClusterNodePool",
        "azurerm_kubernetes_cluster_node_pool",
    ),
    ("VirtualNetwork", "azurerm_virtual_network"),
    ("Subnet", "azurerm_subnet"),
    (
        "SubnetNetworkSecurityGroupAssociation",
        "azurerm_subnet_network_security_group_association",
    ),
    (
        "SubnetRouteTableAssociation",
        "azurerm_subnet_route_table_association",
    ),
    (
        "SubnetNATGatewayAssociation",
        "azurerm_subnet_nat_gateway_association",
    ),
    ("SecurityGroup", "azurerm_network_security_group"),
    ("NetworkSecurityGroup", "azurerm_network_security_group"),
    ("SecurityRule", "azurerm_network_security_rule"),
    ("NetworkSecurityRule", "azurerm_network_security_rule"),
    ("RouteTable", "azurerm_route_table"),
    ("Route", "azurerm_route"),
    ("VirtualNetworkPeering", "azurerm_virtual_network_peering"),
    ("NATGateway", "azurerm_nat_gateway"),
    ("PublicIP", "azurerm_public_ip"),
    ("PublicIPPrefix", "azurerm_public_ip_prefix"),
    ("ResourceGroup", "azurerm_resource_group"),
];

pub(super) fn azurerm_type(kind: &str) -> String {
    TYPES
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(kind))
        .map_or_else(
            || format!("azurerm_{}", snake_case(kind)),
            |(_, t)| t.to_string(),
        )
}

/// The kinds a reference field can point at, from its Terraform name.
fn target_kinds(field: &str) -> Vec<String> {
    let fixed: &[&str] = match field {
        f if f.ends_with("subnet_id") || f.ends_with("subnet_ids") => &["Subnet"],
        "virtual_network_name" | "virtual_network_id" | "remote_virtual_network_id" => {
            &["VirtualNetwork"]
        }
        "network_security_group_id" | "network_security_group_name" => {
            &["SecurityGroup", "NetworkSecurityGroup"]
        }
        "route_table_id" | "route_table_name" => &["RouteTable"],
        "kubernetes_cluster_id" => &["KubernetesCluster"],
        "resource_group_name" => &["ResourceGroup"],
        "nat_gateway_id" => &["NATGateway"],
        "public_ip_address_id" | "public_ip_address_ids" => &["PublicIP"],
        "public_ip_prefix_id" => &["PublicIPPrefix"],
        "identity_ids" | "user_assigned_identity_id" => &["UserAssignedIdentity"],
        "private_dns_zone_id" => &["PrivateDNSZone"],
        "azure_firewall_name" => &["Firewall"],
        _ => &[],
    };
    if !fixed.is_empty() {
        return fixed.iter().map(|s| s.to_string()).collect();
    }
    let stem = ["_ids", "_id", "_names", "_name"]
        .iter()
        .find_map(|s| field.strip_suffix(s))
        .unwrap_or(field);
    vec![tree::pascal_case(stem)]
}

/// Maps keys of free-form maps, whose keys are data, not field names.
const VERBATIM: &[&str] = &[
    "tags",
    "node_labels",
    "labels",
    "annotations",
    "match_labels",
];

pub(super) fn ingest(b: &mut InventoryBuilder, all: &Manifests<'_>) -> usize {
    let resources = resources(all);
    ingest_tf(b, &resources);
    resources.len()
}

/// The upjet resources among the manifests, in Terraform's shape.
pub(super) fn resources(all: &Manifests<'_>) -> Vec<TfResource> {
    let addresses = addresses(all);
    all.iter()
        .enumerate()
        .filter(|(_, m)| is_upjet(m) && !m.observed_only())
        .map(|(i, _)| to_tf(all, &addresses, i))
        .collect()
}

/// `<Kind>/<metadata.name>`, unique within the run: a repeated name (the
/// same example in two files) gets `#2`, `#3`…
fn addresses(all: &Manifests<'_>) -> HashMap<usize, String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = HashMap::new();
    let read = all
        .iter()
        .enumerate()
        .filter(|(_, m)| is_upjet(m) && !m.observed_only());
    for (i, m) in read {
        // A composed resource's name is usually patched in: its place in the
        // composition names it instead.
        let name = m
            .name_text()
            .map_or_else(|| composed_name(m), str::to_string);
        let base = format!("{}/{}", m.kind, name);
        let count = seen.entry(base.clone()).or_insert(0);
        *count += 1;
        let address = if *count == 1 {
            base
        } else {
            format!("{base}#{count}")
        };
        out.insert(i, address);
    }
    out
}

fn composed_name(m: &Manifest<'_>) -> String {
    match &m.origin {
        Origin::Composed {
            composition,
            resource,
        } => format!("{composition}.{resource}"),
        _ => "?".to_string(),
    }
}

struct Cx<'c, 'a> {
    all: &'c Manifests<'a>,
    addresses: &'c HashMap<usize, String>,
    from: usize,
    refs: Vec<(String, String)>,
}

fn to_tf(all: &Manifests<'_>, addresses: &HashMap<usize, String>, i: usize) -> TfResource {
    let m = &all[i];
    let mut cx = Cx {
        all,
        addresses,
        from: i,
        refs: Vec::new(),
    };
    let spec = m.spec();
    let for_provider = spec.and_then(|s| s.get("forProvider"));
    let mut entries = convert_entries(for_provider, "", &mut cx);
    // `initProvider` fields are sent when the resource is created, too; those
    // that `forProvider` also sets (and their references) give way.
    let refs = std::mem::take(&mut cx.refs);
    for e in convert_entries(spec.and_then(|s| s.get("initProvider")), "", &mut cx) {
        if entries.iter().any(|x| x.key == e.key) {
            let nested = format!("{}.", e.key);
            cx.refs
                .retain(|(path, _)| *path != e.key && !path.starts_with(&nested));
        } else {
            entries.push(e);
        }
    }
    cx.refs.splice(0..0, refs);
    if !entries.iter().any(|e| e.key == "name") {
        entries.push(name_entry(m));
    }
    TfResource {
        resource_type: azurerm_type(m.kind),
        address: addresses.get(&i).cloned().unwrap_or_default(),
        values: object(for_provider.map_or(m.node.span, |f| f.span), entries),
        decl: m.node.span,
        refs: cx.refs,
    }
}

/// The Azure name: the `crossplane.io/external-name` annotation, else `metadata.name`.
fn name_entry(m: &Manifest<'_>) -> Entry {
    let external = m
        .annotation("crossplane.io/external-name")
        .filter(|n| n.as_str().is_some_and(|s| !s.trim().is_empty()));
    let value = match external.or(m.name) {
        Some(n) => tree::resolved(n),
        // A composed resource gets its name from Crossplane.
        None => Node::unknown(m.node.span, "name given by Crossplane"),
    };
    entry("name", value.span, value)
}

/// Azure name of a referenced object, as a value placed at `span`.
fn azure_name(m: &Manifest<'_>, span: Span) -> Node {
    let named = name_entry(m).value;
    match named.kind {
        NodeKind::String(s) => Node::string(span, s),
        _ => Node::unknown(span, "name of a referenced object"),
    }
}

/// A `…Ref`, `…Refs` or `…Selector` field of `forProvider`.
struct Reference<'a> {
    /// The Terraform attribute it fills (`vnet_subnet_id`).
    field: String,
    key_span: Span,
    span: Span,
    how: How<'a>,
}

enum How<'a> {
    Names(Vec<&'a str>),
    Labels {
        match_labels: Option<&'a Node>,
        controller: bool,
    },
}

fn reference<'a>(key: &str, key_span: Span, value: &'a Node) -> Option<Reference<'a>> {
    let make = |stem: &str, how| Reference {
        field: snake_case(stem),
        key_span,
        span: value.span,
        how,
    };
    if key.ends_with("SecretRef") || key.ends_with("SecretRefs") {
        return None;
    }
    if let Some(stem) = key.strip_suffix("Ref").filter(|s| !s.is_empty()) {
        let name = value.get("name").and_then(Node::as_str)?;
        return Some(make(stem, How::Names(vec![name])));
    }
    if let Some(stem) = key.strip_suffix("Refs").filter(|s| !s.is_empty()) {
        let names = value
            .as_array()?
            .iter()
            .filter_map(|r| r.get("name").and_then(Node::as_str))
            .collect();
        return Some(make(stem, How::Names(names)));
    }
    let stem = key.strip_suffix("Selector").filter(|s| !s.is_empty())?;
    value.as_object()?;
    Some(make(
        stem,
        How::Labels {
            match_labels: value.get("matchLabels"),
            controller: value
                .get("matchControllerRef")
                .and_then(Node::as_bool)
                .unwrap_or(false),
        },
    ))
}

fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_string()
    } else {
        format!("{prefix}.{field}")
    }
}

/// The entries of a `forProvider` object in Terraform's names, references
/// replaced by the value Crossplane will fill in.
fn convert_entries(node: Option<&Node>, prefix: &str, cx: &mut Cx<'_, '_>) -> Vec<Entry> {
    let Some(entries) = node.and_then(Node::as_object) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut pending = Vec::new();
    for e in entries {
        match reference(&e.key, e.key_span, &e.value) {
            Some(r) => pending.push(r),
            None => {
                let field = snake_case(&e.key);
                let path = join(prefix, &field);
                let value = convert_value(&e.value, &path, cx);
                out.push(entry(field, e.key_span, value));
            }
        }
    }
    // A reference is resolved only when the field is empty, and a `…Ref`
    // wins over a `…Selector`.
    pending.sort_by_key(|r| matches!(r.how, How::Labels { .. }));
    for r in pending {
        if out.iter().any(|e| e.key == r.field) {
            continue;
        }
        let path = join(prefix, &r.field);
        let value = resolve(&r, &path, cx);
        out.push(entry(r.field, r.key_span, value));
    }
    out
}

fn convert_value(node: &Node, path: &str, cx: &mut Cx<'_, '_>) -> Node {
    let last = path.rsplit('.').next().unwrap_or(path);
    match &node.kind {
        NodeKind::Object(_) if VERBATIM.contains(&last) => tree::resolved(node),
        NodeKind::Object(_) => object(node.span, convert_entries(Some(node), path, cx)),
        NodeKind::Array(items) => Node::new(
            node.span,
            NodeKind::Array(items.iter().map(|i| convert_value(i, path, cx)).collect()),
        ),
        _ => tree::resolved(node),
    }
}

/// Records what a reference points at and returns the value it stands for:
/// the target's name for `…_name` fields, else a value known only once
/// Crossplane has resolved it (an id).
fn resolve(r: &Reference<'_>, path: &str, cx: &mut Cx<'_, '_>) -> Node {
    let kinds = target_kinds(&r.field);
    let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
    let targets: Vec<usize> = match &r.how {
        How::Names(names) => names
            .iter()
            .filter_map(|n| by_name(cx, &kinds, n))
            .collect(),
        How::Labels {
            match_labels,
            controller,
        } => by_labels(cx, &kinds, *match_labels, *controller)
            .into_iter()
            .collect(),
    };
    for t in &targets {
        if let Some(address) = cx.addresses.get(t) {
            cx.refs.push((path.to_string(), address.clone()));
        }
    }
    match targets.as_slice() {
        [t] if r.field.ends_with("_name") => azure_name(&cx.all[*t], r.span),
        _ => Node::unknown(r.span, "resolved by Crossplane from a reference"),
    }
}

/// Upjet objects of the target kinds (with a name, when given), other than
/// the referring one, in its namespace.
fn candidates<'c, 'a>(
    cx: &'c Cx<'c, 'a>,
    kinds: &'c [&str],
    name: Option<&'c str>,
) -> impl Iterator<Item = (usize, &'c Manifest<'a>)> + 'c {
    let from = &cx.all[cx.from];
    kinds
        .iter()
        .flat_map(
            move |k| -> Box<dyn Iterator<Item = (usize, &'c Manifest<'a>)> + 'c> {
                match name {
                    Some(n) => Box::new(cx.all.named(k, n)),
                    None => Box::new(cx.all.of_kind(k)),
                }
            },
        )
        .filter(move |(j, m)| *j != cx.from && is_upjet(m) && m.same_namespace(from))
}

fn by_name(cx: &Cx<'_, '_>, kinds: &[&str], name: &str) -> Option<usize> {
    pick(&cx.all[cx.from], candidates(cx, kinds, Some(name)))
}

/// The one object of the target kind whose labels include every `matchLabels`
/// pair (within the same composition for `matchControllerRef`).
fn by_labels(
    cx: &Cx<'_, '_>,
    kinds: &[&str],
    match_labels: Option<&Node>,
    controller: bool,
) -> Option<usize> {
    let from = &cx.all[cx.from];
    let composed = matches!(from.origin, Origin::Composed { .. });
    let wanted: Vec<(&str, &str)> = match match_labels {
        Some(labels) => {
            let entries = labels.as_object()?;
            // A label value filled in by a patch cannot be matched.
            entries
                .iter()
                .map(|e| tree::text(Some(&e.value)).map(|v| (e.key.as_str(), v)))
                .collect::<Option<Vec<_>>>()?
        }
        None if controller && composed => Vec::new(),
        None => return None,
    };
    only(candidates(cx, kinds, None).filter(|(_, m)| {
        (!(controller && composed) || m.same_composition(from))
            && wanted
                .iter()
                .all(|(k, v)| tree::text(m.label(k)) == Some(*v))
    }))
}
