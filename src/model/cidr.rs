//! CIDR arithmetic for IPv4 and IPv6 in one place: ranges, overlap, containment,
//! host bits and capacity. Every rule that compares or sizes address ranges uses
//! these functions; the property tests check them against a brute-force oracle.
//!
//! A prefix written with host bits set (`10.0.0.1/16`) is treated as the network
//! it names (`10.0.0.0/16`) everywhere except in [`host_bits_set`], which is how
//! rules report it.

use std::net::IpAddr;

use ipnet::IpNet;

/// Azure keeps five addresses of every IPv4 subnet (F-050).
pub const AZURE_RESERVED: u128 = 5;

/// Address width of the prefix's family: 32 or 128.
/// A CIDR, or a single address as its host prefix (`/32`, `/128`), as Azure
/// accepts in address prefixes and authorized ranges.
pub fn parse_cidr(s: &str) -> Option<IpNet> {
    let t = s.trim();
    t.parse::<IpNet>()
        .ok()
        .or_else(|| t.parse::<IpAddr>().ok().map(IpNet::from))
}

pub fn width(net: &IpNet) -> u8 {
    match net {
        IpNet::V4(_) => 32,
        IpNet::V6(_) => 128,
    }
}

/// True when both prefixes are of the same family.
pub fn same_family(a: &IpNet, b: &IpNet) -> bool {
    width(a) == width(b)
}

fn addr_bits(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

/// Mask of the host part for a prefix length in a family of `width` bits.
fn host_mask(width: u8, prefix: u8) -> u128 {
    let host = u32::from(width.saturating_sub(prefix));
    // A /0 in IPv6 has 128 host bits: the shift would overflow.
    if host >= 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    }
}

/// First and last address of the prefix as integers (IPv4 widened), host bits ignored.
pub fn bounds(net: &IpNet) -> (u128, u128) {
    let mask = host_mask(width(net), net.prefix_len());
    let first = addr_bits(net.addr()) & !mask;
    (first, first | mask)
}

/// True when the prefixes share at least one address. Different families never overlap.
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    if !same_family(a, b) {
        return false;
    }
    let ((a0, a1), (b0, b1)) = (bounds(a), bounds(b));
    a0 <= b1 && b0 <= a1
}

/// True when every address of `inner` lies in `outer`.
pub fn contains(outer: &IpNet, inner: &IpNet) -> bool {
    if !same_family(outer, inner) {
        return false;
    }
    let ((o0, o1), (i0, i1)) = (bounds(outer), bounds(inner));
    o0 <= i0 && i1 <= o1
}

/// True when the address lies in the prefix.
pub fn contains_addr(net: &IpNet, addr: IpAddr) -> bool {
    contains(net, &IpNet::from(addr))
}

/// The addresses both prefixes cover: two CIDRs overlap only when one holds the
/// other, so this is the longer of the two, written as a network.
pub fn intersection(a: &IpNet, b: &IpNet) -> Option<IpNet> {
    if !overlaps(a, b) {
        return None;
    }
    Some(if a.prefix_len() >= b.prefix_len() {
        a.trunc()
    } else {
        b.trunc()
    })
}

/// True when the address has bits set beyond the prefix (`10.0.0.1/16`).
pub fn host_bits_set(net: &IpNet) -> bool {
    addr_bits(net.addr()) != bounds(net).0
}

/// Number of addresses in the prefix, saturating at `u128::MAX` for `::/0`.
pub fn address_count(net: &IpNet) -> u128 {
    host_mask(width(net), net.prefix_len()).saturating_add(1)
}

/// How many blocks of prefix length `block` fit in the prefix: 2^(block − prefix),
/// none when the block is wider than the prefix or longer than the family allows.
pub fn blocks_of(net: &IpNet, block: u8) -> u128 {
    if block < net.prefix_len() || block > width(net) {
        return 0;
    }
    let diff = u32::from(block - net.prefix_len());
    if diff >= 128 {
        u128::MAX
    } else {
        1u128 << diff
    }
}

/// Addresses a VM, a pod or a load balancer can take in an Azure IPv4 subnet:
/// 2^(32 − prefix) − 5 (F-050). `None` for IPv6.
pub fn azure_usable(net: &IpNet) -> Option<u128> {
    match net {
        IpNet::V4(_) => Some(address_count(net).saturating_sub(AZURE_RESERVED)),
        IpNet::V6(_) => None,
    }
}

/// The `n`-th address of the prefix counting from its network address (0), if it lies inside.
pub fn nth_address(net: &IpNet, n: u128) -> Option<IpAddr> {
    let (first, last) = bounds(net);
    let bits = first.checked_add(n).filter(|b| *b <= last)?;
    Some(match net {
        // The bound check keeps an IPv4 value within 32 bits.
        IpNet::V4(_) => IpAddr::V4(u32::try_from(bits).ok()?.into()),
        IpNet::V6(_) => IpAddr::V6(bits.into()),
    })
}

/// Position of an address in the prefix (0 = network address), if it lies inside.
pub fn offset_of(net: &IpNet, addr: IpAddr) -> Option<u128> {
    contains_addr(net, addr).then(|| addr_bits(addr) - bounds(net).0)
}

/// True when `net` lies inside one of `outer` (not a union of several).
pub fn inside_any<'a>(net: &IpNet, outer: impl IntoIterator<Item = &'a IpNet>) -> bool {
    outer.into_iter().any(|o| contains(o, net))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn n(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn examples() {
        assert!(overlaps(&n("10.0.0.0/16"), &n("10.0.4.0/22")));
        assert!(!overlaps(&n("10.0.0.0/16"), &n("10.1.0.0/16")));
        assert!(!overlaps(&n("10.0.0.0/8"), &n("::/0")));
        assert!(contains(&n("10.0.0.0/8"), &n("10.244.0.0/16")));
        assert!(!contains(&n("10.244.0.0/16"), &n("10.0.0.0/8")));
        assert!(host_bits_set(&n("10.0.0.1/16")));
        assert!(!host_bits_set(&n("10.0.0.0/16")));
        assert!(host_bits_set(&n("fd00::1/64")));
        assert_eq!(address_count(&n("10.0.0.0/24")), 256);
        assert_eq!(address_count(&n("::/0")), u128::MAX);
        assert_eq!(address_count(&n("fd00::/108")), 1 << 20);
        assert_eq!(blocks_of(&n("10.244.0.0/16"), 24), 256);
        assert_eq!(blocks_of(&n("10.244.0.0/25"), 24), 0);
        assert_eq!(azure_usable(&n("10.0.0.0/24")), Some(251));
        assert_eq!(azure_usable(&n("10.0.0.0/30")), Some(0));
        assert_eq!(azure_usable(&n("fd00::/64")), None);
        assert_eq!(
            nth_address(&n("10.0.0.0/16"), 10),
            Some("10.0.0.10".parse().unwrap())
        );
        assert_eq!(nth_address(&n("10.0.0.0/30"), 4), None);
        assert_eq!(
            offset_of(&n("10.0.0.5/16"), "10.0.0.1".parse().unwrap()),
            Some(1)
        );
        assert_eq!(
            intersection(&n("10.0.0.0/8"), &n("10.1.2.3/16")),
            Some(n("10.1.0.0/16"))
        );
    }

    /// Small IPv4 prefixes inside 192.168.7.0/24 and IPv6 prefixes inside fd00::/120,
    /// so the oracle can enumerate every address.
    fn small_net() -> impl Strategy<Value = IpNet> {
        prop_oneof![
            (24u8..=32, any::<u8>()).prop_map(|(p, last)| {
                IpNet::new(IpAddr::V4(Ipv4Addr::new(192, 168, 7, last)), p).unwrap()
            }),
            (120u8..=128, any::<u8>()).prop_map(|(p, last)| {
                let a = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, u16::from(last));
                IpNet::new(IpAddr::V6(a), p).unwrap()
            }),
        ]
    }

    /// The oracle: (family, the set of last bytes the prefix covers), by comparing
    /// each candidate's leading bits with the prefix's, bit by bit.
    fn members(net: &IpNet) -> (u8, BTreeSet<u8>) {
        let (w, last) = match net {
            IpNet::V4(v) => (32u8, v.addr().octets()[3]),
            IpNet::V6(v) => (128u8, v.addr().octets()[15]),
        };
        let fixed_low_bits = net.prefix_len() - (w - 8);
        let set = (0..=255u8)
            .filter(|cand| {
                (0..fixed_low_bits).all(|i| {
                    let bit = 7 - i;
                    (cand >> bit) & 1 == (last >> bit) & 1
                })
            })
            .collect();
        (w, set)
    }

    proptest! {
        #[test]
        fn overlap_and_containment_match_the_oracle(a in small_net(), b in small_net()) {
            let ((fa, sa), (fb, sb)) = (members(&a), members(&b));
            let same = fa == fb;
            prop_assert_eq!(overlaps(&a, &b), same && !sa.is_disjoint(&sb));
            prop_assert_eq!(contains(&a, &b), same && sb.is_subset(&sa));
            prop_assert_eq!(overlaps(&a, &b), overlaps(&b, &a));
            match intersection(&a, &b) {
                Some(i) => {
                    let both: BTreeSet<u8> = sa.intersection(&sb).copied().collect();
                    prop_assert_eq!(members(&i).1, both);
                    prop_assert!(!host_bits_set(&i));
                }
                None => prop_assert!(!same || sa.is_disjoint(&sb)),
            }
        }

        #[test]
        fn sizes_and_host_bits_match_the_oracle(a in small_net(), block in 24u8..=128) {
            let (w, set) = members(&a);
            prop_assert_eq!(address_count(&a), set.len() as u128);
            let last = match a { IpNet::V4(v) => v.addr().octets()[3], IpNet::V6(v) => v.addr().octets()[15] };
            prop_assert_eq!(host_bits_set(&a), set.iter().next() != Some(&last));
            if w == 32 {
                prop_assert_eq!(azure_usable(&a), Some((set.len() as u128).saturating_sub(5)));
            }
            // Blocks of a length: how many distinct aligned blocks the members fall in.
            let expected = if block < a.prefix_len() || block > w {
                0
            } else {
                let shift = u32::from(w - block);
                set.iter().map(|m| u32::from(*m) >> shift.min(8)).collect::<BTreeSet<_>>().len() as u128
            };
            if block + 8 >= w || block > w {
                prop_assert_eq!(blocks_of(&a, block), expected);
            }
            // Every member is found by offset and back.
            for (k, m) in set.iter().enumerate() {
                let addr = nth_address(&a, k as u128).unwrap();
                let got_last = match addr { IpAddr::V4(v) => v.octets()[3], IpAddr::V6(v) => v.octets()[15] };
                prop_assert_eq!(got_last, *m);
                prop_assert_eq!(offset_of(&a, addr), Some(k as u128));
                prop_assert!(contains_addr(&a, addr));
            }
            prop_assert_eq!(nth_address(&a, set.len() as u128), None);
        }
    }
}
