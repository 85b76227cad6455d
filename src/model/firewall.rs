//! Azure Firewalls: the appliance a node subnet's default route can point at,
//! with its private and public addresses, its classic rules or its Firewall
//! Policy, and its DNS proxy (F-085, F-150, F-151).

use std::net::IpAddr;

use super::registry::model_object;
use super::{Field, FirewallRuleCollection, ResourceId, SubnetIdx};
use crate::source::Span;

model_object! {
    #[derive(Clone, Debug)]
    pub struct AzureFirewall {
        pub id: Option<ResourceId>,
        pub address: String,
        /// The firewall's object; the default span for a stub made from a rule collection resource.
        pub decl: Span,
        pub name: Field<String>,
        /// Classic rules: `applicationRuleCollections`, `networkRuleCollections`,
        /// `natRuleCollections` (Terraform: `azurerm_firewall_*_rule_collection`).
        pub collections: Vec<FirewallRuleCollection>,
        /// True when the input states the classic rules in full (ARM-shaped inputs list
        /// `applicationRuleCollections`/`networkRuleCollections` in the firewall, even
        /// empty); Terraform's come from resources of their own, which may be elsewhere.
        pub classic_rules_stated: bool,
        /// Resolved after linking: the subnet `subnet_id` names (`AzureFirewallSubnet`).
        pub subnet: Option<SubnetIdx>,
        /// Resolved after linking: the policy `policy_id` names (an index into
        /// `Inventory::firewall_policies`).
        pub policy: Option<usize>,
        /// Resolved after linking: the public IPs `public_ip_ids` name, in order.
        pub public_ips: Vec<Option<usize>>,
    }
    fields {
        /// `ipConfigurations[].properties.privateIPAddress`: allocated by Azure, so
        /// known only in live exports, state and plans.
        private_ips: Vec<Field<IpAddr>>,
        /// `ipConfigurations[0].properties.subnet.id`: the `AzureFirewallSubnet`.
        subnet_id: Field<ResourceId>,
        /// `ipConfigurations[].properties.publicIPAddress.id`.
        public_ip_ids: Vec<Field<ResourceId>>,
        /// `firewallPolicy.id`.
        policy_id: Field<ResourceId>,
        /// `additionalProperties["Network.DNS.EnableProxy"]` (Terraform `dns_proxy_enabled`);
        /// with a policy, the policy's setting counts.
        dns_proxy: Field<bool>,
        /// `sku.tier`: `Basic`, `Standard` or `Premium`.
        sku_tier: Field<String> = "sku.tier",
    }
}
