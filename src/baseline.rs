//! Baselines: today's findings recorded by fingerprint, so a team can adopt
//! akslint on an existing estate and see only what is new. A fingerprint hashes
//! the rule, the resource, the text the finding points at and the file — never
//! the line, so findings survive lines moving around them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

/// The stable fingerprint of a finding: the one SARIF reports as `partialFingerprints`,
/// over the file path with forward slashes so Windows and Linux runs agree.
pub fn fingerprint(d: &Diagnostic, sources: &SourceMap) -> String {
    let file = sources.files().get(d.primary.span.file.0 as usize);
    let path = file.map(|f| f.path.replace('\\', "/")).unwrap_or_default();
    let path = path.trim_start_matches("./");
    crate::report::fingerprint::fingerprint(d, sources, path)
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub code: String,
    pub file: String,
    pub message: String,
}

pub fn build(diagnostics: &[Diagnostic], sources: &SourceMap) -> Baseline {
    let mut findings: Vec<BaselineEntry> = diagnostics
        .iter()
        .filter(|d| d.code.starts_with("AKS"))
        .map(|d| BaselineEntry {
            fingerprint: fingerprint(d, sources),
            code: d.code.clone(),
            file: sources
                .files()
                .get(d.primary.span.file.0 as usize)
                .map(|f| f.path.clone())
                .unwrap_or_default(),
            message: d.message.clone(),
        })
        .collect();
    findings.sort_by(|a, b| {
        (&a.file, &a.code, &a.fingerprint).cmp(&(&b.file, &b.code, &b.fingerprint))
    });
    Baseline {
        version: 1,
        findings,
    }
}

pub fn to_json(b: &Baseline) -> String {
    // Serialising plain structs of strings cannot fail.
    let mut s = serde_json::to_string_pretty(b).unwrap_or_default();
    s.push('\n');
    s
}

pub fn parse(text: &str) -> Result<Baseline, String> {
    serde_json::from_str(text).map_err(|e| format!("not an akslint baseline: {e}"))
}

/// Drops findings recorded in the baseline (each entry absorbs one finding);
/// returns the rest and how many were baselined.
pub fn filter(
    diagnostics: Vec<Diagnostic>,
    baseline: &Baseline,
    sources: &SourceMap,
) -> (Vec<Diagnostic>, usize) {
    let mut budget: HashMap<&str, usize> = HashMap::new();
    for f in &baseline.findings {
        *budget.entry(f.fingerprint.as_str()).or_default() += 1;
    }
    let mut hidden = 0;
    let kept = diagnostics
        .into_iter()
        .filter(|d| {
            let fp = fingerprint(d, sources);
            match budget.get_mut(fp.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    hidden += 1;
                    false
                }
                _ => true,
            }
        })
        .collect();
    (kept, hidden)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Label, Severity};
    use crate::source::Span;

    fn diag(map: &SourceMap, file: usize, needle: &str) -> Diagnostic {
        let f = &map.files()[file];
        let start = f.text.find(needle).unwrap();
        Diagnostic::new(
            "AKS004",
            "x",
            Severity::Error,
            "m",
            Label::new(Span::new(f.id, start, start + needle.len()), "l"),
        )
        .with_resource("/subscriptions/0/x")
    }

    #[test]
    fn fingerprints_survive_line_moves_but_not_value_changes() {
        let mut map = SourceMap::default();
        map.add("a.json".into(), "{\"p\": \"10.0.0.0/24\"}".into());
        map.add("a.json".into(), "\n\n\n{\n  \"p\": \"10.0.0.0/24\"}".into());
        map.add("a.json".into(), "{\"p\": \"10.0.0.0/23\"}".into());
        let a = fingerprint(&diag(&map, 0, "\"10.0.0.0/24\""), &map);
        let b = fingerprint(&diag(&map, 1, "\"10.0.0.0/24\""), &map);
        let c = fingerprint(&diag(&map, 2, "\"10.0.0.0/23\""), &map);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn filter_absorbs_one_finding_per_entry() {
        let mut map = SourceMap::default();
        map.add("a.json".into(), "[\"x\", \"y\"]".into());
        let base = build(&[diag(&map, 0, "\"x\"")], &map);
        let round = parse(&to_json(&base)).unwrap();
        let (kept, hidden) = filter(
            vec![
                diag(&map, 0, "\"x\""),
                diag(&map, 0, "\"x\""),
                diag(&map, 0, "\"y\""),
            ],
            &round,
            &map,
        );
        assert_eq!(hidden, 1);
        assert_eq!(kept.len(), 2);
        assert!(parse("{}").is_err());
    }
}
