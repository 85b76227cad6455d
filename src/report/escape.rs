//! Making text from inputs safe to print on a terminal or in a CI log: characters
//! that move the cursor, change colours, start a new line, reorder what is shown
//! (bidi overrides) or are invisible become visible escapes such as `\u{1b}`.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as it is: C0 controls (newline and tab
/// too), DEL, C1 controls, line and paragraph separators, bidi controls and the
/// other invisible format characters (Unicode category Cf).
pub fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{ad}'
            | '\u{600}'..='\u{605}'
            | '\u{61c}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{890}'..='\u{891}'
            | '\u{8e2}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
    )
}

/// `text` with every [unsafe](is_unsafe) character written as `\u{hex}`;
/// borrowed when there is none (the usual case).
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_except(text, |_| false)
}

/// Like [`escape`], but the characters `keep` accepts stay as they are (a
/// snippet keeps its tabs, which the renderer expands to spaces).
pub fn escape_except(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c, &keep);
    }
    Cow::Owned(out)
}

/// Appends `c`, escaped when it is unsafe and not kept.
pub fn push_escaped(out: &mut String, c: char, keep: &impl Fn(char) -> bool) {
    if is_unsafe(c) && !keep(c) {
        // Writing to a String cannot fail.
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_bidi_and_invisibles_are_escaped() {
        assert_eq!(escape("plain név"), Cow::Borrowed("plain név"));
        assert_eq!(
            escape("a\n::error::x\t\u{1b}[31m"),
            "a\\u{a}::error::x\\u{9}\\u{1b}[31m"
        );
        assert_eq!(escape("\u{9b}\u{7f}\u{0}"), "\\u{9b}\\u{7f}\\u{0}");
        assert_eq!(
            escape("\u{202e}abc\u{2066}\u{200b}\u{feff}\u{2028}"),
            "\\u{202e}abc\\u{2066}\\u{200b}\\u{feff}\\u{2028}"
        );
        assert_eq!(escape_except("\ta\u{1b}", |c| c == '\t'), "\ta\\u{1b}");
    }
}
