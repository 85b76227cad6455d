use std::collections::HashSet;

use indexmap::IndexMap;

use super::{declare_rule, display_name, Context, Rule, RuleMeta};
use crate::diagnostic::{Label, Severity};
use crate::model::{ClusterIdx, Field, Inventory, IpamMode};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// Node subnets and route tables used by more than one cluster, found through
    /// the pools' `vnetSubnetID` and the subnets' route tables:
    ///
    /// * a node subnet used by two clusters of which at least one is kubenet: an
    ///   error (F-093);
    /// * a route table on the node subnets of two kubenet clusters: an error
    ///   (F-075);
    /// * a node subnet used by two clusters that are not kubenet: a warning. Azure
    ///   CNI allows it, but the clusters then share the subnet's addresses, NSG and
    ///   route table, and one cluster's growth can starve the other.
    ///
    /// ## Why it matters
    /// kubenet routes pod traffic with one route per node in the subnet's route
    /// table. Two clusters writing routes into one table — one subnet, or one table
    /// on two subnets — overwrite each other's routes, and their pod CIDRs can
    /// collide: pods lose connectivity. AKS supports one kubenet cluster per subnet
    /// and one route table per cluster.
    ///
    /// ## How to fix
    /// Give each kubenet cluster its own subnet and its own route table (or move the
    /// clusters to Azure CNI Overlay); give each cluster its own node subnet.
    ///
    /// ## Example
    /// ```json
    /// { "name": "snet-aks-a", "properties": { "addressPrefix": "10.240.0.0/24", "routeTable": { "id": "…/routeTables/rt-aks-a" } } },
    /// { "name": "snet-aks-b", "properties": { "addressPrefix": "10.240.1.0/24", "routeTable": { "id": "…/routeTables/rt-aks-b" } } }
    /// ```
    pub struct KubenetSubnetOrRouteTableShared {
        code: "AKS303",
        name: "kubenet-subnet-or-route-table-shared",
        category: Compatibility,
        severity: Error,
        summary: "Clusters share a node subnet, or kubenet clusters share a route table",
    }
}

/// One use of a node subnet by a cluster: the pool's `vnetSubnetID`.
struct Use {
    cluster: ClusterIdx,
    pool: String,
    span: Span,
}

impl Rule for KubenetSubnetOrRouteTableShared {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let by_subnet = subnet_uses(inv);
        let mut paired: HashSet<(ClusterIdx, ClusterIdx)> = HashSet::new();
        for (key, uses) in &by_subnet {
            let Some((a, b)) = two_clusters(uses, |_| true) else {
                continue;
            };
            paired.insert((a.cluster, b.cluster));
            let kubenet = [a, b].into_iter().any(|u| is_kubenet(inv, u.cluster));
            let subnet = key.rsplit('/').next().unwrap_or(key);
            let (severity, why) = if kubenet {
                (
                    Severity::Error,
                    "a kubenet cluster must have its node subnet to itself",
                )
            } else {
                (Severity::Warning, "the clusters compete for its addresses")
            };
            let d = cx.report_at(
                severity,
                b.span,
                format!(
                    "clusters `{}` and `{}` both place node pools in subnet `{subnet}`; {why}",
                    cluster_name(inv, a.cluster),
                    cluster_name(inv, b.cluster)
                ),
                format!(
                    "pool `{}` of cluster `{}`",
                    b.pool,
                    cluster_name(inv, b.cluster)
                ),
            );
            d.labels.push(Label::new(
                a.span,
                format!(
                    "pool `{}` of cluster `{}`",
                    a.pool,
                    cluster_name(inv, a.cluster)
                ),
            ));
            d.help = Some("give each cluster its own node subnet (F-093)".into());
            d.resource = Some(inv.clusters[b.cluster].address.clone());
        }
        check_route_tables(inv, &paired, cx);
    }
}

fn cluster_name(inv: &Inventory, ci: ClusterIdx) -> String {
    let c = &inv.clusters[ci];
    display_name(&c.name, &c.address)
}

fn is_kubenet(inv: &Inventory, ci: ClusterIdx) -> bool {
    inv.clusters[ci].ipam_mode == Some(IpamMode::Kubenet)
}

/// Node subnet id (lowercase key) → the pools of clusters that use it, in input order.
fn subnet_uses(inv: &Inventory) -> IndexMap<String, Vec<Use>> {
    let mut out: IndexMap<String, Vec<Use>> = IndexMap::new();
    for pool in &inv.pools {
        let (Some(ci), Field::Known(id, span)) = (pool.cluster, &pool.vnet_subnet_id) else {
            continue;
        };
        // A placeholder id (`{subscriptionId}`) could name different subnets in different deployments.
        if id.has_placeholders() {
            continue;
        }
        let u = Use {
            cluster: ci,
            pool: display_name(&pool.name, &pool.address),
            span: *span,
        };
        match out.get_mut(id.key()) {
            Some(v) => v.push(u),
            None => {
                out.insert(id.key().to_string(), vec![u]);
            }
        }
    }
    out
}

/// The first two uses by different clusters that both pass `keep`.
fn two_clusters(uses: &[Use], keep: impl Fn(&Use) -> bool) -> Option<(&Use, &Use)> {
    let mut kept = uses.iter().filter(|u| keep(u));
    let a = kept.next()?;
    let b = kept.find(|u| u.cluster != a.cluster)?;
    Some((a, b))
}

/// A kubenet cluster's subnet (by name) with a route table, and the span of the reference.
type TableUse = (ClusterIdx, String, Span);

/// A route table on the node subnets of two kubenet clusters (that do not already share a subnet).
fn check_route_tables(
    inv: &Inventory,
    paired: &HashSet<(ClusterIdx, ClusterIdx)>,
    cx: &mut Context<'_>,
) {
    // Route table → (cluster, subnet name, span of the subnet's route table reference).
    let mut by_table: IndexMap<usize, Vec<TableUse>> = IndexMap::new();
    for pool in &inv.pools {
        let (Some(ci), Some(si)) = (pool.cluster, pool.subnet) else {
            continue;
        };
        if !is_kubenet(inv, ci) {
            continue;
        }
        let subnet = &inv.subnets[si];
        let (Some(rt), Some(span)) = (subnet.route_table, subnet.route_table_id.span()) else {
            continue;
        };
        let entry = (ci, subnet.display_name(), span);
        let v = by_table.entry(rt).or_default();
        if !v.iter().any(|(c, n, _)| *c == ci && *n == entry.1) {
            v.push(entry)
        }
    }
    for (rt, uses) in by_table {
        let Some((a, b)) = uses.first().and_then(|a| {
            uses.iter()
                .find(|b| {
                    b.0 != a.0 && !paired.contains(&(a.0, b.0)) && !paired.contains(&(b.0, a.0))
                })
                .map(|b| (a, b))
        }) else {
            continue;
        };
        let table = &inv.route_tables[rt];
        let table_name = display_name(&table.name, &table.address);
        let d = cx.report(
            b.2,
            format!(
                "kubenet clusters `{}` and `{}` share route table `{table_name}` (on subnets `{}` and `{}`); kubenet needs one route table per cluster",
                cluster_name(inv, a.0),
                cluster_name(inv, b.0),
                a.1,
                b.1
            ),
            format!("route table of subnet `{}`", b.1),
        );
        d.labels
            .push(Label::new(a.2, format!("route table of subnet `{}`", a.1)));
        d.help = Some("give each kubenet cluster its own route table, associated with all of that cluster's subnets (F-075)".into());
        d.resource = Some(table.address.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn cluster(name: &str, plugin: &str, subnet: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/{name}",
            "name":"{name}","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.1","networkProfile":{{"networkPlugin":"{plugin}"}},
            "agentPoolProfiles":[{{"name":"sys","count":1,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/{subnet}"}}]}}}}"#
        )
    }

    fn subnet(name: &str, rt: &str) -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/{name}","name":"{name}",
            "type":"Microsoft.Network/virtualNetworks/subnets","properties":{{"addressPrefix":"10.0.0.0/24",
            "routeTable":{{"id":"{SUB}/Microsoft.Network/routeTables/{rt}"}}}}}}"#
        )
    }

    fn route_table(name: &str) -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/routeTables/{name}","name":"{name}","type":"Microsoft.Network/routeTables","properties":{{"routes":[]}}}}"#
        )
    }

    #[test]
    fn shared_subnet() {
        let (src, d) = check(
            &KubenetSubnetOrRouteTableShared,
            &[&cluster("a", "kubenet", "s1"), &cluster("b", "azure", "s1")],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert!(primary_text(&src, &d[0]).ends_with("subnets/s1\""));
        let (_, d) = check(
            &KubenetSubnetOrRouteTableShared,
            &[&cluster("a", "azure", "s1"), &cluster("b", "azure", "s1")],
        );
        assert_eq!(d[0].severity, Severity::Warning);
    }

    #[test]
    fn shared_route_table() {
        let (src, d) = check(
            &KubenetSubnetOrRouteTableShared,
            &[
                &subnet("s1", "rt"),
                &subnet("s2", "rt"),
                &route_table("rt"),
                &cluster("a", "kubenet", "s1"),
                &cluster("b", "kubenet", "s2"),
            ],
        );
        assert_eq!(d.len(), 1);
        assert!(primary_text(&src, &d[0]).contains("routeTables/rt"));
        let (_, d) = check(
            &KubenetSubnetOrRouteTableShared,
            &[
                &subnet("s1", "rt1"),
                &subnet("s2", "rt2"),
                &route_table("rt1"),
                &route_table("rt2"),
                &cluster("a", "kubenet", "s1"),
                &cluster("b", "kubenet", "s2"),
            ],
        );
        assert!(d.is_empty());
    }
}
