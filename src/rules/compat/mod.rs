//! AKS2xx, compatibility: network plugin, OS, pool and feature combinations
//! AKS does not support. AKS002 (`windows-pool-on-kubenet`) lives here too.

mod dual_stack_unsupported;
mod invalid_network_value;
mod max_pods_out_of_range;
mod network_policy_incompatible;
mod npm_scale_exceeded;
mod pod_subnet_misconfigured;
mod pool_name_invalid;
mod virtual_nodes_require_azure_cni;
mod windows_pool_on_kubenet;
mod windows_pool_unsupported_network;

pub use dual_stack_unsupported::DualStackUnsupported;
pub use invalid_network_value::InvalidNetworkValue;
pub use max_pods_out_of_range::MaxPodsOutOfRange;
pub use network_policy_incompatible::NetworkPolicyIncompatible;
pub use npm_scale_exceeded::NpmScaleExceeded;
pub use pod_subnet_misconfigured::PodSubnetMisconfigured;
pub use pool_name_invalid::PoolNameInvalid;
pub use virtual_nodes_require_azure_cni::VirtualNodesRequireAzureCni;
pub use windows_pool_on_kubenet::WindowsPoolOnKubenet;
pub use windows_pool_unsupported_network::WindowsPoolUnsupportedNetwork;

// What the rule files take from `super::`.
use super::{declare_rule, described_once, display_name, plugin_label, Context, Rule, RuleMeta};
