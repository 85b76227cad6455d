//! VNets, subnets, peerings, NSGs, route tables and their child resources.

use super::{prop, Resource};
use crate::ingest::values::{boolean, cidr, int, list, nonempty_string, resource_id, string, tags};
use crate::model::{
    Field, InventoryBuilder, NetworkSecurityGroup, Peering, ResourceId, Route, RouteTable,
    SecurityRule, Subnet, Tags, VirtualNetwork,
};
use crate::source::Span;
use crate::syntax::Node;

pub(super) fn vnet(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let space = r
        .prop("addressSpace")
        .and_then(|a| a.get("addressPrefixes"));
    let peerings = r
        .prop("virtualNetworkPeerings")
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .map(peering_from)
        .collect();
    b.add_vnet(VirtualNetwork {
        peered_from: Vec::new(),
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        name: string(r.name()),
        tags: tags(r.node.get("tags")),
        address_prefixes: list(space, cidr),
        dns_servers: list(
            r.prop("dhcpOptions").and_then(|d| d.get("dnsServers")),
            nonempty_string,
        ),
        subnets: Vec::new(),
        peerings,
    });
    for item in r
        .prop("subnets")
        .and_then(Node::as_array)
        .unwrap_or_default()
    {
        let name = item.get("name").and_then(Node::as_str);
        let inline_id = item
            .get("id")
            .and_then(Node::as_str)
            .and_then(ResourceId::parse);
        let id = inline_id.or_else(|| {
            let vnet = r.id.as_ref()?;
            vnet.child("subnets", name?)
        });
        let address = id.as_ref().map_or_else(
            || format!("{}/subnets/{}", r.address, name.unwrap_or("?")),
            |i| i.to_string(),
        );
        let mut subnet = subnet_from(item, id, address, item.span);
        if subnet.vnet_id.is_none() {
            subnet.vnet_id = r.id.clone();
        }
        b.add_subnet(subnet);
    }
}

pub(super) fn separate_subnet(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let mut subnet = subnet_from(r.node, r.id.clone(), r.address.clone(), r.decl);
    subnet.name = short_name(subnet.name);
    b.add_subnet(subnet);
}

/// Templates name child resources `parent/child`; the model keeps the child's own name.
fn short_name(name: Field<String>) -> Field<String> {
    match name {
        Field::Known(n, s) => Field::Known(n.rsplit('/').next().unwrap_or(&n).to_string(), s),
        other => other,
    }
}

fn subnet_from(node: &Node, id: Option<ResourceId>, address: String, decl: Span) -> Subnet {
    let p = |k: &str| prop(node, k);
    let mut prefixes = list(p("addressPrefixes"), cidr);
    if prefixes.is_empty() {
        prefixes = list(p("addressPrefix"), cidr);
    }
    let delegations = list(p("delegations"), |d| {
        let service = d.and_then(|d| prop(d, "serviceName"));
        nonempty_string(service)
    });
    let service_endpoints = list(p("serviceEndpoints"), |e| {
        nonempty_string(e.and_then(|e| prop(e, "service")))
    });
    Subnet {
        vnet_id: id.as_ref().and_then(ResourceId::parent),
        id,
        address,
        decl,
        name: string(node.get("name")),
        address_prefixes: prefixes,
        nsg_id: resource_id(p("networkSecurityGroup")),
        route_table_id: resource_id(p("routeTable")),
        nat_gateway_id: resource_id(p("natGateway")),
        delegations,
        service_endpoints,
        nsg: None,
        route_table: None,
        nat_gateway: None,
        vnet: None,
    }
}

fn peering_from(node: &Node) -> Peering {
    let p = |k: &str| prop(node, k);
    Peering {
        remote_vnet: None,
        name: short_name(string(node.get("name"))),
        decl: node.span,
        remote_vnet_id: resource_id(p("remoteVirtualNetwork")),
        remote_address_prefixes: list(
            p("remoteAddressSpace").and_then(|a| a.get("addressPrefixes")),
            cidr,
        ),
    }
}

pub(super) fn separate_peering(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let Some(vnet_id) = r.id.as_ref().and_then(ResourceId::parent) else {
        b.count_other();
        return;
    };
    b.add_vnet(VirtualNetwork {
        peered_from: Vec::new(),
        address: vnet_id.to_string(),
        id: Some(vnet_id),
        decl: Span::default(),
        name: Field::Absent,
        tags: Tags::default(),
        address_prefixes: Vec::new(),
        dns_servers: Vec::new(),
        subnets: Vec::new(),
        peerings: vec![peering_from(r.node)],
    });
}

pub(super) fn nsg(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let rules = r
        .prop("securityRules")
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .map(security_rule_from)
        .collect();
    b.add_nsg(NetworkSecurityGroup {
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        name: string(r.name()),
        tags: tags(r.node.get("tags")),
        rules,
    });
}

fn security_rule_from(node: &Node) -> SecurityRule {
    let p = |k: &str| prop(node, k);
    let plural_or_single = |plural: &str, single: &str| {
        let many = list(p(plural), string);
        if many.is_empty() {
            list(p(single), string)
        } else {
            many
        }
    };
    SecurityRule {
        decl: node.span,
        name: short_name(string(node.get("name"))),
        priority: int(p("priority")),
        direction: nonempty_string(p("direction")),
        access: nonempty_string(p("access")),
        protocol: nonempty_string(p("protocol")),
        source_prefixes: plural_or_single("sourceAddressPrefixes", "sourceAddressPrefix"),
        destination_prefixes: plural_or_single(
            "destinationAddressPrefixes",
            "destinationAddressPrefix",
        ),
        source_ports: plural_or_single("sourcePortRanges", "sourcePortRange"),
        destination_ports: plural_or_single("destinationPortRanges", "destinationPortRange"),
    }
}

pub(super) fn separate_security_rule(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let Some(nsg_id) = r.id.as_ref().and_then(ResourceId::parent) else {
        b.count_other();
        return;
    };
    let stub = NetworkSecurityGroup {
        address: nsg_id.to_string(),
        id: Some(nsg_id),
        decl: Span::default(),
        name: Field::Absent,
        tags: Tags::default(),
        rules: Vec::new(),
    };
    b.add_security_rule(security_rule_from(r.node), stub);
}

pub(super) fn route_table(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let routes = r
        .prop("routes")
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .map(route_from)
        .collect();
    b.add_route_table(RouteTable {
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        name: string(r.name()),
        tags: tags(r.node.get("tags")),
        disable_bgp_route_propagation: boolean(r.prop("disableBgpRoutePropagation")),
        routes,
    });
}

fn route_from(node: &Node) -> Route {
    let p = |k: &str| prop(node, k);
    Route {
        decl: node.span,
        name: short_name(string(node.get("name"))),
        address_prefix: nonempty_string(p("addressPrefix")),
        next_hop_type: nonempty_string(p("nextHopType")),
        next_hop_ip: nonempty_string(p("nextHopIpAddress")),
        next_hop_resource_id: Field::Absent,
    }
}

pub(super) fn separate_route(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let Some(table_id) = r.id.as_ref().and_then(ResourceId::parent) else {
        b.count_other();
        return;
    };
    let stub = RouteTable {
        address: table_id.to_string(),
        id: Some(table_id),
        decl: Span::default(),
        name: Field::Absent,
        tags: Tags::default(),
        disable_bgp_route_propagation: Field::Absent,
        routes: Vec::new(),
    };
    b.add_route(route_from(r.node), stub);
}
