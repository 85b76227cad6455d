//! azurerm App Service resources that use a subnet: web and function apps with
//! `virtual_network_subnet_id`, `azurerm_app_service_virtual_network_swift_connection`
//! and `azurerm_app_service_environment_v3`.

use super::azurerm::{Cx, SUBNET};
use crate::ingest::values::string;
use crate::model::{AppService, AppServiceKind, Field, InventoryBuilder};

const SITE: &str = "microsoft.web/sites";
const SERVER_FARM: &str = "microsoft.web/serverfarms";

fn app_service(cx: &Cx<'_>, kind: AppServiceKind) -> AppService {
    AppService {
        id: cx.id(),
        address: cx.r.address.clone(),
        decl: cx.r.decl,
        name: string(cx.v("name")),
        kind,
        subnet: None,
        app: None,
        subnet_id: Field::Absent,
        plan_id: Field::Absent,
        app_id: Field::Absent,
    }
}

/// `azurerm_linux_web_app`, `azurerm_windows_web_app` and the function apps:
/// `virtual_network_subnet_id` on a plan's app (`service_plan_id`; 2.x/3.x
/// `azurerm_app_service` has `app_service_plan_id`).
pub(super) fn app(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let mut a = app_service(cx, AppServiceKind::App);
    a.subnet_id = cx.id_field(
        cx.v("virtual_network_subnet_id"),
        "virtual_network_subnet_id",
        SUBNET,
    );
    a.plan_id = cx
        .id_field(cx.v("service_plan_id"), "service_plan_id", SERVER_FARM)
        .merge(cx.id_field(
            cx.v("app_service_plan_id"),
            "app_service_plan_id",
            SERVER_FARM,
        ));
    b.add_app_service(a);
}

/// `azurerm_app_service_virtual_network_swift_connection`: an app's regional VNet integration.
pub(super) fn swift_connection(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let mut a = app_service(cx, AppServiceKind::Integration);
    a.subnet_id = cx.id_field(cx.v("subnet_id"), "subnet_id", SUBNET);
    a.app_id = cx.id_field(cx.v("app_service_id"), "app_service_id", SITE);
    b.add_app_service(a);
}

/// `azurerm_app_service_environment_v3`: the ASE's own subnet.
pub(super) fn environment_v3(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let mut a = app_service(cx, AppServiceKind::Environment);
    a.subnet_id = cx.id_field(cx.v("subnet_id"), "subnet_id", SUBNET);
    b.add_app_service(a);
}
