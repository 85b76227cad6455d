//! Where a node subnet's egress goes when its default route points at an Azure
//! Firewall, and what that firewall's rules decide for one flow (F-150):
//! DNAT, then network, then application rules; parent policy first, then rule
//! collection groups and collections by priority; the first match decides;
//! no match is a deny.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::cidr::{contains, contains_addr, overlaps, parse_cidr};
use crate::model::{
    AzureFirewall, Field, FirewallRule, FirewallRuleCollection, FirewallRuleKind, Inventory, Route,
    RouteTable, Subnet, SubnetIdx,
};

/// A node subnet's `0.0.0.0/0` route to a virtual appliance.
pub struct DefaultRoute<'a> {
    /// The route table's index in `Inventory::route_tables`.
    pub table: usize,
    pub route: &'a Route,
}

/// The node subnets of a cluster's pools that are among the inputs, each once.
pub fn node_subnets(inv: &Inventory, ci: usize) -> BTreeSet<SubnetIdx> {
    inv.cluster_pools(ci)
        .filter_map(|(_, p)| p.subnet)
        .collect()
}

/// The node subnets of cluster `ci` whose default route goes to an Azure
/// Firewall among the inputs: each with that route and the firewall's index.
pub fn firewalled_node_subnets(
    inv: &Inventory,
    ci: usize,
) -> Vec<(SubnetIdx, DefaultRoute<'_>, usize)> {
    node_subnets(inv, ci)
        .into_iter()
        .filter_map(|si| {
            let route = default_route(inv, &inv.subnets[si])?;
            let fi = firewall_of(inv, &route)?;
            Some((si, route, fi))
        })
        .collect()
}

/// The subnet's `0.0.0.0/0` route whose next hop is `VirtualAppliance`, when its
/// route table is among the inputs and every route prefix in it can be read.
pub fn default_route<'a>(inv: &'a Inventory, subnet: &Subnet) -> Option<DefaultRoute<'a>> {
    let ti = subnet.route_table?;
    // Azure takes the last of two routes for one prefix.
    let route = *default_routes(&inv.route_tables[ti])?.last()?;
    let appliance = route
        .next_hop_type
        .value()
        .is_some_and(|h| h.eq_ignore_ascii_case("VirtualAppliance"));
    appliance.then_some(DefaultRoute { table: ti, route })
}

/// The table's routes for `0.0.0.0/0`, or `None` when a route's prefix cannot be evaluated.
pub fn default_routes(table: &RouteTable) -> Option<Vec<&Route>> {
    let mut found = Vec::new();
    for route in &table.routes {
        let prefix = match &route.address_prefix {
            Field::Known(p, _) | Field::Default(p, _) => p,
            Field::Unknown(_) => return None,
            Field::Absent => continue,
        };
        if parse_cidr(prefix).is_some_and(|n| n.prefix_len() == 0 && n.addr().is_ipv4()) {
            found.push(route);
        }
    }
    Some(found)
}

/// The Azure Firewall among the inputs a route's next hop is: the firewall the
/// next hop refers to (Terraform), the one with that private IP, or the one whose
/// `AzureFirewallSubnet` (which holds nothing else) contains the address. A
/// firewall of the route table's own scope first, as links resolve; none when no
/// firewall, or more than one, fits.
pub fn firewall_of(inv: &Inventory, route: &DefaultRoute<'_>) -> Option<usize> {
    let scope = inv.scopes.route_tables.get(route.table).copied();
    let own = |i: usize| inv.scopes.firewalls.get(i).copied() == scope;
    firewall_in(inv, route.route, &own).or_else(|| firewall_in(inv, route.route, &|_| true))
}

fn firewall_in(inv: &Inventory, route: &Route, scoped: &dyn Fn(usize) -> bool) -> Option<usize> {
    let fits_one = |fits: &dyn Fn(&AzureFirewall) -> bool| {
        let mut found = (inv.firewalls.iter().enumerate()).filter(|&(i, f)| scoped(i) && fits(f));
        match (found.next(), found.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    };
    if let Some(id) = route.next_hop_resource_id.value() {
        let by_id = fits_one(&|fw| fw.id.as_ref().is_some_and(|x| x.matches(id)));
        if by_id.is_some() {
            return by_id;
        }
    }
    let hop: IpAddr = route.next_hop_ip.known()?.trim().parse().ok()?;
    let by_ip = fits_one(&|fw| fw.private_ips.iter().any(|f| f.value() == Some(&hop)));
    by_ip.or_else(|| {
        fits_one(&|fw| {
            fw.subnet.is_some_and(|si| {
                let prefixes = &inv.subnets[si].address_prefixes;
                prefixes
                    .iter()
                    .filter_map(Field::value)
                    .any(|n| contains_addr(n, hop))
            })
        })
    })
}

/// A rule collection with where it sits in processing order.
pub struct Ordered<'a> {
    pub collection: &'a FirewallRuleCollection,
    /// Parent policies first (0 for the topmost), then the group's and the collection's priority.
    key: (usize, i64, i64),
}

/// What a firewall applies, when the inputs say: its policy (with its parents)
/// or its classic rules, in processing order, and whether DNS proxy is on.
pub struct Effective<'a> {
    pub collections: Vec<Ordered<'a>>,
    /// `None` when the setting is in a policy outside the inputs.
    pub dns_proxy: Option<bool>,
}

/// Deepest chain of parent policies followed.
const MAX_POLICY_DEPTH: usize = 8;

/// The firewall's rules in processing order; `None` when they are not all among
/// the inputs (a policy or parent policy elsewhere, a rule collection with an
/// unknown priority), or when no rule collection is among them at all — unless
/// an ARM-shaped firewall without a policy lists its classic rules, even empty.
pub fn effective<'a>(inv: &'a Inventory, fw: &'a AzureFirewall) -> Option<Effective<'a>> {
    if fw.policy_id.is_absent() {
        let collections = fw
            .collections
            .iter()
            .map(|c| ordered(c, 0, &Field::Absent))
            .collect::<Option<Vec<_>>>()?;
        let dns_proxy = match &fw.dns_proxy {
            Field::Unknown(_) => None,
            f => Some(f.value().copied().unwrap_or(false)),
        };
        return finish(collections, dns_proxy, fw.classic_rules_stated);
    }
    // The chain child → parent → …, from the firewall's policy up.
    let mut chain = vec![fw.policy?];
    while let Some(&last) = chain.last() {
        let policy = &inv.firewall_policies[last];
        match (policy.base, &policy.base_policy_id) {
            (Some(b), _) if !chain.contains(&b) && chain.len() < MAX_POLICY_DEPTH => chain.push(b),
            (None, Field::Absent) => break,
            _ => return None,
        }
    }
    let depth = chain.len();
    let mut collections = Vec::new();
    for (level, &pi) in chain.iter().enumerate() {
        for c in &inv.firewall_policies[pi].collections {
            collections.push(ordered(c, depth - 1 - level, &c.group_priority)?);
        }
    }
    // A child's DNS setting, else its parent's, else off.
    let mut dns_proxy = Some(false);
    for &pi in chain.iter().rev() {
        match &inv.firewall_policies[pi].dns_proxy {
            Field::Known(v, _) | Field::Default(v, _) => dns_proxy = Some(*v),
            Field::Unknown(_) => dns_proxy = None,
            Field::Absent => {}
        }
    }
    finish(collections, dns_proxy, false)
}

/// `stated`: the input lists every rule collection, so none at all is a fact.
fn finish(
    mut collections: Vec<Ordered<'_>>,
    dns_proxy: Option<bool>,
    stated: bool,
) -> Option<Effective<'_>> {
    if collections.is_empty() && !stated {
        return None;
    }
    collections.sort_by_key(|o| o.key);
    Some(Effective {
        collections,
        dns_proxy,
    })
}

/// `inherit_rank` orders parent policies first (the topmost is 0).
fn ordered<'a>(
    c: &'a FirewallRuleCollection,
    inherit_rank: usize,
    group: &Field<i64>,
) -> Option<Ordered<'a>> {
    let priority = *c.priority.value()?;
    let group = match group {
        Field::Absent => 0,
        f => *f.value()?,
    };
    Some(Ordered {
        collection: c,
        key: (inherit_rank, group, priority),
    })
}

/// How sure a match is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Match {
    No,
    Maybe,
    Yes,
}

/// One HTTPS flow from a node prefix to a host name (`*.x` for any name under `x`).
pub struct Flow<'a> {
    pub source: IpNet,
    pub host: &'a str,
}

/// What the firewall does with a flow.
pub enum Verdict<'a> {
    Allowed,
    /// Denied by this rule, or (None) by the default deny.
    Denied(Option<(&'a FirewallRuleCollection, &'a FirewallRule)>),
    /// A rule the inputs cannot evaluate may decide it.
    Unknown,
}

/// Walks network rules, then application rules, each in processing order (F-150).
pub fn verdict<'a>(eff: &Effective<'a>, flow: &Flow<'_>) -> Verdict<'a> {
    for kind in [FirewallRuleKind::Network, FirewallRuleKind::Application] {
        for o in eff.collections.iter().filter(|o| o.collection.kind == kind) {
            let c = o.collection;
            let action = c.action.value().map(|a| a.to_ascii_lowercase());
            for rule in &c.rules {
                let (source, target) = match kind {
                    FirewallRuleKind::Network => (
                        source_match(rule, flow.source),
                        network_target(rule, flow.host, eff.dns_proxy),
                    ),
                    _ => (source_match(rule, flow.source), app_target(rule, flow.host)),
                };
                match (action.as_deref(), source.min(target)) {
                    (_, Match::No) => {}
                    (Some("allow"), Match::Yes) if covers_source(rule, flow.source) => {
                        return Verdict::Allowed
                    }
                    (Some("deny"), Match::Yes) => return Verdict::Denied(Some((c, rule))),
                    // A deny that may match leaves an allow after it unproven.
                    (Some("deny"), Match::Maybe) => {}
                    _ => return Verdict::Unknown,
                }
            }
        }
    }
    Verdict::Denied(None)
}

/// Whether the rule's sources reach the node prefix at all (Yes even when only
/// part of it: a deny of part of the nodes blocks those nodes).
pub fn source_match(rule: &FirewallRule, source: IpNet) -> Match {
    if !rule.source_ip_groups.is_empty() {
        return Match::Maybe;
    }
    let mut best = Match::No;
    for f in &rule.source_addresses {
        let m = match f.value() {
            None => Match::Maybe,
            Some(s) => match address_range(s) {
                Some(net) if overlaps(&net, &source) => Match::Yes,
                Some(_) => Match::No,
                None => Match::Maybe,
            },
        };
        best = best.max(m);
    }
    best
}

/// True when one source of the rule holds the whole node prefix.
fn covers_source(rule: &FirewallRule, source: IpNet) -> bool {
    rule.source_addresses
        .iter()
        .filter_map(Field::value)
        .filter_map(|s| address_range(s))
        .any(|net| contains(&net, &source))
}

/// `*`, a CIDR or an address; other forms (ranges `a-b`, tags) are not read.
fn address_range(s: &str) -> Option<IpNet> {
    let t = s.trim();
    if t == "*" {
        return parse_cidr("0.0.0.0/0");
    }
    parse_cidr(t)
}

/// A network rule's protocol, port and destination for HTTPS to `host`.
fn network_target(rule: &FirewallRule, host: &str, dns_proxy: Option<bool>) -> Match {
    let tcp = best(&rule.ip_protocols, |p| {
        let p = p.to_ascii_lowercase();
        if p == "tcp" || p == "any" {
            Match::Yes
        } else {
            Match::No
        }
    });
    let port = best(&rule.destination_ports, |p| port_match(p, 443));
    let mut dest = best(&rule.destination_addresses, |d| match d.trim() {
        "*" | "0.0.0.0/0" => Match::Yes,
        // An address, prefix or service tag: the host's addresses are not known.
        _ => Match::Maybe,
    });
    if !rule.destination_ip_groups.is_empty() {
        dest = dest.max(Match::Maybe);
    }
    let by_name = best(&rule.destination_fqdns, |n| host_match(n, host));
    // Without DNS proxy the firewall may resolve the name to other addresses than the node did (F-151).
    let by_name = match (by_name, dns_proxy) {
        (Match::Yes, Some(true)) => Match::Yes,
        (Match::No, _) => Match::No,
        _ => Match::Maybe,
    };
    tcp.min(port).min(dest.max(by_name))
}

/// An application rule's protocol and target for HTTPS to `host`.
fn app_target(rule: &FirewallRule, host: &str) -> Match {
    // A rule that states no protocol: what Azure fills in is not read here.
    let https = if rule.protocols.is_empty() {
        Match::Maybe
    } else {
        best(&rule.protocols, |p| {
            let p = p.to_ascii_lowercase();
            if p == "https" || p == "https:443" {
                Match::Yes
            } else {
                Match::No
            }
        })
    };
    let tag = best(&rule.fqdn_tags, |t| {
        if t.trim().eq_ignore_ascii_case("AzureKubernetesService") {
            Match::Yes
        } else {
            Match::No
        }
    });
    let name = best(&rule.target_fqdns, |n| host_match(n, host));
    let mut target = tag.max(name);
    if !rule.other_targets.is_empty() || !rule.destination_addresses.is_empty() {
        target = target.max(Match::Maybe);
    }
    https.min(target)
}

/// The best match among a list's values; an unreadable value may match.
fn best(values: &[Field<String>], m: impl Fn(&str) -> Match) -> Match {
    values
        .iter()
        .map(|f| f.value().map_or(Match::Maybe, |v| m(v)))
        .max()
        .unwrap_or(Match::No)
}

/// `443`, `*`, or a range `400-500` holding the port.
fn port_match(p: &str, port: u16) -> Match {
    let t = p.trim();
    if t == "*" {
        return Match::Yes;
    }
    let range = match t.split_once('-') {
        Some((a, b)) => a
            .trim()
            .parse::<u16>()
            .ok()
            .zip(b.trim().parse::<u16>().ok()),
        None => t.parse::<u16>().ok().map(|a| (a, a)),
    };
    match range {
        Some((a, b)) if a <= port && port <= b => Match::Yes,
        Some(_) => Match::No,
        None => Match::Maybe,
    }
}

/// Whether a rule's target name (`*`, `*.x`, or a name) allows every name the
/// required `host` stands for (`*.x` standing for the names under `x`). A
/// concrete name under a required wildcard counts: that is the endpoint a
/// cluster uses (`westeurope.data.mcr.microsoft.com`).
pub fn host_match(target: &str, host: &str) -> Match {
    let norm = |s: &str| s.trim().trim_end_matches('.').to_ascii_lowercase();
    let (target, host) = (norm(target), norm(host));
    if target == "*" {
        return Match::Yes;
    }
    let under = |name: &str, domain: &str| name.ends_with(&format!(".{domain}"));
    let yes = match (target.strip_prefix("*."), host.strip_prefix("*.")) {
        (Some(t), Some(h)) => h == t || under(h, t),
        (Some(t), None) => under(&host, t),
        (None, Some(h)) => under(&target, h),
        (None, None) => target == host,
    };
    if yes {
        Match::Yes
    } else {
        Match::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_and_wildcards() {
        assert_eq!(host_match("*", "mcr.microsoft.com"), Match::Yes);
        assert_eq!(
            host_match("MCR.microsoft.com.", "mcr.microsoft.com"),
            Match::Yes
        );
        assert_eq!(
            host_match("*.microsoft.com", "mcr.microsoft.com"),
            Match::Yes
        );
        assert_eq!(
            host_match("*.mcr.microsoft.com", "mcr.microsoft.com"),
            Match::No
        );
        assert_eq!(
            host_match("*.data.mcr.microsoft.com", "*.data.mcr.microsoft.com"),
            Match::Yes
        );
        assert_eq!(
            host_match(
                "westeurope.data.mcr.microsoft.com",
                "*.data.mcr.microsoft.com"
            ),
            Match::Yes
        );
        assert_eq!(
            host_match("mcr.microsoft.com", "*.data.mcr.microsoft.com"),
            Match::No
        );
    }

    #[test]
    fn ports() {
        assert_eq!(port_match("443", 443), Match::Yes);
        assert_eq!(port_match("400-500", 443), Match::Yes);
        assert_eq!(port_match("80", 443), Match::No);
        assert_eq!(port_match("$(port)", 443), Match::Maybe);
    }
}
