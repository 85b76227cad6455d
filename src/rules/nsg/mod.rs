//! AKS5xx, network security groups: rules that block traffic AKS needs, expose
//! management ports, or change the NSG AKS manages. AKS001
//! (`node-subnet-without-nsg`) lives here too.

mod aks_managed_nsg_modified;
mod node_subnet_without_nsg;
mod nsg_blocks_intra_cluster;
mod nsg_blocks_load_balancer_probes;
mod nsg_blocks_required_egress;
pub(crate) mod nsg_common;
mod nsg_exposes_management_ports;

pub use aks_managed_nsg_modified::AksManagedNsgModified;
pub use node_subnet_without_nsg::NodeSubnetWithoutNsg;
pub use nsg_blocks_intra_cluster::NsgBlocksIntraCluster;
pub use nsg_blocks_load_balancer_probes::NsgBlocksLoadBalancerProbes;
pub use nsg_blocks_required_egress::NsgBlocksRequiredEgress;
pub use nsg_exposes_management_ports::NsgExposesManagementPorts;

// What the rule files take from `super::`.
pub(crate) use super::cluster_name;
use super::shared::node_resource_group;
use super::{declare_rule, Context, Rule, RuleMeta};
