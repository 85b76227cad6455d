use std::collections::{BTreeSet, HashMap, HashSet};

use ipnet::IpNet;

use super::node_resource_group::{
    is_aks_agentpool_name, is_mc_group, node_resource_group, rg_matches,
};
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::model::cidr::parse_cidr;
use crate::model::{Field, Inventory, ResourceId, Route, Subnet};

declare_rule! {
    /// ## What it checks
    /// Changes AKS does not support on the virtual network it created itself (the
    /// cluster has no `vnetSubnetID`, so AKS made a VNet `aks-vnet-<digits>` in the
    /// node resource group, F-110):
    ///
    /// * a route table of your own attached to one of its subnets;
    /// * a route added to the route table AKS created (`aks-agentpool-<digits>-routetable`)
    ///   — the `/24` pod routes AKS writes for kubenet nodes (next hop
    ///   `VirtualAppliance`, the node's address) are not findings (F-075);
    /// * service endpoints on its subnets (F-092);
    /// * `outboundType: userDefinedRouting` on a cluster without a subnet of its own,
    ///   which AKS rejects because there is no route table it could have checked (F-077).
    ///
    /// The VNet is recognised by living in the cluster's node resource group
    /// (`nodeResourceGroup`, else `MC_<group>_<cluster>_<region>`, F-113), or, when
    /// the cluster is not among the inputs, by AKS's names in an `MC_` group.
    ///
    /// ## Why it matters
    /// Resources in the node resource group belong to AKS: it may overwrite or
    /// delete your changes on the next upgrade or scale operation, and Microsoft
    /// support does not cover clusters whose managed network was modified
    /// (F-110, F-113). User-defined routes there can also black-hole node traffic.
    ///
    /// ## How to fix
    /// Bring your own VNet: create the VNet and subnets (with your route table and
    /// service endpoints) yourself and set each pool's `vnetSubnetID`. Remove custom
    /// routes, route tables and service endpoints from the AKS-created VNet. For
    /// `userDefinedRouting`, place the cluster in your own subnet whose route table
    /// sends `0.0.0.0/0` to your firewall.
    ///
    /// ## Example
    /// ```json
    /// "agentPoolProfiles": [ { "name": "sys",
    ///   "vnetSubnetID": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-spoke', 'snet-nodes')]" } ],
    /// "networkProfile": { "outboundType": "userDefinedRouting" }
    /// ```
    pub struct UdrOnManagedVnet {
        code: "AKS003",
        name: "udr-on-managed-vnet",
        category: Supportability,
        severity: Error,
        summary: "Custom routes, route tables or service endpoints on the VNet AKS manages, or UDR egress without an own subnet",
    }
}

impl Rule for UdrOnManagedVnet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let managed = ManagedGroups::new(
            inv.clusters
                .iter()
                .enumerate()
                .filter(|(ci, _)| uses_managed_vnet(inv, *ci) == Some(true))
                .filter_map(|(ci, c)| node_resource_group(c).map(|rg| (ci, rg))),
        );
        check_udr_outbound(inv, cx);
        // VNets some pool is placed in: BYO VNets, whatever their names.
        let pool_vnets: HashSet<&ResourceId> = inv
            .pools
            .iter()
            .filter_map(|p| inv.subnets.get(p.subnet?)?.vnet_id.as_ref())
            .collect();
        let mut seen_tables = BTreeSet::new();
        for subnet in &inv.subnets {
            let Some(owner) = managed_owner(&managed, &pool_vnets, subnet) else {
                continue;
            };
            check_subnet(inv, cx, subnet, &owner, &mut seen_tables);
        }
        // Routes added to an AKS route table that no subnet in the inputs points at.
        for (ti, table) in inv.route_tables.iter().enumerate() {
            if seen_tables.contains(&ti) {
                continue;
            }
            let Some(id) = &table.id else { continue };
            let owner = managed
                .owner(id)
                .map(Owner::Cluster)
                .or_else(|| is_mc_group(id).then_some(Owner::Naming));
            if let Some(owner) = owner {
                if is_aks_route_table_name(id.name()) {
                    check_routes(inv, cx, &table.routes, &owner, table.address.as_str(), None);
                }
            }
        }
    }
}

/// Which cluster a managed VNet belongs to, when known.
enum Owner {
    Cluster(usize),
    /// Recognised by AKS's names only.
    Naming,
}

impl Owner {
    fn describe(&self, inv: &Inventory) -> String {
        match self {
            Owner::Cluster(ci) => {
                let c = &inv.clusters[*ci];
                format!("cluster `{}`", c.display_name())
            }
            Owner::Naming => "an AKS cluster".into(),
        }
    }

    fn pod_cidr(&self, inv: &Inventory) -> Option<IpNet> {
        match self {
            Owner::Cluster(ci) => inv.clusters[*ci]
                .network
                .pod_cidrs
                .first()
                .and_then(|f| f.value().copied()),
            Owner::Naming => None,
        }
    }
}

/// `Some(true)` when every pool of the cluster leaves `vnetSubnetID` out.
fn uses_managed_vnet(inv: &Inventory, ci: usize) -> Option<bool> {
    let mut any = false;
    for (_, pool) in inv.cluster_pools(ci) {
        any = true;
        if pool.vnet_subnet_id.is_given() {
            return Some(false);
        }
    }
    any.then_some(true)
}

fn is_aks_vnet_name(name: &str) -> bool {
    name.to_ascii_lowercase()
        .strip_prefix("aks-vnet-")
        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

fn is_aks_route_table_name(name: &str) -> bool {
    is_aks_agentpool_name(name, "routetable")
}

/// The node resource groups of the clusters on a managed VNet, looked up by
/// a resource's group: one hash lookup per resource, not a scan of all clusters.
struct ManagedGroups {
    /// Lowercase group name → the first cluster with it.
    exact: HashMap<String, usize>,
    /// Groups with a `{placeholder}` (an unknown location), matched one by one.
    patterned: Vec<(usize, String)>,
}

impl ManagedGroups {
    fn new(groups: impl Iterator<Item = (usize, String)>) -> ManagedGroups {
        let mut exact = HashMap::new();
        let mut patterned = Vec::new();
        for (ci, rg) in groups {
            if rg.contains('{') {
                patterned.push((ci, rg));
            } else {
                exact.entry(rg.to_ascii_lowercase()).or_insert(ci);
            }
        }
        ManagedGroups { exact, patterned }
    }

    /// The first cluster (in input order) whose node resource group holds `id`.
    fn owner(&self, id: &ResourceId) -> Option<usize> {
        let by_name = id
            .resource_group()
            .filter(|g| !g.contains('{'))
            .and_then(|g| self.exact.get(&g.to_ascii_lowercase()).copied());
        let by_pattern = self
            .patterned
            .iter()
            .find(|(_, rg)| rg_matches(id, rg))
            .map(|(ci, _)| *ci);
        by_name.into_iter().chain(by_pattern).min()
    }
}

fn managed_owner(
    managed: &ManagedGroups,
    pool_vnets: &HashSet<&ResourceId>,
    subnet: &Subnet,
) -> Option<Owner> {
    let vnet_id = subnet.vnet_id.as_ref()?;
    if let Some(ci) = managed.owner(vnet_id) {
        return Some(Owner::Cluster(ci));
    }
    // A pool of some cluster placed in this VNet means it is a BYO VNet after all.
    (is_mc_group(vnet_id) && is_aks_vnet_name(vnet_id.name()) && !pool_vnets.contains(vnet_id))
        .then_some(Owner::Naming)
}

fn check_subnet(
    inv: &Inventory,
    cx: &mut Context<'_>,
    subnet: &Subnet,
    owner: &Owner,
    seen: &mut BTreeSet<usize>,
) {
    let name = subnet.display_name();
    let who = owner.describe(inv);
    for endpoint in &subnet.service_endpoints {
        let Field::Known(service, span) = endpoint else {
            continue;
        };
        let d = cx.report(
            *span,
            format!("service endpoint `{service}` on subnet `{name}`, which AKS created and manages for {who}"),
            "service endpoint on an AKS-managed subnet",
        );
        d.help = Some(
            "remove it, or bring your own VNet and add the service endpoint there (F-092, F-110)"
                .into(),
        );
        d.resource = Some(subnet.address.clone());
    }
    let Field::Known(table_id, span) = &subnet.route_table_id else {
        return;
    };
    let aks_table = is_aks_route_table_name(table_id.name());
    if !aks_table {
        let d = cx.report(
            *span,
            format!(
                "route table `{}` is attached to subnet `{name}`, which AKS created and manages for {who}",
                table_id.name()
            ),
            "route table of your own on an AKS-managed subnet",
        );
        d.help = Some("detach it; to route egress through a firewall, bring your own VNet and subnet with this route table (F-110, F-077)".into());
        d.resource = Some(subnet.address.clone());
    }
    if let Some(ti) = subnet.route_table {
        if seen.insert(ti) && aks_table {
            let table = &inv.route_tables[ti];
            check_routes(inv, cx, &table.routes, owner, &table.address, Some(subnet));
        }
    }
}

/// Routes AKS writes for kubenet: a node's pod `/24` with the node as next hop (F-075).
fn is_kubenet_route(route: &Route, pod_cidr: Option<IpNet>, subnet: Option<&Subnet>) -> bool {
    let hop_is_appliance = route
        .next_hop_type
        .value()
        .is_some_and(|t| t.eq_ignore_ascii_case("VirtualAppliance"));
    let Some(prefix) = route.address_prefix.value().and_then(|p| parse_cidr(p)) else {
        return false;
    };
    let pod_sized = matches!(prefix, IpNet::V4(n) if n.prefix_len() == 24)
        || matches!(prefix, IpNet::V6(n) if n.prefix_len() == 64);
    let in_pod_cidr = pod_cidr.is_none_or(|c| c.contains(&prefix));
    let hop_in_subnet = match (
        route
            .next_hop_ip
            .value()
            .and_then(|ip| ip.parse::<std::net::IpAddr>().ok()),
        subnet,
    ) {
        (Some(ip), Some(s)) => s
            .address_prefixes
            .iter()
            .any(|p| p.value().is_none_or(|net| net.contains(&ip))),
        (Some(_), None) => true,
        (None, _) => false,
    };
    hop_is_appliance && pod_sized && in_pod_cidr && hop_in_subnet
}

fn check_routes(
    inv: &Inventory,
    cx: &mut Context<'_>,
    routes: &[Route],
    owner: &Owner,
    table: &str,
    subnet: Option<&Subnet>,
) {
    let pod_cidr = owner.pod_cidr(inv);
    let who = owner.describe(inv);
    let table_name = table.rsplit('/').next().unwrap_or(table);
    for route in routes {
        if route.address_prefix.is_unknown()
            || route.next_hop_type.is_unknown()
            || is_kubenet_route(route, pod_cidr, subnet)
        {
            continue;
        }
        let name = route.name.value().cloned().unwrap_or_else(|| "?".into());
        let prefix = route.address_prefix.value().cloned().unwrap_or_default();
        let hop = route.next_hop_type.value().cloned().unwrap_or_default();
        let d = cx.report(
            route.address_prefix.span().unwrap_or(route.decl),
            format!("route `{name}` ({prefix} → {hop}) was added to `{table_name}`, the route table AKS manages for {who}"),
            "not a route AKS writes",
        );
        d.help = Some(
            "remove the route; custom routing needs your own VNet and route table (F-110, F-075)"
                .into(),
        );
        d.resource = Some(format!("{table}/routes/{name}"));
    }
}

fn check_udr_outbound(inv: &Inventory, cx: &mut Context<'_>) {
    for (ci, cluster) in inv.clusters.iter().enumerate() {
        let Field::Known(outbound, span) = &cluster.network.outbound_type else {
            continue;
        };
        if !outbound.eq_ignore_ascii_case("userDefinedRouting")
            || uses_managed_vnet(inv, ci) != Some(true)
        {
            continue;
        }
        let name = cluster.display_name();
        let d = cx.report(
            *span,
            format!("cluster `{name}` uses outboundType userDefinedRouting but none of its pools sets vnetSubnetID, so AKS would create the VNet"),
            "userDefinedRouting needs a subnet of your own",
        );
        d.help = Some("set vnetSubnetID on every pool to a subnet whose route table sends 0.0.0.0/0 to your firewall, or use outboundType loadBalancer or managedNATGateway (F-077)".into());
        d.resource = Some(cluster.address.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    const MC: &str =
        "/subscriptions/0/resourceGroups/MC_rg_aks1_westeurope/providers/Microsoft.Network";

    fn cluster(extra_net: &str, subnet: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","location":"westeurope","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.0","networkProfile":{{"networkPlugin":"kubenet","podCidr":"10.244.0.0/16"{extra_net}}},
            "agentPoolProfiles":[{{"name":"sys","count":2{subnet}}}]}}}}"#
        )
    }

    fn managed_vnet(subnet_extra: &str) -> String {
        format!(
            r#"{{"id":"{MC}/virtualNetworks/aks-vnet-12345678","name":"aks-vnet-12345678","type":"Microsoft.Network/virtualNetworks",
            "properties":{{"addressSpace":{{"addressPrefixes":["10.224.0.0/12"]}},
            "subnets":[{{"name":"aks-subnet","id":"{MC}/virtualNetworks/aks-vnet-12345678/subnets/aks-subnet",
              "properties":{{"addressPrefix":"10.224.0.0/16"{subnet_extra}}}}}]}}}}"#
        )
    }

    fn aks_route_table(extra_route: &str) -> String {
        format!(
            r#"{{"id":"{MC}/routeTables/aks-agentpool-12345678-routetable","name":"aks-agentpool-12345678-routetable",
            "type":"Microsoft.Network/routeTables","properties":{{"routes":[
              {{"name":"aks-sys-12345678-vmss000000","properties":{{"addressPrefix":"10.244.0.0/24","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.224.0.4"}}}}{extra_route}]}}}}"#
        )
    }

    const AKS_RT: &str = r#","routeTable":{"id":"/subscriptions/0/resourceGroups/MC_rg_aks1_westeurope/providers/Microsoft.Network/routeTables/aks-agentpool-12345678-routetable"}"#;

    #[test]
    fn kubenet_routes_written_by_aks_pass() {
        let (_, d) = check(
            &UdrOnManagedVnet,
            &[
                &cluster("", ""),
                &managed_vnet(AKS_RT),
                &aks_route_table(""),
            ],
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn flags_added_route_and_service_endpoint() {
        let extra = r#",{"name":"to-fw","properties":{"addressPrefix":"0.0.0.0/0","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.0.0.4"}}"#;
        let subnet = format!(r#"{AKS_RT},"serviceEndpoints":[{{"service":"Microsoft.Storage"}}]"#);
        let (src, d) = check(
            &UdrOnManagedVnet,
            &[
                &cluster("", ""),
                &managed_vnet(&subnet),
                &aks_route_table(extra),
            ],
        );
        let texts: Vec<&str> = d.iter().map(|x| primary_text(&src, x)).collect();
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(texts.contains(&"\"0.0.0.0/0\""));
        assert!(texts.contains(&"\"Microsoft.Storage\""));
    }

    #[test]
    fn flags_own_route_table_on_managed_subnet() {
        let own = r#","routeTable":{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt-fw"}"#;
        let (_, d) = check(&UdrOnManagedVnet, &[&cluster("", ""), &managed_vnet(own)]);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("route table `rt-fw`"));
    }

    #[test]
    fn a_template_vnet_in_an_unknown_group_is_not_the_managed_one() {
        let template_vnet = r#"{"id":"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/virtualNetworks/spoke",
            "name":"spoke","type":"Microsoft.Network/virtualNetworks","properties":{"subnets":[{"name":"nodes",
            "properties":{"addressPrefix":"10.0.0.0/24","serviceEndpoints":[{"service":"Microsoft.Storage"}],
            "routeTable":{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt"}}}]}}"#;
        let (_, d) = check(&UdrOnManagedVnet, &[&cluster("", ""), template_vnet]);
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn flags_udr_without_own_subnet_and_passes_with_one() {
        let (src, d) = check(
            &UdrOnManagedVnet,
            &[&cluster(r#","outboundType":"userDefinedRouting""#, "")],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"userDefinedRouting\"");
        let byo = r#","vnetSubnetID":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s""#;
        assert!(check(
            &UdrOnManagedVnet,
            &[&cluster(r#","outboundType":"userDefinedRouting""#, byo)]
        )
        .1
        .is_empty());
    }
}
