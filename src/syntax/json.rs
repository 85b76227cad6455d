//! JSON (and the JSONC that real ARM templates carry) into spanned [`Node`]s.

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions};

use super::fast_json::Stop;
use super::node::{Entry, Node, NodeKind, Number};
use crate::source::{FileId, Span};

/// A syntax error with the byte range the parser gave.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    /// Set when the text is denser than any real configuration
    /// (`input-too-dense`, [`super::density`]) rather than malformed.
    pub too_dense: bool,
}

impl SyntaxError {
    pub fn new(span: Span, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            message: message.into(),
            span,
            too_dense: false,
        }
    }

    /// `values` in the first `at` bytes of `file` are too many.
    pub fn too_dense(file: FileId, values: usize, at: usize) -> SyntaxError {
        SyntaxError {
            message: super::density::message(values, at),
            span: Span::new(file, at, at),
            too_dense: true,
        }
    }
}

/// Parses JSON allowing only what real templates contain beyond the standard:
/// `//` and `/* */` comments, trailing commas and raw line breaks in strings.
pub fn parse(file: FileId, text: &str) -> Result<Node, SyntaxError> {
    match super::fast_json::parse(file, text) {
        Ok(node) => Ok(node),
        Err(Stop::TooDense { values, at }) => Err(SyntaxError::too_dense(file, values, at)),
        Err(Stop::GiveUp) => {
            // jsonc-parser's tree is bigger still: count before building it.
            if let Some((values, at)) = super::density::json_too_dense_at(text) {
                return Err(SyntaxError::too_dense(file, values, at));
            }
            parse_jsonc(file, text)
        }
    }
}

/// jsonc-parser's reading: every error message and edge case comes from here.
fn parse_jsonc(file: FileId, text: &str) -> Result<Node, SyntaxError> {
    let options = ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let result =
        jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options).map_err(|e| {
            SyntaxError::new(
                Span::new(file, e.range().start, e.range().end),
                e.kind().to_string(),
            )
        })?;
    match result.value {
        Some(value) => Ok(convert(file, value)),
        None => Err(SyntaxError::new(
            Span::new(file, 0, 0),
            "the file holds no JSON value",
        )),
    }
}

fn convert(file: FileId, value: Value<'_>) -> Node {
    match value {
        Value::StringLit(s) => Node::new(
            Span::new(file, s.range.start, s.range.end),
            NodeKind::String(s.value.into_owned()),
        ),
        Value::NumberLit(n) => Node::new(
            Span::new(file, n.range.start, n.range.end),
            NodeKind::Number(parse_number(n.value)),
        ),
        Value::BooleanLit(b) => Node::new(
            Span::new(file, b.range.start, b.range.end),
            NodeKind::Bool(b.value),
        ),
        Value::NullKeyword(n) => {
            Node::new(Span::new(file, n.range.start, n.range.end), NodeKind::Null)
        }
        Value::Array(a) => Node::new(
            Span::new(file, a.range.start, a.range.end),
            NodeKind::Array(a.elements.into_iter().map(|v| convert(file, v)).collect()),
        ),
        Value::Object(o) => {
            let span = Span::new(file, o.range.start, o.range.end);
            let entries = o
                .properties
                .into_iter()
                .map(|p| {
                    let (key, key_range) = match p.name {
                        ObjectPropName::String(s) => (s.value.into_owned(), s.range),
                        ObjectPropName::Word(w) => (w.value.to_string(), w.range),
                    };
                    Entry {
                        key,
                        key_span: Span::new(file, key_range.start, key_range.end),
                        value: convert(file, p.value),
                    }
                })
                .collect();
            Node::new(span, NodeKind::Object(entries))
        }
    }
}

pub(super) fn parse_number(text: &str) -> Number {
    match text.parse::<i64>() {
        Ok(i) => Number::Int(i),
        Err(_) => Number::Float(text.parse::<f64>().unwrap_or(f64::NAN)),
    }
}

/// A key written twice in one JSON object: `first` lost, `second` is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateKey {
    pub key: String,
    pub first: Span,
    pub second: Span,
}

/// Objects up to this size are searched pairwise; larger ones through a set.
const PAIRWISE: usize = 16;

/// Resolves keys written twice in one object as Azure does — the last value
/// wins (ARM reads templates with Json.NET, whose default for duplicate
/// properties is `Replace`) — and returns each collision so it can be reported
/// at the second key. Keys compare exactly (JSON is case-sensitive).
pub fn resolve_duplicate_keys(node: &mut Node) -> Vec<DuplicateKey> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &mut n.kind {
            NodeKind::Object(entries) => {
                if has_duplicates(entries) {
                    keep_last(entries, &mut found);
                }
                stack.extend(entries.iter_mut().map(|e| &mut e.value));
            }
            NodeKind::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
    found.sort_by_key(|d| (d.second.start, d.second.end));
    found
}

fn has_duplicates(entries: &[Entry]) -> bool {
    if entries.len() <= PAIRWISE {
        return entries
            .iter()
            .enumerate()
            .any(|(i, a)| entries[i + 1..].iter().any(|b| a.key == b.key));
    }
    let mut seen = crate::hash::set_with_capacity(entries.len());
    !entries.iter().all(|e| seen.insert(e.key.as_str()))
}

/// Drops every entry whose key appears again later in the object.
fn keep_last(entries: &mut Vec<Entry>, found: &mut Vec<DuplicateKey>) {
    let mut last: crate::hash::FastMap<String, usize> =
        crate::hash::map_with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        last.insert(e.key.clone(), i);
    }
    let mut previous: crate::hash::FastMap<String, Span> =
        crate::hash::map_with_capacity(entries.len());
    for e in entries.iter() {
        if let Some(first) = previous.insert(e.key.clone(), e.key_span) {
            found.push(DuplicateKey {
                key: e.key.clone(),
                first,
                second: e.key_span,
            });
        }
    }
    let mut i = 0;
    entries.retain(|e| {
        let keep = last.get(&e.key) == Some(&i);
        i += 1;
        keep
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_resolve_to_the_last_value() {
        let text = r#"{"a": 1, "b": {"c": 1, "c": 2, "C": 3}, "a": [{"d": 1, "d": 2, "d": 3}]}"#;
        let mut node = parse(FileId(0), text).unwrap();
        let dups = resolve_duplicate_keys(&mut node);
        let at = |s: Span| &text[s.start as usize..s.end as usize];
        let got: Vec<(&str, &str, &str)> = dups
            .iter()
            .map(|d| (d.key.as_str(), at(d.first), at(d.second)))
            .collect();
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(dups[0].key, "c");
        assert!(dups[0].first.start < dups[0].second.start);
        let b = node.get("b").unwrap();
        // Exact keys only: "C" is a different key.
        assert_eq!(b.as_object().map(<[Entry]>::len), Some(2));
        assert_eq!(b.get("c").and_then(Node::as_i64), Some(2));
        let a = node.get("a").unwrap().as_array().unwrap();
        assert_eq!(a[0].get("d").and_then(Node::as_i64), Some(3));
        // Large objects take the hashed path.
        let many: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {i}")).collect();
        let text = format!("{{{}, \"k7\": 99}}", many.join(", "));
        let mut node = parse(FileId(0), &text).unwrap();
        assert_eq!(resolve_duplicate_keys(&mut node).len(), 1);
        assert_eq!(node.get("k7").and_then(Node::as_i64), Some(99));
    }

    #[test]
    fn keeps_spans_and_tolerates_comments_and_trailing_commas() {
        let text = "{\n  // c\n  \"a\": [1, 2,],\n  /* b */ \"b\": \"x\",\n}";
        let node = parse(FileId(0), text).unwrap();
        let b = node.get("b").unwrap();
        assert_eq!(&text[b.span.start as usize..b.span.end as usize], "\"x\"");
        assert_eq!(node.get("a").unwrap().as_array().unwrap().len(), 2);
    }

    #[test]
    fn rejects_json5_extras() {
        assert!(parse(FileId(0), "{'a': 1}").is_err());
        assert!(parse(FileId(0), "{\"a\": 0x10}").is_err());
        assert!(parse(FileId(0), "{a: 1}").is_err());
    }

    /// The fast reader gives jsonc-parser's tree, or leaves the text to it.
    fn same_as_jsonc(text: &str) -> bool {
        let fast = crate::syntax::fast_json::parse(FileId(0), text).ok();
        let slow = parse_jsonc(FileId(0), text);
        match (&fast, &slow) {
            (Some(f), Ok(s)) => assert_eq!(f, s, "{text}"),
            (Some(f), Err(e)) => panic!("fast took what jsonc rejects ({e:?}): {f:?}"),
            (None, _) => {}
        }
        fast.is_some()
    }

    #[test]
    fn fast_reader_gives_the_same_tree() {
        for text in [
            r#"{"a": [1, -2, 3.5, 1e3, -0.5E-2, 0], "b": {"c": null, "d": true, "e": false}}"#,
            "{\n  // c\n  \"a\": [1, 2,],\n  /* b */ \"b\": \"x\",\n}",
            r#"{"esc": "q\"b\\s\/n\nt\tu\u00e9\u0041", "utf8": "zürich ☃", "": ""}"#,
            r#"[[], {}, [{}], "", 9223372036854775807, 9223372036854775808]"#,
            r#"{"dup": 1, "dup": 2}"#,
            "  \"top\"  ",
        ] {
            assert!(same_as_jsonc(text), "fast reader gave up on {text}");
        }
    }

    #[test]
    fn fast_reader_leaves_the_unusual_to_jsonc() {
        for text in [
            "{\"a\": 01}",
            "{\"a\": 1.}",
            "{\"a\": .5}",
            "{\"a\": nul}",
            "{\"a\": nullx}",
            "[1,,2]",
            "{,}",
            "{\"a\" 1}",
            "{\"a\": 1} x",
            "\"line\nbreak\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud800\"",
            "/* open",
            "",
            "{'a': 1}",
            "{a: 1}",
            "[1 2]",
        ] {
            assert!(!same_as_jsonc(text), "fast reader took {text:?}");
        }
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert!(!same_as_jsonc(&deep));
    }

    #[test]
    fn fast_reader_matches_jsonc_on_every_fixture() {
        let mut dirs = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
        let mut compared = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|e| e == "json") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    let text = crate::source::strip_bom(text).replace("\r\n", "\n");
                    compared += usize::from(same_as_jsonc(&text));
                }
            }
        }
        assert!(
            compared > 50,
            "only {compared} fixtures read by the fast reader"
        );
    }

    #[test]
    fn empty_text_is_an_error() {
        assert!(parse(FileId(0), "  ").is_err());
    }
}
