use super::{declare_rule, described_once, display_name, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{Field, Inventory, ResourceId};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// The node subnets (`vnetSubnetID`) and pod subnets (`podSubnetID`) of all the
    /// node pools of one cluster: their VNets, read from the subnet ids, must be one
    /// and the same (F-132, F-009).
    ///
    /// ## Why it matters
    /// Each pool may have its own subnet, but every subnet of a cluster must be in
    /// the cluster's one VNet: system pods must reach every node and pod, and AKS
    /// refuses a pool whose subnet is in another VNet, peered or not.
    ///
    /// ## How to fix
    /// Create the pool's subnet in the VNet the cluster's other pools use (add an
    /// address range to that VNet if needed).
    ///
    /// ## Example
    /// ```json
    /// { "name": "system", "vnetSubnetID": "…/virtualNetworks/vnet-spoke/subnets/snet-system" },
    /// { "name": "user", "vnetSubnetID": "…/virtualNetworks/vnet-spoke/subnets/snet-user" }
    /// ```
    pub struct PoolsSpanVnets {
        code: "AKS302",
        name: "pools-span-vnets",
        category: Compatibility,
        severity: Error,
        summary: "Node pools of one cluster are in subnets of different VNets",
    }
}

impl Rule for PoolsSpanVnets {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            if !described_once(cluster) {
                continue;
            }
            // (VNet id, span of the subnet reference, pool name)
            let mut first: Option<(ResourceId, Span, String)> = None;
            'pools: for (_, pool) in inv.cluster_pools(ci) {
                for field in [&pool.vnet_subnet_id, &pool.pod_subnet_id] {
                    let Field::Known(subnet_id, span) = field else {
                        continue;
                    };
                    let Some(vnet) = subnet_id.parent() else {
                        continue;
                    };
                    let name = display_name(&pool.name, &pool.address);
                    let Some((first_vnet, first_span, first_pool)) = &first else {
                        first = Some((vnet, *span, name));
                        continue;
                    };
                    if vnet.matches(first_vnet) {
                        continue;
                    }
                    let d = cx.report(
                        *span,
                        format!(
                            "node pool `{name}` of cluster `{}` uses a subnet in VNet `{}`, but pool `{first_pool}` uses VNet `{}`; all pools of a cluster must be in one VNet",
                            display_name(&cluster.name, &cluster.address),
                            vnet.name(),
                            first_vnet.name()
                        ),
                        format!("subnet in VNet `{}`", vnet.name()),
                    );
                    d.labels.push(Label::new(
                        *first_span,
                        format!("subnet in VNet `{}`", first_vnet.name()),
                    ));
                    d.help = Some(format!(
                        "create the pool's subnet in VNet `{}`, with the cluster's other subnets (F-132)",
                        first_vnet.name()
                    ));
                    d.resource = Some(pool.address.clone());
                    break 'pools;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn cluster(second_vnet: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.1","networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay"}},
            "agentPoolProfiles":[{{"name":"sys","count":1,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/spoke/subnets/a"}},
            {{"name":"user","count":1,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/{second_vnet}/subnets/b"}}]}}}}"#
        )
    }

    #[test]
    fn flags_second_vnet() {
        let (src, d) = check(&PoolsSpanVnets, &[&cluster("other")]);
        assert_eq!(d.len(), 1);
        assert!(primary_text(&src, &d[0]).contains("virtualNetworks/other"));
    }

    #[test]
    fn same_vnet_in_other_case_passes() {
        assert!(check(&PoolsSpanVnets, &[&cluster("SPOKE")]).1.is_empty());
    }
}
