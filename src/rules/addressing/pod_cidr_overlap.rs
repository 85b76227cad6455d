use super::ranges::{cluster_name, collisions, pod_cidrs};
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::{Label, Severity};
use crate::model::Inventory;

declare_rule! {
    /// ## What it checks
    /// Whether the pod CIDR of a kubenet or Azure CNI Overlay cluster overlaps a
    /// network the pods must reach (F-065):
    ///
    /// * a subnet of the cluster's VNet — an error; AKS has checked this against
    ///   each subnet since October 2024;
    /// * the address space of a VNet peered with the cluster's — an error;
    /// * only address space of the cluster's VNet that no subnet uses yet — a
    ///   warning: a subnet created there later will collide.
    ///
    /// A pod CIDR left out is AKS's default 10.244.0.0/16 (F-045, F-046), and the
    /// message says so; a default is judged only for the error cases. An overlap
    /// of the pod CIDR with the service CIDR is reported once, by AKS105.
    ///
    /// ## Why it matters
    /// Pod addresses are routed inside the cluster (kubenet's route table, the
    /// Overlay network). Packets from a pod to a VM, a private endpoint or a peered
    /// hub whose address falls in the pod CIDR are delivered to a pod, or nowhere.
    /// The pod CIDR cannot be changed on kubenet and only widened on Overlay (F-048).
    ///
    /// ## How to fix
    /// Choose a private pod CIDR (RFC 1918 or 100.64.0.0/10) that no subnet,
    /// peered VNet or on-premises network uses. Independent clusters may share one.
    ///
    /// ## Example
    /// In a VNet of 10.0.0.0/8, take the pod range from 100.64.0.0/10:
    ///
    /// ```json
    /// "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay", "podCidr": "100.64.0.0/16" }
    /// ```
    pub struct PodCidrOverlap {
        code: "AKS106",
        name: "pod-cidr-overlap",
        category: IpPlanning,
        severity: Error,
        summary: "The pod CIDR of a kubenet or Overlay cluster overlaps its VNet or a peered VNet",
    }
}

impl Rule for PodCidrOverlap {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            let name = cluster_name(cluster);
            for pod in pod_cidrs(cluster).unwrap_or_default() {
                let found = collisions(inv, ci, &pod.net);
                let (severity, hits) = if !found.errors.is_empty() {
                    (Severity::Error, found.errors)
                } else if !found.space.is_empty() && !pod.default {
                    (Severity::Warning, found.space)
                } else {
                    continue;
                };
                let what: Vec<&str> = hits.iter().map(|h| h.what.as_str()).collect();
                let message = format!(
                    "pod CIDR {} of `{name}` overlaps {}",
                    pod.describe(),
                    what.join("; ")
                );
                let label = if pod.default {
                    "pod CIDR left out: AKS uses 10.244.0.0/16".to_string()
                } else {
                    "pod CIDR".to_string()
                };
                let d = cx.report_at(severity, pod.span, message, label);
                for h in hits {
                    d.labels.push(Label::new(
                        h.span,
                        format!("overlaps the pod CIDR: {}", h.what),
                    ));
                }
                d.help = Some(if severity == Severity::Error {
                    "choose a pod CIDR that no subnet or peered VNet uses, e.g. from 100.64.0.0/10 (F-065)".into()
                } else {
                    "keep the pod CIDR out of the VNet's address space so no subnet can be created in it later (F-065)".into()
                });
                d.resource = Some(cluster.address.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, cluster, pool, primary_text, vnet};

    #[test]
    fn default_pod_cidr_over_a_subnet() {
        let n = vnet("vnet1", &["10.0.0.0/8"], &[("nodes", "10.244.0.0/22")]);
        let c = cluster(
            r#"{"networkPlugin":"kubenet","serviceCidr":"10.0.0.0/16"}"#,
            &[pool("a", "vnet1", "nodes", "")],
        );
        let (_, d) = check(&PodCidrOverlap, &[&n, &c]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert!(
            d[0].message.contains("10.244.0.0/16 (the default)"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn space_only_warns_for_a_stated_cidr() {
        let n = vnet("vnet1", &["10.0.0.0/8"], &[("nodes", "10.240.0.0/22")]);
        let c = cluster(
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay","podCidr":"10.100.0.0/16"}"#,
            &[pool("a", "vnet1", "nodes", "")],
        );
        let (src, d) = check(&PodCidrOverlap, &[&n, &c]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(primary_text(&src, &d[0]), "\"10.100.0.0/16\"");
        let c = cluster(
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay"}"#,
            &[pool("a", "vnet1", "nodes", "")],
        );
        assert!(check(&PodCidrOverlap, &[&n, &c]).1.is_empty());
    }

    #[test]
    fn node_subnet_cni_has_no_pod_cidr() {
        let n = vnet("vnet1", &["10.0.0.0/8"], &[("nodes", "10.244.0.0/22")]);
        let c = cluster(
            r#"{"networkPlugin":"azure","podCidr":"10.244.0.0/16"}"#,
            &[pool("a", "vnet1", "nodes", "")],
        );
        assert!(check(&PodCidrOverlap, &[&n, &c]).1.is_empty());
    }
}
