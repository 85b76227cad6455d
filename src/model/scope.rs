//! Deployment scopes and resource identity.
//!
//! Every resource read belongs to one scope: a Terraform root module (with the
//! modules it calls), one plan or state file, one ARM template deployment (with
//! its parameter files and nested deployments), one export, az CLI or Resource
//! Graph document, or one folder of manifests. Identity follows from it:
//! two descriptions are one resource when their fully literal ids are equal
//! (wherever they come from), or when they are the same resource written twice
//! inside one scope. An id with a `{placeholder}`, an `unknown(…)` marker or a
//! symbolic `[expression]` name only means something inside its own scope, and
//! in a Terraform scope different addresses are different resources whatever
//! their names.

use super::ResourceId;

/// Index of a scope in [`Scopes::list`].
pub type ScopeId = u32;

/// What kind of input a scope was read from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScopeKind {
    /// A template deployment with its parameter files.
    ArmDeployment,
    /// One export, az CLI, REST or Resource Graph document (a file).
    #[default]
    Document,
    /// The manifests of one folder (Kubernetes-style resources).
    Manifests,
    /// A Terraform root module with its called modules, or one plan/state file.
    Terraform,
}

/// One scope: what it is and how a person recognises it (a path).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub kind: ScopeKind,
    pub label: String,
    /// Parts of the input were not read (a Terraform module not evaluated,
    /// resources with an unknown `count`, a nested deployment skipped).
    pub incomplete: bool,
}

/// The scopes of a run, and the scope of every resource (by kind and index).
#[derive(Debug, Default)]
pub struct Scopes {
    pub list: Vec<Scope>,
    pub clusters: Vec<ScopeId>,
    pub pools: Vec<ScopeId>,
    pub vnets: Vec<ScopeId>,
    pub subnets: Vec<ScopeId>,
    pub nsgs: Vec<ScopeId>,
    pub route_tables: Vec<ScopeId>,
    pub associations: Vec<ScopeId>,
    pub app_services: Vec<ScopeId>,
    pub application_gateways: Vec<ScopeId>,
    pub private_dns_zones: Vec<ScopeId>,
    pub role_assignments: Vec<ScopeId>,
    pub managed_identities: Vec<ScopeId>,
    pub role_definitions: Vec<ScopeId>,
    pub public_ips: Vec<ScopeId>,
    pub public_ip_prefixes: Vec<ScopeId>,
    pub nat_gateways: Vec<ScopeId>,
    pub firewalls: Vec<ScopeId>,
    pub firewall_policies: Vec<ScopeId>,
}

impl Scopes {
    /// The scope a resource was read in; scope 0 (unnamed) when nothing was set.
    pub fn get(&self, id: ScopeId) -> Option<&Scope> {
        self.list.get(id as usize)
    }

    /// The label of a scope, for messages.
    pub fn label(&self, id: ScopeId) -> &str {
        self.get(id).map_or("", |s| s.label.as_str())
    }

    pub fn kind(&self, id: ScopeId) -> ScopeKind {
        self.get(id).map_or(ScopeKind::Document, |s| s.kind)
    }

    /// True when the scope has parts akslint did not read.
    pub fn incomplete(&self, id: ScopeId) -> bool {
        self.get(id).is_some_and(|s| s.incomplete)
    }

    /// True when more than one scope holds resources: scope names are worth showing.
    pub fn several(&self) -> bool {
        self.list.len() > 1
    }
}

/// True when an id names one Azure resource wherever it is written: no
/// `{placeholder}`, no marker for an unknown Terraform value, no symbolic
/// name standing for an unevaluated ARM expression.
pub fn is_literal(id: &ResourceId) -> bool {
    let key = id.key();
    !id.has_placeholders() && !key.contains("unknown(") && !key.contains('[')
}

/// The key under which descriptions of one resource merge: literal ids merge
/// across the whole run, others only inside their scope.
pub fn merge_key(scope: ScopeId, id: &ResourceId) -> String {
    if is_literal(id) {
        id.key().to_string()
    } else {
        format!("{scope}\u{1f}{}", id.key())
    }
}

/// Whether two descriptions with one merge key are one resource: in a
/// Terraform scope, two declared addresses that differ are two resources (a
/// stub without an address, made from a child resource, joins its parent).
pub fn same_resource(kind: ScopeKind, id: &ResourceId, a: &str, b: &str) -> bool {
    // A stub is named by the id it was made from (or not at all).
    let stub = |address: &str| address.is_empty() || address.starts_with('/');
    kind != ScopeKind::Terraform || is_literal(id) || stub(a) || stub(b) || a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ResourceId {
        ResourceId::parse(s).unwrap()
    }

    #[test]
    fn literal_ids_merge_everywhere_others_in_their_scope() {
        let lit =
            id("/subscriptions/1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v");
        let ph = id("/subscriptions/{subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v");
        let marker = id("/subscriptions/1/resourceGroups/unknown(azurerm_resource_group.x)/providers/Microsoft.Network/virtualNetworks/v");
        assert_eq!(merge_key(1, &lit), merge_key(2, &lit));
        assert_ne!(merge_key(1, &ph), merge_key(2, &ph));
        assert_eq!(merge_key(1, &ph), merge_key(1, &ph));
        assert_ne!(merge_key(1, &marker), merge_key(2, &marker));
    }

    #[test]
    fn terraform_addresses_tell_resources_apart() {
        let ph = id("/subscriptions/{subscriptionId}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/example");
        assert!(!same_resource(
            ScopeKind::Terraform,
            &ph,
            "azurerm_kubernetes_cluster.a",
            "azurerm_kubernetes_cluster.b"
        ));
        assert!(same_resource(
            ScopeKind::Terraform,
            &ph,
            "",
            "azurerm_kubernetes_cluster.b"
        ));
        assert!(same_resource(ScopeKind::ArmDeployment, &ph, "a", "b"));
    }
}
