use super::{declare_rule, described_once, display_name, plugin_label, Context, Rule, RuleMeta};
use crate::diagnostic::{Label, Severity};
use crate::model::{Cluster, ClusterIdx, Field, Inventory, IpamMode, SubnetIdx};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// A cluster with the virtual nodes add-on (`addonProfiles.aciConnectorLinux`,
    /// Terraform's `aci_connector_linux`) enabled (F-094):
    ///
    /// * on kubenet or bring-your-own CNI: an error; on Azure CNI Overlay a
    ///   warning, since Microsoft steers virtual nodes to flat networking but no
    ///   explicit rejection is documented (F-013, F-094);
    /// * its subnet — the add-on names it (`SubnetName`), and akslint looks it up
    ///   among the subnets of the VNet(s) the cluster's node pools use: an error
    ///   when that VNet is among the inputs and has no subnet of that name, or when
    ///   the subnet is also a node or pod subnet of any pool; a warning when it is
    ///   delegated to something other than `Microsoft.ContainerInstance/containerGroups`.
    ///   A subnet with no delegation yet is fine: the add-on delegates it.
    ///
    /// ## Why it matters
    /// Virtual nodes run pods in Azure Container Instances inside the cluster's
    /// VNet. That needs pods to be VNet-routable (Azure CNI) and a subnet that
    /// holds only container groups. Otherwise the add-on fails to enable or the
    /// virtual node never becomes ready.
    ///
    /// ## How to fix
    /// Use Azure CNI (node subnet or pod subnet), and give the add-on a dedicated
    /// subnet in the cluster's VNet, delegated to ACI and used by nothing else.
    ///
    /// ## Example
    /// ```json
    /// "addonProfiles": { "aciConnectorLinux": { "enabled": true, "config": { "SubnetName": "snet-virtual-nodes" } } },
    /// "networkProfile": { "networkPlugin": "azure" }
    /// ```
    pub struct VirtualNodesRequireAzureCni {
        code: "AKS204",
        name: "virtual-nodes-require-azure-cni",
        category: Compatibility,
        severity: Error,
        summary: "The virtual nodes add-on is on a cluster or subnet that cannot host it",
    }
}

const ACI_DELEGATION: &str = "Microsoft.ContainerInstance/containerGroups";

impl Rule for VirtualNodesRequireAzureCni {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            let Field::Known(true, addon_span) = cluster.addons.aci_connector else {
                continue;
            };
            if !described_once(cluster) {
                continue;
            }
            check_mode(cluster, addon_span, cx);
            check_subnet(inv, ci, cluster, cx);
        }
    }
}

fn check_mode(cluster: &Cluster, addon_span: Span, cx: &mut Context<'_>) {
    let severity = match cluster.ipam_mode {
        Some(IpamMode::Kubenet | IpamMode::ByoCni) => Severity::Error,
        Some(IpamMode::CniOverlay) => Severity::Warning,
        _ => return,
    };
    let mode = cluster
        .ipam_mode
        .map(IpamMode::describe)
        .unwrap_or_default();
    let d = cx.report_at(
        severity,
        addon_span,
        format!(
            "cluster `{}` enables virtual nodes (aciConnectorLinux) on {mode}; virtual nodes need Azure CNI with VNet-routable pods{}",
            display_name(&cluster.name, &cluster.address),
            if severity == Severity::Warning { " (Overlay support is not documented)" } else { "" }
        ),
        "virtual nodes add-on",
    );
    if severity == Severity::Warning {
        if let Some(s) = cluster.network.plugin_mode.span() {
            d.labels.push(Label::new(s, "Azure CNI Overlay"));
        }
    } else {
        d.labels.extend(plugin_label(cluster));
    }
    d.help = Some("use Azure CNI with pods in the node subnet or a pod subnet, or run burst workloads on a regular node pool (F-094)".into());
    d.resource = Some(cluster.address.clone());
}

/// The subnets of the VNets the cluster's pools use, and whether every one of those VNets is among the inputs.
fn cluster_vnet_subnets(inv: &Inventory, ci: ClusterIdx) -> Option<Vec<SubnetIdx>> {
    let mut vnets = Vec::new();
    for (_, pool) in inv.cluster_pools(ci) {
        for si in [pool.subnet, pool.pod_subnet].into_iter().flatten() {
            let vnet = inv.subnets[si].vnet?;
            if !vnets.contains(&vnet) {
                vnets.push(vnet);
            }
        }
    }
    if vnets.is_empty() {
        return None;
    }
    Some(
        vnets
            .iter()
            .flat_map(|&v| inv.vnets[v].subnets.iter().copied())
            .collect(),
    )
}

fn check_subnet(inv: &Inventory, ci: ClusterIdx, cluster: &Cluster, cx: &mut Context<'_>) {
    let Field::Known(name, name_span) = &cluster.addons.aci_connector_subnet_name else {
        return;
    };
    let Some(subnets) = cluster_vnet_subnets(inv, ci) else {
        return;
    };
    // A VNet read only through a reference has no declaration, and its subnets may be elsewhere.
    let declared = subnets.iter().any(|&si| {
        inv.subnets[si]
            .vnet
            .is_some_and(|v| inv.vnets[v].decl != Span::default())
    });
    let found = subnets.iter().copied().find(|&si| {
        inv.subnets[si]
            .name
            .value()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    });
    let cluster_name = display_name(&cluster.name, &cluster.address);
    let Some(si) = found else {
        let unknown_names = subnets.iter().any(|&si| !inv.subnets[si].name.is_given());
        if declared && !unknown_names {
            let d = cx.report(
                *name_span,
                format!("cluster `{cluster_name}` gives virtual nodes the subnet `{name}`, but the cluster's VNet has no subnet of that name"),
                "virtual node subnet",
            );
            d.help = Some("create a dedicated subnet of that name in the cluster's VNet, delegated to Microsoft.ContainerInstance/containerGroups (F-094)".into());
            d.resource = Some(cluster.address.clone());
        }
        return;
    };
    let subnet = &inv.subnets[si];
    let user = inv.pools.iter().find_map(|p| {
        if p.subnet == Some(si) {
            Some((p, p.vnet_subnet_id.span(), "node"))
        } else if p.pod_subnet == Some(si) {
            Some((p, p.pod_subnet_id.span(), "pod"))
        } else {
            None
        }
    });
    if let Some((pool, span, role)) = user {
        let d = cx.report(
            *name_span,
            format!(
                "cluster `{cluster_name}` gives virtual nodes the subnet `{name}`, which is also the {role} subnet of node pool `{}`",
                display_name(&pool.name, &pool.address)
            ),
            "virtual node subnet",
        );
        if let Some(s) = span {
            d.labels
                .push(Label::new(s, format!("{role} subnet of the pool")));
        }
        d.help = Some(
            "give virtual nodes a subnet of their own; it may hold only container groups (F-094)"
                .into(),
        );
        d.resource = Some(cluster.address.clone());
        return;
    }
    let other = subnet.delegations.iter().find_map(|dl| match dl {
        Field::Known(service, s) if !service.eq_ignore_ascii_case(ACI_DELEGATION) => {
            Some((service, *s))
        }
        _ => None,
    });
    if let Some((service, span)) = other {
        let d = cx.report_at(
            Severity::Warning,
            span,
            format!("subnet `{name}` of cluster `{cluster_name}`'s virtual nodes is delegated to `{service}`, not to {ACI_DELEGATION}"),
            format!("delegated to `{service}`"),
        );
        d.labels.push(Label::new(*name_span, "virtual node subnet"));
        d.help = Some(format!(
            "delegate the subnet to {ACI_DELEGATION} and keep other services out of it (F-094)"
        ));
        d.resource = Some(subnet.address.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn vnet(aci_delegation: &str) -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/v","name":"v","type":"Microsoft.Network/virtualNetworks",
            "properties":{{"addressSpace":{{"addressPrefixes":["10.0.0.0/16"]}},"subnets":[
              {{"id":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/nodes","name":"nodes","properties":{{"addressPrefix":"10.0.0.0/20"}}}},
              {{"id":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/aci","name":"aci","properties":{{"addressPrefix":"10.0.16.0/24",
                "delegations":[{{"name":"d","properties":{{"serviceName":"{aci_delegation}"}}}}]}}}}]}}}}"#
        )
    }

    fn cluster(network: &str, subnet_name: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.1","networkProfile":{network},
            "addonProfiles":{{"aciConnectorLinux":{{"enabled":true,"config":{{"SubnetName":"{subnet_name}"}}}}}},
            "agentPoolProfiles":[{{"name":"sys","count":1,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/nodes"}}]}}}}"#
        )
    }

    const CNI: &str = r#"{"networkPlugin":"azure"}"#;

    fn run(network: &str, subnet_name: &str, delegation: &str) -> Vec<(Severity, String)> {
        let (src, d) = check(
            &VirtualNodesRequireAzureCni,
            &[&vnet(delegation), &cluster(network, subnet_name)],
        );
        d.iter()
            .map(|d| (d.severity, primary_text(&src, d).to_string()))
            .collect()
    }

    #[test]
    fn plugin() {
        assert_eq!(
            run(r#"{"networkPlugin":"kubenet"}"#, "aci", ACI_DELEGATION),
            [(Severity::Error, "true".to_string())]
        );
        assert_eq!(
            run(
                r#"{"networkPlugin":"azure","networkPluginMode":"overlay"}"#,
                "aci",
                ACI_DELEGATION
            ),
            [(Severity::Warning, "true".to_string())]
        );
        assert!(run(CNI, "aci", ACI_DELEGATION).is_empty());
    }

    #[test]
    fn subnet() {
        assert_eq!(
            run(CNI, "missing", ACI_DELEGATION),
            [(Severity::Error, "\"missing\"".to_string())]
        );
        assert_eq!(
            run(CNI, "nodes", ACI_DELEGATION),
            [(Severity::Error, "\"nodes\"".to_string())]
        );
        assert_eq!(
            run(CNI, "aci", "Microsoft.Web/serverFarms"),
            [(
                Severity::Warning,
                "\"Microsoft.Web/serverFarms\"".to_string()
            )]
        );
    }
}
