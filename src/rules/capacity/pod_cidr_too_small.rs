use ipnet::IpNet;

use super::capacity::{cluster_nodes, pool_name};
use super::ranges::{cluster_name, pod_cidrs};
use super::{declare_rule, thousands, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{cidr, Inventory, IpamMode};

declare_rule! {
    /// ## What it checks
    /// Whether the IPv4 pod CIDR of a kubenet or Azure CNI Overlay cluster has room
    /// for every node the cluster can reach. Both modes give each node, surge nodes
    /// included, a fixed /24 of the pod CIDR, so it holds 2^(24 − prefix) nodes
    /// (F-045, F-046). The rule sums N + S over every pool of the cluster — N is
    /// `maxCount` when the autoscaler is on, else `count`; S the upgrade surge
    /// (F-041) — and reports when the sum exceeds that. A pod CIDR left out is
    /// AKS's default 10.244.0.0/16 (256 nodes), and the message says so.
    ///
    /// ## Why it matters
    /// AKS refuses an Overlay create or scale-out whose pod CIDR cannot hold all
    /// pools at `maxCount` (`InsufficientSubnetSize`, F-046); on kubenet, nodes
    /// past the limit get no pod range (F-045). The pod CIDR of a kubenet cluster
    /// cannot be changed, and Overlay can only grow it to a superset on Linux-only
    /// clusters (F-048), so the mistake is expensive to undo.
    ///
    /// ## How to fix
    /// Use a pod CIDR with a shorter prefix (the message shows the one that fits),
    /// or lower `maxCount` or `maxSurge`. Keep the range private and clear of the
    /// VNet, peered networks and the service CIDR (AKS105, AKS106).
    ///
    /// ## Example
    /// An Overlay cluster with pools of `maxCount` 200 and 100 surges 20 + 10 nodes
    /// (10 %): 330 nodes need 330 /24s, more than the 256 of a /16. A /15 holds 512:
    ///
    /// ```json
    /// "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay", "podCidr": "10.244.0.0/15" }
    /// ```
    pub struct PodCidrTooSmall {
        code: "AKS101",
        name: "pod-cidr-too-small",
        category: IpPlanning,
        severity: Error,
        summary: "The pod CIDR of a kubenet or Overlay cluster has fewer /24s than the cluster has nodes",
    }
}

impl Rule for PodCidrTooSmall {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            let Some(ranges) = pod_cidrs(cluster) else {
                continue;
            };
            let Some(pod) = ranges.iter().find(|r| matches!(r.net, IpNet::V4(_))) else {
                continue;
            };
            let nodes = cluster_nodes(inv, ci, cx.thresholds.default_max_surge);
            let slots = cidr::blocks_of(&pod.net, 24);
            let need = u128::try_from(nodes.total).unwrap_or(0);
            if need <= slots {
                continue;
            }
            let prefix = pod.net.prefix_len();
            let holds = if prefix > 24 {
                format!("a /{prefix} cannot give any node its /24")
            } else {
                format!(
                    "it holds 2^(24 − {prefix}) = {} nodes",
                    thousands(i64::try_from(slots).unwrap_or(i64::MAX))
                )
            };
            let at_least = if nodes.complete { "" } else { "at least " };
            let sum = nodes.sum_text();
            let mode = match cluster.ipam_mode {
                Some(IpamMode::Kubenet) => "kubenet",
                _ => "Azure CNI Overlay",
            };
            let message = format!(
                "pod CIDR {} of `{}` gives each node a /24 ({mode}): {holds}, but the pools reach {at_least}{} nodes with surge {}",
                pod.describe(),
                cluster_name(cluster),
                thousands(nodes.total),
                sum,
            );
            let label = if pod.default {
                "pod CIDR left out: AKS uses 10.244.0.0/16".to_string()
            } else {
                format!(
                    "{} /24 blocks",
                    thousands(i64::try_from(slots).unwrap_or(i64::MAX))
                )
            };
            let d = cx.report(pod.span, message, label);
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
            // The longest prefix whose /24 count holds every node.
            let fits = (0..=24u8)
                .rev()
                .find(|p| 1i64 << (24 - p) >= nodes.total)
                .map_or_else(
                    || "lower maxCount".to_string(),
                    |p| {
                        format!(
                            "use a /{p} or larger pod CIDR ({} nodes)",
                            thousands(1i64 << (24 - p))
                        )
                    },
                );
            let change = if cluster.ipam_mode == Some(IpamMode::Kubenet) {
                "a kubenet pod CIDR cannot be changed, but migrating to Overlay can set a new one"
            } else {
                "on a Linux-only Overlay cluster the pod CIDR can grow to a superset"
            };
            d.help = Some(format!(
                "{fits}, or lower maxCount or maxSurge; {change} (F-045, F-046, F-048)"
            ));
            d.resource = Some(cluster.address.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::rules::testing::{check, cluster, pool, primary_text, vnet};

    fn net() -> String {
        vnet("vnet1", &["10.1.0.0/16"], &[("nodes", "10.1.0.0/20")])
    }

    #[test]
    fn overlay_pools_exceed_a_slash_17() {
        // 100 + 10 surge and 20 + 2 surge = 132 > 128.
        let c = cluster(
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay","podCidr":"10.244.0.0/17"}"#,
            &[
                pool("a", "vnet1", "nodes", r#","count":100"#),
                pool("b", "vnet1", "nodes", r#","count":20"#),
            ],
        );
        let (src, d) = check(&PodCidrTooSmall, &[&net(), &c]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(primary_text(&src, &d[0]), "\"10.244.0.0/17\"");
        assert!(
            d[0].message.contains("2^(24 − 17) = 128 nodes"),
            "{}",
            d[0].message
        );
        assert!(
            d[0].message.contains("(110 + 22 = 132)"),
            "{}",
            d[0].message
        );
        assert!(d[0].help.as_deref().unwrap().contains("/16"));
        assert_eq!(d[0].labels.len(), 2);
    }

    #[test]
    fn default_pod_cidr_on_kubenet_is_labelled() {
        // 250 + 25 surge > 256.
        let c = cluster(
            r#"{"networkPlugin":"kubenet"}"#,
            &[pool("a", "vnet1", "nodes", r#","count":250"#)],
        );
        let (_, d) = check(&PodCidrTooSmall, &[&net(), &c]);
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message.contains("10.244.0.0/16 (the default)"),
            "{}",
            d[0].message
        );
        let c = cluster(
            r#"{"networkPlugin":"kubenet"}"#,
            &[pool("a", "vnet1", "nodes", r#","count":200"#)],
        );
        assert!(check(&PodCidrTooSmall, &[&net(), &c]).1.is_empty());
    }

    #[test]
    fn node_subnet_cni_and_unknown_counts_stay_silent() {
        let c = cluster(
            r#"{"networkPlugin":"azure","podCidr":"10.244.0.0/24"}"#,
            &[pool("a", "vnet1", "nodes", r#","count":20"#)],
        );
        assert!(check(&PodCidrTooSmall, &[&net(), &c]).1.is_empty());
        let c = cluster(
            r#"{"networkPlugin":"kubenet","podCidr":"[parameters('p')]"}"#,
            &[pool("a", "vnet1", "nodes", r#","count":2000"#)],
        );
        assert!(check(&PodCidrTooSmall, &[&net(), &c]).1.is_empty());
    }
}
