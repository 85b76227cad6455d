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
        let node = r.value(0)?;
        r.skip_blank()?;
        (r.at == r.bytes.len()).then_some(node)
    })();
    match (read, r.dense) {
        (_, Some((values, at))) => Err(Stop::TooDense { values, at }),
        (Some(node), None) => Ok(node),
        (None, None) => Err(Stop::GiveUp),
    }
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

    fn value(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.values += 1;
        if density::too_dense(self.values, self.at) {
            self.dense = Some((self.values, self.at));
            return None;
        }
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
        self.at += 1; // [
        let mut items = Vec::new();
        loop {
            self.skip_blank()?;
            if self.peek()? == b']' {
                self.at += 1;
                return Some(fit(items));
            }
            if items.len() == PRESIZE_AFTER {
                items.reserve_exact(self.items_left().unwrap_or(0));
            }
            items.push(self.value(depth + 1)?);
            self.skip_blank()?;
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(fit(items));
                }
                _ => return None,
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<Vec<Entry>> {
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
            let value = self.value(depth + 1)?;
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
