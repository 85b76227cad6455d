//! Terraform plan JSON (`terraform show -json`) through the library: every rule
//! fails and passes on a plan fixture, and the corpus plans are read.

use akslint::diagnostic::Diagnostic;
use akslint::ingest::terraform::{ingest_plan, is_plan_or_state};
use akslint::model::{Inventory, InventoryBuilder};
use akslint::report;
use akslint::rules;
use akslint::source::SourceMap;
use akslint::syntax::json;

/// (rule, line, column, text of the primary span) of each failing fixture.
/// Kept in step with fixtures/terraform-plan/README.md.
const FAILING: &[(&str, usize, usize, &str)] = &[
    ("AKS001", 219, 25, "\"snet-aks-nodes\""),
    ("AKS002", 184, 24, "\"Windows\""),
    ("AKS003", 92, 34, "\"userDefinedRouting\""),
    ("AKS004", 229, 15, "\"10.240.0.0/24\""),
];

struct Checked {
    sources: SourceMap,
    inventory: Inventory,
    diagnostics: Vec<Diagnostic>,
    read: usize,
}

/// The rule under test only, as the fixture tests select it: the plans' public
/// clusters also draw AKS601's warning, which is not what these plans are about.
fn selected(rule: &str) -> Vec<&'static dyn rules::Rule> {
    rules::find(rule).into_iter().collect()
}

fn check_file(path: &str, rule: &str) -> Checked {
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
    let inventory = b.finish();
    let diagnostics = rules::run(&inventory, &selected(rule), &rules::Thresholds::default());
    Checked {
        sources,
        inventory,
        diagnostics,
        read,
    }
}

fn fixture(rule: &str, outcome: &str) -> String {
    format!(
        "{}/fixtures/terraform-plan/{rule}/{outcome}/plan.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn each_rule_fails_on_its_plan_at_the_value() {
    for (rule, line, column, text) in FAILING {
        let path = fixture(rule, "fail");
        let c = check_file(&path, rule);
        assert_eq!(c.diagnostics.len(), 1, "{path}: {:#?}", c.diagnostics);
        let d = &c.diagnostics[0];
        assert_eq!(d.code, *rule, "{path}");
        let file = c.sources.get(d.primary.span.file);
        let at = file.line_col(d.primary.span.start as usize);
        assert_eq!((at.line, at.column), (*line, *column), "{path}");
        assert_eq!(file.slice(d.primary.span), *text, "{path}");
    }
}

#[test]
fn each_rule_passes_on_its_plan() {
    for (rule, ..) in FAILING {
        let path = fixture(rule, "pass");
        let c = check_file(&path, rule);
        assert!(c.diagnostics.is_empty(), "{path}: {:#?}", c.diagnostics);
        assert!(c.read >= 3, "{path}: read {}", c.read);
    }
}

#[test]
fn plan_references_link_pools_subnets_and_nsgs() {
    // AKS001 pass: the pool's subnet id is an output of module.network, and the
    // subnet's NSG comes from an association resource inside the module.
    let c = check_file(&fixture("AKS001", "pass"), "AKS001");
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
    let c = check_file(&fixture("AKS002", "fail"), "AKS002");
    assert_eq!(c.inventory.clusters[0].pools.len(), 2);

    // AKS003 pass: the route table arrives through an association.
    let c = check_file(&fixture("AKS003", "pass"), "AKS003");
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
        let c = check_file(&path, "AKS001");
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

#[test]
fn human_output_of_failing_plans() {
    for (rule, ..) in FAILING {
        let path = format!("fixtures/terraform-plan/{rule}/fail/plan.json");
        let text = std::fs::read_to_string(fixture(rule, "fail")).unwrap_or_default();
        let mut sources = SourceMap::default();
        let file = sources.add(path.clone(), text.clone());
        let root = json::parse(file, &text).unwrap_or_else(|e| panic!("{path}: {e:?}"));
        let mut b = InventoryBuilder::default();
        let read = ingest_plan(&mut b, &root);
        let inventory = b.finish();
        let mut diags = rules::run(&inventory, &selected(rule), &rules::Thresholds::default());
        report::sort(&mut diags, &sources);
        let summary = report::Summary {
            files: 1,
            resources: read,
            errors: diags.len(),
            ..report::Summary::default()
        };
        let opts = report::human::Options {
            color: false,
            width: 100,
            show_elapsed: false,
        };
        let out = report::human::render(&diags, &sources, &summary, &opts);
        insta::assert_snapshot!(format!("plan_{rule}"), out);
    }
}
