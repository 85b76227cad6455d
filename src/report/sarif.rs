//! SARIF 2.1.0, the format GitHub code scanning and other review tools read.
//! Our own small serde structs: only the parts of the standard we fill.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::fingerprint::fingerprint_with_related;
use super::{locate, relative_path, source_file};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::rules::codes::{self, CodeMeta};
use crate::rules::{self, Category, RuleMeta};
use crate::source::SourceMap;

pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
pub const INFORMATION_URI: &str = "https://github.com/akslint/akslint";
/// Where `docs/rules/<CODE>.md` is published by default; a rule's `helpUri`
/// points there (or under `docs-url` from akslint.toml).
pub const RULE_DOCS_BASE: &str = codes::DEFAULT_DOCS_BASE;
/// Key of our fingerprint in `partialFingerprints`; bump the version when
/// the hashed parts change, so old and new fingerprints never get compared.
/// v2 added the secondary locations (v1 merged distinct findings at one place).
pub const FINGERPRINT_KEY: &str = "akslint/v2";
/// Where paths are relative to: the checkout root for GitHub code scanning.
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    results: Vec<SarifResult<'a>>,
    /// Our columns count characters (Unicode code points).
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: Properties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Properties {
    tags: Vec<&'static str>,
    /// GitHub code scanning ranks security alerts by this CVSS-like score
    /// ("0.1"–"10.0"); only rules tagged `security` carry it.
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    /// `scope`: the deployment scope, where it tells two scopes apart.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    properties: BTreeMap<&'static str, &'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

/// Renders the run as one pretty-printed SARIF log. `base` is the directory
/// artifact URIs are made relative to (the working directory).
pub fn render(diags: &[Diagnostic], sources: &SourceMap, base: Option<&Path>) -> String {
    let rules = descriptors(diags);
    let results = diags
        .iter()
        .map(|d| result(d, &rules, sources, base))
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "akslint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    // Plain structs of strings and numbers always serialize.
    let mut text = serde_json::to_string_pretty(&log)
        .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string());
    text.push('\n');
    text
}

/// Every built-in rule (so `ruleIndex` is the same in every run), then the
/// non-rule codes (`parse-error`, `unused-suppression`, …), then any other
/// code the diagnostics carry.
fn descriptors(diags: &[Diagnostic]) -> Vec<ReportingDescriptor> {
    let mut out: Vec<ReportingDescriptor> = rules::all()
        .into_iter()
        .map(|r| rule_descriptor(r.meta()))
        .collect();
    out.extend(codes::CODES.iter().map(code_descriptor));
    for d in diags {
        if !out.iter().any(|r| r.id == d.code) {
            out.push(unknown_descriptor(d));
        }
    }
    out
}

fn rule_descriptor(m: &RuleMeta) -> ReportingDescriptor {
    let explanation = m.explanation_text();
    ReportingDescriptor {
        id: m.code.to_string(),
        name: m.name.to_string(),
        short_description: Text {
            text: m.summary.to_string(),
        },
        full_description: Text {
            text: first_section(&explanation).unwrap_or_else(|| m.summary.to_string()),
        },
        help: Help {
            text: explanation.clone(),
            markdown: explanation,
        },
        // A user rule has no page in akslint's docs; it links to its own `url`, if any.
        help_uri: codes::doc_url(m.code),
        default_configuration: Configuration {
            level: level(m.default_severity),
        },
        properties: Properties {
            tags: vec![m.category.as_str()],
            security_severity: (m.category == Category::Security)
                .then(|| security_severity(m.default_severity)),
        },
    }
}

/// The `security-severity` of a security rule, from its default severity, on
/// GitHub's scale (critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low > 0):
/// error → 8.0 (high), warning → 5.5 (medium), info → 2.0 (low). No akslint
/// finding alone proves a compromise, so none is critical.
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "8.0",
        Severity::Warning => "5.5",
        Severity::Info => "2.0",
    }
}

/// The first section of a markdown explanation (up to its second heading),
/// heading dropped, the lines of each paragraph and list item joined: the
/// complete description review tools show, lists included.
fn first_section(markdown: &str) -> Option<String> {
    let mut blocks: Vec<String> = Vec::new();
    let mut seen_text = false;
    for line in markdown.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            if seen_text {
                break;
            }
            continue;
        }
        if line.is_empty() {
            blocks.push(String::new());
            continue;
        }
        seen_text = true;
        let item = line.starts_with("* ") || line.starts_with("- ");
        match blocks.last_mut() {
            Some(b) if !b.is_empty() && !item => {
                b.push(' ');
                b.push_str(line);
            }
            _ => blocks.push(line.to_string()),
        }
    }
    let text = blocks
        .into_iter()
        .filter(|b| !b.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    (!text.is_empty()).then_some(text)
}

/// A non-rule code's entry: its descriptive name, its page, its explanation.
fn code_descriptor(c: &CodeMeta) -> ReportingDescriptor {
    let explanation = c.explanation_text();
    ReportingDescriptor {
        id: c.code.to_string(),
        name: c.title.to_string(),
        short_description: Text {
            text: c.summary.to_string(),
        },
        full_description: Text {
            text: first_section(&explanation).unwrap_or_else(|| c.summary.to_string()),
        },
        help: Help {
            text: explanation.clone(),
            markdown: explanation,
        },
        help_uri: codes::doc_url(c.code),
        default_configuration: Configuration {
            level: level(c.default_severity),
        },
        properties: Properties {
            tags: vec!["not-a-rule"],
            security_severity: None,
        },
    }
}

/// A code no built-in rule has (say, from a future rule pack): still a valid entry.
fn unknown_descriptor(d: &Diagnostic) -> ReportingDescriptor {
    ReportingDescriptor {
        id: d.code.clone(),
        name: d.name.clone(),
        short_description: Text {
            text: d.name.clone(),
        },
        full_description: Text {
            text: d.name.clone(),
        },
        help: Help {
            text: String::new(),
            markdown: String::new(),
        },
        help_uri: None,
        default_configuration: Configuration {
            level: level(d.severity),
        },
        properties: Properties {
            tags: Vec::new(),
            security_severity: None,
        },
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result<'a>(
    d: &'a Diagnostic,
    rules: &[ReportingDescriptor],
    sources: &SourceMap,
    base: Option<&Path>,
) -> SarifResult<'a> {
    let path = relative_path(locate(sources, d.primary.span).path, base);
    let mut primary = Location {
        id: None,
        physical_location: physical(sources, &d.primary, base),
        logical_locations: Vec::new(),
        message: None,
    };
    if let Some(resource) = &d.resource {
        primary.logical_locations.push(logical(resource));
    }
    let related = d
        .labels
        .iter()
        .filter_map(|l| physical(sources, l, base).map(|p| (l, p)))
        .enumerate()
        .map(|(i, (l, p))| Location {
            id: Some(i + 1),
            physical_location: Some(p),
            logical_locations: Vec::new(),
            message: Some(Text {
                text: l.message.clone(),
            }),
        })
        .collect();
    SarifResult {
        rule_id: &d.code,
        rule_index: rules.iter().position(|r| r.id == d.code).unwrap_or(0),
        level: level(d.severity),
        message: Text { text: message(d) },
        locations: vec![primary],
        related_locations: related,
        partial_fingerprints: BTreeMap::from([(
            FINGERPRINT_KEY,
            fingerprint_with_related(d, sources, &path),
        )]),
        properties: d.scope.iter().map(|s| ("scope", s.as_str())).collect(),
    }
}

/// The message, with the fix after it: code scanning shows only this text
/// next to the line.
fn message(d: &Diagnostic) -> String {
    match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    }
}

/// `None` for a span whose file is unknown: SARIF has no line 0.
fn physical(sources: &SourceMap, label: &Label, base: Option<&Path>) -> Option<PhysicalLocation> {
    source_file(sources, label.span)?;
    let at = locate(sources, label.span);
    let path = relative_path(at.path, base);
    let absolute = Path::new(&path).is_absolute();
    Some(PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: uri(&path),
            // An absolute path outside the checkout is a `file:` URI of its own.
            uri_base_id: (!absolute).then_some(SRCROOT),
        },
        region: Region {
            start_line: at.start.line,
            start_column: at.start.column,
            end_line: at.end.line,
            end_column: at.end.column,
        },
    })
}

fn logical(resource: &str) -> LogicalLocation {
    let name = resource
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(resource);
    LogicalLocation {
        name: name.to_string(),
        fully_qualified_name: resource.to_string(),
        kind: "resource",
    }
}

/// A path as a URI reference: relative paths stay relative; characters
/// outside the unreserved set (spaces, `#`, `%`, non-ASCII) are percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    if Path::new(path).is_absolute() {
        out.push_str("file://");
        if !path.starts_with('/') {
            // `C:/x` becomes `file:///C:/x`.
            out.push('/');
        }
    }
    // A colon in a relative reference could read as a scheme (`c:x`).
    let colon_ok = out.starts_with("file:");
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~/@!$&'()*+,;=".contains(&b)
            || (b == b':' && colon_ok);
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;
    use serde_json::Value;

    #[test]
    fn uris_are_relative_references() {
        assert_eq!(uri("infra/a b.json"), "infra/a%20b.json");
        assert_eq!(uri("café/x#1.json"), "caf%C3%A9/x%231.json");
        assert_eq!(uri("weird:name.json"), "weird%3Aname.json");
        if cfg!(unix) {
            assert_eq!(uri("/tmp/a.json"), "file:///tmp/a.json");
        }
    }

    #[test]
    fn first_section_skips_headings_and_keeps_lists() {
        assert_eq!(
            first_section("## What it checks\nWhether x\nand y.\n\n## Why\nBecause.").as_deref(),
            Some("Whether x and y.")
        );
        assert_eq!(
            first_section("## What it checks\n\nWhether x.\n\nMore.").as_deref(),
            Some("Whether x.\nMore.")
        );
        assert_eq!(
            first_section("## What it checks\nThese:\n\n* one\n  two;\n* three.\n\n## Why\nB.")
                .as_deref(),
            Some("These:\n* one two;\n* three.")
        );
        assert_eq!(first_section("# Only a heading"), None);
    }

    fn sample() -> (SourceMap, Vec<Diagnostic>) {
        let mut sources = SourceMap::default();
        let text = "{\n  \"name\": \"snet-nodes\",\n  \"addressPrefix\": \"10.0.0.0/28\"\n}\n";
        let file = sources.add("./infra/vnet.json".into(), text.into());
        let at = |needle: &str| {
            let start = text.find(needle).unwrap_or(0);
            Span::new(file, start, start + needle.len())
        };
        let diags = vec![
            Diagnostic::new(
                "AKS004",
                "cni-subnet-too-small",
                Severity::Warning,
                "subnet too small",
                Label::new(at("10.0.0.0/28"), "11 usable addresses"),
            )
            .with_label(at("snet-nodes"), "subnet defined here")
            .with_label(Span::new(crate::source::FileId(9), 0, 1), "lost")
            .with_help("use a /24")
            .with_resource("/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/snet-nodes"),
            Diagnostic::new(
                "AKS999",
                "future-rule",
                Severity::Info,
                "note",
                Label::new(at("name"), ""),
            ),
        ];
        (sources, diags)
    }

    #[test]
    fn results_carry_locations_and_fingerprints() {
        let (sources, diags) = sample();
        let out = render(&diags, &sources, None);
        let v: Value = serde_json::from_str(&out).unwrap();
        let run = &v["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
        assert!(ids.ends_with(&["rule-error", "AKS999"]), "{ids:?}");
        assert!(ids.contains(&"parse-error"));
        let r = &run["results"][0];
        assert_eq!(r["ruleId"], "AKS004");
        assert_eq!(
            rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
            "AKS004"
        );
        assert_eq!(r["level"], "warning");
        assert_eq!(r["message"]["text"], "subnet too small\nhelp: use a /24");
        let loc = &r["locations"][0];
        let phys = &loc["physicalLocation"];
        assert_eq!(phys["artifactLocation"]["uri"], "infra/vnet.json");
        assert_eq!(phys["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(phys["region"]["startLine"], 3);
        assert_eq!(phys["region"]["startColumn"], 21);
        assert_eq!(phys["region"]["endColumn"], 32);
        assert_eq!(loc["logicalLocations"][0]["name"], "snet-nodes");
        assert_eq!(loc["logicalLocations"][0]["kind"], "resource");
        // The label in an unknown file is left out, not placed at line 0.
        assert_eq!(r["relatedLocations"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            r["relatedLocations"][0]["message"]["text"],
            "subnet defined here"
        );
        assert_eq!(
            r["partialFingerprints"][FINGERPRINT_KEY]
                .as_str()
                .map(str::len),
            Some(16)
        );
        assert_eq!(run["results"][1]["level"], "note");
        assert_eq!(run["results"][1]["ruleIndex"], ids.len() as u64 - 1);
    }

    #[test]
    fn rule_entries_come_from_the_metadata() {
        let out = render(&[], &SourceMap::default(), None);
        let v: Value = serde_json::from_str(&out).unwrap();
        let rule = &v["runs"][0]["tool"]["driver"]["rules"][3];
        assert_eq!(rule["id"], "AKS004");
        assert_eq!(rule["name"], "cni-subnet-too-small");
        assert_eq!(rule["helpUri"], format!("{RULE_DOCS_BASE}AKS004.md"));
        assert_eq!(rule["defaultConfiguration"]["level"], "error");
        assert_eq!(rule["properties"]["tags"][0], "ip-planning");
        assert!(rule["help"]["markdown"]
            .as_str()
            .is_some_and(|m| m.contains("## How to fix")));
        assert!(rule["fullDescription"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Whether")));
        assert_eq!(v["runs"][0]["results"], serde_json::json!([]));
    }
}
