//! ARM templates: evaluates a deploymentTemplate (exported, hand-written or compiled from
//! Bicep) into the resources it deploys, with expressions evaluated as far as they can be
//! before deployment. Whatever depends on the deployment itself becomes
//! [`NodeKind::Unknown`](crate::syntax::NodeKind::Unknown); the subscription id and resource
//! group name become the placeholders `{subscriptionId}` and `{resourceGroup}`.

mod cidr;
mod eval;
mod expr;
mod functions;
mod ids;
mod template;
mod value;

use crate::source::Span;
use crate::syntax::Node;

pub use value::{RESOURCE_GROUP_PLACEHOLDER, SUBSCRIPTION_PLACEHOLDER};

/// One resource a template deploys.
#[derive(Clone, Debug, PartialEq)]
pub struct ArmResource {
    /// Fully qualified type, e.g. `Microsoft.Network/virtualNetworks/subnets`, as written.
    pub resource_type: String,
    /// The evaluated resource object: `type` and `name` hold the fully qualified forms
    /// (`vnet1/subnet1`), every expression string is replaced by its value (or an Unknown),
    /// and nested child resources are removed (they are emitted on their own).
    pub node: Node,
    /// `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/...`, with the
    /// placeholders where the deployment scope is unknown; `None` when the name is unknown.
    pub id: Option<String>,
    /// The resource object in the template.
    pub decl: Span,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TemplateOutput {
    pub resources: Vec<ArmResource>,
    /// Parts that were not evaluated, for debugging (not diagnostics).
    pub notes: Vec<(Span, String)>,
}

fn schema(root: &Node) -> String {
    root.get("$schema")
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// A deployment template: its `$schema` says so, or it has the shape of one.
pub fn is_template(root: &Node) -> bool {
    if root.as_object().is_none() {
        return false;
    }
    let schema = schema(root);
    if schema.contains("deploymenttemplate") {
        return true;
    }
    if schema.contains("deploymentparameters") {
        return false;
    }
    root.get("resources").is_some()
        && ["contentVersion", "parameters", "variables"]
            .iter()
            .any(|k| root.get(k).is_some())
}

/// A deployment parameter file: its `$schema` says so, or it is `{contentVersion, parameters}`
/// without resources.
pub fn is_parameter_file(root: &Node) -> bool {
    if root.as_object().is_none() {
        return false;
    }
    let schema = schema(root);
    if schema.contains("deploymentparameters") {
        return true;
    }
    !schema.contains("deploymenttemplate")
        && root.get("resources").is_none()
        && root.get("contentVersion").is_some()
        && root.get("parameters").and_then(Node::as_object).is_some()
}

/// Value a parameter file gives to `name`: `{"value": ...}`, or Unknown for a Key Vault
/// `reference`. Later files win.
fn given_value(files: &[&Node], name: &str) -> Option<Node> {
    files.iter().rev().find_map(|f| {
        let entry = f.get("parameters")?.get(name)?;
        Some(match entry.get("value") {
            Some(v) => v.clone(),
            None => Node::unknown(
                entry.span,
                "parameter value comes from a Key Vault reference",
            ),
        })
    })
}

/// Evaluates a template with the given parameter files (later files override earlier ones).
pub fn evaluate_template(root: &Node, parameter_files: &[&Node]) -> TemplateOutput {
    let shared = eval::Shared::new();
    let mut scope = eval::TemplateScope::default();
    template::declare_params(root, &mut scope.params, |name| {
        given_value(parameter_files, name)
    });
    template::declare_vars(root, &mut scope.vars);
    let deploy = template::root_deploy(root);
    let ctx = eval::Ctx {
        tpl: &scope,
        deploy: &deploy,
        copies: &[],
        shared: &shared,
    };
    let mut resources = Vec::new();
    template::walk_template(root, ctx, &mut resources, 0);
    TemplateOutput {
        resources,
        notes: shared.notes.into_inner(),
    }
}

#[cfg(test)]
mod corpus_tests {
    use super::*;
    use crate::source::FileId;
    use std::path::{Path, PathBuf};

    fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                json_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }

    /// Every template in the shared corpus evaluates, and clusters are found where declared.
    #[test]
    fn evaluates_every_corpus_template() {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
        if !dir.is_dir() {
            eprintln!("corpus not found at {}; skipping", dir.display());
            return;
        }
        let mut files = Vec::new();
        json_files(dir, &mut files);
        files.sort();
        let (mut templates, mut resources, mut clusters) = (0, 0, 0);
        for (i, path) in files.iter().enumerate() {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let text = crate::source::strip_bom(text);
            let Ok(root) = crate::syntax::json::parse(FileId(i as u32), &text) else {
                continue;
            };
            if !is_template(&root) {
                continue;
            }
            templates += 1;
            let start = std::time::Instant::now();
            let out = evaluate_template(&root, &[]);
            let found = out
                .resources
                .iter()
                .filter(|r| {
                    r.resource_type
                        .eq_ignore_ascii_case("Microsoft.ContainerService/managedClusters")
                })
                .count();
            eprintln!(
                "{}: {} resources, {} clusters, {} notes, {:?}",
                path.display(),
                out.resources.len(),
                found,
                out.notes.len(),
                start.elapsed()
            );
            if text.contains("Microsoft.ContainerService/managedClusters\"") {
                assert!(
                    found > 0,
                    "{}: no managedClusters resource emitted; notes: {:?}",
                    path.display(),
                    out.notes
                );
            }
            resources += out.resources.len();
            clusters += found;
        }
        eprintln!(
            "corpus: {templates} templates, {resources} resources, {clusters} managedClusters"
        );
        assert!(templates > 0);
    }
}
