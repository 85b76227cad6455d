//! ARM templates: evaluates a deploymentTemplate (exported, hand-written or compiled from
//! Bicep) into the resources it deploys, with expressions evaluated as far as they can be
//! before deployment. Whatever depends on the deployment itself becomes
//! [`NodeKind::Unknown`](crate::syntax::NodeKind::Unknown); the subscription id and resource
//! group name become the placeholders `{subscriptionId}` and `{resourceGroup}`, which pass
//! through functions that only move text around (concat, format, toLower, resourceId, ...)
//! and make any function that looks inside the text unknown.
//!
//! Handled: parameters (defaults, parameter files, Bicep nullable parameters), lazily
//! evaluated variables (with cycle detection), resource/property/variable/output `copy`
//! loops (800 iterations at most, as ARM allows), `condition`, `existing`, child resources,
//! languageVersion 2.0 symbolic resources, nested inline deployments in inner and outer
//! scope (with their `resourceGroup`/`subscriptionId`), `reference()` of a nested
//! deployment's outputs, user-defined functions and lambdas.
//!
//! Not followed: `templateLink`, `reference()`/`list*()` of real resources, and functions
//! whose value only exists at deployment time (`guid`, `uniqueString`, `utcNow`, ...).
//! Evaluation depth, the number of produced nodes and the nesting of kept values are
//! capped so that no input can exhaust the stack or memory; what is cut off becomes
//! Unknown and is listed in [`TemplateOutput::notes`].

mod cidr;
mod eval;
mod expr;
mod functions;
mod ids;
mod template;
#[cfg(test)]
mod testutil;
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
    /// Parts that were not evaluated ([`TemplateOutput::not_evaluated`] reports them).
    pub notes: Vec<(Span, String)>,
}

/// The code of the info diagnostic at a part of an input that was not evaluated.
pub const NOT_EVALUATED: &str = "not-evaluated";

impl TemplateOutput {
    /// An info diagnostic at every place evaluation gave up on part of the
    /// template (a copy count out of range or unknown, a nested deployment too
    /// deep or behind a `templateLink`/`templateSpec`, an exhausted budget),
    /// so nothing is dropped without a word. Unsupported functions are left
    /// out: they only make a value unknown, and rules stay silent on it.
    pub fn not_evaluated(&self) -> Vec<crate::diagnostic::Diagnostic> {
        use crate::diagnostic::{Diagnostic, Label, Severity};
        // A variable used by several resources gives up once per use, and once the
        // budget is spent every later expression gives up too: say each place once,
        // and the spent budget only where it ran out.
        let mut seen = std::collections::HashSet::new();
        let mut budget_said = false;
        self.notes
            .iter()
            .filter(|(_, note)| !note.starts_with("function "))
            .filter(|(span, note)| seen.insert((*span, note.as_str())))
            .filter(|(_, note)| {
                let budget = note.contains("budget exhausted");
                let first = !(budget && budget_said);
                budget_said |= budget;
                first
            })
            .map(|(span, note)| {
                Diagnostic::new(
                    NOT_EVALUATED,
                    NOT_EVALUATED,
                    Severity::Info,
                    format!("akslint did not evaluate this part: {note}"),
                    Label::new(*span, "not evaluated"),
                )
            })
            .collect()
    }
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
    template::declare_functions(root, &mut scope);
    let deploy = template::root_deploy(root);
    let ctx = eval::Ctx {
        tpl: &scope,
        deploy: &deploy,
        target: &deploy,
        copies: &[],
        lambdas: &[],
        shared: &shared,
    };
    let mut resources = Vec::new();
    template::walk_template(root, ctx, &mut resources, 0);
    if shared.exhausted() {
        shared.note(
            root.span,
            "expansion limit reached; the output is incomplete",
        );
    }
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

#[cfg(test)]
mod tests {
    use super::testutil::{parse, render};
    use super::*;

    fn run(template: &str, params: &[&str]) -> TemplateOutput {
        let root = parse(template);
        let files: Vec<Node> = params.iter().map(|p| parse(p)).collect();
        let refs: Vec<&Node> = files.iter().collect();
        evaluate_template(&root, &refs)
    }

    fn summary(out: &TemplateOutput) -> Vec<(String, String)> {
        out.resources
            .iter()
            .map(|r| {
                (
                    r.resource_type.clone(),
                    render(r.node.get("name").unwrap_or(&r.node)),
                )
            })
            .collect()
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(t, n)| (t.to_string(), format!("{n:?}")))
            .collect()
    }

    const SCHEMA: &str =
        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

    #[test]
    fn recognises_templates_and_parameter_files() {
        assert!(is_template(&parse(&format!(
            r#"{{"$schema": "{SCHEMA}", "resources": []}}"#
        ))));
        assert!(is_template(&parse(
            r#"{"contentVersion": "1.0.0.0", "resources": []}"#
        )));
        assert!(!is_template(&parse(r#"{"resources": []}"#)));
        assert!(!is_template(&parse(r#"[1]"#)));
        let params = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "parameters": {}}"#;
        assert!(is_parameter_file(&parse(params)));
        assert!(!is_template(&parse(params)));
        assert!(is_parameter_file(&parse(
            r#"{"contentVersion": "1.0.0.0", "parameters": {"a": {"value": 1}}}"#
        )));
        assert!(!is_parameter_file(&parse(
            r#"{"contentVersion": "1.0.0.0", "parameters": {}, "resources": []}"#
        )));
    }

    #[test]
    fn nested_children_are_qualified_and_emitted_separately() {
        let out = run(
            r#"{"resources": [{
                "type": "Microsoft.Network/virtualNetworks", "name": "vnet1",
                "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}},
                "resources": [
                    {"type": "subnets", "name": "subnet1", "properties": {"addressPrefix": "10.0.1.0/24"}},
                    {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "vnet1/subnet2"}
                ]
            }]}"#,
            &[],
        );
        assert_eq!(
            summary(&out),
            pairs(&[
                ("Microsoft.Network/virtualNetworks", "vnet1"),
                ("Microsoft.Network/virtualNetworks/subnets", "vnet1/subnet1"),
                ("Microsoft.Network/virtualNetworks/subnets", "vnet1/subnet2"),
            ])
        );
        assert!(out.resources[0].node.get("resources").is_none());
        assert_eq!(
            out.resources[1].id.as_deref(),
            Some("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/subnet1")
        );
        assert_eq!(
            out.resources[1].node.get("type").and_then(Node::as_str),
            Some("Microsoft.Network/virtualNetworks/subnets")
        );
        assert_eq!(
            render(
                out.resources[1]
                    .node
                    .path(&["properties", "addressPrefix"])
                    .unwrap()
            ),
            r#""10.0.1.0/24""#
        );
    }

    #[test]
    fn resource_and_property_copy_loops() {
        let out = run(
            r#"{
              "parameters": {"n": {"type": "int", "defaultValue": 2}},
              "resources": [{
                "type": "Microsoft.Network/virtualNetworks",
                "name": "[concat('vnet', copyIndex(1))]",
                "copy": {"name": "vnets", "count": "[parameters('n')]", "mode": "Serial", "batchSize": 1},
                "properties": {
                  "index": "[copyIndex('vnets')]",
                  "copy": [{"name": "subnets", "count": 3, "input": {
                    "name": "[format('sn{0}-{1}', copyIndex(), copyIndex('subnets'))]",
                    "properties": {"addressPrefix": "[cidrSubnet('10.0.0.0/16', 24, copyIndex('subnets'))]"}
                  }}]
                }
              }]
            }"#,
            &[],
        );
        assert_eq!(
            summary(&out),
            pairs(&[
                ("Microsoft.Network/virtualNetworks", "vnet1"),
                ("Microsoft.Network/virtualNetworks", "vnet2")
            ])
        );
        let props = out.resources[1].node.get("properties").unwrap();
        assert_eq!(render(props.get("index").unwrap()), "1");
        assert_eq!(
            render(props.get("subnets").unwrap()),
            r#"[{"name":"sn1-0","properties":{"addressPrefix":"10.0.0.0/24"}},{"name":"sn1-1","properties":{"addressPrefix":"10.0.1.0/24"}},{"name":"sn1-2","properties":{"addressPrefix":"10.0.2.0/24"}}]"#
        );
        assert!(props.get("copy").is_none());
    }

    #[test]
    fn copy_counts_are_capped_and_unknown_counts_noted() {
        let out = run(
            r#"{"resources": [
                {"type": "A.B/c", "name": "[string(copyIndex())]", "copy": {"name": "x", "count": 100000}},
                {"type": "A.B/d", "name": "[string(copyIndex())]", "copy": {"name": "y", "count": "[reference('r').n]"}},
                {"type": "A.B/e", "name": "e", "properties": {"copy": [{"name": "p", "count": 5000, "input": 1}]}}
            ]}"#,
            &[],
        );
        assert_eq!(out.resources.len(), 3);
        assert!(out.resources[0].node.get("name").unwrap().is_unknown());
        assert!(out.resources[1].id.is_none());
        assert!(out.resources[2]
            .node
            .path(&["properties", "p"])
            .unwrap()
            .is_unknown());
        assert!(out.notes.len() >= 2);
    }

    #[test]
    fn conditions_and_existing() {
        let out = run(
            r#"{"parameters": {"on": {"type": "bool", "defaultValue": false}},
              "resources": [
                {"condition": "[parameters('on')]", "type": "A.B/c", "name": "off"},
                {"condition": "[not(parameters('on'))]", "type": "A.B/c", "name": "on"},
                {"condition": "[equals(reference('x').y, 1)]", "type": "A.B/c", "name": "maybe"},
                {"existing": true, "type": "A.B/c", "name": "old"}
            ]}"#,
            &[],
        );
        assert_eq!(summary(&out), pairs(&[("A.B/c", "on"), ("A.B/c", "maybe")]));
    }

    #[test]
    fn parameter_files_override_defaults_in_order() {
        let template = r#"{"parameters": {
                "a": {"type": "string", "defaultValue": "default"},
                "b": {"type": "string"},
                "c": {"type": "string"},
                "s": {"type": "securestring"}
            },
            "resources": [{"type": "A.B/c", "name": "[concat(parameters('a'), '-', parameters('b'), '-', parameters('c'))]",
                           "properties": {"secret": "[parameters('s')]"}}]}"#;
        let p1 = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
            "parameters": {"b": {"value": "one"}, "c": {"value": "first"},
                           "s": {"reference": {"keyVault": {"id": "kv"}, "secretName": "x"}}}}"#;
        let p2 = r#"{"parameters": {"c": {"value": "second"}}}"#;
        let out = run(template, &[p1, p2]);
        assert_eq!(summary(&out), pairs(&[("A.B/c", "default-one-second")]));
        assert!(out.resources[0]
            .node
            .path(&["properties", "secret"])
            .unwrap()
            .is_unknown());
        let none = run(template, &[]);
        assert!(none.resources[0].node.get("name").unwrap().is_unknown());
        assert_eq!(none.resources[0].id, None);
    }

    #[test]
    fn parameter_file_values_keep_their_spans() {
        let template = parse(
            r#"{"parameters": {"v": {"type": "object"}}, "resources": [{"type": "A.B/c", "name": "n", "properties": "[parameters('v')]"}]}"#,
        );
        let file_text = r#"{"parameters": {"v": {"value": {"k": "x"}}}}"#;
        let file = crate::syntax::json::parse(crate::source::FileId(7), file_text).unwrap();
        let out = evaluate_template(&template, &[&file]);
        let k = out.resources[0].node.path(&["properties", "k"]).unwrap();
        assert_eq!(k.span.file, crate::source::FileId(7));
        assert_eq!(
            &file_text[k.span.start as usize..k.span.end as usize],
            "\"x\""
        );
    }

    #[test]
    fn nested_deployment_inner_scope() {
        let out = run(
            r#"{"parameters": {"prefix": {"type": "string", "defaultValue": "outer"}},
              "variables": {"v": "outer-var"},
              "resources": [{
                "type": "Microsoft.Resources/deployments", "name": "mod",
                "resourceGroup": "netRg",
                "properties": {
                  "expressionEvaluationOptions": {"scope": "inner"},
                  "parameters": {"prefix": {"value": "[concat(parameters('prefix'), '-given')]"}},
                  "template": {
                    "parameters": {"prefix": {"type": "string"}, "other": {"type": "string", "defaultValue": "d"}},
                    "variables": {"v": "inner-var"},
                    "resources": [{"type": "Microsoft.Network/virtualNetworks",
                                   "name": "[format('{0}-{1}-{2}', parameters('prefix'), parameters('other'), variables('v'))]",
                                   "properties": {"rg": "[resourceGroup().name]"}}]
                  }
                }
              }]}"#,
            &[],
        );
        assert_eq!(
            summary(&out),
            pairs(&[(
                "Microsoft.Network/virtualNetworks",
                "outer-given-d-inner-var"
            )])
        );
        assert_eq!(
            out.resources[0].id.as_deref(),
            Some("/subscriptions/{subscriptionId}/resourceGroups/netRg/providers/Microsoft.Network/virtualNetworks/outer-given-d-inner-var")
        );
        assert_eq!(
            render(out.resources[0].node.path(&["properties", "rg"]).unwrap()),
            r#""netRg""#
        );
    }

    #[test]
    fn nested_deployment_outer_scope_and_template_link() {
        let out = run(
            r#"{"parameters": {"prefix": {"type": "string", "defaultValue": "outer"}},
              "resources": [
                {"type": "Microsoft.Resources/deployments", "name": "mod",
                 "properties": {"template": {
                    "resources": [{"type": "Microsoft.Network/virtualNetworks", "name": "[parameters('prefix')]",
                                   "resources": [{"type": "subnets", "name": "s"}]}]}}},
                {"type": "Microsoft.Resources/deployments", "name": "linked",
                 "properties": {"templateLink": {"uri": "https://example.com/t.json"}}}
              ]}"#,
            &[],
        );
        assert_eq!(
            summary(&out),
            pairs(&[
                ("Microsoft.Network/virtualNetworks", "outer"),
                ("Microsoft.Network/virtualNetworks/subnets", "outer/s")
            ])
        );
        assert!(out.notes.iter().any(|(_, n)| n.contains("templateLink")));
    }

    #[test]
    fn outer_scope_functions_resolve_to_the_parent_group() {
        let out = run(
            r#"{"resources": [{"type": "Microsoft.Resources/deployments", "name": "d", "resourceGroup": "other",
                 "properties": {"template": {"resources": [
                    {"type": "A.B/c", "name": "[resourceGroup().name]",
                     "properties": {"id": "[resourceId('A.B/c', 'x')]"}}]}}}]}"#,
            &[],
        );
        let r = &out.resources[0];
        assert_eq!(render(r.node.get("name").unwrap()), r#""{resourceGroup}""#);
        assert_eq!(
            render(r.node.path(&["properties", "id"]).unwrap()),
            r#""/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/A.B/c/x""#
        );
        assert_eq!(
            r.id.as_deref(),
            Some("/subscriptions/{subscriptionId}/resourceGroups/other/providers/A.B/c/{resourceGroup}")
        );
    }

    #[test]
    fn module_loops_pass_copy_index_into_inner_parameters() {
        let out = run(
            r#"{"resources": [{
                "type": "Microsoft.Resources/deployments", "name": "[format('m{0}', copyIndex())]",
                "copy": {"name": "mods", "count": 2},
                "properties": {
                  "expressionEvaluationOptions": {"scope": "inner"},
                  "parameters": {"i": "[createObject('value', copyIndex())]"},
                  "template": {"parameters": {"i": {"type": "int"}},
                               "resources": [{"type": "A.B/c", "name": "[string(parameters('i'))]"}]}
                }}]}"#,
            &[],
        );
        assert_eq!(summary(&out), pairs(&[("A.B/c", "0"), ("A.B/c", "1")]));
    }

    #[test]
    fn language_version_2_symbolic_resources() {
        let out = run(
            r##"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
              "languageVersion": "2.0", "contentVersion": "1.0.0.0",
              "parameters": {"tags": {"$ref": "#/definitions/tagsType"}},
              "definitions": {"tagsType": {"type": "object", "nullable": true}},
              "resources": {
                "vnet": {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "v",
                         "tags": "[coalesce(parameters('tags'), createObject())]"},
                "old": {"existing": true, "type": "Microsoft.Network/virtualNetworks", "name": "legacy"},
                "sn": {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "[format('{0}/{1}', 'v', 'a')]",
                       "dependsOn": ["vnet"]}
              }}"##,
            &[],
        );
        assert_eq!(
            summary(&out),
            pairs(&[
                ("Microsoft.Network/virtualNetworks", "v"),
                ("Microsoft.Network/virtualNetworks/subnets", "v/a")
            ])
        );
        assert_eq!(render(out.resources[0].node.get("tags").unwrap()), "{}");
    }

    #[test]
    fn subscription_scope_templates() {
        let out = run(
            r#"{"$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
              "resources": [
                {"type": "Microsoft.Resources/resourceGroups", "name": "rg1"},
                {"type": "Microsoft.Resources/deployments", "name": "d", "resourceGroup": "rg1",
                 "properties": {"expressionEvaluationOptions": {"scope": "inner"},
                   "template": {"resources": [{"type": "A.B/c", "name": "[resourceGroup().name]"}]}}}
              ]}"#,
            &[],
        );
        let ids: Vec<_> = out
            .resources
            .iter()
            .map(|r| r.id.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            ids,
            [
                "/subscriptions/{subscriptionId}/resourceGroups/rg1",
                "/subscriptions/{subscriptionId}/resourceGroups/rg1/providers/A.B/c/rg1"
            ]
        );
    }

    #[test]
    fn comments_and_multiline_expressions() {
        let out = run(
            "{\n // exported\n \"resources\": [{\"type\": \"A.B/c\", /* x */ \"name\": \"[concat(\n  'a',\n  'b')]\",},],\n \"contentVersion\": \"1.0.0.0\"}",
            &[],
        );
        assert_eq!(summary(&out), pairs(&[("A.B/c", "ab")]));
    }

    #[test]
    fn module_outputs_feed_later_references() {
        let out = run(
            r#"{"resources": [
                {"type": "Microsoft.Resources/deployments", "name": "[format('{0}-net', 'x')]",
                 "properties": {"expressionEvaluationOptions": {"scope": "inner"},
                   "template": {"resources": [],
                     "outputs": {"subnetId": {"type": "string",
                       "value": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]"}}}}},
                {"type": "Microsoft.ContainerService/managedClusters", "name": "aks",
                 "properties": {
                   "a": "[reference(resourceId('Microsoft.Resources/deployments', format('{0}-net', 'x')), '2022-09-01').outputs.subnetId.value]",
                   "b": "[reference(resourceId('Microsoft.Resources/deployments', 'other')).outputs.subnetId.value]",
                   "c": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'v')).addressSpace]"}}
            ]}"#,
            &[],
        );
        let props = out.resources[0].node.get("properties").unwrap();
        assert_eq!(
            render(props.get("a").unwrap()),
            r#""/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/virtualNetworks/v/subnets/s""#
        );
        assert!(props.get("b").unwrap().is_unknown());
        assert!(props.get("c").unwrap().is_unknown());

        // languageVersion 2.0 refers to modules by symbolic name.
        let out = run(
            r#"{"languageVersion": "2.0", "contentVersion": "1.0.0.0", "resources": {
                "net": {"type": "Microsoft.Resources/deployments", "name": "net",
                        "properties": {"template": {"resources": {}, "outputs": {"cidr": {"type": "string", "value": "10.1.0.0/16"}}}}},
                "vnet": {"type": "Microsoft.Network/virtualNetworks", "name": "v",
                         "properties": {"p": "[reference('net').outputs.cidr.value]"}}}}"#,
            &[],
        );
        assert_eq!(
            render(out.resources[0].node.path(&["properties", "p"]).unwrap()),
            r#""10.1.0.0/16""#
        );
    }

    #[test]
    fn module_output_loops() {
        let out = run(
            r#"{"resources": [
                {"type": "Microsoft.Resources/deployments", "name": "m",
                 "properties": {"template": {"resources": [], "outputs": {
                    "list": {"type": "array", "copy": {"count": 2, "input": "[format('sn{0}', copyIndex())]"}}}}}},
                {"type": "A.B/c", "name": "[reference('m').outputs.list.value[1]]"}]}"#,
            &[],
        );
        assert_eq!(summary(&out), pairs(&[("A.B/c", "sn1")]));
    }

    #[test]
    fn expression_keys_and_extension_scopes() {
        let out = run(
            r#"{"variables": {"k": "label"}, "resources": [
                {"type": "A.B/c", "name": "n", "properties": {"[variables('k')]": 1, "[[literal]": 2}},
                {"type": "Microsoft.Insights/diagnosticSettings", "name": "d", "scope": "[reference('x').id]"}
            ]}"#,
            &[],
        );
        assert_eq!(
            render(out.resources[0].node.get("properties").unwrap()),
            r#"{"label":1,"[literal]":2}"#
        );
        assert_eq!(out.resources[1].id, None);
    }

    #[test]
    fn hostile_inputs_do_not_panic_or_explode() {
        // Variables referencing each other many levels deep.
        let mut vars: Vec<String> = (0..3000)
            .map(|i| format!("\"v{i}\": \"[variables('v{}')]\"", i + 1))
            .collect();
        vars.push("\"v3000\": \"end\"".into());
        let t = format!(
            r#"{{"variables": {{{}}}, "resources": [{{"type": "A.B/c", "name": "[variables('v0')]"}}]}}"#,
            vars.join(",")
        );
        let out = run(&t, &[]);
        assert!(out.resources[0].node.get("name").unwrap().is_unknown());

        // The same, with every link nested as deep as the parser allows.
        let wrap =
            |inner: String| format!("{}{inner}{}", "if(true(), ".repeat(60), ", 0)".repeat(60));
        let mut vars: Vec<String> = (0..500)
            .map(|i| {
                format!(
                    "\"w{i}\": \"[{}]\"",
                    wrap(format!("variables('w{}')", i + 1))
                )
            })
            .collect();
        vars.push("\"w500\": \"end\"".into());
        let t = format!(
            r#"{{"variables": {{{}}}, "resources": [{{"type": "A.B/c", "name": "[variables('w0')]"}}]}}"#,
            vars.join(",")
        );
        let out = run(&t, &[]);
        assert!(out.resources[0].node.get("name").unwrap().is_unknown());

        // Exponential growth through variables doubling an array.
        let mut vars: Vec<String> = (0..40)
            .map(|i| {
                format!(
                    "\"d{i}\": \"[concat(variables('d{}'), variables('d{}'))]\"",
                    i + 1,
                    i + 1
                )
            })
            .collect();
        vars.push("\"d40\": [1, 2, 3, 4, 5, 6, 7, 8]".into());
        let t = format!(
            r#"{{"variables": {{{}}}, "resources": [{{"type": "A.B/c", "name": "n", "properties": "[variables('d0')]"}}]}}"#,
            vars.join(",")
        );
        let start = std::time::Instant::now();
        let out = run(&t, &[]);
        assert!(out.resources[0]
            .node
            .get("properties")
            .unwrap()
            .is_unknown());
        assert!(start.elapsed().as_secs() < 20);

        // Loops inside loops of nested deployments.
        let mut tpl = r#"{"resources": [{"type": "A.B/c", "name": "[string(copyIndex())]", "copy": {"name": "l", "count": 800}}]}"#.to_string();
        for _ in 0..6 {
            tpl = format!(
                r#"{{"resources": [{{"type": "Microsoft.Resources/deployments", "name": "[string(copyIndex())]", "copy": {{"name": "m", "count": 800}}, "properties": {{"template": {tpl}}}}}]}}"#
            );
        }
        let start = std::time::Instant::now();
        let out = run(&tpl, &[]);
        eprintln!(
            "{} {:?}",
            out.resources.len(),
            &out.notes[..out.notes.len().min(5)]
        );
        assert!(out.notes.iter().any(|(_, n)| n.contains("expansion limit")));
        assert!(start.elapsed().as_secs() < 20);

        // Nesting accumulated step by step through variables evaluated in order, and through reduce.
        let wrap =
            |inner: String| format!("{}{inner}{}", "createArray(".repeat(50), ")".repeat(50));
        let mut vars = vec!["\"n0\": 1".to_string()];
        vars.extend((1..400).map(|i| {
            format!(
                "\"n{i}\": \"[{}]\"",
                wrap(format!("variables('n{}')", i - 1))
            )
        }));
        let resources: Vec<String> = (0..400)
            .map(|i| {
                format!(r#"{{"type": "A.B/c", "name": "n", "properties": "[variables('n{i}')]"}}"#)
            })
            .collect();
        let t = format!(
            r#"{{"variables": {{{}}}, "resources": [{}]}}"#,
            vars.join(","),
            resources.join(",")
        );
        let out = run(&t, &[]);
        assert!(out.resources[399]
            .node
            .get("properties")
            .unwrap()
            .is_unknown());
        let t = r#"{"resources": [{"type": "A.B/c", "name": "n", "properties":
            "[reduce(range(0, 10000), 0, lambda('a', 'x', createArray(createArray(lambdaVariables('a')))))]"}]}"#;
        assert!(run(t, &[]).resources[0]
            .node
            .get("properties")
            .unwrap()
            .is_unknown());

        // Deeply nested expression text.
        let deep = format!("[{}1{}]", "string(".repeat(5000), ")".repeat(5000));
        let t = format!(r#"{{"resources": [{{"type": "A.B/c", "name": "{deep}"}}]}}"#);
        assert!(run(&t, &[]).resources[0]
            .node
            .get("name")
            .unwrap()
            .is_unknown());

        // Nested deployments many levels deep.
        let mut tpl = r#"{"resources": [{"type": "A.B/c", "name": "leaf"}]}"#.to_string();
        for _ in 0..40 {
            tpl = format!(
                r#"{{"resources": [{{"type": "Microsoft.Resources/deployments", "name": "d", "properties": {{"template": {tpl}}}}}]}}"#
            );
        }
        let out = run(&tpl, &[]);
        assert!(out.resources.is_empty());
        assert!(out.notes.iter().any(|(_, n)| n.contains("too deep")));

        // Garbage in odd places.
        for t in [
            r#"{"resources": 5}"#,
            r#"{"resources": [5, "x", null, {"type": 1}, {"name": "n"}]}"#,
            r#"{"resources": [{"type": "Microsoft.Resources/deployments", "name": "d", "properties": {"template": 3}}]}"#,
            r#"{"variables": {"copy": [{"name": 1}]}, "resources": [{"type": "A.B/c", "name": "[variables('x')]", "copy": {"count": -1}}]}"#,
        ] {
            let _ = run(t, &[]);
        }
    }
}
