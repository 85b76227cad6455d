//! `evaluate` against a reference that enumerates every packet of a small flow
//! and applies first match to each packet on its own.

use std::net::Ipv4Addr;

use proptest::prelude::*;

use super::tests::{known, net, nsg, rule};
use super::*;
use crate::model::{Field, SecurityRule};
use crate::source::Span;

/// Address blocks the random prefixes and flows live in: private inside the VNet,
/// public (partly peered), private outside the VNet.
const BASES: [[u8; 4]; 3] = [[10, 0, 0, 0], [20, 0, 0, 0], [192, 168, 0, 0]];
const VNET: &str = "10.0.0.0/24";
const PEERED: &str = "20.0.0.0/28";
/// Route prefixes that may widen `VirtualNetwork`: public and private.
const MAY: [&str; 2] = ["20.0.0.128/26", "192.168.0.0/25"];

fn ctx() -> NsgContext {
    NsgContext {
        vnet_prefixes: vec![net(VNET), net(PEERED)],
        vnet_may_include: MAY.iter().map(|p| net(p)).collect(),
    }
}

// ---- the reference: one packet at a time ----

#[derive(Clone, Copy, Debug, PartialEq)]
enum Proto {
    Tcp,
    Udp,
    Icmp,
    Esp,
    Ah,
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Packet {
    proto: Proto,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    /// `None` for protocols without ports.
    ports: Option<(u16, u16)>,
}

#[derive(Clone, Copy, PartialEq)]
enum Match {
    Yes,
    No,
    Maybe,
}

fn in_cidr(addr: Ipv4Addr, text: &str) -> bool {
    let (ip, len) = match text.split_once('/') {
        Some((ip, len)) => (ip, len.parse::<u32>().unwrap()),
        None => (text, 32),
    };
    let ip: Ipv4Addr = ip.parse().unwrap();
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(addr) & mask == u32::from(ip) & mask
}

fn is_public(a: Ipv4Addr) -> bool {
    let [o1, o2, o3, _] = a.octets();
    !(o1 == 0
        || o1 == 10
        || o1 == 127
        || o1 >= 224
        || (o1 == 100 && (64..128).contains(&o2))
        || (o1 == 169 && o2 == 254)
        || (o1 == 172 && (16..32).contains(&o2))
        || (o1 == 192 && o2 == 0 && (o3 == 0 || o3 == 2))
        || (o1 == 192 && o2 == 88 && o3 == 99)
        || (o1 == 192 && o2 == 168)
        || (o1 == 198 && (o2 == 18 || o2 == 19))
        || (o1 == 198 && o2 == 51 && o3 == 100)
        || (o1 == 203 && o2 == 0 && o3 == 113))
}

fn in_vnet(a: Ipv4Addr) -> bool {
    in_cidr(a, VNET) || in_cidr(a, PEERED) || a == Ipv4Addr::new(168, 63, 129, 16)
}

fn address_matches(a: Ipv4Addr, text: &str) -> Match {
    let yes = |b: bool| if b { Match::Yes } else { Match::No };
    match text {
        "*" => Match::Yes,
        "VirtualNetwork" if in_vnet(a) => Match::Yes,
        "VirtualNetwork" if MAY.iter().any(|m| in_cidr(a, m)) => Match::Maybe,
        "VirtualNetwork" => Match::No,
        "Internet" => yes(is_public(a) && !in_vnet(a)),
        "AzureLoadBalancer" => yes(a == Ipv4Addr::new(168, 63, 129, 16)),
        cidr => yes(in_cidr(a, cidr)),
    }
}

fn port_matches(port: Option<u16>, text: &str) -> Match {
    if text == "*" {
        return Match::Yes;
    }
    let Some(p) = port else { return Match::Maybe };
    let (a, b) = match text.split_once('-') {
        Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
        None => (text.parse().unwrap(), text.parse().unwrap()),
    };
    if (a..=b).contains(&p) {
        Match::Yes
    } else {
        Match::No
    }
}

/// The best of the items of a list: any `Yes` wins, else any `Maybe`.
fn any_of(items: impl Iterator<Item = Match>) -> Match {
    items.fold(Match::No, |acc, m| match (acc, m) {
        (Match::Yes, _) | (_, Match::Yes) => Match::Yes,
        (Match::Maybe, _) | (_, Match::Maybe) => Match::Maybe,
        _ => Match::No,
    })
}

fn all_of(items: impl Iterator<Item = Match>) -> Match {
    items.fold(Match::Yes, |acc, m| match (acc, m) {
        (Match::No, _) | (_, Match::No) => Match::No,
        (Match::Maybe, _) | (_, Match::Maybe) => Match::Maybe,
        _ => Match::Yes,
    })
}

fn text(f: &Field<String>) -> &str {
    f.value().unwrap()
}

fn rule_matches(r: &SecurityRule, p: &Packet) -> Match {
    let proto = match text(&r.protocol) {
        "*" => true,
        name => format!("{:?}", p.proto) == name,
    };
    let yes = |b: bool| if b { Match::Yes } else { Match::No };
    let (sport, dport) = match p.ports {
        Some((s, d)) => (Some(s), Some(d)),
        None => (None, None),
    };
    all_of(
        [
            yes(proto),
            any_of(
                r.source_prefixes
                    .iter()
                    .map(|t| address_matches(p.src, text(t))),
            ),
            any_of(
                r.destination_prefixes
                    .iter()
                    .map(|t| address_matches(p.dst, text(t))),
            ),
            any_of(r.source_ports.iter().map(|t| port_matches(sport, text(t)))),
            any_of(
                r.destination_ports
                    .iter()
                    .map(|t| port_matches(dport, text(t))),
            ),
        ]
        .into_iter(),
    )
}

/// The accesses a packet may get: bit 1 allow, bit 2 deny.
fn reference_packet(rules: &[SecurityRule], dir: Direction, p: &Packet) -> u8 {
    let mut ordered: Vec<(i64, usize, &SecurityRule)> = rules
        .iter()
        .enumerate()
        .filter(|(_, r)| Direction::parse(text(&r.direction)) == Some(dir))
        .map(|(i, r)| (*r.priority.value().unwrap(), i, r))
        .collect();
    ordered.sort_by_key(|&(p, i, _)| (p, i));
    // AllowAzureLoadBalancerInBound or AllowInternetOutBound.
    let (src, dst) = match dir {
        Direction::Inbound => ("AzureLoadBalancer", "*"),
        Direction::Outbound => ("*", "Internet"),
    };
    let vnet = "VirtualNetwork";
    let defaults = [
        rule("Inbound", "Allow", 65000, "*", &[vnet], &[vnet], &["*"]),
        rule("Inbound", "Allow", 65001, "*", &[src], &[dst], &["*"]),
        rule("Inbound", "Deny", 65500, "*", &["*"], &["*"], &["*"]),
    ];
    let mut seen = 0;
    for r in ordered.iter().map(|(_, _, r)| *r).chain(&defaults) {
        let access = if text(&r.access) == "Allow" { 1 } else { 2 };
        match rule_matches(r, p) {
            Match::Yes => return seen | access,
            Match::Maybe => seen |= access,
            Match::No => {}
        }
    }
    seen
}

fn addresses(n: &IpNet) -> Vec<Ipv4Addr> {
    let IpNet::V4(n) = n.trunc() else {
        return Vec::new();
    };
    (u32::from(n.network())..=u32::from(n.broadcast()))
        .map(Ipv4Addr::from)
        .collect()
}

fn packets(flow: &Flow) -> Vec<Packet> {
    let protos: &[Proto] = match flow.protocol {
        Protocol::Tcp => &[Proto::Tcp],
        Protocol::Udp => &[Proto::Udp],
        Protocol::Icmp => &[Proto::Icmp],
        Protocol::Esp => &[Proto::Esp],
        Protocol::Ah => &[Proto::Ah],
        Protocol::Any => &[
            Proto::Tcp,
            Proto::Udp,
            Proto::Icmp,
            Proto::Esp,
            Proto::Ah,
            Proto::Other,
        ],
    };
    let mut out = Vec::new();
    for &proto in protos {
        let ports: Vec<Option<(u16, u16)>> = match proto {
            Proto::Tcp | Proto::Udp => {
                let s = flow.source_port;
                let d = flow.destination_port;
                (s.first()..=s.last())
                    .flat_map(|sp| (d.first()..=d.last()).map(move |dp| Some((sp, dp))))
                    .collect()
            }
            _ => vec![None],
        };
        for src in addresses(&flow.source) {
            for dst in addresses(&flow.destination) {
                for &ports in &ports {
                    out.push(Packet {
                        proto,
                        src,
                        dst,
                        ports,
                    });
                }
            }
        }
    }
    out
}

fn reference(rules: &[SecurityRule], flow: &Flow) -> (Outcome, bool, bool) {
    let labels: Vec<u8> = packets(flow)
        .iter()
        .map(|p| reference_packet(rules, flow.direction, p))
        .collect();
    let some_allowed = labels.contains(&1);
    let some_denied = labels.contains(&2);
    let outcome = if labels.iter().all(|&l| l == 1) {
        Outcome::Allowed
    } else if labels.iter().all(|&l| l == 2) {
        Outcome::Denied
    } else if some_allowed && some_denied {
        Outcome::Partial
    } else {
        Outcome::Unknown
    };
    (outcome, some_allowed, some_denied)
}

// ---- generators ----

fn prefix(min_len: u8, max_len: u8) -> impl Strategy<Value = String> {
    prefix_in(0..BASES.len(), min_len, max_len)
}

fn prefix_in(
    bases: std::ops::Range<usize>,
    min_len: u8,
    max_len: u8,
) -> impl Strategy<Value = String> {
    (bases, min_len..=max_len, any::<u8>(), any::<bool>()).prop_map(
        |(b, len, offset, keep_host_bits)| {
            let [a, b2, c, _] = BASES[b];
            let host = if keep_host_bits {
                offset
            } else {
                offset & (0xffu16 << (32 - u16::from(len))) as u8
            };
            if len == 32 && keep_host_bits {
                format!("{a}.{b2}.{c}.{host}")
            } else {
                format!("{a}.{b2}.{c}.{host}/{len}")
            }
        },
    )
}

fn address_item() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prefix_in(0..1, 24, 30),
        2 => prefix(24, 32),
        2 => Just("*".to_string()),
        1 => Just("VirtualNetwork".to_string()),
        1 => Just("Internet".to_string()),
    ]
}

fn port_item(max: u16, any_weight: u32) -> impl Strategy<Value = String> {
    prop_oneof![
        any_weight => Just("*".to_string()),
        1 => (0..max).prop_map(|p| p.to_string()),
        3 => (0..max, 0..max).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
    ]
}

fn random_rule() -> impl Strategy<Value = SecurityRule> {
    (
        prop_oneof![3 => Just("Inbound"), 1 => Just("Outbound")],
        prop_oneof![Just("Allow"), Just("Deny")],
        100..112i64,
        prop_oneof![
            2 => Just("Tcp"),
            1 => Just("Udp"),
            1 => Just("Icmp"),
            1 => Just("Esp"),
            1 => Just("Ah"),
            4 => Just("*"),
        ],
        prop::collection::vec(address_item(), 1..3),
        prop::collection::vec(address_item(), 1..3),
        prop::collection::vec(port_item(8, 8), 1..3),
        prop::collection::vec(port_item(64, 2), 1..3),
    )
        .prop_map(|(dir, access, prio, proto, srcs, dsts, sports, dports)| {
            let strs = |v: &[String]| v.iter().map(|s| known(s)).collect::<Vec<_>>();
            let mut r = rule(dir, access, prio, proto, &[], &[], &[]);
            r.source_prefixes = strs(&srcs);
            r.destination_prefixes = strs(&dsts);
            r.source_ports = strs(&sports);
            r.destination_ports = strs(&dports);
            r
        })
}

fn flow_prefix() -> impl Strategy<Value = IpNet> {
    prop_oneof![
        // Mostly inside the VNet's block, where user rules and defaults compete.
        5 => prefix_in(0..1, 29, 32).prop_map(|p| super::context::parse_cidr(&p).unwrap()),
        4 => prefix(29, 32).prop_map(|p| super::context::parse_cidr(&p).unwrap()),
        1 => Just(net("168.63.129.16/32")),
    ]
}

fn port_range(max: u16, width: u16) -> impl Strategy<Value = PortRange> {
    (0..max, 0..width).prop_map(move |(a, w)| {
        let last = a.saturating_add(w).min(max - 1);
        PortRange::new(a, last).unwrap()
    })
}

fn random_flow() -> impl Strategy<Value = Flow> {
    (
        prop_oneof![3 => Just(Direction::Inbound), 1 => Just(Direction::Outbound)],
        prop_oneof![
            3 => Just(Protocol::Tcp),
            1 => Just(Protocol::Udp),
            1 => Just(Protocol::Icmp),
            1 => Just(Protocol::Esp),
            1 => Just(Protocol::Ah),
            3 => Just(Protocol::Any),
        ],
        flow_prefix(),
        flow_prefix(),
        port_range(8, 4),
        port_range(64, 16),
    )
        .prop_map(|(direction, protocol, source, destination, sp, dp)| Flow {
            direction,
            protocol,
            source,
            destination,
            source_port: sp,
            destination_port: dp,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn agrees_with_packet_by_packet_first_match(
        rules in prop::collection::vec(random_rule(), 0..10),
        flow in random_flow(),
    ) {
        let v = evaluate(&nsg(rules.clone()), &ctx(), &flow);
        let (outcome, some_allowed, some_denied) = reference(&rules, &flow);
        prop_assert_eq!(v.outcome, outcome);
        prop_assert_eq!(v.some_allowed(), some_allowed);
        prop_assert_eq!(v.some_denied(), some_denied);
        prop_assert_eq!(v.denying().next().is_some(), some_denied);
    }
}

// ---- soundness with unknowns: a certain answer holds in every reading ----

/// How an uncertain rule is read in one world.
fn realize(r: &SecurityRule, matches: bool) -> SecurityRule {
    let mut r = r.clone();
    if r.priority.value().is_none() {
        r.priority = Field::Known(if matches { 1 } else { 5000 }, Span::default());
    }
    // The open item matches everything, or nothing the flows can contain.
    let t = if matches { "*" } else { "240.0.0.0/32" };
    let resolve = |list: &mut Vec<Field<String>>| {
        if list.is_empty() {
            list.push(known(t));
        }
        for item in list.iter_mut() {
            if text(item) == "Storage" {
                *item = known(t);
            }
        }
    };
    resolve(&mut r.source_prefixes);
    resolve(&mut r.destination_prefixes);
    r
}

fn uncertain_rule() -> impl Strategy<Value = SecurityRule> {
    (random_rule(), 0..4u8).prop_map(|(mut r, kind)| {
        match kind {
            0 => r.priority = Field::Unknown(Span::default()),
            1 => r.source_prefixes.push(known("Storage")),
            2 => r.destination_prefixes.clear(),
            _ => {}
        }
        r
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn certain_answers_hold_in_every_reading(
        rules in prop::collection::vec(uncertain_rule(), 0..5),
        flow in random_flow(),
    ) {
        let v = evaluate(&nsg(rules.clone()), &ctx(), &flow);
        for world in 0..(1u32 << rules.len()) {
            let concrete: Vec<_> = rules
                .iter()
                .enumerate()
                .map(|(i, r)| realize(r, world & (1 << i) != 0))
                .collect();
            let (outcome, some_allowed, some_denied) = reference(&concrete, &flow);
            if v.outcome != Outcome::Unknown && outcome != Outcome::Unknown {
                prop_assert_eq!(v.outcome, outcome, "world {:b}", world);
            }
            prop_assert!(!v.some_allowed() || some_allowed, "world {:b}", world);
            prop_assert!(!v.some_denied() || some_denied, "world {:b}", world);
        }
    }
}
