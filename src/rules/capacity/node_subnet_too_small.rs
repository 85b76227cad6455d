use super::capacity::{report_subnets, SubnetUse};
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::model::Inventory;

declare_rule! {
    /// ## What it checks
    /// Whether each subnet that holds node addresses only can hold them at maximum
    /// scale: the node subnets of kubenet (F-044), Azure CNI Overlay (F-047) and
    /// bring-your-own CNI (F-049) clusters, and the node subnet of an Azure CNI
    /// cluster whose pods come from a pod subnet (F-042). Every node, surge nodes
    /// included, takes one address: Σ (N + S) over every pool of every cluster
    /// placed in the subnet, plus what else the inputs put there — a private
    /// cluster's API server endpoint in the first pool's subnet (F-052) — must fit
    /// in 2^(32 − prefix) − 5 (F-050).
    ///
    /// N is `maxCount` when the autoscaler is on, else `count`. S is the upgrade
    /// surge: `maxSurge` as a node count, or ⌈pct × N⌉ and at least one node; when
    /// unset, 10 % on Kubernetes 1.32 and later and one node before (F-041).
    /// Subnets where some pool also takes pod addresses are AKS004's
    /// (`cni-subnet-too-small`), which uses the same calculator.
    ///
    /// ## Why it matters
    /// A node that cannot get an address is never created: scale-out and upgrades,
    /// which add surge nodes first, fail with `SubnetIsFull` once the subnet is
    /// exhausted, and a subnet in use cannot simply be resized.
    ///
    /// ## How to fix
    /// Give the pools a larger subnet (the message shows the smallest prefix that
    /// fits), lower `maxCount` or `maxSurge`, or give some pools their own subnet.
    /// The `extra-ips-per-subnet`, `default-max-surge` and `min-headroom-percent`
    /// thresholds of AKS004 apply here too.
    ///
    /// ## Example
    /// A /24 offers 251 addresses. An Overlay pool with `count: 240` surges 24
    /// nodes (10 %): 240 + 24 = 264 addresses, more than 251. A /23 (507 usable)
    /// holds it:
    ///
    /// ```json
    /// { "name": "snet-aks-nodes", "properties": { "addressPrefix": "10.240.0.0/23" } }
    /// ```
    pub struct NodeSubnetTooSmall {
        code: "AKS102",
        name: "node-subnet-too-small",
        category: IpPlanning,
        severity: Error,
        summary: "A node subnet cannot hold its pools' node addresses at maximum scale",
    }
}

impl Rule for NodeSubnetTooSmall {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        report_subnets(inv, cx, SubnetUse::NodeIpsOnly);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::rules::testing::{check, primary_text, SUB};

    fn subnet(prefix: &str) -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/nodes","name":"nodes",
            "type":"Microsoft.Network/virtualNetworks/subnets","properties":{{"addressPrefix":"{prefix}"}}}}"#
        )
    }

    fn cluster(network: &str, pools: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.33.0","networkProfile":{network},"agentPoolProfiles":[{pools}]}}}}"#
        )
    }

    fn pool(name: &str, extra: &str) -> String {
        format!(
            r#"{{"name":"{name}","vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/nodes"{extra}}}"#
        )
    }

    const OVERLAY: &str = r#"{"networkPlugin":"azure","networkPluginMode":"overlay"}"#;

    #[test]
    fn overlay_counts_nodes_and_surge() {
        let c = cluster(OVERLAY, &pool("sys", r#","count":100,"maxPods":250"#));
        assert!(check(&NodeSubnetTooSmall, &[&subnet("10.0.0.0/24"), &c])
            .1
            .is_empty());
        let c = cluster(
            OVERLAY,
            &pool(
                "sys",
                r#","count":250,"upgradeSettings":{"maxSurge":"10%"}"#,
            ),
        );
        let (src, d) = check(&NodeSubnetTooSmall, &[&subnet("10.0.0.0/24"), &c]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(primary_text(&src, &d[0]), "\"10.0.0.0/24\"");
        assert!(
            d[0].message.contains("need 275 node addresses"),
            "{}",
            d[0].message
        );
        assert!(
            d[0].labels[0]
                .message
                .contains("250 nodes + 25 surge = 275 node IPs"),
            "{}",
            d[0].labels[0].message
        );
        assert!(d[0].help.as_deref().unwrap().contains("/23"));
    }

    #[test]
    fn kubenet_private_cluster_counts_the_endpoint() {
        // 250 + 1 surge (maxSurge 1) + 1 endpoint = 252 > 251.
        let c = format!(
            r#"{{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.33.0","networkProfile":{{"networkPlugin":"kubenet"}},
            "apiServerAccessProfile":{{"enablePrivateCluster":true}},
            "agentPoolProfiles":[{}]}}}}"#,
            pool("sys", r#","count":250,"upgradeSettings":{"maxSurge":"1"}"#)
        );
        let (_, d) = check(&NodeSubnetTooSmall, &[&subnet("10.0.0.0/24"), &c]);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("need 252"), "{}", d[0].message);
        assert_eq!(d[0].labels.len(), 2);
    }

    #[test]
    fn node_subnet_cni_is_aks004s() {
        let c = cluster(
            r#"{"networkPlugin":"azure"}"#,
            &pool("sys", r#","count":100,"maxPods":30"#),
        );
        assert!(check(&NodeSubnetTooSmall, &[&subnet("10.0.0.0/24"), &c])
            .1
            .is_empty());
    }

    #[test]
    fn a_subnet_shared_with_pods_is_reported_once_by_aks004() {
        use crate::rules::CniSubnetTooSmall;
        let cni = cluster(
            r#"{"networkPlugin":"azure"}"#,
            &pool("a", r#","count":5,"maxPods":30"#),
        );
        let overlay = cluster(OVERLAY, &pool("b", r#","count":100"#)).replace("aks1", "aks2");
        let docs = [subnet("10.0.0.0/24"), cni, overlay];
        let docs: Vec<&str> = docs.iter().map(String::as_str).collect();
        assert!(check(&NodeSubnetTooSmall, &docs).1.is_empty());
        // (5 + 1) × 31 + (100 + 10) = 296 > 251.
        let (_, d) = check(&CniSubnetTooSmall, &docs);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("need 296"), "{}", d[0].message);
    }

    #[test]
    fn absurd_counts_do_not_overflow() {
        let c = cluster(
            OVERLAY,
            &format!(
                "{},{}",
                pool("a", r#","count":9223372036854775807"#),
                pool(
                    "b",
                    r#","count":9223372036854775807,"maxPods":9223372036854775807"#
                )
            ),
        );
        let (_, d) = check(&NodeSubnetTooSmall, &[&subnet("10.0.0.0/24"), &c]);
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn unknown_count_stays_silent() {
        let c = cluster(OVERLAY, &pool("sys", r#","count":"[parameters('n')]""#));
        assert!(check(&NodeSubnetTooSmall, &[&subnet("10.0.0.0/29"), &c])
            .1
            .is_empty());
    }
}
