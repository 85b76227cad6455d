use super::ranges::{all_known, known_nets, same_file, vnet_name};
use super::{declare_rule, Context, Rule, RuleMeta};
use crate::diagnostic::Label;
use crate::model::{cidr, Inventory};

declare_rule! {
    /// ## What it checks
    /// Whether every prefix of a subnet lies inside one address space of its VNet.
    /// The VNet's address spaces must all be known; a subnet whose VNet is not
    /// among the inputs is not judged. A prefix must fit in one address space, not
    /// straddle two adjacent ones, and an IPv6 subnet prefix needs an IPv6
    /// address space (F-050). The subnet and its VNet's address space must come
    /// from the same file: two files that describe one VNet id differently (two
    /// environments exported with the same placeholder ids) are not compared.
    ///
    /// ## Why it matters
    /// Azure refuses a subnet whose range lies outside its VNet's address space,
    /// so the deployment fails. It often means the VNet's
    /// address space was changed in one file and the subnets in another, or a
    /// template parameter holds a prefix meant for another environment.
    ///
    /// ## How to fix
    /// Move the subnet's prefix into the VNet's address space, or add an address
    /// space to the VNet that contains it.
    ///
    /// ## Example
    /// ```json
    /// "addressSpace": { "addressPrefixes": ["10.240.0.0/16"] },
    /// "subnets": [ { "name": "snet-aks-nodes", "properties": { "addressPrefix": "10.240.0.0/22" } } ]
    /// ```
    /// instead of a subnet prefix of `10.241.0.0/22`.
    pub struct SubnetOutsideVnet {
        code: "AKS110",
        name: "subnet-outside-vnet",
        category: IpPlanning,
        severity: Error,
        summary: "A subnet prefix is not inside its VNet's address space",
    }
}

impl Rule for SubnetOutsideVnet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {
        for subnet in &inv.subnets {
            let Some(vi) = subnet.vnet else { continue };
            let vnet = &inv.vnets[vi];
            // A VNet described in several files (two exports that share an id) keeps
            // the first file's address space: judge only subnets from that file.
            if !all_known(&vnet.address_prefixes) || !same_file(subnet.prefix_span(), vnet.decl) {
                continue;
            }
            let spaces = known_nets(&vnet.address_prefixes);
            for (net, span) in known_nets(&subnet.address_prefixes) {
                if cidr::inside_any(&net, spaces.iter().map(|(s, _)| s)) {
                    continue;
                }
                let list: Vec<String> = spaces.iter().map(|(s, _)| s.to_string()).collect();
                let d = cx.report(
                    span,
                    format!(
                        "subnet `{}` ({net}) is not inside the address space of VNet `{}` ({})",
                        subnet.display_name(),
                        vnet_name(inv, vi),
                        list.join(", ")
                    ),
                    "outside the VNet",
                );
                for (s, sspan) in &spaces {
                    d.labels
                        .push(Label::new(*sspan, format!("address space {s}")));
                }
                d.help = Some("move the subnet into the VNet's address space, or add an address space that contains it".into());
                d.resource = Some(subnet.address.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, primary_text, vnet};

    #[test]
    fn outside_and_straddling() {
        let n = vnet(
            "vnet1",
            &["10.240.0.0/16"],
            &[("a", "10.240.0.0/22"), ("b", "10.241.0.0/22")],
        );
        let (src, d) = check(&SubnetOutsideVnet, &[&n]);
        assert_eq!(d.len(), 1);
        assert_eq!(primary_text(&src, &d[0]), "\"10.241.0.0/22\"");
        assert_eq!(d[0].labels.len(), 1);
        // Two adjacent /24 spaces do not hold a /23 across them.
        let n = vnet(
            "vnet1",
            &["10.0.0.0/24", "10.0.1.0/24"],
            &[("a", "10.0.0.0/23")],
        );
        assert_eq!(check(&SubnetOutsideVnet, &[&n]).1.len(), 1);
    }

    #[test]
    fn inside_passes() {
        let n = vnet(
            "vnet1",
            &["10.240.0.0/16", "fd00::/48"],
            &[("a", "10.240.4.0/22")],
        );
        assert!(check(&SubnetOutsideVnet, &[&n]).1.is_empty());
    }
}
