//! The Terraform functions real AKS configurations use. Any other function
//! gives an unknown value, never an error: we cannot know what it returns.

use super::expr::MAX_STRING;
use super::value::{self, as_f64, as_int, first_unknown, to_str};
use crate::source::Span;
use crate::syntax::{Entry, Node, NodeKind};

mod cidr;

type R = Result<Node, String>;

/// Functions that only rearrange values: unknown elements pass through.
const STRUCTURAL: &[&str] = &[
    "concat",
    "merge",
    "tolist",
    "tomap",
    "flatten",
    "length",
    "element",
    "lookup",
    "keys",
    "values",
    "coalesce",
    "coalescelist",
    "one",
    "compact",
    "zipmap",
];

pub(crate) fn call(name: &str, args: Vec<Node>, span: Span) -> R {
    let unknown = if STRUCTURAL.contains(&name) {
        args.iter().find_map(|a| match &a.kind {
            NodeKind::Unknown(why) => Some(why.clone()),
            _ => None,
        })
    } else {
        args.iter()
            .find_map(|a| first_unknown(a).map(str::to_string))
    };
    if let Some(why) = unknown {
        return Ok(Node::unknown(span, why));
    }
    let out = dispatch(name, args, span)?;
    if let NodeKind::String(s) = &out.kind {
        if s.len() > MAX_STRING {
            return Err("the string grows beyond 1 MiB".into());
        }
    }
    Ok(out)
}

fn dispatch(name: &str, args: Vec<Node>, span: Span) -> R {
    match name {
        "cidrsubnet" => cidr::subnet(&args, span),
        "cidrhost" => cidr::host(&args, span),
        "cidrsubnets" => cidr::subnets(&args, span),
        "cidrnetmask" => cidr::netmask(&args, span),
        "concat" => concat(args, span),
        "merge" => merge(args, span),
        "lookup" => lookup(args),
        "element" => element(args),
        "length" => length(&args, span),
        "lower" => Ok(Node::string(span, string_arg(&args, 0)?.to_lowercase())),
        "upper" => Ok(Node::string(span, string_arg(&args, 0)?.to_uppercase())),
        "trimspace" => Ok(Node::string(span, string_arg(&args, 0)?.trim())),
        "format" => format(&args, span),
        "join" => join(&args, span),
        "split" => split(&args, span),
        "replace" => replace(&args, span),
        "tolist" => list_arg(args, 0).map(|items| value::array(span, items)),
        "toset" => toset(args, span),
        "tomap" => match args.into_iter().next() {
            Some(n) if n.as_object().is_some() => Ok(n),
            _ => Err("tomap() needs an object".into()),
        },
        "tostring" => match args.first() {
            Some(n) if n.is_null() => Ok(n.clone()),
            Some(n) => to_str(n)
                .map(|s| Node::string(span, s))
                .ok_or_else(|| "tostring() needs a primitive".into()),
            None => Err("tostring() takes one argument".into()),
        },
        "tonumber" => match args.first() {
            Some(n) if n.is_null() => Ok(n.clone()),
            Some(n) => as_f64(n)
                .map(|f| value::float(span, f))
                .ok_or_else(|| "tonumber() needs a number".into()),
            None => Err("tonumber() takes one argument".into()),
        },
        "coalesce" => args
            .into_iter()
            .find(|a| !a.is_null() && a.as_str() != Some(""))
            .ok_or_else(|| "no non-null argument to coalesce()".into()),
        "coalescelist" => args
            .into_iter()
            .find(|a| a.as_array().is_some_and(|i| !i.is_empty()))
            .ok_or_else(|| "no non-empty list to coalescelist()".into()),
        "flatten" => flatten(args, span),
        "keys" => keys_values(args, span, true),
        "values" => keys_values(args, span, false),
        "contains" => contains(&args, span),
        "min" | "max" => min_max(name == "max", &args, span),
        "abs" => number_op(&args, span, f64::abs),
        "ceil" => number_op(&args, span, f64::ceil),
        "floor" => number_op(&args, span, f64::floor),
        "distinct" => distinct(args, span),
        "compact" => Ok(value::array(
            span,
            list_arg(args, 0)?
                .into_iter()
                .filter(|i| !i.is_null() && i.as_str() != Some(""))
                .collect(),
        )),
        "one" => one(args, span),
        "range" => range(&args, span),
        "substr" => substr(&args, span),
        "startswith" => Ok(value::boolean(
            span,
            string_arg(&args, 0)?.starts_with(&string_arg(&args, 1)?),
        )),
        "endswith" => Ok(value::boolean(
            span,
            string_arg(&args, 0)?.ends_with(&string_arg(&args, 1)?),
        )),
        _ => Ok(Node::unknown(
            span,
            format!("function {name}() is not evaluated by akslint"),
        )),
    }
}

fn string_arg(args: &[Node], i: usize) -> Result<String, String> {
    args.get(i)
        .and_then(to_str)
        .ok_or_else(|| format!("argument {} must be a string", i + 1))
}

fn int_arg(args: &[Node], i: usize) -> Result<i64, String> {
    args.get(i)
        .and_then(as_int)
        .ok_or_else(|| format!("argument {} must be a whole number", i + 1))
}

fn list_arg(args: Vec<Node>, i: usize) -> Result<Vec<Node>, String> {
    match args.into_iter().nth(i).map(|n| n.kind) {
        Some(NodeKind::Array(items)) => Ok(items),
        _ => Err(format!("argument {} must be a list", i + 1)),
    }
}

fn concat(args: Vec<Node>, span: Span) -> R {
    let mut out = Vec::new();
    for a in args {
        match a.kind {
            NodeKind::Array(items) => out.extend(items),
            _ => return Err("concat() takes lists".into()),
        }
    }
    Ok(value::array(span, out))
}

fn merge(args: Vec<Node>, span: Span) -> R {
    let mut out: Vec<Entry> = Vec::new();
    for a in args {
        match a.kind {
            NodeKind::Null => {}
            NodeKind::Object(entries) => {
                for e in entries {
                    out.retain(|o| o.key != e.key);
                    out.push(e);
                }
            }
            _ => return Err("merge() takes maps or objects".into()),
        }
    }
    Ok(Node::new(span, NodeKind::Object(out)))
}

fn lookup(args: Vec<Node>) -> R {
    let mut it = args.into_iter();
    let (Some(map), Some(key), default) = (it.next(), it.next(), it.next()) else {
        return Err("lookup() takes a map, a key and a default".into());
    };
    let key = to_str(&key).ok_or("the lookup() key must be a string")?;
    let span = map.span;
    match map.kind {
        NodeKind::Object(entries) => match entries.into_iter().find(|e| e.key == key) {
            Some(e) => Ok(e.value),
            None => default.ok_or_else(|| format!("the map has no key {key}")),
        },
        other => Err(format!(
            "lookup() needs a map, not a {}",
            Node::new(span, other).kind_name()
        )),
    }
}

fn element(args: Vec<Node>) -> R {
    let i = int_arg(&args, 1)?;
    let items = list_arg(args, 0)?;
    if items.is_empty() {
        return Err("element() of an empty list".into());
    }
    if i < 0 {
        return Err("element() needs a non-negative index".into());
    }
    // Terraform wraps the index around the list.
    let at = (i as u64 % items.len() as u64) as usize;
    items
        .into_iter()
        .nth(at)
        .ok_or_else(|| "index out of range".into())
}

fn length(args: &[Node], span: Span) -> R {
    let n = match args.first().map(|a| &a.kind) {
        Some(NodeKind::Array(items)) => items.len(),
        Some(NodeKind::Object(entries)) => entries.len(),
        Some(NodeKind::String(s)) => s.chars().count(),
        _ => return Err("length() needs a list, map or string".into()),
    };
    Ok(value::int(span, n as i64))
}

fn join(args: &[Node], span: Span) -> R {
    let sep = string_arg(args, 0)?;
    let mut parts = Vec::new();
    for list in &args[1..] {
        for item in list.as_array().ok_or("join() takes lists")? {
            parts.push(to_str(item).ok_or("join() takes lists of strings")?);
        }
    }
    Ok(Node::string(span, parts.join(&sep)))
}

fn split(args: &[Node], span: Span) -> R {
    let sep = string_arg(args, 0)?;
    let s = string_arg(args, 1)?;
    let parts: Vec<Node> = if sep.is_empty() {
        s.chars()
            .map(|c| Node::string(span, c.to_string()))
            .collect()
    } else {
        s.split(sep.as_str())
            .map(|p| Node::string(span, p))
            .collect()
    };
    Ok(value::array(span, parts))
}

fn replace(args: &[Node], span: Span) -> R {
    let (s, from, to) = (
        string_arg(args, 0)?,
        string_arg(args, 1)?,
        string_arg(args, 2)?,
    );
    if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
        return Ok(Node::unknown(
            span,
            "replace() with a regular expression is not evaluated",
        ));
    }
    if from.is_empty() {
        return Ok(Node::string(span, s));
    }
    // Bound the output before building it: each match may grow the string.
    let grows = to
        .len()
        .saturating_sub(from.len())
        .saturating_mul(s.matches(from.as_str()).count());
    if s.len().saturating_add(grows) > MAX_STRING {
        return Err("the string grows beyond 1 MiB".into());
    }
    Ok(Node::string(span, s.replace(from.as_str(), &to)))
}

fn toset(args: Vec<Node>, span: Span) -> R {
    let items = list_arg(args, 0)?;
    distinct_sorted(items, span)
}

/// Terraform sets of strings iterate in lexical order.
fn distinct_sorted(items: Vec<Node>, span: Span) -> R {
    let mut out = dedup(items);
    if out.iter().all(|n| n.as_str().is_some()) {
        out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    Ok(value::array(span, out))
}

fn distinct(args: Vec<Node>, span: Span) -> R {
    Ok(value::array(span, dedup(list_arg(args, 0)?)))
}

fn dedup(items: Vec<Node>) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::with_capacity(items.len());
    // Quadratic in the worst case, but lists are bounded by the step budget.
    for i in items {
        if !out.iter().any(|o| value::equal(o, &i)) {
            out.push(i);
        }
    }
    out
}

fn flatten(args: Vec<Node>, span: Span) -> R {
    let items = list_arg(args, 0)?;
    let mut out = Vec::new();
    // Explicit stack: the values are depth-bounded, but no need to recurse.
    let mut stack: Vec<Node> = items.into_iter().rev().collect();
    while let Some(n) = stack.pop() {
        match n.kind {
            NodeKind::Array(inner) => stack.extend(inner.into_iter().rev()),
            NodeKind::Unknown(why) => return Ok(Node::unknown(span, why)),
            kind => out.push(Node::new(n.span, kind)),
        }
    }
    Ok(value::array(span, out))
}

fn keys_values(args: Vec<Node>, span: Span, keys: bool) -> R {
    let Some(NodeKind::Object(mut entries)) = args.into_iter().next().map(|n| n.kind) else {
        return Err("keys() and values() need a map".into());
    };
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    let out = entries
        .into_iter()
        .map(|e| {
            if keys {
                Node::string(e.key_span, e.key)
            } else {
                e.value
            }
        })
        .collect();
    Ok(value::array(span, out))
}

fn contains(args: &[Node], span: Span) -> R {
    let (Some(list), Some(v)) = (args.first().and_then(Node::as_array), args.get(1)) else {
        return Err("contains() takes a list and a value".into());
    };
    Ok(value::boolean(
        span,
        list.iter().any(|i| value::equal(i, v)),
    ))
}

fn min_max(max: bool, args: &[Node], span: Span) -> R {
    let mut best: Option<f64> = None;
    for a in args {
        let f = as_f64(a).ok_or("min() and max() take numbers")?;
        best = Some(match best {
            Some(b) if max => b.max(f),
            Some(b) => b.min(f),
            None => f,
        });
    }
    best.map(|b| value::float(span, b))
        .ok_or_else(|| "min() and max() need at least one number".into())
}

fn number_op(args: &[Node], span: Span, f: fn(f64) -> f64) -> R {
    let n = args.first().and_then(as_f64).ok_or("a number is needed")?;
    Ok(value::float(span, f(n)))
}

/// `range(end)`, `range(start, end[, step])`, at most [`MAX_RANGE`] numbers.
fn range(args: &[Node], span: Span) -> R {
    let nums: Vec<f64> = args
        .iter()
        .map(as_f64)
        .collect::<Option<_>>()
        .ok_or("range() takes numbers")?;
    let (start, end, step) = match nums.as_slice() {
        [end] => (0.0, *end, 1.0),
        [start, end] => (*start, *end, if end >= start { 1.0 } else { -1.0 }),
        [start, end, step] => (*start, *end, *step),
        _ => return Err("range() takes one to three numbers".into()),
    };
    if step == 0.0 || (end - start) * step < 0.0 && start != end {
        return Err("range() step goes the wrong way".into());
    }
    let mut out = Vec::new();
    let mut x = start;
    while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
        if out.len() >= MAX_RANGE {
            return Err("range() is too long".into());
        }
        out.push(value::float(span, x));
        x += step;
    }
    Ok(value::array(span, out))
}

const MAX_RANGE: usize = 1024;

/// `substr(s, offset, length)` in characters; a negative offset counts from
/// the end, a length of -1 means to the end.
fn substr(args: &[Node], span: Span) -> R {
    let s = string_arg(args, 0)?;
    let (offset, length) = (int_arg(args, 1)?, int_arg(args, 2)?);
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as i64;
    let start = if offset < 0 {
        (n + offset).max(0)
    } else {
        offset.min(n)
    };
    let end = if length < 0 {
        n
    } else {
        start.saturating_add(length).min(n)
    };
    let out: String = chars
        .get(start as usize..end.max(start) as usize)
        .unwrap_or_default()
        .iter()
        .collect();
    Ok(Node::string(span, out))
}

fn one(args: Vec<Node>, span: Span) -> R {
    let items = list_arg(args, 0)?;
    match items.len() {
        0 => Ok(Node::new(span, NodeKind::Null)),
        1 => items
            .into_iter()
            .next()
            .ok_or_else(|| "one() of an empty list".into()),
        _ => Err("one() of a list with more than one element".into()),
    }
}

/// `format` with the verbs configurations use: `%s %d %v %q %t %f %%`,
/// with width, `-` and `0` flags and a precision for `%f`.
fn format(args: &[Node], span: Span) -> R {
    let spec = string_arg(args, 0)?;
    let mut out = String::new();
    let mut next = 1;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek() {
            if f == '-'
                || f == '0'
                || f == '+'
                || f == ' '
                || f == '#'
                || f.is_ascii_digit()
                || f == '.'
            {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        let verb = chars.next().ok_or("format() spec ends with %")?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let arg = args.get(next).ok_or("format() has too few arguments")?;
        next += 1;
        let text = format_verb(verb, &flags, arg)?;
        out.push_str(&pad(&text, &flags));
        if out.len() > MAX_STRING {
            return Err("the string grows beyond 1 MiB".into());
        }
    }
    Ok(Node::string(span, out))
}

fn format_verb(verb: char, flags: &str, arg: &Node) -> Result<String, String> {
    match verb {
        's' | 'v' | 't' => to_str(arg).ok_or_else(|| "format() %s needs a primitive".into()),
        'q' => to_str(arg)
            .map(|s| serde_json::Value::String(s).to_string())
            .ok_or_else(|| "format() %q needs a string".into()),
        'd' => as_f64(arg)
            .filter(|f| f.fract() == 0.0)
            .map(|f| format!("{}", f as i64))
            .ok_or_else(|| "format() %d needs a whole number".into()),
        'f' => {
            let n = as_f64(arg).ok_or("format() %f needs a number")?;
            let prec = flags
                .split_once('.')
                .and_then(|(_, p)| p.parse::<usize>().ok())
                .unwrap_or(6)
                .min(64);
            Ok(format!("{n:.prec$}"))
        }
        other => Err(format!("format() verb %{other} is not supported")),
    }
}

fn pad(text: &str, flags: &str) -> String {
    let width_str: String = flags
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_start_matches(['-', '+', ' ', '#', '0'])
        .to_string();
    let width = width_str.parse::<usize>().unwrap_or(0).min(1024);
    let len = text.chars().count();
    if len >= width {
        return text.to_string();
    }
    let fill = width - len;
    if flags.starts_with('-') {
        format!("{text}{}", " ".repeat(fill))
    } else if flags.starts_with('0') {
        format!("{}{text}", "0".repeat(fill))
    } else {
        format!("{}{text}", " ".repeat(fill))
    }
}
