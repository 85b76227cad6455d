//! Ingest: one module per input family turns spanned nodes into the model.
//! Formats are told apart by content, never by file name.

pub mod arm;
pub mod azure;
pub mod bicep;
pub mod budget;
pub mod inputs;
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
    items.into_iter().map(|item| ingest_row(b, item)).sum()
}

/// One row of a list or export: the resource, with the children an export
/// nests in it, when it looks like one. Returns how many were read.
pub fn ingest_row(b: &mut InventoryBuilder, item: &Node) -> usize {
    if !azure::looks_like_resource(item) {
        return 0;
    }
    let r = azure::Resource::from_node(item, None, None);
    azure::ingest(b, &r);
    1 + ingest_children(b, &r, 0)
}

/// How deep exported child resources are followed (Azure nests at most a few levels).
const MAX_CHILD_DEPTH: usize = 8;

/// Child resources that an export nests in its parent's `resources` array (the
/// shape PSRule's exporter and some portal exports write: subnets under their
/// VNet, agent pools under their cluster). Each child's own id decides its
/// type when it has one — exporters label extension resources such as
/// diagnostic settings with the parent's type; otherwise a relative type
/// (`subnets`) extends the parent's and the id is built from the parent's.
fn ingest_children(b: &mut InventoryBuilder, parent: &azure::Resource<'_>, depth: usize) -> usize {
    let Some(children) = parent.node.get("resources").and_then(Node::as_array) else {
        return 0;
    };
    if depth >= MAX_CHILD_DEPTH {
        return 0;
    }
    let mut n = 0;
    for child in children {
        let Some(r) = child_resource(parent, child) else {
            continue;
        };
        azure::ingest(b, &r);
        n += 1 + ingest_children(b, &r, depth + 1);
    }
    n
}

fn child_resource<'a>(
    parent: &azure::Resource<'_>,
    child: &'a Node,
) -> Option<azure::Resource<'a>> {
    let own_id = ["id", "resourceId"].iter().find_map(|k| {
        child
            .get(k)
            .and_then(Node::as_str)
            .and_then(ResourceId::parse)
    });
    if let Some(id) = own_id {
        let ty = id.resource_type();
        return Some(azure::Resource::from_node(child, Some(&ty), Some(id)));
    }
    let declared = ["type", "resourceType"]
        .iter()
        .find_map(|k| child.get(k).and_then(Node::as_str))?;
    let name = child.get("name").and_then(Node::as_str)?;
    // A relative type (`subnets`) or the full one (`Microsoft.Network/virtualNetworks/subnets`).
    let prefix = format!("{}/", parent.resource_type);
    let (full, segment) = if declared.contains('/') {
        let segment = declared.get(prefix.len()..).filter(|_| {
            declared.len() > prefix.len() && declared[..prefix.len()].eq_ignore_ascii_case(&prefix)
        })?;
        (declared.to_string(), segment.to_string())
    } else {
        (format!("{prefix}{declared}"), declared.to_string())
    };
    if segment.contains('/') {
        return None;
    }
    // `vnet/snet` as ARM writes a child's name: the last segment is the child's own.
    let own_name = name.rsplit('/').next().unwrap_or(name);
    let id = parent.id.as_ref().and_then(|p| p.child(&segment, own_name));
    Some(azure::Resource::from_node(child, Some(&full), id))
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
