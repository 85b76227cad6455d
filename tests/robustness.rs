//! No input may crash akslint: mutated real inputs go through the whole
//! pipeline (parse, evaluate, ingest, link, rules) and must come back as
//! findings or parse errors, never as a panic.

use akslint::check::{check, CheckOptions};
use proptest::prelude::*;

const SEEDS: &[&str] = &[
    include_str!("../fixtures/AKS004/fail/arm-template.json"),
    include_str!("../fixtures/AKS002/fail/param-pairing/azuredeploy.json"),
    include_str!("../fixtures/AKS001/fail/resource-graph.json"),
    include_str!("../fixtures/AKS003/fail/az-cli/az-network-route-table-show.json"),
    include_str!("../fixtures/AKS004/fail/az-cli-yaml/az-network-vnet-show.yaml"),
    include_str!("../fixtures/AKS002/fail/az-cli-yaml/az-aks-show.yaml"),
];

fn run(text: &str) {
    let opts = CheckOptions {
        paths: vec!["-".into()],
        ..CheckOptions::default()
    };
    let result = check(&opts, &mut text.as_bytes());
    // Whatever came back must be renderable too.
    let summary = akslint::report::Summary::default();
    let _ = akslint::report::json::render(&result.diagnostics, &result.sources, &summary);
}

/// Cuts, repeats or overwrites a stretch of the text, at char boundaries.
fn mutate(text: &str, kind: u8, at: usize, len: usize, filler: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = at % (chars.len() + 1);
    let end = (at + len).min(chars.len());
    let (head, tail) = (&chars[..at], &chars[end..]);
    let middle: String = match kind % 3 {
        0 => String::new(),
        1 => chars[at..end].iter().chain(chars[at..end].iter()).collect(),
        _ => filler.to_string(),
    };
    head.iter().collect::<String>() + &middle + &tail.iter().collect::<String>()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn mutated_inputs_never_panic(
        seed in 0..SEEDS.len(),
        kind in any::<u8>(),
        at in any::<usize>(),
        len in 0usize..200,
        filler in "[\\[\\]{}():,'\"\\\\a-z0-9 \n\t./-]{0,40}",
    ) {
        run(&mutate(SEEDS[seed], kind, at, len, &filler));
    }

    #[test]
    fn arbitrary_expressions_in_templates_never_panic(expr in "[\\[\\](),.'a-zA-Z0-9 ]{0,60}") {
        let template = format!(
            r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
               "resources": [{{"type": "Microsoft.Network/virtualNetworks", "name": "v",
               "properties": {{"addressSpace": {{"addressPrefixes": ["[{expr}]"]}},
               "subnets": [{{"name": "[{expr}]", "properties": {{"addressPrefix": "[{expr}]"}}}}]}}}}]}}"#,
            expr = expr.replace('"', "")
        );
        run(&template);
    }
}

#[test]
fn hostile_shapes_are_handled() {
    // Deep nesting, huge copy counts, self-referencing variables, odd types everywhere.
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    run(&deep);
    run(
        r#"{"$schema": "deploymentTemplate", "variables": {"a": "[variables('b')]", "b": "[variables('a')]"},
           "resources": [{"type": "Microsoft.Network/virtualNetworks", "name": "[variables('a')]",
           "copy": {"name": "c", "count": 100000000}, "properties": {"subnets": "[variables('a')]"}}]}"#,
    );
    run(
        r#"[{"id": 5, "type": ["x"], "properties": {"agentPoolProfiles": {"a": 1}}},
            {"type": "Microsoft.ContainerService/managedClusters", "properties": {"agentPoolProfiles": [1, "x", null, {"count": "many", "maxPods": -5, "upgradeSettings": {"maxSurge": "-3%"}}]}}]"#,
    );
    run("a: &a [*a]\n");
    run("\u{feff}");
    run("");
}
