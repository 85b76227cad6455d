//! The inputs into one linked inventory: each parsed file's documents are
//! dispatched on their kind once, here; templates, documents, manifests,
//! Terraform roots and Bicep entry points are read on all workers into
//! recording builders and replayed in the order of a single pass, each as a
//! deployment scope.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::{
    arm, azure, bicep, classify, ingest_document, ingest_row, ingest_template_output, kubernetes,
    terraform, DocumentKind,
};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::discover;
use crate::model::scope::ScopeKind;
use crate::model::{Inventory, InventoryBuilder};
use crate::source::{FileId, SourceMap};
use crate::syntax::document::{self, StreamedList};
use crate::syntax::{Node, NodeKind, SyntaxError};

/// One parsed input file.
pub struct Parsed {
    pub file: FileId,
    pub path: Option<PathBuf>,
    /// Shared with the Terraform module loader, which reads Terraform JSON
    /// and Terraform-shaped YAML from these trees instead of parsing again.
    pub docs: Arc<[(Node, DocumentKind)]>,
    pub error: Option<Diagnostic>,
    /// HCL (`.tf`, `.tfvars`): read by the Terraform evaluator, module by module.
    pub hcl: bool,
    /// What the parse noticed without failing: keys written twice in one object.
    pub warnings: Vec<Diagnostic>,
    /// The rows of an export or list, ingested as they were read (see
    /// [`stream_rows`]); its document in `docs` has that list empty.
    pub streamed: Option<InventoryBuilder>,
}

impl Parsed {
    fn empty(file: FileId, path: Option<PathBuf>) -> Parsed {
        Parsed {
            file,
            path,
            docs: Arc::new([]),
            error: None,
            hcl: false,
            warnings: Vec::new(),
            streamed: None,
        }
    }
}

/// One input file's documents: JSON or YAML data, classified; `.tf`/`.tfvars`
/// and `.bicep`/`.bicepparam` are marked for their own front-ends, which parse
/// them with their modules.
pub fn parse_input(file: FileId, path: Option<PathBuf>, text: &str) -> Parsed {
    let mut parsed = Parsed::empty(file, path);
    let Some(path) = parsed.path.as_deref() else {
        return parse_data(parsed, text);
    };
    if bicep::is_bicep_path(path) {
        return parsed;
    }
    if is_hcl_file(path) {
        parsed.hcl = true;
        return parsed;
    }
    parse_data(parsed, text)
}

/// An input that was not read, or is not text: only what reading it said.
pub fn not_parsed(file: FileId, path: Option<PathBuf>, error: Option<Diagnostic>) -> Parsed {
    Parsed {
        error,
        ..Parsed::empty(file, path)
    }
}

fn parse_data(mut parsed: Parsed, text: &str) -> Parsed {
    // A document nobody recognises is dropped as soon as it is classified,
    // so a stream of 100,000 foreign documents is never held whole. Only
    // Terraform's loader reads such a tree: a `.tf.json` file's, whatever it
    // holds (it takes the other documents only when `is_tf_json`, which
    // `classify` has said no to).
    let keep_all = parsed
        .path
        .as_deref()
        .is_some_and(|p| terraform::hcl::file_role(p) == Some(terraform::hcl::FileRole::Json));
    if !keep_all && document::looks_json(text) {
        match stream_rows(parsed.file, text) {
            Some(Ok(streamed)) => {
                parsed.docs = Arc::new([streamed.doc]);
                parsed.warnings = streamed.warnings;
                parsed.streamed = streamed.recorded;
                return parsed;
            }
            Some(Err(e)) => return parse_failed(parsed, text, e),
            None => {}
        }
    }
    let classified = document::parse_each(parsed.file, text, |n| {
        let k = classify(&n);
        if k == DocumentKind::Unrecognized && !keep_all {
            return (Node::new(n.span, NodeKind::Null), k);
        }
        (n, k)
    });
    match classified {
        Ok((docs, warnings)) => {
            parsed.docs = docs.into();
            parsed.warnings = warnings;
            parsed
        }
        Err(e) => parse_failed(parsed, text, e),
    }
}

fn parse_failed(mut parsed: Parsed, text: &str, e: SyntaxError) -> Parsed {
    if e.too_dense {
        parsed.error = Some(too_dense(e));
        return parsed;
    }
    // Plain text named on the command line is not worth a parse error unless it claims to be data.
    let unrecognizable_yaml = !document::looks_json(text) && !is_data_file(parsed.path.as_deref());
    parsed.error = (!unrecognizable_yaml)
        .then(|| Diagnostic::parse_error(e.span, format!("cannot parse this file: {}", e.message)));
    parsed
}

/// A JSON data file read by [`stream_rows`].
struct StreamedRows {
    doc: (Node, DocumentKind),
    /// What its rows added, when they were ingested as read.
    recorded: Option<InventoryBuilder>,
    warnings: Vec<Diagnostic>,
}

/// Reads a JSON data file ingesting the rows of its list as each is read —
/// a Resource Graph export's `data`, a REST page's `value`, an `az … list`
/// array — so that a big export is never held whole, only the rows' model.
/// The rows are ingested on trust and kept only when the document is
/// classified as it would be whole (one row that looks like a resource
/// stands for the rest) and its kind reads that very list. `None` when the
/// file must be read whole: not plain JSON, or a list some other reader
/// takes (a template, a plan, a resource that holds a `value` list).
fn stream_rows(file: FileId, text: &str) -> Option<Result<StreamedRows, SyntaxError>> {
    let mut recorded = InventoryBuilder::recording();
    let mut first: Option<Node> = None;
    let read = document::parse_json_streamed(
        file,
        text,
        |key| key.eq_ignore_ascii_case("data") || key.eq_ignore_ascii_case("value"),
        |row| {
            if ingest_row(&mut recorded, &row) > 0 && first.is_none() {
                first = Some(row);
            }
        },
    );
    let json = match read {
        Ok(Some(json)) => json,
        Ok(None) => return None,
        Err(e) => return Some(Err(e)),
    };
    let mut root = json.root;
    let Some(list) = json.list else {
        // No list went by: the tree is whole.
        let kind = classify(&root);
        return Some(Ok(StreamedRows {
            doc: (unless_unrecognized(root, kind), kind),
            recorded: None,
            warnings: json.warnings,
        }));
    };
    list.items_in(&mut root)?.extend(first);
    let kind = classify(&root);
    let reads_this_list = |key: &str| match list {
        StreamedList::Root => false,
        StreamedList::Member(span) => root.entry(key).is_some_and(|e| e.key_span == span),
    };
    let ingested = match kind {
        DocumentKind::Unrecognized => false,
        DocumentKind::Resources if list == StreamedList::Root => true,
        DocumentKind::Resources => !azure::looks_like_resource(&root) && reads_this_list("value"),
        DocumentKind::ResourceGraph => reads_this_list("data"),
        _ => return None,
    };
    if kind != DocumentKind::Unrecognized && !ingested {
        return None;
    }
    list.items_in(&mut root)?.clear();
    Some(Ok(StreamedRows {
        doc: (unless_unrecognized(root, kind), kind),
        recorded: ingested.then_some(recorded),
        warnings: json.warnings,
    }))
}

/// A document nobody recognises is dropped as soon as it is classified.
fn unless_unrecognized(node: Node, kind: DocumentKind) -> Node {
    if kind == DocumentKind::Unrecognized {
        return Node::new(node.span, NodeKind::Null);
    }
    node
}

/// An `input-too-dense` error: the file was not read.
fn too_dense(e: SyntaxError) -> Diagnostic {
    Diagnostic::new(
        "input-too-dense",
        "input-too-dense",
        Severity::Error,
        e.message,
        Label::new(e.span, "too many values by here"),
    )
}

/// Ingests every parsed document; returns the linked inventory and which files held something akslint reads.
pub fn build_inventory(
    parsed: &mut [Parsed],
    first_explicit_param: usize,
    sources: &mut SourceMap,
) -> (Inventory, Vec<bool>, Vec<Diagnostic>) {
    let streamed: Vec<Option<InventoryBuilder>> =
        parsed.iter_mut().map(|p| p.streamed.take()).collect();
    let parsed: &[Parsed] = parsed;
    let forced: Vec<&Node> = parsed[first_explicit_param..]
        .iter()
        .flat_map(|p| {
            p.docs
                .iter()
                .filter(|(_, k)| *k == DocumentKind::ArmParameters)
                .map(|(n, _)| n)
        })
        .collect();
    // Templates, each file's other documents, the manifests and the Terraform
    // configurations are read independently of each other, on all workers,
    // into recording builders; these are replayed in the order of a single
    // pass, so resources merge by id and keep their order as in one.
    // The Terraform configurations and the manifests are each one task per
    // module or folder, the longest of the run: they start first, on both
    // workers, and the templates and documents fill in around them.
    let (terraform, (manifests, (templates, documents))) = rayon::join(
        || terraform::roots::ingest_configs(parsed, sources),
        || {
            rayon::join(
                || ingest_manifests(parsed),
                || {
                    rayon::join(
                        || ingest_templates(&parsed[..first_explicit_param], &forced),
                        || {
                            parsed
                                .par_iter()
                                .zip(streamed)
                                .map(|(p, rows)| match rows {
                                    Some(recorded) => (recorded, true),
                                    None => ingest_documents(p),
                                })
                                .collect::<Vec<_>>()
                        },
                    )
                },
            )
        },
    );
    let (roots, configs, mut diagnostics) = terraform;
    let mut builder = InventoryBuilder::default();
    // Room for everything recorded, made once: growing the lists replay by
    // replay copied them into fresh memory again and again.
    builder.reserve_for_recorded(
        (templates.iter().map(|(_, (r, _))| r))
            .chain(documents.iter().map(|(r, _)| r))
            .chain(manifests.iter().map(|(_, r)| r))
            .chain(roots.iter().map(|(_, r)| r)),
    );
    let mut recognized = vec![false; parsed.len()];
    let label = |i: usize| sources.get(parsed[i].file).path.clone();
    let mut not_evaluated = Vec::new();
    for (i, (recorded, notes)) in templates {
        recognized[i] = true;
        builder.begin_scope(ScopeKind::ArmDeployment, label(i));
        builder.replay(recorded);
        if !notes.is_empty() {
            builder.mark_incomplete();
        }
        not_evaluated.extend(notes);
    }
    for (i, (recorded, seen)) in documents.into_iter().enumerate() {
        recognized[i] |= seen;
        let plan = parsed[i]
            .docs
            .iter()
            .any(|(_, k)| *k == DocumentKind::TerraformPlan);
        let kind = if plan {
            ScopeKind::Terraform
        } else {
            ScopeKind::Document
        };
        builder.begin_scope(kind, label(i));
        builder.replay(recorded);
    }
    for (folder, recorded) in manifests {
        builder.begin_scope(ScopeKind::Manifests, folder);
        builder.replay(recorded);
    }
    diagnostics.append(&mut not_evaluated);
    for i in configs {
        recognized[i] = true;
    }
    for (root, recorded) in roots {
        builder.begin_scope(ScopeKind::Terraform, root);
        builder.replay(recorded);
    }
    let bicep = ingest_bicep(parsed, first_explicit_param, &forced, sources);
    for out in &bicep.outputs {
        // One Bicep entry point (with its modules) is one deployment.
        let label = out
            .resources
            .first()
            .map(|r| sources.get(r.node.span.file).path.clone())
            .unwrap_or_default();
        builder.begin_scope(ScopeKind::ArmDeployment, label);
        ingest_template_output(&mut builder, out);
        let notes = out.not_evaluated();
        if !notes.is_empty() {
            builder.mark_incomplete();
        }
        diagnostics.extend(notes);
    }
    for (i, p) in parsed.iter().enumerate() {
        recognized[i] |= bicep.recognized.contains(&p.file);
    }
    diagnostics.extend(bicep.diagnostics);
    let mut inventory = builder.finish();
    diagnostics.append(&mut inventory.link_diagnostics);
    (inventory, recognized, diagnostics)
}

/// `.bicep`/`.bicepparam` inputs, with JSON parameter files paired by name (`main.bicep`
/// pairs like `main.json`) and the explicit `--parameters` files.
fn ingest_bicep(
    parsed: &[Parsed],
    first_explicit_param: usize,
    forced: &[&Node],
    sources: &mut SourceMap,
) -> bicep::Evaluated {
    let inputs: Vec<(FileId, PathBuf)> = parsed
        .iter()
        .filter_map(|p| Some((p.file, p.path.clone()?)))
        .filter(|(_, path)| bicep::is_bicep_path(path))
        .collect();
    if inputs.is_empty() {
        return Default::default();
    }
    let mut params: Vec<(PathBuf, &Node)> = Vec::new();
    for p in &parsed[..first_explicit_param] {
        for (doc, kind) in p.docs.iter() {
            if let (DocumentKind::ArmParameters, Some(path)) = (kind, &p.path) {
                params.push((path.clone(), doc));
            }
        }
    }
    let as_json: Vec<PathBuf> = inputs
        .iter()
        .map(|(_, p)| p.with_extension("json"))
        .collect();
    let param_paths: Vec<PathBuf> = params.iter().map(|(p, _)| p.clone()).collect();
    let pairs = discover::pair_parameter_files(&as_json, &param_paths);
    let json_params: HashMap<PathBuf, &Node> = pairs
        .iter()
        .map(|(&t, &p)| (discover::normalize_path(&inputs[t].1), params[p].1))
        .collect();
    bicep::evaluate_inputs(&inputs, &json_params, forced, sources)
}

/// Manifests reference each other across files and documents: the manifests
/// of one folder are read in one call, as one scope (labelled by the folder).
fn ingest_manifests(parsed: &[Parsed]) -> Vec<(String, InventoryBuilder)> {
    let mut folders: std::collections::BTreeMap<String, Vec<&Node>> = Default::default();
    for p in parsed {
        let folder = match &p.path {
            Some(path) => path
                .parent()
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default(),
            None => "-".to_string(),
        };
        for (doc, kind) in p.docs.iter() {
            if *kind == DocumentKind::KubernetesManifest {
                folders.entry(folder.clone()).or_default().push(doc);
            }
        }
    }
    folders
        .into_iter()
        .map(|(folder, manifests)| {
            let mut recorded = InventoryBuilder::recording();
            kubernetes::ingest_manifests(&mut recorded, &manifests);
            (folder, recorded)
        })
        .collect()
}

/// The documents of one file other than templates, manifests and Terraform
/// configurations (read later), into a recording builder; and whether the file
/// held anything akslint reads.
fn ingest_documents(p: &Parsed) -> (InventoryBuilder, bool) {
    let mut recorded = InventoryBuilder::recording();
    let mut seen = false;
    for (doc, kind) in p.docs.iter() {
        match kind {
            DocumentKind::ArmTemplate | DocumentKind::Unrecognized => {}
            DocumentKind::ArmParameters | DocumentKind::KubernetesManifest => seen = true,
            DocumentKind::TerraformPlan => {
                terraform::ingest_plan(&mut recorded, doc);
                seen = true;
            }
            _ => {
                ingest_document(&mut recorded, doc, *kind);
                seen = true;
            }
        }
    }
    (recorded, seen)
}

/// Evaluates every template with its paired parameter file and the explicit ones.
/// Returns, by position in `parsed`, the template files with what each added
/// and its `not-evaluated` diagnostics.
fn ingest_templates(
    parsed: &[Parsed],
    forced: &[&Node],
) -> Vec<(usize, (InventoryBuilder, Vec<Diagnostic>))> {
    let mut templates: Vec<(usize, &Node)> = Vec::new();
    let mut params: Vec<(usize, &Node)> = Vec::new();
    let bicep = bicep::input_paths(parsed.iter().filter_map(|p| p.path.as_deref()));
    for (i, p) in parsed.iter().enumerate() {
        for (doc, kind) in p.docs.iter() {
            match kind {
                // The Bicep source of a compiled template is read instead.
                DocumentKind::ArmTemplate
                    if p.path
                        .as_deref()
                        .is_some_and(|path| bicep::is_compiled_twin(path, doc, &bicep)) => {}
                DocumentKind::ArmTemplate => templates.push((i, doc)),
                DocumentKind::ArmParameters => params.push((i, doc)),
                _ => {}
            }
        }
    }
    let path_of = |i: usize| {
        parsed[i]
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("<stdin-{}>", parsed[i].file.0)))
    };
    let template_paths: Vec<PathBuf> = templates.iter().map(|(i, _)| path_of(*i)).collect();
    let param_paths: Vec<PathBuf> = params.iter().map(|(i, _)| path_of(*i)).collect();
    let pairs = discover::pair_parameter_files(&template_paths, &param_paths);
    let outputs: Vec<(InventoryBuilder, Vec<Diagnostic>)> = templates
        .par_iter()
        .enumerate()
        .map(|(t, (_, root))| {
            let mut files: Vec<&Node> = pairs.get(&t).map(|&p| params[p].1).into_iter().collect();
            files.extend(forced.iter().copied());
            let out = arm::evaluate_template(root, &files);
            let mut recorded = InventoryBuilder::recording();
            ingest_template_output(&mut recorded, &out);
            (recorded, out.not_evaluated())
        })
        .collect();
    templates.iter().map(|(i, _)| *i).zip(outputs).collect()
}

pub fn is_hcl_file(path: &Path) -> bool {
    matches!(
        terraform::hcl::file_role(path),
        Some(terraform::hcl::FileRole::Hcl | terraform::hcl::FileRole::Tfvars)
    ) || path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tfvars"))
}

fn is_data_file(path: Option<&Path>) -> bool {
    let Some(ext) = path.and_then(|p| p.extension()).and_then(|e| e.to_str()) else {
        return true;
    };
    ["json", "jsonc", "yaml", "yml"]
        .iter()
        .any(|x| ext.eq_ignore_ascii_case(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The inventory a builder's log gives, shown (its id lookups are hash
    /// maps, whose debug order varies).
    fn shown(recorded: InventoryBuilder) -> String {
        let mut b = InventoryBuilder::default();
        b.replay(recorded);
        let inv = b.finish();
        format!(
            "{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{}\n{:#?}\n{:#?}",
            inv.clusters,
            inv.pools,
            inv.vnets,
            inv.subnets,
            inv.nsgs,
            inv.route_tables,
            inv.associations,
            inv.other_resources,
            inv.tag_suppressions,
            inv.public_ips
        )
    }

    /// Streaming agrees with reading whole wherever it takes the text: same
    /// kind, same warnings, and the same inventory from the rows it ingested
    /// or else the same tree. Returns whether it took the text.
    fn agrees(text: &str) -> bool {
        let Some(read) = stream_rows(FileId(0), text) else {
            return false;
        };
        let streamed = read.unwrap_or_else(|e| panic!("{e:?}"));
        let whole = document::parse_documents(FileId(0), text).unwrap();
        let root = &whole.nodes[0];
        let kind = classify(root);
        assert_eq!(streamed.doc.1, kind, "{text:.200}");
        assert_eq!(streamed.warnings.len(), whole.warnings.len(), "{text:.200}");
        match streamed.recorded {
            Some(recorded) => {
                let mut b = InventoryBuilder::recording();
                ingest_document(&mut b, root, kind);
                assert_eq!(shown(recorded), shown(b), "{text:.200}");
            }
            None if kind == DocumentKind::Unrecognized => {}
            None => assert_eq!(&streamed.doc.0, root, "{text:.200}"),
        }
        true
    }

    const SUBNET: &str = r#"{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/a", "type": "Microsoft.Network/virtualNetworks/subnets", "name": "a", "properties": {"addressPrefix": "10.0.0.0/24"}}"#;

    #[test]
    fn exports_and_lists_are_read_row_by_row() {
        for text in [
            format!(r#"{{"count": 2, "data": [{SUBNET}, {{"x": 1}}], "skip_token": null}}"#),
            format!(r#"{{"data": [{SUBNET}, {SUBNET}], "count": 2}}"#),
            format!(r#"{{"value": [{{"x": 1}}, {SUBNET}], "nextLink": null}}"#),
            format!(r#"[1, {SUBNET}, {{"id": 3}}]"#),
            // Keys written twice inside a row are resolved row by row.
            format!(r#"{{"count": 1, "data": [{{"name": "x", "name": "y", "id": 1}}, {SUBNET}]}}"#),
        ] {
            let read = stream_rows(FileId(0), &text).unwrap().unwrap();
            assert!(read.recorded.is_some(), "not streamed: {text}");
            assert!(agrees(&text), "{text}");
        }
    }

    #[test]
    fn a_list_another_reader_takes_is_read_whole() {
        for text in [
            // A resource that holds a `value` list is one resource.
            format!(r#"{{"value": [{SUBNET}], "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v", "type": "Microsoft.Network/virtualNetworks"}}"#),
            // A `data` list without `count` in a resource.
            format!(r#"{{"data": [{SUBNET}], "type": "Microsoft.Network/virtualNetworks", "name": "v"}}"#),
            // `data` written twice: the later one counts.
            format!(r#"{{"count": 1, "data": [{SUBNET}], "data": []}}"#),
            // `value` and `data` both: Resource Graph reads `data`.
            format!(r#"{{"value": [{SUBNET}], "count": 1, "data": [{SUBNET}]}}"#),
            // A Terraform plan whose `values` key is not streamed; a template with a `value`.
            r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "value": [1], "resources": []}"#.to_string(),
        ] {
            assert!(stream_rows(FileId(0), &text).is_none(), "{text}");
        }
    }

    #[test]
    fn streaming_agrees_with_reading_whole_on_every_fixture_and_corpus_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs = vec![root.join("fixtures"), root.join("../shared/corpus")];
        let (mut taken, mut streamed) = (0, 0);
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for path in entries.flatten().map(|e| e.path()) {
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "json") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let text = crate::source::strip_bom(text).replace("\r\n", "\n");
                if document::parse_documents(FileId(0), &text).is_err() {
                    continue;
                }
                if agrees(&text) {
                    taken += 1;
                    streamed += usize::from(
                        stream_rows(FileId(0), &text)
                            .is_some_and(|r| r.unwrap().recorded.is_some()),
                    );
                }
            }
        }
        assert!(
            taken > 200 && streamed > 50,
            "{taken} files taken, {streamed} streamed"
        );
    }
}
