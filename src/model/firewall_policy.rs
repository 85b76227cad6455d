//! Firewall Policies: the rule collection groups an Azure Firewall applies, and
//! its DNS proxy (F-150, F-151).

use super::registry::model_object;
use super::{Field, FirewallRuleCollection, ResourceId};
use crate::source::Span;

model_object! {
    #[derive(Clone, Debug)]
    pub struct FirewallPolicy {
        pub id: Option<ResourceId>,
        pub address: String,
        /// The policy's object; the default span for a stub made from a rule collection group.
        pub decl: Span,
        pub name: Field<String>,
        /// The collections of its `ruleCollectionGroups`, each with its group's priority.
        pub collections: Vec<FirewallRuleCollection>,
        /// Resolved after linking: the parent policy `base_policy_id` names.
        pub base: Option<usize>,
    }
    fields {
        /// `dnsSettings.enableProxy` (Terraform `dns { proxy_enabled }`).
        dns_proxy: Field<bool>,
        /// `basePolicy.id`: the parent policy, whose rules come first.
        base_policy_id: Field<ResourceId>,
    }
}

impl FirewallPolicy {
    /// The policy as a rule collection group resource describes it: its id and
    /// the group's collections, merged into the policy's own declaration.
    pub fn from_group(policy_id: ResourceId, collections: Vec<FirewallRuleCollection>) -> Self {
        FirewallPolicy {
            address: policy_id.to_string(),
            id: Some(policy_id),
            decl: Span::default(),
            name: Field::Absent,
            collections,
            base: None,
            dns_proxy: Field::Absent,
            base_policy_id: Field::Absent,
        }
    }
}
