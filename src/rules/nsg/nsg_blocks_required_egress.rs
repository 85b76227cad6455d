use std::collections::HashSet;
use std::net::IpAddr;

use ipnet::IpNet;

use super::nsg_common::{
    cluster_name, describe_rule, first_user_rule, known_prefixes, node_subnets, nsg_name,
    pod_subnets, public_v4_prefixes, rule_span,
};
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::{Label, Severity};
use crate::model::nsg::{
    evaluate, may_deny, Direction, Flow, NsgContext, Outcome, PortRange, Protocol,
};
use crate::model::{Cluster, ClusterIdx, Field, Inventory, SubnetIdx};

declare_rule! {
    /// ## What it checks
    /// Evaluates the outbound rules of the NSGs on a cluster's subnets for the
    /// traffic nodes need to leave the subnet (F-084), and only where the facts say
    /// the cluster needs it:
    ///
    /// * **TCP 443 to the API server's public address** (error), from the node
    ///   subnets of a *public* cluster without API Server VNet Integration. The
    ///   address is some public IP AKS picks, so this is reported only when the NSG
    ///   denies TCP 443 to *every* public address (a deny to `Internet` or `*`).
    ///   Private clusters reach the API server over a private endpoint, VNet-integrated
    ///   ones in their own subnet (F-087, F-082), so for them the same deny is a
    ///   **warning**: their nodes still need HTTPS to the container registry, Entra ID
    ///   and Azure Resource Manager (F-085), which have no fixed addresses (F-086), but
    ///   whether something else (a proxy, an artifact cache) serves them is not in the
    ///   inputs. Clusters with outbound type `none` or `block` are network-isolated and
    ///   not checked.
    /// * **DNS to the VNet's custom DNS servers** (`dhcpOptions.dnsServers`), from
    ///   node subnets and pod subnets: UDP 53 denied is an error (nothing resolves,
    ///   nodes can't even bootstrap); TCP 53 denied alone is a warning (only large
    ///   answers and zone transfers need it). With Azure DNS (no custom servers) the
    ///   platform address 168.63.129.16 is not filtered by NSGs.
    ///
    /// Not checked, on purpose: the tunnel ports UDP 1194 and TCP 9000 are needed only
    /// by clusters without konnectivity, which the inputs can't show and which current
    /// AKS versions no longer create; UDP 123 (NTP) is not needed by nodes provisioned
    /// after March 2021 (F-084), which every node of a supported version is. A blanket
    /// "deny Internet outbound" rule is reported through the 443 case; F-086 explains
    /// why NSGs can't express the FQDN-based egress AKS needs.
    ///
    /// Only rules of the NSG's own are reported, and only when they certainly deny
    /// the flow: a verdict that hangs on Azure's default rules (on-premises DNS
    /// servers reached over a gateway, say) or on tags akslint can't resolve is not.
    ///
    /// ## Why it matters
    /// Nodes that can't reach the API server never join the cluster and in-cluster
    /// clients fail; nodes that can't reach the VNet's DNS servers can't resolve the
    /// API server, the container registry or anything else (F-084). NSG rules are
    /// evaluated before routing, so a firewall or NAT gateway behind the subnet does
    /// not help once the NSG has dropped the packet.
    ///
    /// ## How to fix
    /// Add a higher-priority outbound allow for the traffic: TCP 443 to `AzureCloud`
    /// (or `AzureCloud.<region>`) for the API server, and UDP and TCP 53 to the DNS
    /// servers. Leave Internet egress control to a firewall with FQDN rules (F-085,
    /// F-086) rather than NSG deny rules.
    ///
    /// ## Example
    /// ```json
    /// { "name": "allow-dns-outbound",
    ///   "properties": { "priority": 200, "direction": "Outbound", "access": "Allow", "protocol": "*",
    ///     "sourceAddressPrefix": "10.240.0.0/22", "sourcePortRange": "*",
    ///     "destinationAddressPrefixes": ["10.0.0.4", "10.0.0.5"], "destinationPortRange": "53" } }
    /// ```
    pub struct NsgBlocksRequiredEgress {
        code: "AKS502",
        name: "nsg-blocks-required-egress",
        category: Security,
        severity: Error,
        summary: "A subnet NSG denies outbound traffic the nodes need: HTTPS to the API server and Azure endpoints, or DNS to the VNet's servers",
    }
}

impl Rule for NsgBlocksRequiredEgress {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let mut reported = HashSet::new();
        for ci in 0..inv.clusters.len() {
            check_api_server(inv, cx, ci, &mut reported);
            check_dns(inv, cx, ci, &mut reported);
        }
    }
}

/// How a cluster's nodes need public HTTPS (F-084, F-085).
#[derive(Clone, Copy, PartialEq, Eq)]
enum HttpsNeed {
    /// A public cluster without VNet integration: the API server's public address.
    ApiServer,
    /// A private or VNet-integrated cluster that is not network-isolated: the
    /// registry, Entra ID and ARM endpoints, unless egress comes from elsewhere.
    Dependencies,
}

/// `None` for network-isolated clusters (outbound type `none` or `block`) and
/// when an unread value decides.
fn https_need(c: &Cluster) -> Option<HttpsNeed> {
    let flag = |f: &Field<bool>| match f {
        Field::Unknown(_) => None,
        f => Some(f.value().copied().unwrap_or(false)),
    };
    let private = flag(&c.api_server.private_cluster)?;
    let integrated = flag(&c.api_server.vnet_integration)?;
    let isolated = match &c.network.outbound_type {
        Field::Unknown(_) => return None,
        f => f
            .value()
            .is_some_and(|t| t.eq_ignore_ascii_case("none") || t.eq_ignore_ascii_case("block")),
    };
    match (isolated, private || integrated) {
        (true, _) => None,
        (false, false) => Some(HttpsNeed::ApiServer),
        (false, true) => Some(HttpsNeed::Dependencies),
    }
}

fn check_api_server(
    inv: &Inventory,
    cx: &mut Context<'_>,
    ci: ClusterIdx,
    reported: &mut HashSet<(usize, usize, &'static str)>,
) {
    let cluster = &inv.clusters[ci];
    let Some(need) = https_need(cluster) else {
        return;
    };
    let public = public_v4_prefixes();
    for si in node_subnets(inv, ci) {
        let Some(ni) = inv.subnets[si].nsg else {
            continue;
        };
        // Only a deny rule of the user's is reported.
        if !may_deny(&inv.nsgs[ni]) {
            continue;
        }
        let ctx = NsgContext::for_subnet(inv, si);
        for src in known_prefixes(inv, si).unwrap_or_default() {
            // Every public address must be denied: the API server's is one of them.
            let mut deny = None;
            for dst in public {
                let flow = Flow::new(
                    Direction::Outbound,
                    Protocol::Tcp,
                    src,
                    *dst,
                    PortRange::single(443),
                );
                let v = evaluate(&inv.nsgs[ni], &ctx, &flow);
                if v.outcome != Outcome::Denied {
                    deny = None;
                    break;
                }
                deny = deny.or_else(|| first_user_rule(v.denying()));
            }
            let Some(ri) = deny else { continue };
            if !reported.insert((ni, ri, "https")) {
                continue;
            }
            let nsg = &inv.nsgs[ni];
            let Some(span) = rule_span(nsg, ri) else {
                continue;
            };
            let subnet = inv.subnets[si].display_name();
            let name = cluster_name(cluster);
            let (severity, consequence, label) = match need {
                HttpsNeed::ApiServer => (
                    Severity::Error,
                    format!("the nodes of public cluster `{name}` can't reach its API server"),
                    "a public cluster: nodes reach the API server at a public address",
                ),
                HttpsNeed::Dependencies => (
                    Severity::Warning,
                    format!("the nodes of cluster `{name}` can't reach the container registry, Entra ID or Azure Resource Manager unless another path serves them"),
                    "not network-isolated: nodes need HTTPS to Microsoft endpoints",
                ),
            };
            let d = cx.report_at(
                severity,
                span,
                format!(
                    "rule {} of NSG `{}` denies outbound TCP 443 from node subnet `{subnet}` ({src}) to every public address, so {consequence}",
                    describe_rule(nsg, ri),
                    nsg_name(nsg),
                ),
                "denies TCP 443 to every public address",
            );
            d.labels.push(Label::new(
                cluster
                    .api_server
                    .private_cluster
                    .span()
                    .unwrap_or(cluster.decl),
                label,
            ));
            d.help = Some("allow outbound TCP 443 to `AzureCloud` (or `AzureCloud.<region>`) at a higher priority, and control Internet egress with a firewall instead of NSG deny rules (F-084, F-086)".into());
            d.resource = Some(nsg.address.clone());
        }
    }
}

/// The VNet's custom DNS servers that are plain addresses.
fn dns_servers(inv: &Inventory, si: SubnetIdx) -> Vec<(IpAddr, Field<String>)> {
    let Some(vnet) = inv.subnets[si].vnet.and_then(|v| inv.vnets.get(v)) else {
        return Vec::new();
    };
    vnet.dns_servers
        .iter()
        .filter_map(|f| {
            let ip = f.value()?.trim().parse::<IpAddr>().ok()?;
            Some((ip, f.clone()))
        })
        .collect()
}

fn check_dns(
    inv: &Inventory,
    cx: &mut Context<'_>,
    ci: ClusterIdx,
    reported: &mut HashSet<(usize, usize, &'static str)>,
) {
    let mut subnets = node_subnets(inv, ci);
    for s in pod_subnets(inv, ci) {
        if !subnets.contains(&s) {
            subnets.push(s);
        }
    }
    for si in subnets {
        let Some(ni) = inv.subnets[si].nsg else {
            continue;
        };
        if !may_deny(&inv.nsgs[ni]) {
            continue;
        }
        let ctx = NsgContext::for_subnet(inv, si);
        for src in known_prefixes(inv, si).unwrap_or_default() {
            for (ip, field) in dns_servers(inv, si) {
                let dst = IpNet::from(ip);
                let denied_by = |protocol| {
                    let flow = Flow::new(
                        Direction::Outbound,
                        protocol,
                        src,
                        dst,
                        PortRange::single(53),
                    );
                    let v = evaluate(&inv.nsgs[ni], &ctx, &flow);
                    if v.some_denied() {
                        first_user_rule(v.denying())
                    } else {
                        None
                    }
                };
                let (ri, severity, what) =
                    match (denied_by(Protocol::Udp), denied_by(Protocol::Tcp)) {
                        (Some(ri), _) => (ri, Severity::Error, "UDP 53"),
                        (None, Some(ri)) => (ri, Severity::Warning, "TCP 53"),
                        (None, None) => continue,
                    };
                if !reported.insert((ni, ri, what)) {
                    continue;
                }
                report_dns(inv, cx, (si, ni, ri), src, ip, &field, severity, what);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn report_dns(
    inv: &Inventory,
    cx: &mut Context<'_>,
    (si, ni, ri): (SubnetIdx, usize, usize),
    src: IpNet,
    ip: IpAddr,
    field: &Field<String>,
    severity: Severity,
    what: &str,
) {
    let nsg = &inv.nsgs[ni];
    let Some(span) = rule_span(nsg, ri) else {
        return;
    };
    let consequence = if what == "UDP 53" {
        "nothing on it can resolve names"
    } else {
        "DNS answers too large for UDP fail"
    };
    let d = cx.report_at(
        severity,
        span,
        format!(
            "rule {} of NSG `{}` denies outbound {what} from subnet `{}` ({src}) to the VNet's DNS server {ip}, so {consequence}",
            describe_rule(nsg, ri),
            nsg_name(nsg),
            inv.subnets[si].display_name(),
        ),
        format!("denies {what} to the DNS server"),
    );
    if let Some(s) = field.span() {
        d.labels.push(Label::new(s, "the VNet's custom DNS server"));
    }
    d.help = Some(format!(
        "allow outbound UDP and TCP 53 to {ip} at a higher priority (F-084)"
    ));
    d.resource = Some(nsg.address.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::nsg::nsg_common::fixtures::{cluster, nsg, rule, subnet, vnet};
    use crate::rules::testing::{check, primary_text};

    const NET: &str = r#""networkPlugin":"azure","networkPluginMode":"overlay""#;
    const DNS: &str = r#","dhcpOptions":{"dnsServers":["10.0.0.4"]}"#;

    fn run(vnet_extra: &str, cluster_extra: &str, rules: &[String]) -> Vec<(Severity, String)> {
        let v = vnet(&[subnet("nodes", "10.240.0.0/22")], vnet_extra);
        let (src, d) = check(
            &NsgBlocksRequiredEgress,
            &[
                &v,
                &nsg("nsg-nodes", rules),
                &cluster(NET, "", cluster_extra),
            ],
        );
        d.iter()
            .map(|x| {
                (
                    x.severity,
                    format!("{} | {}", primary_text(&src, x), x.message),
                )
            })
            .collect()
    }

    fn deny_internet_443() -> String {
        rule(
            "deny-internet-443",
            4000,
            "Outbound",
            "Deny",
            "Tcp",
            "*",
            "Internet",
            "443",
        )
    }

    #[test]
    fn public_cluster_with_443_to_internet_denied_is_an_error() {
        let d = run("", "", &[deny_internet_443()]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].0, Severity::Error);
        assert!(d[0].1.starts_with("\"deny-internet-443\""), "{}", d[0].1);
    }

    #[test]
    fn private_and_vnet_integrated_clusters_get_a_warning() {
        for access in [
            r#""enablePrivateCluster":true"#,
            r#""enableVnetIntegration":true"#,
        ] {
            let extra = format!(r#","apiServerAccessProfile":{{{access}}}"#);
            let d = run("", &extra, &[deny_internet_443()]);
            assert_eq!(d.len(), 1, "{d:?}");
            assert_eq!(d[0].0, Severity::Warning);
            assert!(d[0].1.contains("container registry"), "{}", d[0].1);
        }
    }

    #[test]
    fn network_isolated_clusters_are_not_checked() {
        let net = r#","outboundType":"none""#;
        let v = vnet(&[subnet("nodes", "10.240.0.0/22")], "");
        let c = cluster(&format!("{NET}{net}"), "", "");
        let (_, d) = check(
            &NsgBlocksRequiredEgress,
            &[&v, &nsg("nsg-nodes", &[deny_internet_443()]), &c],
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn an_allow_to_azure_cloud_first_leaves_it_undecided() {
        let allow = rule(
            "allow-azurecloud",
            100,
            "Outbound",
            "Allow",
            "Tcp",
            "*",
            "AzureCloud",
            "443",
        );
        assert!(run("", "", &[allow, deny_internet_443()]).is_empty());
    }

    #[test]
    fn a_deny_of_part_of_the_internet_passes() {
        let deny = rule(
            "deny-one-range",
            100,
            "Outbound",
            "Deny",
            "Tcp",
            "*",
            "20.0.0.0/8",
            "443",
        );
        assert!(run("", "", &[deny]).is_empty());
    }

    #[test]
    fn dns_to_custom_servers_udp_is_an_error_tcp_a_warning() {
        let udp = rule(
            "deny-dns-udp",
            100,
            "Outbound",
            "Deny",
            "Udp",
            "*",
            "10.0.0.0/24",
            "53",
        );
        let d = run(DNS, "", &[udp]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].0, Severity::Error);
        assert!(
            d[0].1.contains("UDP 53") && d[0].1.contains("10.0.0.4"),
            "{}",
            d[0].1
        );
        let tcp = rule(
            "deny-dns-tcp",
            100,
            "Outbound",
            "Deny",
            "Tcp",
            "*",
            "10.0.0.4",
            "53",
        );
        let d = run(DNS, "", &[tcp]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].0, Severity::Warning);
    }

    #[test]
    fn dns_left_to_default_rules_passes() {
        // 10.0.0.4 is outside the VNet: only the default DenyAllOutBound would stop it.
        assert!(run(
            DNS,
            r#","apiServerAccessProfile":{"enablePrivateCluster":true}"#,
            &[]
        )
        .is_empty());
    }
}
