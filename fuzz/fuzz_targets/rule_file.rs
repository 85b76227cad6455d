#![no_main]
//! Rule file YAML text -> the declarative rule loader; rules that load run on
//! a small inventory.
use akslint::model::InventoryBuilder;
use akslint::rules::{self, declarative, Rule, Thresholds};
use akslint::source::SourceMap;
use libfuzzer_sys::fuzz_target;

const CLUSTER: &str = r#"{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
  "name":"aks1","type":"Microsoft.ContainerService/managedClusters","properties":{"kubernetesVersion":"1.29.0",
  "apiServerAccessProfile":{"authorizedIPRanges":["0.0.0.0/0"]},
  "agentPoolProfiles":[{"name":"sys","count":2,"enableNodePublicIP":true}]}}"#;

fuzz_target!(|text: &str| {
    let mut sources = SourceMap::default();
    let file = sources.add("rules.yaml".into(), text.to_string());
    let Ok(loaded) = declarative::load_files(&[file], &sources, false, &rules::builtin()) else {
        return;
    };
    let input = sources.add("aks.json".into(), CLUSTER.to_string());
    let Ok(node) = akslint::syntax::json::parse(input, CLUSTER) else {
        return;
    };
    let mut b = InventoryBuilder::default();
    akslint::ingest::ingest_document(&mut b, &node, akslint::ingest::classify(&node));
    let inv = b.finish();
    let loaded: Vec<&'static dyn Rule> = loaded
        .into_iter()
        .map(|r| -> &'static dyn Rule { Box::leak(Box::new(r)) })
        .collect();
    let _ = rules::run(&inv, &loaded, &Thresholds::default());
});
