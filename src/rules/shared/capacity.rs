//! IP capacity arithmetic shared by the subnet-size rules (F-040–F-050).

use std::collections::BTreeMap;

use ipnet::IpNet;

use super::{thousands, Context};
use crate::diagnostic::{Label, Severity};
use crate::model::cidr;
use crate::model::{Field, Inventory, IpamMode, MaxSurge, NodePool, PoolIdx, Subnet, SubnetIdx};
use crate::rules::Thresholds;
use crate::source::Span;

/// Azure keeps five addresses of every subnet (F-050).
pub const AZURE_RESERVED: i64 = cidr::AZURE_RESERVED as i64;

/// Dynamic pod-subnet IPAM hands out pod IPs in batches of 16 per node (F-042).
pub const POD_IP_BATCH: i64 = 16;

/// Usable addresses of a subnet's IPv4 prefixes; `None` when a prefix is unknown
/// or the subnet has no IPv4 prefix.
pub fn usable_ipv4(prefixes: &[Field<IpNet>]) -> Option<i64> {
    let mut total = 0i64;
    let mut any = false;
    for p in prefixes {
        match p {
            Field::Known(net @ IpNet::V4(_), _) | Field::Default(net @ IpNet::V4(_), _) => {
                // An IPv4 prefix holds at most 2^32 addresses: the conversion cannot fail.
                total += i64::try_from(cidr::azure_usable(net).unwrap_or(0)).unwrap_or(i64::MAX);
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
        // Saturating: counts come from the input and may be absurd.
        self.nodes.saturating_add(self.surge)
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
    /// True when the demand counts pod IPs taken from the subnet (node-subnet CNI,
    /// pod subnets); false for node IPs and other addresses only.
    pub pods: bool,
    /// The IPAM mode of the pool's cluster, when the demand comes from a pool.
    pub mode: Option<IpamMode>,
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
        self.demands
            .iter()
            .fold(0i64, |a, d| a.saturating_add(d.hard))
    }

    pub fn soft(&self) -> i64 {
        self.demands
            .iter()
            .fold(0i64, |a, d| a.saturating_add(d.soft))
    }

    /// True when some pool takes pod IPs from this subnet: AKS004's subnets.
    /// The others hold node IPs only and are AKS102's.
    pub fn holds_pods(&self) -> bool {
        self.demands.iter().any(|d| d.pods)
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
                        pods: false,
                        mode,
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

/// What one pool asks of its node subnet at scale `sc`; `None` when maxPods is
/// unknown in node-subnet CNI.
pub fn node_subnet_demand(
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
        let need = total.saturating_mul(mp.saturating_add(1));
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
            pods: true,
            mode: Some(mode),
        });
    }
    Some(Demand {
        pool: Some(pi),
        hard: total,
        soft: total,
        arithmetic: format!("{} = {} node IPs", sc.describe(), thousands(total)),
        span: sc.nodes_span,
        pods: false,
        mode: Some(mode),
    })
}

/// What one pool asks of its pod subnet at scale `sc`.
pub fn pod_subnet_demand(
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
        let blocks = max_pods.saturating_add(16) / 16;
        let need = total.saturating_mul(16).saturating_mul(blocks);
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
            pods: true,
            mode: Some(mode),
        };
    }
    let hard = total.saturating_mul(POD_IP_BATCH);
    let soft = total.saturating_mul(max_pods);
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
        pods: true,
        mode: Some(mode),
    }
}

/// Which subnets a capacity rule reports: those some pool takes pod IPs from
/// (AKS004), or those that hold node IPs only (AKS102). Each subnet is one rule's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubnetUse {
    PodIps,
    NodeIpsOnly,
}

/// Compares every subnet's demand with its usable addresses and reports the
/// subnets of `kind` that cannot hold it, with the arithmetic per pool.
pub fn report_subnets(inv: &Inventory, cx: &mut Context<'_>, kind: SubnetUse) {
    let t = cx.thresholds;
    for (si, mut demand) in subnet_demands(inv, t.default_max_surge) {
        let wanted = match kind {
            SubnetUse::PodIps => demand.holds_pods(),
            SubnetUse::NodeIpsOnly => !demand.holds_pods(),
        };
        if !wanted {
            continue;
        }
        let subnet = &inv.subnets[si];
        let Some(usable) = usable_ipv4(&subnet.address_prefixes) else {
            continue;
        };
        demand.demands.extend(kept_free(subnet, t));
        let (hard, soft) = (demand.hard(), demand.soft());
        let headroom_floor = usable * t.min_headroom_percent / 100;
        let (severity, need) = if hard > usable {
            (Severity::Error, hard)
        } else if soft > usable {
            (Severity::Warning, soft)
        } else if t.min_headroom_percent > 0 && usable - hard < headroom_floor {
            (Severity::Warning, hard)
        } else {
            continue;
        };
        let name = subnet.display_name();
        let prefixes: Vec<String> = subnet
            .address_prefixes
            .iter()
            .filter_map(|p| p.value().map(ToString::to_string))
            .collect();
        let at_least = if demand.incomplete { "at least " } else { "" };
        let what = if severity == Severity::Error {
            "need"
        } else if need > usable {
            "need, with every node full,"
        } else {
            "leave less than the configured headroom; they need"
        };
        let unit = match kind {
            SubnetUse::PodIps => "",
            SubnetUse::NodeIpsOnly => " node addresses",
        };
        let message = format!(
            "subnet `{name}` ({}) has {} usable addresses but its node pools {what} {at_least}{}{unit} at maximum scale",
            prefixes.join(", "),
            thousands(usable),
            thousands(need),
        );
        let d = cx.report_at(
            severity,
            subnet.prefix_span(),
            message,
            format!("{} usable = 2^(32 − prefix) − 5", thousands(usable)),
        );
        for item in &demand.demands {
            let text = match item.pool.and_then(|p| inv.pools.get(p)) {
                Some(pool) => format!("pool `{}`: {}", pool_name(pool), item.arithmetic),
                None => item.arithmetic.clone(),
            };
            d.labels.push(Label::new(item.span, text));
        }
        let fits = match prefix_that_fits(need, t) {
            Some(p) => format!(
                "use a /{p} or larger ({} usable)",
                thousands((1i64 << (32 - p)) - AZURE_RESERVED)
            ),
            None => "split the pools across several subnets".to_string(),
        };
        d.help = Some(match kind {
            SubnetUse::PodIps => format!(
                "{fits}, lower maxCount or maxPods, or move the cluster to Azure CNI Overlay (F-040, F-042)"
            ),
            SubnetUse::NodeIpsOnly => format!(
                "{fits}, lower maxCount or maxSurge, or give some pools their own subnet (F-044, F-047)"
            ),
        });
        d.resource = Some(subnet.address.clone());
    }
}

/// The addresses `extra-ips-per-subnet` keeps free in a node or pod subnet, as a demand.
pub fn kept_free(subnet: &Subnet, t: &Thresholds) -> Option<Demand> {
    (t.extra_ips_per_subnet > 0).then(|| Demand {
        pool: None,
        hard: t.extra_ips_per_subnet,
        soft: t.extra_ips_per_subnet,
        arithmetic: format!(
            "{} addresses kept free (extra-ips-per-subnet)",
            t.extra_ips_per_subnet
        ),
        span: subnet.prefix_span(),
        pods: false,
        mode: None,
    })
}

/// The longest prefix that holds `need` addresses; with a headroom policy, one
/// that also keeps that share free.
pub fn prefix_that_fits(need: i64, t: &Thresholds) -> Option<u8> {
    let free = t.min_headroom_percent.clamp(0, 99);
    let target = need.saturating_mul(100).saturating_add(99 - free) / (100 - free);
    smallest_prefix_for(target)
}

pub use super::pool_name;

/// Σ (N + S) over a cluster's pools, with the per-pool arithmetic; `complete` is
/// false when some pool's scale is unknown (the sum is then a lower bound).
pub struct ClusterNodes {
    pub total: i64,
    pub complete: bool,
    pub pools: Vec<(PoolIdx, PoolScale)>,
}

impl ClusterNodes {
    /// `(240 nodes + 24 surge)` for one pool, `(330 + 110 = 440)` for several.
    pub fn sum_text(&self) -> String {
        match self.pools.as_slice() {
            [(_, one)] => format!("({})", one.describe()),
            many => {
                let parts: Vec<String> = many.iter().map(|(_, sc)| thousands(sc.total())).collect();
                format!("({} = {})", parts.join(" + "), thousands(self.total))
            }
        }
    }
}

pub fn cluster_nodes(inv: &Inventory, ci: usize, default_surge: Option<MaxSurge>) -> ClusterNodes {
    let mut out = ClusterNodes {
        total: 0,
        complete: true,
        pools: Vec::new(),
    };
    for (pi, pool) in inv.cluster_pools(ci) {
        match pool_scale(pool, default_surge) {
            Some(sc) => {
                out.total = out.total.saturating_add(sc.total());
                out.pools.push((pi, sc));
            }
            None => out.complete = false,
        }
    }
    out
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
