//! `--statistics`: how many findings each code has, most frequent first (as
//! ruff prints it), for triaging a first run over a large estate.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;

/// One line per code: count, code, name, highest severity among its findings.
pub fn render(diags: &[Diagnostic]) -> String {
    let mut by_code: BTreeMap<&str, (usize, &str, crate::diagnostic::Severity)> = BTreeMap::new();
    for d in diags {
        let entry = by_code
            .entry(d.code.as_str())
            .or_insert((0, d.name.as_str(), d.severity));
        entry.0 += 1;
        entry.2 = entry.2.max(d.severity);
    }
    let mut rows: Vec<_> = by_code.into_iter().collect();
    // Most findings first; the code breaks ties, so the order is stable.
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    let count_width = rows.first().map_or(1, |r| r.1 .0.to_string().len());
    let code_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (code, (count, name, severity)) in rows {
        let name = if name == code { "" } else { name };
        let severity = severity.as_str();
        let line = format!("{count:>count_width$}  {code:<code_width$}  {severity:<7}  {name}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// This process's peak resident memory so far, in bytes (Linux's `VmHWM`),
/// for the `--statistics` summary; `None` where the kernel does not say.
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kib * 1024)
}

/// `peak memory 61.9 MB`, the last line of `--statistics` where it is known.
pub fn memory_line() -> Option<String> {
    peak_memory().map(|bytes| format!("peak memory {:.1} MB", bytes as f64 / 1e6))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Label, Severity};
    use crate::source::{FileId, Span};

    fn d(code: &str, name: &str, severity: Severity) -> Diagnostic {
        let at = Label::new(Span::new(FileId(0), 0, 0), "");
        Diagnostic::new(code, name, severity, "m", at)
    }

    #[test]
    fn counts_per_code_most_frequent_first() {
        let diags = [
            d("AKS004", "cni-subnet-too-small", Severity::Error),
            d(
                "unused-suppression",
                "unused-suppression",
                Severity::Warning,
            ),
            d("AKS004", "cni-subnet-too-small", Severity::Warning),
            d("AKS001", "node-subnet-without-nsg", Severity::Error),
        ];
        assert_eq!(
            render(&diags),
            "2  AKS004              error    cni-subnet-too-small\n\
             1  AKS001              error    node-subnet-without-nsg\n\
             1  unused-suppression  warning\n"
        );
        assert_eq!(render(&[]), "");
    }
}
