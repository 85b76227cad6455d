//! The context built from an inventory, and evaluation end to end from JSON.

use super::*;
use crate::ingest::{classify, ingest_document};
use crate::model::{Inventory, InventoryBuilder, SubnetIdx};
use crate::source::SourceMap;
use crate::syntax::json;

const NET: &str = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network";

fn inventory(docs: &[String]) -> Inventory {
    let mut sources = SourceMap::default();
    let mut b = InventoryBuilder::default();
    for (i, text) in docs.iter().enumerate() {
        let id = sources.add(format!("doc{i}.json"), text.clone());
        let node = json::parse(id, text).expect("valid JSON");
        ingest_document(&mut b, &node, classify(&node));
    }
    b.finish()
}

/// The hub-and-spoke shape: `spoke` (10.1.0.0/16) holds the node subnet and
/// peers with `hub`, whose space is only in the hub's own declaration.
fn spoke(subnet_extra: &str, peering_extra: &str) -> String {
    format!(
        r#"{{
  "type": "Microsoft.Network/virtualNetworks",
  "id": "{NET}/virtualNetworks/spoke",
  "name": "spoke",
  "properties": {{
    "addressSpace": {{ "addressPrefixes": ["10.1.0.0/16"] }},
    "subnets": [{{
      "name": "nodes",
      "properties": {{
        "addressPrefix": "10.1.0.0/24",
        "networkSecurityGroup": {{ "id": "{NET}/networkSecurityGroups/nodes-nsg" }}
        {subnet_extra}
      }}
    }}],
    "virtualNetworkPeerings": [{{
      "name": "to-hub",
      "properties": {{
        "remoteVirtualNetwork": {{ "id": "{NET}/virtualNetworks/hub" }}
        {peering_extra}
      }}
    }}]
  }}
}}"#
    )
}

fn hub() -> String {
    format!(
        r#"{{
  "type": "Microsoft.Network/virtualNetworks",
  "id": "{NET}/virtualNetworks/hub",
  "name": "hub",
  "properties": {{ "addressSpace": {{ "addressPrefixes": ["10.0.0.0/16"] }} }}
}}"#
    )
}

fn nsg_doc() -> String {
    format!(
        r#"{{
  "type": "Microsoft.Network/networkSecurityGroups",
  "id": "{NET}/networkSecurityGroups/nodes-nsg",
  "name": "nodes-nsg",
  "properties": {{ "securityRules": [
    {{ "name": "deny-hub-ssh", "properties": {{
      "priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "Tcp",
      "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*",
      "destinationAddressPrefix": "*", "destinationPortRanges": ["22", "3389"] }} }}
  ] }}
}}"#
    )
}

fn route_table(prefix: &str) -> String {
    format!(
        r#"{{
  "type": "Microsoft.Network/routeTables",
  "id": "{NET}/routeTables/rt",
  "name": "rt",
  "properties": {{ "routes": [
    {{ "name": "r", "properties": {{ "addressPrefix": "{prefix}", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.1.4" }} }}
  ] }}
}}"#
    )
}

fn node_subnet(inv: &Inventory) -> SubnetIdx {
    inv.subnets
        .iter()
        .position(|s| s.name.value().is_some_and(|n| n == "nodes"))
        .expect("node subnet")
}

fn nets(list: &[&str]) -> Vec<IpNet> {
    list.iter().map(|s| s.parse().unwrap()).collect()
}

#[test]
fn peered_space_comes_from_the_remote_vnet() {
    let inv = inventory(&[spoke("", ""), hub()]);
    let ctx = NsgContext::for_subnet(&inv, node_subnet(&inv));
    assert_eq!(ctx.vnet_prefixes, nets(&["10.1.0.0/16", "10.0.0.0/16"]));
    assert!(ctx.vnet_may_include.is_empty());
}

#[test]
fn stated_remote_space_is_used_as_written() {
    let stated = r#", "remoteAddressSpace": { "addressPrefixes": ["172.16.0.0/16"] }"#;
    let inv = inventory(&[spoke("", stated)]);
    let ctx = NsgContext::for_subnet(&inv, node_subnet(&inv));
    assert_eq!(ctx.vnet_prefixes, nets(&["10.1.0.0/16", "172.16.0.0/16"]));
    assert!(ctx.vnet_may_include.is_empty());
}

#[test]
fn a_peer_we_cannot_see_opens_the_tag() {
    let inv = inventory(&[spoke("", "")]);
    let ctx = NsgContext::for_subnet(&inv, node_subnet(&inv));
    assert_eq!(ctx.vnet_prefixes, nets(&["10.1.0.0/16"]));
    assert_eq!(ctx.vnet_may_include, nets(&["0.0.0.0/0", "::/0"]));
}

#[test]
fn route_prefixes_may_join_the_tag() {
    let rt = format!(r#", "routeTable": {{ "id": "{NET}/routeTables/rt" }}"#);
    let inv = inventory(&[spoke(&rt, ""), hub(), route_table("0.0.0.0/0")]);
    let ctx = NsgContext::for_subnet(&inv, node_subnet(&inv));
    assert_eq!(ctx.vnet_may_include, nets(&["0.0.0.0/0"]));
    // A route table that is not among the inputs may hold anything.
    let inv = inventory(&[spoke(&rt, ""), hub()]);
    let ctx = NsgContext::for_subnet(&inv, node_subnet(&inv));
    assert_eq!(ctx.vnet_may_include, nets(&["0.0.0.0/0", "::/0"]));
}

#[test]
fn out_of_range_subnet_index_gives_an_open_context() {
    let inv = inventory(&[hub()]);
    let ctx = NsgContext::for_subnet(&inv, 99);
    assert!(ctx.vnet_prefixes.is_empty());
    assert_eq!(ctx.vnet_may_include, nets(&["0.0.0.0/0", "::/0"]));
}

#[test]
fn evaluates_an_nsg_read_from_json() {
    let inv = inventory(&[spoke("", ""), hub(), nsg_doc()]);
    let si = node_subnet(&inv);
    let ctx = NsgContext::for_subnet(&inv, si);
    let nsg = &inv.nsgs[inv.subnets[si].nsg.expect("linked NSG")];
    let from_hub = |port: PortRange| {
        let f = Flow::new(
            Direction::Inbound,
            Protocol::Tcp,
            "10.0.5.0/24".parse().unwrap(),
            "10.1.0.0/24".parse().unwrap(),
            port,
        );
        evaluate(nsg, &ctx, &f)
    };
    let v = from_hub(PortRange::single(3389));
    assert_eq!(v.outcome, Outcome::Denied);
    let by: Vec<_> = v.denying().collect();
    assert_eq!(by, [Decider::Rule(0)]);
    assert_eq!(
        nsg.rules[0].name.value().map(String::as_str),
        Some("deny-hub-ssh")
    );
    assert_eq!(from_hub(PortRange::single(443)).outcome, Outcome::Allowed);
    assert_eq!(from_hub(PortRange::ALL).outcome, Outcome::Partial);
}

#[test]
fn evaluate_subnet_finds_the_nsg_and_names_the_rule() {
    let inv = inventory(&[spoke("", ""), hub(), nsg_doc()]);
    let si = node_subnet(&inv);
    let f = Flow::new(
        Direction::Inbound,
        Protocol::Tcp,
        "10.0.5.0/24".parse().unwrap(),
        "10.1.0.0/24".parse().unwrap(),
        PortRange::single(22),
    );
    let v = evaluate_subnet(&inv, si, &f).expect("NSG in the inputs");
    let nsg = &inv.nsgs[0];
    let by = v.denying().next().expect("a deny rule");
    assert_eq!(by.name(nsg), "deny-hub-ssh");
    assert_eq!(by.span(nsg), Some(nsg.rules[0].decl));
    let d = Decider::Default(DefaultRule::DenyAllInBound);
    assert_eq!(
        (d.name(nsg).as_str(), d.span(nsg)),
        ("DenyAllInBound", None)
    );
    // The NSG itself is not among the inputs.
    let inv = inventory(&[spoke("", ""), hub()]);
    assert!(evaluate_subnet(&inv, node_subnet(&inv), &f).is_none());
}
