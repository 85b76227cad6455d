//! `akslint capacity` output: a terminal table, JSON or CSV.

use serde::Serialize;

use super::{Capacity, PodCidrBudget, SubnetCapacity};
use crate::report::escape::escape;
use crate::rules::thousands;

/// A finding that a what-if would make appear, located for people.
#[derive(Debug, Serialize)]
pub struct Appearing {
    pub code: String,
    pub severity: String,
    pub message: String,
    pub path: String,
    pub line: usize,
    pub column: usize,
}

/// What `--what-if` changed and what it would bring.
#[derive(Debug, Default, Serialize)]
pub struct WhatIfOutcome {
    pub applied: Vec<String>,
    /// Findings that would appear.
    pub findings: Vec<Appearing>,
    /// Findings of today that would go away.
    pub resolved: Vec<Appearing>,
}

/// `341`, `≥341` when some pool's need is unknown.
fn at_least(n: i64, incomplete: bool) -> String {
    if incomplete {
        format!("≥{}", thousands(n))
    } else {
        thousands(n)
    }
}

fn opt(n: Option<i64>) -> String {
    n.map_or_else(|| "unknown".to_string(), thousands)
}

fn prefix(p: Option<u8>) -> String {
    p.map_or_else(|| "none".to_string(), |p| format!("/{p}"))
}

/// Headroom as a person reads it: unknown when usable is unknown, a lower-bound
/// need makes a positive headroom an upper bound.
fn headroom(s: &SubnetCapacity) -> String {
    match s.headroom {
        None => "unknown".into(),
        Some(h) if s.incomplete && h >= 0 => format!("≤{}", thousands(h)),
        Some(h) => thousands(h),
    }
}

/// Rows of cells laid out in columns, the first column left-aligned and the
/// numbers right-aligned. Rows are indented and cells escaped: names come from
/// the input, and no line may start with one (a CI log would take a name like
/// `::error file=…` for a command).
fn columns(rows: &[Vec<String>], right: &[bool]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| escape(c).into_owned()).collect())
        .collect();
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::from("  ");
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c].saturating_sub(cell.chars().count());
            if c > 0 {
                line.push_str("  ");
            }
            if right.get(c).copied().unwrap_or(false) {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn subnet_row(s: &SubnetCapacity) -> Vec<String> {
    let state = match s.fits() {
        Some(true) => "fits",
        Some(false) => "DOES NOT FIT",
        None => "unknown",
    };
    vec![
        s.name.clone(),
        s.vnet.clone().unwrap_or_else(|| "unknown".into()),
        s.uses.join("+"),
        if s.modes.is_empty() {
            "unknown".to_string()
        } else {
            s.modes.join(", ")
        },
        s.prefixes.join(", "),
        opt(s.usable),
        at_least(s.needed, s.incomplete),
        headroom(s),
        prefix(s.smallest_prefix),
        state.into(),
    ]
}

fn pod_cidr_row(p: &PodCidrBudget) -> Vec<String> {
    let state = if p.nodes_needed > p.nodes_it_holds {
        "DOES NOT FIT"
    } else {
        "fits"
    };
    vec![
        p.cluster_name.clone(),
        p.mode.into(),
        p.pod_cidr.clone(),
        thousands(p.nodes_it_holds),
        at_least(p.nodes_needed, p.incomplete),
        thousands(p.headroom),
        prefix(p.smallest_prefix),
        state.into(),
    ]
}

/// The terminal table: subnets, then the per-pool arithmetic, then pod CIDRs.
pub fn table(cap: &Capacity, outcome: Option<&WhatIfOutcome>) -> String {
    let mut out = String::new();
    if let Some(o) = outcome {
        out.push_str(&format!("What if: {}\n\n", escape(&o.applied.join(", "))));
    }
    if cap.subnets.is_empty() && cap.pod_cidrs.is_empty() {
        out.push_str("No node pool with a known subnet or pod CIDR was found.\n");
    }
    if !cap.subnets.is_empty() {
        out.push_str("Subnets at maximum scale (addresses)\n");
        let mut rows = vec![[
            "SUBNET", "VNET", "USE", "MODE", "PREFIX", "USABLE", "NEEDED", "HEADROOM", "FITS IN",
            "",
        ]
        .map(String::from)
        .to_vec()];
        rows.extend(cap.subnets.iter().map(subnet_row));
        let right = [
            false, false, false, false, false, true, true, true, false, false,
        ];
        out.push_str(&columns(&rows, &right));
        out.push_str("\nPer pool\n");
        let mut rows = vec![["SUBNET", "POOL", "NEEDED", "MAX NODES", "ARITHMETIC"]
            .map(String::from)
            .to_vec()];
        for s in &cap.subnets {
            for d in &s.demands {
                rows.push(vec![
                    s.name.clone(),
                    d.label.clone(),
                    thousands(d.needed),
                    d.max_nodes_that_fit.map_or_else(|| "-".into(), thousands),
                    d.arithmetic.clone(),
                ]);
            }
        }
        out.push_str(&columns(&rows, &[false, false, true, true, false]));
    }
    if !cap.pod_cidrs.is_empty() {
        out.push_str("\nPod CIDRs (one /24 per node, surge included)\n");
        let mut rows = vec![[
            "CLUSTER", "MODE", "POD CIDR", "HOLDS", "NODES", "HEADROOM", "FITS IN", "",
        ]
        .map(String::from)
        .to_vec()];
        rows.extend(cap.pod_cidrs.iter().map(pod_cidr_row));
        let right = [false, false, false, true, true, true, false, false];
        out.push_str(&columns(&rows, &right));
    }
    if let Some(o) = outcome {
        if !o.resolved.is_empty() {
            out.push_str("\nFindings that would go away\n");
            for f in &o.resolved {
                out.push_str(&finding_line(f));
            }
        }
        if o.findings.is_empty() {
            out.push_str("\nNo new finding would appear.\n");
        } else {
            out.push_str("\nFindings that would appear\n");
            for f in &o.findings {
                out.push_str(&finding_line(f));
            }
        }
    }
    out
}

/// `  path:line:col: severity CODE: message`, indented and escaped like the table.
fn finding_line(f: &Appearing) -> String {
    format!(
        "  {}:{}:{}: {} {}: {}\n",
        escape(&f.path),
        f.line,
        f.column,
        f.severity,
        escape(&f.code),
        escape(&f.message)
    )
}

#[derive(Serialize)]
struct JsonOut<'a> {
    #[serde(flatten)]
    capacity: &'a Capacity,
    #[serde(skip_serializing_if = "Option::is_none")]
    what_if: Option<&'a WhatIfOutcome>,
}

pub fn json(cap: &Capacity, outcome: Option<&WhatIfOutcome>) -> String {
    let out = JsonOut {
        capacity: cap,
        what_if: outcome,
    };
    let mut text = serde_json::to_string_pretty(&out).unwrap_or_default();
    text.push('\n');
    text
}

/// RFC 4180 quoting where needed.
fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One row per subnet and per pod CIDR; numbers without separators.
pub fn csv(cap: &Capacity) -> String {
    let mut out = String::from(
        "kind,name,vnet,use,prefixes,usable,needed,needed_full,incomplete,headroom,smallest_prefix,max_nodes_per_pool\n",
    );
    let num = |n: Option<i64>| n.map_or_else(String::new, |n| n.to_string());
    for s in &cap.subnets {
        let max: Vec<String> = s
            .demands
            .iter()
            .filter_map(|d| Some(format!("{}={}", d.label, d.max_nodes_that_fit?)))
            .collect();
        let row = [
            "subnet".to_string(),
            s.name.clone(),
            s.vnet.clone().unwrap_or_default(),
            s.uses.join("+"),
            s.prefixes.join(" "),
            num(s.usable),
            s.needed.to_string(),
            s.needed_full.to_string(),
            s.incomplete.to_string(),
            num(s.headroom),
            s.smallest_prefix.map(|p| p.to_string()).unwrap_or_default(),
            max.join(" "),
        ];
        push_row(&mut out, &row);
    }
    for p in &cap.pod_cidrs {
        let row = [
            "pod-cidr".to_string(),
            p.cluster_name.clone(),
            String::new(),
            p.mode.to_string(),
            p.pod_cidr.clone(),
            p.nodes_it_holds.to_string(),
            p.nodes_needed.to_string(),
            p.nodes_needed.to_string(),
            p.incomplete.to_string(),
            p.headroom.to_string(),
            p.smallest_prefix.map(|p| p.to_string()).unwrap_or_default(),
            String::new(),
        ];
        push_row(&mut out, &row);
    }
    out
}

fn push_row(out: &mut String, row: &[String]) {
    let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
    out.push_str(&cells.join(","));
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_commas_and_quotes() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_cell("plain"), "plain");
    }
}
