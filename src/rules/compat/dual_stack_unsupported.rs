use ipnet::IpNet;

use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{Cluster, ClusterIdx, Field, Inventory, IpamMode};
use crate::rules::{cluster_name, described_once, plugin_label};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// A dual-stack cluster: `networkProfile.ipFamilies` (Terraform
    /// `network_profile.ip_versions`) containing `IPv6`. Each of these is a
    /// finding of its own (F-067, F-005):
    ///
    /// * `ipFamilies` other than `[IPv4, IPv6]` (IPv6-only, or IPv6 first);
    /// * kubenet, or Azure CNI with pods in the node subnet (not Overlay);
    /// * `networkPolicy` `azure` (Azure NPM) or `calico`;
    /// * the virtual nodes add-on (`aciConnectorLinux`);
    /// * `outboundType: managedNATGateway` with a Standard NAT gateway (a
    ///   `natGatewayProfile.sku` of `standardV2`, or `managedNATGatewayV2`, is
    ///   accepted);
    /// * `podCidrs` or `serviceCidrs` whose address families do not match
    ///   `ipFamilies` in count and order (a single IPv4 range is not judged: it
    ///   may be the singular `podCidr`, next to which AKS adds its IPv6 default);
    /// * a node subnet among the inputs with no IPv6 prefix (`addressPrefixes`).
    ///
    /// Values that cannot be evaluated keep the rule silent, and so does a cluster
    /// described more than once (two recorded API responses may disagree).
    ///
    /// ## Why it matters
    /// AKS creates dual-stack clusters on Azure CNI Overlay (or Cilium on
    /// Overlay) only, with `ipFamilies` `[IPv4]` or `[IPv4, IPv6]`, and pod and
    /// service ranges whose count and order match it. Azure network policies,
    /// Calico network policies, NAT gateway and the virtual nodes add-on are not
    /// supported with dual-stack networking
    /// (<https://learn.microsoft.com/en-us/azure/aks/azure-cni-overlay#dual-stack-networking>,
    /// <https://learn.microsoft.com/en-us/azure/aks/configure-dual-stack>); Azure
    /// NPM has no IPv6 at all (F-017), and the Standard NAT gateway is IPv4-only
    /// (F-067, F-078). Kubenet dual-stack is no longer documented (F-005). Nodes
    /// take an IPv6 address from their subnet, so a node subnet without an IPv6
    /// prefix cannot hold a dual-stack pool (F-067).
    ///
    /// ## How to fix
    /// Use Azure CNI Overlay (`networkPluginMode: overlay`), Cilium network
    /// policies (`networkDataplane: cilium`, `networkPolicy: cilium`) or none,
    /// `loadBalancer` or `userDefinedRouting` egress (or a StandardV2 NAT
    /// gateway), no virtual nodes; list the pod and service ranges IPv4 first,
    /// then IPv6; add an IPv6 /64 to each node subnet (and the VNet).
    ///
    /// ## Example
    /// ```json
    /// "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay",
    ///   "ipFamilies": ["IPv4", "IPv6"],
    ///   "podCidrs": ["10.244.0.0/16", "fd12:3456:789a::/64"],
    ///   "serviceCidrs": ["10.0.0.0/16", "fd12:3456:789a:1::/108"] }
    /// ```
    pub struct DualStackUnsupported {
        code: "AKS211",
        name: "dual-stack-unsupported",
        category: Compatibility,
        severity: Error,
        summary: "A dual-stack cluster uses a feature dual-stack does not support, or its ranges and subnets lack a family",
    }
}

const DOCS: &str =
    "https://learn.microsoft.com/en-us/azure/aks/azure-cni-overlay#dual-stack-networking";

impl Rule for DualStackUnsupported {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            // Two descriptions of one cluster (recorded API responses) may disagree:
            // a blend of their values proves nothing.
            let Some(ipv6) = ipv6_span(cluster).filter(|_| described_once(cluster)) else {
                continue;
            };
            check_families(cluster, cx);
            check_mode(cluster, ipv6, cx);
            check_policy(cluster, ipv6, cx);
            check_virtual_nodes(cluster, ipv6, cx);
            check_nat_gateway(cluster, ipv6, cx);
            let families = stated_families(cluster);
            if families.as_deref() == Some(&["ipv4".to_string(), "ipv6".to_string()][..]) {
                check_ranges(cluster, "podCidrs", &cluster.network.pod_cidrs, ipv6, cx);
                check_ranges(
                    cluster,
                    "serviceCidrs",
                    &cluster.network.service_cidrs,
                    ipv6,
                    cx,
                );
            }
            check_subnets(inv, ci, cluster, ipv6, cx);
        }
    }
}

/// The span of a known `IPv6` in `ipFamilies`: the cluster is dual-stack (or IPv6-only).
fn ipv6_span(cluster: &Cluster) -> Option<Span> {
    cluster.network.ip_families.iter().find_map(|f| match f {
        Field::Known(s, span) if s.eq_ignore_ascii_case("IPv6") => Some(*span),
        _ => None,
    })
}

/// The families, lowercased, when every one is known.
fn stated_families(cluster: &Cluster) -> Option<Vec<String>> {
    cluster
        .network
        .ip_families
        .iter()
        .map(|f| f.known().map(|s| s.to_ascii_lowercase()))
        .collect()
}

fn label_ipv6(ipv6: Span) -> Label {
    Label::new(ipv6, "dual-stack (IPv6)")
}

/// Only `[IPv4]` and `[IPv4, IPv6]` are accepted.
fn check_families(cluster: &Cluster, cx: &mut Context<'_>) {
    let Some(families) = stated_families(cluster) else {
        return;
    };
    if families == ["ipv4", "ipv6"] {
        return;
    }
    let span = cluster
        .network
        .ip_families
        .first()
        .and_then(Field::span)
        .unwrap_or(cluster.network.span);
    let d = cx.report(
        span,
        format!(
            "cluster `{}` has ipFamilies [{}]; AKS accepts only [IPv4] or [IPv4, IPv6] (no IPv6-only, IPv4 first)",
            cluster_name(cluster),
            written(&cluster.network.ip_families)
        ),
        "ipFamilies",
    );
    d.help = Some(format!(
        "set ipFamilies to [\"IPv4\", \"IPv6\"] (F-067, {DOCS})"
    ));
    d.resource = Some(cluster.address.clone());
}

fn written(list: &[Field<String>]) -> String {
    list.iter()
        .filter_map(Field::known)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

/// Dual-stack needs Azure CNI Overlay: not kubenet, not pods in the node subnet.
fn check_mode(cluster: &Cluster, ipv6: Span, cx: &mut Context<'_>) {
    let (what, fact) = match cluster.ipam_mode {
        Some(IpamMode::Kubenet) => ("kubenet", "F-005, F-067"),
        Some(IpamMode::CniNodeSubnet) => ("Azure CNI with pods in the node subnet", "F-067"),
        _ => return,
    };
    let span = cluster
        .network
        .plugin
        .span()
        .unwrap_or(cluster.network.span);
    // A defaulted plugin's label says which Kubernetes version chose it (F-002).
    let label = match (&cluster.network.plugin, plugin_label(cluster)) {
        (Field::Default(..), Some(l)) => l.message,
        _ => what.to_string(),
    };
    let d = cx.report(
        span,
        format!(
            "cluster `{}` is dual-stack on {what}; dual-stack needs Azure CNI Overlay",
            cluster_name(cluster)
        ),
        label,
    );
    d.labels.push(label_ipv6(ipv6));
    d.help = Some(format!(
        "use networkPlugin azure with networkPluginMode overlay ({fact}, {DOCS})"
    ));
    d.resource = Some(cluster.address.clone());
}

/// Azure NPM and Calico have no dual-stack support.
fn check_policy(cluster: &Cluster, ipv6: Span, cx: &mut Context<'_>) {
    let Field::Known(policy, span) = &cluster.network.policy else {
        return;
    };
    let name = match policy.to_ascii_lowercase().as_str() {
        "azure" => "Azure Network Policy Manager",
        "calico" => "Calico network policies",
        _ => return,
    };
    let d = cx.report(
        *span,
        format!(
            "cluster `{}` is dual-stack and uses {name} (networkPolicy `{policy}`), which dual-stack clusters do not support",
            cluster_name(cluster)
        ),
        format!("networkPolicy `{policy}`"),
    );
    d.labels.push(label_ipv6(ipv6));
    d.help = Some(format!(
        "use Cilium network policies (networkDataplane cilium, networkPolicy cilium) (F-067, F-017, {DOCS})"
    ));
    d.resource = Some(cluster.address.clone());
}

fn check_virtual_nodes(cluster: &Cluster, ipv6: Span, cx: &mut Context<'_>) {
    let Field::Known(true, span) = cluster.addons.aci_connector else {
        return;
    };
    let d = cx.report(
        span,
        format!(
            "cluster `{}` is dual-stack and enables the virtual nodes add-on (aciConnectorLinux), which dual-stack clusters do not support",
            cluster_name(cluster)
        ),
        "virtual nodes add-on",
    );
    d.labels.push(label_ipv6(ipv6));
    d.help = Some(format!(
        "disable the virtual nodes add-on, or keep the cluster IPv4-only (F-067, F-094, {DOCS})"
    ));
    d.resource = Some(cluster.address.clone());
}

/// The Standard NAT gateway is IPv4-only; StandardV2 takes IPv6.
fn check_nat_gateway(cluster: &Cluster, ipv6: Span, cx: &mut Context<'_>) {
    let Field::Known(outbound, span) = &cluster.network.outbound_type else {
        return;
    };
    if !outbound.eq_ignore_ascii_case("managedNATGateway") {
        return;
    }
    let sku = &cluster.network.nat_gateway_sku;
    if sku.is_unknown()
        || sku
            .value()
            .is_some_and(|s| !s.eq_ignore_ascii_case("standard"))
    {
        return;
    }
    let d = cx.report(
        *span,
        format!(
            "cluster `{}` is dual-stack with outboundType managedNATGateway; the Standard NAT gateway is IPv4-only",
            cluster_name(cluster)
        ),
        "Standard NAT gateway",
    );
    d.labels.push(label_ipv6(ipv6));
    d.help = Some(format!(
        "use loadBalancer or userDefinedRouting egress, or a StandardV2 NAT gateway (F-067, F-078, {DOCS})"
    ));
    d.resource = Some(cluster.address.clone());
}

fn family(net: &IpNet) -> &'static str {
    match net {
        IpNet::V4(_) => "IPv4",
        IpNet::V6(_) => "IPv6",
    }
}

/// `podCidrs`/`serviceCidrs`: one range per family, IPv4 first.
fn check_ranges(
    cluster: &Cluster,
    what: &str,
    ranges: &[Field<IpNet>],
    ipv6: Span,
    cx: &mut Context<'_>,
) {
    // Written ranges only: defaults and unknown values decide nothing.
    let Some(nets) = ranges
        .iter()
        .map(|f| match f {
            Field::Known(n, s) => Some((n, *s)),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    let families: Vec<&str> = nets.iter().map(|(n, _)| family(n)).collect();
    let fits = match families.as_slice() {
        [] | ["IPv4"] => true,
        f => f == ["IPv4", "IPv6"],
    };
    if fits {
        return;
    }
    let Some(&(_, span)) = nets.first() else {
        return;
    };
    let list: Vec<String> = nets.iter().map(|(n, _)| n.to_string()).collect();
    let d = cx.report(
        span,
        format!(
            "cluster `{}` is dual-stack but its {what} [{}] are [{}]; they must be one IPv4 range and one IPv6 range, in the order of ipFamilies [IPv4, IPv6]",
            cluster_name(cluster),
            list.join(", "),
            families.join(", ")
        ),
        format!("{what} families [{}]", families.join(", ")),
    );
    d.labels.push(label_ipv6(ipv6));
    d.help = Some(format!(
        "list an IPv4 range, then an IPv6 range (the IPv6 service range no larger than a /108) (F-067, {DOCS})"
    ));
    d.resource = Some(cluster.address.clone());
}

/// Each node subnet among the inputs must carry an IPv6 prefix.
fn check_subnets(
    inv: &Inventory,
    ci: ClusterIdx,
    cluster: &Cluster,
    ipv6: Span,
    cx: &mut Context<'_>,
) {
    let mut seen = Vec::new();
    for (_, pool) in inv.cluster_pools(ci) {
        let Some(si) = pool.subnet else { continue };
        if seen.contains(&si) {
            continue;
        }
        seen.push(si);
        let subnet = &inv.subnets[si];
        let prefixes = &subnet.address_prefixes;
        let all_known = !prefixes.is_empty() && prefixes.iter().all(|p| p.known().is_some());
        let has_v6 = prefixes
            .iter()
            .any(|p| matches!(p.known(), Some(IpNet::V6(_))));
        if !all_known || has_v6 {
            continue;
        }
        let d = cx.report(
            subnet.prefix_span(),
            format!(
                "node subnet `{}` of dual-stack cluster `{}` has no IPv6 prefix; dual-stack nodes take an IPv4 and an IPv6 address from it",
                subnet.display_name(),
                cluster_name(cluster)
            ),
            "IPv4 only",
        );
        d.labels.push(label_ipv6(ipv6));
        if let Some(s) = pool.vnet_subnet_id.span() {
            d.labels.push(Label::new(s, "node subnet of the pool"));
        }
        d.help = Some(format!(
            "add an IPv6 /64 to the subnet's addressPrefixes (and an IPv6 range to the VNet) (F-067, F-050, {DOCS})"
        ));
        d.resource = Some(subnet.address.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, cluster, pool, primary_text};

    fn run(network: &str, subnet_prefixes: &[&str]) -> Vec<(String, String)> {
        let prefixes: Vec<String> = subnet_prefixes.iter().map(|p| format!("\"{p}\"")).collect();
        let net = format!(
            r#"{{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1",
            "name":"vnet1","type":"Microsoft.Network/virtualNetworks","properties":{{"addressSpace":{{"addressPrefixes":["10.1.0.0/16","fd00:db8::/56"]}},
            "subnets":[{{"name":"nodes","properties":{{"addressPrefixes":[{}]}}}}]}}}}"#,
            prefixes.join(",")
        );
        let pools = [pool("a", "vnet1", "nodes", r#","count":3"#)];
        let (src, d) = check(&DualStackUnsupported, &[&net, &cluster(network, &pools)]);
        d.iter()
            .map(|d| (primary_text(&src, d).to_string(), d.message.clone()))
            .collect()
    }

    const DUAL: &[&str] = &["10.1.0.0/22", "fd00:db8::/64"];

    #[test]
    fn overlay_dual_stack_passes() {
        let np = r#"{"networkPlugin":"azure","networkPluginMode":"overlay","ipFamilies":["IPv4","IPv6"],
            "podCidrs":["10.244.0.0/16","fd12:3456:789a::/64"],"serviceCidrs":["10.0.0.0/16","fd12:3456:789a:1::/108"]}"#;
        assert!(run(np, DUAL).is_empty());
        let single = r#"{"networkPlugin":"azure","networkPolicy":"azure","ipFamilies":["IPv4"]}"#;
        assert!(run(single, &["10.1.0.0/22"]).is_empty());
    }

    #[test]
    fn unsupported_features_are_reported_one_each() {
        let np =
            r#"{"networkPlugin":"kubenet","networkPolicy":"calico","ipFamilies":["IPv4","IPv6"]}"#;
        let d = run(np, DUAL);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].0, "\"kubenet\"");
        assert_eq!(d[1].0, "\"calico\"");
        let nat = r#"{"networkPlugin":"azure","networkPluginMode":"overlay","ipFamilies":["IPv4","IPv6"],"outboundType":"managedNATGateway"}"#;
        assert_eq!(run(nat, DUAL).len(), 1);
        let v2 = r#"{"networkPlugin":"azure","networkPluginMode":"overlay","ipFamilies":["IPv4","IPv6"],"outboundType":"managedNATGateway","natGatewayProfile":{"sku":"standardV2"}}"#;
        assert!(run(v2, DUAL).is_empty());
    }

    #[test]
    fn families_ranges_and_subnets() {
        let v6_only =
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay","ipFamilies":["IPv6"]}"#;
        let d = run(v6_only, DUAL);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].1.contains("[IPv6]"), "{}", d[0].1);

        let order = r#"{"networkPlugin":"azure","networkPluginMode":"overlay","ipFamilies":["IPv4","IPv6"],
            "serviceCidrs":["fd12:3456:789a:1::/108","10.0.0.0/16"]}"#;
        let d = run(order, DUAL);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].0, "\"fd12:3456:789a:1::/108\"");

        let np = r#"{"networkPlugin":"azure","networkPluginMode":"overlay","ipFamilies":["IPv4","IPv6"]}"#;
        let d = run(np, &["10.1.0.0/22"]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].0, "\"10.1.0.0/22\"");
    }

    #[test]
    fn single_stack_is_not_judged() {
        let np = r#"{"networkPlugin":"kubenet","networkPolicy":"calico"}"#;
        assert!(run(np, &["10.1.0.0/22"]).is_empty());
    }
}
