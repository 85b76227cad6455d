//! Files ingested into recording builders on their own and replayed in file
//! order (as `check` does on several threads) give the inventory one builder
//! fed every file in turn gives: same resources, same merges by id, same order.

use akslint::ingest::{self, terraform, DocumentKind};
use akslint::model::{Inventory, InventoryBuilder};
use akslint::source::FileId;
use akslint::syntax::{json, Node};

/// Every JSON fixture akslint ingests document by document (Azure documents and
/// Terraform plans), in path order: many describe the same resource ids.
fn documents() -> Vec<(Node, DocumentKind)> {
    let mut paths = Vec::new();
    collect(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut paths,
    );
    paths.sort();
    let mut docs = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let Ok(root) = json::parse(FileId(i as u32), &text) else {
            continue;
        };
        let kind = ingest::classify(&root);
        let per_document = !matches!(
            kind,
            DocumentKind::ArmTemplate
                | DocumentKind::ArmParameters
                | DocumentKind::TerraformConfig
                | DocumentKind::KubernetesManifest
                | DocumentKind::Unrecognized
        );
        if per_document {
            docs.push((root, kind));
        }
    }
    docs
}

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir:?}: {e}")) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn ingest_into(b: &mut InventoryBuilder, doc: &Node, kind: DocumentKind) {
    if kind == DocumentKind::TerraformPlan {
        terraform::ingest_plan(b, doc);
    } else {
        ingest::ingest_document(b, doc, kind);
    }
}

/// The resources (the id lookups are hash maps: their debug order varies).
fn shown(inv: &Inventory) -> String {
    format!(
        "{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{}\n{:#?}",
        inv.clusters,
        inv.pools,
        inv.vnets,
        inv.subnets,
        inv.nsgs,
        inv.route_tables,
        inv.associations,
        inv.other_resources,
        inv.tag_suppressions
    )
}

#[test]
fn replayed_recordings_build_the_inventory_one_pass_builds() {
    let docs = documents();
    assert!(docs.len() > 50, "only {} documents found", docs.len());

    let mut direct = InventoryBuilder::default();
    for (doc, kind) in &docs {
        ingest_into(&mut direct, doc, *kind);
    }
    let direct = direct.finish();

    let mut replayed = InventoryBuilder::default();
    for (doc, kind) in &docs {
        let mut recorded = InventoryBuilder::recording();
        ingest_into(&mut recorded, doc, *kind);
        replayed.replay(recorded);
    }
    let replayed = replayed.finish();

    // The fixtures merge: fewer clusters than cluster declarations.
    assert!(direct.clusters.iter().any(|c| !c.other_decls.is_empty()));
    assert!(direct.pools.iter().any(|p| p.cluster.is_some()));
    assert_eq!(shown(&direct), shown(&replayed));
}

#[test]
fn a_recording_builder_holds_nothing_itself() {
    let docs = documents();
    let mut recorded = InventoryBuilder::recording();
    for (doc, kind) in &docs {
        ingest_into(&mut recorded, doc, *kind);
    }
    let inv = recorded.finish();
    assert_eq!(inv.resource_count(), 0);
}
