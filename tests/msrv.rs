//! `rust-version` in Cargo.toml is what the locked dependencies need: no
//! normal or build dependency in Cargo.lock declares a newer one. (The
//! highest today is ordered-float 5.5's 1.90, through saphyr; akslint's own
//! code needs less.) Reads `cargo metadata --locked --offline`: no network.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

fn version(text: &str) -> Vec<u64> {
    text.split('.').filter_map(|p| p.parse().ok()).collect()
}

#[test]
fn rust_version_covers_every_locked_dependency() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let packages: BTreeMap<&str, &serde_json::Value> = m["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let nodes: BTreeMap<&str, &serde_json::Value> = m["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let root = m["resolve"]["root"].as_str().expect("a root package");
    let ours = version(
        packages[root]["rust_version"]
            .as_str()
            .expect("rust-version is set"),
    );
    // Walk what a `cargo install` builds: normal and build dependencies.
    let mut seen = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().into_iter().flatten() {
            let built = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            if built {
                stack.extend(dep["pkg"].as_str());
            }
        }
    }
    for id in seen {
        let p = packages[id];
        if let Some(needed) = p["rust_version"].as_str() {
            assert!(
                version(needed) <= ours,
                "{} {} needs Rust {needed}, above rust-version in Cargo.toml",
                p["name"],
                p["version"]
            );
        }
    }
}
