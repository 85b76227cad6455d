use super::{
    declare_rule, delegation, ipv4_prefix, report_shared_with_aks, size_tier, AksUsers, Context,
    Delegation, Rule, RuleMeta, SharedWithAks,
};
use crate::diagnostic::{Label, Severity};
use crate::model::{AppService, AppServiceKind, Inventory, SubnetIdx};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// The subnet of App Service regional VNet integration, when it is among the
    /// inputs: an app's `virtualNetworkSubnetId` (`Microsoft.Web/sites`), a plan's
    /// `network.virtualNetworkSubnetId` (`Microsoft.Web/serverFarms`), a
    /// `Microsoft.Web/sites/networkConfig` resource's `subnetResourceId`, Terraform's
    /// `virtual_network_subnet_id` of `azurerm_linux_web_app`/`azurerm_windows_web_app`
    /// (and the function apps) and `azurerm_app_service_virtual_network_swift_connection`.
    /// Each of these is a finding of its own, once per subnet:
    ///
    /// * an IPv4 prefix smaller than /28 (error) or than the recommended /26
    ///   (warning) (F-140);
    /// * a delegation to another service than `Microsoft.Web/serverFarms` (error);
    ///   no delegation at all (warning: App Service adds it when it integrates, and
    ///   a template that declares the subnet without it then disagrees with Azure)
    ///   (F-140);
    /// * the subnet is also the node or pod subnet of an AKS node pool (error,
    ///   F-142, F-070).
    ///
    /// Unknown prefixes and delegations keep the rule silent.
    ///
    /// ## Why it matters
    /// Regional VNet integration needs a dedicated subnet delegated to
    /// `Microsoft.Web/serverFarms`, an IPv4 /28 block or larger; Microsoft
    /// recommends a /26 because every plan instance takes an address and scaling
    /// up or down doubles that for a while: a /28 holds 5 instances, a /27 13,
    /// a /26 29 (F-140,
    /// <https://learn.microsoft.com/en-us/azure/app-service/overview-vnet-integration#subnet-requirements>,
    /// <https://learn.microsoft.com/en-us/azure/app-service/configure-vnet-integration-enable>).
    /// The subnet size cannot be changed while it is assigned. A subnet delegated
    /// to serverFarms cannot be an AKS node or pod subnet, which must not be
    /// delegated (F-070, F-142), and the integration subnet must hold nothing else.
    ///
    /// ## How to fix
    /// Give App Service its own subnet of /26 or larger, delegated to
    /// `Microsoft.Web/serverFarms` in the template that declares it, and keep AKS
    /// pools in subnets of their own.
    ///
    /// ## Example
    /// ```json
    /// { "name": "snet-appservice", "properties": { "addressPrefix": "10.240.8.0/26",
    ///   "delegations": [ { "name": "web", "properties": { "serviceName": "Microsoft.Web/serverFarms" } } ] } }
    /// ```
    pub struct AppServiceIntegrationSubnetInvalid {
        code: "AKS801",
        name: "app-service-integration-subnet-invalid",
        category: Compatibility,
        severity: Error,
        summary: "An App Service VNet integration subnet is too small, not delegated to Microsoft.Web/serverFarms, or shared with AKS",
    }
}

const DELEGATION: &str = "Microsoft.Web/serverFarms";
/// Smallest integration subnet, and the recommended one (F-140).
const MIN_PREFIX: u8 = 28;
const RECOMMENDED_PREFIX: u8 = 26;

impl Rule for AppServiceIntegrationSubnetInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let users = AksUsers::build(inv);
        // Each subnet once, marked by index (a search per app is quadratic).
        let mut seen = vec![false; inv.subnets.len()];
        for app in &inv.app_services {
            if app.kind == AppServiceKind::Environment {
                continue;
            }
            let (Some(si), Some(at)) = (app.subnet, app.subnet_id.span()) else {
                continue;
            };
            if std::mem::replace(&mut seen[si], true) {
                continue;
            }
            check_size(inv, si, app, at, cx);
            // An AKS subnet must not be delegated at all: the sharing is the finding.
            if !report_shared_with_aks(inv, &users, (si, at), app, &SHARED, cx) {
                check_delegation(inv, si, app, at, cx);
            }
        }
    }
}

fn user_label(app: &AppService, at: Span) -> Label {
    Label::new(
        at,
        format!("VNet integration subnet of `{}`", app.display_name()),
    )
}

fn check_size(inv: &Inventory, si: SubnetIdx, app: &AppService, at: Span, cx: &mut Context<'_>) {
    let subnet = &inv.subnets[si];
    let Some((net, span)) = ipv4_prefix(subnet) else {
        return;
    };
    let len = net.prefix_len();
    let Some((severity, limit, smallest)) = size_tier(len, MIN_PREFIX, RECOMMENDED_PREFIX) else {
        return;
    };
    let what = if smallest {
        "the smallest App Service accepts"
    } else {
        "the size Microsoft recommends"
    };
    let usable = (1u64 << (32 - len)).saturating_sub(5);
    let d = cx.report_at(
        severity,
        span,
        format!(
            "App Service VNet integration subnet `{}` is a /{len} ({usable} usable addresses); /{limit} is {what}",
            subnet.display_name()
        ),
        format!("/{len} < /{limit}"),
    );
    d.labels.push(user_label(app, at));
    d.help = Some("use a /26 or larger: each plan instance takes an address, twice while it scales (a /28 holds 5 instances, a /26 29) (F-140)".into());
    d.resource = Some(subnet.address.clone());
}

fn check_delegation(
    inv: &Inventory,
    si: SubnetIdx,
    app: &AppService,
    at: Span,
    cx: &mut Context<'_>,
) {
    let subnet = &inv.subnets[si];
    let (severity, span, what) = match delegation(subnet, DELEGATION) {
        None | Some(Delegation::To) => return,
        Some(Delegation::Other(service, span)) => (
            Severity::Error,
            span,
            format!("is delegated to `{service}`"),
        ),
        Some(Delegation::None) => (
            Severity::Warning,
            subnet.name.span().unwrap_or(subnet.decl),
            "has no delegation (App Service adds one, which this declaration then lacks)"
                .to_string(),
        ),
    };
    let d = cx.report_at(
        severity,
        span,
        format!(
            "App Service VNet integration subnet `{}` {what}; it must be delegated to {DELEGATION}",
            subnet.display_name()
        ),
        format!("not delegated to {DELEGATION}"),
    );
    d.labels.push(user_label(app, at));
    d.help = Some(format!(
        "delegate the subnet to {DELEGATION} where it is declared (F-140)"
    ));
    d.resource = Some(subnet.address.clone());
}

/// The finding when the subnet is an AKS subnet too.
const SHARED: SharedWithAks = SharedWithAks {
    message: |owner, subnet, role, pool| {
        format!("`{owner}` integrates with subnet `{subnet}`, which is also the {role} subnet of AKS node pool `{pool}`; the integration subnet must be dedicated to App Service")
    },
    label: "VNet integration subnet",
    help: "give App Service and each AKS pool subnets of their own: AKS subnets must not be delegated, integration subnets must hold nothing else (F-142, F-070, F-140)",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, cluster, pool, primary_text, SUB};

    fn subnet(name: &str, prefix: &str, delegation: Option<&str>) -> String {
        let d = delegation
            .map(|s| {
                format!(r#","delegations":[{{"name":"d","properties":{{"serviceName":"{s}"}}}}]"#)
            })
            .unwrap_or_default();
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/{name}","name":"{name}",
            "type":"Microsoft.Network/virtualNetworks/subnets","properties":{{"addressPrefix":"{prefix}"{d}}}}}"#
        )
    }

    fn site(subnet: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Web/sites/app1","name":"app1",
            "type":"Microsoft.Web/sites","properties":{{"serverFarmId":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Web/serverFarms/plan1",
            "virtualNetworkSubnetId":"{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/{subnet}"}}}}"#
        )
    }

    fn run(docs: &[&str]) -> Vec<(String, Severity)> {
        let (src, d) = check(&AppServiceIntegrationSubnetInvalid, docs);
        d.iter()
            .map(|d| (primary_text(&src, d).to_string(), d.severity))
            .collect()
    }

    #[test]
    fn size_and_delegation() {
        let good = subnet("web", "10.0.8.0/26", Some(DELEGATION));
        assert!(run(&[&good, &site("web")]).is_empty());
        let small = subnet("web", "10.0.8.0/29", Some(DELEGATION));
        assert_eq!(
            run(&[&small, &site("web")]),
            [("\"10.0.8.0/29\"".to_string(), Severity::Error)]
        );
        let smallish = subnet("web", "10.0.8.0/27", Some(DELEGATION));
        assert_eq!(
            run(&[&smallish, &site("web")]),
            [("\"10.0.8.0/27\"".to_string(), Severity::Warning)]
        );
        let other = subnet("web", "10.0.8.0/26", Some("Microsoft.Sql/managedInstances"));
        assert_eq!(
            run(&[&other, &site("web")]),
            [(
                "\"Microsoft.Sql/managedInstances\"".to_string(),
                Severity::Error
            )]
        );
        let none = subnet("web", "10.0.8.0/26", None);
        assert_eq!(
            run(&[&none, &site("web")]),
            [("\"web\"".to_string(), Severity::Warning)]
        );
    }

    #[test]
    fn shared_with_aks_nodes() {
        let net =
            crate::rules::testing::vnet("vnet1", &["10.0.0.0/16"], &[("nodes", "10.0.0.0/22")]);
        let pools = [pool("a", "vnet1", "nodes", r#","count":3"#)];
        let np = r#"{"networkPlugin":"azure","networkPluginMode":"overlay"}"#;
        let d = run(&[&net, &cluster(np, &pools), &site("nodes")]);
        // No delegation (warning) and the AKS node subnet (error).
        assert!(
            d.iter()
                .any(|(t, s)| t.contains("/subnets/nodes") && *s == Severity::Error),
            "{d:?}"
        );
    }
}
