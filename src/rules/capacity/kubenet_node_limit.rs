use super::capacity::{cluster_nodes, pool_name};
use super::ranges::cluster_name;
use super::{declare_rule, thousands, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{Inventory, IpamMode};

/// The most nodes a kubenet cluster can have: one route per node in a route table of 400 (F-004).
pub const KUBENET_MAX_NODES: i64 = 400;

declare_rule! {
    /// ## What it checks
    /// Whether a kubenet cluster's pools can reach more than 400 nodes: the sum of
    /// N + S over every pool, N being `maxCount` when the autoscaler is on, else
    /// `count`, and S the upgrade surge (F-041). Kubenet is also the default plugin
    /// when a cluster on Kubernetes before 1.30 leaves it out (F-002).
    ///
    /// ## Why it matters
    /// Kubenet routes pod traffic with one user-defined route per node, and an
    /// Azure route table holds at most 400 routes, so a kubenet cluster cannot
    /// exceed 400 nodes. AKS checks this at create and again when an upgrade is
    /// requested, so a cluster that fits today can be refused an upgrade (F-004).
    ///
    /// ## How to fix
    /// Lower `maxCount` or `maxSurge` so the cluster stays within 400 nodes, or
    /// move to Azure CNI Overlay, which scales to 5,000 nodes (F-012) and which
    /// kubenet clusters can migrate to in place.
    ///
    /// ## Example
    /// Two autoscaled pools with `maxCount` 300 and 100 surge 30 + 10 nodes: 440
    /// nodes. Overlay removes the limit:
    ///
    /// ```json
    /// "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay" }
    /// ```
    pub struct KubenetNodeLimit {
        code: "AKS103",
        name: "kubenet-node-limit",
        category: IpPlanning,
        severity: Error,
        summary: "A kubenet cluster can reach more than kubenet's 400 nodes",
    }
}

impl Rule for KubenetNodeLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            if cluster.ipam_mode != Some(IpamMode::Kubenet) {
                continue;
            }
            let nodes = cluster_nodes(inv, ci, cx.thresholds.default_max_surge);
            if nodes.total <= KUBENET_MAX_NODES {
                continue;
            }
            let plugin = &cluster.network.plugin;
            let what = if plugin.is_default() {
                "kubenet (the default before Kubernetes 1.30)"
            } else {
                "kubenet"
            };
            let at_least = if nodes.complete { "" } else { "at least " };
            let sum = nodes.sum_text();
            let message = format!(
                "`{}` uses {what} and its pools reach {at_least}{} nodes with surge {}, more than kubenet's {KUBENET_MAX_NODES}",
                cluster_name(cluster),
                thousands(nodes.total),
                sum,
            );
            let span = plugin.span().unwrap_or(cluster.network.span);
            let d = cx.report(span, message, "one route per node; a route table holds 400");
            for (pi, sc) in &nodes.pools {
                let name = inv.pools.get(*pi).map(pool_name).unwrap_or_default();
                d.labels.push(Label::new(
                    sc.nodes_span,
                    format!(
                        "pool `{name}`: {} = {}",
                        sc.describe(),
                        thousands(sc.total())
                    ),
                ));
            }
            d.help = Some(
                "lower maxCount or maxSurge to stay within 400 nodes, or migrate the cluster to Azure CNI Overlay (F-004, F-012)"
                    .into(),
            );
            d.resource = Some(cluster.address.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, cluster, pool, primary_text, vnet};

    fn net() -> String {
        vnet("vnet1", &["10.1.0.0/16"], &[("nodes", "10.1.0.0/20")])
    }

    #[test]
    fn counts_max_count_and_surge() {
        let pools = [
            pool(
                "a",
                "vnet1",
                "nodes",
                r#","enableAutoScaling":true,"count":3,"maxCount":300"#,
            ),
            pool("b", "vnet1", "nodes", r#","count":100"#),
        ];
        let (src, d) = check(
            &KubenetNodeLimit,
            &[&net(), &cluster(r#"{"networkPlugin":"kubenet"}"#, &pools)],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"kubenet\"");
        assert!(
            d[0].message
                .contains("440 nodes with surge (330 + 110 = 440)"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn within_the_limit_or_overlay_is_fine() {
        let pools = [pool("a", "vnet1", "nodes", r#","count":360"#)];
        assert!(check(
            &KubenetNodeLimit,
            &[&net(), &cluster(r#"{"networkPlugin":"kubenet"}"#, &pools)]
        )
        .1
        .is_empty());
        let pools = [pool("a", "vnet1", "nodes", r#","count":1000"#)];
        let overlay = r#"{"networkPlugin":"azure","networkPluginMode":"overlay"}"#;
        assert!(
            check(&KubenetNodeLimit, &[&net(), &cluster(overlay, &pools)])
                .1
                .is_empty()
        );
    }
}
