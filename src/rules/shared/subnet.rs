//! What rules read of a subnet beyond its fields: its one IPv4 prefix and its
//! delegation with respect to a service (App Service integration and
//! environments, the API server subnet).

use ipnet::{IpNet, Ipv4Net};

use crate::model::{Field, Subnet};
use crate::source::Span;

/// The subnet's IPv4 prefix, when every prefix is known and exactly one is IPv4.
pub fn ipv4_prefix(subnet: &Subnet) -> Option<(Ipv4Net, Span)> {
    let mut found = None;
    for p in &subnet.address_prefixes {
        match p {
            Field::Known(IpNet::V4(net), span) if found.is_none() => found = Some((*net, *span)),
            Field::Known(IpNet::V4(_), _) => return None,
            Field::Known(IpNet::V6(_), _) => {}
            _ => return None,
        }
    }
    found
}

/// A subnet's delegation, as far as the input says.
pub enum Delegation<'a> {
    /// Delegated to the service asked about.
    To,
    None,
    /// Delegated to another service: its name and where it is written.
    Other(&'a str, Span),
}

/// The delegation of `subnet` with respect to `service`; `None` when a delegation cannot be read.
pub fn delegation<'a>(subnet: &'a Subnet, service: &str) -> Option<Delegation<'a>> {
    if subnet
        .delegations
        .iter()
        .any(|d| !matches!(d, Field::Known(..)))
    {
        return None;
    }
    if subnet
        .delegations
        .iter()
        .any(|d| d.value().is_some_and(|s| s.eq_ignore_ascii_case(service)))
    {
        return Some(Delegation::To);
    }
    Some(match subnet.delegations.first() {
        Some(Field::Known(s, span)) => Delegation::Other(s, *span),
        _ => Delegation::None,
    })
}
