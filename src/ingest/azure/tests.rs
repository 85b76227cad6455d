//! Tags and the HTTP application routing add-on from ARM templates, REST
//! bodies, `az` CLI output and Resource Graph rows.

use crate::ingest::{arm, classify, ingest_document, ingest_template_output};
use crate::model::{Field, Inventory, InventoryBuilder, Tags};
use crate::source::{SourceMap, Span};
use crate::syntax::json;

const RG: &str = "/subscriptions/s/resourceGroups/rg/providers";

/// Each text is one document; templates are evaluated without parameter files.
fn inventory(docs: &[&str]) -> (SourceMap, Inventory) {
    let mut sources = SourceMap::default();
    let mut b = InventoryBuilder::default();
    for (i, text) in docs.iter().enumerate() {
        let id = sources.add(format!("doc{i}.json"), text.to_string());
        let node = json::parse(id, text).expect("test input is valid JSON");
        if arm::is_template(&node) {
            ingest_template_output(&mut b, &arm::evaluate_template(&node, &[]));
        } else {
            assert!(ingest_document(&mut b, &node, classify(&node)) > 0);
        }
    }
    (sources, b.finish())
}

fn slice(sources: &SourceMap, span: Span) -> &str {
    sources.get(span.file).slice(span)
}

/// A tag's value and the text its span covers.
fn tag<'a>(sources: &'a SourceMap, tags: &'a Tags, key: &str) -> Option<(&'a str, &'a str)> {
    let f = tags.get(key)?;
    Some((f.value()?.as_str(), slice(sources, f.span()?)))
}

const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "env": {"type": "string", "defaultValue": "prod"},
    "extraTags": {"type": "object"}
  },
  "resources": [
    {"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-05-01",
     "name": "aks1", "location": "westeurope",
     "tags": {"Env": "[parameters('env')]", "CostCenter": 42},
     "properties": {
       "addonProfiles": {"HTTPApplicationRouting": {"enabled": true}},
       "agentPoolProfiles": [{"name": "sys", "count": 3, "tags": {"pool": "system"}}]}},
    {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-01-01",
     "name": "vnet1", "tags": "[parameters('extraTags')]",
     "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}},
    {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-01-01",
     "name": "nsg1", "tags": "[union(createObject('team', 'net'), createObject('env', parameters('env')))]"},
    {"type": "Microsoft.Network/routeTables", "apiVersion": "2024-01-01", "name": "rt1"}
  ]
}"#;

#[test]
fn template_tags_evaluate_like_any_value() {
    let (s, inv) = inventory(&[TEMPLATE]);
    let c = &inv.clusters[0];
    // Keys compare case-insensitively; an expression's value points at the expression.
    assert_eq!(
        tag(&s, &c.tags, "env"),
        Some(("prod", "\"[parameters('env')]\""))
    );
    assert_eq!(tag(&s, &c.tags, "costcenter"), Some(("42", "42")));
    let keys: Vec<&str> = c.tags.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["Env", "CostCenter"]);
    let map = slice(&s, c.tags.span().unwrap_or_default());
    assert!(map.starts_with("{\"Env\"") && map.ends_with("42}"), "{map}");
    assert_eq!(c.addons.http_application_routing.value(), Some(&true));
    assert_eq!(
        tag(&s, &inv.pools[0].tags, "POOL"),
        Some(("system", "\"system\""))
    );

    // A parameter without a value leaves the VNet's tags unknown as a whole.
    let v = &inv.vnets[0];
    assert!(v.tags.is_unknown() && v.tags.is_empty());
    assert!(v.tags.lookup("env").is_unknown());

    let n = &inv.nsgs[0];
    assert_eq!(
        n.tags
            .get("TEAM")
            .and_then(Field::value)
            .map(String::as_str),
        Some("net")
    );
    assert_eq!(
        n.tags.get("env").and_then(Field::value).map(String::as_str),
        Some("prod")
    );

    let r = &inv.route_tables[0];
    assert!(r.tags.is_empty() && !r.tags.is_unknown());
    assert_eq!(r.tags.span(), None);
    assert_eq!(r.tags.lookup("env"), Field::Absent);
}

#[test]
fn addon_disabled_or_left_out() {
    let off = format!(
        r#"{{"id": "{RG}/Microsoft.ContainerService/managedClusters/a",
        "type": "Microsoft.ContainerService/managedClusters", "name": "a",
        "properties": {{"addonProfiles": {{"httpApplicationRouting": {{"enabled": false}}}}}}}}"#
    );
    let (_, inv) = inventory(&[&off]);
    assert_eq!(
        inv.clusters[0].addons.http_application_routing.known(),
        Some(&false)
    );
    let none = format!(
        r#"{{"id": "{RG}/Microsoft.ContainerService/managedClusters/b",
        "type": "Microsoft.ContainerService/managedClusters", "name": "b", "properties": {{}}}}"#
    );
    let (_, inv) = inventory(&[&none]);
    assert!(inv.clusters[0].addons.http_application_routing.is_absent());
}

/// `az aks show`, `az aks nodepool show` and `az network … show` flatten
/// `properties`; a pool's tags then sit at the top level.
#[test]
fn az_cli_output() {
    let cluster = format!(
        r#"{{"id": "{RG}/Microsoft.ContainerService/managedClusters/aks1",
        "name": "aks1", "type": "Microsoft.ContainerService/ManagedClusters",
        "tags": {{"env": "prod"}},
        "addonProfiles": {{"httpapplicationrouting": {{"enabled": true, "config": null}}}},
        "agentPoolProfiles": [{{"name": "sys", "tags": {{"tier": "a"}}}}]}}"#
    );
    let pool = format!(
        r#"{{"id": "{RG}/Microsoft.ContainerService/managedClusters/aks1/agentPools/user",
        "name": "user", "type": "Microsoft.ContainerService/managedClusters/agentPools",
        "tags": {{"Tier": "b", "empty": null}}}}"#
    );
    let nsg = format!(
        r#"[{{"id": "{RG}/Microsoft.Network/networkSecurityGroups/n",
        "name": "n", "type": "Microsoft.Network/networkSecurityGroups",
        "tags": {{"owner": "net"}}, "securityRules": []}},
        {{"id": "{RG}/Microsoft.Network/routeTables/r",
        "name": "r", "type": "Microsoft.Network/routeTables", "tags": {{"owner": "net"}}}}]"#
    );
    let (s, inv) = inventory(&[&cluster, &pool, &nsg]);
    let c = &inv.clusters[0];
    assert_eq!(tag(&s, &c.tags, "ENV"), Some(("prod", "\"prod\"")));
    assert_eq!(c.addons.http_application_routing.known(), Some(&true));
    let tiers: Vec<_> = inv
        .pools
        .iter()
        .map(|p| p.tags.get("tier").and_then(Field::value).cloned())
        .collect();
    assert_eq!(tiers, [Some("a".to_string()), Some("b".to_string())]);
    // A null tag value is no tag.
    assert_eq!(inv.pools[1].tags.len(), 1);
    assert_eq!(
        tag(&s, &inv.nsgs[0].tags, "owner"),
        Some(("net", "\"net\""))
    );
    assert_eq!(
        tag(&s, &inv.route_tables[0].tags, "owner"),
        Some(("net", "\"net\""))
    );
}

/// A REST agent pool body keeps its tags in `properties`.
#[test]
fn rest_pool_tags_in_properties() {
    let pool = format!(
        r#"{{"id": "{RG}/Microsoft.ContainerService/managedClusters/aks1/agentPools/user",
        "name": "user", "type": "Microsoft.ContainerService/managedClusters/agentPools",
        "properties": {{"count": 2, "tags": {{"tier": "b"}}}}}}"#
    );
    let (s, inv) = inventory(&[&pool]);
    assert_eq!(tag(&s, &inv.pools[0].tags, "tier"), Some(("b", "\"b\"")));
}

#[test]
fn resource_graph_rows() {
    let rows = format!(
        r#"{{"count": 1, "data": [{{"id": "{RG}/Microsoft.Network/virtualNetworks/v",
        "name": "v", "type": "microsoft.network/virtualnetworks", "tags": {{"Env": "dev"}},
        "properties": {{"addressSpace": {{"addressPrefixes": ["10.0.0.0/16"]}}}}}}]}}"#
    );
    let (s, inv) = inventory(&[&rows]);
    assert_eq!(tag(&s, &inv.vnets[0].tags, "env"), Some(("dev", "\"dev\"")));
}

/// The same VNet described twice: the first description with tags wins, and a
/// child resource's stub (no tags) takes nothing away.
#[test]
fn merged_descriptions_keep_the_first_tags() {
    let vnet = |tags: &str| {
        format!(
            r#"{{"id": "{RG}/Microsoft.Network/virtualNetworks/v", "name": "v",
            "type": "Microsoft.Network/virtualNetworks" {tags},
            "properties": {{"addressSpace": {{"addressPrefixes": ["10.0.0.0/16"]}}}}}}"#
        )
    };
    let peering = format!(
        r#"{{"id": "{RG}/Microsoft.Network/virtualNetworks/v/virtualNetworkPeerings/p",
        "name": "p", "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"}}"#
    );
    let (s, inv) = inventory(&[
        &peering,
        &vnet(""),
        &vnet(r#", "tags": {"env": "a"}"#),
        &vnet(r#", "tags": {"env": "b"}"#),
    ]);
    assert_eq!(inv.vnets.len(), 1);
    assert_eq!(tag(&s, &inv.vnets[0].tags, "env").map(|t| t.0), Some("a"));
}

/// `akslint-ignore` tags are still recorded, and now also readable as tags.
#[test]
fn suppression_tag_is_also_a_tag() {
    let nsg = format!(
        r#"{{"id": "{RG}/Microsoft.Network/networkSecurityGroups/n", "name": "n",
        "type": "Microsoft.Network/networkSecurityGroups",
        "tags": {{"akslint-ignore": "AKS001, AKS004"}}}}"#
    );
    let (_, inv) = inventory(&[&nsg]);
    assert_eq!(inv.tag_suppressions.len(), 1);
    assert_eq!(inv.tag_suppressions[0].codes, ["AKS001", "AKS004"]);
    assert!(inv.nsgs[0].tags.get("AKSLINT-IGNORE").is_some());
}

/// Two recorded responses for one cluster: the add-on and the tags come from
/// whichever states them first.
#[test]
fn merged_cluster_keeps_addon_and_tags() {
    let cluster = |body: &str| {
        format!(
            r#"{{"id": "{RG}/Microsoft.ContainerService/managedClusters/aks1", "name": "aks1",
            "type": "Microsoft.ContainerService/managedClusters", {body}}}"#
        )
    };
    let (_, inv) = inventory(&[
        &cluster(r#""tags": {}, "properties": {}"#),
        &cluster(
            r#""tags": {"env": "prod"},
            "properties": {"addonProfiles": {"httpApplicationRouting": {"enabled": true}}}"#,
        ),
        &cluster(r#""tags": {"env": "dev"}, "properties": {}"#),
    ]);
    assert_eq!(inv.clusters.len(), 1);
    let c = &inv.clusters[0];
    assert_eq!(c.addons.http_application_routing.known(), Some(&true));
    assert_eq!(
        c.tags.lookup("env").known().map(|s| s.as_str()),
        Some("prod")
    );
}

#[test]
fn firewall_classic_rules_and_public_ips_from_az_output() {
    let sub = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network";
    let fw = format!(
        r#"{{"id":"{sub}/azureFirewalls/afw","name":"afw","type":"Microsoft.Network/azureFirewalls",
        "additionalProperties":{{"Network.DNS.EnableProxy":"true"}},"firewallPolicy":null,
        "ipConfigurations":[{{"name":"c","privateIpAddress":"10.0.8.4",
          "publicIpAddress":{{"id":"{sub}/publicIPAddresses/pip"}},"subnet":{{"id":"{sub}/virtualNetworks/v/subnets/AzureFirewallSubnet"}}}}],
        "networkRuleCollections":[{{"name":"net","priority":100,"action":{{"type":"Deny"}},
          "rules":[{{"name":"r","protocols":["TCP"],"sourceAddresses":["*"],"destinationAddresses":["*"],"destinationPorts":["443"]}}]}}],
        "applicationRuleCollections":[]}}"#
    );
    let pip = format!(
        r#"{{"id":"{sub}/publicIPAddresses/pip","name":"pip","type":"Microsoft.Network/publicIPAddresses","ipAddress":"20.61.14.27",
        "publicIpPrefix":{{"id":"{sub}/publicIPPrefixes/pre"}}}}"#
    );
    let pre = format!(
        r#"{{"id":"{sub}/publicIPPrefixes/pre","name":"pre","type":"Microsoft.Network/publicIPPrefixes","ipPrefix":"20.61.14.24/29"}}"#
    );
    let (_, inv) = inventory(&[&fw, &pip, &pre]);
    let f = &inv.firewalls[0];
    assert_eq!(
        f.private_ips[0].value().map(|a| a.to_string()),
        Some("10.0.8.4".into())
    );
    assert_eq!(f.dns_proxy.value(), Some(&true));
    assert!(f.classic_rules_stated);
    assert_eq!(f.collections.len(), 1);
    assert_eq!(
        f.collections[0].action.value().map(String::as_str),
        Some("Deny")
    );
    assert_eq!(f.public_ips, vec![Some(0)]);
    assert_eq!(inv.public_ips[0].prefix, Some(0));
}
