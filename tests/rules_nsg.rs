//! The `nsg-check` subcommand on the NSG rules' fixtures and on generated NSGs.
//! (The rules AKS501–AKS504 themselves run in the fixture harness, tests/fixtures.rs.)

mod common;

use common::akslint;

#[test]
fn nsg_check_prints_the_verdict_and_the_deciding_rule() {
    let o = akslint(&[
        "nsg-check",
        "fixtures/AKS502/fail/arm-template.json",
        "--nsg",
        "NSG-AKS-DEMO-NODES",
        "--from",
        "10.240.0.0/22",
        "--to",
        "20.50.1.2",
        "--port",
        "443",
        "--protocol",
        "tcp",
        "--direction",
        "outbound",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("outbound tcp 10.240.0.0/22 → 20.50.1.2/32 port 443: deny"),
        "{text}"
    );
    assert!(
        text.contains(
            "deny  DenyInternetOutBound (priority 4000) at fixtures/AKS502/fail/arm-template.json:"
        ),
        "{text}"
    );

    // Both directions when none is given; inside the VNet the default rules allow.
    let o = akslint(&[
        "nsg-check",
        "fixtures/AKS502/fail/arm-template.json",
        "--nsg",
        "nsg-aks-demo-nodes",
        "--from",
        "10.240.0.4",
        "--to",
        "10.240.1.0/24",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(
        text.contains("inbound any 10.240.0.4/32 → 10.240.1.0/24 any port: allow"),
        "{text}"
    );
    assert!(
        text.contains("allow AllowVnetOutBound (default rule, priority 65000)"),
        "{text}"
    );
}

#[test]
fn nsg_check_lists_ambiguous_and_unknown_names() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    for group in ["rg-a", "rg-b"] {
        let nsg = format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/{group}/providers/Microsoft.Network/networkSecurityGroups/nsg-nodes",
            "name":"nsg-nodes","type":"Microsoft.Network/networkSecurityGroups","properties":{{"securityRules":[]}}}}"#
        );
        std::fs::write(dir.join(format!("{group}.json")), nsg).expect("write");
    }
    let path = dir.to_string_lossy().to_string();
    let args = ["--from", "10.0.0.0/24", "--to", "10.0.1.0/24"];
    let o = akslint(&[&["nsg-check", &path, "--nsg", "nsg-nodes"], &args[..]].concat());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("2 NSGs are named `nsg-nodes`"), "{err}");
    assert!(err.contains("rg-a") && err.contains("rg-b"), "{err}");

    let o = akslint(&[&["nsg-check", &path, "--nsg", "nsg-other"], &args[..]].concat());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no NSG named `nsg-other`; NSGs in the inputs: nsg-nodes"),
        "{err}"
    );
}
