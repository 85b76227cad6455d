//! Kubernetes manifests that describe Azure resources: Crossplane's Azure
//! providers (upjet `*.azure.upbound.io` and the classic `*.azure.crossplane.io`),
//! Azure Service Operator v2 (`*.azure.com`) and Cluster API Provider Azure
//! (`AzureManagedControlPlane`/`AzureManagedMachinePool`, and the ASO
//! resources its `AzureASOManaged*` kinds embed). Manifests of one run are
//! read together, because they refer to each other by name, label or owner
//! across files and documents.
//!
//! Crossplane's upjet resources are Terraform azurerm resources in camelCase and
//! go through [`crate::ingest::terraform::ingest_tf`]; ASO's and the classic
//! provider's are ARM-shaped and go through [`crate::ingest::azure::ingest`].
//! Everything else (Deployments, Services, Kustomizations…) is skipped quietly.
//!
//! Values a tool fills in later are unknown, never guessed: Composition
//! patches, `${VAR}` template text (clusterctl, envsubst, uptest), references
//! to objects that are not among the inputs, label selectors that match none
//! or several. Not read: Composition functions other than patch-and-transform,
//! Kustomize overlays and Helm templates (not YAML until rendered), upjet's
//! `status.atProvider`, ASO's `…FromConfig` values, CAPZ's self-managed
//! `AzureCluster`, and objects whose spec the operator never writes (Crossplane
//! `managementPolicies: [Observe]`, ASO `reconcile-policy: skip`).

mod aso;
mod capz;
mod classic;
mod composition;
mod tree;
mod upjet;

use std::collections::HashMap;
use std::ops::Deref;

use crate::model::InventoryBuilder;
use crate::source::FileId;
use crate::syntax::Node;

/// True when a document is a Kubernetes object: it has `apiVersion` and `kind`,
/// and its API version is Kubernetes-style (`v1`, `apps/v1`, `…/v1api20201101`),
/// not ARM's date (an ARM resource may carry `apiVersion` and `kind` too).
pub fn is_manifest(root: &Node) -> bool {
    let kind = root.get("kind").and_then(Node::as_str);
    let version = root.get("apiVersion").and_then(Node::as_str);
    let (Some(kind), Some(version)) = (kind, version) else {
        return false;
    };
    let version = version.rsplit('/').next().unwrap_or(version);
    let mut chars = version.chars();
    !kind.is_empty()
        && chars.next() == Some('v')
        && chars.next().is_some_and(|c| c.is_ascii_digit())
}

/// Adds the Azure resources that the manifests of one run describe (pass every
/// manifest document of every file, so references across files resolve).
/// Returns how many Azure resources were read.
pub fn ingest_manifests(b: &mut InventoryBuilder, docs: &[&Node]) -> usize {
    with_manifests(docs, |all| {
        upjet::ingest(b, all) + classic::ingest(b, all) + aso::ingest(b, all) + capz::ingest(b, all)
    })
}

/// Calls `f` with every manifest among the documents and inside them.
fn with_manifests<R>(docs: &[&Node], f: impl FnOnce(&Manifests<'_>) -> R) -> R {
    // Resources embedded in other objects (Composition bases, CAPZ's ASO
    // resources) are copies, owned here and borrowed by the manifests below.
    let embedded: Vec<(Node, Origin)> = docs
        .iter()
        .copied()
        .filter(|d| is_manifest(d))
        .flat_map(embedded_resources)
        .collect();
    let mut all: Vec<Manifest<'_>> = docs
        .iter()
        .filter_map(|d| Manifest::read(d, Origin::Document))
        .collect();
    all.extend(
        embedded
            .iter()
            .filter_map(|(n, origin)| Manifest::read(n, origin.clone())),
    );
    f(&Manifests::new(all))
}

/// Every manifest of a run, indexed by kind and name: references are
/// resolved through hash maps, not by scanning.
pub(crate) struct Manifests<'a> {
    items: Vec<Manifest<'a>>,
    by_kind: HashMap<String, Vec<usize>>,
    by_name: HashMap<(String, String), Vec<usize>>,
}

impl<'a> Manifests<'a> {
    fn new(items: Vec<Manifest<'a>>) -> Manifests<'a> {
        let mut by_kind: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_name: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, m) in items.iter().enumerate() {
            let kind = m.kind.to_ascii_lowercase();
            if let Some(name) = m.name_text() {
                by_name
                    .entry((kind.clone(), name.to_string()))
                    .or_default()
                    .push(i);
            }
            by_kind.entry(kind).or_default().push(i);
        }
        Manifests {
            items,
            by_kind,
            by_name,
        }
    }

    /// The manifests of a kind (any group), with their positions.
    pub fn of_kind<'s>(
        &'s self,
        kind: &str,
    ) -> impl Iterator<Item = (usize, &'s Manifest<'a>)> + 's {
        let found = self.by_kind.get(&kind.to_ascii_lowercase());
        self.at(found)
    }

    /// The manifests of a kind (any group) with a `metadata.name`.
    pub fn named<'s>(
        &'s self,
        kind: &str,
        name: &str,
    ) -> impl Iterator<Item = (usize, &'s Manifest<'a>)> + 's {
        let found = self
            .by_name
            .get(&(kind.to_ascii_lowercase(), name.to_string()));
        self.at(found)
    }

    fn at<'s>(
        &'s self,
        found: Option<&'s Vec<usize>>,
    ) -> impl Iterator<Item = (usize, &'s Manifest<'a>)> + 's {
        found
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|&i| self.items.get(i).map(|m| (i, m)))
    }
}

impl<'a> Deref for Manifests<'a> {
    type Target = [Manifest<'a>];

    fn deref(&self) -> &[Manifest<'a>] {
        &self.items
    }
}

/// Crossplane managed resources of an Azure provider, and ASO resources.
pub(crate) fn is_azure(m: &Manifest<'_>) -> bool {
    upjet::is_upjet(m) || classic::is_classic(m) || aso::is_aso(m)
}

/// Where a manifest comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A document of its own.
    Document,
    /// A resource template of a Crossplane Composition: its name there and the
    /// composition's, which together stand in for the name it will get.
    Composed {
        composition: String,
        resource: String,
    },
    /// A resource embedded in another object (CAPZ's `spec.resources`).
    Embedded,
}

/// Resources that live inside another manifest.
fn embedded_resources(doc: &Node) -> Vec<(Node, Origin)> {
    let Some(m) = Manifest::read(doc, Origin::Document) else {
        return Vec::new();
    };
    if is_list(&m) {
        // `kubectl get … -o yaml` wraps the objects in a `v1/List`.
        let items = doc
            .get("items")
            .and_then(Node::as_array)
            .unwrap_or_default();
        return items
            .iter()
            .filter(|i| {
                is_manifest(i)
                    && !i
                        .get("kind")
                        .and_then(Node::as_str)
                        .is_some_and(|k| k.ends_with("List"))
            })
            .flat_map(|i| {
                let mut out = vec![(i.clone(), Origin::Document)];
                out.extend(embedded_resources(i));
                out
            })
            .collect();
    }
    if composition::is_composition(&m) {
        return composition::bases(&m);
    }
    capz::embedded(&m)
        .into_iter()
        .map(|n| (n, Origin::Embedded))
        .collect()
}

/// `v1/List` and the typed lists (`ManagedClusterList`) that kubectl prints.
fn is_list(m: &Manifest<'_>) -> bool {
    m.kind.ends_with("List") && m.node.get("items").is_some()
}

/// The Kubernetes identity of one object.
pub(crate) struct Manifest<'a> {
    pub node: &'a Node,
    /// API group, lowercase (`network.azure.upbound.io`; empty for the core group).
    pub group: String,
    pub kind: &'a str,
    /// `metadata.name`, when written.
    pub name: Option<&'a Node>,
    pub namespace: Option<&'a str>,
    pub origin: Origin,
}

impl<'a> Manifest<'a> {
    pub fn read(node: &'a Node, origin: Origin) -> Option<Manifest<'a>> {
        let api_version = node.get("apiVersion").and_then(Node::as_str)?;
        let kind = node.get("kind").and_then(Node::as_str)?;
        let group = match api_version.rsplit_once('/') {
            Some((g, _)) => g.to_ascii_lowercase(),
            None => String::new(),
        };
        let metadata = node.get("metadata");
        Some(Manifest {
            node,
            group,
            kind,
            name: metadata.and_then(|m| m.get("name")),
            namespace: tree::text(metadata.and_then(|m| m.get("namespace"))),
            origin,
        })
    }

    pub fn file(&self) -> FileId {
        self.node.span.file
    }

    /// `metadata.name` as text (template placeholders included: two objects
    /// named `${CLUSTER_NAME}` are the same object).
    pub fn name_text(&self) -> Option<&'a str> {
        self.name.and_then(Node::as_str)
    }

    pub fn in_group(&self, suffix: &str) -> bool {
        self.group == suffix || self.group.ends_with(&format!(".{suffix}"))
    }

    pub fn is_kind(&self, kinds: &[&str]) -> bool {
        kinds.iter().any(|k| k.eq_ignore_ascii_case(self.kind))
    }

    pub fn spec(&self) -> Option<&'a Node> {
        self.node.get("spec")
    }

    pub fn label(&self, key: &str) -> Option<&'a Node> {
        self.node
            .path(&["metadata", "labels"])
            .and_then(Node::as_object)
            .and_then(|entries| entries.iter().find(|e| e.key == key))
            .map(|e| &e.value)
    }

    pub fn annotation(&self, key: &str) -> Option<&'a Node> {
        self.node
            .path(&["metadata", "annotations"])
            .and_then(Node::as_object)
            .and_then(|entries| entries.iter().find(|e| e.key == key))
            .map(|e| &e.value)
    }

    /// Namespaces match when equal or when either is left to the context.
    pub fn same_namespace(&self, other: &Manifest<'_>) -> bool {
        match (self.namespace, other.namespace) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }

    pub fn same_composition(&self, other: &Manifest<'_>) -> bool {
        matches!(
            (&self.origin, &other.origin),
            (Origin::Composed { composition: a, .. }, Origin::Composed { composition: b, .. }) if a == b
        )
    }

    /// True when the operator only watches the Azure resource and never
    /// writes the spec to it (Crossplane `managementPolicies: [Observe]`, ASO
    /// `reconcile-policy: skip`): the spec then says nothing about Azure.
    pub fn observed_only(&self) -> bool {
        let skip = tree::text(self.annotation("serviceoperator.azure.com/reconcile-policy"))
            .is_some_and(|p| p.eq_ignore_ascii_case("skip"));
        let policies = self
            .spec()
            .and_then(|s| s.get("managementPolicies"))
            .and_then(Node::as_array);
        let writes = |p: &[Node]| {
            p.iter()
                .filter_map(Node::as_str)
                .any(|p| matches!(p, "*" | "Create" | "Update"))
        };
        skip || policies.is_some_and(|p| !writes(p))
    }
}

/// The one object a label selector matches; several matches are a guess.
pub(crate) fn only<'m, 'a: 'm>(
    mut candidates: impl Iterator<Item = (usize, &'m Manifest<'a>)>,
) -> Option<usize> {
    let (first, _) = candidates.next()?;
    candidates.next().is_none().then_some(first)
}

/// Among several objects that a name reference could mean, the one it means: the
/// only candidate, else the only one in the same file. More is a guess.
pub(crate) fn pick<'m, 'a>(
    from: &Manifest<'_>,
    candidates: impl Iterator<Item = (usize, &'m Manifest<'a>)>,
) -> Option<usize>
where
    'a: 'm,
{
    let all: Vec<(usize, &Manifest<'a>)> = candidates.collect();
    if let [(i, _)] = all.as_slice() {
        return Some(*i);
    }
    let near: Vec<usize> = all
        .iter()
        .filter(|(_, m)| m.file() == from.file())
        .map(|(i, _)| *i)
        .collect();
    match near.as_slice() {
        [i] => Some(*i),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
