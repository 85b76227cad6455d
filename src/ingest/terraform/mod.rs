//! Terraform (plan/state JSON, HCL, `.tf.json`, Terraform-shaped YAML) and
//! Crossplane's Terraform-derived resources meet here: every front-end produces
//! [`TfResource`]s, and [`ingest_tf`] maps the azurerm/azapi types into the model.
//!
//! INTERFACE CONTRACT (shared by the front-ends):
//! * `values` holds the resource's attributes with Terraform's snake_case names;
//!   nested blocks are objects or arrays of objects (`default_node_pool`, `subnet`,
//!   `network_profile`); values not known before apply are `NodeKind::Unknown`.
//! * `refs` lists what the configuration says an attribute refers to, as
//!   (attribute path, target address): (`"default_node_pool.vnet_subnet_id"`,
//!   `"azurerm_subnet.nodes"`); paths are dotted attribute names without list
//!   indices; target addresses are the `address` of another `TfResource` of the
//!   same ingest call (module prefixes included: `module.net.azurerm_subnet.nodes`).
//! * `address` is unique within one `ingest_tf` call.

mod address;
mod appgw;
mod appservice;
mod azapi;
mod azurerm;
mod dns;
mod firewall;
pub mod plan;
mod publicip;
mod resolve;
mod role;
pub mod roots;
#[cfg(test)]
mod tests;

pub use plan::{ingest_plan, is_plan_or_state};

use crate::model::{AssociationKind, FirewallRuleKind, InventoryBuilder};
use crate::source::Span;
use crate::syntax::Node;

pub mod hcl;

/// One Terraform-shaped resource, from whichever front-end.
#[derive(Clone, Debug)]
pub struct TfResource {
    /// `azurerm_kubernetes_cluster`, `azapi_resource`, …
    pub resource_type: String,
    /// `module.aks.azurerm_kubernetes_cluster.main`, `azurerm_subnet.nodes["a"]`,
    /// or `Subnet/my-subnet` for Crossplane.
    pub address: String,
    pub values: Node,
    /// The resource's block or object, for diagnostics about the whole resource.
    pub decl: Span,
    pub refs: Vec<(String, String)>,
}

/// Maps a set of Terraform-shaped resources into the model. References are
/// resolved within the set, so call it once per configuration/plan/stream.
/// Data sources (`data.…` addresses) are not added: they only lend their ids
/// and names to the references that point at them.
pub fn ingest_tf(b: &mut InventoryBuilder, resources: &[TfResource]) {
    let rs = resolve::Resolver::new(resources);
    let loose = |t: &str| azurerm::loose_association(&rs, resources, t);
    let loose_nsg = loose("azurerm_subnet_network_security_group_association");
    let loose_route_table = loose("azurerm_subnet_route_table_association");
    let loose_nat_gateway = loose("azurerm_subnet_nat_gateway_association");
    for (i, r) in resources.iter().enumerate() {
        if address::is_data_source(&r.address) {
            continue;
        }
        let cx = azurerm::Cx {
            r,
            i,
            rs: &rs,
            loose_nsg,
            loose_route_table,
            loose_nat_gateway,
        };
        ingest_one(b, &cx);
    }
}

fn ingest_one(b: &mut InventoryBuilder, cx: &azurerm::Cx<'_>) {
    match cx.r.resource_type.as_str() {
        "azurerm_kubernetes_cluster" => azurerm::cluster(b, cx),
        "azurerm_kubernetes_cluster_node_pool" => azurerm::node_pool(b, cx),
        "azurerm_virtual_network" => azurerm::virtual_network(b, cx),
        "azurerm_subnet" => azurerm::subnet(b, cx),
        "azurerm_subnet_network_security_group_association" => {
            azurerm::association(b, cx, AssociationKind::NetworkSecurityGroup)
        }
        "azurerm_subnet_route_table_association" => {
            azurerm::association(b, cx, AssociationKind::RouteTable)
        }
        "azurerm_subnet_nat_gateway_association" => {
            azurerm::association(b, cx, AssociationKind::NatGateway)
        }
        "azurerm_network_security_group" => azurerm::network_security_group(b, cx),
        "azurerm_network_security_rule" => azurerm::network_security_rule(b, cx),
        "azurerm_route_table" => azurerm::route_table(b, cx),
        "azurerm_route" => azurerm::route(b, cx),
        "azurerm_virtual_network_peering" => azurerm::peering(b, cx),
        "azurerm_linux_web_app"
        | "azurerm_windows_web_app"
        | "azurerm_linux_function_app"
        | "azurerm_windows_function_app"
        | "azurerm_app_service"
        | "azurerm_function_app" => appservice::app(b, cx),
        "azurerm_app_service_virtual_network_swift_connection" => {
            appservice::swift_connection(b, cx)
        }
        "azurerm_app_service_environment_v3" => appservice::environment_v3(b, cx),
        "azurerm_application_gateway" => appgw::application_gateway(b, cx),
        "azurerm_private_dns_zone" => dns::zone(b, cx),
        "azurerm_private_dns_zone_virtual_network_link" => dns::link(b, cx),
        "azurerm_role_assignment" => role::role_assignment(b, cx),
        "azurerm_user_assigned_identity" => role::managed_identity(b, cx),
        "azurerm_role_definition" => role::role_definition(b, cx),
        "azurerm_public_ip" => publicip::public_ip(b, cx),
        "azurerm_public_ip_prefix" => publicip::public_ip_prefix(b, cx),
        "azurerm_nat_gateway" => publicip::nat_gateway(b, cx),
        "azurerm_nat_gateway_public_ip_association" => {
            publicip::nat_gateway_association(b, cx, false)
        }
        "azurerm_nat_gateway_public_ip_prefix_association" => {
            publicip::nat_gateway_association(b, cx, true)
        }
        "azurerm_firewall" => firewall::firewall(b, cx),
        "azurerm_firewall_policy" => firewall::policy(b, cx),
        "azurerm_firewall_policy_rule_collection_group" => firewall::rule_collection_group(b, cx),
        "azurerm_firewall_application_rule_collection" => {
            firewall::classic_collection(b, cx, FirewallRuleKind::Application)
        }
        "azurerm_firewall_network_rule_collection" => {
            firewall::classic_collection(b, cx, FirewallRuleKind::Network)
        }
        "azapi_resource" => azapi::resource(b, cx),
        _ => b.count_other(),
    }
}
