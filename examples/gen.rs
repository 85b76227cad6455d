//! Writes a synthetic AKS estate for benchmarks and comparisons:
//!
//! ```text
//! cargo run --release --example gen -- --family graph --clusters 1000 --seed 7 --out DIR [--per-file N] [--open-ssh-every N]
//! ```
//!
//! Families: arm, az-cli, graph, tf-plan, tf-yaml, crossplane, or `all` (one
//! sub-directory each). Every 10th cluster is planted for AKS004 and every
//! 7th for AKS001; with `--open-ssh-every N` the NSG of every N-th cluster
//! also allows SSH from the Internet (AKS503). The counts are printed.

#[path = "../benches/gen/mod.rs"]
mod gen;

use std::path::PathBuf;
use std::process::ExitCode;

use gen::Family;

fn main() -> ExitCode {
    let mut family = "graph".to_string();
    let mut clusters = 100usize;
    let mut seed = 7u64;
    let mut per_file = 0usize;
    let mut out: Option<PathBuf> = None;
    let mut extras = gen::Extras::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        match a.as_str() {
            "--family" => family = value(),
            "--clusters" => clusters = value().parse().unwrap_or(clusters),
            "--seed" => seed = value().parse().unwrap_or(seed),
            "--per-file" => per_file = value().parse().unwrap_or(per_file),
            "--out" => out = Some(PathBuf::from(value())),
            "--open-ssh-every" => {
                extras.open_ssh_every = value().parse().unwrap_or(extras.open_ssh_every)
            }
            _ => {
                eprintln!(
                    "usage: gen --family F|all --clusters N --seed S [--per-file N] [--open-ssh-every N] --out DIR"
                );
                return ExitCode::from(2);
            }
        }
    }
    let Some(out) = out else {
        eprintln!("gen: --out DIR is required");
        return ExitCode::from(2);
    };
    let families: Vec<Family> = if family == "all" {
        Family::ALL.to_vec()
    } else if let Some(f) = Family::parse(&family) {
        vec![f]
    } else {
        eprintln!("gen: unknown family `{family}`");
        return ExitCode::from(2);
    };
    for f in families {
        let dir = if family == "all" {
            out.join(f.name())
        } else {
            out.clone()
        };
        match gen::write_estate_with(&dir, f, clusters, per_file, seed, extras) {
            Ok((files, planted)) => {
                let bytes: u64 = files
                    .iter()
                    .filter_map(|p| p.metadata().ok())
                    .map(|m| m.len())
                    .sum();
                println!(
                    "{}: {} clusters in {} file(s), {} bytes, planted AKS001={} AKS004={} AKS503={}",
                    f.name(),
                    clusters,
                    files.len(),
                    bytes,
                    planted.aks001,
                    planted.aks004,
                    planted.aks503
                );
            }
            Err(e) => {
                eprintln!("gen: {}: {e}", dir.display());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
