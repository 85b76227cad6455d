//! A data file's text into its documents: JSON when the text starts like JSON,
//! else YAML (`az … -o yaml`, manifests), with the notes the parse makes
//! without failing.

pub use super::fast_json::StreamedList;
use super::{fast_json, json, yaml, Node, SyntaxError};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{FileId, Span};

/// The documents of one data file and what the parse noticed without failing.
#[derive(Debug, Default)]
pub struct Documents {
    pub nodes: Vec<Node>,
    /// Keys written twice in one JSON object.
    pub warnings: Vec<Diagnostic>,
}

/// True when the text starts like JSON (`{` or `[` after white space).
pub fn looks_json(text: &str) -> bool {
    matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['))
}

/// Parses `text` as JSON or YAML; blank text holds no document.
pub fn parse_documents(file: FileId, text: &str) -> Result<Documents, SyntaxError> {
    let (nodes, warnings) = parse_each(file, text, |node| node)?;
    Ok(Documents { nodes, warnings })
}

/// [`parse_documents`], handing each document to `keep` as soon as it is
/// read (so a long YAML stream is never held whole), with
/// the keys written twice.
pub fn parse_each<T>(
    file: FileId,
    text: &str,
    mut keep: impl FnMut(Node) -> T,
) -> Result<(Vec<T>, Vec<Diagnostic>), SyntaxError> {
    // JSON and YAML forbid a raw NUL; some parsers take it inside a string.
    if let Some(at) = text.find('\0') {
        return Err(SyntaxError::new(
            Span::new(file, at, at + 1),
            "a NUL byte is not allowed in JSON or YAML text",
        ));
    }
    if looks_json(text) {
        let mut node = json::parse(file, text)?;
        let warnings = duplicate_key_warnings(&mut node);
        return Ok((vec![keep(node)], warnings));
    }
    if text.trim().is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    Ok((yaml::parse_each(file, text, keep)?, Vec::new()))
}

/// A JSON document read by [`parse_json_streamed`].
#[derive(Debug)]
pub struct StreamedJson {
    /// The document, with the list that went row by row left empty.
    pub root: Node,
    /// Which list went row by row; `None` when the document holds none of
    /// those asked for, and `root` is whole.
    pub list: Option<StreamedList>,
    /// Keys written twice, in the rows and in the rest.
    pub warnings: Vec<Diagnostic>,
}

/// Reads a JSON document handing the rows of one list to `row` as each is
/// read (see [`fast_json::parse_streamed`]), each with its keys written twice
/// resolved. `Ok(None)` when the text is not the plain JSON the single-pass
/// reader takes: [`parse_documents`] reads it, and owns its messages.
pub fn parse_json_streamed(
    file: FileId,
    text: &str,
    is_list: impl Fn(&str) -> bool,
    mut row: impl FnMut(Node),
) -> Result<Option<StreamedJson>, SyntaxError> {
    if memchr::memchr(0, text.as_bytes()).is_some() {
        return Ok(None);
    }
    let mut warnings = Vec::new();
    let read = fast_json::parse_streamed(file, text, is_list, |mut node| {
        warnings.extend(duplicate_key_warnings(&mut node));
        row(node);
    });
    match read {
        Ok((mut root, list)) => {
            warnings.extend(duplicate_key_warnings(&mut root));
            Ok(Some(StreamedJson {
                root,
                list,
                warnings,
            }))
        }
        Err(fast_json::Stop::TooDense { values, at }) => {
            Err(SyntaxError::too_dense(file, values, at))
        }
        Err(fast_json::Stop::GiveUp) => Ok(None),
    }
}

/// A key written twice in one JSON object: a warning at the second, whose value
/// is the one used (as ARM reads templates), pointing back at the first.
fn duplicate_key_warnings(node: &mut Node) -> Vec<Diagnostic> {
    json::resolve_duplicate_keys(node)
        .into_iter()
        .map(|dup| {
            let mut d = Diagnostic::new(
                "duplicate-key",
                "duplicate-key",
                Severity::Warning,
                format!(
                    "key `{}` is written twice in this object; Azure uses this later value and ignores the first",
                    dup.key
                ),
                Label::new(dup.second, "this value is used"),
            );
            d.labels.push(Label::new(dup.first, "this one is ignored"));
            d.help = Some("remove one of the two; edits to the ignored copy have no effect".into());
            d
        })
        .collect()
}
