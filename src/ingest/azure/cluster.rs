//! `Microsoft.ContainerService/managedClusters` and `…/agentPools`.

use super::{prop, Resource};
use crate::ingest::values::{
    boolean, cidr, int, ip, list, nonempty_string, resource_id, string, tags,
};
use crate::model::{
    Addons, ApiServerAccess, Cluster, Field, InventoryBuilder, LoadBalancerProfile, NetworkPlugin,
    NetworkProfile, NodePool, OsType, ResourceId,
};
use crate::source::Span;
use crate::syntax::{Node, NodeKind};

pub(super) fn cluster(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let network = network_profile(r);
    let api = r.prop("apiServerAccessProfile");
    let cluster = Cluster {
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        name: string(r.name()),
        tags: tags(r.node.get("tags")),
        location: string(r.node.get("location")),
        kubernetes_version: nonempty_string(r.prop("kubernetesVersion"))
            .merge(nonempty_string(r.prop("currentKubernetesVersion"))),
        node_resource_group: nonempty_string(r.prop("nodeResourceGroup")),
        sku_name: nonempty_string(r.node.get("sku").and_then(|s| s.get("name"))),
        sku_tier: nonempty_string(r.node.get("sku").and_then(|s| s.get("tier"))),
        identity_type: identity_type(r.node.get("identity")),
        principal_id: identity_part(r.node.get("identity"), |i| {
            nonempty_string(i.get("principalId")).map(|p| p.to_ascii_lowercase())
        }),
        user_assigned_identity_ids: user_assigned(r.node.get("identity"), |key, _| {
            resource_id(Some(key))
        }),
        user_assigned_principal_ids: user_assigned(r.node.get("identity"), |_, v| {
            nonempty_string(v.get("principalId")).map(|p| p.to_ascii_lowercase())
        }),
        network,
        api_server: api_server_access(api, r.prop("apiServerAuthorizedIPRanges")),
        addons: addons(r.prop("addonProfiles")),
        windows_profile: r.prop("windowsProfile").is_some_and(|w| !w.is_null()),
        pools: Vec::new(),
        ipam_mode: None,
        api_server_subnet: None,
        agic_gateway: None,
        agic_subnet: None,
        dns_zone: None,
        other_decls: Vec::new(),
    };
    let ci = b.add_cluster(cluster);
    // An unevaluated pool list leaves the cluster's pools unknown.
    let profiles = r.prop("agentPoolProfiles").and_then(Node::as_array);
    for (i, item) in profiles.unwrap_or_default().iter().enumerate() {
        let mut pool = pool_from(item, r.id.as_ref(), item.span);
        super::tag_suppression(b, item.get("tags"), &pool.address);
        pool.inline_index = Some(i);
        pool.cluster = Some(ci);
        b.add_pool(pool);
    }
}

/// `legacy` is the 2019 API's `properties.apiServerAuthorizedIPRanges`, written
/// before `apiServerAccessProfile` existed: the same ranges.
fn api_server_access(api: Option<&Node>, legacy: Option<&Node>) -> ApiServerAccess {
    // A profile that cannot be evaluated leaves every part of it unknown, not absent.
    if let Some(a) = api.filter(|a| a.is_unknown()) {
        return ApiServerAccess {
            private_cluster: Field::Unknown(a.span),
            vnet_integration: Field::Unknown(a.span),
            subnet_id: Field::Unknown(a.span),
            authorized_ip_ranges: vec![Field::Unknown(a.span)],
            private_dns_zone: Field::Unknown(a.span),
            private_cluster_public_fqdn: Field::Unknown(a.span),
        };
    }
    let get = |k: &str| api.and_then(|a| a.get(k));
    ApiServerAccess {
        private_cluster: boolean(get("enablePrivateCluster")),
        vnet_integration: boolean(get("enableVnetIntegration")),
        subnet_id: resource_id(get("subnetId")),
        authorized_ip_ranges: list(
            get("authorizedIPRanges")
                .filter(|n| !n.is_null())
                .or(legacy),
            string,
        ),
        private_dns_zone: nonempty_string(get("privateDNSZone")),
        private_cluster_public_fqdn: boolean(get("enablePrivateClusterPublicFQDN")),
    }
}

/// `identity.type`; an unevaluated `identity` object leaves it unknown.
fn identity_type(identity: Option<&Node>) -> Field<String> {
    match identity {
        Some(i) if i.is_unknown() => Field::Unknown(i.span),
        other => nonempty_string(other.and_then(|i| i.get("type"))),
    }
}

/// A part of `identity`; an unevaluated `identity` object leaves it unknown.
fn identity_part(identity: Option<&Node>, part: impl Fn(&Node) -> Field<String>) -> Field<String> {
    match identity {
        Some(i) if i.is_unknown() => Field::Unknown(i.span),
        Some(i) => part(i),
        None => Field::Absent,
    }
}

/// One value per entry of `identity.userAssignedIdentities` (keyed by identity id).
fn user_assigned<T>(
    identity: Option<&Node>,
    each: impl Fn(&Node, &Node) -> Field<T>,
) -> Vec<Field<T>> {
    let Some(map) = identity.and_then(|i| i.get("userAssignedIdentities")) else {
        return Vec::new();
    };
    match &map.kind {
        NodeKind::Object(entries) => entries
            .iter()
            .map(|e| each(&Node::string(e.key_span, e.key.clone()), &e.value))
            .collect(),
        NodeKind::Null => Vec::new(),
        _ => vec![Field::Unknown(map.span)],
    }
}

fn network_profile(r: &Resource<'_>) -> NetworkProfile {
    let Some(np) = r.prop("networkProfile").filter(|n| !n.is_null()) else {
        return NetworkProfile {
            span: r.name().map_or(r.decl, |n| n.span),
            ..NetworkProfile::default()
        };
    };
    if np.is_unknown() {
        return NetworkProfile {
            span: np.span,
            plugin: Field::Unknown(np.span),
            plugin_mode: Field::Unknown(np.span),
            policy: Field::Unknown(np.span),
            dataplane: Field::Unknown(np.span),
            pod_cidrs: vec![Field::Unknown(np.span)],
            service_cidrs: vec![Field::Unknown(np.span)],
            dns_service_ip: Field::Unknown(np.span),
            outbound_type: Field::Unknown(np.span),
            load_balancer_sku: Field::Unknown(np.span),
            ip_families: vec![Field::Unknown(np.span)],
            nat_gateway_sku: Field::Unknown(np.span),
            load_balancer: LoadBalancerProfile::default(),
        };
    }
    let get = |k: &str| np.get(k);
    let mut pod_cidrs = list(get("podCidrs"), cidr);
    if pod_cidrs.is_empty() {
        pod_cidrs = list(get("podCidr"), cidr);
    }
    let mut service_cidrs = list(get("serviceCidrs"), cidr);
    if service_cidrs.is_empty() {
        service_cidrs = list(get("serviceCidr"), cidr);
    }
    NetworkProfile {
        span: np.span,
        plugin: nonempty_string(get("networkPlugin")).map(|s| NetworkPlugin::parse(&s)),
        plugin_mode: nonempty_string(get("networkPluginMode")),
        policy: nonempty_string(get("networkPolicy")),
        dataplane: nonempty_string(get("networkDataplane")),
        pod_cidrs,
        service_cidrs,
        dns_service_ip: ip(get("dnsServiceIP")),
        outbound_type: nonempty_string(get("outboundType")),
        load_balancer_sku: nonempty_string(get("loadBalancerSku")),
        ip_families: list(get("ipFamilies"), nonempty_string),
        nat_gateway_sku: nonempty_string(get("natGatewayProfile").and_then(|n| n.get("sku"))),
        load_balancer: load_balancer_profile(get("loadBalancerProfile")),
    }
}

fn load_balancer_profile(lb: Option<&Node>) -> LoadBalancerProfile {
    let get = |k: &str| lb.and_then(|l| l.get(k));
    let ids = |outer: &str, inner: &str| list(get(outer).and_then(|o| o.get(inner)), resource_id);
    LoadBalancerProfile {
        allocated_outbound_ports: int(get("allocatedOutboundPorts")),
        managed_outbound_ip_count: int(get("managedOutboundIPs").and_then(|m| m.get("count"))),
        outbound_ip_ids: ids("outboundIPs", "publicIPs"),
        outbound_ip_prefix_ids: ids("outboundIPPrefixes", "publicIPPrefixes"),
    }
}

/// `addonProfiles` keys are case-insensitive in practice (`aciConnectorLinux`, `ACIConnectorLinux`).
fn addons(profiles: Option<&Node>) -> Addons {
    let addon = |name: &str| profiles.and_then(|p| p.get(name));
    let config = |name: &str, key: &str| {
        addon(name)
            .and_then(|a| a.get("config"))
            .and_then(|c| c.get(key))
    };
    let agic = "ingressApplicationGateway";
    Addons {
        aci_connector: boolean(addon("aciConnectorLinux").and_then(|a| a.get("enabled"))),
        aci_connector_subnet_name: nonempty_string(config("aciConnectorLinux", "SubnetName")),
        ingress_appgw: boolean(addon(agic).and_then(|a| a.get("enabled"))),
        ingress_appgw_gateway_id: resource_id(config(agic, "applicationGatewayId")),
        ingress_appgw_subnet_id: resource_id(config(agic, "subnetId")),
        ingress_appgw_subnet_cidr: cidr(config(agic, "subnetCIDR"))
            .merge(cidr(config(agic, "subnetPrefix"))),
        http_application_routing: boolean(
            addon("httpApplicationRouting").and_then(|a| a.get("enabled")),
        ),
    }
}

pub(super) fn separate_pool(b: &mut InventoryBuilder, r: &Resource<'_>) {
    // The cluster is named only through the pool's id; without one the pool stands alone.
    let cluster_id = r.id.as_ref().and_then(ResourceId::parent);
    let mut pool = pool_from(r.node, cluster_id.as_ref(), r.decl);
    pool.id = r.id.clone();
    pool.address = r.address.clone();
    pool.cluster_id = cluster_id;
    // A separate pool resource is named `cluster/pool` in templates.
    if let Field::Known(name, span) = &pool.name {
        if let Some((_, short)) = name.rsplit_once('/') {
            pool.name = Field::Known(short.to_string(), *span);
        }
    }
    b.add_pool(pool);
}

fn pool_from(node: &Node, cluster_id: Option<&ResourceId>, decl: Span) -> NodePool {
    let p = |k: &str| prop(node, k);
    let name = string(node.get("name"));
    let id = match (cluster_id, name.known()) {
        (Some(c), Some(n)) if !n.contains('/') => c.child("agentPools", n),
        _ => None,
    };
    let address = match (&id, name.known()) {
        (Some(id), _) => id.as_str().to_string(),
        (None, Some(n)) => format!("agentPools/{n}"),
        (None, None) => "agentPools/?".to_string(),
    };
    let vm_type = nonempty_string(p("typePropertiesType")).merge(
        match node
            .get("properties")
            .and_then(|x| x.get("type"))
            .or_else(|| node.get("type"))
        {
            Some(t) if t.as_str().is_some_and(|s| s.contains('/')) => Field::Absent,
            other => nonempty_string(other),
        },
    );
    NodePool {
        id,
        address,
        decl,
        name,
        // A pool's tags sit in `properties` (az CLI flattens them to the top level).
        tags: tags(p("tags")),
        cluster_id: cluster_id.cloned(),
        cluster: None,
        inline_index: None,
        os_type: nonempty_string(p("osType")).map(|s| OsType::parse(&s)),
        os_sku: nonempty_string(p("osSKU")),
        mode: nonempty_string(p("mode")),
        vm_type,
        orchestrator_version: nonempty_string(p("orchestratorVersion"))
            .merge(nonempty_string(p("currentOrchestratorVersion"))),
        count: int(p("count")),
        min_count: int(p("minCount")),
        max_count: int(p("maxCount")),
        enable_auto_scaling: boolean(p("enableAutoScaling")),
        max_pods: int(p("maxPods")),
        max_pods_not_integer: crate::ingest::values::non_integer(p("maxPods")),
        max_surge: crate::ingest::values::max_surge(
            p("upgradeSettings").and_then(|u| u.get("maxSurge")),
        ),
        vnet_subnet_id: resource_id(p("vnetSubnetID")),
        pod_subnet_id: resource_id(p("podSubnetID")),
        pod_ip_allocation_mode: nonempty_string(p("podIPAllocationMode")),
        enable_node_public_ip: boolean(p("enableNodePublicIP")),
        node_public_ip_prefix_id: resource_id(p("nodePublicIPPrefixID")),
        subnet: None,
        pod_subnet: None,
        node_public_ip_prefix: None,
    }
}
