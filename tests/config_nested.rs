//! Each input follows the nearest akslint.toml above it (as ruff's files do):
//! a `prod/` folder can turn off a rule that `dev/` keeps, in one run.

mod common;

use std::path::Path;

use common::{akslint_in, locations, stderr};

const UNDERSIZED: &str = include_str!("../fixtures/AKS004/fail/arm-template.json");

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The files with an AKS004 finding, sorted.
fn aks004_files(root: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let out = akslint_in(root, &all);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let mut files: Vec<String> = locations(&out)
        .into_iter()
        .filter(|(code, ..)| code == "AKS004")
        .map(|(_, file, ..)| file)
        .collect();
    files.sort();
    files.dedup();
    files
}

fn estate() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "akslint.toml", "select = [\"AKS\"]\n");
    write(root, "dev/aks.json", UNDERSIZED);
    write(root, "prod/aks.json", UNDERSIZED);
    write(
        root,
        "prod/akslint.toml",
        "ignore = [\"AKS004\"]\nexclude = [\"scratch/**\"]\n",
    );
    write(root, "prod/scratch/aks.json", UNDERSIZED);
    dir
}

#[test]
fn each_folder_follows_its_nearest_configuration() {
    let dir = estate();
    let root = dir.path();
    assert_eq!(aks004_files(root, &["."]), vec!["dev/aks.json"]);
    // Named one by one, the files still follow their own folders' files.
    assert_eq!(
        aks004_files(root, &["dev/aks.json", "prod/aks.json"]),
        vec!["dev/aks.json"]
    );
    // From inside prod/, the nearest file is prod's; dev's inputs still follow the root's.
    assert_eq!(
        aks004_files(&root.join("prod"), &[".", "../dev"]),
        vec!["../dev/aks.json"]
    );
}

#[test]
fn the_nearer_configuration_excludes_relative_to_its_folder() {
    let dir = estate();
    let out = akslint_in(dir.path(), &["check", "--format", "json", "."]);
    let files: Vec<String> = locations(&out).into_iter().map(|(_, f, ..)| f).collect();
    assert!(files.iter().all(|f| !f.contains("scratch")), "{files:?}");
}

#[test]
fn config_flag_and_selection_flags_override_the_nested_files() {
    let dir = estate();
    let root = dir.path();
    // --config: one configuration for everything (the root's selects all).
    assert_eq!(
        aks004_files(root, &["--config", "akslint.toml", "dev", "prod/aks.json"]),
        vec!["dev/aks.json", "prod/aks.json"]
    );
    // --select puts the rule set in the command line's hands, in every folder.
    assert_eq!(
        aks004_files(root, &["--select", "AKS004", "."]),
        vec!["dev/aks.json", "prod/aks.json"]
    );
}

#[test]
fn a_mistake_in_a_nested_configuration_is_reported_at_its_line() {
    let dir = estate();
    let root = dir.path();
    write(
        root,
        "prod/akslint.toml",
        "ignore = [\"AKS004\"]\nbogus = 1\n",
    );
    let out = akslint_in(root, &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("prod/akslint.toml:2:1"), "{err}");
}
