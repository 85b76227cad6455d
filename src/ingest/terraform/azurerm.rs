//! azurerm resources (provider 3.x and 4.x attribute names) into the model.
//!
//! Values the configuration leaves out stay `Absent`: Azure's defaults are applied
//! by the model. The provider sends nothing for an omitted `network_profile`
//! (`expandKubernetesClusterNetworkProfile` returns nil for an empty block, and
//! `network_plugin` is required inside it), so AKS picks the plugin by Kubernetes
//! version exactly as for ARM (F-002); azurerm 3.x documentation saying "kubenet"
//! describes the older API default, not something the provider sets.

use ipnet::IpNet;

use super::resolve::Resolver;
use super::TfResource;
use crate::ingest::values::{boolean, cidr, int, list, nonempty_string, resource_id, string, tags};
use crate::model::{
    Addons, ApiServerAccess, AssociationKind, Cluster, Field, InventoryBuilder,
    LoadBalancerProfile, NetworkPlugin, NetworkProfile, NetworkSecurityGroup, NodePool, OsType,
    Peering, ResourceId, Route, RouteTable, SecurityRule, Subnet, SubnetAssociation, Tags,
    VirtualNetwork,
};
use crate::source::Span;
use crate::syntax::{Node, NodeKind};

pub(super) const SUBNET: &str = "microsoft.network/virtualnetworks/subnets";
pub(super) const VNET: &str = "microsoft.network/virtualnetworks";
const NSG: &str = "microsoft.network/networksecuritygroups";
const ROUTE_TABLE: &str = "microsoft.network/routetables";
pub(super) const NAT_GATEWAY: &str = "microsoft.network/natgateways";
const CLUSTER: &str = "microsoft.containerservice/managedclusters";
pub(super) const FIREWALL: &str = "microsoft.network/azurefirewalls";
pub(super) const PUBLIC_IP: &str = "microsoft.network/publicipaddresses";
pub(super) const PUBLIC_IP_PREFIX: &str = "microsoft.network/publicipprefixes";
const PRIVATE_DNS_ZONE: &str = "microsoft.network/privatednszones";
pub(super) const USER_ASSIGNED_IDENTITY: &str = "microsoft.managedidentity/userassignedidentities";

/// One resource being mapped, with what the whole set knows about it.
pub(super) struct Cx<'a> {
    pub(super) r: &'a TfResource,
    pub(super) i: usize,
    pub(super) rs: &'a Resolver<'a>,
    /// An NSG association whose subnet could not be placed: any subnet without an
    /// NSG of its own might be the one it means.
    pub(super) loose_nsg: Option<Span>,
    /// The same for route table and NAT gateway associations.
    pub(super) loose_route_table: Option<Span>,
    pub(super) loose_nat_gateway: Option<Span>,
}

impl<'a> Cx<'a> {
    pub(super) fn v(&self, key: &str) -> Option<&'a Node> {
        self.r.values.get(key)
    }

    pub(super) fn id(&self) -> Option<ResourceId> {
        self.rs.id(self.i)
    }

    pub(super) fn id_field(
        &self,
        node: Option<&Node>,
        path: &str,
        arm_type: &str,
    ) -> Field<ResourceId> {
        self.rs.id_field(self.i, node, path, arm_type)
    }
}

/// A nested block: the first of a list of blocks, or the block itself.
pub(super) fn block(node: Option<&Node>) -> Option<&Node> {
    match &node?.kind {
        NodeKind::Null => None,
        NodeKind::Array(items) => items.iter().find(|n| !n.is_null()),
        _ => node,
    }
}

/// Every block of a repeated nested block.
pub(super) fn blocks(node: Option<&Node>) -> Vec<&Node> {
    match node.map(|n| &n.kind) {
        Some(NodeKind::Array(items)) => items.iter().filter(|n| !n.is_null()).collect(),
        Some(NodeKind::Object(_)) => node.into_iter().collect(),
        _ => Vec::new(),
    }
}

/// An attribute of a block; every attribute of an unknown block is unknown.
pub(super) fn sub<'n>(block: Option<&'n Node>, key: &str) -> Option<&'n Node> {
    let b = block?;
    if b.is_unknown() {
        Some(b)
    } else {
        b.get(key)
    }
}

/// `identity.identity_ids`: each id as written, or the user-assigned identity it refers to.
fn identity_ids(cx: &Cx<'_>) -> Vec<Field<ResourceId>> {
    let ids = sub(block(cx.v("identity")), "identity_ids");
    match ids.map(|n| &n.kind) {
        Some(NodeKind::Array(items)) => items
            .iter()
            .map(|n| cx.id_field(Some(n), "identity.identity_ids", USER_ASSIGNED_IDENTITY))
            .collect(),
        Some(NodeKind::Null) | None => Vec::new(),
        Some(_) => vec![resource_id(ids)],
    }
}

pub(super) fn cluster(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let r = cx.r;
    let id = cx.id();
    let api = block(cx.v("api_server_access_profile"));
    let mut ranges = list(sub(api, "authorized_ip_ranges"), string);
    if ranges.is_empty() {
        // azurerm 3.x only; removed in 4.0.
        ranges = list(cx.v("api_server_authorized_ip_ranges"), string);
    }
    let cluster = Cluster {
        id: id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        name: string(cx.v("name")),
        tags: tags(cx.v("tags")),
        location: string(cx.v("location")),
        kubernetes_version: nonempty_string(cx.v("kubernetes_version")),
        node_resource_group: nonempty_string(cx.v("node_resource_group")),
        // azurerm has no SKU name: AKS Automatic is not an azurerm cluster.
        sku_name: Field::Absent,
        sku_tier: nonempty_string(cx.v("sku_tier")),
        identity_type: nonempty_string(sub(block(cx.v("identity")), "type")),
        // Known only after apply; plans and state files carry it when applied.
        principal_id: nonempty_string(sub(block(cx.v("identity")), "principal_id"))
            .map(|p| p.to_ascii_lowercase()),
        user_assigned_identity_ids: identity_ids(cx),
        user_assigned_principal_ids: Vec::new(),
        network: network_profile(cx),
        api_server: ApiServerAccess {
            private_cluster: boolean(cx.v("private_cluster_enabled")),
            // 4.x `virtual_network_integration_enabled`; 3.x `vnet_integration_enabled`.
            vnet_integration: boolean(sub(api, "virtual_network_integration_enabled"))
                .merge(boolean(sub(api, "vnet_integration_enabled"))),
            subnet_id: cx.id_field(
                sub(api, "subnet_id"),
                "api_server_access_profile.subnet_id",
                SUBNET,
            ),
            authorized_ip_ranges: ranges,
            private_dns_zone: private_dns_zone(cx),
            // The provider always sends it: left out is `false` (ARM's own default is `true`).
            private_cluster_public_fqdn: boolean(cx.v("private_cluster_public_fqdn_enabled"))
                .or_default(false, r.decl),
        },
        addons: addons(cx),
        windows_profile: block(cx.v("windows_profile")).is_some(),
        pools: Vec::new(),
        ipam_mode: None,
        api_server_subnet: None,
        agic_gateway: None,
        agic_subnet: None,
        dns_zone: None,
        other_decls: Vec::new(),
    };
    let ci = b.add_cluster(cluster);
    if let Some(node) = block(cx.v("default_node_pool")) {
        let address = format!("{}.default_node_pool", r.address);
        add_inline_pool(b, cx, node, "default_node_pool.", address, 0, (&id, ci));
        return;
    }
    // azurerm before 2.0 wrote the pools as repeated `agent_pool_profile`
    // blocks, the same shape as `default_node_pool`; the first is the system pool.
    for (i, node) in blocks(cx.v("agent_pool_profile")).into_iter().enumerate() {
        let address = format!("{}.agent_pool_profile[{i}]", r.address);
        add_inline_pool(b, cx, node, "agent_pool_profile.", address, i, (&id, ci));
    }
}

/// `private_dns_zone_id`: `System`, `None`, or a zone's id (written, or built
/// from the `azurerm_private_dns_zone` it refers to).
fn private_dns_zone(cx: &Cx<'_>) -> Field<String> {
    let node = cx.v("private_dns_zone_id");
    match nonempty_string(node) {
        Field::Known(s, span) if ResourceId::parse(&s).is_none() && !s.contains('{') => {
            Field::Known(s, span)
        }
        Field::Absent => Field::Absent,
        _ => cx
            .id_field(node, "private_dns_zone_id", PRIVATE_DNS_ZONE)
            .map(|id| id.as_str().to_string()),
    }
}

/// A pool written inside the cluster resource; the first one is the system pool.
fn add_inline_pool(
    b: &mut InventoryBuilder,
    cx: &Cx<'_>,
    node: &Node,
    path: &str,
    address: String,
    index: usize,
    (cluster_id, ci): (&Option<ResourceId>, usize),
) {
    let mut pool = pool_from(cx, node, path, node.span);
    pool.address = address;
    pool.id = match (cluster_id, plain_name(&pool.name)) {
        (Some(c), Some(n)) => c.child("agentPools", n),
        _ => None,
    };
    pool.cluster_id = cluster_id.clone();
    pool.cluster = Some(ci);
    pool.inline_index = Some(index);
    if index == 0 {
        pool.mode = Field::Default("System".into(), node.span);
    }
    b.add_pool(pool);
}

fn network_profile(cx: &Cx<'_>) -> NetworkProfile {
    let Some(np) = block(cx.v("network_profile")) else {
        return NetworkProfile {
            span: cx.v("name").map_or(cx.r.decl, |n| n.span),
            ..NetworkProfile::default()
        };
    };
    let get = |k: &str| sub(Some(np), k);
    NetworkProfile {
        span: np.span,
        plugin: nonempty_string(get("network_plugin")).map(|s| NetworkPlugin::parse(&s)),
        plugin_mode: nonempty_string(get("network_plugin_mode")),
        policy: nonempty_string(get("network_policy")),
        // 4.x `network_data_plane`; 3.x `ebpf_data_plane` (whose only value is `cilium`).
        dataplane: nonempty_string(get("network_data_plane"))
            .merge(nonempty_string(get("ebpf_data_plane"))),
        pod_cidrs: cidrs(get("pod_cidrs"), get("pod_cidr")),
        service_cidrs: cidrs(get("service_cidrs"), get("service_cidr")),
        dns_service_ip: crate::ingest::values::ip(get("dns_service_ip")),
        outbound_type: nonempty_string(get("outbound_type")),
        load_balancer_sku: nonempty_string(get("load_balancer_sku")),
        ip_families: list(get("ip_versions"), nonempty_string),
        // azurerm's `nat_gateway_profile` has no SKU.
        nat_gateway_sku: Field::Absent,
        load_balancer: load_balancer_profile(block(get("load_balancer_profile"))),
    }
}

fn load_balancer_profile(lb: Option<&Node>) -> LoadBalancerProfile {
    let get = |k: &str| sub(lb, k);
    LoadBalancerProfile {
        allocated_outbound_ports: int(get("outbound_ports_allocated")),
        managed_outbound_ip_count: int(get("managed_outbound_ip_count")),
        outbound_ip_ids: list(get("outbound_ip_address_ids"), resource_id),
        outbound_ip_prefix_ids: list(get("outbound_ip_prefix_ids"), resource_id),
    }
}

/// `aci_connector_linux` and `ingress_application_gateway` blocks: present means enabled.
fn addons(cx: &Cx<'_>) -> Addons {
    let aci = block(cx.v("aci_connector_linux"));
    let agic = block(cx.v("ingress_application_gateway"));
    let present = |b: Option<&Node>| b.map_or(Field::Absent, |n| Field::Known(true, n.span));
    Addons {
        aci_connector: present(aci),
        aci_connector_subnet_name: nonempty_string(sub(aci, "subnet_name")),
        ingress_appgw: present(agic),
        ingress_appgw_gateway_id: cx.id_field(
            sub(agic, "gateway_id"),
            "ingress_application_gateway.gateway_id",
            "microsoft.network/applicationgateways",
        ),
        ingress_appgw_subnet_id: resource_id(sub(agic, "subnet_id")),
        ingress_appgw_subnet_cidr: cidr(sub(agic, "subnet_cidr")),
        // azurerm 3.x only; 4.0 removed the add-on's argument.
        http_application_routing: boolean(cx.v("http_application_routing_enabled")),
    }
}

/// `pod_cidrs` when fully known (it carries both families), else `pod_cidr`.
fn cidrs(plural: Option<&Node>, single: Option<&Node>) -> Vec<Field<IpNet>> {
    let many = list(plural, cidr);
    if !many.is_empty() && many.iter().all(|f| f.known().is_some()) {
        return many;
    }
    let one = cidr(single);
    if one.known().is_some() || (many.is_empty() && one.is_unknown()) {
        return vec![one];
    }
    many
}

/// A separate `azurerm_kubernetes_cluster_node_pool`.
pub(super) fn node_pool(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let mut pool = pool_from(cx, &cx.r.values, "", cx.r.decl);
    pool.id = cx.id();
    pool.address = cx.r.address.clone();
    pool.cluster_id = cx
        .id_field(
            cx.v("kubernetes_cluster_id"),
            "kubernetes_cluster_id",
            CLUSTER,
        )
        .known()
        .cloned()
        .or_else(|| pool.id.as_ref().and_then(ResourceId::parent));
    pool.mode = nonempty_string(cx.v("mode")).or_default("User".into(), cx.r.decl);
    b.add_pool(pool);
}

fn pool_from(cx: &Cx<'_>, node: &Node, path: &str, decl: Span) -> NodePool {
    let p = |k: &str| sub(Some(node), k);
    let upgrade = block(p("upgrade_settings"));
    NodePool {
        id: None,
        address: String::new(),
        decl,
        name: string(p("name")),
        tags: tags(p("tags")),
        cluster_id: None,
        cluster: None,
        inline_index: None,
        // The provider's default; the default node pool has no `os_type` (always Linux).
        os_type: nonempty_string(p("os_type"))
            .map(|s| OsType::parse(&s))
            .or_default(OsType::Linux, decl),
        os_sku: nonempty_string(p("os_sku")),
        mode: Field::Absent,
        vm_type: nonempty_string(p("type")),
        orchestrator_version: nonempty_string(p("orchestrator_version")),
        count: int(p("node_count")).merge(int(p("count"))),
        min_count: int(p("min_count")),
        max_count: int(p("max_count")),
        // 4.x `auto_scaling_enabled`; 3.x `enable_auto_scaling`.
        enable_auto_scaling: boolean(p("auto_scaling_enabled"))
            .merge(boolean(p("enable_auto_scaling"))),
        max_pods: int(p("max_pods")),
        max_pods_not_integer: crate::ingest::values::non_integer(p("max_pods")),
        max_surge: crate::ingest::values::max_surge(sub(upgrade, "max_surge")),
        vnet_subnet_id: cx.id_field(
            p("vnet_subnet_id"),
            &format!("{path}vnet_subnet_id"),
            SUBNET,
        ),
        pod_subnet_id: cx.id_field(p("pod_subnet_id"), &format!("{path}pod_subnet_id"), SUBNET),
        pod_ip_allocation_mode: nonempty_string(p("pod_ip_allocation_mode")),
        // 4.x `node_public_ip_enabled`; 3.x `enable_node_public_ip`.
        enable_node_public_ip: boolean(p("node_public_ip_enabled"))
            .merge(boolean(p("enable_node_public_ip"))),
        node_public_ip_prefix_id: cx.id_field(
            p("node_public_ip_prefix_id"),
            &format!("{path}node_public_ip_prefix_id"),
            PUBLIC_IP_PREFIX,
        ),
        subnet: None,
        pod_subnet: None,
        node_public_ip_prefix: None,
    }
}

/// A known name that can be an id segment.
fn plain_name(name: &Field<String>) -> Option<&str> {
    name.known()
        .map(String::as_str)
        .filter(|n| !n.is_empty() && !n.contains(['/', '{', '}']))
}

pub(super) fn virtual_network(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let r = cx.r;
    let id = cx.id();
    b.add_vnet(VirtualNetwork {
        peered_from: Vec::new(),
        id: id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        name: string(cx.v("name")),
        tags: tags(cx.v("tags")),
        address_prefixes: list(cx.v("address_space"), cidr),
        dns_servers: list(cx.v("dns_servers"), nonempty_string),
        subnets: Vec::new(),
        peerings: Vec::new(),
    });
    let items = blocks(cx.v("subnet"));
    // References carry no index: they can be placed only when there is one subnet block.
    let single = items.len() == 1;
    for (n, item) in items.into_iter().enumerate() {
        let g = |k: &str| sub(Some(item), k);
        let name = string(g("name"));
        let sid = resource_id_text(g("id")).or_else(|| {
            let vnet = id.as_ref()?;
            vnet.child("subnets", plain_name(&name)?)
        });
        let path = |attr: &str| {
            if single {
                format!("subnet.{attr}")
            } else {
                String::new()
            }
        };
        let nsg_id = cx.id_field(g("security_group"), &path("security_group"), NSG);
        let subnet = Subnet {
            vnet_id: id.clone(),
            address: format!("{}.subnet[{n}]", r.address),
            decl: item.span,
            name,
            address_prefixes: prefixes(g("address_prefixes"), g("address_prefix")),
            nsg_id: loose(nsg_id, cx.loose_nsg),
            route_table_id: loose(
                cx.id_field(g("route_table_id"), &path("route_table_id"), ROUTE_TABLE),
                cx.loose_route_table,
            ),
            nat_gateway_id: loose(Field::Absent, cx.loose_nat_gateway),
            delegations: delegations(g("delegation")),
            service_endpoints: list(g("service_endpoints"), nonempty_string),
            nsg: None,
            route_table: None,
            nat_gateway: None,
            vnet: None,
            id: sid,
        };
        b.add_subnet(subnet);
    }
}

fn resource_id_text(node: Option<&Node>) -> Option<ResourceId> {
    crate::ingest::values::resource_id(node)
        .known()
        .filter(|id| !id.has_placeholders())
        .cloned()
}

/// `address_prefixes` (a list; 4.x, and 3.x `azurerm_subnet`), else `address_prefix`.
fn prefixes(plural: Option<&Node>, single: Option<&Node>) -> Vec<Field<IpNet>> {
    let many = list(plural, cidr);
    if many.is_empty() {
        list(single, cidr)
    } else {
        many
    }
}

fn delegations(node: Option<&Node>) -> Vec<Field<String>> {
    list(node, |d| {
        nonempty_string(sub(block(sub(d, "service_delegation")), "name"))
    })
}

/// A subnet's NSG, route table or NAT gateway: unknown instead of absent when an
/// association of that kind could not be placed.
fn loose(target: Field<ResourceId>, loose_association: Option<Span>) -> Field<ResourceId> {
    match (target, loose_association) {
        (Field::Absent, Some(span)) => Field::Unknown(span),
        (f, _) => f,
    }
}

pub(super) fn subnet(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let r = cx.r;
    let id = cx.id();
    b.add_subnet(Subnet {
        vnet_id: id.as_ref().and_then(ResourceId::parent),
        id,
        address: r.address.clone(),
        decl: r.decl,
        name: string(cx.v("name")),
        address_prefixes: prefixes(cx.v("address_prefixes"), cx.v("address_prefix")),
        // azurerm before 3.0 also took the NSG and route table as attributes of
        // the subnet (deprecated in 2.x in favour of the association resources).
        nsg_id: loose(
            cx.id_field(
                cx.v("network_security_group_id"),
                "network_security_group_id",
                NSG,
            ),
            cx.loose_nsg,
        ),
        route_table_id: loose(
            cx.id_field(cx.v("route_table_id"), "route_table_id", ROUTE_TABLE),
            cx.loose_route_table,
        ),
        nat_gateway_id: loose(Field::Absent, cx.loose_nat_gateway),
        delegations: delegations(cx.v("delegation")),
        service_endpoints: list(cx.v("service_endpoints"), nonempty_string),
        nsg: None,
        route_table: None,
        nat_gateway: None,
        vnet: None,
    });
}

/// `azurerm_subnet_*_association`: a subnet and the NSG, route table or NAT gateway it gets.
pub(super) fn association(b: &mut InventoryBuilder, cx: &Cx<'_>, kind: AssociationKind) {
    let (attr, arm_type) = match kind {
        AssociationKind::NetworkSecurityGroup => ("network_security_group_id", NSG),
        AssociationKind::RouteTable => ("route_table_id", ROUTE_TABLE),
        AssociationKind::NatGateway => ("nat_gateway_id", NAT_GATEWAY),
    };
    b.add_association(SubnetAssociation {
        decl: cx.r.decl,
        subnet_id: cx.id_field(cx.v("subnet_id"), "subnet_id", SUBNET),
        kind,
        target_id: cx.id_field(cx.v(attr), attr, arm_type),
    });
}

pub(super) fn network_security_group(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    b.add_nsg(NetworkSecurityGroup {
        id: cx.id(),
        address: cx.r.address.clone(),
        decl: cx.r.decl,
        name: string(cx.v("name")),
        tags: tags(cx.v("tags")),
        rules: blocks(cx.v("security_rule"))
            .into_iter()
            .map(security_rule_from)
            .collect(),
    });
}

fn security_rule_from(node: &Node) -> SecurityRule {
    let g = |k: &str| sub(Some(node), k);
    let plural_or_single = |plural: &str, single: &str| {
        let many = list(g(plural), nonempty_string);
        if many.is_empty() {
            list(g(single), nonempty_string)
        } else {
            many
        }
    };
    SecurityRule {
        decl: node.span,
        name: string(g("name")),
        priority: int(g("priority")),
        direction: nonempty_string(g("direction")),
        access: nonempty_string(g("access")),
        protocol: nonempty_string(g("protocol")),
        source_prefixes: plural_or_single("source_address_prefixes", "source_address_prefix"),
        destination_prefixes: plural_or_single(
            "destination_address_prefixes",
            "destination_address_prefix",
        ),
        source_ports: plural_or_single("source_port_ranges", "source_port_range"),
        destination_ports: plural_or_single("destination_port_ranges", "destination_port_range"),
    }
}

/// `azurerm_network_security_rule`, added to its NSG (named by name and group).
pub(super) fn network_security_rule(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let Some(nsg_id) = cx.id().as_ref().and_then(ResourceId::parent) else {
        b.count_other();
        return;
    };
    let stub = NetworkSecurityGroup {
        address: nsg_id.to_string(),
        id: Some(nsg_id),
        decl: Span::default(),
        name: Field::Absent,
        tags: Tags::default(),
        rules: Vec::new(),
    };
    let mut rule = security_rule_from(&cx.r.values);
    rule.decl = cx.r.decl;
    b.add_security_rule(rule, stub);
}

pub(super) fn route_table(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    b.add_route_table(RouteTable {
        id: cx.id(),
        address: cx.r.address.clone(),
        decl: cx.r.decl,
        name: string(cx.v("name")),
        tags: tags(cx.v("tags")),
        disable_bgp_route_propagation: bgp_disabled(&cx.r.values),
        routes: inline_routes(cx),
    });
}

/// The `route` blocks of a route table. References carry no block index, so a
/// next hop that refers to a firewall is placed only when one block's next hop
/// is not a literal address.
fn inline_routes(cx: &Cx<'_>) -> Vec<Route> {
    let items = blocks(cx.v("route"));
    let computed = |n: &Node| {
        !matches!(
            string(sub(Some(n), "next_hop_in_ip_address")),
            Field::Known(..) | Field::Absent
        )
    };
    let single = items.iter().filter(|n| computed(n)).count() == 1;
    items
        .into_iter()
        .map(|n| {
            let target = if single && computed(n) {
                next_hop_resource(
                    cx,
                    sub(Some(n), "next_hop_in_ip_address"),
                    "route.next_hop_in_ip_address",
                )
            } else {
                Field::Absent
            };
            route_from(n, target)
        })
        .collect()
}

/// The firewall a computed next hop address is read from.
fn next_hop_resource(cx: &Cx<'_>, node: Option<&Node>, path: &str) -> Field<ResourceId> {
    match cx.id_field(node, path, FIREWALL) {
        known @ Field::Known(..) => known,
        _ => Field::Absent,
    }
}

/// 3.x `disable_bgp_route_propagation`; 4.x says it the other way round.
fn bgp_disabled(values: &Node) -> Field<bool> {
    boolean(values.get("disable_bgp_route_propagation"))
        .merge(boolean(values.get("bgp_route_propagation_enabled")).map(|enabled| !enabled))
}

fn route_from(node: &Node, next_hop_resource_id: Field<ResourceId>) -> Route {
    let g = |k: &str| sub(Some(node), k);
    Route {
        decl: node.span,
        name: string(g("name")),
        address_prefix: nonempty_string(g("address_prefix")),
        next_hop_type: nonempty_string(g("next_hop_type")),
        next_hop_ip: nonempty_string(g("next_hop_in_ip_address")),
        next_hop_resource_id,
    }
}

/// `azurerm_route`, added to its route table.
pub(super) fn route(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let Some(table_id) = cx.id().as_ref().and_then(ResourceId::parent) else {
        b.count_other();
        return;
    };
    let stub = RouteTable {
        address: table_id.to_string(),
        id: Some(table_id),
        decl: Span::default(),
        name: Field::Absent,
        tags: Tags::default(),
        disable_bgp_route_propagation: Field::Absent,
        routes: Vec::new(),
    };
    let hop = cx.v("next_hop_in_ip_address");
    let mut route = route_from(
        &cx.r.values,
        next_hop_resource(cx, hop, "next_hop_in_ip_address"),
    );
    route.decl = cx.r.decl;
    b.add_route(route, stub);
}

/// `azurerm_virtual_network_peering`, added to its VNet.
pub(super) fn peering(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let Some(vnet_id) = cx.id().as_ref().and_then(ResourceId::parent) else {
        b.count_other();
        return;
    };
    let peering = Peering {
        remote_vnet: None,
        name: string(cx.v("name")),
        decl: cx.r.decl,
        remote_vnet_id: cx.id_field(
            cx.v("remote_virtual_network_id"),
            "remote_virtual_network_id",
            VNET,
        ),
        remote_address_prefixes: Vec::new(),
    };
    b.add_vnet(VirtualNetwork {
        peered_from: Vec::new(),
        address: vnet_id.to_string(),
        id: Some(vnet_id),
        decl: Span::default(),
        name: Field::Absent,
        tags: Tags::default(),
        address_prefixes: Vec::new(),
        dns_servers: Vec::new(),
        subnets: Vec::new(),
        peerings: vec![peering],
    });
}

/// The span of the first association of this resource type whose subnet cannot be placed.
pub(super) fn loose_association(
    rs: &Resolver<'_>,
    resources: &[TfResource],
    resource_type: &str,
) -> Option<Span> {
    resources.iter().enumerate().find_map(|(i, r)| {
        if r.resource_type != resource_type {
            return None;
        }
        let node = r.values.get("subnet_id");
        let f = rs.id_field(i, node, "subnet_id", SUBNET);
        f.known().is_none().then(|| f.span().unwrap_or(r.decl))
    })
}
