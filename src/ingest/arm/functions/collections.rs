//! Array and object functions.

use super::*;

pub(super) fn create_object(v: &[Node], site: Span) -> Res {
    if !v.len().is_multiple_of(2) {
        return Err("takes key/value pairs".into());
    }
    let mut entries: Vec<Entry> = Vec::new();
    for pair in v.chunks(2) {
        let key = raw_str(&pair[0])?.to_string();
        set_member(
            &mut entries,
            Entry {
                key,
                key_span: pair[0].span,
                value: pair[1].clone(),
            },
        );
    }
    Ok(Node::new(site, NodeKind::Object(entries)))
}

/// Inserts or replaces (case-insensitively) an object member, keeping the first position.
pub(super) fn set_member(entries: &mut Vec<Entry>, e: Entry) {
    match entries
        .iter_mut()
        .find(|x| x.key.eq_ignore_ascii_case(&e.key))
    {
        Some(slot) => slot.value = e.value,
        None => entries.push(e),
    }
}

pub(super) fn union(v: &[Node], site: Span) -> Res {
    if v.iter().all(|x| x.as_object().is_some()) {
        let mut entries = Vec::new();
        for o in v {
            for e in o.as_object().unwrap_or_default() {
                set_member(&mut entries, e.clone());
            }
        }
        return Ok(Node::new(site, NodeKind::Object(entries)));
    }
    if v.iter().all(|x| x.as_array().is_some()) {
        let mut out: Vec<Node> = Vec::new();
        for item in v.iter().flat_map(|a| a.as_array().unwrap_or_default()) {
            if !is_member(&out, item)? {
                out.push(item.clone());
            }
        }
        return Ok(value::array(site, out));
    }
    Err("arguments must all be objects or all be arrays".into())
}

pub(super) fn intersection(v: &[Node], site: Span) -> Res {
    let (first, rest) = v.split_first().ok_or("takes at least one argument")?;
    if let Some(entries) = first.as_object() {
        let mut out = Vec::new();
        for e in entries {
            let mut keep = true;
            for other in rest {
                let o = other.as_object().ok_or("arguments must all be objects")?;
                let same = o
                    .iter()
                    .find(|x| x.key.eq_ignore_ascii_case(&e.key))
                    .map(|x| deep_eq(&x.value, &e.value));
                match same {
                    Some(Some(true)) => {}
                    Some(None) => return Err("comparison is unknown".into()),
                    _ => keep = false,
                }
            }
            if keep {
                out.push(e.clone());
            }
        }
        return Ok(Node::new(site, NodeKind::Object(out)));
    }
    let items = first
        .as_array()
        .ok_or("arguments must be arrays or objects")?;
    let mut out: Vec<Node> = Vec::new();
    for item in items {
        let mut keep = !is_member(&out, item)?;
        for other in rest {
            keep = keep
                && is_member(
                    other.as_array().ok_or("arguments must all be arrays")?,
                    item,
                )?;
        }
        if keep {
            out.push(item.clone());
        }
    }
    Ok(value::array(site, out))
}

pub(super) fn is_member(list: &[Node], item: &Node) -> Result<bool, String> {
    let mut unknown = false;
    for x in list {
        match deep_eq(x, item) {
            Some(true) => return Ok(true),
            None => unknown = true,
            Some(false) => {}
        }
    }
    if unknown {
        Err("element comparison is unknown".into())
    } else {
        Ok(false)
    }
}

pub(super) fn empty(n: &Node) -> Result<bool, String> {
    Ok(match &n.kind {
        NodeKind::Null => true,
        NodeKind::String(s) => s.is_empty(),
        NodeKind::Array(a) => a.is_empty(),
        NodeKind::Object(o) => o.is_empty(),
        _ => return Err(format!("empty() of a {}", n.kind_name())),
    })
}

pub(super) fn contains(v: &[Node]) -> Result<bool, String> {
    argc(v, 2, 2)?;
    match &v[0].kind {
        NodeKind::Array(items) => is_member(items, &v[1]),
        NodeKind::Object(_) => Ok(v[0].get(raw_str(&v[1])?).is_some()),
        NodeKind::String(_) => {
            let needle = match &v[1].kind {
                NodeKind::String(_) => str_arg(&v[1])?.to_string(),
                _ => to_text(&v[1]),
            };
            Ok(str_arg(&v[0])?.contains(&needle))
        }
        NodeKind::Null => Ok(false),
        _ => Err(format!("contains() in a {}", v[0].kind_name())),
    }
}

pub(super) fn length(n: &Node) -> Result<i64, String> {
    Ok(match &n.kind {
        NodeKind::String(_) => str_arg(n)?.chars().count() as i64,
        NodeKind::Array(a) => a.len() as i64,
        NodeKind::Object(o) => o.len() as i64,
        NodeKind::Null => 0,
        _ => return Err(format!("length() of a {}", n.kind_name())),
    })
}

pub(super) fn first_last(first: bool, n: &Node, site: Span) -> Res {
    match &n.kind {
        NodeKind::Array(items) => {
            let pick = if first { items.first() } else { items.last() };
            Ok(pick
                .cloned()
                .unwrap_or_else(|| Node::new(site, NodeKind::Null)))
        }
        NodeKind::String(_) => {
            let s = str_arg(n)?;
            let c = if first {
                s.chars().next()
            } else {
                s.chars().next_back()
            };
            Ok(Node::string(site, c.map(String::from).unwrap_or_default()))
        }
        _ => Err(format!("not an array or string but a {}", n.kind_name())),
    }
}

pub(super) fn take_skip(take: bool, v: &[Node], site: Span) -> Res {
    argc(v, 2, 2)?;
    let count = to_int(&v[1])?.max(0);
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    match &v[0].kind {
        NodeKind::Array(items) => {
            let k = count.min(items.len());
            let part = if take { &items[..k] } else { &items[k..] };
            Ok(value::array(site, part.to_vec()))
        }
        NodeKind::String(_) => {
            let chars = str_arg(&v[0])?.chars();
            let text: String = if take {
                chars.take(count).collect()
            } else {
                chars.skip(count).collect()
            };
            Ok(Node::string(site, text))
        }
        NodeKind::Null => Ok(Node::new(site, NodeKind::Null)),
        _ => Err(format!("not an array or string but a {}", v[0].kind_name())),
    }
}

pub(super) fn range(v: &[Node], site: Span) -> Res {
    argc(v, 2, 2)?;
    let (start, count) = (to_int(&v[0])?, to_int(&v[1])?);
    if !(0..=MAX_BUILD).contains(&count) {
        return Err("count out of range".into());
    }
    let items = (0..count)
        .map(|i| value::int(site, start.saturating_add(i)))
        .collect();
    Ok(value::array(site, items))
}

pub(super) fn flatten(n: &Node, site: Span) -> Res {
    let mut out = Vec::new();
    for item in n.as_array().ok_or("expected an array")? {
        match &item.kind {
            NodeKind::Array(inner) => out.extend(inner.iter().cloned()),
            _ => return Err("elements must be arrays".into()),
        }
    }
    Ok(value::array(site, out))
}

/// `items(object)`: `{key, value}` pairs sorted by key, as ARM returns them.
pub(super) fn items(n: &Node, site: Span) -> Res {
    let mut entries: Vec<&Entry> = n.as_object().ok_or("expected an object")?.iter().collect();
    entries.sort_by_key(|e| e.key.to_lowercase());
    let out = entries
        .into_iter()
        .map(|e| {
            value::object(
                site,
                vec![
                    ("key".into(), Node::string(e.key_span, e.key.clone())),
                    ("value".into(), e.value.clone()),
                ],
            )
        })
        .collect();
    Ok(value::array(site, out))
}

pub(super) fn object_keys(n: &Node, site: Span) -> Res {
    let keys = n
        .as_object()
        .ok_or("expected an object")?
        .iter()
        .map(|e| Node::string(e.key_span, e.key.clone()));
    Ok(value::array(site, keys.collect()))
}

/// `tryGet(value, key-or-index, ...)`: null instead of an error when something is missing.
pub(super) fn try_get(v: &[Node], site: Span) -> Res {
    let (first, path) = v.split_first().ok_or("takes a value")?;
    let mut cur = first.clone();
    for key in path {
        let next = match (&cur.kind, &key.kind) {
            (NodeKind::Object(_), NodeKind::String(k)) => cur.get(k).cloned(),
            (NodeKind::Array(items), _) => key
                .as_i64()
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| items.get(i).cloned()),
            (NodeKind::Unknown(_), _) => return Ok(cur),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return Ok(Node::new(site, NodeKind::Null)),
        }
    }
    Ok(cur)
}
