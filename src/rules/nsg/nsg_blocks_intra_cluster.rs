use std::collections::BTreeMap;

use ipnet::IpNet;

use super::nsg_common::{
    cluster_name, describe_rule, first_user_rule, known_prefixes, node_subnets, nsg_name,
    pod_subnets, rule_span,
};
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::nsg::{evaluate, may_deny, Direction, Flow, NsgContext, PortRange, Protocol};
use crate::model::{ClusterIdx, Field, Inventory, IpamMode, NsgIdx, SubnetIdx};

declare_rule! {
    /// ## What it checks
    /// Evaluates the NSGs on every subnet a cluster uses — node subnets, pod
    /// subnets and the API server subnet — the way Azure does (rules in priority
    /// order, first match wins, then Azure's default rules), for the traffic AKS
    /// needs inside the cluster (F-073):
    ///
    /// * node → node, between and within every node subnet;
    /// * node → pod and pod → pod, where pods are the pod subnets (Azure CNI with
    ///   `podSubnetID`) or the pod CIDR (Azure CNI Overlay and kubenet; `10.244.0.0/16`
    ///   when `podCidr` is omitted, and the message says it is a default). With Azure
    ///   CNI in the node subnet, pods are node-subnet addresses and node ↔ node covers
    ///   them; with bring-your-own CNI the pod ranges are unknown and not checked;
    /// * node → API server subnet on TCP 443 and 4443 with API Server VNet
    ///   Integration (F-083).
    ///
    /// A flow from subnet A to subnet B is checked outbound on A's NSG and inbound on
    /// B's NSG; pod-CIDR traffic enters and leaves through the node subnets. Every
    /// protocol and port is checked **except TCP and UDP ports 22 and 3389** (SSH
    /// and RDP): AKS itself never uses them between nodes — node SSH can be turned
    /// off altogether (`securityProfile.sshAccess: Disabled`) — and denying them is
    /// common hardening (the AKS regulated baseline's `DenySshInBound`), so reporting
    /// it would be a false positive even though F-073's wording says "all ports".
    ///
    /// Only a rule of the NSG's own is reported, and only when it certainly denies
    /// some of this traffic. A verdict that hangs on Azure's default rules is not
    /// reported: whether `VirtualNetwork` covers an overlay or kubenet pod CIDR, or
    /// on-premises space, is not in any input.
    ///
    /// ## Why it matters
    /// AKS does not manage NSGs on your subnets; if you put one there it must allow
    /// node ↔ node, node → pod and pod ↔ pod traffic on all ports and protocols.
    /// Blocking traffic inside the cluster with an NSG is unsupported (F-073): it
    /// breaks CoreDNS, Service routing, kubelet probes, metrics and the tunnel to the
    /// control plane, often only for some nodes. With Overlay, pod traffic is not
    /// encapsulated, so subnet NSG rules see pod addresses. Use Kubernetes network
    /// policies to restrict traffic between pods.
    ///
    /// ## How to fix
    /// Remove the deny rule, narrow it so it no longer matches the cluster's node and
    /// pod ranges, or add higher-priority allow rules for node CIDR → node CIDR,
    /// node CIDR → pod CIDR and pod CIDR → pod CIDR on any port and protocol (and node
    /// subnet → API server subnet on TCP 443 and 4443, F-083).
    ///
    /// ## Example
    /// ```json
    /// { "name": "allow-pod-cidr-inbound",
    ///   "properties": { "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "*",
    ///     "sourceAddressPrefix": "10.244.0.0/16", "sourcePortRange": "*",
    ///     "destinationAddressPrefix": "10.244.0.0/16", "destinationPortRange": "*" } }
    /// ```
    pub struct NsgBlocksIntraCluster {
        code: "AKS501",
        name: "nsg-blocks-intra-cluster",
        category: Security,
        severity: Error,
        summary: "A subnet NSG denies node-to-node, node-to-pod or pod-to-pod traffic the cluster needs",
    }
}

impl Rule for NsgBlocksIntraCluster {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // One finding per deny rule, however many clusters and flows it hits.
        let mut blocked: BTreeMap<(NsgIdx, usize), Blocked> = BTreeMap::new();
        for ci in 0..inv.clusters.len() {
            check_cluster(inv, ci, &mut blocked);
        }
        for ((ni, ri), b) in blocked {
            report(inv, cx, ni, ri, &b);
        }
    }
}

/// Addresses at one end of a flow, and the subnet whose NSG they cross.
#[derive(Clone, Debug)]
struct Endpoint {
    net: IpNet,
    subnet: SubnetIdx,
    /// `nodes` or `pods`, as the flows are named.
    role: &'static str,
    what: String,
}

/// Ports 22 and 3389 (SSH, RDP) are left out: AKS does not use them between nodes.
fn required_ports() -> Vec<PortRange> {
    [(0, 21), (23, 3388), (3390, u16::MAX)]
        .into_iter()
        .filter_map(|(a, b)| PortRange::new(a, b))
        .collect()
}

fn node_endpoints(inv: &Inventory, ci: ClusterIdx) -> Vec<Endpoint> {
    let mut out = Vec::new();
    for si in node_subnets(inv, ci) {
        let name = inv.subnets[si].display_name();
        for net in known_prefixes(inv, si).unwrap_or_default() {
            out.push(Endpoint {
                net,
                subnet: si,
                role: "nodes",
                what: format!("node subnet `{name}` {net}"),
            });
        }
    }
    out
}

/// The pod ranges per IPAM mode; `None` when they can't be known.
fn pod_endpoints(inv: &Inventory, ci: ClusterIdx, nodes: &[Endpoint]) -> Option<Vec<Endpoint>> {
    let cluster = &inv.clusters[ci];
    match cluster.ipam_mode? {
        IpamMode::CniNodeSubnet => Some(Vec::new()),
        IpamMode::ByoCni => None,
        IpamMode::CniPodSubnetDynamic | IpamMode::CniPodSubnetStatic => {
            let mut out = Vec::new();
            for si in pod_subnets(inv, ci) {
                let name = inv.subnets[si].display_name();
                for net in known_prefixes(inv, si)? {
                    out.push(Endpoint {
                        net,
                        subnet: si,
                        role: "pods",
                        what: format!("pod subnet `{name}` {net}"),
                    });
                }
            }
            Some(out)
        }
        IpamMode::CniOverlay | IpamMode::Kubenet => {
            let (cidr, note) = match cluster.network.pod_cidrs.first() {
                None => (
                    crate::model::defaults::DEFAULT_POD_CIDR.parse().ok()?,
                    " (the default podCidr)",
                ),
                Some(Field::Default(net, _)) => (*net, " (the default podCidr)"),
                Some(Field::Known(net, _)) => (*net, ""),
                Some(_) => return None,
            };
            // Pod-CIDR packets enter and leave through the nodes' subnets.
            let mut out = Vec::new();
            let mut seen = Vec::new();
            for n in nodes {
                if seen.contains(&n.subnet) {
                    continue;
                }
                seen.push(n.subnet);
                out.push(Endpoint {
                    net: cidr,
                    subnet: n.subnet,
                    role: "pods",
                    what: format!("pod CIDR {cidr}{note}"),
                });
            }
            Some(out)
        }
    }
}

/// node → API server subnet on TCP 443 and 4443 (F-083).
fn api_server_endpoint(inv: &Inventory, ci: ClusterIdx) -> Option<Endpoint> {
    let api = &inv.clusters[ci].api_server;
    if api.vnet_integration.value() != Some(&true) {
        return None;
    }
    let si = inv.clusters[ci].api_server_subnet?;
    let net = *known_prefixes(inv, si)?.first()?;
    Some(Endpoint {
        net,
        subnet: si,
        role: "API server",
        what: format!(
            "API server subnet `{}` {net}",
            inv.subnets[si].display_name()
        ),
    })
}

/// One required flow between two endpoints, on some ports.
struct Need<'a> {
    from: &'a Endpoint,
    to: &'a Endpoint,
    protocol: Protocol,
    ports: Vec<PortRange>,
}

/// What one deny rule blocks: the flows, and the subnets involved.
#[derive(Default)]
struct Blocked {
    clusters: Vec<ClusterIdx>,
    flows: Vec<String>,
    subnets: Vec<SubnetIdx>,
}

fn check_cluster(
    inv: &Inventory,
    ci: ClusterIdx,
    blocked: &mut BTreeMap<(NsgIdx, usize), Blocked>,
) {
    let nodes = node_endpoints(inv, ci);
    if nodes.is_empty() {
        return;
    }
    let pods = pod_endpoints(inv, ci, &nodes).unwrap_or_default();
    // Overlay and kubenet pod CIDRs may be in `VirtualNetwork`; nothing says for sure.
    let pod_space: Vec<IpNet> = pods
        .iter()
        .filter(|p| known_prefixes(inv, p.subnet).is_some_and(|s| !s.contains(&p.net)))
        .map(|p| p.net)
        .collect();
    let api = api_server_endpoint(inv, ci);
    let mut needs = Vec::new();
    let all = |from, to| Need {
        from,
        to,
        protocol: Protocol::Any,
        ports: required_ports(),
    };
    for a in &nodes {
        for b in nodes.iter().chain(&pods) {
            needs.push(all(a, b));
        }
        if let Some(api) = &api {
            let ports = [443, 4443].map(PortRange::single).to_vec();
            needs.push(Need {
                from: a,
                to: api,
                protocol: Protocol::Tcp,
                ports,
            });
        }
    }
    for a in &pods {
        for b in &pods {
            needs.push(all(a, b));
        }
    }
    for need in &needs {
        for (direction, at) in [
            (Direction::Outbound, need.from.subnet),
            (Direction::Inbound, need.to.subnet),
        ] {
            let Some(ni) = inv.subnets[at].nsg else {
                continue;
            };
            // Only a deny rule of the user's is reported.
            if !may_deny(&inv.nsgs[ni]) {
                continue;
            }
            let mut ctx = NsgContext::for_subnet(inv, at);
            ctx.vnet_may_include.extend(pod_space.iter().copied());
            let nsg = &inv.nsgs[ni];
            for &ports in &need.ports {
                let flow = Flow::new(direction, need.protocol, need.from.net, need.to.net, ports);
                let verdict = evaluate(nsg, &ctx, &flow);
                if !verdict.some_denied() {
                    continue;
                }
                let Some(ri) = first_user_rule(verdict.denying()) else {
                    continue;
                };
                let entry = blocked.entry((ni, ri)).or_default();
                let path = if need.from.what == need.to.what {
                    format!("within {}", need.from.what)
                } else {
                    format!("{} → {}", need.from.what, need.to.what)
                };
                let text = format!(
                    "{}→{} {} ({path})",
                    need.from.role,
                    need.to.role,
                    match direction {
                        Direction::Outbound => "outbound",
                        Direction::Inbound => "inbound",
                    },
                );
                if !entry.flows.contains(&text) {
                    entry.flows.push(text);
                }
                if !entry.subnets.contains(&at) {
                    entry.subnets.push(at);
                }
                if !entry.clusters.contains(&ci) {
                    entry.clusters.push(ci);
                }
            }
        }
    }
}

fn report(inv: &Inventory, cx: &mut Context<'_>, ni: NsgIdx, ri: usize, b: &Blocked) {
    let nsg = &inv.nsgs[ni];
    let Some(span) = rule_span(nsg, ri) else {
        return;
    };
    let names: Vec<String> = b
        .clusters
        .iter()
        .map(|&ci| format!("`{}`", cluster_name(&inv.clusters[ci])))
        .collect();
    let cluster = match names.len() {
        1 => format!("cluster {} needs", names[0]),
        _ => format!("clusters {} need", names.join(", ")),
    };
    let more = match b.flows.len() {
        0 | 1 => String::new(),
        n => format!(" and {} more flow(s): {}", n - 1, b.flows[1..].join("; ")),
    };
    let first = b.flows.first().cloned().unwrap_or_default();
    let d = cx.report(
        span,
        format!(
            "rule {} of NSG `{}` denies traffic {cluster} inside the cluster: {first}{more}",
            describe_rule(nsg, ri),
            nsg_name(nsg),
        ),
        "this rule denies intra-cluster traffic",
    );
    for &si in &b.subnets {
        let s = &inv.subnets[si];
        d.labels.push(Label::new(
            s.nsg_id.span().unwrap_or_else(|| s.prefix_span()),
            format!("the NSG sits on subnet `{}`", s.display_name()),
        ));
    }
    d.help = Some("remove or narrow the rule, or allow node CIDR → node CIDR, node CIDR → pod CIDR and pod CIDR → pod CIDR on all ports and protocols at a higher priority; restrict pod traffic with network policies instead (F-073)".into());
    d.resource = Some(format!(
        "{}/securityRules/{}",
        nsg.address,
        crate::model::nsg::Decider::Rule(ri).name(nsg)
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::nsg::nsg_common::fixtures::{cluster, nsg, rule, subnet, vnet};
    use crate::rules::testing::{check, primary_text};

    const OVERLAY: &str = r#""networkPlugin":"azure","networkPluginMode":"overlay""#;

    fn run(
        network: &str,
        pool: &str,
        nodes_rules: &[String],
        pods_rules: &[String],
    ) -> Vec<String> {
        let v = vnet(
            &[
                subnet("nodes", "10.240.0.0/22"),
                subnet("pods", "10.240.64.0/18"),
            ],
            "",
        );
        let (src, d) = check(
            &NsgBlocksIntraCluster,
            &[
                &v,
                &nsg("nsg-nodes", nodes_rules),
                &nsg("nsg-pods", pods_rules),
                &cluster(network, pool, ""),
            ],
        );
        d.iter()
            .map(|x| format!("{} | {}", primary_text(&src, x), x.message))
            .collect()
    }

    #[test]
    fn default_rules_and_allows_pass() {
        assert!(run(OVERLAY, "", &[], &[]).is_empty());
        let allow = rule(
            "allow-vnet",
            100,
            "Inbound",
            "Allow",
            "*",
            "VirtualNetwork",
            "*",
            "*",
        );
        assert!(run(OVERLAY, "", &[allow], &[]).is_empty());
    }

    #[test]
    fn a_deny_of_the_default_pod_cidr_is_flagged_and_says_default() {
        let deny = rule(
            "deny-pods",
            100,
            "Inbound",
            "Deny",
            "*",
            "10.244.0.0/16",
            "*",
            "*",
        );
        let d = run(OVERLAY, "", &[deny], &[]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].starts_with("\"deny-pods\""), "{}", d[0]);
        assert!(d[0].contains("pods→pods inbound"), "{}", d[0]);
        assert!(d[0].contains("the default podCidr"), "{}", d[0]);
    }

    #[test]
    fn denying_only_ssh_and_rdp_between_nodes_passes() {
        // As the AKS regulated baseline does: SSH from anywhere denied.
        let ssh = rule(
            "DenySshInBound",
            100,
            "Inbound",
            "Deny",
            "Tcp",
            "*",
            "*",
            "22",
        );
        let rdp = rule(
            "deny-rdp",
            110,
            "Outbound",
            "Deny",
            "*",
            "VirtualNetwork",
            "*",
            "3389",
        );
        assert!(run(OVERLAY, "", &[ssh, rdp], &[]).is_empty());
    }

    #[test]
    fn a_blanket_deny_after_allow_vnet_passes_for_overlay() {
        // Whether VirtualNetwork covers the overlay pod CIDR is not known: no finding.
        let allow = rule(
            "allow-vnet",
            100,
            "Inbound",
            "Allow",
            "*",
            "VirtualNetwork",
            "VirtualNetwork",
            "*",
        );
        let deny = rule("deny-all", 4096, "Inbound", "Deny", "*", "*", "*", "*");
        assert!(run(OVERLAY, "", &[allow, deny], &[]).is_empty());
    }

    #[test]
    fn node_to_node_deny_on_some_ports_is_flagged() {
        let deny = rule(
            "deny-dns",
            100,
            "Outbound",
            "Deny",
            "Udp",
            "*",
            "10.240.0.0/22",
            "53",
        );
        let d = run(OVERLAY, "", &[deny], &[]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].contains("nodes→nodes outbound"), "{}", d[0]);
    }

    #[test]
    fn pod_subnet_mode_checks_the_pod_subnet_nsg() {
        let pool = format!(
            r#","podSubnetID":"{}""#,
            crate::rules::nsg::nsg_common::fixtures::subnet_id("pods")
        );
        let deny = rule(
            "deny-from-nodes",
            100,
            "Inbound",
            "Deny",
            "*",
            "10.240.0.0/22",
            "*",
            "*",
        );
        let d = run(r#""networkPlugin":"azure""#, &pool, &[], &[deny]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].contains("nodes→pods inbound"), "{}", d[0]);
        assert!(d[0].contains("pod subnet `pods`"), "{}", d[0]);
    }

    #[test]
    fn node_to_api_server_subnet_needs_443_and_4443() {
        use crate::rules::nsg::nsg_common::fixtures::subnet_id;
        let v = vnet(
            &[
                subnet("nodes", "10.240.0.0/22"),
                subnet("api", "10.240.4.0/28"),
            ],
            "",
        );
        let api = format!(
            r#","apiServerAccessProfile":{{"enableVnetIntegration":true,"subnetId":"{}"}}"#,
            subnet_id("api")
        );
        let deny = rule("deny-4443", 100, "Inbound", "Deny", "Tcp", "*", "*", "4443");
        let (src, d) = check(
            &NsgBlocksIntraCluster,
            &[
                &v,
                &nsg("nsg-nodes", &[]),
                &nsg("nsg-api", &[deny]),
                &cluster(OVERLAY, "", &api),
            ],
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(primary_text(&src, &d[0]), "\"deny-4443\"");
        assert!(
            d[0].message.contains("nodes→API server inbound"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn byo_cni_checks_nodes_only() {
        let deny = rule(
            "deny-pods",
            100,
            "Inbound",
            "Deny",
            "*",
            "10.244.0.0/16",
            "*",
            "*",
        );
        assert!(run(r#""networkPlugin":"none""#, "", &[deny], &[]).is_empty());
    }
}
