//! A pre-scan that keeps hostile text away from hcl-edit's parser.
//!
//! hcl-edit backtracks between an object and a `for` expression at every `{`
//! whose first key is itself an expression; with many such braces left open at
//! the end of the text its work doubles per brace (`x = r/d/{R/` repeated 30
//! times runs for hours — found by the `hcl_module` fuzz target). A file with
//! that many unclosed braces cannot parse anyway, so it is refused up front
//! with the place of the first brace that is never closed.

/// Unclosed braces at the end of the text from which the parser is not called.
/// Below this the backtracking costs microseconds; no valid file reaches it,
/// since a valid file closes every brace.
const MAX_UNCLOSED: usize = 8;

/// Where parsing starts: a configuration file, or the inside of a template string.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    Body,
    Template,
}

#[derive(Clone, Copy)]
enum Ctx {
    /// An object, block body or `for` brace.
    Brace(usize),
    /// `${` or `%{` inside a quoted string: its `}` returns to the string.
    Interp(usize),
}

/// The offset of the outermost `{` left open when at least [`MAX_UNCLOSED`] are.
pub(crate) fn too_many_unclosed(text: &str, start: Start) -> Option<usize> {
    let open = unclosed_braces(text.as_bytes(), start);
    (open.len() >= MAX_UNCLOSED).then(|| open[0])
}

/// The offsets of the braces never closed, outermost first. Strings, comments
/// and heredocs are skipped so braces inside them do not count.
fn unclosed_braces(b: &[u8], start: Start) -> Vec<usize> {
    let mut stack: Vec<Ctx> = Vec::new();
    let mut in_string = start == Start::Template;
    let mut i = 0;
    while i < b.len() {
        if in_string {
            match b[i] {
                b'\\' if start == Start::Body || !stack.is_empty() => i += 1,
                b'"' if !stack.is_empty() || start == Start::Body => in_string = false,
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                    // `$${` and `%%{` are escaped literals.
                    let escaped = i > 0 && b[i - 1] == b[i];
                    if !escaped {
                        stack.push(Ctx::Interp(i + 1));
                        in_string = false;
                        i += 1;
                    }
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match b[i] {
            b'"' => in_string = true,
            b'#' => i = line_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => i = block_comment_end(b, i + 2),
            b'<' if b.get(i + 1) == Some(&b'<') => i = heredoc_end(b, i + 2),
            b'{' => stack.push(Ctx::Brace(i)),
            b'}' => {
                if let Some(Ctx::Interp(_)) = stack.pop() {
                    in_string = true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    stack
        .into_iter()
        .map(|c| match c {
            Ctx::Brace(at) | Ctx::Interp(at) => at,
        })
        .collect()
}

/// The index of the newline ending the line (or the end of the text).
fn line_end(b: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &b[from..]).map_or(b.len(), |n| from + n)
}

/// The index of the `/` closing a `/* */` comment that opened before `from`.
fn block_comment_end(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i + 1 < b.len() {
        if b[i] == b'*' && b[i + 1] == b'/' {
            return i + 1;
        }
        i += 1;
    }
    b.len()
}

/// Skips a heredoc (`<<EOT` or `<<-EOT`, then lines up to one that is the
/// delimiter); returns the index of the newline after the delimiter line, or
/// `from - 1` when `<<` does not start a heredoc, so scanning resumes there.
fn heredoc_end(b: &[u8], from: usize) -> usize {
    let mut i = from;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let name_start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        i += 1;
    }
    if i == name_start || !matches!(b.get(i), Some(b'\n') | Some(b'\r')) {
        return from - 1;
    }
    let name = &b[name_start..i];
    let mut line = line_end(b, i);
    while line < b.len() {
        let next = line_end(b, line + 1);
        let text = &b[line + 1..next];
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.trim_ascii() == name {
            return next;
        }
        line = next;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(text: &str) -> usize {
        unclosed_braces(text.as_bytes(), Start::Body).len()
    }

    #[test]
    fn balanced_configuration_has_no_open_brace() {
        let text = r#"
resource "azurerm_subnet" "s" { # a { in a comment
  name = "a { in a string ${var.x} and %{ if true }y%{ endif }"
  // another {
  /* and { another */
  tags = { env = "${lookup(var.m, "k", "{")}" }
  script = <<-EOT
    echo { not a brace
  EOT
  list = [for k, v in var.m : { k = v }]
}
"#;
        assert_eq!(open(text), 0);
    }

    #[test]
    fn counts_the_braces_left_open() {
        assert_eq!(open("a = { b = { c = 1 }"), 1);
        assert_eq!(open("x = \"${ {\""), 2);
        assert_eq!(open("x = r/d/{R/r/d/{R/ azu"), 2);
    }

    #[test]
    fn refuses_the_fuzzer_input_at_its_first_open_brace() {
        let text = format!("x = {} azu", "r/d/{R/".repeat(30));
        assert_eq!(too_many_unclosed(&text, Start::Body), Some(8));
        assert_eq!(
            too_many_unclosed("x = { a = { b = 1 } }", Start::Body),
            None
        );
    }

    #[test]
    fn templates_start_inside_a_string() {
        assert_eq!(
            unclosed_braces(b"${var.a}-\"{{{{{{{{{", Start::Template).len(),
            0
        );
        let text = format!("${{{}", "r/d/{R/".repeat(10));
        assert_eq!(too_many_unclosed(&text, Start::Template), Some(1));
    }
}
