use super::{declare_rule, display_name, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use std::collections::HashMap;

use crate::model::{Field, Inventory, Subnet, SubnetIdx};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// Every subnet that a node pool uses as its node subnet (`vnetSubnetID`) or
    /// pod subnet (`podSubnetID`) and that carries a service delegation (F-070).
    /// A delegation to App Service (`Microsoft.Web/serverFarms`) is named in the
    /// message: that subnet belongs to an App Service VNet integration (F-142).
    /// A subnet used only as a pod subnet whose only delegation is to
    /// `Microsoft.ContainerService/managedClusters` is not reported: AKS adds
    /// exactly that delegation to dynamic pod subnets itself, so exported
    /// clusters and Terraform state show it (F-101).
    ///
    /// ## Why it matters
    /// AKS node and pod subnets must not be delegated to another service; a
    /// delegated subnet is reserved for the service it is delegated to. AKS refuses
    /// to create the pool (`SubnetIsDelegated`), and the delegation cannot be removed
    /// while the service still uses the subnet. A node subnet must carry no
    /// delegation at all, not even AKS's own.
    /// (The API server VNet integration subnet is the one AKS subnet that must be
    /// delegated, to `Microsoft.ContainerService/managedClusters` — see AKS304.)
    ///
    /// ## How to fix
    /// Put the pool in an undelegated subnet of its own, and keep delegated subnets
    /// for their service.
    ///
    /// ## Example
    /// ```json
    /// { "name": "snet-aks-nodes", "properties": { "addressPrefix": "10.240.0.0/22", "delegations": [] } }
    /// ```
    pub struct NodeSubnetDelegated {
        code: "AKS301",
        name: "node-subnet-delegated",
        category: Compatibility,
        severity: Error,
        summary: "A node or pod subnet is delegated to a service",
    }
}

/// A pool that uses a subnet: its name, the span of the reference, and the role (node or pod).
type PoolUse = (String, Option<Span>, &'static str);

impl Rule for NodeSubnetDelegated {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // Subnet → the pools that use it (pool, span of the reference, role), in input order.
        let mut uses: Vec<(SubnetIdx, Vec<PoolUse>)> = Vec::new();
        let mut slot: HashMap<SubnetIdx, usize> = HashMap::new();
        for pool in &inv.pools {
            let name = display_name(&pool.name, &pool.address);
            for (si, span, role) in [
                (pool.subnet, pool.vnet_subnet_id.span(), "node"),
                (pool.pod_subnet, pool.pod_subnet_id.span(), "pod"),
            ] {
                let Some(si) = si else { continue };
                let at = *slot.entry(si).or_insert_with(|| {
                    uses.push((si, Vec::new()));
                    uses.len() - 1
                });
                uses[at].1.push((name.clone(), span, role));
            }
        }
        for (si, pools) in uses {
            let subnet = &inv.subnets[si];
            if pod_subnet_delegated_by_aks(subnet, &pools) {
                continue;
            }
            let Some((service, span)) = subnet.delegations.iter().find_map(|d| match d {
                Field::Known(s, span) => Some((s, *span)),
                _ => None,
            }) else {
                continue;
            };
            let app_service = if service.eq_ignore_ascii_case("Microsoft.Web/serverFarms") {
                " (an App Service VNet integration subnet, F-142)"
            } else {
                ""
            };
            // Name a node use first: that is the one AKS rejects outright.
            let (first, _, role) = pools
                .iter()
                .find(|(_, _, role)| *role == "node")
                .unwrap_or(&pools[0]);
            let d = cx.report(
                span,
                format!(
                    "subnet `{}` is delegated to `{service}`{app_service}, but it is the {role} subnet of node pool `{first}`; AKS subnets must not be delegated",
                    subnet.display_name()
                ),
                format!("delegated to `{service}`"),
            );
            for (pool, at, role) in &pools {
                if let Some(at) = at {
                    d.labels
                        .push(Label::new(*at, format!("{role} subnet of pool `{pool}`")));
                }
            }
            d.help = Some("put the pool in an undelegated subnet of its own (F-070)".into());
            d.resource = Some(subnet.address.clone());
        }
    }
}

/// AKS delegates dynamic pod subnets to itself (F-101): a subnet that no pool
/// uses as its node subnet and whose every delegation is that one is fine.
fn pod_subnet_delegated_by_aks(subnet: &Subnet, pools: &[PoolUse]) -> bool {
    pools.iter().all(|(_, _, role)| *role == "pod")
        && subnet
            .delegations
            .iter()
            .all(|d| matches!(d, Field::Known(s, _) if s.eq_ignore_ascii_case(AKS_DELEGATION)))
}

/// The service AKS delegates pod subnets and API server subnets to.
const AKS_DELEGATION: &str = "Microsoft.ContainerService/managedClusters";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn subnet(delegations: &str) -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/nodes","name":"nodes",
            "type":"Microsoft.Network/virtualNetworks/subnets","properties":{{"addressPrefix":"10.0.0.0/22",
            "delegations":{delegations}}}}}"#
        )
    }

    fn cluster() -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.1","networkProfile":{{"networkPlugin":"azure"}},
            "agentPoolProfiles":[{{"name":"sys","count":1,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/nodes"}},
            {{"name":"user","count":1,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/nodes"}}]}}}}"#
        )
    }

    #[test]
    fn flags_delegated_node_subnet_once() {
        let (src, d) = check(
            &NodeSubnetDelegated,
            &[
                &subnet(
                    r#"[{"name":"web","properties":{"serviceName":"Microsoft.Web/serverFarms"}}]"#,
                ),
                &cluster(),
            ],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"Microsoft.Web/serverFarms\"");
        assert!(d[0].message.contains("App Service"));
        assert_eq!(d[0].labels.len(), 2);
    }

    #[test]
    fn passes_without_delegation() {
        assert!(check(&NodeSubnetDelegated, &[&subnet("[]"), &cluster()])
            .1
            .is_empty());
    }

    fn pod_cluster() -> String {
        cluster().replacen(
            r#""vnetSubnetID":"/subscriptions"#,
            r#""podSubnetID":"/subscriptions"#,
            1,
        )
    }

    const AKS: &str = r#"[{"name":"aks","properties":{"serviceName":"Microsoft.ContainerService/managedClusters"}}]"#;

    #[test]
    fn pod_subnet_delegated_to_aks_is_fine() {
        // The first pool uses `nodes` as its pod subnet only; the second as its
        // node subnet, so make both pod uses.
        let c = pod_cluster().replace(
            r#""name":"user","count":1,"vnetSubnetID""#,
            r#""name":"user","count":1,"podSubnetID""#,
        );
        assert!(check(&NodeSubnetDelegated, &[&subnet(AKS), &c])
            .1
            .is_empty());
    }

    #[test]
    fn node_subnet_delegated_to_aks_is_an_error() {
        let (_, d) = check(&NodeSubnetDelegated, &[&subnet(AKS), &pod_cluster()]);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("node subnet"), "{}", d[0].message);
    }

    #[test]
    fn pod_subnet_with_another_delegation_is_an_error() {
        let both = r#"[{"name":"aks","properties":{"serviceName":"Microsoft.ContainerService/managedClusters"}},
            {"name":"web","properties":{"serviceName":"Microsoft.Web/serverFarms"}}]"#;
        let c = pod_cluster().replace(
            r#""name":"user","count":1,"vnetSubnetID""#,
            r#""name":"user","count":1,"podSubnetID""#,
        );
        assert_eq!(check(&NodeSubnetDelegated, &[&subnet(both), &c]).1.len(), 1);
    }
}
