use super::ranges::{cluster_name, collisions, pod_cidrs, service_cidrs, Hit};
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::{Label, Severity};
use crate::model::{cidr, Inventory};

declare_rule! {
    /// ## What it checks
    /// Whether a cluster's service CIDR overlaps a range that is routable from
    /// its pods and nodes (F-061):
    ///
    /// * a subnet of the cluster's VNet — an error; AKS rejects it with
    ///   `ServiceCidrOverlapExistingSubnetsCidr`;
    /// * the address space of a VNet peered with the cluster's — an error;
    /// * the pod CIDR of a kubenet or Overlay cluster — an error (reported here
    ///   only, not again by AKS106);
    /// * only address space of the cluster's VNet that no subnet uses yet — a
    ///   warning: possible, but a later subnet there will collide.
    ///
    /// A service CIDR left out is AKS's default 10.0.0.0/16 (F-061), and so is a
    /// pod CIDR left out on kubenet or Overlay (10.244.0.0/16); the message says
    /// when a range is a default. Defaults are judged only for the error cases.
    ///
    /// ## Why it matters
    /// Service IPs are virtual: kube-proxy or Cilium intercepts them on every node.
    /// Traffic from the cluster to a real address inside the service CIDR — a VM in
    /// the VNet, a peered hub, a pod — is captured and never reaches it. The
    /// common trap is the default 10.0.0.0/16 in a 10.0.0.0/16 VNet. The service
    /// CIDR is fixed at creation before Kubernetes 1.33 (F-062).
    ///
    /// ## How to fix
    /// Choose a service CIDR no VNet, peering, on-premises network or pod CIDR
    /// uses, and a `dnsServiceIP` inside it.
    ///
    /// ## Example
    /// In a VNet of 10.0.0.0/16, set a service range outside it:
    ///
    /// ```json
    /// "networkProfile": { "serviceCidr": "10.96.0.0/16", "dnsServiceIP": "10.96.0.10" }
    /// ```
    pub struct ServiceCidrOverlap {
        code: "AKS105",
        name: "service-cidr-overlap",
        category: IpPlanning,
        severity: Error,
        summary: "The service CIDR overlaps a subnet, a peered VNet, the pod CIDR or the VNet",
    }
}

impl Rule for ServiceCidrOverlap {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            let Some(services) = service_cidrs(cluster) else {
                continue;
            };
            let pods = pod_cidrs(cluster).unwrap_or_default();
            let name = cluster_name(cluster);
            for svc in services {
                let mut found = collisions(inv, ci, &svc.net);
                for pod in pods.iter().filter(|p| cidr::overlaps(&svc.net, &p.net)) {
                    found.errors.push(Hit {
                        span: pod.span,
                        what: format!("pod CIDR {}", pod.describe()),
                    });
                }
                let (severity, hits) = if !found.errors.is_empty() {
                    (Severity::Error, found.errors)
                } else if !found.space.is_empty() && !svc.default {
                    (Severity::Warning, found.space)
                } else {
                    continue;
                };
                let what: Vec<&str> = hits.iter().map(|h| h.what.as_str()).collect();
                let message = format!(
                    "service CIDR {} of `{name}` overlaps {}",
                    svc.describe(),
                    what.join("; ")
                );
                let label = if svc.default {
                    "service CIDR left out: AKS uses 10.0.0.0/16".to_string()
                } else {
                    "service CIDR".to_string()
                };
                let d = cx.report_at(severity, svc.span, message, label);
                for h in hits {
                    d.labels.push(Label::new(
                        h.span,
                        format!("overlaps the service CIDR: {}", h.what),
                    ));
                }
                d.help = Some(if severity == Severity::Error {
                    "choose a service CIDR (and dnsServiceIP) that no subnet, peered VNet or pod CIDR uses (F-061)".into()
                } else {
                    "move the service CIDR out of the VNet's address space before a subnet is created there (F-061)".into()
                });
                d.resource = Some(cluster.address.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, cluster, pool, primary_text, vnet, SUB};

    #[test]
    fn default_service_cidr_in_a_10_0_vnet() {
        let n = vnet("vnet1", &["10.0.0.0/16"], &[("nodes", "10.0.0.0/22")]);
        let c = cluster(
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay"}"#,
            &[pool("a", "vnet1", "nodes", "")],
        );
        let (src, d) = check(&ServiceCidrOverlap, &[&n, &c]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert!(
            d[0].message.contains("10.0.0.0/16 (the default)"),
            "{}",
            d[0].message
        );
        assert!(d[0].message.contains("subnet `nodes`"), "{}", d[0].message);
        assert_eq!(
            src.get(d[0].labels[0].span.file).slice(d[0].labels[0].span),
            "\"10.0.0.0/22\""
        );
        let _ = primary_text(&src, &d[0]);
    }

    #[test]
    fn unused_space_is_a_warning_and_default_is_silent_there() {
        let n = vnet("vnet1", &["10.0.0.0/8"], &[("nodes", "10.240.0.0/22")]);
        let c = cluster(
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay","serviceCidr":"10.0.0.0/16","dnsServiceIP":"10.0.0.10"}"#,
            &[pool("a", "vnet1", "nodes", "")],
        );
        let (src, d) = check(&ServiceCidrOverlap, &[&n, &c]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(primary_text(&src, &d[0]), "\"10.0.0.0/16\"");
        let c = cluster(
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay"}"#,
            &[pool("a", "vnet1", "nodes", "")],
        );
        assert!(check(&ServiceCidrOverlap, &[&n, &c]).1.is_empty());
    }

    #[test]
    fn peered_vnet_and_pod_cidr() {
        let spoke = format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/spoke","name":"spoke","type":"Microsoft.Network/virtualNetworks",
            "properties":{{"addressSpace":{{"addressPrefixes":["10.240.0.0/16"]}},
            "subnets":[{{"name":"nodes","properties":{{"addressPrefix":"10.240.0.0/22"}}}}],
            "virtualNetworkPeerings":[{{"name":"to-hub","properties":{{"remoteVirtualNetwork":{{"id":"{SUB}/Microsoft.Network/virtualNetworks/hub"}},
              "remoteAddressSpace":{{"addressPrefixes":["10.100.0.0/16"]}}}}}}]}}}}"#
        );
        let c = cluster(
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay","serviceCidr":"10.100.0.0/16","dnsServiceIP":"10.100.0.10"}"#,
            &[pool("a", "spoke", "nodes", "")],
        );
        let (_, d) = check(&ServiceCidrOverlap, &[&spoke, &c]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].message.contains("peered with `spoke`"),
            "{}",
            d[0].message
        );
        let c = cluster(
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay","podCidr":"10.0.0.0/14","serviceCidr":"10.1.0.0/16"}"#,
            &[pool("a", "spoke", "nodes", "")],
        );
        let (_, d) = check(&ServiceCidrOverlap, &[&spoke, &c]);
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message.contains("pod CIDR 10.0.0.0/14"),
            "{}",
            d[0].message
        );
    }
}
