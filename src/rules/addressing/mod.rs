//! AKS1xx, addressing: are the ranges valid, inside their VNet and disjoint
//! (reserved ranges, overlaps, host bits, the DNS service address).

mod cidr_host_bits_set;
mod dns_service_ip_invalid;
mod pod_cidr_overlap;
mod reserved_address_range;
mod service_cidr_overlap;
mod service_cidr_too_large;
mod subnet_outside_vnet;
mod subnet_overlap;

pub use cidr_host_bits_set::CidrHostBitsSet;
pub use dns_service_ip_invalid::DnsServiceIpInvalid;
pub use pod_cidr_overlap::PodCidrOverlap;
pub use reserved_address_range::ReservedAddressRange;
pub use service_cidr_overlap::ServiceCidrOverlap;
pub use service_cidr_too_large::ServiceCidrTooLarge;
pub use subnet_outside_vnet::SubnetOutsideVnet;
pub use subnet_overlap::SubnetOverlap;

// What the rule files take from `super::`.
use super::shared::ranges;
use super::{declare_rule, thousands, Context, Rule, RuleMeta};
