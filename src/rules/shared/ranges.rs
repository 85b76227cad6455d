//! The address ranges a cluster uses and the ranges around it, read from the
//! model for the overlap rules (AKS104–AKS106, AKS111): effective pod and service
//! CIDRs with AKS's defaults, the cluster's subnets and VNets, and peered VNets.

use ipnet::IpNet;

use crate::model::{Cluster, ClusterIdx, Field, Inventory, IpamMode, SubnetIdx, VnetIdx};
use crate::source::Span;

pub use crate::model::defaults::{DEFAULT_POD_CIDR, DEFAULT_SERVICE_CIDR};

/// A range with the span that states it (or that left it out) and whether it is AKS's default.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    pub net: IpNet,
    pub span: Span,
    pub default: bool,
}

impl Range {
    /// `10.244.0.0/16` or `10.244.0.0/16 (the default)`.
    pub fn describe(&self) -> String {
        if self.default {
            format!("{} (the default)", self.net)
        } else {
            self.net.to_string()
        }
    }
}

/// The known ranges of a list; `None` when any is unknown (the list cannot be judged).
fn known_ranges(fields: &[Field<IpNet>]) -> Option<Vec<Range>> {
    fields
        .iter()
        .map(|f| match f {
            Field::Known(net, span) | Field::Default(net, span) => Some(Range {
                net: *net,
                span: *span,
                default: f.is_default(),
            }),
            _ => None,
        })
        .collect()
}

fn default_range(text: &str, span: Span) -> Vec<Range> {
    text.parse()
        .map(|net| {
            vec![Range {
                net,
                span,
                default: true,
            }]
        })
        .unwrap_or_default()
}

/// True when the cluster's pods take addresses from a pod CIDR: kubenet and Overlay.
pub fn uses_pod_cidr(cluster: &Cluster) -> bool {
    matches!(
        cluster.ipam_mode,
        Some(IpamMode::Kubenet | IpamMode::CniOverlay)
    )
}

/// The pod CIDRs of a kubenet or Overlay cluster, AKS's default when left out;
/// `None` for other modes or when a value is unknown.
pub fn pod_cidrs(cluster: &Cluster) -> Option<Vec<Range>> {
    if !uses_pod_cidr(cluster) {
        return None;
    }
    let np = &cluster.network;
    if np.pod_cidrs.is_empty() {
        return Some(default_range(DEFAULT_POD_CIDR, np.span));
    }
    known_ranges(&np.pod_cidrs)
}

/// The service CIDRs, AKS's default when left out; `None` when a value is unknown.
pub fn service_cidrs(cluster: &Cluster) -> Option<Vec<Range>> {
    let np = &cluster.network;
    if np.service_cidrs.is_empty() {
        // A network profile that could not be read at all is unknown, not absent.
        if np.plugin.is_unknown() {
            return None;
        }
        return Some(default_range(DEFAULT_SERVICE_CIDR, np.span));
    }
    known_ranges(&np.service_cidrs)
}

/// The node and pod subnets of a cluster's pools, and its API server subnet.
pub fn cluster_subnets(inv: &Inventory, ci: ClusterIdx) -> Vec<SubnetIdx> {
    let mut out: Vec<SubnetIdx> = inv
        .cluster_pools(ci)
        .flat_map(|(_, p)| [p.subnet, p.pod_subnet])
        .flatten()
        .collect();
    out.extend(inv.clusters[ci].api_server_subnet);
    out.sort_unstable();
    out.dedup();
    out
}

/// The VNets the cluster's subnets belong to.
pub fn cluster_vnets(inv: &Inventory, ci: ClusterIdx) -> Vec<VnetIdx> {
    let mut out: Vec<VnetIdx> = cluster_subnets(inv, ci)
        .into_iter()
        .filter_map(|s| inv.subnets[s].vnet)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A range of a VNet peered with another, with a name for messages.
#[derive(Clone, Debug)]
pub struct PeerRange {
    pub net: IpNet,
    pub span: Span,
    pub vnet_name: String,
    /// The remote VNet when it is among the inputs.
    pub vnet: Option<VnetIdx>,
}

/// The address spaces of every VNet peered with `vi`, in either direction: from
/// the remote VNet when it is among the inputs, else from the peering's own copy
/// of the remote address space.
pub fn peered_ranges(inv: &Inventory, vi: VnetIdx) -> Vec<PeerRange> {
    let vnet = &inv.vnets[vi];
    let mut out: Vec<PeerRange> = Vec::new();
    let mut seen: Vec<VnetIdx> = Vec::new();
    for peering in &vnet.peerings {
        let Some(remote_id) = peering.remote_vnet_id.value() else {
            continue;
        };
        match peering.remote_vnet {
            Some(ri) if ri != vi => {
                if !seen.contains(&ri) {
                    seen.push(ri);
                    out.extend(vnet_ranges(inv, ri));
                }
            }
            Some(_) => {}
            None => out.extend(peering.remote_address_prefixes.iter().filter_map(|f| {
                f.known().map(|net| PeerRange {
                    net: *net,
                    span: f.span().unwrap_or(peering.decl),
                    vnet_name: remote_id.name().to_string(),
                    vnet: None,
                })
            })),
        }
    }
    // Peerings written on the other side only.
    for &ri in &vnet.peered_from {
        if ri == vi || seen.contains(&ri) {
            continue;
        }
        seen.push(ri);
        out.extend(vnet_ranges(inv, ri));
    }
    out
}

fn vnet_ranges(inv: &Inventory, vi: VnetIdx) -> Vec<PeerRange> {
    let v = &inv.vnets[vi];
    let name = v.display_name();
    v.address_prefixes
        .iter()
        .filter_map(|f| {
            f.known().map(|net| PeerRange {
                net: *net,
                span: f.span().unwrap_or(v.decl),
                vnet_name: name.clone(),
                vnet: Some(vi),
            })
        })
        .collect()
}

/// A VNet's name, else its address.
pub fn vnet_name(inv: &Inventory, vi: VnetIdx) -> String {
    inv.vnets[vi].display_name()
}

pub use super::cluster_name;

/// Known prefixes of a list with their spans.
pub fn known_nets(fields: &[Field<IpNet>]) -> Vec<(IpNet, Span)> {
    fields
        .iter()
        .filter_map(|f| Some((*f.known()?, f.span()?)))
        .collect()
}

/// True when every prefix of the list is known (none unknown or defaulted).
pub fn all_known(fields: &[Field<IpNet>]) -> bool {
    !fields.is_empty() && fields.iter().all(|f| f.known().is_some())
}

/// A range another one collides with, for a secondary label.
#[derive(Clone, Debug)]
pub struct Hit {
    pub span: Span,
    pub what: String,
}

/// What a cluster range overlaps around the cluster: subnets of its VNets and
/// peered address spaces (`errors`), or only its VNets' address space (`space`).
#[derive(Debug, Default)]
pub struct Collisions {
    pub errors: Vec<Hit>,
    pub space: Vec<Hit>,
}

pub fn collisions(inv: &Inventory, ci: ClusterIdx, net: &IpNet) -> Collisions {
    let mut out = Collisions::default();
    for vi in cluster_vnets(inv, ci) {
        let vname = vnet_name(inv, vi);
        for &si in &inv.vnets[vi].subnets {
            let s = &inv.subnets[si];
            for (p, span) in known_nets(&s.address_prefixes) {
                if crate::model::cidr::overlaps(net, &p) {
                    out.errors.push(Hit {
                        span,
                        what: format!("subnet `{}` ({p}) of VNet `{vname}`", s.display_name()),
                    });
                }
            }
        }
        for peer in peered_ranges(inv, vi) {
            if crate::model::cidr::overlaps(net, &peer.net) {
                out.errors.push(Hit {
                    span: peer.span,
                    what: format!(
                        "address space {} of VNet `{}`, peered with `{vname}`",
                        peer.net, peer.vnet_name
                    ),
                });
            }
        }
        for (p, span) in known_nets(&inv.vnets[vi].address_prefixes) {
            if crate::model::cidr::overlaps(net, &p) {
                out.space.push(Hit {
                    span,
                    what: format!("address space {p} of the cluster's VNet `{vname}`"),
                });
            }
        }
    }
    // Two VNets of the cluster may peer with the same hub: one label per range.
    let mut seen = std::collections::HashSet::new();
    out.errors.retain(|h| seen.insert(h.span));
    out
}

/// True when two spans are in the same input file.
pub fn same_file(a: Span, b: Span) -> bool {
    a.file == b.file
}
