use std::collections::BTreeSet;

use ipnet::IpNet;

use super::firewall::{
    effective, firewalled_node_subnets, source_match, verdict, DefaultRoute, Effective, Flow,
    Match, Verdict,
};
use super::{cluster_name, declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{
    AzureFirewall, Cluster, Field, FirewallRule, FirewallRuleCollection, FirewallRuleKind,
    Inventory, Subnet,
};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// A node subnet whose `0.0.0.0/0` route goes to a `VirtualAppliance` that is
    /// an Azure Firewall among the inputs — the firewall with that private IP, the
    /// firewall whose `AzureFirewallSubnet` holds the address, or (Terraform) the
    /// firewall the next hop refers to — and that firewall's rules, read from its
    /// Firewall Policy (`firewallPolicies/ruleCollectionGroups`, parent policies
    /// first) or its classic `applicationRuleCollections`/`networkRuleCollections`:
    ///
    /// * HTTPS from the node subnet's prefix to a required host — `mcr.microsoft.com`,
    ///   `*.data.mcr.microsoft.com`, `mcr-0001.mcr-msedge.net`, `management.azure.com`,
    ///   `login.microsoftonline.com`, `packages.microsoft.com`, `acs-mirror.azureedge.net`,
    ///   `packages.aks.azure.com`, and for a public cluster in a known region
    ///   `*.hcp.<region>.azmk8s.io` — that no rule allows (the firewall's default deny),
    ///   or that a Deny rule processed first denies (error). A rule allows a host
    ///   through the `AzureKubernetesService` FQDN tag, a target FQDN that covers it,
    ///   or a network rule for TCP 443 to any address;
    /// * a network rule with destination FQDNs that applies to the node subnet
    ///   while DNS proxy is off (error).
    ///
    /// Rules are walked as Azure Firewall does (F-150): network rules before
    /// application rules, parent policy first, then by rule collection group and
    /// rule collection priority; the first match decides. A rule the inputs
    /// cannot evaluate (an IP group, an address or service tag the host may be
    /// behind, a target URL, an unknown value) that may allow the flow keeps the
    /// rule silent for that host. Firewalls whose policy (or parent policy) is
    /// not among the inputs, or with no rule collection among the inputs, are not
    /// judged — except a firewall without a policy whose ARM-shaped description
    /// (template, `az network firewall show`, Resource Graph) lists its classic
    /// rule collections: empty lists there mean a firewall that denies everything.
    /// Clusters with `outboundType` `none` or `block` are not judged.
    ///
    /// ## Why it matters
    /// Nodes pull system images from MCR, authenticate with Microsoft Entra ID,
    /// call Azure Resource Manager and download binaries and packages over HTTPS
    /// to these names (F-085). Azure Firewall denies whatever no rule allows
    /// (F-150), so a firewall on the default route without them makes node
    /// provisioning fail: the cluster creation, a scale-out or an upgrade times
    /// out with nodes that never join. FQDNs in network rules are resolved
    /// correctly only with the firewall's DNS proxy on (F-151).
    /// See Microsoft Learn, "Outbound network and FQDN rules for AKS clusters"
    /// (<https://learn.microsoft.com/en-us/azure/aks/outbound-rules-control-egress>)
    /// and "Limit network traffic with Azure Firewall in AKS"
    /// (<https://learn.microsoft.com/en-us/azure/aks/limit-egress-traffic>).
    ///
    /// ## How to fix
    /// Add an application rule collection with action `Allow` whose rule takes the
    /// node subnets' prefixes as sources, protocols `Http:80` and `Https:443`, and
    /// the FQDN tag `AzureKubernetesService` (which Microsoft keeps up to date) or
    /// each required FQDN; make sure no Deny collection or network rule processed
    /// before it matches that traffic. Enable DNS proxy (`dnsSettings.enableProxy`
    /// on the policy, `Network.DNS.EnableProxy` on a firewall with classic rules)
    /// when network rules name FQDNs.
    ///
    /// ## Example
    /// ```json
    /// { "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "aks-egress",
    ///   "priority": 200, "action": { "type": "Allow" },
    ///   "rules": [ { "ruleType": "ApplicationRule", "name": "aks-fqdn-tag",
    ///     "sourceAddresses": [ "10.240.0.0/22" ], "fqdnTags": [ "AzureKubernetesService" ],
    ///     "protocols": [ { "protocolType": "Https", "port": 443 }, { "protocolType": "Http", "port": 80 } ] } ] }
    /// ```
    pub struct FirewallBlocksRequiredEgress {
        code: "AKS405",
        name: "firewall-blocks-required-egress",
        category: Compatibility,
        severity: Error,
        summary: "the Azure Firewall on a node subnet's default route denies HTTPS to the FQDNs AKS nodes need, or names FQDNs in network rules without DNS proxy",
    }
}

/// The hosts every AKS node reaches over HTTPS in Azure's public cloud (F-085).
const REQUIRED_HOSTS: [&str; 8] = [
    "mcr.microsoft.com",
    "*.data.mcr.microsoft.com",
    "mcr-0001.mcr-msedge.net",
    "management.azure.com",
    "login.microsoftonline.com",
    "packages.microsoft.com",
    "acs-mirror.azureedge.net",
    "packages.aks.azure.com",
];

impl Rule for FirewallBlocksRequiredEgress {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // A firewall and subnet shared by several clusters is reported once, and a
        // network rule once per firewall.
        let mut seen = BTreeSet::new();
        let mut seen_rules = BTreeSet::new();
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            if has_no_managed_egress(cluster) {
                continue;
            }
            let hosts = required_hosts(cluster);
            for (si, route, fi) in firewalled_node_subnets(inv, ci) {
                let subnet = &inv.subnets[si];
                let fw = &inv.firewalls[fi];
                let Some(eff) = effective(inv, fw) else {
                    continue;
                };
                if !seen.insert((fi, si)) {
                    continue;
                }
                let path = Path {
                    cluster,
                    subnet,
                    route: &route,
                    fw,
                    eff: &eff,
                };
                for prefix in ipv4_prefixes(subnet) {
                    check_hosts(inv, cx, &path, prefix, &hosts);
                    check_fqdn_network_rules(inv, cx, &path, prefix, &mut seen_rules);
                }
            }
        }
    }
}

/// `none` and `block` clusters do not take their egress through the route table.
fn has_no_managed_egress(cluster: &Cluster) -> bool {
    cluster
        .network
        .outbound_type
        .known()
        .is_some_and(|o| o.eq_ignore_ascii_case("none") || o.eq_ignore_ascii_case("block"))
}

/// The required hosts; the API server's for a public cluster whose region is known.
fn required_hosts(cluster: &Cluster) -> Vec<String> {
    let mut hosts: Vec<String> = REQUIRED_HOSTS.iter().map(|h| h.to_string()).collect();
    let public = cluster.api_server.private_cluster.value() == Some(&false);
    let region = cluster
        .location
        .known()
        .map(|l| l.replace(' ', "").to_ascii_lowercase())
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric()));
    if let (true, Some(region)) = (public, region) {
        hosts.push(format!("*.hcp.{region}.azmk8s.io"));
    }
    hosts
}

fn ipv4_prefixes(subnet: &Subnet) -> Vec<IpNet> {
    subnet
        .address_prefixes
        .iter()
        .filter_map(Field::known)
        .filter(|n| n.addr().is_ipv4())
        .copied()
        .collect()
}

/// One node subnet's egress through one firewall.
struct Path<'a> {
    cluster: &'a Cluster,
    subnet: &'a Subnet,
    route: &'a DefaultRoute<'a>,
    fw: &'a AzureFirewall,
    eff: &'a Effective<'a>,
}

impl Path<'_> {
    fn route_label(&self) -> Label {
        let r = self.route.route;
        Label::new(
            r.next_hop_ip.span().unwrap_or(r.decl),
            format!(
                "node subnet `{}` of cluster `{}` sends 0.0.0.0/0 to firewall `{}`",
                self.subnet.display_name(),
                cluster_name(self.cluster),
                self.fw.display_name()
            ),
        )
    }

    /// Where the firewall's rules are edited: its policy's name, else its own.
    fn rules_span(&self, inv: &Inventory) -> Span {
        let named = |name: &Field<String>, decl: Span| name.span().unwrap_or(decl);
        match self.fw.policy {
            Some(pi) => {
                let p = &inv.firewall_policies[pi];
                named(&p.name, p.decl)
            }
            None => named(&self.fw.name, self.fw.decl),
        }
    }
}

/// Reports the required hosts the firewall denies from one node prefix.
fn check_hosts(
    inv: &Inventory,
    cx: &mut Context<'_>,
    path: &Path<'_>,
    prefix: IpNet,
    hosts: &[String],
) {
    let mut by_default = Vec::new();
    let mut by_rule: Vec<(&FirewallRuleCollection, &FirewallRule, Vec<&str>)> = Vec::new();
    for host in hosts {
        let flow = Flow {
            source: prefix,
            host,
        };
        match verdict(path.eff, &flow) {
            Verdict::Denied(None) => by_default.push(host.as_str()),
            Verdict::Denied(Some((c, r))) => {
                match by_rule.iter_mut().find(|(_, x, _)| std::ptr::eq(*x, r)) {
                    Some((_, _, list)) => list.push(host),
                    None => by_rule.push((c, r, vec![host])),
                }
            }
            Verdict::Allowed | Verdict::Unknown => {}
        }
    }
    for (c, r, denied) in by_rule {
        let span = r.name.span().unwrap_or(r.decl);
        let message = format!(
            "{} rule `{}` in collection `{}` of firewall `{}` denies HTTPS from node subnet `{}` ({prefix}) to {} before any rule allows it, so nodes cannot be provisioned",
            kind_name(c.kind),
            text(&r.name),
            text(&c.name),
            path.fw.display_name(),
            path.subnet.display_name(),
            denied.join(", ")
        );
        report(cx, path, span, message, "this Deny rule matches first");
    }
    if !by_default.is_empty() {
        let message = format!(
            "firewall `{}` allows no HTTPS from node subnet `{}` ({prefix}) to {}: neither the AzureKubernetesService FQDN tag nor these FQDNs, so its default deny stops node provisioning",
            path.fw.display_name(),
            path.subnet.display_name(),
            by_default.join(", ")
        );
        let span = path.rules_span(inv);
        report(
            cx,
            path,
            span,
            message,
            "no rule here allows the hosts AKS nodes need",
        );
    }
}

fn report(cx: &mut Context<'_>, path: &Path<'_>, span: Span, message: String, label: &str) {
    let d = cx.report(span, message, label);
    d.labels.push(path.route_label());
    d.help = Some("allow HTTPS (and HTTP) from the node subnets to the FQDN tag AzureKubernetesService or to each required FQDN in an application rule (F-085), with no Deny rule or network rule processed before it matching that traffic (network rules run before application rules, F-150)".into());
    d.resource = Some(path.fw.address.clone());
}

/// Network rules naming FQDNs that apply to the node prefix while DNS proxy is off.
fn check_fqdn_network_rules(
    inv: &Inventory,
    cx: &mut Context<'_>,
    path: &Path<'_>,
    prefix: IpNet,
    seen: &mut BTreeSet<(usize, usize)>,
) {
    if path.eff.dns_proxy != Some(false) {
        return;
    }
    let network = path
        .eff
        .collections
        .iter()
        .map(|o| o.collection)
        .filter(|c| c.kind == FirewallRuleKind::Network);
    for c in network {
        for r in &c.rules {
            let Some(first) = r.destination_fqdns.first() else {
                continue;
            };
            if source_match(r, prefix) == Match::No {
                continue;
            }
            let key = (
                path.fw as *const AzureFirewall as usize,
                r as *const FirewallRule as usize,
            );
            if !seen.insert(key) {
                continue;
            }
            let names: Vec<&str> = r
                .destination_fqdns
                .iter()
                .filter_map(|f| f.value().map(String::as_str))
                .collect();
            let d = cx.report(
                first.span().unwrap_or(r.decl),
                format!(
                    "network rule `{}` in collection `{}` of firewall `{}` names FQDNs ({}) for node subnet `{}`, but DNS proxy is off: without it the firewall cannot resolve them as the nodes do",
                    text(&r.name),
                    text(&c.name),
                    path.fw.display_name(),
                    names.join(", "),
                    path.subnet.display_name()
                ),
                "FQDN in a network rule",
            );
            d.labels.push(dns_proxy_label(inv, path.fw));
            d.labels.push(path.route_label());
            d.help = Some("enable DNS proxy (`dnsSettings.enableProxy` on the Firewall Policy, `Network.DNS.EnableProxy` on a firewall with classic rules) and point the VNet's DNS at the firewall, or move the FQDNs to an application rule (F-151)".into());
            d.resource = Some(path.fw.address.clone());
        }
    }
}

/// Where DNS proxy is set (or left out) for the firewall.
fn dns_proxy_label(inv: &Inventory, fw: &AzureFirewall) -> Label {
    let (field, name) = match fw.policy {
        Some(pi) => {
            let p = &inv.firewall_policies[pi];
            (&p.dns_proxy, p.name.span().unwrap_or(p.decl))
        }
        None => (&fw.dns_proxy, fw.name.span().unwrap_or(fw.decl)),
    };
    match field.span() {
        Some(span) => Label::new(span, "DNS proxy is off"),
        None => Label::new(name, "DNS proxy is left off here (the default)"),
    }
}

fn kind_name(kind: FirewallRuleKind) -> &'static str {
    match kind {
        FirewallRuleKind::Application => "application",
        FirewallRuleKind::Network => "network",
        FirewallRuleKind::Nat => "NAT",
    }
}

fn text(name: &Field<String>) -> String {
    name.value().cloned().unwrap_or_else(|| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn cluster(private: bool) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters","location":"westeurope",
            "properties":{{"kubernetesVersion":"1.31.5","networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay","outboundType":"userDefinedRouting"}},
            "apiServerAccessProfile":{{"enablePrivateCluster":{private}}},
            "agentPoolProfiles":[{{"name":"sys","count":1,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/nodes"}}]}}}}"#
        )
    }

    fn network() -> String {
        format!(
            r#"[{{"id":"{SUB}/Microsoft.Network/virtualNetworks/v","name":"v","type":"Microsoft.Network/virtualNetworks",
            "properties":{{"addressSpace":{{"addressPrefixes":["10.0.0.0/16"]}},
            "subnets":[{{"name":"nodes","id":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/nodes",
              "properties":{{"addressPrefix":"10.0.0.0/22","routeTable":{{"id":"{SUB}/Microsoft.Network/routeTables/rt"}}}}}},
              {{"name":"AzureFirewallSubnet","id":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/AzureFirewallSubnet",
              "properties":{{"addressPrefix":"10.0.8.0/26"}}}}]}}}},
            {{"id":"{SUB}/Microsoft.Network/routeTables/rt","name":"rt","type":"Microsoft.Network/routeTables",
             "properties":{{"routes":[{{"name":"default","properties":{{"addressPrefix":"0.0.0.0/0","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.0.8.4"}}}}]}}}},
            {{"id":"{SUB}/Microsoft.Network/azureFirewalls/fw","name":"fw","type":"Microsoft.Network/azureFirewalls",
             "properties":{{"ipConfigurations":[{{"name":"c","properties":{{"subnet":{{"id":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/AzureFirewallSubnet"}}}}}}],
             "firewallPolicy":{{"id":"{SUB}/Microsoft.Network/firewallPolicies/pol"}}}}}},
            {{"id":"{SUB}/Microsoft.Network/firewallPolicies/pol","name":"pol","type":"Microsoft.Network/firewallPolicies","properties":{{}}}}]"#
        )
    }

    fn group(collections: &str) -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/firewallPolicies/pol/ruleCollectionGroups/g","name":"pol/g",
            "type":"Microsoft.Network/firewallPolicies/ruleCollectionGroups","properties":{{"priority":200,"ruleCollections":[{collections}]}}}}"#
        )
    }

    fn app(name: &str, priority: u32, action: &str, target: &str) -> String {
        format!(
            r#"{{"ruleCollectionType":"FirewallPolicyFilterRuleCollection","name":"{name}","priority":{priority},"action":{{"type":"{action}"}},
            "rules":[{{"ruleType":"ApplicationRule","name":"{name}-rule","sourceAddresses":["10.0.0.0/16"],{target},
            "protocols":[{{"protocolType":"Https","port":443}}]}}]}}"#
        )
    }

    #[test]
    fn the_fqdn_tag_passes() {
        let tag = app(
            "aks",
            300,
            "Allow",
            r#""fqdnTags":["AzureKubernetesService"]"#,
        );
        let (_, d) = check(
            &FirewallBlocksRequiredEgress,
            &[&cluster(false), &network(), &group(&tag)],
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn a_partial_allow_list_is_reported_at_the_policy() {
        let some = app(
            "aks",
            300,
            "Allow",
            r#""targetFqdns":["mcr.microsoft.com","*.data.mcr.microsoft.com"]"#,
        );
        let (src, d) = check(
            &FirewallBlocksRequiredEgress,
            &[&cluster(false), &network(), &group(&some)],
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(primary_text(&src, &d[0]), "\"pol\"");
        assert!(
            d[0].message.contains("management.azure.com"),
            "{}",
            d[0].message
        );
        assert!(d[0].message.contains("*.hcp.westeurope.azmk8s.io"));
        assert!(!d[0].message.contains("mcr.microsoft.com,"));
    }

    #[test]
    fn a_deny_processed_first_wins() {
        let deny = app("block-all", 100, "Deny", r#""targetFqdns":["*"]"#);
        let tag = app(
            "aks",
            300,
            "Allow",
            r#""fqdnTags":["AzureKubernetesService"]"#,
        );
        let (src, d) = check(
            &FirewallBlocksRequiredEgress,
            &[&cluster(true), &network(), &group(&format!("{tag},{deny}"))],
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(primary_text(&src, &d[0]), "\"block-all-rule\"");
        assert!(!d[0].message.contains("hcp"));
    }

    #[test]
    fn fqdn_network_rules_need_dns_proxy() {
        let ntp = r#"{"ruleCollectionType":"FirewallPolicyFilterRuleCollection","name":"net","priority":100,"action":{"type":"Allow"},
            "rules":[{"ruleType":"NetworkRule","name":"ntp","sourceAddresses":["*"],"ipProtocols":["UDP"],
            "destinationFqdns":["ntp.ubuntu.com"],"destinationPorts":["123"]}]}"#;
        let tag = app(
            "aks",
            300,
            "Allow",
            r#""fqdnTags":["AzureKubernetesService"]"#,
        );
        let docs = |policy: &str| {
            let net = network().replace(r#""properties":{}}]"#, policy);
            check(
                &FirewallBlocksRequiredEgress,
                &[&cluster(false), &net, &group(&format!("{ntp},{tag}"))],
            )
        };
        let (src, d) = docs(r#""properties":{}}]"#);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(primary_text(&src, &d[0]), "\"ntp.ubuntu.com\"");
        let (_, d) = docs(r#""properties":{"dnsSettings":{"enableProxy":true}}}]"#);
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn a_firewall_that_lists_no_classic_rules_denies_everything() {
        let classic = |rules: &str| {
            network().replace(
                r#""firewallPolicy":{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/firewallPolicies/pol"}"#,
                rules,
            )
        };
        let (src, d) = check(
            &FirewallBlocksRequiredEgress,
            &[
                &cluster(true),
                &classic(r#""applicationRuleCollections":[],"networkRuleCollections":[]"#),
            ],
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(primary_text(&src, &d[0]), "\"fw\"");
        // Rules not written in the firewall may be anywhere: not judged.
        let (_, d) = check(
            &FirewallBlocksRequiredEgress,
            &[&cluster(true), &classic(r#""threatIntelMode":"Alert""#)],
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn rules_outside_the_inputs_are_silent() {
        let (_, d) = check(
            &FirewallBlocksRequiredEgress,
            &[&cluster(false), &network()],
        );
        assert!(d.is_empty());
        // An IP group source may hold the nodes.
        let grouped = app(
            "aks",
            300,
            "Allow",
            r#""fqdnTags":["AzureKubernetesService"]"#,
        )
        .replace(
            r#""sourceAddresses":["10.0.0.0/16"]"#,
            r#""sourceIpGroups":["x"]"#,
        );
        let (_, d) = check(
            &FirewallBlocksRequiredEgress,
            &[&cluster(false), &network(), &group(&grouped)],
        );
        assert!(d.is_empty(), "{d:?}");
    }
}
