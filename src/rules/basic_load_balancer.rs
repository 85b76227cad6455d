use super::{cluster_name, declare_rule, pool_name, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{Cluster, Field, Inventory};

declare_rule! {
    /// ## What it checks
    /// A cluster with `loadBalancerSku: basic` (in any letter case), and node pools of
    /// type `AvailabilitySet`, whatever the cluster's `outboundType`.
    ///
    /// ## Why it matters
    /// The Basic load balancer was retired on 2025-09-30; AKS refused new clusters
    /// with it from 2025-03-31 (F-091). Availability-set pools were retired on the
    /// same day (F-134). Every outbound type needs VM Scale Set pools and the
    /// Standard load balancer (F-076), and so do several node pools, authorized IP
    /// ranges and private clusters (F-091). A template that still asks for either
    /// fails to deploy, and an existing cluster has lost support.
    ///
    /// ## How to fix
    /// Use `loadBalancerSku: standard` (the default — leaving it out is enough) and
    /// `type: VirtualMachineScaleSets` (the default) or `VirtualMachines` pools.
    /// Existing clusters move with the Basic-to-Standard and availability-set
    /// migrations Microsoft documents.
    ///
    /// ## Example
    /// ```json
    /// "networkProfile": { "networkPlugin": "azure", "loadBalancerSku": "standard" },
    /// "agentPoolProfiles": [ { "name": "sys", "type": "VirtualMachineScaleSets" } ]
    /// ```
    pub struct BasicLoadBalancer {
        code: "AKS403",
        name: "basic-load-balancer",
        category: Compatibility,
        severity: Error,
        summary: "A Basic load balancer or an availability-set node pool, both retired",
    }
}

impl Rule for BasicLoadBalancer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for cluster in &inv.clusters {
            if let Field::Known(sku, span) = &cluster.network.load_balancer_sku {
                if sku.eq_ignore_ascii_case("basic") {
                    let d = cx.report(
                        *span,
                        format!(
                            "cluster `{}` uses the Basic load balancer, retired on 2025-09-30",
                            cluster_name(cluster)
                        ),
                        "Basic load balancer",
                    );
                    d.labels.extend(outbound_label(cluster));
                    d.help = Some("use loadBalancerSku \"standard\" (the default); an existing cluster needs the Basic-to-Standard migration (F-091)".into());
                    d.resource = Some(cluster.address.clone());
                }
            }
        }
        for pool in &inv.pools {
            let Field::Known(vm_type, span) = &pool.vm_type else {
                continue;
            };
            if !vm_type.eq_ignore_ascii_case("AvailabilitySet") {
                continue;
            }
            let cluster = inv.pool_cluster(pool);
            let of_cluster = cluster
                .map(|c| format!(" of cluster `{}`", cluster_name(c)))
                .unwrap_or_default();
            let d = cx.report(
                *span,
                format!(
                    "node pool `{}`{of_cluster} is an availability set; availability-set pools were retired on 2025-09-30 and no outbound type supports them",
                    pool_name(pool)
                ),
                "availability-set pool",
            );
            d.labels.extend(cluster.and_then(outbound_label));
            d.help = Some("use type \"VirtualMachineScaleSets\" (the default) or \"VirtualMachines\"; migrate existing pools (F-134, F-076)".into());
            d.resource = Some(pool.address.clone());
        }
    }
}

/// The outbound type, when written: every outbound type needs the Standard load balancer and scale sets (F-076).
fn outbound_label(cluster: &Cluster) -> Option<Label> {
    let Field::Known(t, span) = &cluster.network.outbound_type else {
        return None;
    };
    Some(Label::new(
        *span,
        format!("outboundType {t} needs the Standard load balancer and scale-set pools"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    fn cluster(network: &str, pool: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.0","networkProfile":{{"networkPlugin":"azure"{network}}},
            "agentPoolProfiles":[{{"name":"sys","count":2{pool}}}]}}}}"#
        )
    }

    #[test]
    fn basic_sku_in_any_case_is_flagged_at_the_sku() {
        for sku in ["basic", "Basic", "BASIC"] {
            let (src, d) = check(
                &BasicLoadBalancer,
                &[&cluster(&format!(r#","loadBalancerSku":"{sku}""#), "")],
            );
            assert_eq!(d.len(), 1);
            assert_eq!(primary_text(&src, &d[0]), format!("\"{sku}\""));
        }
    }

    #[test]
    fn availability_set_pool_is_flagged_at_its_type() {
        let (src, d) = check(
            &BasicLoadBalancer,
            &[&cluster(
                r#","outboundType":"loadBalancer""#,
                r#","type":"AvailabilitySet""#,
            )],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"AvailabilitySet\"");
        assert_eq!(d[0].labels.len(), 1);
    }

    #[test]
    fn standard_and_scale_sets_pass() {
        let (_, d) = check(
            &BasicLoadBalancer,
            &[&cluster(
                r#","loadBalancerSku":"standard""#,
                r#","type":"VirtualMachineScaleSets""#,
            )],
        );
        assert!(d.is_empty());
        let (_, d) = check(&BasicLoadBalancer, &[&cluster("", "")]);
        assert!(d.is_empty());
    }
}
