//! Azure role assignments (`Microsoft.Authorization/roleAssignments`, Terraform
//! `azurerm_role_assignment`): which principal holds which role over which
//! scope. Used to tell whether a cluster identity may join its subnets (F-071).

use super::{Field, ResourceId};
use crate::source::Span;

/// Who a role assignment is for, as far as the input says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// An object id written out (lowercase).
    Object(String),
    /// The system-assigned identity of the cluster with this id: ARM
    /// `reference(<cluster>, …, 'Full').identity.principalId`, Terraform
    /// `azurerm_kubernetes_cluster.x.identity[0].principal_id`.
    ClusterIdentity(ResourceId),
    /// The kubelet identity of the cluster with this id
    /// (`identityProfile.kubeletidentity.objectId`, `kubelet_identity[0].object_id`).
    KubeletIdentity(ResourceId),
    /// The user-assigned identity with this id (its `principalId`).
    UserAssigned(ResourceId),
    /// Some user-assigned identity whose id the input does not give (a
    /// Terraform data source's `principal_id`): not a system-assigned identity.
    SomeUserAssigned,
}

#[derive(Clone, Debug)]
pub struct RoleAssignment {
    pub id: Option<ResourceId>,
    pub address: String,
    pub decl: Span,
    /// `scope` (or the id's prefix before `/providers/Microsoft.Authorization/`), lowercase.
    pub scope: Field<String>,
    /// `roleDefinitionId`'s last segment (a GUID, lowercase), or Terraform
    /// `role_definition_name` (`name:` + the name, lowercase).
    pub role: Field<String>,
    /// `principalId`.
    pub principal: Field<Principal>,
}

/// A role definition (`Microsoft.Authorization/roleDefinitions`,
/// `azurerm_role_definition`): a custom role's actions decide what it grants.
#[derive(Clone, Debug)]
pub struct RoleDefinition {
    pub id: Option<ResourceId>,
    pub address: String,
    pub decl: Span,
    /// How assignments name it, as [`RoleAssignment::role`] holds it: its GUID
    /// (lowercase), or in Terraform `def:` + its address when the GUID is computed.
    pub key: Field<String>,
    /// `roleName` (Terraform `name`), lowercase.
    pub role_name: Field<String>,
    /// `permissions[].actions`.
    pub actions: Vec<Field<String>>,
    /// `permissions[].notActions`.
    pub not_actions: Vec<Field<String>>,
}

impl RoleDefinition {
    /// Whether an assignment's role (as [`RoleAssignment::role`] holds it) names this definition.
    pub fn named_by(&self, role: &str) -> bool {
        if self.key.known().is_some_and(|k| k == role) {
            return true;
        }
        if role.strip_prefix("def:") == Some(self.address.as_str()) {
            return true;
        }
        role.strip_prefix("name:")
            .is_some_and(|n| self.role_name.known().is_some_and(|r| r == n))
    }

    /// Whether the role's actions include `action` and its notActions do not
    /// take it away; `Maybe` when one of them cannot be evaluated.
    pub fn grants(&self, action: &str) -> Tri {
        let matches = |list: &[Field<String>]| -> Tri {
            let mut out = Tri::No;
            for f in list {
                match f.known() {
                    Some(p) if action_matches(p, action) => return Tri::Yes,
                    Some(_) => {}
                    None => out = Tri::Maybe,
                }
            }
            out
        };
        match (matches(&self.actions), matches(&self.not_actions)) {
            (Tri::No, _) | (_, Tri::Yes) => Tri::No,
            (Tri::Yes, Tri::No) => Tri::Yes,
            _ => Tri::Maybe,
        }
    }
}

/// An Azure RBAC action pattern (`Microsoft.Network/*`, `*/read`) against an
/// action, without case; `*` stands for any text.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    let pattern = pattern.trim().to_ascii_lowercase();
    let action = action.to_ascii_lowercase();
    let pieces: Vec<&str> = pattern.split('*').collect();
    super::id::glob(&pieces, &action)
}

/// The action that lets an identity place NICs in a subnet.
pub const SUBNET_JOIN: &str = "Microsoft.Network/virtualNetworks/subnets/join/action";
/// The action that lets AKS write the kubenet routes.
pub const ROUTE_WRITE: &str = "Microsoft.Network/routeTables/routes/write";

/// A user-assigned managed identity (`Microsoft.ManagedIdentity/userAssignedIdentities`,
/// `azurerm_user_assigned_identity`): where it is created tells whether a
/// deployment owns the rights it is given.
#[derive(Clone, Debug)]
pub struct ManagedIdentity {
    pub id: Option<ResourceId>,
    pub address: String,
    pub decl: Span,
}

/// A three-valued answer: what the inputs prove, or that they cannot tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    Maybe,
}

impl Tri {
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, Tri::Yes) => Tri::Yes,
            _ => Tri::Maybe,
        }
    }
}

/// Built-in roles whose actions include `Microsoft.Network/virtualNetworks/subnets/join/action`
/// (directly or through `*`/`Microsoft.Network/*`): Owner, Contributor, Network Contributor.
const JOINING: &[(&str, &str)] = &[
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "owner"),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "contributor"),
    (
        "4d97b98b-1d4f-4787-a291-c67834d212e7",
        "network contributor",
    ),
];

/// Built-in roles an AKS deployment commonly assigns that grant no write or
/// join on networks: Reader (`*/read`), AcrPull, Managed Identity Operator.
const NOT_JOINING: &[(&str, &str)] = &[
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "reader"),
    ("", "acrpull"),
    ("", "managed identity operator"),
];

/// Whether a role (as [`RoleAssignment::role`] holds it) grants `subnets/join/action`.
/// A role akslint does not know (a custom role, another built-in) is `Maybe`.
pub fn role_grants_join(role: &Field<String>) -> Tri {
    let Some(r) = role.known() else {
        return Tri::Maybe;
    };
    let is = |table: &[(&str, &str)]| {
        table
            .iter()
            .any(|(guid, name)| match r.strip_prefix("name:") {
                Some(n) => n == *name,
                None => !guid.is_empty() && r == guid,
            })
    };
    if is(JOINING) {
        Tri::Yes
    } else if is(NOT_JOINING) {
        Tri::No
    } else {
        Tri::Maybe
    }
}

/// Whether a role assignment scope covers a resource: the scope is the resource
/// or one of its ancestors (resource group, subscription), compared without
/// case at `/` boundaries. A `{placeholder}` segment on either side matches
/// only its own spelling when `same_deployment` (one template means one
/// subscription), else any text, which makes the answer `Maybe`; a management
/// group scope is `Maybe` (its subscriptions are not known).
pub fn scope_covers(scope: &Field<String>, resource: &ResourceId, same_deployment: bool) -> Tri {
    let Some(scope) = scope.known() else {
        return Tri::Maybe;
    };
    let scope = scope.trim_end_matches('/').to_ascii_lowercase();
    if scope.is_empty() {
        // The root scope `/` covers everything.
        return Tri::Yes;
    }
    if scope.contains("/microsoft.management/managementgroups/") {
        return Tri::Maybe;
    }
    let s: Vec<&str> = scope.split('/').filter(|x| !x.is_empty()).collect();
    let r: Vec<&str> = resource
        .key()
        .split('/')
        .filter(|x| !x.is_empty())
        .collect();
    if s.len() > r.len() || !ancestor_len(s.len(), &r) {
        return Tri::No;
    }
    let mut out = Tri::Yes;
    for (a, b) in s.iter().zip(&r) {
        if a == b && (same_deployment || !a.contains('{')) {
            continue;
        }
        if a.contains('{') || b.contains('{') {
            out = Tri::Maybe;
        } else {
            return Tri::No;
        }
    }
    out
}

/// True when the first `n` segments of a resource id form a scope: the
/// subscription (2), its resource group (4), or the resource and its parents
/// (`…/providers/<ns>/<type>/<name>`, then type/name pairs).
fn ancestor_len(n: usize, r: &[&str]) -> bool {
    match n {
        2 | 4 => true,
        _ if n >= 8 => r.get(4) == Some(&"providers") && (n - 8).is_multiple_of(2) && n <= r.len(),
        _ => false,
    }
}

/// The scope of a role assignment from its id: the part before
/// `/providers/Microsoft.Authorization/roleAssignments/`.
pub fn scope_of_assignment_id(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let at = lower.rfind("/providers/microsoft.authorization/roleassignments/")?;
    Some(lower[..at].to_string())
}

/// The role a `roleDefinitionId` names: its last segment, lowercase.
pub fn role_from_definition_id(id: &str) -> String {
    id.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ResourceId {
        ResourceId::parse(s).unwrap()
    }

    fn known(s: &str) -> Field<String> {
        Field::Known(s.to_string(), Span::default())
    }

    const SUBNET: &str = "/subscriptions/1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/s";

    #[test]
    fn scopes_cover_the_subnet_its_vnet_group_and_subscription() {
        let s = id(SUBNET);
        for scope in [
            SUBNET,
            "/subscriptions/1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v",
            "/subscriptions/1/resourcegroups/RG-NET",
            "/subscriptions/1/",
            "/",
        ] {
            assert_eq!(scope_covers(&known(scope), &s, false), Tri::Yes, "{scope}");
        }
        for scope in [
            "/subscriptions/1/resourceGroups/rg-net2",
            "/subscriptions/1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v2",
            "/subscriptions/1/resourceGroups/rg-net/providers/Microsoft.Network",
            "/subscriptions/1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/s2",
        ] {
            assert_eq!(scope_covers(&known(scope), &s, false), Tri::No, "{scope}");
        }
    }

    #[test]
    fn placeholders_are_honest() {
        let s = id("/subscriptions/{subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s");
        let rg = known("/subscriptions/{subscriptionId}/resourceGroups/rg");
        assert_eq!(scope_covers(&rg, &s, true), Tri::Yes);
        assert_eq!(scope_covers(&rg, &s, false), Tri::Maybe);
        let other = known("/subscriptions/{subscriptionId}/resourceGroups/rg2");
        assert_eq!(scope_covers(&other, &s, true), Tri::No);
        assert_eq!(scope_covers(&Field::Absent, &s, true), Tri::Maybe);
    }

    #[test]
    fn custom_role_actions() {
        assert!(action_matches("Microsoft.Network/*", SUBNET_JOIN));
        assert!(action_matches("*", SUBNET_JOIN));
        assert!(action_matches(
            "microsoft.network/virtualnetworks/subnets/join/action",
            SUBNET_JOIN
        ));
        assert!(action_matches(
            "Microsoft.Network/virtualNetworks/*/join/action",
            SUBNET_JOIN
        ));
        assert!(!action_matches("*/read", SUBNET_JOIN));
        assert!(!action_matches(
            "Microsoft.Network/virtualNetworks/subnets/read",
            SUBNET_JOIN
        ));
        let def = |actions: &[&str], not: &[&str]| RoleDefinition {
            id: None,
            address: String::new(),
            decl: Span::default(),
            key: Field::Absent,
            role_name: Field::Absent,
            actions: actions.iter().map(|a| known(a)).collect(),
            not_actions: not.iter().map(|a| known(a)).collect(),
        };
        assert_eq!(
            def(&["Microsoft.Network/*"], &[]).grants(SUBNET_JOIN),
            Tri::Yes
        );
        assert_eq!(
            def(&["*"], &["Microsoft.Network/*/join/action"]).grants(SUBNET_JOIN),
            Tri::No
        );
        assert_eq!(def(&["*/read"], &[]).grants(SUBNET_JOIN), Tri::No);
        let mut unknown = def(&["*/read"], &[]);
        unknown.actions.push(Field::Unknown(Span::default()));
        assert_eq!(unknown.grants(SUBNET_JOIN), Tri::Maybe);
    }

    #[test]
    fn roles() {
        assert_eq!(
            role_grants_join(&known("4d97b98b-1d4f-4787-a291-c67834d212e7")),
            Tri::Yes
        );
        assert_eq!(
            role_grants_join(&known("name:network contributor")),
            Tri::Yes
        );
        assert_eq!(role_grants_join(&known("name:acrpull")), Tri::No);
        assert_eq!(role_grants_join(&known("name:my custom role")), Tri::Maybe);
        assert_eq!(
            role_from_definition_id("/subscriptions/1/providers/Microsoft.Authorization/roleDefinitions/4D97B98B-1d4f-4787-a291-c67834d212e7"),
            "4d97b98b-1d4f-4787-a291-c67834d212e7"
        );
        assert_eq!(
            scope_of_assignment_id("/subscriptions/1/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/x").as_deref(),
            Some("/subscriptions/1/resourcegroups/rg")
        );
    }
}
