use super::{declare_rule, described_once, display_name, Context, Rule, RuleMeta};
use crate::diagnostic::{Label, Severity};
use crate::model::{Field, Inventory, NetworkPlugin, NodePool, OsType};

declare_rule! {
    /// ## What it checks
    /// A node pool's stated `maxPods`, on kubenet and Azure CNI clusters (under
    /// bring-your-own CNI `maxPods` is only a kubelet limit, F-022):
    ///
    /// * outside 10–250, or not a whole number (`30.5`, `1e400`, a value beyond
    ///   64 bits — written as a number or a numeric string): an error (F-022);
    /// * between 10 and 29, when the pool cannot hold 30 pods: `maxPods × count`
    ///   (`minCount` when autoscaled) below 30. This is AKS's own create-time check
    ///   (F-022, F-027). Pools with `maxPods` ≥ 30 are never judged by it, and
    ///   neither are user pools that scale to zero (count or `minCount` 0). akslint
    ///   cannot tell a template that creates the pool from an export of a running
    ///   one, whose pool may have been scaled down since creation without AKS
    ///   re-checking (Azure/AKS#1422), so this case is a warning;
    /// * a Windows pool above 110: a warning, Microsoft's recommended ceiling for
    ///   Windows nodes (F-025).
    ///
    /// ## Why it matters
    /// `maxPods` is fixed when a pool is created (F-024). AKS refuses values outside
    /// the range, and refuses pools too small for the system pods the managed
    /// add-ons need. Windows nodes above 110 pods run out of resources and ports.
    ///
    /// ## How to fix
    /// Choose `maxPods` between 30 and 250 (at most 110 on Windows); for a small
    /// value, give the pool enough nodes that `maxPods × count` reaches 30.
    ///
    /// ## Example
    /// ```json
    /// { "name": "system", "mode": "System", "count": 3, "maxPods": 30 }
    /// ```
    pub struct MaxPodsOutOfRange {
        code: "AKS206",
        name: "max-pods-out-of-range",
        category: Compatibility,
        severity: Error,
        summary: "A node pool's maxPods is outside what AKS accepts",
    }
}

const MIN: i64 = 10;
const MAX: i64 = 250;
/// Pods every pool must be able to hold (F-022, F-027).
const MIN_POOL_PODS: i64 = 30;
const WINDOWS_CEILING: i64 = 110;

impl Rule for MaxPodsOutOfRange {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for pool in &inv.pools {
            // The bounds hold for kubenet and Azure CNI, not for BYO CNI or an unknown plugin.
            let applies = inv.pool_cluster(pool).is_some_and(|c| {
                described_once(c)
                    && matches!(
                        c.network.plugin.value(),
                        Some(NetworkPlugin::Kubenet | NetworkPlugin::Azure)
                    )
            });
            if let (true, Field::Known(text, span)) = (applies, &pool.max_pods_not_integer) {
                not_integer(pool, text, *span, cx);
                continue;
            }
            let Field::Known(max_pods, span) = pool.max_pods else {
                continue;
            };
            if !applies {
                continue;
            }
            let name = display_name(&pool.name, &pool.address);
            if !(MIN..=MAX).contains(&max_pods) {
                let d = cx.report(
                    span,
                    format!("node pool `{name}` sets maxPods {max_pods}; AKS accepts {MIN}–{MAX}"),
                    format!("{max_pods} is outside {MIN}–{MAX}"),
                );
                d.help = Some(format!("choose maxPods between {MIN} and {MAX}; 30 or more avoids the minimum-capacity check (F-022)"));
                d.resource = Some(pool.address.clone());
            } else if max_pods < MIN_POOL_PODS {
                check_capacity(pool, &name, max_pods, span, cx);
            } else if max_pods > WINDOWS_CEILING && pool.os_type.value() == Some(&OsType::Windows) {
                let d = cx.report_at(
                    Severity::Warning,
                    span,
                    format!("Windows node pool `{name}` sets maxPods {max_pods}, above the {WINDOWS_CEILING} recommended for Windows nodes"),
                    format!("{max_pods} > {WINDOWS_CEILING}"),
                );
                if let Some(s) = pool.os_type.span() {
                    d.labels.push(Label::new(s, "Windows pool"));
                }
                d.help = Some(format!(
                    "use maxPods {WINDOWS_CEILING} or less on Windows pools (F-025)"
                ));
                d.resource = Some(pool.address.clone());
            }
        }
    }
}

/// maxPods written as a number that is no integer (30.5, 1e400, 2^63): AKS
/// refuses it, and akslint's arithmetic cannot use it either.
fn not_integer(pool: &NodePool, text: &str, span: crate::source::Span, cx: &mut Context<'_>) {
    let name = display_name(&pool.name, &pool.address);
    let d = cx.report(
        span,
        format!("node pool `{name}` sets maxPods {text}, which is not a whole number; AKS accepts integers {MIN}–{MAX}"),
        "not an integer",
    );
    d.help = Some(format!(
        "choose a whole number of pods between {MIN} and {MAX} (F-022)"
    ));
    d.resource = Some(pool.address.clone());
}

/// AKS's create-time check for 10 ≤ maxPods < 30: maxPods × nodes ≥ 30.
fn check_capacity(
    pool: &NodePool,
    name: &str,
    max_pods: i64,
    span: crate::source::Span,
    cx: &mut Context<'_>,
) {
    let (nodes, what) = match pool.enable_auto_scaling.value() {
        Some(true) => (&pool.min_count, "minCount"),
        Some(false) => (&pool.count, "count"),
        None => return,
    };
    let Some(&n) = nodes.value() else {
        return;
    };
    let system = pool
        .mode
        .value()
        .is_some_and(|m| m.eq_ignore_ascii_case("system"));
    // A user pool that scales to zero is not judged (F-022): what AKS does with it is uncertain.
    if n <= 0 && !system {
        return;
    }
    if max_pods * n >= MIN_POOL_PODS {
        return;
    }
    let default = if nodes.is_default() { " (default)" } else { "" };
    let d = cx.report_at(
        Severity::Warning,
        span,
        format!(
            "node pool `{name}` can hold {max_pods} pods × {n} nodes ({what}{default}) = {} pods, below the {MIN_POOL_PODS} AKS requires when it creates a pool",
            max_pods * n
        ),
        format!("maxPods {max_pods} < {MIN_POOL_PODS}"),
    );
    if let Some(s) = nodes.span() {
        d.labels.push(Label::new(s, format!("{what} {n}{default}")));
    }
    let need = (MIN_POOL_PODS + max_pods - 1) / max_pods;
    d.help = Some(format!(
        "set maxPods to 30 or more, or {what} to at least {need} ({max_pods} × {need} ≥ {MIN_POOL_PODS}) (F-022, F-027)"
    ));
    d.resource = Some(pool.address.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    fn cluster(pool: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.1","networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay"}},
            "agentPoolProfiles":[{pool}]}}}}"#
        )
    }

    fn run(pool: &str) -> Vec<(Severity, String)> {
        let (src, d) = check(&MaxPodsOutOfRange, &[&cluster(pool)]);
        d.iter()
            .map(|d| (d.severity, primary_text(&src, d).to_string()))
            .collect()
    }

    #[test]
    fn range() {
        assert_eq!(
            run(r#"{"name":"sys","mode":"System","count":3,"maxPods":300}"#),
            [(Severity::Error, "300".to_string())]
        );
        assert_eq!(
            run(r#"{"name":"sys","mode":"System","count":3,"maxPods":8}"#),
            [(Severity::Error, "8".to_string())]
        );
        assert!(run(r#"{"name":"sys","mode":"System","count":1,"maxPods":250}"#).is_empty());
    }

    #[test]
    fn small_pools_below_thirty_pods() {
        assert_eq!(
            run(r#"{"name":"sys","mode":"System","count":2,"maxPods":10}"#),
            [(Severity::Warning, "10".to_string())]
        );
        assert!(run(r#"{"name":"sys","mode":"System","count":3,"maxPods":10}"#).is_empty());
        // Autoscaled: minCount decides.
        assert_eq!(
            run(
                r#"{"name":"u","mode":"User","enableAutoScaling":true,"minCount":1,"maxCount":9,"maxPods":20}"#
            ),
            [(Severity::Warning, "20".to_string())]
        );
    }

    #[test]
    fn scale_to_zero_user_pools_are_not_flagged() {
        assert!(run(r#"{"name":"u","mode":"User","count":0,"maxPods":10}"#).is_empty());
        assert!(run(r#"{"name":"u","mode":"User","enableAutoScaling":true,"minCount":0,"maxCount":5,"maxPods":15}"#).is_empty());
        // maxPods ≥ 30 is never judged by pool size.
        assert!(run(r#"{"name":"u","mode":"User","count":0,"maxPods":30}"#).is_empty());
    }

    #[test]
    fn windows_above_110_warns() {
        assert_eq!(
            run(r#"{"name":"npwin","mode":"User","count":1,"osType":"Windows","maxPods":150}"#),
            [(Severity::Warning, "150".to_string())]
        );
        assert!(run(
            r#"{"name":"npwin","mode":"User","count":1,"osType":"Windows","maxPods":110}"#
        )
        .is_empty());
    }
}
