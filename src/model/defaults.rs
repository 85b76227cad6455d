//! Azure's defaults for values the inputs leave out, where the default depends on
//! other values (the Kubernetes version, the cluster's network mode).

use super::{Cluster, Field, Inventory, IpamMode, MaxSurge, NetworkPlugin, NodePool};

/// AKS's pod CIDR when kubenet or Overlay leaves it out (F-045, F-046, F-011).
pub const DEFAULT_POD_CIDR: &str = "10.244.0.0/16";
/// AKS's service CIDR when it is left out (F-061).
pub const DEFAULT_SERVICE_CIDR: &str = "10.0.0.0/16";

pub(super) fn apply(inv: &mut Inventory) {
    for ci in 0..inv.clusters.len() {
        default_plugin(&mut inv.clusters[ci]);
        let mode = ipam_mode(&inv.clusters[ci], &inv.pools);
        inv.clusters[ci].ipam_mode = mode;
        let version = inv.clusters[ci].kubernetes_version.clone();
        for &pi in &inv.clusters[ci].pools.clone() {
            default_pool(&mut inv.pools[pi], mode, &version);
        }
    }
    for pool in inv.pools.iter_mut().filter(|p| p.cluster.is_none()) {
        default_pool(pool, None, &Field::Absent);
    }
}

/// `major.minor` of a Kubernetes version string such as `1.29.7` or `v1.30`.
pub fn minor_version(v: &str) -> Option<(u32, u32)> {
    let v = v.trim().trim_start_matches(['v', 'V']);
    let mut parts = v.split('.');
    let major = parts.next()?.trim().parse().ok()?;
    let minor = parts.next()?.trim().parse().ok()?;
    Some((major, minor))
}

/// F-002: an omitted plugin is kubenet before Kubernetes 1.30 and Azure CNI Overlay from 1.30.
fn default_plugin(c: &mut Cluster) {
    if !c.network.plugin.is_absent() {
        return;
    }
    let at = c.network.span;
    let version = match &c.kubernetes_version {
        Field::Known(v, _) | Field::Default(v, _) => minor_version(v),
        Field::Unknown(s) => {
            c.network.plugin = Field::Unknown(*s);
            return;
        }
        // No version: AKS picks its current default, which is 1.30 or later.
        Field::Absent => Some((1, 30)),
    };
    match version {
        Some(v) if v < (1, 30) => c.network.plugin = Field::Default(NetworkPlugin::Kubenet, at),
        Some(_) => {
            c.network.plugin = Field::Default(NetworkPlugin::Azure, at);
            if c.network.plugin_mode.is_absent() {
                c.network.plugin_mode = Field::Default("overlay".into(), at);
            }
        }
        None => c.network.plugin = Field::Unknown(c.kubernetes_version.span().unwrap_or(at)),
    }
}

fn ipam_mode(c: &Cluster, pools: &[NodePool]) -> Option<IpamMode> {
    match c.network.plugin.value()? {
        NetworkPlugin::Kubenet => Some(IpamMode::Kubenet),
        NetworkPlugin::None => Some(IpamMode::ByoCni),
        NetworkPlugin::Other(_) => None,
        NetworkPlugin::Azure => {
            match &c.network.plugin_mode {
                Field::Unknown(_) => return None,
                f if f.value().is_some_and(|m| m.eq_ignore_ascii_case("overlay")) => {
                    return Some(IpamMode::CniOverlay)
                }
                _ => {}
            }
            let cluster_pools = c.pools.iter().map(|&p| &pools[p]);
            let mut pod_subnet = false;
            let mut static_block = false;
            for p in cluster_pools {
                if p.pod_subnet_id.is_unknown() {
                    return None;
                }
                if p.pod_subnet_id.known().is_some() {
                    pod_subnet = true;
                    static_block |= p
                        .pod_ip_allocation_mode
                        .value()
                        .is_some_and(|m| m.eq_ignore_ascii_case("StaticBlock"));
                }
            }
            Some(match (pod_subnet, static_block) {
                (false, _) => IpamMode::CniNodeSubnet,
                (true, false) => IpamMode::CniPodSubnetDynamic,
                (true, true) => IpamMode::CniPodSubnetStatic,
            })
        }
    }
}

/// maxPods default per mode (F-023). For pod-subnet mode the docs disagree
/// (110 vs 250); the lower value is used so capacity findings never overstate.
pub fn default_max_pods(mode: IpamMode) -> i64 {
    match mode {
        IpamMode::Kubenet => 110,
        IpamMode::CniNodeSubnet => 30,
        IpamMode::CniOverlay | IpamMode::ByoCni => 250,
        IpamMode::CniPodSubnetDynamic | IpamMode::CniPodSubnetStatic => 110,
    }
}

fn default_pool(p: &mut NodePool, mode: Option<IpamMode>, cluster_version: &Field<String>) {
    let at = p.decl;
    p.count = std::mem::take(&mut p.count).or_default(1, at);
    p.enable_auto_scaling = std::mem::take(&mut p.enable_auto_scaling).or_default(false, at);
    if let Some(mode) = mode {
        p.max_pods = std::mem::take(&mut p.max_pods).or_default(default_max_pods(mode), at);
    }
    if p.max_surge.is_absent() {
        let version = if p.orchestrator_version.is_absent() {
            cluster_version
        } else {
            &p.orchestrator_version
        };
        // F-041: 10 % from Kubernetes 1.32 (and for AKS's current default version),
        // one node before; an unevaluated version gets the smaller, one node.
        let surge = match version {
            Field::Absent => MaxSurge::Percent(10.0),
            Field::Known(v, _) | Field::Default(v, _) => match minor_version(v) {
                Some(v) if v >= (1, 32) => MaxSurge::Percent(10.0),
                _ => MaxSurge::Nodes(1),
            },
            Field::Unknown(_) => MaxSurge::Nodes(1),
        };
        p.max_surge = Field::Default(surge, at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!(minor_version("1.29.7"), Some((1, 29)));
        assert_eq!(minor_version("v1.30"), Some((1, 30)));
        assert_eq!(minor_version("latest"), None);
    }

    #[test]
    fn surge_rounds_up_and_is_capped() {
        assert_eq!(MaxSurge::Percent(10.0).nodes_for(5), 1);
        assert_eq!(MaxSurge::Percent(10.0).nodes_for(50), 5);
        assert_eq!(MaxSurge::Percent(33.0).nodes_for(10), 4);
        assert_eq!(MaxSurge::Nodes(5).nodes_for(3), 3);
        assert_eq!(MaxSurge::Nodes(0).nodes_for(3), 0);
        assert_eq!(MaxSurge::Percent(50.0).nodes_for(0), 0);
        assert_eq!(MaxSurge::parse("33%"), Some(MaxSurge::Percent(33.0)));
        assert_eq!(MaxSurge::parse("2"), Some(MaxSurge::Nodes(2)));
        assert_eq!(MaxSurge::parse("x"), None);
    }
}
