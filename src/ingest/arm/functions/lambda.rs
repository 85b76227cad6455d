//! Higher-order functions over `lambda(...)` arguments.

use super::*;

/// Most elements a `sort` with a lambda comparator will order (it is quadratic).
const MAX_SORT: usize = 1000;

/// The higher-order functions, which take `lambda('x', ..., body)` arguments.
pub(super) fn lambda_function(name: &str, args: &[Expr], ctx: Ctx, site: Span) -> Res {
    let input = eval_expr(args.first().ok_or("takes arguments")?, ctx, site);
    if input.is_unknown() {
        return Ok(input);
    }
    let lambda_at = |i: usize| lambda_parts(args.get(i));
    match name {
        "map" => {
            let f = lambda_at(1)?;
            let items = list(&input)?;
            let out = items
                .iter()
                .enumerate()
                .map(|(i, x)| invoke(&f, vec![x.clone(), value::int(site, i as i64)], ctx, site));
            Ok(value::array(site, out.collect()))
        }
        "filter" => {
            let f = lambda_at(1)?;
            let mut out = Vec::new();
            for (i, x) in list(&input)?.iter().enumerate() {
                let keep = invoke(&f, vec![x.clone(), value::int(site, i as i64)], ctx, site);
                if to_bool_strict(&keep)? {
                    out.push(x.clone());
                }
            }
            Ok(value::array(site, out))
        }
        "reduce" => {
            let mut acc = eval_expr(args.get(1).ok_or("takes an initial value")?, ctx, site);
            let f = lambda_at(2)?;
            for (i, x) in list(&input)?.iter().enumerate() {
                acc = invoke(
                    &f,
                    vec![acc, x.clone(), value::int(site, i as i64)],
                    ctx,
                    site,
                );
                // Each step may nest the accumulator further; stop before it gets unbounded.
                if value::too_deep(&acc) {
                    return Err("accumulator nested too deeply".into());
                }
            }
            Ok(acc)
        }
        "toobject" => {
            let key_fn = lambda_at(1)?;
            let value_fn = args.get(2).map(|a| lambda_parts(Some(a))).transpose()?;
            let mut entries = Vec::new();
            for x in list(&input)? {
                let key = invoke(&key_fn, vec![x.clone()], ctx, site);
                let key = raw_str(&key)?.to_string();
                let value = match &value_fn {
                    Some(f) => invoke(f, vec![x.clone()], ctx, site),
                    None => x.clone(),
                };
                set_member(
                    &mut entries,
                    Entry {
                        key,
                        key_span: site,
                        value,
                    },
                );
            }
            Ok(Node::new(site, NodeKind::Object(entries)))
        }
        "mapvalues" => {
            let f = lambda_at(1)?;
            let entries = input.as_object().ok_or("expected an object")?;
            let out = entries.iter().map(|e| Entry {
                value: invoke(&f, vec![e.value.clone()], ctx, site),
                ..e.clone()
            });
            Ok(Node::new(site, NodeKind::Object(out.collect())))
        }
        _ => {
            let f = lambda_at(1)?;
            let items = list(&input)?;
            if items.len() > MAX_SORT {
                return Err("too many elements to sort".into());
            }
            // Insertion sort: stable, and the comparator may be unknown (an error here).
            let mut out: Vec<Node> = Vec::with_capacity(items.len());
            for x in items {
                let mut at = out.len();
                while at > 0
                    && to_bool_strict(&invoke(&f, vec![x.clone(), out[at - 1].clone()], ctx, site))?
                {
                    at -= 1;
                }
                out.insert(at, x.clone());
            }
            Ok(value::array(site, out))
        }
    }
}

pub(super) fn list(n: &Node) -> Result<&[Node], String> {
    n.as_array()
        .ok_or_else(|| format!("expected an array, got a {}", n.kind_name()))
}

/// `lambda('a', 'b', body)` as its parameter names and body.
pub(super) fn lambda_parts(e: Option<&Expr>) -> Result<(Vec<String>, &Expr), String> {
    let Some(Expr::Call { name, args }) = e else {
        return Err("expected a lambda".into());
    };
    if !name.eq_ignore_ascii_case("lambda") {
        return Err("expected a lambda".into());
    }
    let (body, params) = args.split_last().ok_or("lambda without a body")?;
    let names = params
        .iter()
        .map(|p| match p {
            Expr::Str(s) => Ok(s.clone()),
            _ => Err("lambda parameter names must be literals".to_string()),
        })
        .collect::<Result<_, _>>()?;
    Ok((names, body))
}

/// Evaluates a lambda body with its parameters bound (extra values, like an index the lambda
/// does not name, are dropped).
pub(super) fn invoke(f: &(Vec<String>, &Expr), values: Vec<Node>, ctx: Ctx, site: Span) -> Node {
    let mut bindings = ctx.lambdas.to_vec();
    bindings.extend(f.0.iter().cloned().zip(values));
    eval_expr(
        f.1,
        Ctx {
            lambdas: &bindings,
            ..ctx
        },
        site,
    )
}
