//! The network map as data: VNets with their address space to scale, subnets
//! with their attachments and capacity, clusters with their pod CIDR budget,
//! pools, NSGs and route tables. Resources refer to each other by index; the
//! page's script joins them (which pools use a subnet, which subnets an NSG).
//! Numbers the page shows are formatted here, so the page and the terminal
//! agree to the digit.

use ipnet::IpNet;
use serde_json::{json, Value};

use super::visible;
use crate::capacity::{self, Capacity, PodCidrBudget, SubnetCapacity};
use crate::model::{Field, Inventory, NodePool, ResourceId, Subnet, VirtualNetwork};
use crate::rules::{cluster_name, pool_name, shared::ranges::uses_pod_cidr, thousands};

/// Input text for the data: control characters made visible.
pub(super) fn text(s: &str) -> Value {
    Value::String(visible(s).into_owned())
}

fn name_or(f: &Field<String>, address: &str) -> Value {
    text(f.value().map_or(address, String::as_str))
}

/// A prefix as written, or `null` when unknown.
fn prefixes(list: &[Field<IpNet>]) -> Value {
    list.iter()
        .map(|p| {
            p.value()
                .map_or(Value::Null, |n| Value::String(n.to_string()))
        })
        .collect()
}

/// A reference to another resource: its index when it is in the inputs, its
/// name (a string) when it is not, `-1` when unknown, `null` when absent.
fn reference(linked: Option<usize>, field: &Field<ResourceId>) -> Value {
    if let Some(i) = linked {
        return json!(i);
    }
    match field {
        Field::Known(id, _) | Field::Default(id, _) => text(id.name()),
        Field::Unknown(_) => json!(-1),
        Field::Absent => Value::Null,
    }
}

/// `[name, prefixes, bars, peerings]`; a bar is `null` for an unknown prefix.
pub(super) fn vnets(inv: &Inventory) -> Value {
    let mut by_vnet = vec![Vec::new(); inv.vnets.len()];
    for (si, s) in inv.subnets.iter().enumerate() {
        if let Some(v) = s.vnet {
            by_vnet[v].push(si);
        }
    }
    inv.vnets
        .iter()
        .zip(&by_vnet)
        .map(|(v, subnets)| vnet(inv, v, subnets))
        .collect()
}

fn vnet(inv: &Inventory, v: &VirtualNetwork, subnets: &[usize]) -> Value {
    let bars: Vec<Value> = v
        .address_prefixes
        .iter()
        .map(|p| {
            p.value()
                .map_or(Value::Null, |net| space_bar(inv, net, subnets))
        })
        .collect();
    // A peering always has another side: one the inputs do not name is unknown, not absent.
    let peerings: Vec<Value> = v
        .peerings
        .iter()
        .map(|p| match reference(p.remote_vnet, &p.remote_vnet_id) {
            Value::Null => json!(-1),
            r => r,
        })
        .collect();
    json!([
        name_or(&v.name, &v.address),
        prefixes(&v.address_prefixes),
        bars,
        peerings
    ])
}

/// Start and size of a prefix as numbers, IPv4 and IPv6 alike.
fn bounds(net: &IpNet) -> (u128, u128) {
    match net {
        IpNet::V4(n) => (
            u128::from(u32::from(n.network())),
            1u128 << (32 - n.prefix_len()),
        ),
        IpNet::V6(n) => (
            u128::from(n.network()),
            1u128
                .checked_shl(128 - u32::from(n.prefix_len()))
                .unwrap_or(u128::MAX),
        ),
    }
}

/// A percentage rounded to what the page draws, so the data stays short.
fn percent(part: u128, whole: u128) -> f64 {
    (part as f64 / whole as f64 * 100_000.0).round() / 1000.0
}

/// `[prefix, first address, last address, addresses in subnets, size,
/// segments]`, a segment `[subnet, prefix, left %, width %]`.
fn space_bar(inv: &Inventory, net: &IpNet, subnets: &[usize]) -> Value {
    let (start, size) = bounds(net);
    let mut used: u128 = 0;
    let mut segments = Vec::new();
    for &si in subnets {
        for p in inv.subnets[si]
            .address_prefixes
            .iter()
            .filter_map(Field::value)
        {
            if !net.contains(p) {
                continue;
            }
            let (ps, psize) = bounds(p);
            used = used.saturating_add(psize);
            segments.push(json!([
                si,
                p.to_string(),
                percent(ps - start, size),
                percent(psize, size)
            ]));
        }
    }
    json!([
        net.to_string(),
        net.network().to_string(),
        net.broadcast().to_string(),
        big(used.min(size)),
        big(size),
        segments
    ])
}

fn big(n: u128) -> String {
    i64::try_from(n).map_or_else(|_| n.to_string(), thousands)
}

/// `idle` (no pool uses it), `unk`, `bad` (does not fit), `warn` (fits only
/// while nodes are not full) or `ok`.
fn state_class(c: Option<&SubnetCapacity>) -> &'static str {
    match c {
        None => "idle",
        Some(c) => match c.fits() {
            None => "unk",
            Some(false) => "bad",
            Some(true) if c.usable.is_some_and(|u| c.needed_full > u) => "warn",
            Some(true) => "ok",
        },
    }
}

/// `[name, prefixes, vnet, state, nsg, route table, delegations, capacity]`.
pub(super) fn subnets(inv: &Inventory, cap: &Capacity) -> Value {
    let mut caps: Vec<Option<&SubnetCapacity>> = vec![None; inv.subnets.len()];
    for c in &cap.subnets {
        if let Some(slot) = caps.get_mut(c.subnet) {
            *slot = Some(c);
        }
    }
    inv.subnets
        .iter()
        .zip(caps)
        .map(|(s, c)| {
            let delegations: Vec<Value> = s
                .delegations
                .iter()
                .map(|d| d.value().map_or(Value::Null, |v| text(v)))
                .collect();
            json!([
                text(&s.display_name()),
                prefixes(&s.address_prefixes),
                s.vnet,
                state_class(c),
                reference(s.nsg, &s.nsg_id),
                reference(s.route_table, &s.route_table_id),
                delegations,
                c.map_or(Value::Null, |c| capacity_cell(s, c))
            ])
        })
        .collect()
}

/// `251 usable = 2^(32 − 24) − 5`, or the sum over several prefixes.
fn usable_text(s: &Subnet, usable: i64) -> String {
    let v4: Vec<u8> = s
        .address_prefixes
        .iter()
        .filter_map(|p| match p.value() {
            Some(IpNet::V4(n)) => Some(n.prefix_len()),
            _ => None,
        })
        .collect();
    match v4.as_slice() {
        [p] => format!("{} usable = 2^(32 − {p}) − 5", thousands(usable)),
        _ => format!(
            "{} usable = Σ (2^(32 − prefix) − 5) over {} prefixes",
            thousands(usable),
            v4.len()
        ),
    }
}

/// How full a meter is drawn, in percent of what is available.
fn meter_width(needed: i64, of: Option<i64>) -> f64 {
    match of {
        Some(u) if u > 0 => ((needed as f64 / u as f64 * 1000.0).round() / 10.0).min(100.0),
        Some(_) => 100.0,
        None => 0.0,
    }
}

/// `[meter %, needed, usable, headroom, needed when every node is full,
/// smallest prefix that fits, arithmetic lines]`; numbers as the page shows
/// them (`at least 1,234`, `unknown`), `null` for a part not shown.
fn capacity_cell(s: &Subnet, c: &SubnetCapacity) -> Value {
    let mut lines: Vec<Value> = c
        .demands
        .iter()
        .map(|d| match d.max_nodes_that_fit {
            Some(n) => format!(
                "{}: {} (fits up to {} nodes)",
                d.label,
                d.arithmetic,
                thousands(n)
            ),
            None => format!("{}: {}", d.label, d.arithmetic),
        })
        .map(|l| text(&l))
        .collect();
    if c.incomplete {
        lines.push(json!("some pool's need is unknown: not counted"));
    }
    lines.push(match c.usable {
        Some(u) => text(&usable_text(s, u)),
        None => json!("usable addresses unknown: a prefix is unknown"),
    });
    let at_least = if c.incomplete { "at least " } else { "" };
    json!([
        meter_width(c.needed, c.usable),
        format!("{at_least}{}", thousands(c.needed)),
        c.usable.map_or_else(|| "unknown".to_string(), thousands),
        c.headroom.map(thousands),
        (c.needed_full != c.needed).then(|| thousands(c.needed_full)),
        c.smallest_prefix.filter(|_| c.fits() == Some(false)),
        lines
    ])
}

fn count_text(f: &Field<i64>) -> String {
    match f {
        Field::Known(n, _) => thousands(*n),
        Field::Default(n, _) => format!("{} (default)", thousands(*n)),
        Field::Unknown(_) => "unknown".into(),
        Field::Absent => "not set".into(),
    }
}

/// `[name, label, cluster, nodes, count field, maxPods, node subnet, pod
/// subnet, node subnet unknown]`.
pub(super) fn pools(inv: &Inventory) -> Value {
    inv.pools.iter().map(|p| pool(inv, p)).collect()
}

fn pool(inv: &Inventory, p: &NodePool) -> Value {
    let field = if p.enable_auto_scaling.value() == Some(&true) {
        "maxCount"
    } else {
        "count"
    };
    let cluster = p.cluster.filter(|&c| c < inv.clusters.len());
    json!([
        text(&pool_name(p)),
        text(&capacity::pool_label(inv, p)),
        cluster,
        text(&count_text(&p.max_nodes())),
        field,
        text(&count_text(&p.max_pods)),
        p.subnet,
        p.pod_subnet,
        p.subnet.is_none() && p.vnet_subnet_id.is_unknown()
    ])
}

/// `[name, pod addresses, pod CIDR budget]`; the budget is `-1` when the
/// cluster uses a pod CIDR of unknown size, `null` when pods take subnet
/// addresses.
pub(super) fn clusters(inv: &Inventory, cap: &Capacity) -> Value {
    let mut budgets: Vec<Option<&PodCidrBudget>> = vec![None; inv.clusters.len()];
    for b in &cap.pod_cidrs {
        if let Some(slot) = budgets.get_mut(b.cluster) {
            *slot = Some(b);
        }
    }
    inv.clusters
        .iter()
        .zip(budgets)
        .map(|(c, b)| {
            let budget = match b {
                Some(b) => pod_cidr_cell(b),
                None if uses_pod_cidr(c) => json!(-1),
                None => Value::Null,
            };
            json!([
                text(&cluster_name(c)),
                c.ipam_mode.map(|m| m.describe()),
                budget
            ])
        })
        .collect()
}

/// `[meter %, fits, nodes needed, nodes it holds, pod CIDR, smallest prefix,
/// arithmetic lines]`.
fn pod_cidr_cell(b: &PodCidrBudget) -> Value {
    let fits = b.nodes_needed <= b.nodes_it_holds;
    let mut lines: Vec<Value> = b
        .pools
        .iter()
        .map(|p| {
            text(&format!(
                "{}: {} = {}",
                p.label,
                p.arithmetic,
                thousands(p.nodes)
            ))
        })
        .collect();
    lines.push(text(&format!("{}: {}", b.pod_cidr, b.arithmetic)));
    let at_least = if b.incomplete { "at least " } else { "" };
    json!([
        meter_width(b.nodes_needed, Some(b.nodes_it_holds)),
        fits,
        format!("{at_least}{}", thousands(b.nodes_needed)),
        thousands(b.nodes_it_holds),
        text(&b.pod_cidr),
        b.smallest_prefix.filter(|_| !fits),
        lines
    ])
}

/// NSGs `[name, rules]` and route tables `[name, routes]`.
pub(super) fn attached(inv: &Inventory) -> (Value, Value) {
    let nsgs = inv
        .nsgs
        .iter()
        .map(|n| json!([name_or(&n.name, &n.address), n.rules.len()]))
        .collect();
    let route_tables = inv
        .route_tables
        .iter()
        .map(|r| json!([name_or(&r.name, &r.address), r.routes.len()]))
        .collect();
    (nsgs, route_tables)
}
