//! The network map: VNets with their address space to scale, subnets with what
//! uses them and their capacity bars, clusters with their pod CIDR budget, and
//! the NSGs and route tables findings can point at.

use std::collections::HashMap;

use ipnet::IpNet;

use super::{w, Anchors, Esc, Page};
use crate::capacity::{Capacity, PodCidrBudget, SubnetCapacity};
use crate::model::{Field, Inventory, PoolIdx, ResourceId, Subnet, SubnetIdx};
use crate::rules::{cluster_name, pool_name, thousands};

/// More VNets (or clusters) than this start collapsed, so a large estate opens quickly.
const OPEN_LIMIT: usize = 20;

struct Lookup<'a> {
    subnet_cap: HashMap<SubnetIdx, &'a SubnetCapacity>,
    pod_cidr: HashMap<usize, &'a PodCidrBudget>,
    node_pools: Vec<Vec<PoolIdx>>,
    pod_pools: Vec<Vec<PoolIdx>>,
}

pub(super) fn render(out: &mut String, page: &Page<'_>, anchors: &Anchors<'_>, cap: &Capacity) {
    let inv = page.inventory;
    let mut node_pools = vec![Vec::new(); inv.subnets.len()];
    let mut pod_pools = vec![Vec::new(); inv.subnets.len()];
    for (pi, p) in inv.pools.iter().enumerate() {
        if let Some(s) = p.subnet {
            node_pools[s].push(pi);
        }
        if let Some(s) = p.pod_subnet {
            pod_pools[s].push(pi);
        }
    }
    let look = Lookup {
        subnet_cap: cap.subnets.iter().map(|s| (s.subnet, s)).collect(),
        pod_cidr: cap.pod_cidrs.iter().map(|p| (p.cluster, p)).collect(),
        node_pools,
        pod_pools,
    };
    let mut by_vnet: Vec<Vec<SubnetIdx>> = vec![Vec::new(); inv.vnets.len()];
    let mut orphans = Vec::new();
    for (si, s) in inv.subnets.iter().enumerate() {
        match s.vnet {
            Some(v) => by_vnet[v].push(si),
            None => orphans.push(si),
        }
    }
    out.push_str("<main>\n<section id=\"map\">\n<h2>Network map</h2>\n");
    if inv.vnets.is_empty() && orphans.is_empty() {
        out.push_str(
            "<p class=\"none\">No virtual network or subnet was found in the inputs.</p>\n",
        );
    }
    let open = inv.vnets.len() <= OPEN_LIMIT;
    for (vi, subnets) in by_vnet.iter().enumerate() {
        vnet(out, inv, vi, subnets, open, anchors, &look);
    }
    if !orphans.is_empty() {
        w!(
            out,
            "<details class=\"vnet\" id=\"v-none\"{}>\n<summary><b>Subnets whose VNet is not in the inputs</b> · {}</summary>\n<div class=\"body\">\n",
            if open { " open" } else { "" },
            plural(orphans.len(), "subnet")
        );
        subnet_table(out, inv, &orphans, anchors, &look);
        out.push_str("</div>\n</details>\n");
    }
    out.push_str("</section>\n");
    clusters(out, inv, anchors, &look);
    nsgs_and_route_tables(out, inv, anchors);
}

/// `1 subnet`, `3 subnets`.
fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn name_or(f: &Field<String>, address: &str) -> String {
    f.value().cloned().unwrap_or_else(|| address.to_string())
}

fn vnet(
    out: &mut String,
    inv: &Inventory,
    vi: usize,
    subnets: &[SubnetIdx],
    open: bool,
    anchors: &Anchors<'_>,
    look: &Lookup<'_>,
) {
    let v = &inv.vnets[vi];
    let name = name_or(&v.name, &v.address);
    let bad = subnets
        .iter()
        .any(|s| look.subnet_cap.get(s).and_then(|c| c.fits()) == Some(false));
    w!(
        out,
        "<details class=\"vnet{}\" id=\"v{vi}\" data-name=\"{}\"{}>\n<summary><b>{}</b> ",
        if bad { " bad" } else { "" },
        Esc(&name.to_lowercase()),
        if open { " open" } else { "" },
        Esc(&name)
    );
    prefixes(out, &v.address_prefixes);
    w!(out, " · {} ", plural(subnets.len(), "subnet"));
    anchors.badge(out, &format!("v{vi}"));
    out.push_str("</summary>\n<div class=\"body\">\n");
    for p in &v.address_prefixes {
        match p.value() {
            Some(net) => space_bar(out, inv, net, subnets, look),
            None => out.push_str("<p class=\"unk\">Address space unknown: not drawn.</p>\n"),
        }
    }
    if v.address_prefixes.is_empty() {
        out.push_str("<p class=\"unk\">No address space in the inputs: not drawn.</p>\n");
    }
    if !v.peerings.is_empty() {
        out.push_str("<p class=\"peer\">Peered with ");
        for (i, p) in v.peerings.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            peer(out, inv, &p.remote_vnet_id, p.remote_vnet);
        }
        out.push_str("</p>\n");
    }
    subnet_table(out, inv, subnets, anchors, look);
    out.push_str("</div>\n</details>\n");
}

fn prefixes(out: &mut String, list: &[Field<IpNet>]) {
    if list.is_empty() {
        out.push_str("<code class=\"unk\">no prefix</code>");
    }
    for (i, p) in list.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        match p.value() {
            Some(net) => w!(out, "<code>{net}</code>"),
            None => out.push_str("<code class=\"unk\">unknown</code>"),
        }
    }
}

fn peer(out: &mut String, inv: &Inventory, remote: &Field<ResourceId>, linked: Option<usize>) {
    match remote.value() {
        Some(id) => match linked {
            Some(rv) => w!(
                out,
                "<a href=\"#v{rv}\">↔ {}</a>",
                Esc(&name_or(&inv.vnets[rv].name, &inv.vnets[rv].address))
            ),
            None => w!(
                out,
                "↔ {} <small>(not in the inputs)</small>",
                Esc(id.name())
            ),
        },
        None => out.push_str("↔ <span class=\"unk\">unknown</span>"),
    }
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

/// One bar for an address prefix of a VNet, each subnet at its offset and width.
fn space_bar(
    out: &mut String,
    inv: &Inventory,
    net: &IpNet,
    subnets: &[SubnetIdx],
    look: &Lookup<'_>,
) {
    let (start, size) = bounds(net);
    let mut used: u128 = 0;
    out.push_str("<div class=\"space\"><div class=\"bar\">");
    for &si in subnets {
        let s = &inv.subnets[si];
        let state = state_class(look.subnet_cap.get(&si).copied());
        for p in s.address_prefixes.iter().filter_map(Field::value) {
            let (ps, psize) = bounds(p);
            if !net.contains(p) {
                continue;
            }
            used = used.saturating_add(psize);
            let left = (ps - start) as f64 / size as f64 * 100.0;
            let width = psize as f64 / size as f64 * 100.0;
            w!(
                out,
                "<a class=\"seg {state}\" href=\"#s{si}\" style=\"left:{left:.3}%;width:{width:.3}%\" title=\"{} {p}\"></a>",
                Esc(&s.display_name())
            );
        }
    }
    let free = size.saturating_sub(used);
    w!(
        out,
        "</div><div class=\"ends\"><span>{}</span><span>{net}: {} of {} addresses in subnets</span><span>{}</span></div></div>\n",
        net.network(),
        big(size - free.min(size)),
        big(size),
        net.broadcast()
    );
}

fn big(n: u128) -> String {
    i64::try_from(n).map_or_else(|_| n.to_string(), thousands)
}

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

fn subnet_table(
    out: &mut String,
    inv: &Inventory,
    subnets: &[SubnetIdx],
    anchors: &Anchors<'_>,
    look: &Lookup<'_>,
) {
    if subnets.is_empty() {
        out.push_str("<p class=\"none\">No subnet of this VNet is in the inputs.</p>\n");
        return;
    }
    out.push_str("<table class=\"subnets\"><thead><tr><th>Subnet</th><th>Prefix</th><th>Used by</th><th>NSG</th><th>Route table</th><th>Delegation</th><th>Capacity at maximum scale</th></tr></thead><tbody>\n");
    for &si in subnets {
        let s = &inv.subnets[si];
        let c = look.subnet_cap.get(&si).copied();
        w!(
            out,
            "<tr id=\"s{si}\" class=\"{}\"><th>{} ",
            state_class(c),
            Esc(&s.display_name())
        );
        anchors.badge(out, &format!("s{si}"));
        out.push_str("</th><td>");
        prefixes(out, &s.address_prefixes);
        out.push_str("</td><td>");
        users(out, inv, &look.node_pools[si], "nodes");
        users(out, inv, &look.pod_pools[si], "pods");
        if look.node_pools[si].is_empty() && look.pod_pools[si].is_empty() {
            out.push_str("<span class=\"none\">no node pool</span>");
        }
        out.push_str("</td><td>");
        attached(out, inv, s, Attached::Nsg);
        out.push_str("</td><td>");
        attached(out, inv, s, Attached::RouteTable);
        out.push_str("</td><td>");
        delegations(out, s);
        out.push_str("</td><td>");
        match c {
            Some(c) => capacity_cell(out, s, c),
            None => out.push_str("<span class=\"none\">not a node or pod subnet</span>"),
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

fn users(out: &mut String, inv: &Inventory, pools: &[PoolIdx], what: &str) {
    for &pi in pools {
        let label = crate::capacity::pool_label(inv, &inv.pools[pi]);
        w!(
            out,
            "<a class=\"pool\" href=\"#p{pi}\">{}</a> <small>{what}</small><br>",
            Esc(&label)
        );
    }
}

#[derive(Clone, Copy)]
enum Attached {
    Nsg,
    RouteTable,
}

fn attached(out: &mut String, inv: &Inventory, s: &Subnet, which: Attached) {
    let (linked, field, prefix) = match which {
        Attached::Nsg => (s.nsg, &s.nsg_id, 'n'),
        Attached::RouteTable => (s.route_table, &s.route_table_id, 't'),
    };
    if let Some(i) = linked {
        let name = match which {
            Attached::Nsg => name_or(&inv.nsgs[i].name, &inv.nsgs[i].address),
            Attached::RouteTable => {
                name_or(&inv.route_tables[i].name, &inv.route_tables[i].address)
            }
        };
        w!(out, "<a href=\"#{prefix}{i}\">{}</a>", Esc(&name));
        return;
    }
    match field {
        Field::Known(id, _) | Field::Default(id, _) => {
            w!(out, "{} <small>(not in the inputs)</small>", Esc(id.name()))
        }
        Field::Unknown(_) => out.push_str("<span class=\"unk\">unknown</span>"),
        Field::Absent => out.push_str("<span class=\"none\">none</span>"),
    }
}

fn delegations(out: &mut String, s: &Subnet) {
    if s.delegations.is_empty() {
        out.push_str("<span class=\"none\">none</span>");
    }
    for (i, d) in s.delegations.iter().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        match d.value() {
            Some(v) => w!(out, "{}", Esc(v)),
            None => out.push_str("<span class=\"unk\">unknown</span>"),
        }
    }
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

fn meter(out: &mut String, class: &str, needed: i64, of: Option<i64>, title: &str) {
    let width = match of {
        Some(u) if u > 0 => (needed as f64 / u as f64 * 100.0).min(100.0),
        Some(_) => 100.0,
        None => 0.0,
    };
    w!(
        out,
        "<div class=\"meter {class}\" title=\"{}\"><i style=\"width:{width:.1}%\"></i></div>",
        Esc(title)
    );
}

fn capacity_cell(out: &mut String, s: &Subnet, c: &SubnetCapacity) {
    let state = state_class(Some(c));
    let at_least = if c.incomplete { "at least " } else { "" };
    let mut lines: Vec<String> = c
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
        .collect();
    if c.incomplete {
        lines.push("some pool's need is unknown: not counted".into());
    }
    match c.usable {
        Some(u) => lines.push(usable_text(s, u)),
        None => lines.push("usable addresses unknown: a prefix is unknown".into()),
    }
    meter(out, state, c.needed, c.usable, &lines.join("\n"));
    let usable = c.usable.map_or_else(|| "unknown".to_string(), thousands);
    w!(
        out,
        "<div class=\"nums\"><b class=\"need\">{at_least}{}</b> needed of <b class=\"usable\">{usable}</b> usable",
        thousands(c.needed)
    );
    if let Some(h) = c.headroom {
        w!(out, " · headroom <b class=\"head\">{}</b>", thousands(h));
    }
    if c.needed_full != c.needed {
        w!(
            out,
            " · {} when every node is full",
            thousands(c.needed_full)
        );
    }
    if c.fits() == Some(false) {
        if let Some(p) = c.smallest_prefix {
            w!(out, " · needs a /{p}");
        }
    }
    out.push_str("</div><ul class=\"arith\">");
    for l in &lines {
        w!(out, "<li>{}</li>", Esc(l));
    }
    out.push_str("</ul>");
}

fn clusters(out: &mut String, inv: &Inventory, anchors: &Anchors<'_>, look: &Lookup<'_>) {
    out.push_str("<section id=\"clusters\">\n<h2>Clusters</h2>\n");
    if inv.clusters.is_empty() && inv.pools.is_empty() {
        out.push_str("<p class=\"none\">No cluster was found in the inputs.</p>\n</section>\n");
        return;
    }
    let open = inv.clusters.len() <= OPEN_LIMIT;
    w!(
        out,
        "<details class=\"list\"{}><summary>{}, {}</summary>\n",
        if open { " open" } else { "" },
        plural(inv.clusters.len(), "cluster"),
        plural(inv.pools.len(), "node pool")
    );
    out.push_str("<table class=\"clusters\"><thead><tr><th>Cluster</th><th>Pod addresses</th><th>Node pools</th><th>Pod CIDR budget (one /24 per node)</th></tr></thead><tbody>\n");
    let mut pools_of: Vec<Vec<PoolIdx>> = vec![Vec::new(); inv.clusters.len()];
    let mut loose = Vec::new();
    for (pi, p) in inv.pools.iter().enumerate() {
        match p.cluster {
            Some(c) if c < pools_of.len() => pools_of[c].push(pi),
            _ => loose.push(pi),
        }
    }
    for (ci, c) in inv.clusters.iter().enumerate() {
        let name = cluster_name(c);
        w!(
            out,
            "<tr id=\"c{ci}\" data-name=\"{}\"><th>{} ",
            Esc(&name.to_lowercase()),
            Esc(&name)
        );
        anchors.badge(out, &format!("c{ci}"));
        out.push_str("</th><td>");
        match c.ipam_mode {
            Some(m) => w!(out, "{}", m.describe()),
            None => out.push_str("<span class=\"unk\">unknown</span>"),
        }
        out.push_str("</td><td>");
        for &pi in &pools_of[ci] {
            pool(out, inv, pi, anchors);
        }
        out.push_str("</td><td>");
        match look.pod_cidr.get(&ci) {
            Some(b) => pod_cidr_cell(out, b),
            None if crate::rules::shared::ranges::uses_pod_cidr(c) => {
                out.push_str("<span class=\"unk\">unknown</span>")
            }
            None => out.push_str("<span class=\"none\">pods take subnet addresses</span>"),
        }
        out.push_str("</td></tr>\n");
    }
    if !loose.is_empty() {
        out.push_str("<tr><th>Pools whose cluster is not in the inputs</th><td></td><td>");
        for &pi in &loose {
            pool(out, inv, pi, anchors);
        }
        out.push_str("</td><td></td></tr>\n");
    }
    out.push_str("</tbody></table>\n</details>\n</section>\n");
}

fn count_text(f: &Field<i64>) -> String {
    match f {
        Field::Known(n, _) => thousands(*n),
        Field::Default(n, _) => format!("{} (default)", thousands(*n)),
        Field::Unknown(_) => "unknown".into(),
        Field::Absent => "not set".into(),
    }
}

fn pool(out: &mut String, inv: &Inventory, pi: PoolIdx, anchors: &Anchors<'_>) {
    let p = &inv.pools[pi];
    let field = if p.enable_auto_scaling.value() == Some(&true) {
        "maxCount"
    } else {
        "count"
    };
    w!(
        out,
        "<div class=\"pool\" id=\"p{pi}\"><b>{}</b> {} nodes ({field}) · maxPods {}",
        Esc(&pool_name(p)),
        Esc(&count_text(&p.max_nodes())),
        Esc(&count_text(&p.max_pods))
    );
    for (label, s) in [("nodes in", p.subnet), ("pods in", p.pod_subnet)] {
        if let Some(si) = s {
            w!(
                out,
                " · {label} <a href=\"#s{si}\">{}</a>",
                Esc(&inv.subnets[si].display_name())
            );
        }
    }
    if p.subnet.is_none() && p.vnet_subnet_id.is_unknown() {
        out.push_str(" · nodes in <span class=\"unk\">unknown subnet</span>");
    }
    out.push(' ');
    anchors.badge(out, &format!("p{pi}"));
    out.push_str("</div>");
}

fn pod_cidr_cell(out: &mut String, b: &PodCidrBudget) {
    let bad = b.nodes_needed > b.nodes_it_holds;
    let mut lines: Vec<String> = b
        .pools
        .iter()
        .map(|p| format!("{}: {} = {}", p.label, p.arithmetic, thousands(p.nodes)))
        .collect();
    lines.push(format!("{}: {}", b.pod_cidr, b.arithmetic));
    meter(
        out,
        if bad { "bad" } else { "ok" },
        b.nodes_needed,
        Some(b.nodes_it_holds),
        &lines.join("\n"),
    );
    let at_least = if b.incomplete { "at least " } else { "" };
    w!(
        out,
        "<div class=\"nums\"><b class=\"need\">{at_least}{}</b> nodes of <b class=\"usable\">{}</b> in <code>{}</code>",
        thousands(b.nodes_needed),
        thousands(b.nodes_it_holds),
        Esc(&b.pod_cidr)
    );
    if bad {
        if let Some(p) = b.smallest_prefix {
            w!(out, " · needs a /{p}");
        }
    }
    out.push_str("</div><ul class=\"arith\">");
    for l in &lines {
        w!(out, "<li>{}</li>", Esc(l));
    }
    out.push_str("</ul>");
}

fn nsgs_and_route_tables(out: &mut String, inv: &Inventory, anchors: &Anchors<'_>) {
    if inv.nsgs.is_empty() && inv.route_tables.is_empty() {
        return;
    }
    let mut nsg_subnets = vec![Vec::new(); inv.nsgs.len()];
    let mut rt_subnets = vec![Vec::new(); inv.route_tables.len()];
    for (si, s) in inv.subnets.iter().enumerate() {
        if let Some(n) = s.nsg {
            nsg_subnets[n].push(si);
        }
        if let Some(r) = s.route_table {
            rt_subnets[r].push(si);
        }
    }
    let open = inv.nsgs.len() + inv.route_tables.len() <= OPEN_LIMIT;
    w!(
        out,
        "<section id=\"attached\">\n<h2>NSGs and route tables</h2>\n<details class=\"list\"{}><summary>{}, {}</summary>\n<ul class=\"attached\">\n",
        if open { " open" } else { "" },
        plural(inv.nsgs.len(), "NSG"),
        plural(inv.route_tables.len(), "route table")
    );
    let mut item = |id: String, kind: &str, name: String, what: String, subnets: &[SubnetIdx]| {
        w!(out, "<li id=\"{id}\">{kind} <b>{}</b> · {what}", Esc(&name));
        for &si in subnets {
            w!(
                out,
                " · <a href=\"#s{si}\">{}</a>",
                Esc(&inv.subnets[si].display_name())
            );
        }
        out.push(' ');
        anchors.badge(out, &id);
        out.push_str("</li>\n");
    };
    for (i, n) in inv.nsgs.iter().enumerate() {
        item(
            format!("n{i}"),
            "NSG",
            name_or(&n.name, &n.address),
            plural(n.rules.len(), "rule"),
            &nsg_subnets[i],
        );
    }
    for (i, r) in inv.route_tables.iter().enumerate() {
        item(
            format!("t{i}"),
            "Route table",
            name_or(&r.name, &r.address),
            plural(r.routes.len(), "route"),
            &rt_subnets[i],
        );
    }
    out.push_str("</ul>\n</details>\n</section>\n");
}
