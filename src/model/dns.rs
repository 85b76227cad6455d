//! Private DNS zones (`Microsoft.Network/privateDnsZones`) and their virtual
//! network links: where a private cluster's API server name resolves (F-103).

use super::registry::model_object;
use super::{Field, ResourceId, VnetIdx};
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct PrivateDnsZone {
    pub id: Option<ResourceId>,
    pub address: String,
    /// The zone's object; the default span for a stub made from a link written on its own.
    pub decl: Span,
    /// The zone's DNS name (`privatelink.westeurope.azmk8s.io`): its resource name.
    pub name: Field<String>,
    /// `virtualNetworkLinks`, written inside the zone or as resources of their own.
    pub links: Vec<VnetLink>,
}

model_object! {
    #[derive(Clone, Debug)]
    pub struct VnetLink {
        pub decl: Span,
        pub name: Field<String>,
        /// Resolved after linking: the VNet `vnet_id` names (own scope first).
        pub vnet: Option<VnetIdx>,
    }
    fields {
        /// `virtualNetwork.id` (Terraform `virtual_network_id`).
        vnet_id: Field<ResourceId>,
    }
}
