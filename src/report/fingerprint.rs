//! A finding's identity that survives unrelated edits: it hashes what the
//! finding is about (rule, resource, the text it points at, the file), never
//! where in the file that is, so moving lines around does not change it.

use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

use super::source_file;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a, 64 bits: small, fixed and the same on every platform and run
/// (std's hasher is seeded randomly per process).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(FNV_PRIME)
    })
}

/// The fingerprint of a finding as 16 hex digits. `path` is the file's path
/// as reported (relative, forward slashes), so that the same finding has the
/// same fingerprint on Windows and Linux runners.
pub fn fingerprint(diag: &Diagnostic, sources: &SourceMap, path: &str) -> String {
    let text = source_file(sources, diag.primary.span)
        .map(|f| f.slice(diag.primary.span))
        .unwrap_or("");
    let resource = diag.resource.as_deref().unwrap_or("");
    // Parts are separated by a byte that cannot occur in any of them, so
    // ("ab", "c") and ("a", "bc") hash differently.
    let mut bytes = Vec::new();
    for part in [diag.code.as_str(), resource, text, path] {
        bytes.extend_from_slice(part.as_bytes());
        bytes.push(0);
    }
    format!("{:016x}", fnv1a64(&bytes))
}

/// The SARIF fingerprint (`akslint/v2`): [`fingerprint`], plus what each
/// secondary location points at (its file and text, never its line), so
/// that two findings of one rule at one place about different things (two
/// NSG rules blocking one flow, a subnet overlapping two others) differ.
/// Baselines keep [`fingerprint`], so recorded baselines stay valid.
pub fn fingerprint_with_related(diag: &Diagnostic, sources: &SourceMap, path: &str) -> String {
    let mut bytes = fingerprint(diag, sources, path).into_bytes();
    for label in &diag.labels {
        let file = source_file(sources, label.span);
        // Forward slashes, no `./`: the same on Windows and Linux runners.
        let label_path = file.map_or(String::new(), |f| {
            f.path
                .replace('\\', "/")
                .trim_start_matches("./")
                .to_string()
        });
        let text = file.map_or("", |f| f.slice(label.span));
        for part in [label_path.as_str(), text, label.message.as_str()] {
            bytes.push(0);
            bytes.extend_from_slice(part.as_bytes());
        }
    }
    format!("{:016x}", fnv1a64(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Label, Severity};
    use crate::source::Span;

    #[test]
    fn fnv1a_reference_values() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    fn finding(sources: &mut SourceMap, text: &str) -> Diagnostic {
        let file = sources.add("a.json".into(), text.into());
        let start = text.find("10.0.0.0/28").unwrap_or(0);
        Diagnostic::new(
            "AKS004",
            "cni-subnet-too-small",
            Severity::Error,
            "too small",
            Label::new(Span::new(file, start, start + 11), ""),
        )
        .with_resource("/subscriptions/0/vnet/subnets/a")
    }

    #[test]
    fn stable_across_line_moves_but_not_content_changes() {
        let mut sources = SourceMap::default();
        let before = finding(&mut sources, "{\"p\": \"10.0.0.0/28\"}");
        let moved = finding(
            &mut sources,
            "\n\n{\n  \"x\": 1,\n  \"p\": \"10.0.0.0/28\"}",
        );
        let changed = finding(&mut sources, "{\"p\": \"10.0.0.0/27\"}");
        let fp = |d: &Diagnostic| fingerprint(d, &sources, "a.json");
        assert_eq!(fp(&before), fp(&moved));
        assert_ne!(fp(&before), fp(&changed));
        assert_ne!(
            fingerprint(&before, &sources, "a.json"),
            fingerprint(&before, &sources, "b.json")
        );
        assert_eq!(fp(&before).len(), 16);
    }
}
