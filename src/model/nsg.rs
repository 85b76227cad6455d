//! The NSG evaluator: what a network security group does to a flow, the way
//! Azure decides it — rules of the flow's direction in ascending priority, first
//! match wins, then Azure's default rules.
//!
//! A [`Flow`] is a whole space of packets: every source address in a prefix,
//! every destination address in a prefix, every port in a range, every protocol
//! of a [`Protocol`]. The [`Verdict`] speaks about all of them at once:
//! [`Outcome::Allowed`] when every packet is allowed, [`Outcome::Denied`] when
//! every packet is denied, [`Outcome::Partial`] when some are allowed and some
//! denied, and [`Outcome::Unknown`] when a value we can't read (a template
//! expression, an application security group, a service tag we don't know, a
//! priority we can't order) could change which of these it is. The arithmetic on
//! prefixes and port ranges is exact: a rule prefix that covers half the flow's
//! source range splits the flow, and each half goes on to later rules.
//!
//! Questions the rules ask, and how to read the answer:
//! * "is any node→pod traffic, on any port, denied?" — a flow with
//!   [`Protocol::Any`] and [`PortRange::ALL`]; the answer is yes when
//!   [`Verdict::some_denied`] (which holds even when the outcome is `Unknown` but
//!   some packets are certainly denied).
//! * "is TCP 443 from the node subnet to the Internet denied?" — a flow with
//!   [`Protocol::Tcp`] and [`PortRange::single`]`(443)`; `Denied` means all of it.
//!
//! ```
//! use akslint::model::nsg::{evaluate, Direction, Flow, NsgContext, Outcome, PortRange, Protocol};
//! use akslint::model::NetworkSecurityGroup;
//!
//! let nsg = NetworkSecurityGroup {
//!     id: None,
//!     address: "nsg".into(),
//!     decl: Default::default(),
//!     name: Default::default(),
//!     tags: Default::default(),
//!     rules: Vec::new(),
//! };
//! let ctx = NsgContext {
//!     vnet_prefixes: vec!["10.0.0.0/16".parse().unwrap()],
//!     vnet_may_include: Vec::new(),
//! };
//! let nodes = "10.0.1.0/24".parse().unwrap();
//! let flow = Flow::new(Direction::Outbound, Protocol::Any, nodes, nodes, PortRange::ALL);
//! // With no rules of its own, an NSG lets the VNet talk to itself.
//! assert_eq!(evaluate(&nsg, &ctx, &flow).outcome, Outcome::Allowed);
//! ```
//!
//! NSGs are stateful: a flow is asked in the direction its first packet takes
//! (replies of an allowed flow pass). A subnet-to-subnet flow crosses the source
//! subnet's NSG outbound and the destination subnet's NSG inbound; this module
//! answers for one NSG, and callers combine.
//!
//! Not modelled, so only "may match" (and reported as `Unknown` when it matters):
//! members of application security groups; service tags other than
//! `VirtualNetwork`, `Internet`, `AzureLoadBalancer` and `AzureCloud[.region]`;
//! on-premises and gateway-connected spaces in `VirtualNetwork` (see
//! [`NsgContext`]); for IPv6, the `Internet`, `AzureLoadBalancer` and
//! `AzureCloud` tags; whether a port-restricted rule matches ICMP, ESP or AH.
//! Peering state is not read: a peering counts as connected.

mod context;
mod rule;
mod space;
mod walk;

#[cfg(test)]
mod inventory_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use ipnet::IpNet;

pub use context::NsgContext;
pub(crate) use context::NOT_PUBLIC_V4;

use super::{Inventory, NetworkSecurityGroup, SubnetIdx};
use crate::source::Span;
use context::net_ranges;
use rule::{applies, Applies, RuleSpace, AH, ESP, ICMP, NO_PORT, OTHER, TCP, UDP};
use space::{Block, Ranges};
use walk::Walk;

/// The protocol of a flow, named as in a security rule's `protocol`.
/// `Any` is every IP protocol, including those Azure has no name for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    Esp,
    Ah,
    Any,
}

impl Protocol {
    /// The protocol classes this covers (see `rule::TCP` and friends).
    fn classes(self) -> Ranges {
        match self {
            Protocol::Tcp => Ranges::span(TCP, TCP),
            Protocol::Udp => Ranges::span(UDP, UDP),
            Protocol::Icmp => Ranges::span(ICMP, ICMP),
            Protocol::Esp => Ranges::span(ESP, ESP),
            Protocol::Ah => Ranges::span(AH, AH),
            Protocol::Any => Ranges::span(TCP, OTHER),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    /// A rule's `direction`, case-insensitively.
    pub fn parse(text: &str) -> Option<Direction> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("Inbound") {
            Some(Direction::Inbound)
        } else if t.eq_ignore_ascii_case("Outbound") {
            Some(Direction::Outbound)
        } else {
            None
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    Allow,
    Deny,
}

impl Access {
    /// A rule's `access`, case-insensitively.
    pub fn parse(text: &str) -> Option<Access> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("Allow") {
            Some(Access::Allow)
        } else if t.eq_ignore_ascii_case("Deny") {
            Some(Access::Deny)
        } else {
            None
        }
    }
}

/// An inclusive range of ports, never empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PortRange {
    first: u16,
    last: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange {
        first: 0,
        last: u16::MAX,
    };

    pub fn single(port: u16) -> PortRange {
        PortRange {
            first: port,
            last: port,
        }
    }

    /// `None` when `first > last`.
    pub fn new(first: u16, last: u16) -> Option<PortRange> {
        (first <= last).then_some(PortRange { first, last })
    }

    /// `*`, `443` or `1000-2000`, as in a rule.
    pub fn parse(text: &str) -> Option<PortRange> {
        if text.trim() == "*" {
            return Some(PortRange::ALL);
        }
        let (first, last) = rule::parse_port_range(text)?;
        PortRange::new(first, last)
    }

    pub fn first(self) -> u16 {
        self.first
    }

    pub fn last(self) -> u16 {
        self.last
    }

    fn ranges(self) -> Ranges {
        Ranges::span(u128::from(self.first), u128::from(self.last))
    }
}

/// A space of packets crossing the NSG in one direction: every protocol of
/// `protocol`, from every address of `source` (host bits ignored) and every port of
/// `source_port`, to every address of `destination` and port of `destination_port`.
/// Ports apply to TCP and UDP only; ICMP, ESP and AH packets have none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    pub direction: Direction,
    pub protocol: Protocol,
    pub source: IpNet,
    pub destination: IpNet,
    pub source_port: PortRange,
    pub destination_port: PortRange,
}

impl Flow {
    /// A flow from any source port, as clients use ephemeral ones.
    pub fn new(
        direction: Direction,
        protocol: Protocol,
        source: IpNet,
        destination: IpNet,
        destination_port: PortRange,
    ) -> Flow {
        Flow {
            direction,
            protocol,
            source,
            destination,
            source_port: PortRange::ALL,
            destination_port,
        }
    }

    /// The flow as blocks of the packet space: one for the protocols with ports,
    /// one for those without.
    fn blocks(&self) -> Vec<Block> {
        let classes = self.protocol.classes();
        let with_ports = classes.intersect(&Ranges::span(TCP, UDP));
        let without = classes.minus(&Ranges::span(TCP, UDP));
        let (src, dst) = (net_ranges(&self.source), net_ranges(&self.destination));
        let no_port = Ranges::span(NO_PORT, NO_PORT);
        vec![
            Block([
                with_ports,
                src.clone(),
                dst.clone(),
                self.source_port.ranges(),
                self.destination_port.ranges(),
            ]),
            Block([without, src, dst, no_port.clone(), no_port]),
        ]
    }
}

/// Azure's default rules, present in every NSG below all user rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefaultRule {
    AllowVnetInBound,
    AllowAzureLoadBalancerInBound,
    DenyAllInBound,
    AllowVnetOutBound,
    AllowInternetOutBound,
    DenyAllOutBound,
}

impl DefaultRule {
    /// The default rules of one direction, in priority order.
    pub fn for_direction(direction: Direction) -> [DefaultRule; 3] {
        match direction {
            Direction::Inbound => [
                DefaultRule::AllowVnetInBound,
                DefaultRule::AllowAzureLoadBalancerInBound,
                DefaultRule::DenyAllInBound,
            ],
            Direction::Outbound => [
                DefaultRule::AllowVnetOutBound,
                DefaultRule::AllowInternetOutBound,
                DefaultRule::DenyAllOutBound,
            ],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DefaultRule::AllowVnetInBound => "AllowVnetInBound",
            DefaultRule::AllowAzureLoadBalancerInBound => "AllowAzureLoadBalancerInBound",
            DefaultRule::DenyAllInBound => "DenyAllInBound",
            DefaultRule::AllowVnetOutBound => "AllowVnetOutBound",
            DefaultRule::AllowInternetOutBound => "AllowInternetOutBound",
            DefaultRule::DenyAllOutBound => "DenyAllOutBound",
        }
    }

    pub fn priority(self) -> i64 {
        match self {
            DefaultRule::AllowVnetInBound | DefaultRule::AllowVnetOutBound => 65000,
            DefaultRule::AllowAzureLoadBalancerInBound | DefaultRule::AllowInternetOutBound => {
                65001
            }
            DefaultRule::DenyAllInBound | DefaultRule::DenyAllOutBound => 65500,
        }
    }

    pub fn access(self) -> Access {
        match self {
            DefaultRule::DenyAllInBound | DefaultRule::DenyAllOutBound => Access::Deny,
            _ => Access::Allow,
        }
    }

    /// Source and destination prefixes; every default rule is any protocol, any port.
    fn addresses(self) -> (&'static str, &'static str) {
        match self {
            DefaultRule::AllowVnetInBound | DefaultRule::AllowVnetOutBound => {
                ("VirtualNetwork", "VirtualNetwork")
            }
            DefaultRule::AllowAzureLoadBalancerInBound => ("AzureLoadBalancer", "*"),
            DefaultRule::AllowInternetOutBound => ("*", "Internet"),
            DefaultRule::DenyAllInBound | DefaultRule::DenyAllOutBound => ("*", "*"),
        }
    }
}

/// A rule that took part in the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decider {
    /// Index into the NSG's `rules`, so a diagnostic can point at its span.
    Rule(usize),
    Default(DefaultRule),
}

impl Decider {
    /// The rule's name, as Azure shows it.
    pub fn name(self, nsg: &NetworkSecurityGroup) -> String {
        match self {
            Decider::Rule(i) => nsg
                .rules
                .get(i)
                .and_then(|r| r.name.value().cloned())
                .unwrap_or_else(|| format!("rule #{}", i + 1)),
            Decider::Default(d) => d.name().to_string(),
        }
    }

    /// Where a user rule is written; default rules are written nowhere.
    pub fn span(self, nsg: &NetworkSecurityGroup) -> Option<Span> {
        match self {
            Decider::Rule(i) => nsg.rules.get(i).map(|r| r.decl),
            Decider::Default(_) => None,
        }
    }
}

/// A rule that was the first certain match for some packets of the flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decision {
    pub by: Decider,
    pub access: Access,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Every packet of the flow is allowed.
    Allowed,
    /// Every packet of the flow is denied.
    Denied,
    /// Some packets are allowed and some denied.
    Partial,
    /// An unread value could change which of the above it is.
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Outcome,
    /// The rules that certainly decide some packets, in evaluation order: for
    /// `Denied` the deny rules, for `Partial` both kinds.
    pub deciding: Vec<Decision>,
    /// When the outcome is `Unknown`: the rules whose unread values or open tags
    /// could change it. Empty otherwise.
    pub uncertain: Vec<Decider>,
    some_allowed: bool,
    some_denied: bool,
}

impl Verdict {
    /// Some packets of the flow are allowed in every reading of unknown values.
    pub fn some_allowed(&self) -> bool {
        self.some_allowed
    }

    /// Some packets of the flow are denied in every reading of unknown values.
    pub fn some_denied(&self) -> bool {
        self.some_denied
    }

    /// The deny rules that decide packets of the flow.
    pub fn denying(&self) -> impl Iterator<Item = Decider> + '_ {
        self.deciding
            .iter()
            .filter(|d| d.access == Access::Deny)
            .map(|d| d.by)
    }

    /// The allow rules that decide packets of the flow.
    pub fn allowing(&self) -> impl Iterator<Item = Decider> + '_ {
        self.deciding
            .iter()
            .filter(|d| d.access == Access::Allow)
            .map(|d| d.by)
    }
}

/// What the NSG on `subnet` does to `flow`, with the context of the subnet's
/// VNet. `None` when no NSG on the subnet is among the inputs: check the subnet's
/// `nsg_id` to tell "no NSG" from "an NSG we can't see".
pub fn evaluate_subnet(inv: &Inventory, subnet: SubnetIdx, flow: &Flow) -> Option<Verdict> {
    let nsg = inv.subnets.get(subnet)?.nsg.and_then(|i| inv.nsgs.get(i))?;
    Some(evaluate(nsg, &NsgContext::for_subnet(inv, subnet), flow))
}

/// False when every rule of the NSG certainly allows: then no verdict can name
/// one of its own rules among the deniers (a rule denies only with `Deny` access),
/// and rules that report user deny rules can skip the evaluation.
pub fn may_deny(nsg: &NetworkSecurityGroup) -> bool {
    nsg.rules.iter().any(|r| rule::access(r) & rule::DENY != 0)
}

/// What `nsg` does to every packet of `flow`, and which rules decide it.
///
/// Rules whose direction is unread may match in either direction. Rules whose
/// priority is unread (or missing) may come before any other, so they may match
/// wherever they could apply. Rules with equal priority (Azure rejects them) are
/// taken in the order written.
pub fn evaluate(nsg: &NetworkSecurityGroup, ctx: &NsgContext, flow: &Flow) -> Verdict {
    let mut walk = Walk::new(flow.blocks());
    let mut ordered = Vec::new();
    for (i, rule) in nsg.rules.iter().enumerate() {
        let side = applies(rule, flow.direction);
        if side == Applies::No {
            continue;
        }
        let space = RuleSpace::of_rule(rule, ctx);
        match rule.priority.value() {
            Some(&p) => ordered.push((p, i, side, space)),
            None => walk.apply_maybe(&space, Decider::Rule(i)),
        }
    }
    ordered.sort_by_key(|&(p, i, ..)| (p, i));
    for (_, i, side, space) in &ordered {
        match side {
            Applies::Yes => walk.apply(space, Decider::Rule(*i)),
            _ => walk.apply_maybe(space, Decider::Rule(*i)),
        }
    }
    for rule in DefaultRule::for_direction(flow.direction) {
        walk.apply(&RuleSpace::of_default(rule, ctx), Decider::Default(rule));
    }
    walk.verdict()
}
