//! `Microsoft.Network/azureFirewalls` (with classic rule collections),
//! `firewallPolicies` and `firewallPolicies/ruleCollectionGroups` (F-150).

use super::{prop, Resource};
use crate::ingest::values::{boolean, int, ip, list, nonempty_string, resource_id, string};
use crate::model::{
    AzureFirewall, Field, FirewallPolicy, FirewallRule, FirewallRuleCollection, FirewallRuleKind,
    InventoryBuilder, ResourceId,
};
use crate::syntax::{Node, NodeKind};

/// One of several spellings of a key on a node (ARM `privateIPAddress`, az CLI `privateIpAddress`).
fn any<'n>(node: &'n Node, keys: &[&str]) -> Option<&'n Node> {
    keys.iter().find_map(|k| prop(node, k))
}

fn items(node: Option<&Node>) -> &[Node] {
    node.and_then(Node::as_array).unwrap_or_default()
}

pub(super) fn firewall(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let configs = items(r.prop("ipConfigurations"));
    let private_ips = configs
        .iter()
        .map(|c| ip(any(c, &["privateIPAddress", "privateIpAddress"])))
        .filter(|f| !f.is_absent())
        .collect();
    let public_ip_ids = configs
        .iter()
        .map(|c| resource_id(any(c, &["publicIPAddress", "publicIpAddress"])))
        .filter(|f| !f.is_absent())
        .collect();
    let subnet_id = configs
        .iter()
        .map(|c| resource_id(prop(c, "subnet")))
        .find(|f| !f.is_absent())
        .unwrap_or_default();
    let dns_proxy = r
        .prop("additionalProperties")
        .and_then(|a| a.get("Network.DNS.EnableProxy"));
    let mut collections = Vec::new();
    let classic_rules_stated = ["applicationRuleCollections", "networkRuleCollections"]
        .iter()
        .any(|k| {
            r.prop(k)
                .is_some_and(|n| matches!(n.kind, NodeKind::Array(_)))
        });
    for (key, kind) in [
        ("applicationRuleCollections", FirewallRuleKind::Application),
        ("networkRuleCollections", FirewallRuleKind::Network),
    ] {
        collections.extend(
            items(r.prop(key))
                .iter()
                .map(|c| collection(c, kind, Field::Absent)),
        );
    }
    b.add_firewall(AzureFirewall {
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        name: string(r.name()),
        collections,
        classic_rules_stated,
        subnet: None,
        policy: None,
        public_ips: Vec::new(),
        private_ips,
        subnet_id,
        public_ip_ids,
        policy_id: resource_id(r.prop("firewallPolicy")),
        dns_proxy: boolean(dns_proxy),
        sku_tier: nonempty_string(r.prop("sku").and_then(|s| s.get("tier"))),
    });
}

pub(super) fn policy(b: &mut InventoryBuilder, r: &Resource<'_>) {
    b.add_firewall_policy(FirewallPolicy {
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        name: string(r.name()),
        collections: Vec::new(),
        base: None,
        dns_proxy: boolean(r.prop("dnsSettings").and_then(|d| d.get("enableProxy"))),
        base_policy_id: resource_id(r.prop("basePolicy")),
    });
}

/// A rule collection group, added to its policy (named by its own id's parent).
pub(super) fn rule_collection_group(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let Some(policy_id) = r.id.as_ref().and_then(ResourceId::parent) else {
        b.count_other();
        return;
    };
    let priority = int(r.prop("priority"));
    let collections = items(r.prop("ruleCollections"))
        .iter()
        .filter_map(|c| {
            let kind = policy_collection_kind(c)?;
            Some(collection(c, kind, priority.clone()))
        })
        .collect();
    // The child resource was read: it counts, though it merges into its parent.
    b.count_other();
    b.add_firewall_policy(FirewallPolicy::from_group(policy_id, collections));
}

/// A policy collection's kind: NAT by its type, else by its rules' `ruleType`.
fn policy_collection_kind(c: &Node) -> Option<FirewallRuleKind> {
    let ty = c.get("ruleCollectionType").and_then(Node::as_str);
    if ty.is_some_and(|t| t.eq_ignore_ascii_case("FirewallPolicyNatRuleCollection")) {
        return Some(FirewallRuleKind::Nat);
    }
    let rule_type = items(c.get("rules"))
        .iter()
        .find_map(|r| r.get("ruleType").and_then(Node::as_str));
    match rule_type {
        Some(t) if t.eq_ignore_ascii_case("ApplicationRule") => Some(FirewallRuleKind::Application),
        Some(t) if t.eq_ignore_ascii_case("NetworkRule") => Some(FirewallRuleKind::Network),
        Some(_) => Some(FirewallRuleKind::Nat),
        // An empty collection matches nothing.
        None => None,
    }
}

fn collection(
    c: &Node,
    kind: FirewallRuleKind,
    group_priority: Field<i64>,
) -> FirewallRuleCollection {
    FirewallRuleCollection {
        decl: c.span,
        name: string(c.get("name")),
        kind,
        group_priority,
        inherited: false,
        rules: items(prop(c, "rules"))
            .iter()
            .map(|r| rule(r, kind))
            .collect(),
        priority: int(prop(c, "priority")),
        action: nonempty_string(prop(c, "action").and_then(|a| a.get("type"))),
    }
}

fn rule(r: &Node, kind: FirewallRuleKind) -> FirewallRule {
    let strings = |k: &str| list(r.get(k), nonempty_string);
    let app = kind == FirewallRuleKind::Application;
    let mut other_targets = strings("targetUrls");
    other_targets.extend(strings("webCategories"));
    FirewallRule {
        decl: r.span,
        name: string(r.get("name")),
        source_addresses: strings("sourceAddresses"),
        source_ip_groups: strings("sourceIpGroups"),
        target_fqdns: strings("targetFqdns"),
        fqdn_tags: strings("fqdnTags"),
        protocols: if app {
            list(r.get("protocols"), app_protocol)
        } else {
            Vec::new()
        },
        other_targets,
        destination_addresses: strings("destinationAddresses"),
        destination_ip_groups: strings("destinationIpGroups"),
        destination_fqdns: strings("destinationFqdns"),
        destination_ports: list(r.get("destinationPorts"), string),
        ip_protocols: if app {
            Vec::new()
        } else {
            let mut p = strings("ipProtocols");
            if p.is_empty() {
                p = strings("protocols");
            }
            p
        },
    }
}

/// An application rule's protocol, `{ "protocolType": "Https", "port": 443 }`, as `Https:443`.
fn app_protocol(node: Option<&Node>) -> Field<String> {
    let Some(n) = node else { return Field::Absent };
    let (ty, port) = (string(n.get("protocolType")), string(n.get("port")));
    match (ty, port) {
        (Field::Known(t, span), Field::Known(p, _)) => Field::Known(format!("{t}:{p}"), span),
        (Field::Known(t, span), Field::Absent) => Field::Known(t, span),
        _ => Field::Unknown(n.span),
    }
}
