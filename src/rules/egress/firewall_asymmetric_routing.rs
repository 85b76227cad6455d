use std::collections::BTreeSet;
use std::net::IpAddr;

use super::firewall::{firewalled_node_subnets, DefaultRoute};
use super::{cluster_name, declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::cidr::parse_cidr;
use crate::model::{AzureFirewall, Cluster, Field, Inventory, Subnet};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// A cluster with `outboundType: loadBalancer` (stated or left out, Azure's
    /// default) whose node subnet sends `0.0.0.0/0` to an Azure Firewall among the
    /// inputs (by private IP, by its `AzureFirewallSubnet`, or by a Terraform
    /// reference), while the subnet's route table has no host route
    /// `<firewall public IP>/32 → Internet` (warning).
    ///
    /// With `loadBalancer` egress AKS runs a public Standard Load Balancer, whose
    /// public frontend serves every public `LoadBalancer` Service and public ingress
    /// controller of the cluster. Kubernetes Services are not part of ARM or
    /// Terraform inputs, so with `userDefinedRouting` — where that load balancer
    /// appears only with the first public Service — the rule stays silent: what the
    /// inputs prove is the load balancer of `loadBalancer` egress, not a Service.
    /// The rule is silent as well when a `/32 → Internet` route in the table cannot
    /// be evaluated, or when the firewall's public IPs are not all known and the
    /// table has such a route.
    ///
    /// ## Why it matters
    /// Traffic to a public load balancer arrives on its public IP, but the nodes'
    /// replies follow the default route to the firewall's private IP. The firewall
    /// is stateful, never saw the session and drops the replies: public Services
    /// and ingress time out (F-152). See Microsoft Learn, "Limit network traffic
    /// with Azure Firewall in AKS" (<https://learn.microsoft.com/en-us/azure/aks/limit-egress-traffic>)
    /// and "Integrate Azure Firewall with Azure Standard Load Balancer"
    /// (<https://learn.microsoft.com/en-us/azure/firewall/integrate-lb>).
    ///
    /// ## How to fix
    /// Publish services through the firewall: a DNAT rule on the firewall's public
    /// IP to an internal load balancer (`service.beta.kubernetes.io/azure-load-balancer-internal: "true"`),
    /// with `outboundType: userDefinedRouting`. When the firewall DNATs to a public
    /// load balancer instead, add a route `<firewall public IP>/32` with next hop
    /// `Internet` to the node subnets' route table so replies to the firewall's
    /// public address do not take the default route (F-152).
    ///
    /// ## Example
    /// ```json
    /// "routes": [
    ///   { "name": "default-to-firewall", "properties": { "addressPrefix": "0.0.0.0/0",
    ///     "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.42.2.4" } },
    ///   { "name": "firewall-public-ip", "properties": { "addressPrefix": "20.61.14.27/32",
    ///     "nextHopType": "Internet" } } ]
    /// ```
    pub struct FirewallAsymmetricRouting {
        code: "AKS406",
        name: "firewall-asymmetric-routing",
        category: Compatibility,
        severity: Warning,
        summary: "loadBalancer egress with the node subnet's default route to an Azure Firewall and no host route for its public IP: replies to the public load balancer's clients are dropped",
    }
}

impl Rule for FirewallAsymmetricRouting {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // A route table shared by several subnets or clusters is reported once.
        let mut seen = BTreeSet::new();
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            let Some(outbound) = load_balancer_egress(cluster) else {
                continue;
            };
            for (si, route, fi) in firewalled_node_subnets(inv, ci) {
                let subnet = &inv.subnets[si];
                let fw = &inv.firewalls[fi];
                if has_host_route(inv, &route, fw) != Some(false) || !seen.insert(route.table) {
                    continue;
                }
                report(cx, cluster, subnet, &route, fw, outbound);
            }
        }
    }
}

/// The span that says the cluster's egress is `loadBalancer` (stated, or the
/// cluster's object when left out); `None` for other or unknown outbound types.
fn load_balancer_egress(cluster: &Cluster) -> Option<(Span, bool)> {
    match &cluster.network.outbound_type {
        Field::Known(o, span) if o.eq_ignore_ascii_case("loadBalancer") => Some((*span, true)),
        Field::Absent => Some((cluster.name.span().unwrap_or(cluster.decl), false)),
        _ => None,
    }
}

/// Whether the route table sends each of the firewall's public IPs to the
/// Internet: `None` when the inputs cannot tell.
fn has_host_route(inv: &Inventory, route: &DefaultRoute<'_>, fw: &AzureFirewall) -> Option<bool> {
    let mut hosts: Vec<IpAddr> = Vec::new();
    for r in &inv.route_tables[route.table].routes {
        let internet = match r.next_hop_type.value() {
            Some(h) => h.eq_ignore_ascii_case("Internet"),
            None if r.next_hop_type.is_unknown() => return None,
            None => false,
        };
        if !internet {
            continue;
        }
        match r.address_prefix.value().map(|p| parse_cidr(p)) {
            Some(Some(n)) if n.prefix_len() == n.max_prefix_len() => hosts.push(n.addr()),
            Some(Some(_)) => {}
            // A prefix that cannot be read may be the host route.
            _ => return None,
        }
    }
    if hosts.is_empty() {
        return Some(false);
    }
    let ips: Option<Vec<IpAddr>> = fw
        .public_ips
        .iter()
        .map(|i| inv.public_ips[(*i)?].ip_address.value().copied())
        .collect();
    match ips {
        Some(ips) if !ips.is_empty() => Some(ips.iter().all(|ip| hosts.contains(ip))),
        _ => None,
    }
}

fn report(
    cx: &mut Context<'_>,
    cluster: &Cluster,
    subnet: &Subnet,
    route: &DefaultRoute<'_>,
    fw: &AzureFirewall,
    (outbound_at, stated): (Span, bool),
) {
    let r = route.route;
    let d = cx.report(
        r.next_hop_ip.span().unwrap_or(r.decl),
        format!(
            "node subnet `{}` of cluster `{}` sends 0.0.0.0/0 to firewall `{}`, while the cluster's loadBalancer egress gives it a public load balancer: replies to clients of its public Services and ingress go through the firewall, which drops them (asymmetric routing)",
            subnet.display_name(),
            cluster_name(cluster),
            fw.display_name()
        ),
        "default route to the firewall's private IP",
    );
    let why = if stated {
        "outboundType loadBalancer: AKS runs a public load balancer".to_string()
    } else {
        "outboundType left out: loadBalancer, with a public load balancer".to_string()
    };
    d.labels.push(Label::new(outbound_at, why));
    d.help = Some("publish services through a DNAT rule on the firewall to an internal load balancer (with outboundType userDefinedRouting), or, when the firewall DNATs to a public load balancer, add a route <firewall public IP>/32 → Internet to the node subnets' route table (F-152)".into());
    d.resource = Some(subnet.address.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn cluster(outbound: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay"{outbound}}},
            "agentPoolProfiles":[{{"name":"sys","count":1,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/nodes"}}]}}}}"#
        )
    }

    fn network(extra_route: &str) -> String {
        format!(
            r#"[{{"id":"{SUB}/Microsoft.Network/virtualNetworks/v","name":"v","type":"Microsoft.Network/virtualNetworks",
            "properties":{{"addressSpace":{{"addressPrefixes":["10.0.0.0/16"]}},
            "subnets":[{{"name":"nodes","id":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/nodes",
              "properties":{{"addressPrefix":"10.0.0.0/22","routeTable":{{"id":"{SUB}/Microsoft.Network/routeTables/rt"}}}}}}]}}}},
            {{"id":"{SUB}/Microsoft.Network/routeTables/rt","name":"rt","type":"Microsoft.Network/routeTables",
             "properties":{{"routes":[{{"name":"default","properties":{{"addressPrefix":"0.0.0.0/0","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.9.0.4"}}}}{extra_route}]}}}},
            {{"id":"{SUB}/Microsoft.Network/azureFirewalls/fw","name":"fw","type":"Microsoft.Network/azureFirewalls",
             "properties":{{"ipConfigurations":[{{"name":"c","properties":{{"privateIPAddress":"10.9.0.4",
               "publicIPAddress":{{"id":"{SUB}/Microsoft.Network/publicIPAddresses/pip-fw"}}}}}}]}}}},
            {{"id":"{SUB}/Microsoft.Network/publicIPAddresses/pip-fw","name":"pip-fw","type":"Microsoft.Network/publicIPAddresses",
             "properties":{{"ipAddress":"20.61.14.27"}}}}]"#
        )
    }

    const HOST_ROUTE: &str = r#",{"name":"fw-pip","properties":{"addressPrefix":"20.61.14.27/32","nextHopType":"Internet"}}"#;

    #[test]
    fn load_balancer_egress_through_a_firewall_is_reported_at_the_next_hop() {
        for outbound in ["", r#","outboundType":"loadBalancer""#] {
            let (src, d) = check(
                &FirewallAsymmetricRouting,
                &[&cluster(outbound), &network("")],
            );
            assert_eq!(d.len(), 1, "{outbound}: {d:?}");
            assert_eq!(primary_text(&src, &d[0]), "\"10.9.0.4\"");
        }
    }

    #[test]
    fn a_host_route_for_the_firewall_ip_or_udr_egress_is_silent() {
        let (_, d) = check(
            &FirewallAsymmetricRouting,
            &[&cluster(""), &network(HOST_ROUTE)],
        );
        assert!(d.is_empty(), "{d:?}");
        let udr = r#","outboundType":"userDefinedRouting""#;
        let (_, d) = check(&FirewallAsymmetricRouting, &[&cluster(udr), &network("")]);
        assert!(d.is_empty(), "{d:?}");
        // A host route to another address does not help.
        let other = HOST_ROUTE.replace("20.61.14.27", "20.61.14.28");
        let (_, d) = check(
            &FirewallAsymmetricRouting,
            &[&cluster(""), &network(&other)],
        );
        assert_eq!(d.len(), 1, "{d:?}");
    }
}
