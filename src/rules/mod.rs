//! The rule engine: every rule is one file with its metadata, its explanation,
//! its check and its tests. Rules read only the model.

mod aks_managed_nsg_modified;
mod api_server_subnet_invalid;
mod api_server_unrestricted;
mod authorized_ranges_invalid;
pub mod capacity;
mod cidr_host_bits_set;
mod cni_subnet_too_small;
pub mod codes;
pub mod declarative;
mod dns_service_ip_invalid;
mod kubenet_node_limit;
mod kubenet_subnet_or_route_table_shared;
mod max_pods_out_of_range;
mod nat_gateway_outbound_mismatch;
mod network_policy_incompatible;
mod node_resource_group;
mod node_subnet_delegated;
mod node_subnet_too_small;
mod node_subnet_without_nsg;
mod nsg_blocks_intra_cluster;
mod nsg_blocks_required_egress;
mod nsg_common;
mod nsg_exposes_management_ports;
mod pod_cidr_overlap;
mod pod_cidr_too_small;
mod pod_subnet_misconfigured;
mod pool_name_invalid;
mod pools_span_vnets;
pub(crate) mod ranges;
mod reserved_address_range;
mod service_cidr_overlap;
mod service_cidr_too_large;
mod snat_port_budget;
mod subnet_outside_vnet;
mod subnet_overlap;
mod udr_on_managed_vnet;
mod udr_outbound_without_default_route;
mod virtual_nodes_require_azure_cni;
mod vnet_ip_limit;
mod windows_pool_on_kubenet;
mod windows_pool_unsupported_network;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::{Cluster, Field, Inventory, MaxSurge, NetworkPlugin, NodePool};
use crate::source::Span;

pub use aks_managed_nsg_modified::AksManagedNsgModified;
pub use api_server_subnet_invalid::ApiServerSubnetInvalid;
pub use api_server_unrestricted::ApiServerUnrestricted;
pub use authorized_ranges_invalid::AuthorizedRangesInvalid;
pub use cidr_host_bits_set::CidrHostBitsSet;
pub use cni_subnet_too_small::CniSubnetTooSmall;
pub use dns_service_ip_invalid::DnsServiceIpInvalid;
pub use kubenet_node_limit::KubenetNodeLimit;
pub use kubenet_subnet_or_route_table_shared::KubenetSubnetOrRouteTableShared;
pub use max_pods_out_of_range::MaxPodsOutOfRange;
pub use nat_gateway_outbound_mismatch::NatGatewayOutboundMismatch;
pub use network_policy_incompatible::NetworkPolicyIncompatible;
pub use node_subnet_delegated::NodeSubnetDelegated;
pub use node_subnet_too_small::NodeSubnetTooSmall;
pub use node_subnet_without_nsg::NodeSubnetWithoutNsg;
pub use nsg_blocks_intra_cluster::NsgBlocksIntraCluster;
pub use nsg_blocks_required_egress::NsgBlocksRequiredEgress;
pub use nsg_exposes_management_ports::NsgExposesManagementPorts;
pub use pod_cidr_overlap::PodCidrOverlap;
pub use pod_cidr_too_small::PodCidrTooSmall;
pub use pod_subnet_misconfigured::PodSubnetMisconfigured;
pub use pool_name_invalid::PoolNameInvalid;
pub use pools_span_vnets::PoolsSpanVnets;
pub use reserved_address_range::ReservedAddressRange;
pub use service_cidr_overlap::ServiceCidrOverlap;
pub use service_cidr_too_large::ServiceCidrTooLarge;
pub use snat_port_budget::SnatPortBudget;
pub use subnet_outside_vnet::SubnetOutsideVnet;
pub use subnet_overlap::SubnetOverlap;
pub use udr_on_managed_vnet::UdrOnManagedVnet;
pub use udr_outbound_without_default_route::UdrOutboundWithoutDefaultRoute;
pub use virtual_nodes_require_azure_cni::VirtualNodesRequireAzureCni;
pub use vnet_ip_limit::VnetIpLimit;
pub use windows_pool_on_kubenet::WindowsPoolOnKubenet;
pub use windows_pool_unsupported_network::WindowsPoolUnsupportedNetwork;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Address planning: sizes, capacity, overlaps.
    IpPlanning,
    /// Network plugin, OS and feature combinations AKS does not support.
    Compatibility,
    /// Changes AKS does not support on resources it manages.
    Supportability,
    /// Exposure and traffic filtering.
    Security,
    /// A user pack's own kebab-case category.
    Custom(&'static str),
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::IpPlanning => "ip-planning",
            Category::Compatibility => "compatibility",
            Category::Supportability => "supportability",
            Category::Security => "security",
            Category::Custom(c) => c,
        }
    }
}

/// What `akslint rules` lists and `akslint explain` prints.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub default_severity: Severity,
    pub summary: &'static str,
    /// Markdown: why it matters, the facts it rests on, how to fix, an example.
    pub explanation: &'static str,
}

impl RuleMeta {
    /// The explanation without the one leading space doc comments carry.
    pub fn explanation_text(&self) -> String {
        self.explanation
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }
}

pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, inventory: &Inventory, cx: &mut Context);
}

/// Declares a rule struct with its metadata; the doc comment is the explanation.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $ty:ident {
            code: $code:literal,
            name: $name:literal,
            category: $cat:ident,
            severity: $sev:ident,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $ty;

        impl $ty {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                code: $code,
                name: $name,
                category: $crate::rules::Category::$cat,
                default_severity: $crate::diagnostic::Severity::$sev,
                summary: $summary,
                explanation: concat!($($doc, "\n"),*),
            };
        }
    };
}
pub(crate) use declare_rule;

/// Every rule: the built-in Rust rules and the shipped pack, in code order,
/// then the user packs registered at start-up, in load order.
pub fn all() -> Vec<&'static dyn Rule> {
    static CATALOGUE: std::sync::OnceLock<Vec<&'static dyn Rule>> = std::sync::OnceLock::new();
    let catalogue = CATALOGUE.get_or_init(|| {
        let mut rules = builtin();
        rules.extend(declarative::shipped::rules());
        rules.sort_by_key(|r| r.meta().code);
        rules
    });
    let mut rules = catalogue.clone();
    rules.extend(user_rules());
    rules
}

static USER_RULES: std::sync::OnceLock<Vec<&'static dyn Rule>> = std::sync::OnceLock::new();

/// Makes user packs part of [`all`] and [`find`] for the rest of the process
/// (the CLI loads them once, before reading the configuration's rule names).
/// False when user rules were registered already.
pub fn register_user_rules(rules: Vec<declarative::DeclarativeRule>) -> bool {
    let urls = rules
        .iter()
        .map(|r| (r.meta().code, r.url.clone()))
        .collect();
    let leaked = rules
        .into_iter()
        .map(|r| -> &'static dyn Rule { Box::leak(Box::new(r)) })
        .collect();
    USER_RULES.set(leaked).is_ok() && USER_URLS.set(urls).is_ok()
}

static USER_URLS: std::sync::OnceLock<Vec<(&'static str, Option<String>)>> =
    std::sync::OnceLock::new();

/// The `url` a user rule gives, if any (akslint's own rules link to docs/rules/).
pub fn user_rule_url(code: &str) -> Option<&'static str> {
    USER_URLS
        .get()?
        .iter()
        .find(|(c, _)| *c == code)
        .and_then(|(_, url)| url.as_deref())
}

/// The user packs' rules, once registered.
pub fn user_rules() -> &'static [&'static dyn Rule] {
    USER_RULES.get().map_or(&[], Vec::as_slice)
}

/// True when `code` is a user rule's (its findings follow `select`/`ignore` and
/// severity overrides like akslint's own).
pub fn is_user_code(code: &str) -> bool {
    user_rules().iter().any(|r| r.meta().code == code)
}

/// The rules written in Rust.
pub fn builtin() -> Vec<&'static dyn Rule> {
    vec![
        &NodeSubnetWithoutNsg,
        &WindowsPoolOnKubenet,
        &UdrOnManagedVnet,
        &CniSubnetTooSmall,
        &PodCidrTooSmall,
        &NodeSubnetTooSmall,
        &KubenetNodeLimit,
        &ReservedAddressRange,
        &ServiceCidrOverlap,
        &PodCidrOverlap,
        &DnsServiceIpInvalid,
        &ServiceCidrTooLarge,
        &CidrHostBitsSet,
        &SubnetOutsideVnet,
        &SubnetOverlap,
        &VnetIpLimit,
        &NetworkPolicyIncompatible,
        &PoolNameInvalid,
        &WindowsPoolUnsupportedNetwork,
        &VirtualNodesRequireAzureCni,
        &MaxPodsOutOfRange,
        &PodSubnetMisconfigured,
        &NodeSubnetDelegated,
        &PoolsSpanVnets,
        &KubenetSubnetOrRouteTableShared,
        &ApiServerSubnetInvalid,
        &UdrOutboundWithoutDefaultRoute,
        &NatGatewayOutboundMismatch,
        &SnatPortBudget,
        &NsgBlocksIntraCluster,
        &NsgBlocksRequiredEgress,
        &NsgExposesManagementPorts,
        &AksManagedNsgModified,
        &ApiServerUnrestricted,
        &AuthorizedRangesInvalid,
    ]
}

/// Finds a rule by code or name, case-insensitively.
pub fn find(code_or_name: &str) -> Option<&'static dyn Rule> {
    all().into_iter().find(|r| {
        r.meta().code.eq_ignore_ascii_case(code_or_name)
            || r.meta().name.eq_ignore_ascii_case(code_or_name)
    })
}

/// The numbers rules use that a team may tune in `akslint.toml` `[thresholds]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Thresholds {
    /// Addresses kept free in every node or pod subnet for resources akslint cannot see (AKS004, AKS102).
    pub extra_ips_per_subnet: i64,
    /// Surge assumed for pools that leave `maxSurge` unset, instead of AKS's default (AKS004, AKS101–AKS103, AKS112).
    pub default_max_surge: Option<MaxSurge>,
    /// Warn when less than this share of a subnet stays free at maximum scale (AKS004, AKS102).
    pub min_headroom_percent: i64,
}

/// Collects the findings of one rule.
pub struct Context<'t> {
    meta: &'static RuleMeta,
    diagnostics: Vec<Diagnostic>,
    pub thresholds: &'t Thresholds,
}

impl<'t> Context<'t> {
    pub fn new(meta: &'static RuleMeta, thresholds: &'t Thresholds) -> Context<'t> {
        Context {
            meta,
            diagnostics: Vec::new(),
            thresholds,
        }
    }

    /// Reports a finding at the rule's default severity.
    pub fn report(
        &mut self,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> &mut Diagnostic {
        self.report_at(self.meta.default_severity, span, message, label)
    }

    pub fn report_at(
        &mut self,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic::new(
            self.meta.code,
            self.meta.name,
            severity,
            message,
            Label::new(span, label),
        ));
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

/// Runs every rule over the inventory.
pub fn run(
    inventory: &Inventory,
    rules: &[&'static dyn Rule],
    thresholds: &Thresholds,
) -> Vec<Diagnostic> {
    // Rules are independent readers of the inventory: one task each, on the
    // caller's pool; the collected order is the rules' order, as sequentially.
    rules
        .par_iter()
        .flat_map_iter(|rule| {
            let mut cx = Context::new(rule.meta(), thresholds);
            rule.check(inventory, &mut cx);
            cx.into_diagnostics()
        })
        .collect()
}

/// A resource's name for messages: its name when known, else its address.
pub(crate) fn display_name(name: &Field<String>, address: &str) -> String {
    name.value().cloned().unwrap_or_else(|| address.to_string())
}

/// True when the cluster was described once. Rules that combine its pools'
/// values with its network profile stay silent on a blend of descriptions that
/// may disagree (two files with one cluster id, such as recorded API responses).
pub(crate) fn described_once(cluster: &Cluster) -> bool {
    cluster.other_decls.is_empty()
}

/// Where a cluster's network plugin comes from, for a secondary label: the
/// written value, or the Kubernetes version that made it the default (F-002).
pub(crate) fn plugin_label(cluster: &Cluster) -> Option<Label> {
    match &cluster.network.plugin {
        Field::Known(p, span) => Some(Label::new(
            *span,
            format!("networkPlugin is `{}`", p.as_str()),
        )),
        Field::Default(p, span) => {
            let text = match (p, cluster.kubernetes_version.value()) {
                (NetworkPlugin::Kubenet, Some(v)) => format!(
                    "networkPlugin is not set, so Kubernetes {v} defaults to kubenet (F-002)"
                ),
                _ => format!(
                    "networkPlugin is not set: `{}` by default (F-002)",
                    p.as_str()
                ),
            };
            let at = match p {
                NetworkPlugin::Kubenet => cluster.kubernetes_version.span().unwrap_or(*span),
                _ => *span,
            };
            Some(Label::new(at, text))
        }
        _ => None,
    }
}

/// The cluster's name, else its address, for messages.
pub fn cluster_name(c: &Cluster) -> String {
    c.name.value().cloned().unwrap_or_else(|| c.address.clone())
}

/// The pool's name, else its address, for messages.
pub fn pool_name(p: &NodePool) -> String {
    p.name.value().cloned().unwrap_or_else(|| p.address.clone())
}

/// Formats an integer with thousands separators, as the arithmetic in messages shows it.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_documented() {
        let rules = all();
        for (i, a) in rules.iter().enumerate() {
            let m = a.meta();
            assert!(m.code.starts_with("AKS") && m.code.len() == 6, "{}", m.code);
            assert!(
                m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                m.name
            );
            let text = m.explanation_text();
            for section in ["## Why it matters", "## How to fix", "## Example", "F-"] {
                assert!(text.contains(section), "{} lacks {section}", m.code);
            }
            for b in &rules[i + 1..] {
                assert_ne!(m.code, b.meta().code);
                assert_ne!(m.name, b.meta().name);
            }
        }
    }

    #[test]
    fn finds_by_code_or_name() {
        assert_eq!(
            find("aks004").map(|r| r.meta().name),
            Some("cni-subnet-too-small")
        );
        assert_eq!(
            find("windows-pool-on-kubenet").map(|r| r.meta().code),
            Some("AKS002")
        );
        assert!(find("AKS999").is_none());
    }

    #[test]
    fn formats_thousands() {
        assert_eq!(thousands(1581), "1,581");
        assert_eq!(thousands(251), "251");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
