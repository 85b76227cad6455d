//! `{{path}}` message templates: paths are checked when the rule loads and
//! resolved on the matched object when a finding is reported.

use super::condition::{resolve, Path, Scope};
use super::fields::{Ctx, Got, Slot, State, Value};
use crate::model::Inventory;

#[derive(Debug)]
pub enum Part {
    Text(String),
    /// A field's value: unknown renders as `(unknown)`, absent as nothing.
    Path(Path),
    /// The display name of an object: its name, else its address (`{{name}}`,
    /// `{{cluster.name}}`). The path reaches the object.
    Name(Path),
    /// `{{value}}`: the failing leaf's value.
    Value,
}

#[derive(Debug, Default)]
pub struct Template {
    pub parts: Vec<Part>,
}

/// A piece of template text: literal text, or the inside of a `{{…}}` with its
/// byte offset in the template.
pub enum Piece<'t> {
    Text(&'t str),
    Placeholder(&'t str, usize),
    /// `{{` without a closing `}}`, at this offset.
    Unclosed(usize),
}

/// Splits a template into text and placeholders.
pub fn split(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = text[rest..].find("{{").map(|i| i + rest) {
        if open > rest {
            out.push(Piece::Text(&text[rest..open]));
        }
        match text[open + 2..].find("}}") {
            Some(close) => {
                let inner = &text[open + 2..open + 2 + close];
                let lead = inner.len() - inner.trim_start().len();
                out.push(Piece::Placeholder(inner.trim(), open + 2 + lead));
                rest = open + 2 + close + 2;
            }
            None => {
                out.push(Piece::Unclosed(open));
                return out;
            }
        }
    }
    if rest < text.len() {
        out.push(Piece::Text(&text[rest..]));
    }
    out
}

impl Template {
    /// A template without placeholders.
    pub fn literal(text: &str) -> Template {
        Template {
            parts: vec![Part::Text(text.to_string())],
        }
    }

    pub fn render<'a>(
        &self,
        cx: &'a Ctx<'_>,
        scope: &Scope<'a>,
        value: Option<&Value<'_>>,
    ) -> String {
        let inv = cx.inv;
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Value => {
                    if let Some(v) = value {
                        out.push_str(&v.render(inv));
                    }
                }
                Part::Path(p) | Part::Name(p) => {
                    out.push_str(&render_got(inv, resolve(cx, scope, p)));
                }
            }
        }
        out
    }
}

/// Objects render as their display name.
fn render_got(inv: &Inventory, got: Got<'_>) -> String {
    let one = |s: &Slot<'_>| match (s.state, &s.value) {
        (State::Unknown, _) => "(unknown)".to_string(),
        (State::Known | State::Default, Some(v)) => v.render(inv),
        _ => String::new(),
    };
    match got {
        Got::One(s) => one(&s),
        Got::Many(list, _) => list.iter().map(one).collect::<Vec<_>>().join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_text_and_placeholders() {
        let pieces = split("pool `{{ name }}` of {{cluster.name}}!");
        let shown: Vec<String> = pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => format!("T({t})"),
                Piece::Placeholder(p, at) => format!("P({p}@{at})"),
                Piece::Unclosed(at) => format!("U({at})"),
            })
            .collect();
        assert_eq!(
            shown,
            [
                "T(pool `)",
                "P(name@9)",
                "T(` of )",
                "P(cluster.name@23)",
                "T(!)"
            ]
        );
        assert!(matches!(split("a {{b").last(), Some(Piece::Unclosed(2))));
        assert!(split("").is_empty());
    }
}
