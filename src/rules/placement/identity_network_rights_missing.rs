use std::collections::HashMap;

use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::{Label, Severity};
use crate::model::role::{role_grants_join, scope_covers, Tri, ROUTE_WRITE, SUBNET_JOIN};
use crate::model::scope::{is_literal, ScopeId, ScopeKind};
use crate::model::{Cluster, ClusterIdx, Field, Inventory, IpamMode, Principal, ResourceId};
use crate::rules::cluster_name;
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// Clusters with a managed control-plane identity (`identity.type`
    /// `SystemAssigned` or `UserAssigned`) that place things in a network of
    /// their own: node and pod subnets (`vnetSubnetID`, `podSubnetID`), the API
    /// server subnet (`apiServerAccessProfile.subnetId` with
    /// `enableVnetIntegration`) and, on kubenet, the route table of the node
    /// subnets. Role assignments (`Microsoft.Authorization/roleAssignments`,
    /// Terraform `azurerm_role_assignment`) are matched to the identity by
    /// principal: an object id, or a reference to the cluster's
    /// `identity.principalId` or to the user-assigned identity's `principalId`.
    ///
    /// * **error** when role assignments of the identity are among the inputs
    ///   (so the deployment grants its rights; in a template or Terraform
    ///   configuration, a user-assigned identity must be created there too,
    ///   since one made elsewhere may be granted elsewhere; in an export, one of
    ///   them must be below subscription scope, since `az role assignment list`
    ///   without `--all` shows only subscription-wide ones, per "List Azure role
    ///   assignments using Azure CLI",
    ///   <https://learn.microsoft.com/azure/role-based-access-control/role-assignments-list-cli>),
    ///   a subnet or route table it needs
    ///   is among the inputs, and no assignment that could be the identity's
    ///   grants Network Contributor, Contributor or Owner over that resource, its
    ///   VNet, its resource group or its subscription;
    /// * **warning** when an ARM template (or Bicep) or Terraform configuration
    ///   creates a cluster with a system-assigned identity in its own subnet, and
    ///   no role assignment of that deployment (the template with its nested
    ///   deployments, the Terraform root with its modules) could be for the identity.
    ///
    /// A custom role counts by its definition when that is among the inputs
    /// (`Microsoft.Authorization/roleDefinitions`, `azurerm_role_definition`): its
    /// actions must allow `Microsoft.Network/virtualNetworks/subnets/join/action`
    /// (for the route table, `Microsoft.Network/routeTables/routes/write`), `*`
    /// patterns included, and its notActions must not take it away.
    /// An assignment whose principal, scope or role cannot be evaluated, a role
    /// akslint does not know (a built-in role it does not list, or a custom role
    /// whose definition is not among the inputs) and a management-group scope all
    /// count as possibly granting the right: the rule is then silent. It is silent too when the identity type is unknown or a
    /// service principal, and when the cluster's deployment has parts akslint did
    /// not read (a Terraform module, a resource with an unknown `count`, an
    /// expression the template evaluator gave up on). Assignments of other
    /// deployments count for the error when their scope could cover the resource;
    /// the warning looks at the cluster's own deployment only.
    /// Assignments to the kubelet identity do not count: AKS uses the
    /// control-plane identity to join subnets and program route tables.
    ///
    /// ## Why it matters
    /// AKS joins the node, pod and API server subnets and writes the kubenet
    /// routes with the cluster's control-plane identity. Without
    /// `Microsoft.Network/virtualNetworks/subnets/join/action` (Network
    /// Contributor) over the subnet, or rights on the route table, the
    /// operations AKS runs in them with that identity (scaling node pools,
    /// internal load balancers, kubenet routes) are refused as unauthorized
    /// (F-071). The Azure CLI adds the Network Contributor
    /// assignment itself when it creates a cluster in your subnet; an ARM
    /// template, Bicep or Terraform deployment does not: you assign the role to
    /// the identity's principal ID yourself, and with a system-assigned identity
    /// that ID exists only once the cluster does, so a user-assigned identity
    /// granted before creation is recommended (Microsoft Learn: "Use a managed
    /// identity in AKS", <https://learn.microsoft.com/azure/aks/use-managed-identity>;
    /// "Azure built-in roles",
    /// <https://learn.microsoft.com/azure/role-based-access-control/built-in-roles>).
    /// Role assignments can take up to 60 minutes to take effect.
    ///
    /// ## How to fix
    /// Assign Network Contributor (`4d97b98b-1d4f-4787-a291-c67834d212e7`), or a
    /// custom role with `Microsoft.Network/virtualNetworks/subnets/join/action`,
    /// to the cluster's control-plane identity over the subnet or its VNet (and
    /// over the route table with kubenet). Prefer a user-assigned identity
    /// created and granted before the cluster.
    ///
    /// ## Example
    /// ```hcl
    /// resource "azurerm_role_assignment" "aks_network" {
    ///   scope                = azurerm_virtual_network.spoke.id
    ///   role_definition_name = "Network Contributor"
    ///   principal_id         = azurerm_user_assigned_identity.aks.principal_id
    /// }
    /// ```
    pub struct IdentityNetworkRightsMissing {
        code: "AKS307",
        name: "identity-network-rights-missing",
        category: Compatibility,
        severity: Error,
        summary: "The cluster identity has no Network Contributor (or subnets/join/action) over its subnets or kubenet route table",
    }
}

impl Rule for IdentityNetworkRightsMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let index = ByPrincipal::build(inv);
        for (ci, cluster) in inv.clusters.iter().enumerate() {
            let Some(identity) = Identity::of(cluster) else {
                continue;
            };
            let scope = inv.scopes.clusters.get(ci).copied().unwrap_or_default();
            if inv.scopes.incomplete(scope) {
                continue;
            }
            let needs = needs(inv, ci);
            if needs.is_empty() {
                continue;
            }
            let judge = Judge {
                inv,
                identity: &identity,
                scope,
                candidates: index.candidates(&identity),
            };
            let own: Vec<usize> = judge
                .candidates
                .iter()
                .copied()
                .filter(|&a| judge.principal(a) == Tri::Yes)
                .collect();
            if own.is_empty() {
                warn_unassigned(cx, &judge, cluster, &needs);
            } else if judge.owns_identity() && judge.listing_may_be_whole(&own) {
                for need in needs.iter().filter(|n| n.among_inputs) {
                    if !judge.may_be_granted(need) {
                        report_missing(cx, inv, cluster, &identity, need, &own);
                    }
                }
            }
        }
    }
}

/// The cluster's control-plane identity as the inputs describe it.
enum Identity<'a> {
    System {
        cluster: Option<&'a ResourceId>,
        principal: Option<&'a str>,
    },
    User {
        ids: Vec<&'a ResourceId>,
        principals: Vec<&'a str>,
    },
}

impl<'a> Identity<'a> {
    /// `None` for a service principal, or when the type or an identity id is unknown.
    fn of(cluster: &'a Cluster) -> Option<Identity<'a>> {
        let kind = cluster.identity_type.known()?.to_ascii_lowercase();
        match kind.as_str() {
            "systemassigned" => Some(Identity::System {
                cluster: cluster.id.as_ref(),
                principal: cluster.principal_id.known().map(String::as_str),
            }),
            "userassigned" => {
                let ids: Option<Vec<&ResourceId>> = cluster
                    .user_assigned_identity_ids
                    .iter()
                    .map(Field::known)
                    .collect();
                let ids = ids.filter(|i| !i.is_empty())?;
                let principals = cluster
                    .user_assigned_principal_ids
                    .iter()
                    .filter_map(|p| p.known().map(String::as_str))
                    .collect();
                Some(Identity::User { ids, principals })
            }
            _ => None,
        }
    }

    fn is_system(&self) -> bool {
        matches!(self, Identity::System { .. })
    }

    /// The identity's object ids, when the inputs state every one of them.
    fn object_ids(&self) -> Option<Vec<&'a str>> {
        match self {
            Identity::System { principal, .. } => principal.map(|p| vec![p]),
            Identity::User { ids, principals } => {
                (principals.len() == ids.len()).then(|| principals.clone())
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Identity::System { .. } => "system-assigned identity".into(),
            Identity::User { ids, .. } => {
                let names: Vec<String> = ids.iter().map(|i| format!("`{}`", i.name())).collect();
                format!("user-assigned identity {}", names.join(", "))
            }
        }
    }
}

/// A subnet or route table the control-plane identity needs rights on.
struct Need {
    what: &'static str,
    /// The scopes that cover it, for messages.
    covered_by: &'static str,
    /// The action a custom role must allow on it.
    action: &'static str,
    id: ResourceId,
    /// The reference a person edits (the pool's `vnetSubnetID`, …).
    at: Span,
    /// The resource is among the inputs (the error needs it; the warning does not).
    among_inputs: bool,
}

const SUBNET_SCOPES: &str = "the subnet, its VNet, resource group or subscription";

/// The cluster's own subnets and, on kubenet, their route table; each once.
fn needs(inv: &Inventory, ci: ClusterIdx) -> Vec<Need> {
    let cluster = &inv.clusters[ci];
    let mut out: Vec<Need> = Vec::new();
    let mut push = |need: Need| {
        if !out.iter().any(|n| n.id.key() == need.id.key()) {
            out.push(need);
        }
    };
    for (_, pool) in inv.cluster_pools(ci) {
        for (what, field, linked) in [
            ("node subnet", &pool.vnet_subnet_id, pool.subnet),
            ("pod subnet", &pool.pod_subnet_id, pool.pod_subnet),
        ] {
            if let Field::Known(id, at) = field {
                push(Need {
                    what,
                    covered_by: SUBNET_SCOPES,
                    action: SUBNET_JOIN,
                    id: id.clone(),
                    at: *at,
                    among_inputs: linked.is_some(),
                });
            }
        }
        let table = pool
            .subnet
            .map(|s| &inv.subnets[s])
            .filter(|_| cluster.ipam_mode == Some(IpamMode::Kubenet));
        if let Some(subnet) = table {
            if let (Some(rt), Field::Known(id, at)) = (subnet.route_table, &subnet.route_table_id) {
                push(Need {
                    what: "kubenet route table",
                    covered_by: "the route table, its resource group or subscription",
                    action: ROUTE_WRITE,
                    id: inv.route_tables[rt]
                        .id
                        .clone()
                        .unwrap_or_else(|| id.clone()),
                    at: *at,
                    among_inputs: true,
                });
            }
        }
    }
    if matches!(cluster.api_server.vnet_integration, Field::Known(true, _)) {
        if let Field::Known(id, at) = &cluster.api_server.subnet_id {
            push(Need {
                what: "API server subnet",
                covered_by: SUBNET_SCOPES,
                action: SUBNET_JOIN,
                id: id.clone(),
                at: *at,
                among_inputs: cluster.api_server_subnet.is_some(),
            });
        }
    }
    out
}

/// Role assignments by principal, so that an estate of clusters and
/// assignments is not compared pairwise: object ids in a map, the rest
/// (references, unknown principals) in a list every cluster looks through.
struct ByPrincipal {
    objects: HashMap<String, Vec<usize>>,
    all_objects: Vec<usize>,
    rest: Vec<usize>,
}

impl ByPrincipal {
    fn build(inv: &Inventory) -> ByPrincipal {
        let mut index = ByPrincipal {
            objects: HashMap::new(),
            all_objects: Vec::new(),
            rest: Vec::new(),
        };
        for (a, r) in inv.role_assignments.iter().enumerate() {
            match r.principal.known() {
                Some(Principal::Object(o)) => {
                    index.objects.entry(o.clone()).or_default().push(a);
                    index.all_objects.push(a);
                }
                _ => index.rest.push(a),
            }
        }
        index
    }

    /// The assignments that may be for the identity (in input order): every
    /// object id when the identity's are not known, else only its own.
    fn candidates(&self, identity: &Identity<'_>) -> Vec<usize> {
        let mut out = self.rest.clone();
        match identity.object_ids() {
            Some(ids) => {
                for id in ids {
                    let key = id.to_ascii_lowercase();
                    out.extend(self.objects.get(&key).into_iter().flatten());
                }
            }
            None => out.extend(&self.all_objects),
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Answers about role assignments for one cluster's identity.
struct Judge<'a> {
    inv: &'a Inventory,
    identity: &'a Identity<'a>,
    /// The cluster's scope: references and placeholders mean the same only there.
    scope: ScopeId,
    /// The assignments that may be for the identity ([`ByPrincipal::candidates`]).
    candidates: Vec<usize>,
}

impl Judge<'_> {
    fn same_scope(&self, a: usize) -> bool {
        self.inv
            .scopes
            .role_assignments
            .get(a)
            .copied()
            .unwrap_or_default()
            == self.scope
    }

    /// Whether assignment `a` is for the cluster's control-plane identity.
    fn principal(&self, a: usize) -> Tri {
        let same = self.same_scope(a);
        match &self.inv.role_assignments[a].principal {
            Field::Known(p, _) => self.matches(p, same),
            _ => Tri::Maybe,
        }
    }

    fn matches(&self, p: &Principal, same_scope: bool) -> Tri {
        match (p, self.identity) {
            (Principal::Object(o), _) => match self.identity.object_ids() {
                Some(ids) if ids.iter().any(|i| i.eq_ignore_ascii_case(o)) => Tri::Yes,
                Some(_) => Tri::No,
                None => Tri::Maybe,
            },
            (Principal::ClusterIdentity(id), Identity::System { cluster, .. }) => {
                cluster.map_or(Tri::Maybe, |c| same_resource(id, c, same_scope))
            }
            (Principal::UserAssigned(id), Identity::User { ids, .. }) => ids
                .iter()
                .map(|i| same_resource(id, i, same_scope))
                .fold(Tri::No, |acc, t| match (acc, t) {
                    (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
                    (Tri::Maybe, _) | (_, Tri::Maybe) => Tri::Maybe,
                    _ => Tri::No,
                }),
            (Principal::SomeUserAssigned, Identity::User { .. }) => Tri::Maybe,
            // The kubelet identity, or the other kind of identity.
            _ => Tri::No,
        }
    }

    /// True when some assignment that could be the identity's could grant the
    /// needed action over the resource.
    fn may_be_granted(&self, need: &Need) -> bool {
        self.candidates.iter().any(|&a| {
            let r = &self.inv.role_assignments[a];
            let same = self.same_scope(a);
            self.principal(a)
                .and(scope_covers(&r.scope, &need.id, same))
                .and(self.role_grants(a, need.action))
                != Tri::No
        })
    }

    /// Whether assignment `a`'s role allows `action`: a built-in role akslint
    /// knows, else the custom role definitions among the inputs that it names
    /// (a Terraform address only in the assignment's own deployment).
    fn role_grants(&self, a: usize, action: &str) -> Tri {
        let r = &self.inv.role_assignments[a];
        let builtin = role_grants_join(&r.role);
        let Some(role) = r.role.known().filter(|_| builtin == Tri::Maybe) else {
            return builtin;
        };
        let assigned_in = self.inv.scopes.role_assignments.get(a);
        let verdicts: Vec<Tri> = self
            .inv
            .role_definitions
            .iter()
            .enumerate()
            .filter(|(d, def)| {
                def.named_by(role)
                    && (!role.starts_with("def:")
                        || self.inv.scopes.role_definitions.get(*d) == assigned_in)
            })
            .map(|(_, def)| def.grants(action))
            .collect();
        match verdicts.split_first() {
            Some((first, rest)) if rest.iter().all(|v| v == first) => *first,
            _ => Tri::Maybe,
        }
    }

    /// Whether the inputs can hold all the identity's rights: a template or
    /// Terraform configuration must create a user-assigned identity itself (one
    /// made elsewhere may be granted elsewhere); a system-assigned identity comes
    /// with the cluster; exports list assignments by object id.
    fn owns_identity(&self) -> bool {
        let Identity::User { ids, .. } = self.identity else {
            return true;
        };
        let kind = self.inv.scopes.kind(self.scope);
        if !matches!(kind, ScopeKind::ArmDeployment | ScopeKind::Terraform) {
            return true;
        }
        let scopes = &self.inv.scopes.managed_identities;
        ids.iter().all(|id| {
            self.inv
                .managed_identities
                .iter()
                .enumerate()
                .any(|(m, mi)| {
                    scopes.get(m) == Some(&self.scope)
                        && mi.id.as_ref().is_some_and(|x| x.key() == id.key())
                })
        })
    }

    /// An export whose assignments of the identity all sit at subscription scope
    /// or above may be `az role assignment list` without `--all`, which shows
    /// nothing narrower: only an assignment below the subscription shows that
    /// the listing reaches resource groups and resources.
    fn listing_may_be_whole(&self, own: &[usize]) -> bool {
        let kind = self.inv.scopes.kind(self.scope);
        if matches!(kind, ScopeKind::ArmDeployment | ScopeKind::Terraform) {
            return true;
        }
        own.iter().any(|&a| {
            self.inv.role_assignments[a]
                .scope
                .known()
                .is_some_and(|s| s.contains("/resourcegroups/"))
        })
    }

    /// True when some assignment of the cluster's own deployment could be for the identity.
    fn any_here_could_be_for(&self) -> bool {
        self.candidates
            .iter()
            .copied()
            .any(|a| self.same_scope(a) && self.principal(a) != Tri::No)
    }
}

/// Two ids of one resource: equal keys in one scope; elsewhere an id with
/// placeholders or markers could be any resource its pattern matches.
fn same_resource(a: &ResourceId, b: &ResourceId, same_scope: bool) -> Tri {
    if a.key() == b.key() && (same_scope || is_literal(a)) {
        return Tri::Yes;
    }
    if is_literal(a) && is_literal(b) {
        return Tri::No;
    }
    // One template may spell an id with `{subscriptionId}` here and literally there.
    if same_scope {
        return if a.matches(b) { Tri::Maybe } else { Tri::No };
    }
    let alike = a.matches(b)
        || (a.resource_type() == b.resource_type() && a.name().eq_ignore_ascii_case(b.name()));
    if alike {
        Tri::Maybe
    } else {
        Tri::No
    }
}

fn report_missing(
    cx: &mut Context<'_>,
    inv: &Inventory,
    cluster: &Cluster,
    identity: &Identity<'_>,
    need: &Need,
    own: &[usize],
) {
    let d = cx.report(
        need.at,
        format!(
            "the {} of cluster `{}` has role assignments among the inputs, but none grants Network Contributor (or subnets/join/action) over its {} `{}` ({})",
            identity.describe(),
            cluster_name(cluster),
            need.what,
            need.id.name(),
            need.covered_by
        ),
        format!("the cluster identity has no rights on this {}", need.what),
    );
    for &a in own.iter().take(3) {
        let r = &inv.role_assignments[a];
        let at = r.scope.span().unwrap_or(r.decl);
        d.labels.push(Label::new(
            at,
            "the identity's role assignment, over another scope",
        ));
    }
    d.help = Some(format!(
        "assign Network Contributor (or a custom role with Microsoft.Network/virtualNetworks/subnets/join/action) to the cluster's control-plane identity over the {} or a scope that holds it (F-071)",
        need.what
    ));
    d.resource = Some(cluster.address.clone());
}

/// A template or configuration that creates a BYO-subnet cluster with a
/// system-assigned identity and assigns that identity nothing.
fn warn_unassigned(cx: &mut Context<'_>, judge: &Judge<'_>, cluster: &Cluster, needs: &[Need]) {
    let kind = judge.inv.scopes.kind(judge.scope);
    let creates = matches!(kind, ScopeKind::ArmDeployment | ScopeKind::Terraform);
    if !creates || !judge.identity.is_system() || judge.any_here_could_be_for() {
        return;
    }
    let Some(subnet) = needs.iter().find(|n| n.what == "node subnet") else {
        return;
    };
    let at = cluster.identity_type.span().unwrap_or(cluster.decl);
    let d = cx.report_at(
        Severity::Warning,
        at,
        format!(
            "cluster `{}` uses a system-assigned identity and places nodes in its own (bring-your-own) subnet `{}`, and this deployment assigns that identity no role; unlike `az aks create`, a template or Terraform deployment does not grant it Network Contributor on the subnet",
            cluster_name(cluster),
            subnet.id.name()
        ),
        "system-assigned identity without a role assignment",
    );
    d.labels
        .push(Label::new(subnet.at, "a bring-your-own subnet"));
    d.help = Some(
        "use a user-assigned identity granted Network Contributor over the subnet or VNet before the cluster is created, or assign the role to the cluster's identity.principalId in the same deployment (F-071)"
            .into(),
    );
    d.resource = Some(cluster.address.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::check;

    const VNET: &str = r#"{"id":"/subscriptions/0/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1",
        "name":"vnet1","type":"Microsoft.Network/virtualNetworks",
        "properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},
        "subnets":[{"id":"/subscriptions/0/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/nodes",
          "name":"nodes","properties":{"addressPrefix":"10.0.0.0/22"}}]}}"#;

    fn cluster(principal: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
            "identity":{{"type":"SystemAssigned","principalId":"{principal}"}},
            "properties":{{"kubernetesVersion":"1.31.5","networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay"}},
            "agentPoolProfiles":[{{"name":"sys","count":1,
              "vnetSubnetID":"/subscriptions/0/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/nodes"}}]}}}}"#
        )
    }

    fn assignment(scope: &str, role: &str, principal: &str) -> String {
        format!(
            r#"{{"id":"{scope}/providers/Microsoft.Authorization/roleAssignments/{role}{principal}",
            "type":"Microsoft.Authorization/roleAssignments","name":"x",
            "properties":{{"roleDefinitionId":"/subscriptions/0/providers/Microsoft.Authorization/roleDefinitions/{role}",
              "principalId":"{principal}","scope":"{scope}"}}}}"#
        )
    }

    const NC: &str = "4d97b98b-1d4f-4787-a291-c67834d212e7";
    const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
    const P: &str = "11111111-1111-1111-1111-111111111111";

    #[test]
    fn an_export_with_network_contributor_on_the_vnet_passes() {
        let c = cluster(P);
        let a = assignment(
            "/subscriptions/0/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1",
            NC,
            P,
        );
        assert!(check(&IdentityNetworkRightsMissing, &[&c, VNET, &a])
            .1
            .is_empty());
    }

    #[test]
    fn an_export_with_rights_elsewhere_only_fails() {
        let c = cluster(P);
        let wrong_group = assignment("/subscriptions/0/resourceGroups/rg", NC, P);
        let reader = assignment("/subscriptions/0", READER, P);
        let other = assignment(
            "/subscriptions/0",
            NC,
            "22222222-2222-2222-2222-222222222222",
        );
        let (_, found) = check(
            &IdentityNetworkRightsMissing,
            &[&c, VNET, &wrong_group, &reader, &other],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.contains("node subnet `nodes`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn an_unknown_role_keeps_it_silent() {
        let c = cluster(P);
        let custom = assignment(
            "/subscriptions/0/resourceGroups/rg-net",
            "99999999-9999-9999-9999-999999999999",
            P,
        );
        assert!(check(&IdentityNetworkRightsMissing, &[&c, VNET, &custom])
            .1
            .is_empty());
    }

    #[test]
    fn a_custom_role_definition_among_the_inputs_decides() {
        let c = cluster(P);
        let custom = "99999999-9999-9999-9999-999999999999";
        let a = assignment("/subscriptions/0/resourceGroups/rg-net", custom, P);
        let definition = |actions: &str| {
            format!(
                r#"{{"id":"/subscriptions/0/providers/Microsoft.Authorization/roleDefinitions/{custom}",
                "type":"Microsoft.Authorization/roleDefinitions","name":"{custom}",
                "properties":{{"roleName":"Subnet reader","permissions":[{{"actions":[{actions}],"notActions":[]}}]}}}}"#
            )
        };
        let read = definition(r#""Microsoft.Network/virtualNetworks/subnets/read""#);
        let (_, found) = check(&IdentityNetworkRightsMissing, &[&c, VNET, &a, &read]);
        assert_eq!(found.len(), 1, "{found:?}");
        let join = definition(r#""Microsoft.Network/virtualNetworks/subnets/join/action""#);
        assert!(check(&IdentityNetworkRightsMissing, &[&c, VNET, &a, &join])
            .1
            .is_empty());
    }

    #[test]
    fn subscription_wide_assignments_alone_may_be_a_partial_listing() {
        // `az role assignment list` without `--all` shows only these.
        let c = cluster(P);
        let reader = assignment("/subscriptions/0", READER, P);
        assert!(check(&IdentityNetworkRightsMissing, &[&c, VNET, &reader])
            .1
            .is_empty());
    }

    #[test]
    fn no_assignment_in_an_export_is_not_judged() {
        let c = cluster(P);
        assert!(check(&IdentityNetworkRightsMissing, &[&c, VNET])
            .1
            .is_empty());
    }
}
