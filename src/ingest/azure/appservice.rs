//! `Microsoft.Web/sites`, `…/serverFarms`, `…/sites/networkConfig` and
//! `…/hostingEnvironments`: the App Service resources that use a subnet.

use super::Resource;
use crate::ingest::values::{nonempty_string, resource_id, string};
use crate::model::{AppService, AppServiceKind, Field, InventoryBuilder, ResourceId};

fn add(
    b: &mut InventoryBuilder,
    r: &Resource<'_>,
    kind: AppServiceKind,
    subnet_id: Field<ResourceId>,
) {
    let name = match string(r.name()) {
        // Child resources are named `parent/child` in templates.
        Field::Known(n, s) if kind == AppServiceKind::Integration => {
            Field::Known(n.split('/').next().unwrap_or(&n).to_string(), s)
        }
        other => other,
    };
    let app_id = match kind {
        AppServiceKind::Integration => {
            r.id.as_ref()
                .and_then(ResourceId::parent)
                .map_or(Field::Absent, |id| Field::Known(id, r.decl))
        }
        _ => Field::Absent,
    };
    b.add_app_service(AppService {
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        name,
        kind,
        subnet: None,
        app: None,
        subnet_id,
        plan_id: match kind {
            AppServiceKind::App => resource_id(r.prop("serverFarmId")),
            _ => Field::Absent,
        },
        app_id,
    });
}

/// An app: `properties.virtualNetworkSubnetId` is its regional VNet integration.
pub(super) fn site(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let subnet = resource_id(r.prop("virtualNetworkSubnetId"));
    add(b, r, AppServiceKind::App, subnet);
}

/// A plan joins a subnet through `properties.network.virtualNetworkSubnetId`.
pub(super) fn server_farm(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let subnet = resource_id(
        r.prop("network")
            .and_then(|n| n.get("virtualNetworkSubnetId")),
    );
    add(b, r, AppServiceKind::Plan, subnet);
}

/// `Microsoft.Web/sites/networkConfig` (`virtualNetwork`): the app's integration subnet.
pub(super) fn network_config(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let subnet = resource_id(r.prop("subnetResourceId"));
    add(b, r, AppServiceKind::Integration, subnet);
}

/// An App Service Environment: only v3 (`kind: ASEv3`) is modelled (F-144).
pub(super) fn hosting_environment(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let kind = nonempty_string(r.node.get("kind"));
    if !kind
        .value()
        .is_some_and(|k| k.eq_ignore_ascii_case("ASEv3"))
    {
        b.count_other();
        return;
    }
    let subnet = resource_id(r.prop("virtualNetwork").and_then(|v| v.get("id")));
    add(b, r, AppServiceKind::Environment, subnet);
}
