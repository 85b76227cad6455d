//! What the App Service rules share: how a subnet's size is judged, and the AKS
//! pools that also use it (a subnet's IPv4 prefix and delegation are read by
//! `rules::shared::subnet`, which AKS304 uses too).

use super::Context;
use crate::diagnostic::{Label, Severity};
use crate::model::{AppService, Inventory, PoolIdx, SubnetIdx};
use crate::source::Span;

/// How an App Service subnet's size compares with the smallest prefix the
/// service accepts and the one Microsoft recommends: an error below the first,
/// a warning below the second; with the limit and which of the two it is.
pub fn size_tier(len: u8, min: u8, recommended: u8) -> Option<(Severity, u8, bool)> {
    if len > min {
        Some((Severity::Error, min, true))
    } else if len > recommended {
        Some((Severity::Warning, recommended, false))
    } else {
        None
    }
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
