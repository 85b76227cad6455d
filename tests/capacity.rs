//! `akslint capacity`: the capacity numbers of the rules as a table, JSON and
//! CSV, and `--what-if` recomputing them with the findings that would appear.

mod common;

use common::{akslint, json, stderr, stdout};

const AKS004: &str = "fixtures/AKS004/fail/arm-template.json";

#[test]
fn table_shows_the_numbers_of_the_aks004_message() {
    let out = akslint(&["capacity", AKS004]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let row = text
        .lines()
        .find(|l| l.starts_with("  snet-aks-nodes  vnet-aks-demo"))
        .unwrap_or_else(|| panic!("no subnet row in:\n{text}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    // SUBNET VNET USE MODE(4 words) PREFIX USABLE NEEDED HEADROOM FITS-IN STATE
    assert_eq!(
        cells,
        [
            "snet-aks-nodes",
            "vnet-aks-demo",
            "node",
            "Azure",
            "CNI",
            "(node",
            "subnet)",
            "10.24.0.0/24",
            "251",
            "341",
            "-90",
            "/23",
            "DOES",
            "NOT",
            "FIT"
        ]
    );
    // The per-pool arithmetic is the rule's, and 7 nodes (+1 surge) × 31 = 248 ≤ 251.
    assert!(text.contains(
        "aks-demo/system     341          7  (10 nodes + 1 surge (default)) × (1 + 30 pods) = 341"
    ));
    // The same numbers as the finding.
    let check = akslint(&["check", AKS004, "--format", "json"]);
    let message = json(&check)["diagnostics"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(message.contains("has 251 usable addresses but its node pools need 341"));
}

#[test]
fn what_if_recomputes_and_reports_the_finding_that_would_appear() {
    let out = akslint(&["capacity", AKS004, "--what-if", "aks-demo/system=20"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("What if: aks-demo/system = 20 nodes\n"),
        "{text}"
    );
    assert!(text.contains("(20 nodes + 1 surge (default)) × (1 + 30 pods) = 651"));
    assert!(text.contains(
        "Findings that would appear\n  fixtures/AKS004/fail/arm-template.json:63:46: error AKS004: subnet `snet-aks-nodes` (10.24.0.0/24) has 251 usable addresses but its node pools need 651 at maximum scale\n"
    ), "{text}");
    assert!(text.contains("Findings that would go away\n"));

    // Scaling down makes the finding go away and brings none.
    let out = akslint(&["capacity", AKS004, "--what-if", "system=5"]);
    let text = stdout(&out);
    assert!(text.contains("(5 nodes + 1 surge (default)) × (1 + 30 pods) = 186"));
    assert!(text.contains(
        "Findings that would go away\n  fixtures/AKS004/fail/arm-template.json:63:46: error AKS004:"
    ));
    assert!(text.ends_with("No new finding would appear.\n"), "{text}");
}

#[test]
fn what_if_naming_no_pool_is_an_error() {
    let out = akslint(&["capacity", AKS004, "--what-if", "nosuch=3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--what-if nosuch=3: no node pool is named `nosuch`"));
    let out = akslint(&["capacity", AKS004, "--what-if", "system"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not POOL=N"));
}

#[test]
fn json_and_csv_carry_the_same_numbers() {
    let out = akslint(&[
        "capacity",
        AKS004,
        "--format",
        "json",
        "--what-if",
        "system=20",
    ]);
    let v = json(&out);
    let s = &v["subnets"][0];
    assert_eq!(s["name"], "snet-aks-nodes");
    assert_eq!(s["usable"], 251);
    assert_eq!(s["needed"], 651);
    assert_eq!(s["headroom"], -400);
    assert_eq!(s["smallest_prefix"], 22);
    assert_eq!(s["demands"][0]["max_nodes_that_fit"], 7);
    assert_eq!(v["what_if"]["applied"][0], "aks-demo/system = 20 nodes");
    assert_eq!(v["what_if"]["findings"][0]["code"], "AKS004");
    assert_eq!(v["what_if"]["findings"][0]["line"], 63);

    let out = akslint(&["capacity", AKS004, "--format", "csv"]);
    assert_eq!(
        stdout(&out),
        "kind,name,vnet,use,prefixes,usable,needed,needed_full,incomplete,headroom,smallest_prefix,max_nodes_per_pool\n\
         subnet,snet-aks-nodes,vnet-aks-demo,node,10.24.0.0/24,251,341,341,false,-90,23,aks-demo/system=7\n"
    );
}

#[test]
fn overlay_pod_cidr_budget_matches_aks101() {
    let out = akslint(&["capacity", "fixtures/AKS101/fail/arm-template.json"]);
    let text = stdout(&out);
    assert!(
        text.contains("aks-demo  Azure CNI Overlay  10.244.0.0/17    128    132        -4  /16      DOES NOT FIT"),
        "{text}"
    );
}

#[test]
fn nothing_readable_is_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = common::akslint_in(dir.path(), &["capacity"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no input could be read"));
}
