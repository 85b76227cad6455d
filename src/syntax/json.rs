//! JSON (and the JSONC that real ARM templates carry) into spanned [`Node`]s.

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions};

use super::node::{Entry, Node, NodeKind, Number};
use crate::source::{FileId, Span};

/// A syntax error with the byte range the parser gave.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}

/// Parses JSON allowing only what real templates contain beyond the standard:
/// `//` and `/* */` comments, trailing commas and raw line breaks in strings.
pub fn parse(file: FileId, text: &str) -> Result<Node, SyntaxError> {
    match super::fast_json::parse(file, text) {
        Some(node) => Ok(node),
        None => parse_jsonc(file, text),
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
            SyntaxError {
                message: e.kind().to_string(),
                span: Span::new(file, e.range().start, e.range().end),
            }
        })?;
    match result.value {
        Some(value) => Ok(convert(file, value)),
        None => Err(SyntaxError {
            message: "the file holds no JSON value".into(),
            span: Span::new(file, 0, 0),
        }),
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let fast = crate::syntax::fast_json::parse(FileId(0), text);
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
