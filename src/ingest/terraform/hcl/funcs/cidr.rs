//! `cidrsubnet`, `cidrhost`, `cidrsubnets`, `cidrnetmask`, with Terraform's
//! semantics, on IPv4 and IPv6 alike (addresses as `u128`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use super::super::value;
use super::{int_arg, string_arg, R};
use crate::source::Span;
use crate::syntax::Node;

/// A network: its first address, prefix length and address width (32/128).
#[derive(Clone, Copy, Debug)]
struct Net {
    addr: u128,
    len: u32,
    bits: u32,
}

impl Net {
    fn parse(s: &str) -> Result<Net, String> {
        let net: IpNet = s
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not a CIDR prefix"))?;
        let (addr, bits) = match net.network() {
            IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
            IpAddr::V6(a) => (u128::from(a), 128),
        };
        Ok(Net {
            addr,
            len: u32::from(net.prefix_len()),
            bits,
        })
    }

    /// Addresses in a network of prefix length `len` (2^host bits, saturating).
    fn size(&self, len: u32) -> u128 {
        1u128.checked_shl(self.bits - len).unwrap_or(u128::MAX)
    }

    fn ip(&self, addr: u128) -> String {
        if self.bits == 32 {
            // A 32-bit network's addresses fit in u32 by construction.
            Ipv4Addr::from(addr as u32).to_string()
        } else {
            Ipv6Addr::from(addr).to_string()
        }
    }

    fn cidr(&self, addr: u128, len: u32) -> String {
        format!("{}/{len}", self.ip(addr))
    }

    /// The `netnum`-th subnet with `newbits` more prefix bits.
    fn subnet(&self, newbits: i64, netnum: i64) -> Result<(u128, u32), String> {
        let newbits = u32::try_from(newbits).map_err(|_| "newbits must not be negative")?;
        let len = self.len.saturating_add(newbits);
        if len > self.bits {
            return Err(format!(
                "insufficient address space to extend prefix of {} by {newbits}",
                self.len
            ));
        }
        let netnum = u128::try_from(netnum).map_err(|_| "netnum must not be negative")?;
        let count = 1u128.checked_shl(newbits).unwrap_or(u128::MAX);
        if newbits < 128 && netnum >= count {
            return Err(format!(
                "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
            ));
        }
        let offset = netnum
            .checked_mul(self.size(len))
            .ok_or("subnet number out of range")?;
        Ok((self.addr + offset, len))
    }
}

pub(super) fn subnet(args: &[Node], span: Span) -> R {
    let net = Net::parse(&string_arg(args, 0)?)?;
    let (addr, len) = net.subnet(int_arg(args, 1)?, int_arg(args, 2)?)?;
    Ok(Node::string(span, net.cidr(addr, len)))
}

pub(super) fn host(args: &[Node], span: Span) -> R {
    let net = Net::parse(&string_arg(args, 0)?)?;
    let hostnum = int_arg(args, 1)?;
    let size = net.size(net.len);
    let offset = if hostnum >= 0 {
        u128::try_from(hostnum).unwrap_or(u128::MAX)
    } else {
        // Negative numbers count back from the end of the range.
        size.checked_sub(u128::from(hostnum.unsigned_abs()))
            .ok_or_else(|| {
                format!(
                    "prefix of {} does not accommodate a host numbered {hostnum}",
                    net.len
                )
            })?
    };
    if offset >= size && net.len > 0 {
        return Err(format!(
            "prefix of {} does not accommodate a host numbered {hostnum}",
            net.len
        ));
    }
    Ok(Node::string(span, net.ip(net.addr + offset)))
}

pub(super) fn netmask(args: &[Node], span: Span) -> R {
    let net = Net::parse(&string_arg(args, 0)?)?;
    if net.bits != 32 {
        return Err("cidrnetmask() only supports IPv4".into());
    }
    let mask = u32::MAX.checked_shl(32 - net.len).unwrap_or(0);
    Ok(Node::string(span, Ipv4Addr::from(mask).to_string()))
}

/// Consecutive subnets of the given sizes, each aligned to its own size after
/// the previous one, as Terraform allocates them.
pub(super) fn subnets(args: &[Node], span: Span) -> R {
    let net = Net::parse(&string_arg(args, 0)?)?;
    let end = net.addr + (net.size(net.len) - 1);
    let mut out = Vec::new();
    let mut next: u128 = net.addr;
    for i in 1..args.len() {
        let newbits = int_arg(args, i)?;
        let newbits = u32::try_from(newbits).map_err(|_| "newbits must not be negative")?;
        let len = net.len.saturating_add(newbits);
        if len > net.bits {
            return Err(format!(
                "would extend prefix to {len} bits, which is too long"
            ));
        }
        let size = net.size(len);
        // Round up to this subnet's alignment.
        let start = next
            .checked_next_multiple_of(size)
            .ok_or("not enough remaining address space")?;
        let last = start
            .checked_add(size - 1)
            .ok_or("not enough remaining address space")?;
        if last > end {
            return Err(format!("not enough remaining address space for a subnet with a prefix of {len} bits after {}", out.len()));
        }
        out.push(Node::string(span, net.cidr(start, len)));
        next = last.wrapping_add(1);
    }
    Ok(value::array(span, out))
}
