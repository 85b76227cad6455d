use std::collections::BTreeMap;

use super::{cluster_name, declare_rule, pool_name, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{Field, Inventory, SubnetIdx};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// NAT gateway outbound types used with the wrong kind of network (F-078):
    ///
    /// * `outboundType: managedNATGateway` — or the StandardV2 variant, written
    ///   `managedNATGatewayV2` or `managedNATGateway` with `natGatewayProfile.sku:
    ///   standardV2` — on a cluster whose pools set `vnetSubnetID`: AKS creates the
    ///   managed NAT gateway only in the VNet it manages itself;
    /// * `outboundType: userAssignedNATGateway` where a node subnet or a pod subnet
    ///   (`podSubnetID`) of the cluster has no NAT gateway associated (through the
    ///   subnet's `natGateway`, or an association resource such as Terraform's
    ///   `azurerm_subnet_nat_gateway_association`).
    ///
    /// Subnets that are not among the inputs are not judged.
    ///
    /// ## Why it matters
    /// AKS refuses both: a managed NAT gateway is not compatible with a custom VNet,
    /// and with `userAssignedNATGateway` AKS checks that the NAT gateway is already
    /// associated with the cluster subnet and, since 2023-08, with every pod subnet
    /// (F-078). The deployment fails, or a pool added later cannot be created.
    ///
    /// ## How to fix
    /// In a VNet of your own, create a NAT gateway with a public IP, associate it
    /// with every node and pod subnet of the cluster, and use `outboundType:
    /// userAssignedNATGateway`. Use `managedNATGateway` only for clusters whose
    /// pools set no `vnetSubnetID`.
    ///
    /// ## Example
    /// ```json
    /// { "name": "snet-aks-nodes", "properties": { "addressPrefix": "10.240.0.0/22",
    ///   "natGateway": { "id": "[resourceId('Microsoft.Network/natGateways', 'ng-aks-egress')]" } } },
    /// "networkProfile": { "outboundType": "userAssignedNATGateway" }
    /// ```
    pub struct NatGatewayOutboundMismatch {
        code: "AKS402",
        name: "nat-gateway-outbound-mismatch",
        category: Compatibility,
        severity: Error,
        summary: "A managed NAT gateway in a VNet of your own, or userAssignedNATGateway on a subnet without a NAT gateway",
    }
}

/// Both encodings of the StandardV2 preview arrive here: `managedNATGatewayV2`,
/// and `managedNATGateway` with a `natGatewayProfile.sku` the rule does not need (F-078).
fn is_managed_nat(outbound: &str) -> bool {
    ["managedNATGateway", "managedNATGatewayV2"]
        .iter()
        .any(|t| outbound.eq_ignore_ascii_case(t))
}

impl Rule for NatGatewayOutboundMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for ci in 0..inv.clusters.len() {
            let Field::Known(outbound, span) = &inv.clusters[ci].network.outbound_type else {
                continue;
            };
            if is_managed_nat(outbound) {
                managed_nat_in_own_vnet(inv, cx, ci, outbound, *span);
            } else if outbound.eq_ignore_ascii_case("userAssignedNATGateway") {
                subnets_without_nat(inv, cx, ci, *span);
            }
        }
    }
}

fn managed_nat_in_own_vnet(
    inv: &Inventory,
    cx: &mut Context<'_>,
    ci: usize,
    outbound: &str,
    span: Span,
) {
    let own: Vec<Label> = inv
        .cluster_pools(ci)
        .filter_map(|(_, p)| {
            let Field::Known(_, s) = &p.vnet_subnet_id else {
                return None;
            };
            Some(Label::new(
                *s,
                format!("pool `{}` uses a subnet of your own", pool_name(p)),
            ))
        })
        .collect();
    if own.is_empty() {
        return;
    }
    let cluster = &inv.clusters[ci];
    let d = cx.report(
        span,
        format!(
            "cluster `{}` uses outboundType {outbound}, but its pools set vnetSubnetID: AKS creates a managed NAT gateway only in the VNet it manages",
            cluster_name(cluster)
        ),
        "managed NAT gateway",
    );
    d.labels.extend(own);
    d.help = Some("associate a NAT gateway of your own with the node and pod subnets and use outboundType userAssignedNATGateway, or leave vnetSubnetID out so AKS manages the VNet (F-078)".into());
    d.resource = Some(cluster.address.clone());
}

fn subnets_without_nat(inv: &Inventory, cx: &mut Context<'_>, ci: usize, outbound_span: Span) {
    // subnet -> (role, the first pool that uses it)
    let mut used: BTreeMap<SubnetIdx, (&str, usize)> = BTreeMap::new();
    for (pi, pool) in inv.cluster_pools(ci) {
        if let Some(s) = pool.subnet {
            used.entry(s).or_insert(("node", pi));
        }
        if let Some(s) = pool.pod_subnet {
            used.entry(s).or_insert(("pod", pi));
        }
    }
    let cluster = &inv.clusters[ci];
    for (si, (role, pi)) in used {
        let subnet = &inv.subnets[si];
        if !subnet.nat_gateway_id.is_absent() {
            continue;
        }
        let name = subnet.display_name();
        let d = cx.report(
            subnet.name.span().unwrap_or_else(|| subnet.prefix_span()),
            format!(
                "{role} subnet `{name}` of cluster `{}` has no NAT gateway, but the cluster uses outboundType userAssignedNATGateway",
                cluster_name(cluster)
            ),
            "no NAT gateway associated",
        );
        d.labels.push(Label::new(
            outbound_span,
            "egress through a NAT gateway of your own",
        ));
        let pool = &inv.pools[pi];
        let reference = if role == "pod" {
            &pool.pod_subnet_id
        } else {
            &pool.vnet_subnet_id
        };
        d.labels.push(Label::new(
            reference.span().unwrap_or(pool.decl),
            format!("pool `{}` uses the subnet", pool_name(pool)),
        ));
        d.help = Some("associate the cluster's NAT gateway with this subnet (its natGateway, or a subnet NAT gateway association) before creating the cluster or pool (F-078)".into());
        d.resource = Some(subnet.address.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn cluster(outbound: &str, pool_extra: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.0","networkProfile":{{"networkPlugin":"azure","outboundType":"{outbound}"}},
            "agentPoolProfiles":[{{"name":"sys","count":2{pool_extra}}}]}}}}"#
        )
    }

    fn subnet_id(name: &str) -> String {
        format!("{SUB}/Microsoft.Network/virtualNetworks/v/subnets/{name}")
    }

    fn vnet(nodes_nat: bool, pods_nat: bool) -> String {
        let nat = |on: bool| {
            if on {
                format!(r#","natGateway":{{"id":"{SUB}/Microsoft.Network/natGateways/ng"}}"#)
            } else {
                String::new()
            }
        };
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/v","name":"v","type":"Microsoft.Network/virtualNetworks",
            "properties":{{"addressSpace":{{"addressPrefixes":["10.0.0.0/16"]}},"subnets":[
              {{"name":"nodes","id":"{}","properties":{{"addressPrefix":"10.0.0.0/22"{}}}}},
              {{"name":"pods","id":"{}","properties":{{"addressPrefix":"10.0.8.0/21"{}}}}}]}}}}"#,
            subnet_id("nodes"),
            nat(nodes_nat),
            subnet_id("pods"),
            nat(pods_nat)
        )
    }

    fn own_subnets() -> String {
        format!(
            r#","vnetSubnetID":"{}","podSubnetID":"{}""#,
            subnet_id("nodes"),
            subnet_id("pods")
        )
    }

    #[test]
    fn managed_nat_with_own_subnet_points_at_outbound_type() {
        for t in ["managedNATGateway", "managedNATGatewayV2"] {
            let (src, d) = check(&NatGatewayOutboundMismatch, &[&cluster(t, &own_subnets())]);
            assert_eq!(d.len(), 1, "{t}");
            assert_eq!(primary_text(&src, &d[0]), format!("\"{t}\""));
        }
        let (_, d) = check(
            &NatGatewayOutboundMismatch,
            &[&cluster("managedNATGateway", "")],
        );
        assert!(d.is_empty());
    }

    #[test]
    fn user_assigned_nat_needs_the_gateway_on_node_and_pod_subnets() {
        let (src, d) = check(
            &NatGatewayOutboundMismatch,
            &[
                &cluster("userAssignedNATGateway", &own_subnets()),
                &vnet(true, false),
            ],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"pods\"");
        let (_, d) = check(
            &NatGatewayOutboundMismatch,
            &[
                &cluster("userAssignedNATGateway", &own_subnets()),
                &vnet(true, true),
            ],
        );
        assert!(d.is_empty());
    }

    #[test]
    fn subnets_not_among_the_inputs_are_silent() {
        let (_, d) = check(
            &NatGatewayOutboundMismatch,
            &[&cluster("userAssignedNATGateway", &own_subnets())],
        );
        assert!(d.is_empty());
    }
}
