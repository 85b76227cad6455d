use std::collections::HashSet;
use std::net::Ipv4Addr;

use ipnet::{IpNet, Ipv4Net};

use super::nsg_common::{cluster_name, describe_rule, known_prefixes, node_subnets, nsg_name};
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::nsg::{
    evaluate, may_deny, Decider, Direction, Flow, NsgContext, PortRange, Protocol,
};
use crate::model::{Cluster, Inventory, NetworkSecurityGroup, SubnetIdx};
use crate::source::Span;

/// Where Azure Load Balancer health probes (and the `AzureLoadBalancer` tag) come from.
const PROBE_SOURCE: Ipv4Addr = Ipv4Addr::new(168, 63, 129, 16);
/// Node ports that probes of `LoadBalancer` Services reach, and kube-proxy's health port.
const NODE_PORTS: (u16, u16) = (30000, 32767);
const KUBE_PROXY_HEALTH: u16 = 10256;
/// The port AKS probes the API server's internal load balancer on (F-083).
const API_SERVER_PROBE: u16 = 9988;

declare_rule! {
    /// ## What it checks
    /// Evaluates the NSGs on a cluster's subnets the way Azure does (rules in
    /// priority order, first match wins, then the default rules) for the health
    /// probes of Azure Load Balancer, which come from `168.63.129.16` (the
    /// `AzureLoadBalancer` service tag):
    ///
    /// * on every node subnet, TCP to the node ports of `LoadBalancer` Services
    ///   (30000–32767) and to kube-proxy's health port 10256;
    /// * on the API Server VNet Integration subnet, TCP 9988, which AKS probes
    ///   the API server's internal load balancer on (F-083).
    ///
    /// Only an inbound deny rule of the NSG's own that matches the probes through
    /// its source — `AzureLoadBalancer`, `*`, or a prefix holding 168.63.129.16 —
    /// and that certainly decides some of them is reported. A deny through the
    /// `Internet` tag is not: whether Azure counts the probe address as Internet
    /// is not something the inputs show.
    ///
    /// ## Why it matters
    /// Azure's default rule `AllowAzureLoadBalancerInBound` (priority 65001) lets
    /// probes in; a user rule above it that denies them makes the load balancer
    /// see every backend as down. Services of type `LoadBalancer` and ingress
    /// controllers behind them stop receiving traffic, and with API Server VNet
    /// Integration the API server's load balancer marks the API server unhealthy,
    /// so nodes lose the control plane (F-073, F-083). A "deny all inbound" rule at
    /// priority 4096 is the usual culprit.
    ///
    /// ## How to fix
    /// Add an allow rule for source `AzureLoadBalancer` above the deny (any
    /// destination port, or at least 30000–32767 and 10256 on node subnets and
    /// 9988 on the API server subnet), or narrow the deny so it does not match
    /// the `AzureLoadBalancer` tag.
    ///
    /// ## Example
    /// ```json
    /// { "name": "allow-azure-lb", "properties": { "priority": 4000, "direction": "Inbound",
    ///   "access": "Allow", "protocol": "*", "sourceAddressPrefix": "AzureLoadBalancer",
    ///   "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "*" } }
    /// ```
    pub struct NsgBlocksLoadBalancerProbes {
        code: "AKS505",
        name: "nsg-blocks-load-balancer-probes",
        category: Compatibility,
        severity: Error,
        summary: "An NSG denies Azure Load Balancer health probes to node subnets or the API server subnet",
    }
}

/// Which path a probe takes: its ports and how the message names them.
struct Probe {
    ports: Vec<PortRange>,
    what: &'static str,
}

impl Rule for NsgBlocksLoadBalancerProbes {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let nodes = Probe {
            ports: [
                PortRange::new(NODE_PORTS.0, NODE_PORTS.1),
                Some(PortRange::single(KUBE_PROXY_HEALTH)),
            ]
            .into_iter()
            .flatten()
            .collect(),
            what: "health probes to node ports 30000–32767 and kube-proxy's 10256",
        };
        let api = Probe {
            ports: vec![PortRange::single(API_SERVER_PROBE)],
            what: "probes of the API server's load balancer on TCP 9988",
        };
        // (subnet, probe kind): each reported once, for the first cluster that uses it.
        let mut seen: HashSet<(SubnetIdx, bool)> = HashSet::new();
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            for si in node_subnets(inv, ci) {
                if seen.insert((si, false)) {
                    check_subnet(inv, si, cluster, &nodes, "node subnet", cx);
                }
            }
            if let Some(si) = api_server_subnet(cluster) {
                if seen.insert((si, true)) {
                    check_subnet(inv, si, cluster, &api, "API server subnet", cx);
                }
            }
        }
    }
}

/// The cluster's API Server VNet Integration subnet, when it is among the inputs.
fn api_server_subnet(cluster: &Cluster) -> Option<SubnetIdx> {
    if cluster.api_server.vnet_integration.value() != Some(&true) {
        return None;
    }
    cluster.api_server_subnet
}

fn check_subnet(
    inv: &Inventory,
    si: SubnetIdx,
    cluster: &Cluster,
    probe: &Probe,
    role: &str,
    cx: &mut Context<'_>,
) {
    let subnet = &inv.subnets[si];
    let Some(nsg) = subnet.nsg.and_then(|i| inv.nsgs.get(i)) else {
        return;
    };
    if !may_deny(nsg) {
        return;
    }
    let Some(prefixes) = known_prefixes(inv, si) else {
        return;
    };
    let ctx = NsgContext::for_subnet(inv, si);
    let source = IpNet::V4(Ipv4Net::from(PROBE_SOURCE));
    for prefix in prefixes.iter().filter(|p| p.addr().is_ipv4()) {
        for port in &probe.ports {
            let flow = Flow::new(Direction::Inbound, Protocol::Tcp, source, *prefix, *port);
            let verdict = evaluate(nsg, &ctx, &flow);
            if !verdict.some_denied() {
                continue;
            }
            let Some(i) = verdict.denying().find_map(|d| match d {
                Decider::Rule(i) if names_probe_source(nsg, i) => Some(i),
                _ => None,
            }) else {
                continue;
            };
            report(
                cx,
                nsg,
                i,
                subnet_name(inv, si),
                cluster,
                probe,
                role,
                subnet.prefix_span(),
            );
            return;
        }
    }
}

fn subnet_name(inv: &Inventory, si: SubnetIdx) -> String {
    inv.subnets[si].display_name()
}

/// The rule matches the probes through its source as written: the
/// `AzureLoadBalancer` tag, `*`, or a prefix that holds 168.63.129.16.
fn names_probe_source(nsg: &NetworkSecurityGroup, i: usize) -> bool {
    let Some(rule) = nsg.rules.get(i) else {
        return false;
    };
    rule.source_prefixes.iter().any(|p| {
        p.value().is_some_and(|text| {
            let t = text.trim();
            t == "*"
                || t.eq_ignore_ascii_case("AzureLoadBalancer")
                || t.parse::<Ipv4Net>()
                    .map(|n| n.contains(&PROBE_SOURCE))
                    .or_else(|_| t.parse::<Ipv4Addr>().map(|a| a == PROBE_SOURCE))
                    .unwrap_or(false)
        })
    })
}

#[allow(clippy::too_many_arguments)]
fn report(
    cx: &mut Context<'_>,
    nsg: &NetworkSecurityGroup,
    i: usize,
    subnet: String,
    cluster: &Cluster,
    probe: &Probe,
    role: &str,
    prefix_span: Span,
) {
    let rule = &nsg.rules[i];
    let span = rule.name.span().unwrap_or(rule.decl);
    let d = cx.report(
        span,
        format!(
            "NSG `{}` on {role} `{subnet}` of cluster `{}` denies Azure Load Balancer {} with rule {}, above the default AllowAzureLoadBalancerInBound",
            nsg_name(nsg),
            cluster_name(cluster),
            probe.what,
            describe_rule(nsg, i)
        ),
        "denies traffic from AzureLoadBalancer (168.63.129.16)",
    );
    d.labels
        .push(Label::new(prefix_span, format!("{role} `{subnet}`")));
    d.help = Some("add an inbound allow rule for source AzureLoadBalancer with a lower priority number than the deny, or narrow the deny (F-073, F-083)".into());
    d.resource = nsg.id.as_ref().map(|id| id.as_str().to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn nsg(rules: &str) -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/networkSecurityGroups/nsg1","name":"nsg1",
            "type":"Microsoft.Network/networkSecurityGroups","properties":{{"securityRules":[{rules}]}}}}"#
        )
    }

    fn rule(name: &str, priority: i64, access: &str, source: &str, ports: &str) -> String {
        format!(
            r#"{{"name":"{name}","properties":{{"priority":{priority},"direction":"Inbound","access":"{access}",
            "protocol":"*","sourceAddressPrefix":"{source}","sourcePortRange":"*",
            "destinationAddressPrefix":"*","destinationPortRange":"{ports}"}}}}"#
        )
    }

    fn vnet() -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/v","name":"v","type":"Microsoft.Network/virtualNetworks",
            "properties":{{"addressSpace":{{"addressPrefixes":["10.0.0.0/16"]}},"subnets":[
            {{"name":"nodes","properties":{{"addressPrefix":"10.0.0.0/22","networkSecurityGroup":{{"id":"{SUB}/Microsoft.Network/networkSecurityGroups/nsg1"}}}}}}]}}}}"#
        )
    }

    fn cluster() -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.1","networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay"}},
            "agentPoolProfiles":[{{"name":"sys","count":1,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/nodes"}}]}}}}"#
        )
    }

    fn run(rules: &str) -> Vec<String> {
        let (src, d) = check(
            &NsgBlocksLoadBalancerProbes,
            &[&nsg(rules), &vnet(), &cluster()],
        );
        d.iter()
            .map(|d| primary_text(&src, d).to_string())
            .collect()
    }

    #[test]
    fn deny_of_the_load_balancer_tag_or_everything_is_reported() {
        assert_eq!(
            run(&rule("deny-lb", 100, "Deny", "AzureLoadBalancer", "*")),
            ["\"deny-lb\""]
        );
        assert_eq!(
            run(&rule("deny-all", 4096, "Deny", "*", "*")),
            ["\"deny-all\""]
        );
    }

    #[test]
    fn allowed_first_or_unrelated_denies_are_fine() {
        let both = format!(
            "{},{}",
            rule("allow-lb", 4000, "Allow", "AzureLoadBalancer", "*"),
            rule("deny-all", 4096, "Deny", "*", "*")
        );
        assert!(run(&both).is_empty());
        assert!(run(&rule("deny-ssh", 100, "Deny", "*", "22")).is_empty());
        // Through the Internet tag: not judged.
        assert!(run(&rule("deny-internet", 100, "Deny", "Internet", "*")).is_empty());
    }
}
