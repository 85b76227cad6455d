use super::node_resource_group::{
    is_aks_agentpool_name, is_mc_group, node_resource_group, rg_matches,
};
use super::nsg_common::{cluster_name, nsg_name};
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::model::{Inventory, NetworkSecurityGroup, ResourceId};

declare_rule! {
    /// ## What it checks
    /// Security rules in the NSG AKS creates in the node resource group
    /// (`aks-agentpool-<digits>-nsg`, F-074, F-110) that AKS would not have written.
    /// AKS (its cloud provider) adds rules there for `LoadBalancer` Services, named
    /// `k8s-azure-…` or, in older versions, `a<service uid>-<protocol>-<port>-<source>`;
    /// those are not findings. Any other rule was added by hand or by other tooling.
    ///
    /// To stay free of false positives the NSG must carry AKS's name *and* live in
    /// the node resource group of a cluster among the inputs (`nodeResourceGroup`,
    /// else `MC_<group>_<cluster>_<region>`, F-113) or, when the cluster is not an
    /// input, in a group named `MC_…`. Rules without a readable name are skipped,
    /// and so are NSGs of clusters with outbound type `block`, for which AKS writes
    /// egress rules of its own (F-079); when the cluster is not among the inputs,
    /// outbound deny rules are skipped for the same reason.
    ///
    /// ## Why it matters
    /// Everything in the node resource group belongs to AKS. Customising the
    /// AKS-managed NSG is unsupported (F-110, F-113): AKS may overwrite or remove
    /// your rules when it reconciles the cluster, and a rule that blocks its traffic
    /// breaks nodes in ways support won't cover. In a bring-your-own VNet the subnet
    /// NSG is yours to customise (F-073, F-115).
    ///
    /// ## How to fix
    /// Delete the rule from the AKS-managed NSG. Put your own filtering in an NSG on
    /// your own subnet (bring your own VNet), or restrict Service traffic with
    /// `loadBalancerSourceRanges` on the Service and pods with network policies.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: { name: web }
    /// spec:
    ///   type: LoadBalancer
    ///   loadBalancerSourceRanges: ["203.0.113.0/24"]   # AKS writes the NSG rule itself
    /// ```
    pub struct AksManagedNsgModified {
        code: "AKS504",
        name: "aks-managed-nsg-modified",
        category: Supportability,
        severity: Warning,
        summary: "A rule was added by hand to the NSG AKS manages in the node resource group",
    }
}

impl Rule for AksManagedNsgModified {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for nsg in &inv.nsgs {
            let Some(id) = &nsg.id else { continue };
            if !is_aks_agentpool_name(id.name(), "nsg") {
                continue;
            }
            let Some(owner) = owner(inv, id) else {
                continue;
            };
            check_rules(cx, nsg, &owner);
        }
    }
}

/// Who the NSG belongs to: `Some(Some(name))` for a cluster among the inputs,
/// `Some(None)` for an unknown cluster recognised by its `MC_` group, `None` when
/// the NSG is not AKS's or the cluster's outbound type lets AKS write other rules.
fn owner(inv: &Inventory, id: &ResourceId) -> Option<Option<String>> {
    for c in &inv.clusters {
        let Some(rg) = node_resource_group(c) else {
            continue;
        };
        if !rg_matches(id, &rg) {
            continue;
        }
        let outbound = &c.network.outbound_type;
        if outbound.is_unknown()
            || outbound
                .value()
                .is_some_and(|t| t.eq_ignore_ascii_case("block"))
        {
            return None;
        }
        return Some(Some(cluster_name(c)));
    }
    is_mc_group(id).then_some(None)
}

/// Names the Azure cloud provider gives the rules it writes for Services.
fn written_by_aks(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("k8s-azure-") {
        return true;
    }
    // Legacy: `a` + the Service's UID without dashes (32 hex digits) + `-…`.
    lower
        .strip_prefix('a')
        .and_then(|r| r.get(..33))
        .is_some_and(|r| r.ends_with('-') && r[..32].chars().all(|c| c.is_ascii_hexdigit()))
}

/// An outbound deny (or a rule whose direction or access is unread): what AKS
/// writes for outbound type `block`, which can't be ruled out without the cluster.
fn may_be_block_rule(rule: &crate::model::SecurityRule) -> bool {
    let outbound = rule
        .direction
        .value()
        .is_none_or(|d| d.trim().eq_ignore_ascii_case("Outbound"));
    let deny = rule
        .access
        .value()
        .is_none_or(|a| a.trim().eq_ignore_ascii_case("Deny"));
    outbound && deny
}

fn check_rules(cx: &mut Context<'_>, nsg: &NetworkSecurityGroup, owner: &Option<String>) {
    let who = match owner {
        Some(name) => format!("cluster `{name}`"),
        None => "an AKS cluster".to_string(),
    };
    for rule in &nsg.rules {
        let Some(name) = rule.name.known() else {
            continue;
        };
        if written_by_aks(name) || (owner.is_none() && may_be_block_rule(rule)) {
            continue;
        }
        let span = rule.name.span().unwrap_or(rule.decl);
        let d = cx.report(
            span,
            format!(
                "security rule `{name}` was added to `{}`, the NSG AKS manages in the node resource group of {who}",
                nsg_name(nsg)
            ),
            "not a rule AKS writes",
        );
        d.help = Some("delete the rule; filter traffic with an NSG on your own subnet, `loadBalancerSourceRanges` on the Service, or network policies (F-074, F-110, F-113)".into());
        d.resource = Some(format!("{}/securityRules/{name}", nsg.address));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_names_aks_writes() {
        assert!(written_by_aks("k8s-azure-lb_allow_IPv4_0123456789abcdef"));
        assert!(written_by_aks(
            "a1b2c3d4e5f60718293a4b5c6d7e8f901-TCP-80-Internet"
        ));
        assert!(!written_by_aks("allow-ssh"));
        assert!(!written_by_aks("a-TCP-80"));
    }
}

#[cfg(test)]
mod rule_tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    const MC: &str =
        "/subscriptions/0/resourceGroups/MC_rg_aks1_westeurope/providers/Microsoft.Network";

    fn cluster(outbound: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","location":"westeurope","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.0","networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay","outboundType":"{outbound}"}},
            "agentPoolProfiles":[{{"name":"sys","count":2}}]}}}}"#
        )
    }

    fn aks_nsg(group: &str, name: &str, rules: &[&str]) -> String {
        let rules: Vec<String> = rules
            .iter()
            .map(|r| {
                format!(
                    r#"{{"name":"{r}","properties":{{"priority":500,"direction":"Inbound","access":"Allow","protocol":"Tcp",
                    "sourceAddressPrefix":"Internet","sourcePortRange":"*","destinationAddressPrefix":"20.1.2.3","destinationPortRange":"80"}}}}"#
                )
            })
            .collect();
        format!(
            r#"{{"id":"{}/networkSecurityGroups/{name}","name":"{name}","type":"Microsoft.Network/networkSecurityGroups",
            "properties":{{"securityRules":[{}]}}}}"#,
            group,
            rules.join(",")
        )
    }

    const LB_RULE: &str = "k8s-azure-lb_allow_IPv4_8e3a2a0b2b1f4c6d";

    #[test]
    fn rules_aks_writes_pass_and_added_ones_are_flagged() {
        let n = aks_nsg(MC, "aks-agentpool-12345678-nsg", &[LB_RULE, "allow-ssh"]);
        let (src, d) = check(&AksManagedNsgModified, &[&cluster("loadBalancer"), &n]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(primary_text(&src, &d[0]), "\"allow-ssh\"");
        assert!(d[0].message.contains("cluster `aks1`"), "{}", d[0].message);
        let n = aks_nsg(MC, "aks-agentpool-12345678-nsg", &[LB_RULE]);
        assert!(
            check(&AksManagedNsgModified, &[&cluster("loadBalancer"), &n])
                .1
                .is_empty()
        );
    }

    #[test]
    fn other_nsgs_and_block_clusters_pass() {
        let own = aks_nsg(MC, "nsg-nodes", &["allow-ssh"]);
        assert!(
            check(&AksManagedNsgModified, &[&cluster("loadBalancer"), &own])
                .1
                .is_empty()
        );
        let elsewhere = "/subscriptions/0/resourceGroups/rg-net/providers/Microsoft.Network";
        let n = aks_nsg(elsewhere, "aks-agentpool-12345678-nsg", &["allow-ssh"]);
        assert!(
            check(&AksManagedNsgModified, &[&cluster("loadBalancer"), &n])
                .1
                .is_empty()
        );
        let n = aks_nsg(MC, "aks-agentpool-12345678-nsg", &["allow-ssh"]);
        assert!(check(&AksManagedNsgModified, &[&cluster("block"), &n])
            .1
            .is_empty());
    }

    #[test]
    fn an_mc_group_alone_is_enough_without_the_cluster() {
        let n = aks_nsg(
            "/subscriptions/0/resourceGroups/MC_rg_other_eastus/providers/Microsoft.Network",
            "aks-agentpool-999-nsg",
            &["allow-ssh"],
        );
        let (_, d) = check(&AksManagedNsgModified, &[&n]);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("an AKS cluster"));
    }

    #[test]
    fn without_the_cluster_outbound_denies_may_be_aks_block_rules() {
        let group =
            "/subscriptions/0/resourceGroups/MC_rg_other_eastus/providers/Microsoft.Network";
        let n = format!(
            r#"{{"id":"{group}/networkSecurityGroups/aks-agentpool-999-nsg","name":"aks-agentpool-999-nsg",
            "type":"Microsoft.Network/networkSecurityGroups","properties":{{"securityRules":[
            {{"name":"deny-internet","properties":{{"priority":4000,"direction":"Outbound","access":"Deny","protocol":"*",
            "sourceAddressPrefix":"*","sourcePortRange":"*","destinationAddressPrefix":"Internet","destinationPortRange":"*"}}}}]}}}}"#
        );
        assert!(check(&AksManagedNsgModified, &[&n]).1.is_empty());
    }
}
