use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{Field, Inventory, OsType};

declare_rule! {
    /// ## What it checks
    /// Every node pool name that the input states: it must match the API pattern
    /// `^[a-z][a-z0-9]{0,11}$` — lowercase letters and digits, starting with a
    /// letter, 1–12 characters — and a Windows pool name may have at most 6
    /// characters. `aksmanagedap` is reserved (F-121, F-133). Terraform's
    /// `default_node_pool.name`, `azurerm_kubernetes_cluster_node_pool.name`
    /// and Crossplane or ASO pool names are Azure pool names and follow the same
    /// rule.
    ///
    /// ## Why it matters
    /// The name becomes part of the VM scale set and (for Windows) of the computer
    /// name prefix, which Windows limits. AKS refuses the pool, so the deployment
    /// fails, and a pool cannot be renamed later: a new pool has to be made.
    ///
    /// ## How to fix
    /// Choose a short lowercase name such as `npwin` (Windows) or `userpool1`.
    ///
    /// ## Example
    /// ```json
    /// { "name": "npwin", "osType": "Windows", "mode": "User" }
    /// ```
    pub struct PoolNameInvalid {
        code: "AKS202",
        name: "pool-name-invalid",
        category: Compatibility,
        severity: Error,
        summary: "A node pool name that AKS refuses",
    }
}

/// Longest name per OS (F-121).
const LINUX_MAX: usize = 12;
const WINDOWS_MAX: usize = 6;

impl Rule for PoolNameInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for pool in &inv.pools {
            let Field::Known(name, span) = &pool.name else {
                continue;
            };
            let Some(problem) = problem(name, &pool.os_type) else {
                continue;
            };
            let d = cx.report(
                *span,
                format!("node pool name `{name}` {problem}"),
                "pool name",
            );
            if let (Field::Known(OsType::Windows, s), true) =
                (&pool.os_type, name.len() > WINDOWS_MAX)
            {
                d.labels
                    .push(Label::new(*s, "Windows pool: at most 6 characters"));
            }
            d.help = Some(
                "use 1–12 lowercase letters and digits starting with a letter, at most 6 for Windows pools, e.g. `npwin` (F-121)"
                    .into(),
            );
            d.resource = Some(pool.address.clone());
        }
    }
}

/// What is wrong with a name, or `None` when AKS accepts it.
fn problem(name: &str, os: &Field<OsType>) -> Option<String> {
    let len = name.chars().count();
    if name.is_empty() {
        return Some("is empty".into());
    }
    if name == "aksmanagedap" {
        return Some("is reserved by AKS".into());
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("must start with a lowercase letter".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
    {
        return Some(format!(
            "contains `{bad}`; only lowercase letters and digits are allowed"
        ));
    }
    if len > LINUX_MAX {
        return Some(format!(
            "has {len} characters; pool names allow at most {LINUX_MAX}"
        ));
    }
    if os.value() == Some(&OsType::Windows) && len > WINDOWS_MAX {
        return Some(format!(
            "has {len} characters; Windows pool names allow at most {WINDOWS_MAX}"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text};

    fn cluster(pool: &str, os: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.1","networkProfile":{{"networkPlugin":"azure"}},
            "agentPoolProfiles":[{{"name":"{pool}","count":1,"osType":"{os}"}}]}}}}"#
        )
    }

    fn messages(pool: &str, os: &str) -> Vec<String> {
        let (src, d) = check(&PoolNameInvalid, &[&cluster(pool, os)]);
        for x in &d {
            assert_eq!(primary_text(&src, x), format!("\"{pool}\""));
        }
        d.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn windows_names_over_six() {
        let m = messages("npwindows", "Windows");
        assert_eq!(m.len(), 1);
        assert!(m[0].contains("has 9 characters"), "{}", m[0]);
        assert!(messages("npwin", "Windows").is_empty());
        assert!(messages("npwindows", "Linux").is_empty());
    }

    #[test]
    fn pattern_and_reserved() {
        assert_eq!(messages("user-pool", "Linux").len(), 1);
        assert_eq!(messages("System", "Linux").len(), 1);
        assert_eq!(messages("1pool", "Linux").len(), 1);
        assert_eq!(messages("userpool12345", "Linux").len(), 1);
        assert_eq!(messages("aksmanagedap", "Linux").len(), 1);
        assert!(messages("userpool1234", "Linux").is_empty());
    }
}
