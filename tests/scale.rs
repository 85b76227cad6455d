//! Guards against steps that grow faster than the input. Speed is measured in
//! benchmarks (docs/performance.md), not here: these bounds are 10–30× what the
//! linear code takes even in a debug build on a loaded 2-core runner, and far
//! below what a per-pair step takes at this size (the all-pairs subnet overlap
//! check took over 60 s on 65,000 subnets in a release build).

mod common;

use std::time::{Duration, Instant};

use common::{akslint_in, stderr};

/// A VNet as `az network vnet show` prints it, with `n` /28 subnets.
fn vnet_with_subnets(n: usize) -> String {
    let subnets: Vec<String> = (0..n)
        .map(|i| {
            let (a, b, c) = (i / 4096, (i / 16) % 256, (i % 16) * 16);
            format!(r#"{{"name":"s{i}","properties":{{"addressPrefix":"10.{a}.{b}.{c}/28"}}}}"#)
        })
        .collect();
    format!(
        r#"{{"name":"v","type":"Microsoft.Network/virtualNetworks",
"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
"properties":{{"addressSpace":{{"addressPrefixes":["10.0.0.0/8"]}},"subnets":[{}]}}}}"#,
        subnets.join(",\n")
    )
}

#[test]
fn sixty_thousand_subnets_in_one_vnet_are_checked_without_a_per_pair_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = vnet_with_subnets(60_000);
    std::fs::write(dir.path().join("vnet.json"), &text).unwrap();
    let started = Instant::now();
    let out = akslint_in(dir.path(), &["check", "--format", "json", "vnet.json"]);
    let took = started.elapsed();
    // Disjoint subnets, no cluster: nothing to report.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(took < Duration::from_secs(30), "took {took:?}");

    // The same shape with one overlap at the end is still found, at its line
    // (subnet i is on line 3 + i; the prefix value starts at column 48).
    text = text.replace(
        r#""name":"s59999","properties":{"addressPrefix":"10.14.165.240/28"}"#,
        r#""name":"s59999","properties":{"addressPrefix":"10.0.0.0/28"}"#,
    );
    std::fs::write(dir.path().join("vnet.json"), &text).unwrap();
    let out = akslint_in(dir.path(), &["check", "--format", "json", "vnet.json"]);
    let found = common::locations(&out);
    assert_eq!(
        found,
        vec![("AKS111".to_string(), "vnet.json".to_string(), 60_002, 48)],
        "{}",
        stderr(&out)
    );
}
