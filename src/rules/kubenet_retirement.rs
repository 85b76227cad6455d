use super::{declare_rule, display_name, plugin_label, Context, Rule, RuleMeta};
use crate::model::{Inventory, NetworkPlugin};

declare_rule! {
    /// ## What it checks
    /// Every cluster whose network plugin is kubenet, whether written out or taken
    /// by default (an omitted `networkPlugin` is kubenet before Kubernetes 1.30,
    /// F-002).
    ///
    /// ## Why it matters
    /// kubenet is retired on 2028-03-31 (F-003): after that date kubenet clusters
    /// are out of support. It already lacks Windows pools, Azure Network Policy
    /// Manager, virtual nodes and clusters larger than 400 nodes (F-004, F-005).
    /// The migration to Azure CNI Overlay is one-way and has prerequisites
    /// (F-020), so it is worth planning early.
    ///
    /// ## How to fix
    /// Create new clusters with Azure CNI Overlay, and migrate existing ones with
    /// `az aks update --network-plugin azure --network-plugin-mode overlay`.
    ///
    /// ## Example
    /// ```json
    /// "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay", "podCidr": "10.244.0.0/16" }
    /// ```
    pub struct KubenetRetirement {
        code: "AKS205",
        name: "kubenet-retirement",
        category: Compatibility,
        severity: Warning,
        summary: "The cluster uses kubenet, which is retired on 2028-03-31",
    }
}

impl Rule for KubenetRetirement {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for cluster in &inv.clusters {
            if cluster.network.plugin.value() != Some(&NetworkPlugin::Kubenet) {
                continue;
            }
            let Some(label) = plugin_label(cluster) else {
                continue;
            };
            let how = if cluster.network.plugin.is_default() {
                " by default"
            } else {
                ""
            };
            let d = cx.report(
                label.span,
                format!(
                    "cluster `{}` uses kubenet{how}, which is retired on 2028-03-31",
                    display_name(&cluster.name, &cluster.address)
                ),
                label.message,
            );
            d.help = Some("use Azure CNI Overlay (networkPlugin \"azure\", networkPluginMode \"overlay\"); existing clusters can migrate in place (F-003, F-020)".into());
            d.resource = Some(cluster.address.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    fn cluster(version: &str, network: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"{version}"{network},
            "agentPoolProfiles":[{{"name":"sys","count":1}}]}}}}"#
        )
    }

    #[test]
    fn explicit_and_defaulted_kubenet() {
        let (src, d) = check(
            &KubenetRetirement,
            &[&cluster(
                "1.31.2",
                r#","networkProfile":{"networkPlugin":"kubenet"}"#,
            )],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"kubenet\"");
        assert!(d[0].message.contains("2028-03-31"));
        let (src, d) = check(&KubenetRetirement, &[&cluster("1.29.2", "")]);
        assert_eq!(primary_text(&src, &d[0]), "\"1.29.2\"");
        assert!(d[0].message.contains("by default"));
    }

    #[test]
    fn silent_on_azure_cni() {
        assert!(check(&KubenetRetirement, &[&cluster("1.30.0", "")])
            .1
            .is_empty());
    }
}
