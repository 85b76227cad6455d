//! Azure resources in ARM's own shape into the model. One mapping serves ARM
//! templates (after evaluation), `az resource show`/REST bodies, Resource Graph
//! rows and `az` CLI output, whose `properties` are flattened to the top level.

mod appgw;
mod appservice;
mod cluster;
mod dns;
mod firewall;
mod network;
mod publicip;
mod role;
#[cfg(test)]
mod tests;

use crate::model::{InventoryBuilder, ResourceId, TagSuppression};
use crate::source::Span;
use crate::syntax::Node;

/// One resource as it appears in some input.
pub struct Resource<'a> {
    pub node: &'a Node,
    /// Fully qualified type, when known (`Microsoft.Network/virtualNetworks/subnets`).
    pub resource_type: String,
    pub id: Option<ResourceId>,
    /// Id, or `type/name` when no id could be built.
    pub address: String,
    pub decl: Span,
}

impl<'a> Resource<'a> {
    /// Describes a resource node of any Azure shape; `type_hint` comes from the
    /// container (an ARM template knows the type even when the node does not).
    pub fn from_node(
        node: &'a Node,
        type_hint: Option<&str>,
        id_hint: Option<ResourceId>,
    ) -> Resource<'a> {
        let id = id_hint.or_else(|| {
            ["id", "resourceId"].iter().find_map(|k| {
                node.get(k)
                    .and_then(Node::as_str)
                    .and_then(ResourceId::parse)
            })
        });
        let resource_type = type_hint
            .map(str::to_string)
            .or_else(|| declared_type(node))
            .or_else(|| id.as_ref().map(ResourceId::resource_type))
            .unwrap_or_default();
        let address = match &id {
            Some(id) => id.as_str().to_string(),
            None => {
                let name = node.get("name").and_then(Node::as_str).unwrap_or("?");
                format!("{resource_type}/{name}")
            }
        };
        Resource {
            node,
            resource_type,
            id,
            address,
            decl: node.span,
        }
    }

    /// A property, from `properties` (ARM) or from the top level (`az` CLI flattens it).
    pub fn prop(&self, key: &str) -> Option<&'a Node> {
        prop(self.node, key)
    }

    pub fn name(&self) -> Option<&'a Node> {
        self.node.get("name")
    }
}

/// `properties.<key>`, else `<key>` at the top level.
pub fn prop<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    node.get("properties")
        .and_then(|p| p.get(key))
        .or_else(|| node.get(key))
}

/// The resource type a node declares. Inline agent pools carry `type:
/// VirtualMachineScaleSets`, which is a VM type, not a resource type.
fn declared_type(node: &Node) -> Option<String> {
    ["type", "resourceType"]
        .iter()
        .filter_map(|k| node.get(k).and_then(Node::as_str))
        .find(|t| t.contains('/'))
        .map(str::to_string)
}

/// True when a node looks like an Azure resource of a type akslint models or counts.
pub fn looks_like_resource(node: &Node) -> bool {
    declared_type(node).is_some()
        || node
            .get("id")
            .and_then(Node::as_str)
            .and_then(ResourceId::parse)
            .is_some()
}

/// Records an `akslint-ignore` tag (`"AKS001,AKS004"`) on a resource.
pub fn tag_suppression(b: &mut InventoryBuilder, tags: Option<&Node>, address: &str) {
    let Some(tag) = tags.and_then(|t| t.get(crate::suppress::TAG)) else {
        return;
    };
    let Some(text) = tag.as_str() else { return };
    let codes: Vec<String> = text
        .split([',', ' ', ';'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    if !codes.is_empty() {
        b.add_tag_suppression(TagSuppression {
            address: address.to_string(),
            codes,
            span: tag.span,
        });
    }
}

/// Adds one resource to the inventory, honouring an `akslint-ignore` tag on it.
pub fn ingest(b: &mut InventoryBuilder, r: &Resource<'_>) {
    tag_suppression(b, r.node.get("tags"), &r.address);
    ingest_model(b, r);
}

/// Adds one resource to the inventory. Types akslint does not model are counted.
/// azapi, CAPZ and the classic Crossplane provider pass their tags only since
/// tags are modelled; they call this so that `akslint-ignore` tags keep the reach
/// they had (ARM-shaped JSON, live resources and ASO).
pub fn ingest_model(b: &mut InventoryBuilder, r: &Resource<'_>) {
    match r.resource_type.to_ascii_lowercase().as_str() {
        "microsoft.containerservice/managedclusters" => cluster::cluster(b, r),
        "microsoft.containerservice/managedclusters/agentpools" => {
            cluster::separate_pool(b, r);
        }
        "microsoft.network/virtualnetworks" => network::vnet(b, r),
        "microsoft.network/virtualnetworks/subnets" => network::separate_subnet(b, r),
        "microsoft.network/virtualnetworks/virtualnetworkpeerings" => {
            network::separate_peering(b, r)
        }
        "microsoft.network/networksecuritygroups" => network::nsg(b, r),
        "microsoft.network/networksecuritygroups/securityrules" => {
            network::separate_security_rule(b, r)
        }
        "microsoft.network/routetables" => network::route_table(b, r),
        "microsoft.authorization/roleassignments" => role::role_assignment(b, r),
        "microsoft.managedidentity/userassignedidentities" => role::managed_identity(b, r),
        "microsoft.authorization/roledefinitions" => role::role_definition(b, r),
        t if t.ends_with("/providers/roleassignments") => role::role_assignment(b, r),
        "microsoft.network/applicationgateways" => appgw::application_gateway(b, r),
        "microsoft.network/routetables/routes" => network::separate_route(b, r),
        "microsoft.network/privatednszones" => dns::zone(b, r),
        "microsoft.network/publicipaddresses" => publicip::public_ip(b, r),
        "microsoft.network/publicipprefixes" => publicip::public_ip_prefix(b, r),
        "microsoft.network/natgateways" => publicip::nat_gateway(b, r),
        "microsoft.network/azurefirewalls" => firewall::firewall(b, r),
        "microsoft.network/firewallpolicies" => firewall::policy(b, r),
        "microsoft.network/firewallpolicies/rulecollectiongroups" => {
            firewall::rule_collection_group(b, r)
        }
        "microsoft.network/privatednszones/virtualnetworklinks" => dns::separate_link(b, r),
        "microsoft.web/sites" => appservice::site(b, r),
        "microsoft.web/serverfarms" => appservice::server_farm(b, r),
        "microsoft.web/sites/networkconfig" => appservice::network_config(b, r),
        "microsoft.web/hostingenvironments" => appservice::hosting_environment(b, r),
        _ => b.count_other(),
    }
}
