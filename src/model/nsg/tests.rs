//! Unit tests: one per matching feature, and the default rules.

use super::*;
use crate::model::{Field, SecurityRule};
use crate::source::Span;

pub(super) fn known(s: &str) -> Field<String> {
    Field::Known(s.to_string(), Span::default())
}

fn list(items: &[&str]) -> Vec<Field<String>> {
    items.iter().map(|s| known(s)).collect()
}

/// A rule as written: `"Inbound", "Deny", 100, "Tcp", ["10.0.0.0/24"], ["*"], ["443"]`
/// (any source port).
pub(super) fn rule(
    direction: &str,
    access: &str,
    priority: i64,
    protocol: &str,
    sources: &[&str],
    destinations: &[&str],
    ports: &[&str],
) -> SecurityRule {
    SecurityRule {
        decl: Span::default(),
        name: known(&format!("r{priority}")),
        priority: Field::Known(priority, Span::default()),
        direction: known(direction),
        access: known(access),
        protocol: known(protocol),
        source_prefixes: list(sources),
        destination_prefixes: list(destinations),
        source_ports: list(&["*"]),
        destination_ports: list(ports),
    }
}

pub(super) fn nsg(rules: Vec<SecurityRule>) -> NetworkSecurityGroup {
    NetworkSecurityGroup {
        id: None,
        address: "nsg".to_string(),
        decl: Span::default(),
        name: known("nsg"),
        tags: Default::default(),
        rules,
    }
}

pub(super) fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn ctx() -> NsgContext {
    NsgContext {
        vnet_prefixes: vec![net("10.0.0.0/16")],
        vnet_may_include: Vec::new(),
    }
}

fn flow(dir: Direction, proto: Protocol, src: &str, dst: &str, ports: PortRange) -> Flow {
    Flow::new(dir, proto, net(src), net(dst), ports)
}

fn inbound(src: &str, dst: &str, ports: PortRange) -> Flow {
    flow(Direction::Inbound, Protocol::Tcp, src, dst, ports)
}

fn eval(rules: Vec<SecurityRule>, f: &Flow) -> Verdict {
    evaluate(&nsg(rules), &ctx(), f)
}

const NODES: &str = "10.0.1.0/24";
const PODS: &str = "10.0.64.0/18";

#[test]
fn default_rules_allow_vnet_and_deny_the_rest_inbound() {
    let v = eval(vec![], &inbound(NODES, PODS, PortRange::ALL));
    assert_eq!(v.outcome, Outcome::Allowed);
    assert_eq!(
        v.allowing().collect::<Vec<_>>(),
        [Decider::Default(DefaultRule::AllowVnetInBound)]
    );
    let v = eval(
        vec![],
        &inbound("20.1.2.0/24", NODES, PortRange::single(22)),
    );
    assert_eq!(v.outcome, Outcome::Denied);
    assert_eq!(
        v.denying().collect::<Vec<_>>(),
        [Decider::Default(DefaultRule::DenyAllInBound)]
    );
}

#[test]
fn default_rules_allow_the_load_balancer_probe() {
    let v = eval(vec![], &inbound("168.63.129.16/32", NODES, PortRange::ALL));
    assert_eq!(v.outcome, Outcome::Allowed);
    // The host address is in VirtualNetwork too, which comes first.
    assert_eq!(
        v.allowing().collect::<Vec<_>>(),
        [Decider::Default(DefaultRule::AllowVnetInBound)]
    );
    let v = eval(
        vec![],
        &inbound("168.63.129.16/32", "20.0.0.0/8", PortRange::ALL),
    );
    assert_eq!(
        v.allowing().collect::<Vec<_>>(),
        [Decider::Default(DefaultRule::AllowAzureLoadBalancerInBound)]
    );
}

#[test]
fn default_rules_outbound_allow_internet_but_not_other_private_space() {
    let out = |dst: &str| {
        flow(
            Direction::Outbound,
            Protocol::Any,
            NODES,
            dst,
            PortRange::ALL,
        )
    };
    let v = eval(vec![], &out("0.0.0.0/0"));
    assert_eq!(v.outcome, Outcome::Partial);
    let by: Vec<_> = v.deciding.iter().map(|d| d.by).collect();
    assert_eq!(
        by,
        [
            Decider::Default(DefaultRule::AllowVnetOutBound),
            Decider::Default(DefaultRule::AllowInternetOutBound),
            Decider::Default(DefaultRule::DenyAllOutBound),
        ]
    );
    assert_eq!(eval(vec![], &out("52.0.0.0/8")).outcome, Outcome::Allowed);
    assert_eq!(
        eval(vec![], &out("192.168.0.0/16")).outcome,
        Outcome::Denied
    );
    assert_eq!(eval(vec![], &out("100.64.0.0/10")).outcome, Outcome::Denied);
}

#[test]
fn first_match_by_priority_not_by_order_written() {
    let rules = vec![
        rule("Inbound", "Allow", 200, "*", &["*"], &["*"], &["*"]),
        rule("Inbound", "Deny", 100, "*", &[NODES], &["*"], &["*"]),
    ];
    let v = eval(rules, &inbound(NODES, PODS, PortRange::ALL));
    assert_eq!(v.outcome, Outcome::Denied);
    assert_eq!(v.denying().collect::<Vec<_>>(), [Decider::Rule(1)]);
}

#[test]
fn rules_of_the_other_direction_are_ignored() {
    let rules = vec![rule("Outbound", "Deny", 100, "*", &["*"], &["*"], &["*"])];
    let v = eval(rules, &inbound(NODES, PODS, PortRange::ALL));
    assert_eq!(v.outcome, Outcome::Allowed);
}

#[test]
fn a_prefix_covering_part_of_the_flow_splits_it() {
    let rules = vec![rule(
        "Inbound",
        "Deny",
        100,
        "*",
        &["10.0.1.0/25"],
        &["*"],
        &["*"],
    )];
    let v = eval(rules, &inbound(NODES, PODS, PortRange::ALL));
    assert_eq!(v.outcome, Outcome::Partial);
    assert!(v.some_denied() && v.some_allowed());
    assert_eq!(v.denying().collect::<Vec<_>>(), [Decider::Rule(0)]);
}

#[test]
fn prefix_lists_match_their_union() {
    let rules = vec![rule(
        "Inbound",
        "Deny",
        100,
        "*",
        &["10.0.1.0/25", "10.0.1.128/25"],
        &["*"],
        &["*"],
    )];
    let v = eval(rules, &inbound(NODES, PODS, PortRange::ALL));
    assert_eq!(v.outcome, Outcome::Denied);
}

#[test]
fn host_bits_and_bare_addresses_are_prefixes() {
    let rules = vec![rule(
        "Inbound",
        "Deny",
        100,
        "*",
        &["10.0.1.77/24", "10.0.2.5"],
        &["*"],
        &["*"],
    )];
    assert_eq!(
        eval(rules.clone(), &inbound(NODES, PODS, PortRange::ALL)).outcome,
        Outcome::Denied
    );
    assert_eq!(
        eval(rules, &inbound("10.0.2.4/31", PODS, PortRange::ALL)).outcome,
        Outcome::Partial
    );
}

#[test]
fn port_ranges_and_lists() {
    let rules = vec![rule(
        "Inbound",
        "Deny",
        100,
        "Tcp",
        &["*"],
        &["*"],
        &["22", "1000-2000"],
    )];
    let at = |ports: PortRange| eval(rules.clone(), &inbound(NODES, PODS, ports)).outcome;
    assert_eq!(at(PortRange::single(22)), Outcome::Denied);
    assert_eq!(at(PortRange::new(1000, 2000).unwrap()), Outcome::Denied);
    assert_eq!(at(PortRange::new(999, 1000).unwrap()), Outcome::Partial);
    assert_eq!(at(PortRange::new(23, 999).unwrap()), Outcome::Allowed);
    assert_eq!(at(PortRange::ALL), Outcome::Partial);
}

#[test]
fn protocols_match_only_their_own_packets() {
    let rules = vec![rule("Inbound", "Deny", 100, "Udp", &["*"], &["*"], &["*"])];
    let with = |p: Protocol| {
        eval(
            rules.clone(),
            &flow(Direction::Inbound, p, NODES, PODS, PortRange::ALL),
        )
        .outcome
    };
    assert_eq!(with(Protocol::Udp), Outcome::Denied);
    assert_eq!(with(Protocol::Tcp), Outcome::Allowed);
    assert_eq!(with(Protocol::Icmp), Outcome::Allowed);
    assert_eq!(with(Protocol::Any), Outcome::Partial);
}

#[test]
fn any_protocol_rule_covers_every_protocol() {
    let rules = vec![rule("Inbound", "Deny", 100, "*", &["*"], &["*"], &["*"])];
    for p in [
        Protocol::Tcp,
        Protocol::Udp,
        Protocol::Icmp,
        Protocol::Esp,
        Protocol::Ah,
        Protocol::Any,
    ] {
        let f = flow(Direction::Inbound, p, NODES, PODS, PortRange::ALL);
        assert_eq!(eval(rules.clone(), &f).outcome, Outcome::Denied, "{p:?}");
    }
}

#[test]
fn named_protocols_leave_other_ip_protocols_to_later_rules() {
    let rules = ["Tcp", "Udp", "Icmp", "Esp", "Ah"]
        .iter()
        .enumerate()
        .map(|(i, p)| rule("Inbound", "Deny", 100 + i as i64, p, &["*"], &["*"], &["*"]))
        .collect();
    let f = flow(
        Direction::Inbound,
        Protocol::Any,
        NODES,
        PODS,
        PortRange::ALL,
    );
    let v = eval(rules, &f);
    // GRE and friends fall through to AllowVnetInBound.
    assert_eq!(v.outcome, Outcome::Partial);
}

#[test]
fn port_restricted_rules_may_match_icmp() {
    let rules = vec![rule("Inbound", "Deny", 100, "*", &["*"], &["*"], &["443"])];
    let icmp = flow(
        Direction::Inbound,
        Protocol::Icmp,
        NODES,
        PODS,
        PortRange::ALL,
    );
    let v = eval(rules.clone(), &icmp);
    assert_eq!(v.outcome, Outcome::Unknown);
    assert_eq!(v.uncertain, [Decider::Rule(0)]);
    assert!(!v.some_denied());
    let any = flow(
        Direction::Inbound,
        Protocol::Any,
        NODES,
        PODS,
        PortRange::ALL,
    );
    let v = eval(rules, &any);
    // TCP 443 is certainly denied, TCP 80 certainly allowed: partial whatever ICMP does.
    assert_eq!(v.outcome, Outcome::Partial);
}

#[test]
fn source_ports_are_part_of_the_flow() {
    let mut r = rule("Inbound", "Deny", 100, "Tcp", &["*"], &["*"], &["*"]);
    r.source_ports = list(&["1024-65535"]);
    let mut f = inbound(NODES, PODS, PortRange::single(443));
    assert_eq!(eval(vec![r.clone()], &f).outcome, Outcome::Partial);
    f.source_port = PortRange::new(30000, 40000).unwrap();
    assert_eq!(eval(vec![r], &f).outcome, Outcome::Denied);
}

#[test]
fn virtual_network_tag_is_the_vnet_and_its_peers() {
    let rules = vec![rule(
        "Inbound",
        "Deny",
        100,
        "*",
        &["VirtualNetwork"],
        &["*"],
        &["*"],
    )];
    let mut c = ctx();
    c.vnet_prefixes.push(net("172.16.0.0/16"));
    let at = |src: &str| {
        evaluate(
            &nsg(rules.clone()),
            &c,
            &inbound(src, NODES, PortRange::ALL),
        )
        .outcome
    };
    assert_eq!(at("10.0.0.0/16"), Outcome::Denied);
    assert_eq!(at("172.16.5.0/24"), Outcome::Denied);
    assert_eq!(at("192.168.0.0/24"), Outcome::Denied); // DenyAllInBound
    assert_eq!(at("10.0.0.0/15"), Outcome::Denied);
}

#[test]
fn virtual_network_tag_may_include_route_prefixes() {
    let rules = vec![
        rule(
            "Outbound",
            "Allow",
            100,
            "*",
            &["*"],
            &["VirtualNetwork"],
            &["*"],
        ),
        rule("Outbound", "Deny", 200, "*", &["*"], &["Internet"], &["*"]),
    ];
    let mut c = ctx();
    c.vnet_may_include.push(net("0.0.0.0/0"));
    let f = flow(
        Direction::Outbound,
        Protocol::Tcp,
        NODES,
        "52.1.2.3/32",
        PortRange::single(443),
    );
    let v = evaluate(&nsg(rules.clone()), &c, &f);
    assert_eq!(v.outcome, Outcome::Unknown);
    assert!(v.uncertain.contains(&Decider::Rule(0)));
    // Without the route the answer is certain.
    assert_eq!(evaluate(&nsg(rules), &ctx(), &f).outcome, Outcome::Denied);
    // Whichever tag a public address falls in, the default rules allow it.
    assert_eq!(evaluate(&nsg(vec![]), &c, &f).outcome, Outcome::Allowed);
    // ... but inbound, AllowVnetInBound may let the Internet in.
    let f = inbound("52.1.2.3/32", NODES, PortRange::single(22));
    let v = evaluate(&nsg(vec![]), &c, &f);
    assert_eq!(v.outcome, Outcome::Unknown);
    assert_eq!(
        v.uncertain,
        [Decider::Default(DefaultRule::AllowVnetInBound)]
    );
}

#[test]
fn internet_tag_is_public_space_outside_the_vnet() {
    let rules = vec![rule(
        "Outbound",
        "Deny",
        100,
        "*",
        &["*"],
        &["Internet"],
        &["*"],
    )];
    let out = |dst: &str| {
        eval(
            rules.clone(),
            &flow(
                Direction::Outbound,
                Protocol::Tcp,
                NODES,
                dst,
                PortRange::single(443),
            ),
        )
    };
    let v = out("20.0.0.0/8");
    assert_eq!(v.outcome, Outcome::Denied);
    assert_eq!(v.denying().collect::<Vec<_>>(), [Decider::Rule(0)]);
    // Private space outside the VNet is not Internet: the default rule denies it.
    let v = out("192.168.1.0/24");
    assert_eq!(
        v.denying().collect::<Vec<_>>(),
        [Decider::Default(DefaultRule::DenyAllOutBound)]
    );
    // The VNet itself, even when public, is not Internet.
    let mut c = ctx();
    c.vnet_prefixes.push(net("20.5.0.0/16"));
    let f = flow(
        Direction::Outbound,
        Protocol::Tcp,
        NODES,
        "20.5.1.0/24",
        PortRange::ALL,
    );
    assert_eq!(evaluate(&nsg(rules), &c, &f).outcome, Outcome::Allowed);
}

#[test]
fn azure_load_balancer_tag_is_the_probe_address() {
    let rules = vec![rule(
        "Inbound",
        "Deny",
        100,
        "*",
        &["AzureLoadBalancer"],
        &["*"],
        &["*"],
    )];
    let v = eval(
        rules.clone(),
        &inbound("168.63.129.16/32", NODES, PortRange::ALL),
    );
    assert_eq!(v.outcome, Outcome::Denied);
    let v = eval(rules, &inbound("10.0.2.0/24", NODES, PortRange::ALL));
    assert_eq!(v.outcome, Outcome::Allowed);
}

#[test]
fn azure_cloud_tags_may_match_public_space_only() {
    for tag in [
        "AzureCloud",
        "AzureCloud.westeurope",
        "azurecloud.WestEurope",
    ] {
        let rules = vec![rule("Outbound", "Deny", 100, "*", &["*"], &[tag], &["*"])];
        let out = |dst: &str| {
            eval(
                rules.clone(),
                &flow(
                    Direction::Outbound,
                    Protocol::Tcp,
                    NODES,
                    dst,
                    PortRange::ALL,
                ),
            )
        };
        assert_eq!(out("10.0.0.0/16").outcome, Outcome::Allowed, "{tag}");
        let v = out("20.0.0.0/8");
        assert_eq!(v.outcome, Outcome::Unknown, "{tag}");
        assert_eq!(v.uncertain, [Decider::Rule(0)]);
    }
}

#[test]
fn unknown_tags_and_application_security_groups_may_match() {
    let storage = rule("Outbound", "Deny", 100, "*", &["*"], &["Storage"], &["*"]);
    let mut asg = rule("Outbound", "Deny", 100, "*", &["*"], &["*"], &["*"]);
    asg.destination_prefixes.clear(); // destinationApplicationSecurityGroups
    for r in [storage, asg] {
        let f = flow(
            Direction::Outbound,
            Protocol::Tcp,
            NODES,
            PODS,
            PortRange::ALL,
        );
        let v = eval(vec![r], &f);
        assert_eq!(v.outcome, Outcome::Unknown);
        assert_eq!(v.uncertain, [Decider::Rule(0)]);
    }
}

#[test]
fn may_match_rules_do_not_matter_when_every_reading_agrees() {
    // An unknown tag that allows, above rules that allow the same traffic anyway.
    let rules = vec![rule("Inbound", "Allow", 100, "*", &["Sql"], &["*"], &["*"])];
    let v = eval(rules, &inbound(NODES, PODS, PortRange::ALL));
    assert_eq!(v.outcome, Outcome::Allowed);
    assert!(v.uncertain.is_empty());
}

#[test]
fn certain_denies_survive_an_unknown_outcome() {
    let rules = vec![
        rule("Inbound", "Deny", 100, "*", &["Sql"], &["*"], &["*"]),
        rule("Inbound", "Deny", 200, "Tcp", &["*"], &["*"], &["22"]),
    ];
    let v = eval(rules, &inbound(NODES, PODS, PortRange::ALL));
    // Either everything is denied (Sql matches) or only port 22 is.
    assert_eq!(v.outcome, Outcome::Unknown);
    assert!(v.some_denied());
    assert!(!v.some_allowed());
    assert_eq!(v.denying().collect::<Vec<_>>(), [Decider::Rule(1)]);
}

#[test]
fn unread_priority_may_come_first() {
    let mut r = rule("Inbound", "Deny", 0, "*", &["*"], &["*"], &["*"]);
    r.priority = Field::Unknown(Span::default());
    let v = eval(vec![r.clone()], &inbound(NODES, PODS, PortRange::ALL));
    assert_eq!(v.outcome, Outcome::Unknown);
    assert_eq!(v.uncertain, [Decider::Rule(0)]);
    // Harmless when it would deny what is denied anyway.
    let v = eval(vec![r], &inbound("20.0.0.0/8", NODES, PortRange::ALL));
    assert_eq!(v.outcome, Outcome::Denied);
}

#[test]
fn unread_direction_access_protocol_or_ports_make_a_rule_uncertain() {
    let base = rule("Inbound", "Deny", 100, "Tcp", &["*"], &["*"], &["*"]);
    let mut cases = Vec::new();
    let mut r = base.clone();
    r.direction = Field::Unknown(Span::default());
    cases.push(r);
    let mut r = base.clone();
    r.access = known("Maybe");
    cases.push(r);
    let mut r = base.clone();
    r.protocol = Field::Unknown(Span::default());
    cases.push(r);
    let mut r = base.clone();
    r.destination_ports = vec![Field::Unknown(Span::default())];
    cases.push(r);
    let mut r = base;
    r.source_prefixes = list(&["[parameters('range')]"]);
    cases.push(r);
    for r in cases {
        let v = eval(vec![r.clone()], &inbound(NODES, PODS, PortRange::ALL));
        assert_eq!(v.outcome, Outcome::Unknown, "{r:?}");
        assert_eq!(v.uncertain, [Decider::Rule(0)], "{r:?}");
    }
}

#[test]
fn values_are_read_case_insensitively() {
    let rules = vec![rule(
        "inbound",
        "DENY",
        100,
        "tcp",
        &["virtualnetwork"],
        &["ANY"],
        &["*"],
    )];
    let v = eval(rules, &inbound(NODES, PODS, PortRange::ALL));
    assert_eq!(v.outcome, Outcome::Denied);
}

#[test]
fn ipv6_flows_are_answered_conservatively() {
    let mut c = ctx();
    c.vnet_prefixes.push(net("fd00:1::/64"));
    let v6 = |rules: Vec<SecurityRule>, dst: &str| {
        let f = flow(
            Direction::Outbound,
            Protocol::Tcp,
            "fd00:1::/64",
            dst,
            PortRange::single(443),
        );
        evaluate(&nsg(rules), &c, &f)
    };
    // Inside the VNet: exact.
    assert_eq!(v6(vec![], "fd00:1::/80").outcome, Outcome::Allowed);
    // v4 prefixes never match v6 packets.
    let deny_v4 = rule(
        "Outbound",
        "Deny",
        100,
        "*",
        &["0.0.0.0/0"],
        &["0.0.0.0/0"],
        &["*"],
    );
    assert_eq!(v6(vec![deny_v4], "fd00:1::/80").outcome, Outcome::Allowed);
    // Internet for IPv6 is not modelled: may match.
    assert_eq!(v6(vec![], "2001:db8::/32").outcome, Outcome::Unknown);
    let deny_all = rule("Outbound", "Deny", 100, "*", &["*"], &["::/0"], &["*"]);
    assert_eq!(v6(vec![deny_all], "2603::/16").outcome, Outcome::Denied);
}

#[test]
fn port_range_parsing() {
    assert_eq!(PortRange::parse("*"), Some(PortRange::ALL));
    assert_eq!(PortRange::parse(" 443 "), Some(PortRange::single(443)));
    assert_eq!(PortRange::parse("1000-2000"), PortRange::new(1000, 2000));
    assert_eq!(PortRange::parse("2000-1000"), None);
    assert_eq!(PortRange::parse("65536"), None);
    assert_eq!(PortRange::parse("-"), None);
    assert_eq!(PortRange::parse(""), None);
}

#[test]
fn reversed_or_out_of_range_ports_in_a_rule_are_unknown() {
    for bad in ["2000-1000", "70000", "http"] {
        let rules = vec![rule("Inbound", "Deny", 100, "Tcp", &["*"], &["*"], &[bad])];
        let v = eval(rules, &inbound(NODES, PODS, PortRange::single(80)));
        assert_eq!(v.outcome, Outcome::Unknown, "{bad}");
    }
}

#[test]
fn large_nsgs_are_evaluated_quickly() {
    // 1,000 rules on scattered /32s and ports: the flow splits, but stays small.
    let rules: Vec<_> = (0..1000u32)
        .map(|i| {
            let x = i.wrapping_mul(2_654_435_761);
            let src = format!("10.0.{}.{}", (x >> 8) & 0xff, x & 0xff);
            let dst = format!("10.0.{}.{}/30", (x >> 16) & 0xff, (x >> 24) & 0xfc);
            let port = (x % 60000).to_string();
            let access = if i % 2 == 0 { "Allow" } else { "Deny" };
            rule(
                "Inbound",
                access,
                100 + i64::from(i),
                "Tcp",
                &[&src],
                &[&dst],
                &[&port],
            )
        })
        .collect();
    let f = flow(
        Direction::Inbound,
        Protocol::Any,
        "10.0.0.0/16",
        "10.0.0.0/16",
        PortRange::ALL,
    );
    let started = std::time::Instant::now();
    let v = eval(rules, &f);
    assert_eq!(v.outcome, Outcome::Partial);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
