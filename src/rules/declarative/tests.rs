//! Engine tests: operators on TRUE / FALSE / UNKNOWN / absent values, paths,
//! templates, and whole rules over small inventories.

use super::condition::Truth;
use super::*;
use crate::ingest::{arm, classify, ingest_document, ingest_template_output};
use crate::model::InventoryBuilder;
use crate::rules::{run, Thresholds};
use crate::syntax::json;

const CLUSTER_ID: &str =
    "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1";

/// A managed cluster resource with these extra `properties` members.
fn cluster(props: &str) -> String {
    format!(
        r#"{{"id":"{CLUSTER_ID}","name":"aks1","type":"Microsoft.ContainerService/managedClusters",
        "properties":{{"kubernetesVersion":"1.31.0"{props},
        "agentPoolProfiles":[{{"name":"sys","count":2,"vnetSubnetID":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes"}},{{"name":"user","count":3,"enableNodePublicIP":true}}]}}}}"#
    )
}

fn vnet() -> String {
    r#"{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet","name":"vnet",
    "type":"Microsoft.Network/virtualNetworks","properties":{"addressSpace":{"addressPrefixes":["10.1.0.0/16"]},
    "dhcpOptions":{"dnsServers":["10.1.0.4","192.168.9.9"]},
    "subnets":[{"name":"nodes","id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes",
    "properties":{"addressPrefix":"10.1.0.0/22"}},{"name":"other","properties":{"addressPrefix":"10.1.8.0/24"}}]}}"#
        .to_string()
}

/// Loads a user pack from text (the rule file is file 0 of the returned map).
fn load(yaml: &str) -> (SourceMap, Result<Vec<DeclarativeRule>, Vec<Diagnostic>>) {
    let mut sources = SourceMap::default();
    let file = sources.add("rules.yaml".into(), yaml.to_string());
    let loaded = load_files(&[file], &sources, false, crate::rules::builtin());
    (sources, loaded)
}

/// Runs one user rule over JSON resources.
fn run_rule(yaml: &str, docs: &[&str]) -> (SourceMap, Vec<Diagnostic>) {
    let (mut sources, loaded) = load(yaml);
    let rules = match loaded {
        Ok(r) => r,
        Err(e) => panic!("rule does not load: {e:?}"),
    };
    let mut b = InventoryBuilder::default();
    for (i, text) in docs.iter().enumerate() {
        let id = sources.add(format!("doc{i}.json"), text.to_string());
        let node = json::parse(id, text).expect("test input is valid JSON");
        ingest_document(&mut b, &node, classify(&node));
    }
    let inv = b.finish();
    let rules: Vec<&'static dyn Rule> = rules
        .into_iter()
        .map(|r| -> &'static dyn Rule { Box::leak(Box::new(r)) })
        .collect();
    let d = run(&inv, &rules, &Thresholds::default());
    (sources, d)
}

/// An ARM template whose cluster reads `networkPolicy` and `authorizedIPRanges`
/// from parameters without values: unknown before deployment.
fn unknown_template() -> String {
    r#"{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      "contentVersion":"1.0.0.0","parameters":{"policy":{"type":"string"},"range":{"type":"string"},"count":{"type":"int"}},
      "resources":[{"type":"Microsoft.ContainerService/managedClusters","apiVersion":"2024-09-01","name":"aks1",
        "properties":{"kubernetesVersion":"1.31.0","networkProfile":{"networkPlugin":"azure","networkPolicy":"[parameters('policy')]"},
          "apiServerAccessProfile":{"authorizedIPRanges":["[parameters('range')]"]},
          "agentPoolProfiles":[{"name":"sys","count":"[parameters('count')]"}]}}]}"#
        .to_string()
}

fn findings_on_template(yaml: &str, template: &str) -> Vec<Diagnostic> {
    let (mut sources, loaded) = load(yaml);
    let rules = loaded.expect("rule loads");
    let file = sources.add("t.json".into(), template.to_string());
    let root = json::parse(file, template).expect("valid JSON");
    let mut b = InventoryBuilder::default();
    ingest_template_output(&mut b, &arm::evaluate_template(&root, &[]));
    let inv = b.finish();
    let rules: Vec<&'static dyn Rule> = rules
        .into_iter()
        .map(|r| -> &'static dyn Rule { Box::leak(Box::new(r)) })
        .collect();
    run(&inv, &rules, &Thresholds::default())
}

fn rule_with(kind: &str, cond: &str) -> String {
    format!(
        "id: T001\nname: t\nseverity: error\nsummary: s\nhelp: h\nmatch: {kind}\nassert: {cond}\n"
    )
}

/// The truth of a condition on the first object of a kind: it fires when FALSE,
/// its negation fires when TRUE, neither fires when UNKNOWN.
fn truth_on(kind: &str, cond: &str, docs: &[&str]) -> Truth {
    let fires = |c: &str| !run_rule(&rule_with(kind, c), docs).1.is_empty();
    match (fires(cond), fires(&format!("{{not: {cond}}}"))) {
        (true, false) => Truth::False,
        (false, true) => Truth::True,
        (false, false) => Truth::Unknown,
        (true, true) => panic!("{cond} is both TRUE and FALSE"),
    }
}

fn truth(cond: &str) -> Truth {
    truth_on(
        "cluster",
        cond,
        &[
            &cluster(
                r#","networkProfile":{"networkPlugin":"azure","podCidr":"10.244.0.0/16","dnsServiceIP":"10.0.0.10","loadBalancerSku":"Standard"},"apiServerAccessProfile":{"authorizedIPRanges":["203.0.113.0/24","198.51.100.7"]}"#,
            ),
            &vnet(),
        ],
    )
}

fn truth_unknown(cond: &str) -> Truth {
    let fires =
        |c: &str| !findings_on_template(&rule_with("cluster", c), &unknown_template()).is_empty();
    match (fires(cond), fires(&format!("{{not: {cond}}}"))) {
        (true, false) => Truth::False,
        (false, true) => Truth::True,
        (false, false) => Truth::Unknown,
        (true, true) => panic!("{cond} is both TRUE and FALSE"),
    }
}

use Truth::{False as F, True as T, Unknown as U};

#[test]
fn exists_and_stated() {
    assert_eq!(truth("{field: network.plugin, exists: true}"), T);
    assert_eq!(truth("{field: network.policy, exists: true}"), F);
    assert_eq!(truth("{field: network.policy, exists: false}"), T);
    // A default exists but is not stated.
    assert_eq!(truth("{field: network.load_balancer_sku, stated: true}"), T);
    let defaulted = [cluster("")];
    let on_default = |c: &str| truth_on("cluster", c, &[&defaulted[0]]);
    assert_eq!(on_default("{field: network.plugin, exists: true}"), T);
    assert_eq!(on_default("{field: network.plugin, stated: true}"), F);
    assert_eq!(on_default("{field: network.plugin, stated: false}"), T);
    assert_eq!(on_default("{field: network.plugin, equals: azure}"), T);
    assert_eq!(
        on_default("{field: network.plugin_mode, equals: overlay}"),
        T
    );
    // Unknown values exist and are stated.
    assert_eq!(truth_unknown("{field: network.policy, exists: true}"), T);
    assert_eq!(truth_unknown("{field: network.policy, stated: true}"), T);
    // Lists: non-empty.
    assert_eq!(
        truth("{field: api_server.authorized_ip_ranges, exists: true}"),
        T
    );
    assert_eq!(truth("{field: network.service_cidrs, stated: true}"), F);
}

#[test]
fn equals_and_not_equals() {
    assert_eq!(truth("{field: network.plugin, equals: azure}"), T);
    assert_eq!(truth("{field: network.plugin, equals: AZURE}"), T);
    assert_eq!(
        truth("{field: network.plugin, equals: AZURE, caseSensitive: true}"),
        F
    );
    assert_eq!(truth("{field: network.plugin, notEquals: kubenet}"), T);
    assert_eq!(
        truth("{field: network.load_balancer_sku, equals: standard}"),
        T
    );
    // Absent: equals is FALSE, notEquals TRUE.
    assert_eq!(truth("{field: network.policy, equals: azure}"), F);
    assert_eq!(truth("{field: network.policy, notEquals: azure}"), T);
    assert_eq!(truth_unknown("{field: network.policy, equals: azure}"), U);
    assert_eq!(
        truth_unknown("{field: network.policy, notEquals: azure}"),
        U
    );
    assert_eq!(
        truth("{field: network.dns_service_ip, equals: 10.0.0.10}"),
        T
    );
    assert_eq!(
        truth("{field: network.pod_cidrs, equals: 10.244.0.0/16}"),
        T
    );
    assert_eq!(truth("{field: kubernetes_version, equals: 1.31.0}"), T);
}

#[test]
fn in_and_not_in() {
    assert_eq!(truth("{field: network.plugin, in: [kubenet, azure]}"), T);
    assert_eq!(truth("{field: network.plugin, in: [kubenet, none]}"), F);
    assert_eq!(truth("{field: network.plugin, notIn: [kubenet, none]}"), T);
    assert_eq!(truth("{field: network.policy, in: [azure]}"), F);
    assert_eq!(truth("{field: network.policy, notIn: [azure]}"), T);
    assert_eq!(truth_unknown("{field: network.policy, in: [azure]}"), U);
}

#[test]
fn string_operators() {
    assert_eq!(truth("{field: name, matches: '^aks[0-9]$'}"), T);
    assert_eq!(truth("{field: name, matches: '^AKS[0-9]$'}"), T);
    assert_eq!(
        truth("{field: name, matches: '^AKS[0-9]$', caseSensitive: true}"),
        F
    );
    assert_eq!(truth("{field: name, startsWith: AK}"), T);
    assert_eq!(truth("{field: name, startsWith: x}"), F);
    assert_eq!(truth("{field: name, endsWith: s1}"), T);
    assert_eq!(truth("{field: name, contains: KS}"), T);
    assert_eq!(truth("{field: name, contains: KS, caseSensitive: true}"), F);
    assert_eq!(truth("{field: network.policy, matches: '.*'}"), F);
    assert_eq!(truth_unknown("{field: network.policy, startsWith: a}"), U);
}

#[test]
fn contains_on_a_list_is_membership() {
    assert_eq!(
        truth("{field: api_server.authorized_ip_ranges, contains: 203.0.113.0/24}"),
        T
    );
    assert_eq!(
        truth("{field: api_server.authorized_ip_ranges, contains: 0.0.0.0/0}"),
        F
    );
    assert_eq!(
        truth("{field: network.service_cidrs, contains: 10.0.0.0/16}"),
        F
    );
    assert_eq!(
        truth_unknown("{field: api_server.authorized_ip_ranges, contains: 0.0.0.0/0}"),
        U
    );
}

#[test]
fn numeric_comparisons() {
    let c = "{field: pools, any: {field: count, greater: 2}}";
    assert_eq!(truth(c), T);
    assert_eq!(
        truth("{field: pools, all: {field: count, greaterOrEquals: 2}}"),
        T
    );
    assert_eq!(truth("{field: pools, all: {field: count, less: 3}}"), F);
    assert_eq!(
        truth("{field: pools, any: {field: count, lessOrEquals: 2}}"),
        T
    );
    assert_eq!(
        truth("{field: pools, all: {field: max_pods, greater: 1}}"),
        T,
        "defaulted maxPods compare"
    );
    assert_eq!(
        truth("{field: pools, all: {field: min_count, greater: 1}}"),
        F,
        "absent"
    );
    assert_eq!(
        truth_unknown("{field: pools, all: {field: count, greater: 1}}"),
        U
    );
}

#[test]
fn network_operators() {
    assert_eq!(
        truth("{field: network.pod_cidrs, cidrWithin: 10.0.0.0/8}"),
        T
    );
    assert_eq!(
        truth("{field: network.pod_cidrs, cidrWithin: [192.168.0.0/16, 10.244.0.0/15]}"),
        T
    );
    assert_eq!(
        truth("{field: network.pod_cidrs, cidrWithin: 10.244.0.0/17}"),
        F
    );
    assert_eq!(
        truth("{field: network.pod_cidrs, cidrOverlaps: 10.244.128.0/17}"),
        T
    );
    assert_eq!(
        truth("{field: network.pod_cidrs, cidrOverlaps: 10.0.0.0/16}"),
        F
    );
    assert_eq!(
        truth("{field: network.pod_cidrs, cidrContainsAddress: 10.244.9.9}"),
        T
    );
    assert_eq!(
        truth("{field: network.pod_cidrs, cidrContainsAddress: 10.0.0.10}"),
        F
    );
    assert_eq!(truth("{field: network.pod_cidrs, prefixAtMost: 16}"), T);
    assert_eq!(truth("{field: network.pod_cidrs, prefixAtMost: 15}"), F);
    assert_eq!(truth("{field: network.pod_cidrs, prefixAtLeast: 16}"), T);
    // Strings parse as CIDRs or addresses (a bare address is a /32).
    assert_eq!(truth("{field: api_server.authorized_ip_ranges, cidrWithin: [203.0.113.0/24, 198.51.100.0/24]}"), T);
    assert_eq!(
        truth("{field: api_server.authorized_ip_ranges, prefixAtLeast: 24}"),
        T
    );
    assert_eq!(
        truth("{field: network.dns_service_ip, cidrWithin: 10.0.0.0/16}"),
        T
    );
    // Absent: FALSE; unknown: UNKNOWN.
    assert_eq!(
        truth("{field: network.service_cidrs, cidrWithin: 10.0.0.0/8}"),
        T,
        "empty list is vacuous"
    );
    assert_eq!(
        truth("{field: addons.ingress_appgw_subnet_cidr, cidrWithin: 10.0.0.0/8}"),
        F
    );
    assert_eq!(
        truth_unknown("{field: api_server.authorized_ip_ranges, prefixAtLeast: 1}"),
        U
    );
}

#[test]
fn cidr_operators_on_non_addresses_are_unknown() {
    let nsg = r#"{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg","name":"nsg",
      "type":"Microsoft.Network/networkSecurityGroups","properties":{"securityRules":[{"name":"web","properties":{"priority":100,
      "direction":"Inbound","access":"Allow","protocol":"Tcp","sourceAddressPrefix":"Internet","destinationAddressPrefix":"10.0.0.0/24",
      "sourcePortRange":"*","destinationPortRange":"443"}}]}}"#;
    assert_eq!(
        truth_on(
            "nsg_rule",
            "{field: source_prefixes, cidrWithin: 10.0.0.0/8}",
            &[nsg]
        ),
        U
    );
    assert_eq!(
        truth_on(
            "nsg_rule",
            "{field: destination_prefixes, cidrWithin: 10.0.0.0/8}",
            &[nsg]
        ),
        T
    );
    assert_eq!(
        truth_on(
            "nsg_rule",
            "{field: source_prefixes, contains: internet}",
            &[nsg]
        ),
        T
    );
    assert_eq!(
        truth_on("nsg_rule", "{field: priority, lessOrEquals: 100}", &[nsg]),
        T
    );
    assert_eq!(
        truth_on(
            "nsg",
            "{field: rules, count: {where: {field: access, equals: allow}, equals: 1}}",
            &[nsg]
        ),
        T
    );
}

#[test]
fn combinators_are_three_valued() {
    let (t, f) = ("{field: name, equals: aks1}", "{field: name, equals: x}");
    let u = "{field: network.policy, equals: azure}";
    let t2 = "{field: network.plugin, equals: azure}";
    let all = |a: &str, b: &str| truth_unknown(&format!("{{allOf: [{a}, {b}]}}"));
    let any = |a: &str, b: &str| truth_unknown(&format!("{{anyOf: [{a}, {b}]}}"));
    assert_eq!(all(t, t2), T);
    assert_eq!(all(t, u), U);
    assert_eq!(all(u, f), F);
    assert_eq!(any(f, u), U);
    assert_eq!(any(u, t), T);
    assert_eq!(any(f, f), F);
    assert_eq!(truth_unknown(&format!("{{not: {u}}}")), U);
    assert_eq!(truth_unknown(&format!("{{not: {f}}}")), T);
}

#[test]
fn quantifiers_and_count() {
    assert_eq!(
        truth("{field: pools, any: {field: enable_node_public_ip, equals: true}}"),
        T
    );
    assert_eq!(
        truth("{field: pools, all: {field: enable_node_public_ip, notEquals: true}}"),
        F
    );
    assert_eq!(
        truth("{field: pools, all: {field: name, matches: '^[a-z]+$'}}"),
        T
    );
    assert_eq!(truth("{field: pools, count: {equals: 2}}"), T);
    assert_eq!(
        truth("{field: pools, count: {where: {field: count, greater: 2}, equals: 1}}"),
        T
    );
    assert_eq!(truth("{field: pools, count: {greater: 2}}"), F);
    assert_eq!(
        truth("{field: api_server.authorized_ip_ranges, all: {field: item, prefixAtLeast: 24}}"),
        T
    );
    assert_eq!(
        truth("{field: api_server.authorized_ip_ranges, any: {field: item, prefixAtMost: 0}}"),
        F
    );
    // Empty lists: any FALSE, all TRUE, count 0.
    assert_eq!(
        truth("{field: network.service_cidrs, any: {field: item, prefixAtLeast: 0}}"),
        F
    );
    assert_eq!(
        truth("{field: network.service_cidrs, all: {field: item, prefixAtLeast: 99}}"),
        T
    );
    assert_eq!(
        truth("{field: network.service_cidrs, count: {equals: 0}}"),
        T
    );
    // An unknown element leaves `all` and `count` unknown when it matters.
    assert_eq!(
        truth_unknown("{field: pools, count: {where: {field: count, greater: 1}, equals: 1}}"),
        U
    );
    assert_eq!(
        truth_unknown("{field: api_server.authorized_ip_ranges, count: {greaterOrEquals: 1}}"),
        T
    );
}

#[test]
fn relations_resolve_through_the_model() {
    let docs = [cluster(""), vnet()];
    let docs: Vec<&str> = docs.iter().map(String::as_str).collect();
    assert_eq!(
        truth_on("node_pool", "{field: cluster.name, equals: aks1}", &docs),
        T
    );
    assert_eq!(
        truth_on(
            "cluster",
            "{field: pools.subnet.vnet.name, equals: vnet}",
            &docs
        ),
        F,
        "the second pool has no subnet"
    );
    assert_eq!(
        truth_on(
            "cluster",
            "{field: pools, any: {field: subnet.vnet.address_prefixes, cidrWithin: 10.1.0.0/16}}",
            &docs
        ),
        T
    );
    assert_eq!(
        truth_on(
            "subnet",
            "{field: pools, count: {greaterOrEquals: 0}}",
            &docs
        ),
        T
    );
    assert_eq!(
        truth_on("vnet", "{field: subnets, count: {equals: 2}}", &docs),
        T
    );
    // Reverse relations: the pools using a subnet, the subnets an NSG serves.
    let with_nsg = docs[1].replace(
        r#""addressPrefix":"10.1.0.0/22""#,
        r#""addressPrefix":"10.1.0.0/22","networkSecurityGroup":{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg"}"#,
    );
    let nsg = r#"{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg","name":"nsg","type":"Microsoft.Network/networkSecurityGroups","properties":{"securityRules":[]}}"#;
    let count = |kind: &str, cond: &str, filter: &str| {
        let yaml = rule_with(kind, cond) + filter;
        run_rule(&yaml, &[docs[0], &with_nsg, nsg]).1.len()
    };
    let nodes = "where: {field: name, equals: nodes}\n";
    let other = "where: {field: name, equals: other}\n";
    assert_eq!(
        count("subnet", "{field: pools, count: {equals: 1}}", nodes),
        0
    );
    assert_eq!(
        count("subnet", "{field: pools.name, contains: sys}", nodes),
        0
    );
    assert_eq!(
        count("subnet", "{field: pools, count: {equals: 0}}", other),
        0
    );
    assert_eq!(
        count("subnet", "{field: pools, count: {equals: 0}}", nodes),
        1
    );
    assert_eq!(
        count("nsg", "{field: subnets.name, contains: nodes}", ""),
        0
    );
    assert_eq!(count("nsg", "{field: subnets, count: {equals: 1}}", ""), 0);
    // A subnet id naming a subnet not among the inputs is unknown, not absent.
    let sys = |c: &str| {
        let yaml = rule_with("node_pool", c) + "where: {field: name, equals: sys}\n";
        run_rule(&yaml, &[docs[0]]).1.len()
    };
    assert_eq!(sys("{field: subnet.nsg.name, equals: x}"), 0);
    assert_eq!(sys("{not: {field: subnet.nsg.name, equals: x}}"), 0);
    assert_eq!(
        sys("{field: subnet.nsg, exists: false}"),
        1,
        "an unknown value exists"
    );
    // Rules of an NSG that is not among the inputs: any number, none known.
    assert_eq!(sys("{field: subnet.nsg.rules, count: {equals: 0}}"), 0);
    assert_eq!(
        sys("{not: {field: subnet.nsg.rules, count: {equals: 0}}}"),
        0
    );
    assert_eq!(
        sys("{field: subnet.nsg.rules, any: {field: access, exists: true}}"),
        0
    );
    assert_eq!(
        sys("{not: {field: subnet.nsg.rules, any: {field: access, exists: true}}}"),
        0
    );
    assert_eq!(
        sys("{field: subnet.nsg.rules, count: {greaterOrEquals: 0}}"),
        0
    );
    assert_eq!(
        sys("{field: subnet.nsg.rules, count: {less: 0}}"),
        1,
        "no count is negative"
    );
    assert_eq!(
        truth_on("subnet", "{field: vnet.name, equals: vnet}", &docs),
        T
    );
    // The custom DNS check of the peer-parity pack: servers outside the VNet's own space.
    assert_eq!(
        truth_on(
            "vnet",
            "{field: dns_servers, all: {field: item, cidrWithin: 10.1.0.0/16}}",
            &docs
        ),
        F
    );
}

#[test]
fn findings_point_at_the_failing_value_or_the_object() {
    let docs = [cluster(r#","networkProfile":{"networkPlugin":"kubenet"}"#)];
    let (src, d) = run_rule(
        &rule_with("cluster", "{field: network.plugin, equals: azure}"),
        &[&docs[0]],
    );
    assert_eq!(d.len(), 1);
    assert_eq!(
        src.get(d[0].primary.span.file).slice(d[0].primary.span),
        "\"kubenet\""
    );
    assert_eq!(
        d[0].primary.message,
        "expected `network.plugin` to equal `azure`"
    );
    assert_eq!(d[0].message, "s");
    assert_eq!(d[0].help.as_deref(), Some("h"));
    assert_eq!(d[0].code, "T001");
    assert_eq!(d[0].resource.as_deref(), Some(CLUSTER_ID));
    // Under `not`, the default label says what the negation expects.
    let (_, d) = run_rule(
        &rule_with("cluster", "{not: {field: network.plugin, equals: kubenet}}"),
        &[&docs[0]],
    );
    assert_eq!(
        d[0].primary.message,
        "expected `network.plugin` not to equal `kubenet`"
    );
    // Absent: the object's declaration.
    let (src, d) = run_rule(
        &rule_with("cluster", "{field: network.policy, exists: true}"),
        &[&docs[0]],
    );
    assert!(src
        .get(d[0].primary.span.file)
        .slice(d[0].primary.span)
        .starts_with("{\"id\""));
    // allOf points at its first FALSE child.
    let (src, d) = run_rule(
        &rule_with(
            "cluster",
            "{allOf: [{field: name, equals: aks1}, {field: kubernetes_version, equals: '1.30.0'}]}",
        ),
        &[&docs[0]],
    );
    assert_eq!(
        src.get(d[0].primary.span.file).slice(d[0].primary.span),
        "\"1.31.0\""
    );
}

#[test]
fn for_each_templates_at_and_labels() {
    let yaml = r#"
id: ACME-NET-001
name: allowed-ranges
severity: warning
summary: Authorized ranges must be corporate
help: "remove {{value}} from {{name}}"
match: cluster
forEach: api_server.authorized_ip_ranges
assert: {field: item, cidrWithin: 203.0.113.0/24}
message: "range {{item}} of cluster `{{name}}` ({{network.plugin}}, policy '{{network.policy}}') is not ours"
labels:
  - field: network.plugin
    message: "plugin {{network.plugin}}"
  - field: network.policy
    message: never shown, the policy is absent
  - field: kubernetes_version
    when: {field: kubernetes_version, startsWith: '1.29'}
    message: never shown, the condition is false
"#;
    let docs = [cluster(
        r#","networkProfile":{"networkPlugin":"azure"},"apiServerAccessProfile":{"authorizedIPRanges":["203.0.113.0/24","198.51.100.7"]}"#,
    )];
    let (src, d) = run_rule(yaml, &[&docs[0]]);
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].message,
        "range 198.51.100.7 of cluster `aks1` (azure, policy '') is not ours"
    );
    assert_eq!(d[0].help.as_deref(), Some("remove 198.51.100.7 from aks1"));
    assert_eq!(
        src.get(d[0].primary.span.file).slice(d[0].primary.span),
        "\"198.51.100.7\""
    );
    assert_eq!(d[0].labels.len(), 1);
    assert_eq!(d[0].labels[0].message, "plugin azure");
    let at = rule_with("cluster", "{field: network.policy, exists: true}")
        + "at: [network.policy, network.plugin]\nlabel: 'no policy on {{name}}'\n";
    let (src, d) = run_rule(&at, &[&docs[0]]);
    assert_eq!(
        src.get(d[0].primary.span.file).slice(d[0].primary.span),
        "\"azure\""
    );
    assert_eq!(d[0].primary.message, "no policy on aks1");
}

#[test]
fn templates_render_unknown_and_names_fall_back_to_addresses() {
    let yaml = rule_with("cluster", "{field: name, equals: other}")
        + "message: 'policy {{network.policy}} pools {{pools.name}} first {{pools}}'\n";
    let d = findings_on_template(&yaml, &unknown_template());
    assert_eq!(d[0].message, "policy (unknown) pools sys first sys");
    let pool = rule_with("node_pool", "{field: name, equals: other}")
        + "message: '{{name}} of {{cluster.name}}'\n";
    let docs = [cluster("")];
    let (_, d) = run_rule(&pool, &[&docs[0]]);
    assert_eq!(d[0].message, "sys of aks1");
}

#[test]
fn several_checks_under_one_id() {
    let yaml = r#"
id: ACME002
name: no-public-node-ips
severity: warning
summary: Node public IPs
help: turn it off
checks:
  - match: node_pool
    assert: {field: enable_node_public_ip, notEquals: true}
    message: "pool {{name}} has public IPs"
  - match: cluster
    assert: {field: network.plugin, notEquals: kubenet}
    help: other help
"#;
    let docs = [cluster(r#","networkProfile":{"networkPlugin":"kubenet"}"#)];
    let (_, d) = run_rule(yaml, &[&docs[0]]);
    let got: Vec<(&str, Option<&str>)> = d
        .iter()
        .map(|d| (d.message.as_str(), d.help.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("pool user has public IPs", Some("turn it off")),
            ("Node public IPs", Some("other help"))
        ]
    );
}

#[test]
fn loader_rejects_what_it_cannot_run() {
    let errors = |yaml: &str| -> Vec<String> {
        match load(yaml).1 {
            Ok(_) => Vec::new(),
            Err(d) => d.into_iter().map(|d| d.message).collect(),
        }
    };
    let base = "id: ACME001\nname: a-b\nseverity: error\nsummary: s\nhelp: h\nmatch: cluster\n";
    assert_eq!(
        errors(&format!(
            "{base}assert: {{field: network.plugn, equals: azure}}\n"
        )),
        ["`cluster` has no field `network.plugn`"]
    );
    assert_eq!(
        errors(&format!("{base}assert: {{field: name, equal: azure}}\n")),
        ["unknown operator `equal`"]
    );
    assert_eq!(
        errors(&format!(
            "{base}assert: {{field: name, equals: a, in: [b]}}\n"
        )),
        ["two operators in one condition: `equals` and `in`"]
    );
    assert!(
        errors(&format!("{base}assert: {{field: name, matches: '('}}\n"))[0]
            .starts_with("invalid regular expression")
    );
    assert_eq!(
        errors(&format!(
            "{base}assert: {{field: network.pod_cidrs, cidrWithin: 10.0.0.0/33}}\n"
        )),
        ["`10.0.0.0/33` is not a CIDR"]
    );
    assert_eq!(
        errors(&format!(
            "{base}assert: {{field: network.pod_cidrs, cidrWithin: 10.0.0.1/8}}\n"
        )),
        ["`10.0.0.1/8` has host bits set"]
    );
    assert_eq!(
        errors(&format!("{base}assert: {{field: count, greater: 1}}\n")),
        ["`cluster` has no field `count`"]
    );
    assert_eq!(
        errors(&format!(
            "{base}assert: {{field: pools.count, matches: x}}\n"
        )),
        ["`matches` needs a string field; `pools.count` is a list<integer>"]
    );
    assert_eq!(
        errors(&format!(
            "{base}assert: {{field: name, any: {{field: item, exists: true}}}}\n"
        )),
        ["`any` needs a list field; `name` is a string"]
    );
    assert!(
        errors(&format!("{base}assert: {{field: item, exists: true}}\n"))[0]
            .starts_with("`item` names the current element")
    );
    assert_eq!(
        errors(&format!(
            "{base}assert: {{field: name, exists: true}}\nmessage: '{{{{nam}}}}'\n"
        )),
        ["`cluster` has no field `nam`"]
    );
    assert_eq!(
        errors(&format!(
            "{base}frobnicate: 1\nassert: {{field: name, exists: true}}\n"
        )),
        ["unknown key `frobnicate` in a rule"]
    );
    assert_eq!(errors("id: AKS999\nname: a\nseverity: error\nsummary: s\nmatch: cluster\nassert: {field: name, exists: true}\n"), ["the rule id `AKS999` starts with `AKS`, which is akslint's own"]);
    assert_eq!(errors("id: A1\nname: a\nseverity: loud\nsummary: s\nmatch: cluster\nassert: {field: name, exists: true}\n"), ["`severity` must be error, warning or info"]);
    assert_eq!(errors("id: A1\nname: a\nseverity: info\nsummary: s\nmatch: clusters\nassert: {field: name, exists: true}\n"), ["`clusters` is not an object kind"]);
    assert_eq!(
        errors("id: A1\nname: a\nseverity: info\nsummary: s\nmatch: cluster\n"),
        ["the check has no `assert`"]
    );
    let dup = "id: A1\nname: a\nseverity: info\nsummary: s\nmatch: cluster\nassert: {field: name, exists: true}\n";
    assert_eq!(
        errors(&format!("{dup}---\n{}", dup.replace("name: a", "name: b"))),
        ["duplicate rule id `A1`"]
    );
    assert_eq!(errors("id: [\n"), errors("id: [\n"));
    assert!(errors("id: [\n")[0].starts_with("invalid YAML"));
    assert!(errors(dup).is_empty());
}

#[test]
fn cidr_operands_can_name_a_field_of_the_object() {
    let peered = vnet().replace(
        r#""subnets":"#,
        r#""virtualNetworkPeerings":[{"name":"to-hub","properties":{"remoteVirtualNetwork":{"id":"/subscriptions/0/resourceGroups/hub/providers/Microsoft.Network/virtualNetworks/hub"},"remoteAddressSpace":{"addressPrefixes":["192.168.0.0/16"]}}}],"subnets":"#,
    );
    let cond = "{field: dns_servers, all: {anyOf: [{field: item, cidrWithin: {field: address_prefixes}}, {field: item, cidrWithin: {field: peerings.remote_address_prefixes}}]}}";
    assert_eq!(truth_on("vnet", cond, &[&vnet()]), F);
    assert_eq!(truth_on("vnet", cond, &[&peered]), T);
    let (_, d) = run_rule(&rule_with("vnet", cond), &[&vnet()]);
    // A FALSE anyOf points at (and describes) its first child.
    assert_eq!(
        d[0].primary.message,
        "expected `item` to lie within `address_prefixes`"
    );
    assert_eq!(
        truth_on(
            "subnet",
            "{field: address_prefixes, cidrOverlaps: {field: vnet.address_prefixes}}",
            &[&vnet()]
        ),
        T
    );
    let errors = match load(&rule_with(
        "vnet",
        "{field: dns_servers, cidrWithin: {field: subnets}}",
    ))
    .1
    {
        Ok(_) => Vec::new(),
        Err(d) => d.into_iter().map(|d| d.message).collect(),
    };
    assert_eq!(
        errors,
        ["`cidrWithin` compares with CIDRs; `subnets` is a list<object<subnet>>"]
    );
}

#[test]
fn absent_values_fail_every_operator_but_absence_and_inequality() {
    // `network.policy` (string), `addons.ingress_appgw_subnet_cidr` (cidr) and a
    // pool's `min_count` (integer) are left out and have no default.
    let cases = [
        ("{field: network.policy, exists: false}", T),
        ("{field: network.policy, stated: false}", T),
        ("{field: network.policy, exists: true}", F),
        ("{field: network.policy, equals: azure}", F),
        ("{field: network.policy, notEquals: azure}", T),
        ("{field: network.policy, in: [azure]}", F),
        ("{field: network.policy, notIn: [azure]}", T),
        ("{field: network.policy, matches: '.*'}", F),
        ("{field: network.policy, startsWith: a}", F),
        ("{field: network.policy, endsWith: a}", F),
        ("{field: network.policy, contains: a}", F),
        (
            "{field: addons.ingress_appgw_subnet_cidr, cidrWithin: 0.0.0.0/0}",
            F,
        ),
        (
            "{field: addons.ingress_appgw_subnet_cidr, cidrOverlaps: 0.0.0.0/0}",
            F,
        ),
        (
            "{field: addons.ingress_appgw_subnet_cidr, cidrContainsAddress: 10.0.0.1}",
            F,
        ),
        (
            "{field: addons.ingress_appgw_subnet_cidr, prefixAtMost: 32}",
            F,
        ),
        (
            "{field: addons.ingress_appgw_subnet_cidr, prefixAtLeast: 0}",
            F,
        ),
        ("{field: pools, any: {field: min_count, greater: 0}}", F),
        (
            "{field: pools, any: {field: min_count, greaterOrEquals: 0}}",
            F,
        ),
        ("{field: pools, any: {field: min_count, less: 99}}", F),
        (
            "{field: pools, any: {field: min_count, lessOrEquals: 99}}",
            F,
        ),
    ];
    for (cond, want) in cases {
        assert_eq!(truth(cond), want, "{cond}");
    }
}

#[test]
fn paths_resolve_against_the_registry() {
    use super::fields::{Kind, Scalar};
    use super::format::{check_path, TypeScope};
    let scope = TypeScope {
        base: Kind::Cluster,
        item: None,
    };
    let at = Span::default();
    let p = check_path("pools.subnet.nsg.rules", at, scope).expect("valid");
    assert_eq!(p.ty.describe(), "list<object<nsg_rule>>");
    let p = check_path("network.load_balancer.allocated_outbound_ports", at, scope).expect("valid");
    assert_eq!(p.ty.describe(), "integer");
    let p = check_path("tags.env", at, scope).expect("valid");
    assert_eq!(p.ty.scalar, Scalar::String);
    let p = check_path("pools.tags.team", at, scope).expect("valid");
    assert_eq!(p.ty.describe(), "list<string>");
    let bad = |text: &str, s: TypeScope| check_path(text, at, s).err().map(|e| e.message);
    assert_eq!(
        bad("tags", scope).as_deref(),
        Some("name a tag: `tags.KEY`")
    );
    let subnet = TypeScope {
        base: Kind::Subnet,
        item: None,
    };
    assert_eq!(
        bad("tags.env", subnet).as_deref(),
        Some("`subnet` has no field `tags.env`")
    );
    assert_eq!(
        bad("name.first", scope).as_deref(),
        Some("`name` is a string, so `name.first` goes nowhere")
    );
    assert_eq!(
        bad("network..plugin", scope).as_deref(),
        Some("`network..plugin` is not a field path")
    );
    let in_list = TypeScope {
        base: Kind::Vnet,
        item: Some(Scalar::Object(Kind::Subnet)),
    };
    let p = check_path("item.nsg.rules", at, in_list).expect("valid");
    assert!(p.from_item);
    assert_eq!(p.ty.describe(), "list<object<nsg_rule>>");
}

#[test]
fn template_errors_point_at_the_placeholder() {
    let yaml = rule_with("cluster", "{field: name, exists: true}")
        + "message: \"{{nam}} and {{name}} and {{nam}}x\"\n";
    let (sources, loaded) = load(&yaml);
    let errors = loaded.err().expect("the template names an unknown field");
    let span = errors[0].primary.span;
    assert_eq!(sources.get(span.file).slice(span), "nam");
    let line_start = yaml.find("message:").expect("message line");
    assert_eq!(span.start as usize, line_start + "message: \"{{".len());
    assert_eq!(
        errors[0].help.as_deref(),
        Some("did you mean `name`? (`akslint schema model` lists every field)")
    );
}

/// `sku.name` and `sku.tier` come from the model's own field list (`model_object!`).
#[test]
fn cluster_sku_is_a_model_field() {
    let automatic = format!(
        r#"{{"id":"{CLUSTER_ID}","name":"aks1","type":"Microsoft.ContainerService/managedClusters",
        "sku":{{"name":"Automatic","tier":"Standard"}},"properties":{{"kubernetesVersion":"1.31.0"}}}}"#
    );
    let on = |c: &str| truth_on("cluster", c, &[&automatic]);
    assert_eq!(on("{field: sku.name, equals: Automatic}"), T);
    assert_eq!(on("{field: sku.tier, equals: Standard}"), T);
    assert_eq!(truth("{field: sku.name, exists: true}"), F);
}
