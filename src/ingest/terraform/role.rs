//! `azurerm_role_assignment`: the scope, role and principal of each assignment,
//! to tell whether a cluster identity may join its subnets (F-071).

use super::azurerm::{Cx, USER_ASSIGNED_IDENTITY};
use crate::ingest::values::{nonempty_string, permissions};
use crate::model::role::role_from_definition_id;
use crate::model::{
    Field, InventoryBuilder, ManagedIdentity, Principal, ResourceId, RoleAssignment, RoleDefinition,
};
use crate::syntax::NodeKind;

pub(super) fn role_assignment(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let role = match nonempty_string(cx.v("role_definition_name")) {
        Field::Absent => role_definition_id(cx),
        named => named.map(|n| format!("name:{}", n.to_ascii_lowercase())),
    };
    b.add_role_assignment(RoleAssignment {
        id: None,
        address: cx.r.address.clone(),
        decl: cx.r.decl,
        scope: scope(cx),
        role,
        principal: principal(cx),
    });
}

/// `role_definition_id` as written, else the custom role it refers to (`def:` + its address).
fn role_definition_id(cx: &Cx<'_>) -> Field<String> {
    match nonempty_string(cx.v("role_definition_id")) {
        Field::Known(d, span) => Field::Known(role_from_definition_id(&d), span),
        Field::Unknown(span) => match cx.rs.referred(cx.i, "role_definition_id") {
            Some((t, _)) if t.resource_type == "azurerm_role_definition" => {
                Field::Known(format!("def:{}", t.address), span)
            }
            _ => Field::Unknown(span),
        },
        other => other,
    }
}

/// A custom role: its `role_definition_id` (a GUID) when written, else named by
/// its address; `name` and the `permissions` blocks' actions.
pub(super) fn role_definition(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    let key = nonempty_string(cx.v("role_definition_id")).map(|d| role_from_definition_id(&d));
    let (actions, not_actions) = permissions(cx.v("permissions"), "actions", "not_actions");
    b.add_role_definition(RoleDefinition {
        id: None,
        address: cx.r.address.clone(),
        decl: cx.r.decl,
        key,
        role_name: nonempty_string(cx.v("name")).map(|n| n.to_ascii_lowercase()),
        actions,
        not_actions,
    });
}

pub(super) fn managed_identity(b: &mut InventoryBuilder, cx: &Cx<'_>) {
    b.add_managed_identity(ManagedIdentity {
        id: cx.id(),
        address: cx.r.address.clone(),
        decl: cx.r.decl,
    });
}

/// `scope` as written, else the id of the resource (group) it refers to.
fn scope(cx: &Cx<'_>) -> Field<String> {
    let node = cx.v("scope");
    if let Field::Known(s, span) = nonempty_string(node) {
        // An id with `{…}` in it is an uninterpolated expression, not a wildcard.
        if !s.contains('{') {
            return Field::Known(s.trim_end_matches('/').to_ascii_lowercase(), span);
        }
    }
    let span = node.map_or(cx.r.decl, |n| n.span);
    match cx.rs.referred(cx.i, "scope") {
        Some((_, Some(id))) => Field::Known(id.to_ascii_lowercase(), span),
        _ => Field::Unknown(span),
    }
}

/// `principal_id` as written, else the identity of the resource it reads:
/// a cluster's `identity[0].principal_id` or `kubelet_identity[0].object_id`,
/// or a user-assigned identity's `principal_id`.
fn principal(cx: &Cx<'_>) -> Field<Principal> {
    let node = cx.v("principal_id");
    let span = node.map_or(cx.r.decl, |n| n.span);
    if let Field::Known(p, at) = nonempty_string(node) {
        return Field::Known(Principal::Object(p.to_ascii_lowercase()), at);
    }
    // The evaluator names the computed attribute it could not know.
    let why = match node.map(|n| &n.kind) {
        Some(NodeKind::Unknown(why)) => why.as_str(),
        _ => "",
    };
    let Some((target, Some(id))) = cx.rs.referred(cx.i, "principal_id") else {
        return match read_from_identity(why) {
            true => Field::Known(Principal::SomeUserAssigned, span),
            false => Field::Unknown(span),
        };
    };
    let Some(id) = ResourceId::parse(id) else {
        return Field::Unknown(span);
    };
    let p = match target.resource_type.as_str() {
        "azurerm_kubernetes_cluster" if why.contains("kubelet_identity") => {
            Principal::KubeletIdentity(id)
        }
        "azurerm_kubernetes_cluster" if why.starts_with("principal_id") => {
            Principal::ClusterIdentity(id)
        }
        "azurerm_user_assigned_identity"
            if id.resource_type() == USER_ASSIGNED_IDENTITY && why.starts_with("principal_id") =>
        {
            Principal::UserAssigned(id)
        }
        _ => return Field::Unknown(span),
    };
    Field::Known(p, span)
}

/// True when an unknown `principal_id` is a user-assigned identity's (a data
/// source or a resource outside the set): `principal_id of data.azurerm_user_assigned_identity.x`.
fn read_from_identity(why: &str) -> bool {
    why.starts_with("principal_id")
        && super::hcl::computed_origin(why).is_some_and(|address| {
            address
                .split('.')
                .any(|step| step == "azurerm_user_assigned_identity")
        })
}
