//! The rule engine: every rule is one file with its metadata, its explanation,
//! its check and its tests. Rules read only the model.
//!
//! A rule's file is named after the rule (`cni-subnet-too-small` is
//! `cni_subnet_too_small.rs`) and lives in its family's folder:
//!
//! | folder        | codes                 | topic |
//! |---------------|-----------------------|-------|
//! | `capacity/`   | AKS004, AKS101–103, AKS112 | subnets and ranges large enough at maximum scale |
//! | `addressing/` | AKS104–AKS111         | ranges valid, inside their VNet, disjoint |
//! | `compat/`     | AKS002, AKS2xx        | plugin, OS and feature combinations AKS supports |
//! | `placement/`  | AKS3xx                | which subnets and route tables pools may use |
//! | `egress/`     | AKS003, AKS4xx        | outbound type, routes, NAT gateway, SNAT |
//! | `nsg/`        | AKS001, AKS5xx        | network security groups |
//! | `exposure/`   | AKS6xx                | who can reach the API server |
//! | `appservice/` | AKS8xx                | App Service and ASE v3 subnets next to AKS |
//!
//! AKS001–AKS004 predate the families and sit with their topic: AKS001 in
//! `nsg/`, AKS002 in `compat/`, AKS003 in `egress/`, AKS004 in `capacity/`.
//! Helpers used by several families are in `shared/`, those of one family
//! beside its rules (`nsg/nsg_common.rs`). Rules written in YAML (the shipped
//! pack in `rules/*.yaml`, user packs) run on the engine in `declarative/`.

mod addressing;
mod appservice;
mod capacity;
pub mod codes;
mod compat;
pub mod declarative;
mod egress;
mod exposure;
mod nsg;
mod placement;
pub mod shared;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::{Cluster, Field, Inventory, MaxSurge, NetworkPlugin, NodePool};
use crate::source::Span;

pub use addressing::{
    CidrHostBitsSet, DnsServiceIpInvalid, PodCidrOverlap, ReservedAddressRange, ServiceCidrOverlap,
    ServiceCidrTooLarge, SubnetOutsideVnet, SubnetOverlap,
};
pub use appservice::{
    AppServiceEnvironmentSubnetInvalid, AppServiceIntegrationSubnetInvalid,
    AppServicePlansShareSubnet,
};
pub use capacity::{
    CniSubnetTooSmall, KubenetNodeLimit, NodeSubnetTooSmall, PodCidrTooSmall, VnetIpLimit,
};
pub use compat::{
    DualStackUnsupported, InvalidNetworkValue, MaxPodsOutOfRange, NetworkPolicyIncompatible,
    NpmScaleExceeded, PodSubnetMisconfigured, PoolNameInvalid, VirtualNodesRequireAzureCni,
    WindowsPoolOnKubenet, WindowsPoolUnsupportedNetwork,
};
pub use egress::{
    NatGatewayOutboundMismatch, SnatPortBudget, UdrOnManagedVnet, UdrOutboundWithoutDefaultRoute,
};
pub use exposure::{ApiServerUnrestricted, AuthorizedRangesInvalid, PrivateDnsZoneInvalid};
pub use nsg::{
    AksManagedNsgModified, NodeSubnetWithoutNsg, NsgBlocksIntraCluster,
    NsgBlocksLoadBalancerProbes, NsgBlocksRequiredEgress, NsgExposesManagementPorts,
};
pub use placement::{
    ApiServerSubnetInvalid, KubenetRouteTableMismatch, KubenetSubnetOrRouteTableShared,
    NodeSubnetDelegated, PoolsSpanVnets,
};

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

/// The rules written in Rust, in code order: a table the compiler builds.
static BUILTIN: &[&dyn Rule] = &[
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
    &InvalidNetworkValue,
    &NpmScaleExceeded,
    &DualStackUnsupported,
    &NodeSubnetDelegated,
    &PoolsSpanVnets,
    &KubenetSubnetOrRouteTableShared,
    &ApiServerSubnetInvalid,
    &KubenetRouteTableMismatch,
    &placement::AgicNetworkInvalid,
    &placement::IdentityNetworkRightsMissing,
    &UdrOutboundWithoutDefaultRoute,
    &NatGatewayOutboundMismatch,
    &SnatPortBudget,
    &egress::FirewallBlocksRequiredEgress,
    &egress::FirewallAsymmetricRouting,
    &NsgBlocksIntraCluster,
    &NsgBlocksRequiredEgress,
    &NsgExposesManagementPorts,
    &AksManagedNsgModified,
    &NsgBlocksLoadBalancerProbes,
    &ApiServerUnrestricted,
    &AuthorizedRangesInvalid,
    &PrivateDnsZoneInvalid,
    &exposure::PrivateDnsZoneNotLinked,
    &exposure::AuthorizedRangesExcludeEgress,
    &AppServiceIntegrationSubnetInvalid,
    &AppServicePlansShareSubnet,
    &AppServiceEnvironmentSubnetInvalid,
];

/// The rules written in Rust, in code order.
pub fn builtin() -> &'static [&'static dyn Rule] {
    BUILTIN
}

/// The built-in Rust rules and the shipped pack, merged in code order. The
/// shipped pack is parsed at run time, so the merged order is computed once.
fn catalogue() -> &'static [&'static dyn Rule] {
    static CATALOGUE: std::sync::OnceLock<Vec<&'static dyn Rule>> = std::sync::OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut rules: Vec<&'static dyn Rule> = BUILTIN.to_vec();
        rules.extend(declarative::shipped::rules().iter().map(|r| r as &dyn Rule));
        rules.sort_by_key(|r| r.meta().code);
        rules
    })
}

/// Every rule: the built-in Rust rules and the shipped pack, in code order,
/// then the user packs registered at start-up, in load order.
pub fn iter() -> impl Iterator<Item = &'static dyn Rule> {
    catalogue().iter().copied().chain(user_rules())
}

/// [`iter`] collected, for callers that want a list.
pub fn all() -> Vec<&'static dyn Rule> {
    iter().collect()
}

/// The user packs' rules, held for the rest of the process once registered.
static USER_RULES: std::sync::OnceLock<Vec<declarative::DeclarativeRule>> =
    std::sync::OnceLock::new();

/// Makes user packs part of [`all`] and [`find`] for the rest of the process
/// (the CLI loads them once, before reading the configuration's rule names).
/// False when user rules were registered already.
pub fn register_user_rules(rules: Vec<declarative::DeclarativeRule>) -> bool {
    USER_RULES.set(rules).is_ok()
}

/// The `url` a user rule gives, if any (akslint's own rules link to docs/rules/).
pub fn user_rule_url(code: &str) -> Option<&'static str> {
    USER_RULES
        .get()?
        .iter()
        .find(|r| r.meta().code == code)
        .and_then(|r| r.url.as_deref())
}

/// The user packs' rules, once registered.
pub fn user_rules() -> impl Iterator<Item = &'static dyn Rule> {
    USER_RULES
        .get()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|r| r as &dyn Rule)
}

/// True when `code` is a user rule's (its findings follow `select`/`ignore` and
/// severity overrides like akslint's own).
pub fn is_user_code(code: &str) -> bool {
    user_rules().any(|r| r.meta().code == code)
}

/// Finds a rule by code or name, case-insensitively.
pub fn find(code_or_name: &str) -> Option<&'static dyn Rule> {
    iter().find(|r| {
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

pub(crate) use crate::model::display_name;

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
    c.display_name()
}

/// The pool's name, else its address, for messages.
pub fn pool_name(p: &NodePool) -> String {
    p.display_name()
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
    fn builtin_table_is_in_code_order() {
        let codes: Vec<&str> = builtin().iter().map(|r| r.meta().code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        assert_eq!(codes, sorted);
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
