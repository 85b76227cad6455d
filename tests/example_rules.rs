//! The house rules of `examples/rules/` (a user pack: ACME001–ACME005) load with
//! `--rules`, fire at the offending field of their failing fixtures and stay
//! silent on their passing ones. ACME005 shows the point of declarative rules:
//! one YAML rule reports the same mistake — a node pool with public node IPs —
//! in an ARM template, `az aks show` output, a Terraform plan and a Crossplane
//! manifest, each time at the line that says so.

mod common;

use common::akslint;

const PACK: &str = "examples/rules";
const FIXTURES: &str = "examples/rules/fixtures";

/// `akslint check PATH --rules examples/rules --select CODE --format json`.
fn check(path: &str, code: &str) -> (Option<i32>, serde_json::Value) {
    let o = akslint(&[
        "check", path, "--rules", PACK, "--select", code, "--format", "json",
    ]);
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{path}: not a JSON report ({e}): {}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code(), v)
}

/// (rule, case inside fixtures/<rule>/fail, file of the primary span relative to fail/, line, column, text at the span)
const FAILING: &[(&str, &str, &str, u64, u64, &str)] = &[
    // A prod-tagged cluster with `"enablePrivateCluster": false`.
    (
        "ACME001",
        "arm-template.json",
        "arm-template.json",
        100,
        45,
        "false",
    ),
    // The same in a Terraform plan: `"private_cluster_enabled": false`.
    (
        "ACME001",
        "terraform-plan",
        "terraform-plan/plan.json",
        109,
        40,
        "false",
    ),
    // The node subnet's `"addressPrefix": "10.30.0.0/22"`.
    (
        "ACME002",
        "arm-template.json",
        "arm-template.json",
        54,
        46,
        "\"10.30.0.0/22\"",
    ),
    // Cluster `aks-payments`: no stage. The name comes from a parameter; the
    // finding points at the template's `name`.
    (
        "ACME003",
        "cluster-name",
        "cluster-name/arm-template.json",
        66,
        21,
        "\"[parameters('clusterName')]\"",
    ),
    // System pool `system`: not sys<n>.
    (
        "ACME003",
        "pool-name",
        "pool-name/arm-template.json",
        80,
        33,
        "\"system\"",
    ),
    // The node subnet's NSG only allows HTTPS in: its name.
    (
        "ACME004",
        "arm-template.json",
        "arm-template.json",
        30,
        21,
        "\"[variables('nsgName')]\"",
    ),
];

/// ACME005, one mistake in four input families: (family, file, line, column, text).
const PUBLIC_NODE_IPS: &[(&str, &str, u64, u64, &str)] = &[
    ("arm-template.json", "arm-template.json", 96, 47, "true"),
    ("az-cli.json", "az-cli.json", 38, 31, "true"),
    (
        "terraform-plan",
        "terraform-plan/plan.json",
        366,
        39,
        "true",
    ),
    ("crossplane", "crossplane/manifests.yaml", 107, 26, "true"),
];

/// The text a diagnostic's primary span covers, when it is on one line.
fn span_text(d: &serde_json::Value) -> String {
    let (Some(file), Some(line), Some(col), Some(end_line), Some(end_col)) = (
        d["file"].as_str(),
        d["line"].as_u64(),
        d["column"].as_u64(),
        d["end_line"].as_u64(),
        d["end_column"].as_u64(),
    ) else {
        return String::new();
    };
    if line != end_line {
        return String::new();
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let chars: Vec<char> = text
        .lines()
        .nth(line as usize - 1)
        .unwrap_or("")
        .chars()
        .collect();
    chars
        .get(col as usize - 1..end_col as usize - 1)
        .map(|c| c.iter().collect())
        .unwrap_or_default()
}

fn assert_one_finding(
    path: &str,
    rule: &str,
    file: &str,
    line: u64,
    column: u64,
    text: &str,
) -> serde_json::Value {
    let (code, v) = check(path, rule);
    let diags = v["diagnostics"].as_array().expect("diagnostics array");
    assert_eq!(diags.len(), 1, "{path}: {diags:#?}");
    let d = &diags[0];
    assert_eq!(d["code"], rule, "{path}");
    assert_eq!(d["file"], file, "{path}");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(line), Some(column)),
        "{path}: {d:#}"
    );
    assert_eq!(span_text(d), text, "{path}: {d:#}");
    // The house rules are errors or warnings; only errors fail the run by default.
    let expected = if d["severity"] == "error" { 1 } else { 0 };
    assert_eq!(code, Some(expected), "{path}");
    d.clone()
}

#[test]
fn each_house_rule_fails_at_the_field() {
    for (rule, case, file, line, column, text) in FAILING {
        let path = format!("{FIXTURES}/{rule}/fail/{case}");
        let file = format!("{FIXTURES}/{rule}/fail/{file}");
        assert_one_finding(&path, rule, &file, *line, *column, text);
    }
}

#[test]
fn one_rule_reports_one_mistake_in_four_input_families() {
    let mut messages = Vec::new();
    for (family, file, line, column, text) in PUBLIC_NODE_IPS {
        let path = format!("{FIXTURES}/ACME005/fail/{family}");
        let file = format!("{FIXTURES}/ACME005/fail/{file}");
        let d = assert_one_finding(&path, "ACME005", &file, *line, *column, text);
        assert_eq!(d["severity"], "error", "{path}");
        messages.push(d["message"].as_str().unwrap_or("").to_string());
    }
    // The same pool, named the same way, whatever the input.
    for m in &messages {
        assert_eq!(
            m, "node pool `gameserver` gives its nodes public IP addresses",
            "{messages:#?}"
        );
    }
}

#[test]
fn each_house_rule_passes() {
    for rule in ["ACME001", "ACME002", "ACME003", "ACME004", "ACME005"] {
        let path = format!("{FIXTURES}/{rule}/pass");
        let (code, v) = check(&path, rule);
        assert_eq!(v["diagnostics"], serde_json::json!([]), "{path}");
        assert_eq!(code, Some(0), "{path}");
        assert!(
            v["summary"]["resources"].as_u64().unwrap_or(0) >= 3,
            "{path}: nothing read"
        );
    }
}

#[test]
fn the_pack_loads_beside_the_built_in_rules() {
    let o = akslint(&["rules", "--rules", PACK, "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json rule list");
    let codes: Vec<&str> = v
        .as_array()
        .expect("a list of rules")
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect();
    for code in [
        "ACME001", "ACME002", "ACME003", "ACME004", "ACME005", "AKS001", "AKS701",
    ] {
        assert!(codes.contains(&code), "{code}: {codes:?}");
    }
    // A house rule links to its own documentation, never to a page akslint does not have.
    let url = |code: &str| {
        v.as_array()
            .and_then(|rules| rules.iter().find(|r| r["code"] == code))
            .map(|r| r["url"].clone())
    };
    assert_eq!(
        url("ACME001"),
        Some(serde_json::json!(
            "https://wiki.example.com/platform/aks#private-api-server"
        ))
    );
    assert_eq!(url("ACME002"), Some(serde_json::Value::Null));
}
