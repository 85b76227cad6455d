//! AKS1xx, sizing: does every subnet and range hold the cluster at its
//! maximum scale (nodes, pods, surge). AKS004 (`cni-subnet-too-small`) lives
//! here too: it is the Azure CNI case of the same question.

mod cni_subnet_too_small;
mod kubenet_node_limit;
mod node_subnet_too_small;
mod pod_cidr_too_small;
mod vnet_ip_limit;

pub use cni_subnet_too_small::CniSubnetTooSmall;
pub use kubenet_node_limit::KubenetNodeLimit;
pub use node_subnet_too_small::NodeSubnetTooSmall;
pub use pod_cidr_too_small::PodCidrTooSmall;
pub use vnet_ip_limit::VnetIpLimit;

// What the rule files take from `super::`.
use super::shared::{capacity, ranges};
use super::{declare_rule, thousands, Context, Rule, RuleMeta};
