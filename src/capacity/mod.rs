//! Capacity at maximum scale, per node/pod subnet and per pod CIDR, as numbers
//! for `akslint capacity` and the HTML report. The arithmetic is the rules'
//! ([`crate::rules::capacity`]); this module only collects it per resource and
//! asks how far each pool could grow.

pub mod command;
pub mod render;
pub mod what_if;

use ipnet::IpNet;
use serde::Serialize;

use crate::model::{cidr, Field, Inventory, IpamMode, NodePool, PoolIdx, SubnetIdx};
use crate::rules::shared::capacity::{
    cluster_nodes, kept_free, node_subnet_demand, pod_subnet_demand, pool_scale, prefix_that_fits,
    subnet_demands, usable_ipv4, Demand,
};
use crate::rules::shared::ranges::pod_cidrs;
use crate::rules::{cluster_name, pool_name, Thresholds};

/// Every node or pod subnet some pool uses, and every kubenet/Overlay pod CIDR.
#[derive(Debug, Default, Serialize)]
pub struct Capacity {
    pub subnets: Vec<SubnetCapacity>,
    pub pod_cidrs: Vec<PodCidrBudget>,
}

/// One subnet at maximum scale.
#[derive(Debug, Serialize)]
pub struct SubnetCapacity {
    #[serde(skip)]
    pub subnet: SubnetIdx,
    pub name: String,
    pub vnet: Option<String>,
    /// `node` when pools place nodes here, `pod` when pools take pod IPs from it as a pod subnet.
    pub uses: Vec<&'static str>,
    /// IPAM modes of the clusters whose pools use it.
    pub modes: Vec<&'static str>,
    /// The prefixes as written; `unknown` for one that can't be known before deployment.
    pub prefixes: Vec<String>,
    /// `None` when a prefix is unknown.
    pub usable: Option<i64>,
    /// Addresses needed at maximum scale (below this, deployment or scale-out fails).
    pub needed: i64,
    /// Addresses needed when every node is full (differs for dynamic pod subnets).
    pub needed_full: i64,
    /// True when some pool's need is unknown: `needed` is a lower bound.
    pub incomplete: bool,
    /// `usable − needed`; `None` when usable is unknown.
    pub headroom: Option<i64>,
    /// The longest prefix that holds `needed` (with the configured headroom).
    pub smallest_prefix: Option<u8>,
    pub demands: Vec<PoolDemand>,
}

impl SubnetCapacity {
    /// `Some(false)` when the need does not fit; `None` when usable is unknown.
    pub fn fits(&self) -> Option<bool> {
        self.usable.map(|u| self.needed <= u)
    }
}

/// What one pool (or the configuration) asks of a subnet.
#[derive(Debug, Serialize)]
pub struct PoolDemand {
    #[serde(skip)]
    pub pool: Option<PoolIdx>,
    /// `cluster/pool`, or what the addresses are for.
    pub label: String,
    pub needed: i64,
    pub needed_full: i64,
    pub arithmetic: String,
    /// The largest node count (maxCount, or count without autoscaling) this pool
    /// could have with the others unchanged and the subnet still holding everyone.
    pub max_nodes_that_fit: Option<i64>,
}

/// The /24-per-node budget of a kubenet or Overlay cluster's IPv4 pod CIDR.
#[derive(Debug, Serialize)]
pub struct PodCidrBudget {
    #[serde(skip)]
    pub cluster: usize,
    pub cluster_name: String,
    pub mode: &'static str,
    pub pod_cidr: String,
    /// Nodes the pod CIDR holds: 2^(24 − prefix).
    pub nodes_it_holds: i64,
    /// Σ (N + S) over the cluster's pools.
    pub nodes_needed: i64,
    pub incomplete: bool,
    pub headroom: i64,
    pub arithmetic: String,
    pub smallest_prefix: Option<u8>,
    pub pools: Vec<PodCidrPool>,
}

#[derive(Debug, Serialize)]
pub struct PodCidrPool {
    pub label: String,
    pub arithmetic: String,
    pub nodes: i64,
}

/// `cluster/pool`, as `--what-if` accepts it.
pub fn pool_label(inv: &Inventory, pool: &NodePool) -> String {
    match inv.pool_cluster(pool) {
        Some(c) => format!("{}/{}", cluster_name(c), pool_name(pool)),
        None => pool_name(pool),
    }
}

/// Computes the capacity of every node and pod subnet and pod CIDR of the inventory.
pub fn compute(inv: &Inventory, t: &Thresholds) -> Capacity {
    let mut out = Capacity::default();
    // Which subnets hold nodes and which pods, in one pass over the pools.
    let mut node_use = vec![false; inv.subnets.len()];
    let mut pod_use = vec![false; inv.subnets.len()];
    for p in &inv.pools {
        if let Some(s) = p.subnet {
            node_use[s] = true;
        }
        if let Some(s) = p.pod_subnet {
            pod_use[s] = true;
        }
    }
    for (si, mut demand) in subnet_demands(inv, t.default_max_surge) {
        let subnet = &inv.subnets[si];
        demand.demands.extend(kept_free(subnet, t));
        let usable = usable_ipv4(&subnet.address_prefixes);
        let (needed, needed_full) = (demand.hard(), demand.soft());
        let mut uses = Vec::new();
        if node_use[si] {
            uses.push("node");
        }
        if pod_use[si] {
            uses.push("pod");
        }
        let mut modes: Vec<&'static str> = demand
            .demands
            .iter()
            .filter_map(|d| d.mode.map(IpamMode::describe))
            .collect();
        modes.sort_unstable();
        modes.dedup();
        let demands = demand
            .demands
            .iter()
            .map(|d| pool_demand(inv, t, si, d, usable, needed))
            .collect();
        out.subnets.push(SubnetCapacity {
            subnet: si,
            name: subnet.display_name(),
            vnet: subnet.vnet.map(|v| vnet_name(inv, v)),
            uses,
            modes,
            prefixes: subnet.address_prefixes.iter().map(prefix_text).collect(),
            usable,
            needed,
            needed_full,
            incomplete: demand.incomplete,
            headroom: usable.map(|u| u - needed),
            smallest_prefix: prefix_that_fits(needed, t),
            demands,
        });
    }
    for ci in 0..inv.clusters.len() {
        out.pod_cidrs.extend(pod_cidr_budget(inv, t, ci));
    }
    out
}

fn vnet_name(inv: &Inventory, v: usize) -> String {
    let vnet = &inv.vnets[v];
    vnet.name
        .value()
        .cloned()
        .unwrap_or_else(|| vnet.address.clone())
}

pub fn prefix_text(p: &Field<IpNet>) -> String {
    match p.value() {
        Some(net) => net.to_string(),
        None => "unknown".to_string(),
    }
}

fn pool_demand(
    inv: &Inventory,
    t: &Thresholds,
    si: SubnetIdx,
    d: &Demand,
    usable: Option<i64>,
    needed: i64,
) -> PoolDemand {
    let pool = d.pool.and_then(|p| inv.pools.get(p));
    let label = match pool {
        Some(p) => pool_label(inv, p),
        None => "configuration".to_string(),
    };
    // The API server endpoint row is the pool's too, but does not scale with it.
    let scales = pool.is_some() && d.arithmetic != "1 private API server endpoint";
    let max_nodes_that_fit = match (scales, pool, d.pool, usable) {
        (true, Some(p), Some(pi), Some(u)) => {
            let others = needed.saturating_sub(d.hard);
            max_nodes(inv, t, si, pi, p, u.saturating_sub(others))
        }
        _ => None,
    };
    PoolDemand {
        pool: d.pool,
        label,
        needed: d.hard,
        needed_full: d.soft,
        arithmetic: d.arithmetic.clone(),
        max_nodes_that_fit,
    }
}

/// What the pool would need from subnet `si` with `nodes` nodes.
fn need_with(
    inv: &Inventory,
    t: &Thresholds,
    si: SubnetIdx,
    pi: PoolIdx,
    pool: &NodePool,
    nodes: i64,
) -> Option<i64> {
    let scaled = what_if::with_nodes(pool, nodes);
    let mode = inv.pool_cluster(pool)?.ipam_mode?;
    let sc = pool_scale(&scaled, t.default_max_surge)?;
    let max_pods = scaled.max_pods.value().copied();
    if scaled.subnet == Some(si) {
        return node_subnet_demand(pi, &scaled, mode, &sc, max_pods).map(|d| d.hard);
    }
    Some(pod_subnet_demand(pi, &scaled, mode, &sc, max_pods?).hard)
}

/// The largest node count whose need fits in `room` addresses (binary search:
/// the need grows with the node count).
fn max_nodes(
    inv: &Inventory,
    t: &Thresholds,
    si: SubnetIdx,
    pi: PoolIdx,
    pool: &NodePool,
    room: i64,
) -> Option<i64> {
    let fits = |n: i64| need_with(inv, t, si, pi, pool, n).map(|need| need <= room);
    if !fits(0)? {
        return Some(0);
    }
    // Every node takes at least one address.
    let (mut lo, mut hi) = (0i64, room.max(0) + 1);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

/// The pod CIDR budget of cluster `ci`, when it is kubenet or Overlay with a known IPv4 pod CIDR.
pub fn pod_cidr_budget(inv: &Inventory, t: &Thresholds, ci: usize) -> Option<PodCidrBudget> {
    let cluster = &inv.clusters[ci];
    let ranges = pod_cidrs(cluster)?;
    let pod = ranges.iter().find(|r| matches!(r.net, IpNet::V4(_)))?;
    let nodes = cluster_nodes(inv, ci, t.default_max_surge);
    let holds = i64::try_from(cidr::blocks_of(&pod.net, 24)).unwrap_or(i64::MAX);
    let prefix = pod.net.prefix_len();
    let arithmetic = if prefix > 24 {
        format!("a /{prefix} cannot give any node its /24")
    } else {
        format!(
            "2^(24 − {prefix}) = {} /24 blocks, one per node",
            crate::rules::thousands(holds)
        )
    };
    let pools = nodes
        .pools
        .iter()
        .map(|(pi, sc)| PodCidrPool {
            label: inv.pools.get(*pi).map(pool_name).unwrap_or_default(),
            arithmetic: sc.describe(),
            nodes: sc.total(),
        })
        .collect();
    Some(PodCidrBudget {
        cluster: ci,
        cluster_name: cluster_name(cluster),
        mode: cluster.ipam_mode.map_or("", IpamMode::describe),
        pod_cidr: pod.describe(),
        nodes_it_holds: holds,
        nodes_needed: nodes.total,
        incomplete: !nodes.complete,
        headroom: holds.saturating_sub(nodes.total),
        arithmetic,
        smallest_prefix: (0..=24u8).rev().find(|p| 1i64 << (24 - p) >= nodes.total),
        pools,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_text_says_unknown() {
        let sp = crate::source::Span::new(crate::source::FileId(0), 0, 0);
        assert_eq!(prefix_text(&Field::Unknown(sp)), "unknown");
        let net: IpNet = "10.0.0.0/24".parse().unwrap();
        assert_eq!(prefix_text(&Field::Known(net, sp)), "10.0.0.0/24");
    }
}
