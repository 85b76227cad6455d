//! AKS307 `identity-network-rights-missing` beyond its fixtures: when the
//! inputs cannot tell whether the cluster identity holds its network rights,
//! the rule stays silent.

mod common;

use std::path::Path;

/// A configuration creating a cluster with a system-assigned identity in its own subnet.
const SYSTEM_ASSIGNED: &str = r#"
resource "azurerm_resource_group" "aks" {
  name     = "rg-aks307-t"
  location = "westeurope"
}

resource "azurerm_virtual_network" "spoke" {
  name                = "vnet-aks307-t"
  location            = azurerm_resource_group.aks.location
  resource_group_name = azurerm_resource_group.aks.name
  address_space       = ["10.59.0.0/16"]
}

resource "azurerm_subnet" "nodes" {
  name                 = "snet-nodes"
  resource_group_name  = azurerm_resource_group.aks.name
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = ["10.59.0.0/22"]
}

resource "azurerm_kubernetes_cluster" "sys" {
  name                = "aks307-t"
  location            = azurerm_resource_group.aks.location
  resource_group_name = azurerm_resource_group.aks.name
  dns_prefix          = "aks307t"
  kubernetes_version  = "1.31.5"

  default_node_pool {
    name           = "system"
    vm_size        = "Standard_D4ds_v5"
    node_count     = 3
    vnet_subnet_id = azurerm_subnet.nodes.id
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
  }
}
"#;

/// AKS307 findings of a root module made of `main.tf` plus `extra`, as (severity,
/// line): line 32 is the pool's `vnet_subnet_id`, line 36 the identity `type`.
fn findings(extra: &str) -> Vec<(String, u64)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        format!("{SYSTEM_ASSIGNED}{extra}"),
    )
    .unwrap();
    run(dir.path())
}

fn run(dir: &Path) -> Vec<(String, u64)> {
    let o = common::akslint_in(
        dir,
        &["check", ".", "--select", "AKS307", "--format", "json"],
    );
    common::diagnostics(&o)
        .iter()
        .filter(|d| d["code"] == "AKS307")
        .map(|d| {
            (
                d["severity"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn a_system_assigned_identity_granted_nothing_is_a_warning() {
    assert_eq!(findings(""), vec![("warning".to_string(), 36)]);
}

#[test]
fn an_assignment_to_an_unknown_principal_may_be_the_identity() {
    let extra = r#"
variable "principal" {
  type = string
}

resource "azurerm_role_assignment" "maybe" {
  scope                = azurerm_virtual_network.spoke.id
  role_definition_name = "Network Contributor"
  principal_id         = var.principal
}
"#;
    assert_eq!(findings(extra), vec![]);
}

#[test]
fn a_module_not_evaluated_may_hold_the_assignment() {
    let extra = r#"
module "rbac" {
  source = "Azure/avm-res-authorization-roleassignment/azurerm"
}
"#;
    assert_eq!(findings(extra), vec![]);
}

#[test]
fn the_kubelet_identity_does_not_stand_in_for_the_cluster_identity() {
    let extra = r#"
resource "azurerm_role_assignment" "kubelet" {
  scope                = azurerm_virtual_network.spoke.id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_kubernetes_cluster.sys.kubelet_identity[0].object_id
}
"#;
    assert_eq!(findings(extra), vec![("warning".to_string(), 36)]);
}

#[test]
fn a_role_akslint_does_not_know_may_grant_join() {
    let extra = r#"
resource "azurerm_role_assignment" "custom" {
  scope                = azurerm_virtual_network.spoke.id
  role_definition_name = "Subnet Joiner"
  principal_id         = azurerm_kubernetes_cluster.sys.identity[0].principal_id
}
"#;
    assert_eq!(findings(extra), vec![]);
}

#[test]
fn a_known_role_over_another_scope_is_an_error() {
    let extra = r#"
resource "azurerm_role_assignment" "elsewhere" {
  scope                = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-other"
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_kubernetes_cluster.sys.identity[0].principal_id
}
"#;
    assert_eq!(findings(extra), vec![("error".to_string(), 32)]);
}

#[test]
fn a_user_assigned_identity_made_elsewhere_may_be_granted_elsewhere() {
    // The identity is read, not created: another deployment may grant it the VNet.
    let extra = r#"
data "azurerm_user_assigned_identity" "shared" {
  name                = "id-shared"
  resource_group_name = "rg-identities"
}

resource "azurerm_kubernetes_cluster" "uai" {
  name                = "aks307-t-uai"
  location            = azurerm_resource_group.aks.location
  resource_group_name = azurerm_resource_group.aks.name
  dns_prefix          = "aks307tuai"

  default_node_pool {
    name           = "system"
    vm_size        = "Standard_D4ds_v5"
    node_count     = 3
    vnet_subnet_id = azurerm_subnet.nodes.id
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [data.azurerm_user_assigned_identity.shared.id]
  }
}

resource "azurerm_role_assignment" "dns" {
  scope                = azurerm_resource_group.aks.id
  role_definition_name = "Reader"
  principal_id         = data.azurerm_user_assigned_identity.shared.principal_id
}
"#;
    // Only the system-assigned cluster's warning: the other identity is not judged.
    assert_eq!(findings(extra), vec![("warning".to_string(), 36)]);
    // Created here, the same identity's missing rights are an error.
    let created = extra
        .replace(
            "data \"azurerm_user_assigned_identity\" \"shared\" {",
            "resource \"azurerm_user_assigned_identity\" \"shared\" {\n  location = \"westeurope\"",
        )
        .replace(
            "data.azurerm_user_assigned_identity",
            "azurerm_user_assigned_identity",
        );
    // Line 61: the second cluster's `vnet_subnet_id`.
    assert_eq!(
        findings(&created),
        vec![("warning".to_string(), 36), ("error".to_string(), 61)]
    );
}

/// A custom role over the VNet, assigned to the system-assigned identity.
fn custom_role(actions: &str, not_actions: &str) -> String {
    format!(
        r#"
resource "azurerm_role_definition" "joiner" {{
  name  = "AKS subnet joiner"
  scope = azurerm_resource_group.aks.id

  permissions {{
    actions     = [{actions}]
    not_actions = [{not_actions}]
  }}
}}

resource "azurerm_role_assignment" "custom" {{
  scope              = azurerm_virtual_network.spoke.id
  role_definition_id = azurerm_role_definition.joiner.role_definition_resource_id
  principal_id       = azurerm_kubernetes_cluster.sys.identity[0].principal_id
}}
"#
    )
}

#[test]
fn a_custom_role_among_the_inputs_counts_by_its_actions() {
    let join = r#""Microsoft.Network/virtualNetworks/subnets/join/action", "Microsoft.Network/virtualNetworks/subnets/read""#;
    assert_eq!(findings(&custom_role(join, "")), vec![]);
    assert_eq!(
        findings(&custom_role(r#""Microsoft.Network/*""#, "")),
        vec![]
    );
    let read_only = r#""Microsoft.Network/virtualNetworks/subnets/read""#;
    assert_eq!(
        findings(&custom_role(read_only, "")),
        vec![("error".to_string(), 32)]
    );
    let taken_away = r#""Microsoft.Network/*/join/action""#;
    assert_eq!(
        findings(&custom_role(r#""*""#, taken_away)),
        vec![("error".to_string(), 32)]
    );
    // An action that cannot be evaluated may be the one.
    assert_eq!(findings(&custom_role(r#"var.extra"#, "")), vec![]);
}
