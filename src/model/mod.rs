//! The format-agnostic inventory: clusters, node pools, VNets, subnets, NSGs and
//! route tables, linked by resource id. Rules read only this.

mod appgw;
mod appservice;
pub mod cidr;
mod cluster;
pub mod defaults;
mod display;
mod dns;
mod field;
mod firewall;
mod firewall_policy;
mod firewall_rules;
mod id;
mod index;
mod link;
mod natgw;
mod network;
pub mod nsg;
mod publicip;
pub mod registry;
pub mod role;
pub mod scope;
mod tags;

use crate::hash::FastMap as HashMap;

use crate::source::Span;

pub use appgw::ApplicationGateway;
pub use appservice::{AppService, AppServiceKind};
pub use cluster::{
    Addons, ApiServerAccess, Cluster, IpamMode, LoadBalancerProfile, MaxSurge, NetworkPlugin,
    NetworkProfile, NodePool, OsType,
};
pub use display::display_name;
pub use dns::{PrivateDnsZone, VnetLink};
pub use field::Field;
pub use firewall::AzureFirewall;
pub use firewall_policy::FirewallPolicy;
pub use firewall_rules::{FirewallRule, FirewallRuleCollection, FirewallRuleKind};
pub use natgw::NatGateway;
pub use publicip::{PublicIpAddress, PublicIpPrefix};
pub use tags::Tags;

pub use id::ResourceId;
pub use network::{
    AssociationKind, NetworkSecurityGroup, Peering, Route, RouteTable, SecurityRule, Subnet,
    SubnetAssociation, VirtualNetwork,
};
pub use role::{ManagedIdentity, Principal, RoleAssignment, RoleDefinition};

use index::MatchIndex;
use scope::{ScopeId, ScopeKind, Scopes};

pub type ClusterIdx = usize;
pub type PoolIdx = usize;
pub type VnetIdx = usize;
pub type SubnetIdx = usize;
pub type NsgIdx = usize;
pub type RouteTableIdx = usize;
pub type DnsZoneIdx = usize;

/// Everything read from all inputs of one run.
#[derive(Debug, Default)]
pub struct Inventory {
    pub clusters: Vec<Cluster>,
    pub pools: Vec<NodePool>,
    pub vnets: Vec<VirtualNetwork>,
    pub subnets: Vec<Subnet>,
    pub nsgs: Vec<NetworkSecurityGroup>,
    pub route_tables: Vec<RouteTable>,
    pub associations: Vec<SubnetAssociation>,
    /// App Service apps, plans, VNet integrations and App Service Environments that use a subnet.
    pub app_services: Vec<AppService>,
    /// Application Gateways (the AGIC add-on's gateways).
    pub application_gateways: Vec<ApplicationGateway>,
    /// Private DNS zones with their virtual network links.
    pub private_dns_zones: Vec<PrivateDnsZone>,
    /// Role assignments (`Microsoft.Authorization/roleAssignments`, `azurerm_role_assignment`).
    pub role_assignments: Vec<RoleAssignment>,
    /// Role definitions (custom roles) among the inputs.
    pub role_definitions: Vec<RoleDefinition>,
    /// User-assigned managed identities created by the inputs.
    pub managed_identities: Vec<ManagedIdentity>,
    /// Public IP addresses (`Microsoft.Network/publicIPAddresses`).
    pub public_ips: Vec<PublicIpAddress>,
    /// Public IP prefixes (`Microsoft.Network/publicIPPrefixes`).
    pub public_ip_prefixes: Vec<PublicIpPrefix>,
    /// NAT gateways (`Microsoft.Network/natGateways`).
    pub nat_gateways: Vec<NatGateway>,
    /// Azure Firewalls (`Microsoft.Network/azureFirewalls`).
    pub firewalls: Vec<AzureFirewall>,
    /// Firewall Policies with their rule collection groups.
    pub firewall_policies: Vec<FirewallPolicy>,
    /// Resources of other types that were read (counted in the summary).
    pub other_resources: usize,
    /// `akslint-ignore` tags found on resources.
    pub tag_suppressions: Vec<TagSuppression>,
    /// The scope of every resource above.
    pub scopes: Scopes,
    /// What linking had to say (`ambiguous-reference`).
    pub link_diagnostics: Vec<crate::diagnostic::Diagnostic>,
    linked: bool,
    /// Id lookups for the rules, built once linked.
    lookups: Lookups,
}

/// Rules join by id through these instead of scanning every subnet or VNet
/// per cluster (a scan per cluster made estates quadratic).
#[derive(Debug, Default)]
struct Lookups {
    subnets: MatchIndex<SubnetIdx>,
}

impl Lookups {
    fn build(inv: &Inventory) -> Lookups {
        fn ids<'a>(
            ids: impl Iterator<Item = Option<&'a ResourceId>>,
        ) -> impl Iterator<Item = (usize, &'a ResourceId)> {
            ids.enumerate().filter_map(|(i, id)| Some((i, id?)))
        }
        Lookups {
            subnets: MatchIndex::build(ids(inv.subnets.iter().map(|s| s.id.as_ref()))),
        }
    }
}

/// An `akslint-ignore` tag: the rule codes it names for a resource and its children.
#[derive(Clone, Debug)]
pub struct TagSuppression {
    pub address: String,
    pub codes: Vec<String>,
    pub span: Span,
}

/// Keeps one entry per resource: a resource described twice (inline in its
/// parent and again on its own, as `az group export` writes subnets) is
/// merged. Which descriptions are one resource is [`scope`]'s call.
#[allow(clippy::too_many_arguments)]
fn upsert<T>(
    items: &mut Vec<T>,
    item_scopes: &mut Vec<ScopeId>,
    seen: &mut HashMap<String, Vec<usize>>,
    (scope, kind): (ScopeId, ScopeKind),
    id: Option<&ResourceId>,
    item: T,
    address: fn(&T) -> &str,
    merge: fn(&mut T, T),
) -> usize {
    if let Some(id) = id {
        let key = scope::merge_key(scope, id);
        let same = seen.get(&key).and_then(|found| {
            found
                .iter()
                .copied()
                .find(|&i| scope::same_resource(kind, id, address(&items[i]), address(&item)))
        });
        if let Some(i) = same {
            merge(&mut items[i], item);
            return i;
        }
        seen.entry(key).or_default().push(items.len());
    }
    items.push(item);
    item_scopes.push(scope);
    items.len() - 1
}

/// Collects resources from the ingest stage, then links them once.
#[derive(Debug, Default)]
pub struct InventoryBuilder {
    inv: Inventory,
    cluster_ids: HashMap<String, Vec<usize>>,
    pool_ids: HashMap<String, Vec<usize>>,
    vnet_ids: HashMap<String, Vec<usize>>,
    subnet_ids: HashMap<String, Vec<usize>>,
    nsg_ids: HashMap<String, Vec<usize>>,
    rt_ids: HashMap<String, Vec<usize>>,
    app_service_ids: HashMap<String, Vec<usize>>,
    appgw_ids: HashMap<String, Vec<usize>>,
    dns_zone_ids: HashMap<String, Vec<usize>>,
    role_ids: HashMap<String, Vec<usize>>,
    identity_ids: HashMap<String, Vec<usize>>,
    role_definition_ids: HashMap<String, Vec<usize>>,
    public_ip_ids: HashMap<String, Vec<usize>>,
    public_ip_prefix_ids: HashMap<String, Vec<usize>>,
    nat_gateway_ids: HashMap<String, Vec<usize>>,
    firewall_ids: HashMap<String, Vec<usize>>,
    firewall_policy_ids: HashMap<String, Vec<usize>>,
    /// The scope what is added now belongs to.
    scope: ScopeId,
    /// Set for a builder made by [`InventoryBuilder::recording`].
    log: Option<Vec<Added>>,
}

/// One call on a recording builder, kept to be replayed in input order.
#[derive(Debug)]
enum Added {
    Cluster(Box<Cluster>),
    Pool(Box<NodePool>),
    Vnet(VirtualNetwork),
    Subnet(Subnet),
    Nsg(NetworkSecurityGroup),
    RouteTable(RouteTable),
    Association(SubnetAssociation),
    AppService(AppService),
    ApplicationGateway(ApplicationGateway),
    DnsZone(PrivateDnsZone),
    RoleAssignment(RoleAssignment),
    ManagedIdentity(ManagedIdentity),
    RoleDefinition(RoleDefinition),
    /// The scope has parts that were not read (see [`InventoryBuilder::mark_incomplete`]).
    Incomplete,
    PublicIp(PublicIpAddress),
    PublicIpPrefix(PublicIpPrefix),
    NatGateway(NatGateway),
    Firewall(Box<AzureFirewall>),
    FirewallPolicy(FirewallPolicy),
    TagSuppression(TagSuppression),
    Other,
    SecurityRule(SecurityRule, NetworkSecurityGroup),
    Route(Route, RouteTable),
}

impl InventoryBuilder {
    /// A builder that only records what is added, so that files can be
    /// ingested on several threads and [`replay`](Self::replay)ed into the one
    /// builder in file order: merging by id then gives what a single pass
    /// would. The indices it returns number its own calls; a pool's `cluster`
    /// set from them is remapped when replayed.
    pub fn recording() -> InventoryBuilder {
        InventoryBuilder {
            log: Some(Vec::new()),
            ..InventoryBuilder::default()
        }
    }

    /// Adds what a [`recording`](Self::recording) builder recorded, as if its
    /// calls were made on this builder now. A builder that does not record
    /// has recorded nothing.
    pub fn replay(&mut self, recorded: InventoryBuilder) {
        let log = recorded.log.unwrap_or_default();
        self.reserve_for(&log);
        // The index each recorded cluster got here, by its position in the log.
        let mut clusters: HashMap<usize, ClusterIdx> = HashMap::default();
        for (at, added) in log.into_iter().enumerate() {
            match added {
                Added::Cluster(c) => {
                    clusters.insert(at, self.add_cluster(*c));
                }
                Added::Pool(mut p) => {
                    p.cluster = p.cluster.and_then(|local| clusters.get(&local).copied());
                    self.add_pool(*p);
                }
                Added::Vnet(v) => {
                    self.add_vnet(v);
                }
                Added::Subnet(s) => {
                    self.add_subnet(s);
                }
                Added::Nsg(n) => {
                    self.add_nsg(n);
                }
                Added::RouteTable(r) => {
                    self.add_route_table(r);
                }
                Added::Association(a) => self.add_association(a),
                Added::AppService(a) => {
                    self.add_app_service(a);
                }
                Added::ApplicationGateway(g) => {
                    self.add_application_gateway(g);
                }
                Added::DnsZone(z) => {
                    self.add_private_dns_zone(z);
                }
                Added::RoleAssignment(r) => self.add_role_assignment(r),
                Added::ManagedIdentity(m) => self.add_managed_identity(m),
                Added::RoleDefinition(d) => self.add_role_definition(d),
                Added::Incomplete => self.mark_incomplete(),
                Added::PublicIp(p) => {
                    self.add_public_ip(p);
                }
                Added::PublicIpPrefix(p) => {
                    self.add_public_ip_prefix(p);
                }
                Added::NatGateway(g) => {
                    self.add_nat_gateway(g);
                }
                Added::Firewall(f) => {
                    self.add_firewall(*f);
                }
                Added::FirewallPolicy(p) => {
                    self.add_firewall_policy(p);
                }
                Added::TagSuppression(t) => self.add_tag_suppression(t),
                Added::Other => self.count_other(),
                Added::SecurityRule(rule, stub) => self.add_security_rule(rule, stub),
                Added::Route(route, stub) => self.add_route(route, stub),
            }
        }
    }

    pub fn add_cluster(&mut self, c: Cluster) -> ClusterIdx {
        if let Some(log) = &mut self.log {
            log.push(Added::Cluster(Box::new(c)));
            return log.len() - 1;
        }
        let id = c.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.clusters,
            &mut self.inv.scopes.clusters,
            &mut self.cluster_ids,
            scope,
            id.as_ref(),
            c,
            |x| &x.address,
            merge_cluster,
        )
    }

    pub fn add_pool(&mut self, p: NodePool) -> PoolIdx {
        if let Some(log) = &mut self.log {
            log.push(Added::Pool(Box::new(p)));
            return log.len() - 1;
        }
        let id = p.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.pools,
            &mut self.inv.scopes.pools,
            &mut self.pool_ids,
            scope,
            id.as_ref(),
            p,
            |x| &x.address,
            merge_pool,
        )
    }

    pub fn add_vnet(&mut self, v: VirtualNetwork) -> VnetIdx {
        if let Some(log) = &mut self.log {
            log.push(Added::Vnet(v));
            return log.len() - 1;
        }
        let id = v.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.vnets,
            &mut self.inv.scopes.vnets,
            &mut self.vnet_ids,
            scope,
            id.as_ref(),
            v,
            |x| &x.address,
            merge_vnet,
        )
    }

    pub fn add_subnet(&mut self, s: Subnet) -> SubnetIdx {
        if let Some(log) = &mut self.log {
            log.push(Added::Subnet(s));
            return log.len() - 1;
        }
        let id = s.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.subnets,
            &mut self.inv.scopes.subnets,
            &mut self.subnet_ids,
            scope,
            id.as_ref(),
            s,
            |x| &x.address,
            merge_subnet,
        )
    }

    pub fn add_nsg(&mut self, n: NetworkSecurityGroup) -> NsgIdx {
        if let Some(log) = &mut self.log {
            log.push(Added::Nsg(n));
            return log.len() - 1;
        }
        let id = n.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.nsgs,
            &mut self.inv.scopes.nsgs,
            &mut self.nsg_ids,
            scope,
            id.as_ref(),
            n,
            |x| &x.address,
            merge_nsg,
        )
    }

    pub fn add_route_table(&mut self, r: RouteTable) -> RouteTableIdx {
        if let Some(log) = &mut self.log {
            log.push(Added::RouteTable(r));
            return log.len() - 1;
        }
        let id = r.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.route_tables,
            &mut self.inv.scopes.route_tables,
            &mut self.rt_ids,
            scope,
            id.as_ref(),
            r,
            |x| &x.address,
            merge_route_table,
        )
    }

    pub fn add_app_service(&mut self, a: AppService) -> usize {
        if let Some(log) = &mut self.log {
            log.push(Added::AppService(a));
            return log.len() - 1;
        }
        let id = a.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.app_services,
            &mut self.inv.scopes.app_services,
            &mut self.app_service_ids,
            scope,
            id.as_ref(),
            a,
            |x| &x.address,
            merge_app_service,
        )
    }

    pub fn add_application_gateway(&mut self, g: ApplicationGateway) -> usize {
        if let Some(log) = &mut self.log {
            log.push(Added::ApplicationGateway(g));
            return log.len() - 1;
        }
        let id = g.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.application_gateways,
            &mut self.inv.scopes.application_gateways,
            &mut self.appgw_ids,
            scope,
            id.as_ref(),
            g,
            |x| &x.address,
            merge_application_gateway,
        )
    }

    /// Adds a private DNS zone; a stub (id only) made from a link written on its
    /// own merges with the zone's declaration, in whichever order they come.
    pub fn add_private_dns_zone(&mut self, z: PrivateDnsZone) -> DnsZoneIdx {
        if let Some(log) = &mut self.log {
            log.push(Added::DnsZone(z));
            return log.len() - 1;
        }
        let id = z.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.private_dns_zones,
            &mut self.inv.scopes.private_dns_zones,
            &mut self.dns_zone_ids,
            scope,
            id.as_ref(),
            z,
            |x| &x.address,
            merge_dns_zone,
        )
    }

    pub fn add_role_assignment(&mut self, r: RoleAssignment) {
        if let Some(log) = &mut self.log {
            return log.push(Added::RoleAssignment(r));
        }
        let id = r.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.role_assignments,
            &mut self.inv.scopes.role_assignments,
            &mut self.role_ids,
            scope,
            id.as_ref(),
            r,
            |x| &x.address,
            merge_role_assignment,
        );
    }

    pub fn add_managed_identity(&mut self, m: ManagedIdentity) {
        if let Some(log) = &mut self.log {
            return log.push(Added::ManagedIdentity(m));
        }
        let id = m.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.managed_identities,
            &mut self.inv.scopes.managed_identities,
            &mut self.identity_ids,
            scope,
            id.as_ref(),
            m,
            |x| &x.address,
            |_, _| {},
        );
    }

    pub fn add_role_definition(&mut self, d: RoleDefinition) {
        if let Some(log) = &mut self.log {
            return log.push(Added::RoleDefinition(d));
        }
        let id = d.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.role_definitions,
            &mut self.inv.scopes.role_definitions,
            &mut self.role_definition_ids,
            scope,
            id.as_ref(),
            d,
            |x| &x.address,
            |_, _| {},
        );
    }

    /// Records that the current scope has parts akslint did not read (a module
    /// not evaluated, resources skipped): what it lacks may be there.
    pub fn mark_incomplete(&mut self) {
        if let Some(log) = &mut self.log {
            return log.push(Added::Incomplete);
        }
        if let Some(s) = self.inv.scopes.list.get_mut(self.scope as usize) {
            s.incomplete = true;
        }
    }

    pub fn add_public_ip(&mut self, p: PublicIpAddress) -> usize {
        if let Some(log) = &mut self.log {
            log.push(Added::PublicIp(p));
            return log.len() - 1;
        }
        let id = p.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.public_ips,
            &mut self.inv.scopes.public_ips,
            &mut self.public_ip_ids,
            scope,
            id.as_ref(),
            p,
            |x| &x.address,
            merge_public_ip,
        )
    }

    pub fn add_public_ip_prefix(&mut self, p: PublicIpPrefix) -> usize {
        if let Some(log) = &mut self.log {
            log.push(Added::PublicIpPrefix(p));
            return log.len() - 1;
        }
        let id = p.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.public_ip_prefixes,
            &mut self.inv.scopes.public_ip_prefixes,
            &mut self.public_ip_prefix_ids,
            scope,
            id.as_ref(),
            p,
            |x| &x.address,
            merge_public_ip_prefix,
        )
    }

    /// Adds a NAT gateway; a stub (id and addresses only) made from an association
    /// resource merges with the gateway's declaration, in whichever order they come.
    pub fn add_nat_gateway(&mut self, g: NatGateway) -> usize {
        if let Some(log) = &mut self.log {
            log.push(Added::NatGateway(g));
            return log.len() - 1;
        }
        let id = g.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.nat_gateways,
            &mut self.inv.scopes.nat_gateways,
            &mut self.nat_gateway_ids,
            scope,
            id.as_ref(),
            g,
            |x| &x.address,
            merge_nat_gateway,
        )
    }

    /// Adds an Azure Firewall; a stub made from a classic rule collection resource
    /// merges with the firewall's declaration.
    pub fn add_firewall(&mut self, f: AzureFirewall) -> usize {
        if let Some(log) = &mut self.log {
            log.push(Added::Firewall(Box::new(f)));
            return log.len() - 1;
        }
        let id = f.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.firewalls,
            &mut self.inv.scopes.firewalls,
            &mut self.firewall_ids,
            scope,
            id.as_ref(),
            f,
            |x| &x.address,
            merge_firewall,
        )
    }

    /// Adds a Firewall Policy; a stub made from a rule collection group written on
    /// its own merges with the policy's declaration.
    pub fn add_firewall_policy(&mut self, p: FirewallPolicy) -> usize {
        if let Some(log) = &mut self.log {
            log.push(Added::FirewallPolicy(p));
            return log.len() - 1;
        }
        let id = p.id.clone();
        let scope = self.current_scope();
        upsert(
            &mut self.inv.firewall_policies,
            &mut self.inv.scopes.firewall_policies,
            &mut self.firewall_policy_ids,
            scope,
            id.as_ref(),
            p,
            |x| &x.address,
            merge_firewall_policy,
        )
    }

    pub fn add_association(&mut self, a: SubnetAssociation) {
        if let Some(log) = &mut self.log {
            return log.push(Added::Association(a));
        }
        self.inv.associations.push(a);
        self.inv.scopes.associations.push(self.scope);
    }

    pub fn add_tag_suppression(&mut self, t: TagSuppression) {
        if let Some(log) = &mut self.log {
            return log.push(Added::TagSuppression(t));
        }
        self.inv.tag_suppressions.push(t);
    }

    pub fn count_other(&mut self) {
        if let Some(log) = &mut self.log {
            return log.push(Added::Other);
        }
        self.inv.other_resources += 1;
    }

    /// Adds a security rule written as its own resource to its NSG; the stub NSG
    /// (id only) merges with the NSG's own declaration, in whichever order they come.
    pub fn add_security_rule(&mut self, rule: SecurityRule, nsg_stub: NetworkSecurityGroup) {
        if let Some(log) = &mut self.log {
            return log.push(Added::SecurityRule(rule, nsg_stub));
        }
        let i = self.add_nsg(nsg_stub);
        self.inv.nsgs[i].rules.push(rule);
    }

    /// Adds a route written as its own resource to its route table.
    pub fn add_route(&mut self, route: Route, table_stub: RouteTable) {
        if let Some(log) = &mut self.log {
            return log.push(Added::Route(route, table_stub));
        }
        let i = self.add_route_table(table_stub);
        self.inv.route_tables[i].routes.push(route);
    }

    /// Starts a scope: what is added (or replayed) from now on belongs to it.
    pub fn begin_scope(&mut self, kind: ScopeKind, label: impl Into<String>) -> ScopeId {
        self.inv.scopes.list.push(scope::Scope {
            kind,
            label: label.into(),
            incomplete: false,
        });
        self.scope = (self.inv.scopes.list.len() - 1) as ScopeId;
        self.scope
    }

    fn current_scope(&self) -> (ScopeId, ScopeKind) {
        (self.scope, self.inv.scopes.kind(self.scope))
    }

    /// Resolves every reference and fills in defaults that depend on other
    /// resources. A recording builder holds no resources: its inventory is empty.
    pub fn finish(mut self) -> Inventory {
        // The merge maps are done with: free them before linking builds its
        // own indices (the peak of a big export's check is here).
        let mut inv = std::mem::take(&mut self.inv);
        drop(self);
        link::link(&mut inv);
        defaults::apply(&mut inv);
        inv.lookups = Lookups::build(&inv);
        inv.linked = true;
        inv
    }

    /// Room for what recording builders will add when replayed, so that the
    /// lists grow once rather than by doubling.
    pub fn reserve_for_recorded<'a>(
        &mut self,
        recorded: impl IntoIterator<Item = &'a InventoryBuilder>,
    ) {
        let logs: Vec<&[Added]> = recorded
            .into_iter()
            .filter_map(|r| r.log.as_deref())
            .collect();
        self.reserve_for(logs.into_iter().flatten());
    }

    /// Room for what a log adds, so that the lists of a big export grow
    /// once rather than by doubling (which leaves up to half of them unused).
    fn reserve_for<'a>(&mut self, log: impl IntoIterator<Item = &'a Added>) {
        let (mut clusters, mut pools, mut vnets, mut subnets, mut nsgs, mut route_tables) =
            (0, 0, 0, 0, 0, 0);
        for added in log {
            match added {
                Added::Cluster(_) => clusters += 1,
                Added::Pool(_) => pools += 1,
                Added::Vnet(_) => vnets += 1,
                Added::Subnet(_) => subnets += 1,
                Added::Nsg(_) => nsgs += 1,
                Added::RouteTable(_) => route_tables += 1,
                _ => {}
            }
        }
        let inv = &mut self.inv;
        inv.clusters.reserve(clusters);
        inv.pools.reserve(pools);
        inv.vnets.reserve(vnets);
        inv.subnets.reserve(subnets);
        inv.nsgs.reserve(nsgs);
        inv.route_tables.reserve(route_tables);
    }
}

impl Inventory {
    /// Number of resources read, for the summary line.
    pub fn resource_count(&self) -> usize {
        self.clusters.len()
            + self
                .pools
                .iter()
                .filter(|p| p.inline_index.is_none())
                .count()
            + self.vnets.len()
            + self.subnets.len()
            + self.nsgs.len()
            + self.route_tables.len()
            + self.associations.len()
            + self.app_services.len()
            + self.application_gateways.len()
            + self.private_dns_zones.len()
            + self.role_assignments.len()
            + self.managed_identities.len()
            + self.role_definitions.len()
            + self.public_ips.len()
            + self.public_ip_prefixes.len()
            + self.nat_gateways.len()
            + self.firewalls.len()
            + self.firewall_policies.len()
            // Every virtual network link is a resource of its own, in templates too.
            + self
                .private_dns_zones
                .iter()
                .map(|z| z.links.len())
                .sum::<usize>()
            + self.other_resources
    }

    pub fn is_linked(&self) -> bool {
        self.linked
    }

    pub fn cluster_pools(&self, ci: ClusterIdx) -> impl Iterator<Item = (PoolIdx, &NodePool)> {
        self.clusters[ci].pools.iter().map(|&p| (p, &self.pools[p]))
    }

    /// The subnets whose id matches `id` (placeholders on either side), in order.
    pub fn subnets_matching(&self, id: &ResourceId) -> Vec<SubnetIdx> {
        let id_of = |i: SubnetIdx| self.subnets.get(i)?.id.as_ref();
        self.linked
            .then(|| self.lookups.subnets.matching(id, id_of))
            .flatten()
            .unwrap_or_else(|| {
                scan(self.subnets.iter().map(|s| s.id.as_ref()), |sid| {
                    sid.matches(id)
                })
            })
    }

    /// The cluster of a pool, when it is among the inputs.
    pub fn pool_cluster(&self, pool: &NodePool) -> Option<&Cluster> {
        pool.cluster.map(|c| &self.clusters[c])
    }
}

/// Positions of the ids that satisfy `fits`.
fn scan<'a>(
    ids: impl Iterator<Item = Option<&'a ResourceId>>,
    fits: impl Fn(&ResourceId) -> bool,
) -> Vec<usize> {
    ids.enumerate()
        .filter(|(_, id)| id.is_some_and(&fits))
        .map(|(i, _)| i)
        .collect()
}

fn merge_field<T>(into: &mut Field<T>, other: Field<T>) {
    let taken = std::mem::take(into);
    *into = taken.merge(other);
}

fn merge_tags(into: &mut Tags, other: Tags) {
    let taken = std::mem::take(into);
    *into = taken.merge(other);
}

fn merge_cluster(a: &mut Cluster, mut b: Cluster) {
    a.other_decls.push(b.decl);
    a.other_decls.extend(b.other_decls.iter().copied());
    a.merge_fields(&mut b);
    merge_field(&mut a.name, b.name);
    merge_tags(&mut a.tags, b.tags);
    a.windows_profile |= b.windows_profile;
}

fn merge_application_gateway(a: &mut ApplicationGateway, mut b: ApplicationGateway) {
    a.merge_fields(&mut b);
    merge_field(&mut a.name, b.name);
}

fn merge_public_ip(a: &mut PublicIpAddress, mut b: PublicIpAddress) {
    a.merge_fields(&mut b);
    merge_field(&mut a.name, b.name);
}

fn merge_public_ip_prefix(a: &mut PublicIpPrefix, mut b: PublicIpPrefix) {
    a.merge_fields(&mut b);
    merge_field(&mut a.name, b.name);
}

/// Adds the ids of `more` that `into` does not hold yet.
fn extend_ids(into: &mut Vec<Field<ResourceId>>, more: Vec<Field<ResourceId>>) {
    for f in more {
        let dup = f.value().is_some_and(|id| {
            into.iter()
                .any(|g| g.value().is_some_and(|x| x.matches(id)))
        });
        if !dup {
            into.push(f);
        }
    }
}

fn merge_nat_gateway(a: &mut NatGateway, mut b: NatGateway) {
    a.merge_fields(&mut b);
    adopt_decl(&mut a.decl, &mut a.address, b.decl, b.address);
    merge_field(&mut a.name, b.name);
    extend_ids(&mut a.public_ip_ids, b.public_ip_ids);
    extend_ids(&mut a.public_ip_prefix_ids, b.public_ip_prefix_ids);
}

/// Adds the rule collections of `more` that `into` does not hold yet (by type and name).
fn extend_collections(into: &mut Vec<FirewallRuleCollection>, more: Vec<FirewallRuleCollection>) {
    for c in more {
        let dup = into.iter().any(|q| {
            q.kind == c.kind
                && match (q.name.value(), c.name.value()) {
                    (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
                    _ => false,
                }
        });
        if !dup {
            into.push(c);
        }
    }
}

fn merge_firewall(a: &mut AzureFirewall, mut b: AzureFirewall) {
    a.merge_fields(&mut b);
    adopt_decl(&mut a.decl, &mut a.address, b.decl, b.address);
    merge_field(&mut a.name, b.name);
    a.classic_rules_stated |= b.classic_rules_stated;
    extend_collections(&mut a.collections, b.collections);
}

fn merge_firewall_policy(a: &mut FirewallPolicy, mut b: FirewallPolicy) {
    a.merge_fields(&mut b);
    adopt_decl(&mut a.decl, &mut a.address, b.decl, b.address);
    merge_field(&mut a.name, b.name);
    extend_collections(&mut a.collections, b.collections);
}

fn merge_app_service(a: &mut AppService, mut b: AppService) {
    a.merge_fields(&mut b);
    merge_field(&mut a.name, b.name);
}

fn merge_role_assignment(a: &mut RoleAssignment, b: RoleAssignment) {
    merge_field(&mut a.scope, b.scope);
    merge_field(&mut a.role, b.role);
    merge_field(&mut a.principal, b.principal);
}

fn merge_dns_zone(a: &mut PrivateDnsZone, b: PrivateDnsZone) {
    adopt_decl(&mut a.decl, &mut a.address, b.decl, b.address);
    merge_field(&mut a.name, b.name);
    for l in b.links {
        let dup = a
            .links
            .iter()
            .any(|q| match (q.name.value(), l.name.value()) {
                (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
                _ => false,
            });
        if !dup {
            a.links.push(l);
        }
    }
}

fn merge_pool(a: &mut NodePool, mut b: NodePool) {
    a.merge_fields(&mut b);
    merge_field(&mut a.name, b.name);
    merge_tags(&mut a.tags, b.tags);
    if a.cluster_id.is_none() {
        a.cluster_id = b.cluster_id;
    }
    if a.cluster.is_none() {
        a.cluster = b.cluster;
    }
    a.inline_index = a.inline_index.or(b.inline_index);
}

/// A stub made from a child resource (a peering, a rule, a route) takes the
/// declaration of the parent once it arrives.
fn adopt_decl(decl: &mut Span, address: &mut String, other_decl: Span, other_address: String) {
    if *decl == Span::default() && other_decl != Span::default() {
        *decl = other_decl;
        *address = other_address;
    }
}

fn merge_vnet(a: &mut VirtualNetwork, mut b: VirtualNetwork) {
    a.merge_fields(&mut b);
    adopt_decl(&mut a.decl, &mut a.address, b.decl, b.address);
    merge_field(&mut a.name, b.name);
    merge_tags(&mut a.tags, b.tags);
    for p in b.peerings {
        let dup =
            a.peerings.iter().any(
                |q| match (q.remote_vnet_id.value(), p.remote_vnet_id.value()) {
                    (Some(x), Some(y)) => x.matches(y),
                    _ => false,
                },
            );
        if !dup {
            a.peerings.push(p);
        }
    }
}

fn merge_subnet(a: &mut Subnet, mut b: Subnet) {
    a.merge_fields(&mut b);
    merge_field(&mut a.name, b.name);
    if a.vnet_id.is_none() {
        a.vnet_id = b.vnet_id;
    }
}

fn merge_nsg(a: &mut NetworkSecurityGroup, b: NetworkSecurityGroup) {
    adopt_decl(&mut a.decl, &mut a.address, b.decl, b.address);
    merge_field(&mut a.name, b.name);
    merge_tags(&mut a.tags, b.tags);
    for r in b.rules {
        let dup = a
            .rules
            .iter()
            .any(|q| match (q.name.value(), r.name.value()) {
                (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
                _ => false,
            });
        if !dup {
            a.rules.push(r);
        }
    }
}

fn merge_route_table(a: &mut RouteTable, mut b: RouteTable) {
    a.merge_fields(&mut b);
    adopt_decl(&mut a.decl, &mut a.address, b.decl, b.address);
    merge_field(&mut a.name, b.name);
    merge_tags(&mut a.tags, b.tags);
    for r in b.routes {
        let dup = a
            .routes
            .iter()
            .any(|q| match (q.name.value(), r.name.value()) {
                (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
                _ => false,
            });
        if !dup {
            a.routes.push(r);
        }
    }
}
