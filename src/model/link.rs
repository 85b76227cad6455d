//! Which resource a reference means. A reference resolves first inside its own
//! scope, then to a resource with that literal id anywhere, then to a resource
//! of another scope only when exactly one candidate fits; when several
//! compete, the link stays Unknown and an info `ambiguous-reference`
//! diagnostic at the reference names them: linking either would be a guess.

use crate::hash::FastMap as HashMap;

use super::index::MatchIndex;
use super::scope::{is_literal, ScopeId, Scopes};
use super::{
    ApplicationGateway, AssociationKind, AzureFirewall, Cluster, Field, FirewallPolicy, Inventory,
    NatGateway, NodePool, PrivateDnsZone, PublicIpAddress, PublicIpPrefix, ResourceId, Subnet,
};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::Span;

/// One candidate of a lookup: its index, id, scope and what a person calls it.
struct Entry {
    index: usize,
    id: ResourceId,
    scope: ScopeId,
}

/// The resources of one kind, by type (for placeholder matches) and through
/// a [`MatchIndex`].
struct ScopedIndex {
    /// The entries by resource type, made when first asked (only a
    /// reference with a placeholder in its last segment asks).
    by_type: std::sync::OnceLock<HashMap<String, Vec<usize>>>,
    /// The entries by hashed key and last segment: a Terraform estate's ids all
    /// hold placeholders, and a scan of every same-typed entry per reference
    /// made linking quadratic.
    matching: MatchIndex<usize>,
    entries: Vec<Entry>,
}

/// What a reference resolved to.
enum Resolved {
    One(usize),
    None,
    /// Several resources fit: their indices.
    Several(Vec<usize>),
}

impl ScopedIndex {
    fn build<'a>(ids: impl Iterator<Item = Option<&'a ResourceId>>, scopes: &[ScopeId]) -> Self {
        let mut index = ScopedIndex {
            by_type: std::sync::OnceLock::new(),
            matching: MatchIndex::default(),
            entries: Vec::new(),
        };
        for (i, id) in ids.enumerate() {
            let Some(id) = id else { continue };
            index.entries.push(Entry {
                index: i,
                id: id.clone(),
                scope: scopes.get(i).copied().unwrap_or_default(),
            });
        }
        index.matching =
            MatchIndex::build(index.entries.iter().enumerate().map(|(e, x)| (e, &x.id)));
        index
    }

    /// Every entry whose id fits `id`: equal keys, or a `{placeholder}` match.
    fn candidates(&self, id: &ResourceId) -> Vec<&Entry> {
        let hashed = self.matching.matching(id, |e| Some(&self.entries[e].id));
        if let Some(found) = hashed {
            return found.into_iter().map(|e| &self.entries[e]).collect();
        }
        // A placeholder in the last segment: only a scan of the type can
        // answer (equal keys match too, and are of the same type).
        let by_type = self.by_type.get_or_init(|| {
            let mut by_type: HashMap<String, Vec<usize>> = HashMap::default();
            for (e, entry) in self.entries.iter().enumerate() {
                by_type.entry(entry.id.resource_type()).or_default().push(e);
            }
            by_type
        });
        let mut found: Vec<usize> = by_type
            .get(&id.resource_type())
            .into_iter()
            .flatten()
            .copied()
            .filter(|&e| self.entries[e].id.matches(id))
            .collect();
        found.sort_unstable();
        found.into_iter().map(|e| &self.entries[e]).collect()
    }

    fn resolve(&self, id: &ResourceId, from: ScopeId) -> Resolved {
        let all = self.candidates(id);
        let pick = |fits: &dyn Fn(&Entry) -> bool| -> Vec<usize> {
            let mut v: Vec<usize> = all.iter().filter(|e| fits(e)).map(|e| e.index).collect();
            v.dedup();
            v
        };
        // Own scope, then literal ids anywhere, then anything that fits.
        let tiers: [&dyn Fn(&Entry) -> bool; 3] = [
            &|e: &Entry| e.scope == from,
            &|e: &Entry| is_literal(&e.id),
            &|_: &Entry| true,
        ];
        for fits in tiers {
            match pick(fits).as_slice() {
                [] => continue,
                [one] => return Resolved::One(*one),
                several => return Resolved::Several(several.to_vec()),
            }
        }
        Resolved::None
    }
}

/// Resolves the references of one kind of resource, noting ambiguity.
struct Linker<'s> {
    scopes: &'s Scopes,
    diagnostics: Vec<Diagnostic>,
}

impl Linker<'_> {
    /// The one resource `id` means from scope `from`; on a tie, a diagnostic
    /// at `at` naming the candidates (described by `describe`).
    fn find(
        &mut self,
        index: &ScopedIndex,
        id: &ResourceId,
        from: ScopeId,
        at: Span,
        describe: &dyn Fn(usize) -> (String, ScopeId),
    ) -> Option<usize> {
        match index.resolve(id, from) {
            Resolved::One(i) => Some(i),
            Resolved::None => None,
            Resolved::Several(found) => {
                self.ambiguous(id, from, at, &found, describe);
                None
            }
        }
    }

    fn ambiguous(
        &mut self,
        id: &ResourceId,
        from: ScopeId,
        at: Span,
        found: &[usize],
        describe: &dyn Fn(usize) -> (String, ScopeId),
    ) {
        let named: Vec<String> = found
            .iter()
            .map(|&i| {
                let (name, scope) = describe(i);
                match self.scopes.label(scope) {
                    "" => format!("`{name}`"),
                    label => format!("`{name}` (in {label})"),
                }
            })
            .collect();
        let message = format!(
            "`{id}` could mean any of {} resources: {}; akslint links none of them, so rules about this reference stay silent",
            found.len(),
            named.join(", ")
        );
        let mut d = Diagnostic::new(
            "ambiguous-reference",
            "ambiguous-reference",
            Severity::Info,
            message,
            Label::new(at, "this reference"),
        )
        .with_help(
            "check each deployment on its own, or write the reference as a full literal resource id",
        )
        .with_resource(id.as_str());
        d.scope = Some(self.scopes.label(from).to_string()).filter(|s| !s.is_empty());
        if !self.diagnostics.contains(&d) {
            self.diagnostics.push(d);
        }
    }
}

/// Links pools to clusters and subnets, subnets to VNets, NSGs and route
/// tables, and folds association resources into their subnets.
pub(super) fn link(inv: &mut Inventory) {
    let sc = &inv.scopes;
    let clusters = ScopedIndex::build(inv.clusters.iter().map(|c| c.id.as_ref()), &sc.clusters);
    let vnets = ScopedIndex::build(inv.vnets.iter().map(|v| v.id.as_ref()), &sc.vnets);
    let subnets = ScopedIndex::build(inv.subnets.iter().map(|s| s.id.as_ref()), &sc.subnets);
    let nsgs = ScopedIndex::build(inv.nsgs.iter().map(|n| n.id.as_ref()), &sc.nsgs);
    let rts = ScopedIndex::build(
        inv.route_tables.iter().map(|r| r.id.as_ref()),
        &sc.route_tables,
    );
    let mut linker = Linker {
        scopes: &inv.scopes,
        diagnostics: Vec::new(),
    };
    let subnet_names: Vec<(String, ScopeId)> = inv
        .subnets
        .iter()
        .zip(&inv.scopes.subnets)
        .map(|(s, &sc)| (s.display_name(), sc))
        .collect();
    let describe_subnet = |i: usize| subnet_names[i].clone();

    for (ai, assoc) in inv.associations.iter().enumerate() {
        let Some(subnet_id) = assoc.subnet_id.value() else {
            continue;
        };
        let from = inv.scopes.associations.get(ai).copied().unwrap_or_default();
        let at = assoc.subnet_id.span().unwrap_or(assoc.decl);
        let Some(si) = linker.find(&subnets, subnet_id, from, at, &describe_subnet) else {
            continue;
        };
        let subnet = &mut inv.subnets[si];
        let slot = match assoc.kind {
            AssociationKind::NetworkSecurityGroup => &mut subnet.nsg_id,
            AssociationKind::RouteTable => &mut subnet.route_table_id,
            AssociationKind::NatGateway => &mut subnet.nat_gateway_id,
        };
        let taken = std::mem::take(slot);
        *slot = taken.merge(assoc.target_id.clone());
    }

    let cluster_names: Vec<(String, ScopeId)> = inv
        .clusters
        .iter()
        .zip(&inv.scopes.clusters)
        .map(|(c, &sc)| (c.address.clone(), sc))
        .collect();
    for (pi, pool) in inv.pools.iter_mut().enumerate() {
        let from = inv.scopes.pools.get(pi).copied().unwrap_or_default();
        if pool.cluster.is_none() {
            pool.cluster = pool.cluster_id.as_ref().and_then(|id| {
                linker.find(&clusters, id, from, pool.decl, &|i| {
                    cluster_names[i].clone()
                })
            });
        }
        let mut subnet_of = |field: &super::Field<ResourceId>| {
            let id = field.value()?;
            let at = field.span().unwrap_or(pool.decl);
            linker.find(&subnets, id, from, at, &describe_subnet)
        };
        pool.subnet = subnet_of(&pool.vnet_subnet_id);
        pool.pod_subnet = subnet_of(&pool.pod_subnet_id);
        if let Some(ci) = pool.cluster {
            let pools = &mut inv.clusters[ci].pools;
            if !pools.contains(&pi) {
                pools.push(pi);
            }
        }
    }
    for (ci, cluster) in inv.clusters.iter_mut().enumerate() {
        let from = inv.scopes.clusters.get(ci).copied().unwrap_or_default();
        let field = &cluster.api_server.subnet_id;
        cluster.api_server_subnet = field.value().and_then(|id| {
            let at = field.span().unwrap_or(cluster.decl);
            linker.find(&subnets, id, from, at, &describe_subnet)
        });
    }
    // Inline pools first, in the order the cluster lists them; separate pool resources after.
    for cluster in &mut inv.clusters {
        let pools = &inv.pools;
        cluster
            .pools
            .sort_by_key(|&p| (pools[p].inline_index.unwrap_or(usize::MAX), p));
    }

    let vnet_names: Vec<(String, ScopeId)> = inv
        .vnets
        .iter()
        .zip(&inv.scopes.vnets)
        .map(|(v, &sc)| (v.address.clone(), sc))
        .collect();
    let nsg_names: Vec<(String, ScopeId)> = inv
        .nsgs
        .iter()
        .zip(&inv.scopes.nsgs)
        .map(|(n, &sc)| (n.address.clone(), sc))
        .collect();
    let rt_names: Vec<(String, ScopeId)> = inv
        .route_tables
        .iter()
        .zip(&inv.scopes.route_tables)
        .map(|(r, &sc)| (r.address.clone(), sc))
        .collect();
    for (si, subnet) in inv.subnets.iter_mut().enumerate() {
        let from = inv.scopes.subnets.get(si).copied().unwrap_or_default();
        if subnet.vnet_id.is_none() {
            subnet.vnet_id = subnet.id.as_ref().and_then(ResourceId::parent);
        }
        subnet.vnet = subnet
            .vnet_id
            .as_ref()
            .and_then(|id| linker.find(&vnets, id, from, subnet.decl, &|i| vnet_names[i].clone()));
        if let Some(vi) = subnet.vnet {
            inv.vnets[vi].subnets.push(si);
        }
        let (nsg_id, rt_id) = (&subnet.nsg_id, &subnet.route_table_id);
        subnet.nsg = nsg_id.value().and_then(|id| {
            let at = nsg_id.span().unwrap_or(subnet.decl);
            linker.find(&nsgs, id, from, at, &|i| nsg_names[i].clone())
        });
        subnet.route_table = rt_id.value().and_then(|id| {
            let at = rt_id.span().unwrap_or(subnet.decl);
            linker.find(&rts, id, from, at, &|i| rt_names[i].clone())
        });
    }
    // Peerings to the VNets they name, in the peering VNet's scope.
    let mut peered_from: Vec<(usize, usize)> = Vec::new();
    for (vi, vnet) in inv.vnets.iter_mut().enumerate() {
        let from = inv.scopes.vnets.get(vi).copied().unwrap_or_default();
        for peering in &mut vnet.peerings {
            let field = &peering.remote_vnet_id;
            peering.remote_vnet = field.value().and_then(|id| {
                let at = field.span().unwrap_or(peering.decl);
                linker.find(&vnets, id, from, at, &|i| vnet_names[i].clone())
            });
            if let Some(ri) = peering.remote_vnet {
                peered_from.push((ri, vi));
            }
        }
    }
    for (ri, vi) in peered_from {
        if ri != vi && !inv.vnets[ri].peered_from.contains(&vi) {
            inv.vnets[ri].peered_from.push(vi);
        }
    }
    let apps = ScopedIndex::build(
        inv.app_services.iter().map(|a| a.id.as_ref()),
        &inv.scopes.app_services,
    );
    let app_names: Vec<(String, ScopeId)> = inv
        .app_services
        .iter()
        .zip(&inv.scopes.app_services)
        .map(|(a, &sc)| (a.address.clone(), sc))
        .collect();
    let sites: Vec<Option<usize>> = inv
        .app_services
        .iter()
        .enumerate()
        .map(|(ai, app)| {
            let from = inv.scopes.app_services.get(ai).copied().unwrap_or_default();
            let id = app.app_id.value()?;
            let at = app.app_id.span().unwrap_or(app.decl);
            linker.find(&apps, id, from, at, &|i| app_names[i].clone())
        })
        .collect();
    for (app, site) in inv.app_services.iter_mut().zip(sites) {
        app.app = site;
    }
    for (ai, app) in inv.app_services.iter_mut().enumerate() {
        let from = inv.scopes.app_services.get(ai).copied().unwrap_or_default();
        let field = &app.subnet_id;
        app.subnet = field.value().and_then(|id| {
            let at = field.span().unwrap_or(app.decl);
            linker.find(&subnets, id, from, at, &describe_subnet)
        });
    }
    link_application_gateways(
        (&mut inv.application_gateways, &mut inv.clusters),
        &inv.scopes,
        &mut linker,
        (&subnets, &describe_subnet),
    );
    link_dns_zones(
        &mut inv.private_dns_zones,
        &mut inv.clusters,
        &inv.scopes,
        (&mut linker, &vnets, &vnet_names),
    );
    link_egress(
        Egress {
            public_ips: &mut inv.public_ips,
            public_ip_prefixes: &mut inv.public_ip_prefixes,
            nat_gateways: &mut inv.nat_gateways,
            firewalls: &mut inv.firewalls,
            firewall_policies: &mut inv.firewall_policies,
            subnets: &mut inv.subnets,
            pools: &mut inv.pools,
        },
        &inv.scopes,
        &mut linker,
        (&subnets, &describe_subnet),
    );
    inv.link_diagnostics = linker.diagnostics;
}

/// The resources of egress paths: public IPs and prefixes, NAT gateways, firewalls and policies.
struct Egress<'a> {
    public_ips: &'a mut [PublicIpAddress],
    public_ip_prefixes: &'a mut [PublicIpPrefix],
    nat_gateways: &'a mut [NatGateway],
    firewalls: &'a mut [AzureFirewall],
    firewall_policies: &'a mut [FirewallPolicy],
    subnets: &'a mut [Subnet],
    pools: &'a mut [NodePool],
}

/// One kind of resource, indexed for lookups, with what a person calls each.
struct Kind {
    index: ScopedIndex,
    names: Vec<(String, ScopeId)>,
}

impl Kind {
    fn build<'a, T: 'a>(
        items: &'a [T],
        scopes: &[ScopeId],
        id: impl Fn(&'a T) -> Option<&'a ResourceId>,
        address: impl Fn(&T) -> &str,
    ) -> Kind {
        Kind {
            index: ScopedIndex::build(items.iter().map(id), scopes),
            names: items
                .iter()
                .zip(scopes)
                .map(|(x, &sc)| (address(x).to_string(), sc))
                .collect(),
        }
    }

    /// The one resource a reference means, from scope `from` (the reference's span, else `decl`).
    fn find(
        &self,
        linker: &mut Linker<'_>,
        field: &Field<ResourceId>,
        from: ScopeId,
        decl: Span,
    ) -> Option<usize> {
        let id = field.value()?;
        let at = field.span().unwrap_or(decl);
        linker.find(&self.index, id, from, at, &|i| self.names[i].clone())
    }
}

/// Public IPs to their prefixes, NAT gateways to their IPs and prefixes, subnets
/// to their NAT gateway, firewalls to their subnet, policy and public IPs, and
/// policies to their parent, each within its scope first.
fn link_egress(
    e: Egress<'_>,
    scopes: &Scopes,
    linker: &mut Linker<'_>,
    (subnets, describe_subnet): (&ScopedIndex, &dyn Fn(usize) -> (String, ScopeId)),
) {
    let scope = |list: &[ScopeId], i: usize| list.get(i).copied().unwrap_or_default();
    let prefixes = Kind::build(
        e.public_ip_prefixes,
        &scopes.public_ip_prefixes,
        |p| p.id.as_ref(),
        |p| &p.address,
    );
    for (i, pool) in e.pools.iter_mut().enumerate() {
        let from = scope(&scopes.pools, i);
        pool.node_public_ip_prefix =
            prefixes.find(linker, &pool.node_public_ip_prefix_id, from, pool.decl);
    }
    for (i, ip) in e.public_ips.iter_mut().enumerate() {
        let from = scope(&scopes.public_ips, i);
        ip.prefix = prefixes.find(linker, &ip.prefix_id, from, ip.decl);
    }
    let ips = Kind::build(
        e.public_ips,
        &scopes.public_ips,
        |p| p.id.as_ref(),
        |p| &p.address,
    );
    for (i, gw) in e.nat_gateways.iter_mut().enumerate() {
        let from = scope(&scopes.nat_gateways, i);
        gw.public_ips = (gw.public_ip_ids.iter())
            .map(|f| ips.find(linker, f, from, gw.decl))
            .collect();
        gw.public_ip_prefixes = (gw.public_ip_prefix_ids.iter())
            .map(|f| prefixes.find(linker, f, from, gw.decl))
            .collect();
    }
    let gateways = Kind::build(
        e.nat_gateways,
        &scopes.nat_gateways,
        |g| g.id.as_ref(),
        |g| &g.address,
    );
    for (i, subnet) in e.subnets.iter_mut().enumerate() {
        let from = scope(&scopes.subnets, i);
        subnet.nat_gateway = gateways.find(linker, &subnet.nat_gateway_id, from, subnet.decl);
    }
    let policies = Kind::build(
        e.firewall_policies,
        &scopes.firewall_policies,
        |p| p.id.as_ref(),
        |p| &p.address,
    );
    for (i, policy) in e.firewall_policies.iter_mut().enumerate() {
        let from = scope(&scopes.firewall_policies, i);
        policy.base = policies
            .find(linker, &policy.base_policy_id, from, policy.decl)
            .filter(|&b| b != i);
    }
    for (i, fw) in e.firewalls.iter_mut().enumerate() {
        let from = scope(&scopes.firewalls, i);
        fw.policy = policies.find(linker, &fw.policy_id, from, fw.decl);
        fw.public_ips = (fw.public_ip_ids.iter())
            .map(|f| ips.find(linker, f, from, fw.decl))
            .collect();
        fw.subnet = fw.subnet_id.value().and_then(|id| {
            let at = fw.subnet_id.span().unwrap_or(fw.decl);
            linker.find(subnets, id, from, at, describe_subnet)
        });
    }
}

/// Application Gateways to their subnets, and AGIC add-ons to their gateway and subnet.
fn link_application_gateways(
    (application_gateways, clusters): (&mut [ApplicationGateway], &mut [Cluster]),
    scopes: &Scopes,
    linker: &mut Linker<'_>,
    (subnets, describe_subnet): (&ScopedIndex, &dyn Fn(usize) -> (String, ScopeId)),
) {
    for (gi, gw) in application_gateways.iter_mut().enumerate() {
        let from = scopes
            .application_gateways
            .get(gi)
            .copied()
            .unwrap_or_default();
        let field = &gw.subnet_id;
        gw.subnet = field.value().and_then(|id| {
            let at = field.span().unwrap_or(gw.decl);
            linker.find(subnets, id, from, at, describe_subnet)
        });
    }
    let gateways = ScopedIndex::build(
        application_gateways.iter().map(|g| g.id.as_ref()),
        &scopes.application_gateways,
    );
    let gateway_names: Vec<(String, ScopeId)> = application_gateways
        .iter()
        .zip(&scopes.application_gateways)
        .map(|(g, &sc)| (g.address.clone(), sc))
        .collect();
    for (ci, cluster) in clusters.iter_mut().enumerate() {
        let from = scopes.clusters.get(ci).copied().unwrap_or_default();
        let addons = &cluster.addons;
        let (gw, sn) = (
            &addons.ingress_appgw_gateway_id,
            &addons.ingress_appgw_subnet_id,
        );
        cluster.agic_gateway = gw.value().and_then(|id| {
            let at = gw.span().unwrap_or(cluster.decl);
            linker.find(&gateways, id, from, at, &|i| gateway_names[i].clone())
        });
        cluster.agic_subnet = sn.value().and_then(|id| {
            let at = sn.span().unwrap_or(cluster.decl);
            linker.find(subnets, id, from, at, describe_subnet)
        });
    }
}

/// Links each private DNS zone's virtual network links to their VNets, and each
/// private cluster's bring-your-own zone id to the zone (own scope first).
fn link_dns_zones(
    dns_zones: &mut [PrivateDnsZone],
    clusters: &mut [Cluster],
    sc: &Scopes,
    (linker, vnets, vnet_names): (&mut Linker<'_>, &ScopedIndex, &[(String, ScopeId)]),
) {
    for (zi, zone) in dns_zones.iter_mut().enumerate() {
        let from = sc.private_dns_zones.get(zi).copied().unwrap_or_default();
        for link in &mut zone.links {
            let field = &link.vnet_id;
            link.vnet = field.value().and_then(|id| {
                let at = field.span().unwrap_or(link.decl);
                linker.find(vnets, id, from, at, &|i| vnet_names[i].clone())
            });
        }
    }
    let zones = ScopedIndex::build(
        dns_zones.iter().map(|z| z.id.as_ref()),
        &sc.private_dns_zones,
    );
    let zone_names: Vec<(String, ScopeId)> = dns_zones
        .iter()
        .zip(&sc.private_dns_zones)
        .map(|(z, &sc)| (z.address.clone(), sc))
        .collect();
    for (ci, cluster) in clusters.iter_mut().enumerate() {
        let from = sc.clusters.get(ci).copied().unwrap_or_default();
        let field = &cluster.api_server.private_dns_zone;
        let Some(id) = field.value().and_then(|z| ResourceId::parse(z)) else {
            continue;
        };
        let at = field.span().unwrap_or(cluster.decl);
        cluster.dns_zone = linker.find(&zones, &id, from, at, &|i| zone_names[i].clone());
    }
}
