//! Terraform plan JSON (`terraform show -json`) through the library: the plan
//! fixtures link their resources, and the corpus plans are read. (Each rule on
//! its plan fixture runs in the fixture harness, tests/fixtures.rs.)

use akslint::ingest::terraform::{ingest_plan, is_plan_or_state};
use akslint::model::{Inventory, InventoryBuilder};
use akslint::source::SourceMap;
use akslint::syntax::json;

/// What the library reads from one plan file.
struct Read {
    inventory: Inventory,
    read: usize,
}

fn read_plan(path: &str) -> Read {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut sources = SourceMap::default();
    let file = sources.add(path.to_string(), text.clone());
    let root = json::parse(file, &text).unwrap_or_else(|e| panic!("{path}: {e:?}"));
    assert!(
        is_plan_or_state(&root),
        "{path} is not recognised as a plan"
    );
    let mut b = InventoryBuilder::default();
    let read = ingest_plan(&mut b, &root);
    Read {
        inventory: b.finish(),
        read,
    }
}

fn fixture(rule: &str, outcome: &str) -> String {
    format!(
        "{}/fixtures/{rule}/{outcome}/terraform-plan/plan.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn plan_references_link_pools_subnets_and_nsgs() {
    // AKS001 pass: the pool's subnet id is an output of module.network, and the
    // subnet's NSG comes from an association resource inside the module.
    let c = read_plan(&fixture("AKS001", "pass"));
    let inv = &c.inventory;
    let pool = &inv.pools[0];
    let si = pool.subnet.expect("the pool is linked to its subnet");
    let subnet = &inv.subnets[si];
    assert_eq!(subnet.address, "module.network.azurerm_subnet.nodes");
    let nsg = subnet
        .nsg
        .map(|n| &inv.nsgs[n])
        .expect("the subnet has its NSG");
    assert_eq!(nsg.rules.len(), 1);
    assert_eq!(
        subnet.vnet.map(|v| inv.vnets[v].address.as_str()),
        Some("module.network.azurerm_virtual_network.spoke")
    );

    // AKS002 fail: the separate Windows pool joins the cluster through kubernetes_cluster_id.
    let c = read_plan(&fixture("AKS002", "fail"));
    assert_eq!(c.inventory.clusters[0].pools.len(), 2);

    // AKS003 pass: the route table arrives through an association.
    let c = read_plan(&fixture("AKS003", "pass"));
    let inv = &c.inventory;
    let subnet = &inv.subnets[inv.pools[0].subnet.expect("linked")];
    let rt = subnet
        .route_table
        .map(|r| &inv.route_tables[r])
        .expect("route table");
    assert_eq!(rt.disable_bgp_route_propagation.known(), Some(&true));
    assert_eq!(rt.routes.len(), 1);
}

/// `terraform show -json` plans from other projects' test suites.
#[test]
fn corpus_plans_are_read() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/tf-plans");
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("{dir} is absent; skipped");
        return;
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for path in files {
        let path = path.to_string_lossy().to_string();
        let c = read_plan(&path);
        assert!(c.read > 0, "{path}");
        assert!(!c.inventory.nsgs.is_empty(), "{path}: no NSG");
        let rules: usize = c.inventory.nsgs.iter().map(|n| n.rules.len()).sum();
        assert!(rules > 0, "{path}: no security rule");
        // Standalone rules merge into their NSG: every NSG keeps its declaration.
        assert!(
            c.inventory
                .nsgs
                .iter()
                .all(|n| n.decl != Default::default()),
            "{path}: a rule's NSG was not found"
        );
    }
}

/// Every plan fixture (`fixtures/<CODE>/{fail,pass}/terraform-plan/plan.json`) is
/// recognised and read by the library alone.
#[test]
fn every_plan_fixture_is_read() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut plans = Vec::new();
    for code in std::fs::read_dir(&root)
        .expect("fixtures/")
        .filter_map(Result::ok)
    {
        for outcome in ["fail", "pass"] {
            let plan = code.path().join(outcome).join("terraform-plan/plan.json");
            if plan.exists() {
                plans.push(plan.to_string_lossy().into_owned());
            }
        }
    }
    assert!(plans.len() >= 8, "{plans:?}");
    for path in plans {
        let c = read_plan(&path);
        // Every plan has at least the cluster and its resource group (AKS003's
        // failing case has nothing else: AKS makes the VNet).
        assert!(c.read >= 2, "{path}: read {}", c.read);
    }
}
