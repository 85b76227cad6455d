use super::{declare_rule, described_once, display_name, plugin_label, Context, Rule, RuleMeta};
use crate::diagnostic::{Label, Severity};
use crate::model::{Cluster, Field, Inventory, NetworkPlugin, OsType};

declare_rule! {
    /// ## What it checks
    /// The cluster's `networkPolicy` engine against its network plugin and data
    /// plane (F-014, F-016):
    ///
    /// * `azure` (Azure Network Policy Manager) with kubenet, whether kubenet is
    ///   written or the default (F-002);
    /// * `azure`, `calico` or `none` with `networkDataplane: cilium` — AKS then
    ///   requires `cilium` (a warning when the policy is left out: the CLI fills in
    ///   `cilium`; the API's default when `networkPolicy` is unset is `none`, which
    ///   AKS refuses with the Cilium data plane, so a raw template or Terraform
    ///   may be refused — Microsoft documents no server-side fill-in);
    /// * `cilium` without the Cilium data plane;
    /// * the Cilium data plane with a plugin other than Azure CNI;
    /// * `azure` in a cluster with Windows pools: Azure NPM on Windows is
    ///   unsupported since 2026-09-30 (F-017, F-124) — an error now that the
    ///   date has passed.
    ///
    /// ## Why it matters
    /// The AKS resource provider refuses these combinations when the cluster is
    /// created (`CiliumDataplaneRequiresNetworkPolicyCilium`,
    /// `NetworkPolicyCiliumRequiresCiliumDataplane`), and the policy engine of a
    /// running cluster is not something to change lightly: installing or removing
    /// one reimages every node pool (F-018). Windows nodes under Azure NPM no
    /// longer get fixes or support, and new onboarding is refused.
    ///
    /// ## How to fix
    /// Pick the engine the data plane supports: `cilium` with the Cilium data
    /// plane (Microsoft's recommendation), `calico` with the Azure data plane on
    /// Azure CNI or with kubenet. Azure NPM (`azure`) is being retired (F-017):
    /// move Windows pools to Calico, Linux-only clusters to Cilium.
    ///
    /// ## Example
    /// ```json
    /// "networkProfile": {
    ///   "networkPlugin": "azure", "networkPluginMode": "overlay",
    ///   "networkDataplane": "cilium", "networkPolicy": "cilium"
    /// }
    /// ```
    pub struct NetworkPolicyIncompatible {
        code: "AKS201",
        name: "network-policy-incompatible",
        category: Compatibility,
        severity: Error,
        summary: "The network policy engine is not supported by the cluster's plugin or data plane",
    }
}

impl Rule for NetworkPolicyIncompatible {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            if check_cilium(cluster, cx) {
                continue;
            }
            if check_kubenet(cluster, cx) {
                continue;
            }
            check_windows(inv, ci, cluster, cx);
        }
    }
}

fn is(field: &Field<String>, value: &str) -> bool {
    field.value().is_some_and(|v| v.eq_ignore_ascii_case(value))
}

fn name(cluster: &Cluster) -> String {
    display_name(&cluster.name, &cluster.address)
}

/// The Cilium data plane and the `cilium` engine need each other and Azure CNI.
/// Returns true when it reported.
fn check_cilium(cluster: &Cluster, cx: &mut Context<'_>) -> bool {
    let net = &cluster.network;
    let dataplane_cilium = is(&net.dataplane, "cilium");
    if dataplane_cilium {
        if let Some(plugin) = net.plugin.value().filter(|p| **p != NetworkPlugin::Azure) {
            let Some(span) = net.dataplane.span() else {
                return false;
            };
            let d = cx.report(
                span,
                format!(
                    "cluster `{}` uses the Cilium data plane with network plugin `{}`; Cilium runs only on Azure CNI",
                    name(cluster),
                    plugin.as_str()
                ),
                "Cilium data plane",
            );
            d.labels.extend(plugin_label(cluster));
            d.help = Some("use networkPlugin \"azure\" (with networkPluginMode \"overlay\" for most clusters) under the Cilium data plane (F-014)".into());
            d.resource = Some(cluster.address.clone());
            return true;
        }
        return match &net.policy {
            Field::Known(policy, span) if !policy.eq_ignore_ascii_case("cilium") => {
                let d = cx.report(
                    *span,
                    format!(
                        "cluster `{}` uses the Cilium data plane with networkPolicy `{policy}`; AKS requires `cilium` there",
                        name(cluster)
                    ),
                    format!("`{policy}` is refused with the Cilium data plane"),
                );
                cilium_dataplane_label(cluster, d);
                true
            }
            Field::Absent => {
                let span = net.dataplane.span().unwrap_or(net.span);
                let d = cx.report_at(
                    Severity::Warning,
                    span,
                    format!(
                        "cluster `{}` uses the Cilium data plane but leaves networkPolicy out; AKS requires `cilium`, which only the az CLI fills in",
                        name(cluster)
                    ),
                    "Cilium data plane, no networkPolicy",
                );
                d.help = Some("set networkPolicy \"cilium\" explicitly (F-014)".into());
                d.resource = Some(cluster.address.clone());
                true
            }
            _ => false,
        };
    }
    // `cilium` policy without the Cilium data plane: an unknown data plane cannot be judged.
    let Field::Known(policy, span) = &net.policy else {
        return false;
    };
    if !policy.eq_ignore_ascii_case("cilium") || net.dataplane.is_unknown() {
        return false;
    }
    let (message, label) = match &net.dataplane {
        Field::Known(dp, s) => (
            format!("networkDataplane is `{dp}`"),
            Label::new(*s, format!("data plane `{dp}`")),
        ),
        _ => (
            "networkDataplane is not set, so it is `azure` by default".to_string(),
            Label::new(net.span, "no networkDataplane: `azure` by default"),
        ),
    };
    let d = cx.report(
        *span,
        format!(
            "cluster `{}` sets networkPolicy `cilium`, but {message}; the Cilium engine needs the Cilium data plane",
            name(cluster)
        ),
        "`cilium` needs networkDataplane `cilium`",
    );
    d.labels.push(label);
    d.help = Some("set networkDataplane \"cilium\", or choose `calico` or `azure` for the Azure data plane (F-014, F-016)".into());
    d.resource = Some(cluster.address.clone());
    true
}

fn cilium_dataplane_label(cluster: &Cluster, d: &mut crate::diagnostic::Diagnostic) {
    if let Some(s) = cluster.network.dataplane.span() {
        d.labels.push(Label::new(s, "Cilium data plane"));
    }
    d.help = Some(
        "set networkPolicy \"cilium\": the Cilium data plane enforces policy itself (F-014)".into(),
    );
    d.resource = Some(cluster.address.clone());
}

/// Azure NPM never ran on kubenet. Returns true when it reported.
fn check_kubenet(cluster: &Cluster, cx: &mut Context<'_>) -> bool {
    let Field::Known(policy, span) = &cluster.network.policy else {
        return false;
    };
    if !policy.eq_ignore_ascii_case("azure")
        || cluster.network.plugin.value() != Some(&NetworkPlugin::Kubenet)
    {
        return false;
    }
    let default = if cluster.network.plugin.is_default() {
        " (by default)"
    } else {
        ""
    };
    let d = cx.report(
        *span,
        format!(
            "cluster `{}` uses kubenet{default} with networkPolicy `azure`; Azure Network Policy Manager needs Azure CNI",
            name(cluster)
        ),
        "Azure NPM is not available on kubenet",
    );
    d.labels.extend(plugin_label(cluster));
    d.help = Some(
        "use networkPolicy \"calico\" on kubenet, or move the cluster to Azure CNI Overlay (F-016)"
            .into(),
    );
    d.resource = Some(cluster.address.clone());
    true
}

/// Azure NPM on Windows nodes is out of support since 2026-09-30.
fn check_windows(inv: &Inventory, ci: usize, cluster: &Cluster, cx: &mut Context<'_>) {
    let Field::Known(policy, span) = &cluster.network.policy else {
        return;
    };
    if !policy.eq_ignore_ascii_case("azure") || !described_once(cluster) {
        return;
    }
    let windows: Vec<Label> = inv
        .cluster_pools(ci)
        .filter_map(|(_, p)| match &p.os_type {
            Field::Known(OsType::Windows, s) => Some(Label::new(
                *s,
                format!("Windows pool `{}`", display_name(&p.name, &p.address)),
            )),
            _ => None,
        })
        .collect();
    if windows.is_empty() {
        return;
    }
    let d = cx.report(
        *span,
        format!(
            "cluster `{}` uses Azure Network Policy Manager with {} Windows pool(s); Azure NPM on Windows is unsupported since 2026-09-30",
            name(cluster),
            windows.len()
        ),
        "Azure NPM",
    );
    d.labels.extend(windows);
    d.help = Some("move to networkPolicy \"calico\", which supports Windows nodes on Azure CNI (F-016, F-124)".into());
    d.resource = Some(cluster.address.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    fn cluster(network: &str, win: bool) -> String {
        let win = if win {
            r#",{"name":"npwin","count":1,"osType":"Windows"}"#
        } else {
            ""
        };
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.1","networkProfile":{network},
            "agentPoolProfiles":[{{"name":"sys","count":1,"osType":"Linux"}}{win}]}}}}"#
        )
    }

    fn run(network: &str, win: bool) -> Vec<(Severity, String)> {
        let (src, d) = check(&NetworkPolicyIncompatible, &[&cluster(network, win)]);
        d.iter()
            .map(|d| (d.severity, primary_text(&src, d).to_string()))
            .collect()
    }

    #[test]
    fn azure_npm_on_kubenet() {
        assert_eq!(
            run(
                r#"{"networkPlugin":"kubenet","networkPolicy":"azure"}"#,
                false
            ),
            [(Severity::Error, "\"azure\"".to_string())]
        );
        assert!(run(
            r#"{"networkPlugin":"kubenet","networkPolicy":"calico"}"#,
            false
        )
        .is_empty());
    }

    #[test]
    fn cilium_dataplane_needs_cilium_policy() {
        let e = run(
            r#"{"networkPlugin":"azure","networkDataplane":"cilium","networkPolicy":"none"}"#,
            false,
        );
        assert_eq!(e, [(Severity::Error, "\"none\"".to_string())]);
        let w = run(
            r#"{"networkPlugin":"azure","networkDataplane":"cilium"}"#,
            false,
        );
        assert_eq!(w, [(Severity::Warning, "\"cilium\"".to_string())]);
        assert!(run(
            r#"{"networkPlugin":"azure","networkDataplane":"cilium","networkPolicy":"cilium"}"#,
            false
        )
        .is_empty());
    }

    #[test]
    fn cilium_policy_needs_cilium_dataplane() {
        assert_eq!(
            run(
                r#"{"networkPlugin":"azure","networkPolicy":"cilium"}"#,
                false
            ),
            [(Severity::Error, "\"cilium\"".to_string())]
        );
        assert_eq!(
            run(
                r#"{"networkPlugin":"kubenet","networkDataplane":"cilium","networkPolicy":"cilium"}"#,
                false
            ),
            [(Severity::Error, "\"cilium\"".to_string())]
        );
    }

    #[test]
    fn azure_npm_with_windows_is_an_error() {
        assert_eq!(
            run(r#"{"networkPlugin":"azure","networkPolicy":"azure"}"#, true),
            [(Severity::Error, "\"azure\"".to_string())]
        );
        assert!(run(
            r#"{"networkPlugin":"azure","networkPolicy":"calico"}"#,
            true
        )
        .is_empty());
    }
}
