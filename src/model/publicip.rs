//! Public IP addresses and public IP prefixes: the addresses egress leaves from
//! (a firewall's frontend, a NAT gateway's) and that API server authorized
//! ranges must list (F-086, F-090, F-100).

use std::net::IpAddr;

use ipnet::IpNet;

use super::registry::model_object;
use super::{Field, ResourceId};
use crate::source::Span;

model_object! {
    #[derive(Clone, Debug)]
    pub struct PublicIpAddress {
        pub id: Option<ResourceId>,
        pub address: String,
        pub decl: Span,
        pub name: Field<String>,
        /// Resolved after linking: the prefix `prefix_id` names (an index into
        /// `Inventory::public_ip_prefixes`).
        pub prefix: Option<usize>,
    }
    fields {
        /// `ipAddress`: allocated by Azure, so known only in live exports, state and plans.
        ip_address: Field<IpAddr>,
        /// `publicIPPrefix.id`: the prefix the address is taken from.
        prefix_id: Field<ResourceId>,
    }
}

model_object! {
    #[derive(Clone, Debug)]
    pub struct PublicIpPrefix {
        pub id: Option<ResourceId>,
        pub address: String,
        pub decl: Span,
        pub name: Field<String>,
    }
    fields {
        /// `ipPrefix`: allocated by Azure, so known only in live exports, state and plans.
        ip_prefix: Field<IpNet>,
    }
}
