use ipnet::IpNet;
use std::collections::BTreeSet;

use super::{cluster_name, declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::{Label, Severity};
use crate::model::cidr::{contains, parse_cidr};
use crate::model::{Cluster, Field, Inventory, NodePool, PublicIpAddress, PublicIpPrefix};
use crate::rules::shared::firewall::{firewalled_node_subnets, node_subnets};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// A public cluster with `apiServerAccessProfile.authorizedIPRanges` whose own
    /// nodes reach the API server from addresses the ranges leave out:
    ///
    /// * `outboundType: userDefinedRouting`: the public IPs of the Azure Firewall
    ///   that the node subnets' `0.0.0.0/0` route points at (the firewall with that
    ///   private IP, the one whose `AzureFirewallSubnet` holds it, or the one a
    ///   Terraform next hop refers to) (warning);
    /// * `outboundType: userAssignedNATGateway`: the public IPs and public IP
    ///   prefixes of the NAT gateway on the node subnets (warning);
    /// * a node pool with `enableNodePublicIP: true` whose `nodePublicIPPrefixID`
    ///   prefix is not inside a range, or that takes its node IPs from no prefix at
    ///   all (error).
    ///
    /// Public IP addresses and prefixes are allocated by Azure, so only inputs that
    /// state them — `az` output, Resource Graph, exports, Terraform state or plans
    /// of existing resources — can be judged; an address or prefix that is not
    /// among the inputs, a range that cannot be evaluated, or a firewall or NAT
    /// gateway that is not among the inputs keeps the rule silent.
    /// `managedNATGateway` is not judged: AKS creates those IPs, and no input holds
    /// them before it does.
    ///
    /// ## Why it matters
    /// With authorized IP ranges the API server accepts only the listed sources
    /// (F-090). With `userDefinedRouting` AKS creates no outbound IP, and with a
    /// NAT gateway the nodes leave from the gateway's addresses: nodes, kubelets
    /// and in-cluster clients reach the public API server from the firewall's or
    /// the gateway's public IPs, which Microsoft says to add to the ranges (F-086,
    /// F-090). Left out, nodes cannot register and system pods cannot reach the
    /// control plane. Nodes with their own public IPs call the API server from
    /// those IPs, which must come from a public IP prefix that is listed (F-100).
    /// See Microsoft Learn, "Secure access to the API server using authorized IP
    /// address ranges" (<https://learn.microsoft.com/en-us/azure/aks/api-server-authorized-ip-ranges>)
    /// and "Limit network traffic with Azure Firewall in AKS"
    /// (<https://learn.microsoft.com/en-us/azure/aks/limit-egress-traffic>).
    ///
    /// ## How to fix
    /// Add the firewall's or NAT gateway's public IPs (as `/32`) or prefixes to
    /// `authorizedIPRanges`; for node public IPs, set `nodePublicIPPrefixID` to a
    /// public IP prefix and add that prefix.
    ///
    /// ## Example
    /// ```json
    /// "apiServerAccessProfile": { "authorizedIPRanges": [ "203.0.113.0/24", "20.61.14.27/32" ] }
    /// ```
    pub struct AuthorizedRangesExcludeEgress {
        code: "AKS605",
        name: "authorized-ranges-exclude-egress",
        category: Compatibility,
        severity: Warning,
        summary: "API server authorized IP ranges that leave out the cluster's own egress IPs: the firewall's or NAT gateway's public IPs, or the node public IP prefix",
    }
}

impl Rule for AuthorizedRangesExcludeEgress {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            // Ranges on a private cluster are AKS602's case; a blend of descriptions
            // may pair one description's ranges with another's pools.
            if cluster.api_server.private_cluster.value() == Some(&true)
                || !crate::rules::described_once(cluster)
            {
                continue;
            }
            let Some(ranges) = Ranges::of(cluster) else {
                continue;
            };
            let outbound = cluster
                .network
                .outbound_type
                .known()
                .map(|o| o.to_ascii_lowercase());
            let egress = match outbound.as_deref() {
                Some("userdefinedrouting") => firewall_egress(inv, ci),
                Some("userassignednatgateway") => nat_gateway_egress(inv, ci),
                _ => Vec::new(),
            };
            let mut seen = BTreeSet::new();
            for e in egress {
                if !ranges.cover(&e.net) && seen.insert(e.net) {
                    report_egress(cx, cluster, &ranges, &e);
                }
            }
            for (_, pool) in inv.cluster_pools(ci) {
                check_node_public_ips(inv, cx, cluster, &ranges, pool);
            }
        }
    }
}

/// A cluster's authorized ranges, when every one of them can be read.
struct Ranges {
    nets: Vec<IpNet>,
    /// The first range, where findings about the list point.
    first: Span,
}

impl Ranges {
    fn of(cluster: &Cluster) -> Option<Ranges> {
        let list = &cluster.api_server.authorized_ip_ranges;
        let first = list.first()?.span()?;
        let nets = list
            .iter()
            .map(|f| parse_cidr(f.known()?))
            .collect::<Option<Vec<_>>>()?;
        Some(Ranges { nets, first })
    }

    fn cover(&self, net: &IpNet) -> bool {
        self.nets.iter().any(|r| contains(r, net))
    }
}

/// One address or prefix the cluster's traffic leaves from, and what says so.
struct Egress {
    net: IpNet,
    /// The value in the input (`ipAddress`, `ipPrefix`).
    at: Span,
    /// `firewall `afw-hub``, `NAT gateway `ng-aks``.
    via: String,
}

/// The public IPs of the firewalls the node subnets' default routes point at.
fn firewall_egress(inv: &Inventory, ci: usize) -> Vec<Egress> {
    let mut out = Vec::new();
    for (_, _, fi) in firewalled_node_subnets(inv, ci) {
        let fw = &inv.firewalls[fi];
        let via = format!("firewall `{}`", fw.display_name());
        for ip in fw.public_ips.iter().flatten() {
            out.extend(address(&inv.public_ips[*ip], &via));
        }
    }
    out
}

/// The public IPs and prefixes of the NAT gateways on the node subnets.
fn nat_gateway_egress(inv: &Inventory, ci: usize) -> Vec<Egress> {
    let mut out = Vec::new();
    for si in node_subnets(inv, ci) {
        let Some(gi) = inv.subnets[si].nat_gateway else {
            continue;
        };
        let gw = &inv.nat_gateways[gi];
        let via = format!("NAT gateway `{}`", gw.display_name());
        for ip in gw.public_ips.iter().flatten() {
            out.extend(address(&inv.public_ips[*ip], &via));
        }
        for p in gw.public_ip_prefixes.iter().flatten() {
            out.extend(prefix(&inv.public_ip_prefixes[*p], &via));
        }
    }
    out
}

fn address(ip: &PublicIpAddress, via: &str) -> Option<Egress> {
    let Field::Known(addr, at) = &ip.ip_address else {
        return None;
    };
    Some(Egress {
        net: IpNet::from(*addr),
        at: *at,
        via: via.to_string(),
    })
}

fn prefix(p: &PublicIpPrefix, via: &str) -> Option<Egress> {
    let Field::Known(net, at) = &p.ip_prefix else {
        return None;
    };
    Some(Egress {
        net: net.trunc(),
        at: *at,
        via: via.to_string(),
    })
}

fn shown(net: &IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

fn report_egress(cx: &mut Context<'_>, cluster: &Cluster, ranges: &Ranges, e: &Egress) {
    let d = cx.report(
        ranges.first,
        format!(
            "the authorized IP ranges of cluster `{}` leave out {}, which {} sends the nodes' traffic from: nodes and in-cluster clients cannot reach the API server",
            cluster_name(cluster),
            shown(&e.net),
            e.via
        ),
        format!("no range holds {}", shown(&e.net)),
    );
    d.labels.push(Label::new(
        e.at,
        format!("{} egresses from {}", e.via, shown(&e.net)),
    ));
    d.help = Some(format!(
        "add {} to apiServerAccessProfile.authorizedIPRanges (Terraform api_server_access_profile.authorized_ip_ranges) (F-086, F-090)",
        if e.net.prefix_len() == e.net.max_prefix_len() {
            format!("{}/{}", e.net.addr(), e.net.prefix_len())
        } else {
            e.net.to_string()
        }
    ));
    d.resource = cluster
        .id
        .as_ref()
        .map(|i| i.to_string())
        .or(Some(cluster.address.clone()));
}

/// A pool with node public IPs: they must come from a prefix that a range holds (F-100).
fn check_node_public_ips(
    inv: &Inventory,
    cx: &mut Context<'_>,
    cluster: &Cluster,
    ranges: &Ranges,
    pool: &NodePool,
) {
    let Field::Known(true, enabled_at) = &pool.enable_node_public_ip else {
        return;
    };
    let pool_name = pool.display_name();
    match (&pool.node_public_ip_prefix_id, pool.node_public_ip_prefix) {
        (Field::Absent, _) => {
            let d = cx.report_at(
                Severity::Error,
                *enabled_at,
                format!(
                    "pool `{pool_name}` of cluster `{}` gives its nodes public IPs from no public IP prefix, so the authorized IP ranges cannot list them and its nodes cannot reach the API server",
                    cluster_name(cluster)
                ),
                "node public IPs without nodePublicIPPrefixID",
            );
            d.labels
                .push(Label::new(ranges.first, "authorized IP ranges are on"));
            d.help = Some("set nodePublicIPPrefixID (Terraform node_public_ip_prefix_id) to a public IP prefix and add that prefix to the authorized IP ranges, or turn node public IPs off (F-100)".into());
            d.resource = Some(pool.address.clone());
        }
        (_, Some(pi)) => {
            let Some(e) = prefix(&inv.public_ip_prefixes[pi], "") else {
                return;
            };
            if ranges.cover(&e.net) {
                return;
            }
            let at = pool.node_public_ip_prefix_id.span().unwrap_or(*enabled_at);
            let d = cx.report_at(
                Severity::Error,
                at,
                format!(
                    "pool `{pool_name}` of cluster `{}` takes its node public IPs from {}, which no authorized IP range holds: its nodes cannot reach the API server",
                    cluster_name(cluster),
                    e.net
                ),
                "node public IP prefix",
            );
            d.labels
                .push(Label::new(e.at, format!("the prefix is {}", e.net)));
            d.labels.push(Label::new(
                ranges.first,
                format!("no range holds {}", e.net),
            ));
            d.help = Some(format!("add {} to the authorized IP ranges (F-100)", e.net));
            d.resource = Some(pool.address.clone());
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    const RG: &str =
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers";

    fn cluster(outbound: &str, ranges: &str, pool: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters","location":"westeurope",
            "properties":{{"networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay","outboundType":"{outbound}"}},
            "apiServerAccessProfile":{{"authorizedIPRanges":[{ranges}]}},
            "agentPoolProfiles":[{{"name":"sys","count":1,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/nodes"{pool}}}]}}}}"#
        )
    }

    fn network(subnet_extra: &str) -> String {
        format!(
            r#"[{{"id":"{SUB}/Microsoft.Network/virtualNetworks/v","name":"v","type":"Microsoft.Network/virtualNetworks",
            "properties":{{"addressSpace":{{"addressPrefixes":["10.0.0.0/16"]}},
            "subnets":[{{"name":"nodes","id":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/nodes",
              "properties":{{"addressPrefix":"10.0.0.0/22","routeTable":{{"id":"{SUB}/Microsoft.Network/routeTables/rt"}}{subnet_extra}}}}}]}}}},
            {{"id":"{SUB}/Microsoft.Network/routeTables/rt","name":"rt","type":"Microsoft.Network/routeTables",
             "properties":{{"routes":[{{"name":"default","properties":{{"addressPrefix":"0.0.0.0/0","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.9.0.4"}}}}]}}}},
            {{"id":"{SUB}/Microsoft.Network/azureFirewalls/fw","name":"fw","type":"Microsoft.Network/azureFirewalls",
             "properties":{{"ipConfigurations":[{{"name":"c","properties":{{"privateIPAddress":"10.9.0.4",
               "publicIPAddress":{{"id":"{SUB}/Microsoft.Network/publicIPAddresses/pip-fw"}}}}}}]}}}},
            {{"id":"{SUB}/Microsoft.Network/publicIPAddresses/pip-fw","name":"pip-fw","type":"Microsoft.Network/publicIPAddresses",
             "properties":{{"ipAddress":"20.61.14.27"}}}},
            {{"id":"{SUB}/Microsoft.Network/natGateways/ng","name":"ng","type":"Microsoft.Network/natGateways",
             "properties":{{"publicIpPrefixes":[{{"id":"{SUB}/Microsoft.Network/publicIPPrefixes/ippre-ng"}}]}}}},
            {{"id":"{SUB}/Microsoft.Network/publicIPPrefixes/ippre-ng","name":"ippre-ng","type":"Microsoft.Network/publicIPPrefixes",
             "properties":{{"ipPrefix":"20.50.10.0/30"}}}},
            {{"id":"{SUB}/Microsoft.Network/publicIPPrefixes/ippre-nodes","name":"ippre-nodes","type":"Microsoft.Network/publicIPPrefixes",
             "properties":{{"ipPrefix":"20.70.0.0/28"}}}}]"#
        )
    }

    #[test]
    fn the_firewall_public_ip_must_be_listed() {
        let (src, d) = check(
            &AuthorizedRangesExcludeEgress,
            &[
                &cluster("userDefinedRouting", r#""203.0.113.0/24""#, ""),
                &network(""),
            ],
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(primary_text(&src, &d[0]), "\"203.0.113.0/24\"");
        assert!(d[0].message.contains("20.61.14.27"), "{}", d[0].message);
        let listed = r#""203.0.113.0/24","20.61.14.27/32""#;
        let (_, d) = check(
            &AuthorizedRangesExcludeEgress,
            &[&cluster("userDefinedRouting", listed, ""), &network("")],
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn the_nat_gateway_prefix_must_be_inside_a_range() {
        let nat = format!(r#","natGateway":{{"id":"{RG}/Microsoft.Network/natGateways/ng"}}"#);
        let run = |ranges: &str| {
            check(
                &AuthorizedRangesExcludeEgress,
                &[
                    &cluster("userAssignedNATGateway", ranges, ""),
                    &network(&nat),
                ],
            )
            .1
        };
        assert_eq!(run(r#""20.50.10.0/31""#).len(), 1);
        assert!(run(r#""20.50.0.0/16""#).is_empty());
        // managedNATGateway's IPs are AKS's: not judged.
        let (_, d) = check(
            &AuthorizedRangesExcludeEgress,
            &[
                &cluster("managedNATGateway", r#""1.2.3.4/32""#, ""),
                &network(&nat),
            ],
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn node_public_ips_need_a_listed_prefix() {
        let without = r#","enableNodePublicIP":true"#;
        let (src, d) = check(
            &AuthorizedRangesExcludeEgress,
            &[
                &cluster("loadBalancer", r#""203.0.113.0/24""#, without),
                &network(""),
            ],
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(primary_text(&src, &d[0]), "true");
        let with = format!(
            r#","enableNodePublicIP":true,"nodePublicIPPrefixID":"{RG}/Microsoft.Network/publicIPPrefixes/ippre-nodes""#
        );
        let (_, d) = check(
            &AuthorizedRangesExcludeEgress,
            &[
                &cluster("loadBalancer", r#""203.0.113.0/24""#, &with),
                &network(""),
            ],
        );
        assert_eq!(d.len(), 1, "{d:?}");
        let (_, d) = check(
            &AuthorizedRangesExcludeEgress,
            &[
                &cluster("loadBalancer", r#""20.70.0.0/24""#, &with),
                &network(""),
            ],
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn unknown_ranges_or_addresses_are_silent() {
        let (_, d) = check(
            &AuthorizedRangesExcludeEgress,
            &[
                &cluster("userDefinedRouting", r#""203.0.113.0/24""#, ""),
                &network("").replace(r#""ipAddress":"20.61.14.27""#, r#""ipAddress":null"#),
            ],
        );
        assert!(d.is_empty(), "{d:?}");
    }
}
