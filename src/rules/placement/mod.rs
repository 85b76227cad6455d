//! AKS3xx, placement: which subnets, VNets and route tables a cluster's pools
//! and API server may use (delegation, sharing, spanning VNets).

mod agic_network_invalid;
mod api_server_subnet_invalid;
mod identity_network_rights_missing;
mod kubenet_route_table_mismatch;
mod kubenet_subnet_or_route_table_shared;
mod node_subnet_delegated;
mod pools_span_vnets;

pub use agic_network_invalid::AgicNetworkInvalid;
pub use api_server_subnet_invalid::ApiServerSubnetInvalid;
pub use identity_network_rights_missing::IdentityNetworkRightsMissing;
pub use kubenet_route_table_mismatch::KubenetRouteTableMismatch;
pub use kubenet_subnet_or_route_table_shared::KubenetSubnetOrRouteTableShared;
pub use node_subnet_delegated::NodeSubnetDelegated;
pub use pools_span_vnets::PoolsSpanVnets;

// What the rule files take from `super::`.
use super::{declare_rule, described_once, display_name, Context, Rule, RuleMeta};
