use indexmap::IndexMap;

use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{Field, Inventory, IpamMode, SubnetIdx};
use crate::rules::cluster_name;
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// A kubenet cluster whose pools sit in several node subnets that do not all
    /// carry the same route table: two subnets with different route tables, or
    /// one with a route table and another with none. Kubenet is also the default
    /// plugin when a cluster on Kubernetes before 1.30 leaves it out (F-002).
    /// Subnets that are not among the inputs, and route tables that cannot be
    /// evaluated, keep the cluster from being judged.
    ///
    /// ## Why it matters
    /// Kubenet routes pod traffic between nodes with one route per node, written
    /// by AKS into the route table of the cluster's subnets. AKS supports one
    /// route table per cluster, associated with every subnet the cluster uses
    /// (F-075): with two tables, each holds only some nodes' routes, so pods on
    /// one subnet cannot reach pods on the other; a subnet without the table has
    /// no pod routes at all. The association cannot be changed after the cluster
    /// is created.
    ///
    /// ## How to fix
    /// Associate the same route table with every node subnet of the cluster
    /// before creating it, or move the cluster to Azure CNI Overlay, which needs
    /// no route table for pod traffic (F-012).
    ///
    /// ## Example
    /// ```json
    /// { "name": "snet-aks-system", "properties": { "routeTable": { "id": "…/routeTables/rt-aks" } } },
    /// { "name": "snet-aks-user",   "properties": { "routeTable": { "id": "…/routeTables/rt-aks" } } }
    /// ```
    pub struct KubenetRouteTableMismatch {
        code: "AKS305",
        name: "kubenet-route-table-mismatch",
        category: Compatibility,
        severity: Error,
        summary: "A kubenet cluster's node subnets do not all carry the same route table",
    }
}

/// A node subnet's route table: its id key, or none.
type Table = Option<String>;

impl Rule for KubenetRouteTableMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            if cluster.ipam_mode != Some(IpamMode::Kubenet) {
                continue;
            }
            let Some(tables) = subnet_tables(inv, ci) else {
                continue;
            };
            let Some((first_si, (first_table, _))) = tables.first() else {
                continue;
            };
            let Some((si, (_, at))) = tables.iter().find(|(_, (t, _))| t != first_table) else {
                continue;
            };
            let describe = |si: SubnetIdx, table: &Table| {
                let subnet = &inv.subnets[si];
                match table {
                    Some(_) => format!(
                        "`{}` uses route table `{}`",
                        subnet.display_name(),
                        table_name(inv, si)
                    ),
                    None => format!("`{}` has no route table", subnet.display_name()),
                }
            };
            let d = cx.report(
                *at,
                format!(
                    "kubenet cluster `{}` places pools in node subnets with different route tables: {}, {}; kubenet needs one route table on all of them",
                    cluster_name(cluster),
                    describe(*first_si, first_table),
                    describe(*si, &tables[si].0),
                ),
                "a different route table from the cluster's other node subnets",
            );
            for (other, (table, span)) in &tables {
                if other != si {
                    d.labels.push(Label::new(*span, describe(*other, table)));
                }
            }
            d.help = Some("associate one route table with every node subnet of the cluster before creating it, or move to Azure CNI Overlay (F-075, F-012)".into());
            d.resource = Some(cluster.address.clone());
        }
    }
}

/// Each node subnet of the cluster with its route table and where that is
/// written (the subnet's prefix when it has none), in pool order; `None` when
/// a subnet is not among the inputs or its route table cannot be evaluated.
fn subnet_tables(inv: &Inventory, ci: usize) -> Option<IndexMap<SubnetIdx, (Table, Span)>> {
    let mut tables = IndexMap::new();
    for (_, pool) in inv.cluster_pools(ci) {
        let Some(si) = pool.subnet else {
            // Written but not among the inputs: the route table is unknown.
            if !pool.vnet_subnet_id.is_absent() {
                return None;
            }
            continue;
        };
        if tables.contains_key(&si) {
            continue;
        }
        let subnet = &inv.subnets[si];
        let entry = match &subnet.route_table_id {
            Field::Known(id, span) => (Some(id.key().to_string()), *span),
            Field::Absent => (None, subnet.prefix_span()),
            _ => return None,
        };
        tables.insert(si, entry);
    }
    Some(tables)
}

fn table_name(inv: &Inventory, si: SubnetIdx) -> String {
    match &inv.subnets[si].route_table_id {
        Field::Known(id, _) => id.name().to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn subnet(name: &str, prefix: &str, table: Option<&str>) -> String {
        let rt = table
            .map(|t| format!(r#","routeTable":{{"id":"{SUB}/Microsoft.Network/routeTables/{t}"}}"#))
            .unwrap_or_default();
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/{name}","name":"{name}",
            "type":"Microsoft.Network/virtualNetworks/subnets","properties":{{"addressPrefix":"{prefix}"{rt}}}}}"#
        )
    }

    fn cluster(plugin: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.1","networkProfile":{{"networkPlugin":"{plugin}"}},
            "agentPoolProfiles":[{{"name":"sys","count":1,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/a"}},
            {{"name":"user","count":1,"vnetSubnetID":"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/b"}}]}}}}"#
        )
    }

    fn run(plugin: &str, a: Option<&str>, b: Option<&str>) -> Vec<String> {
        let (src, d) = check(
            &KubenetRouteTableMismatch,
            &[
                &subnet("a", "10.0.0.0/24", a),
                &subnet("b", "10.0.1.0/24", b),
                &cluster(plugin),
            ],
        );
        d.iter()
            .map(|d| primary_text(&src, d).to_string())
            .collect()
    }

    #[test]
    fn different_or_missing_tables_are_reported() {
        let d = run("kubenet", Some("rt-a"), Some("rt-b"));
        assert_eq!(d.len(), 1);
        assert!(d[0].contains("rt-b"), "{}", d[0]);
        assert_eq!(run("kubenet", Some("rt-a"), None), ["\"10.0.1.0/24\""]);
    }

    #[test]
    fn one_shared_table_or_azure_cni_is_fine() {
        assert!(run("kubenet", Some("rt"), Some("rt")).is_empty());
        assert!(run("kubenet", None, None).is_empty());
        assert!(run("azure", Some("rt-a"), Some("rt-b")).is_empty());
    }
}
