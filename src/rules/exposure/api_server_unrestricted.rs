use ipnet::IpNet;

use super::{cluster_name, declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::cidr::parse_cidr;
use crate::model::{Cluster, Field, Inventory};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// A public API server (`enablePrivateCluster` false or left out) that any
    /// address on the Internet may reach: `authorizedIPRanges` is empty or left
    /// out, or one of its ranges is `0.0.0.0/0`. (`0.0.0.0/32` is not such a
    /// range: it means "only the cluster's own egress IP".) A cluster whose private
    /// flag or ranges cannot be evaluated is not judged.
    ///
    /// ## Why it matters
    /// The Kubernetes API is the cluster's front door. Without authorized IP
    /// ranges, every address on the Internet can reach it and try credentials,
    /// tokens and the next API server vulnerability; with `0.0.0.0/0` among the
    /// ranges, the allow-list allows everything (F-090).
    ///
    /// ## How to fix
    /// List the networks that need the API server in `authorizedIPRanges`: your
    /// administrators' and CI runners' egress ranges and the cluster's own egress
    /// IP (firewall, NAT gateway or load balancer; AKS adds the load balancer's IP
    /// itself). Up to 200 ranges, 2,000 with API Server VNet Integration. Or make
    /// the cluster private (F-087). Authorized ranges are not available with the
    /// virtual nodes add-on (F-094); such clusters need a private API server.
    ///
    /// ## Example
    /// ```json
    /// "apiServerAccessProfile": {
    ///   "authorizedIPRanges": [ "203.0.113.0/24", "198.51.100.17/32" ] }
    /// ```
    pub struct ApiServerUnrestricted {
        code: "AKS601",
        name: "api-server-unrestricted",
        category: Security,
        severity: Warning,
        summary: "A public API server without authorized IP ranges, or with 0.0.0.0/0 among them",
    }
}

impl Rule for ApiServerUnrestricted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for cluster in &inv.clusters {
            let api = &cluster.api_server;
            let public = match &api.private_cluster {
                Field::Known(p, _) | Field::Default(p, _) => !p,
                Field::Absent => true,
                Field::Unknown(_) => false,
            };
            if !public || api.authorized_ip_ranges.iter().any(Field::is_unknown) {
                continue;
            }
            if api.authorized_ip_ranges.is_empty() {
                no_ranges(cx, cluster);
                continue;
            }
            for range in &api.authorized_ip_ranges {
                let Field::Known(text, span) = range else {
                    continue;
                };
                if parse_cidr(text).is_some_and(|n: IpNet| n.prefix_len() == 0) {
                    everything(cx, cluster, text, *span);
                }
            }
        }
    }
}

fn help(cluster: &Cluster) -> String {
    if cluster.addons.aci_connector.value() == Some(&true) {
        return "authorized IP ranges cannot be used with the virtual nodes add-on: make the API server private, or disable virtual nodes and list your admin, CI and egress ranges in authorizedIPRanges (F-090, F-094)".into();
    }
    "list your admin, CI and cluster egress ranges in apiServerAccessProfile.authorizedIPRanges, or make the cluster private (F-090, F-087)".into()
}

fn no_ranges(cx: &mut Context<'_>, cluster: &Cluster) {
    let private = &cluster.api_server.private_cluster;
    let (span, label) = match private {
        Field::Known(false, s) => (*s, "the API server is public"),
        _ => (
            cluster.name.span().unwrap_or(cluster.decl),
            "public API server: the cluster is not private",
        ),
    };
    let d = cx.report(
        span,
        format!(
            "the API server of cluster `{}` is public and has no authorized IP ranges, so any address on the Internet can reach it",
            cluster_name(cluster)
        ),
        label,
    );
    d.labels.extend(aci_label(cluster));
    d.help = Some(help(cluster));
    d.resource = Some(cluster.address.clone());
}

fn everything(cx: &mut Context<'_>, cluster: &Cluster, range: &str, span: Span) {
    let d = cx.report(
        span,
        format!(
            "authorized IP range `{range}` of cluster `{}` admits every address, so its public API server is not restricted",
            cluster_name(cluster)
        ),
        "admits every address",
    );
    d.help = Some(format!(
        "remove `{range}` and list only the networks that need the API server; {}",
        help(cluster)
    ));
    d.resource = Some(cluster.address.clone());
}

fn aci_label(cluster: &Cluster) -> Option<Label> {
    match &cluster.addons.aci_connector {
        Field::Known(true, s) => Some(Label::new(
            *s,
            "virtual nodes rule out authorized IP ranges (F-094)",
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    fn cluster(api: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.0","networkProfile":{{"networkPlugin":"azure"}}{api},
            "agentPoolProfiles":[{{"name":"sys","count":2}}]}}}}"#
        )
    }

    #[test]
    fn public_without_ranges_points_at_the_private_flag_or_the_name() {
        let (src, d) = check(
            &ApiServerUnrestricted,
            &[&cluster(
                r#","apiServerAccessProfile":{"enablePrivateCluster":false}"#,
            )],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "false");
        let (src, d) = check(&ApiServerUnrestricted, &[&cluster("")]);
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"aks1\"");
    }

    #[test]
    fn any_address_range_is_flagged_but_own_egress_only_is_not() {
        let (src, d) = check(
            &ApiServerUnrestricted,
            &[&cluster(
                r#","apiServerAccessProfile":{"authorizedIPRanges":["203.0.113.0/24","0.0.0.0/0"]}"#,
            )],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"0.0.0.0/0\"");
        let (_, d) = check(
            &ApiServerUnrestricted,
            &[&cluster(
                r#","apiServerAccessProfile":{"authorizedIPRanges":["0.0.0.0/32"]}"#,
            )],
        );
        assert!(d.is_empty());
    }

    #[test]
    fn an_access_profile_that_cannot_be_evaluated_is_not_judged() {
        use crate::ingest::{arm, ingest_template_output};
        use crate::model::InventoryBuilder;
        use crate::rules::{run, Thresholds};
        use crate::source::SourceMap;
        let template = r#"{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "contentVersion":"1.0.0.0","parameters":{"apiServerAccessProfile":{"type":"object"}},
          "resources":[{"type":"Microsoft.ContainerService/managedClusters","apiVersion":"2024-09-01","name":"aks1",
            "properties":{"kubernetesVersion":"1.31.0","networkProfile":{"networkPlugin":"azure"},
              "apiServerAccessProfile":"[parameters('apiServerAccessProfile')]",
              "agentPoolProfiles":[{"name":"sys","count":2}]}}]}"#;
        let mut sources = SourceMap::default();
        let file = sources.add("t.json".into(), template.to_string());
        let root = crate::syntax::json::parse(file, template).expect("valid JSON");
        let mut b = InventoryBuilder::default();
        ingest_template_output(&mut b, &arm::evaluate_template(&root, &[]));
        let inv = b.finish();
        assert_eq!(inv.clusters.len(), 1);
        assert!(inv.clusters[0].api_server.private_cluster.is_unknown());
        let d = run(&inv, &[&ApiServerUnrestricted], &Thresholds::default());
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn private_clusters_pass() {
        let (_, d) = check(
            &ApiServerUnrestricted,
            &[&cluster(
                r#","apiServerAccessProfile":{"enablePrivateCluster":true}"#,
            )],
        );
        assert!(d.is_empty());
    }
}
