//! Ingest: one module per input family turns spanned nodes into the model.
//! Formats are told apart by content, never by file name.

pub mod arm;
pub mod azure;
pub mod bicep;
pub mod kubernetes;
pub mod terraform;
pub mod values;

use crate::model::{InventoryBuilder, ResourceId};
use crate::syntax::{Node, NodeKind};

/// What a parsed document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    /// An ARM deployment template (also `az group export` and portal exports).
    ArmTemplate,
    /// An ARM parameter file.
    ArmParameters,
    /// `az graph query` output: `{"count": …, "data": [rows]}`.
    ResourceGraph,
    /// One Azure resource (REST body, `az … show`) or a list of them
    /// (a JSON array, `az … list`, or a REST `{"value": [...]}` page).
    Resources,
    /// An `x-ms-examples` file from the REST API specs: the response body is a resource.
    RestExample,
    /// `terraform show -json` of a plan or a state.
    TerraformPlan,
    /// Terraform configuration as JSON (`.tf.json`) or Terraform-shaped YAML.
    TerraformConfig,
    /// A Kubernetes-style manifest (Crossplane, Azure Service Operator, CAPZ).
    KubernetesManifest,
    Unrecognized,
}

fn schema_contains(root: &Node, needle: &str) -> bool {
    root.get("$schema")
        .and_then(Node::as_str)
        .is_some_and(|s| s.to_ascii_lowercase().contains(needle))
}

pub fn classify(root: &Node) -> DocumentKind {
    if terraform::is_plan_or_state(root) {
        return DocumentKind::TerraformPlan;
    }
    if terraform::hcl::is_tf_json(root) {
        return DocumentKind::TerraformConfig;
    }
    let kind = classify_azure(root);
    if kind == DocumentKind::Unrecognized && kubernetes::is_manifest(root) {
        return DocumentKind::KubernetesManifest;
    }
    kind
}

fn classify_azure(root: &Node) -> DocumentKind {
    match &root.kind {
        NodeKind::Array(items) => {
            if items.iter().any(azure::looks_like_resource) {
                DocumentKind::Resources
            } else {
                DocumentKind::Unrecognized
            }
        }
        NodeKind::Object(_) => classify_object(root),
        _ => DocumentKind::Unrecognized,
    }
}

fn classify_object(root: &Node) -> DocumentKind {
    if schema_contains(root, "deploymenttemplate") {
        return DocumentKind::ArmTemplate;
    }
    if schema_contains(root, "deploymentparameters") {
        return DocumentKind::ArmParameters;
    }
    let has = |k: &str| root.get(k).is_some();
    if has("resources") && (has("contentVersion") || has("parameters") || has("variables")) {
        return DocumentKind::ArmTemplate;
    }
    if has("contentVersion") && has("parameters") {
        return DocumentKind::ArmParameters;
    }
    if root.get("data").and_then(Node::as_array).is_some() && has("count") {
        return DocumentKind::ResourceGraph;
    }
    if root
        .get("value")
        .and_then(Node::as_array)
        .is_some_and(|v| v.iter().any(azure::looks_like_resource))
    {
        return DocumentKind::Resources;
    }
    if rest_example_body(root).is_some() {
        return DocumentKind::RestExample;
    }
    if azure::looks_like_resource(root) {
        return DocumentKind::Resources;
    }
    DocumentKind::Unrecognized
}

/// The resource in an `x-ms-examples` file: the 200 (else 201) response body.
fn rest_example_body(root: &Node) -> Option<&Node> {
    let responses = root.get("responses")?;
    ["200", "201"]
        .iter()
        .find_map(|code| responses.get(code).and_then(|r| r.get("body")))
        .filter(|b| azure::looks_like_resource(b))
}

/// Adds the resources of a non-template document. Returns how many were read.
pub fn ingest_document(b: &mut InventoryBuilder, root: &Node, kind: DocumentKind) -> usize {
    let items: Vec<&Node> = match kind {
        DocumentKind::Resources => match &root.kind {
            NodeKind::Array(items) => items.iter().collect(),
            _ => match root.get("value").and_then(Node::as_array) {
                Some(items) if !azure::looks_like_resource(root) => items.iter().collect(),
                _ => vec![root],
            },
        },
        DocumentKind::ResourceGraph => root
            .get("data")
            .and_then(Node::as_array)
            .unwrap_or_default()
            .iter()
            .collect(),
        DocumentKind::RestExample => rest_example_body(root).into_iter().collect(),
        _ => Vec::new(),
    };
    let mut n = 0;
    for item in items.into_iter().filter(|i| azure::looks_like_resource(i)) {
        azure::ingest(b, &azure::Resource::from_node(item, None, None));
        n += 1;
    }
    n
}

/// Adds the resources an evaluated ARM template deploys.
pub fn ingest_template_output(b: &mut InventoryBuilder, out: &arm::TemplateOutput) {
    for r in &out.resources {
        let id = r.id.as_deref().and_then(ResourceId::parse);
        azure::ingest(
            b,
            &azure::Resource::from_node(&r.node, Some(&r.resource_type), id),
        );
    }
}
