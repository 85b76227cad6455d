//! Configuration, suppressions, baselines and the pre-commit case, end to end.

use std::path::Path;
use std::process::Output;

mod common;

use common::akslint_in;

fn codes(o: &Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)));
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            format!(
                "{}@{}:{}",
                d["code"].as_str().unwrap_or(""),
                d["file"].as_str().unwrap_or(""),
                d["line"]
            )
        })
        .collect()
}

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .expect("fixture exists")
}

/// A directory holding the AKS001 and AKS004 failing az CLI YAML inputs.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (from, to) in [
        (
            "fixtures/AKS001/fail/az-cli-yaml/az-aks-show.yaml",
            "a/aks.yaml",
        ),
        (
            "fixtures/AKS001/fail/az-cli-yaml/az-network-vnet-show.yaml",
            "a/vnet.yaml",
        ),
        ("fixtures/AKS004/fail/az-cli.json", "b/az.json"),
    ] {
        let path = dir.path().join(to);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        // Both clusters become private and get a policy engine (on the same lines, so
        // positions stay), so that AKS601, AKS701 and AKS703 stay quiet and the two
        // findings these tests are about remain.
        let text = fixture(from)
            .replace(
                "apiServerAccessProfile: null",
                "apiServerAccessProfile: {enablePrivateCluster: true}",
            )
            .replace(
                "\"apiServerAccessProfile\": null",
                "\"apiServerAccessProfile\": {\"enablePrivateCluster\": true}",
            )
            .replace("networkPolicy: null", "networkPolicy: calico");
        // A second subscription, so the two fixtures' resources do not merge.
        let text = if to.starts_with("b/") {
            text.replace(
                "00000000-0000-0000-0000-000000000000",
                "11111111-1111-1111-1111-111111111111",
            )
        } else {
            text
        };
        std::fs::write(path, text).expect("write");
    }
    dir
}

#[test]
fn without_policy_both_findings_show() {
    let dir = workspace();
    let all = akslint_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(
        codes(&all),
        vec!["AKS001@a/vnet.yaml:30", "AKS004@b/az.json:196"]
    );
}

#[test]
fn config_selects_ignores_and_overrides_severity() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("akslint.toml"),
        "ignore = [\"AKS004\"]\n[severity]\nAKS001 = \"warning\"\n",
    )
    .expect("write");
    let o = akslint_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(codes(&o), vec!["AKS001@a/vnet.yaml:30"]);
    // A warning does not fail the default gate.
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        akslint_in(dir.path(), &["check", "--fail-on", "warning"])
            .status
            .code(),
        Some(1)
    );
    // Flags replace the configuration's selection.
    let o = akslint_in(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--select",
            "cni-subnet-too-small",
        ],
    );
    assert_eq!(codes(&o), vec!["AKS004@b/az.json:196"]);
    let o = akslint_in(dir.path(), &["check", "--select", "AKS9"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn per_path_ignores_and_excludes() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("akslint.toml"),
        "exclude = [\"b/**\"]\n[[per-path]]\npath = \"a/**\"\nignore = [\"AKS001\"]\n",
    )
    .expect("write");
    let o = akslint_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(codes(&o), Vec::<String>::new());
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn config_errors_point_at_the_line_and_exit_2() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("akslint.toml"),
        "select = [\"AKS0\"]\n\n[thresholds]\nmin-headroom-percent = 120\n",
    )
    .expect("write");
    let o = akslint_in(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    insta::assert_snapshot!("config_error", err);
}

#[test]
fn init_writes_a_valid_starter_config() {
    let dir = workspace();
    assert_eq!(akslint_in(dir.path(), &["init"]).status.code(), Some(0));
    assert!(dir.path().join("akslint.toml").is_file());
    assert_eq!(akslint_in(dir.path(), &["init"]).status.code(), Some(2));
    let o = akslint_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(codes(&o).len(), 2);
}

#[test]
fn comment_suppression_with_reason_and_unused_ones() {
    let dir = workspace();
    let vnet = dir.path().join("a/vnet.yaml");
    let text = std::fs::read_to_string(&vnet).expect("read");
    // Put the suppression on the line before the subnet's list item.
    let lines: Vec<&str> = text.lines().collect();
    let item = (0..30)
        .rev()
        .find(|&i| lines[i].trim_start().starts_with("- "))
        .expect("the subnet's list item");
    let indent = &lines[item][..lines[item].len() - lines[item].trim_start().len()];
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    out.insert(
        item,
        format!("{indent}# akslint-ignore: AKS001 -- lab subnet, filtered by the hub firewall"),
    );
    out.insert(0, "# akslint-ignore: AKS002".to_string());
    std::fs::write(&vnet, out.join("\n")).expect("write");
    let o = akslint_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(
        codes(&o),
        vec!["unused-suppression@a/vnet.yaml:1", "AKS004@b/az.json:196"]
    );
}

#[test]
fn tag_suppression_on_the_vnet_covers_its_subnets() {
    let dir = workspace();
    let vnet = dir.path().join("a/vnet.yaml");
    let text = std::fs::read_to_string(&vnet)
        .expect("read")
        .replace("tags: {}", "tags:\n  akslint-ignore: AKS001");
    assert!(
        text.contains("akslint-ignore"),
        "the fixture has a tags map"
    );
    std::fs::write(&vnet, text).expect("write");
    let o = akslint_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(codes(&o), vec!["AKS004@b/az.json:196"]);
}

#[test]
fn baseline_hides_known_findings_even_after_lines_move() {
    let dir = workspace();
    let o = akslint_in(dir.path(), &["check", "--write-baseline", "base.json"]);
    assert_eq!(o.status.code(), Some(0));
    let o = akslint_in(
        dir.path(),
        &["check", "--baseline", "base.json", "--format", "json"],
    );
    assert_eq!(codes(&o), Vec::<String>::new());
    assert!(String::from_utf8_lossy(&o.stderr).contains("2 findings hidden by the baseline"));
    // Lines move: the findings are still the known ones.
    let az = dir.path().join("b/az.json");
    let text = std::fs::read_to_string(&az).expect("read");
    std::fs::write(&az, format!("\n\n\n{text}")).expect("write");
    let o = akslint_in(
        dir.path(),
        &["check", "--baseline", "base.json", "--format", "json"],
    );
    assert_eq!(codes(&o), Vec::<String>::new());
    // A new problem is reported.
    std::fs::write(&az, text.replace("10.30.0.0/24", "10.30.0.0/25")).expect("write");
    let o = akslint_in(
        dir.path(),
        &["check", "--baseline", "base.json", "--format", "json"],
    );
    assert_eq!(codes(&o), vec!["AKS004@b/az.json:196"]);
}

#[test]
fn pre_commit_reports_on_passed_files_and_links_siblings() {
    let dir = workspace();
    // Only the cluster file changed; its subnet lives in the sibling vnet.yaml.
    let o = akslint_in(
        dir.path(),
        &["check", "--with-siblings", "a/aks.yaml", "--format", "json"],
    );
    // The finding's primary span is in vnet.yaml, but it points into the
    // changed cluster file too: the change that caused it is refused.
    assert_eq!(codes(&o), vec!["AKS001@a/vnet.yaml:30"]);
    let o = akslint_in(
        dir.path(),
        &[
            "check",
            "--with-siblings",
            "a/vnet.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(codes(&o), vec!["AKS001@a/vnet.yaml:30"]);
    // Without siblings the subnet is not linked to any pool.
    let o = akslint_in(dir.path(), &["check", "a/vnet.yaml", "--format", "json"]);
    assert_eq!(codes(&o), Vec::<String>::new());
}

#[test]
fn pre_commit_passes_when_no_changed_file_is_an_azure_input() {
    let dir = workspace();
    std::fs::write(dir.path().join("a/workflow.yml"), "on: push\njobs: {}\n").expect("write");
    let o = akslint_in(dir.path(), &["check", "--with-siblings", "a/workflow.yml"]);
    assert_eq!(o.status.code(), Some(0));
    // Without the pre-commit flag, naming only such a file is "nothing to check".
    let o = akslint_in(dir.path(), &["check", "a/workflow.yml"]);
    assert_eq!(o.status.code(), Some(2));
}
