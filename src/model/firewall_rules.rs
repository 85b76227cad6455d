//! Azure Firewall rule collections and rules, as classic rules on a firewall and
//! as rule collection groups of a Firewall Policy hold them (F-150).

use super::registry::model_object;
use super::Field;
use crate::source::Span;

/// What a rule collection holds: rules of one type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirewallRuleKind {
    Application,
    Network,
    Nat,
}

model_object! {
    #[derive(Clone, Debug)]
    pub struct FirewallRuleCollection {
        pub decl: Span,
        pub name: Field<String>,
        pub kind: FirewallRuleKind,
        /// The priority of the rule collection group it is in (Firewall Policy);
        /// absent for classic rules.
        pub group_priority: Field<i64>,
        /// Inherited from the policy's parent (`basePolicy`): processed before the policy's own.
        pub inherited: bool,
        pub rules: Vec<FirewallRule>,
    }
    fields {
        /// `priority` (100–65,000; lower first).
        priority: Field<i64>,
        /// `action.type`: `Allow`, `Deny` (or `Dnat` for NAT collections).
        action: Field<String>,
    }
}

model_object! {
    #[derive(Clone, Debug)]
    pub struct FirewallRule {
        pub decl: Span,
        pub name: Field<String>,
    }
    fields {
        /// `sourceAddresses`: CIDRs, addresses, ranges or `*`.
        source_addresses: Vec<Field<String>>,
        /// `sourceIpGroups`: IP group ids, whose addresses akslint does not read.
        source_ip_groups: Vec<Field<String>>,
        /// Application rules: `targetFqdns` (`*.example.com` wildcards).
        target_fqdns: Vec<Field<String>>,
        /// Application rules: `fqdnTags` (`AzureKubernetesService`).
        fqdn_tags: Vec<Field<String>>,
        /// Application rules: `protocols` as `Https:443`.
        protocols: Vec<Field<String>>,
        /// Application rules: `targetUrls` and `webCategories`, which match what an FQDN list cannot say.
        other_targets: Vec<Field<String>>,
        /// `destinationAddresses`: CIDRs, addresses, service tags or `*`.
        destination_addresses: Vec<Field<String>>,
        /// `destinationIpGroups`.
        destination_ip_groups: Vec<Field<String>>,
        /// Network rules: `destinationFqdns` (need DNS proxy, F-151).
        destination_fqdns: Vec<Field<String>>,
        /// Network rules: `destinationPorts` (`443`, `1000-2000`, `*`).
        destination_ports: Vec<Field<String>>,
        /// Network rules: `ipProtocols`/`protocols`: `TCP`, `UDP`, `ICMP`, `Any`.
        ip_protocols: Vec<Field<String>>,
    }
}
