//! Integer arithmetic, comparison and CIDR functions.

use super::*;

pub(super) fn arith(name: &str, v: &[Node]) -> Result<i64, String> {
    argc(v, 2, 2)?;
    let (a, b) = (to_int(&v[0])?, to_int(&v[1])?);
    let r = match name {
        "add" => a.checked_add(b),
        "sub" => a.checked_sub(b),
        "mul" => a.checked_mul(b),
        "div" => a.checked_div(b),
        _ => a.checked_rem(b),
    };
    r.ok_or_else(|| "overflow or division by zero".into())
}

pub(super) fn min_max(min: bool, v: &[Node]) -> Result<i64, String> {
    let list: &[Node] = match v {
        [single] if single.as_array().is_some() => single.as_array().unwrap_or_default(),
        _ => v,
    };
    let nums: Vec<i64> = list.iter().map(to_int).collect::<Result<_, _>>()?;
    let pick = if min {
        nums.iter().min()
    } else {
        nums.iter().max()
    };
    pick.copied().ok_or_else(|| "no values".into())
}

pub(super) fn compare(name: &str, v: &[Node]) -> Result<bool, String> {
    argc(v, 2, 2)?;
    let ord = match (&v[0].kind, &v[1].kind) {
        (NodeKind::String(_), NodeKind::String(_)) => str_arg(&v[0])?.cmp(str_arg(&v[1])?),
        _ => to_int(&v[0])?.cmp(&to_int(&v[1])?),
    };
    Ok(match name {
        "less" => ord.is_lt(),
        "lessorequals" => ord.is_le(),
        "greater" => ord.is_gt(),
        _ => ord.is_ge(),
    })
}

pub(super) fn parse_cidr(network: &str, site: Span) -> Res {
    let fields = cidr::parse_cidr(network)?
        .into_iter()
        .map(|(k, f)| {
            let v = match f {
                cidr::CidrField::Text(t) => Node::string(site, t),
                cidr::CidrField::Int(i) => value::int(site, i),
            };
            (k.to_string(), v)
        })
        .collect();
    Ok(value::object(site, fields))
}
