//! Deterministic generator of synthetic AKS estates, shared by the benchmarks
//! (`benches/check.rs`), the example (`examples/gen.rs`) and `tests/gen.rs`.
//! It is not part of the shipped binary.
//!
//! Each cluster `i` (0-based) gets a VNet with a node subnet, an NSG, a route
//! table and a peering to a hub VNet, and an Azure CNI cluster (one pool of 3
//! nodes, `maxPods` 30: (3 + 1) × 31 = 124 addresses) in that subnet.
//! Planted findings:
//! * AKS004: every 10th cluster (`i % 10 == 0`) gets a /27 node subnet (27 usable addresses);
//! * AKS001: every 7th cluster (`i % 7 == 0`) has no NSG on its node subnet.
//!
//! * AKS503, only with [`Extras::open_ssh_every`] = n > 0: the NSG of every
//!   n-th cluster (`i % n == 0`) also allows SSH from `Internet` (for
//!   `tests/growth.rs`, which needs that rule's findings to grow with the estate).
//!
//! The seed only varies what does not change findings (locations, VM sizes, tags).

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

pub const SUB: &str = "00000000-0000-0000-0000-000000000000";
pub const RG: &str = "rg-estate";
pub const HUB: &str =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// ARM deployment template.
    Arm,
    /// `az resource list`-style JSON array of resources.
    AzCli,
    /// `az graph query` output.
    Graph,
    /// `terraform show -json` of a plan.
    TfPlan,
    /// Terraform configuration written as YAML.
    TfYaml,
    /// Crossplane (upjet provider-azure) manifests.
    Crossplane,
}

impl Family {
    pub const ALL: [Family; 6] = [
        Family::Arm,
        Family::AzCli,
        Family::Graph,
        Family::TfPlan,
        Family::TfYaml,
        Family::Crossplane,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Family::Arm => "arm",
            Family::AzCli => "az-cli",
            Family::Graph => "graph",
            Family::TfPlan => "tf-plan",
            Family::TfYaml => "tf-yaml",
            Family::Crossplane => "crossplane",
        }
    }

    pub fn parse(s: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == s)
    }

    fn extension(self) -> &'static str {
        match self {
            Family::Arm => "json",
            Family::AzCli => "json",
            Family::Graph => "json",
            Family::TfPlan => "json",
            Family::TfYaml => "yaml",
            Family::Crossplane => "yaml",
        }
    }
}

/// What was planted: the number of findings each rule must report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Planted {
    pub aks001: usize,
    pub aks004: usize,
    pub aks503: usize,
}

pub fn planted(clusters: usize) -> Planted {
    planted_with(clusters, Extras::default())
}

pub fn planted_with(clusters: usize, extras: Extras) -> Planted {
    Planted {
        aks001: (0..clusters).filter(|i| no_nsg(*i)).count(),
        aks004: (0..clusters).filter(|i| small_subnet(*i)).count(),
        aks503: (0..clusters)
            .filter(|i| !no_nsg(*i) && open_ssh(*i, extras))
            .count(),
    }
}

/// What may be added to the default estate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extras {
    /// The NSG of every n-th cluster also has an inbound rule allowing SSH
    /// (TCP 22) from `Internet`; 0: none.
    pub open_ssh_every: usize,
}

fn open_ssh(i: usize, extras: Extras) -> bool {
    extras.open_ssh_every > 0 && i.is_multiple_of(extras.open_ssh_every)
}

/// The extra NSG rule of [`Extras::open_ssh`], in the Azure REST shape.
const SSH_RULE: &str = "allow-ssh-from-internet";

fn no_nsg(i: usize) -> bool {
    i.is_multiple_of(7)
}

fn small_subnet(i: usize) -> bool {
    i.is_multiple_of(10)
}

/// splitmix64: enough for deterministic variation without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

/// The facts of one cluster, from which every family is written.
struct Cluster {
    i: usize,
    name: String,
    vnet: String,
    subnet: String,
    nsg: Option<String>,
    /// The NSG also opens SSH to the Internet.
    open_ssh: bool,
    rt: String,
    vnet_cidr: String,
    subnet_cidr: String,
    location: &'static str,
    vm_size: &'static str,
    team: &'static str,
}

fn cluster(i: usize, rng: &mut Rng, extras: Extras) -> Cluster {
    // A /22 per cluster inside 10.0.0.0/8 (wraps after 16,384 clusters).
    let base = (10u32 << 24) | (((i as u32) % 16_384) << 10);
    let oct = |a: u32| {
        format!(
            "{}.{}.{}.{}",
            a >> 24,
            (a >> 16) & 255,
            (a >> 8) & 255,
            a & 255
        )
    };
    Cluster {
        i,
        name: format!("aks-{i}"),
        vnet: format!("vnet-{i}"),
        subnet: format!("snet-nodes-{i}"),
        nsg: (!no_nsg(i)).then(|| format!("nsg-{i}")),
        open_ssh: open_ssh(i, extras),
        rt: format!("rt-{i}"),
        vnet_cidr: format!("{}/22", oct(base)),
        subnet_cidr: format!("{}/{}", oct(base), if small_subnet(i) { 27 } else { 24 }),
        location: rng.pick(&["westeurope", "northeurope", "swedencentral", "eastus2"]),
        vm_size: rng.pick(&["Standard_D4ds_v5", "Standard_D8ds_v5", "Standard_E4ds_v5"]),
        team: rng.pick(&["payments", "search", "identity", "data", "web"]),
    }
}

fn id(kind: &str, name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/{kind}/{name}")
}

// ---------------------------------------------------------------- Azure JSON

/// The Azure resources of one cluster, as the REST API / Resource Graph return them.
fn azure_resources(c: &Cluster, lowercase_types: bool) -> Vec<Value> {
    let ty = |t: &str| {
        if lowercase_types {
            t.to_ascii_lowercase()
        } else {
            t.to_string()
        }
    };
    let vnet_id = id("Microsoft.Network/virtualNetworks", &c.vnet);
    let subnet_id = format!("{vnet_id}/subnets/{}", c.subnet);
    let rt_id = id("Microsoft.Network/routeTables", &c.rt);
    let common = |kind: &str, name: &str, t: &str| {
        json!({
            "id": id(kind, name),
            "name": name,
            "type": ty(t),
            "location": c.location,
            "resourceGroup": RG,
            "subscriptionId": SUB,
            "tags": {"team": c.team, "env": "prod"},
        })
    };
    let mut subnet_props = json!({
        "addressPrefix": c.subnet_cidr,
        "routeTable": {"id": rt_id},
        "delegations": [],
        "privateEndpointNetworkPolicies": "Disabled",
        "provisioningState": "Succeeded",
    });
    if let Some(nsg) = &c.nsg {
        subnet_props["networkSecurityGroup"] =
            json!({"id": id("Microsoft.Network/networkSecurityGroups", nsg)});
    }
    let mut vnet = common(
        "Microsoft.Network/virtualNetworks",
        &c.vnet,
        "Microsoft.Network/virtualNetworks",
    );
    vnet["properties"] = json!({
        "addressSpace": {"addressPrefixes": [c.vnet_cidr]},
        "provisioningState": "Succeeded",
        "resourceGuid": format!("0d4b6c1e-2f3a-4b5c-8d9e-{:012x}", c.i),
        "subnets": [{
            "id": subnet_id,
            "name": c.subnet,
            "type": "Microsoft.Network/virtualNetworks/subnets",
            "properties": subnet_props,
        }],
        "virtualNetworkPeerings": [{
            "id": format!("{vnet_id}/virtualNetworkPeerings/to-hub"),
            "name": "to-hub",
            "properties": {
                "remoteVirtualNetwork": {"id": HUB},
                "allowVirtualNetworkAccess": true,
                "allowForwardedTraffic": true,
                "useRemoteGateways": false,
                "peeringState": "Connected",
            },
        }],
    });
    let mut rt = common(
        "Microsoft.Network/routeTables",
        &c.rt,
        "Microsoft.Network/routeTables",
    );
    rt["properties"] = json!({
        "disableBgpRoutePropagation": false,
        "routes": [{
            "name": "to-onprem",
            "properties": {"addressPrefix": "192.168.0.0/16", "nextHopType": "VirtualNetworkGateway"},
        }],
        "subnets": [{"id": subnet_id}],
    });
    let mut aks = common(
        "Microsoft.ContainerService/managedClusters",
        &c.name,
        "Microsoft.ContainerService/managedClusters",
    );
    aks["identity"] = json!({"type": "SystemAssigned"});
    aks["sku"] = json!({"name": "Base", "tier": "Standard"});
    aks["properties"] = json!({
        "kubernetesVersion": "1.31.5",
        "dnsPrefix": c.name,
        "enableRBAC": true,
        "provisioningState": "Succeeded",
        "agentPoolProfiles": [{
            "name": "system",
            "mode": "System",
            "count": 3,
            "maxPods": 30,
            "vmSize": c.vm_size,
            "osType": "Linux",
            "type": "VirtualMachineScaleSets",
            "vnetSubnetID": subnet_id,
        }],
        "networkProfile": {
            "networkPlugin": "azure",
            "networkPolicy": "azure",
            "serviceCidr": "172.16.0.0/16",
            "dnsServiceIP": "172.16.0.10",
            "loadBalancerSku": "standard",
            "outboundType": "loadBalancer",
        },
    });
    let mut out = vec![aks, vnet, rt];
    if let Some(nsg) = &c.nsg {
        let mut n = common(
            "Microsoft.Network/networkSecurityGroups",
            nsg,
            "Microsoft.Network/networkSecurityGroups",
        );
        n["properties"] = json!({
            "securityRules": azure_rules(c),
            "subnets": [{"id": subnet_id}],
        });
        out.push(n);
    }
    out
}

/// An NSG's security rules as the REST API and ARM write them.
fn azure_rules(c: &Cluster) -> Value {
    let rule = |name: &str, priority: u32, source: &str, port: &str| {
        json!({
            "name": name,
            "properties": {
                "priority": priority, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                "sourceAddressPrefix": source, "sourcePortRange": "*",
                "destinationAddressPrefix": "*", "destinationPortRange": port,
            },
        })
    };
    let mut rules = vec![rule("allow-https-from-hub", 100, "10.255.0.0/16", "443")];
    if c.open_ssh {
        rules.push(rule(SSH_RULE, 110, "Internet", "22"));
    }
    Value::Array(rules)
}

// ----------------------------------------------------------------------- ARM

fn arm_resources(c: &Cluster) -> Vec<Value> {
    let subnet_ref = format!(
        "[resourceId('Microsoft.Network/virtualNetworks/subnets', '{}', '{}')]",
        c.vnet, c.subnet
    );
    let mut subnet_props = json!({
        "addressPrefix": c.subnet_cidr,
        "routeTable": {"id": format!("[resourceId('Microsoft.Network/routeTables', '{}')]", c.rt)},
    });
    let mut vnet_deps = vec![json!(format!(
        "[resourceId('Microsoft.Network/routeTables', '{}')]",
        c.rt
    ))];
    let mut out = Vec::new();
    if let Some(nsg) = &c.nsg {
        let nsg_ref = format!("[resourceId('Microsoft.Network/networkSecurityGroups', '{nsg}')]");
        subnet_props["networkSecurityGroup"] = json!({"id": nsg_ref});
        vnet_deps.push(json!(nsg_ref));
        out.push(json!({
            "type": "Microsoft.Network/networkSecurityGroups",
            "apiVersion": "2023-09-01",
            "name": nsg,
            "location": "[parameters('location')]",
            "properties": {"securityRules": azure_rules(c)},
        }));
    }
    out.push(json!({
        "type": "Microsoft.Network/routeTables",
        "apiVersion": "2023-09-01",
        "name": c.rt,
        "location": "[parameters('location')]",
        "properties": {"routes": [{
            "name": "to-onprem",
            "properties": {"addressPrefix": "192.168.0.0/16", "nextHopType": "VirtualNetworkGateway"},
        }]},
    }));
    out.push(json!({
        "type": "Microsoft.Network/virtualNetworks",
        "apiVersion": "2023-09-01",
        "name": c.vnet,
        "location": "[parameters('location')]",
        "tags": {"team": c.team},
        "dependsOn": vnet_deps,
        "properties": {
            "addressSpace": {"addressPrefixes": [c.vnet_cidr]},
            "subnets": [{"name": c.subnet, "properties": subnet_props}],
        },
    }));
    out.push(json!({
        "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
        "apiVersion": "2023-09-01",
        "name": format!("{}/to-hub", c.vnet),
        "dependsOn": [format!("[resourceId('Microsoft.Network/virtualNetworks', '{}')]", c.vnet)],
        "properties": {
            "remoteVirtualNetwork": {"id": HUB},
            "allowVirtualNetworkAccess": true,
            "allowForwardedTraffic": true,
        },
    }));
    out.push(json!({
        "type": "Microsoft.ContainerService/managedClusters",
        "apiVersion": "2024-05-01",
        "name": c.name,
        "location": "[parameters('location')]",
        "dependsOn": [format!("[resourceId('Microsoft.Network/virtualNetworks', '{}')]", c.vnet)],
        "identity": {"type": "SystemAssigned"},
        "properties": {
            "kubernetesVersion": "[parameters('kubernetesVersion')]",
            "dnsPrefix": c.name,
            "enableRBAC": true,
            "agentPoolProfiles": [{
                "name": "system",
                "mode": "System",
                "count": 3,
                "maxPods": 30,
                "vmSize": c.vm_size,
                "osType": "Linux",
                "type": "VirtualMachineScaleSets",
                "vnetSubnetID": subnet_ref,
            }],
            "networkProfile": {
                "networkPlugin": "azure",
                "networkPolicy": "azure",
                "serviceCidr": "172.16.0.0/16",
                "dnsServiceIP": "172.16.0.10",
                "loadBalancerSku": "standard",
                "outboundType": "loadBalancer",
            },
        },
    }));
    out
}

fn arm_template(resources: Vec<Value>) -> Value {
    json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "location": {"type": "string", "defaultValue": "westeurope"},
            "kubernetesVersion": {"type": "string", "defaultValue": "1.31.5"},
        },
        "resources": resources,
    })
}

// ----------------------------------------------------------------- Terraform

/// `(type, name, attributes, references by attribute)` of one cluster's
/// azurerm resources. A reference value is the referenced resource's address.
type TfRes = (&'static str, String, Value, Vec<(&'static str, String)>);

fn tf_resources(c: &Cluster) -> Vec<TfRes> {
    let i = c.i;
    let mut out: Vec<TfRes> = vec![
        (
            "azurerm_virtual_network",
            format!("vnet_{i}"),
            json!({"name": c.vnet, "location": c.location, "resource_group_name": RG,
                   "address_space": [c.vnet_cidr], "tags": {"team": c.team}}),
            vec![],
        ),
        (
            "azurerm_subnet",
            format!("nodes_{i}"),
            json!({"name": c.subnet, "resource_group_name": RG, "virtual_network_name": c.vnet,
                   "address_prefixes": [c.subnet_cidr]}),
            vec![],
        ),
        (
            "azurerm_route_table",
            format!("rt_{i}"),
            json!({"name": c.rt, "location": c.location, "resource_group_name": RG,
                   "route": [{"name": "to-onprem", "address_prefix": "192.168.0.0/16",
                              "next_hop_type": "VirtualNetworkGateway", "next_hop_in_ip_address": null}]}),
            vec![],
        ),
        (
            "azurerm_subnet_route_table_association",
            format!("rt_{i}"),
            json!({}),
            vec![
                ("subnet_id", format!("azurerm_subnet.nodes_{i}")),
                ("route_table_id", format!("azurerm_route_table.rt_{i}")),
            ],
        ),
        (
            "azurerm_virtual_network_peering",
            format!("hub_{i}"),
            json!({"name": "to-hub", "resource_group_name": RG, "virtual_network_name": c.vnet,
                   "remote_virtual_network_id": HUB, "allow_virtual_network_access": true,
                   "allow_forwarded_traffic": true}),
            vec![],
        ),
        (
            "azurerm_kubernetes_cluster",
            format!("aks_{i}"),
            json!({"name": c.name, "location": c.location, "resource_group_name": RG,
                   "dns_prefix": c.name, "kubernetes_version": "1.31.5",
                   "default_node_pool": [{"name": "system", "vm_size": c.vm_size, "node_count": 3, "max_pods": 30}],
                   "identity": [{"type": "SystemAssigned"}],
                   "network_profile": [{"network_plugin": "azure", "network_policy": "azure",
                                        "service_cidr": "172.16.0.0/16", "dns_service_ip": "172.16.0.10"}]}),
            vec![(
                "default_node_pool.0.vnet_subnet_id",
                format!("azurerm_subnet.nodes_{i}"),
            )],
        ),
    ];
    if let Some(nsg) = &c.nsg {
        let mut rules = vec![
            json!({"name": "allow-https-from-hub", "priority": 100, "direction": "Inbound",
                   "access": "Allow", "protocol": "Tcp", "source_port_range": "*",
                   "destination_port_range": "443", "source_address_prefix": "10.255.0.0/16",
                   "destination_address_prefix": "*"}),
        ];
        if c.open_ssh {
            rules.push(
                json!({"name": SSH_RULE, "priority": 110, "direction": "Inbound",
                       "access": "Allow", "protocol": "Tcp", "source_port_range": "*",
                       "destination_port_range": "22", "source_address_prefix": "Internet",
                       "destination_address_prefix": "*"}),
            );
        }
        out.push((
            "azurerm_network_security_group",
            format!("nsg_{i}"),
            json!({"name": nsg, "location": c.location, "resource_group_name": RG,
                   "security_rule": rules}),
            vec![],
        ));
        out.push((
            "azurerm_subnet_network_security_group_association",
            format!("nsg_{i}"),
            json!({}),
            vec![
                ("subnet_id", format!("azurerm_subnet.nodes_{i}")),
                (
                    "network_security_group_id",
                    format!("azurerm_network_security_group.nsg_{i}"),
                ),
            ],
        ));
    }
    out
}

/// Sets `path` (dot-separated, numbers index arrays) in `v` to `x`.
fn set_path(v: &mut Value, path: &str, x: Value) {
    let mut cur = v;
    let parts: Vec<&str> = path.split('.').collect();
    for (k, p) in parts.iter().enumerate() {
        let last = k + 1 == parts.len();
        cur = match p.parse::<usize>() {
            Ok(n) => {
                if !cur.is_array() {
                    *cur = Value::Array(Vec::new());
                }
                let a = cur.as_array_mut().unwrap();
                while a.len() <= n {
                    a.push(json!({}));
                }
                &mut a[n]
            }
            Err(_) => {
                if last {
                    cur[*p] = x;
                    return;
                }
                if !cur.is_object() {
                    *cur = json!({});
                }
                &mut cur[*p]
            }
        };
    }
}

/// `terraform show -json` of a plan creating these resources: referenced ids
/// are unknown until apply, so the links come from `configuration`.
fn tf_plan(resources: &[TfRes]) -> Value {
    let mut planned = Vec::new();
    let mut changes = Vec::new();
    let mut config = Vec::new();
    for (ty, name, values, refs) in resources {
        let address = format!("{ty}.{name}");
        let mut unknown = json!({"id": true});
        let mut expressions = json!({});
        for (attr, target) in refs {
            set_path(&mut unknown, attr, json!(true));
            set_path(
                &mut expressions,
                attr,
                json!({"references": [format!("{target}.id"), target]}),
            );
        }
        // Constant attributes appear in the configuration too.
        if let Value::Object(m) = values {
            for (k, v) in m {
                if !v.is_array() && !v.is_object() {
                    expressions[k] = json!({"constant_value": v});
                }
            }
        }
        planned.push(json!({
            "address": address, "mode": "managed", "type": ty, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/azurerm",
            "schema_version": 0, "values": values, "sensitive_values": {},
        }));
        changes.push(json!({
            "address": address, "mode": "managed", "type": ty, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/azurerm",
            "change": {"actions": ["create"], "before": null, "after": values,
                       "after_unknown": unknown, "before_sensitive": false, "after_sensitive": {}},
        }));
        config.push(json!({
            "address": address, "mode": "managed", "type": ty, "name": name,
            "provider_config_key": "azurerm", "expressions": expressions, "schema_version": 0,
        }));
    }
    json!({
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {"provider_config": {"azurerm": {"name": "azurerm", "full_name": "registry.terraform.io/hashicorp/azurerm"}},
                          "root_module": {"resources": config}},
        "applyable": true,
        "complete": true,
        "errored": false,
    })
}

/// Terraform configuration in the shape of Terraform's JSON syntax (written as YAML).
fn tf_config(resources: &[TfRes]) -> Value {
    let mut by_type = serde_json::Map::new();
    for (ty, name, values, refs) in resources {
        let mut v = values.clone();
        for (attr, target) in refs {
            set_path(&mut v, attr, json!(format!("${{{target}.id}}")));
        }
        let e = by_type.entry(ty.to_string()).or_insert_with(|| json!({}));
        e[name.as_str()] = v;
    }
    json!({
        "terraform": {"required_providers": {"azurerm": {"source": "hashicorp/azurerm", "version": "~> 4.0"}}},
        "provider": {"azurerm": {"features": {}}},
        "resource": by_type,
    })
}

// ---------------------------------------------------------------- Crossplane

fn crossplane_docs(c: &Cluster) -> Vec<Value> {
    let i = c.i;
    let meta = |name: &str| json!({"name": name, "labels": {"estate.example.com/cluster": format!("{i}")}});
    let rg_ref = json!({"name": RG});
    let mut out = vec![
        json!({"apiVersion": "network.azure.upbound.io/v1beta2", "kind": "VirtualNetwork", "metadata": meta(&c.vnet),
               "spec": {"forProvider": {"location": c.location, "addressSpace": [c.vnet_cidr],
                                        "resourceGroupNameRef": rg_ref}}}),
        json!({"apiVersion": "network.azure.upbound.io/v1beta2", "kind": "Subnet", "metadata": meta(&c.subnet),
               "spec": {"forProvider": {"addressPrefixes": [c.subnet_cidr], "resourceGroupNameRef": rg_ref,
                                        "virtualNetworkNameRef": {"name": c.vnet}}}}),
        json!({"apiVersion": "network.azure.upbound.io/v1beta2", "kind": "RouteTable", "metadata": meta(&c.rt),
               "spec": {"forProvider": {"location": c.location, "resourceGroupNameRef": rg_ref,
                                        "route": [{"name": "to-onprem", "addressPrefix": "192.168.0.0/16",
                                                   "nextHopType": "VirtualNetworkGateway"}]}}}),
        json!({"apiVersion": "network.azure.upbound.io/v1beta1", "kind": "SubnetRouteTableAssociation",
               "metadata": meta(&format!("{}-rt", c.subnet)),
               "spec": {"forProvider": {"subnetIdRef": {"name": c.subnet}, "routeTableIdRef": {"name": c.rt}}}}),
        json!({"apiVersion": "network.azure.upbound.io/v1beta2", "kind": "VirtualNetworkPeering",
               "metadata": meta(&format!("{}-to-hub", c.vnet)),
               "spec": {"forProvider": {"resourceGroupNameRef": rg_ref, "virtualNetworkNameRef": {"name": c.vnet},
                                        "remoteVirtualNetworkId": HUB, "allowVirtualNetworkAccess": true}}}),
        json!({"apiVersion": "containerservice.azure.upbound.io/v1beta2", "kind": "KubernetesCluster", "metadata": meta(&c.name),
               "spec": {"forProvider": {"location": c.location, "dnsPrefix": c.name, "kubernetesVersion": "1.31.5",
                                        "resourceGroupNameRef": rg_ref, "identity": {"type": "SystemAssigned"},
                                        "defaultNodePool": {"name": "system", "nodeCount": 3, "maxPods": 30,
                                                            "vmSize": c.vm_size, "vnetSubnetIdRef": {"name": c.subnet}},
                                        "networkProfile": {"networkPlugin": "azure", "networkPolicy": "azure",
                                                           "serviceCidr": "172.16.0.0/16", "dnsServiceIp": "172.16.0.10"}}}}),
    ];
    if let Some(nsg) = &c.nsg {
        let mut group = json!({"apiVersion": "network.azure.upbound.io/v1beta1", "kind": "SecurityGroup", "metadata": meta(nsg),
                               "spec": {"forProvider": {"location": c.location, "resourceGroupNameRef": rg_ref}}});
        if c.open_ssh {
            group["spec"]["forProvider"]["securityRule"] = json!([{
                "name": SSH_RULE, "priority": 110, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                "sourcePortRange": "*", "destinationPortRange": "22", "sourceAddressPrefix": "Internet",
                "destinationAddressPrefix": "*"}]);
        }
        out.push(group);
        out.push(json!({"apiVersion": "network.azure.upbound.io/v1beta1", "kind": "SubnetNetworkSecurityGroupAssociation",
                        "metadata": meta(&format!("{}-nsg", c.subnet)),
                        "spec": {"forProvider": {"subnetIdRef": {"name": c.subnet}, "networkSecurityGroupIdRef": {"name": nsg}}}}));
    }
    out
}

// ---------------------------------------------------------------------- YAML

/// Block-style YAML for a JSON value. Strings are written double-quoted (JSON
/// escapes are valid YAML double-quoted escapes), so nothing is misread as a number.
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    yaml_into(v, 0, &mut out);
    out
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) if m.is_empty() => Some("{}".into()),
        Value::Array(a) if a.is_empty() => Some("[]".into()),
        Value::Object(_) | Value::Array(_) => None,
        other => Some(other.to_string()),
    }
}

fn yaml_into(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let key = Value::String(k.clone()).to_string();
                match scalar(x) {
                    Some(s) => {
                        let _ = writeln!(out, "{pad}{key}: {s}");
                    }
                    None => {
                        let _ = writeln!(out, "{pad}{key}:");
                        yaml_into(x, indent + 2, out);
                    }
                }
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for x in a {
                match scalar(x) {
                    Some(s) => {
                        let _ = writeln!(out, "{pad}- {s}");
                    }
                    None => {
                        let _ = writeln!(out, "{pad}-");
                        yaml_into(x, indent + 2, out);
                    }
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other).unwrap_or_default());
        }
    }
}

// --------------------------------------------------------------------- files

/// Renders clusters `range` of the estate as the text of one file.
pub fn render(family: Family, range: std::ops::Range<usize>, seed: u64) -> String {
    render_with(family, range, seed, Extras::default())
}

/// [`render`] with `extras`.
pub fn render_with(
    family: Family,
    range: std::ops::Range<usize>,
    seed: u64,
    extras: Extras,
) -> String {
    let mut rng = Rng(seed);
    // Advance the stream deterministically so a cluster's draw does not depend on the split.
    for _ in 0..range.start * 3 {
        rng.next();
    }
    let clusters: Vec<Cluster> = range.map(|i| cluster(i, &mut rng, extras)).collect();
    match family {
        Family::Graph => {
            let rows: Vec<Value> = clusters
                .iter()
                .flat_map(|c| azure_resources(c, true))
                .collect();
            let n = rows.len();
            serde_json::to_string_pretty(
                &json!({"count": n, "data": rows, "skip_token": null, "total_records": n}),
            )
            .unwrap()
        }
        Family::AzCli => {
            let rows: Vec<Value> = clusters
                .iter()
                .flat_map(|c| azure_resources(c, false))
                .collect();
            serde_json::to_string_pretty(&Value::Array(rows)).unwrap()
        }
        Family::Arm => {
            let rs: Vec<Value> = clusters.iter().flat_map(arm_resources).collect();
            serde_json::to_string_pretty(&arm_template(rs)).unwrap()
        }
        Family::TfPlan => {
            let rs: Vec<TfRes> = clusters.iter().flat_map(tf_resources).collect();
            serde_json::to_string_pretty(&tf_plan(&rs)).unwrap()
        }
        Family::TfYaml => {
            let rs: Vec<TfRes> = clusters.iter().flat_map(tf_resources).collect();
            format!(
                "# Generated by akslint's estate generator.\n{}",
                to_yaml(&tf_config(&rs))
            )
        }
        Family::Crossplane => {
            let mut s = String::from("# Generated by akslint's estate generator.\n");
            s.push_str(&to_yaml(&json!({"apiVersion": "azure.upbound.io/v1beta1", "kind": "ResourceGroup",
                                        "metadata": {"name": RG}, "spec": {"forProvider": {"location": "westeurope"}}})));
            for c in &clusters {
                for d in crossplane_docs(c) {
                    s.push_str("---\n");
                    s.push_str(&to_yaml(&d));
                }
            }
            s
        }
    }
}

/// Writes an estate of `clusters` clusters, `per_file` clusters per file (0: one
/// file), into `dir`. Returns the files written and what was planted.
pub fn write_estate(
    dir: &Path,
    family: Family,
    clusters: usize,
    per_file: usize,
    seed: u64,
) -> std::io::Result<(Vec<PathBuf>, Planted)> {
    write_estate_with(dir, family, clusters, per_file, seed, Extras::default())
}

/// [`write_estate`] with `extras`.
pub fn write_estate_with(
    dir: &Path,
    family: Family,
    clusters: usize,
    per_file: usize,
    seed: u64,
    extras: Extras,
) -> std::io::Result<(Vec<PathBuf>, Planted)> {
    std::fs::create_dir_all(dir)?;
    let per_file = if per_file == 0 {
        clusters.max(1)
    } else {
        per_file
    };
    let mut files = Vec::new();
    let mut start = 0;
    let mut k = 0;
    while start < clusters || (clusters == 0 && k == 0) {
        let end = (start + per_file).min(clusters);
        let path = dir.join(format!("{}-{k:05}.{}", family.name(), family.extension()));
        std::fs::write(&path, render_with(family, start..end, seed, extras))?;
        files.push(path);
        start = end;
        k += 1;
    }
    Ok((files, planted_with(clusters, extras)))
}
