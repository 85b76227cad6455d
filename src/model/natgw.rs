//! NAT gateways: the public IPs and prefixes a `userAssignedNATGateway`
//! cluster's egress leaves from (F-078, F-090).

use super::registry::model_object;
use super::{Field, ResourceId};
use crate::source::Span;

model_object! {
    #[derive(Clone, Debug)]
    pub struct NatGateway {
        pub id: Option<ResourceId>,
        pub address: String,
        /// The gateway's object; the default span for a stub made from an association.
        pub decl: Span,
        pub name: Field<String>,
        /// `publicIpAddresses[].id`, and Terraform's `azurerm_nat_gateway_public_ip_association`s.
        /// Outside the field list: associations add to it rather than replace it.
        pub public_ip_ids: Vec<Field<ResourceId>>,
        /// `publicIpPrefixes[].id`, and `azurerm_nat_gateway_public_ip_prefix_association`s.
        pub public_ip_prefix_ids: Vec<Field<ResourceId>>,
        /// Resolved after linking: the addresses `public_ip_ids` name, when among the inputs.
        pub public_ips: Vec<Option<usize>>,
        /// Resolved after linking: the prefixes `public_ip_prefix_ids` name.
        pub public_ip_prefixes: Vec<Option<usize>>,
    }
    fields {
        /// `sku.name`: `Standard` or `StandardV2`.
        sku_name: Field<String> = "sku.name",
    }
}
