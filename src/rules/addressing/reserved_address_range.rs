use std::collections::HashSet;

use ipnet::IpNet;

use super::ranges::{
    cluster_name, cluster_subnets, cluster_vnets, pod_cidrs, service_cidrs, vnet_name,
};
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::model::{cidr, Inventory};
use crate::source::Span;

/// Blocks AKS forbids for service, pod and VNet ranges in every mode (F-060).
pub const RESERVED: [&str; 4] = [
    "169.254.0.0/16",
    "172.30.0.0/16",
    "172.31.0.0/16",
    "192.0.2.0/24",
];

/// The block whose overlap with a VNet's address space AKS's pre-flight check rejects (F-060).
const PREFLIGHT_CHECKED: &str = "192.0.2.0/24";

declare_rule! {
    /// ## What it checks
    /// Whether a cluster's service CIDR, its pod CIDR (kubenet and Overlay), or a
    /// subnet that hosts it (node, pod or API server subnet) overlaps one of the
    /// ranges AKS reserves: 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and
    /// 192.0.2.0/24 (F-060). A range that merely contains one of them, such as
    /// 172.16.0.0/12, overlaps it too. When only the address space of the
    /// cluster's VNet overlaps — outside the cluster's subnets — the finding is a
    /// warning, except for 192.0.2.0/24, which AKS's pre-flight check rejects
    /// in a VNet's address space.
    ///
    /// ## Why it matters
    /// Microsoft's reserved-range table forbids these blocks for service, pod and
    /// VNet ranges in every network mode (F-060). AKS enforces it in steps: VNets
    /// overlapping 192.0.2.0/24 fail pre-flight since 2019, link-local service and
    /// pod CIDRs are rejected at create since January 2025, and kubenet and
    /// Overlay pod CIDRs overlapping 172.30.0.0/16 or 172.31.0.0/16 since May
    /// 2026. Clusters created before those checks still carry such ranges, outside
    /// what Microsoft supports.
    ///
    /// ## How to fix
    /// Choose service and pod CIDRs and VNet ranges outside the four blocks: for
    /// example 10.0.0.0/16 for services and 10.244.0.0/16 for pods instead of
    /// 172.16.0.0/12.
    ///
    /// ## Example
    /// ```json
    /// "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay",
    ///                     "podCidr": "10.244.0.0/16", "serviceCidr": "10.0.0.0/16", "dnsServiceIP": "10.0.0.10" }
    /// ```
    /// instead of `"podCidr": "172.16.0.0/12"`, which contains 172.30.0.0/16 and 172.31.0.0/16.
    pub struct ReservedAddressRange {
        code: "AKS104",
        name: "reserved-address-range",
        category: IpPlanning,
        severity: Error,
        summary: "A service, pod or cluster subnet range overlaps a range AKS reserves",
    }
}

fn reserved() -> Vec<IpNet> {
    RESERVED.iter().filter_map(|r| r.parse().ok()).collect()
}

fn hits(net: &IpNet) -> Vec<IpNet> {
    reserved()
        .into_iter()
        .filter(|r| cidr::overlaps(net, r))
        .collect()
}

fn list(blocks: &[IpNet]) -> String {
    blocks
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Rule for ReservedAddressRange {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let mut done: HashSet<Span> = HashSet::new();
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            let name = cluster_name(cluster);
            let cidrs = [
                ("service CIDR", service_cidrs(cluster)),
                ("pod CIDR", pod_cidrs(cluster)),
            ];
            for (what, ranges) in cidrs {
                for r in ranges.unwrap_or_default() {
                    let blocks = hits(&r.net);
                    if blocks.is_empty() || !done.insert(r.span) {
                        continue;
                    }
                    let d = cx.report(
                        r.span,
                        format!(
                            "{what} {} of `{name}` overlaps {}, reserved by AKS",
                            r.describe(),
                            list(&blocks)
                        ),
                        format!("overlaps {}", list(&blocks)),
                    );
                    d.help = Some(format!("choose a {what} outside 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24 (F-060)"));
                    d.resource = Some(cluster.address.clone());
                }
            }
            let subnets = cluster_subnets(inv, ci);
            let mut subnet_hits: Vec<IpNet> = Vec::new();
            for si in &subnets {
                let s = &inv.subnets[*si];
                for f in &s.address_prefixes {
                    let (Some(net), Some(span)) = (f.known(), f.span()) else {
                        continue;
                    };
                    let blocks = hits(net);
                    subnet_hits.extend(blocks.iter().copied());
                    if blocks.is_empty() || !done.insert(span) {
                        continue;
                    }
                    let d = cx.report(
                        span,
                        format!(
                            "subnet `{}` ({net}) hosts `{name}` and overlaps {}, reserved by AKS",
                            s.display_name(),
                            list(&blocks)
                        ),
                        format!("overlaps {}", list(&blocks)),
                    );
                    d.help = Some("move the cluster to a subnet outside 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24 (F-060)".into());
                    d.resource = Some(s.address.clone());
                }
            }
            for vi in cluster_vnets(inv, ci) {
                let v = &inv.vnets[vi];
                for f in &v.address_prefixes {
                    let (Some(net), Some(span)) = (f.known(), f.span()) else {
                        continue;
                    };
                    // Blocks a cluster subnet overlaps are reported at the subnet.
                    let blocks: Vec<IpNet> = hits(net)
                        .into_iter()
                        .filter(|b| !subnet_hits.contains(b))
                        .collect();
                    if blocks.is_empty() || !done.insert(span) {
                        continue;
                    }
                    let preflight = blocks.iter().any(|b| b.to_string() == PREFLIGHT_CHECKED);
                    let severity = if preflight {
                        Severity::Error
                    } else {
                        Severity::Warning
                    };
                    let d = cx.report_at(
                        severity,
                        span,
                        format!(
                            "address space {net} of VNet `{}`, which hosts `{name}`, overlaps {}, reserved by AKS",
                            vnet_name(inv, vi),
                            list(&blocks)
                        ),
                        format!("overlaps {}", list(&blocks)),
                    );
                    d.help = Some(if preflight {
                        "remove 192.0.2.0/24 from the VNet's address space: AKS's pre-flight check rejects it (F-060)".into()
                    } else {
                        "keep the reserved blocks out of the VNet's address space so no subnet can be placed there later (F-060)".into()
                    });
                    d.resource = Some(v.address.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, cluster, pool, primary_text, vnet};

    const OVERLAY: &str = r#"{"networkPlugin":"azure","networkPluginMode":"overlay","podCidr":"172.16.0.0/12","serviceCidr":"10.0.0.0/16"}"#;

    #[test]
    fn pod_cidr_containing_reserved_blocks() {
        let n = vnet("vnet1", &["10.1.0.0/16"], &[("nodes", "10.1.0.0/24")]);
        let c = cluster(OVERLAY, &[pool("a", "vnet1", "nodes", "")]);
        let (src, d) = check(&ReservedAddressRange, &[&n, &c]);
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"172.16.0.0/12\"");
        assert!(
            d[0].message.contains("172.30.0.0/16, 172.31.0.0/16"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn subnet_is_error_vnet_space_only_is_warning() {
        let ok = r#"{"networkPlugin":"azure","networkPluginMode":"overlay","serviceCidr":"10.0.0.0/16"}"#;
        let n = vnet("vnet1", &["172.31.0.0/16"], &[("nodes", "172.31.0.0/24")]);
        let (_, d) = check(
            &ReservedAddressRange,
            &[&n, &cluster(ok, &[pool("a", "vnet1", "nodes", "")])],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert!(d[0].message.contains("subnet `nodes`"), "{}", d[0].message);
        let n = vnet(
            "vnet1",
            &["10.1.0.0/16", "172.30.0.0/16"],
            &[("nodes", "10.1.0.0/24")],
        );
        let (_, d) = check(
            &ReservedAddressRange,
            &[&n, &cluster(ok, &[pool("a", "vnet1", "nodes", "")])],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        let n = vnet(
            "vnet1",
            &["10.1.0.0/16", "192.0.2.0/24"],
            &[("nodes", "10.1.0.0/24")],
        );
        let (_, d) = check(
            &ReservedAddressRange,
            &[&n, &cluster(ok, &[pool("a", "vnet1", "nodes", "")])],
        );
        assert_eq!(d[0].severity, Severity::Error);
    }

    #[test]
    fn private_ranges_pass() {
        let ok = r#"{"networkPlugin":"azure","networkPluginMode":"overlay","podCidr":"10.244.0.0/16","serviceCidr":"10.0.0.0/16"}"#;
        let n = vnet("vnet1", &["10.1.0.0/16"], &[("nodes", "10.1.0.0/24")]);
        assert!(check(
            &ReservedAddressRange,
            &[&n, &cluster(ok, &[pool("a", "vnet1", "nodes", "")])]
        )
        .1
        .is_empty());
    }
}
