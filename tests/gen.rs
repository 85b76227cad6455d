//! The estate generator (`benches/gen`) plants a known number of findings in
//! every input family; akslint must report exactly those.

#[path = "../benches/gen/mod.rs"]
mod gen;

use akslint::check::{check, CheckOptions};
use gen::{write_estate, Family};

fn counts(family: Family, clusters: usize, per_file: usize) -> (usize, usize, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    write_estate(dir.path(), family, clusters, per_file, 7).unwrap();
    let opts = CheckOptions {
        paths: vec![dir.path().display().to_string()],
        ..CheckOptions::default()
    };
    let result = check(&opts, &mut std::io::empty());
    let code = |c: &str| result.diagnostics.iter().filter(|d| d.code == c).count();
    let errors: Vec<String> = result
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with(|c: char| c.is_ascii_lowercase()))
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    (code("AKS001"), code("AKS004"), errors)
}

#[test]
fn every_family_reports_exactly_the_planted_findings() {
    let clusters = 30;
    let want = gen::planted(clusters);
    assert_eq!((want.aks001, want.aks004), (5, 3));
    for family in Family::ALL {
        for per_file in [0, 7] {
            let (aks001, aks004, errors) = counts(family, clusters, per_file);
            assert!(errors.is_empty(), "{}: {errors:?}", family.name());
            assert_eq!(
                (aks001, aks004),
                (want.aks001, want.aks004),
                "{} ({per_file} clusters per file): (AKS001, AKS004)",
                family.name()
            );
        }
    }
}

#[test]
fn the_generator_is_deterministic() {
    for family in Family::ALL {
        assert_eq!(gen::render(family, 0..12, 7), gen::render(family, 0..12, 7));
    }
}

#[test]
fn open_ssh_plants_one_aks503_per_open_nsg_in_every_family() {
    let clusters = 30;
    let extras = gen::Extras { open_ssh_every: 4 };
    let want = gen::planted_with(clusters, extras);
    // Clusters 4, 8, 12, 16, 20, 24: 0 and 28 have no NSG.
    assert_eq!(want.aks503, 6);
    for family in Family::ALL {
        let dir = tempfile::tempdir().unwrap();
        gen::write_estate_with(dir.path(), family, clusters, 0, 7, extras).unwrap();
        let opts = CheckOptions {
            paths: vec![dir.path().display().to_string()],
            ..CheckOptions::default()
        };
        let result = check(&opts, &mut std::io::empty());
        let code = |c: &str| result.diagnostics.iter().filter(|d| d.code == c).count();
        assert_eq!(
            (code("AKS001"), code("AKS004"), code("AKS503")),
            (want.aks001, want.aks004, want.aks503),
            "{}: (AKS001, AKS004, AKS503)",
            family.name()
        );
    }
}
