//! Bicep read natively: the fixtures' expectations, parity with compiled templates published
//! beside their Bicep source, and the language features, each checked through a finding at
//! the `.bicep`/`.bicepparam`/loaded-file place a person edits.

mod common;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `(code, file relative to base, line, column, text at the span)` of every finding.
fn findings(path: &Path, base: &Path) -> Vec<(String, String, u64, u64, String)> {
    let out = common::akslint(&["check", &path.to_string_lossy(), "--format", "json"]);
    common::diagnostics(&out)
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap_or_default().to_string();
            let (line, col) = (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap());
            let (end_line, end_col) = (
                d["end_line"].as_u64().unwrap(),
                d["end_column"].as_u64().unwrap(),
            );
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let snippet = if line == end_line {
                text.lines()
                    .nth(line as usize - 1)
                    .and_then(|l| l.get(col as usize - 1..end_col as usize - 1))
                    .unwrap_or_default()
                    .to_string()
            } else {
                String::new()
            };
            let rel = Path::new(&file)
                .strip_prefix(base)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or(file);
            (
                d["code"].as_str().unwrap().to_string(),
                rel,
                line,
                col,
                snippet,
            )
        })
        .collect()
}

/// Every `fixtures/<CODE>/{fail,pass}/bicep` folder: failing ones give exactly the findings
/// of `bicep.expect`, passing ones none of their rule.
#[test]
fn bicep_fixtures_match_their_expectations() {
    let mut checked = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for code_dir in dirs {
        let code = code_dir.file_name().unwrap().to_string_lossy().into_owned();
        if !code.starts_with("AKS") {
            continue;
        }
        for side in ["fail", "pass"] {
            let base = code_dir.join(side);
            let dir = base.join("bicep");
            if !dir.is_dir() {
                continue;
            }
            checked += 1;
            let mut got: Vec<String> = findings(&dir, &base)
                .into_iter()
                .filter(|f| f.0 == code)
                .map(|(c, file, l, col, text)| format!("{c} {file}:{l}:{col} {text:?}"))
                .collect();
            got.sort();
            let mut want: Vec<String> = if side == "fail" {
                let expect = std::fs::read_to_string(base.join("bicep.expect"))
                    .unwrap_or_else(|_| panic!("{} has no bicep.expect", base.display()));
                expect
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(|l| {
                        let mut parts = l.splitn(3, ' ');
                        let (c, loc) = (parts.next().unwrap(), parts.next().unwrap());
                        let text: String = parts
                            .next()
                            .map(|t| serde_json::from_str(t.trim()).unwrap())
                            .unwrap_or_default();
                        format!("{c} {loc} {text:?}")
                    })
                    .collect()
            } else {
                Vec::new()
            };
            want.sort();
            assert_eq!(got, want, "{}", dir.display());
            if side == "fail" {
                assert!(!got.is_empty(), "{}: no finding", dir.display());
            }
        }
    }
    assert!(checked >= 50, "only {checked} Bicep fixtures found");
}

fn code_severity_resource(path: &Path) -> Vec<(String, String, String)> {
    let out = common::akslint(&["check", &path.to_string_lossy(), "--format", "json"]);
    let mut v: Vec<(String, String, String)> = common::diagnostics(&out)
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["severity"].as_str().unwrap_or_default().to_string(),
                d["resource"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Published Bicep and the ARM JSON compiled from it give the same findings; a folder
/// holding both is read once, from the Bicep source.
#[test]
fn published_bicep_and_its_compiled_template_agree() {
    let data = root().join("tests/data/bicep-parity");
    let mut pairs = 0;
    for entry in std::fs::read_dir(&data).unwrap().flatten() {
        let dir = entry.path();
        if !dir.is_dir() {
            continue;
        }
        let bicep = dir.join("main.bicep");
        let json = ["main.json", "azuredeploy.json"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
            .unwrap();
        let from_bicep = code_severity_resource(&bicep);
        let from_json = code_severity_resource(&json);
        assert!(
            !from_json.is_empty(),
            "{}: nothing to compare",
            dir.display()
        );
        assert_eq!(from_bicep, from_json, "{}", dir.display());
        let both = findings(&dir, &dir);
        assert!(both.iter().all(|f| f.1.ends_with(".bicep")), "{both:?}");
        assert_eq!(both.len(), from_bicep.len());
        pairs += 1;
    }
    assert!(pairs >= 1);
}

/// A cluster of 10 nodes × 30 pods (341 addresses) on the subnet `subnet_id`, after `head`.
fn cluster(head: &str, subnet_id: &str) -> String {
    format!(
        r#"{head}
resource nsg 'Microsoft.Network/networkSecurityGroups@2023-09-01' = {{
  name: 'nsg'
  location: 'westeurope'
  properties: {{
    securityRules: []
  }}
}}

resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {{
  name: 'aks'
  location: 'westeurope'
  properties: {{
    kubernetesVersion: '1.31.5'
    dnsPrefix: 'aks'
    agentPoolProfiles: [
      {{
        name: 'system'
        mode: 'System'
        count: 10
        maxPods: 30
        vmSize: 'Standard_D4ds_v5'
        vnetSubnetID: {subnet_id}
      }}
    ]
    networkProfile: {{
      networkPlugin: 'azure'
      serviceCidr: '10.0.0.0/16'
      dnsServiceIP: '10.0.0.10'
    }}
  }}
}}
"#
    )
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// `(file, line, column, text)` of the AKS004 findings of a run over `dir`.
fn aks004(dir: &Path) -> Vec<(String, u64, u64, String)> {
    findings(dir, dir)
        .into_iter()
        .filter(|f| f.0 == "AKS004")
        .map(|f| (f.1, f.2, f.3, f.4))
        .collect()
}

#[test]
fn loops_lambdas_functions_interpolation_and_safe_access() {
    let dir = tempfile::tempdir().unwrap();
    let head = r#"param prefixes array = [
  '10.1.0.0/22'
  '10.1.4.0/24'
]
param settings object = {}
var names = map(range(0, length(prefixes)), i => 'snet-${i}')
func subnetName(i int) string => 'snet-${i}'
var pods = settings.?maxPods ?? 30
var wanted = filter(names, n => n != 'snet-0')

resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: 'vnet-${length(prefixes) > 1 ? 'multi' : 'single'}'
  location: 'westeurope'
  properties: {
    addressSpace: {
      addressPrefixes: ['10.1.0.0/16']
    }
    subnets: [for (p, i) in prefixes: {
      name: subnetName(i)
      properties: {
        addressPrefix: p
        networkSecurityGroup: {
          id: nsg.id
        }
      }
    }]
  }
}
"#;
    let id = "resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, wanted[0])";
    write(dir.path(), "main.bicep", &cluster(head, id));
    assert_eq!(
        aks004(dir.path()),
        vec![("main.bicep".into(), 3, 3, "'10.1.4.0/24'".into())]
    );
}

#[test]
fn resource_loops_conditions_and_existing_resources() {
    let dir = tempfile::tempdir().unwrap();
    // A subnet resource loop; the /24 one is deployed, the other only `if (false)`.
    let head = r#"var subnets = [
  {
    name: 'a'
    prefix: '10.2.0.0/24'
  }
  {
    name: 'b'
    prefix: '10.2.1.0/24'
  }
]

resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: 'vnet'
  location: 'westeurope'
  properties: {
    addressSpace: {
      addressPrefixes: ['10.2.0.0/16']
    }
  }
}

resource snets 'Microsoft.Network/virtualNetworks/subnets@2023-09-01' = [for s in subnets: {
  parent: vnet
  name: s.name
  properties: {
    addressPrefix: s.prefix
    networkSecurityGroup: {
      id: nsg.id
    }
  }
}]
"#;
    write(dir.path(), "main.bicep", &cluster(head, "snets[1].id"));
    let found = aks004(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "main.bicep");

    // Not deployed: no subnet, no finding. An existing VNet has no known prefixes either.
    let dir = tempfile::tempdir().unwrap();
    let head = r#"param deploy bool = false
resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = if (deploy) {
  name: 'vnet'
  location: 'westeurope'
  properties: {
    addressSpace: {
      addressPrefixes: ['10.2.0.0/16']
    }
    subnets: [
      {
        name: 'a'
        properties: {
          addressPrefix: '10.2.0.0/24'
        }
      }
    ]
  }
}
resource hub 'Microsoft.Network/virtualNetworks@2023-09-01' existing = {
  name: 'hub'
  resource snet 'subnets' existing = {
    name: 'a'
  }
}
"#;
    write(dir.path(), "main.bicep", &cluster(head, "hub::snet.id"));
    assert_eq!(aks004(dir.path()), vec![]);
}

#[test]
fn modules_with_scope_outputs_and_parameter_files() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "modules/net.bicep",
        r#"param prefix string
resource nsg 'Microsoft.Network/networkSecurityGroups@2023-09-01' = {
  name: 'nsg'
  location: 'westeurope'
}
resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: 'vnet'
  location: 'westeurope'
  properties: {
    addressSpace: {
      addressPrefixes: ['10.3.0.0/16']
    }
    subnets: [
      {
        name: 'nodes'
        properties: {
          addressPrefix: prefix
          networkSecurityGroup: {
            id: nsg.id
          }
        }
      }
    ]
  }
}
output subnetId string = '${vnet.id}/subnets/nodes'
"#,
    );
    let head = r#"param prefix string = '10.3.0.0/22'
module net 'modules/net.bicep' = {
  name: 'net'
  scope: resourceGroup('rg-net')
  params: {
    prefix: prefix
  }
}
"#;
    write(
        dir.path(),
        "main.bicep",
        &cluster(head, "net.outputs.subnetId"),
    );
    write(
        dir.path(),
        "main.bicepparam",
        "using 'main.bicep'\n\nparam prefix = '10.3.0.0/24'\n",
    );
    let out = common::akslint(&["check", &dir.path().to_string_lossy(), "--format", "json"]);
    let d: Vec<_> = common::diagnostics(&out)
        .into_iter()
        .filter(|d| d["code"] == "AKS004")
        .collect();
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0]["file"].as_str().unwrap().ends_with("main.bicepparam"));
    assert_eq!(
        (d[0]["line"].as_u64(), d[0]["column"].as_u64()),
        (Some(3), Some(16))
    );
    // The module's scope gives the VNet its resource group.
    assert!(d[0]["resource"].as_str().unwrap().contains(
        "/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes"
    ));

    // A JSON parameter file named like the template works too.
    std::fs::remove_file(dir.path().join("main.bicepparam")).unwrap();
    write(
        dir.path(),
        "main.parameters.json",
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
 "contentVersion": "1.0.0.0", "parameters": {"prefix": {"value": "10.3.0.0/24"}}}"#,
    );
    let found = aks004(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "main.parameters.json");
}

#[test]
fn imports_and_loaded_content_point_at_their_own_files() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "shared.bicep",
        "@export()\nvar vnetPrefix = '10.4.0.0/16'\n",
    );
    write(
        dir.path(),
        "network.json",
        "{\n  \"nodes\": \"10.4.0.0/24\"\n}\n",
    );
    let head = r#"import { vnetPrefix } from 'shared.bicep'
var net = loadJsonContent('network.json')
resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: 'vnet'
  location: 'westeurope'
  properties: {
    addressSpace: {
      addressPrefixes: [vnetPrefix]
    }
    subnets: [
      {
        name: 'nodes'
        properties: {
          addressPrefix: net.nodes
          networkSecurityGroup: {
            id: nsg.id
          }
        }
      }
    ]
  }
}
"#;
    write(
        dir.path(),
        "main.bicep",
        &cluster(head, "vnet.properties.subnets[0].id"),
    );
    let found = aks004(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn registry_modules_recursion_and_syntax_errors_are_reported_in_place() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.bicep",
        "module m 'br/public:avm/res/network/virtual-network:0.5.0' = {\n  name: 'm'\n}\nmodule self 'main.bicep' = {\n  name: 'self'\n}\n",
    );
    let out = common::akslint(&["check", &dir.path().to_string_lossy(), "--format", "json"]);
    let notes: Vec<(String, u64, u64)> = common::diagnostics(&out)
        .iter()
        .filter(|d| d["code"] == "not-evaluated")
        .map(|d| {
            (
                d["severity"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(notes.contains(&("info".into(), 1, 10)), "{notes:?}");

    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.bicep",
        "param a string\nvar b = \nvar c = 1\n",
    );
    let out = common::akslint(&["check", &dir.path().to_string_lossy(), "--format", "json"]);
    let errs: Vec<(u64, u64)> = common::diagnostics(&out)
        .iter()
        .filter(|d| d["code"] == "parse-error")
        .map(|d| (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()))
        .collect();
    assert_eq!(errs, vec![(2, 9)]);
    // As for a JSON file that does not parse: nothing could be read.
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn hostile_shapes_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    // Deep nesting, a huge loop and a self-importing file: answers, no crash.
    let deep = format!("var a = {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let chain = format!("var b = 1{}\n", " + 1".repeat(50_000));
    write(
        dir.path(),
        "main.bicep",
        &format!("{deep}{chain}var c = [for i in range(0, 100000000): i]\nimport * as me from 'main.bicep'\n"),
    );
    let out = common::akslint(&["check", &dir.path().to_string_lossy(), "--format", "json"]);
    assert!(matches!(out.status.code(), Some(0..=2)), "{out:?}");
}
