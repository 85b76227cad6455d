//! Virtual networks, subnets, NSGs and route tables.

use ipnet::IpNet;

use super::{Field, NsgIdx, ResourceId, RouteTableIdx, SubnetIdx, Tags, VnetIdx};
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct VirtualNetwork {
    pub id: Option<ResourceId>,
    pub address: String,
    pub decl: Span,
    pub name: Field<String>,
    pub tags: Tags,
    pub address_prefixes: Vec<Field<IpNet>>,
    /// Custom DNS servers (`dhcpOptions.dnsServers`); empty means Azure DNS.
    pub dns_servers: Vec<Field<String>>,
    pub subnets: Vec<SubnetIdx>,
    pub peerings: Vec<Peering>,
}

#[derive(Clone, Debug)]
pub struct Peering {
    pub name: Field<String>,
    pub decl: Span,
    pub remote_vnet_id: Field<ResourceId>,
    pub remote_address_prefixes: Vec<Field<IpNet>>,
}

#[derive(Clone, Debug)]
pub struct Subnet {
    pub id: Option<ResourceId>,
    pub address: String,
    pub decl: Span,
    pub name: Field<String>,
    /// Parent VNet by id (from the subnet id or the enclosing VNet).
    pub vnet_id: Option<ResourceId>,
    pub vnet: Option<VnetIdx>,
    /// `addressPrefix`, or each of `addressPrefixes`.
    pub address_prefixes: Vec<Field<IpNet>>,
    pub nsg_id: Field<ResourceId>,
    pub route_table_id: Field<ResourceId>,
    pub nat_gateway_id: Field<ResourceId>,
    pub delegations: Vec<Field<String>>,
    pub service_endpoints: Vec<Field<String>>,
    pub nsg: Option<NsgIdx>,
    pub route_table: Option<RouteTableIdx>,
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

#[derive(Clone, Debug)]
pub struct SecurityRule {
    pub decl: Span,
    pub name: Field<String>,
    pub priority: Field<i64>,
    pub direction: Field<String>,
    pub access: Field<String>,
    pub protocol: Field<String>,
    pub source_prefixes: Vec<Field<String>>,
    pub destination_prefixes: Vec<Field<String>>,
    pub source_ports: Vec<Field<String>>,
    pub destination_ports: Vec<Field<String>>,
}

#[derive(Clone, Debug)]
pub struct RouteTable {
    pub id: Option<ResourceId>,
    pub address: String,
    pub decl: Span,
    pub name: Field<String>,
    pub tags: Tags,
    pub disable_bgp_route_propagation: Field<bool>,
    pub routes: Vec<Route>,
}

#[derive(Clone, Debug)]
pub struct Route {
    pub decl: Span,
    pub name: Field<String>,
    /// A CIDR or a service tag.
    pub address_prefix: Field<String>,
    pub next_hop_type: Field<String>,
    pub next_hop_ip: Field<String>,
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
