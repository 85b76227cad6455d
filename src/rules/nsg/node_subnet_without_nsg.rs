use std::collections::BTreeMap;

use super::{declare_rule, Context, Rule, RuleMeta};
use crate::model::{Field, Inventory};

declare_rule! {
    /// ## What it checks
    /// A subnet that hosts AKS nodes (a pool's `vnetSubnetID`) or pods (a pool's
    /// `podSubnetID`) with no network security group associated with it. An NSG
    /// associated by a separate association resource counts. Subnets that are not
    /// among the inputs are not judged.
    ///
    /// ## Why it matters
    /// Plainly: a cluster without a subnet NSG works. AKS manages an NSG of its own
    /// on the nodes' network interfaces (F-073, F-074), and that is where the
    /// rules for load balancer traffic land. A subnet NSG is a security baseline,
    /// not a requirement AKS enforces: in a bring-your-own VNet it is yours to
    /// provide (F-115), and AKS never creates one. Without it, nothing under your
    /// control filters traffic that reaches the nodes and pods from the rest of the
    /// VNet, from peered networks or from on-premises at the subnet boundary, and
    /// later controls (flow logs, deny rules against lateral movement) have
    /// nowhere to attach — which is why Microsoft's security baseline and the
    /// peers' checks ask for one. The severity stays an error because a gate
    /// should stop an unfiltered subnet; lower it in `akslint.toml` if your
    /// policy treats the NIC-level NSG as enough.
    ///
    /// ## How to fix
    /// Create an NSG and associate it with the subnet (`networkSecurityGroup.id` on
    /// the subnet, or `az network vnet subnet update --network-security-group`).
    /// It must allow node↔node, node↔pod and pod↔pod traffic on all ports and
    /// protocols (F-073): the default `AllowVnetInBound` rule does that as long as no
    /// rule of higher priority denies it.
    ///
    /// ## Example
    /// ```json
    /// { "name": "snet-nodes",
    ///   "properties": {
    ///     "addressPrefix": "10.240.0.0/22",
    ///     "networkSecurityGroup": { "id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg-nodes')]" } } }
    /// ```
    pub struct NodeSubnetWithoutNsg {
        code: "AKS001",
        name: "node-subnet-without-nsg",
        category: Security,
        severity: Error,
        summary: "A subnet that hosts AKS nodes or pods has no network security group",
    }
}

impl Rule for NodeSubnetWithoutNsg {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // subnet -> [(pool, role, span of the reference)]
        let mut users: BTreeMap<usize, Vec<(usize, &str)>> = BTreeMap::new();
        for (pi, pool) in inv.pools.iter().enumerate() {
            if let Some(s) = pool.subnet {
                users.entry(s).or_default().push((pi, "nodes"));
            }
            if let Some(s) = pool.pod_subnet {
                users.entry(s).or_default().push((pi, "pods"));
            }
        }
        for (si, uses) in users {
            let subnet = &inv.subnets[si];
            if !matches!(subnet.nsg_id, Field::Absent) {
                continue;
            }
            let name = subnet.display_name();
            let span = subnet.name.span().unwrap_or_else(|| subnet.prefix_span());
            let roles: Vec<&str> = {
                let mut r: Vec<&str> = uses.iter().map(|u| u.1).collect();
                r.dedup();
                r
            };
            let d = cx.report(
                span,
                format!(
                    "subnet `{name}` hosts AKS {} but has no network security group",
                    roles.join(" and ")
                ),
                "no networkSecurityGroup on this subnet",
            );
            for (pi, role) in uses {
                let pool = &inv.pools[pi];
                let pool_name = pool.display_name();
                let at = if role == "pods" {
                    &pool.pod_subnet_id
                } else {
                    &pool.vnet_subnet_id
                };
                let field = if role == "pods" {
                    "podSubnetID"
                } else {
                    "vnetSubnetID"
                };
                d.labels.push(crate::diagnostic::Label::new(
                    at.span().unwrap_or(pool.decl),
                    format!("node pool `{pool_name}` places its {role} here ({field})"),
                ));
            }
            d.help = Some(format!(
                "associate an NSG with subnet `{name}` (properties.networkSecurityGroup.id); keep node↔node, node↔pod and pod↔pod traffic allowed (F-073)"
            ));
            d.resource = Some(subnet.address.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn vnet(nsg: bool) -> String {
        let nsg = if nsg {
            format!(
                r#","networkSecurityGroup":{{"id":"{SUB}/Microsoft.Network/networkSecurityGroups/nsg1"}}"#
            )
        } else {
            String::new()
        };
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/vnet1","name":"vnet1","type":"Microsoft.Network/virtualNetworks",
            "properties":{{"addressSpace":{{"addressPrefixes":["10.0.0.0/16"]}},
            "subnets":[{{"name":"nodes","properties":{{"addressPrefix":"10.0.0.0/22"{nsg}}}}}]}}}}"#
        )
    }

    fn cluster() -> String {
        format!(
            r#"{{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.2","networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay"}},
            "agentPoolProfiles":[{{"name":"sys","count":3,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/VNET1/subnets/Nodes"}}]}}}}"#
        )
    }

    #[test]
    fn flags_node_subnet_without_nsg_across_files() {
        let (src, diags) = check(&NodeSubnetWithoutNsg, &[&vnet(false), &cluster()]);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "AKS001");
        assert_eq!(primary_text(&src, &diags[0]), "\"nodes\"");
        assert!(diags[0].message.contains("`nodes` hosts AKS nodes"));
        assert_eq!(diags[0].labels.len(), 1);
        assert_eq!(diags[0].labels[0].span.file.0, 1);
    }

    #[test]
    fn passes_with_nsg_and_when_subnet_unknown() {
        assert!(check(&NodeSubnetWithoutNsg, &[&vnet(true), &cluster()])
            .1
            .is_empty());
        assert!(check(&NodeSubnetWithoutNsg, &[&cluster()]).1.is_empty());
    }

    #[test]
    fn separate_subnet_resource_with_nsg_counts() {
        let separate = format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/nodes","name":"nodes",
            "type":"Microsoft.Network/virtualNetworks/subnets",
            "properties":{{"addressPrefix":"10.0.0.0/22","networkSecurityGroup":{{"id":"{SUB}/Microsoft.Network/networkSecurityGroups/nsg1"}}}}}}"#
        );
        assert!(check(
            &NodeSubnetWithoutNsg,
            &[&vnet(false), &separate, &cluster()]
        )
        .1
        .is_empty());
    }
}
