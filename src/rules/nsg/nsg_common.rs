//! What the NSG rules (AKS501–AKS504) share: the subnets a cluster uses, the
//! public address space as prefixes, and how a deciding security rule is named
//! and pointed at.

use std::net::Ipv4Addr;

use ipnet::{IpNet, Ipv4Net};

use crate::model::nsg::{Decider, NOT_PUBLIC_V4};
use crate::model::{ClusterIdx, Inventory, NetworkSecurityGroup, SubnetIdx};
use crate::source::Span;

/// The node subnets of a cluster's pools (each once, in pool order).
pub(crate) fn node_subnets(inv: &Inventory, ci: ClusterIdx) -> Vec<SubnetIdx> {
    let mut out = Vec::new();
    for (_, pool) in inv.cluster_pools(ci) {
        if let Some(s) = pool.subnet {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// The pod subnets of a cluster's pools (each once, in pool order).
pub(crate) fn pod_subnets(inv: &Inventory, ci: ClusterIdx) -> Vec<SubnetIdx> {
    let mut out = Vec::new();
    for (_, pool) in inv.cluster_pools(ci) {
        if let Some(s) = pool.pod_subnet {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// The subnet's prefixes, when every one of them is read.
pub(crate) fn known_prefixes(inv: &Inventory, si: SubnetIdx) -> Option<Vec<IpNet>> {
    let s = inv.subnets.get(si)?;
    if s.address_prefixes.is_empty() {
        return None;
    }
    s.address_prefixes
        .iter()
        .map(|p| p.value().copied())
        .collect()
}

pub(crate) use super::cluster_name;

/// The first rule of the NSG's own among `deciders`: default rules are written
/// nowhere, and whether they apply depends on spaces (on-premises, overlay pod
/// ranges) that no input shows, so they never make a finding on their own.
pub(crate) fn first_user_rule(deciders: impl Iterator<Item = Decider>) -> Option<usize> {
    deciders
        .filter_map(|d| match d {
            Decider::Rule(i) => Some(i),
            Decider::Default(_) => None,
        })
        .next()
}

/// The most specific span of a security rule: its name, else its object.
pub(crate) fn rule_span(nsg: &NetworkSecurityGroup, i: usize) -> Option<Span> {
    let rule = nsg.rules.get(i)?;
    Some(rule.name.span().unwrap_or(rule.decl))
}

/// `` `name` (priority 100) ``, as messages name a security rule.
pub(crate) fn describe_rule(nsg: &NetworkSecurityGroup, i: usize) -> String {
    let name = Decider::Rule(i).name(nsg);
    match nsg.rules.get(i).and_then(|r| r.priority.value()) {
        Some(p) => format!("`{name}` (priority {p})"),
        None => format!("`{name}`"),
    }
}

pub(crate) fn nsg_name(nsg: &NetworkSecurityGroup) -> String {
    nsg.name
        .value()
        .cloned()
        .or_else(|| nsg.id.as_ref().map(|id| id.name().to_string()))
        .unwrap_or_else(|| nsg.address.clone())
}

/// Azure's platform address, which belongs to `VirtualNetwork`, not to public space.
const AZURE_PLATFORM: (Ipv4Addr, u8) = (Ipv4Addr::new(168, 63, 129, 16), 32);

/// Public IPv4 space as the fewest prefixes: where the API server's public
/// address and any attacker on the Internet may be.
/// Computed once: two rules ask for it per cluster or subnet.
pub(crate) fn public_v4_prefixes() -> &'static [IpNet] {
    static PREFIXES: std::sync::OnceLock<Vec<IpNet>> = std::sync::OnceLock::new();
    PREFIXES.get_or_init(split_public_v4)
}

fn split_public_v4() -> Vec<IpNet> {
    let blocked: Vec<Ipv4Net> = std::iter::once(&AZURE_PLATFORM)
        .chain(NOT_PUBLIC_V4.iter())
        .filter_map(|&(a, l)| Ipv4Net::new(a, l).ok())
        .collect();
    let mut out = Vec::new();
    let mut todo = vec![Ipv4Net::default()];
    while let Some(net) = todo.pop() {
        if blocked.iter().any(|b| b.contains(&net)) {
            continue;
        }
        if !blocked.iter().any(|b| net.contains(b)) {
            out.push(IpNet::V4(net));
            continue;
        }
        // Partly public: look at both halves.
        if let Ok(halves) = net.subnets(net.prefix_len() + 1) {
            todo.extend(halves);
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_space_leaves_out_private_and_special_blocks() {
        let public = public_v4_prefixes();
        let has = |ip: &str| {
            let ip: std::net::IpAddr = ip.parse().unwrap();
            public.iter().any(|n| n.contains(&ip))
        };
        assert!(has("20.50.1.2") && has("8.8.8.8") && has("11.0.0.1"));
        assert!(!has("10.1.2.3") && !has("192.168.1.1") && !has("172.20.0.1"));
        assert!(!has("100.64.0.1") && !has("224.0.0.1") && !has("0.1.2.3"));
        assert!(!has("168.63.129.16") && has("168.63.129.17"));
        assert!(public.len() < 160, "{}", public.len());
    }
}

/// Inputs for the NSG rules' unit tests, in Azure's resource shape.
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::rules::testing::SUB;

    pub(crate) fn subnet_id(name: &str) -> String {
        format!("{SUB}/Microsoft.Network/virtualNetworks/spoke/subnets/{name}")
    }

    /// A subnet of the `spoke` VNet, with the NSG `nsg-<name>`.
    pub(crate) fn subnet(name: &str, prefix: &str) -> String {
        format!(
            r#"{{"name":"{name}","properties":{{"addressPrefix":"{prefix}",
            "networkSecurityGroup":{{"id":"{SUB}/Microsoft.Network/networkSecurityGroups/nsg-{name}"}}}}}}"#
        )
    }

    /// The `spoke` VNet (10.240.0.0/16) with these subnets and VNet properties.
    pub(crate) fn vnet(subnets: &[String], extra: &str) -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/virtualNetworks/spoke","name":"spoke","type":"Microsoft.Network/virtualNetworks",
            "properties":{{"addressSpace":{{"addressPrefixes":["10.240.0.0/16"]}}{extra},"subnets":[{}]}}}}"#,
            subnets.join(",")
        )
    }

    /// One security rule: name, priority, direction, access, protocol, source,
    /// destination, destination port.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn rule(
        name: &str,
        priority: i64,
        direction: &str,
        access: &str,
        protocol: &str,
        source: &str,
        destination: &str,
        port: &str,
    ) -> String {
        format!(
            r#"{{"name":"{name}","properties":{{"priority":{priority},"direction":"{direction}","access":"{access}",
            "protocol":"{protocol}","sourceAddressPrefix":"{source}","sourcePortRange":"*",
            "destinationAddressPrefix":"{destination}","destinationPortRange":"{port}"}}}}"#
        )
    }

    pub(crate) fn nsg(name: &str, rules: &[String]) -> String {
        format!(
            r#"{{"id":"{SUB}/Microsoft.Network/networkSecurityGroups/{name}","name":"{name}","type":"Microsoft.Network/networkSecurityGroups",
            "properties":{{"securityRules":[{}]}}}}"#,
            rules.join(",")
        )
    }

    /// Cluster `aks1` with one pool in `nodes` (plus `pool_extra`) and these
    /// network profile and cluster properties.
    pub(crate) fn cluster(network: &str, pool_extra: &str, extra: &str) -> String {
        format!(
            r#"{{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks1",
            "name":"aks1","location":"westeurope","type":"Microsoft.ContainerService/managedClusters",
            "properties":{{"kubernetesVersion":"1.31.2","networkProfile":{{{network}}}{extra},
            "agentPoolProfiles":[{{"name":"sys","count":3,"vnetSubnetID":"{}"{pool_extra}}}]}}}}"#,
            subnet_id("nodes")
        )
    }
}
