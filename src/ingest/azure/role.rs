//! `Microsoft.Authorization/roleAssignments`: the scope, role and principal of
//! each assignment, to tell whether a cluster identity may join its subnets (F-071).

use super::Resource;
use crate::ingest::values::{nonempty_string, permissions, referenced_property};
use crate::model::role::{role_from_definition_id, scope_of_assignment_id};
use crate::model::{
    Field, InventoryBuilder, ManagedIdentity, Principal, RoleAssignment, RoleDefinition,
};
use crate::syntax::{Node, NodeKind};

/// A role assignment written as `Microsoft.Authorization/roleAssignments` (its
/// `scope` made absolute by the template walker, or the prefix of its id), or in
/// the older nested form `…/providers/roleAssignments`, whose scope is left unknown.
pub(super) fn role_assignment(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let nested = !r
        .resource_type
        .eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments");
    let scope = if nested {
        Field::Unknown(r.name().map_or(r.decl, |n| n.span))
    } else {
        scope(r)
    };
    b.add_role_assignment(RoleAssignment {
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        scope,
        role: nonempty_string(r.prop("roleDefinitionId")).map(|d| role_from_definition_id(&d)),
        principal: principal(r.prop("principalId")),
    });
}

/// A custom role: its GUID (the id's last segment, else its name), `roleName`
/// and the actions of its `permissions`.
pub(super) fn role_definition(b: &mut InventoryBuilder, r: &Resource<'_>) {
    let key = match &r.id {
        Some(id) => Field::Known(role_from_definition_id(id.as_str()), r.decl),
        None => nonempty_string(r.name()).map(|n| n.to_ascii_lowercase()),
    };
    let (actions, not_actions) = permissions(r.prop("permissions"), "actions", "notActions");
    b.add_role_definition(RoleDefinition {
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
        key,
        role_name: nonempty_string(r.prop("roleName")).map(|n| n.to_ascii_lowercase()),
        actions,
        not_actions,
    });
}

pub(super) fn managed_identity(b: &mut InventoryBuilder, r: &Resource<'_>) {
    b.add_managed_identity(ManagedIdentity {
        id: r.id.clone(),
        address: r.address.clone(),
        decl: r.decl,
    });
}

fn scope(r: &Resource<'_>) -> Field<String> {
    match nonempty_string(r.node.get("scope").or(r.prop("scope"))) {
        Field::Known(s, span) => Field::Known(s.trim_end_matches('/').to_ascii_lowercase(), span),
        Field::Absent => match r
            .id
            .as_ref()
            .and_then(|id| scope_of_assignment_id(id.as_str()))
        {
            Some(s) => Field::Known(s, r.decl),
            None => Field::Unknown(r.decl),
        },
        other => other,
    }
}

/// An object id as written, or the identity a marked `reference()` reads.
fn principal(node: Option<&Node>) -> Field<Principal> {
    let Some(n) = node else {
        return Field::Absent;
    };
    if let NodeKind::Unknown(why) = &n.kind {
        let Some((id, path)) = referenced_property(why) else {
            return Field::Unknown(n.span);
        };
        let path = path.to_ascii_lowercase();
        let cluster = id.resource_type() == "microsoft.containerservice/managedclusters";
        let p = match path.as_str() {
            ".identity.principalid" if cluster => Principal::ClusterIdentity(id),
            ".identityprofile.kubeletidentity.objectid"
            | ".properties.identityprofile.kubeletidentity.objectid"
                if cluster =>
            {
                Principal::KubeletIdentity(id)
            }
            ".principalid" | ".properties.principalid" if !cluster => Principal::UserAssigned(id),
            _ => return Field::Unknown(n.span),
        };
        return Field::Known(p, n.span);
    }
    nonempty_string(Some(n)).map(|s| Principal::Object(s.to_ascii_lowercase()))
}
