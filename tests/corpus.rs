//! Every ARM template, parameter file, ARM resource and az CLI output in the
//! shared corpus of real AKS configurations must be read without a parse error
//! and without a panic; the findings on it are pinned in a snapshot after each
//! was checked by reading the file.

use std::path::{Path, PathBuf};

use akslint::check::{check, CheckOptions};
use akslint::report;

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("AKSLINT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    dir.is_dir().then_some(dir)
}

/// Folders of the corpus holding the input families this release reads
/// (Terraform plans and Kubernetes-style manifests come with their own ingest).
const FAMILIES: &[&str] = &[
    "agic",
    "aks-baseline",
    "aks-baseline-multi-region",
    "aks-baseline-regulated",
    "aks-construction",
    "aks-docs",
    "aks-fabrikam-dronedelivery",
    "aks-landing-zone-accelerator",
    "arm-rest-responses",
    "checkov-arm-fixtures",
    "psrule",
    "quickstart-templates",
    "regula",
    "rest-api-specs",
    "tf-plans",
    "aso-v2",
    "capz",
    "crossplane-configurations",
    "crossplane-provider-azure-classic",
    "crossplane-upjet-azure",
];

#[test]
fn corpus_is_read_without_parse_errors_and_findings_are_pinned() {
    let Some(dir) = corpus_dir() else {
        eprintln!("corpus not found beside the checkout (../shared/corpus); set AKSLINT_CORPUS to run this test");
        return;
    };
    let mut total_files = 0;
    for family in FAMILIES {
        let root = dir.join(family);
        assert!(root.is_dir(), "corpus folder {family} is missing");
        let opts = CheckOptions {
            paths: vec![root.to_string_lossy().into_owned()],
            ..CheckOptions::default()
        };
        let mut result = check(&opts, &mut std::io::empty());
        assert!(result.path_errors.is_empty(), "{:?}", result.path_errors);
        report::sort(&mut result.diagnostics, &result.sources);
        let parse_errors: Vec<String> = result
            .diagnostics
            .iter()
            .filter(|d| d.code == "parse-error")
            .map(|d| {
                format!(
                    "{}: {}",
                    result.sources.get(d.primary.span.file).path,
                    d.message
                )
            })
            .collect();
        assert!(
            parse_errors.is_empty(),
            "parse errors in {family}: {parse_errors:#?}"
        );
        let unrecognised = result.sources.len() - result.files_recognized;
        assert_eq!(
            unrecognised, 0,
            "{family}: {unrecognised} files not recognised"
        );
        total_files += result.sources.len();
    }
    assert!(total_files >= 80, "only {total_files} corpus files read");
    // All families at once, as a user auditing the whole folder would run it:
    // resources of one family must not wrongly link to another's.
    let opts = CheckOptions {
        paths: FAMILIES
            .iter()
            .map(|f| dir.join(f).to_string_lossy().into_owned())
            .collect(),
        ..CheckOptions::default()
    };
    let mut result = check(&opts, &mut std::io::empty());
    report::sort(&mut result.diagnostics, &result.sources);
    let lines: Vec<String> = result
        .diagnostics
        .iter()
        .map(|d| {
            let file = result.sources.get(d.primary.span.file);
            let at = file.line_col(d.primary.span.start as usize);
            let rel = Path::new(&file.path)
                .strip_prefix(&dir)
                .map_or(file.path.clone(), |p| p.to_string_lossy().into_owned());
            format!(
                "{rel}:{}:{} {} {}: {}",
                at.line, at.column, d.code, d.severity, d.message
            )
        })
        .collect();
    insta::assert_snapshot!("corpus_findings", lines.join("\n"));
}
