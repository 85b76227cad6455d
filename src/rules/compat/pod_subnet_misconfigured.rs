use super::{declare_rule, described_once, display_name, plugin_label, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{Cluster, ClusterIdx, Field, Inventory, IpamMode, NodePool};

declare_rule! {
    /// ## What it checks
    /// The pools' `podSubnetID` in each cluster (F-008, F-009):
    ///
    /// * a pod subnet that is also a node subnet (`vnetSubnetID`) of the cluster;
    /// * `podSubnetID` in a cluster that does not use Azure CNI with pod subnets:
    ///   kubenet, Azure CNI Overlay (pods take addresses from `podCidr`) or
    ///   bring-your-own CNI;
    /// * an Azure CNI cluster (not Overlay) where some pools have a
    ///   `podSubnetID` and others do not: one type of CNI per cluster.
    ///
    /// ## Why it matters
    /// AKS refuses these shapes: VMs must not be placed in a pod subnet, pod
    /// subnets exist only for Azure CNI's pod-subnet IPAM, and a cluster cannot mix
    /// node-subnet pools with pod-subnet pools. The pod IP allocation of a pool
    /// cannot be changed after it is created.
    ///
    /// ## How to fix
    /// Give pods a subnet of their own, set `podSubnetID` on every pool of a
    /// pod-subnet cluster, and remove it under kubenet or Overlay.
    ///
    /// ## Example
    /// ```json
    /// { "name": "system", "vnetSubnetID": "…/subnets/snet-nodes", "podSubnetID": "…/subnets/snet-pods" },
    /// { "name": "user", "vnetSubnetID": "…/subnets/snet-nodes", "podSubnetID": "…/subnets/snet-pods" }
    /// ```
    pub struct PodSubnetMisconfigured {
        code: "AKS207",
        name: "pod-subnet-misconfigured",
        category: Compatibility,
        severity: Error,
        summary: "A pod subnet is set where AKS does not accept it, or on only some pools",
    }
}

impl Rule for PodSubnetMisconfigured {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            let pools: Vec<&NodePool> = inv.cluster_pools(ci).map(|(_, p)| p).collect();
            // Pools from another description of the cluster may have been written against another profile.
            if !described_once(cluster) {
                continue;
            }
            // An unevaluated podSubnetID could be anything.
            if pools.iter().any(|p| p.pod_subnet_id.is_unknown()) {
                continue;
            }
            if check_wrong_mode(cluster, &pools, cx) {
                continue;
            }
            check_equal_to_node_subnet(&pools, cx);
            check_mixed(inv, ci, cluster, &pools, cx);
        }
    }
}

/// A pod subnet under kubenet, Overlay or BYO CNI. Returns true when it reported.
fn check_wrong_mode(cluster: &Cluster, pools: &[&NodePool], cx: &mut Context<'_>) -> bool {
    let mode = match cluster.ipam_mode {
        Some(m @ (IpamMode::Kubenet | IpamMode::CniOverlay | IpamMode::ByoCni)) => m,
        _ => return false,
    };
    let mut reported = false;
    for pool in pools {
        let Field::Known(_, span) = &pool.pod_subnet_id else {
            continue;
        };
        let d = cx.report(
            *span,
            format!(
                "node pool `{}` sets podSubnetID, but cluster `{}` uses {}, which takes no pod subnet",
                display_name(&pool.name, &pool.address),
                display_name(&cluster.name, &cluster.address),
                mode.describe()
            ),
            "podSubnetID",
        );
        match mode {
            IpamMode::CniOverlay => {
                if let Some(s) = cluster.network.plugin_mode.span() {
                    d.labels.push(Label::new(s, "Overlay: pods use podCidr"));
                }
            }
            _ => d.labels.extend(plugin_label(cluster)),
        }
        d.help = Some("remove podSubnetID, or use Azure CNI with pod subnets (networkPlugin \"azure\" without networkPluginMode \"overlay\") (F-008)".into());
        d.resource = Some(pool.address.clone());
        reported = true;
    }
    reported
}

/// A pod subnet that is also a node subnet of the cluster.
fn check_equal_to_node_subnet(pools: &[&NodePool], cx: &mut Context<'_>) {
    for pool in pools {
        let Field::Known(pod, span) = &pool.pod_subnet_id else {
            continue;
        };
        let node = pools.iter().find_map(|p| match &p.vnet_subnet_id {
            Field::Known(id, s) if id.key() == pod.key() => Some((*p, *s)),
            _ => None,
        });
        let Some((node_pool, node_span)) = node else {
            continue;
        };
        let d = cx.report(
            *span,
            format!(
                "node pool `{}` uses subnet `{}` for pods, which is also the node subnet of pool `{}`",
                display_name(&pool.name, &pool.address),
                pod.name(),
                display_name(&node_pool.name, &node_pool.address)
            ),
            "pod subnet",
        );
        d.labels
            .push(Label::new(node_span, "the same subnet as node subnet"));
        d.help = Some("give pods a subnet of their own in the same VNet; nodes must not be placed in a pod subnet (F-009)".into());
        d.resource = Some(pool.address.clone());
    }
}

/// Some pools with a pod subnet and some without, in an Azure CNI (not Overlay) cluster.
fn check_mixed(
    inv: &Inventory,
    ci: ClusterIdx,
    cluster: &Cluster,
    pools: &[&NodePool],
    cx: &mut Context<'_>,
) {
    if !matches!(
        cluster.ipam_mode,
        Some(IpamMode::CniPodSubnetDynamic | IpamMode::CniPodSubnetStatic)
    ) {
        return;
    }
    let Some(with) = pools.iter().find(|p| p.pod_subnet_id.known().is_some()) else {
        return;
    };
    for (_, pool) in inv.cluster_pools(ci) {
        if !pool.pod_subnet_id.is_absent() {
            continue;
        }
        let span = pool.name.span().unwrap_or(pool.decl);
        let d = cx.report(
            span,
            format!(
                "node pool `{}` has no podSubnetID, but other pools of cluster `{}` put their pods in a pod subnet; a cluster uses one type of CNI",
                display_name(&pool.name, &pool.address),
                display_name(&cluster.name, &cluster.address)
            ),
            "no podSubnetID",
        );
        if let Some(s) = with.pod_subnet_id.span() {
            d.labels.push(Label::new(
                s,
                format!(
                    "pool `{}` has a pod subnet",
                    display_name(&with.name, &with.address)
                ),
            ));
        }
        d.help = Some("set podSubnetID on every pool of the cluster (F-009)".into());
        d.resource = Some(pool.address.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn cluster(network: &str, pools: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.1","networkProfile":{network},"agentPoolProfiles":[{pools}]}}}}"#
        )
    }

    fn pool(name: &str, pod: Option<&str>) -> String {
        let pod = pod
            .map(|s| {
                format!(r#","podSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/{s}""#)
            })
            .unwrap_or_default();
        format!(
            r#"{{"name":"{name}","count":1,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/nodes"{pod}}}"#
        )
    }

    const CNI: &str = r#"{"networkPlugin":"azure"}"#;

    #[test]
    fn pod_subnet_equal_to_node_subnet() {
        let (src, d) = check(
            &PodSubnetMisconfigured,
            &[&cluster(CNI, &pool("sys", Some("nodes")))],
        );
        assert_eq!(d.len(), 1);
        assert!(primary_text(&src, &d[0]).ends_with("subnets/nodes\""));
    }

    #[test]
    fn pod_subnet_with_overlay_or_kubenet() {
        for net in [
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay"}"#,
            r#"{"networkPlugin":"kubenet"}"#,
        ] {
            let (_, d) = check(
                &PodSubnetMisconfigured,
                &[&cluster(net, &pool("sys", Some("pods")))],
            );
            assert_eq!(d.len(), 1, "{net}");
        }
    }

    #[test]
    fn mixed_pools() {
        let pools = format!("{},{}", pool("sys", Some("pods")), pool("user", None));
        let (src, d) = check(&PodSubnetMisconfigured, &[&cluster(CNI, &pools)]);
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"user\"");
        let pools = format!(
            "{},{}",
            pool("sys", Some("pods")),
            pool("user", Some("pods"))
        );
        assert!(check(&PodSubnetMisconfigured, &[&cluster(CNI, &pools)])
            .1
            .is_empty());
    }
}
