use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{
    ApplicationGateway, Cluster, ClusterIdx, Field, Inventory, IpamMode, SubnetIdx, VnetIdx,
};
use crate::rules::cluster_name;
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// Clusters with the Application Gateway Ingress Controller add-on
    /// (`addonProfiles.ingressApplicationGateway`, Terraform `ingress_application_gateway`)
    /// whose gateway or its subnet cannot work with it:
    /// * the gateway named by `config.applicationGatewayId` (`gateway_id`) has a v1 SKU
    ///   (`Standard`/`WAF` tier, or a size such as `Standard_Medium`);
    /// * the gateway's subnet (its `gatewayIPConfigurations` subnet, or the add-on's
    ///   `config.subnetId`) is in a VNet that is neither the cluster's node VNet nor
    ///   peered with it; or the add-on's `config.subnetCIDR` lies outside the node VNet;
    /// * on a kubenet cluster, that subnet has no route table, or another route table than
    ///   the one all the cluster's node subnets carry.
    ///
    /// Each is its own finding. The rule stays silent when the gateway, its subnet or
    /// the node subnets are not among the inputs, and when a SKU, a peering, an address
    /// space or a route table cannot be evaluated.
    ///
    /// ## Why it matters
    /// AGIC programs only Application Gateway v2 (`Standard_v2`, `WAF_v2`); with a v1
    /// gateway the add-on does not work. The gateway sends traffic straight to pod
    /// addresses, so its subnet must be in the cluster's VNet or a peered VNet, and the
    /// add-on's `subnetCIDR` must lie inside the cluster VNet. With kubenet, pod
    /// addresses are reachable only through the cluster's route table: without that
    /// table on the gateway's subnet, backends are unhealthy and requests fail with 502
    /// (F-096; Microsoft Learn: "What is Application Gateway Ingress Controller?",
    /// <https://learn.microsoft.com/azure/application-gateway/ingress-controller-overview>,
    /// and "Application Gateway infrastructure configuration",
    /// <https://learn.microsoft.com/azure/application-gateway/configuration-infrastructure>).
    ///
    /// ## How to fix
    /// Use a `Standard_v2` or `WAF_v2` gateway; place it in a dedicated subnet of the
    /// cluster VNet, or peer its VNet with the cluster VNet; with kubenet, associate the
    /// route table of the cluster's node subnets with the gateway's subnet (or move the
    /// cluster to Azure CNI Overlay).
    ///
    /// ## Example
    /// ```json
    /// "sku": { "name": "WAF_v2", "tier": "WAF_v2" }
    /// ```
    pub struct AgicNetworkInvalid {
        code: "AKS306",
        name: "agic-network-invalid",
        category: Compatibility,
        severity: Error,
        summary: "The AGIC add-on's Application Gateway is v1, outside the cluster's VNet and its peerings, or lacks the kubenet route table",
    }
}

impl Rule for AgicNetworkInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            if !matches!(cluster.addons.ingress_appgw, Field::Known(true, _)) {
                continue;
            }
            let gateway = cluster.agic_gateway.map(|g| &inv.application_gateways[g]);
            if let Some(g) = gateway {
                check_sku(cx, cluster, g);
            }
            let subnet = gateway
                .and_then(|g| g.subnet.map(|s| (s, g.subnet_id.span().unwrap_or(g.decl))))
                .or_else(|| {
                    let at = cluster.addons.ingress_appgw_subnet_id.span();
                    cluster.agic_subnet.map(|s| (s, at.unwrap_or(cluster.decl)))
                });
            let Some(node_vnets) = node_vnets(inv, ci) else {
                continue;
            };
            match subnet {
                Some((si, at)) => {
                    check_subnet_vnet(inv, cx, cluster, &node_vnets, si, at);
                    if cluster.ipam_mode == Some(IpamMode::Kubenet) {
                        check_route_table(inv, cx, ci, si);
                    }
                }
                None => check_subnet_cidr(inv, cx, cluster, &node_vnets),
            }
        }
    }
}

fn check_sku(cx: &mut Context<'_>, cluster: &Cluster, g: &ApplicationGateway) {
    if !g.is_v1() {
        return;
    }
    let d = cx.report(
        g.sku_span(),
        format!(
            "Application Gateway `{}` is {} (v1); the AGIC add-on of cluster `{}` works only with Standard_v2 or WAF_v2",
            g.display_name(),
            g.sku_text().unwrap_or("a v1 SKU"),
            cluster_name(cluster)
        ),
        "a v1 SKU",
    );
    if let Some(at) = cluster.addons.ingress_appgw_gateway_id.span() {
        d.labels
            .push(Label::new(at, "the add-on uses this gateway"));
    }
    d.help = Some("move to a Standard_v2 or WAF_v2 gateway (F-096)".into());
    d.resource = Some(g.address.clone());
}

/// The VNets of the cluster's node subnets; `None` when a pool's subnet is
/// written but not among the inputs, or none is among them (a managed VNet).
fn node_vnets(inv: &Inventory, ci: ClusterIdx) -> Option<Vec<VnetIdx>> {
    let mut out = Vec::new();
    for (_, pool) in inv.cluster_pools(ci) {
        let Some(si) = pool.subnet else {
            if !pool.vnet_subnet_id.is_absent() {
                return None;
            }
            continue;
        };
        let vi = inv.subnets[si].vnet?;
        if !out.contains(&vi) {
            out.push(vi);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Whether VNet `a` is `b` or peered with it (a peering written on either side);
/// `None` when a peering of either names a VNet that cannot be evaluated.
fn joined(inv: &Inventory, a: VnetIdx, b: VnetIdx) -> Option<bool> {
    if a == b || inv.vnets[a].peered_from.contains(&b) || inv.vnets[b].peered_from.contains(&a) {
        return Some(true);
    }
    let unknown = [a, b].iter().any(|&v| {
        inv.vnets[v]
            .peerings
            .iter()
            .any(|p| p.remote_vnet.is_none() && !p.remote_vnet_id.is_absent())
    });
    (!unknown).then_some(false)
}

fn check_subnet_vnet(
    inv: &Inventory,
    cx: &mut Context<'_>,
    cluster: &Cluster,
    node_vnets: &[VnetIdx],
    si: SubnetIdx,
    at: Span,
) {
    let Some(vi) = inv.subnets[si].vnet else {
        return;
    };
    let verdicts: Vec<Option<bool>> = node_vnets.iter().map(|&n| joined(inv, vi, n)).collect();
    if verdicts.iter().any(|v| *v != Some(false)) {
        return;
    }
    let node_vnet = &inv.vnets[node_vnets[0]];
    let d = cx.report(
        at,
        format!(
            "the Application Gateway subnet `{}` of cluster `{}`'s AGIC add-on is in VNet `{}`, which is neither the cluster's VNet `{}` nor peered with it, so the gateway cannot reach the pods",
            inv.subnets[si].display_name(),
            cluster_name(cluster),
            inv.vnets[vi].display_name(),
            node_vnet.display_name()
        ),
        "a subnet outside the cluster's VNet and its peerings",
    );
    let space = node_vnet.address_prefixes.first().and_then(|f| f.span());
    d.labels.push(Label::new(
        space.unwrap_or(node_vnet.decl),
        format!("the cluster's VNet `{}`", node_vnet.display_name()),
    ));
    d.help = Some(
        "place the gateway in a dedicated subnet of the cluster's VNet, or peer the two VNets (F-096)"
            .into(),
    );
    d.resource = Some(cluster.address.clone());
}

fn check_subnet_cidr(
    inv: &Inventory,
    cx: &mut Context<'_>,
    cluster: &Cluster,
    node_vnets: &[VnetIdx],
) {
    let Field::Known(net, at) = &cluster.addons.ingress_appgw_subnet_cidr else {
        return;
    };
    let mut spaces = Vec::new();
    for &vi in node_vnets {
        for f in &inv.vnets[vi].address_prefixes {
            match f.known() {
                Some(space) => spaces.push(*space),
                None => return,
            }
        }
    }
    if spaces.is_empty() || spaces.iter().any(|s| crate::model::cidr::contains(s, net)) {
        return;
    }
    let vnet = &inv.vnets[node_vnets[0]];
    let d = cx.report(
        *at,
        format!(
            "the AGIC add-on of cluster `{}` creates its gateway subnet {net} outside the cluster's VNet `{}`; the add-on's subnetCIDR must lie inside it",
            cluster_name(cluster),
            vnet.display_name()
        ),
        "outside the cluster's VNet",
    );
    d.help = Some(
        "pick a free range inside the cluster VNet's address space for subnetCIDR (F-096)".into(),
    );
    d.resource = Some(cluster.address.clone());
}

/// A node subnet's route table key, or `Err(())` when it cannot be evaluated.
fn table_key(inv: &Inventory, si: SubnetIdx) -> Result<Option<String>, ()> {
    match &inv.subnets[si].route_table_id {
        Field::Known(id, _) => Ok(Some(id.key().to_string())),
        Field::Absent => Ok(None),
        _ => Err(()),
    }
}

fn check_route_table(inv: &Inventory, cx: &mut Context<'_>, ci: ClusterIdx, si: SubnetIdx) {
    let cluster = &inv.clusters[ci];
    let mut node_tables = Vec::new();
    for (_, pool) in inv.cluster_pools(ci) {
        let Some(ns) = pool.subnet else { return };
        let Ok(t) = table_key(inv, ns) else { return };
        node_tables.push(t);
    }
    let Ok(gateway_table) = table_key(inv, si) else {
        return;
    };
    let subnet = &inv.subnets[si];
    let message = match &gateway_table {
        None => format!(
            "the Application Gateway subnet `{}` has no route table, but kubenet cluster `{}` reaches its pods only through its route table; the gateway's backends stay unreachable",
            subnet.display_name(),
            cluster_name(cluster)
        ),
        Some(t) => {
            let Some(Some(node_table)) = node_tables.first() else {
                return;
            };
            if node_tables.iter().any(|n| n.as_ref() != Some(node_table)) || t == node_table {
                return;
            }
            format!(
                "the Application Gateway subnet `{}` carries another route table than kubenet cluster `{}`'s node subnets; the gateway cannot reach the pods",
                subnet.display_name(),
                cluster_name(cluster)
            )
        }
    };
    let at = subnet
        .route_table_id
        .span()
        .unwrap_or_else(|| subnet.prefix_span());
    let d = cx.report(at, message, "the gateway's subnet");
    d.help = Some("associate the route table of the cluster's node subnets with the Application Gateway subnet, or move the cluster to Azure CNI Overlay (F-096)".into());
    d.resource = Some(cluster.address.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn vnet(
        name: &str,
        space: &str,
        subnets: &[(&str, &str, Option<&str>)],
        peer: Option<&str>,
    ) -> String {
        let subnets: Vec<String> = subnets
            .iter()
            .map(|(n, p, rt)| {
                let rt = rt.map_or(String::new(), |t| {
                    format!(r#","routeTable":{{"id":"{SUB}/Microsoft.Network/routeTables/{t}"}}"#)
                });
                format!(
                    r#"{{"name":"{n}","id":"{SUB}/Microsoft.Network/virtualNetworks/{name}/subnets/{n}","properties":{{"addressPrefix":"{p}"{rt}}}}}"#
                )
            })
            .collect();
        let peer = peer.map_or(String::new(), |p| {
            format!(
                r#","virtualNetworkPeerings":[{{"name":"p","properties":{{"remoteVirtualNetwork":{{"id":"{SUB}/Microsoft.Network/virtualNetworks/{p}"}}}}}}]"#
            )
        });
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/{name}","name":"{name}","type":"Microsoft.Network/virtualNetworks",
            "properties":{{"addressSpace":{{"addressPrefixes":["{space}"]}},"subnets":[{}]{peer}}}}}"#,
            subnets.join(",")
        )
    }

    fn gateway(sku: &str, vnet: &str, subnet: &str) -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/applicationGateways/agw","name":"agw","type":"Microsoft.Network/applicationGateways",
            "properties":{{"sku":{{"name":"{sku}","tier":"{sku}"}},
            "gatewayIPConfigurations":[{{"name":"ip","properties":{{"subnet":{{"id":"{SUB}/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}"}}}}}}]}}}}"#
        )
    }

    fn cluster(plugin: &str) -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.ContainerService/managedClusters/aks1","name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.5","networkProfile":{{"networkPlugin":"{plugin}"}},
            "addonProfiles":{{"ingressApplicationGateway":{{"enabled":true,"config":{{"applicationGatewayId":"{SUB}/Microsoft.Network/applicationGateways/agw"}}}}}},
            "agentPoolProfiles":[{{"name":"sys","count":3,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/vnet/subnets/nodes"}}]}}}}"#
        )
    }

    #[test]
    fn a_v2_gateway_in_the_cluster_vnet_is_accepted() {
        let net = vnet(
            "vnet",
            "10.0.0.0/16",
            &[("nodes", "10.0.0.0/22", None), ("agw", "10.0.4.0/24", None)],
            None,
        );
        let (_, d) = check(
            &AgicNetworkInvalid,
            &[&net, &gateway("WAF_v2", "vnet", "agw"), &cluster("azure")],
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn a_v1_gateway_in_an_unpeered_vnet_gives_two_findings() {
        let net = vnet(
            "vnet",
            "10.0.0.0/16",
            &[("nodes", "10.0.0.0/22", None)],
            None,
        );
        let other = vnet("hub", "10.1.0.0/16", &[("agw", "10.1.0.0/24", None)], None);
        let (src, d) = check(
            &AgicNetworkInvalid,
            &[
                &net,
                &other,
                &gateway("Standard_Medium", "hub", "agw"),
                &cluster("azure"),
            ],
        );
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(primary_text(&src, &d[0]), "\"Standard_Medium\"");
        assert!(
            d[1].message.contains("neither the cluster's VNet"),
            "{}",
            d[1].message
        );
        // Peered, the placement is fine.
        let other = vnet(
            "hub",
            "10.1.0.0/16",
            &[("agw", "10.1.0.0/24", None)],
            Some("vnet"),
        );
        let (_, d) = check(
            &AgicNetworkInvalid,
            &[
                &net,
                &other,
                &gateway("Standard_v2", "hub", "agw"),
                &cluster("azure"),
            ],
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn kubenet_needs_the_node_route_table_on_the_gateway_subnet() {
        let net = vnet(
            "vnet",
            "10.0.0.0/16",
            &[
                ("nodes", "10.0.0.0/22", Some("rt-aks")),
                ("agw", "10.0.4.0/24", None),
            ],
            None,
        );
        let (src, d) = check(
            &AgicNetworkInvalid,
            &[
                &net,
                &gateway("Standard_v2", "vnet", "agw"),
                &cluster("kubenet"),
            ],
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(primary_text(&src, &d[0]), "\"10.0.4.0/24\"");
        let net = vnet(
            "vnet",
            "10.0.0.0/16",
            &[
                ("nodes", "10.0.0.0/22", Some("rt-aks")),
                ("agw", "10.0.4.0/24", Some("rt-aks")),
            ],
            None,
        );
        let (_, d) = check(
            &AgicNetworkInvalid,
            &[
                &net,
                &gateway("Standard_v2", "vnet", "agw"),
                &cluster("kubenet"),
            ],
        );
        assert!(d.is_empty(), "{d:?}");
    }
}
