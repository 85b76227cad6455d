//! Bad rule files: every mistake is a `rule-error` at the rule file's line and
//! key or value, printed through the human reporter, and the run exits 2
//! without checking anything. One snapshot per mistake (fixtures/rule-errors/).

mod common;

use common::akslint;

const CASES: &[&str] = &[
    "unknown-key",
    "unknown-operator",
    "two-operators",
    "bad-regex",
    "bad-cidr",
    "bad-ip",
    "unknown-field",
    "type-mismatch",
    "duplicate-id",
    "aks-id",
    "bad-severity",
    "bad-match",
    "missing-assert",
    "yaml-syntax",
];

#[test]
fn bad_rule_files_are_located_errors() {
    for case in CASES {
        let file = format!("fixtures/rule-errors/{case}.yaml");
        let o = akslint(&[
            "check",
            "--rules",
            &file,
            "fixtures/AKS403/fail/arm-template.json",
        ]);
        assert_eq!(o.status.code(), Some(2), "{case}");
        // Nothing was checked: no finding, no summary line.
        assert!(
            o.stdout.is_empty(),
            "{case}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(err.starts_with("rule-error"), "{case}: {err}");
        assert!(err.contains(&format!("[{file}:")), "{case}: {err}");
        insta::assert_snapshot!(*case, err);
    }
}

#[test]
fn every_error_fixture_has_a_case() {
    let mut files: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/rule-errors"))
            .expect("fixtures/rule-errors exists")
            .filter_map(|e| e.ok())
            .map(|e| {
                e.file_name()
                    .to_string_lossy()
                    .trim_end_matches(".yaml")
                    .to_string()
            })
            .collect();
    files.sort();
    let mut cases: Vec<String> = CASES.iter().map(|c| c.to_string()).collect();
    cases.sort();
    assert_eq!(files, cases);
}

#[test]
fn a_missing_rule_path_is_an_error() {
    let o = akslint(&[
        "check",
        "--rules",
        "fixtures/rule-errors/nope",
        "fixtures/AKS403",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("fixtures/rule-errors/nope: no such rule file or directory"),
        "{err}"
    );
}
