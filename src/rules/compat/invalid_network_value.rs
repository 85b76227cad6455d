use super::{declare_rule, display_name, Context, Rule, RuleMeta};
use crate::model::{Field, Inventory, NetworkPlugin, OsType};
use crate::rules::cluster_name;
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// Every network setting with a fixed set of values that AKS validates, as the
    /// input writes it (ARM and az CLI names; Terraform, Crossplane, ASO and CAPZ
    /// spell the same settings their own way and take the same values):
    ///
    /// | setting | values AKS accepts |
    /// |---|---|
    /// | `networkPlugin` | `azure`, `kubenet`, `none` |
    /// | `networkPluginMode` | `overlay` |
    /// | `networkPolicy` | `none`, `calico`, `azure`, `cilium` |
    /// | `networkDataplane` | `azure`, `cilium` |
    /// | `outboundType` | `loadBalancer`, `userDefinedRouting`, `managedNATGateway`, `userAssignedNATGateway`, `none`, `block` |
    /// | `loadBalancerSku` | `standard`, `basic` |
    /// | node pool `osType` | `Linux`, `Windows` |
    /// | node pool `mode` | `System`, `User`, `Gateway` |
    ///
    /// Values are compared without regard to case, as AKS reads them. The finding
    /// suggests the nearest accepted value ("did you mean"). A value akslint cannot
    /// evaluate is not judged; `ipFamilies` is not in akslint's model yet and is
    /// not checked.
    ///
    /// ## Why it matters
    /// A misspelt value fails the whole deployment with `InvalidParameter`, or, in
    /// Terraform, at plan time for some settings and at apply time for others —
    /// after the network, the identities and the role assignments were created.
    /// Worse, every other rule reads the misspelt value as "something else": a
    /// `kubernet` plugin is neither kubenet nor Azure CNI, so the capacity and
    /// compatibility rules cannot judge the cluster at all and stay silent.
    ///
    /// ## How to fix
    /// Write one of the accepted values; the API reference of
    /// `Microsoft.ContainerService/managedClusters` lists them
    /// (learn.microsoft.com/azure/templates/microsoft.containerservice/managedclusters),
    /// and the facts behind the choice are F-001 (network modes), F-014 and
    /// F-016 (data planes and policy engines).
    ///
    /// ## Example
    /// ```json
    /// "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay",
    ///   "networkPolicy": "calico", "outboundType": "userDefinedRouting" }
    /// ```
    pub struct InvalidNetworkValue {
        code: "AKS209",
        name: "invalid-network-value",
        category: Compatibility,
        severity: Error,
        summary: "A network setting has a value AKS does not accept",
    }
}

const PLUGINS: &[&str] = &["azure", "kubenet", "none"];
const PLUGIN_MODES: &[&str] = &["overlay"];
const POLICIES: &[&str] = &["none", "calico", "azure", "cilium"];
const DATAPLANES: &[&str] = &["azure", "cilium"];
const OUTBOUND_TYPES: &[&str] = &[
    "loadBalancer",
    "userDefinedRouting",
    "managedNATGateway",
    "userAssignedNATGateway",
    "none",
    "block",
];
const LOAD_BALANCER_SKUS: &[&str] = &["standard", "basic"];
const OS_TYPES: &[&str] = &["Linux", "Windows"];
const POOL_MODES: &[&str] = &["System", "User", "Gateway"];

/// Abbreviations people write that are too far from the value to be found by
/// spelling distance: (written, meant).
const ALIASES: &[(&str, &str)] = &[
    ("udr", "userDefinedRouting"),
    ("lb", "loadBalancer"),
    ("natgateway", "managedNATGateway"),
    ("cni", "azure"),
    ("azurecni", "azure"),
];

impl Rule for InvalidNetworkValue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for cluster in &inv.clusters {
            let net = &cluster.network;
            let owner = format!("cluster `{}`", cluster_name(cluster));
            let address = &cluster.address;
            if let Field::Known(NetworkPlugin::Other(value), span) = &net.plugin {
                report(
                    cx,
                    (&owner, address),
                    "network plugin",
                    value,
                    *span,
                    PLUGINS,
                );
            }
            let strings = [
                ("network plugin mode", &net.plugin_mode, PLUGIN_MODES),
                ("network policy", &net.policy, POLICIES),
                ("network data plane", &net.dataplane, DATAPLANES),
                ("outbound type", &net.outbound_type, OUTBOUND_TYPES),
                (
                    "load balancer SKU",
                    &net.load_balancer_sku,
                    LOAD_BALANCER_SKUS,
                ),
            ];
            for (setting, field, allowed) in strings {
                check_string(cx, (&owner, address), setting, field, allowed);
            }
        }
        for pool in &inv.pools {
            let owner = format!("node pool `{}`", display_name(&pool.name, &pool.address));
            let address = &pool.address;
            if let Field::Known(OsType::Other(value), span) = &pool.os_type {
                report(cx, (&owner, address), "OS type", value, *span, OS_TYPES);
            }
            check_string(cx, (&owner, address), "mode", &pool.mode, POOL_MODES);
        }
    }
}

fn check_string(
    cx: &mut Context<'_>,
    owner: (&str, &str),
    setting: &str,
    field: &Field<String>,
    allowed: &[&str],
) {
    let Field::Known(value, span) = field else {
        return;
    };
    if !allowed.iter().any(|a| a.eq_ignore_ascii_case(value)) {
        report(cx, owner, setting, value, *span, allowed);
    }
}

fn report(
    cx: &mut Context<'_>,
    (owner, address): (&str, &str),
    setting: &str,
    value: &str,
    span: Span,
    allowed: &[&str],
) {
    let list = allowed
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = match nearest(value, allowed) {
        Some(meant) => format!("; did you mean `{meant}`?"),
        None => String::new(),
    };
    let d = cx.report(
        span,
        format!("{owner} sets {setting} `{value}`, which AKS does not accept{hint}"),
        format!("not one of {list}"),
    );
    d.help = Some(format!("write one of {list} (F-001, F-014, F-016)"));
    d.resource = Some(address.to_string());
}

/// The accepted value the user most likely meant: a known abbreviation, else the
/// closest by edit distance when it is close enough to be a misspelling.
fn nearest<'a>(value: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let lower = value.trim().to_ascii_lowercase();
    if let Some((_, meant)) = ALIASES.iter().find(|(w, _)| *w == lower) {
        if let Some(a) = allowed.iter().find(|a| a.eq_ignore_ascii_case(meant)) {
            return Some(a);
        }
    }
    let (best, distance) = allowed
        .iter()
        .map(|a| {
            (
                *a,
                strsim::damerau_levenshtein(&lower, &a.to_ascii_lowercase()),
            )
        })
        .min_by_key(|(_, d)| *d)?;
    // Two edits for words of five letters or more, one below.
    let tolerance = if best.len() >= 5 { 2 } else { 1 };
    (distance <= tolerance).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    fn cluster(network: &str, pool: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.1","networkProfile":{network},
            "agentPoolProfiles":[{{"name":"sys","count":1{pool}}}]}}}}"#
        )
    }

    fn run(network: &str, pool: &str) -> Vec<(String, String)> {
        let (src, d) = check(&InvalidNetworkValue, &[&cluster(network, pool)]);
        d.iter()
            .map(|d| (primary_text(&src, d).to_string(), d.message.clone()))
            .collect()
    }

    #[test]
    fn misspelt_values_are_reported_with_a_suggestion() {
        let got = run(
            r#"{"networkPlugin":"kubernet","networkPolicy":"calicoo","outboundType":"udr"}"#,
            r#","osType":"Linx","mode":"system""#,
        );
        let texts: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            texts,
            ["\"kubernet\"", "\"calicoo\"", "\"udr\"", "\"Linx\""]
        );
        assert!(got[0].1.contains("did you mean `kubenet`?"), "{}", got[0].1);
        assert!(got[1].1.contains("did you mean `calico`?"), "{}", got[1].1);
        assert!(
            got[2].1.contains("did you mean `userDefinedRouting`?"),
            "{}",
            got[2].1
        );
        assert!(got[3].1.contains("did you mean `Linux`?"), "{}", got[3].1);
    }

    #[test]
    fn far_values_get_no_suggestion() {
        let got = run(r#"{"networkPlugin":"flannel"}"#, "");
        assert_eq!(got.len(), 1);
        assert!(!got[0].1.contains("did you mean"), "{}", got[0].1);
    }

    #[test]
    fn accepted_values_in_any_case_pass() {
        assert!(run(
            r#"{"networkPlugin":"Azure","networkPluginMode":"Overlay","networkPolicy":"cilium",
               "networkDataplane":"cilium","outboundType":"managedNATGateway","loadBalancerSku":"Standard"}"#,
            r#","osType":"Windows","mode":"User""#,
        )
        .is_empty());
    }
}
