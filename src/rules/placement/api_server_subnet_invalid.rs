use indexmap::IndexMap;
use ipnet::IpNet;

use super::{declare_rule, display_name, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{Cluster, Field, Inventory, SubnetIdx};
use crate::rules::shared::subnet::{delegation, Delegation};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// The API server VNet integration subnet (`apiServerAccessProfile.subnetId`
    /// with `enableVnetIntegration: true`), when that subnet is among the inputs
    /// (F-082):
    ///
    /// * it must be delegated to `Microsoft.ContainerService/managedClusters`;
    /// * it must be at least a /28 (a /29 or smaller is refused);
    /// * it must not also be the node or pod subnet of a node pool;
    /// * when several clusters share it, it must hold 9 addresses for each: a
    ///   /28 has 11 usable addresses (16 less Azure's 5), enough for one cluster
    ///   only.
    ///
    /// ## Why it matters
    /// AKS projects the API server's internal load balancer into this subnet and
    /// keeps at least 9 addresses per cluster there. A subnet that is not
    /// delegated, too small, or shared with nodes makes cluster creation (or the
    /// switch to VNet integration) fail, and the switch cannot be undone.
    ///
    /// ## How to fix
    /// Create a dedicated subnet of /28 or larger in the cluster's VNet, delegated to
    /// `Microsoft.ContainerService/managedClusters`, and use it only for API servers.
    ///
    /// ## Example
    /// ```json
    /// { "name": "snet-apiserver", "properties": { "addressPrefix": "10.240.4.0/28",
    ///   "delegations": [ { "name": "aks", "properties": { "serviceName": "Microsoft.ContainerService/managedClusters" } } ] } }
    /// ```
    pub struct ApiServerSubnetInvalid {
        code: "AKS304",
        name: "api-server-subnet-invalid",
        category: Compatibility,
        severity: Error,
        summary: "The API server VNet integration subnet is not delegated, too small, or hosts node pools",
    }
}

const DELEGATION: &str = "Microsoft.ContainerService/managedClusters";
const MAX_PREFIX: u8 = 28;

impl Rule for ApiServerSubnetInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // API server subnet → the clusters that use it, with the span of their reference.
        let mut sharing: IndexMap<SubnetIdx, Vec<(&Cluster, Span)>> = IndexMap::new();
        for cluster in &inv.clusters {
            if cluster.api_server.vnet_integration.value() != Some(&true) {
                continue;
            }
            let Field::Known(_, id_span) = &cluster.api_server.subnet_id else {
                continue;
            };
            // Linked as every reference is: none when several subnets compete.
            let Some(si) = cluster.api_server_subnet else {
                continue;
            };
            check_delegation(inv, si, cluster, *id_span, cx);
            check_size(inv, si, cluster, *id_span, cx);
            check_pools(inv, si, cluster, *id_span, cx);
            sharing.entry(si).or_default().push((cluster, *id_span));
        }
        for (si, clusters) in sharing {
            check_shared(inv, si, &clusters, cx);
        }
    }
}

/// Addresses AKS keeps in the API server subnet for each cluster (F-082).
const ADDRESSES_PER_CLUSTER: u64 = 9;

/// Several clusters in one API server subnet: 9 addresses each must fit.
fn check_shared(
    inv: &Inventory,
    si: SubnetIdx,
    clusters: &[(&Cluster, Span)],
    cx: &mut Context<'_>,
) {
    if clusters.len() < 2 {
        return;
    }
    let subnet = &inv.subnets[si];
    // One known IPv4 prefix decides; several or unknown ones are not judged.
    let [Field::Known(IpNet::V4(net), span)] = subnet.address_prefixes.as_slice() else {
        return;
    };
    if net.prefix_len() > MAX_PREFIX {
        return; // check_size reported it already
    }
    let usable = (1u64 << (32 - net.prefix_len())).saturating_sub(5);
    let need = ADDRESSES_PER_CLUSTER * clusters.len() as u64;
    if usable >= need {
        return;
    }
    let d = cx.report(
        *span,
        format!(
            "API server subnet `{}` ({net}) has {usable} usable addresses, but the {} clusters that share it need {need} ({ADDRESSES_PER_CLUSTER} each)",
            subnet.display_name(),
            clusters.len()
        ),
        format!("{usable} usable < {need}"),
    );
    for (cluster, at) in clusters {
        d.labels.push(Label::new(
            *at,
            format!(
                "API server subnet of cluster `{}`",
                display_name(&cluster.name, &cluster.address)
            ),
        ));
    }
    let fits = (0..=MAX_PREFIX)
        .rev()
        .find(|p| (1u64 << (32 - p)).saturating_sub(5) >= need)
        .unwrap_or(0);
    d.help = Some(format!(
        "widen the subnet to a /{fits} or larger, or give some clusters an API server subnet of their own (F-082)"
    ));
    d.resource = Some(subnet.address.clone());
}

fn check_delegation(
    inv: &Inventory,
    si: SubnetIdx,
    cluster: &Cluster,
    id_span: Span,
    cx: &mut Context<'_>,
) {
    let subnet = &inv.subnets[si];
    let (span, what) = match delegation(subnet, DELEGATION) {
        None | Some(Delegation::To) => return,
        Some(Delegation::Other(service, span)) => (span, format!("is delegated to `{service}`")),
        Some(Delegation::None) => (subnet.prefix_span(), "has no delegation".to_string()),
    };
    let d = cx.report(
        span,
        format!(
            "API server subnet `{}` of cluster `{}` {what}; it must be delegated to {DELEGATION}",
            subnet.display_name(),
            display_name(&cluster.name, &cluster.address)
        ),
        format!("API server subnet {what}"),
    );
    d.labels
        .push(Label::new(id_span, "API server VNet integration subnet"));
    d.help = Some(format!(
        "delegate the subnet to {DELEGATION} (az network vnet subnet update --delegations {DELEGATION}) (F-082)"
    ));
    d.resource = Some(subnet.address.clone());
}

fn check_size(
    inv: &Inventory,
    si: SubnetIdx,
    cluster: &Cluster,
    id_span: Span,
    cx: &mut Context<'_>,
) {
    let subnet = &inv.subnets[si];
    for prefix in &subnet.address_prefixes {
        let Field::Known(IpNet::V4(net), span) = prefix else {
            continue;
        };
        if net.prefix_len() <= MAX_PREFIX {
            continue;
        }
        let size = 1u64 << (32 - net.prefix_len());
        let d = cx.report(
            *span,
            format!(
                "API server subnet `{}` of cluster `{}` is a /{} ({size} addresses); it must be a /{MAX_PREFIX} (16 addresses) or larger",
                subnet.display_name(),
                display_name(&cluster.name, &cluster.address),
                net.prefix_len()
            ),
            format!("/{} < /{MAX_PREFIX}", net.prefix_len()),
        );
        d.labels
            .push(Label::new(id_span, "API server VNet integration subnet"));
        d.help = Some(format!(
            "use a /{MAX_PREFIX} or larger; AKS keeps at least 9 addresses per cluster there (F-082)"
        ));
        d.resource = Some(subnet.address.clone());
        return;
    }
}

fn check_pools(
    inv: &Inventory,
    si: SubnetIdx,
    cluster: &Cluster,
    id_span: Span,
    cx: &mut Context<'_>,
) {
    let user = inv.pools.iter().find_map(|p| {
        if p.subnet == Some(si) {
            Some((p, p.vnet_subnet_id.span(), "node"))
        } else if p.pod_subnet == Some(si) {
            Some((p, p.pod_subnet_id.span(), "pod"))
        } else {
            None
        }
    });
    let Some((pool, span, role)) = user else {
        return;
    };
    let subnet = &inv.subnets[si];
    let d = cx.report(
        id_span,
        format!(
            "API server subnet `{}` of cluster `{}` is also the {role} subnet of node pool `{}`; it must be dedicated to API servers",
            subnet.display_name(),
            display_name(&cluster.name, &cluster.address),
            display_name(&pool.name, &pool.address)
        ),
        "API server VNet integration subnet",
    );
    if let Some(s) = span {
        d.labels
            .push(Label::new(s, format!("{role} subnet of the pool")));
    }
    d.help = Some(
        "give the API server a dedicated subnet, and the pools subnets of their own (F-082)".into(),
    );
    d.resource = Some(cluster.address.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn subnet(name: &str, prefix: &str, delegation: Option<&str>) -> String {
        let d = delegation
            .map(|s| {
                format!(r#","delegations":[{{"name":"d","properties":{{"serviceName":"{s}"}}}}]"#)
            })
            .unwrap_or_default();
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/{name}","name":"{name}",
            "type":"Microsoft.Network/virtualNetworks/subnets","properties":{{"addressPrefix":"{prefix}"{d}}}}}"#
        )
    }

    fn cluster(api_subnet: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.1","networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay"}},
            "apiServerAccessProfile":{{"enableVnetIntegration":true,"subnetId":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/{api_subnet}"}},
            "agentPoolProfiles":[{{"name":"sys","count":1,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/nodes"}}]}}}}"#
        )
    }

    fn run(api: &str, prefix: &str, delegation: Option<&str>) -> Vec<String> {
        let (src, d) = check(
            &ApiServerSubnetInvalid,
            &[
                &subnet("nodes", "10.0.0.0/22", None),
                &subnet("api", prefix, delegation),
                &cluster(api),
            ],
        );
        d.iter()
            .map(|d| primary_text(&src, d).to_string())
            .collect()
    }

    #[test]
    fn delegation_size_and_sharing() {
        assert_eq!(run("api", "10.0.4.0/28", None), ["\"10.0.4.0/28\""]);
        assert_eq!(
            run("api", "10.0.4.0/28", Some("Microsoft.Web/serverFarms")),
            ["\"Microsoft.Web/serverFarms\""]
        );
        assert_eq!(
            run("api", "10.0.4.0/29", Some(DELEGATION)),
            ["\"10.0.4.0/29\""]
        );
        let shared = run("nodes", "10.0.4.0/28", Some(DELEGATION));
        // The node subnet has no delegation either: two findings.
        assert_eq!(shared.len(), 2);
        assert!(run("api", "10.0.4.0/28", Some(DELEGATION)).is_empty());
    }

    #[test]
    fn clusters_sharing_a_subnet_need_nine_addresses_each() {
        let two = |prefix: &str| {
            let second = cluster("api").replace("aks1", "aks2");
            let (src, d) = check(
                &ApiServerSubnetInvalid,
                &[
                    &subnet("nodes", "10.0.0.0/22", None),
                    &subnet("api", prefix, Some(DELEGATION)),
                    &cluster("api"),
                    &second,
                ],
            );
            d.iter()
                .map(|d| (primary_text(&src, d).to_string(), d.message.clone()))
                .collect::<Vec<_>>()
        };
        let d = two("10.0.4.0/28");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].0, "\"10.0.4.0/28\"");
        assert!(d[0].1.contains("11 usable addresses"), "{}", d[0].1);
        assert!(d[0].1.contains("need 18"), "{}", d[0].1);
        assert!(two("10.0.4.0/27").is_empty());
    }
}
