use super::{declare_rule, described_once, display_name, plugin_label, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{Field, Inventory, NetworkPlugin, OsType};

declare_rule! {
    /// ## What it checks
    /// A Windows node pool (`osType: Windows`) in a cluster that brings its own
    /// CNI (`networkPlugin: none`) or uses the Cilium data plane
    /// (`networkDataplane: cilium`). Windows pools on kubenet are AKS002.
    ///
    /// ## Why it matters
    /// Windows Server pools run only on Azure CNI with the Azure data plane: node
    /// subnet, pod subnet or Overlay (F-120). Cilium is Linux-only (F-014) and BYO
    /// CNI has no Windows support (F-015), so AKS refuses the pool.
    ///
    /// ## How to fix
    /// Run Windows workloads in a cluster on Azure CNI (Overlay for most) with the
    /// Azure data plane, or keep the cluster Linux-only.
    ///
    /// ## Example
    /// ```json
    /// "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay", "networkDataplane": "azure" },
    /// "agentPoolProfiles": [ { "name": "npwin", "osType": "Windows", "mode": "User" } ]
    /// ```
    pub struct WindowsPoolUnsupportedNetwork {
        code: "AKS203",
        name: "windows-pool-unsupported-network",
        category: Compatibility,
        severity: Error,
        summary: "A Windows node pool is in a cluster with bring-your-own CNI or the Cilium data plane",
    }
}

impl Rule for WindowsPoolUnsupportedNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            if !described_once(cluster) {
                continue;
            }
            let net = &cluster.network;
            let (what, label) = if net.plugin.value() == Some(&NetworkPlugin::None) {
                let Some(label) = plugin_label(cluster) else {
                    continue;
                };
                ("bring-your-own CNI (networkPlugin `none`)", label)
            } else if let Field::Known(dp, span) = &net.dataplane {
                if !dp.eq_ignore_ascii_case("cilium") {
                    continue;
                }
                (
                    "the Cilium data plane",
                    Label::new(*span, "Cilium data plane"),
                )
            } else {
                continue;
            };
            let cluster_name = display_name(&cluster.name, &cluster.address);
            for (_, pool) in inv.cluster_pools(ci) {
                let Field::Known(OsType::Windows, span) = &pool.os_type else {
                    continue;
                };
                let d = cx.report(
                    *span,
                    format!(
                        "Windows node pool `{}` is in cluster `{cluster_name}`, which uses {what}; Windows pools need Azure CNI with the Azure data plane",
                        display_name(&pool.name, &pool.address)
                    ),
                    "Windows pool",
                );
                d.labels.push(label.clone());
                d.help = Some("put Windows pools in a cluster on Azure CNI (Overlay for most) with networkDataplane \"azure\" (F-120)".into());
                d.resource = Some(pool.address.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    fn cluster(network: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.1","networkProfile":{network},
            "agentPoolProfiles":[{{"name":"sys","count":1,"osType":"Linux"}},{{"name":"npwin","count":1,"osType":"Windows"}}]}}}}"#
        )
    }

    #[test]
    fn flags_byo_cni_and_cilium() {
        for net in [
            r#"{"networkPlugin":"none"}"#,
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay","networkDataplane":"cilium"}"#,
        ] {
            let (src, d) = check(&WindowsPoolUnsupportedNetwork, &[&cluster(net)]);
            assert_eq!(d.len(), 1, "{net}");
            assert_eq!(primary_text(&src, &d[0]), "\"Windows\"");
        }
    }

    #[test]
    fn passes_on_azure_dataplane() {
        let net =
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay","networkDataplane":"azure"}"#;
        assert!(check(&WindowsPoolUnsupportedNetwork, &[&cluster(net)])
            .1
            .is_empty());
    }
}
