//! What the App Service rules share: a subnet's IPv4 size, its delegation, and
//! the AKS pools that also use it.

use ipnet::{IpNet, Ipv4Net};

use super::Context;
use crate::diagnostic::Label;
use crate::model::{AppService, Field, Inventory, PoolIdx, Subnet, SubnetIdx};
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

/// The first AKS pool that uses each subnet for its nodes or pods (by subnet
/// index), with the span of that reference and the role (`node` or `pod`);
/// built in one pass over the pools, not a scan of every pool per App Service.
pub struct AksUsers(Vec<Option<(PoolIdx, Option<Span>, &'static str)>>);

impl AksUsers {
    pub fn build(inv: &Inventory) -> AksUsers {
        let mut users = vec![None; inv.subnets.len()];
        for (pi, p) in inv.pools.iter().enumerate() {
            for (si, span, role) in [
                (p.subnet, p.vnet_subnet_id.span(), "node"),
                (p.pod_subnet, p.pod_subnet_id.span(), "pod"),
            ] {
                if let Some(slot) = si.and_then(|si| users.get_mut(si)) {
                    slot.get_or_insert((pi, span, role));
                }
            }
        }
        AksUsers(users)
    }
}

/// How a finding about an App Service subnet that AKS also uses reads.
pub struct SharedWithAks {
    /// The message from the owner's, the subnet's and the pool's names and the role.
    pub message: fn(owner: &str, subnet: &str, role: &str, pool: &str) -> String,
    pub label: &'static str,
    pub help: &'static str,
}

/// Reports `owner` (an app, plan or environment) at `at` when an AKS pool also
/// uses subnet `si`; false when none does.
pub fn report_shared_with_aks(
    inv: &Inventory,
    users: &AksUsers,
    (si, at): (SubnetIdx, Span),
    owner: &AppService,
    text: &SharedWithAks,
    cx: &mut Context<'_>,
) -> bool {
    let Some(&Some((pi, pool_at, role))) = users.0.get(si) else {
        return false;
    };
    let pool = &inv.pools[pi];
    let message = (text.message)(
        &owner.display_name(),
        &inv.subnets[si].display_name(),
        role,
        &pool.display_name(),
    );
    let d = cx.report(at, message, text.label);
    if let Some(s) = pool_at {
        d.labels
            .push(Label::new(s, format!("{role} subnet of the pool")));
    }
    d.help = Some(text.help.into());
    d.resource = Some(owner.address.clone());
    true
}
