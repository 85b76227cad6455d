//! How messages name a resource: its name when the input states one, else its
//! address (the id, or the format's own address). One place, so every rule
//! names a resource the same way.

use super::{
    AppService, ApplicationGateway, AzureFirewall, Cluster, Field, FirewallPolicy, NatGateway,
    NetworkSecurityGroup, NodePool, PublicIpAddress, PublicIpPrefix, RouteTable, Subnet,
    VirtualNetwork,
};

/// A resource's name for messages: its name when known, else its address.
pub fn display_name(name: &Field<String>, address: &str) -> String {
    name.value().cloned().unwrap_or_else(|| address.to_string())
}

macro_rules! named {
    ($($ty:ty),*) => {$(
        impl $ty {
            /// The name when known, else the address.
            pub fn display_name(&self) -> String {
                display_name(&self.name, &self.address)
            }
        }
    )*};
}

named!(
    AppService,
    ApplicationGateway,
    AzureFirewall,
    Cluster,
    FirewallPolicy,
    NatGateway,
    PublicIpAddress,
    PublicIpPrefix,
    NodePool,
    VirtualNetwork,
    Subnet,
    NetworkSecurityGroup,
    RouteTable
);
