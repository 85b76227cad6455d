//! AKS4xx, egress: outbound type, routes, NAT gateway and SNAT ports. AKS003
//! (`udr-on-managed-vnet`) lives here too: it is about routes on the VNet AKS
//! manages.

mod firewall_asymmetric_routing;
mod firewall_blocks_required_egress;
mod nat_gateway_outbound_mismatch;
mod snat_port_budget;
mod udr_on_managed_vnet;
mod udr_outbound_without_default_route;

pub use firewall_asymmetric_routing::FirewallAsymmetricRouting;
pub use firewall_blocks_required_egress::FirewallBlocksRequiredEgress;
pub use nat_gateway_outbound_mismatch::NatGatewayOutboundMismatch;
pub use snat_port_budget::SnatPortBudget;
pub use udr_on_managed_vnet::UdrOnManagedVnet;
pub use udr_outbound_without_default_route::UdrOutboundWithoutDefaultRoute;

// What the rule files take from `super::`.
use super::shared::{capacity, firewall, node_resource_group};
use super::{cluster_name, declare_rule, pool_name, thousands, Context, Rule, RuleMeta};
