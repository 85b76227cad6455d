use std::collections::{HashMap, HashSet};

use super::nsg_common::{
    cluster_name, describe_rule, known_prefixes, nsg_name, public_v4_prefixes,
};
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::{Label, Severity};
use crate::model::nsg::{evaluate, Decider, Direction, Flow, NsgContext, PortRange, Protocol};
use crate::model::{Field, Inventory, PoolIdx, SecurityRule, SubnetIdx};

declare_rule! {
    /// ## What it checks
    /// An inbound rule on the NSG of a node subnet that allows TCP 22 (SSH) or 3389
    /// (RDP) from anywhere — source `Internet`, `*`, `Any` or `0.0.0.0/0` — and
    /// that actually decides traffic from the Internet to the subnet (a
    /// higher-priority deny that shadows it is taken into account). A warning; an
    /// error when a pool in the subnet has node public IPs (`enableNodePublicIP`),
    /// because then every node is reachable from the Internet on that port.
    ///
    /// ## Why it matters
    /// SSH and RDP open to the Internet are brute-forced within minutes. AKS needs
    /// neither from outside: node access goes through `kubectl debug`, the Azure
    /// Bastion, or a jump host in the VNet. Without node public IPs the rule is still
    /// one load balancer rule or public IP away from exposing the nodes (F-100).
    ///
    /// ## How to fix
    /// Remove the rule, or restrict its source to the addresses of your jump host or
    /// Azure Bastion subnet. Turn off node public IPs unless a workload needs them.
    ///
    /// ## Example
    /// ```json
    /// { "name": "allow-ssh-from-bastion",
    ///   "properties": { "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
    ///     "sourceAddressPrefix": "10.0.1.0/26", "sourcePortRange": "*",
    ///     "destinationAddressPrefix": "*", "destinationPortRange": "22" } }
    /// ```
    pub struct NsgExposesManagementPorts {
        code: "AKS503",
        name: "nsg-exposes-management-ports",
        category: Security,
        severity: Warning,
        summary: "A node subnet NSG allows SSH or RDP from the Internet",
    }
}

impl Rule for NsgExposesManagementPorts {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let public = public_v4_prefixes();
        let mut reported: HashSet<(usize, usize)> = HashSet::new();
        let exposed = public_ip_pools(inv);
        for si in node_subnets(inv) {
            let Some(ni) = inv.subnets[si].nsg else {
                continue;
            };
            let nsg = &inv.nsgs[ni];
            // Only a rule open to anywhere can be reported: skip the flow evaluation
            // (dozens of public prefixes per subnet) when the NSG has none.
            if !nsg.rules.iter().any(may_open_inbound) {
                continue;
            }
            let ctx = NsgContext::for_subnet(inv, si);
            for port in [22, 3389] {
                for dst in known_prefixes(inv, si).unwrap_or_default() {
                    for src in public {
                        let flow = Flow::new(
                            Direction::Inbound,
                            Protocol::Tcp,
                            *src,
                            dst,
                            PortRange::single(port),
                        );
                        let v = evaluate(nsg, &ctx, &flow);
                        for by in v.allowing() {
                            let Decider::Rule(ri) = by else { continue };
                            let Some(open) = open_source(&nsg.rules[ri]) else {
                                continue;
                            };
                            if !reported.insert((ni, ri)) {
                                continue;
                            }
                            let exposed = exposed.get(&si).map_or(&[][..], Vec::as_slice);
                            report(inv, cx, (si, ni, ri), exposed, open, port);
                        }
                    }
                }
            }
        }
    }
}

/// A rule that could allow inbound traffic from anywhere: open source, and not
/// known to deny or to apply outbound.
fn may_open_inbound(rule: &SecurityRule) -> bool {
    let known_is =
        |f: &Field<String>, v: &str| f.known().is_some_and(|x| x.eq_ignore_ascii_case(v));
    open_source(rule).is_some()
        && !known_is(&rule.access, "Deny")
        && !known_is(&rule.direction, "Outbound")
}

/// Subnets that host nodes of some pool, each once, in pool order (marked
/// by index: a search of the list per pool is quadratic in big estates).
fn node_subnets(inv: &Inventory) -> Vec<SubnetIdx> {
    let mut seen = vec![false; inv.subnets.len()];
    inv.pools
        .iter()
        .filter_map(|p| p.subnet)
        .filter(|&s| !std::mem::replace(&mut seen[s], true))
        .collect()
}

/// The rule's source item that means "anywhere".
fn open_source(rule: &SecurityRule) -> Option<usize> {
    rule.source_prefixes.iter().position(|f| {
        f.value().is_some_and(|t| {
            let t = t.trim();
            ["Internet", "*", "Any", "0.0.0.0/0"]
                .iter()
                .any(|o| t.eq_ignore_ascii_case(o))
        })
    })
}

/// Subnet → its pools whose nodes have public IPs, in pool order (grouped
/// once: a scan of all pools per finding is quadratic in big estates).
fn public_ip_pools(inv: &Inventory) -> HashMap<SubnetIdx, Vec<PoolIdx>> {
    let mut out: HashMap<SubnetIdx, Vec<PoolIdx>> = HashMap::new();
    for (p, pool) in inv.pools.iter().enumerate() {
        if let Some(si) = pool.subnet {
            if pool.enable_node_public_ip.known() == Some(&true) {
                out.entry(si).or_default().push(p);
            }
        }
    }
    out
}

/// Reports rule `ri` of NSG `ni` on subnet `si`; `exposed` are the subnet's
/// pools with node public IPs.
fn report(
    inv: &Inventory,
    cx: &mut Context<'_>,
    (si, ni, ri): (SubnetIdx, usize, usize),
    exposed: &[PoolIdx],
    open: usize,
    port: u16,
) {
    let nsg = &inv.nsgs[ni];
    let rule = &nsg.rules[ri];
    let source = &rule.source_prefixes[open];
    let span = source.span().unwrap_or(rule.decl);
    let service = if port == 22 { "SSH" } else { "RDP" };
    let severity = if exposed.is_empty() {
        Severity::Warning
    } else {
        Severity::Error
    };
    let subnet = &inv.subnets[si];
    let tail = if exposed.is_empty() {
        String::new()
    } else {
        ", and its nodes have public IPs".to_string()
    };
    let d = cx.report_at(
        severity,
        span,
        format!(
            "rule {} of NSG `{}` allows {service} (TCP {port}) from `{}` to node subnet `{}`{tail}",
            describe_rule(nsg, ri),
            nsg_name(nsg),
            source.value().cloned().unwrap_or_default(),
            subnet.display_name(),
        ),
        format!("{service} open to the Internet"),
    );
    d.labels.push(Label::new(
        subnet.nsg_id.span().unwrap_or_else(|| subnet.prefix_span()),
        format!("the NSG sits on node subnet `{}`", subnet.display_name()),
    ));
    for &p in exposed {
        let pool = &inv.pools[p];
        let owner = inv
            .pool_cluster(pool)
            .map(|c| format!(" of cluster `{}`", cluster_name(c)))
            .unwrap_or_default();
        d.labels.push(Label::new(
            pool.enable_node_public_ip.span().unwrap_or(pool.decl),
            format!(
                "node pool `{}`{owner} gives every node a public IP",
                pool.display_name()
            ),
        ));
    }
    d.help = Some(format!("remove the rule or limit its source to your jump host or Azure Bastion subnet; reach nodes with `kubectl debug` instead of {service}"));
    d.resource = Some(nsg.address.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::nsg::nsg_common::fixtures::{cluster, nsg, rule, subnet, vnet};
    use crate::rules::testing::{check, primary_text};

    fn run(pool: &str, rules: &[String]) -> Vec<(Severity, String)> {
        let v = vnet(&[subnet("nodes", "10.240.0.0/22")], "");
        let c = cluster(r#""networkPlugin":"azure""#, pool, "");
        let (src, d) = check(
            &NsgExposesManagementPorts,
            &[&v, &nsg("nsg-nodes", rules), &c],
        );
        d.iter()
            .map(|x| {
                (
                    x.severity,
                    format!("{} | {}", primary_text(&src, x), x.message),
                )
            })
            .collect()
    }

    #[test]
    fn ssh_from_internet_is_a_warning_and_an_error_with_node_public_ips() {
        let ssh = rule(
            "allow-ssh",
            100,
            "Inbound",
            "Allow",
            "Tcp",
            "Internet",
            "*",
            "22",
        );
        let d = run("", std::slice::from_ref(&ssh));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].0, Severity::Warning);
        assert!(d[0].1.starts_with("\"Internet\""), "{}", d[0].1);
        let d = run(r#","enableNodePublicIP":true"#, &[ssh]);
        assert_eq!(d[0].0, Severity::Error);
    }

    #[test]
    fn rdp_from_star_within_a_range_is_flagged() {
        let rdp = rule(
            "allow-mgmt",
            100,
            "Inbound",
            "Allow",
            "*",
            "*",
            "*",
            "3000-4000",
        );
        assert_eq!(run("", &[rdp]).len(), 1);
    }

    #[test]
    fn restricted_or_shadowed_rules_pass() {
        let bastion = rule(
            "allow-ssh",
            100,
            "Inbound",
            "Allow",
            "Tcp",
            "10.0.1.0/26",
            "*",
            "22",
        );
        assert!(run("", &[bastion]).is_empty());
        let deny = rule(
            "deny-ssh", 100, "Inbound", "Deny", "Tcp", "Internet", "*", "22",
        );
        let allow = rule("allow-ssh", 200, "Inbound", "Allow", "Tcp", "*", "*", "22");
        assert!(run("", &[deny, allow]).is_empty());
        let https = rule(
            "allow-https",
            100,
            "Inbound",
            "Allow",
            "Tcp",
            "Internet",
            "*",
            "443",
        );
        assert!(run("", &[https]).is_empty());
    }
}
