//! AKS6xx, exposure: who can reach the API server (authorized ranges).

mod api_server_unrestricted;
mod authorized_ranges_exclude_egress;
mod authorized_ranges_invalid;
mod private_dns_zone_invalid;
mod private_dns_zone_not_linked;

pub use api_server_unrestricted::ApiServerUnrestricted;
pub use authorized_ranges_exclude_egress::AuthorizedRangesExcludeEgress;
pub use authorized_ranges_invalid::AuthorizedRangesInvalid;
pub use private_dns_zone_invalid::PrivateDnsZoneInvalid;
pub use private_dns_zone_not_linked::PrivateDnsZoneNotLinked;

// What the rule files take from `super::`.
use super::{cluster_name, declare_rule, thousands, Context, Rule, RuleMeta};
