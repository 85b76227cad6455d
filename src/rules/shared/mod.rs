//! Helpers several rule families use: the IP arithmetic of pools at maximum
//! scale (`capacity`), the ranges a cluster uses (`ranges`), and the node
//! resource group AKS manages (`node_resource_group`), a subnet's IPv4 prefix
//! and delegation (`subnet`), and an Azure Firewall's verdict on a flow (`firewall`).

pub mod capacity;
pub(crate) mod firewall;
pub(crate) mod node_resource_group;
pub(crate) mod ranges;
pub(crate) mod subnet;

// What the helper files take from `super::`.
pub use super::{cluster_name, pool_name};
use super::{thousands, Context};
