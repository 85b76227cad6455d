//! A single-pass reader of plain JSON straight into spanned [`Node`]s, for the
//! common case: large exports that are standard JSON (with the comments and
//! trailing commas templates carry). It builds no intermediate tree, so a big
//! file is held once, not twice.
//!
//! It accepts a strict subset of what [`super::json::parse`] accepts and gives
//! the same tree for it; on anything else — a syntax error, a control
//! character or surrogate escape in a string, deep nesting — it gives up
//! ([`Stop::GiveUp`]) and the caller parses with jsonc-parser, which owns the
//! error messages and the edge cases. A text denser than real configuration
//! stops it for good ([`Stop::TooDense`], see [`super::density`]).

use super::density;
use super::node::{Entry, Node, NodeKind};
use crate::source::{FileId, Span};

/// Deeper documents go to jsonc-parser, which reports its own limit (512).
const MAX_DEPTH: usize = 256;

/// Why the reader stopped without a tree.
#[derive(Debug, PartialEq)]
pub(super) enum Stop {
    /// Not the plain JSON this reader takes: jsonc-parser reads it.
    GiveUp,
    /// More values than [`density::too_dense`] allows: `values` in the first `at` bytes.
    TooDense { values: usize, at: usize },
}

pub(super) fn parse(file: FileId, text: &str) -> Result<Node, Stop> {
    read(file, text, |r| r.value(0))
}

/// Runs `document` over the whole text: the tree when it took all of it.
fn read(
    file: FileId,
    text: &str,
    document: impl FnOnce(&mut Reader) -> Option<Node>,
) -> Result<Node, Stop> {
    let mut r = Reader {
        bytes: text.as_bytes(),
        text,
        at: 0,
        file,
        values: 0,
        dense: None,
    };
    let read = (|| {
        r.skip_blank()?;
        let node = document(&mut r)?;
        r.skip_blank()?;
        (r.at == r.bytes.len()).then_some(node)
    })();
    match (read, r.dense) {
        (_, Some((values, at))) => Err(Stop::TooDense { values, at }),
        (Some(node), None) => Ok(node),
        (None, None) => Err(Stop::GiveUp),
    }
}

/// Which list of a document [`parse_streamed`] handed out row by row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StreamedList {
    /// The document is a list.
    Root,
    /// The root object's member with this key span.
    Member(Span),
}

impl StreamedList {
    /// The list's items in the document `root` (empty once streamed); `None`
    /// when the member is gone (a key written twice keeps its later value).
    pub fn items_in(self, root: &mut Node) -> Option<&mut Vec<Node>> {
        let node = match self {
            StreamedList::Root => root,
            StreamedList::Member(span) => match &mut root.kind {
                NodeKind::Object(entries) => {
                    &mut entries.iter_mut().find(|e| e.key_span == span)?.value
                }
                _ => return None,
            },
        };
        match &mut node.kind {
            NodeKind::Array(items) => Some(items),
            _ => None,
        }
    }
}

/// [`parse`], except that the rows of one list are handed to `row` as each is
/// read instead of being kept: the document's own list when it is one, else
/// the first member of the root object whose key `is_list` accepts and whose
/// value is a list. In the tree given back that list is empty (its span is
/// the list's). So a Resource Graph export's `data` or a REST page's `value`
/// is never held whole.
pub(super) fn parse_streamed(
    file: FileId,
    text: &str,
    is_list: impl Fn(&str) -> bool,
    mut row: impl FnMut(Node),
) -> Result<(Node, Option<StreamedList>), Stop> {
    let mut streamed = None;
    let node = read(file, text, |r| {
        Some(match r.peek()? {
            b'[' => {
                streamed = Some(StreamedList::Root);
                r.streamed_list(0, &mut row)?
            }
            b'{' => {
                r.begin_value(0)?;
                let start = r.at;
                let entries = r.object_with(0, |r, key, key_span| {
                    if streamed.is_some() || r.peek() != Some(b'[') || !is_list(key) {
                        return Some(None);
                    }
                    streamed = Some(StreamedList::Member(key_span));
                    r.streamed_list(1, &mut row).map(Some)
                })?;
                Node::new(r.span(start), NodeKind::Object(entries))
            }
            _ => r.value(0)?,
        })
    })?;
    Ok((node, streamed))
}

struct Reader<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
    file: FileId,
    /// Values begun so far, for the density limit.
    values: usize,
    /// Set when the text got too dense: values and bytes read then.
    dense: Option<(usize, usize)>,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn span(&self, start: usize) -> Span {
        Span::new(self.file, start, self.at)
    }

    /// Skips whitespace and comments; `None` on an unterminated comment.
    fn skip_blank(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.at += 1,
                Some(b'/') => match self.bytes.get(self.at + 1) {
                    Some(b'/') => {
                        let rest = &self.bytes[self.at..];
                        self.at += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                    }
                    Some(b'*') => {
                        let rest = self.text.get(self.at + 2..)?;
                        self.at += 2 + rest.find("*/")? + 2;
                    }
                    _ => return None,
                },
                _ => return Some(()),
            }
        }
    }

    /// Counts a value about to be read, within the depth and density limits.
    fn begin_value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.values += 1;
        if density::too_dense(self.values, self.at) {
            self.dense = Some((self.values, self.at));
            return None;
        }
        Some(())
    }

    fn value(&mut self, depth: usize) -> Option<Node> {
        self.begin_value(depth)?;
        let start = self.at;
        let kind = match self.peek()? {
            b'{' => NodeKind::Object(self.object(depth)?),
            b'[' => NodeKind::Array(self.array(depth)?),
            b'"' => NodeKind::String(self.string()?),
            b't' => self.word("true", NodeKind::Bool(true))?,
            b'f' => self.word("false", NodeKind::Bool(false))?,
            b'n' => self.word("null", NodeKind::Null)?,
            b'-' | b'0'..=b'9' => NodeKind::Number(super::json::parse_number(self.number()?)),
            _ => return None,
        };
        Some(Node::new(self.span(start), kind))
    }

    fn word(&mut self, word: &str, kind: NodeKind) -> Option<NodeKind> {
        let end = self.at + word.len();
        if self.bytes.get(self.at..end)? != word.as_bytes() {
            return None;
        }
        // `nullx` is not `null`: the word must end here.
        if self
            .bytes
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            return None;
        }
        self.at = end;
        Some(kind)
    }

    /// The text of a number in JSON's grammar: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Option<&str> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.required_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.required_digits()?;
        }
        // `01`, `1x`: not a number jsonc-parser would take the same way.
        if self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        {
            return None;
        }
        self.text.get(start..self.at)
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    fn required_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }

    /// A string literal, unescaped. Control characters (raw line breaks
    /// included) and surrogate escapes are left to jsonc-parser.
    fn string(&mut self) -> Option<String> {
        self.at += 1; // the opening quote
        let start = self.at;
        // Fast path: no escapes, the common case. memchr finds the closing
        // quote a vector at a time; the run before it must hold no control
        // character (those, raw line breaks included, are jsonc-parser's).
        let run = memchr::memchr2(b'"', b'\\', self.bytes.get(start..)?)?;
        if self.bytes[start..start + run].iter().any(|&b| b < 0x20) {
            return None;
        }
        self.at = start + run;
        if self.bytes[self.at] == b'"' {
            let s = self.text.get(start..self.at)?.to_string();
            self.at += 1;
            return Some(s);
        }
        let mut out = self.text.get(start..self.at)?.to_string();
        loop {
            let run_start = self.at;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            out.push_str(self.text.get(run_start..self.at)?);
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(out);
                }
                b'\\' => {
                    let escaped = self.bytes.get(self.at + 1).copied()?;
                    self.at += 2;
                    out.push(match escaped {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = self.text.get(self.at..self.at + 4)?;
                            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                                return None;
                            }
                            self.at += 4;
                            // A surrogate (half of a pair, or alone): jsonc-parser decides.
                            char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
                        }
                        _ => return None,
                    });
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<Vec<Node>> {
        let mut items = Vec::new();
        self.items(depth, |r, item| {
            items.push(item);
            if items.len() == PRESIZE_AFTER {
                // From just after an item: the ones left, plus one.
                items.reserve_exact(r.items_left().unwrap_or(1).saturating_sub(1));
            }
        })?;
        Some(fit(items))
    }

    /// A list whose items go to `row` as they are read; an empty list node.
    fn streamed_list(&mut self, depth: usize, row: &mut impl FnMut(Node)) -> Option<Node> {
        self.begin_value(depth)?;
        let start = self.at;
        self.items(depth, |_, item| row(item))?;
        Some(Node::new(self.span(start), NodeKind::Array(Vec::new())))
    }

    /// Reads a list from its `[`, handing each item to `item`.
    fn items(&mut self, depth: usize, mut item: impl FnMut(&Self, Node)) -> Option<()> {
        self.at += 1; // [
        loop {
            self.skip_blank()?;
            if self.peek()? == b']' {
                self.at += 1;
                return Some(());
            }
            let node = self.value(depth + 1)?;
            item(self, node);
            self.skip_blank()?;
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<Vec<Entry>> {
        self.object_with(depth, |_, _, _| Some(None))
    }

    /// Reads an object from its `{`. `own` may read a member's value itself
    /// (the reader is at its start): it gives `None` to leave it to [`Self::value`].
    fn object_with(
        &mut self,
        depth: usize,
        mut own: impl FnMut(&mut Self, &str, Span) -> Option<Option<Node>>,
    ) -> Option<Vec<Entry>> {
        self.at += 1; // {
        let mut entries = Vec::new();
        loop {
            self.skip_blank()?;
            match self.peek()? {
                b'}' => {
                    self.at += 1;
                    return Some(fit(entries));
                }
                b'"' => {}
                _ => return None,
            }
            if entries.len() == PRESIZE_AFTER {
                entries.reserve_exact(self.items_left().unwrap_or(0));
            }
            let key_start = self.at;
            let key = self.string()?;
            let key_span = self.span(key_start);
            self.skip_blank()?;
            if self.peek()? != b':' {
                return None;
            }
            self.at += 1;
            self.skip_blank()?;
            let value = match own(self, &key, key_span)? {
                Some(value) => value,
                None => self.value(depth + 1)?,
            };
            entries.push(Entry {
                key,
                key_span,
                value,
            });
            self.skip_blank()?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(fit(entries));
                }
                _ => return None,
            }
        }
    }
}

/// Lists longer than this are counted to their end once and sized exactly:
/// growing a list of millions by doubling holds the old and the new copy at
/// once, half again the list's size on top of the tree.
const PRESIZE_AFTER: usize = 4096;

impl Reader<'_> {
    /// How many items the list being read has from here to its closing
    /// bracket (one more when it ends in a trailing comma), without reading
    /// them; `None` when the text ends first.
    fn items_left(&self) -> Option<usize> {
        let bytes = self.bytes;
        let mut depth = 0usize;
        let mut commas = 0;
        let mut at = self.at;
        loop {
            match *bytes.get(at)? {
                b'"' => {
                    at += 1;
                    loop {
                        at += memchr::memchr2(b'"', b'\\', bytes.get(at..)?)?;
                        if bytes[at] == b'"' {
                            break;
                        }
                        at += 2;
                    }
                }
                b'/' if bytes.get(at + 1) == Some(&b'/') => {
                    at += memchr::memchr(b'\n', &bytes[at..])?;
                }
                b'/' if bytes.get(at + 1) == Some(&b'*') => {
                    at += 2 + memchr::memmem::find(&bytes[at + 2..], b"*/")? + 1;
                }
                b'[' | b'{' => depth += 1,
                b']' | b'}' if depth == 0 => return Some(commas + 1),
                b']' | b'}' => depth -= 1,
                b',' if depth == 0 => commas += 1,
                _ => {}
            }
            at += 1;
        }
    }
}

/// Gives back a grown vector's spare capacity: the tree of a big export lives
/// until it is ingested, and doubling leaves up to half of each list unused.
fn fit<T>(mut items: Vec<T>) -> Vec<T> {
    items.shrink_to_fit();
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_list(key: &str) -> bool {
        key.eq_ignore_ascii_case("data") || key.eq_ignore_ascii_case("value")
    }

    /// The streamed reading of `text`: the tree, which list went, its rows.
    fn streamed(text: &str) -> Result<(Node, Option<StreamedList>, Vec<Node>), Stop> {
        let mut rows = Vec::new();
        let (node, list) = parse_streamed(FileId(0), text, is_list, |row| rows.push(row))?;
        Ok((node, list, rows))
    }

    /// The whole tree's list that streaming hands out, taken out of it.
    fn take_list(whole: &mut Node, list: StreamedList) -> Vec<Node> {
        std::mem::take(list.items_in(whole).expect("the streamed list"))
    }

    #[test]
    fn streamed_rows_are_the_list_and_the_rest_is_the_tree() {
        for (text, member) in [
            (r#"[{"id": "a"}, 2, {"b": [1, {"c": null}]}]"#, None),
            (
                r#"{"count": 2, "data": [{"id": "a"}, {"id": "b"}], "skip_token": null}"#,
                Some("\"data\""),
            ),
            (
                r#"{"nextLink": "x", "value": [{"id": "a", "value": [1]}]}"#,
                Some("\"value\""),
            ),
            // Only the first list of those asked for; a `data` that is no list is read as usual.
            (
                r#"{"data": {"x": 1}, "Value": [1], "value": [2], "DATA": [3]}"#,
                Some("\"Value\""),
            ),
            (
                "{\n  // c\n  \"data\": [ {\"a\": 1}, ],\n}",
                Some("\"data\""),
            ),
            (r#"[]"#, None),
        ] {
            let (tree, list, rows) = streamed(text).unwrap_or_else(|e| panic!("{e:?}: {text}"));
            let mut whole = parse(FileId(0), text).unwrap();
            let list = list.unwrap_or_else(|| panic!("nothing streamed: {text}"));
            match (list, member) {
                (StreamedList::Root, None) => {}
                (StreamedList::Member(span), Some(key)) => {
                    assert_eq!(&text[span.start as usize..span.end as usize], key, "{text}");
                }
                other => panic!("{other:?} streamed from {text}"),
            }
            assert_eq!(rows, take_list(&mut whole, list), "{text}");
            assert_eq!(tree, whole, "{text}");
        }
    }

    #[test]
    fn a_document_without_the_lists_asked_for_is_read_whole() {
        for text in [r#"{"resources": [1, 2], "dataX": [3]}"#, r#""data""#, "7"] {
            let (tree, list, rows) = streamed(text).unwrap();
            assert_eq!((list, rows.len()), (None, 0), "{text}");
            assert_eq!(tree, parse(FileId(0), text).unwrap(), "{text}");
        }
    }

    #[test]
    fn streaming_stops_where_reading_whole_stops() {
        // A syntax error after some rows: the caller reads the text again.
        assert_eq!(
            streamed(r#"{"data": [{"id": 1}, {"id": 2}], "count": 2,, }"#).unwrap_err(),
            Stop::GiveUp
        );
        // The density limit counts the same values at the same place.
        let dense = format!("{{\"count\": 1, \"data\": [{}1]}}", "1,".repeat(200_000));
        let whole = parse(FileId(0), &dense).unwrap_err();
        assert!(matches!(whole, Stop::TooDense { .. }), "{whole:?}");
        assert_eq!(streamed(&dense).unwrap_err(), whole);
    }
}
