//! The egress and API server rules (AKS4xx, AKS6xx) beyond the fixture harness
//! (tests/fixtures.rs): their fixtures are built so that, with every rule on,
//! a failing case triggers only its own rule and a passing case no rule at all —
//! except the AKS7xx peer-parity rules: these fixtures are public clusters
//! without a network policy engine on purpose (AKS601 is about public API
//! servers), which AKS701 and AKS703 report.

mod common;

/// The peer-parity rules, left out of the "every other rule" runs, and AKS307:
/// these fixtures create clusters with a system-assigned identity in their own
/// subnet and grant it nothing, which AKS307 warns about.
const PEER_PARITY: &str = "AKS7,AKS307";

/// `(code, fixtures/<code>/<outcome>/<family>)` of every AKS4xx and AKS6xx rule.
fn fixtures(outcome: &str) -> Vec<(String, String)> {
    common::rule_codes()
        .into_iter()
        .filter(|c| c.starts_with("AKS4") || c.starts_with("AKS6"))
        .flat_map(|code| {
            common::fixture_entries(&code, outcome)
                .into_iter()
                .map(move |path| (code.clone(), path))
        })
        .collect()
}

#[test]
fn failing_fixtures_trigger_only_their_own_rule() {
    let failing = fixtures("fail");
    assert!(failing.len() >= 12, "{failing:?}");
    for (rule, path) in failing {
        let o = common::akslint(&["check", &path, "--format", "json", "--ignore", PEER_PARITY]);
        assert_eq!(common::codes(&o), vec![rule], "{path}");
    }
}

#[test]
fn passing_fixtures_are_clean_under_every_other_rule() {
    let passing = fixtures("pass");
    assert!(passing.len() >= 12, "{passing:?}");
    for (_, path) in passing {
        let o = common::akslint(&["check", &path, "--format", "json", "--ignore", PEER_PARITY]);
        assert_eq!(common::codes(&o), Vec::<String>::new(), "{path}");
        assert_eq!(o.status.code(), Some(0), "{path}");
        let read = common::json(&o)["summary"]["resources"].as_u64();
        assert!(read >= Some(4), "{path}: not everything was read");
    }
}
