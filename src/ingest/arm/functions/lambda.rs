//! Higher-order functions over `lambda(...)` arguments.

use super::*;

/// Most elements a `sort` with a lambda comparator will order (it is quadratic).
const MAX_SORT: usize = 1000;

/// A parsed `lambda('a', 'b', body)`.
struct Lambda<'e> {
    params: Vec<String>,
    body: &'e Expr,
}

/// One call of a higher-order function: its unevaluated arguments and where it is evaluated.
struct HigherOrder<'e, 'a, 't> {
    args: &'e [Expr],
    ctx: Ctx<'a, 't>,
    site: Span,
}

/// The higher-order functions: map, filter, reduce, sort, toObject, mapValues.
pub(super) fn lambda_function(name: &str, args: &[Expr], ctx: Ctx, site: Span) -> Res {
    let input = eval_expr(args.first().ok_or("takes arguments")?, ctx, site);
    if input.is_unknown() {
        return Ok(input);
    }
    let call = HigherOrder { args, ctx, site };
    match name {
        "map" => call.map(list(&input)?),
        "filter" => call.filter(list(&input)?),
        "reduce" => call.reduce(list(&input)?),
        "toobject" => call.to_object(list(&input)?),
        "mapvalues" => call.map_values(input.as_object().ok_or("expected an object")?),
        "sort" => call.sort(list(&input)?),
        _ => Err(UNSUPPORTED.into()),
    }
}

impl HigherOrder<'_, '_, '_> {
    fn lambda(&self, i: usize) -> Result<Lambda<'_>, String> {
        lambda_parts(self.args.get(i))
    }

    fn index(&self, i: usize) -> Node {
        value::int(self.site, i64::try_from(i).unwrap_or(i64::MAX))
    }

    /// Evaluates the lambda body with its parameters bound; values the lambda does not
    /// name (like the index) are dropped.
    fn invoke(&self, f: &Lambda, values: Vec<Node>) -> Node {
        let mut bindings = self.ctx.lambdas.to_vec();
        bindings.extend(f.params.iter().cloned().zip(values));
        let ctx = Ctx {
            lambdas: &bindings,
            ..self.ctx
        };
        eval_expr(f.body, ctx, self.site)
    }

    fn map(&self, items: &[Node]) -> Res {
        let f = self.lambda(1)?;
        let out = items
            .iter()
            .enumerate()
            .map(|(i, x)| self.invoke(&f, vec![x.clone(), self.index(i)]));
        Ok(value::array(self.site, out.collect()))
    }

    fn filter(&self, items: &[Node]) -> Res {
        let f = self.lambda(1)?;
        let mut out = Vec::new();
        for (i, x) in items.iter().enumerate() {
            if to_bool_strict(&self.invoke(&f, vec![x.clone(), self.index(i)]))? {
                out.push(x.clone());
            }
        }
        Ok(value::array(self.site, out))
    }

    fn reduce(&self, items: &[Node]) -> Res {
        let initial = self.args.get(1).ok_or("takes an initial value")?;
        let mut acc = eval_expr(initial, self.ctx, self.site);
        let f = self.lambda(2)?;
        for (i, x) in items.iter().enumerate() {
            acc = self.invoke(&f, vec![acc, x.clone(), self.index(i)]);
            // Each step may nest the accumulator further; stop before it gets unbounded.
            if value::too_deep(&acc) {
                return Err("accumulator nested too deeply".into());
            }
        }
        Ok(acc)
    }

    fn to_object(&self, items: &[Node]) -> Res {
        let key_fn = self.lambda(1)?;
        let value_fn = match self.args.get(2) {
            Some(_) => Some(self.lambda(2)?),
            None => None,
        };
        let mut entries = Vec::new();
        for x in items {
            let key = self.invoke(&key_fn, vec![x.clone()]);
            let key = raw_str(&key)?.to_string();
            let value = match &value_fn {
                Some(f) => self.invoke(f, vec![x.clone()]),
                None => x.clone(),
            };
            set_member(
                &mut entries,
                Entry {
                    key,
                    key_span: self.site,
                    value,
                },
            );
        }
        Ok(Node::new(self.site, NodeKind::Object(entries)))
    }

    fn map_values(&self, entries: &[Entry]) -> Res {
        let f = self.lambda(1)?;
        let out = entries.iter().map(|e| Entry {
            value: self.invoke(&f, vec![e.value.clone()]),
            ..e.clone()
        });
        Ok(Node::new(self.site, NodeKind::Object(out.collect())))
    }

    /// Insertion sort: stable, and an unknown comparison makes the whole result unknown.
    fn sort(&self, items: &[Node]) -> Res {
        let f = self.lambda(1)?;
        if items.len() > MAX_SORT {
            return Err("too many elements to sort".into());
        }
        let mut out: Vec<Node> = Vec::with_capacity(items.len());
        for x in items {
            let mut at = out.len();
            while at > 0 && to_bool_strict(&self.invoke(&f, vec![x.clone(), out[at - 1].clone()]))?
            {
                at -= 1;
            }
            out.insert(at, x.clone());
        }
        Ok(value::array(self.site, out))
    }
}

fn list(n: &Node) -> Result<&[Node], String> {
    n.as_array()
        .ok_or_else(|| format!("expected an array, got a {}", n.kind_name()))
}

/// `lambda('a', 'b', body)` as its parameter names and body.
fn lambda_parts(e: Option<&Expr>) -> Result<Lambda<'_>, String> {
    let Some(Expr::Call { name, args }) = e else {
        return Err("expected a lambda".into());
    };
    if !name.eq_ignore_ascii_case("lambda") {
        return Err("expected a lambda".into());
    }
    let (body, params) = args.split_last().ok_or("lambda without a body")?;
    let params = params
        .iter()
        .map(|p| match p {
            Expr::Str(s) => Ok(s.clone()),
            _ => Err("lambda parameter names must be literals".to_string()),
        })
        .collect::<Result<_, _>>()?;
    Ok(Lambda { params, body })
}
