use std::collections::BTreeSet;

use super::{cluster_name, declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::{Label, Severity};
use crate::model::{Cluster, Field, Inventory, RouteTable, Subnet};
use crate::rules::shared::firewall::{default_routes, node_subnets};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// A cluster with `outboundType: userDefinedRouting` whose own node subnets
    /// (`vnetSubnetID` of its pools) do not send Internet-bound traffic to a
    /// firewall or gateway:
    ///
    /// * a node subnet has no route table (error);
    /// * its route table has a `0.0.0.0/0` route whose next hop is anything but
    ///   `VirtualAppliance` or `VirtualNetworkGateway` — `Internet` is rejected by
    ///   AKS, `None` drops all egress (error);
    /// * its route table has no `0.0.0.0/0` route at all: an error for a public
    ///   cluster, a warning for a private cluster, which may learn the default
    ///   route over BGP (F-077).
    ///
    /// Subnets and route tables that are not among the inputs, and routes whose
    /// prefix or next hop cannot be evaluated, are not judged. Clusters without a
    /// subnet of their own are AKS003's case.
    ///
    /// ## Why it matters
    /// With user-defined routing AKS creates no outbound IP or outbound rule: the
    /// route table is the only egress path nodes have (F-077). AKS checks the
    /// route table before it creates the cluster and fails with
    /// `RouteTableMissingDefaultRouteError` or `RouteTableInvalidNextHop`; a cluster
    /// whose default route is later removed or pointed at `None` loses its
    /// connection to the control plane, the container registry and its updates.
    ///
    /// ## How to fix
    /// Associate a route table with every node subnet before the cluster is
    /// created, with a `0.0.0.0/0` route to the private IP of your firewall or
    /// network virtual appliance (`VirtualAppliance`), or to a virtual network
    /// gateway. Topologies that only learn a default route over BGP are better
    /// served by `outboundType: none` (F-077).
    ///
    /// ## Example
    /// ```json
    /// { "type": "Microsoft.Network/routeTables", "name": "rt-aks-egress",
    ///   "properties": { "routes": [ { "name": "default-to-firewall",
    ///     "properties": { "addressPrefix": "0.0.0.0/0",
    ///       "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.200.0.4" } } ] } }
    /// ```
    pub struct UdrOutboundWithoutDefaultRoute {
        code: "AKS401",
        name: "udr-outbound-without-default-route",
        category: Compatibility,
        severity: Error,
        summary: "userDefinedRouting egress without a 0.0.0.0/0 route to a firewall or gateway on a node subnet",
    }
}

impl Rule for UdrOutboundWithoutDefaultRoute {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // A route table shared by several subnets or clusters is reported once.
        let mut seen_tables = BTreeSet::new();
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            let Field::Known(outbound, outbound_span) = &cluster.network.outbound_type else {
                continue;
            };
            if !outbound.eq_ignore_ascii_case("userDefinedRouting") {
                continue;
            }
            let udr = Udr {
                cluster,
                outbound_span: *outbound_span,
            };
            for si in node_subnets(inv, ci) {
                check_subnet(inv, cx, &udr, &inv.subnets[si], &mut seen_tables);
            }
        }
    }
}

/// A cluster whose egress follows its subnets' route tables.
struct Udr<'a> {
    cluster: &'a Cluster,
    outbound_span: Span,
}

impl Udr<'_> {
    fn label(&self) -> Label {
        Label::new(
            self.outbound_span,
            format!(
                "cluster `{}` sends its egress through the node subnets' route tables",
                cluster_name(self.cluster)
            ),
        )
    }

    /// A private cluster may learn its default route over BGP (F-077); whether the
    /// cluster is private is otherwise irrelevant, so an unknown flag gives the milder severity.
    fn missing_route_severity(&self) -> Severity {
        match &self.cluster.api_server.private_cluster {
            Field::Known(true, _) | Field::Default(true, _) | Field::Unknown(_) => {
                Severity::Warning
            }
            _ => Severity::Error,
        }
    }
}

fn check_subnet(
    inv: &Inventory,
    cx: &mut Context<'_>,
    udr: &Udr<'_>,
    subnet: &Subnet,
    seen_tables: &mut BTreeSet<usize>,
) {
    match (&subnet.route_table_id, subnet.route_table) {
        (Field::Absent, _) => no_route_table(cx, udr, subnet),
        (_, Some(ti)) if seen_tables.insert(ti) => {
            check_table(cx, udr, subnet, &inv.route_tables[ti]);
        }
        // Unknown, or a table that is not among the inputs: not judged.
        _ => {}
    }
}

fn no_route_table(cx: &mut Context<'_>, udr: &Udr<'_>, subnet: &Subnet) {
    let name = subnet.display_name();
    let d = cx.report(
        udr.outbound_span,
        format!(
            "cluster `{}` uses outboundType userDefinedRouting, but its node subnet `{name}` has no route table, so its nodes have no egress path",
            cluster_name(udr.cluster)
        ),
        "userDefinedRouting needs a route table on every node subnet",
    );
    d.labels.push(Label::new(
        subnet.name.span().unwrap_or_else(|| subnet.prefix_span()),
        format!("subnet `{name}` has no route table"),
    ));
    d.help = Some("associate a route table with the subnet before creating the cluster, with a 0.0.0.0/0 route to your firewall (nextHopType VirtualAppliance) or a virtual network gateway (F-077)".into());
    d.resource = Some(subnet.address.clone());
}

fn check_table(cx: &mut Context<'_>, udr: &Udr<'_>, subnet: &Subnet, table: &RouteTable) {
    let Some(defaults) = default_routes(table) else {
        return;
    };
    if defaults.is_empty() {
        missing_default_route(cx, udr, subnet, table);
        return;
    }
    for route in defaults {
        let Field::Known(hop, hop_span) = &route.next_hop_type else {
            continue;
        };
        if ["VirtualAppliance", "VirtualNetworkGateway"]
            .iter()
            .any(|ok| hop.eq_ignore_ascii_case(ok))
        {
            continue;
        }
        let route_name = route.name.value().cloned().unwrap_or_else(|| "?".into());
        let effect = if hop.eq_ignore_ascii_case("None") {
            "drops all egress"
        } else {
            "is rejected by AKS"
        };
        let d = cx.report(
            *hop_span,
            format!(
                "route `{route_name}` in `{}` sends 0.0.0.0/0 to next hop `{hop}`, which {effect}: with userDefinedRouting the default route must go to VirtualAppliance or VirtualNetworkGateway",
                table_name(table)
            ),
            "next hop of the default route",
        );
        d.labels.push(udr.label());
        d.help = Some("point the 0.0.0.0/0 route at your firewall's private IP (nextHopType VirtualAppliance) or a virtual network gateway (F-077)".into());
        d.resource = Some(subnet.address.clone());
    }
}

fn missing_default_route(cx: &mut Context<'_>, udr: &Udr<'_>, subnet: &Subnet, table: &RouteTable) {
    let severity = udr.missing_route_severity();
    let why = if severity == Severity::Warning {
        "; a private cluster may learn it over BGP, which AKS has both rejected and accepted"
    } else {
        ""
    };
    let d = cx.report_at(
        severity,
        table.name.span().unwrap_or(table.decl),
        format!(
            "route table `{}` on node subnet `{}` has no 0.0.0.0/0 route, which outboundType userDefinedRouting needs{why}",
            table_name(table),
            subnet.display_name()
        ),
        "no 0.0.0.0/0 route",
    );
    d.labels.push(udr.label());
    d.help = Some("add a 0.0.0.0/0 route to your firewall's private IP (nextHopType VirtualAppliance) or a virtual network gateway; for BGP-only default routes consider outboundType none (F-077)".into());
    d.resource = Some(table.address.clone());
}

fn table_name(table: &RouteTable) -> String {
    match table.name.value() {
        Some(n) => n.clone(),
        None => table
            .address
            .rsplit('/')
            .next()
            .unwrap_or(&table.address)
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn cluster(outbound: &str, api: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.0","networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay","outboundType":"{outbound}"}}{api},
            "agentPoolProfiles":[{{"name":"sys","count":2,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/s"}}]}}}}"#
        )
    }

    fn vnet(route_table: &str) -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/v","name":"v","type":"Microsoft.Network/virtualNetworks",
            "properties":{{"addressSpace":{{"addressPrefixes":["10.0.0.0/16"]}},
            "subnets":[{{"name":"s","id":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/s",
              "properties":{{"addressPrefix":"10.0.0.0/22"{route_table}}}}}]}}}}"#
        )
    }

    const RT: &str = r#","routeTable":{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/rt"}"#;

    fn table(routes: &str) -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/routeTables/rt","name":"rt","type":"Microsoft.Network/routeTables",
            "properties":{{"routes":[{routes}]}}}}"#
        )
    }

    fn route(prefix: &str, hop: &str) -> String {
        format!(
            r#"{{"name":"r","properties":{{"addressPrefix":"{prefix}","nextHopType":"{hop}","nextHopIpAddress":"10.200.0.4"}}}}"#
        )
    }

    #[test]
    fn firewall_default_route_passes() {
        for hop in ["VirtualAppliance", "virtualnetworkgateway"] {
            let (_, d) = check(
                &UdrOutboundWithoutDefaultRoute,
                &[
                    &cluster("userDefinedRouting", ""),
                    &vnet(RT),
                    &table(&route("0.0.0.0/0", hop)),
                ],
            );
            assert!(d.is_empty(), "{hop}: {d:?}");
        }
    }

    #[test]
    fn internet_next_hop_is_an_error_at_the_hop() {
        let (src, d) = check(
            &UdrOutboundWithoutDefaultRoute,
            &[
                &cluster("userDefinedRouting", ""),
                &vnet(RT),
                &table(&route("0.0.0.0/0", "Internet")),
            ],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(primary_text(&src, &d[0]), "\"Internet\"");
    }

    #[test]
    fn missing_route_table_points_at_outbound_type() {
        let (src, d) = check(
            &UdrOutboundWithoutDefaultRoute,
            &[&cluster("userDefinedRouting", ""), &vnet("")],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"userDefinedRouting\"");
    }

    #[test]
    fn missing_default_route_is_an_error_when_public_and_a_warning_when_private() {
        let docs = |api: &str| {
            let (src, d) = check(
                &UdrOutboundWithoutDefaultRoute,
                &[
                    &cluster("userDefinedRouting", api),
                    &vnet(RT),
                    &table(&route("10.1.0.0/16", "VirtualAppliance")),
                ],
            );
            assert_eq!(d.len(), 1);
            assert_eq!(primary_text(&src, &d[0]), "\"rt\"");
            d[0].severity
        };
        assert_eq!(docs(""), Severity::Error);
        assert_eq!(
            docs(r#","apiServerAccessProfile":{"enablePrivateCluster":true}"#),
            Severity::Warning
        );
    }

    #[test]
    fn unknowns_and_other_outbound_types_are_silent() {
        // The route table is not among the inputs.
        let (_, d) = check(
            &UdrOutboundWithoutDefaultRoute,
            &[&cluster("userDefinedRouting", ""), &vnet(RT)],
        );
        assert!(d.is_empty());
        let (_, d) = check(
            &UdrOutboundWithoutDefaultRoute,
            &[&cluster("loadBalancer", ""), &vnet("")],
        );
        assert!(d.is_empty());
    }
}
