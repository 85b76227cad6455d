use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{Cluster, Field, Inventory};
use crate::rules::shared::capacity::{cluster_nodes, pool_name};
use crate::rules::{cluster_name, thousands};

/// Azure NPM on Linux is supported up to 250 nodes and 20,000 pods (F-017).
const NPM_MAX_NODES: i64 = 250;
const NPM_MAX_PODS: i64 = 20_000;

declare_rule! {
    /// ## What it checks
    /// A cluster whose `networkPolicy` is `azure` (Azure Network Policy Manager)
    /// and whose pools can reach more than 250 nodes, or more than 20,000 pods:
    /// N + S summed over every pool (N is `maxCount` with the autoscaler, else
    /// `count`; S the upgrade surge, F-041), and for pods (N + S) × maxPods per
    /// pool. A pool whose scale cannot be evaluated makes the sums lower bounds;
    /// the rule reports only what those bounds already prove.
    ///
    /// ## Why it matters
    /// Azure NPM enforces policies with iptables rules and ipsets on every node;
    /// Microsoft supports it on Linux only up to 250 nodes and 20,000 pods
    /// (F-017). Beyond that, policy updates lag behind pod churn, nodes spend CPU
    /// on rule reprogramming, and support cases are out of scope. NPM is also
    /// being retired (Linux: 2028-09-30), so a cluster that grows past the limit
    /// should move now.
    ///
    /// ## How to fix
    /// Move the cluster to Azure CNI powered by Cilium (`networkDataplane:
    /// cilium`, `networkPolicy: cilium`), which scales far beyond NPM's limits
    /// (F-014), or lower `maxCount`/`maxPods` to stay within 250 nodes and 20,000
    /// pods.
    ///
    /// ## Example
    /// ```json
    /// "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay",
    ///   "networkDataplane": "cilium", "networkPolicy": "cilium" }
    /// ```
    pub struct NpmScaleExceeded {
        code: "AKS210",
        name: "npm-scale-exceeded",
        category: Supportability,
        severity: Warning,
        summary: "A cluster on Azure Network Policy Manager can grow past NPM's 250 nodes or 20,000 pods",
    }
}

impl Rule for NpmScaleExceeded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            let Field::Known(policy, span) = &cluster.network.policy else {
                continue;
            };
            if !policy.eq_ignore_ascii_case("azure") {
                continue;
            }
            let nodes = cluster_nodes(inv, ci, cx.thresholds.default_max_surge);
            let at_least = if nodes.complete { "" } else { "at least " };
            // (pool, N + S, maxPods) for pools whose pods are known.
            let mut pods_total: i64 = 0;
            let mut pod_labels = Vec::new();
            for (pi, sc) in &nodes.pools {
                let Some(&max_pods) = inv.pools[*pi].max_pods.value() else {
                    continue;
                };
                let pods = sc.total().saturating_mul(max_pods);
                pods_total = pods_total.saturating_add(pods);
                pod_labels.push(Label::new(
                    sc.nodes_span,
                    format!(
                        "pool `{}`: ({}) × {max_pods} pods = {}",
                        pool_name(&inv.pools[*pi]),
                        sc.describe(),
                        thousands(pods)
                    ),
                ));
            }
            let over_nodes = nodes.total > NPM_MAX_NODES;
            let over_pods = pods_total > NPM_MAX_PODS;
            if !over_nodes && !over_pods {
                continue;
            }
            let what = match (over_nodes, over_pods) {
                (true, true) => format!(
                    "{at_least}{} nodes and {at_least}{} pods",
                    thousands(nodes.total),
                    thousands(pods_total)
                ),
                (true, false) => format!(
                    "{at_least}{} nodes with surge {}",
                    thousands(nodes.total),
                    nodes.sum_text()
                ),
                _ => format!("{at_least}{} pods", thousands(pods_total)),
            };
            let d = cx.report(
                *span,
                format!(
                    "cluster `{}` uses Azure Network Policy Manager and its pools reach {what}; NPM is supported up to {NPM_MAX_NODES} nodes and {} pods",
                    cluster_name(cluster),
                    thousands(NPM_MAX_PODS)
                ),
                "Azure NPM",
            );
            d.labels.extend(pod_labels);
            d.help = Some(help(cluster));
            d.resource = Some(cluster.address.clone());
        }
    }
}

fn help(cluster: &Cluster) -> String {
    let windows = if cluster.windows_profile {
        " (Windows pools: Calico)"
    } else {
        ""
    };
    format!("move to Azure CNI powered by Cilium{windows}, or keep maxCount and maxPods within 250 nodes and 20,000 pods (F-017, F-014)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, cluster, pool, primary_text, vnet};

    fn net() -> String {
        vnet("vnet1", &["10.1.0.0/16"], &[("nodes", "10.1.0.0/18")])
    }

    #[test]
    fn nodes_beyond_250_are_reported() {
        let pools = [
            pool("a", "vnet1", "nodes", r#","count":200,"maxPods":30"#),
            pool("b", "vnet1", "nodes", r#","count":60,"maxPods":30"#),
        ];
        let np = r#"{"networkPlugin":"azure","networkPolicy":"azure"}"#;
        let (src, d) = check(&NpmScaleExceeded, &[&net(), &cluster(np, &pools)]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(primary_text(&src, &d[0]), "\"azure\"");
        assert!(
            d[0].message.contains("nodes with surge"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn pods_beyond_20000_are_reported() {
        let pools = [pool("a", "vnet1", "nodes", r#","count":100,"maxPods":250"#)];
        let np =
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay","networkPolicy":"azure"}"#;
        let (_, d) = check(&NpmScaleExceeded, &[&net(), &cluster(np, &pools)]);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("pods"), "{}", d[0].message);
    }

    #[test]
    fn within_limits_or_another_engine_is_fine() {
        let small = [pool("a", "vnet1", "nodes", r#","count":50,"maxPods":30"#)];
        let npm = r#"{"networkPlugin":"azure","networkPolicy":"azure"}"#;
        assert!(check(&NpmScaleExceeded, &[&net(), &cluster(npm, &small)])
            .1
            .is_empty());
        let big = [pool("a", "vnet1", "nodes", r#","count":400,"maxPods":30"#)];
        let calico = r#"{"networkPlugin":"azure","networkPolicy":"calico"}"#;
        assert!(check(&NpmScaleExceeded, &[&net(), &cluster(calico, &big)])
            .1
            .is_empty());
    }
}
