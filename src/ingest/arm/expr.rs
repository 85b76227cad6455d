//! Tokenizer and parser for ARM template expressions (`[concat('a', parameters('b'))]`).

/// Deepest nesting of calls, property accesses and indexes that the parser accepts;
/// keeps evaluation recursion bounded whatever the input.
pub const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Str(String),
    Int(i64),
    /// A function call; `name` keeps its spelling (`ns.fn` for user-defined functions).
    Call {
        name: String,
        args: Vec<Expr>,
    },
    /// `.name`, or `?.name` when `safe`.
    Member {
        target: Box<Expr>,
        name: String,
        safe: bool,
    },
    /// `[index]`, or `?[index]` when `safe`.
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
        safe: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Question,
    Ident(String),
    Str(String),
    Int(i64),
}

/// What a JSON string means to ARM.
#[derive(Debug, PartialEq)]
pub enum StringForm<'a> {
    /// Plain text (including `[[...`, which has already been unescaped).
    Literal(std::borrow::Cow<'a, str>),
    /// The text between the outer brackets of an expression.
    Expression(&'a str),
}

/// Classifies a JSON string: `[...]` is an expression, `[[...` a literal starting with `[`.
pub fn classify(s: &str) -> StringForm<'_> {
    if let Some(rest) = s.strip_prefix("[[") {
        return StringForm::Literal(format!("[{rest}").into());
    }
    // ARM ignores surrounding whitespace only inside the brackets, not outside.
    match s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        Some(inner) => StringForm::Expression(inner),
        None => StringForm::Literal(s.into()),
    }
}

pub fn parse(src: &str) -> Result<Expr, String> {
    let tokens = tokenize(src)?;
    let mut p = Parser { tokens, pos: 0 };
    let expr = p.expr(0)?;
    if let Some(extra) = p.tokens.get(p.pos) {
        return Err(format!("unexpected {extra:?} after the expression"));
    }
    Ok(expr)
}

/// A normalized text of an expression (function names lowercased, canonical quoting), used
/// to recognise the same expression written in two places.
pub fn canonical(e: &Expr) -> String {
    match e {
        Expr::Str(s) => format!("'{}'", s.replace('\'', "''")),
        Expr::Int(i) => i.to_string(),
        Expr::Call { name, args } => {
            let args: Vec<String> = args.iter().map(canonical).collect();
            format!("{}({})", name.to_ascii_lowercase(), args.join(","))
        }
        Expr::Member { target, name, safe } => {
            format!(
                "{}{}.{name}",
                canonical(target),
                if *safe { "?" } else { "" }
            )
        }
        Expr::Index {
            target,
            index,
            safe,
        } => format!(
            "{}{}[{}]",
            canonical(target),
            if *safe { "?" } else { "" },
            canonical(index)
        ),
    }
}

fn tokenize(src: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let simple = match c {
            '(' => Some(Token::LParen),
            ')' => Some(Token::RParen),
            '[' => Some(Token::LBracket),
            ']' => Some(Token::RBracket),
            ',' => Some(Token::Comma),
            '.' => Some(Token::Dot),
            '?' => Some(Token::Question),
            _ => None,
        };
        if let Some(t) = simple {
            tokens.push(t);
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let (s, next) = string_literal(&chars, i + 1)?;
            tokens.push(Token::Str(s));
            i = next;
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while chars.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let n = text
                .parse::<i64>()
                .map_err(|_| format!("integer out of range: {text}"))?;
            tokens.push(Token::Int(n));
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
            {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
        } else {
            return Err(format!("unexpected character {c:?}"));
        }
    }
    Ok(tokens)
}

/// Reads a single-quoted literal whose body starts at `i`; `''` stands for one quote.
fn string_literal(chars: &[char], mut i: usize) -> Result<(String, usize), String> {
    let mut out = String::new();
    loop {
        match chars.get(i) {
            None => return Err("unterminated string literal".into()),
            Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                out.push('\'');
                i += 2;
            }
            Some('\'') => return Ok((out, i + 1)),
            Some(c) => {
                out.push(*c);
                i += 1;
            }
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expect(&mut self, want: Token) -> Result<(), String> {
        match self.next() {
            Some(t) if t == want => Ok(()),
            other => Err(format!("expected {want:?}, found {other:?}")),
        }
    }

    fn ident(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Ident(s)) => Ok(s),
            other => Err(format!("expected a name, found {other:?}")),
        }
    }

    /// A primary value followed by any number of accessors; each level counts toward the depth cap.
    fn expr(&mut self, depth: usize) -> Result<Expr, String> {
        if depth > MAX_DEPTH {
            return Err("expression nested too deeply".into());
        }
        let mut e = self.primary(depth)?;
        let mut level = depth;
        loop {
            let safe = self.peek() == Some(&Token::Question);
            if safe {
                self.pos += 1;
            }
            match self.peek() {
                Some(Token::Dot) => {
                    self.pos += 1;
                    let name = self.ident()?;
                    e = Expr::Member {
                        target: Box::new(e),
                        name,
                        safe,
                    };
                }
                Some(Token::LBracket) => {
                    self.pos += 1;
                    let index = self.expr(level + 1)?;
                    self.expect(Token::RBracket)?;
                    e = Expr::Index {
                        target: Box::new(e),
                        index: Box::new(index),
                        safe,
                    };
                }
                _ if safe => return Err("`?` must be followed by `.` or `[`".into()),
                _ => return Ok(e),
            }
            level += 1;
            if level > MAX_DEPTH {
                return Err("expression nested too deeply".into());
            }
        }
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Str(s)) => Ok(Expr::Str(s)),
            Some(Token::Int(n)) => Ok(Expr::Int(n)),
            Some(Token::Ident(mut name)) => {
                // `namespace.function(...)`: a user-defined function call.
                if self.peek() == Some(&Token::Dot)
                    && matches!(self.tokens.get(self.pos + 1), Some(Token::Ident(_)))
                    && self.tokens.get(self.pos + 2) == Some(&Token::LParen)
                {
                    self.pos += 1;
                    let member = self.ident()?;
                    name = format!("{name}.{member}");
                }
                self.expect(Token::LParen)?;
                let args = self.args(depth)?;
                Ok(Expr::Call { name, args })
            }
            other => Err(format!("expected a value, found {other:?}")),
        }
    }

    fn args(&mut self, depth: usize) -> Result<Vec<Expr>, String> {
        let mut args = Vec::new();
        if self.peek() == Some(&Token::RParen) {
            self.pos += 1;
            return Ok(args);
        }
        loop {
            args.push(self.expr(depth + 1)?);
            match self.next() {
                Some(Token::Comma) => {}
                Some(Token::RParen) => return Ok(args),
                other => return Err(format!("expected `,` or `)`, found {other:?}")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: Vec<Expr>) -> Expr {
        Expr::Call {
            name: name.into(),
            args,
        }
    }

    #[test]
    fn classifies_expressions_and_escapes() {
        assert_eq!(classify("[a()]"), StringForm::Expression("a()"));
        assert_eq!(classify("[[a()]"), StringForm::Literal("[a()]".into()));
        assert_eq!(classify("plain"), StringForm::Literal("plain".into()));
        assert_eq!(classify("[no end"), StringForm::Literal("[no end".into()));
    }

    #[test]
    fn parses_literals_with_quote_escapes() {
        assert_eq!(parse("'it''s'").unwrap(), Expr::Str("it's".into()));
        assert_eq!(parse("-12").unwrap(), Expr::Int(-12));
        assert_eq!(parse("''").unwrap(), Expr::Str(String::new()));
    }

    #[test]
    fn parses_nested_calls_and_accessors() {
        let e = parse("concat(parameters('a')[0].b, resourceGroup() . location , 'x')").unwrap();
        let a = call("parameters", vec![Expr::Str("a".into())]);
        let idx = Expr::Index {
            target: Box::new(a),
            index: Box::new(Expr::Int(0)),
            safe: false,
        };
        let b = Expr::Member {
            target: Box::new(idx),
            name: "b".into(),
            safe: false,
        };
        let loc = Expr::Member {
            target: Box::new(call("resourceGroup", vec![])),
            name: "location".into(),
            safe: false,
        };
        assert_eq!(e, call("concat", vec![b, loc, Expr::Str("x".into())]));
    }

    #[test]
    fn parses_multiline_and_safe_access_and_user_functions() {
        let e = parse("\n  variables('v')?['k']\n").unwrap();
        assert!(matches!(e, Expr::Index { safe: true, .. }));
        let e = parse("__bicep.f(1)").unwrap();
        assert_eq!(e, call("__bicep.f", vec![Expr::Int(1)]));
        let e = parse("x()?.y").unwrap();
        assert!(matches!(e, Expr::Member { safe: true, .. }));
    }

    #[test]
    fn rejects_malformed_input_without_panicking() {
        for bad in [
            "",
            "(",
            "a(",
            "a(,)",
            "'open",
            "a() b()",
            "a()[1",
            "a().",
            "1.5",
            "#",
            "a",
            "a()?",
            "99999999999999999999",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn canonical_text_ignores_spacing_and_case() {
        let a = parse("Format( '{0}-x',  deployment().name )").unwrap();
        let b = parse("format('{0}-x',deployment().name)").unwrap();
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(canonical(&parse("a('it''s')[0]").unwrap()), "a('it''s')[0]");
    }

    #[test]
    fn caps_nesting_depth() {
        let deep = format!("{}1{}", "a(".repeat(200), ")".repeat(200));
        assert!(parse(&deep).is_err());
        let chain = format!("a(){}", ".b".repeat(200));
        assert!(parse(&chain).is_err());
        let ok = format!("{}1{}", "a(".repeat(30), ")".repeat(30));
        assert!(parse(&ok).is_ok());
    }
}
