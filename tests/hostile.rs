//! Hostile inputs and surroundings (issue 18): evaluation budgets, memory and time on
//! adversarial shapes, finding floods, escaped human output and safe writes.

mod common;

use std::path::Path;

use common::{akslint_in, locations, stderr};

const AKS004_TEMPLATE: &str = include_str!("../fixtures/AKS004/fail/arm-template.json");

/// An ARM template whose variable `v39` doubles `v0` 39 times through `step` (which names
/// the previous variable as `{prev}`), used as a VNet name.
fn doubling_template(step: &str) -> String {
    let mut vars = vec![r#""v0": "ab""#.to_string()];
    for i in 1..40 {
        let prev = format!("variables('v{}')", i - 1);
        vars.push(format!(r#""v{i}": "[{}]""#, step.replace("{prev}", &prev)));
    }
    format!(
        r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
"contentVersion": "1.0.0.0", "variables": {{{}}},
"resources": [{{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01",
"name": "[variables('v39')]", "location": "westeurope",
"properties": {{"addressSpace": {{"addressPrefixes": ["10.0.0.0/16"]}}}}}}]}}"#,
        vars.join(",\n")
    )
}

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn doubling_templates_stop_at_the_budget_and_the_other_files_are_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "good.json", AKS004_TEMPLATE);
    let steps = [
        ("concat", "concat({prev}, {prev})"),
        ("format", "format('{0}{0}', {prev})"),
        ("replace", "replace({prev}, 'a', {prev})"),
        ("string", "string(createArray({prev}, {prev}))"),
        ("array", "concat(createArray({prev}), createArray({prev}))"),
        ("object", "createObject('a', {prev}, 'b', {prev})"),
        ("join", "join(createArray({prev}, {prev}), {prev})"),
        (
            "union",
            "union(range(0, 5000), range(5000, 5000), array({prev}))",
        ),
    ];
    for (name, step) in steps {
        write(
            root,
            &format!("double-{name}.json"),
            doubling_template(step),
        );
    }
    let out = akslint_in(root, &["check", "--format", "json", "--threads", "1", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = locations(&out);
    assert!(
        found
            .iter()
            .any(|(code, file, _, _)| code == "AKS004" && file.ends_with("good.json")),
        "{found:?}"
    );
    // The doubled values are unknown, so they prove nothing: no finding in those files,
    // only the notes that say where evaluation stopped, each place once.
    let doubled: Vec<_> = found
        .iter()
        .filter(|(_, file, _, _)| file.contains("double-"))
        .collect();
    assert!(
        doubled.iter().all(|(code, ..)| code == "not-evaluated"),
        "{doubled:?}"
    );
    assert!(
        doubled
            .iter()
            .any(|(_, file, ..)| file.ends_with("double-concat.json")),
        "{doubled:?}"
    );
    let mut places = doubled.clone();
    places.dedup();
    assert_eq!(places.len(), doubled.len(), "{doubled:?}");
}
