//! The node resource group AKS creates for a cluster (F-113), and how resources
//! in it are recognised. Shared by the rules about resources AKS manages.

use crate::model::{Cluster, ResourceId};

/// The node resource group: as set, or AKS's `MC_<group>_<cluster>_<region>` (F-113).
pub(crate) fn node_resource_group(c: &Cluster) -> Option<String> {
    if let Some(rg) = c.node_resource_group.known() {
        return Some(rg.clone());
    }
    if c.node_resource_group.is_unknown() {
        return None;
    }
    let group = c.id.as_ref()?.resource_group()?.to_string();
    let name = c.name.known()?;
    let location = c.location.known().map_or("{location}".to_string(), |l| {
        l.replace(' ', "").to_ascii_lowercase()
    });
    Some(format!("MC_{group}_{name}_{location}"))
}

/// Whether a resource lives in the node resource group. The resource's own group
/// must be known: a template deployable to any group proves nothing.
pub(crate) fn rg_matches(id: &ResourceId, rg: &str) -> bool {
    let Some(group) = id.resource_group() else {
        return false;
    };
    if group.contains('{') {
        return false;
    }
    let probe = ResourceId::parse(&format!(
        "/subscriptions/x/resourceGroups/{group}/providers/a.b/c/d"
    ));
    let pattern = ResourceId::parse(&format!(
        "/subscriptions/x/resourceGroups/{rg}/providers/a.b/c/d"
    ));
    matches!((probe, pattern), (Some(p), Some(q)) if p.matches(&q))
}

/// A resource in a group named like AKS's default node resource group.
pub(crate) fn is_mc_group(id: &ResourceId) -> bool {
    id.resource_group()
        .is_some_and(|g| g.to_ascii_lowercase().starts_with("mc_"))
}

/// `aks-agentpool-<digits>-<suffix>`: the names AKS gives its NSG (`nsg`) and
/// route table (`routetable`) in the node resource group (F-110).
pub(crate) fn is_aks_agentpool_name(name: &str, suffix: &str) -> bool {
    name.to_ascii_lowercase()
        .strip_prefix("aks-agentpool-")
        .and_then(|r| r.strip_suffix(suffix))
        .and_then(|r| r.strip_suffix('-'))
        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}
