//! `azurerm_public_ip`, `azurerm_public_ip_prefix`, `azurerm_nat_gateway` and the
//! NAT gateway's public IP and prefix associations (F-090).

use super::azurerm::{Cx, NAT_GATEWAY, PUBLIC_IP, PUBLIC_IP_PREFIX};
use crate::ingest::values::{cidr, ip, nonempty_string, string};
use crate::model::{Field, InventoryBuilder, NatGateway, PublicIpAddress, PublicIpPrefix};
use crate::source::Span;

pub(super) fn public_ip(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    b.add_public_ip(PublicIpAddress {
        id: cx.id(),
        address: cx.r.address.clone(),
        decl: cx.r.decl,
        name: string(cx.v("name")),
        prefix: None,
        // Computed: known in plans and state of an address that exists.
        ip_address: ip(cx.v("ip_address")),
        prefix_id: cx.id_field(
            cx.v("public_ip_prefix_id"),
            "public_ip_prefix_id",
            PUBLIC_IP_PREFIX,
        ),
    });
}

pub(super) fn public_ip_prefix(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    b.add_public_ip_prefix(PublicIpPrefix {
        id: cx.id(),
        address: cx.r.address.clone(),
        decl: cx.r.decl,
        name: string(cx.v("name")),
        ip_prefix: cidr(cx.v("ip_prefix")),
    });
}

pub(super) fn nat_gateway(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    b.add_nat_gateway(NatGateway {
        id: cx.id(),
        address: cx.r.address.clone(),
        decl: cx.r.decl,
        name: string(cx.v("name")),
        public_ip_ids: Vec::new(),
        public_ip_prefix_ids: Vec::new(),
        public_ips: Vec::new(),
        public_ip_prefixes: Vec::new(),
        sku_name: nonempty_string(cx.v("sku_name")),
    });
}

/// `azurerm_nat_gateway_public_ip_association` (`prefix`: the `_prefix_association`),
/// added to its gateway as a stub.
pub(super) fn nat_gateway_association(b: &mut InventoryBuilder, cx: &Cx<'_>, prefix: bool) {
    let gateway = cx.id_field(cx.v("nat_gateway_id"), "nat_gateway_id", NAT_GATEWAY);
    let Some(id) = gateway.known().cloned() else {
        b.count_other();
        return;
    };
    let (attr, ty) = if prefix {
        ("public_ip_prefix_id", PUBLIC_IP_PREFIX)
    } else {
        ("public_ip_address_id", PUBLIC_IP)
    };
    let target = cx.id_field(cx.v(attr), attr, ty);
    let (ips, prefixes) = if prefix {
        (Vec::new(), vec![target])
    } else {
        (vec![target], Vec::new())
    };
    // The child resource was read: it counts, though it merges into its parent.
    b.count_other();
    b.add_nat_gateway(NatGateway {
        address: id.to_string(),
        id: Some(id),
        decl: Span::default(),
        name: Field::Absent,
        public_ip_ids: ips,
        public_ip_prefix_ids: prefixes,
        public_ips: Vec::new(),
        public_ip_prefixes: Vec::new(),
        sku_name: Field::Absent,
    });
}
