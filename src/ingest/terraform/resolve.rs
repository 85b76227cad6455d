//! Resource ids and references within one set of Terraform resources.
//!
//! Every resource gets an Azure id: its `id` attribute when known, else one built
//! from its attributes with a `{subscriptionId}` placeholder. A segment whose
//! value is unknown becomes a literal marker naming the resource
//! (`unknown(azurerm_subnet.nodes)`), never a `{…}` wildcard: two different
//! resources must not match each other by accident, and whoever needs the id
//! gets it through a reference, which hands over the same text exactly.

use std::collections::HashMap;

use super::address::{names_instance, steps, without_key};
use super::TfResource;
use crate::ingest::values::{nonempty_string, resource_id};
use crate::model::{Field, ResourceId};
use crate::syntax::Node;

/// Deepest chain of ids built from other ids (pool → cluster, azapi → parent).
const MAX_DEPTH: usize = 64;

enum IdState {
    Todo,
    Busy,
    Done(Option<String>),
}

pub(super) struct Resolver<'a> {
    resources: &'a [TfResource],
    refs: Refs<'a>,
    ids: Vec<Option<String>>,
}

impl<'a> Resolver<'a> {
    pub(super) fn new(resources: &'a [TfResource]) -> Resolver<'a> {
        let refs = link_refs(resources);
        let mut builder = IdBuilder {
            resources,
            refs: &refs,
            state: resources.iter().map(|_| IdState::Todo).collect(),
        };
        let ids = (0..resources.len())
            .map(|i| builder.compute(i, 0))
            .collect();
        Resolver {
            resources,
            refs,
            ids,
        }
    }

    /// The resource's id, when it parses as an Azure resource id.
    pub(super) fn id(&self, i: usize) -> Option<ResourceId> {
        self.ids.get(i)?.as_deref().and_then(ResourceId::parse)
    }

    fn target(&self, i: usize, path: &str) -> Option<usize> {
        single_target(&self.refs, i, path)
    }

    /// The one resource an attribute refers to, with its id as built (a
    /// resource group's too, which is no resource id of the model's kind).
    pub(super) fn referred(&self, i: usize, path: &str) -> Option<(&TfResource, Option<&str>)> {
        let t = self.target(i, path)?;
        let id = self.ids.get(t).and_then(|id| id.as_deref());
        Some((self.resources.get(t)?, id))
    }

    /// An id-valued attribute: its value when it is a known id, else the id of the
    /// resource of type `arm_type` it refers to, at the attribute (or the resource).
    pub(super) fn id_field(
        &self,
        i: usize,
        node: Option<&Node>,
        path: &str,
        arm_type: &str,
    ) -> Field<ResourceId> {
        let field = resource_id(node);
        if field.known().is_some_and(|id| !id.has_placeholders()) {
            return field;
        }
        let referred = self
            .target(i, path)
            .and_then(|t| self.id(t))
            .filter(|id| id.resource_type() == arm_type);
        match referred {
            Some(id) => {
                let decl = self.resources.get(i).map(|r| r.decl).unwrap_or_default();
                let span = node.map_or(decl, |n| n.span);
                Field::Known(id, span)
            }
            // An id with `{…}` in it is an uninterpolated expression, not a wildcard.
            None if field.known().is_some() => Field::Unknown(field.span().unwrap_or_default()),
            None => field,
        }
    }
}

/// Per resource: attribute path → what it refers to (`None`: a target outside the set).
type Refs<'a> = Vec<HashMap<&'a str, Vec<Option<usize>>>>;

/// Resolves every `(path, target address)` to resource indices.
fn link_refs(resources: &[TfResource]) -> Refs<'_> {
    let index = AddressIndex::new(resources);
    resources
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut map: HashMap<&str, Vec<Option<usize>>> = HashMap::new();
            for (path, target) in &r.refs {
                let t = index.find(resources, target);
                let targets = map.entry(path.as_str()).or_default();
                if t != Some(i) && !targets.contains(&t) {
                    targets.push(t);
                }
            }
            map
        })
        .collect()
}

/// The one resource an attribute refers to; `None` when it refers to several
/// (`var.a ? x.id : y.id`) or to one outside the set.
fn single_target(refs: &Refs<'_>, i: usize, path: &str) -> Option<usize> {
    match refs.get(i)?.get(path)?.as_slice() {
        [t] => *t,
        _ => None,
    }
}

/// Addresses, exactly and with their instance keys dropped.
struct AddressIndex<'a> {
    exact: HashMap<&'a str, usize>,
    unkeyed: HashMap<String, Vec<usize>>,
}

impl<'a> AddressIndex<'a> {
    fn new(resources: &'a [TfResource]) -> AddressIndex<'a> {
        let mut exact = HashMap::new();
        let mut unkeyed: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            exact.insert(r.address.as_str(), i);
            unkeyed
                .entry(unkeyed_address(&r.address))
                .or_default()
                .push(i);
        }
        AddressIndex { exact, unkeyed }
    }

    /// The resource an address names: exactly, else the only instance it can mean.
    fn find(&self, resources: &[TfResource], target: &str) -> Option<usize> {
        if let Some(&i) = self.exact.get(target) {
            return Some(i);
        }
        let candidates = self.unkeyed.get(&unkeyed_address(target))?;
        let mut found = candidates
            .iter()
            .copied()
            .filter(|&i| names_instance(target, &resources[i].address));
        let first = found.next()?;
        // Several instances of a counted resource: which one is meant is not written down.
        found.next().is_none().then_some(first)
    }
}

fn unkeyed_address(address: &str) -> String {
    let steps: Vec<&str> = steps(address).into_iter().map(without_key).collect();
    steps.join(".")
}

struct IdBuilder<'a, 'r> {
    resources: &'a [TfResource],
    refs: &'r Refs<'a>,
    state: Vec<IdState>,
}

impl IdBuilder<'_, '_> {
    fn compute(&mut self, i: usize, depth: usize) -> Option<String> {
        match self.state.get(i)? {
            IdState::Done(id) => return id.clone(),
            // A reference cycle cannot come from Terraform; stop rather than loop.
            IdState::Busy => return None,
            IdState::Todo if depth > MAX_DEPTH => return None,
            IdState::Todo => {}
        }
        self.state[i] = IdState::Busy;
        let resources = self.resources;
        let id = stated_id(&resources[i].values).or_else(|| self.build(i, depth));
        self.state[i] = IdState::Done(id.clone());
        id
    }

    fn target(&self, i: usize, path: &str) -> Option<usize> {
        single_target(self.refs, i, path)
    }

    /// An id segment from an attribute: its value, else the `name` of the resource
    /// of type `tf_type` it refers to, else a marker unique to this resource.
    fn segment(&self, i: usize, attr: &str, tf_type: Option<&str>) -> String {
        let r = &self.resources[i];
        if let Some(v) = plain_segment(r.values.get(attr)) {
            return v;
        }
        let referred = tf_type.and_then(|ty| {
            let t = self.target(i, attr)?;
            let target = &self.resources[t];
            (target.resource_type == ty)
                .then(|| plain_segment(target.values.get("name")))
                .flatten()
        });
        referred.unwrap_or_else(|| marker(&r.address))
    }

    fn build(&mut self, i: usize, depth: usize) -> Option<String> {
        let resources = self.resources;
        let r = &resources[i];
        let name = self.segment(i, "name", None);
        let rg = || self.segment(i, "resource_group_name", Some("azurerm_resource_group"));
        let scoped = |provider_type: &str| {
            format!(
                "/subscriptions/{{subscriptionId}}/resourceGroups/{}/providers/{provider_type}/{name}",
                rg()
            )
        };
        let child = |parent_attr: &str, parent_tf: &str, parent_type: &str, child_type: &str| {
            let parent = self.segment(i, parent_attr, Some(parent_tf));
            format!(
                "/subscriptions/{{subscriptionId}}/resourceGroups/{}/providers/{parent_type}/{parent}/{child_type}/{name}",
                rg()
            )
        };
        let id = match r.resource_type.as_str() {
            "azurerm_resource_group" => {
                format!("/subscriptions/{{subscriptionId}}/resourceGroups/{name}")
            }
            "azurerm_kubernetes_cluster" => scoped("Microsoft.ContainerService/managedClusters"),
            "azurerm_virtual_network" => scoped("Microsoft.Network/virtualNetworks"),
            "azurerm_network_security_group" => scoped("Microsoft.Network/networkSecurityGroups"),
            "azurerm_route_table" => scoped("Microsoft.Network/routeTables"),
            "azurerm_nat_gateway" => scoped("Microsoft.Network/natGateways"),
            "azurerm_public_ip" => scoped("Microsoft.Network/publicIPAddresses"),
            "azurerm_public_ip_prefix" => scoped("Microsoft.Network/publicIPPrefixes"),
            "azurerm_firewall" => scoped("Microsoft.Network/azureFirewalls"),
            "azurerm_firewall_policy" => scoped("Microsoft.Network/firewallPolicies"),
            "azurerm_application_gateway" => scoped("Microsoft.Network/applicationGateways"),
            "azurerm_private_dns_zone" => scoped("Microsoft.Network/privateDnsZones"),
            "azurerm_user_assigned_identity" => {
                scoped("Microsoft.ManagedIdentity/userAssignedIdentities")
            }
            "azurerm_service_plan" | "azurerm_app_service_plan" => {
                scoped("Microsoft.Web/serverFarms")
            }
            "azurerm_linux_web_app"
            | "azurerm_windows_web_app"
            | "azurerm_linux_function_app"
            | "azurerm_windows_function_app"
            | "azurerm_app_service"
            | "azurerm_function_app" => scoped("Microsoft.Web/sites"),
            "azurerm_app_service_environment_v3" => scoped("Microsoft.Web/hostingEnvironments"),
            "azurerm_subnet" => child(
                "virtual_network_name",
                "azurerm_virtual_network",
                "Microsoft.Network/virtualNetworks",
                "subnets",
            ),
            "azurerm_virtual_network_peering" => child(
                "virtual_network_name",
                "azurerm_virtual_network",
                "Microsoft.Network/virtualNetworks",
                "virtualNetworkPeerings",
            ),
            "azurerm_network_security_rule" => child(
                "network_security_group_name",
                "azurerm_network_security_group",
                "Microsoft.Network/networkSecurityGroups",
                "securityRules",
            ),
            "azurerm_private_dns_zone_virtual_network_link" => child(
                "private_dns_zone_name",
                "azurerm_private_dns_zone",
                "Microsoft.Network/privateDnsZones",
                "virtualNetworkLinks",
            ),
            "azurerm_firewall_application_rule_collection" => child(
                "azure_firewall_name",
                "azurerm_firewall",
                "Microsoft.Network/azureFirewalls",
                "applicationRuleCollections",
            ),
            "azurerm_firewall_network_rule_collection" => child(
                "azure_firewall_name",
                "azurerm_firewall",
                "Microsoft.Network/azureFirewalls",
                "networkRuleCollections",
            ),
            "azurerm_firewall_policy_rule_collection_group" => {
                let policy = self.parent_id(
                    i,
                    "firewall_policy_id",
                    Some("azurerm_firewall_policy"),
                    depth,
                )?;
                format!("{policy}/ruleCollectionGroups/{name}")
            }
            "azurerm_route" => child(
                "route_table_name",
                "azurerm_route_table",
                "Microsoft.Network/routeTables",
                "routes",
            ),
            "azurerm_kubernetes_cluster_node_pool" => {
                let cluster = self.parent_id(
                    i,
                    "kubernetes_cluster_id",
                    Some("azurerm_kubernetes_cluster"),
                    depth,
                )?;
                format!("{cluster}/agentPools/{name}")
            }
            "azapi_resource" => {
                let parent = self.parent_id(i, "parent_id", None, depth)?;
                let ty = r.values.get("type").and_then(Node::as_str)?;
                azapi_id(&parent, ty, &name)?
            }
            _ => return None,
        };
        Some(id)
    }

    /// The id of a parent named by an id attribute: its value, else the id of the
    /// resource (of type `tf_type`, when given) it refers to.
    fn parent_id(
        &mut self,
        i: usize,
        attr: &str,
        tf_type: Option<&str>,
        depth: usize,
    ) -> Option<String> {
        if let Some(id) = stated(self.resources[i].values.get(attr)) {
            return Some(id);
        }
        let t = self.target(i, attr)?;
        if tf_type.is_some_and(|ty| self.resources[t].resource_type != ty) {
            return None;
        }
        self.compute(t, depth + 1)
    }
}

/// The `id` attribute when it is a usable literal id.
fn stated_id(values: &Node) -> Option<String> {
    stated(values.get("id"))
}

fn stated(node: Option<&Node>) -> Option<String> {
    let s = node?.as_str()?.trim().trim_end_matches('/');
    (s.starts_with('/') && !s.contains(['{', '}', '$'])).then(|| s.to_string())
}

/// A known, plain value usable as one id segment.
fn plain_segment(node: Option<&Node>) -> Option<String> {
    match nonempty_string(node) {
        Field::Known(s, _) if !s.contains(['/', '{', '}', '$']) => Some(s),
        _ => None,
    }
}

/// A literal segment that stands for an unknown value of one resource only.
fn marker(address: &str) -> String {
    let clean: String = address
        .chars()
        .map(|c| if matches!(c, '/' | '{' | '}') { '_' } else { c })
        .collect();
    format!("unknown({clean})")
}

/// `Microsoft.Network/virtualNetworks@2023-11-01` under a resource group or a parent resource.
fn azapi_id(parent: &str, type_with_version: &str, name: &str) -> Option<String> {
    let ty = type_with_version
        .split('@')
        .next()
        .unwrap_or(type_with_version);
    let mut parts = ty.split('/');
    let namespace = parts.next().filter(|n| !n.is_empty())?;
    let types: Vec<&str> = parts.collect();
    let parent = parent.trim_end_matches('/');
    match types.as_slice() {
        [] => None,
        [single] if !parent.to_ascii_lowercase().contains("/providers/") => {
            Some(format!("{parent}/providers/{namespace}/{single}/{name}"))
        }
        [.., last] if types.len() > 1 && parent.to_ascii_lowercase().contains("/providers/") => {
            Some(format!("{parent}/{last}/{name}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azapi_ids_under_groups_and_parents() {
        assert_eq!(
            azapi_id(
                "/subscriptions/1/resourceGroups/rg",
                "Microsoft.Network/virtualNetworks@2023-11-01",
                "v"
            )
            .as_deref(),
            Some(
                "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
            )
        );
        assert_eq!(
            azapi_id(
                "/subscriptions/1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
                "Microsoft.Network/virtualNetworks/subnets@2023-11-01",
                "s"
            )
            .as_deref(),
            Some("/subscriptions/1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s")
        );
        assert!(azapi_id("/subscriptions/1/resourceGroups/rg", "nonsense", "x").is_none());
    }

    #[test]
    fn markers_are_literal_segments() {
        assert_eq!(marker("a.b[\"x/y{z}\"]"), "unknown(a.b[\"x_y_z_\"])");
    }
}
