//! Source files and byte spans. Every model value points back here.

use std::sync::Arc;

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: clamp_u32(start),
            end: clamp_u32(end.max(start)),
        }
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

fn clamp_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// One input text, with the path exactly as the user gave it.
#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// Path as given on the command line (or found under a given directory); `-` for stdin.
    pub path: String,
    pub text: Arc<str>,
    /// Byte offsets where lines start (the first is 0). `u32`: spans are
    /// `u32` too, and a 50 MB export has 1.4 million lines.
    line_starts: Arc<[u32]>,
    /// The characters before every [`MARK`]-byte boundary, built at the first
    /// column asked on a long line: a column there is counted from the nearest
    /// mark, not from the line start (a one-line 50 MB Terraform plan would be
    /// counted whole for every finding).
    char_marks: std::sync::OnceLock<Vec<usize>>,
}

/// Bytes between two character-count marks.
const MARK: usize = 4096;

/// Characters in a byte range that starts and ends on character boundaries:
/// the bytes that do not continue a UTF-8 sequence.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

/// A 1-based line and column (column counted in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(id: FileId, path: String, text: String) -> SourceFile {
        // memchr scans a word at a time; a char pattern looked at every byte.
        // Counted first, so the index is allocated once at its size.
        let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        let mut starts = Vec::with_capacity(newlines + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| (i + 1) as u32));
        let line_starts: Arc<[u32]> = Arc::from(starts);
        SourceFile {
            id,
            path,
            text: Arc::from(text),
            line_starts,
            char_marks: std::sync::OnceLock::new(),
        }
    }

    /// The characters in `text[..byte]` (`byte` on a character boundary).
    fn chars_before(&self, byte: usize) -> usize {
        let bytes = self.text.as_bytes();
        let marks = self.char_marks.get_or_init(|| {
            let mut marks = Vec::with_capacity(bytes.len() / MARK + 2);
            let mut count = 0;
            for chunk in bytes.chunks(MARK) {
                marks.push(count);
                count += count_chars(chunk);
            }
            marks.push(count);
            marks
        });
        let k = byte / MARK;
        marks[k] + count_chars(&bytes[k * MARK..byte])
    }

    /// The 0-based line that holds byte `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Where 0-based line `line` starts, if the file has it.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line).map(|&s| s as usize)
    }

    /// How many lines the file has (a last line without a line break counts).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Line and column of a byte offset; columns count characters, as editors do.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts[line] as usize;
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = if end - start > 2 * MARK {
            self.chars_before(end) - self.chars_before(start)
        } else {
            self.text[start..end].chars().count()
        } + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// All input texts of one run.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds files `(path, text)` in order, indexing their lines in parallel.
    pub fn add_all(&mut self, files: Vec<(String, String)>) {
        use rayon::prelude::*;
        let first = self.files.len();
        let added: Vec<SourceFile> = files
            .into_par_iter()
            .enumerate()
            .map(|(i, (path, text))| {
                let id = FileId(u32::try_from(first + i).unwrap_or(u32::MAX));
                SourceFile::new(id, path, text)
            })
            .collect();
        self.files.extend(added);
    }

    pub fn add(&mut self, path: String, text: String) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile::new(id, path, text));
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        // FileIds are only minted by `add`, so the index is always in range.
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Strips a UTF-8 byte-order mark, which Windows editors like to add to ARM templates.
pub fn strip_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_on_long_lines_count_characters_as_on_short_ones() {
        // A one-line document over many marks, with 2-, 3- and 4-byte characters.
        let mut text = String::from("first line\n");
        for i in 0..5_000 {
            text.push_str(["a", "é", "€", "😀"][i % 4]);
        }
        text.push('\n');
        let f = SourceFile::new(FileId(0), "x".into(), text.clone());
        let start = text.find('\n').unwrap() + 1;
        for offset in [
            start,
            start + 1,
            start + 4_095,
            start + 8_193,
            text.len() - 1,
            text.len(),
        ] {
            let mut end = offset;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let naive = text[start..end.max(start)].chars().count() + 1;
            let lc = f.line_col(offset);
            if offset < text.len() {
                assert_eq!((lc.line, lc.column), (2, naive), "offset {offset}");
            }
        }
    }

    use super::*;

    #[test]
    fn line_col_counts_characters_and_lines() {
        let f = SourceFile::new(FileId(0), "a".into(), "ab\r\nçd\nx".into());
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(4), LineCol { line: 2, column: 1 });
        // 'ç' is two bytes; 'd' is the second character of line 2.
        assert_eq!(f.line_col(6), LineCol { line: 2, column: 2 });
        assert_eq!(f.line_col(8), LineCol { line: 3, column: 1 });
    }
}
