//! What the address prefixes and service tags of a rule stand for, and the
//! facts about the surrounding network they depend on.

use std::net::Ipv4Addr;

use ipnet::{IpNet, Ipv4Net};

use super::space::Ranges;
use crate::model::{Field, Inventory, Peering, SubnetIdx};

/// The facts about the network an NSG sits in that its service tags depend on.
///
/// The `VirtualNetwork` tag is, per Azure, the VNet's address spaces, peered
/// VNets' spaces, connected on-premises spaces, VNets connected through a
/// gateway, the host's virtual IP (168.63.129.16) and the prefixes of
/// user-defined routes (which may include a default route). Only some of that is
/// in an inventory, so the tag has a part that certainly belongs to it and a part
/// that may.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NsgContext {
    /// Certainly in `VirtualNetwork`: the VNet's spaces and its peered VNets' spaces.
    pub vnet_prefixes: Vec<IpNet>,
    /// May also be in `VirtualNetwork`: user-defined route prefixes, and `0.0.0.0/0`
    /// plus `::/0` when a part could not be read or the VNet has a `GatewaySubnet`
    /// (on-premises spaces are in no input). A peering that uses the remote VNet's
    /// gateway is not detected; callers that know on-premises spaces add them here.
    pub vnet_may_include: Vec<IpNet>,
}

/// The addresses a prefix or tag stands for: the part it certainly matches and
/// the part it may match (a superset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Extent {
    pub(crate) definite: Ranges,
    pub(crate) possible: Ranges,
}

impl Extent {
    pub(crate) fn exact(r: Ranges) -> Extent {
        Extent {
            definite: r.clone(),
            possible: r,
        }
    }

    /// Nothing certain, anything possible: an unread value.
    pub(crate) fn unknown(universe: Ranges) -> Extent {
        Extent {
            definite: Ranges::empty(),
            possible: universe,
        }
    }

    pub(crate) fn empty() -> Extent {
        Extent::exact(Ranges::empty())
    }

    pub(crate) fn union(&self, other: &Extent) -> Extent {
        Extent {
            definite: self.definite.union(&other.definite),
            possible: self.possible.union(&other.possible),
        }
    }
}

/// IPv4 addresses live in the IPv4-mapped block `::ffff:0:0/96`, so one 128-bit
/// space holds both families and a v4 prefix never matches a v6 address.
const V4_BASE: u128 = 0xffff_u128 << 32;

pub(crate) fn v4_all() -> Ranges {
    Ranges::span(V4_BASE, V4_BASE + u128::from(u32::MAX))
}

fn v6_native() -> Ranges {
    Ranges::all().minus(&v4_all())
}

/// The addresses of a prefix; host bits are ignored, as Azure does.
pub(crate) fn net_ranges(net: &IpNet) -> Ranges {
    match net.trunc() {
        IpNet::V4(n) => Ranges::span(
            V4_BASE + u128::from(u32::from(n.network())),
            V4_BASE + u128::from(u32::from(n.broadcast())),
        ),
        IpNet::V6(n) => Ranges::span(u128::from(n.network()), u128::from(n.broadcast())),
    }
}

fn nets_ranges<'a>(nets: impl IntoIterator<Item = &'a IpNet>) -> Ranges {
    nets.into_iter()
        .fold(Ranges::empty(), |acc, n| acc.union(&net_ranges(n)))
}

/// IPv4 blocks that are not public: "this network", RFC 1918 private, RFC 6598
/// shared (carrier-grade NAT), loopback, link-local, IETF protocol assignments,
/// documentation (TEST-NET-1/2/3), the deprecated 6to4 relay anycast, benchmarking,
/// multicast and reserved (including broadcast).
pub(crate) const NOT_PUBLIC_V4: [(Ipv4Addr, u8); 15] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),
    (Ipv4Addr::new(10, 0, 0, 0), 8),
    (Ipv4Addr::new(100, 64, 0, 0), 10),
    (Ipv4Addr::new(127, 0, 0, 0), 8),
    (Ipv4Addr::new(169, 254, 0, 0), 16),
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    (Ipv4Addr::new(192, 0, 0, 0), 24),
    (Ipv4Addr::new(192, 0, 2, 0), 24),
    (Ipv4Addr::new(192, 88, 99, 0), 24),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
    (Ipv4Addr::new(198, 18, 0, 0), 15),
    (Ipv4Addr::new(198, 51, 100, 0), 24),
    (Ipv4Addr::new(203, 0, 113, 0), 24),
    (Ipv4Addr::new(224, 0, 0, 0), 4),
    (Ipv4Addr::new(240, 0, 0, 0), 4),
];

/// Public IPv4 space: every IPv4 address outside [`NOT_PUBLIC_V4`].
/// Computed once: every NSG evaluation that meets `Internet` asks for it.
pub(crate) fn public_v4() -> &'static Ranges {
    static PUBLIC: std::sync::OnceLock<Ranges> = std::sync::OnceLock::new();
    PUBLIC.get_or_init(|| {
        NOT_PUBLIC_V4.iter().fold(v4_all(), |acc, &(addr, len)| {
            match Ipv4Net::new(addr, len) {
                Ok(n) => acc.minus(&net_ranges(&IpNet::V4(n))),
                Err(_) => acc,
            }
        })
    })
}

/// Azure's platform address: health probes, DNS, and the host's virtual IP.
const AZURE_HOST_IP: Ipv4Addr = Ipv4Addr::new(168, 63, 129, 16);

fn host_ip() -> Ranges {
    net_ranges(&IpNet::V4(Ipv4Net::from(AZURE_HOST_IP)))
}

impl NsgContext {
    fn vnet_extent(&self) -> Extent {
        let definite = nets_ranges(&self.vnet_prefixes).union(&host_ip());
        let possible = definite.union(&nets_ranges(&self.vnet_may_include));
        Extent { definite, possible }
    }

    /// `Internet`: public space outside the VNet's own and peered spaces. Route
    /// prefixes that may widen `VirtualNetwork` don't narrow it: Azure documents the
    /// tags' contents, not that they are disjoint, so a public address behind a
    /// default route is Internet and may also be VirtualNetwork. IPv6 is left open
    /// (may match): only IPv4's reserved blocks are modelled.
    fn internet_extent(&self) -> Extent {
        let vnet = self.vnet_extent();
        Extent {
            definite: public_v4().minus(&vnet.definite),
            possible: public_v4().union(&v6_native()).minus(&vnet.definite),
        }
    }

    /// What one `sourceAddressPrefix`/`destinationAddressPrefix` value stands for.
    pub(crate) fn address_extent(&self, text: &str) -> Extent {
        let t = text.trim();
        let is = |name: &str| t.eq_ignore_ascii_case(name);
        if is("*") || is("Any") {
            return Extent::exact(Ranges::all());
        }
        if let Some(net) = parse_cidr(t) {
            return Extent::exact(net_ranges(&net));
        }
        if is("VirtualNetwork") {
            return self.vnet_extent();
        }
        if is("Internet") {
            return self.internet_extent();
        }
        if is("AzureLoadBalancer") {
            // The IPv6 probe source is not modelled.
            return Extent {
                definite: host_ip(),
                possible: host_ip().union(&v6_native()),
            };
        }
        if is("AzureCloud") || starts_with_ignore_case(t, "AzureCloud.") {
            // Azure's public ranges (of one region): some public address, we can't say which.
            return Extent::unknown(public_v4().union(&v6_native()));
        }
        // Other service tags, template expressions, typos: may match anything.
        Extent::unknown(Ranges::all())
    }

    /// Builds the context for an NSG on `subnet`: its VNet's spaces, the spaces of
    /// VNets peered with it, and route prefixes of the VNet's subnets as "may".
    pub fn for_subnet(inv: &Inventory, subnet: SubnetIdx) -> NsgContext {
        let mut ctx = NsgContext::default();
        let Some(s) = inv.subnets.get(subnet) else {
            ctx.may_be_anything();
            return ctx;
        };
        let Some(vnet) = s.vnet.and_then(|v| inv.vnets.get(v)) else {
            // Only the subnet is known; the rest of its VNet is not.
            ctx.add_known(&s.address_prefixes);
            ctx.may_be_anything();
            return ctx;
        };
        ctx.add_known(&vnet.address_prefixes);
        for peering in &vnet.peerings {
            ctx.add_peering(inv, peering);
        }
        for &si in &vnet.subnets {
            ctx.add_subnet_routes(inv, si);
        }
        dedup(&mut ctx.vnet_prefixes);
        dedup(&mut ctx.vnet_may_include);
        ctx
    }

    fn may_be_anything(&mut self) {
        for any in ["0.0.0.0/0", "::/0"] {
            if let Ok(net) = any.parse() {
                self.vnet_may_include.push(net);
            }
        }
    }

    /// Known prefixes are certain; an unknown or empty list opens the tag up.
    fn add_known(&mut self, prefixes: &[Field<IpNet>]) {
        if prefixes.is_empty() {
            self.may_be_anything();
        }
        for p in prefixes {
            match p.value() {
                Some(net) => self.vnet_prefixes.push(*net),
                None => self.may_be_anything(),
            }
        }
    }

    /// A peering's remote space as stated, else the remote VNet's when it is an input.
    fn add_peering(&mut self, inv: &Inventory, peering: &Peering) {
        if !peering.remote_address_prefixes.is_empty() {
            self.add_known(&peering.remote_address_prefixes);
            return;
        }
        let remote = peering.remote_vnet.and_then(|vi| inv.vnets.get(vi));
        match remote {
            Some(v) => self.add_known(&v.address_prefixes),
            None => self.may_be_anything(),
        }
    }

    /// Route prefixes join the tag (Azure: "address prefixes used on user-defined
    /// routes"); we can't tell exactly when, so they only may match. A
    /// `GatewaySubnet` means on-premises spaces we can't see.
    fn add_subnet_routes(&mut self, inv: &Inventory, si: SubnetIdx) {
        let Some(s) = inv.subnets.get(si) else { return };
        if s.name
            .value()
            .is_some_and(|n| n.eq_ignore_ascii_case("GatewaySubnet"))
        {
            self.may_be_anything();
        }
        let rt = s.route_table.and_then(|r| inv.route_tables.get(r));
        let Some(rt) = rt else {
            // A route table we can't read may hold any prefix.
            if s.route_table_id.is_given() {
                self.may_be_anything();
            }
            return;
        };
        for route in &rt.routes {
            // Service-tag destinations and unread values: any prefix.
            match route.address_prefix.value().and_then(|p| parse_cidr(p)) {
                Some(net) => self.vnet_may_include.push(net),
                None => self.may_be_anything(),
            }
        }
    }
}

/// A CIDR or a bare address (a single-host prefix).
pub(crate) fn parse_cidr(text: &str) -> Option<IpNet> {
    let t = text.trim();
    t.parse::<IpNet>()
        .ok()
        .or_else(|| t.parse::<std::net::IpAddr>().ok().map(IpNet::from))
}

/// Drops repeated prefixes, keeping the first of each.
fn dedup(nets: &mut Vec<IpNet>) {
    let mut seen = std::collections::HashSet::new();
    nets.retain(|n| seen.insert(*n));
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}
