use super::capacity::{pool_scale, PoolScale};
use super::{cluster_name, declare_rule, pool_name, thousands, Context, Rule, RuleMeta};
use crate::diagnostic::{Label, Severity};
use crate::model::{Cluster, Field, Inventory, NodePool};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// The SNAT ports of a cluster that leaves through its load balancer
    /// (`outboundType: loadBalancer`, the default — F-053):
    ///
    /// * `allocatedOutboundPorts` that is not a multiple of 8 or lies outside
    ///   0–64,000 (error);
    /// * an explicit `allocatedOutboundPorts` for which the nodes the cluster can
    ///   reach — Σ over its pools of `maxCount` (or `count`) plus upgrade surge —
    ///   need more ports than its outbound IPs hold, 64,000 per IP (error);
    /// * the automatic allocation (`allocatedOutboundPorts` 0 or left out) when the
    ///   cluster can grow past a boundary of Azure's table — 1–50 nodes get 1,024
    ///   ports each, 51–100: 512, 101–200: 256, 201–400: 128, 401–800: 64,
    ///   801–1,000: 32 — so every node loses ports as it scales (warning).
    ///
    /// Outbound IPs count as `outboundIPs`, else `managedOutboundIPs.count`
    /// (default 1). The size of an outbound IP prefix is not known from the
    /// configuration, so clusters with `outboundIPPrefixes` get no budget check.
    /// Pools whose size cannot be evaluated are left out of the budget (the others
    /// already give a lower bound) and keep the tier check quiet.
    ///
    /// ## Why it matters
    /// Every outbound connection to the same destination needs its own SNAT port.
    /// When the ports run out, new connections time out or fail intermittently
    /// (SNAT exhaustion), typically under load or during an upgrade, when the
    /// surge nodes join. With an explicit allocation, AKS refuses to scale past
    /// 64,000 × IPs ÷ ports nodes; with the automatic one, crossing a tier halves
    /// the ports of the nodes that are already running (F-053).
    ///
    /// ## How to fix
    /// Set `allocatedOutboundPorts` to a multiple of 8 and add outbound IPs until
    /// 64,000 × IPs ≥ Σ(maxCount + surge) × ports (1,000 ports × 2 IPs hold 128
    /// nodes; 4,000 × 7 hold 112). For clusters that grow across tiers, pick an
    /// explicit allocation, or move egress to a NAT gateway (64,512 flows per IP,
    /// F-078).
    ///
    /// ## Example
    /// ```json
    /// "networkProfile": { "outboundType": "loadBalancer",
    ///   "loadBalancerProfile": { "managedOutboundIPs": { "count": 2 }, "allocatedOutboundPorts": 1000 } }
    /// ```
    pub struct SnatPortBudget {
        code: "AKS404",
        name: "snat-port-budget",
        category: IpPlanning,
        severity: Error,
        summary: "SNAT ports per node that are invalid, exceed the outbound IPs, or shrink as the cluster scales",
    }
}

/// SNAT ports each outbound public IP gives (F-053).
const PORTS_PER_IP: i64 = 64_000;

/// Azure's automatic allocation: (largest backend size, ports per node) (F-053).
const DEFAULT_TIERS: [(i64, i64); 6] = [
    (50, 1024),
    (100, 512),
    (200, 256),
    (400, 128),
    (800, 64),
    (1000, 32),
];

impl Rule for SnatPortBudget {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            if !uses_load_balancer_egress(cluster) {
                continue;
            }
            let surge = cx.thresholds.default_max_surge;
            let pools: Vec<(&NodePool, Option<PoolScale>)> = inv
                .cluster_pools(ci)
                .map(|(_, p)| (p, pool_scale(p, surge)))
                .collect();
            match &cluster.network.load_balancer.allocated_outbound_ports {
                Field::Known(ports, span) if !valid_ports(*ports) => {
                    invalid_ports(cx, cluster, *ports, *span)
                }
                Field::Known(ports, span) if *ports > 0 => {
                    budget(cx, cluster, &pools, *ports, *span)
                }
                Field::Known(_, span) => tiers(cx, cluster, &pools, Some(*span)),
                Field::Default(..) | Field::Absent => tiers(cx, cluster, &pools, None),
                Field::Unknown(_) => {}
            }
        }
    }
}

/// `loadBalancer` as written or by default, on a Standard load balancer.
fn uses_load_balancer_egress(cluster: &Cluster) -> bool {
    let outbound = match &cluster.network.outbound_type {
        Field::Known(t, _) | Field::Default(t, _) => t.eq_ignore_ascii_case("loadBalancer"),
        Field::Absent => true,
        Field::Unknown(_) => false,
    };
    // A Basic load balancer has no outbound profile; AKS403 reports it.
    let basic = cluster
        .network
        .load_balancer_sku
        .value()
        .is_some_and(|s| s.eq_ignore_ascii_case("basic"));
    outbound && !basic
}

fn valid_ports(ports: i64) -> bool {
    (0..=PORTS_PER_IP).contains(&ports) && ports % 8 == 0
}

fn invalid_ports(cx: &mut Context<'_>, cluster: &Cluster, ports: i64, span: Span) {
    let lower = (ports.clamp(0, PORTS_PER_IP) / 8) * 8;
    let d = cx.report(
        span,
        format!(
            "allocatedOutboundPorts {} of cluster `{}` is not a multiple of 8 between 0 and 64,000",
            thousands(ports),
            cluster_name(cluster)
        ),
        "not a valid SNAT port allocation",
    );
    d.help = Some(format!(
        "use a multiple of 8 such as {}, or 0 for Azure's automatic allocation (F-053)",
        thousands(lower)
    ));
    d.resource = Some(cluster.address.clone());
}

/// Outbound public IPs: their count and how it was found; `None` when not knowable.
fn outbound_ips(cluster: &Cluster) -> Option<(i64, String)> {
    let lb = &cluster.network.load_balancer;
    if !lb.outbound_ip_prefix_ids.is_empty() {
        return None;
    }
    if !lb.outbound_ip_ids.is_empty() {
        // One unknown entry may stand for a whole list that could not be evaluated.
        if lb.outbound_ip_ids.iter().any(Field::is_unknown) {
            return None;
        }
        let n = lb.outbound_ip_ids.len() as i64;
        return Some((n, format!("{n} outbound IP{}", plural(n))));
    }
    match &lb.managed_outbound_ip_count {
        Field::Known(n, _) => Some((*n, format!("{n} managed outbound IP{}", plural(*n)))),
        Field::Default(..) | Field::Absent => {
            Some((1, "1 managed outbound IP (the default)".into()))
        }
        Field::Unknown(_) => None,
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn pool_labels(pools: &[(&NodePool, Option<PoolScale>)]) -> Vec<Label> {
    pools
        .iter()
        .filter_map(|(p, sc)| {
            let sc = sc.as_ref()?;
            Some(Label::new(
                sc.nodes_span,
                format!("pool `{}`: {}", pool_name(p), sc.describe()),
            ))
        })
        .collect()
}

fn budget(
    cx: &mut Context<'_>,
    cluster: &Cluster,
    pools: &[(&NodePool, Option<PoolScale>)],
    ports: i64,
    span: Span,
) {
    // No IPs, or a negative count, is an invalid profile AKS rejects outright, not a budget question.
    let Some((ips, ips_text)) = outbound_ips(cluster).filter(|(n, _)| *n > 0) else {
        return;
    };
    let nodes: i64 = pools
        .iter()
        .filter_map(|(_, sc)| sc.as_ref())
        .map(PoolScale::total)
        .sum();
    let need = nodes * ports;
    let have = PORTS_PER_IP * ips;
    if nodes == 0 || need <= have {
        return;
    }
    let fit = have / ports;
    let d = cx.report(
        span,
        format!(
            "cluster `{}` can reach {} nodes (Σ maxCount + surge) × {} ports = {} SNAT ports, more than its {ips_text} give (64,000 × {ips} = {}); only {} nodes fit",
            cluster_name(cluster),
            thousands(nodes),
            thousands(ports),
            thousands(need),
            thousands(have),
            thousands(fit)
        ),
        "SNAT ports per node",
    );
    d.labels.extend(pool_labels(pools));
    let ips_needed = (need + PORTS_PER_IP - 1) / PORTS_PER_IP;
    d.help = Some(format!(
        "use at least {ips_needed} outbound IPs, or at most {} ports per node, or lower maxCount (F-053)",
        thousands((have / nodes) / 8 * 8)
    ));
    d.resource = Some(cluster.address.clone());
}

fn default_ports(nodes: i64) -> (usize, i64) {
    DEFAULT_TIERS
        .iter()
        .enumerate()
        .find(|(_, (max, _))| nodes <= *max)
        .map(|(i, (_, ports))| (i, *ports))
        .unwrap_or((DEFAULT_TIERS.len() - 1, 32))
}

/// Nodes the pool has now, or starts with.
fn current_nodes(pool: &NodePool) -> Option<i64> {
    match (&pool.count, pool.enable_auto_scaling.value()) {
        (Field::Known(n, _), _) => Some(*n),
        (_, Some(true)) => pool.min_count.value().copied(),
        (c, _) => c.value().copied(),
    }
}

fn tiers(
    cx: &mut Context<'_>,
    cluster: &Cluster,
    pools: &[(&NodePool, Option<PoolScale>)],
    zero_span: Option<Span>,
) {
    let mut now = 0;
    let mut max = 0;
    let mut driver: Option<(i64, Span)> = None;
    for (pool, sc) in pools {
        // Every pool must be known: an unknown pool could already be past the boundary.
        let (Some(sc), Some(n)) = (sc, current_nodes(pool)) else {
            return;
        };
        now += n;
        max += sc.total();
        let growth = sc.total() - n;
        if driver.is_none_or(|(g, _)| growth > g) {
            driver = Some((growth, sc.nodes_span));
        }
    }
    let (Some((_, driver_span)), (tier_now, ports_now), (tier_max, ports_max)) =
        (driver, default_ports(now.max(1)), default_ports(max))
    else {
        return;
    };
    if tier_max <= tier_now {
        return;
    }
    let setting = match zero_span {
        Some(_) => "allocatedOutboundPorts is 0",
        None => "allocatedOutboundPorts is not set (default 0)",
    };
    let primary = zero_span.unwrap_or(driver_span);
    let d = cx.report_at(
        Severity::Warning,
        primary,
        format!(
            "{setting}, so Azure sizes SNAT ports by backend size: cluster `{}` starts at {} nodes with {} ports each, but at {} nodes (Σ maxCount + surge) every node gets only {}",
            cluster_name(cluster),
            thousands(now),
            thousands(ports_now),
            thousands(max),
            thousands(ports_max)
        ),
        "automatic SNAT allocation drops a tier as the cluster scales",
    );
    d.labels
        .extend(pool_labels(pools).into_iter().filter(|l| l.span != primary));
    d.help = Some(format!(
        "set allocatedOutboundPorts explicitly (a multiple of 8) with enough outbound IPs for {} nodes, or use a NAT gateway (F-053)",
        thousands(max)
    ));
    d.resource = Some(cluster.address.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    fn cluster(lb: &str, pool: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.0","networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay",
              "outboundType":"loadBalancer","loadBalancerProfile":{{{lb}}}}},
            "agentPoolProfiles":[{{"name":"sys","mode":"System",{pool}}}]}}}}"#
        )
    }

    #[test]
    fn ports_must_be_a_multiple_of_eight() {
        let (src, d) = check(
            &SnatPortBudget,
            &[&cluster(r#""allocatedOutboundPorts":1001"#, r#""count":3"#)],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "1001");
    }

    #[test]
    fn budget_counts_max_count_and_surge() {
        // 1.31 → surge 1 node: (10 + 1) × 8,000 = 88,000 > 64,000 × 1.
        let pool = r#""count":3,"enableAutoScaling":true,"minCount":3,"maxCount":10"#;
        let (src, d) = check(
            &SnatPortBudget,
            &[&cluster(r#""allocatedOutboundPorts":8000"#, pool)],
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(primary_text(&src, &d[0]), "8000");
        assert!(d[0].message.contains("88,000"), "{}", d[0].message);
        // Two IPs hold 128,000.
        let (_, d) = check(
            &SnatPortBudget,
            &[&cluster(
                r#""allocatedOutboundPorts":8000,"managedOutboundIPs":{"count":2}"#,
                pool,
            )],
        );
        assert!(d.is_empty());
    }

    #[test]
    fn prefixes_have_an_unknown_size() {
        let (_, d) = check(
            &SnatPortBudget,
            &[&cluster(
                r#""allocatedOutboundPorts":8000,"outboundIPPrefixes":{"publicIPPrefixes":[{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/publicIPPrefixes/p"}]}"#,
                r#""count":20"#,
            )],
        );
        assert!(d.is_empty());
    }

    #[test]
    fn default_allocation_warns_when_scaling_crosses_a_tier() {
        let pool = r#""count":3,"enableAutoScaling":true,"minCount":3,"maxCount":60"#;
        let (src, d) = check(&SnatPortBudget, &[&cluster("", pool)]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(primary_text(&src, &d[0]), "60");
        let (_, d) = check(
            &SnatPortBudget,
            &[&cluster(
                "",
                r#""count":3,"enableAutoScaling":true,"minCount":3,"maxCount":40"#,
            )],
        );
        assert!(d.is_empty());
    }

    #[test]
    fn tiers_follow_the_table() {
        assert_eq!(default_ports(1), (0, 1024));
        assert_eq!(default_ports(50), (0, 1024));
        assert_eq!(default_ports(51), (1, 512));
        assert_eq!(default_ports(1000), (5, 32));
    }
}
