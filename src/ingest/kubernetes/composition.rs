//! Crossplane Compositions: their resource templates (`base`) that are Azure
//! managed resources are read like manifests. A field a patch writes is
//! unknown, since its value comes from the composite resource at run time.

use super::tree::{self, parse_field_path, set_path};
use super::{is_azure, Manifest, Origin};
use crate::syntax::Node;

pub(super) fn is_composition(m: &Manifest<'_>) -> bool {
    m.group == "apiextensions.crossplane.io" && m.is_kind(&["Composition"])
}

/// The Azure resource templates of a Composition, patched fields unknown.
pub(super) fn bases(m: &Manifest<'_>) -> Vec<(Node, Origin)> {
    let Some(spec) = m.spec() else {
        return Vec::new();
    };
    let composition = m.name_text().unwrap_or("?");
    let mut out = Vec::new();
    // `mode: Resources` keeps them in the spec; `mode: Pipeline` in the input
    // of function-patch-and-transform steps.
    let mut inputs = vec![spec];
    let steps = spec.get("pipeline").and_then(Node::as_array);
    inputs.extend(
        steps
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.get("input")),
    );
    for input in inputs {
        let resources = input.get("resources").and_then(Node::as_array);
        for (i, r) in resources.unwrap_or_default().iter().enumerate() {
            if let Some(base) = patched_base(r, input.get("patchSets")) {
                let resource = tree::text(r.get("name"))
                    .map_or_else(|| format!("resource{i}"), str::to_string);
                let origin = Origin::Composed {
                    composition: composition.to_string(),
                    resource,
                };
                out.push((base, origin));
            }
        }
    }
    out
}

fn patched_base(resource: &Node, patch_sets: Option<&Node>) -> Option<Node> {
    let base = resource.get("base")?;
    let m = Manifest::read(base, Origin::Embedded)?;
    if !is_azure(&m) {
        return None;
    }
    let mut node = base.clone();
    let patches = resource.get("patches").and_then(Node::as_array);
    for patch in patches.unwrap_or_default() {
        apply(&mut node, patch, patch_sets, 0);
    }
    Some(node)
}

/// Patch sets may not nest in Crossplane; the depth bound keeps a bad input finite.
const MAX_PATCH_SET_DEPTH: usize = 4;

fn apply(node: &mut Node, patch: &Node, patch_sets: Option<&Node>, depth: usize) {
    let kind = patch
        .get("type")
        .and_then(Node::as_str)
        .unwrap_or("FromCompositeFieldPath");
    match kind {
        "PatchSet" if depth < MAX_PATCH_SET_DEPTH => {
            let name = patch.get("patchSetName").and_then(Node::as_str);
            let set = patch_sets
                .and_then(Node::as_array)
                .unwrap_or_default()
                .iter()
                .find(|s| s.get("name").and_then(Node::as_str) == name);
            let patches = set.and_then(|s| s.get("patches")).and_then(Node::as_array);
            for p in patches.unwrap_or_default() {
                apply(node, p, patch_sets, depth + 1);
            }
        }
        "FromCompositeFieldPath"
        | "CombineFromComposite"
        | "FromEnvironmentFieldPath"
        | "CombineFromEnvironment" => {
            // `toFieldPath` defaults to `fromFieldPath`.
            let Some(to) = patch
                .get("toFieldPath")
                .or_else(|| patch.get("fromFieldPath"))
                .filter(|t| t.as_str().is_some_and(|s| !s.is_empty()))
            else {
                return;
            };
            let path = parse_field_path(to.as_str().unwrap_or_default());
            set_path(
                node,
                &path,
                Node::unknown(to.span, "set by a Composition patch"),
            );
        }
        // Patches towards the composite or the environment leave the resource alone.
        _ => {}
    }
}
