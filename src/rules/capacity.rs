//! IP capacity arithmetic shared by the subnet-size rules (F-040–F-050).

use std::collections::BTreeMap;

use ipnet::IpNet;

use super::thousands;
use crate::model::{Field, Inventory, IpamMode, MaxSurge, NodePool, PoolIdx, SubnetIdx};
use crate::source::Span;

/// Azure keeps five addresses of every subnet (F-050).
pub const AZURE_RESERVED: i64 = 5;

/// Dynamic pod-subnet IPAM hands out pod IPs in batches of 16 per node (F-042).
pub const POD_IP_BATCH: i64 = 16;

/// Usable addresses of a subnet's IPv4 prefixes; `None` when a prefix is unknown
/// or the subnet has no IPv4 prefix.
pub fn usable_ipv4(prefixes: &[Field<IpNet>]) -> Option<i64> {
    let mut total = 0i64;
    let mut any = false;
    for p in prefixes {
        match p {
            Field::Known(IpNet::V4(net), _) | Field::Default(IpNet::V4(net), _) => {
                total += (1i64 << (32 - net.prefix_len())) - AZURE_RESERVED;
                any = true;
            }
            Field::Known(IpNet::V6(_), _) | Field::Default(IpNet::V6(_), _) => {}
            _ => return None,
        }
    }
    any.then_some(total.max(0))
}

/// The longest IPv4 prefix whose usable addresses hold `need`.
pub fn smallest_prefix_for(need: i64) -> Option<u8> {
    (0..=29u8)
        .rev()
        .find(|p| (1i64 << (32 - p)) - AZURE_RESERVED >= need)
}

/// Nodes a pool can reach plus its upgrade surge (N + S), and their spans.
#[derive(Clone, Debug)]
pub struct PoolScale {
    pub nodes: i64,
    pub surge: i64,
    /// Span of `maxCount` or `count`, whichever sets N.
    pub nodes_span: Span,
    pub nodes_field: &'static str,
    pub surge_defaulted: bool,
}

impl PoolScale {
    pub fn total(&self) -> i64 {
        self.nodes + self.surge
    }

    /// `50 nodes + 5 surge`.
    pub fn describe(&self) -> String {
        let surge = if self.surge_defaulted {
            format!("{} surge (default)", self.surge)
        } else {
            format!("{} surge", self.surge)
        };
        format!("{} nodes + {surge}", thousands(self.nodes))
    }
}

/// N + S for a pool; `default_surge` replaces AKS's default for pools that leave maxSurge unset.
pub fn pool_scale(pool: &NodePool, default_surge: Option<MaxSurge>) -> Option<PoolScale> {
    let autoscale = pool.enable_auto_scaling.value() == Some(&true);
    let n_field = pool.max_nodes();
    let nodes = *n_field.value()?;
    let policy = match (pool.max_surge.is_default(), default_surge) {
        (true, Some(configured)) => configured,
        _ => *pool.max_surge.value()?,
    };
    let surge = policy.nodes_for(nodes);
    Some(PoolScale {
        nodes,
        surge,
        nodes_span: n_field.span().unwrap_or(pool.decl),
        nodes_field: if autoscale { "maxCount" } else { "count" },
        surge_defaulted: pool.max_surge.is_default(),
    })
}

/// What one pool asks of one subnet.
#[derive(Clone, Debug)]
pub struct Demand {
    /// The pool asking, or none for addresses the configuration keeps free.
    pub pool: Option<PoolIdx>,
    /// IPs the subnet must hold, below which deployment or scale-out fails.
    pub hard: i64,
    /// IPs a full node needs; below this the subnet is tight but may work.
    pub soft: i64,
    /// The arithmetic, e.g. `(50 nodes + 5 surge) × (1 + 30 pods) = 1,705`.
    pub arithmetic: String,
    /// Where to point for this pool: its maxPods when that drives the need, else N.
    pub span: Span,
}

/// Per subnet: the demands of every pool of every cluster placed in it, plus
/// whether some pool's demand could not be computed.
#[derive(Debug, Default)]
pub struct SubnetDemand {
    pub demands: Vec<Demand>,
    pub incomplete: bool,
}

impl SubnetDemand {
    pub fn hard(&self) -> i64 {
        self.demands.iter().map(|d| d.hard).sum()
    }

    pub fn soft(&self) -> i64 {
        self.demands.iter().map(|d| d.soft).sum()
    }
}

/// Computes what every pool needs from its node subnet and pod subnet.
pub fn subnet_demands(
    inv: &Inventory,
    default_surge: Option<MaxSurge>,
) -> BTreeMap<SubnetIdx, SubnetDemand> {
    let mut out: BTreeMap<SubnetIdx, SubnetDemand> = BTreeMap::new();
    for (ci, cluster) in inv.clusters.iter().enumerate() {
        let private_endpoint = cluster.api_server.private_cluster.value() == Some(&true)
            && cluster.api_server.vnet_integration.value() != Some(&true);
        for (pos, (pi, pool)) in inv.cluster_pools(ci).enumerate() {
            let mode = cluster.ipam_mode;
            let scale = pool_scale(pool, default_surge);
            let max_pods = pool.max_pods.value().copied();
            if let Some(s) = pool.subnet {
                let entry = out.entry(s).or_default();
                match (mode, &scale) {
                    (Some(m), Some(sc)) => match node_subnet_demand(pi, pool, m, sc, max_pods) {
                        Some(d) => entry.demands.push(d),
                        None => entry.incomplete = true,
                    },
                    _ => entry.incomplete = true,
                }
                // F-052: a private cluster's API server endpoint takes an address in the first pool's subnet.
                if pos == 0 && private_endpoint {
                    entry.demands.push(Demand {
                        pool: Some(pi),
                        hard: 1,
                        soft: 1,
                        arithmetic: "1 private API server endpoint".into(),
                        span: cluster
                            .api_server
                            .private_cluster
                            .span()
                            .unwrap_or(cluster.decl),
                    });
                }
            }
            if let Some(s) = pool.pod_subnet {
                let entry = out.entry(s).or_default();
                match (mode, &scale, max_pods) {
                    (Some(m), Some(sc), Some(mp)) => {
                        entry.demands.push(pod_subnet_demand(pi, pool, m, sc, mp))
                    }
                    _ => entry.incomplete = true,
                }
            }
        }
    }
    out
}

fn node_subnet_demand(
    pi: PoolIdx,
    pool: &NodePool,
    mode: IpamMode,
    sc: &PoolScale,
    max_pods: Option<i64>,
) -> Option<Demand> {
    let total = sc.total();
    // Pods come from the node subnet only in node-subnet CNI (F-040); pod-subnet
    // pools without a pod subnet are not a supported shape, so count nodes only.
    if mode == IpamMode::CniNodeSubnet {
        let mp = max_pods?;
        let need = total * (1 + mp);
        let pods = if pool.max_pods.is_default() {
            format!("{mp} pods, the default")
        } else {
            format!("{mp} pods")
        };
        return Some(Demand {
            pool: Some(pi),
            hard: need,
            soft: need,
            arithmetic: format!("({}) × (1 + {pods}) = {}", sc.describe(), thousands(need)),
            span: pool
                .max_pods
                .known()
                .and(pool.max_pods.span())
                .unwrap_or(sc.nodes_span),
        });
    }
    Some(Demand {
        pool: Some(pi),
        hard: total,
        soft: total,
        arithmetic: format!("{} = {} node IPs", sc.describe(), thousands(total)),
        span: sc.nodes_span,
    })
}

fn pod_subnet_demand(
    pi: PoolIdx,
    pool: &NodePool,
    mode: IpamMode,
    sc: &PoolScale,
    max_pods: i64,
) -> Demand {
    let total = sc.total();
    let span = pool
        .max_pods
        .known()
        .and(pool.max_pods.span())
        .unwrap_or(sc.nodes_span);
    if mode == IpamMode::CniPodSubnetStatic {
        // F-043: whole /28 blocks per node, one address of them kept back.
        let blocks = (max_pods + 1 + 15) / 16;
        let need = total * 16 * blocks;
        return Demand {
            pool: Some(pi),
            hard: need,
            soft: need,
            arithmetic: format!(
                "({}) × {blocks} /28 blocks × 16 = {}",
                sc.describe(),
                thousands(need)
            ),
            span,
        };
    }
    let hard = total * POD_IP_BATCH;
    let soft = total * max_pods;
    Demand {
        pool: Some(pi),
        hard,
        soft,
        arithmetic: format!(
            "({}) × {POD_IP_BATCH} first batch = {}, × {max_pods} pods when full = {}",
            sc.describe(),
            thousands(hard),
            thousands(soft)
        ),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    #[test]
    fn usable_addresses_subtract_five() {
        let sp = Span::new(FileId(0), 0, 0);
        let f = |s: &str| Field::Known(s.parse::<IpNet>().unwrap(), sp);
        assert_eq!(usable_ipv4(&[f("10.0.0.0/24")]), Some(251));
        assert_eq!(usable_ipv4(&[f("10.0.0.0/29")]), Some(3));
        assert_eq!(
            usable_ipv4(&[f("10.0.0.0/24"), f("10.1.0.0/24")]),
            Some(502)
        );
        assert_eq!(usable_ipv4(&[f("fd00::/64")]), None);
        assert_eq!(usable_ipv4(&[Field::Unknown(sp)]), None);
    }

    #[test]
    fn smallest_prefix_matches_microsoft_examples() {
        // F-040: 51 × 31 = 1,581 → /21; 8 × 31 = 248 fits a /24.
        assert_eq!(smallest_prefix_for(1581), Some(21));
        assert_eq!(smallest_prefix_for(248), Some(24));
        assert_eq!(smallest_prefix_for(251), Some(24));
        assert_eq!(smallest_prefix_for(252), Some(23));
        assert_eq!(smallest_prefix_for(3), Some(29));
    }
}
