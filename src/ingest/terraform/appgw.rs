//! `azurerm_application_gateway`: its `sku` block and the subnet of its
//! `gateway_ip_configuration`, for the AGIC add-on (F-096).

use super::azurerm::{block, blocks, sub, Cx, SUBNET};
use crate::ingest::values::{nonempty_string, string};
use crate::model::{ApplicationGateway, InventoryBuilder};

pub(super) fn application_gateway(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let sku = block(cx.v("sku"));
    let config = blocks(cx.v("gateway_ip_configuration")).first().copied();
    b.add_application_gateway(ApplicationGateway {
        id: cx.id(),
        address: cx.r.address.clone(),
        decl: cx.r.decl,
        name: string(cx.v("name")),
        subnet: None,
        sku_tier: nonempty_string(sub(sku, "tier")),
        sku_name: nonempty_string(sub(sku, "name")),
        subnet_id: cx.id_field(
            sub(config, "subnet_id"),
            "gateway_ip_configuration.subnet_id",
            SUBNET,
        ),
    });
}
