use ipnet::IpNet;

use super::{cluster_name, declare_rule, thousands, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::cidr::parse_cidr;
use crate::model::{Cluster, Field, Inventory};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// `apiServerAccessProfile.authorizedIPRanges` that AKS refuses or does not
    /// support (F-090):
    ///
    /// * ranges on a private cluster (`enablePrivateCluster: true`);
    /// * more than 200 ranges, or more than 2,000 with API Server VNet Integration
    ///   (`enableVnetIntegration: true`);
    /// * a range with host bits set (`10.1.2.3/24` instead of `10.1.2.0/24`);
    /// * ranges on a cluster with the virtual nodes add-on (`aciConnectorLinux`, F-094).
    ///
    /// Ranges that cannot be evaluated are not judged; when VNet integration cannot
    /// be evaluated, the 2,000 limit applies.
    ///
    /// ## Why it matters
    /// The first three make AKS reject the create or update (F-090): authorized
    /// ranges apply only to a public endpoint, the allow-list has a fixed size,
    /// and ranges must name the network address. Virtual nodes with authorized
    /// ranges are not refused but unsupported (F-094): the virtual-node pods in
    /// Azure Container Instances are not among the allowed addresses, cannot
    /// reach the API server and lose cluster DNS, so workloads scheduled there
    /// fail.
    ///
    /// ## How to fix
    /// Remove the ranges from private clusters (reach them through the VNet, a
    /// jump box or a VPN); merge ranges into larger prefixes or use API Server VNet
    /// Integration to list more; write each range with its network address; turn
    /// off the virtual nodes add-on or make the cluster private instead.
    ///
    /// ## Example
    /// ```json
    /// "apiServerAccessProfile": { "enablePrivateCluster": false,
    ///   "authorizedIPRanges": [ "137.117.106.88/29" ] }
    /// ```
    pub struct AuthorizedRangesInvalid {
        code: "AKS602",
        name: "authorized-ranges-invalid",
        category: Compatibility,
        severity: Error,
        summary: "API server authorized IP ranges that AKS rejects or does not support: on a private cluster, too many, host bits set, or with virtual nodes",
    }
}

impl Rule for AuthorizedRangesInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for cluster in &inv.clusters {
            let ranges = &cluster.api_server.authorized_ip_ranges;
            // The first range that is written out, where findings about the list point.
            let Some(first) = ranges.iter().find_map(|r| r.known().and(r.span())) else {
                continue;
            };
            on_private_cluster(cx, cluster, first);
            too_many(cx, cluster);
            host_bits(cx, cluster);
            with_virtual_nodes(cx, cluster, first);
        }
    }
}

fn on_private_cluster(cx: &mut Context<'_>, cluster: &Cluster, first: Span) {
    let Field::Known(true, private_span) = &cluster.api_server.private_cluster else {
        return;
    };
    let d = cx.report(
        first,
        format!(
            "cluster `{}` is private, but sets authorized IP ranges, which apply only to a public API server",
            cluster_name(cluster)
        ),
        "authorized IP ranges on a private cluster",
    );
    d.labels
        .push(Label::new(*private_span, "the API server is private"));
    d.help = Some("remove authorizedIPRanges; a private API server is reached through its VNet (F-090, F-087)".into());
    d.resource = Some(cluster.address.clone());
}

fn too_many(cx: &mut Context<'_>, cluster: &Cluster) {
    let api = &cluster.api_server;
    let (limit, why) = match &api.vnet_integration {
        Field::Known(true, _) | Field::Default(true, _) | Field::Unknown(_) => {
            (2000, "with API Server VNet Integration")
        }
        _ => (200, "without API Server VNet Integration"),
    };
    let n = api.authorized_ip_ranges.len();
    if n <= limit {
        return;
    }
    let span = api.authorized_ip_ranges[limit]
        .span()
        .unwrap_or(cluster.decl);
    let d = cx.report(
        span,
        format!(
            "cluster `{}` sets {} authorized IP ranges, more than the {} allowed {why}",
            cluster_name(cluster),
            thousands(n as i64),
            thousands(limit as i64)
        ),
        "the first range over the limit",
    );
    d.help = Some("merge ranges into larger prefixes, or enable API Server VNet Integration to allow up to 2,000 (F-090)".into());
    d.resource = Some(cluster.address.clone());
}

fn host_bits(cx: &mut Context<'_>, cluster: &Cluster) {
    for range in &cluster.api_server.authorized_ip_ranges {
        let Field::Known(text, span) = range else {
            continue;
        };
        let Some(net) = parse_cidr(text) else {
            continue;
        };
        if net.addr() == net.network() {
            continue;
        }
        let fixed = IpNet::new(net.network(), net.prefix_len()).unwrap_or(net);
        let d = cx.report(
            *span,
            format!(
                "authorized IP range `{text}` of cluster `{}` has host bits set; AKS expects the network address `{fixed}`",
                cluster_name(cluster)
            ),
            "host bits set",
        );
        d.help = Some(format!(
            "write `{fixed}`, or `{}/32` if only that address is meant (F-090)",
            net.addr()
        ));
        d.resource = Some(cluster.address.clone());
    }
}

fn with_virtual_nodes(cx: &mut Context<'_>, cluster: &Cluster, first: Span) {
    let Field::Known(true, aci_span) = &cluster.addons.aci_connector else {
        return;
    };
    let d = cx.report(
        first,
        format!(
            "cluster `{}` sets authorized IP ranges and uses the virtual nodes add-on; AKS does not support the two together: virtual-node pods cannot reach the API server and lose cluster DNS",
            cluster_name(cluster)
        ),
        "authorized IP ranges with virtual nodes",
    );
    d.labels
        .push(Label::new(*aci_span, "virtual nodes (aciConnectorLinux)"));
    d.help = Some("remove authorizedIPRanges (and make the API server private to restrict it), or disable the virtual nodes add-on (F-090, F-094)".into());
    d.resource = Some(cluster.address.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    fn cluster(api: &str, addons: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.0","networkProfile":{{"networkPlugin":"azure"}},
            "apiServerAccessProfile":{{{api}}}{addons},
            "agentPoolProfiles":[{{"name":"sys","count":2}}]}}}}"#
        )
    }

    #[test]
    fn ranges_on_a_private_cluster() {
        let (src, d) = check(
            &AuthorizedRangesInvalid,
            &[&cluster(
                r#""enablePrivateCluster":true,"authorizedIPRanges":["203.0.113.0/24"]"#,
                "",
            )],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"203.0.113.0/24\"");
    }

    #[test]
    fn host_bits_are_flagged_per_range() {
        let (src, d) = check(
            &AuthorizedRangesInvalid,
            &[&cluster(
                r#""authorizedIPRanges":["203.0.113.0/24","137.117.106.90/29","198.51.100.7"]"#,
                "",
            )],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"137.117.106.90/29\"");
        assert!(d[0].message.contains("137.117.106.88/29"));
    }

    #[test]
    fn more_than_200_ranges_without_vnet_integration() {
        let ranges = |n: usize| {
            (0..n)
                .map(|i| format!("\"198.{}.{}.0/24\"", i / 256, i % 256))
                .collect::<Vec<_>>()
                .join(",")
        };
        let (_, d) = check(
            &AuthorizedRangesInvalid,
            &[&cluster(
                &format!(r#""authorizedIPRanges":[{}]"#, ranges(201)),
                "",
            )],
        );
        assert_eq!(d.len(), 1);
        let (_, d) = check(
            &AuthorizedRangesInvalid,
            &[&cluster(
                &format!(
                    r#""enableVnetIntegration":true,"authorizedIPRanges":[{}]"#,
                    ranges(201)
                ),
                "",
            )],
        );
        assert!(d.is_empty());
    }

    #[test]
    fn ranges_with_virtual_nodes() {
        let (src, d) = check(
            &AuthorizedRangesInvalid,
            &[&cluster(
                r#""authorizedIPRanges":["203.0.113.0/24"]"#,
                r#","addonProfiles":{"aciConnectorLinux":{"enabled":true,"config":{"SubnetName":"snet-aci"}}}"#,
            )],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"203.0.113.0/24\"");
    }
}
