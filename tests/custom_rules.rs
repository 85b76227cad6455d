//! User rule packs end to end: one YAML rule fires with the right file, line and
//! column on the same mistake in an ARM template, `az` output, a Terraform plan
//! and a Crossplane manifest; packs load from `--rules` and from akslint.toml.

mod common;

use common::{akslint, akslint_in, json, stdout};

const RULE: &str = "fixtures/rule-e2e/no-public-node-ips.yaml";

/// (input, line, column) of the `true` that enables node public IPs.
const SAME_MISTAKE: &[(&str, u64, u64)] = &[
    ("arm-template.json", 16, 108),
    ("az-cli.json", 14, 29),
    ("plan.json", 36, 39),
    ("crossplane.yaml", 34, 25),
];

#[test]
fn one_rule_fires_on_every_input_format() {
    for (input, line, column) in SAME_MISTAKE {
        let path = format!("fixtures/rule-e2e/{input}");
        let o = akslint(&[
            "check", "--rules", RULE, "--select", "ACME101", "--format", "json", &path,
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{input}: warnings do not fail the run"
        );
        let v = json(&o);
        let d = v["diagnostics"].as_array().expect("diagnostics");
        assert_eq!(d.len(), 1, "{input}: {v:#}");
        assert_eq!(d[0]["code"], "ACME101");
        assert_eq!(d[0]["name"], "no-public-node-ips");
        assert_eq!(d[0]["severity"], "warning");
        assert_eq!(d[0]["file"], path);
        assert_eq!(
            (d[0]["line"].as_u64(), d[0]["column"].as_u64()),
            (Some(*line), Some(*column)),
            "{input}"
        );
        assert_eq!(
            d[0]["message"],
            "node pool `edge` of cluster `aks-edge` gives every node a public IP address"
        );
    }
}

#[test]
fn human_report_of_a_user_rule() {
    let o = akslint(&[
        "check",
        "--rules",
        RULE,
        "--select",
        "ACME101",
        "fixtures/rule-e2e/arm-template.json",
    ]);
    let text = stdout(&o);
    let text = text
        .lines()
        .filter(|l| !l.contains(" in "))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("user_rule_arm_human", text);
}

#[test]
fn config_rules_and_overrides_name_user_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir(root.join("house-rules")).expect("mkdir");
    let rule =
        std::fs::read_to_string(format!("{}/{RULE}", env!("CARGO_MANIFEST_DIR"))).expect("rule");
    std::fs::write(root.join("house-rules/public-ips.yml"), rule).expect("write rule");
    let input = std::fs::read_to_string(format!(
        "{}/fixtures/rule-e2e/az-cli.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("input");
    std::fs::write(root.join("aks.json"), input).expect("write input");
    std::fs::write(
        root.join("akslint.toml"),
        "rules = [\"house-rules\"]\nselect = [\"ACME1\"]\n[severity]\nno-public-node-ips = \"error\"\n",
    )
    .expect("write config");
    let o = akslint_in(root, &["check", "--format", "json", "aks.json"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert_eq!(v["diagnostics"][0]["code"], "ACME101");
    assert_eq!(v["diagnostics"][0]["severity"], "error");
    assert_eq!(v["diagnostics"].as_array().map(Vec::len), Some(1));
    // `ignore` silences it like any rule.
    std::fs::write(
        root.join("akslint.toml"),
        "rules = [\"house-rules\"]\nignore = [\"ACME101\"]\n",
    )
    .expect("write config");
    let o = akslint_in(root, &["check", "--format", "json", "aks.json"]);
    let v = json(&o);
    assert!(
        v["diagnostics"]
            .as_array()
            .is_some_and(|d| d.iter().all(|d| d["code"] != "ACME101")),
        "{v:#}"
    );
    // The same pack on the command line and in the configuration loads once.
    std::fs::write(root.join("akslint.toml"), "rules = [\"house-rules\"]\n").expect("write config");
    let o = akslint_in(
        root,
        &["check", "--rules", "house-rules/public-ips.yml", "aks.json"],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A broken rule in the configuration's pack is located, relative to the working directory.
    std::fs::write(root.join("house-rules/broken.yaml"), "id: ACME9\nname: x\nseverity: error\nsummary: s\nmatch: vnets\nassert: {field: name, exists: true}\n").expect("write rule");
    let o = akslint_in(root, &["check", "aks.json"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("[house-rules/broken.yaml:5:8]"), "{err}");
    assert!(o.stdout.is_empty());
    std::fs::remove_file(root.join("house-rules/broken.yaml")).expect("remove rule");
    // Without the pack, the configuration's rule names are unknown.
    std::fs::write(root.join("akslint.toml"), "select = [\"ACME101\"]\n").expect("write config");
    let o = akslint_in(root, &["check", "aks.json"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn rules_explain_and_sarif_include_user_rules() {
    let o = akslint(&["rules", "--rules", RULE]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.starts_with("ACME101 no-public-node-ips")),
        "{text}"
    );
    assert!(text.contains("AKS403  basic-load-balancer"), "{text}");
    let o = akslint(&["explain", "no-public-node-ips", "--rules", RULE]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(
        text.starts_with("ACME101 no-public-node-ips (warning, security)"),
        "{text}"
    );
    assert!(
        text.ends_with("Documentation: https://wiki.example.com/aks/no-public-node-ips\n"),
        "{text}"
    );
    let o = akslint(&[
        "check",
        "--rules",
        RULE,
        "--format",
        "sarif",
        "fixtures/rule-e2e/az-cli.json",
    ]);
    let v = json(&o);
    let rules = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let acme = rules
        .iter()
        .find(|r| r["id"] == "ACME101")
        .expect("ACME101 described");
    assert_eq!(
        acme["helpUri"],
        "https://wiki.example.com/aks/no-public-node-ips"
    );
}

#[test]
fn schema_subcommands_print_json() {
    let o = akslint(&["schema", "rules"]);
    assert_eq!(o.status.code(), Some(0));
    let committed =
        std::fs::read_to_string(format!("{}/rules/schema.json", env!("CARGO_MANIFEST_DIR")))
            .expect("schema.json");
    assert_eq!(stdout(&o), committed);
    let o = akslint(&["schema", "model"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!(
        v["kinds"]["node_pool"]["fields"]["enable_node_public_ip"]["type"],
        "bool"
    );
    assert_eq!(v["kinds"]["subnet"]["fields"]["nsg"]["target"], "nsg");
}
