//! `parseCidr`, `cidrSubnet` and `cidrHost`, as the ARM function reference documents them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An address range as (address bits, prefix length, address width in bits).
struct Range {
    bits: u128,
    prefix: u32,
    width: u32,
}

fn parse(network: &str) -> Result<Range, String> {
    let (addr, prefix) = network
        .split_once('/')
        .ok_or_else(|| format!("{network:?} is not in CIDR notation"))?;
    let ip: IpAddr = addr
        .trim()
        .parse()
        .map_err(|_| format!("{addr:?} is not an IP address"))?;
    let prefix: u32 = prefix
        .trim()
        .parse()
        .map_err(|_| format!("bad prefix in {network:?}"))?;
    let (bits, width) = match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    };
    if prefix > width {
        return Err(format!("prefix /{prefix} is too long"));
    }
    Ok(Range {
        bits,
        prefix,
        width,
    })
}

/// Mask with the top `prefix` bits of a `width`-bit address set.
fn mask(prefix: u32, width: u32) -> u128 {
    let all = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    if prefix == 0 {
        0
    } else {
        // prefix >= 1, so the shift is below 128.
        all & !((1u128 << (width - prefix)) - 1)
    }
}

fn host_mask(prefix: u32, width: u32) -> u128 {
    let all = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    all & !mask(prefix, width)
}

fn render(bits: u128, width: u32) -> String {
    if width == 32 {
        // The value came from a 32-bit address, so it fits.
        Ipv4Addr::from(bits as u32).to_string()
    } else {
        Ipv6Addr::from(bits).to_string()
    }
}

/// The documented object: network, netmask, broadcast (IPv4 only), firstUsable, lastUsable, cidr.
pub fn parse_cidr(network: &str) -> Result<Vec<(&'static str, CidrField)>, String> {
    let r = parse(network)?;
    let net = r.bits & mask(r.prefix, r.width);
    let last = net | host_mask(r.prefix, r.width);
    let mut out = vec![
        ("network", CidrField::Text(render(net, r.width))),
        (
            "netmask",
            CidrField::Text(render(mask(r.prefix, r.width), r.width)),
        ),
    ];
    if r.width == 32 {
        out.push(("broadcast", CidrField::Text(render(last, r.width))));
        // /31 and /32 have no network/broadcast reservation.
        let (first, last_usable) = if r.prefix >= 31 {
            (net, last)
        } else {
            (net + 1, last - 1)
        };
        out.push(("firstUsable", CidrField::Text(render(first, r.width))));
        out.push(("lastUsable", CidrField::Text(render(last_usable, r.width))));
    } else {
        out.push(("firstUsable", CidrField::Text(render(net, r.width))));
        out.push(("lastUsable", CidrField::Text(render(last, r.width))));
    }
    out.push(("cidr", CidrField::Int(i64::from(r.prefix))));
    Ok(out)
}

pub enum CidrField {
    Text(String),
    Int(i64),
}

/// The `index`-th subnet of size `/new_prefix` inside `network`.
pub fn cidr_subnet(network: &str, new_prefix: i64, index: i64) -> Result<String, String> {
    let r = parse(network)?;
    let new_prefix = u32::try_from(new_prefix).map_err(|_| "negative prefix".to_string())?;
    if new_prefix < r.prefix || new_prefix > r.width {
        return Err(format!("/{new_prefix} does not fit inside /{}", r.prefix));
    }
    let index = u128::try_from(index).map_err(|_| "negative subnet index".to_string())?;
    let count_bits = new_prefix - r.prefix;
    if count_bits < 128 && index >= (1u128 << count_bits) {
        return Err(format!("subnet index {index} is out of range"));
    }
    let net = r.bits & mask(r.prefix, r.width);
    let shift = r.width - new_prefix;
    let offset = if shift >= 128 { 0 } else { index << shift };
    Ok(format!("{}/{new_prefix}", render(net | offset, r.width)))
}

/// The `index`-th usable host address of `network` (index 0 is the address after the network address).
pub fn cidr_host(network: &str, index: i64) -> Result<String, String> {
    let r = parse(network)?;
    let index = u128::try_from(index).map_err(|_| "negative host index".to_string())?;
    let net = r.bits & mask(r.prefix, r.width);
    let size = host_mask(r.prefix, r.width);
    // IPv4 reserves the broadcast address; IPv6 has none.
    let max_index = if r.width == 32 {
        size.saturating_sub(2)
    } else {
        size.saturating_sub(1)
    };
    if size == 0 || index > max_index {
        return Err(format!("host index {index} is out of range for {network}"));
    }
    Ok(render(net + 1 + index, r.width))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(fields: &[(&str, CidrField)], key: &str) -> String {
        match fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v) {
            Some(CidrField::Text(s)) => s.clone(),
            Some(CidrField::Int(i)) => i.to_string(),
            None => "<none>".into(),
        }
    }

    #[test]
    fn parse_cidr_matches_documented_examples() {
        let v4 = parse_cidr("10.144.0.0/20").unwrap();
        assert_eq!(text(&v4, "network"), "10.144.0.0");
        assert_eq!(text(&v4, "netmask"), "255.255.240.0");
        assert_eq!(text(&v4, "broadcast"), "10.144.15.255");
        assert_eq!(text(&v4, "firstUsable"), "10.144.0.1");
        assert_eq!(text(&v4, "lastUsable"), "10.144.15.254");
        assert_eq!(text(&v4, "cidr"), "20");
        let v6 = parse_cidr("fdad:3236:5555::/48").unwrap();
        assert_eq!(text(&v6, "network"), "fdad:3236:5555::");
        assert_eq!(text(&v6, "netmask"), "ffff:ffff:ffff::");
        assert_eq!(text(&v6, "broadcast"), "<none>");
        assert_eq!(text(&v6, "firstUsable"), "fdad:3236:5555::");
        assert_eq!(
            text(&v6, "lastUsable"),
            "fdad:3236:5555:ffff:ffff:ffff:ffff:ffff"
        );
        assert_eq!(text(&v6, "cidr"), "48");
    }

    #[test]
    fn cidr_subnet_matches_documented_examples() {
        let v4: Vec<_> = (0..5)
            .map(|i| cidr_subnet("10.144.0.0/20", 24, i).unwrap())
            .collect();
        assert_eq!(
            v4,
            [
                "10.144.0.0/24",
                "10.144.1.0/24",
                "10.144.2.0/24",
                "10.144.3.0/24",
                "10.144.4.0/24"
            ]
        );
        let v6: Vec<_> = (0..3)
            .map(|i| cidr_subnet("fdad:3236:5555::/48", 52, i).unwrap())
            .collect();
        assert_eq!(
            v6,
            [
                "fdad:3236:5555::/52",
                "fdad:3236:5555:1000::/52",
                "fdad:3236:5555:2000::/52"
            ]
        );
        assert!(cidr_subnet("10.144.0.0/20", 24, 16).is_err());
        assert!(cidr_subnet("10.144.0.0/20", 16, 0).is_err());
        assert!(cidr_subnet("10.144.0.0/20", 99, 0).is_err());
        assert_eq!(cidr_subnet("0.0.0.0/0", 0, 0).unwrap(), "0.0.0.0/0");
        assert_eq!(cidr_subnet("::/0", 128, 3).unwrap(), "::3/128");
    }

    #[test]
    fn cidr_host_matches_documented_examples() {
        let v4: Vec<_> = (0..5)
            .map(|i| cidr_host("10.144.3.0/24", i).unwrap())
            .collect();
        assert_eq!(
            v4,
            [
                "10.144.3.1",
                "10.144.3.2",
                "10.144.3.3",
                "10.144.3.4",
                "10.144.3.5"
            ]
        );
        assert_eq!(
            cidr_host("fdad:3236:5555:3000::/52", 0).unwrap(),
            "fdad:3236:5555:3000::1"
        );
        assert_eq!(
            cidr_host("fdad:3236:5555:3000::/52", 4).unwrap(),
            "fdad:3236:5555:3000::5"
        );
        assert_eq!(cidr_host("192.168.1.0/24", 253).unwrap(), "192.168.1.254");
        assert!(cidr_host("192.168.1.0/24", 254).is_err());
        assert!(cidr_host("10.0.0.0/32", 0).is_err());
        assert!(cidr_host("nonsense", 0).is_err());
        assert!(cidr_host("10.0.0.0/8", -1).is_err());
    }
}
