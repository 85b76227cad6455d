//! `Microsoft.Network/privateDnsZones` and their `virtualNetworkLinks`.

use super::Resource;
use crate::ingest::values::{resource_id, string};
use crate::model::{Field, InventoryBuilder, PrivateDnsZone, ResourceId, VnetLink};
use crate::source::Span;

/// A zone: its name is its DNS name.
pub(super) fn zone(b: &mut InventoryBuilder, r: &Resource<'_>) {
    b.add_private_dns_zone(PrivateDnsZone {
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        name: string(r.name()),
        links: Vec::new(),
    });
}

/// A virtual network link, added to its zone (a stub that merges with the zone's
/// own declaration): `properties.virtualNetwork.id`.
pub(super) fn separate_link(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let Some(zone_id) = r.id.as_ref().and_then(ResourceId::parent) else {
        b.count_other();
        return;
    };
    let name = match string(r.name()) {
        // Templates name child resources `zone/link`.
        Field::Known(n, s) => Field::Known(n.rsplit('/').next().unwrap_or(&n).to_string(), s),
        other => other,
    };
    let link = VnetLink {
        decl: r.decl,
        name,
        vnet: None,
        vnet_id: resource_id(r.prop("virtualNetwork")),
    };
    b.add_private_dns_zone(PrivateDnsZone {
        address: zone_id.to_string(),
        id: Some(zone_id),
        decl: Span::default(),
        name: Field::Absent,
        links: vec![link],
    });
}
