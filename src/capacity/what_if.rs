//! `--what-if POOL=N`: the inventory with some pools scaled to N nodes, and the
//! findings that would then appear.

use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::model::{Field, Inventory, NodePool, PoolIdx};
use crate::source::Span;

use super::pool_label;

/// One `POOL=N`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatIf {
    /// `cluster/pool` or a pool name.
    pub pool: String,
    pub nodes: i64,
}

/// Parses `POOL=N` (for clap's `value_parser`).
pub fn parse(text: &str) -> Result<WhatIf, String> {
    let (pool, n) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("`{text}` is not POOL=N (e.g. aks-demo/system=50)"))?;
    let nodes: i64 = n
        .trim()
        .parse()
        .ok()
        .filter(|n| (0..=100_000).contains(n))
        .ok_or_else(|| format!("`{n}` is not a node count (0 to 100000)"))?;
    let pool = pool.trim();
    if pool.is_empty() {
        return Err(format!("`{text}` names no pool"));
    }
    Ok(WhatIf {
        pool: pool.to_string(),
        nodes,
    })
}

/// The pool with `nodes` as the count that sets its scale: `maxCount` with the
/// autoscaler on, `count` without; both when that is unknown (the scale then stays unknown).
pub fn with_nodes(pool: &NodePool, nodes: i64) -> NodePool {
    let mut p = pool.clone();
    let set = |f: &Field<i64>| Field::Known(nodes, f.span().unwrap_or(pool.decl));
    match p.enable_auto_scaling.value() {
        Some(true) => p.max_count = set(&pool.max_count),
        Some(false) => p.count = set(&pool.count),
        None => {
            p.count = set(&pool.count);
            if p.enable_auto_scaling.is_unknown() {
                p.max_count = set(&pool.max_count);
            }
        }
    }
    p
}

/// The pools `spec` names: `cluster/pool` exactly, else every pool of that name.
pub fn matching(inv: &Inventory, spec: &str) -> Vec<PoolIdx> {
    let by_label: Vec<PoolIdx> = (0..inv.pools.len())
        .filter(|&i| pool_label(inv, &inv.pools[i]).eq_ignore_ascii_case(spec))
        .collect();
    if !by_label.is_empty() || spec.contains('/') {
        return by_label;
    }
    (0..inv.pools.len())
        .filter(|&i| {
            inv.pools[i]
                .name
                .value()
                .is_some_and(|n| n.eq_ignore_ascii_case(spec))
        })
        .collect()
}

/// Scales the named pools. A spec naming no pool, or a bare pool name shared
/// by several clusters, is an error that lists what it could mean.
pub fn apply(inv: &mut Inventory, specs: &[WhatIf]) -> Result<Vec<String>, String> {
    let mut applied = Vec::new();
    for spec in specs {
        let pools = matching(inv, &spec.pool);
        match pools.as_slice() {
            [] => {
                return Err(format!(
                    "--what-if {}={}: no node pool is named `{}` (use cluster/pool or a pool name)",
                    spec.pool, spec.nodes, spec.pool
                ))
            }
            [pi] => {
                let label = pool_label(inv, &inv.pools[*pi]);
                inv.pools[*pi] = with_nodes(&inv.pools[*pi], spec.nodes);
                applied.push(format!("{label} = {} nodes", spec.nodes));
            }
            many => {
                let names: Vec<String> = many
                    .iter()
                    .take(5)
                    .map(|&p| pool_label(inv, &inv.pools[p]))
                    .collect();
                let more = if many.len() > 5 { ", …" } else { "" };
                return Err(format!(
                    "--what-if {}={}: {} pools are named `{}` ({}{more}); name one as cluster/pool",
                    spec.pool,
                    spec.nodes,
                    many.len(),
                    spec.pool,
                    names.join(", ")
                ));
            }
        }
    }
    Ok(applied)
}

/// The findings of `after` that `before` does not have (same rule, place and message).
pub fn new_findings(before: &[Diagnostic], after: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let key = |d: &Diagnostic| (d.code.clone(), span_key(d.primary.span), d.message.clone());
    let seen: HashSet<_> = before.iter().map(key).collect();
    after
        .into_iter()
        .filter(|d| !seen.contains(&key(d)))
        .collect()
}

fn span_key(s: Span) -> (u32, u32, u32) {
    (s.file.0, s.start, s.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pool_equals_count() {
        assert_eq!(
            parse("aks-demo/system=50"),
            Ok(WhatIf {
                pool: "aks-demo/system".into(),
                nodes: 50
            })
        );
        assert_eq!(parse("system = 3").map(|w| w.nodes), Ok(3));
        assert!(parse("system").is_err());
        assert!(parse("system=-1").is_err());
        assert!(parse("=4").is_err());
    }
}
