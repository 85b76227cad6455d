use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{Field, Inventory, NetworkPlugin, OsType};

declare_rule! {
    /// ## What it checks
    /// A Windows node pool (`osType: Windows`) in a cluster whose effective network
    /// plugin is kubenet, whether written out or taken by default (when
    /// `networkPlugin` is left out, AKS uses kubenet for Kubernetes versions before
    /// 1.30 — F-002).
    ///
    /// ## Why it matters
    /// Windows Server node pools run only on Azure CNI (F-120). AKS rejects adding
    /// the pool, and the network plugin of an existing cluster cannot simply be
    /// switched back: the only way forward is the kubenet → Azure CNI Overlay
    /// migration or a new cluster. kubenet itself retires on 2028-03-31 (F-003).
    ///
    /// ## How to fix
    /// Create the cluster with `networkPlugin: azure` (with `networkPluginMode:
    /// overlay` for most clusters), or migrate an existing kubenet cluster to Azure
    /// CNI Overlay before adding Windows pools.
    ///
    /// ## Example
    /// ```json
    /// "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay" },
    /// "agentPoolProfiles": [ { "name": "npwin", "osType": "Windows", "mode": "User" } ]
    /// ```
    pub struct WindowsPoolOnKubenet {
        code: "AKS002",
        name: "windows-pool-on-kubenet",
        category: Compatibility,
        severity: Error,
        summary: "A Windows node pool is in a cluster that uses kubenet",
    }
}

impl Rule for WindowsPoolOnKubenet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            let plugin_label = match &cluster.network.plugin {
                Field::Known(NetworkPlugin::Kubenet, span) => {
                    Label::new(*span, "the cluster uses kubenet")
                }
                Field::Default(NetworkPlugin::Kubenet, _) => {
                    let version = cluster
                        .kubernetes_version
                        .value()
                        .cloned()
                        .unwrap_or_default();
                    Label::new(
                        cluster.kubernetes_version.span().unwrap_or(cluster.network.span),
                        format!("networkPlugin is not set, so Kubernetes {version} defaults to kubenet (F-002)"),
                    )
                }
                _ => continue,
            };
            let cluster_name = cluster.display_name();
            for (_, pool) in inv.cluster_pools(ci) {
                let Field::Known(OsType::Windows, span) = &pool.os_type else {
                    continue;
                };
                let pool_name = pool.display_name();
                let d = cx.report(
                    *span,
                    format!("Windows node pool `{pool_name}` is in cluster `{cluster_name}`, which uses kubenet; Windows pools need Azure CNI"),
                    "Windows pool",
                );
                d.labels.push(plugin_label.clone());
                d.help = Some(
                    "use networkPlugin \"azure\" (networkPluginMode \"overlay\" for most clusters), or migrate the cluster to Azure CNI Overlay before adding Windows pools (F-120)"
                        .into(),
                );
                d.resource = Some(pool.address.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    fn cluster(network: &str, version: &str, os: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"{version}"{network},"windowsProfile":{{"adminUsername":"a"}},
            "agentPoolProfiles":[{{"name":"sys","count":1,"osType":"Linux"}},{{"name":"win","count":1,"osType":"{os}"}}]}}}}"#
        )
    }

    #[test]
    fn flags_explicit_kubenet() {
        let (src, d) = check(
            &WindowsPoolOnKubenet,
            &[&cluster(
                r#","networkProfile":{"networkPlugin":"kubenet"}"#,
                "1.31.1",
                "Windows",
            )],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"Windows\"");
        assert_eq!(
            src.get(d[0].labels[0].span.file).slice(d[0].labels[0].span),
            "\"kubenet\""
        );
    }

    #[test]
    fn flags_defaulted_kubenet_before_1_30() {
        let (src, d) = check(&WindowsPoolOnKubenet, &[&cluster("", "1.29.4", "Windows")]);
        assert_eq!(d.len(), 1);
        assert_eq!(
            src.get(d[0].labels[0].span.file).slice(d[0].labels[0].span),
            "\"1.29.4\""
        );
        assert!(d[0].labels[0].message.contains("defaults to kubenet"));
    }

    #[test]
    fn passes_on_azure_cni_overlay_default_and_linux() {
        assert!(
            check(&WindowsPoolOnKubenet, &[&cluster("", "1.30.0", "Windows")])
                .1
                .is_empty()
        );
        assert!(check(
            &WindowsPoolOnKubenet,
            &[&cluster(
                r#","networkProfile":{"networkPlugin":"azure"}"#,
                "1.29.0",
                "Windows"
            )]
        )
        .1
        .is_empty());
        assert!(check(
            &WindowsPoolOnKubenet,
            &[&cluster(
                r#","networkProfile":{"networkPlugin":"kubenet"}"#,
                "1.29.0",
                "Linux"
            )]
        )
        .1
        .is_empty());
    }
}
