//! Reads the files of one module directory into a [`ModuleConfig`].

use std::sync::Arc;

use rayon::prelude::*;

use super::ast::{Body, ModuleConfig};
use super::{file_role, from_hcl, from_node, FileRole, ModuleFile};
use crate::diagnostic::Diagnostic;
use crate::ingest::DocumentKind;
use crate::syntax::{json, yaml, Node, SyntaxError};

/// What one file of a module reads as, before it is merged into the module.
enum FileText {
    Hcl(Result<Body, SyntaxError>),
    Json(Result<Node, SyntaxError>),
    Documents(Vec<Node>),
    /// Documents the caller parsed already: one JSON document (`.tf.json`) or
    /// a stream (Terraform-shaped YAML).
    ParsedJson(Arc<[(Node, DocumentKind)]>),
    ParsedDocuments(Arc<[(Node, DocumentKind)]>),
    /// Tfvars (read after every other file) or nothing of ours.
    Later,
}

/// Parses and merges the files of one directory. `root` says whether tfvars
/// files count (Terraform reads them for the root module only).
pub(crate) fn load(files: &[ModuleFile], root: bool, diags: &mut Vec<Diagnostic>) -> ModuleConfig {
    let mut cfg = ModuleConfig::default();
    let mut tfvars: Vec<(String, &ModuleFile, FileRole)> = Vec::new();
    let mut sorted: Vec<&ModuleFile> = files.iter().collect();
    // Override files come last, in lexical order, as in Terraform.
    sorted.sort_by_key(|f| (is_override(f), f.path.clone()));
    // Parsing is per file and dominates loading a big module: it runs on all
    // workers; merging stays in file order, so declarations and errors keep it.
    let texts: Vec<FileText> = sorted.par_iter().map(|f| read_file(f)).collect();
    for (f, text) in sorted.into_iter().zip(texts) {
        let over = is_override(f);
        match text {
            FileText::Hcl(Ok(body)) => {
                for b in body.blocks {
                    if over {
                        cfg.add_override(b);
                    } else {
                        cfg.add_block(b);
                    }
                }
            }
            FileText::Hcl(Err(e)) => diags.push(hcl_error(e)),
            FileText::Json(Ok(root)) => from_node::add_document(&mut cfg, &root, over),
            FileText::Json(Err(e)) => diags.push(json_error(e)),
            FileText::Documents(docs) => {
                for doc in docs {
                    if from_node::is_tf_json(&doc) {
                        from_node::add_document(&mut cfg, &doc, false);
                    }
                }
            }
            FileText::ParsedJson(docs) => {
                if let Some((root, _)) = docs.first() {
                    from_node::add_document(&mut cfg, root, over);
                }
            }
            FileText::ParsedDocuments(docs) => {
                for (doc, _) in docs.iter() {
                    if from_node::is_tf_json(doc) {
                        from_node::add_document(&mut cfg, doc, false);
                    }
                }
            }
            FileText::Later => match file_role(&f.path) {
                Some(role @ (FileRole::Tfvars | FileRole::TfvarsJson)) if root => {
                    tfvars.push((tfvars_rank(f), f, role));
                }
                _ => {}
            },
        }
    }
    // Later files override earlier ones: terraform.tfvars, then *.auto.tfvars.
    tfvars.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, f, role) in tfvars {
        add_tfvars(&mut cfg, f, role, diags);
    }
    cfg
}

fn read_file(f: &ModuleFile) -> FileText {
    match (file_role(&f.path), &f.parsed) {
        (Some(FileRole::Hcl), _) => FileText::Hcl(from_hcl::parse_body(f.file, &f.text)),
        (Some(FileRole::Json), Some(docs)) if docs.len() == 1 => {
            FileText::ParsedJson(Arc::clone(docs))
        }
        (Some(FileRole::Json), _) => FileText::Json(json::parse(f.file, &f.text)),
        (Some(FileRole::Document), Some(docs)) => FileText::ParsedDocuments(Arc::clone(docs)),
        (Some(FileRole::Document), None) => FileText::Documents(parse_documents(f)),
        _ => FileText::Later,
    }
}

/// `override.tf`, `x_override.tf` (and `.tf.json`): merged into other declarations.
fn is_override(f: &ModuleFile) -> bool {
    let name = f
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let stem = name
        .strip_suffix(".tf")
        .or_else(|| name.strip_suffix(".tf.json"))
        .unwrap_or_default();
    stem == "override" || stem.ends_with("_override")
}

fn tfvars_rank(f: &ModuleFile) -> String {
    let name = f
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match name.as_str() {
        "terraform.tfvars" => "0".into(),
        "terraform.tfvars.json" => "1".into(),
        _ => format!("2{name}"),
    }
}

fn add_tfvars(cfg: &mut ModuleConfig, f: &ModuleFile, role: FileRole, diags: &mut Vec<Diagnostic>) {
    if role == FileRole::TfvarsJson {
        if let Some(root) = parse_json(f, diags) {
            from_node::tfvars(cfg, &root);
        }
        return;
    }
    match from_hcl::parse_body(f.file, &f.text) {
        Ok(body) => {
            for a in body.attrs {
                cfg.tfvars.insert(a.name, a.expr);
            }
        }
        Err(e) => diags.push(hcl_error(e)),
    }
}

fn hcl_error(e: SyntaxError) -> Diagnostic {
    Diagnostic::parse_error(
        e.span,
        format!("cannot parse this Terraform file: {}", e.message),
    )
}

fn parse_json(f: &ModuleFile, diags: &mut Vec<Diagnostic>) -> Option<Node> {
    json::parse(f.file, &f.text)
        .map_err(|e| diags.push(json_error(e)))
        .ok()
}

fn json_error(e: SyntaxError) -> Diagnostic {
    Diagnostic::parse_error(e.span, format!("cannot parse this file: {}", e.message))
}

/// A JSON or YAML document that may or may not be Terraform-shaped: errors are
/// not ours to report (the caller's classifier reads these files too).
fn parse_documents(f: &ModuleFile) -> Vec<Node> {
    let looks_json = matches!(f.text.trim_start().as_bytes().first(), Some(b'{' | b'['));
    if looks_json {
        json::parse(f.file, &f.text)
            .map(|n| vec![n])
            .unwrap_or_default()
    } else {
        yaml::parse(f.file, &f.text).unwrap_or_default()
    }
}
