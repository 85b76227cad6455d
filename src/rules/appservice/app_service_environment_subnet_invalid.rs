use super::{
    declare_rule, delegation, ipv4_prefix, report_shared_with_aks, size_tier, AksUsers, Context,
    Delegation, Rule, RuleMeta, SharedWithAks,
};
use crate::diagnostic::Label;
use crate::model::{AppService, AppServiceKind, Inventory, SubnetIdx};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// The subnet of an App Service Environment v3 (`Microsoft.Web/hostingEnvironments`
    /// with `kind: ASEv3`, `properties.virtualNetwork.id`; Terraform
    /// `azurerm_app_service_environment_v3` `subnet_id`), when it is among the
    /// inputs. Each of these is a finding of its own (F-144):
    ///
    /// * an IPv4 prefix smaller than /27 (error) or than the recommended /24
    ///   (warning);
    /// * no delegation to `Microsoft.Web/hostingEnvironments` (error);
    /// * the subnet is also the node or pod subnet of an AKS node pool (error).
    ///
    /// Unknown prefixes and delegations keep the rule silent.
    ///
    /// ## Why it matters
    /// An App Service Environment v3 needs a single empty subnet delegated to
    /// `Microsoft.Web/hostingEnvironments`; nothing else may be deployed in it. The
    /// smallest subnet is a /27, and Microsoft recommends a /24 so that the
    /// environment can scale: every instance takes an address, the environment's
    /// own infrastructure several more, and Azure keeps five (F-144,
    /// <https://learn.microsoft.com/en-us/azure/app-service/environment/networking#subnet-requirements>).
    /// The subnet size cannot be changed after the environment is created. An
    /// AKS node or pod subnet must not be delegated at all (F-070).
    ///
    /// ## How to fix
    /// Create a dedicated /24 (at least /27) subnet delegated to
    /// `Microsoft.Web/hostingEnvironments` for the environment, and keep AKS pools
    /// in subnets of their own.
    ///
    /// ## Example
    /// ```json
    /// { "name": "snet-ase", "properties": { "addressPrefix": "10.240.16.0/24",
    ///   "delegations": [ { "name": "ase", "properties": { "serviceName": "Microsoft.Web/hostingEnvironments" } } ] } }
    /// ```
    pub struct AppServiceEnvironmentSubnetInvalid {
        code: "AKS803",
        name: "app-service-environment-subnet-invalid",
        category: Compatibility,
        severity: Error,
        summary: "An App Service Environment v3 subnet is too small, not delegated to Microsoft.Web/hostingEnvironments, or shared with AKS",
    }
}

const DELEGATION: &str = "Microsoft.Web/hostingEnvironments";
/// Smallest ASE v3 subnet, and the recommended one (F-144).
const MIN_PREFIX: u8 = 27;
const RECOMMENDED_PREFIX: u8 = 24;

impl Rule for AppServiceEnvironmentSubnetInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let users = AksUsers::build(inv);
        for ase in &inv.app_services {
            if ase.kind != AppServiceKind::Environment {
                continue;
            }
            let (Some(si), Some(at)) = (ase.subnet, ase.subnet_id.span()) else {
                continue;
            };
            check_size(inv, si, ase, at, cx);
            // An AKS subnet must not be delegated at all: the sharing is the finding.
            if !report_shared_with_aks(inv, &users, (si, at), ase, &SHARED, cx) {
                check_delegation(inv, si, ase, at, cx);
            }
        }
    }
}

fn ase_label(ase: &AppService, at: Span) -> Label {
    Label::new(
        at,
        format!("subnet of App Service Environment `{}`", ase.display_name()),
    )
}

fn check_size(inv: &Inventory, si: SubnetIdx, ase: &AppService, at: Span, cx: &mut Context<'_>) {
    let subnet = &inv.subnets[si];
    let Some((net, span)) = ipv4_prefix(subnet) else {
        return;
    };
    let len = net.prefix_len();
    let Some((severity, limit, smallest)) = size_tier(len, MIN_PREFIX, RECOMMENDED_PREFIX) else {
        return;
    };
    let what = if smallest {
        "the smallest an App Service Environment v3 accepts"
    } else {
        "the size Microsoft recommends"
    };
    let d = cx.report_at(
        severity,
        span,
        format!(
            "App Service Environment subnet `{}` is a /{len}; /{limit} is {what}",
            subnet.display_name()
        ),
        format!("/{len} < /{limit}"),
    );
    d.labels.push(ase_label(ase, at));
    d.help = Some("use a /24 (at least a /27): the subnet size cannot be changed once the environment exists (F-144)".into());
    d.resource = Some(subnet.address.clone());
}

fn check_delegation(
    inv: &Inventory,
    si: SubnetIdx,
    ase: &AppService,
    at: Span,
    cx: &mut Context<'_>,
) {
    let subnet = &inv.subnets[si];
    let (span, what) = match delegation(subnet, DELEGATION) {
        None | Some(Delegation::To) => return,
        Some(Delegation::Other(service, span)) => (span, format!("is delegated to `{service}`")),
        Some(Delegation::None) => (
            subnet.name.span().unwrap_or(subnet.decl),
            "has no delegation".to_string(),
        ),
    };
    let d = cx.report(
        span,
        format!(
            "App Service Environment subnet `{}` {what}; it must be delegated to {DELEGATION}",
            subnet.display_name()
        ),
        format!("not delegated to {DELEGATION}"),
    );
    d.labels.push(ase_label(ase, at));
    d.help = Some(format!(
        "delegate the subnet to {DELEGATION} where it is declared (F-144)"
    ));
    d.resource = Some(subnet.address.clone());
}

/// The finding when the subnet is an AKS subnet too.
const SHARED: SharedWithAks = SharedWithAks {
    message: |owner, subnet, role, pool| {
        format!("App Service Environment `{owner}` uses subnet `{subnet}`, which is also the {role} subnet of AKS node pool `{pool}`; the environment's subnet must hold nothing else")
    },
    label: "App Service Environment subnet",
    help: "give the environment and each AKS pool subnets of their own (F-144, F-070)",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::rules::testing::{check, primary_text, SUB};

    fn subnet(prefix: &str, delegation: Option<&str>) -> String {
        let d = delegation
            .map(|s| {
                format!(r#","delegations":[{{"name":"d","properties":{{"serviceName":"{s}"}}}}]"#)
            })
            .unwrap_or_default();
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/ase","name":"ase",
            "type":"Microsoft.Network/virtualNetworks/subnets","properties":{{"addressPrefix":"{prefix}"{d}}}}}"#
        )
    }

    fn ase(kind: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Web/hostingEnvironments/ase1","name":"ase1",
            "type":"Microsoft.Web/hostingEnvironments","kind":"{kind}",
            "properties":{{"virtualNetwork":{{"id":"{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/ase"}}}}}}"#
        )
    }

    fn run(prefix: &str, delegation: Option<&str>, kind: &str) -> Vec<(String, Severity)> {
        let (src, d) = check(
            &AppServiceEnvironmentSubnetInvalid,
            &[&subnet(prefix, delegation), &ase(kind)],
        );
        d.iter()
            .map(|d| (primary_text(&src, d).to_string(), d.severity))
            .collect()
    }

    #[test]
    fn size_and_delegation() {
        assert!(run("10.0.16.0/24", Some(DELEGATION), "ASEv3").is_empty());
        assert_eq!(
            run("10.0.16.0/28", Some(DELEGATION), "ASEv3"),
            [("\"10.0.16.0/28\"".to_string(), Severity::Error)]
        );
        assert_eq!(
            run("10.0.16.0/26", Some(DELEGATION), "ASEv3"),
            [("\"10.0.16.0/26\"".to_string(), Severity::Warning)]
        );
        assert_eq!(
            run("10.0.16.0/24", None, "ASEv3"),
            [("\"ase\"".to_string(), Severity::Error)]
        );
        // Only v3 is judged.
        assert!(run("10.0.16.0/28", None, "ASEv2").is_empty());
    }
}
