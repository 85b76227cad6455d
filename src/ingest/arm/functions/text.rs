//! String functions.

use super::*;

pub(super) fn concat(v: &[Node], site: Span) -> Res {
    if v.first().is_some_and(|x| x.as_array().is_some()) {
        let mut out = Vec::new();
        for a in v {
            match &a.kind {
                NodeKind::Array(items) => out.extend(items.iter().cloned()),
                NodeKind::Null => {}
                _ => return Err("cannot mix arrays and other values".into()),
            }
        }
        return Ok(value::array(site, out));
    }
    let mut out = String::new();
    for a in v {
        match &a.kind {
            NodeKind::Array(_) | NodeKind::Object(_) => {
                return Err("cannot concatenate a compound value to a string".into())
            }
            _ => {
                let text = to_text(a);
                check_len(out.len().saturating_add(text.len()))?;
                out.push_str(&text);
            }
        }
    }
    Ok(Node::string(site, out))
}

/// .NET composite formatting: `{0}`, `{0,width}`, `{0:D3}`, `{{` and `}}`.
pub(super) fn format(v: &[Node]) -> Result<String, String> {
    let (fmt, args) = v.split_first().ok_or("takes a format string")?;
    let fmt = str_arg(fmt)?;
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut item = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(ch) => item.push(ch),
                        None => return Err("unclosed format item".into()),
                    }
                }
                let text = format_item(&item, args)?;
                check_len(out.len().saturating_add(text.len()))?;
                out.push_str(&text);
            }
            '}' => return Err("unbalanced `}` in format string".into()),
            _ => out.push(c),
        }
    }
    Ok(out)
}

pub(super) fn format_item(item: &str, args: &[Node]) -> Result<String, String> {
    let (head, spec) = item.split_once(':').unwrap_or((item, ""));
    let (index, width) = head.split_once(',').unwrap_or((head, ""));
    let index: usize = index
        .trim()
        .parse()
        .map_err(|_| format!("bad format item {{{item}}}"))?;
    let arg = args
        .get(index)
        .ok_or_else(|| format!("format item {{{index}}} has no argument"))?;
    if matches!(arg.kind, NodeKind::Array(_) | NodeKind::Object(_)) {
        no_unknown_inside(arg)?;
    }
    let mut text = to_text(arg);
    let spec_kind = spec.chars().next().map(|c| c.to_ascii_uppercase());
    if let (Some('D'), Some(i)) = (spec_kind, arg.as_i64()) {
        let digits: usize = spec[1..].parse().unwrap_or(0).min(64);
        let sign = if i < 0 { "-" } else { "" };
        text = format!("{sign}{:0>digits$}", i.unsigned_abs());
    }
    let width: i64 = width.trim().parse().unwrap_or(0).clamp(-1000, 1000);
    let pad = (width.unsigned_abs() as usize).saturating_sub(text.chars().count());
    Ok(if width >= 0 {
        format!("{}{text}", " ".repeat(pad))
    } else {
        format!("{text}{}", " ".repeat(pad))
    })
}

pub(super) fn replace(v: &[Node]) -> Result<String, String> {
    argc(v, 3, 3)?;
    let (s, old, new) = (raw_str(&v[0])?, str_arg(&v[1])?, raw_str(&v[2])?);
    if old.is_empty() {
        return Err("the string to replace is empty".into());
    }
    // Replacing text that could overlap a placeholder would change what it stands for.
    if old.contains(['{', '}'])
        || [
            value::SUBSCRIPTION_PLACEHOLDER,
            value::RESOURCE_GROUP_PLACEHOLDER,
        ]
        .iter()
        .any(|p| p.contains(old) && s.contains(p))
    {
        return Err("depends on the deployment scope".into());
    }
    // Each match grows the string by the difference: refuse before building.
    let grows = new.len().saturating_sub(old.len());
    if grows > 0 {
        let matches = s.matches(old).count();
        check_len(s.len().saturating_add(matches.saturating_mul(grows)))?;
    }
    Ok(s.replace(old, new))
}

pub(super) fn split(v: &[Node], site: Span) -> Res {
    argc(v, 2, 2)?;
    let s = str_arg(&v[0])?;
    let delims: Vec<&str> = match &v[1].kind {
        NodeKind::Array(items) => items.iter().map(str_arg).collect::<Result<_, _>>()?,
        _ => vec![str_arg(&v[1])?],
    };
    let delims: Vec<&str> = delims.into_iter().filter(|d| !d.is_empty()).collect();
    let mut parts = Vec::new();
    let mut rest = s;
    loop {
        let next = delims
            .iter()
            .filter_map(|d| rest.find(d).map(|i| (i, d.len())))
            .min();
        match next {
            Some((i, len)) => {
                parts.push(Node::string(site, &rest[..i]));
                rest = &rest[i + len..];
            }
            None => {
                parts.push(Node::string(site, rest));
                break;
            }
        }
    }
    Ok(value::array(site, parts))
}

pub(super) fn join(v: &[Node], site: Span) -> Res {
    argc(v, 2, 2)?;
    let items = v[0].as_array().ok_or("expected an array")?;
    let sep = raw_str(&v[1])?;
    let mut len = sep.len().saturating_mul(items.len().saturating_sub(1));
    check_len(len)?;
    let parts: Vec<String> = items
        .iter()
        .map(|i| {
            no_unknown_inside(i)?;
            let text = to_text(i);
            len = len.saturating_add(text.len());
            check_len(len)?;
            Ok(text)
        })
        .collect::<Result<_, String>>()?;
    Ok(Node::string(site, parts.join(sep)))
}

pub(super) fn index_of(last: bool, v: &[Node]) -> Result<i64, String> {
    argc(v, 2, 2)?;
    if let Some(items) = v[0].as_array() {
        let mut found = -1;
        for (i, item) in items.iter().enumerate() {
            match deep_eq(item, &v[1]) {
                Some(true) => {
                    found = i as i64;
                    if !last {
                        break;
                    }
                }
                Some(false) => {}
                None => return Err("element comparison is unknown".into()),
            }
        }
        return Ok(found);
    }
    // ARM compares strings case-insensitively here.
    let hay = str_arg(&v[0])?.to_lowercase();
    let needle = str_arg(&v[1])?.to_lowercase();
    let byte = if last {
        hay.rfind(&needle)
    } else {
        hay.find(&needle)
    };
    Ok(byte.map_or(-1, |b| hay[..b].chars().count() as i64))
}

pub(super) fn substring(v: &[Node]) -> Result<String, String> {
    argc(v, 2, 3)?;
    let chars: Vec<char> = str_arg(&v[0])?.chars().collect();
    let start = usize::try_from(to_int(&v[1])?).map_err(|_| "negative start")?;
    let len = match v.get(2) {
        Some(l) => usize::try_from(to_int(l)?).map_err(|_| "negative length")?,
        None => chars.len().saturating_sub(start),
    };
    let end = start
        .checked_add(len)
        .filter(|e| *e <= chars.len())
        .ok_or("range is past the end of the string")?;
    Ok(chars[start..end].iter().collect())
}

pub(super) fn pad_left(v: &[Node]) -> Result<String, String> {
    argc(v, 2, 3)?;
    let text = match &v[0].kind {
        NodeKind::String(_) => str_arg(&v[0])?.to_string(),
        _ => to_int(&v[0])?.to_string(),
    };
    let total = to_int(&v[1])?;
    if !(0..=MAX_BUILD).contains(&total) {
        return Err("padding length out of range".into());
    }
    let pad = match v.get(2) {
        Some(p) => str_arg(p)?
            .chars()
            .next()
            .ok_or("empty padding character")?,
        None => ' ',
    };
    let missing = (total as usize).saturating_sub(text.chars().count());
    Ok(std::iter::repeat_n(pad, missing)
        .chain(text.chars())
        .collect())
}

pub(super) fn json(s: &str, site: Span) -> Res {
    let parsed: serde_json::Value =
        serde_json::from_str(s).map_err(|e| format!("invalid JSON: {e}"))?;
    Ok(value::from_json(&parsed, site))
}
