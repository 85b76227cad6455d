//! `Microsoft.Network/applicationGateways`: the SKU and the gateway's subnet,
//! for the AGIC add-on (F-096).

use super::Resource;
use crate::ingest::values::{nonempty_string, resource_id, string};
use crate::model::{ApplicationGateway, InventoryBuilder};

/// `sku.name`/`sku.tier` and the first `gatewayIPConfigurations` entry's subnet
/// (a gateway has one gateway IP configuration).
pub(super) fn application_gateway(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let sku = r.prop("sku");
    let subnet = r
        .prop("gatewayIPConfigurations")
        .and_then(|c| c.as_array())
        .and_then(|c| c.first())
        .and_then(|c| c.get("properties").or(Some(c)))
        .and_then(|p| p.get("subnet"))
        .and_then(|s| s.get("id"));
    b.add_application_gateway(ApplicationGateway {
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        name: string(r.name()),
        subnet: None,
        sku_tier: nonempty_string(sku.and_then(|s| s.get("tier"))),
        sku_name: nonempty_string(sku.and_then(|s| s.get("name"))),
        subnet_id: resource_id(subnet),
    });
}
