//! Suppressions: `akslint-ignore: AKS001 -- reason` comments on the line before a
//! resource or field (YAML, HCL, JSONC), and the `akslint-ignore` tag on a
//! resource, which survives into live Azure and every export. Suppressions that
//! silence nothing are reported so they do not rot.

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::Inventory;
use crate::source::{SourceFile, SourceMap, Span};

pub const MARKER: &str = "akslint-ignore:";
pub const TAG: &str = "akslint-ignore";

/// One suppression and the text it covers.
#[derive(Clone, Debug)]
pub struct Suppression {
    pub codes: Vec<String>,
    pub reason: Option<String>,
    /// Where it is written (the comment or the tag).
    pub at: Span,
    pub scope: Scope,
    pub used: bool,
}

#[derive(Clone, Debug)]
pub enum Scope {
    /// Findings whose primary span starts inside this range.
    Region(Span),
    /// Findings about this resource or a child of it (by address).
    Resource(String),
}

/// Every suppression comment in the inputs.
pub fn comment_suppressions(sources: &SourceMap) -> Vec<Suppression> {
    sources.files().iter().flat_map(file_suppressions).collect()
}

fn file_suppressions(file: &SourceFile) -> Vec<Suppression> {
    let text: &str = &file.text;
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let lines: Vec<(usize, &str)> = line_starts(text);
    let mut out = Vec::new();
    for (i, &(start, line)) in lines.iter().enumerate() {
        let Some((codes, reason, col)) = parse_comment(line) else {
            continue;
        };
        let Some(&(target_start, target)) = lines[i + 1..]
            .iter()
            .find(|(_, l)| !l.trim().is_empty() && !is_comment_line(l))
        else {
            continue;
        };
        let end = region_end(text, &lines, target_start, target);
        out.push(Suppression {
            codes,
            reason,
            at: Span::new(file.id, start + col, start + line.len()),
            scope: Scope::Region(Span::new(file.id, target_start, end)),
            used: false,
        });
    }
    out
}

fn line_starts(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for line in text.split('\n') {
        out.push((pos, line));
        pos += line.len() + 1;
    }
    out
}

fn is_comment_line(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') || t.starts_with("//") || t.starts_with("/*") || t.starts_with('*')
}

/// `# akslint-ignore: AKS001, AKS004 -- reason` → codes, reason, column of the marker.
fn parse_comment(line: &str) -> Option<(Vec<String>, Option<String>, usize)> {
    if !is_comment_line(line) {
        return None;
    }
    let col = line.find(MARKER)?;
    let rest = line[col + MARKER.len()..]
        .trim()
        .trim_end_matches("*/")
        .trim();
    let (codes, reason) = match rest.split_once("--") {
        Some((c, r)) => (c, Some(r.trim().to_string()).filter(|r| !r.is_empty())),
        None => (rest, None),
    };
    let codes: Vec<String> = codes
        .split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    (!codes.is_empty()).then_some((codes, reason, col))
}

/// The end of the element that starts on a line: a bracketed block is followed to
/// its closing bracket, an indented (YAML) block to its last deeper line, anything
/// else is the line itself.
fn region_end(text: &str, lines: &[(usize, &str)], start: usize, line: &str) -> usize {
    let line_end = start + line.len();
    if let Some(open) = line.find(['{', '[']) {
        if let Some(end) = matching_close(text, start + open) {
            return end.max(line_end);
        }
    }
    // Lines deeper than the element belong to it; a list item's content sits two
    // columns in, level with its first key.
    let spaces = leading_spaces(line);
    let deeper_than = if line.trim_start().starts_with("- ") {
        spaces + 1
    } else {
        spaces
    };
    let mut end = line_end;
    for &(s, l) in lines.iter().filter(|(s, _)| *s > start) {
        if l.trim().is_empty() {
            continue;
        }
        if leading_spaces(l) > deeper_than {
            end = s + l.len();
        } else {
            break;
        }
    }
    end
}

fn leading_spaces(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Index just past the bracket closing the one at `open`, skipping strings.
fn matching_close(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut i = open;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// Applies suppressions: drops the findings they cover and marks them used.
pub fn apply(diagnostics: Vec<Diagnostic>, suppressions: &mut [Suppression]) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .filter(|d| {
            let mut hit = false;
            for s in suppressions.iter_mut() {
                if s.codes.iter().any(|c| code_matches(c, &d.code, &d.name)) && s.covers(d) {
                    s.used = true;
                    hit = true;
                }
            }
            !hit
        })
        .collect()
}

fn code_matches(selector: &str, code: &str, name: &str) -> bool {
    selector.eq_ignore_ascii_case(code) || selector.eq_ignore_ascii_case(name)
}

impl Suppression {
    fn covers(&self, d: &Diagnostic) -> bool {
        match &self.scope {
            Scope::Region(r) => {
                let p = d.primary.span;
                p.file == r.file && p.start >= r.start && p.start <= r.end
            }
            Scope::Resource(address) => d.resource.as_deref().is_some_and(|res| {
                let res = res.to_ascii_lowercase();
                let address = address.to_ascii_lowercase();
                res == address || res.starts_with(&format!("{address}/"))
            }),
        }
    }
}

/// Suppressions recorded as `akslint-ignore` tags on resources.
pub fn tag_suppressions(inventory: &Inventory) -> Vec<Suppression> {
    inventory
        .tag_suppressions
        .iter()
        .map(|t| Suppression {
            codes: t.codes.clone(),
            reason: None,
            at: t.span,
            scope: Scope::Resource(t.address.clone()),
            used: false,
        })
        .collect()
}

/// `unused-suppression` warnings for suppressions of enabled rules that silenced nothing.
pub fn unused(suppressions: &[Suppression], enabled: impl Fn(&str) -> bool) -> Vec<Diagnostic> {
    suppressions
        .iter()
        .filter(|s| !s.used && s.codes.iter().any(|c| enabled(c)))
        .map(|s| {
            Diagnostic::new(
                "unused-suppression",
                "unused-suppression",
                Severity::Warning,
                format!("this suppression of {} silences no finding", s.codes.join(", ")),
                Label::new(s.at, "nothing to suppress here"),
            )
            .with_help("remove it, or move it to the line before the resource or field the finding points at")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Label;
    use crate::source::FileId;

    fn finding(code: &str, file: &SourceFile, needle: &str) -> Diagnostic {
        let start = file.text.find(needle).unwrap();
        Diagnostic::new(
            code,
            "x",
            Severity::Error,
            "m",
            Label::new(Span::new(file.id, start, start + needle.len()), "l"),
        )
    }

    #[test]
    fn yaml_comment_covers_the_indented_block() {
        let text = "items:\n  # akslint-ignore: AKS001 -- lab subnet\n  - name: a\n    prefix: P1\n  - name: b\n    prefix: P2\n";
        let mut map = SourceMap::default();
        let id = map.add("x.yaml".into(), text.into());
        let f = map.get(id);
        let mut s = comment_suppressions(&map);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].reason.as_deref(), Some("lab subnet"));
        let kept = apply(
            vec![
                finding("AKS001", f, "P1"),
                finding("AKS001", f, "P2"),
                finding("AKS004", f, "P1"),
            ],
            &mut s,
        );
        let kept: Vec<&str> = kept.iter().map(|d| f.slice(d.primary.span)).collect();
        assert_eq!(kept, vec!["P2", "P1"]);
        assert!(s[0].used);
    }

    #[test]
    fn jsonc_comment_covers_the_object_and_hcl_block() {
        let text = "{\n  // akslint-ignore: AKS004, AKS001\n  \"subnet\": {\n    \"prefix\": \"P1\"\n  },\n  \"other\": \"P2\"\n}\n";
        let mut map = SourceMap::default();
        let id = map.add("x.json".into(), text.into());
        let f = map.get(id);
        let mut s = comment_suppressions(&map);
        let kept = apply(
            vec![finding("AKS004", f, "P1"), finding("AKS004", f, "P2")],
            &mut s,
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(f.slice(kept[0].primary.span), "P2");
        let hcl = "# akslint-ignore: AKS002\nresource \"x\" \"y\" {\n  os_type = \"Windows\"\n}\nos = \"Windows2\"\n";
        let id = map.add("main.tf".into(), hcl.into());
        let f = map.get(id);
        let mut s = comment_suppressions(&map);
        let kept = apply(
            vec![
                finding("AKS002", f, "\"Windows\""),
                finding("AKS002", f, "Windows2"),
            ],
            &mut s,
        );
        assert_eq!(kept.len(), 1);
    }

    #[test]
    fn unused_suppressions_are_reported() {
        let text = "# akslint-ignore: AKS001\nname: a\n";
        let mut map = SourceMap::default();
        map.add("x.yaml".into(), text.into());
        let s = comment_suppressions(&map);
        let u = unused(&s, |_| true);
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].code, "unused-suppression");
        assert!(unused(&s, |_| false).is_empty());
    }

    #[test]
    fn markers_outside_comments_do_not_count() {
        let text = "{\"description\": \"akslint-ignore: AKS001\", \"a\": 1}\n";
        let mut map = SourceMap::default();
        map.add("x.json".into(), text.into());
        assert!(comment_suppressions(&map).is_empty());
        assert_eq!(parse_comment("// akslint-ignore:"), None);
        let _ = FileId(0);
    }
}
