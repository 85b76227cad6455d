//! `cargo bench --bench check`: akslint's full check against the parse-only
//! floor (`serde_json::from_slice::<Value>`) over the same Resource Graph
//! estate, at ~5 MB and ~50 MB, plus per-family check timings at a fixed size
//! and akslint's own spanned JSON parse (the first stage of a check).
//!
//! The estates are generated into a temporary directory when the bench starts
//! (`benches/gen`, seed 7).

mod gen;

use std::path::PathBuf;
use std::sync::OnceLock;

use akslint::check::{check, CheckOptions};
use divan::counter::BytesCount;
use divan::Bencher;
use gen::Family;

// The allocator of the shipped binary (src/main.rs), for the floor and the check alike.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Clusters per family in the per-family benches.
const FAMILY_CLUSTERS: usize = 200;

struct Estate {
    path: PathBuf,
    bytes: Vec<u8>,
}

struct Estates {
    _dir: tempfile::TempDir,
    graph: Vec<(usize, Estate)>,
    families: Vec<(Family, PathBuf, u64)>,
}

fn estates() -> &'static Estates {
    static E: OnceLock<Estates> = OnceLock::new();
    E.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        // Bytes per cluster of a Resource Graph estate, to size the files.
        let per_cluster = gen::render(Family::Graph, 0..100, 7).len() / 100;
        let graph = [5usize, 50]
            .into_iter()
            .map(|mb| {
                let clusters = mb * 1_000_000 / per_cluster;
                let (files, _) = gen::write_estate(
                    &dir.path().join(format!("graph-{mb}")),
                    Family::Graph,
                    clusters,
                    0,
                    7,
                )
                .unwrap();
                let bytes = std::fs::read(&files[0]).unwrap();
                eprintln!(
                    "graph estate ~{mb} MB: {clusters} clusters, {} bytes",
                    bytes.len()
                );
                (
                    mb,
                    Estate {
                        path: files[0].clone(),
                        bytes,
                    },
                )
            })
            .collect();
        let families = Family::ALL
            .into_iter()
            .map(|f| {
                let d = dir.path().join(f.name());
                let (files, _) = gen::write_estate(&d, f, FAMILY_CLUSTERS, 0, 7).unwrap();
                let len = std::fs::metadata(&files[0]).unwrap().len();
                eprintln!(
                    "{} estate: {FAMILY_CLUSTERS} clusters, {len} bytes",
                    f.name()
                );
                (f, d, len)
            })
            .collect();
        Estates {
            _dir: dir,
            graph,
            families,
        }
    })
}

fn graph(mb: usize) -> &'static Estate {
    &estates().graph.iter().find(|(m, _)| *m == mb).unwrap().1
}

fn run_check(path: &std::path::Path) -> usize {
    let opts = CheckOptions {
        paths: vec![path.display().to_string()],
        ..CheckOptions::default()
    };
    let result = check(&opts, &mut std::io::empty());
    assert!(result.files_recognized > 0);
    result.diagnostics.len()
}

fn main() {
    estates();
    divan::main();
}

/// (a) The floor: `serde_json::from_slice::<Value>` over the input bytes.
#[divan::bench(args = [5, 50], sample_count = 10, sample_size = 1)]
fn a_parse_floor(bencher: Bencher, mb: usize) {
    let e = graph(mb);
    bencher
        .counter(BytesCount::new(e.bytes.len()))
        .bench(|| serde_json::from_slice::<serde_json::Value>(divan::black_box(&e.bytes)).unwrap());
}

/// (b) akslint's full check of the same file through the library (read,
/// parse, ingest, link, all rules, policy), as `akslint check FILE` does.
#[divan::bench(args = [5, 50], sample_count = 10, sample_size = 1)]
fn b_full_check(bencher: Bencher, mb: usize) {
    let e = graph(mb);
    bencher
        .counter(BytesCount::new(e.bytes.len()))
        .bench(|| run_check(&e.path));
}

/// akslint's spanned JSON parse alone (the first stage of (b)).
#[divan::bench(args = [5, 50], sample_count = 10, sample_size = 1)]
fn c_akslint_json_parse(bencher: Bencher, mb: usize) {
    let e = graph(mb);
    let text = std::str::from_utf8(&e.bytes).unwrap();
    bencher.counter(BytesCount::new(e.bytes.len())).bench(|| {
        akslint::syntax::json::parse(akslint::source::FileId(0), divan::black_box(text)).unwrap()
    });
}

/// Full check of each input family at 200 clusters (one file each).
#[divan::bench(args = ["arm", "az-cli", "graph", "tf-plan", "tf-yaml", "crossplane"], sample_count = 10, sample_size = 1)]
fn d_family_check(bencher: Bencher, family: &str) {
    let (_, dir, len) = estates()
        .families
        .iter()
        .find(|(f, _, _)| f.name() == family)
        .unwrap();
    bencher
        .counter(BytesCount::new(*len as usize))
        .bench(|| run_check(dir));
}
