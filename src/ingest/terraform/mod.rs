//! Terraform (plan/state JSON, HCL, `.tf.json`, Terraform-shaped YAML) and
//! Crossplane's Terraform-derived resources meet here: every front-end produces
//! [`TfResource`]s, and [`ingest_tf`] maps the azurerm/azapi types into the model.
//!
//! INTERFACE CONTRACT (shared by the front-ends):
//! * `values` holds the resource's attributes with Terraform's snake_case names;
//!   nested blocks are objects or arrays of objects (`default_node_pool`, `subnet`,
//!   `network_profile`); values not known before apply are `NodeKind::Unknown`.
//! * `refs` lists what the configuration says an attribute refers to, as
//!   (attribute path, target address): (`"default_node_pool.vnet_subnet_id"`,
//!   `"azurerm_subnet.nodes"`); paths are dotted attribute names without list
//!   indices; target addresses are the `address` of another `TfResource` of the
//!   same ingest call (module prefixes included: `module.net.azurerm_subnet.nodes`).
//! * `address` is unique within one `ingest_tf` call.

use crate::model::InventoryBuilder;
use crate::source::Span;
use crate::syntax::Node;

pub mod hcl;

/// One Terraform-shaped resource, from whichever front-end.
#[derive(Clone, Debug)]
pub struct TfResource {
    /// `azurerm_kubernetes_cluster`, `azapi_resource`, …
    pub resource_type: String,
    /// `module.aks.azurerm_kubernetes_cluster.main`, `azurerm_subnet.nodes["a"]`,
    /// or `Subnet/my-subnet` for Crossplane.
    pub address: String,
    pub values: Node,
    /// The resource's block or object, for diagnostics about the whole resource.
    pub decl: Span,
    pub refs: Vec<(String, String)>,
}

/// Maps a set of Terraform-shaped resources into the model. References are
/// resolved within the set, so call it once per configuration/plan/stream.
pub fn ingest_tf(b: &mut InventoryBuilder, resources: &[TfResource]) {
    // Filled in by the azurerm mapping (src/ingest/terraform/azurerm.rs).
    for _ in resources {
        b.count_other();
    }
}
