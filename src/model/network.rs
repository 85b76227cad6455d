//! Virtual networks, subnets, NSGs and route tables.

use ipnet::IpNet;

use super::registry::model_object;
use super::{Field, NsgIdx, ResourceId, RouteTableIdx, SubnetIdx, Tags, VnetIdx};
use crate::source::Span;

model_object! {
    #[derive(Clone, Debug)]
    pub struct VirtualNetwork {
        pub id: Option<ResourceId>,
        pub address: String,
        pub decl: Span,
        pub name: Field<String>,
        pub tags: Tags,
        pub subnets: Vec<SubnetIdx>,
        pub peerings: Vec<Peering>,
        /// Resolved after linking: the VNets whose peerings name this one (a
        /// peering written on the other side only).
        pub peered_from: Vec<VnetIdx>,
    }
    fields {
        /// `addressSpace.addressPrefixes`.
        address_prefixes: Vec<Field<IpNet>>,
        /// `dhcpOptions.dnsServers`; empty means Azure DNS.
        dns_servers: Vec<Field<String>>,
    }
}

model_object! {
    #[derive(Clone, Debug)]
    pub struct Peering {
        pub name: Field<String>,
        pub decl: Span,
        /// Resolved after linking: the VNet `remote_vnet_id` names, found as every
        /// link is (own scope first; none when not among the inputs or ambiguous).
        pub remote_vnet: Option<VnetIdx>,
    }
    fields {
        /// `remoteVirtualNetwork.id`.
        remote_vnet_id: Field<ResourceId>,
        /// `remoteAddressSpace.addressPrefixes`.
        remote_address_prefixes: Vec<Field<IpNet>>,
    }
}

model_object! {
    #[derive(Clone, Debug)]
    pub struct Subnet {
        pub id: Option<ResourceId>,
        pub address: String,
        pub decl: Span,
        pub name: Field<String>,
        /// Parent VNet by id (from the subnet id or the enclosing VNet).
        pub vnet_id: Option<ResourceId>,
        pub vnet: Option<VnetIdx>,
        pub nsg: Option<NsgIdx>,
        pub route_table: Option<RouteTableIdx>,
        /// Resolved after linking: the NAT gateway `nat_gateway_id` names (an index
        /// into `Inventory::nat_gateways`).
        pub nat_gateway: Option<usize>,
    }
    fields {
        /// `addressPrefix` or `addressPrefixes`.
        address_prefixes: Vec<Field<IpNet>>,
        /// `networkSecurityGroup.id` (or an association resource).
        nsg_id: Field<ResourceId>,
        /// `routeTable.id` (or an association resource).
        route_table_id: Field<ResourceId>,
        /// `natGateway.id` (or an association resource).
        nat_gateway_id: Field<ResourceId>,
        /// The services the subnet is delegated to (`Microsoft.ContainerInstance/containerGroups`).
        delegations: Vec<Field<String>>,
        /// Service endpoints (`Microsoft.Storage`).
        service_endpoints: Vec<Field<String>>,
    }
}

impl Subnet {
    /// The span that best names the subnet: its first prefix, else its name, else its object.
    pub fn prefix_span(&self) -> Span {
        self.address_prefixes
            .first()
            .and_then(Field::span)
            .or_else(|| self.name.span())
            .unwrap_or(self.decl)
    }
}

#[derive(Clone, Debug)]
pub struct NetworkSecurityGroup {
    pub id: Option<ResourceId>,
    pub address: String,
    pub decl: Span,
    pub name: Field<String>,
    pub tags: Tags,
    pub rules: Vec<SecurityRule>,
}

model_object! {
    #[derive(Clone, Debug)]
    pub struct SecurityRule {
        pub decl: Span,
        pub name: Field<String>,
    }
    fields {
        /// `priority` (100–4096).
        priority: Field<i64>,
        /// `direction`: `Inbound` or `Outbound`.
        direction: Field<String>,
        /// `access`: `Allow` or `Deny`.
        access: Field<String>,
        /// `protocol`: `Tcp`, `Udp`, `Icmp`, `Esp`, `Ah` or `*`.
        protocol: Field<String>,
        /// `sourceAddressPrefix(es)`: CIDRs, addresses, service tags or `*`.
        source_prefixes: Vec<Field<String>>,
        /// `destinationAddressPrefix(es)`.
        destination_prefixes: Vec<Field<String>>,
        /// `sourcePortRange(s)`: ports, ranges (`1000-2000`) or `*`.
        source_ports: Vec<Field<String>>,
        /// `destinationPortRange(s)`.
        destination_ports: Vec<Field<String>>,
    }
}

model_object! {
    #[derive(Clone, Debug)]
    pub struct RouteTable {
        pub id: Option<ResourceId>,
        pub address: String,
        pub decl: Span,
        pub name: Field<String>,
        pub tags: Tags,
        pub routes: Vec<Route>,
    }
    fields {
        /// `disableBgpRoutePropagation`.
        disable_bgp_route_propagation: Field<bool>,
    }
}

model_object! {
    #[derive(Clone, Debug)]
    pub struct Route {
        pub decl: Span,
        pub name: Field<String>,
    }
    fields {
        /// `addressPrefix`: a CIDR or a service tag.
        address_prefix: Field<String>,
        /// `nextHopType`: `VirtualAppliance`, `Internet`, `VirtualNetworkGateway`, `VnetLocal`, `None`.
        next_hop_type: Field<String>,
        /// `nextHopIpAddress`.
        next_hop_ip: Field<String>,
        /// The resource the next hop address is read from, when the input says so
        /// rather than giving the address (Terraform: `azurerm_firewall.x.ip_configuration[0].private_ip_address`).
        next_hop_resource_id: Field<ResourceId>,
    }
}

/// A subnet association written as its own resource (Terraform's
/// `azurerm_subnet_network_security_group_association`, for example).
#[derive(Clone, Debug)]
pub struct SubnetAssociation {
    pub decl: Span,
    pub subnet_id: Field<ResourceId>,
    pub kind: AssociationKind,
    pub target_id: Field<ResourceId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssociationKind {
    NetworkSecurityGroup,
    RouteTable,
    NatGateway,
}
