//! `Microsoft.Network/publicIPAddresses`, `publicIPPrefixes` and `natGateways`:
//! the addresses egress leaves from (F-090).

use super::{prop, Resource};
use crate::ingest::values::{cidr, ip, list, nonempty_string, resource_id, string};
use crate::model::{InventoryBuilder, NatGateway, PublicIpAddress, PublicIpPrefix};
use crate::syntax::Node;

/// The first of several spellings of a property (ARM `publicIPPrefix`, az CLI `publicIpPrefix`).
fn first<'a>(r: &Resource<'a>, keys: &[&str]) -> Option<&'a Node> {
    keys.iter().find_map(|k| r.prop(k))
}

pub(super) fn public_ip(b: &mut InventoryBuilder, r: &Resource<'_>) {
    b.add_public_ip(PublicIpAddress {
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        name: string(r.name()),
        prefix: None,
        ip_address: ip(r.prop("ipAddress")),
        prefix_id: resource_id(first(r, &["publicIPPrefix", "publicIpPrefix"])),
    });
}

pub(super) fn public_ip_prefix(b: &mut InventoryBuilder, r: &Resource<'_>) {
    b.add_public_ip_prefix(PublicIpPrefix {
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        name: string(r.name()),
        ip_prefix: cidr(r.prop("ipPrefix")),
    });
}

pub(super) fn nat_gateway(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let ids = |keys: &[&str]| list(first(r, keys), resource_id);
    b.add_nat_gateway(NatGateway {
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        name: string(r.name()),
        public_ip_ids: ids(&["publicIpAddresses", "publicIPAddresses"]),
        public_ip_prefix_ids: ids(&["publicIpPrefixes", "publicIPPrefixes"]),
        public_ips: Vec::new(),
        public_ip_prefixes: Vec::new(),
        sku_name: nonempty_string(r.node.get("sku").and_then(|s| prop(s, "name"))),
    });
}
