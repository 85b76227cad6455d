//! The shipped pack: every `rules/*.yaml`, embedded in the binary and parsed
//! once per process.

use std::sync::OnceLock;

use super::{load_files, DeclarativeRule};
use crate::source::SourceMap;

/// `(path in the repository, text)` of every shipped rule file; a test checks
/// that every `rules/*.yaml` is listed.
pub const FILES: &[(&str, &str)] = &[
    (
        "rules/AKS205-kubenet-retirement.yaml",
        include_str!("../../../rules/AKS205-kubenet-retirement.yaml"),
    ),
    (
        "rules/AKS403-basic-load-balancer.yaml",
        include_str!("../../../rules/AKS403-basic-load-balancer.yaml"),
    ),
    (
        "rules/AKS701-network-policy-missing.yaml",
        include_str!("../../../rules/AKS701-network-policy-missing.yaml"),
    ),
    (
        "rules/AKS702-node-public-ip-enabled.yaml",
        include_str!("../../../rules/AKS702-node-public-ip-enabled.yaml"),
    ),
    (
        "rules/AKS703-private-cluster-disabled.yaml",
        include_str!("../../../rules/AKS703-private-cluster-disabled.yaml"),
    ),
    (
        "rules/AKS704-http-application-routing-enabled.yaml",
        include_str!("../../../rules/AKS704-http-application-routing-enabled.yaml"),
    ),
    (
        "rules/AKS705-dns-servers-outside-vnet.yaml",
        include_str!("../../../rules/AKS705-dns-servers-outside-vnet.yaml"),
    ),
];

/// The shipped rules, in file order. A shipped file that does not load is a
/// bug the tests catch (`shipped_pack_loads`); at run time it yields no rules
/// rather than a panic.
pub fn rules() -> &'static [DeclarativeRule] {
    static RULES: OnceLock<Vec<DeclarativeRule>> = OnceLock::new();
    RULES.get_or_init(|| load().unwrap_or_default())
}

/// Parses the shipped files (with their own source map, for error messages).
pub fn load() -> Result<Vec<DeclarativeRule>, (SourceMap, Vec<crate::diagnostic::Diagnostic>)> {
    let mut sources = SourceMap::default();
    let files: Vec<_> = FILES
        .iter()
        .map(|(path, text)| sources.add((*path).to_string(), (*text).to_string()))
        .collect();
    load_files(&files, &sources, true, crate::rules::builtin()).map_err(|d| (sources, d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};
    use crate::rules::{find, Rule};
    use crate::syntax::node::{Node, NodeKind, Number};

    fn rule(code: &str) -> &'static dyn Rule {
        match find(code) {
            Some(r) => r,
            None => panic!("{code} is not loaded"),
        }
    }

    #[test]
    fn shipped_pack_loads() {
        match load() {
            Ok(rules) => assert_eq!(rules.len(), FILES.len()),
            Err((sources, d)) => panic!(
                "{}",
                crate::report::human::render(
                    &d,
                    &sources,
                    &crate::report::Summary::default(),
                    &crate::report::human::Options {
                        color: false,
                        width: 100,
                        show_elapsed: false
                    }
                )
            ),
        }
        assert_eq!(rules().len(), FILES.len());
    }

    #[test]
    fn every_rule_file_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("rules/ exists")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
            .map(|n| format!("rules/{n}"))
            .collect();
        on_disk.sort();
        let listed: Vec<String> = FILES.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(listed, on_disk);
        for (path, text) in FILES {
            let disk = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
                .expect("listed file exists");
            assert_eq!(*text, disk, "{path}");
        }
    }

    fn to_json(node: &Node) -> serde_json::Value {
        match &node.kind {
            NodeKind::Null | NodeKind::Unknown(_) => serde_json::Value::Null,
            NodeKind::Bool(b) => (*b).into(),
            NodeKind::Number(Number::Int(i)) => (*i).into(),
            NodeKind::Number(Number::Float(f)) => serde_json::json!(f),
            NodeKind::String(s) => s.as_str().into(),
            NodeKind::Array(items) => items.iter().map(to_json).collect(),
            NodeKind::Object(entries) => entries
                .iter()
                .map(|e| (e.key.clone(), to_json(&e.value)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }

    #[test]
    fn shipped_rules_validate_against_the_schema() {
        // The committed copy editors use (equal to the generated one, see below).
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/schema.json");
        let text = std::fs::read_to_string(path).expect("rules/schema.json exists");
        let schema: serde_json::Value = serde_json::from_str(&text).expect("schema.json is JSON");
        let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
        for (path, text) in FILES {
            let docs = crate::syntax::yaml::parse(crate::source::FileId(0), text).expect("YAML");
            for doc in docs.iter().filter(|d| !d.is_null()) {
                let value = to_json(doc);
                let errors: Vec<String> = validator
                    .iter_errors(&value)
                    .map(|e| e.to_string())
                    .collect();
                assert!(errors.is_empty(), "{path}: {errors:?}");
            }
        }
        // And the schema rejects what the loader rejects.
        let bad = serde_json::json!({"id": "X1", "name": "x", "severity": "loud", "summary": "s",
            "match": "cluster", "assert": {"field": "name", "equals": "a", "in": ["b"]}});
        assert!(!validator.is_valid(&bad));
    }

    #[test]
    fn committed_schema_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/schema.json");
        let generated = super::super::schema::rules_schema_text();
        if std::env::var_os("AKSLINT_UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &generated).expect("rules/schema.json is writable");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "rules/schema.json is stale: run AKSLINT_UPDATE_SCHEMA=1 cargo test --lib schema"
        );
    }

    // AKS403's tests, from its Rust implementation, on the shipped YAML rule.

    fn lb_cluster(network: &str, pool: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.0","networkProfile":{{"networkPlugin":"azure"{network}}},
            "agentPoolProfiles":[{{"name":"sys","count":2{pool}}}]}}}}"#
        )
    }

    #[test]
    fn aks403_basic_sku_in_any_case_is_flagged_at_the_sku() {
        for sku in ["basic", "Basic", "BASIC"] {
            let (src, d) = check(
                rule("AKS403"),
                &[&lb_cluster(&format!(r#","loadBalancerSku":"{sku}""#), "")],
            );
            assert_eq!(d.len(), 1);
            assert_eq!(primary_text(&src, &d[0]), format!("\"{sku}\""));
            assert_eq!(
                d[0].message,
                "cluster `aks1` uses the Basic load balancer, retired on 2025-09-30"
            );
        }
    }

    #[test]
    fn aks403_availability_set_pool_is_flagged_at_its_type() {
        let (src, d) = check(
            rule("AKS403"),
            &[&lb_cluster(
                r#","outboundType":"loadBalancer""#,
                r#","type":"AvailabilitySet""#,
            )],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"AvailabilitySet\"");
        assert_eq!(d[0].labels.len(), 1);
        assert_eq!(
            d[0].labels[0].message,
            "outboundType loadBalancer needs the Standard load balancer and scale-set pools"
        );
    }

    #[test]
    fn aks403_standard_and_scale_sets_pass() {
        let (_, d) = check(
            rule("AKS403"),
            &[&lb_cluster(
                r#","loadBalancerSku":"standard""#,
                r#","type":"VirtualMachineScaleSets""#,
            )],
        );
        assert!(d.is_empty());
        let (_, d) = check(rule("AKS403"), &[&lb_cluster("", "")]);
        assert!(d.is_empty());
    }

    #[test]
    fn aks403_pool_without_its_cluster_is_named_alone() {
        let pool = r#"{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/other/agentPools/np1",
            "name":"np1","type":"Microsoft.ContainerService/managedClusters/agentPools",
            "properties":{"count":1,"type":"AvailabilitySet"}}"#;
        let (_, d) = check(rule("AKS403"), &[pool]);
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message
                .starts_with("node pool `np1` is an availability set;"),
            "{}",
            d[0].message
        );
        assert!(d[0].labels.is_empty());
    }

    // AKS205's tests, from its Rust implementation, on the shipped YAML rule.

    fn kubenet_cluster(version: &str, network: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"{version}"{network},
            "agentPoolProfiles":[{{"name":"sys","count":1}}]}}}}"#
        )
    }

    #[test]
    fn aks205_explicit_and_defaulted_kubenet() {
        let (src, d) = check(
            rule("AKS205"),
            &[&kubenet_cluster(
                "1.31.2",
                r#","networkProfile":{"networkPlugin":"kubenet"}"#,
            )],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"kubenet\"");
        assert!(d[0].message.contains("2028-03-31"));
        assert_eq!(d[0].primary.message, "networkPlugin is `kubenet`");
        let (src, d) = check(rule("AKS205"), &[&kubenet_cluster("1.29.2", "")]);
        assert_eq!(primary_text(&src, &d[0]), "\"1.29.2\"");
        assert!(d[0].message.contains("by default"));
        assert_eq!(
            d[0].primary.message,
            "networkPlugin is not set, so Kubernetes 1.29.2 defaults to kubenet (F-002)"
        );
    }

    #[test]
    fn aks205_silent_on_azure_cni() {
        assert!(check(rule("AKS205"), &[&kubenet_cluster("1.30.0", "")])
            .1
            .is_empty());
    }
}
