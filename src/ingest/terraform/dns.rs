//! `azurerm_private_dns_zone` and `azurerm_private_dns_zone_virtual_network_link`.

use super::azurerm::{Cx, VNET};
use crate::ingest::values::string;
use crate::model::{Field, InventoryBuilder, PrivateDnsZone, ResourceId, VnetLink};
use crate::source::Span;

pub(super) fn zone(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    b.add_private_dns_zone(PrivateDnsZone {
        id: cx.id(),
        address: cx.r.address.clone(),
        decl: cx.r.decl,
        name: string(cx.v("name")),
        links: Vec::new(),
    });
}

/// A link, added to its zone (named by `private_dns_zone_name` and
/// `resource_group_name`): `virtual_network_id`.
pub(super) fn link(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let Some(zone_id) = cx.id().as_ref().and_then(ResourceId::parent) else {
        b.count_other();
        return;
    };
    let link = VnetLink {
        decl: cx.r.decl,
        name: string(cx.v("name")),
        vnet: None,
        vnet_id: cx.id_field(cx.v("virtual_network_id"), "virtual_network_id", VNET),
    };
    b.add_private_dns_zone(PrivateDnsZone {
        address: zone_id.to_string(),
        id: Some(zone_id),
        decl: Span::default(),
        name: Field::Absent,
        links: vec![link],
    });
}
