//! How many values a document may hold for its size.
//!
//! A spanned [`Node`](super::Node) costs about 48 bytes and an object entry
//! 88, whatever the text they came from: a JSON array of ten million `1,`
//! (20 MB) would need over 20 times its size as a tree. Real configuration
//! spends at least 20 bytes per value (measured: ARM, Resource Graph, az CLI
//! and minified Terraform plans 22–48, YAML manifests 20), so a document
//! whose values average fewer than [`MIN_BYTES_PER_VALUE`] bytes is refused
//! (`input-too-dense`) as soon as the text read so far shows it, before the
//! tree outgrows the file.

/// Values any document may hold before its density is looked at, so small
/// lists of ports or ranges never count against their file.
pub const FREE_VALUES: usize = 1 << 16;

/// The fewest bytes of text per value past [`FREE_VALUES`].
pub const MIN_BYTES_PER_VALUE: usize = 10;

/// True when `values` values in the first `bytes_read` bytes are too many.
pub fn too_dense(values: usize, bytes_read: usize) -> bool {
    values > FREE_VALUES && values.saturating_mul(MIN_BYTES_PER_VALUE) > bytes_read
}

/// The message of an `input-too-dense` diagnostic.
pub fn message(values: usize, bytes_read: usize) -> String {
    format!(
        "this file holds more than {values} values in its first {bytes_read} bytes, fewer than \
         {MIN_BYTES_PER_VALUE} bytes per value; akslint reads no Azure configuration this dense \
         (its tree would need many times the file's size in memory), so the file was not read"
    )
}

/// Where a JSON text first gets too dense, counting values cheaply without
/// building them: each `[`, `{` and `,` outside strings and comments starts
/// one (an upper bound, good enough for a limit this far from real files).
/// For the texts the single-pass reader hands to jsonc-parser, whose own
/// tree is larger still.
/// Past jsonc-parser's nesting limit the text is its error, not ours: the
/// count stops there.
pub fn json_too_dense_at(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut values = 1;
    let mut depth = 0usize;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'[' | b'{' if depth >= JSONC_MAX_DEPTH => return None,
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                at += 1;
            }
            b'"' => at = skip_string(bytes, at + 1),
            b'/' if bytes.get(at + 1) == Some(&b'/') => {
                at = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |n| at + n);
            }
            b'/' if bytes.get(at + 1) == Some(&b'*') => {
                at = memchr::memmem::find(&bytes[at + 2..], b"*/")
                    .map_or(bytes.len(), |n| at + n + 4);
            }
            b'[' | b'{' | b',' => {
                depth += usize::from(bytes[at] != b',');
                values += 1;
                at += 1;
                if too_dense(values, at) {
                    return Some((values, at));
                }
            }
            _ => at += 1,
        }
    }
    None
}

/// jsonc-parser refuses deeper nesting with its own message.
const JSONC_MAX_DEPTH: usize = 512;

/// The index after the closing quote of a string whose body starts at `at`.
fn skip_string(bytes: &[u8], mut at: usize) -> usize {
    while let Some(n) = memchr::memchr2(b'"', b'\\', &bytes[at.min(bytes.len())..]) {
        at += n;
        if bytes[at] == b'"' {
            return at + 1;
        }
        at += 2; // an escape and the character it escapes
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_shapes_pass_and_dense_lists_fail() {
        let sparse = format!("[{}]", vec![r#"{"name": "subnet-a"}"#; 100_000].join(","));
        assert_eq!(json_too_dense_at(&sparse), None);
        let dense = format!("[{}]", vec!["1"; 100_000].join(","));
        let (values, at) = json_too_dense_at(&dense).expect("too dense");
        assert_eq!(values, FREE_VALUES + 1);
        assert_eq!(at, 2 * FREE_VALUES - 1);
    }

    #[test]
    fn commas_in_strings_and_comments_are_not_values() {
        let text = format!(
            "// {}\n[\"{}\", /* {} */ 1]",
            ",".repeat(1 << 20),
            ",\\\"".repeat(1 << 18),
            ",".repeat(1 << 20)
        );
        assert_eq!(json_too_dense_at(&text), None);
    }
}
