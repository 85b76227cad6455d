use std::collections::BTreeMap;

use super::capacity::subnet_demands;
use super::ranges::vnet_name;
use super::{declare_rule, thousands, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{Inventory, IpamMode, VnetIdx};

/// Configured private IPs a VNet supports in the flat modes, as Microsoft states it (F-007).
pub const VNET_FLAT_IP_LIMIT: i64 = 64_000;

declare_rule! {
    /// ## What it checks
    /// The IP addresses that flat-network clusters — Azure CNI with pods in the
    /// node subnet, and Azure CNI with a dynamic pod subnet — can reserve in one
    /// VNet at maximum scale, summed over every such pool of every cluster in it:
    /// (N + S) × (1 + maxPods) per node-subnet pool (F-040), and N + S node
    /// addresses plus (N + S) × maxPods pod addresses per dynamic pod-subnet pool
    /// (F-042). A warning above 64,000 (F-007). Static block pod subnets count
    /// /28 blocks against the limit, not addresses, and are left out, as are
    /// kubenet, Overlay and bring-your-own CNI clusters.
    ///
    /// ## Why it matters
    /// An Azure VNet supports about 65,536 configured private IP addresses.
    /// Flat-network modes give every pod a VNet address, so their clusters top out
    /// near 64,000 nodes and pods per VNet, whatever the subnet sizes say.
    ///
    /// ## How to fix
    /// Move clusters to Azure CNI Overlay, where pods take no VNet addresses, or
    /// to static block allocation for very large pod counts, lower `maxPods` or
    /// `maxCount`, or spread clusters over several VNets.
    ///
    /// ## Example
    /// Ten node-subnet clusters of 200 nodes with `maxPods: 30` reserve
    /// 10 × 220 × 31 = 68,200 addresses. The same clusters on Overlay reserve only
    /// their node addresses:
    ///
    /// ```json
    /// "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay" }
    /// ```
    pub struct VnetIpLimit {
        code: "AKS112",
        name: "vnet-ip-limit",
        category: IpPlanning,
        severity: Warning,
        summary: "Flat-network clusters can reserve more than 64,000 IPs in one VNet",
    }
}

#[derive(Default)]
struct VnetTotal {
    total: i64,
    incomplete: bool,
    /// Per subnet: its span, name and addresses.
    parts: Vec<(crate::source::Span, String, i64)>,
}

impl Rule for VnetIpLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let mut per_vnet: BTreeMap<VnetIdx, VnetTotal> = BTreeMap::new();
        for (si, demand) in subnet_demands(inv, cx.thresholds.default_max_surge) {
            let subnet = &inv.subnets[si];
            let Some(vi) = subnet.vnet else { continue };
            let flat: i64 = demand
                .demands
                .iter()
                .filter(|d| {
                    matches!(
                        d.mode,
                        Some(IpamMode::CniNodeSubnet | IpamMode::CniPodSubnetDynamic)
                    )
                })
                .map(|d| d.soft)
                .fold(0i64, |a, x| a.saturating_add(x));
            let entry = per_vnet.entry(vi).or_default();
            entry.incomplete |= demand.incomplete;
            if flat > 0 {
                entry.total = entry.total.saturating_add(flat);
                entry
                    .parts
                    .push((subnet.prefix_span(), subnet.display_name(), flat));
            }
        }
        for (vi, t) in per_vnet {
            if t.total <= VNET_FLAT_IP_LIMIT {
                continue;
            }
            let vnet = &inv.vnets[vi];
            let span = vnet
                .address_prefixes
                .first()
                .and_then(|f| f.span())
                .or_else(|| vnet.name.span())
                .unwrap_or(vnet.decl);
            let sum: Vec<String> = t.parts.iter().map(|(_, _, n)| thousands(*n)).collect();
            let at_least = if t.incomplete { "at least " } else { "" };
            let d = cx.report(
                span,
                format!(
                    "flat-network clusters in VNet `{}` can reserve {at_least}{} IPs at maximum scale ({} = {}), more than the {} a VNet supports",
                    vnet_name(inv, vi),
                    thousands(t.total),
                    sum.join(" + "),
                    thousands(t.total),
                    thousands(VNET_FLAT_IP_LIMIT)
                ),
                "VNet",
            );
            for (sspan, name, n) in &t.parts {
                d.labels.push(Label::new(
                    *sspan,
                    format!("subnet `{name}`: {} node and pod IPs", thousands(*n)),
                ));
            }
            d.help = Some("move clusters to Azure CNI Overlay or static block allocation, lower maxPods or maxCount, or spread clusters over several VNets (F-007)".into());
            d.resource = Some(vnet.address.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, cluster, pool, primary_text, vnet};

    #[test]
    fn sums_node_subnet_pools_across_subnets() {
        let n = vnet(
            "vnet1",
            &["10.0.0.0/8"],
            &[("a", "10.1.0.0/16"), ("b", "10.2.0.0/16")],
        );
        // (1000 + 100) × 31 = 34,100 per subnet: 68,200.
        let c = cluster(
            r#"{"networkPlugin":"azure"}"#,
            &[
                pool("a", "vnet1", "a", r#","count":1000,"maxPods":30"#),
                pool("b", "vnet1", "b", r#","count":1000,"maxPods":30"#),
            ],
        );
        let (src, d) = check(&VnetIpLimit, &[&n, &c]);
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"10.0.0.0/8\"");
        assert!(d[0].message.contains("68,200"), "{}", d[0].message);
        assert_eq!(d[0].labels.len(), 2);
    }

    #[test]
    fn overlay_and_small_clusters_pass() {
        let n = vnet("vnet1", &["10.0.0.0/8"], &[("a", "10.1.0.0/16")]);
        let c = cluster(
            r#"{"networkPlugin":"azure","networkPluginMode":"overlay"}"#,
            &[pool("a", "vnet1", "a", r#","count":3000"#)],
        );
        assert!(check(&VnetIpLimit, &[&n, &c]).1.is_empty());
        let c = cluster(
            r#"{"networkPlugin":"azure"}"#,
            &[pool("a", "vnet1", "a", r#","count":100"#)],
        );
        assert!(check(&VnetIpLimit, &[&n, &c]).1.is_empty());
    }
}
