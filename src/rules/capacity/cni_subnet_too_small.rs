use super::capacity::{report_subnets, SubnetUse};
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::model::Inventory;

declare_rule! {
    /// ## What it checks
    /// Whether each subnet that pods take VNet addresses from can hold the IP
    /// addresses its node pools need at their maximum scale, summed over every pool
    /// of every cluster placed in it:
    ///
    /// * Azure CNI with pods in the node subnet (F-040, F-006): each node, surge
    ///   nodes included, takes one address for itself and `maxPods` for its pods up
    ///   front: Σ (N + S) × (1 + maxPods).
    /// * Azure CNI with a dynamic pod subnet (F-042): the pod subnet is an error below 16 × Σ (N + S) (each node's first batch)
    ///   and a warning below Σ (N + S) × maxPods (every node full).
    /// * Static block pod subnet (F-043): 16 × ⌈(maxPods + 1) / 16⌉ per node.
    ///
    /// Subnets that hold node addresses only — the node subnets of kubenet, Azure
    /// CNI Overlay and bring-your-own CNI clusters, and the node subnet of a
    /// pod-subnet cluster — are AKS102's (`node-subnet-too-small`). A subnet where
    /// any pool takes pod addresses is this rule's, and its node addresses from
    /// other pools are counted here too.
    ///
    /// N is `maxCount` when the autoscaler is on, else `count`. S is the upgrade
    /// surge: `maxSurge` as a node count, or ⌈pct × N⌉ and at least one node; when
    /// unset, 10 % on Kubernetes 1.32 and later and one node before (F-041). A
    /// private cluster's API server endpoint takes one more address in the first
    /// pool's subnet (F-052). A subnet offers 2^(32 − prefix) − 5 addresses (F-050).
    ///
    /// ## Why it matters
    /// Azure CNI reserves every pod address when a node joins. A subnet that is too
    /// small makes scale-out, upgrades (which add surge nodes) and new pools fail
    /// with `SubnetIsFull`/`InsufficientSubnetSize`, often at the worst moment; the
    /// prefix of a subnet in use cannot simply be changed.
    ///
    /// ## How to fix
    /// Give the pools a larger subnet (the message shows the smallest prefix that
    /// fits), lower `maxPods` or `maxCount`, move pools to their own subnets, or
    /// move to Azure CNI Overlay, where pods no longer take VNet addresses.
    ///
    /// ## Configuration
    /// `[thresholds]` in `akslint.toml`:
    ///
    /// * `extra-ips-per-subnet` (default 0): addresses to keep free in every node
    ///   or pod subnet for what akslint cannot see — internal load balancer
    ///   frontends, private endpoints, other NICs (F-052).
    /// * `default-max-surge` (default: AKS's own, F-041): the surge to assume for
    ///   pools that leave `maxSurge` unset, as `"1"` or `"33%"`.
    /// * `min-headroom-percent` (default 0): a warning when less than this share
    ///   of the subnet stays free at maximum scale.
    ///
    /// ## Example
    /// A /24 offers 251 addresses. With `maxPods: 30`, every node takes 31, so the
    /// subnet holds 8 nodes counting the surge node (F-040): a pool with
    /// `maxCount: 10` needs (10 + 1) × 31 = 341 addresses, a /23.
    pub struct CniSubnetTooSmall {
        code: "AKS004",
        name: "cni-subnet-too-small",
        category: IpPlanning,
        severity: Error,
        summary: "A subnet that pods take addresses from cannot hold what its node pools need at maximum scale",
    }
}

impl Rule for CniSubnetTooSmall {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        report_subnets(inv, cx, SubnetUse::PodIps);
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
            "type":"Microsoft.Network/virtualNetworks/subnets","properties":{{"addressPrefix":"{prefix}",
            "networkSecurityGroup":{{"id":"{SUB}/Microsoft.Network/networkSecurityGroups/nsg"}}}}}}"#
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

    const CNI: &str = r#"{"networkPlugin":"azure"}"#;

    #[test]
    fn node_subnet_cni_counts_pods_and_surge() {
        // (10 + 1) × (1 + 30) = 341 > 251.
        let c = cluster(
            CNI,
            &pool(
                "sys",
                r#","count":3,"enableAutoScaling":true,"maxCount":10,"maxPods":30"#,
            ),
        );
        let (src, d) = check(&CniSubnetTooSmall, &[&subnet("10.0.0.0/24"), &c]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(primary_text(&src, &d[0]), "\"10.0.0.0/24\"");
        assert!(
            d[0].message.contains("251 usable addresses"),
            "{}",
            d[0].message
        );
        assert!(d[0].message.contains("need 341"), "{}", d[0].message);
        assert!(
            d[0].labels[0]
                .message
                .contains("(10 nodes + 1 surge (default)) × (1 + 30 pods) = 341"),
            "{}",
            d[0].labels[0].message
        );
        assert!(d[0].help.as_deref().unwrap().contains("/23"));
        assert_eq!(
            src.get(d[0].labels[0].span.file).slice(d[0].labels[0].span),
            "30"
        );
    }

    #[test]
    fn fits_exactly() {
        // (7 + 1) × 31 = 248 ≤ 251.
        let c = cluster(CNI, &pool("sys", r#","count":7,"maxPods":30"#));
        assert!(check(&CniSubnetTooSmall, &[&subnet("10.0.0.0/24"), &c])
            .1
            .is_empty());
    }

    #[test]
    fn sums_pools_and_uses_default_max_pods() {
        // Two pools of 4 nodes, default maxPods 30: 2 × (4 + 1) × 31 = 310.
        let pools = format!(
            "{},{}",
            pool("a", r#","count":4"#),
            pool("b", r#","count":4"#)
        );
        let (_, d) = check(
            &CniSubnetTooSmall,
            &[&subnet("10.0.0.0/24"), &cluster(CNI, &pools)],
        );
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("need 310"), "{}", d[0].message);
        assert_eq!(d[0].labels.len(), 2);
    }

    #[test]
    fn overlay_node_subnets_are_aks102s() {
        let overlay = r#"{"networkPlugin":"azure","networkPluginMode":"overlay"}"#;
        let c = cluster(
            overlay,
            &pool(
                "sys",
                r#","count":250,"upgradeSettings":{"maxSurge":"10%"}"#,
            ),
        );
        assert!(check(&CniSubnetTooSmall, &[&subnet("10.0.0.0/24"), &c])
            .1
            .is_empty());
    }

    #[test]
    fn pod_subnet_error_and_warning() {
        let pod_subnet = format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/pods","name":"pods",
            "type":"Microsoft.Network/virtualNetworks/subnets","properties":{{"addressPrefix":"10.1.0.0/26",
            "networkSecurityGroup":{{"id":"{SUB}/Microsoft.Network/networkSecurityGroups/nsg"}}}}}}"#
        );
        let with_pods = |count: u32| {
            pool(
                "sys",
                &format!(
                    r#","count":{count},"maxPods":30,"podSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/pods""#
                ),
            )
        };
        // 59 usable: 4 nodes → 16 × 4 = 64 > 59: error.
        let (src, d) = check(
            &CniSubnetTooSmall,
            &[
                &subnet("10.0.0.0/24"),
                &pod_subnet,
                &cluster(CNI, &with_pods(3)),
            ],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(primary_text(&src, &d[0]), "\"10.1.0.0/26\"");
        // 2 nodes (1 + 1 surge): 32 ≤ 59, but 2 × 30 = 60 > 59: warning.
        let (_, d) = check(
            &CniSubnetTooSmall,
            &[
                &subnet("10.0.0.0/24"),
                &pod_subnet,
                &cluster(CNI, &with_pods(1)),
            ],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
    }

    #[test]
    fn thresholds_add_reserved_ips_surge_and_headroom() {
        use crate::rules::testing::check_with;
        use crate::rules::Thresholds;
        // (7 + 1) × 31 = 248 fits 251, until 4 addresses are kept free.
        let c = cluster(CNI, &pool("sys", r#","count":7,"maxPods":30"#));
        let t = Thresholds {
            extra_ips_per_subnet: 4,
            ..Thresholds::default()
        };
        let (_, d) = check_with(&CniSubnetTooSmall, &[&subnet("10.0.0.0/24"), &c], &t);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("need 252"), "{}", d[0].message);
        // A configured 50 % surge: (7 + 4) × 31 = 341.
        let t = Thresholds {
            default_max_surge: Some(crate::model::MaxSurge::Percent(50.0)),
            ..Thresholds::default()
        };
        let (_, d) = check_with(&CniSubnetTooSmall, &[&subnet("10.0.0.0/24"), &c], &t);
        assert!(d[0].message.contains("need 341"), "{}", d[0].message);
        // 248 of 251 used leaves 1 % free: below a 20 % headroom, a warning.
        let t = Thresholds {
            min_headroom_percent: 20,
            ..Thresholds::default()
        };
        let (_, d) = check_with(&CniSubnetTooSmall, &[&subnet("10.0.0.0/24"), &c], &t);
        assert_eq!(d[0].severity, Severity::Warning);
        assert!(
            d[0].help.as_deref().unwrap().contains("/23"),
            "{:?}",
            d[0].help
        );
    }

    #[test]
    fn unknown_values_stay_silent() {
        let c = cluster(
            CNI,
            &pool("sys", r#","count":"[parameters('n')]","maxPods":30"#),
        );
        // A non-numeric count is unknown: nothing can be judged.
        assert!(check(&CniSubnetTooSmall, &[&subnet("10.0.0.0/29"), &c])
            .1
            .is_empty());
    }
}
