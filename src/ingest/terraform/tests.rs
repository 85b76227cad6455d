//! The azurerm/azapi mapping and reference resolution, fed `TfResource`s directly.

use super::{ingest_tf, TfResource};
use crate::model::{Field, Inventory, InventoryBuilder, IpamMode, MaxSurge, NetworkPlugin, OsType};
use crate::rules;
use crate::source::{SourceMap, Span};
use crate::syntax::{json, Node, NodeKind};

/// Stands for a value not known before apply.
const UNKNOWN: &str = "(known after apply)";

fn mark_unknown(node: &mut Node) {
    match &mut node.kind {
        NodeKind::String(s) if s == UNKNOWN => node.kind = NodeKind::Unknown("after apply".into()),
        NodeKind::Array(items) => items.iter_mut().for_each(mark_unknown),
        NodeKind::Object(entries) => entries.iter_mut().for_each(|e| mark_unknown(&mut e.value)),
        _ => {}
    }
}

/// `[{"type", "address", "values", "refs": [[path, target]]}]` into resources.
fn resources(sources: &mut SourceMap, text: &str) -> Vec<TfResource> {
    let file = sources.add("main.tf.json".into(), text.to_string());
    let mut root = json::parse(file, text).expect("test input is JSON");
    mark_unknown(&mut root);
    let items = root.as_array().unwrap_or_default();
    items
        .iter()
        .map(|item| {
            let s = |k: &str| item.get(k).and_then(Node::as_str).unwrap_or_default();
            let refs = item
                .get("refs")
                .and_then(Node::as_array)
                .unwrap_or_default()
                .iter()
                .filter_map(|pair| {
                    let pair = pair.as_array()?;
                    Some((
                        pair.first()?.as_str()?.to_string(),
                        pair.get(1)?.as_str()?.to_string(),
                    ))
                })
                .collect();
            TfResource {
                resource_type: s("type").to_string(),
                address: s("address").to_string(),
                values: item
                    .get("values")
                    .cloned()
                    .unwrap_or(Node::new(item.span, NodeKind::Null)),
                decl: item.span,
                refs,
            }
        })
        .collect()
}

fn inventory(text: &str) -> (SourceMap, Inventory) {
    let mut sources = SourceMap::default();
    let rs = resources(&mut sources, text);
    let mut b = InventoryBuilder::default();
    ingest_tf(&mut b, &rs);
    (sources, b.finish())
}

fn slice(sources: &SourceMap, span: Span) -> &str {
    sources.get(span.file).slice(span)
}

fn codes(inv: &Inventory) -> Vec<String> {
    rules::run(
        inv,
        &rules::testing::first_catalogue(),
        &rules::Thresholds::default(),
    )
    .iter()
    .map(|d| d.code.to_string())
    .collect()
}

const SUBNET_NODES: &str = r#"{"type": "azurerm_subnet", "address": "azurerm_subnet.nodes",
  "values": {"name": "snet-nodes", "resource_group_name": "rg-net", "virtual_network_name": "vnet-spoke",
             "address_prefixes": ["10.240.0.0/24"], "service_endpoints": ["Microsoft.Storage"],
             "delegation": [], "id": "(known after apply)"}}"#;

#[test]
fn maps_a_4x_cluster() {
    let text = r#"[{"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
      "values": {"name": "aks1", "location": "westeurope", "resource_group_name": "rg-aks",
        "kubernetes_version": "1.30.4", "private_cluster_enabled": true,
        "default_node_pool": [{"name": "system", "node_count": 3, "auto_scaling_enabled": true,
           "min_count": 3, "max_count": 9, "max_pods": 50, "os_sku": "AzureLinux",
           "type": "VirtualMachineScaleSets", "upgrade_settings": [{"max_surge": "33%"}],
           "vnet_subnet_id": "/subscriptions/1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}],
        "network_profile": [{"network_plugin": "azure", "network_plugin_mode": "overlay",
           "network_data_plane": "cilium", "network_policy": "cilium", "pod_cidr": "10.244.0.0/16",
           "pod_cidrs": ["10.244.0.0/16"], "service_cidrs": ["10.0.0.0/16"], "dns_service_ip": "10.0.0.10",
           "outbound_type": "loadBalancer", "load_balancer_sku": "standard"}],
        "api_server_access_profile": [{"authorized_ip_ranges": ["203.0.113.0/24"],
           "virtual_network_integration_enabled": true, "subnet_id": null}],
        "windows_profile": [{"admin_username": "azureuser"}]}}]"#;
    let (sources, inv) = inventory(text);
    let c = &inv.clusters[0];
    assert_eq!(
        c.id.as_ref().map(|i| i.as_str()),
        Some("/subscriptions/{subscriptionId}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks1")
    );
    assert_eq!(c.network.plugin.known(), Some(&NetworkPlugin::Azure));
    assert_eq!(
        c.network.dataplane.known().map(String::as_str),
        Some("cilium")
    );
    assert_eq!(c.ipam_mode, Some(IpamMode::CniOverlay));
    assert_eq!(c.network.pod_cidrs.len(), 1);
    assert_eq!(c.api_server.private_cluster.known(), Some(&true));
    assert_eq!(c.api_server.vnet_integration.known(), Some(&true));
    assert_eq!(c.api_server.authorized_ip_ranges.len(), 1);
    assert!(c.windows_profile);
    let p = &inv.pools[c.pools[0]];
    assert_eq!(p.inline_index, Some(0));
    assert_eq!(p.enable_auto_scaling.known(), Some(&true));
    assert_eq!(p.max_nodes().known(), Some(&9));
    assert_eq!(p.max_surge.known(), Some(&MaxSurge::Percent(33.0)));
    assert_eq!(
        p.vm_type.known().map(String::as_str),
        Some("VirtualMachineScaleSets")
    );
    assert!(matches!(p.os_type, Field::Default(OsType::Linux, _)));
    assert_eq!(slice(&sources, p.max_pods.span().unwrap_or_default()), "50");
    assert!(p
        .id
        .as_ref()
        .is_some_and(|i| i.as_str().ends_with("/aks1/agentPools/system")));
}

#[test]
fn maps_3x_names() {
    let text = r#"[{"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
      "values": {"name": "aks1", "resource_group_name": "rg-aks", "kubernetes_version": "1.28.9",
        "api_server_authorized_ip_ranges": ["198.51.100.7/32"],
        "api_server_access_profile": [{"vnet_integration_enabled": true, "subnet_id": "(known after apply)"}],
        "default_node_pool": [{"name": "system", "enable_auto_scaling": true, "max_count": 4,
          "vnet_subnet_id": null}],
        "network_profile": [{"network_plugin": "azure", "ebpf_data_plane": "cilium",
          "pod_cidr": null, "pod_cidrs": [], "service_cidr": "10.0.0.0/16"}]}},
     {"type": "azurerm_virtual_network", "address": "azurerm_virtual_network.spoke",
      "values": {"name": "vnet-spoke", "resource_group_name": "rg-net", "address_space": ["10.240.0.0/16"],
        "subnet": [{"name": "snet-a", "address_prefix": "10.240.0.0/24", "security_group": ""},
                   {"name": "snet-b", "address_prefix": "10.240.1.0/24",
                    "security_group": "/subscriptions/1/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/nsg-b"}]}},
     {"type": "azurerm_route_table", "address": "azurerm_route_table.rt",
      "values": {"name": "rt", "resource_group_name": "rg-net", "disable_bgp_route_propagation": true,
        "route": [{"name": "default", "address_prefix": "0.0.0.0/0", "next_hop_type": "VirtualAppliance",
                   "next_hop_in_ip_address": "10.0.0.4"}]}}]"#;
    let (_, inv) = inventory(text);
    let c = &inv.clusters[0];
    assert_eq!(
        c.network.dataplane.known().map(String::as_str),
        Some("cilium")
    );
    assert_eq!(c.network.service_cidrs.len(), 1);
    assert!(c.network.pod_cidrs.is_empty());
    assert_eq!(c.api_server.authorized_ip_ranges.len(), 1);
    assert_eq!(c.api_server.vnet_integration.known(), Some(&true));
    assert!(c.api_server.subnet_id.is_unknown());
    assert_eq!(inv.pools[0].enable_auto_scaling.known(), Some(&true));
    assert_eq!(inv.vnets[0].subnets.len(), 2);
    let a = &inv.subnets[0];
    assert!(a.nsg_id.is_absent());
    assert_eq!(a.address_prefixes.len(), 1);
    assert!(inv.subnets[1].nsg_id.known().is_some());
    let rt = &inv.route_tables[0];
    assert_eq!(rt.disable_bgp_route_propagation.known(), Some(&true));
    assert_eq!(
        rt.routes[0].next_hop_ip.known().map(String::as_str),
        Some("10.0.0.4")
    );
}

#[test]
fn bgp_propagation_4x_is_inverted() {
    let text = r#"[{"type": "azurerm_route_table", "address": "azurerm_route_table.rt",
      "values": {"name": "rt", "resource_group_name": "rg", "bgp_route_propagation_enabled": false}}]"#;
    let (_, inv) = inventory(text);
    assert_eq!(
        inv.route_tables[0].disable_bgp_route_propagation.known(),
        Some(&true)
    );
}

#[test]
fn an_unknown_subnet_id_links_through_its_reference() {
    let text = format!(
        r#"[{SUBNET_NODES},
        {{"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
          "values": {{"name": "aks1", "resource_group_name": "rg-aks",
            "default_node_pool": [{{"name": "system", "node_count": 2, "vnet_subnet_id": "(known after apply)"}}],
            "network_profile": [{{"network_plugin": "azure", "network_plugin_mode": "overlay"}}]}},
          "refs": [["default_node_pool.vnet_subnet_id", "azurerm_subnet.nodes"]]}}]"#
    );
    let (sources, inv) = inventory(&text);
    let pool = &inv.pools[0];
    assert_eq!(pool.subnet, Some(0));
    let span = pool.vnet_subnet_id.span().unwrap_or_default();
    assert_eq!(slice(&sources, span), "\"(known after apply)\"");
    // The subnet has no NSG, so AKS001 fires at its name.
    let diags = rules::run(
        &inv,
        &rules::testing::first_catalogue(),
        &rules::Thresholds::default(),
    );
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, "AKS001");
    assert_eq!(slice(&sources, diags[0].primary.span), "\"snet-nodes\"");
}

#[test]
fn an_association_gives_a_subnet_its_nsg() {
    let text = format!(
        r#"[{SUBNET_NODES},
        {{"type": "azurerm_network_security_group", "address": "azurerm_network_security_group.nodes",
          "values": {{"name": "nsg-nodes", "resource_group_name": "rg-net", "id": "(known after apply)",
            "security_rule": [{{"name": "deny-ssh", "priority": 100, "direction": "Inbound", "access": "Deny",
              "protocol": "Tcp", "source_address_prefix": "*", "source_address_prefixes": [],
              "destination_port_range": "22", "destination_port_ranges": []}}]}}}},
        {{"type": "azurerm_subnet_network_security_group_association",
          "address": "azurerm_subnet_network_security_group_association.nodes",
          "values": {{"subnet_id": "(known after apply)", "network_security_group_id": "(known after apply)"}},
          "refs": [["subnet_id", "azurerm_subnet.nodes"], ["network_security_group_id", "azurerm_network_security_group.nodes"]]}},
        {{"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
          "values": {{"name": "aks1", "resource_group_name": "rg-aks",
            "default_node_pool": [{{"name": "system", "vnet_subnet_id": "(known after apply)"}}],
            "network_profile": [{{"network_plugin": "azure", "network_plugin_mode": "overlay"}}]}},
          "refs": [["default_node_pool.vnet_subnet_id", "azurerm_subnet.nodes"]]}}]"#
    );
    let (_, inv) = inventory(&text);
    assert_eq!(inv.subnets[0].nsg, Some(0));
    assert_eq!(inv.nsgs[0].rules.len(), 1);
    assert_eq!(inv.nsgs[0].rules[0].source_prefixes.len(), 1);
    assert!(codes(&inv).is_empty());
}

#[test]
fn an_association_that_cannot_be_placed_silences_the_nsg_rule() {
    let text = format!(
        r#"[{SUBNET_NODES},
        {{"type": "azurerm_subnet_network_security_group_association",
          "address": "azurerm_subnet_network_security_group_association.nodes",
          "values": {{"subnet_id": "(known after apply)", "network_security_group_id": "(known after apply)"}},
          "refs": [["subnet_id", "module.net.azurerm_subnet.this"]]}},
        {{"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
          "values": {{"name": "aks1", "resource_group_name": "rg-aks",
            "default_node_pool": [{{"name": "system", "vnet_subnet_id": "(known after apply)"}}],
            "network_profile": [{{"network_plugin": "azure", "network_plugin_mode": "overlay"}}]}},
          "refs": [["default_node_pool.vnet_subnet_id", "azurerm_subnet.nodes"]]}}]"#
    );
    let (_, inv) = inventory(&text);
    assert!(inv.subnets[0].nsg_id.is_unknown());
    assert!(codes(&inv).is_empty());
}

#[test]
fn a_reference_to_several_instances_is_not_guessed() {
    let text = r#"[
      {"type": "azurerm_subnet", "address": "azurerm_subnet.nodes[0]",
       "values": {"name": "a", "resource_group_name": "rg", "virtual_network_name": "v", "address_prefixes": ["10.0.0.0/24"]}},
      {"type": "azurerm_subnet", "address": "azurerm_subnet.nodes[1]",
       "values": {"name": "b", "resource_group_name": "rg", "virtual_network_name": "v", "address_prefixes": ["10.0.1.0/24"]}},
      {"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
       "values": {"name": "aks1", "resource_group_name": "rg",
         "default_node_pool": [{"name": "system", "vnet_subnet_id": "(known after apply)"}]},
       "refs": [["default_node_pool.vnet_subnet_id", "azurerm_subnet.nodes"]]}]"#;
    let (_, inv) = inventory(text);
    assert!(inv.pools[0].vnet_subnet_id.is_unknown());
    assert_eq!(inv.pools[0].subnet, None);
}

#[test]
fn one_counted_instance_is_the_one_meant() {
    let text = r#"[
      {"type": "azurerm_subnet", "address": "module.net[0].azurerm_subnet.nodes[\"sys\"]",
       "values": {"name": "a", "resource_group_name": "rg", "virtual_network_name": "v", "address_prefixes": ["10.0.0.0/24"]}},
      {"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
       "values": {"name": "aks1", "resource_group_name": "rg",
         "default_node_pool": [{"name": "system", "vnet_subnet_id": "(known after apply)"}]},
       "refs": [["default_node_pool.vnet_subnet_id", "module.net.azurerm_subnet.nodes"]]}]"#;
    let (_, inv) = inventory(text);
    assert_eq!(inv.pools[0].subnet, Some(0));
}

#[test]
fn names_resolve_through_references_and_unknown_names_stay_apart() {
    let text = r#"[
      {"type": "azurerm_virtual_network", "address": "azurerm_virtual_network.spoke",
       "values": {"name": "vnet-spoke", "resource_group_name": "rg", "address_space": ["10.0.0.0/16"]}},
      {"type": "azurerm_subnet", "address": "azurerm_subnet.a",
       "values": {"name": "a", "resource_group_name": "rg", "virtual_network_name": "(known after apply)",
                  "address_prefixes": ["10.0.0.0/24"]},
       "refs": [["virtual_network_name", "azurerm_virtual_network.spoke"]]},
      {"type": "azurerm_subnet", "address": "azurerm_subnet.b",
       "values": {"name": "(known after apply)", "resource_group_name": "rg", "virtual_network_name": "(known after apply)",
                  "address_prefixes": ["10.0.1.0/24"]}},
      {"type": "azurerm_subnet", "address": "azurerm_subnet.c",
       "values": {"name": "(known after apply)", "resource_group_name": "rg", "virtual_network_name": "(known after apply)",
                  "address_prefixes": ["10.0.2.0/24"]}}]"#;
    let (_, inv) = inventory(text);
    assert_eq!(inv.subnets.len(), 3);
    assert_eq!(inv.subnets[0].vnet, Some(0));
    assert_eq!(inv.vnets[0].subnets, vec![0]);
    assert_eq!(inv.subnets[1].vnet, None);
    assert_ne!(inv.subnets[1].id, inv.subnets[2].id);
}

#[test]
fn a_separate_pool_joins_its_cluster_through_the_reference() {
    let text = r#"[
      {"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
       "values": {"name": "aks1", "resource_group_name": "rg", "kubernetes_version": "1.29.7",
         "default_node_pool": [{"name": "system", "node_count": 1}]}},
      {"type": "azurerm_kubernetes_cluster_node_pool", "address": "azurerm_kubernetes_cluster_node_pool.win",
       "values": {"name": "win", "kubernetes_cluster_id": "(known after apply)", "os_type": "Windows",
                  "node_count": 2, "mode": "User"},
       "refs": [["kubernetes_cluster_id", "azurerm_kubernetes_cluster.main"]]}]"#;
    let (sources, inv) = inventory(text);
    assert_eq!(inv.clusters[0].pools, vec![0, 1]);
    assert!(inv.pools[1]
        .id
        .as_ref()
        .is_some_and(|i| i.as_str().ends_with("aks1/agentPools/win")));
    let diags = rules::run(
        &inv,
        &rules::testing::first_catalogue(),
        &rules::Thresholds::default(),
    );
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, "AKS002");
    assert_eq!(slice(&sources, diags[0].primary.span), "\"Windows\"");
}

#[test]
fn unknown_values_are_not_judged() {
    // An unknown plugin with a Windows pool, and an unknown prefix on a small-looking subnet.
    let text = r#"[{"type": "azurerm_subnet", "address": "azurerm_subnet.nodes",
          "values": {"name": "snet-nodes", "resource_group_name": "rg-net", "virtual_network_name": "vnet-spoke",
                     "address_prefixes": ["(known after apply)"]}},
        {"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
          "values": {"name": "aks1", "resource_group_name": "rg-aks", "kubernetes_version": "1.29.2",
            "default_node_pool": [{"name": "system", "node_count": 50, "vnet_subnet_id": "(known after apply)"}],
            "network_profile": [{"network_plugin": "(known after apply)"}]},
          "refs": [["default_node_pool.vnet_subnet_id", "azurerm_subnet.nodes"]]},
        {"type": "azurerm_kubernetes_cluster_node_pool", "address": "azurerm_kubernetes_cluster_node_pool.win",
          "values": {"name": "win", "kubernetes_cluster_id": "(known after apply)", "os_type": "Windows"},
          "refs": [["kubernetes_cluster_id", "azurerm_kubernetes_cluster.main"]]},
        {"type": "azurerm_subnet_network_security_group_association", "address": "azurerm_subnet_network_security_group_association.a",
          "values": {"subnet_id": "(known after apply)", "network_security_group_id": "(known after apply)"},
          "refs": [["subnet_id", "azurerm_subnet.nodes"]]}]"#;
    let (_, inv) = inventory(text);
    assert!(inv.clusters[0].network.plugin.is_unknown());
    assert_eq!(inv.pools[0].subnet, Some(0));
    assert!(codes(&inv).is_empty());
}

#[test]
fn data_sources_lend_their_ids_but_are_not_added() {
    let text = r#"[
      {"type": "azurerm_subnet", "address": "data.azurerm_subnet.nodes",
       "values": {"name": "snet", "resource_group_name": "rg-net", "virtual_network_name": "v",
                  "id": "/subscriptions/1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/snet"}},
      {"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
       "values": {"name": "aks1", "resource_group_name": "rg",
         "default_node_pool": [{"name": "system", "vnet_subnet_id": "(known after apply)"}]},
       "refs": [["default_node_pool.vnet_subnet_id", "data.azurerm_subnet.nodes"]]}]"#;
    let (_, inv) = inventory(text);
    assert!(inv.subnets.is_empty());
    assert_eq!(inv.other_resources, 0);
    let id = inv.pools[0]
        .vnet_subnet_id
        .known()
        .map(|i| i.as_str().to_string());
    assert_eq!(
        id.as_deref(),
        Some("/subscriptions/1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/snet")
    );
}

#[test]
fn a_reference_of_the_wrong_type_is_ignored() {
    let text = r#"[
      {"type": "azurerm_virtual_network", "address": "azurerm_virtual_network.spoke",
       "values": {"name": "vnet-spoke", "resource_group_name": "rg", "address_space": ["10.0.0.0/16"]}},
      {"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
       "values": {"name": "aks1", "resource_group_name": "rg",
         "default_node_pool": [{"name": "system", "vnet_subnet_id": "(known after apply)"}]},
       "refs": [["default_node_pool.vnet_subnet_id", "azurerm_virtual_network.spoke"]]}]"#;
    let (_, inv) = inventory(text);
    assert!(inv.pools[0].vnet_subnet_id.is_unknown());
}

#[test]
fn azapi_resources_map_through_arm() {
    let text = r#"[
      {"type": "azurerm_resource_group", "address": "azurerm_resource_group.net",
       "values": {"name": "rg-net", "location": "westeurope"}},
      {"type": "azapi_resource", "address": "azapi_resource.vnet",
       "values": {"type": "Microsoft.Network/virtualNetworks@2023-11-01", "name": "vnet-spoke",
         "parent_id": "(known after apply)", "location": "westeurope",
         "body": {"properties": {"addressSpace": {"addressPrefixes": ["10.240.0.0/16"]},
           "subnets": [{"name": "snet-nodes", "properties": {"addressPrefix": "10.240.0.0/24"}}]}}},
       "refs": [["parent_id", "azurerm_resource_group.net"]]},
      {"type": "azapi_resource", "address": "azapi_resource.nsg",
       "values": {"type": "Microsoft.Network/networkSecurityGroups@2023-11-01", "name": "nsg-old",
         "parent_id": "/subscriptions/1/resourceGroups/rg-net",
         "body": "{\"properties\": {\"securityRules\": [{\"name\": \"r1\", \"properties\": {\"priority\": 100}}]}}"}}]"#;
    let (sources, inv) = inventory(text);
    assert_eq!(inv.vnets.len(), 1);
    assert_eq!(
        inv.vnets[0].id.as_ref().map(|i| i.as_str()),
        Some("/subscriptions/{subscriptionId}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-spoke")
    );
    assert_eq!(inv.vnets[0].address, "azapi_resource.vnet");
    assert_eq!(inv.subnets.len(), 1);
    assert_eq!(inv.subnets[0].vnet, Some(0));
    let prefix = inv.subnets[0].address_prefixes[0]
        .span()
        .unwrap_or_default();
    assert_eq!(slice(&sources, prefix), "\"10.240.0.0/24\"");
    let nsg = &inv.nsgs[0];
    assert_eq!(nsg.rules.len(), 1);
    assert_eq!(nsg.rules[0].priority.known(), Some(&100));
    // Spans inside a JSON string point at the string.
    assert!(slice(&sources, nsg.rules[0].priority.span().unwrap_or_default()).starts_with("\"{"));
}

#[test]
fn garbage_does_not_panic() {
    let text = r#"[
      {"type": "azurerm_kubernetes_cluster", "address": "a", "values": 7},
      {"type": "azurerm_kubernetes_cluster", "address": "b",
       "values": {"default_node_pool": "x", "network_profile": [null], "api_server_access_profile": 3}},
      {"type": "azurerm_kubernetes_cluster_node_pool", "address": "c", "values": {"upgrade_settings": [[]]}},
      {"type": "azurerm_network_security_rule", "address": "d", "values": null},
      {"type": "azapi_resource", "address": "e", "values": {"type": "@", "body": "{not json"}},
      {"type": "azapi_resource", "address": "f", "values": {"type": 4}},
      {"type": "azurerm_subnet", "address": "g", "values": {"name": "a/b{c}"}, "refs": [["x", "g"], ["y", "nope"]]},
      {"type": "azurerm_kubernetes_cluster_node_pool", "address": "h",
       "values": {"kubernetes_cluster_id": "(known after apply)"}, "refs": [["kubernetes_cluster_id", "i"]]},
      {"type": "azurerm_kubernetes_cluster_node_pool", "address": "i",
       "values": {"kubernetes_cluster_id": "(known after apply)"}, "refs": [["kubernetes_cluster_id", "h"]]}]"#;
    let (_, inv) = inventory(text);
    let _ = rules::run(
        &inv,
        &rules::testing::first_catalogue(),
        &rules::Thresholds::default(),
    );
}

#[test]
fn a_choice_between_targets_is_not_guessed() {
    // `var.existing ? data.azurerm_subnet.x.id : azurerm_subnet.nodes.id`, with the data source not in the set.
    let text = format!(
        r#"[{SUBNET_NODES},
        {{"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
          "values": {{"name": "aks1", "resource_group_name": "rg",
            "default_node_pool": [{{"name": "system", "vnet_subnet_id": "(known after apply)"}}]}},
          "refs": [["default_node_pool.vnet_subnet_id", "data.azurerm_subnet.x"],
                   ["default_node_pool.vnet_subnet_id", "azurerm_subnet.nodes"]]}}]"#
    );
    let (_, inv) = inventory(&text);
    assert!(inv.pools[0].vnet_subnet_id.is_unknown());
}

/// The findings of one rule.
fn rule_codes(inv: &Inventory, code: &str) -> Vec<(String, Span)> {
    let rule = rules::find(code).into_iter().collect::<Vec<_>>();
    rules::run(inv, &rule, &rules::Thresholds::default())
        .iter()
        .map(|d| (d.code.to_string(), d.primary.span))
        .collect()
}

fn tf_cluster(extra: &str) -> String {
    format!(
        r#"{{"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
          "values": {{"name": "aks1", "resource_group_name": "rg-aks", "kubernetes_version": "1.31.5",
            "default_node_pool": [{{"name": "system", "node_count": 3, "vnet_subnet_id": "(known after apply)"}}],
            "network_profile": [{{"network_plugin": "azure", "network_plugin_mode": "overlay",
              "outbound_type": "userAssignedNATGateway", "load_balancer_sku": "standard"}}]{extra}}},
          "refs": [["default_node_pool.vnet_subnet_id", "azurerm_subnet.nodes"]]}}"#
    )
}

#[test]
fn api_server_exposure_from_a_plan() {
    // A plan always states private_cluster_enabled; no api_server_access_profile block.
    let text = format!(
        r#"[{SUBNET_NODES}, {}]"#,
        tf_cluster(r#", "private_cluster_enabled": false"#)
    );
    let (sources, inv) = inventory(&text);
    let found = rule_codes(&inv, "AKS601");
    assert_eq!(found.len(), 1);
    assert_eq!(slice(&sources, found[0].1), "false");
    // Ranges known only after apply are not judged.
    let text = format!(
        r#"[{SUBNET_NODES}, {}]"#,
        tf_cluster(
            r#", "private_cluster_enabled": false, "api_server_access_profile": [{"authorized_ip_ranges": "(known after apply)"}]"#
        )
    );
    let (_, inv) = inventory(&text);
    assert!(rule_codes(&inv, "AKS601").is_empty());
    assert!(rule_codes(&inv, "AKS602").is_empty());
    // azurerm 3.x ranges on a private cluster.
    let text = format!(
        r#"[{SUBNET_NODES}, {}]"#,
        tf_cluster(
            r#", "private_cluster_enabled": true, "api_server_authorized_ip_ranges": ["203.0.113.0/24"]"#
        )
    );
    let (sources, inv) = inventory(&text);
    let found = rule_codes(&inv, "AKS602");
    assert_eq!(found.len(), 1);
    assert_eq!(slice(&sources, found[0].1), "\"203.0.113.0/24\"");
}

#[test]
fn a_nat_gateway_association_satisfies_user_assigned_nat() {
    let association = r#"{"type": "azurerm_subnet_nat_gateway_association",
          "address": "azurerm_subnet_nat_gateway_association.nodes",
          "values": {"subnet_id": "(known after apply)", "nat_gateway_id": "(known after apply)"},
          "refs": [["subnet_id", "azurerm_subnet.nodes"], ["nat_gateway_id", "azurerm_nat_gateway.egress"]]}"#;
    let gateway = r#"{"type": "azurerm_nat_gateway", "address": "azurerm_nat_gateway.egress",
          "values": {"name": "ng-egress", "resource_group_name": "rg-net", "id": "(known after apply)"}}"#;
    let text = format!(
        r#"[{SUBNET_NODES}, {gateway}, {association}, {}]"#,
        tf_cluster("")
    );
    let (_, inv) = inventory(&text);
    assert!(rule_codes(&inv, "AKS402").is_empty());
    // Without the association the node subnet has no NAT gateway.
    let text = format!(r#"[{SUBNET_NODES}, {gateway}, {}]"#, tf_cluster(""));
    let (sources, inv) = inventory(&text);
    let found = rule_codes(&inv, "AKS402");
    assert_eq!(found.len(), 1);
    assert_eq!(slice(&sources, found[0].1), "\"snet-nodes\"");
}

#[test]
fn managed_nat_with_a_subnet_known_after_apply() {
    let text = format!(
        r#"[{SUBNET_NODES}, {}]"#,
        tf_cluster("").replace("userAssignedNATGateway", "managedNATGateway")
    );
    let (sources, inv) = inventory(&text);
    let found = rule_codes(&inv, "AKS402");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(slice(&sources, found[0].1), "\"managedNATGateway\"");
}

#[test]
fn a_nat_gateway_association_that_cannot_be_placed_silences_aks402() {
    let association = r#"{"type": "azurerm_subnet_nat_gateway_association",
          "address": "azurerm_subnet_nat_gateway_association.nodes",
          "values": {"subnet_id": "(known after apply)", "nat_gateway_id": "(known after apply)"},
          "refs": [["subnet_id", "module.net.azurerm_subnet.this"]]}"#;
    let text = format!(r#"[{SUBNET_NODES}, {association}, {}]"#, tf_cluster(""));
    let (_, inv) = inventory(&text);
    assert!(inv.subnets[0].nat_gateway_id.is_unknown());
    assert!(rule_codes(&inv, "AKS402").is_empty());
}

#[test]
fn a_route_table_association_that_cannot_be_placed_silences_aks401() {
    let association = r#"{"type": "azurerm_subnet_route_table_association",
          "address": "azurerm_subnet_route_table_association.nodes",
          "values": {"subnet_id": "(known after apply)", "route_table_id": "(known after apply)"},
          "refs": [["subnet_id", "module.net.azurerm_subnet.this"]]}"#;
    let udr = tf_cluster("").replace("userAssignedNATGateway", "userDefinedRouting");
    let text = format!(r#"[{SUBNET_NODES}, {association}, {udr}]"#);
    let (_, inv) = inventory(&text);
    assert!(inv.subnets[0].route_table_id.is_unknown());
    assert!(rule_codes(&inv, "AKS401").is_empty());
    // Without any association the subnet has no route table.
    let text = format!(r#"[{SUBNET_NODES}, {udr}]"#);
    let (sources, inv) = inventory(&text);
    let found = rule_codes(&inv, "AKS401");
    assert_eq!(found.len(), 1);
    assert_eq!(slice(&sources, found[0].1), "\"userDefinedRouting\"");
}

#[test]
fn tags_and_http_application_routing() {
    let text = r#"[{"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
      "values": {"name": "aks1", "resource_group_name": "rg", "http_application_routing_enabled": true,
        "tags": {"Env": "prod", "Owner": "net"},
        "default_node_pool": [{"name": "system", "node_count": 3, "tags": {"pool": "sys"}}]}},
     {"type": "azurerm_kubernetes_cluster_node_pool", "address": "azurerm_kubernetes_cluster_node_pool.user",
      "values": {"name": "user", "kubernetes_cluster_id": "/subscriptions/1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
        "tags": "(known after apply)"}},
     {"type": "azurerm_virtual_network", "address": "azurerm_virtual_network.v",
      "values": {"name": "v", "resource_group_name": "rg", "address_space": ["10.0.0.0/16"],
        "tags": {"env": "(known after apply)", "team": "net"}}},
     {"type": "azurerm_network_security_group", "address": "azurerm_network_security_group.n",
      "values": {"name": "n", "resource_group_name": "rg", "tags": {"ENV": "dev"}}},
     {"type": "azurerm_route_table", "address": "azurerm_route_table.r",
      "values": {"name": "r", "resource_group_name": "rg", "tags": null}}]"#;
    let (sources, inv) = inventory(text);
    let c = &inv.clusters[0];
    assert_eq!(c.addons.http_application_routing.known(), Some(&true));
    let env = c.tags.get("ENV").cloned().unwrap_or_default();
    assert_eq!(env.value().map(String::as_str), Some("prod"));
    assert_eq!(slice(&sources, env.span().unwrap_or_default()), "\"prod\"");
    let keys: Vec<&str> = c.tags.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["Env", "Owner"]);

    let system = &inv.pools[c.pools[0]];
    assert_eq!(
        system.tags.lookup("Pool").value().map(|s| s.as_str()),
        Some("sys")
    );
    // Tags unknown as a whole: any key may be there.
    let user = &inv.pools[c.pools[1]];
    assert!(user.tags.is_unknown());
    assert!(user.tags.lookup("env").is_unknown());

    // One unknown value leaves the others readable.
    let v = &inv.vnets[0];
    assert!(!v.tags.is_unknown());
    assert!(v.tags.lookup("env").is_unknown());
    assert_eq!(
        v.tags.lookup("team").known().map(|s| s.as_str()),
        Some("net")
    );
    assert!(v.tags.lookup("cost").is_absent());

    assert_eq!(
        inv.nsgs[0].tags.lookup("env").known().map(|s| s.as_str()),
        Some("dev")
    );
    assert!(inv.route_tables[0].tags.is_empty() && !inv.route_tables[0].tags.is_unknown());
}

/// azurerm 4.x removed `http_application_routing_enabled`: absent, not false.
#[test]
fn http_application_routing_absent_in_4x() {
    let text = r#"[{"type": "azurerm_kubernetes_cluster", "address": "azurerm_kubernetes_cluster.main",
      "values": {"name": "aks1", "resource_group_name": "rg",
        "default_node_pool": [{"name": "system", "node_count": 1}]}}]"#;
    let (_, inv) = inventory(text);
    assert!(inv.clusters[0].addons.http_application_routing.is_absent());
    assert!(inv.clusters[0].tags.is_empty());
}

#[test]
fn azapi_tags() {
    let text = r#"[{"type": "azapi_resource", "address": "azapi_resource.vnet",
      "values": {"type": "Microsoft.Network/virtualNetworks@2024-01-01", "name": "v",
        "parent_id": "/subscriptions/1/resourceGroups/rg", "tags": {"env": "prod", "akslint-ignore": "AKS001"},
        "body": {"properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}}}]"#;
    let (_, inv) = inventory(text);
    let v = &inv.vnets[0];
    assert_eq!(
        v.tags.lookup("ENV").known().map(|s| s.as_str()),
        Some("prod")
    );
    // `akslint-ignore` tags are honoured in ARM-shaped inputs and ASO only.
    assert!(inv.tag_suppressions.is_empty());
}

#[test]
fn firewall_policy_rule_collection_groups_merge_into_their_policy() {
    let (_, inv) = inventory(
        r#"[
        {"type":"azurerm_resource_group","address":"azurerm_resource_group.rg","values":{"name":"rg-fw","location":"westeurope"}},
        {"type":"azurerm_firewall_policy","address":"azurerm_firewall_policy.p","values":{"name":"afwp","resource_group_name":"rg-fw","dns":[{"proxy_enabled":true}]},
         "refs":[["resource_group_name","azurerm_resource_group.rg"]]},
        {"type":"azurerm_firewall_policy_rule_collection_group","address":"azurerm_firewall_policy_rule_collection_group.g",
         "values":{"name":"aks","firewall_policy_id":"(known after apply)","priority":200,
           "application_rule_collection":[{"name":"app","priority":300,"action":"Allow",
             "rule":[{"name":"tag","source_addresses":["10.0.0.0/22"],"destination_fqdn_tags":["AzureKubernetesService"],
               "protocols":[{"type":"Https","port":443}]}]}]},
         "refs":[["firewall_policy_id","azurerm_firewall_policy.p"]]},
        {"type":"azurerm_firewall","address":"azurerm_firewall.fw","values":{"name":"afw","resource_group_name":"rg-fw",
           "firewall_policy_id":"(known after apply)","ip_configuration":[{"name":"c","subnet_id":"(known after apply)","private_ip_address":"(known after apply)"}]},
         "refs":[["firewall_policy_id","azurerm_firewall_policy.p"],["resource_group_name","azurerm_resource_group.rg"]]}
    ]"#,
    );
    assert_eq!(inv.firewall_policies.len(), 1);
    let policy = &inv.firewall_policies[0];
    assert_eq!(policy.dns_proxy.value(), Some(&true));
    assert_eq!(policy.collections.len(), 1);
    let c = &policy.collections[0];
    assert_eq!(c.group_priority.value(), Some(&200));
    assert_eq!(
        c.rules[0].protocols[0].value().map(String::as_str),
        Some("Https:443")
    );
    assert_eq!(inv.firewalls.len(), 1);
    assert_eq!(inv.firewalls[0].policy, Some(0));
    // A computed private IP is unknown, not invented.
    assert!(inv.firewalls[0]
        .private_ips
        .iter()
        .all(|f| f.value().is_none()));
}

#[test]
fn nat_gateway_associations_add_addresses_to_the_gateway() {
    let (_, inv) = inventory(
        r#"[
        {"type":"azurerm_nat_gateway","address":"azurerm_nat_gateway.ng","values":{"name":"ng","resource_group_name":"rg-ng","sku_name":"Standard"}},
        {"type":"azurerm_public_ip","address":"azurerm_public_ip.ip","values":{"name":"pip","resource_group_name":"rg-ng","ip_address":"20.1.2.3"}},
        {"type":"azurerm_public_ip_prefix","address":"azurerm_public_ip_prefix.pre","values":{"name":"pre","resource_group_name":"rg-ng","ip_prefix":"20.9.0.0/30"}},
        {"type":"azurerm_nat_gateway_public_ip_association","address":"azurerm_nat_gateway_public_ip_association.a",
         "values":{"nat_gateway_id":"(known after apply)","public_ip_address_id":"(known after apply)"},
         "refs":[["nat_gateway_id","azurerm_nat_gateway.ng"],["public_ip_address_id","azurerm_public_ip.ip"]]},
        {"type":"azurerm_nat_gateway_public_ip_prefix_association","address":"azurerm_nat_gateway_public_ip_prefix_association.b",
         "values":{"nat_gateway_id":"(known after apply)","public_ip_prefix_id":"(known after apply)"},
         "refs":[["nat_gateway_id","azurerm_nat_gateway.ng"],["public_ip_prefix_id","azurerm_public_ip_prefix.pre"]]}
    ]"#,
    );
    assert_eq!(inv.nat_gateways.len(), 1);
    let gw = &inv.nat_gateways[0];
    assert_eq!(gw.public_ips, vec![Some(0)]);
    assert_eq!(gw.public_ip_prefixes, vec![Some(0)]);
    assert_eq!(
        inv.public_ips[0].ip_address.value().map(|a| a.to_string()),
        Some("20.1.2.3".into())
    );
    // Five resources read, though the associations merge into the gateway.
    assert_eq!(inv.resource_count(), 5);
}
