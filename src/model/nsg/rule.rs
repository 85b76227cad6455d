//! The part of the flow space one security rule matches, read from its fields.

use super::context::{Extent, NsgContext};
use super::space::{Block, Ranges};
use super::{Access, DefaultRule, Direction};
use crate::model::{Field, SecurityRule};

/// Protocol classes on the protocol axis. `*` also matches protocols Azure has no
/// name for (GRE, SCTP, …), so they get a class of their own.
pub(crate) const TCP: u128 = 0;
pub(crate) const UDP: u128 = 1;
pub(crate) const ICMP: u128 = 2;
pub(crate) const ESP: u128 = 3;
pub(crate) const AH: u128 = 4;
pub(crate) const OTHER: u128 = 5;

/// Packets of protocols without ports (ICMP, ESP, AH, other) carry this value on
/// both port axes, so a rule can match them apart from real ports.
pub(crate) const NO_PORT: u128 = 65_536;

/// Which accesses a rule may grant: bit set of `ALLOW` and `DENY`.
pub(crate) type Labels = u8;
pub(crate) const ALLOW: Labels = 1;
pub(crate) const DENY: Labels = 2;

pub(crate) fn labels_of(access: Access) -> Labels {
    match access {
        Access::Allow => ALLOW,
        Access::Deny => DENY,
    }
}

/// A rule as the walk sees it: the packets it certainly matches, those it may
/// match (a superset), and what it does to them.
#[derive(Clone, Debug)]
pub(crate) struct RuleSpace {
    pub(crate) definite: Block,
    pub(crate) possible: Block,
    pub(crate) access: Labels,
}

/// Whether a rule is written for the flow's direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Applies {
    Yes,
    No,
    Maybe,
}

pub(crate) fn applies(rule: &SecurityRule, direction: Direction) -> Applies {
    let Some(text) = rule.direction.value() else {
        return Applies::Maybe;
    };
    match Direction::parse(text) {
        Some(d) if d == direction => Applies::Yes,
        Some(_) => Applies::No,
        None => Applies::Maybe,
    }
}

pub(crate) fn access(rule: &SecurityRule) -> Labels {
    match rule.access.value().and_then(|t| Access::parse(t)) {
        Some(a) => labels_of(a),
        // Unread access: the rule may allow or deny.
        None => ALLOW | DENY,
    }
}

impl RuleSpace {
    pub(crate) fn of_rule(rule: &SecurityRule, ctx: &NsgContext) -> RuleSpace {
        let address = |t: &str| ctx.address_extent(t);
        let axes = [
            protocol_extent(&rule.protocol),
            list_extent(&rule.source_prefixes, address),
            list_extent(&rule.destination_prefixes, address),
            list_extent(&rule.source_ports, port_extent),
            list_extent(&rule.destination_ports, port_extent),
        ];
        RuleSpace::from_axes(axes, access(rule))
    }

    /// One of Azure's default rules, built from the same tag definitions.
    pub(crate) fn of_default(rule: DefaultRule, ctx: &NsgContext) -> RuleSpace {
        let (source, destination) = rule.addresses();
        let any = Extent::exact(Ranges::all());
        let axes = [
            any.clone(),
            ctx.address_extent(source),
            ctx.address_extent(destination),
            any.clone(),
            any,
        ];
        RuleSpace::from_axes(axes, labels_of(rule.access()))
    }

    fn from_axes(axes: [Extent; 5], access: Labels) -> RuleSpace {
        RuleSpace {
            definite: Block(axes.clone().map(|e| e.definite)),
            possible: Block(axes.map(|e| e.possible)),
            access,
        }
    }
}

/// A list field (`sourceAddressPrefixes`, `destinationPortRanges`, …) matches the
/// union of its items. An empty list means the rule names application security
/// groups or the value was not read: it may match anything.
fn list_extent(values: &[Field<String>], one: impl Fn(&str) -> Extent) -> Extent {
    if values.is_empty() {
        return Extent::unknown(Ranges::all());
    }
    values.iter().fold(Extent::empty(), |acc, v| {
        let item = match v.value() {
            Some(text) => one(text),
            None => Extent::unknown(Ranges::all()),
        };
        acc.union(&item)
    })
}

fn protocol_extent(field: &Field<String>) -> Extent {
    let Some(text) = field.value() else {
        return Extent::unknown(Ranges::all());
    };
    let t = text.trim();
    let class = [
        ("Tcp", TCP),
        ("Udp", UDP),
        ("Icmp", ICMP),
        ("Esp", ESP),
        ("Ah", AH),
    ]
    .into_iter()
    .find(|(name, _)| t.eq_ignore_ascii_case(name));
    match class {
        Some((_, c)) => Extent::exact(Ranges::span(c, c)),
        None if t == "*" || t.eq_ignore_ascii_case("Any") => Extent::exact(Ranges::all()),
        None => Extent::unknown(Ranges::all()),
    }
}

/// `*`, `443` or `1000-2000`. Whether a port-restricted rule matches ICMP, ESP or
/// AH (which have no ports) is not documented, so such packets only may match it.
fn port_extent(text: &str) -> Extent {
    let t = text.trim();
    if t == "*" {
        return Extent::exact(Ranges::all());
    }
    match parse_port_range(t) {
        Some((first, last)) => {
            let ports = Ranges::span(u128::from(first), u128::from(last));
            Extent {
                possible: ports.union(&Ranges::span(NO_PORT, NO_PORT)),
                definite: ports,
            }
        }
        None => Extent::unknown(Ranges::all()),
    }
}

/// A port or an inclusive range of ports; `None` for anything Azure would reject.
pub(crate) fn parse_port_range(text: &str) -> Option<(u16, u16)> {
    let (first, last) = match text.split_once('-') {
        Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
        None => {
            let p = text.trim().parse().ok()?;
            (p, p)
        }
    };
    (first <= last).then_some((first, last))
}
