use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;

use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::{Label, Severity};
use crate::model::{cidr, Cluster, Field, Inventory, PrivateDnsZone, ResourceId, VnetIdx};
use crate::rules::cluster_name;
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// A private cluster (`apiServerAccessProfile.enablePrivateCluster: true`,
    /// Terraform `private_cluster_enabled`) without API Server VNet Integration
    /// (`enableVnetIntegration`), whose node VNet (the VNet of its pools'
    /// subnets) uses custom DNS servers (`dhcpOptions.dnsServers`, Terraform
    /// `dns_servers`, other than 168.63.129.16). Nodes resolve the API server's
    /// private FQDN through those servers, so each server must be able to
    /// resolve the cluster's private DNS zone (`privateDNSZone`, Terraform
    /// `private_dns_zone_id`). For each custom DNS server outside the node VNet:
    ///
    /// * **error** when the zone is a bring-your-own zone among the inputs, the
    ///   server lies in a VNet among the inputs (a subnet prefix or the address
    ///   space holds its address), and none of the zone's virtual network links
    ///   (`Microsoft.Network/privateDnsZones/virtualNetworkLinks`, Terraform
    ///   `azurerm_private_dns_zone_virtual_network_link`) points at that VNet;
    /// * **warning** when the zone is `system` (or left out): AKS creates
    ///   `privatelink.<region>.azmk8s.io` in the node resource group and links it
    ///   to the cluster's VNet only, and that zone is never among the inputs; the
    ///   same when the bring-your-own zone is not among the inputs, or when the
    ///   server is outside every VNet read and the zone is linked only to the
    ///   node VNet. The finding names what to check.
    ///
    /// A server inside the node VNet is fine: AKS links the zone to the
    /// cluster's VNet. A server that several VNets read could hold (overlapping
    /// inputs; those of the server's own deployment are preferred) is not judged. The rule is silent when `enablePrivateCluster`,
    /// `enableVnetIntegration`, `privateDNSZone`, a DNS server or a link's VNet
    /// cannot be evaluated, when the VNet uses Azure DNS, with `privateDNSZone:
    /// none` (the nodes use the public FQDN; AKS603 judges that setting), and
    /// when a link points at a VNet that is not among the inputs (it may be the
    /// one the server forwards from).
    ///
    /// ## Why it matters
    /// The agent nodes resolve the API server's FQDN through the private DNS zone
    /// (<https://learn.microsoft.com/en-us/azure/aks/private-clusters>). A private
    /// DNS zone answers only queries that reach Azure DNS (168.63.129.16) from a
    /// VNet linked to it; AKS links the zone to the cluster's VNet only. When
    /// that VNet uses custom DNS servers in a hub, the servers forward to
    /// 168.63.129.16 from the hub, where the zone is not linked, and the name
    /// does not resolve: node provisioning fails with
    /// `K8SAPIServerDNSLookupFailVMExtensionError` (exit status 52), on create,
    /// scale and upgrade (F-103;
    /// <https://learn.microsoft.com/en-us/troubleshoot/azure/azure-kubernetes/create-upgrade-delete/error-code-k8sapiserverdnslookupfailvmextensionerror>).
    /// The zone itself is chosen at creation and cannot be changed afterwards
    /// except to `none` (F-088).
    ///
    /// ## How to fix
    /// Link the zone to the VNet that hosts the custom DNS servers (or the
    /// Azure DNS Private Resolver inbound endpoint), and have the servers forward
    /// the zone (or everything) to 168.63.129.16. With `system`, the zone is
    /// created with the cluster, so either bring your own zone, linked to the
    /// hub before the cluster is created, or link AKS's zone to the hub while
    /// the cluster is being provisioned. API Server VNet Integration avoids the
    /// private zone lookup through the DNS servers' VNet altogether.
    ///
    /// ## Example
    /// ```json
    /// { "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    ///   "name": "privatelink.westeurope.azmk8s.io/link-hub", "location": "global",
    ///   "properties": { "registrationEnabled": false,
    ///     "virtualNetwork": { "id": "[resourceId('Microsoft.Network/virtualNetworks', 'vnet-hub')]" } } }
    /// ```
    pub struct PrivateDnsZoneNotLinked {
        code: "AKS604",
        name: "private-dns-zone-not-linked",
        category: Compatibility,
        severity: Error,
        summary: "A private cluster's VNet uses custom DNS servers that cannot resolve the cluster's private DNS zone",
    }
}

/// Azure DNS: a VNet that lists only this address uses Azure DNS.
const AZURE_DNS: &str = "168.63.129.16";

/// The private DNS zone a private cluster's nodes resolve the API server through.
enum Zone<'a> {
    /// `system`: AKS's own zone in the node resource group, never among the inputs.
    System,
    /// A bring-your-own zone by id, and the zone when it is among the inputs.
    Byo(ResourceId, Option<&'a PrivateDnsZone>),
}

/// One custom DNS server of a node VNet.
struct Server<'s> {
    ip: IpAddr,
    text: &'s str,
    span: Span,
    /// The node VNet that lists it.
    vnet: VnetIdx,
}

impl Rule for PrivateDnsZoneNotLinked {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // Built at the first custom DNS server that needs it.
        let mut holders: Option<Holders> = None;
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            let Some(zone) = cluster_zone(inv, cluster) else {
                continue;
            };
            let node_vnets = node_vnets(inv, ci);
            for server in node_vnets.iter().flat_map(|&vi| custom_servers(inv, vi)) {
                let holders = holders.get_or_insert_with(|| Holders::build(inv));
                let hosts = hosting_vnets(inv, holders, &server);
                // In a node VNet, the link AKS makes serves it; in several
                // VNets read (overlapping inputs), which one is unknown.
                if hosts.iter().any(|(h, _)| node_vnets.contains(h)) || hosts.len() > 1 {
                    continue;
                }
                let host = hosts.first().copied();
                judge(inv, cluster, &zone, &server, host, &node_vnets, cx);
            }
        }
    }
}

/// The zone of a private cluster without VNet integration; `None` when the rule
/// has nothing to say (not private, integrated, `none`, unknown values).
fn cluster_zone<'a>(inv: &'a Inventory, cluster: &Cluster) -> Option<Zone<'a>> {
    let api = &cluster.api_server;
    if api.private_cluster.value() != Some(&true) || api.vnet_integration.is_unknown() {
        return None;
    }
    if api.vnet_integration.value() == Some(&true) {
        return None;
    }
    match &api.private_dns_zone {
        Field::Unknown(_) => None,
        Field::Absent => Some(Zone::System),
        Field::Known(z, _) | Field::Default(z, _) => {
            if z.eq_ignore_ascii_case("none") {
                None
            } else if z.eq_ignore_ascii_case("system") {
                Some(Zone::System)
            } else {
                let id = ResourceId::parse(z)?;
                let found = cluster.dns_zone.map(|i| &inv.private_dns_zones[i]);
                Some(Zone::Byo(id, found))
            }
        }
    }
}

/// The VNets of the cluster's pools' subnets, among the inputs, in order.
fn node_vnets(inv: &Inventory, ci: usize) -> Vec<VnetIdx> {
    let mut out: Vec<VnetIdx> = Vec::new();
    for (_, pool) in inv.cluster_pools(ci) {
        let vnet = pool.subnet.and_then(|s| inv.subnets[s].vnet);
        if let Some(v) = vnet.filter(|v| !out.contains(v)) {
            out.push(v);
        }
    }
    out
}

/// A VNet's custom DNS servers (not 168.63.129.16); none when any cannot be read.
fn custom_servers(inv: &Inventory, vi: VnetIdx) -> Vec<Server<'_>> {
    let servers = &inv.vnets[vi].dns_servers;
    if servers.iter().any(|s| !matches!(s, Field::Known(..))) {
        return Vec::new();
    }
    servers
        .iter()
        .filter_map(|s| {
            let Field::Known(text, span) = s else {
                return None;
            };
            let text = text.trim();
            let ip: IpAddr = text.parse().ok()?;
            (text != AZURE_DNS).then_some(Server {
                ip,
                text,
                span: *span,
                vnet: vi,
            })
        })
        .collect()
}

/// Known prefixes by family, length and first address, so the prefixes that
/// hold an address are found with one lookup per prefix length instead of a
/// scan of every subnet and VNet per DNS server (quadratic over an estate).
#[derive(Default)]
struct Holders {
    /// (subnet, position of the prefix in its list).
    subnets: PrefixMap,
    /// (VNet, position of the address space prefix).
    vnets: PrefixMap,
}

/// (family width, prefix length, first address) → (owner index, position of the prefix).
type PrefixMap = HashMap<(u8, u8, u128), Vec<(usize, usize)>>;

fn prefix_key(net: &IpNet) -> (u8, u8, u128) {
    (net.max_prefix_len(), net.prefix_len(), cidr::bounds(net).0)
}

impl Holders {
    fn build(inv: &Inventory) -> Holders {
        let mut h = Holders::default();
        for (si, s) in inv.subnets.iter().enumerate() {
            for (pos, p) in s.address_prefixes.iter().enumerate() {
                if let Some(net) = p.value() {
                    h.subnets
                        .entry(prefix_key(net))
                        .or_default()
                        .push((si, pos));
                }
            }
        }
        for (vi, v) in inv.vnets.iter().enumerate() {
            for (pos, p) in v.address_prefixes.iter().enumerate() {
                if let Some(net) = p.value() {
                    h.vnets.entry(prefix_key(net)).or_default().push((vi, pos));
                }
            }
        }
        h
    }

    /// Every (owner, first position) whose prefix holds `ip`, in owner order.
    fn holding(map: &PrefixMap, ip: IpAddr) -> Vec<(usize, usize)> {
        let width = if ip.is_ipv4() { 32 } else { 128 };
        let mut hits: Vec<(usize, usize)> = (0..=width)
            .filter_map(|len| IpNet::new(ip, len).ok())
            .flat_map(|net| map.get(&prefix_key(&net.trunc())).into_iter().flatten())
            .copied()
            .collect();
        // The first prefix of each owner that holds the address, as a scan would find.
        hits.sort_unstable();
        hits.dedup_by_key(|(owner, _)| *owner);
        hits
    }
}

/// The VNets among the inputs that hold the server's address, each with the
/// prefix that holds it: by their subnets' prefixes, else by their address
/// space; those of the server's own scope first, as links resolve.
fn hosting_vnets(inv: &Inventory, holders: &Holders, server: &Server<'_>) -> Vec<(VnetIdx, Span)> {
    let ip = server.ip;
    let by_subnet: Vec<(VnetIdx, Span)> = Holders::holding(&holders.subnets, ip)
        .into_iter()
        .filter_map(|(si, pos)| {
            let s = &inv.subnets[si];
            let p = &s.address_prefixes[pos];
            Some((s.vnet?, p.span().unwrap_or(s.decl)))
        })
        .collect();
    let by_space: Vec<(VnetIdx, Span)> = Holders::holding(&holders.vnets, ip)
        .into_iter()
        .map(|(vi, pos)| {
            let v = &inv.vnets[vi];
            (vi, v.address_prefixes[pos].span().unwrap_or(v.decl))
        })
        .collect();
    let found = if by_subnet.is_empty() {
        by_space
    } else {
        by_subnet
    };
    let scope_of = |vi: VnetIdx| inv.scopes.vnets.get(vi).copied();
    let own = scope_of(server.vnet);
    let found = if found.iter().any(|f| scope_of(f.0) == own) {
        found.into_iter().filter(|f| scope_of(f.0) == own).collect()
    } else {
        found
    };
    let mut out: Vec<(VnetIdx, Span)> = Vec::new();
    for f in found {
        if !out.iter().any(|o| o.0 == f.0) {
            out.push(f);
        }
    }
    out
}

fn judge(
    inv: &Inventory,
    cluster: &Cluster,
    zone: &Zone<'_>,
    server: &Server<'_>,
    host: Option<(VnetIdx, Span)>,
    node_vnets: &[VnetIdx],
    cx: &mut Context<'_>,
) {
    match zone {
        Zone::Byo(id, Some(z)) => judge_links(inv, cluster, id, z, server, host, node_vnets, cx),
        Zone::Byo(id, None) => {
            let name = zone_display(id, None);
            let what = format!("bring-your-own private DNS zone `{name}` (not among the inputs, so its links cannot be seen)");
            warn(inv, cluster, &name, &what, server, host, cx);
        }
        Zone::System => {
            let name = system_zone_name(cluster);
            let what = format!(
                "the private DNS zone AKS creates (`{name}`, in the node resource group), which AKS links to the cluster's VNet only"
            );
            warn(inv, cluster, &name, &what, server, host, cx);
        }
    }
}

/// A bring-your-own zone among the inputs: its links decide.
#[allow(clippy::too_many_arguments)]
fn judge_links(
    inv: &Inventory,
    cluster: &Cluster,
    id: &ResourceId,
    zone: &PrivateDnsZone,
    server: &Server<'_>,
    host: Option<(VnetIdx, Span)>,
    node_vnets: &[VnetIdx],
    cx: &mut Context<'_>,
) {
    if zone.links.iter().any(|l| l.vnet_id.is_unknown()) {
        return;
    }
    let name = zone_display(id, Some(zone));
    let Some((h, prefix)) = host else {
        // The server is outside every VNet read: a link to a VNet other than the
        // node VNets (or to one not among the inputs) may be where it forwards from.
        let beyond = zone.links.iter().any(|l| match l.vnet {
            Some(v) => !node_vnets.contains(&v),
            None => l.vnet_id.value().is_some(),
        });
        if !beyond {
            let what = format!("private DNS zone `{name}`, linked to no VNet but the cluster's");
            warn(inv, cluster, &name, &what, server, None, cx);
        }
        return;
    };
    let hub_id = inv.vnets[h].id.as_ref();
    let linked = zone.links.iter().any(|l| {
        l.vnet == Some(h)
            || l.vnet_id
                .value()
                .is_some_and(|lid| hub_id.is_some_and(|hid| hid.matches(lid)))
    });
    if linked {
        return;
    }
    let hub = inv.vnets[h].display_name();
    let d = cx.report(
        server.span,
        format!(
            "private cluster `{}` resolves its API server in private DNS zone `{name}`, but VNet `{}` sends DNS queries to {} in VNet `{hub}`, which the zone is not linked to; the nodes cannot resolve the API server (K8SAPIServerDNSLookupFailVMExtensionError, exit status 52)",
            cluster_name(cluster),
            inv.vnets[server.vnet].display_name(),
            server.text,
        ),
        "custom DNS server in a VNet the zone is not linked to",
    );
    d.labels.extend(zone_labels(cluster, zone));
    d.labels.push(Label::new(
        prefix,
        format!("{} is in this prefix of VNet `{hub}`", server.text),
    ));
    d.help = Some(format!(
        "link zone `{name}` to VNet `{hub}` (Microsoft.Network/privateDnsZones/virtualNetworkLinks; Terraform azurerm_private_dns_zone_virtual_network_link) and have {} forward the zone to 168.63.129.16 (F-103)",
        server.text
    ));
    d.resource = Some(cluster.address.clone());
}

fn zone_labels(cluster: &Cluster, zone: &PrivateDnsZone) -> Vec<Label> {
    let mut labels = Vec::new();
    if let Some(s) = cluster.api_server.private_dns_zone.span() {
        labels.push(Label::new(s, "the cluster's private DNS zone"));
    }
    let zone_at = zone.name.span().unwrap_or(zone.decl);
    if zone_at != Span::default() {
        labels.push(Label::new(zone_at, "the zone, with no link to that VNet"));
    }
    labels
}

/// What akslint cannot see: the servers must forward the zone to Azure DNS from a VNet linked to it.
fn warn(
    inv: &Inventory,
    cluster: &Cluster,
    name: &str,
    what: &str,
    server: &Server<'_>,
    host: Option<(VnetIdx, Span)>,
    cx: &mut Context<'_>,
) {
    let place = match host {
        Some((h, _)) => format!("in VNet `{}`", inv.vnets[h].display_name()),
        None => peered_place(inv, server).unwrap_or_else(|| "outside the VNets read".to_string()),
    };
    let d = cx.report_at(
        Severity::Warning,
        server.span,
        format!(
            "private cluster `{}` resolves its API server in {what}; VNet `{}` sends DNS queries to {} ({place}): check that this server forwards `{name}` to 168.63.129.16 from a VNet linked to the zone",
            cluster_name(cluster),
            inv.vnets[server.vnet].display_name(),
            server.text,
        ),
        "custom DNS server: can it resolve the private DNS zone?",
    );
    if let Some(s) = cluster.api_server.private_dns_zone.span() {
        d.labels
            .push(Label::new(s, "the cluster's private DNS zone"));
    }
    if let Some((_, prefix)) = host {
        d.labels.push(Label::new(
            prefix,
            format!("{} is in this prefix", server.text),
        ));
    }
    d.help = Some(format!(
        "link `{name}` to the VNet of the DNS servers (for `system`: bring your own zone linked beforehand, or link AKS's zone during provisioning) and forward it to 168.63.129.16; otherwise nodes fail with K8SAPIServerDNSLookupFailVMExtensionError, exit status 52 (F-103)"
    ));
    d.resource = Some(cluster.address.clone());
}

/// "in the address space of peered VNet `x`", when a peering of the server's
/// VNet states a remote address space that holds the server.
fn peered_place(inv: &Inventory, server: &Server<'_>) -> Option<String> {
    let peering = inv.vnets[server.vnet].peerings.iter().find(|p| {
        p.remote_address_prefixes
            .iter()
            .any(|n| n.value().is_some_and(|n| n.contains(&server.ip)))
    })?;
    let remote = peering
        .remote_vnet_id
        .value()
        .map_or_else(|| "?".to_string(), |id| id.name().to_string());
    Some(format!("in the address space of peered VNet `{remote}`"))
}

/// `privatelink.<region>.azmk8s.io`, with the cluster's location when known.
fn system_zone_name(cluster: &Cluster) -> String {
    let region: String = cluster
        .location
        .value()
        .map(|l| {
            l.chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect()
        })
        .unwrap_or_else(|| "<region>".to_string());
    format!("privatelink.{region}.azmk8s.io")
}

fn zone_display(id: &ResourceId, zone: Option<&PrivateDnsZone>) -> String {
    zone.and_then(|z| z.name.value().cloned())
        .unwrap_or_else(|| id.name().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    const RG: &str = "/subscriptions/0/resourceGroups/rg/providers";

    fn cluster(api: &str) -> String {
        format!(
            r#"{{"id":"{RG}/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters","location":"westeurope",
            "properties":{{"kubernetesVersion":"1.31.5","networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay"}},
            "apiServerAccessProfile":{{"enablePrivateCluster":true{api}}},
            "agentPoolProfiles":[{{"name":"sys","count":1,"vnetSubnetID":"{RG}/Microsoft.Network/virtualNetworks/spoke/subnets/nodes"}}]}}}}"#
        )
    }

    fn spoke(dns: &str) -> String {
        format!(
            r#"{{"id":"{RG}/Microsoft.Network/virtualNetworks/spoke","name":"spoke","type":"Microsoft.Network/virtualNetworks",
            "properties":{{"addressSpace":{{"addressPrefixes":["10.1.0.0/16"]}},"dhcpOptions":{{"dnsServers":[{dns}]}},
            "subnets":[{{"name":"nodes","properties":{{"addressPrefix":"10.1.0.0/22"}}}}]}}}}"#
        )
    }

    fn hub() -> String {
        format!(
            r#"{{"id":"{RG}/Microsoft.Network/virtualNetworks/hub","name":"hub","type":"Microsoft.Network/virtualNetworks",
            "properties":{{"addressSpace":{{"addressPrefixes":["10.0.0.0/16"]}},
            "subnets":[{{"name":"dns","properties":{{"addressPrefix":"10.0.0.0/24"}}}}]}}}}"#
        )
    }

    fn zone() -> String {
        format!(
            r#"{{"id":"{RG}/Microsoft.Network/privateDnsZones/privatelink.westeurope.azmk8s.io","name":"privatelink.westeurope.azmk8s.io","type":"Microsoft.Network/privateDnsZones"}}"#
        )
    }

    fn link(vnet: &str) -> String {
        format!(
            r#"{{"id":"{RG}/Microsoft.Network/privateDnsZones/privatelink.westeurope.azmk8s.io/virtualNetworkLinks/{vnet}","name":"{vnet}",
            "type":"Microsoft.Network/privateDnsZones/virtualNetworkLinks","properties":{{"virtualNetwork":{{"id":"{RG}/Microsoft.Network/virtualNetworks/{vnet}"}}}}}}"#
        )
    }

    fn byo() -> String {
        format!(
            r#","privateDNSZone":"{RG}/Microsoft.Network/privateDnsZones/privatelink.westeurope.azmk8s.io""#
        )
    }

    fn run(docs: &[&str]) -> Vec<(String, Severity)> {
        let (src, d) = check(&PrivateDnsZoneNotLinked, docs);
        d.iter()
            .map(|d| (primary_text(&src, d).to_string(), d.severity))
            .collect()
    }

    #[test]
    fn byo_zone_not_linked_to_the_hub_is_an_error() {
        let (c, s, h, z, l) = (
            cluster(&byo()),
            spoke(r#""10.0.0.4""#),
            hub(),
            zone(),
            link("spoke"),
        );
        let d = run(&[&c, &s, &h, &z, &l]);
        assert_eq!(d, [("\"10.0.0.4\"".to_string(), Severity::Error)]);
        let hub_link = link("hub");
        assert!(run(&[&c, &s, &h, &z, &l, &hub_link]).is_empty());
    }

    #[test]
    fn system_zone_warns_and_azure_dns_or_local_servers_pass() {
        let (c, h) = (cluster(""), hub());
        let s = spoke(r#""10.0.0.4""#);
        assert_eq!(
            run(&[&c, &s, &h]),
            [("\"10.0.0.4\"".to_string(), Severity::Warning)]
        );
        let azure = spoke(r#""168.63.129.16""#);
        assert!(run(&[&c, &azure, &h]).is_empty());
        let local = spoke(r#""10.1.0.4""#);
        assert!(run(&[&c, &local, &h]).is_empty());
        let none = cluster(r#","privateDNSZone":"none""#);
        assert!(run(&[&none, &s, &h]).is_empty());
        let integrated = cluster(r#","enableVnetIntegration":true"#);
        assert!(run(&[&integrated, &s, &h]).is_empty());
    }

    #[test]
    fn servers_outside_the_inputs_and_unknown_links() {
        let (c, z) = (cluster(&byo()), zone());
        let remote = spoke(r#""192.168.1.4""#);
        // Linked to the spoke only: the remote server must forward from a linked VNet.
        let spoke_link = link("spoke");
        assert_eq!(
            run(&[&c, &remote, &z, &spoke_link]),
            [("\"192.168.1.4\"".to_string(), Severity::Warning)]
        );
        // A link to a VNet not among the inputs may be the server's: silent.
        let other = link("vnet-dns");
        assert!(run(&[&c, &remote, &z, &spoke_link, &other]).is_empty());
        // The BYO zone not among the inputs: a warning.
        assert_eq!(
            run(&[&c, &remote]),
            [("\"192.168.1.4\"".to_string(), Severity::Warning)]
        );
        // A value that is not an address is no server akslint can place.
        let unknown = spoke(r#""[parameters('dns')]""#);
        assert!(run(&[&c, &unknown, &z, &spoke_link]).is_empty());
    }
}
