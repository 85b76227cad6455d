use std::collections::HashMap;

use super::ranges::{known_nets, peered_ranges, same_file, vnet_name};
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use ipnet::IpNet;

use crate::model::{cidr, Inventory, SubnetIdx};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// Whether two subnets of one VNet have overlapping prefixes, and whether two
    /// VNets peered with each other have overlapping address spaces (F-068). A
    /// peered VNet's address space comes from the VNet itself when it is among the
    /// inputs, else from the peering's copy of it. Two subnets are compared only
    /// when they come from the same file, so that exports of different estates
    /// sharing placeholder ids are not mixed up.
    ///
    /// ## Why it matters
    /// Azure refuses overlapping subnets in one VNet and peerings between VNets
    /// whose address spaces overlap. Where such a state exists anyway (the address
    /// space was extended after peering), traffic for the shared range goes to
    /// the wrong network. AKS nodes, pods and load balancers in the overlapping
    /// range are unreachable from one side.
    ///
    /// ## How to fix
    /// Give each subnet its own range inside the VNet, and give peered VNets
    /// disjoint address spaces — plan one address map for the hub, the spokes and
    /// on-premises networks.
    ///
    /// ## Example
    /// ```json
    /// "subnets": [
    ///   { "name": "snet-aks-nodes", "properties": { "addressPrefix": "10.240.0.0/22" } },
    ///   { "name": "snet-aks-pods",  "properties": { "addressPrefix": "10.240.4.0/22" } }
    /// ]
    /// ```
    /// instead of a pod subnet of `10.240.2.0/23`, which lies inside the node subnet.
    pub struct SubnetOverlap {
        code: "AKS111",
        name: "subnet-overlap",
        category: IpPlanning,
        severity: Error,
        summary: "Two subnets of one VNet, or two peered VNets, overlap",
    }
}

impl Rule for SubnetOverlap {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (vi, vnet) in inv.vnets.iter().enumerate() {
            let vname = vnet_name(inv, vi);
            for pair in overlapping_prefixes(inv, &vnet.subnets) {
                let (sa, sb) = (&inv.subnets[pair.a.subnet], &inv.subnets[pair.b.subnet]);
                // Subnets from different files may describe different estates that
                // share placeholder ids; one subnet described twice is not an overlap.
                if !same_file(sa.prefix_span(), sb.prefix_span()) {
                    continue;
                }
                if let (Some(x), Some(y)) = (sa.name.value(), sb.name.value()) {
                    if x.eq_ignore_ascii_case(y) {
                        continue;
                    }
                }
                let (na, spa, nb, spb) = (pair.a.net, pair.a.span, pair.b.net, pair.b.span);
                let d = cx.report(
                    spb,
                    format!(
                        "subnet `{}` ({nb}) overlaps subnet `{}` ({na}) in VNet `{vname}`",
                        sb.display_name(),
                        sa.display_name()
                    ),
                    "overlapping prefix",
                );
                d.labels
                    .push(Label::new(spa, format!("subnet `{}`", sa.display_name())));
                d.help = Some("give each subnet its own range inside the VNet".into());
                d.resource = Some(sb.address.clone());
            }
        }
        self.check_peerings(inv, cx);
    }
}

impl SubnetOverlap {
    fn check_peerings(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // Which side reports a pair of VNets in the inputs: the first seen.
        let mut reporter: HashMap<(usize, usize), usize> = HashMap::new();
        for (vi, vnet) in inv.vnets.iter().enumerate() {
            let vname = vnet_name(inv, vi);
            for peer in peered_ranges(inv, vi) {
                if let Some(ri) = peer.vnet {
                    // Each pair of VNets in the inputs once, whichever side declares the peering.
                    if *reporter.entry((vi.min(ri), vi.max(ri))).or_insert(vi) != vi {
                        continue;
                    }
                }
                for (net, span) in known_nets(&vnet.address_prefixes) {
                    if !cidr::overlaps(&net, &peer.net) {
                        continue;
                    }
                    let d = cx.report(
                        span,
                        format!(
                            "address space {net} of VNet `{vname}` overlaps address space {} of peered VNet `{}`",
                            peer.net, peer.vnet_name
                        ),
                        "overlapping address space",
                    );
                    d.labels
                        .push(Label::new(peer.span, format!("VNet `{}`", peer.vnet_name)));
                    d.help = Some("give peered VNets disjoint address spaces (F-068)".into());
                    d.resource = Some(vnet.address.clone());
                }
            }
        }
    }
}

/// One known prefix of a VNet's subnet: `k` is the subnet's place in the VNet's
/// list, `j` the prefix's place in the subnet's.
#[derive(Clone, Copy)]
struct Prefix {
    k: usize,
    j: usize,
    subnet: SubnetIdx,
    net: IpNet,
    span: Span,
}

/// Two overlapping prefixes of different entries, `a` listed before `b`.
struct Overlap {
    a: Prefix,
    b: Prefix,
}

/// Every pair of overlapping prefixes of different subnets in `subnets`, in
/// list order (as a loop over all pairs would give them), found by a sweep over
/// the prefixes sorted by first address: CIDR blocks are nested or disjoint, so
/// the blocks open at a prefix form one chain, and each prefix is compared with
/// that chain only, not with every other subnet (30,000 subnets in one VNet).
fn overlapping_prefixes(inv: &Inventory, subnets: &[SubnetIdx]) -> Vec<Overlap> {
    let mut prefixes: Vec<Prefix> = Vec::new();
    for (k, &subnet) in subnets.iter().enumerate() {
        for (j, (net, span)) in known_nets(&inv.subnets[subnet].address_prefixes)
            .into_iter()
            .enumerate()
        {
            prefixes.push(Prefix {
                k,
                j,
                subnet,
                net,
                span,
            });
        }
    }
    // Families apart, then by first address, the larger block first.
    let key = |p: &Prefix| {
        let (first, last) = cidr::bounds(&p.net);
        (
            p.net.max_prefix_len(),
            first,
            std::cmp::Reverse(last),
            p.k,
            p.j,
        )
    };
    prefixes.sort_by_key(key);
    let mut found = Vec::new();
    let mut open: Vec<Prefix> = Vec::new();
    for p in prefixes {
        while open.last().is_some_and(|o| !cidr::overlaps(&o.net, &p.net)) {
            open.pop();
        }
        for o in open.iter().filter(|o| o.k != p.k) {
            let (a, b) = if o.k < p.k { (*o, p) } else { (p, *o) };
            found.push(Overlap { a, b });
        }
        open.push(p);
    }
    found.sort_by_key(|o| (o.a.k, o.b.k, o.a.j, o.b.j));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, vnet, SUB};

    #[test]
    fn overlapping_subnets() {
        let n = vnet(
            "vnet1",
            &["10.240.0.0/16"],
            &[
                ("nodes", "10.240.0.0/22"),
                ("pods", "10.240.2.0/23"),
                ("x", "10.240.8.0/24"),
            ],
        );
        let (src, d) = check(&SubnetOverlap, &[&n]);
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"10.240.2.0/23\"");
        assert_eq!(
            src.get(d[0].labels[0].span.file).slice(d[0].labels[0].span),
            "\"10.240.0.0/22\""
        );
    }

    #[test]
    fn peered_vnets_once_per_pair() {
        let peer = |name: &str, space: &str, remote: &str| {
            format!(
                r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/{name}","name":"{name}","type":"Microsoft.Network/virtualNetworks",
                "properties":{{"addressSpace":{{"addressPrefixes":["{space}"]}},
                "virtualNetworkPeerings":[{{"name":"p","properties":{{"remoteVirtualNetwork":{{"id":"{SUB}/Microsoft.Network/virtualNetworks/{remote}"}}}}}}]}}}}"#
            )
        };
        let (_, d) = check(
            &SubnetOverlap,
            &[
                &peer("hub", "10.0.0.0/16", "spoke"),
                &peer("spoke", "10.0.128.0/17", "hub"),
            ],
        );
        assert_eq!(d.len(), 1, "{d:?}");
        let (_, d) = check(
            &SubnetOverlap,
            &[
                &peer("hub", "10.0.0.0/16", "spoke"),
                &peer("spoke", "10.1.0.0/16", "hub"),
            ],
        );
        assert!(d.is_empty());
    }
}
