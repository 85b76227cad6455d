//! `cargo bench --bench declarative`: one rule both ways over the same large
//! synthetic inventory — AKS205 kubenet-retirement as the shipped YAML rule,
//! and as the Rust rule it replaced (kept here, as it was, for the comparison).
//! The ratio of the two is what a declarative rule costs over Rust.

mod gen;

use std::sync::OnceLock;

use akslint::check::{check, CheckOptions};
use akslint::diagnostic::Severity;
use akslint::model::{Field, Inventory, NetworkPlugin};
use akslint::rules::{self, Category, Context, Rule, RuleMeta, Thresholds};
use divan::Bencher;
use gen::Family;

/// Clusters in the synthetic estate (each with several pools, VNets, subnets).
const CLUSTERS: usize = 5_000;

fn inventory() -> &'static Inventory {
    static INV: OnceLock<Inventory> = OnceLock::new();
    INV.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let (files, _) = gen::write_estate(dir.path(), Family::Graph, CLUSTERS, 0, 7).unwrap();
        let opts = CheckOptions {
            paths: files.iter().map(|f| f.display().to_string()).collect(),
            ..CheckOptions::default()
        };
        let result = check(&opts, &mut std::io::empty());
        eprintln!(
            "inventory: {} clusters, {} pools",
            result.inventory.clusters.len(),
            result.inventory.pools.len()
        );
        result.inventory
    })
}

/// The same estate with every cluster on kubenet, as written: both rules then
/// report every cluster, so the comparison includes building the findings.
fn kubenet_inventory() -> &'static Inventory {
    static INV: OnceLock<Inventory> = OnceLock::new();
    INV.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let (files, _) = gen::write_estate(dir.path(), Family::Graph, CLUSTERS, 0, 7).unwrap();
        let opts = CheckOptions {
            paths: files.iter().map(|f| f.display().to_string()).collect(),
            ..CheckOptions::default()
        };
        let mut inv = check(&opts, &mut std::io::empty()).inventory;
        for c in &mut inv.clusters {
            let at = c.network.plugin.span().unwrap_or(c.decl);
            c.network.plugin = Field::Known(NetworkPlugin::Kubenet, at);
        }
        inv
    })
}

/// AKS205 as it was written in Rust before it moved to `rules/`.
struct KubenetRetirementRust;

static META: RuleMeta = RuleMeta {
    code: "AKS205",
    name: "kubenet-retirement",
    category: Category::Compatibility,
    default_severity: Severity::Warning,
    summary: "The cluster uses kubenet, which is retired on 2028-03-31",
    explanation: "",
};

impl Rule for KubenetRetirementRust {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for cluster in &inv.clusters {
            if cluster.network.plugin.value() != Some(&NetworkPlugin::Kubenet) {
                continue;
            }
            let (span, label, how) =
                match &cluster.network.plugin {
                    Field::Known(p, s) => (*s, format!("networkPlugin is `{}`", p.as_str()), ""),
                    Field::Default(_, s) => (
                        cluster.kubernetes_version.span().unwrap_or(*s),
                        format!(
                        "networkPlugin is not set, so Kubernetes {} defaults to kubenet (F-002)",
                        cluster.kubernetes_version.value().cloned().unwrap_or_default()
                    ),
                        " by default",
                    ),
                    _ => continue,
                };
            let d = cx.report(
                span,
                format!(
                    "cluster `{}` uses kubenet{how}, which is retired on 2028-03-31",
                    rules::cluster_name(cluster)
                ),
                label,
            );
            d.help = Some("use Azure CNI Overlay (networkPlugin \"azure\", networkPluginMode \"overlay\"); existing clusters can migrate in place (F-003, F-020)".into());
            d.resource = Some(cluster.address.clone());
        }
    }
}

fn main() {
    inventory();
    kubenet_inventory();
    divan::main();
}

#[divan::bench(sample_count = 20)]
fn aks205_rust(bencher: Bencher) {
    let inv = inventory();
    bencher.bench(|| rules::run(inv, &[&KubenetRetirementRust], &Thresholds::default()).len());
}

#[divan::bench(sample_count = 20)]
fn aks205_declarative(bencher: Bencher) {
    let inv = inventory();
    let rule = rules::find("AKS205").expect("AKS205 is shipped");
    bencher.bench(|| rules::run(inv, &[rule], &Thresholds::default()).len());
}

#[divan::bench(sample_count = 20)]
fn aks205_rust_every_cluster_found(bencher: Bencher) {
    let inv = kubenet_inventory();
    bencher.bench(|| rules::run(inv, &[&KubenetRetirementRust], &Thresholds::default()).len());
}

#[divan::bench(sample_count = 20)]
fn aks205_declarative_every_cluster_found(bencher: Bencher) {
    let inv = kubenet_inventory();
    let rule = rules::find("AKS205").expect("AKS205 is shipped");
    bencher.bench(|| rules::run(inv, &[rule], &Thresholds::default()).len());
}
