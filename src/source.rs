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
    line_starts: Arc<[usize]>,
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
        let line_starts: Arc<[usize]> = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        SourceFile {
            id,
            path,
            text: Arc::from(text),
            line_starts,
        }
    }

    /// Byte offsets where lines start (the first is 0), shared, for renderers.
    pub fn line_starts(&self) -> Arc<[usize]> {
        Arc::clone(&self.line_starts)
    }

    /// Line and column of a byte offset; columns count characters, as editors do.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = self.text[start..end].chars().count() + 1;
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
