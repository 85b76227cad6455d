//! Bicep tokens. Strings with `${...}` interpolation are split into pieces here, with a
//! stack of open braces telling an interpolation's closing `}` from an object's, so the
//! parser never rescans text: one pass over the bytes, linear in the file.

use super::syntax::SyntaxError;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    Int(i64),
    /// A whole string without interpolation (escapes resolved).
    Str(String),
    /// `'text${` — a string's first piece before an interpolation.
    StrHead(String),
    /// `}text${` — a piece between two interpolations.
    StrMid(String),
    /// `}text'` — the last piece.
    StrTail(String),
    /// `'''...'''` (no escapes, no interpolation).
    MultiStr(String),
    Newline,
    /// Punctuation and operators, longest match first.
    Sym(&'static str),
    Eof,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

const SYMBOLS: &[&str] = &[
    "??", ".?", "[?", "=>", "==", "!=", "=~", "!~", "<=", ">=", "&&", "||", "::", "{", "}", "[",
    "]", "(", ")", ",", ":", ".", "?", "=", "!", "<", ">", "+", "-", "*", "/", "%", "@", "|",
];

/// Longest string the lexer builds; longer literals are refused (hostile input).
const MAX_STRING: usize = 1 << 20;

pub fn tokenize(text: &str) -> Result<Vec<Token>, SyntaxError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    // true: an interpolation's `${`; false: a plain `{`.
    let mut braces: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' => {
                out.push(Token {
                    tok: Tok::Newline,
                    start: i,
                    end: i + 1,
                });
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = i;
                i += 2;
                loop {
                    if i + 1 >= b.len() {
                        return Err(SyntaxError::new(start, i, "comment is never closed"));
                    }
                    if b[i] == b'*' && b[i + 1] == b'/' {
                        i += 2;
                        break;
                    }
                    i += 1;
                }
            }
            b'\'' if b[i..].starts_with(b"'''") => {
                let start = i;
                let body = i + 3;
                let Some(len) = text[body..].find("'''") else {
                    return Err(SyntaxError::new(start, b.len(), "string is never closed"));
                };
                // `''''` closes with the last three quotes.
                let mut end = body + len;
                while b.get(end + 3) == Some(&b'\'') {
                    end += 1;
                }
                let s = text[body..end]
                    .strip_prefix('\n')
                    .unwrap_or(&text[body..end]);
                let s = s.strip_prefix("\r\n").unwrap_or(s);
                out.push(Token {
                    tok: Tok::MultiStr(s.to_string()),
                    start,
                    end: end + 3,
                });
                i = end + 3;
            }
            b'\'' => {
                let (piece, next, interp) = string_piece(text, i + 1, i)?;
                out.push(Token {
                    tok: if interp {
                        Tok::StrHead(piece)
                    } else {
                        Tok::Str(piece)
                    },
                    start: i,
                    end: next,
                });
                if interp {
                    braces.push(true);
                }
                i = next;
            }
            b'}' if braces.last() == Some(&true) => {
                braces.pop();
                let (piece, next, interp) = string_piece(text, i + 1, i)?;
                out.push(Token {
                    tok: if interp {
                        Tok::StrMid(piece)
                    } else {
                        Tok::StrTail(piece)
                    },
                    start: i,
                    end: next,
                });
                if interp {
                    braces.push(true);
                }
                i = next;
            }
            b'0'..=b'9' => {
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let n = text[start..i]
                    .parse::<i64>()
                    .map_err(|_| SyntaxError::new(start, i, "integer out of range"))?;
                out.push(Token {
                    tok: Tok::Int(n),
                    start,
                    end: i,
                });
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Ident(text[start..i].to_string()),
                    start,
                    end: i,
                });
            }
            _ => {
                let Some(sym) = SYMBOLS.iter().find(|s| b[i..].starts_with(s.as_bytes())) else {
                    let ch = text[i..].chars().next().unwrap_or('?');
                    return Err(SyntaxError::new(
                        i,
                        i + ch.len_utf8(),
                        format!("unexpected character {ch:?}"),
                    ));
                };
                match *sym {
                    "{" => braces.push(false),
                    "}" => {
                        braces.pop();
                    }
                    _ => {}
                }
                out.push(Token {
                    tok: Tok::Sym(sym),
                    start: i,
                    end: i + sym.len(),
                });
                i += sym.len();
            }
        }
    }
    out.push(Token {
        tok: Tok::Eof,
        start: b.len(),
        end: b.len(),
    });
    Ok(out)
}

/// Scans string text from `i` up to the closing `'` or an `${`; returns the text, the
/// offset after the delimiter and whether an interpolation starts.
fn string_piece(
    text: &str,
    mut i: usize,
    open: usize,
) -> Result<(String, usize, bool), SyntaxError> {
    let b = text.as_bytes();
    let mut s = String::new();
    loop {
        if s.len() > MAX_STRING {
            return Err(SyntaxError::new(open, i, "string literal is too long"));
        }
        let Some(&c) = b.get(i) else {
            return Err(SyntaxError::new(open, i, "string is never closed"));
        };
        match c {
            b'\'' => return Ok((s, i + 1, false)),
            b'\n' => {
                return Err(SyntaxError::new(
                    open,
                    i,
                    "string is never closed on its line",
                ))
            }
            b'$' if b.get(i + 1) == Some(&b'{') => return Ok((s, i + 2, true)),
            b'\\' => {
                let esc = b.get(i + 1).copied();
                match esc {
                    Some(b'n') => s.push('\n'),
                    Some(b'r') => s.push('\r'),
                    Some(b't') => s.push('\t'),
                    Some(b'\\') => s.push('\\'),
                    Some(b'\'') => s.push('\''),
                    Some(b'$') => s.push('$'),
                    Some(b'u') if b.get(i + 2) == Some(&b'{') => {
                        let close = text[i..].find('}').map(|k| i + k);
                        let ch = close
                            .and_then(|k| u32::from_str_radix(&text[i + 3..k], 16).ok())
                            .and_then(char::from_u32);
                        match (ch, close) {
                            (Some(ch), Some(k)) => {
                                s.push(ch);
                                i = k + 1;
                                continue;
                            }
                            _ => return Err(SyntaxError::new(i, i + 2, "bad \\u{...} escape")),
                        }
                    }
                    _ => return Err(SyntaxError::new(i, i + 2, "unknown escape sequence")),
                }
                i += 2;
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or('\u{FFFD}');
                s.push(ch);
                i += ch.len_utf8();
            }
        }
    }
}
