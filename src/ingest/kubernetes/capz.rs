//! Cluster API Provider Azure. Its ASO-based kinds embed complete ASO
//! resources in `spec.resources`, which are read as ASO manifests.

use super::Manifest;
use crate::syntax::Node;

const ASO_CONTAINERS: &[&str] = &[
    "AzureASOManagedControlPlane",
    "AzureASOManagedCluster",
    "AzureASOManagedMachinePool",
];

/// The resources embedded in a CAPZ object.
pub(super) fn embedded(m: &Manifest<'_>) -> Vec<Node> {
    if m.group != "infrastructure.cluster.x-k8s.io" || !m.is_kind(ASO_CONTAINERS) {
        return Vec::new();
    }
    let resources = m.spec().and_then(|s| s.get("resources"));
    resources
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .filter(|r| super::is_manifest(r))
        .cloned()
        .collect()
}
