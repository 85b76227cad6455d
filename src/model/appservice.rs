//! App Service next to AKS: apps, plans and App Service Environments that place
//! themselves in a subnet (regional VNet integration, ASE v3).

use super::registry::model_object;
use super::{Field, ResourceId, SubnetIdx};
use crate::source::Span;

/// What kind of App Service resource uses a subnet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppServiceKind {
    /// An app (`Microsoft.Web/sites`) with `virtualNetworkSubnetId`.
    App,
    /// A plan (`Microsoft.Web/serverFarms`) with `network.virtualNetworkSubnetId`.
    Plan,
    /// A VNet integration written as its own resource (`Microsoft.Web/sites/networkConfig`,
    /// Terraform's `azurerm_app_service_virtual_network_swift_connection`).
    Integration,
    /// An App Service Environment v3 (`Microsoft.Web/hostingEnvironments`, kind `ASEv3`).
    Environment,
}

model_object! {
    #[derive(Clone, Debug)]
    pub struct AppService {
        pub id: Option<ResourceId>,
        pub address: String,
        pub decl: Span,
        pub name: Field<String>,
        pub kind: AppServiceKind,
        /// Resolved after linking: the subnet `subnet_id` names.
        pub subnet: Option<SubnetIdx>,
        /// Resolved after linking: the app `app_id` names (an index into
        /// `Inventory::app_services`), for a separate VNet integration resource.
        pub app: Option<usize>,
    }
    fields {
        /// The subnet: `virtualNetworkSubnetId` (apps), `network.virtualNetworkSubnetId`
        /// (plans), `subnetResourceId` (networkConfig), `virtualNetwork.id` (ASE v3).
        subnet_id: Field<ResourceId>,
        /// `serverFarmId`: the plan an app runs on.
        plan_id: Field<ResourceId>,
        /// The app a separate VNet integration resource belongs to.
        app_id: Field<ResourceId>,
    }
}
