//! Reading the inputs: only regular files (and standard input), never more
//! than `--max-file-size` bytes, as UTF-8 text with CRLF read as LF.

use std::io::Read;
use std::path::Path;

use rayon::prelude::*;

use super::{Input, Origin};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{strip_bom, FileId, Span};

/// What reading one input gave.
// One per input and short-lived: boxing the diagnostic would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum ReadOutcome {
    Text(String),
    /// Not read, or not text: what there is to show, and the diagnostic if the file gets one.
    Failed {
        text: String,
        error: Option<Diagnostic>,
    },
}

/// Reads every input, never blocking and never reading more than `limit` bytes:
/// only regular files (and standard input) are read, their size checked first.
/// Inputs that cannot be read at all go to `errors` (exit code 2), in input order.
/// Files are read on all workers (opening and reading a thousand small files
/// is mostly system time); standard input, after them, on this thread.
pub fn read_all(
    inputs: &[Input],
    stdin: &mut dyn Read,
    limit: u64,
    errors: &mut Vec<String>,
) -> Vec<ReadOutcome> {
    let mut read: Vec<Option<(ReadOutcome, Option<String>)>> = inputs
        .par_iter()
        .enumerate()
        .map(|(i, input)| match &input.origin {
            Origin::File(p) => Some(read_one(
                input,
                FileId(i as u32),
                read_file(p, limit),
                limit,
            )),
            Origin::Stdin => None,
        })
        .collect();
    for (i, input) in inputs.iter().enumerate() {
        if input.origin == Origin::Stdin {
            let mut buf = Vec::new();
            let bytes = Read::take(&mut *stdin, limit.saturating_add(1))
                .read_to_end(&mut buf)
                .map(|_| Ok(buf));
            read[i] = Some(read_one(input, FileId(i as u32), bytes, limit));
        }
    }
    read.into_iter()
        .flatten()
        .map(|(loaded, error)| {
            errors.extend(error);
            loaded
        })
        .collect()
}

/// A file's bytes; `Ok(Err(..))` when it is not read: not a regular file, or too large.
pub(crate) fn read_file(p: &Path, limit: u64) -> std::io::Result<Result<Vec<u8>, NotRead>> {
    let meta = std::fs::metadata(p)?;
    // A FIFO, socket or device would block or never end: never opened.
    if !meta.is_file() {
        return Ok(Err(NotRead::NotAFile(file_kind(&meta))));
    }
    if meta.len() > limit {
        return Ok(Err(NotRead::TooLarge(meta.len())));
    }
    let f = std::fs::File::open(p)?;
    // Sized up front: a growing buffer would hold up to twice the file.
    let size = usize::try_from(meta.len()).unwrap_or(0);
    let mut buf = Vec::with_capacity(size.saturating_add(1));
    f.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    Ok(Ok(buf))
}

/// Why a file was not opened.
pub(crate) enum NotRead {
    NotAFile(&'static str),
    TooLarge(u64),
}

/// What reading one input gave, and the path error it makes, if any.
fn read_one(
    input: &Input,
    file: FileId,
    bytes: std::io::Result<Result<Vec<u8>, NotRead>>,
    limit: u64,
) -> (ReadOutcome, Option<String>) {
    let too_large = |size: Option<u64>| {
        let size = size.map_or_else(|| format!("more than {limit}"), |s| s.to_string());
        let message = format!(
            "this file is {size} bytes, over the --max-file-size of {limit} bytes; it was not read"
        );
        ReadOutcome::Failed {
            text: String::new(),
            error: Some(Diagnostic::new(
                "input-too-large",
                "input-too-large",
                Severity::Error,
                message.clone(),
                Label::new(Span::new(file, 0, 0), "not read"),
            )),
        }
    };
    let bytes = match bytes {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(NotRead::NotAFile(kind))) => {
            let error = format!("{}: not a regular file ({kind}); not read", input.display);
            let loaded = ReadOutcome::Failed {
                text: String::new(),
                error: None,
            };
            return (loaded, Some(error));
        }
        Ok(Err(NotRead::TooLarge(size))) => {
            let error = format!(
                "{}: larger than --max-file-size ({size} > {limit} bytes); not read",
                input.display
            );
            return (too_large(Some(size)), Some(error));
        }
        Err(e) => {
            let loaded = ReadOutcome::Failed {
                text: String::new(),
                error: None,
            };
            return (loaded, Some(format!("{}: {e}", input.display)));
        }
    };
    // Grew while being read, or standard input over the limit.
    if bytes.len() as u64 > limit {
        let error = format!(
            "{}: larger than --max-file-size ({limit} bytes); not read",
            input.display
        );
        return (too_large(None), Some(error));
    }
    match String::from_utf8(bytes) {
        Ok(text) => (ReadOutcome::Text(normalize_newlines(strip_bom(text))), None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let bad = e.as_bytes()[at];
            let error = Diagnostic::parse_error(
                // The shown text holds U+FFFD (3 bytes) where the bad bytes were.
                Span::new(file, at, at + '\u{FFFD}'.len_utf8()),
                format!("cannot parse this file: not UTF-8 text (byte 0x{bad:02X} at offset {at})"),
            );
            let loaded = ReadOutcome::Failed {
                text,
                error: Some(error),
            };
            (loaded, None)
        }
    }
}

/// What a path that is not a regular file is, for the message.
pub fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// CRLF files are read as LF so columns never count a carriage return.
pub fn normalize_newlines(text: String) -> String {
    // memchr looks at a vector of bytes at a time; `contains(char)` at one.
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        text.replace("\r\n", "\n")
    } else {
        text
    }
}
