//! YAML streams (`az aks show -o yaml`, Kubernetes manifests) into spanned [`Node`]s.
//!
//! saphyr-parser reads the text; we pull its events one by one through a
//! budget that bounds alias expansion, nesting and density, build our tree
//! from them directly (no loader tree in between), and resolve scalars with
//! the YAML 1.2 core schema ourselves so the rules are ours. saphyr counts positions in characters;
//! [`CharOffsets`] turns them into byte offsets.

use std::collections::HashSet;

use crate::hash::FastMap as HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span as YamlSpan, Tag};

use super::density;
use super::json::SyntaxError;
use super::node::{Entry, Node, NodeKind, Number};
use crate::source::{FileId, Span};

/// Most nodes that alias expansion may add to one stream. Real configs use a
/// handful of aliases; a "billion laughs" bomb needs millions.
const MAX_ALIAS_NODES: usize = 100_000;

/// Deepest collection nesting accepted. Keeps our recursive conversion (and
/// the recursive drop of the tree) far from the stack limit.
const MAX_DEPTH: usize = 256;

/// Parses every document of a YAML stream. An empty document (`---` followed
/// by nothing) becomes a `Null` node; a text with no document at all gives an
/// empty list.
pub fn parse(file: FileId, text: &str) -> Result<Vec<Node>, SyntaxError> {
    parse_each(file, text, |node| node)
}

/// [`parse`], handing each document to `keep` as soon as it is read: what it
/// returns is kept, so a caller that keeps only what it reads holds one
/// document at a time, not a stream of 100,000.
pub fn parse_each<T>(
    file: FileId,
    text: &str,
    mut keep: impl FnMut(Node) -> T,
) -> Result<Vec<T>, SyntaxError> {
    let conv = Converter {
        file,
        text,
        offsets: CharOffsets::new(text),
    };
    let mut kept = Vec::new();
    let mut budget = Budget::default();
    let mut values = Values::default();
    let mut builder = Builder::new(&conv);
    let mut parser = Parser::new_from_str(text);
    // We pull events ourselves: `Parser::load` recurses once per nesting
    // level and overflows the stack on deeply nested block collections.
    while let Some(next) = parser.next_event() {
        let (ev, span) = next.map_err(|e| conv.error_at(*e.marker(), e.info().to_string()))?;
        budget
            .account(&ev)
            .map_err(|why| conv.error_at(span.start, why.to_string()))?;
        values.account(&ev);
        let at = conv.offsets.byte(span.start.index());
        if density::too_dense(values.count, at) {
            return Err(SyntaxError::too_dense(file, values.count, at));
        }
        if let Some(doc) = builder.event(ev, span)? {
            kept.push(keep(doc));
        }
    }
    Ok(kept)
}

/// Builds our tree straight from the parser's events. saphyr's own loader
/// would first build its tree (a linked hash map per mapping, two markers
/// per node: 40 times a list of numbers' size) and we would convert that.
struct Builder<'c, 't> {
    conv: &'c Converter<'t>,
    open: Vec<Open>,
    /// The document's finished root.
    root: Option<Node>,
    /// Anchored nodes of this document, as aliases copy them.
    anchors: HashMap<usize, Built>,
}

/// A collection being read.
struct Open {
    start: Marker,
    anchor: usize,
    items: Vec<Node>,
    /// For a mapping; `None` for a sequence.
    map: Option<MapState>,
}

#[derive(Default)]
struct MapState {
    entries: Vec<Entry>,
    /// How each entry's key was written, for the duplicate check at the end.
    keys: Vec<KeyNote>,
    /// `<<` entries, applied at the end.
    merged: Vec<Entry>,
    /// The key read, waiting for its value, and where it began.
    key: Option<(Built, Marker)>,
}

/// What the duplicate check needs of a key besides its text (8 bytes, not a
/// copy of the key: a mapping may have millions).
#[derive(Clone, Copy)]
struct KeyNote {
    /// Resolved to a string (`a`, `"a"`) or not (`1`, `true`).
    is_string: bool,
    /// An untagged scalar: saphyr's own check compares these as written.
    plain_scalar: Option<ScalarStyle>,
    /// Where the key began, in characters (saphyr's marker index).
    mark: usize,
}

/// A finished node, and for a scalar what a mapping needs of it as a key.
#[derive(Clone)]
struct Built {
    node: Node,
    scalar: Option<RawScalar>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct RawScalar {
    raw: String,
    style: ScalarStyle,
    tag: Option<(String, String)>,
}

impl RawScalar {
    /// A plain `<<` key: YAML's merge key (Kubernetes manifests and
    /// Terraform-shaped YAML use it to share blocks through anchors). saphyr
    /// implements YAML 1.2, which leaves merge keys out, so they are applied here.
    fn is_merge_key(&self) -> bool {
        self.raw == "<<" && self.style == ScalarStyle::Plain && self.tag.is_none()
    }
}

impl<'c, 't> Builder<'c, 't> {
    fn new(conv: &'c Converter<'t>) -> Self {
        Builder {
            conv,
            open: Vec::new(),
            root: None,
            anchors: HashMap::default(),
        }
    }

    /// Takes one event; gives the document it finishes.
    fn event(&mut self, ev: Event<'_>, span: YamlSpan) -> Result<Option<Node>, SyntaxError> {
        match ev {
            // Anchors live for one document.
            Event::DocumentStart(_) => self.anchors.clear(),
            Event::DocumentEnd => {
                // An empty document is a null at its end marker.
                let empty = || Node::new(self.conv.span(span), NodeKind::Null);
                return Ok(Some(self.root.take().unwrap_or_else(empty)));
            }
            Event::Scalar(raw, style, anchor, tag) => {
                let at = self.conv.scalar_span(self.conv.span(span), style);
                let kind = resolve(&raw, style, tag.as_deref())
                    .map_err(|message| SyntaxError::new(at, message))?;
                // Only keys and anchored scalars are looked at as written.
                let is_key = self
                    .open
                    .last()
                    .and_then(|o| o.map.as_ref())
                    .is_some_and(|m| m.key.is_none());
                let scalar = (is_key || anchor > 0).then(|| RawScalar {
                    raw: raw.into_owned(),
                    style,
                    tag: tag.map(|t| (t.handle.clone(), t.suffix.clone())),
                });
                let built = Built {
                    node: Node::new(at, kind),
                    scalar,
                };
                self.insert(built, anchor, span.start)?;
            }
            Event::Alias(id) => {
                let Some(mut built) = self.anchors.get(&id).cloned() else {
                    let at = self.conv.span(span);
                    return Err(SyntaxError::new(
                        at,
                        "alias refers to an anchor that is not complete here",
                    ));
                };
                // The copy's own span is the alias; its insides point at the anchor.
                let at = self.conv.span(span);
                built.node.span = match &built.scalar {
                    Some(s) => self.conv.scalar_span(at, s.style),
                    None => at,
                };
                self.insert(built, 0, span.start)?;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let map = matches!(ev, Event::MappingStart(..)).then(MapState::default);
                self.open.push(Open {
                    start: span.start,
                    anchor,
                    items: Vec::new(),
                    map,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(open) = self.open.pop() {
                    let (anchor, built) = self.close(open, span.start)?;
                    self.insert(built, anchor, span.start)?;
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(None)
    }

    /// A finished collection, spanning from its start to `end`.
    fn close(&self, open: Open, end: Marker) -> Result<(usize, Built), SyntaxError> {
        let raw = YamlSpan::new(open.start, end);
        let node = match open.map {
            None => {
                let last = open.items.iter().map(|n| n.span.end).max();
                Node::new(
                    self.conv.collection_span(raw, last),
                    NodeKind::Array(fit(open.items)),
                )
            }
            Some(map) => {
                let mut entries = map.entries;
                duplicate_key(self.conv, &entries, &map.keys)?;
                if !map.merged.is_empty() {
                    let mut seen: HashSet<(bool, String)> = entries
                        .iter()
                        .zip(&map.keys)
                        .map(|(e, note)| (note.is_string, e.key.clone()))
                        .collect();
                    for merge in map.merged {
                        apply_merge(&mut entries, &mut seen, merge)?;
                    }
                }
                let last = entries
                    .iter()
                    .map(|e| e.key_span.end.max(e.value.span.end))
                    .max();
                Node::new(
                    self.conv.collection_span(raw, last),
                    NodeKind::Object(fit(entries)),
                )
            }
        };
        Ok((open.anchor, Built { node, scalar: None }))
    }

    /// Places a finished node in its collection (or as the root).
    fn insert(&mut self, built: Built, anchor: usize, mark: Marker) -> Result<(), SyntaxError> {
        // saphyr numbers anchors from 1; 0 means "no anchor".
        if anchor > 0 {
            self.anchors.insert(anchor, built.clone());
        }
        let Some(open) = self.open.last_mut() else {
            self.root = Some(built.node);
            return Ok(());
        };
        let Some(map) = open.map.as_mut() else {
            open.items.push(built.node);
            return Ok(());
        };
        match map.key.take() {
            None => map.key = Some((built, mark)),
            Some((key, key_mark)) => {
                let conv = self.conv;
                add_entry(conv, map, key, key_mark, built.node)?;
            }
        }
        Ok(())
    }
}

/// Adds `key: value` to a mapping; duplicates are looked for when it closes.
fn add_entry(
    conv: &Converter<'_>,
    map: &mut MapState,
    key: Built,
    key_mark: Marker,
    value: Node,
) -> Result<(), SyntaxError> {
    let merge = key.scalar.as_ref().is_some_and(RawScalar::is_merge_key);
    let note = KeyNote {
        is_string: matches!(key.node.kind, NodeKind::String(_)),
        plain_scalar: key
            .scalar
            .as_ref()
            .filter(|s| s.tag.is_none())
            .map(|s| s.style),
        mark: key_mark.index(),
    };
    let key_span = key.node.span;
    let text = match key.scalar {
        Some(s) => s.raw,
        // Complex keys (`? [a, b]`) become their source text.
        None => conv.slice(key_span).to_string(),
    };
    let entry = Entry {
        key: text,
        key_span,
        value,
    };
    if merge {
        // A second `<<` is a key written twice, as saphyr sees it.
        if !map.merged.is_empty() {
            return Err(conv.error_at(key_mark, "duplicated key in mapping".into()));
        }
        map.merged.push(entry);
    } else {
        map.entries.push(entry);
        map.keys.push(note);
    }
    Ok(())
}

/// The first key written twice in a mapping, compared as resolved (string or
/// not, and text): saphyr compares keys as written, so `a` and `"a"` pass
/// its check. A key written the same way twice is reported as saphyr would,
/// at its first character; one that differs only in quoting at the whole key.
fn duplicate_key(
    conv: &Converter<'_>,
    entries: &[Entry],
    keys: &[KeyNote],
) -> Result<(), SyntaxError> {
    let mut first: HashMap<(bool, &str), usize> = crate::hash::map_with_capacity(entries.len());
    for (i, (entry, note)) in entries.iter().zip(keys).enumerate() {
        let Some(j) = first.insert((note.is_string, entry.key.as_str()), i) else {
            continue;
        };
        let written_alike =
            note.plain_scalar.is_some() && note.plain_scalar == keys[j].plain_scalar;
        return Err(if written_alike {
            conv.error_at_char(note.mark, "duplicated key in mapping".into())
        } else {
            SyntaxError::new(entry.key_span, "duplicated key in mapping")
        });
    }
    Ok(())
}

/// Gives back a grown list's spare capacity: the tree lives until it is ingested.
fn fit<T>(mut items: Vec<T>) -> Vec<T> {
    items.shrink_to_fit();
    items
}

/// Counts the values written, as JSON's density is counted: mapping keys
/// are not values, and an alias is one (its expansion has its own bound).
#[derive(Default)]
struct Values {
    count: usize,
    /// What the next node is in each open collection.
    open: Vec<Slot>,
}

#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Item,
    Key,
    Value,
}

impl Values {
    fn account(&mut self, ev: &Event<'_>) {
        match ev {
            Event::Scalar(..) | Event::Alias(_) => self.node(),
            Event::SequenceStart(..) => {
                self.node();
                self.open.push(Slot::Item);
            }
            Event::MappingStart(..) => {
                self.node();
                self.open.push(Slot::Key);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.open.pop();
            }
            _ => {}
        }
    }

    /// A node begins: a value unless it is a mapping's key.
    fn node(&mut self) {
        match self.open.last_mut() {
            Some(slot @ Slot::Key) => *slot = Slot::Value,
            Some(slot @ Slot::Value) => {
                *slot = Slot::Key;
                self.count += 1;
            }
            Some(Slot::Item) | None => self.count += 1,
        }
    }
}

/// Counts nodes as they would exist after alias expansion.
///
/// saphyr's own alias limit counts a mapping key as one node whatever its
/// size, so aliases used as keys can still double the tree at every level.
/// Counting events covers keys and values alike.
#[derive(Default)]
struct Budget {
    /// Nodes so far, counting each alias as the expanded size of its anchor.
    total: usize,
    /// Nodes added by aliases alone.
    from_aliases: usize,
    /// Anchor id and `total` at the start of each open collection.
    open: Vec<(usize, usize)>,
    /// Expanded size of each finished anchored node.
    anchor_sizes: HashMap<usize, usize>,
}

impl Budget {
    fn account(&mut self, ev: &Event<'_>) -> Result<(), &'static str> {
        match ev {
            Event::Scalar(_, _, anchor, _) => {
                self.total = self.total.saturating_add(1);
                self.record(*anchor, 1);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.open.len() >= MAX_DEPTH {
                    return Err("collections are nested too deeply");
                }
                self.open.push((*anchor, self.total));
                self.total = self.total.saturating_add(1);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, start)) = self.open.pop() {
                    self.record(anchor, self.total.saturating_sub(start));
                }
            }
            // Anchors live for one document; the parser (driven event by
            // event) would otherwise let aliases reach into earlier ones.
            Event::DocumentStart(_) => self.anchor_sizes.clear(),
            Event::Alias(id) => {
                let Some(&size) = self.anchor_sizes.get(id) else {
                    return Err(if self.open.iter().any(|(anchor, _)| anchor == id) {
                        "alias refers to a node that contains it"
                    } else {
                        "alias refers to an anchor of another document"
                    });
                };
                self.total = self.total.saturating_add(size);
                self.from_aliases = self.from_aliases.saturating_add(size);
                if self.from_aliases > MAX_ALIAS_NODES {
                    return Err(
                        "aliases expand to too many nodes (possible billion-laughs attack)",
                    );
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn record(&mut self, anchor: usize, size: usize) {
        // saphyr numbers anchors from 1; 0 means "no anchor".
        if anchor > 0 {
            self.anchor_sizes.insert(anchor, size);
        }
    }
}

/// Maps saphyr's character indices to byte offsets.
///
/// Stores only the non-ASCII characters: the byte offset of character `i` is
/// `i` plus the extra bytes of the wide characters before it.
struct CharOffsets {
    /// (char index, extra bytes of this and all earlier wide characters).
    wide: Vec<(usize, usize)>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> CharOffsets {
        let mut extra = 0;
        let wide = text
            .chars()
            .enumerate()
            .filter(|(_, c)| !c.is_ascii())
            .map(|(i, c)| {
                extra += c.len_utf8() - 1;
                (i, extra)
            })
            .collect();
        CharOffsets {
            wide,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        let before = self.wide.partition_point(|&(i, _)| i < char_index);
        let extra = match before.checked_sub(1) {
            Some(last) => self.wide[last].1,
            None => 0,
        };
        char_index.saturating_add(extra).min(self.len)
    }
}

struct Converter<'t> {
    file: FileId,
    text: &'t str,
    offsets: CharOffsets,
}

impl Converter<'_> {
    /// Tightens saphyr's scalar span to the scalar itself: without a leading
    /// anchor or tag, ending at the closing quote of a quoted scalar (saphyr
    /// may run on to the end of the line) and without trailing line breaks.
    fn scalar_span(&self, span: Span, style: ScalarStyle) -> Span {
        let start = self.skip_properties(span);
        let text = self.text.get(start..span.end as usize).unwrap_or("");
        let len = match style {
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                quoted_len(text, style).unwrap_or(text.len())
            }
            _ => text.trim_end().len(),
        };
        Span::new(self.file, start, start + len)
    }

    /// Byte offset after the anchors, tags and comments at the start of `span`.
    fn skip_properties(&self, span: Span) -> usize {
        let end = span.end as usize;
        let mut start = span.start as usize;
        while let Some(rest) = self.text.get(start..end) {
            // Neither scalars nor collections can start with `&`, `!` or `#`.
            let skip = match rest.chars().next() {
                Some('&' | '!') => rest.find(char::is_whitespace).unwrap_or(rest.len()),
                Some('#') => rest.find('\n').unwrap_or(rest.len()),
                Some(c) if c.is_whitespace() => c.len_utf8(),
                _ => break,
            };
            if skip == 0 {
                break;
            }
            start += skip;
        }
        start
    }

    /// saphyr ends a block collection where the next token starts (after
    /// trailing blank lines and comments) and a flow collection before its
    /// closing bracket; both are tightened to the content itself.
    fn collection_span(&self, raw: YamlSpan, content_end: Option<u32>) -> Span {
        let span = self.span(raw);
        // An alias (`*name`) node keeps the alias's own span.
        let alias = self.slice(span);
        if alias.starts_with('*') && !alias.contains(char::is_whitespace) {
            return span;
        }
        let start = self.skip_properties(span);
        let text = self.text.get(start..span.end as usize).unwrap_or("");
        let end = span.end as usize;
        let close = self.text.get(end..).and_then(|rest| rest.chars().next());
        let end = match (text.chars().next(), close) {
            (Some('['), Some(']')) | (Some('{'), Some('}')) => end + 1,
            (Some('[' | '{'), _) => end,
            _ => content_end.map_or(end, |e| e as usize),
        };
        Span::new(self.file, start, end)
    }

    fn span(&self, raw: YamlSpan) -> Span {
        Span::new(
            self.file,
            self.offsets.byte(raw.start.index()),
            self.offsets.byte(raw.end.index()),
        )
    }

    fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    /// An error pointing at the character saphyr names (or at the end of text).
    fn error_at(&self, mark: Marker, message: String) -> SyntaxError {
        self.error_at_char(mark.index(), message)
    }

    /// An error pointing at the character with this index.
    fn error_at_char(&self, index: usize, message: String) -> SyntaxError {
        let start = self.offsets.byte(index);
        let width = self
            .text
            .get(start..)
            .and_then(|rest| rest.chars().next())
            .map_or(0, char::len_utf8);
        SyntaxError::new(Span::new(self.file, start, start + width), message)
    }
}

/// Adds the entries of `<<: *a` or `<<: [*a, *b]` whose keys the mapping does
/// not write itself; with several sources the first one wins. Merged entries
/// keep their spans: they point at the anchor, which is what a person edits.
fn apply_merge(
    entries: &mut Vec<Entry>,
    seen: &mut HashSet<(bool, String)>,
    merge: Entry,
) -> Result<(), SyntaxError> {
    let not_mapping = || {
        SyntaxError::new(
            merge.value.span,
            "a merge key `<<` takes a mapping or a list of mappings",
        )
    };
    let sources = match merge.value.kind {
        NodeKind::Object(from) => vec![from],
        NodeKind::Array(items) => items
            .into_iter()
            .map(|i| match i.kind {
                NodeKind::Object(from) => Ok(from),
                _ => Err(not_mapping()),
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(not_mapping()),
    };
    for from in sources {
        for e in from {
            // Keys of merged mappings were resolved when they were read; text keys are strings.
            if seen.insert((true, e.key.clone())) {
                entries.push(e);
            }
        }
    }
    Ok(())
}

/// Length of the quoted scalar at the start of `text`, quotes included.
fn quoted_len(text: &str, style: ScalarStyle) -> Option<usize> {
    let quote = if style == ScalarStyle::SingleQuoted {
        '\''
    } else {
        '"'
    };
    let mut chars = text.char_indices();
    if chars.next().map(|(_, c)| c) != Some(quote) {
        return None;
    }
    while let Some((i, c)) = chars.next() {
        match c {
            // `\x` escapes in double quotes; `''` in single quotes.
            '\\' if quote == '"' => {
                chars.next();
            }
            _ if c == quote => {
                if quote == '\'' && text.get(i + 1..).is_some_and(|r| r.starts_with('\'')) {
                    chars.next();
                } else {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Applies a scalar's tag, or the core schema when it has none.
fn resolve(raw: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<NodeKind, String> {
    match tag {
        Some(tag) if tag.is_yaml_core_schema() => resolve_core_tag(raw, &tag.suffix),
        // The non-specific tag `!` forces a string.
        Some(tag) if tag.handle == "!" && tag.suffix.is_empty() => Ok(string(raw)),
        _ if style == ScalarStyle::Plain => Ok(resolve_plain(raw)),
        _ => Ok(string(raw)),
    }
}

fn resolve_core_tag(raw: &str, suffix: &str) -> Result<NodeKind, String> {
    let kind = match suffix {
        "null" => is_null(raw).then_some(NodeKind::Null),
        "bool" => parse_bool(raw).map(NodeKind::Bool),
        "int" => parse_int(raw).map(NodeKind::Number),
        "float" => parse_float(raw)
            .or_else(|| parse_int(raw).map(|n| as_float(&n)))
            .map(|f| NodeKind::Number(Number::Float(f))),
        // `!!str` and the tags we do not interpret (`!!binary`, `!!timestamp`).
        _ => Some(string(raw)),
    };
    kind.ok_or_else(|| format!("`{raw}` is not a valid !!{suffix}"))
}

fn resolve_plain(raw: &str) -> NodeKind {
    if is_null(raw) {
        NodeKind::Null
    } else if let Some(b) = parse_bool(raw) {
        NodeKind::Bool(b)
    } else if let Some(n) = parse_int(raw) {
        NodeKind::Number(n)
    } else if let Some(f) = parse_float(raw) {
        NodeKind::Number(Number::Float(f))
    } else {
        string(raw)
    }
}

fn string(raw: &str) -> NodeKind {
    NodeKind::String(raw.to_string())
}

fn is_null(raw: &str) -> bool {
    matches!(raw, "" | "~" | "null" | "Null" | "NULL")
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Core-schema integers: `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`.
/// Decimal integers beyond i64 keep their value as a float.
fn parse_int(raw: &str) -> Option<Number> {
    if let Some(hex) = raw.strip_prefix("0x") {
        return parse_radix(hex, 16);
    }
    if let Some(oct) = raw.strip_prefix("0o") {
        return parse_radix(oct, 8);
    }
    let digits = raw.strip_prefix(['-', '+']).unwrap_or(raw);
    if !is_digits(digits) {
        return None;
    }
    match raw.parse::<i64>() {
        Ok(i) => Some(Number::Int(i)),
        Err(_) => raw.parse::<f64>().ok().map(Number::Float),
    }
}

fn parse_radix(digits: &str, radix: u32) -> Option<Number> {
    // `from_str_radix` would also accept a sign, which the schema does not.
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    i64::from_str_radix(digits, radix).ok().map(Number::Int)
}

/// Core-schema floats: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
/// plus `.inf`, `-.inf` and `.nan` spellings.
fn parse_float(raw: &str) -> Option<f64> {
    match raw {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Some(f64::NAN),
        _ if is_core_float(raw) => raw.parse::<f64>().ok(),
        _ => None,
    }
}

fn is_core_float(raw: &str) -> bool {
    let unsigned = raw.strip_prefix(['-', '+']).unwrap_or(raw);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (int.is_empty() || is_digits(int))
                && (frac.is_empty() || is_digits(frac))
                && !(int.is_empty() && frac.is_empty())
        }
        None => is_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| is_digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// Non-empty and ASCII digits only.
fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn as_float(n: &Number) -> f64 {
    match n {
        Number::Int(i) => *i as f64,
        Number::Float(f) => *f,
    }
}

/// Only reached if saphyr resolved a scalar itself (we ask it not to).
#[cfg(test)]
mod tests {
    use super::*;

    fn parse_one(text: &str) -> Node {
        let mut docs = parse(FileId(0), text).unwrap();
        assert_eq!(docs.len(), 1, "{docs:?}");
        docs.remove(0)
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    #[test]
    fn spans_slice_back_after_non_ascii_and_crlf() {
        let text = "# café ñ 日本\r\nmetadata:\r\n  name: \"clüster-ñ1\"\r\n  tag: 'ü' # ö\r\nspec:\r\n  plugin: kubenet\r\n  list: [α, \"β\"]\r\n";
        let root = parse_one(text);
        let name = root.path(&["metadata", "name"]).unwrap();
        assert_eq!(slice(text, name.span), "\"clüster-ñ1\"");
        assert_eq!(name.as_str(), Some("clüster-ñ1"));
        assert_eq!(
            slice(text, root.path(&["metadata", "tag"]).unwrap().span),
            "'ü'"
        );
        assert_eq!(
            slice(text, root.path(&["spec", "plugin"]).unwrap().span),
            "kubenet"
        );
        let list = root.path(&["spec", "list"]).unwrap();
        assert_eq!(slice(text, list.span), "[α, \"β\"]");
        let items = list.as_array().unwrap();
        assert_eq!(slice(text, items[0].span), "α");
        assert_eq!(slice(text, items[1].span), "\"β\"");
        let spec = root.entry("spec").unwrap();
        assert_eq!(slice(text, spec.key_span), "spec");
        assert_eq!(
            slice(text, spec.value.span),
            "plugin: kubenet\r\n  list: [α, \"β\"]"
        );
    }

    #[test]
    fn spans_skip_anchors_tags_and_trailing_lines() {
        let text =
            "a: &x café\nb: !!str 12\nc: |\n  lit\n  more\n\nd: *x\ne: &m\n  f: 1\n\n# end\n";
        let root = parse_one(text);
        assert_eq!(slice(text, root.get("a").unwrap().span), "café");
        assert_eq!(slice(text, root.get("b").unwrap().span), "12");
        assert_eq!(slice(text, root.get("c").unwrap().span), "lit\n  more");
        assert_eq!(slice(text, root.get("d").unwrap().span), "*x");
        assert_eq!(root.get("d").unwrap().as_str(), Some("café"));
        assert_eq!(slice(text, root.get("e").unwrap().span), "f: 1");
    }

    #[test]
    fn multi_document_stream() {
        let text = "a: 1\n---\n- x\n---\n---\nb: true\n...\n";
        let docs = parse(FileId(3), text).unwrap();
        assert_eq!(docs.len(), 4);
        assert_eq!(docs[0].get("a").and_then(Node::as_i64), Some(1));
        assert_eq!(docs[1].as_array().map(<[Node]>::len), Some(1));
        assert!(docs[2].is_null());
        assert_eq!(docs[3].get("b").and_then(Node::as_bool), Some(true));
        assert_eq!(docs[3].span.file, FileId(3));
        assert!(parse(FileId(0), "# only a comment\n").unwrap().is_empty());
    }

    #[test]
    fn az_aks_show_sample() {
        let text = include_str!("testdata/aks-show.yaml");
        let root = parse_one(text);
        let net = root.get("networkProfile").unwrap();
        assert_eq!(
            net.get("networkPlugin").and_then(Node::as_str),
            Some("azure")
        );
        assert_eq!(net.get("podCidr").map(Node::is_null), Some(true));
        assert_eq!(
            net.get("serviceCidr").map(|n| slice(text, n.span)),
            Some("10.0.0.0/16")
        );
        let pools = root
            .get("agentPoolProfiles")
            .and_then(Node::as_array)
            .unwrap();
        assert_eq!(pools[0].get("maxPods").and_then(Node::as_i64), Some(30));
        assert_eq!(
            pools[0].get("enableNodePublicIp").and_then(Node::as_bool),
            Some(false)
        );
        let subnet = pools[0].get("vnetSubnetId").unwrap();
        assert!(slice(text, subnet.span).starts_with("/subscriptions/"));
        assert_eq!(
            root.path(&["tags", "owner"]).and_then(Node::as_str),
            Some("Zoë Müller")
        );
    }

    #[test]
    fn core_schema_scalars() {
        let text = "a: true\nb: False\nc: 0x1F\nd: 0o17\ne: -42\nf: 1.5e3\ng: .inf\nh: ~\ni:\nj: 'true'\nk: \"12\"\nl: yes\nm: 1_000\nn: 0x\no: 99999999999999999999\np: .5\n";
        let root = parse_one(text);
        let kind = |k: &str| root.get(k).unwrap().kind.clone();
        assert_eq!(kind("a"), NodeKind::Bool(true));
        assert_eq!(kind("b"), NodeKind::Bool(false));
        assert_eq!(kind("c"), NodeKind::Number(Number::Int(31)));
        assert_eq!(kind("d"), NodeKind::Number(Number::Int(15)));
        assert_eq!(kind("e"), NodeKind::Number(Number::Int(-42)));
        assert_eq!(kind("f"), NodeKind::Number(Number::Float(1500.0)));
        assert_eq!(kind("g"), NodeKind::Number(Number::Float(f64::INFINITY)));
        assert_eq!(kind("h"), NodeKind::Null);
        assert_eq!(kind("i"), NodeKind::Null);
        assert_eq!(kind("j"), NodeKind::String("true".into()));
        assert_eq!(kind("k"), NodeKind::String("12".into()));
        // YAML 1.2: `yes` is a string, unlike in Kubernetes' YAML 1.1.
        assert_eq!(kind("l"), NodeKind::String("yes".into()));
        assert_eq!(kind("m"), NodeKind::String("1_000".into()));
        assert_eq!(kind("n"), NodeKind::String("0x".into()));
        assert_eq!(kind("o"), NodeKind::Number(Number::Float(1e20)));
        assert_eq!(kind("p"), NodeKind::Number(Number::Float(0.5)));
    }

    #[test]
    fn tags_and_keys() {
        let text = "a: !!str 12\nb: !!int \"7\"\nc: !!float 3\nd: !Custom {x: 1}\n1: one\ntrue: t\n? [k, l]\n: complex\n\"q\": quoted\n";
        let root = parse_one(text);
        assert_eq!(root.get("a").and_then(Node::as_str), Some("12"));
        assert_eq!(root.get("b").and_then(Node::as_i64), Some(7));
        assert_eq!(
            root.get("c").unwrap().kind,
            NodeKind::Number(Number::Float(3.0))
        );
        assert_eq!(root.path(&["d", "x"]).and_then(Node::as_i64), Some(1));
        let keys: Vec<_> = root
            .as_object()
            .unwrap()
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(keys, ["a", "b", "c", "d", "1", "true", "[k, l]", "q"]);
        assert_eq!(slice(text, root.entry("q").unwrap().key_span), "\"q\"");
        let err = parse(FileId(0), "port: !!int eighty\n").unwrap_err();
        assert_eq!(slice("port: !!int eighty\n", err.span), "eighty");
    }

    #[test]
    fn syntax_errors_carry_saphyr_location() {
        let text = "ñame: café\nbad: [1,\n";
        let err = parse(FileId(0), text).unwrap_err();
        assert!(err.message.contains("did not find expected"), "{err:?}");
        assert_eq!(err.span.start as usize, text.len());
        let text = "ü: 1\nü: 2\n";
        let err = parse(FileId(0), text).unwrap_err();
        assert_eq!(err.message, "duplicated key in mapping");
        assert_eq!(slice(text, err.span), "ü");
        assert_eq!(err.span.start, 6);
        let text = "a: 1\n\"a\": 2\n";
        let err = parse(FileId(0), text).unwrap_err();
        assert_eq!(err.message, "duplicated key in mapping");
        assert_eq!(slice(text, err.span), "\"a\"");
        // Same text, different types: distinct keys in YAML.
        assert!(parse(FileId(0), "1: a\n\"1\": b\n").is_ok());
        let err = parse(FileId(0), "a: *missing\n").unwrap_err();
        assert!(err.message.contains("unknown anchor"), "{err:?}");
    }

    #[test]
    fn aliases_are_expanded() {
        let text = "base: &b {cidr: 10.0.0.0/16}\ncopy: *b\n";
        let root = parse_one(text);
        assert_eq!(
            root.path(&["copy", "cidr"]).and_then(Node::as_str),
            Some("10.0.0.0/16")
        );
        assert_eq!(slice(text, root.get("copy").unwrap().span), "*b");
        let err = parse(FileId(0), "a: &x 1\n---\nb: *x\n").unwrap_err();
        assert!(err.message.contains("another document"), "{err:?}");
        let err = parse(FileId(0), "a: &x [1, *x]\n").unwrap_err();
        assert!(err.message.contains("contains it"), "{err:?}");
    }

    fn bomb(levels: usize, entry: impl Fn(usize) -> String) -> String {
        let mut text = String::from("a0: &a0 [lol, lol]\n");
        for i in 1..levels {
            text.push_str(&entry(i));
        }
        text
    }

    #[test]
    fn merge_keys_are_applied() {
        let n = parse_one(
            "base: &b\n  plugin: azure\n  policy: calico\nc:\n  <<: *b\n  policy: cilium\n",
        );
        let c = n.get("c").expect("c");
        assert_eq!(c.get("plugin").and_then(Node::as_str), Some("azure"));
        assert_eq!(c.get("policy").and_then(Node::as_str), Some("cilium"));
        // Several sources: the first one wins; a quoted "<<" is an ordinary key.
        let n = parse_one("a: &a {x: 1}\nb: &b {x: 2, y: 3}\nc:\n  <<: [*a, *b]\nd: {\"<<\": 1}\n");
        let c = n.get("c").expect("c");
        assert_eq!(c.get("x").and_then(Node::as_i64), Some(1));
        assert_eq!(c.get("y").and_then(Node::as_i64), Some(3));
        assert!(n.get("d").and_then(|d| d.get("<<")).is_some());
        let err = parse(FileId(0), "c:\n  <<: 3\n").expect_err("a scalar cannot be merged");
        assert!(err.message.contains("merge key"), "{}", err.message);
    }

    #[test]
    fn alias_bombs_are_rejected() {
        let seq = bomb(30, |i| {
            format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}]\n", p = i - 1)
        });
        let err = parse(FileId(0), &seq).unwrap_err();
        assert!(err.message.contains("billion-laughs"), "{err:?}");
        assert!(slice(&seq, err.span) == "*");
        // Aliases as keys slip past saphyr's own budget, which counts a key as one node.
        let keys = bomb(40, |i| {
            format!("a{i}: &a{i} {{? *a{p} : *a{p}}}\n", p = i - 1)
        });
        let err = parse(FileId(0), &keys).unwrap_err();
        assert!(err.message.contains("billion-laughs"), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_rejected() {
        // saphyr caps flow nesting itself (at 255); block nesting is ours to cap.
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(FileId(0), &text).is_err());
        let text = format!("{}x\n", "- ".repeat(10_000));
        let err = parse(FileId(0), &text).unwrap_err();
        assert!(err.message.contains("nested too deeply"), "{err:?}");
        assert!(parse(
            FileId(0),
            &format!("{}{}", "[".repeat(100), "]".repeat(100))
        )
        .is_ok());
    }

    #[test]
    fn byte_order_mark_is_not_counted_as_a_byte_shift() {
        let text = "\u{feff}name: ü\n";
        let root = parse_one(text);
        assert_eq!(slice(text, root.get("name").unwrap().span), "ü");
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// Strings that stay strings in any style: start with a non-ASCII letter.
        fn word() -> impl Strategy<Value = String> {
            "[é-ÿА-я日本][a-zé-ÿА-я日本語 ]{0,8}[é-ÿ]".prop_map(|s| s.to_string())
        }

        fn render(value: &str, style: u8) -> String {
            match style % 3 {
                0 => value.to_string(),
                1 => format!("'{value}'"),
                _ => format!("\"{value}\""),
            }
        }

        fn collect<'a>(node: &'a Node, out: &mut Vec<(Span, &'a str)>) {
            match &node.kind {
                NodeKind::String(s) => out.push((node.span, s)),
                NodeKind::Object(entries) => {
                    for e in entries {
                        out.push((e.key_span, &e.key));
                        collect(&e.value, out);
                    }
                }
                NodeKind::Array(items) => items.iter().for_each(|i| collect(i, out)),
                _ => {}
            }
        }

        fn slice_ok(text: &str, span: Span) -> bool {
            text.get(span.start as usize..span.end as usize).is_some()
        }

        fn spans_valid(text: &str, node: &Node) -> bool {
            let ok = |span: Span| slice_ok(text, span);
            ok(node.span)
                && match &node.kind {
                    NodeKind::Object(entries) => entries
                        .iter()
                        .all(|e| ok(e.key_span) && spans_valid(text, &e.value)),
                    NodeKind::Array(items) => items.iter().all(|i| spans_valid(text, i)),
                    _ => true,
                }
        }

        proptest! {
            /// Any text: no panic, and every span (or error span) can be sliced.
            #[test]
            fn arbitrary_text_gives_valid_spans(
                text in "[-:?&*!|>'\"\\[\\]{},# \n\r\tab1é.~%@`\u{feff}日]{0,40}"
            ) {
                match parse(FileId(0), &text) {
                    Ok(docs) => {
                        for doc in &docs {
                            prop_assert!(spans_valid(&text, doc), "{:?}", doc);
                        }
                    }
                    Err(e) => prop_assert!(slice_ok(&text, e.span)),
                }
            }

            #[test]
            fn scalar_spans_slice_back_to_their_value(
                entries in prop::collection::btree_map(word(), (word(), any::<u8>(), any::<u8>()), 1..6),
                crlf in any::<bool>(),
                nested in any::<bool>(),
            ) {
                let eol = if crlf { "\r\n" } else { "\n" };
                let indent = if nested { "  " } else { "" };
                let mut text = format!("# ç{eol}");
                if nested {
                    text.push_str(&format!("wrapper:{eol}"));
                }
                for (key, (value, key_style, value_style)) in &entries {
                    text.push_str(&format!(
                        "{indent}{}: {} # ü{eol}",
                        render(key, *key_style),
                        render(value, *value_style)
                    ));
                }
                let docs = parse(FileId(0), &text).unwrap();
                let mut scalars = Vec::new();
                collect(&docs[0], &mut scalars);
                prop_assert_eq!(scalars.len(), entries.len() * 2 + usize::from(nested));
                for (span, value) in scalars {
                    let sliced = slice(&text, span);
                    prop_assert!(sliced.contains(value), "{:?} !~ {:?}", sliced, value);
                    prop_assert!(sliced.len() <= value.len() + 2);
                }
            }
        }
    }
}
