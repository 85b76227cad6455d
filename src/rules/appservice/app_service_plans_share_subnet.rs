use indexmap::IndexMap;

use super::{declare_rule, ipv4_prefix, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{AppService, AppServiceKind, Inventory, ResourceId, SubnetIdx};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// App Service VNet integration subnets (among the inputs) that apps of more
    /// than one App Service plan join, when the subnet's IPv4 prefix is smaller
    /// than /26. An app's plan is its `serverFarmId` (Terraform `service_plan_id`);
    /// a plan that joins a subnet itself (`network.virtualNetworkSubnetId`) counts
    /// as its own; a separate integration resource (`sites/networkConfig`,
    /// `azurerm_app_service_virtual_network_swift_connection`) counts with its
    /// app's plan. A subnet where any user's plan cannot be told is not judged.
    ///
    /// ## Why it matters
    /// Classic regional VNet integration allows one App Service plan per
    /// integration subnet. Multi-plan subnet join (MPSJ) lets plans of one
    /// subscription share a subnet, with a /26 minimum announced for it (F-141,
    /// <https://learn.microsoft.com/en-us/azure/app-service/overview-vnet-integration#subnet-requirements>).
    /// Below /26, the second plan's integration is refused, or the plans run out
    /// of addresses when they scale: every instance of every plan takes one, and
    /// twice as many while scaling. The MPSJ minimum is not settled in the
    /// documentation (F-141 is UNCERTAIN), so this is a warning.
    ///
    /// ## How to fix
    /// Give each plan its own integration subnet, or widen the shared subnet to
    /// a /26 or larger and keep the plans in one subscription.
    ///
    /// ## Example
    /// ```json
    /// { "name": "snet-appservice", "properties": { "addressPrefix": "10.240.8.0/26",
    ///   "delegations": [ { "name": "web", "properties": { "serviceName": "Microsoft.Web/serverFarms" } } ] } }
    /// ```
    pub struct AppServicePlansShareSubnet {
        code: "AKS802",
        name: "app-service-plans-share-subnet",
        category: Compatibility,
        severity: Warning,
        summary: "Several App Service plans join one VNet integration subnet smaller than /26",
    }
}

/// One App Service user of a subnet: its plan's id key (None: cannot be told),
/// the user, and its reference to the subnet.
type User<'a> = (Option<String>, &'a AppService, Span);

/// Multi-plan subnet join needs at least a /26 (F-141).
const MPSJ_PREFIX: u8 = 26;

impl Rule for AppServicePlansShareSubnet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // Subnet → its users' plans (None: a plan that cannot be told), with the user and its reference.
        let mut by_subnet: IndexMap<SubnetIdx, Vec<User<'_>>> = IndexMap::new();
        for app in &inv.app_services {
            if app.kind == AppServiceKind::Environment {
                continue;
            }
            let (Some(si), Some(at)) = (app.subnet, app.subnet_id.span()) else {
                continue;
            };
            let plan = plan_of(inv, app).map(|id| id.key().to_string());
            by_subnet.entry(si).or_default().push((plan, app, at));
        }
        for (si, users) in by_subnet {
            check_subnet(inv, si, &users, cx);
        }
    }
}

/// The plan an App Service user of a subnet runs on, when the input says.
fn plan_of<'a>(inv: &'a Inventory, app: &'a AppService) -> Option<&'a ResourceId> {
    match app.kind {
        AppServiceKind::App => app.plan_id.known(),
        AppServiceKind::Plan => app.id.as_ref(),
        AppServiceKind::Integration => {
            // Linked as every reference is: none when several apps fit.
            let site = &inv.app_services[app.app?];
            (site.kind == AppServiceKind::App)
                .then(|| site.plan_id.known())
                .flatten()
        }
        AppServiceKind::Environment => None,
    }
}

fn check_subnet(inv: &Inventory, si: SubnetIdx, users: &[User<'_>], cx: &mut Context<'_>) {
    if users.iter().any(|(plan, _, _)| plan.is_none()) {
        return;
    }
    let mut plans: Vec<&str> = users.iter().filter_map(|(p, _, _)| p.as_deref()).collect();
    plans.sort_unstable();
    plans.dedup();
    if plans.len() < 2 {
        return;
    }
    let subnet = &inv.subnets[si];
    let Some((net, span)) = ipv4_prefix(subnet) else {
        return;
    };
    if net.prefix_len() <= MPSJ_PREFIX {
        return;
    }
    let d = cx.report(
        span,
        format!(
            "{} App Service plans join VNet integration subnet `{}` ({net}); plans can share a subnet only through multi-plan subnet join, which needs a /{MPSJ_PREFIX} or larger",
            plans.len(),
            subnet.display_name()
        ),
        format!("{} plans in a /{}", plans.len(), net.prefix_len()),
    );
    for (_, app, at) in users {
        d.labels.push(Label::new(
            *at,
            format!("VNet integration of `{}`", app.display_name()),
        ));
    }
    d.help = Some(format!(
        "give each plan its own integration subnet, or widen this one to a /{MPSJ_PREFIX} or larger (plans of one subscription) (F-141)"
    ));
    d.resource = Some(subnet.address.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, SUB};

    fn subnet(prefix: &str) -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/web","name":"web",
            "type":"Microsoft.Network/virtualNetworks/subnets","properties":{{"addressPrefix":"{prefix}",
            "delegations":[{{"name":"d","properties":{{"serviceName":"Microsoft.Web/serverFarms"}}}}]}}}}"#
        )
    }

    fn site(name: &str, plan: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Web/sites/{name}","name":"{name}",
            "type":"Microsoft.Web/sites","properties":{{"serverFarmId":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Web/serverFarms/{plan}",
            "virtualNetworkSubnetId":"{SUB}/Microsoft.Network/virtualNetworks/vnet1/subnets/web"}}}}"#
        )
    }

    #[test]
    fn two_plans_in_a_small_subnet() {
        let (src, d) = check(
            &AppServicePlansShareSubnet,
            &[&subnet("10.0.8.0/27"), &site("a", "p1"), &site("b", "p2")],
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(primary_text(&src, &d[0]), "\"10.0.8.0/27\"");
        let (_, wide) = check(
            &AppServicePlansShareSubnet,
            &[&subnet("10.0.8.0/26"), &site("a", "p1"), &site("b", "p2")],
        );
        assert!(wide.is_empty());
        let (_, one_plan) = check(
            &AppServicePlansShareSubnet,
            &[&subnet("10.0.8.0/28"), &site("a", "p1"), &site("b", "p1")],
        );
        assert!(one_plan.is_empty());
    }
}
