//! Managed clusters and their node pools.

use std::net::IpAddr;

use ipnet::IpNet;

use super::registry::model_object;
use super::{Field, ResourceId, SubnetIdx, Tags};
use crate::source::Span;

/// `networkProfile.networkPlugin` (F-001).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetworkPlugin {
    Azure,
    Kubenet,
    /// Bring your own CNI.
    None,
    Other(String),
}

impl NetworkPlugin {
    pub fn parse(s: &str) -> NetworkPlugin {
        match s.to_ascii_lowercase().as_str() {
            "azure" => NetworkPlugin::Azure,
            "kubenet" => NetworkPlugin::Kubenet,
            "none" => NetworkPlugin::None,
            _ => NetworkPlugin::Other(s.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            NetworkPlugin::Azure => "azure",
            NetworkPlugin::Kubenet => "kubenet",
            NetworkPlugin::None => "none",
            NetworkPlugin::Other(s) => s,
        }
    }
}

/// How a cluster hands out pod IPs: one of the modes of F-001, derived from plugin,
/// plugin mode and the pools' pod subnets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpamMode {
    Kubenet,
    /// Azure CNI with pods in the node subnet ("legacy" flat CNI).
    CniNodeSubnet,
    /// Azure CNI with a dedicated pod subnet, dynamic allocation.
    CniPodSubnetDynamic,
    /// Azure CNI with a dedicated pod subnet, static /28 blocks.
    CniPodSubnetStatic,
    CniOverlay,
    ByoCni,
}

impl IpamMode {
    pub fn describe(self) -> &'static str {
        match self {
            IpamMode::Kubenet => "kubenet",
            IpamMode::CniNodeSubnet => "Azure CNI (node subnet)",
            IpamMode::CniPodSubnetDynamic => "Azure CNI (dynamic pod subnet)",
            IpamMode::CniPodSubnetStatic => "Azure CNI (static block pod subnet)",
            IpamMode::CniOverlay => "Azure CNI Overlay",
            IpamMode::ByoCni => "bring-your-own CNI",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OsType {
    Linux,
    Windows,
    Other(String),
}

impl OsType {
    pub fn parse(s: &str) -> OsType {
        match s.to_ascii_lowercase().as_str() {
            "linux" => OsType::Linux,
            "windows" => OsType::Windows,
            _ => OsType::Other(s.to_string()),
        }
    }
}

/// `upgradeSettings.maxSurge`: a node count or a percentage of the pool (F-041).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MaxSurge {
    Nodes(i64),
    Percent(f64),
}

impl MaxSurge {
    pub fn parse(s: &str) -> Option<MaxSurge> {
        let t = s.trim();
        if let Some(p) = t.strip_suffix('%') {
            let v: f64 = p.trim().parse().ok()?;
            (v.is_finite() && v >= 0.0).then_some(MaxSurge::Percent(v))
        } else {
            let v: i64 = t.parse().ok()?;
            (v >= 0).then_some(MaxSurge::Nodes(v))
        }
    }

    /// Surge nodes for a pool of `nodes`: percentages round up, at least one node
    /// for a non-empty pool, never more than the pool holds (F-041).
    pub fn nodes_for(self, nodes: i64) -> i64 {
        if nodes <= 0 {
            return 0;
        }
        let s = match self {
            MaxSurge::Nodes(n) => n,
            MaxSurge::Percent(p) => ((p / 100.0) * nodes as f64).ceil() as i64,
        };
        match self {
            MaxSurge::Percent(_) => s.clamp(1, nodes),
            MaxSurge::Nodes(_) => s.clamp(0, nodes),
        }
    }

    pub fn describe(self) -> String {
        match self {
            MaxSurge::Nodes(n) => n.to_string(),
            MaxSurge::Percent(p) => format!("{p}%"),
        }
    }
}

model_object! {
    prefix "network.load_balancer.";
    /// `networkProfile.loadBalancerProfile`: outbound SNAT for `outboundType: loadBalancer` (F-053).
    #[derive(Clone, Debug, Default)]
    pub struct LoadBalancerProfile {}
    fields {
        /// `loadBalancerProfile.allocatedOutboundPorts`.
        allocated_outbound_ports: Field<i64>,
        /// `loadBalancerProfile.managedOutboundIPs.count`.
        managed_outbound_ip_count: Field<i64>,
        /// `loadBalancerProfile.outboundIPs` (resource ids).
        outbound_ip_ids: Vec<Field<ResourceId>>,
        /// `loadBalancerProfile.outboundIPPrefixes` (resource ids).
        outbound_ip_prefix_ids: Vec<Field<ResourceId>>,
    }
}

model_object! {
    prefix "addons.";
    /// Add-ons that place things in the network.
    #[derive(Clone, Debug, Default)]
    pub struct Addons {}
    fields {
        /// Virtual nodes: `addonProfiles.aciConnectorLinux.enabled`.
        aci_connector: Field<bool>,
        /// The subnet name virtual nodes use.
        aci_connector_subnet_name: Field<String>,
        /// Application Gateway Ingress Controller: `addonProfiles.ingressApplicationGateway.enabled`.
        ingress_appgw: Field<bool>,
        /// The existing Application Gateway the AGIC add-on programs:
        /// `config.applicationGatewayId` (Terraform `gateway_id`).
        ingress_appgw_gateway_id: Field<ResourceId>,
        /// The subnet id the AGIC add-on uses.
        ingress_appgw_subnet_id: Field<ResourceId>,
        /// The subnet CIDR the AGIC add-on creates.
        ingress_appgw_subnet_cidr: Field<IpNet>,
        /// The retired HTTP application routing add-on: `addonProfiles.httpApplicationRouting.enabled`.
        http_application_routing: Field<bool>,
    }
}

model_object! {
    prefix "network.";
    #[derive(Clone, Debug, Default)]
    pub struct NetworkProfile {
        /// The `networkProfile` object, or the cluster when it has none.
        pub span: Span,
    }
    fields {
        /// `networkProfile.networkPlugin`: `azure`, `kubenet` or `none`; defaults by Kubernetes version (F-002).
        plugin: Field<NetworkPlugin>,
        /// `networkProfile.networkPluginMode` (`overlay`).
        plugin_mode: Field<String>,
        /// `networkProfile.networkPolicy`: `azure`, `calico`, `cilium`, `none`.
        policy: Field<String>,
        /// `networkProfile.networkDataplane`: `azure` or `cilium`.
        dataplane: Field<String>,
        /// `networkProfile.podCidr`/`podCidrs`.
        pod_cidrs: Vec<Field<IpNet>>,
        /// `networkProfile.serviceCidr`/`serviceCidrs`.
        service_cidrs: Vec<Field<IpNet>>,
        /// `networkProfile.dnsServiceIP`.
        dns_service_ip: Field<IpAddr>,
        /// `networkProfile.outboundType`: `loadBalancer`, `userDefinedRouting`, `managedNATGateway`, `userAssignedNATGateway`, `none`.
        outbound_type: Field<String>,
        /// `networkProfile.loadBalancerSku`: `standard` or `basic`.
        load_balancer_sku: Field<String>,
        /// `networkProfile.ipFamilies`: `IPv4`, or `IPv4` and `IPv6` for dual-stack (F-067).
        ip_families: Vec<Field<String>>,
        /// `networkProfile.natGatewayProfile.sku`: `standard` or `standardV2` (F-078).
        nat_gateway_sku: Field<String>,
    }
    nested {
        load_balancer: LoadBalancerProfile,
    }
}

model_object! {
    prefix "api_server.";
    #[derive(Clone, Debug, Default)]
    pub struct ApiServerAccess {}
    fields {
        /// `apiServerAccessProfile.enablePrivateCluster`.
        private_cluster: Field<bool>,
        /// `apiServerAccessProfile.enableVnetIntegration`.
        vnet_integration: Field<bool>,
        /// `apiServerAccessProfile.subnetId`.
        subnet_id: Field<ResourceId>,
        /// `apiServerAccessProfile.authorizedIPRanges` (CIDRs or addresses, as written).
        authorized_ip_ranges: Vec<Field<String>>,
        /// `apiServerAccessProfile.privateDNSZone`: `system`, `none`, or the resource id
        /// of a private DNS zone (F-088).
        private_dns_zone: Field<String>,
        /// `apiServerAccessProfile.enablePrivateClusterPublicFQDN`.
        private_cluster_public_fqdn: Field<bool>,
    }
}

model_object! {
    #[derive(Clone, Debug)]
    pub struct Cluster {
        pub id: Option<ResourceId>,
        /// Id, or a format-local address when no id can be built.
        pub address: String,
        /// The resource's declaration (its object), for diagnostics about the whole cluster.
        pub decl: Span,
        pub name: Field<String>,
        pub tags: Tags,
        pub windows_profile: bool,
        /// Node pools, in the order the cluster lists them (the first is the system pool AKS creates first).
        pub pools: Vec<super::PoolIdx>,
        /// Resolved after linking: the effective IPAM mode, when it can be known.
        pub ipam_mode: Option<IpamMode>,
        /// Resolved after linking: the API server subnet `api_server.subnet_id`
        /// names, found as every link is (own scope first; none when ambiguous).
        pub api_server_subnet: Option<super::SubnetIdx>,
        /// Resolved after linking: the Application Gateway `addons.ingress_appgw_gateway_id`
        /// names (an index into `Inventory::application_gateways`).
        pub agic_gateway: Option<usize>,
        /// Resolved after linking: the subnet `addons.ingress_appgw_subnet_id` names.
        pub agic_subnet: Option<super::SubnetIdx>,
        /// Resolved after linking: the private DNS zone a bring-your-own
        /// `api_server.private_dns_zone` id names, when it is among the inputs.
        pub dns_zone: Option<super::DnsZoneIdx>,
        /// Declarations of the same cluster id in other descriptions merged into this
        /// one (two recorded API responses, say). Their values may disagree, so rules
        /// that combine a pool's values with the cluster's stay silent on such blends.
        pub other_decls: Vec<Span>,
    }
    fields {
        /// `location`.
        location: Field<String>,
        /// `kubernetesVersion`.
        kubernetes_version: Field<String>,
        /// `nodeResourceGroup`.
        node_resource_group: Field<String>,
        /// `sku.name`: `Base`, or `Automatic` for AKS Automatic.
        sku_name: Field<String> = "sku.name",
        /// `sku.tier`: `Free`, `Standard` or `Premium`.
        sku_tier: Field<String> = "sku.tier",
        /// `identity.type`: `SystemAssigned`, `UserAssigned` or `None` (a service principal).
        identity_type: Field<String> = "identity.type",
        /// `identity.principalId` of a system-assigned identity (known in exports of
        /// deployed clusters, never in templates).
        principal_id: Field<String> = "identity.principal_id",
        /// The keys of `identity.userAssignedIdentities` (Terraform `identity.identity_ids`).
        user_assigned_identity_ids: Vec<Field<ResourceId>> = "identity.user_assigned_identity_ids",
        /// `identity.userAssignedIdentities.*.principalId` (known in exports).
        user_assigned_principal_ids: Vec<Field<String>> = "identity.user_assigned_principal_ids",
    }
    nested {
        network: NetworkProfile,
        api_server: ApiServerAccess,
        addons: Addons,
    }
}

model_object! {
    #[derive(Clone, Debug)]
    pub struct NodePool {
        pub id: Option<ResourceId>,
        pub address: String,
        pub decl: Span,
        pub name: Field<String>,
        /// The agent pool's own tags (ARM `properties.tags`, Terraform `tags`).
        pub tags: Tags,
        /// The cluster the pool belongs to, by id (separate `agentPools` resources).
        pub cluster_id: Option<ResourceId>,
        pub cluster: Option<super::ClusterIdx>,
        /// Position in the cluster's `agentPoolProfiles`, when written inline.
        pub inline_index: Option<usize>,
        pub subnet: Option<SubnetIdx>,
        pub pod_subnet: Option<SubnetIdx>,
        /// Resolved after linking: the public IP prefix `node_public_ip_prefix_id`
        /// names (an index into `Inventory::public_ip_prefixes`).
        pub node_public_ip_prefix: Option<usize>,
    }
    fields {
        /// `osType`: `Linux` or `Windows`.
        os_type: Field<OsType>,
        /// `osSKU`.
        os_sku: Field<String>,
        /// `mode`: `System` or `User`.
        mode: Field<String>,
        /// `type`: `VirtualMachineScaleSets`, `VirtualMachines` or `AvailabilitySet`.
        vm_type: Field<String>,
        /// `orchestratorVersion`.
        orchestrator_version: Field<String>,
        /// `count`.
        count: Field<i64>,
        /// `minCount`.
        min_count: Field<i64>,
        /// `maxCount`.
        max_count: Field<i64>,
        /// `enableAutoScaling`.
        enable_auto_scaling: Field<bool>,
        /// `maxPods`.
        max_pods: Field<i64>,
        /// `maxPods` as written when it is a number but not an integer AKS could
        /// take (fractional, beyond 64 bits, not finite); `max_pods` is then unknown.
        max_pods_not_integer: Field<String>,
        /// `upgradeSettings.maxSurge`: a node count (`1`) or a percentage (`33%`).
        max_surge: Field<MaxSurge>,
        /// `vnetSubnetID`.
        vnet_subnet_id: Field<ResourceId>,
        /// `podSubnetID`.
        pod_subnet_id: Field<ResourceId>,
        /// `podIPAllocationMode`: `DynamicIndividual` or `StaticBlock`.
        pod_ip_allocation_mode: Field<String>,
        /// `enableNodePublicIP`.
        enable_node_public_ip: Field<bool>,
        /// `nodePublicIPPrefixID`: the public IP prefix node public IPs come from.
        node_public_ip_prefix_id: Field<ResourceId>,
    }
}

impl NodePool {
    /// The most nodes the pool can reach: `maxCount` when autoscaling, else `count` (F-040).
    pub fn max_nodes(&self) -> Field<i64> {
        match self.enable_auto_scaling.value() {
            Some(true) => self.max_count.clone(),
            Some(false) => self.count.clone(),
            None if self.enable_auto_scaling.is_unknown() => {
                Field::Unknown(self.enable_auto_scaling.span().unwrap_or(self.decl))
            }
            None => self.count.clone(),
        }
    }

    pub fn is_windows(&self) -> Option<bool> {
        self.os_type.value().map(|o| *o == OsType::Windows)
    }
}
