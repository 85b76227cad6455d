//! AKS8xx, App Service next to AKS: the subnets App Service VNet integration and
//! App Service Environments v3 use in the same VNets as AKS (F-140–F-144).

mod app_service_environment_subnet_invalid;
mod app_service_integration_subnet_invalid;
mod app_service_plans_share_subnet;
mod common;

pub use super::shared::subnet::{delegation, ipv4_prefix, Delegation};
pub use app_service_environment_subnet_invalid::AppServiceEnvironmentSubnetInvalid;
pub use app_service_integration_subnet_invalid::AppServiceIntegrationSubnetInvalid;
pub use app_service_plans_share_subnet::AppServicePlansShareSubnet;
pub use common::{report_shared_with_aks, size_tier, AksUsers, SharedWithAks};

// What the rule files take from `super::`.
use super::{declare_rule, Context, Rule, RuleMeta};
