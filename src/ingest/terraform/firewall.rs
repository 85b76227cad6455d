//! `azurerm_firewall`, `azurerm_firewall_policy`,
//! `azurerm_firewall_policy_rule_collection_group` and the classic
//! `azurerm_firewall_application_rule_collection`/`_network_rule_collection` (F-150).

use super::azurerm::{block, blocks, sub, Cx, PUBLIC_IP, SUBNET};
use crate::ingest::values::{boolean, int, ip, list, nonempty_string, string};
use crate::model::{
    AzureFirewall, Field, FirewallPolicy, FirewallRule, FirewallRuleCollection, FirewallRuleKind,
    InventoryBuilder, ResourceId,
};
use crate::source::Span;
use crate::syntax::Node;

const FIREWALL_POLICY: &str = "microsoft.network/firewallpolicies";

pub(super) fn firewall(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let configs = blocks(cx.v("ip_configuration"));
    // References carry no block index: they are placed only for a single block.
    let path = |attr: &str| {
        if configs.len() == 1 {
            format!("ip_configuration.{attr}")
        } else {
            String::new()
        }
    };
    let private_ips = configs
        .iter()
        .map(|c| ip(sub(Some(c), "private_ip_address")))
        .filter(|f| !f.is_absent())
        .collect();
    let public_ip_ids = configs
        .iter()
        .map(|c| {
            let node = sub(Some(c), "public_ip_address_id");
            cx.id_field(node, &path("public_ip_address_id"), PUBLIC_IP)
        })
        .filter(|f| !f.is_absent())
        .collect();
    let subnet_id = configs
        .iter()
        .map(|c| cx.id_field(sub(Some(c), "subnet_id"), &path("subnet_id"), SUBNET))
        .find(|f| !f.is_absent())
        .unwrap_or_default();
    b.add_firewall(AzureFirewall {
        id: cx.id(),
        address: cx.r.address.clone(),
        decl: cx.r.decl,
        name: string(cx.v("name")),
        collections: Vec::new(),
        classic_rules_stated: false,
        subnet: None,
        policy: None,
        public_ips: Vec::new(),
        private_ips,
        subnet_id,
        public_ip_ids,
        policy_id: cx.id_field(
            cx.v("firewall_policy_id"),
            "firewall_policy_id",
            FIREWALL_POLICY,
        ),
        dns_proxy: boolean(cx.v("dns_proxy_enabled")),
        sku_tier: nonempty_string(cx.v("sku_tier")),
    });
}

pub(super) fn policy(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    b.add_firewall_policy(FirewallPolicy {
        id: cx.id(),
        address: cx.r.address.clone(),
        decl: cx.r.decl,
        name: string(cx.v("name")),
        collections: Vec::new(),
        base: None,
        dns_proxy: boolean(sub(block(cx.v("dns")), "proxy_enabled")),
        base_policy_id: cx.id_field(cx.v("base_policy_id"), "base_policy_id", FIREWALL_POLICY),
    });
}

/// A rule collection group, added to its policy as a stub.
pub(super) fn rule_collection_group(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let Some(policy_id) = cx.id().as_ref().and_then(ResourceId::parent) else {
        b.count_other();
        return;
    };
    let priority = int(cx.v("priority"));
    let mut collections = Vec::new();
    for (key, kind) in [
        ("application_rule_collection", FirewallRuleKind::Application),
        ("network_rule_collection", FirewallRuleKind::Network),
    ] {
        for c in blocks(cx.v(key)) {
            collections.push(collection(c, c.span, kind, priority.clone()));
        }
    }
    // The child resource was read: it counts, though it merges into its parent.
    b.count_other();
    b.add_firewall_policy(FirewallPolicy::from_group(policy_id, collections));
}

/// A classic rule collection resource, added to its firewall as a stub.
pub(super) fn classic_collection(b: &mut InventoryBuilder, cx: &Cx<'_>, kind: FirewallRuleKind) {
    let Some(firewall_id) = cx.id().as_ref().and_then(ResourceId::parent) else {
        b.count_other();
        return;
    };
    let c = collection(&cx.r.values, cx.r.decl, kind, Field::Absent);
    // The child resource was read: it counts, though it merges into its parent.
    b.count_other();
    b.add_firewall(AzureFirewall {
        address: firewall_id.to_string(),
        id: Some(firewall_id),
        decl: Span::default(),
        name: Field::Absent,
        collections: vec![c],
        classic_rules_stated: false,
        subnet: None,
        policy: None,
        public_ips: Vec::new(),
        private_ips: Vec::new(),
        subnet_id: Field::Absent,
        public_ip_ids: Vec::new(),
        policy_id: Field::Absent,
        dns_proxy: Field::Absent,
        sku_tier: Field::Absent,
    });
}

fn collection(
    c: &Node,
    decl: Span,
    kind: FirewallRuleKind,
    group_priority: Field<i64>,
) -> FirewallRuleCollection {
    let g = |k: &str| sub(Some(c), k);
    FirewallRuleCollection {
        decl,
        name: string(g("name")),
        kind,
        group_priority,
        inherited: false,
        rules: blocks(g("rule"))
            .into_iter()
            .map(|r| rule(r, kind))
            .collect(),
        priority: int(g("priority")),
        action: nonempty_string(g("action")),
    }
}

/// A `rule` block: the policy's names (`destination_fqdns`, `destination_fqdn_tags`,
/// `protocols { type port }`) and the classic ones (`target_fqdns`, `fqdn_tags`, `protocol`).
fn rule(r: &Node, kind: FirewallRuleKind) -> FirewallRule {
    let g = |k: &str| sub(Some(r), k);
    let strings = |k: &str| list(g(k), nonempty_string);
    let either = |a: &str, b: &str| {
        let v = strings(a);
        if v.is_empty() {
            strings(b)
        } else {
            v
        }
    };
    let app = kind == FirewallRuleKind::Application;
    let mut other_targets = strings("destination_urls");
    other_targets.extend(strings("web_categories"));
    let (target_fqdns, destination_fqdns) = if app {
        (either("destination_fqdns", "target_fqdns"), Vec::new())
    } else {
        (Vec::new(), strings("destination_fqdns"))
    };
    FirewallRule {
        decl: r.span,
        name: string(g("name")),
        source_addresses: strings("source_addresses"),
        source_ip_groups: strings("source_ip_groups"),
        target_fqdns,
        fqdn_tags: either("destination_fqdn_tags", "fqdn_tags"),
        protocols: if app {
            let mut p: Vec<_> = blocks(g("protocols"))
                .into_iter()
                .map(app_protocol)
                .collect();
            p.extend(blocks(g("protocol")).into_iter().map(app_protocol));
            p
        } else {
            Vec::new()
        },
        other_targets,
        destination_addresses: strings("destination_addresses"),
        destination_ip_groups: strings("destination_ip_groups"),
        destination_fqdns,
        destination_ports: list(g("destination_ports"), string),
        ip_protocols: if app {
            Vec::new()
        } else {
            strings("protocols")
        },
    }
}

/// `protocols { type = "Https" port = 443 }` as `Https:443`.
fn app_protocol(n: &Node) -> Field<String> {
    let (ty, port) = (string(sub(Some(n), "type")), string(sub(Some(n), "port")));
    match (ty, port) {
        (Field::Known(t, span), Field::Known(p, _)) => Field::Known(format!("{t}:{p}"), span),
        _ => Field::Unknown(n.span),
    }
}
